//! Issue 33: the first drill through GitHub Actions, as a new team meets it — the README's two-repository layout
//! (scenarios in `acme/drills`, the target `acme/shop`) run by the real binary in Action mode against the GitHub
//! emulator: the preview read through the API, a drill started by hand that stays open before its merge, the
//! job summary of a run that opens one drill while another ends, and the local recipe
//! (`firedrill action --event FILE`).

use firedrill::scenario::builder::ScenarioBuilder;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::common::{firedrill, run};
use crate::github_drill::{Fixture, action, action_on, after};
use crate::protected::{head_of, protect, pulls, status};

/// A scenario without `schedule` (what `suggest` writes) on `path` of `acme/shop`, in the fixture's scenarios.
fn by_hand(f: &Fixture, id: &str, path: &str, extra: &str) {
    let mut b = ScenarioBuilder::new(id).repo("acme/shop").path(path);
    if !extra.is_empty() {
        b = b.raw(extra);
    }
    std::fs::write(f.dir.path().join("scenarios").join(format!("{id}.yaml")), b.yaml()).unwrap();
}

fn dispatch(scenario: &str, mode: &str) -> String {
    json!({"inputs": {"scenario": scenario, "mode": mode}, "ref": "refs/heads/main"}).to_string()
}

/// The workflow's own token (`github-token`), with write access to the control repository.
fn workflow_token(f: &Fixture) -> String {
    let t = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    t
}

/// The exchanges the emulator logged: (method, path) of each request.
fn requests(f: &Fixture) -> Vec<(String, String)> {
    let log = std::fs::read_to_string(f.state.path().join("exchanges.jsonl")).unwrap_or_default();
    log.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| (v["method"].as_str().unwrap_or("").to_owned(), v["path"].as_str().unwrap_or("").to_owned()))
        .collect()
}

fn output(outputs: &str, name: &str) -> Option<String> {
    outputs.lines().find_map(|l| l.strip_prefix(&format!("{name}="))).map(str::to_owned)
}

/// Item 1: `mode: preview` of a scenario whose target is another repository reads it through the API (the drill
/// token), shows the diff, the pull request and where it lands, and writes nothing.
#[test]
fn a_preview_in_the_two_repository_layout_reads_the_target_through_the_api() {
    let f = Fixture::new();
    let work = tempfile::tempdir().unwrap();
    let token = workflow_token(&f);
    let now: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
    let before = requests(&f).len();
    let (code, out, err, outputs) =
        action_on(&f, now, work.path(), &token, ("workflow_dispatch", &dispatch("redis-pool-exhaustion", "preview")));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!out.contains("cannot do yet"), "{out}");
    assert!(out.contains("+  SERVICE__REDIS__CONNECTION_POOL__SIZE: \"0\""), "{out}");
    assert!(out.contains("acme/shop"), "where the files were read: {out}");
    assert!(out.contains("Nothing was written."), "{out}");
    let summary = std::fs::read_to_string(work.path().join("summary.md")).unwrap();
    assert!(summary.contains("+  SERVICE__REDIS__CONNECTION_POOL__SIZE: \"0\""), "{summary}");
    assert_eq!(output(&outputs, "drill-id").as_deref(), Some(f.plan.drill_id.as_str()), "{outputs}");
    // Read with GETs only, every one counted in the `requests` output.
    let sent: Vec<(String, String)> = requests(&f)[before..].to_vec();
    assert!(!sent.is_empty() && sent.iter().all(|(m, _)| m == "GET"), "{sent:?}");
    assert!(sent.iter().any(|(_, p)| p.starts_with("/repos/acme/shop/")), "{sent:?}");
    assert_eq!(output(&outputs, "requests"), Some(sent.len().to_string()), "{outputs}");
    assert!(pulls(&f).is_empty(), "a preview opens nothing");

    // A target branch that does not exist is a usage error naming it, not a crash.
    let text = std::fs::read_to_string(f.dir.path().join("scenarios/redis.yaml")).unwrap();
    std::fs::write(f.dir.path().join("scenarios/redis.yaml"), text.replace("branch: main", "branch: mian")).unwrap();
    let (code, out, _, _) =
        action_on(&f, now, work.path(), &token, ("workflow_dispatch", &dispatch("redis-pool-exhaustion", "preview")));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("the branch `mian` does not exist in"), "{out}");
}

/// Item 5: a scenario without `schedule` started with `mode: run` opens at once and is first merged
/// `merge.open_for` (30 min by default) later, after its required check passed; the preview says so.
#[test]
fn a_drill_started_by_hand_stays_open_before_its_merge_and_waits_for_required_checks() {
    let f = Fixture::new();
    std::fs::remove_file(f.dir.path().join("scenarios/redis.yaml")).unwrap();
    by_hand(&f, "cart-pool", "charts/checkout/values-staging.yaml", "");
    protect(&f, json!({"required_status_checks": {"strict": false, "contexts": ["deploy-staging"]}}));
    let work = tempfile::tempdir().unwrap();
    let token = workflow_token(&f);
    let start: Timestamp = "2026-11-26T14:03:00Z".parse().unwrap();

    let (code, out, err, _) =
        action_on(&f, start, work.path(), &token, ("workflow_dispatch", &dispatch("cart-pool", "preview")));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Merges    30 min after it opens (`merge.open_for`), once its required checks pass"), "{out}");

    let (code, out, err, outputs) =
        action_on(&f, start, work.path(), &token, ("workflow_dispatch", &dispatch("cart-pool", "run")));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("planned by hand (opens now, merges 2026-11-26T14:33:00Z)"), "{out}");
    assert_eq!(output(&outputs, "state").as_deref(), Some("open"), "{outputs}");
    assert_eq!(pulls(&f)[0].state, "open");
    let merges = |f: &Fixture| requests(f).iter().filter(|(m, p)| m == "PUT" && p.ends_with("/merge")).count();
    assert_eq!(merges(&f), 0, "no merge is tried at the opening");

    // 29 minutes later the pull request is still only open: no merge is tried.
    let (code, out, err, outputs) = action(&f, after(start, 29), work.path(), &token);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(output(&outputs, "state").as_deref(), Some("open"), "{outputs}");
    assert_eq!(merges(&f), 0, "{out}");

    // At the merge instant the required check has not passed: the merge waits, nothing lands.
    let (code, out, err, _) = action(&f, after(start, 30), work.path(), &token);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("deploy-staging"), "the merge waits for the check: {out}");
    assert!(pulls(&f)[0].merged_at.is_none());

    // Once it passes, the next run merges, once.
    status(&f, &head_of(&f, 0), "deploy-staging", "success");
    let (code, out, err, outputs) = action(&f, after(start, 32), work.path(), &token);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(output(&outputs, "state").as_deref(), Some("running"), "{outputs}");
    assert_eq!(pulls(&f)[0].merged_at, Some("2026-11-26T14:35:00Z".parse().unwrap()));
    assert_eq!(pulls(&f).len(), 1);
}

/// Item 5: `merge.open_for` comes from the scenario, else from `firedrill.yml`'s defaults; and `validate`
/// bounds it.
#[test]
fn the_open_for_gap_comes_from_the_scenario_or_the_settings_file() {
    let f = Fixture::new();
    std::fs::remove_file(f.dir.path().join("scenarios/redis.yaml")).unwrap();
    by_hand(&f, "cart-pool", "charts/checkout/values-staging.yaml", "");
    std::fs::write(f.dir.path().join("firedrill.yml"), "defaults:\n  merge:\n    open_for: 45m\n").unwrap();
    let start: Timestamp = "2026-11-26T14:03:00Z".parse().unwrap();
    let (code, out, err) = f.firedrill(&["start", "cart-pool", "--dry-run"], start);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("planned by hand (opens now, merges 2026-11-26T14:48:00Z)"), "{out}");

    by_hand(&f, "cart-pool", "charts/checkout/values-staging.yaml", "merge:\n  open_for: 10m\n");
    let (code, out, err) = f.firedrill(&["start", "cart-pool", "--dry-run"], start);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("planned by hand (opens now, merges 2026-11-26T14:13:00Z)"), "{out}");

    by_hand(&f, "cart-pool", "charts/checkout/values-staging.yaml", "merge:\n  open_for: 13h\n");
    let mut cmd = firedrill();
    cmd.args(["validate"]).arg(f.dir.path().join("scenarios"));
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 2, "{out}\n{err}");
    let all = format!("{out}{err}");
    assert!(all.contains("cart-pool.yaml:") && all.contains("merge.open_for"), "{all}");
    assert!(all.contains("longer than 12 hours"), "{all}");
}

/// Item 4: a run that opens one drill while an older drill ends (its report written in the same tick) shows the
/// new drill in its job summary, and only names the other drill's report instead of embedding it.
#[test]
fn the_summary_of_a_run_that_opens_a_drill_does_not_embed_another_drills_report() {
    let values =
        std::fs::read_to_string(crate::common::root().join("examples/charts/checkout/values-staging.yaml")).unwrap();
    let f = Fixture::new();
    // One drill at a time per target: the other scenario targets another repository, acme/cart.
    let seeds = tempfile::tempdir().unwrap();
    crate::github_drill::seed_repo(seeds.path(), &[("charts/cart/values-staging.yaml", values)]);
    f.emulator.create_repo("acme/cart", Some(seeds.path()), true).unwrap();
    f.emulator.set_permission("acme/cart", "sam", "write").unwrap();
    let text = ScenarioBuilder::new("cart-pool").repo("acme/cart").path("charts/cart/values-staging.yaml").yaml();
    std::fs::write(f.dir.path().join("scenarios/cart-pool.yaml"), text).unwrap();
    let work = tempfile::tempdir().unwrap();
    let token = workflow_token(&f);
    // The scheduled drill: opened, merged, and reverted by Ana 1 h 18 min later.
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    let revert_at = after(f.plan.merge_at, 78);
    f.emulator.set_clock(&revert_at.to_string()).unwrap();
    f.emulator.repo("acme/shop").as_user("ana").revert_pr(1, true).unwrap();

    // The next run is a manual one for the other scenario: it records the first drill's recovery (and writes
    // its report), then opens the new drill.
    let (code, out, err, outputs) =
        action_on(&f, after(revert_at, 2), work.path(), &token, ("workflow_dispatch", &dispatch("cart-pool", "run")));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("time to recovery 1 h 18 min"), "the first drill ended in this run: {out}");
    let new_id = output(&outputs, "drill-id").unwrap();
    assert!(new_id.starts_with("cart-pool-"), "{outputs}");
    assert_eq!(output(&outputs, "state").as_deref(), Some("open"), "{outputs}");
    let summary = std::fs::read_to_string(work.path().join("summary.md")).unwrap();
    let control = firedrill::git::Repo::open(&f.state.path().join("repos/acme/drills.git")).unwrap();
    let tip = control.branch_head("firedrill/ledger").unwrap().unwrap();
    let report = control.read_file(&tip, &format!("drills/{}/report.md", f.plan.drill_id)).unwrap().unwrap();
    let report = String::from_utf8(report).unwrap();
    let heading = report.lines().find(|l| l.starts_with('#')).unwrap();
    assert!(!summary.contains(heading), "the other drill's report is embedded:\n{summary}");
    assert!(!summary.contains("Redis connection pool drained"), "the other drill's title:\n{summary}");
    assert!(summary.contains(&format!("Also reported in this run (see the ledger): {}", f.plan.drill_id)), "{summary}");
    assert!(summary.contains(&new_id), "{summary}");
}

/// Item 3: `firedrill action --event FILE --input NAME=VALUE` runs the Action here as a runner would: the same
/// variables, the tokens from the environment, the outputs and the summary in files whose paths it prints.
#[test]
fn the_local_recipe_runs_the_action_as_the_runner_would() {
    let f = Fixture::new();
    let work = tempfile::tempdir().unwrap();
    let event = work.path().join("dispatch.json");
    std::fs::write(&event, dispatch("redis-pool-exhaustion", "preview")).unwrap();
    let recipe = |inputs: &[&str], token: Option<&str>| {
        let mut cmd = firedrill();
        cmd.args(["action", "--event"]).arg(&event).args(["--repository", "acme/drills"]);
        for i in inputs {
            cmd.args(["--input", i]);
        }
        if let Some(t) = token {
            cmd.env("FIREDRILL_TOKEN", t);
        }
        cmd.env("TMPDIR", work.path()).current_dir(f.dir.path());
        run(&mut cmd)
    };
    let api = format!("api-url={}", f.emulator.url());
    let (code, out, err) = recipe(&[&api, "now=2026-11-23T12:00:00Z"], Some(&f.token));
    assert_eq!(code, 0, "{out}\n{err}");
    // The token is masked first, and the log shows it as a runner's does: `***`, never the token.
    assert_eq!(out.lines().next(), Some("::add-mask::***"), "{out}");
    assert!(!out.contains(&f.token), "{out}");
    assert!(!err.contains(&f.token), "{err}");
    assert!(out.contains("+  SERVICE__REDIS__CONNECTION_POOL__SIZE: \"0\""), "{out}");
    let path_of = |label: &str| -> std::path::PathBuf {
        let line = err.lines().find_map(|l| l.strip_prefix(label)).unwrap_or_else(|| panic!("{label}: {err}"));
        std::path::PathBuf::from(line.trim())
    };
    let outputs = std::fs::read_to_string(path_of("outputs (GITHUB_OUTPUT):")).unwrap();
    assert_eq!(output(&outputs, "drill-id").as_deref(), Some(f.plan.drill_id.as_str()), "{outputs}");
    let summary = std::fs::read_to_string(path_of("job summary (GITHUB_STEP_SUMMARY):")).unwrap();
    assert!(summary.contains("Triggered by `workflow_dispatch (redis-pool-exhaustion)`"), "{summary}");
    assert!(path_of("outputs (GITHUB_OUTPUT):").starts_with(work.path()), "a temporary file: {err}");

    // A token given as a flag is refused without being repeated.
    let (code, out, err) = recipe(&[&api, "drill-token=github_pat_onTheCommandLine"], None);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("tokens are read from the environment"), "{err}");
    assert!(!out.contains("onTheCommandLine") && !err.contains("onTheCommandLine"), "{out}{err}");
    // An input action.yml does not have, and a pair without `=`, are usage errors naming the fix.
    let (code, _, err) = recipe(&["mode=run"], None);
    assert_eq!(code, 2);
    assert!(err.contains("--input mode: not an input of action.yml"), "{err}");
    let (code, _, err) = recipe(&["scenario"], None);
    assert_eq!(code, 2);
    assert!(err.contains("write NAME=VALUE"), "{err}");
}

/// The event's name is guessed from the payload only when it says; else `--event-name` is asked for.
#[test]
fn the_local_recipe_names_the_event_from_its_payload_or_asks() {
    let work = tempfile::tempdir().unwrap();
    let empty = work.path().join("empty.json");
    std::fs::write(&empty, "{}").unwrap();
    let mut cmd = firedrill();
    cmd.args(["action", "--event"]).arg(&empty).env("TMPDIR", work.path()).current_dir(work.path());
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--event-name"), "{err}");
    let mut cmd = firedrill();
    cmd.args(["action", "--event"])
        .arg(&empty)
        .args(["--event-name", "schedule", "--input", "command=validate"])
        .env("TMPDIR", work.path())
        .current_dir(work.path());
    let (_, out, err) = run(&mut cmd);
    assert!(!err.contains("--event-name"), "{err}");
    let summary = err.lines().find_map(|l| l.strip_prefix("job summary (GITHUB_STEP_SUMMARY): ")).unwrap();
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(summary.starts_with("### firedrill validate"), "{summary}\n{out}");
    assert!(summary.contains("Triggered by `schedule`."), "{summary}\n{out}");
}

/// Item 15: `github-emulator --seed … --private …` says what it seeds and how long it took, makes the seeds
/// named private (hidden from anyone without a permission, as GitHub hides them), and an installation of the
/// GitHub Actions App (which every GitHub has) is made without creating that App first.
#[test]
fn the_emulator_seeds_with_progress_private_repositories_and_the_actions_app() {
    let tmp = tempfile::tempdir().unwrap();
    let values =
        std::fs::read_to_string(crate::common::root().join("examples/charts/checkout/values-staging.yaml")).unwrap();
    crate::github_drill::seed_repo(&tmp.path().join("shop"), &[("charts/checkout/values-staging.yaml", values)]);
    crate::github_drill::seed_repo(&tmp.path().join("drills"), &[("README.md", "Drills.\n".to_owned())]);
    let out_file = tmp.path().join("out.txt");
    let err_file = tmp.path().join("err.txt");
    let mut child = crate::common::TestEnv::shared()
        .command(crate::readme::emulator_binary())
        .args(["--listen", "127.0.0.1:0", "--state"])
        .arg(tmp.path().join("state"))
        .arg("--seed")
        .arg(format!("acme/shop={}", tmp.path().join("shop").display()))
        .arg("--seed")
        .arg(format!("acme/drills={}", tmp.path().join("drills").display()))
        .args(["--private", "acme/drills"])
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(std::fs::File::create(&err_file).unwrap())
        .spawn()
        .unwrap();
    let url = (0..300)
        .find_map(|_| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            std::fs::read_to_string(&out_file)
                .ok()?
                .lines()
                .find_map(|l| l.strip_prefix("listening on "))?
                .to_owned()
                .into()
        })
        .expect("the emulator listens");
    let err = std::fs::read_to_string(&err_file).unwrap();
    let curl = |args: &[&str]| -> (String, String) {
        let (_, out, err) =
            run(crate::common::TestEnv::shared().command("curl").args(["-sS", "-w", "\n%{http_code}"]).args(args));
        let (body, code) = out.rsplit_once('\n').unwrap_or((&out, ""));
        (code.to_owned(), format!("{body}{err}"))
    };
    let token = curl(&["-X", "POST", &format!("{url}/_emulator/tokens"), "-d", r#"{"login": "ana"}"#]);
    let token: Value = serde_json::from_str(&token.1).unwrap();
    let auth = format!("Authorization: Bearer {}", token["token"].as_str().unwrap());
    let shop = curl(&["-H", &auth, &format!("{url}/repos/acme/shop")]);
    let drills = curl(&["-H", &auth, &format!("{url}/repos/acme/drills")]);
    let installation = curl(&[
        "-X",
        "POST",
        &format!("{url}/_emulator/apps/github-actions/installations"),
        "-d",
        r#"{"repositories": ["acme/drills"]}"#,
    ]);
    let other = curl(&[
        "-X",
        "POST",
        &format!("{url}/_emulator/apps/some-bot/installations"),
        "-d",
        r#"{"repositories": ["acme/drills"]}"#,
    ]);
    child.kill().unwrap();
    child.wait().unwrap();

    for line in ["seeding acme/shop from", "seeded acme/shop (public) in", "seeded acme/drills (private) in"] {
        assert!(err.contains(line), "{line}:\n{err}");
    }
    assert_eq!(shop.0, "200", "{shop:?}");
    assert!(shop.1.contains(r#""private":false"#), "{shop:?}");
    assert_eq!(drills.0, "404", "a private repository is hidden from Ana, who has no permission: {drills:?}");
    assert_eq!(installation.0, "201", "{installation:?}");
    assert!(installation.1.contains(r#""login":"github-actions[bot]""#), "{installation:?}");
    assert_eq!(other.0, "404", "any other App is created first: {other:?}");
    assert!(other.1.contains("create it with POST /_emulator/apps"), "{other:?}");
}

/// Item 2: the relay's step, run as written in `examples/workflows/relay.yml` (its `run:` script with its `env:`,
/// under the runner's `bash -e -o pipefail`), dispatches the control repository's workflow on that repository's
/// default branch (`trunk` here, not a hard-coded `main`), with its one token, `FIREDRILL_RELAY_TOKEN`.
#[test]
fn the_relay_dispatches_on_the_control_repositorys_default_branch() {
    let f = Fixture::new();
    let seeds = tempfile::tempdir().unwrap();
    let ops = seeds.path().join("ops");
    let git = |args: &[&str]| {
        let (code, out, err) = run(crate::common::git().args(args).current_dir(seeds.path()));
        assert_eq!(code, 0, "git {args:?}: {out}{err}");
    };
    git(&["init", "-q", "-b", "trunk", "ops"]);
    std::fs::write(ops.join("README.md"), "Drills.\n").unwrap();
    git(&["-C", "ops", "add", "."]);
    git(&["-C", "ops", "-c", "user.name=Sam", "-c", "user.email=sam@acme.example", "commit", "-qm", "Drills"]);
    f.emulator.create_repo("acme/ops", Some(&ops), true).unwrap();
    let relay_token = f.emulator.user_with_token("relay-bot").unwrap();
    f.emulator.set_permission("acme/ops", "relay-bot", "write").unwrap();

    let workflow: serde_norway::Value = serde_norway::from_str(
        &std::fs::read_to_string(crate::common::root().join("examples/workflows/relay.yml")).unwrap(),
    )
    .unwrap();
    let step = &workflow["jobs"]["relay"]["steps"][0];
    let header = std::fs::read_to_string(crate::common::root().join("examples/workflows/relay.yml")).unwrap();
    assert_eq!(step["env"]["GH_TOKEN"].as_str(), Some("${{ secrets.FIREDRILL_RELAY_TOKEN }}"));
    assert!(header.contains("FIREDRILL_RELAY_TOKEN: a fine-grained token"), "the secret is described");
    let script = step["run"].as_str().unwrap();
    assert!(!script.contains("\"main\""), "no hard-coded branch: {script}");
    let mut cmd = crate::common::TestEnv::shared().command("bash");
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .env("GH_TOKEN", &relay_token)
        .env("CONTROL", "acme/ops")
        .env("WORKFLOW", step["env"]["WORKFLOW"].as_str().unwrap())
        .env("COMMENT_ID", "4242")
        .env("REVIEW_OF", "")
        .env("REPOSITORY", "acme/shop")
        .env("GITHUB_API_URL", f.emulator.url());
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 0, "{out}\n{err}");
    let events = f.emulator.state_dir().join("events");
    let dispatch = std::fs::read_dir(&events)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("workflow_dispatch."))
        .expect("a workflow_dispatch event");
    let payload: Value = serde_json::from_str(&std::fs::read_to_string(dispatch).unwrap()).unwrap();
    // Dispatched with the branch's name; the run's event names the full ref, as GitHub's does.
    assert_eq!(payload["ref"], "refs/heads/trunk", "{payload}");
    assert_eq!(payload["inputs"], json!({"comment-repository": "acme/shop", "comment-id": "4242"}), "{payload}");
    assert_eq!(payload["repository"]["full_name"], "acme/ops", "{payload}");
}
