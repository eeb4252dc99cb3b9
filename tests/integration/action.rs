//! `firedrill action` as GitHub runs it: `INPUT_*`, `GITHUB_*` and an event file set explicitly (the harness
//! scrubs the real ones), outputs and summary files checked, the lifecycle run on the local forge over bare
//! repositories on disk.

use std::path::{Path, PathBuf};
use std::process::Command;

use firedrill::git::{FileChange, Identity, Repo};
use firedrill::schedule::Plan;

use crate::common::{firedrill, run, write};

const DRILL_TOKEN: &str = "ghp_drillTokenNeverPrinted0123456789";
const GITHUB_TOKEN: &str = "ghs_workflowTokenNeverPrinted98765";
const VALUES: &str = "charts/checkout/values-staging.yaml";

/// A workspace (the checkout), bare target and control repositories beside it, and the runner's files.
struct Action {
    dir: tempfile::TempDir,
}

impl Action {
    fn new() -> Action {
        let a = Action { dir: tempfile::tempdir().unwrap() };
        std::fs::create_dir_all(a.ws().join("scenarios")).unwrap();
        std::fs::create_dir_all(a.path("tmp")).unwrap();
        a
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn ws(&self) -> PathBuf {
        self.path("workspace")
    }

    /// The seed scenario, aimed at `repo` (or at the workspace's own files when `None`).
    fn scenario(&self, repo: Option<&Path>) -> String {
        let seed = firedrill::scenario::builder::ScenarioBuilder::seed();
        let text = match repo {
            Some(r) => seed.repo(&r.display().to_string()).yaml(),
            None => seed.yaml(),
        };
        write(&self.ws(), "scenarios/redis.yaml", &text);
        text
    }

    /// A bare target repository with the example configuration on `main`.
    fn target(&self) -> PathBuf {
        let path = self.path("target.git");
        let repo = Repo::init_bare(&path).unwrap();
        let root = crate::common::root().join("examples");
        let files = vec![FileChange::write(VALUES, std::fs::read_to_string(root.join(VALUES)).unwrap())];
        let who = Identity::new("Sam Rivera", "sam@acme.example", "2026-11-16T12:00:00Z".parse().unwrap());
        let c = repo.write_commit(None, &files, "Staging configuration\n", &who, &who).unwrap();
        repo.update_ref("refs/heads/main", &c, None, "test: initial commit").unwrap();
        path
    }

    fn control(&self) -> PathBuf {
        let path = self.path("control.git");
        Repo::init_bare(&path).unwrap();
        path
    }

    fn event(&self, name: &str, json: &str) -> PathBuf {
        write(self.dir.path(), &format!("event-{name}.json"), json)
    }

    /// `firedrill action` with the runner's variables; `inputs` as the runner names them (`DRY-RUN`).
    fn command(&self, event: &str, event_path: &Path, inputs: &[(&str, &str)]) -> Command {
        let mut cmd = firedrill();
        cmd.arg("action")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", event)
            .env("GITHUB_EVENT_PATH", event_path)
            .env("GITHUB_WORKSPACE", self.ws())
            .env("GITHUB_OUTPUT", self.path("output"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("GITHUB_REPOSITORY", "acme/drills")
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_API_URL", "https://api.github.com")
            .env("GITHUB_ACTOR", "sam")
            .env("GITHUB_RUN_ID", "42")
            .env("TMPDIR", self.path("tmp"))
            .env("INPUT_GITHUB-TOKEN", GITHUB_TOKEN)
            .env("INPUT_DRILL-TOKEN", DRILL_TOKEN);
        for (k, v) in inputs {
            cmd.env(format!("INPUT_{k}"), v);
        }
        cmd
    }

    fn run(&self, event: &str, event_path: &Path, inputs: &[(&str, &str)]) -> (i32, String, String) {
        run(&mut self.command(event, event_path, inputs))
    }

    fn output(&self) -> String {
        std::fs::read_to_string(self.path("output")).unwrap_or_default()
    }

    /// The summary with the temporary folder's path made stable.
    fn summary(&self) -> String {
        let text = std::fs::read_to_string(self.path("summary.md")).unwrap_or_default();
        text.replace(&self.dir.path().display().to_string(), "[TMP]")
    }

    fn assert_no_token_leak(&self, out: &str, err: &str) {
        for token in [DRILL_TOKEN, GITHUB_TOKEN] {
            let mask = format!("::add-mask::{token}");
            let unmasked: Vec<&str> = out.lines().filter(|l| l.contains(token) && *l != mask).collect();
            assert!(unmasked.is_empty(), "token printed outside ::add-mask:: on stdout: {unmasked:?}");
            assert!(!err.contains(token), "token on stderr:\n{err}");
            assert!(!self.output().contains(token), "token in GITHUB_OUTPUT");
            assert!(!self.summary().contains(token), "token in the step summary");
        }
    }
}

fn shared_payload(name: &str) -> Option<PathBuf> {
    let p = crate::common::root().join("../shared/payloads").join(name);
    crate::common::needed_shared(p, "GitHub's real webhook payloads live in ../shared/payloads")
}

fn plan(text: &str, now: &str) -> Plan {
    let scenario = firedrill::scenario::load(Path::new("redis.yaml"), text).unwrap();
    firedrill::drill::prepare::plan(&scenario, now.parse().unwrap()).unwrap().unwrap()
}

#[test]
fn tokens_are_masked_before_anything_else_and_never_printed() {
    let a = Action::new();
    a.scenario(None);
    let event = a.event("schedule", r#"{"schedule": "*/10 * * * *"}"#);
    let (code, out, err) = a.run("schedule", &event, &[("COMMAND", "validate")]);
    assert_eq!(code, 0, "{out}\n{err}");
    let first: Vec<&str> = out.lines().take(2).collect();
    assert_eq!(first, [format!("::add-mask::{GITHUB_TOKEN}"), format!("::add-mask::{DRILL_TOKEN}")]);
    a.assert_no_token_leak(&out, &err);
}

#[test]
fn a_scenario_error_becomes_an_error_annotation_on_its_file() {
    let a = Action::new();
    let text = a.scenario(None).replace("cron: \"0 10 * * 2\"", "cron: \"0 10 * *\"");
    write(&a.ws(), "scenarios/redis.yaml", &text);
    let event = a.event("workflow_dispatch", r#"{"inputs": {}}"#);
    let (code, out, err) = a.run("workflow_dispatch", &event, &[("COMMAND", "validate")]);
    assert_eq!(code, 2, "{out}\n{err}");
    let line = out.lines().find(|l| l.starts_with("::error file=scenarios/redis.yaml,line=")).unwrap_or_else(|| {
        panic!("no annotation on the scenario file:\n{out}");
    });
    assert!(line.contains(",col=") && line.contains("title=firedrill validate::schedule.cron"), "{line}");
    assert!(a.summary().contains("problems found: see the annotations"), "{}", a.summary());
    a.assert_no_token_leak(&out, &err);
}

#[test]
fn a_scheduled_run_ticks_on_the_local_forge_and_writes_outputs_and_summary() {
    let a = Action::new();
    let target = a.target();
    let control = a.control();
    let text = a.scenario(Some(&target));
    let p = plan(&text, "2026-11-23T12:00:00Z");
    let Some(event) = shared_payload("schedule.derived.json") else { return };
    let control = control.display().to_string();
    let open_at = p.open_at.to_string();
    let identity = ("IDENTITY", "Sam Rivera <sam@acme.example>");

    // The opening instant: the drill's change is pushed.
    let opened = [("API-URL", "local"), ("CONTROL", control.as_str()), identity, ("NOW", open_at.as_str())];
    let (code, out, err) = a.run("schedule", &event, &opened);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(&format!("firedrill tick at {}", p.open_at)), "{out}");
    let output = a.output();
    assert!(output.contains(&format!("drill-id={}\n", p.drill_id)), "{output}");
    assert!(output.contains("state=open\n") && output.contains("requests=0\n"), "{output}");
    insta::assert_snapshot!("scheduled_tick_summary_open", a.summary());

    // The merge instant: the fault lands and the drill runs.
    let merge_at = p.merge_at.to_string();
    let merged = [("API-URL", "local"), ("CONTROL", control.as_str()), identity, ("NOW", merge_at.as_str())];
    let (code, out, err) = a.run("schedule", &event, &merged);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(a.output().ends_with("state=running\nrequests=0\n"), "{}", a.output());
    a.assert_no_token_leak(&out, &err);
}

#[test]
fn a_manual_preview_shows_the_diff_in_the_log_and_the_summary() {
    let a = Action::new();
    a.scenario(None);
    let values = std::fs::read_to_string(crate::common::root().join("examples").join(VALUES)).unwrap();
    write(&a.ws(), VALUES, &values);
    let event = a.event(
        "workflow_dispatch",
        r#"{"inputs": {"scenario": "redis-pool-exhaustion", "mode": "preview", "now": "2026-11-23T12:00:00Z"}}"#,
    );
    let (code, out, err) = a.run("workflow_dispatch", &event, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("+  SERVICE__REDIS__CONNECTION_POOL__SIZE: \"0\""), "{out}");
    assert!(a.output().starts_with("drill-id=redis-pool-exhaustion-"), "{}", a.output());
    insta::assert_snapshot!("manual_preview_summary", a.summary());
}

#[test]
fn the_shared_dispatch_payload_ticks_and_a_comment_elsewhere_is_ignored() {
    let a = Action::new();
    let Some(dispatch) = shared_payload("workflow_dispatch.json") else { return };
    let Some(comment) = shared_payload("issue_comment.created.on-pr.derived.json") else { return };
    a.scenario(Some(&a.target()));
    let control = a.control().display().to_string();
    let inputs = [("API-URL", "local"), ("CONTROL", control.as_str()), ("NOW", "2026-11-23T12:00:00Z")];
    let (code, out, err) = a.run("workflow_dispatch", &dispatch, &inputs);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("firedrill tick at 2026-11-23T12:00:00Z"), "{out}");

    let (code, out, err) = a.run("issue_comment", &comment, &inputs);
    assert_eq!(code, 0, "{out}\n{err}");
    // The comment is in a repository no scenario targets (and plain git has no comments): ignored, and said.
    assert!(out.contains("is not the target of any scenario"), "{out}");
    assert!(a.summary().contains("Triggered by `issue_comment (comment "), "{}", a.summary());
}

#[test]
fn a_github_api_url_runs_the_github_forge_on_the_workflow_repository() {
    let a = Action::new();
    a.scenario(Some(Path::new("acme/checkout-config")));
    let event = a.event("schedule", r#"{"schedule": "*/10 * * * *"}"#);
    // Nothing listens there: the run reaches the GitHub forge, fails, and says so without leaking a token.
    let mut cmd = a.command("schedule", &event, &[("API-URL", "http://127.0.0.1:9")]);
    cmd.env_remove("INPUT_DRILL-TOKEN");
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("::warning title=firedrill::only the workflow's GITHUB_TOKEN is set"), "{out}");
    assert!(out.contains("::error title=firedrill::"), "{out}");
    assert!(!out.contains("not wired"), "{out}");
    assert!(a.summary().contains("> [!WARNING]"), "{}", a.summary());
    // The step failed, and its outputs say so, with the requests it tried (none answered).
    let output = a.output();
    let requests = output.strip_prefix("state=failed\nrequests=").and_then(|r| r.strip_suffix('\n'));
    assert!(requests.is_some_and(|n| n.parse::<u64>().is_ok_and(|n| n > 0)), "{output}");
    a.assert_no_token_leak(&out, &err);
}

#[test]
fn bad_inputs_and_payloads_are_usage_errors() {
    let a = Action::new();
    let event = a.event("schedule", "{}");
    let (code, out, _) = a.run("schedule", &event, &[("DRY-RUN", "maybe")]);
    assert_eq!(code, 2);
    assert!(
        out.contains("::error title=firedrill%3A invalid input::input `dry-run`: `maybe` is not a boolean"),
        "{out}"
    );
    let broken = a.event("broken", "{not json");
    let (code, out, _) = a.run("schedule", &broken, &[]);
    assert_eq!(code, 2);
    assert!(out.contains("is not JSON"), "{out}");
    // Each failed run still wrote its outputs and its summary.
    assert_eq!(a.output(), "state=failed\nrequests=0\nstate=failed\nrequests=0\n");
    assert!(a.summary().starts_with("### firedrill failed\n"), "{}", a.summary());
    assert!(a.summary().contains("`maybe` is not a boolean"), "{}", a.summary());
}

#[test]
fn outside_github_actions_the_action_is_refused_with_the_way_out() {
    let a = Action::new();
    a.scenario(None);
    let event = a.event("schedule", r#"{"schedule": "*/10 * * * *"}"#);
    let mut cmd = a.command("schedule", &event, &[("COMMAND", "validate")]);
    cmd.env_remove("GITHUB_ACTIONS");
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "nothing for a runner to read: {out}");
    assert!(!a.path("output").exists() && !a.path("summary.md").exists());
    insta::assert_snapshot!("outside_github_actions", err);
}

#[test]
fn a_failed_run_on_github_writes_state_failed_and_what_it_knows() {
    let f = crate::github_drill::Fixture::new();
    let work = tempfile::tempdir().unwrap();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    // The drill's pull request cannot be opened: the connection keeps dropping.
    let fault = serde_json::json!({"method": "POST", "path": "/repos/acme/shop/pulls", "drop": true, "times": 20});
    f.emulator.inject(&fault).unwrap();
    let schedule = ("schedule", r#"{"schedule": "*/10 * * * *"}"#);
    let (code, out, err, outputs) =
        crate::github_drill::action_on(&f, f.plan.open_at, work.path(), &workflow, schedule);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("::error title=firedrill::"), "{out}");
    // The ledger knows the drill was planned; the outputs say which, that the run failed, and what it cost.
    let requests: u64 = outputs.lines().find_map(|l| l.strip_prefix("requests=")).unwrap().parse().unwrap();
    assert!(requests > 0, "{outputs}");
    assert_eq!(outputs, format!("drill-id={}\nstate=failed\nrequests={requests}\n", f.plan.drill_id));
    let summary = std::fs::read_to_string(work.path().join("summary.md")).unwrap();
    assert!(summary.starts_with(&format!("### firedrill tick at {}: failed\n", f.plan.open_at)), "{summary}");
    assert!(summary.contains("| `state` | failed |"), "{summary}");
}

/// `runs.image` of an `action.yml`.
fn runs_image(action_yml: &str) -> String {
    let doc: serde_json::Value = serde_norway::from_str(action_yml).unwrap();
    doc["runs"]["image"].as_str().unwrap().to_owned()
}

/// A `docker://` image must be the one the release of this crate version publishes.
fn assert_is_this_release(image: &str) {
    let reference = image.strip_prefix("docker://").unwrap_or_else(|| panic!("not a docker:// image: {image}"));
    let (name, tag) = reference.rsplit_once(':').unwrap();
    assert!(name.starts_with("ghcr.io/") && name.ends_with("/firedrill"), "{image}");
    assert_eq!(tag, format!("v{}", env!("CARGO_PKG_VERSION")), "the image's tag is the crate version: {image}");
}

#[test]
fn action_yml_runs_the_dockerfile_on_main_and_this_versions_image_once_released() {
    let root = crate::common::root();
    let action_yml = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let image = runs_image(&action_yml);
    if image.starts_with("docker://") {
        assert_is_this_release(&image);
    } else {
        assert_eq!(image, "Dockerfile", "the development branch builds the image");
    }

    // The release workflow's edit, made on a copy: exactly this version's image, and nothing else changes.
    let dir = tempfile::tempdir().unwrap();
    for f in ["action.yml", "Cargo.toml"] {
        std::fs::copy(root.join(f), dir.path().join(f)).unwrap();
    }
    let (code, out, err) = run(crate::common::TestEnv::shared()
        .command("sh")
        .arg(root.join(".ci/pin-image"))
        .arg("Acme-Org")
        .current_dir(dir.path()));
    if image.starts_with("docker://") {
        assert_eq!(code, 1, "a pinned action.yml is not pinned twice: {err}");
        return;
    }
    assert_eq!(code, 0, "{err}");
    let version = env!("CARGO_PKG_VERSION");
    let major = version.split('.').next().unwrap();
    assert_eq!(
        out,
        format!(
            "version={version}\ntag=v{version}\nmajor-tag=v{major}\nimage=ghcr.io/acme-org/firedrill:v{version}\n\
             major-image=ghcr.io/acme-org/firedrill:v{major}\n"
        )
    );
    let pinned = std::fs::read_to_string(dir.path().join("action.yml")).unwrap();
    assert_eq!(runs_image(&pinned), format!("docker://ghcr.io/acme-org/firedrill:v{version}"));
    assert_is_this_release(&runs_image(&pinned));
    let changed: Vec<_> = action_yml.lines().zip(pinned.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(action_yml.lines().count(), pinned.lines().count());

    // The workflow pushes exactly the images the script named, and tags the commit it pinned.
    let release = std::fs::read_to_string(root.join(".github/workflows/release.yml")).unwrap();
    let doc: serde_json::Value = serde_norway::from_str(&release).unwrap();
    let steps = doc["jobs"]["release"]["steps"].as_array().unwrap();
    let pin = steps.iter().find(|s| s["run"].as_str().is_some_and(|r| r.contains(".ci/pin-image"))).unwrap();
    let id = pin["id"].as_str().unwrap();
    assert!(pin["run"].as_str().unwrap().contains("$GITHUB_OUTPUT"), "{pin}");
    let push =
        steps.iter().find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("docker/build-push-action@"))).unwrap();
    let tags: Vec<&str> = push["with"]["tags"].as_str().unwrap().lines().map(str::trim).collect();
    assert_eq!(
        tags,
        [format!("${{{{ steps.{id}.outputs.image }}}}"), format!("${{{{ steps.{id}.outputs.major-image }}}}")]
    );
    assert_eq!(push["with"]["push"], true);
    let commit = steps.iter().find(|s| s["run"].as_str().is_some_and(|r| r.contains("git commit"))).unwrap();
    assert_eq!(commit["env"]["TAG"], format!("${{{{ steps.{id}.outputs.tag }}}}"));
    assert!(commit["run"].as_str().unwrap().contains("action.yml"), "{commit}");
}
