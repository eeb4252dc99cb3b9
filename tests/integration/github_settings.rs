//! Issue 20: real GitHub settings met by the real binary against the emulator: a fault already present, a
//! give-up's outputs, merge methods a repository allows, App tokens.

use std::path::Path;

use github_emulator::state::MergeSettings;
use serde_json::json;

use crate::common::{firedrill, run};
use crate::github_drill::{Fixture, after};

const VALUES: &str = "charts/checkout/values-staging.yaml";

/// The seed scenario's fault, already on `main` of the target (someone broke it by hand, or an earlier drill
/// was never reverted).
fn break_main_by_hand(f: &Fixture) {
    let text = std::fs::read_to_string(f.dir.path().join("scenarios/redis.yaml")).unwrap();
    let scenario = firedrill::scenario::load(Path::new("redis.yaml"), &text).unwrap();
    let values = std::fs::read_to_string(crate::common::root().join("examples").join(VALUES)).unwrap();
    let edits = firedrill::drill::prepare::edits(&scenario, |_| Ok(values.clone())).unwrap();
    f.emulator.repo("acme/shop").as_user("ana").push("main", VALUES, Some(&edits[0].after), "tune").unwrap();
}

#[test]
fn a_fault_already_present_is_refused_by_doctor_preview_and_at_opening() {
    let f = Fixture::new();
    break_main_by_hand(&f);
    let message = "the target already holds this value: nothing to break";
    let (code, out, err) = f.firedrill(&["doctor"], f.plan.open_at);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.lines().any(|l| l.contains(": fault") && l.contains("FAIL") && l.contains(message)), "{out}");

    // preview and validate, on a checkout of the target as it is now: both refuse, validate with exit code 2.
    let checkout = tempfile::tempdir().unwrap();
    let shop = f.state.path().join("repos/acme/shop.git");
    let (code, _, err) = run(crate::common::git().arg("clone").arg("-q").arg(&shop).arg(checkout.path()));
    assert_eq!(code, 0, "{err}");
    for verb in ["preview", "validate"] {
        let scenario = f.dir.path().join("scenarios/redis.yaml");
        let (code, out, err) = run(firedrill().arg(verb).arg(scenario).arg("--repo").arg(checkout.path()));
        assert_ne!(code, 0, "{verb}: {out}{err}");
        assert!(verb != "validate" || code == 2, "{verb}: {out}{err}");
        assert!(err.contains(message), "{verb}: {err}");
    }

    // At the opening instant: refused before anything is written (exit 3), no pull request.
    let (code, out, err) = f.firedrill(&["tick"], f.plan.open_at);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains(message), "{out}");
    assert_eq!(f.names(), ["planned", "abandoned", "reported"]);
    assert!(f.emulator.repo("acme/shop").state().unwrap().pulls.is_empty(), "nothing was opened");
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_give_up_is_not_a_recovery_in_the_run_line_and_the_outputs() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    let id = f.plan.drill_id.to_string();
    let (code, out, err) =
        f.firedrill(&["command", "revert", "--drill", &id, "--actor", "sam"], after(f.plan.merge_at, 19));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("gave up after 19 min"), "{out}");
    assert!(!out.contains("time to recovery 19 min"), "{out}");
}

#[test]
fn a_drill_the_time_limit_ended_leaves_mttr_seconds_empty_and_sets_censored_seconds() {
    let f = Fixture::new();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let work = tempfile::tempdir().unwrap();
    for now in [f.plan.open_at, f.plan.merge_at] {
        let (code, out, err, _) = crate::github_drill::action(&f, now, work.path(), &workflow);
        assert_eq!(code, 0, "{out}{err}");
    }
    let (code, out, err, outputs) =
        crate::github_drill::action(&f, after(f.plan.merge_at, 180), work.path(), &workflow);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("not recovered: the time limit ended it after 3 h"), "{out}");
    assert!(!outputs.contains("mttr-seconds"), "a time-out is not a recovery: {outputs}");
    assert!(outputs.contains("censored-seconds=10800"), "{outputs}");
    f.assert_openapi_valid(&[]);
}

/// The Action with no `merge-method` input on a target that allows only `allowed`: the drill merges with it.
fn merges_with_the_only_allowed_method(settings: MergeSettings, expect_message_prefix: &str) {
    let f = Fixture::new();
    f.emulator.repo("acme/shop").set_settings(&settings).unwrap();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let work = tempfile::tempdir().unwrap();
    for now in [f.plan.open_at, f.plan.merge_at] {
        let (code, out, err, _) = crate::github_drill::action(&f, now, work.path(), &workflow);
        assert_eq!(code, 0, "{out}{err}");
    }
    assert_eq!(f.names(), ["planned", "opened", "merged"]);
    let pr = &f.emulator.repo("acme/shop").state().unwrap().pulls[0];
    let landed = pr.merge_commit_sha.as_deref().unwrap();
    let (code, out, _) = run(crate::common::git()
        .arg("--git-dir")
        .arg(f.state.path().join("repos/acme/shop.git"))
        .args(["log", "-1", "--format=%P%n%s", landed]));
    assert_eq!(code, 0);
    let mut lines = out.lines();
    assert_eq!(lines.next().unwrap().split(' ').count(), 1, "one parent: no merge commit: {out}");
    assert!(lines.next().unwrap().starts_with(expect_message_prefix), "{out}");
    // The revert at the time limit goes through the same settings.
    let (code, out, err, _) = crate::github_drill::action(&f, after(f.plan.merge_at, 180), work.path(), &workflow);
    assert_eq!(code, 0, "{out}{err}");
    assert!(f.names().contains(&"recovered"), "{:?}", f.names());
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_squash_only_repository_gets_a_squash_merge_without_any_input() {
    let settings = MergeSettings { allow_merge_commit: false, allow_rebase_merge: false, ..MergeSettings::default() };
    merges_with_the_only_allowed_method(settings, "chore");
}

#[test]
fn a_rebase_only_repository_gets_a_rebase_merge_without_any_input() {
    let settings = MergeSettings { allow_merge_commit: false, allow_squash_merge: false, ..MergeSettings::default() };
    merges_with_the_only_allowed_method(settings, "chore");
}

/// A GitHub App installation token for the target and the control repository.
fn app_token(f: &Fixture) -> String {
    f.emulator.create_app("drill-bot", "Drill Bot").unwrap();
    f.emulator.install_app("drill-bot", &["acme/shop", "acme/drills"], "write").unwrap()
}

/// `firedrill ARGS` with `token` and no `--identity`.
pub(crate) fn firedrill_as(
    f: &Fixture,
    token: &str,
    args: &[&str],
    now: jiff::Timestamp,
    identity: Option<&str>,
) -> (i32, String) {
    f.emulator.set_clock(&now.to_string()).unwrap();
    let mut cmd = firedrill();
    cmd.args(args)
        .arg("--scenarios")
        .arg(f.dir.path().join("scenarios"))
        .args(["--control", "acme/drills", "--api-url", &f.emulator.url(), "--now", &now.to_string(), "--workdir"])
        .arg(f.dir.path().join("work"))
        .env("FIREDRILL_TOKEN", token)
        .env_remove("FIREDRILL_IDENTITY");
    if let Some(i) = identity {
        cmd.args(["--identity", i]);
    }
    let (code, out, err) = run(&mut cmd);
    assert!(!out.contains(token) && !err.contains(token), "the token leaked");
    (code, format!("{out}{err}"))
}

#[test]
fn an_app_token_without_identity_is_refused_before_writing_and_with_one_signs_the_drill_commit() {
    let f = Fixture::new();
    let token = app_token(&f);
    let (code, out) = firedrill_as(&f, &token, &["doctor"], f.plan.open_at, None);
    assert!(out.contains("the GitHub App installation can write acme/shop"), "{out}");
    assert_eq!(code, 2, "{out}");
    assert!(
        out.lines().any(|l| l.contains(": identity") && l.contains("FAIL") && l.contains("set `identity`")),
        "{out}"
    );
    // Before the first drill, doctor says the pull request will show a bot, and how to avoid it.
    assert!(
        out.lines().any(|l| l.starts_with("author")
            && l.contains("warn")
            && l.contains("`APP[bot]`")
            && l.contains("fine-grained personal access token")),
        "{out}"
    );
    // A person's token gives no such warning.
    let (_, out) = firedrill_as(&f, &f.token, &["doctor"], f.plan.open_at, Some("Sam Rivera <sam@acme.example>"));
    assert!(!out.contains("`APP[bot]`"), "{out}");
    let (code, out) = firedrill_as(&f, &token, &["tick"], f.plan.open_at, None);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("the drill token is a GitHub App installation token") && out.contains("set `identity`"),
        "{out}"
    );
    assert!(f.emulator.repo("acme/shop").state().unwrap().pulls.is_empty(), "nothing was written to the target");
    assert_eq!(f.names(), ["planned", "abandoned", "reported"]);

    // The same with an identity: the drill opens, and its commit carries that identity, not the App's.
    let g = Fixture::new();
    let token = app_token(&g);
    let (code, out) = firedrill_as(&g, &token, &["tick"], g.plan.open_at, Some("Dana Kim <dana@acme.example>"));
    assert_eq!(code, 0, "{out}");
    let pr = &g.emulator.repo("acme/shop").state().unwrap().pulls[0];
    assert_eq!(pr.user, "drill-bot[bot]", "{pr:?}");
    let (code, log, _) = run(crate::common::git()
        .arg("--git-dir")
        .arg(g.state.path().join("repos/acme/shop.git"))
        .args(["log", "-1", "--format=%an <%ae>", &pr.head_sha]));
    assert_eq!(code, 0);
    assert_eq!(log.trim(), "Dana Kim <dana@acme.example>");
    g.assert_openapi_valid(&[]);
}

#[test]
fn a_secondary_rate_limit_without_retry_after_waits_a_minute_and_the_merge_goes_through() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    let message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
    let fault = json!({"method": "PUT", "path": "/repos/acme/shop/pulls/*/merge", "times": 1, "status": 403,
        "body": {"message": message, "documentation_url": "https://docs.github.com/rest", "status": "403"}});
    f.emulator.inject(&fault).unwrap();
    let (code, out, err) = f.firedrill(&["tick", "-v"], f.plan.merge_at);
    assert_eq!(code, 0, "{out}{err}");
    // GitHub asks for at least a minute: firedrill decides to wait 60 s (the harness's sleeper does not spend it).
    let wait = err
        .lines()
        .find(|l| l.contains("GitHub rate limit: waiting before retrying"))
        .unwrap_or_else(|| panic!("said in the log: {err}"));
    assert!(wait.contains("seconds=60"), "{wait}");
    assert_eq!(f.names(), ["planned", "opened", "merged"]);
}

#[test]
fn a_primary_rate_limit_past_the_bound_at_the_merge_ends_the_run_and_the_next_tick_merges() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    let reset = (jiff::Timestamp::now().as_second() + 3600).to_string();
    let fault = json!({"method": "PUT", "path": "/repos/acme/shop/pulls/*/merge", "times": 1, "status": 403,
        "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
        "body": {"message": "API rate limit exceeded for user ID 1004.", "documentation_url": "https://docs.github.com/rest"}});
    f.emulator.inject(&fault).unwrap();
    let (code, out, err) = f.firedrill(&["tick"], f.plan.merge_at);
    assert_eq!(code, 1, "{out}{err}");
    let text = format!("{out}{err}");
    assert!(text.contains("GitHub's rate limit is spent until ") && text.contains("the next one carries on"), "{text}");
    assert_eq!(f.names(), ["planned", "opened"], "nothing abandoned");
    let out = f.tick(after(f.plan.merge_at, 10));
    assert!(out.contains("merged into main"), "{out}");
    assert_eq!(f.names(), ["planned", "opened", "merged"]);
}

/// A run that opened the drill's pull request and was stopped before recording it, then the kill switch: the
/// refusal closes what the stopped run left open, so the disguised pull request is never left for anyone to
/// merge unwatched.
#[test]
fn a_refusal_after_a_run_stopped_mid_opening_closes_the_pull_request_it_left() {
    let f = Fixture::new();
    let fault = |v: serde_json::Value| f.emulator.inject(&v).unwrap();
    fault(json!({"method": "POST", "path": "/repos/acme/shop/pulls", "times": 20, "drop": true}));
    let (code, _, _) = f.firedrill(&["tick"], f.plan.open_at);
    assert_ne!(code, 0);
    f.emulator.clear_faults().unwrap();
    // This run opens the pull request, then cannot write the ledger.
    fault(json!({"method": "PATCH", "path": "/repos/acme/drills/git/refs/*", "times": 20, "drop": true}));
    let (code, out, err) = f.firedrill(&["tick"], f.plan.open_at);
    assert_ne!(code, 0, "{out}{err}");
    f.emulator.clear_faults().unwrap();
    assert_eq!(f.names(), ["planned"], "the opening was never recorded");
    let pr = &f.emulator.repo("acme/shop").state().unwrap().pulls[0];
    assert_eq!(pr.state, "open");
    let branch = pr.head_ref.clone();

    let (code, out, err) = f.firedrill_env(&["tick"], f.plan.open_at, &[("FIREDRILL_ENABLED", "false")]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains(&format!("closed `{branch}`, left open by a run that stopped")), "{out}");
    assert_eq!(f.emulator.repo("acme/shop").state().unwrap().pulls[0].state, "closed");
    let shop = firedrill::git::Repo::open(&f.state.path().join("repos/acme/shop.git")).unwrap();
    assert_eq!(shop.branch_head(&branch).unwrap(), None, "its branch is deleted");
    assert_eq!(f.names(), ["planned", "abandoned", "reported"]);
}
