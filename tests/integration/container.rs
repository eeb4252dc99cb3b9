//! The Action's image, run the way GitHub's runner starts a Docker action: a whole drill on the GitHub emulator,
//! once with the host binary and once through the image, with the same outputs and summaries.
//!
//! The image is built by `.ci/run` (a static binary, then `buildah bud --target runtime`) and named by
//! `FIREDRILL_TEST_IMAGE`. Each run is a fresh container (`buildah from`, `buildah run --isolation chroot`)
//! holding nothing but the binary, given what the runner gives: `GITHUB_*`, `RUNNER_*` and `INPUT_*` variables
//! (`INPUT_DRILL-TOKEN`: names a shell cannot write, so they are passed from here as arguments), the workspace,
//! the event file and the file-command folder mounted at `/github/…`, the workspace as working directory,
//! `runs.args` from `action.yml` after the image's entrypoint. Chroot isolation keeps the host's network, so
//! the emulator on 127.0.0.1 is reachable from inside, as github.com is from a runner's container.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::Timestamp;
use serde_json::json;

use crate::common::{firedrill, run};
use crate::github_drill::{Fixture, after};

/// The storage driver that works without a kernel overlay filesystem or privileges beyond root.
const STORAGE: [&str; 2] = ["--storage-driver", "vfs"];

/// The image to test, or `None` (with the reason printed) where it could not be built.
fn image() -> Option<String> {
    let image = std::env::var("FIREDRILL_TEST_IMAGE").ok().filter(|i| !i.is_empty());
    // `.ci/run` says why when buildah cannot be installed on the machine (no apt-get, not root).
    let why = std::env::var("FIREDRILL_CONTAINER_SKIP").map_or_else(|_| String::new(), |why| format!(" ({why})"));
    let how = format!(
        "`.ci/run` builds it (the static binary, then `buildah bud --target runtime`) and sets FIREDRILL_TEST_IMAGE{why}; \
         by hand, see the Dockerfile's header and `FIREDRILL_TEST_IMAGE=localhost/firedrill:ci`"
    );
    crate::common::needed(image, "the Action's image (FIREDRILL_TEST_IMAGE)", &how)
}

fn buildah(args: &[&str]) -> String {
    let (code, out, err) = run(Command::new("buildah").args(STORAGE).args(args));
    assert_eq!(code, 0, "buildah {args:?}:\n{out}\n{err}");
    out.trim().to_owned()
}

/// What `action.yml` tells the runner: the arguments after the entrypoint, and each input's default.
struct ActionYml {
    args: Vec<String>,
    defaults: BTreeMap<String, String>,
}

impl ActionYml {
    fn read() -> ActionYml {
        let text = std::fs::read_to_string(crate::common::root().join("action.yml")).unwrap();
        let doc: serde_json::Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(doc["runs"]["using"], "docker", "a Docker action");
        let args = doc["runs"]["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect();
        let defaults = doc["inputs"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, i)| (name.clone(), i["default"].as_str().unwrap_or_default().to_owned()))
            .collect();
        ActionYml { args, defaults }
    }
}

/// Where `firedrill action` runs.
#[derive(Clone, Copy)]
enum Place<'a> {
    Host,
    Image(&'a str),
}

/// What one step left behind.
#[derive(Debug)]
struct Step {
    code: i32,
    log: String,
    outputs: String,
    summary: String,
}

/// One job on a runner: its `_temp` folder (home, event, file commands) and the steps run so far.
struct Job<'a> {
    f: &'a Fixture,
    place: Place<'a>,
    temp: tempfile::TempDir,
    workflow_token: String,
    steps: usize,
}

impl<'a> Job<'a> {
    fn new(f: &'a Fixture, place: Place<'a>) -> Job<'a> {
        let temp = tempfile::tempdir().unwrap();
        for d in ["_github_home", "_github_workflow", "_runner_file_commands"] {
            std::fs::create_dir_all(temp.path().join(d)).unwrap();
        }
        // The workflow's own token writes the ledger; the drill token (Sam's) opens and merges.
        let workflow_token = f.emulator.user_with_token("github-actions").unwrap();
        f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
        Job { f, place, temp, workflow_token, steps: 0 }
    }

    /// The runner's folders on the host and where the step sees them: the same paths for the host binary,
    /// `/github/…` in the container, as GitHub mounts them.
    fn mounts(&self) -> [(PathBuf, String); 4] {
        let host = |d: &str| self.temp.path().join(d);
        let at = |host: &Path, inside: &str| match self.place {
            Place::Host => host.display().to_string(),
            Place::Image(_) => inside.to_owned(),
        };
        let ws = self.f.dir.path().to_path_buf();
        [
            (host("_github_home"), at(&host("_github_home"), "/github/home")),
            (host("_github_workflow"), at(&host("_github_workflow"), "/github/workflow")),
            (host("_runner_file_commands"), at(&host("_runner_file_commands"), "/github/file_commands")),
            (ws.clone(), at(&ws, "/github/workspace")),
        ]
    }

    /// The environment GitHub's runner gives a Docker action's container for this step.
    fn env(&self, event_name: &str, with: &[(&str, &str)]) -> Vec<(String, String)> {
        let [home, workflow, commands, workspace] = self.mounts().map(|(_, inside)| inside);
        let n = self.steps;
        let api = self.f.emulator.url();
        let mut env: Vec<(String, String)> = [
            ("HOME", home),
            ("CI", "true".into()),
            ("GITHUB_ACTIONS", "true".into()),
            ("GITHUB_JOB", "tick".into()),
            ("GITHUB_REF", "refs/heads/main".into()),
            ("GITHUB_REF_NAME", "main".into()),
            ("GITHUB_REF_TYPE", "branch".into()),
            ("GITHUB_REPOSITORY", "acme/drills".into()),
            ("GITHUB_REPOSITORY_OWNER", "acme".into()),
            ("GITHUB_RUN_ID", "42".into()),
            ("GITHUB_RUN_NUMBER", n.to_string()),
            ("GITHUB_RUN_ATTEMPT", "1".into()),
            ("GITHUB_ACTOR", "sam".into()),
            ("GITHUB_TRIGGERING_ACTOR", "sam".into()),
            ("GITHUB_WORKFLOW", "firedrill".into()),
            ("GITHUB_ACTION", "firedrill".into()),
            ("GITHUB_EVENT_NAME", event_name.into()),
            ("GITHUB_EVENT_PATH", format!("{workflow}/event.json")),
            ("GITHUB_SERVER_URL", api.clone()),
            ("GITHUB_API_URL", api.clone()),
            ("GITHUB_GRAPHQL_URL", format!("{api}/graphql")),
            ("GITHUB_WORKSPACE", workspace),
            ("GITHUB_OUTPUT", format!("{commands}/set_output_{n}")),
            ("GITHUB_STEP_SUMMARY", format!("{commands}/step_summary_{n}")),
            ("GITHUB_ENV", format!("{commands}/set_env_{n}")),
            ("GITHUB_PATH", format!("{commands}/add_path_{n}")),
            ("GITHUB_STATE", format!("{commands}/save_state_{n}")),
            ("RUNNER_OS", "Linux".into()),
            ("RUNNER_ARCH", "X64".into()),
            ("RUNNER_NAME", "GitHub Actions 1".into()),
            ("RUNNER_ENVIRONMENT", "github-hosted".into()),
            ("RUNNER_TEMP", "/home/runner/work/_temp".into()),
            ("RUNNER_TOOL_CACHE", "/opt/hostedtoolcache".into()),
            ("RUNNER_WORKSPACE", "/home/runner/work/drills".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        // Every input of action.yml, as the runner names it (`INPUT_DRILL-TOKEN`): `with:` or the default,
        // its expressions evaluated.
        for (name, default) in ActionYml::read().defaults {
            let value = match with.iter().find(|(k, _)| *k == name) {
                Some((_, v)) => (*v).to_owned(),
                None => {
                    default.replace("${{ github.token }}", &self.workflow_token).replace("${{ github.api_url }}", &api)
                }
            };
            env.push((format!("INPUT_{}", name.replace(' ', "_").to_uppercase()), value));
        }
        env
    }

    /// One `uses: ./` step on a scheduled run at `now`.
    fn step(&mut self, now: Timestamp) -> Step {
        self.steps += 1;
        let n = self.steps;
        self.f.emulator.set_clock(&now.to_string()).unwrap();
        let temp = self.temp.path();
        std::fs::write(temp.join("_github_workflow/event.json"), r#"{"schedule": "*/10 * * * *"}"#).unwrap();
        // The workflow's `with:`; `now` is the drill's instant, as the emulator's clock is.
        let now = now.to_string();
        let with = [
            ("drill-token", self.f.token.as_str()),
            ("identity", "Sam Rivera <sam@acme.example>"),
            ("now", now.as_str()),
        ];
        let env = self.env("schedule", &with);
        let (code, out, err) = match self.place {
            Place::Host => {
                let mut cmd = firedrill();
                cmd.args(ActionYml::read().args).envs(env).current_dir(self.f.dir.path());
                run(&mut cmd)
            }
            Place::Image(image) => run_in_image(image, &self.mounts(), &env),
        };
        let log = format!("{out}{err}");
        assert!(!log.replace(&format!("::add-mask::{}", self.f.token), "").contains(&self.f.token), "leak:\n{log}");
        let read =
            |name: &str| std::fs::read_to_string(temp.join("_runner_file_commands").join(name)).unwrap_or_default();
        let api = self.f.emulator.url();
        Step {
            code,
            log,
            outputs: read(&format!("set_output_{n}")).replace(&api, "[API]"),
            summary: read(&format!("step_summary_{n}")).replace(&api, "[API]"),
        }
    }
}

/// `docker run --workdir /github/workspace -v …:/github/… -e … IMAGE ARGS`, with buildah: a fresh container
/// from the image, removed afterwards.
fn run_in_image(image: &str, mounts: &[(PathBuf, String)], env: &[(String, String)]) -> (i32, String, String) {
    let container = Container::from(image);
    let entrypoint = entrypoint(image);
    let mut cmd = Command::new("buildah");
    cmd.args(STORAGE).args(["run", "--isolation", "chroot", "--workingdir", "/github/workspace"]);
    for (host, inside) in mounts {
        cmd.arg("--volume").arg(format!("{}:{inside}", host.display()));
    }
    for (k, v) in env {
        cmd.arg("--env").arg(format!("{k}={v}"));
    }
    cmd.arg(&container.0).arg("--").args(entrypoint).args(ActionYml::read().args);
    // Nothing from the host's environment reaches the container but what is passed above.
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    run(&mut cmd)
}

/// A working container from the image, removed when dropped (also when an assertion fails midway).
struct Container(String);

impl Container {
    fn from(image: &str) -> Container {
        Container(buildah(&["from", "--quiet", "--pull=never", image]))
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("buildah").args(STORAGE).args(["rm", &self.0]).output();
    }
}

fn inspect(image: &str) -> serde_json::Value {
    serde_json::from_str(&buildah(&["inspect", "--type", "image", image])).unwrap()
}

fn entrypoint(image: &str) -> Vec<String> {
    let config = &inspect(image)["OCIv1"]["config"];
    config["Entrypoint"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_image_holds_only_the_binary_and_runs_as_root() {
    let Some(image) = image() else { return };
    let config = &inspect(&image)["OCIv1"]["config"];
    assert_eq!(config["Entrypoint"], json!(["/firedrill"]), "{config}");
    // GitHub needs the default user to be root to let the step write GITHUB_OUTPUT.
    assert!(config["User"].as_str().unwrap_or_default().is_empty(), "{config}");
    let container = Container::from(&image);
    let root = PathBuf::from(buildah(&["mount", &container.0]));
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            files.push(path.strip_prefix(&root).unwrap().display().to_string());
        }
    }
    buildah(&["umount", &container.0]);
    assert_eq!(files, ["firedrill"]);
}

#[test]
fn a_whole_drill_through_the_image_matches_the_host_binary() {
    let Some(image) = image() else { return };
    let host = Fixture::new();
    let boxed = Fixture::new();
    let mut on_host = Job::new(&host, Place::Host);
    let mut in_image = Job::new(&boxed, Place::Image(&image));
    let plan = host.plan.clone();
    assert_eq!(plan.drill_id, boxed.plan.drill_id);

    let mut both = |now: Timestamp| {
        let h = on_host.step(now);
        let c = in_image.step(now);
        assert_eq!(h.code, 0, "host at {now}:\n{}", h.log);
        assert_eq!(c.code, 0, "image at {now}:\n{}", c.log);
        assert_eq!(c.outputs, h.outputs, "outputs at {now}");
        assert_eq!(c.summary, h.summary, "summary at {now}");
        c
    };
    let opened = both(plan.open_at);
    assert!(opened.outputs.contains("state=open\npr-number=1\npr-url=[API]/acme/shop/pull/1\n"), "{}", opened.outputs);
    let merged = both(plan.merge_at);
    assert!(merged.outputs.contains("state=running"), "{}", merged.outputs);
    let revert_at = after(plan.merge_at, 78);
    let revert = |f: &Fixture| {
        f.emulator.set_clock(&revert_at.to_string()).unwrap();
        f.emulator.repo("acme/shop").as_user("ana").revert_pr(1, true).unwrap();
    };
    // Ana reverts on both GitHubs; the next run records the recovery.
    revert(&host);
    revert(&boxed);
    let recovered = both(after(revert_at, 9));
    assert!(recovered.outputs.contains("state=recovered\n") && recovered.outputs.contains("mttr-seconds=4680\n"));
    assert!(recovered.summary.contains("time to recovery 1 h 18 min"), "{}", recovered.summary);

    // The container reached the emulator: the drill's pull request is Sam's, merged and reverted there.
    assert_eq!(boxed.emulator.repo("acme/shop").state().unwrap().pulls[0].user, "sam");
    // Nothing deployed the revert: the seed's environment is still watched for the fix's deploy.
    assert_eq!(boxed.names(), ["planned", "opened", "merged", "recovered", "deploy_watch", "reported"]);
}
