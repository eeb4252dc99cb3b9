//! Safety limits where the action happens, through the real binary on both forges: production-looking
//! targets, the kill switch (`enabled:` and `FIREDRILL_ENABLED`), an open incident, and a timeout that leaves
//! the fault in place. Every refusal exits 3 with a `refused:` line, and shows in the job summary in Action mode.

use std::path::Path;

use firedrill::git::Repo;
use firedrill::scenario::builder::ScenarioBuilder;
use jiff::Timestamp;

use crate::github_drill::{self as gh, action_on};
use crate::lifecycle::{self as local, after};

const VALUES: &str = "charts/checkout/values-staging.yaml";
const FAULT: &str = "SERVICE__REDIS__CONNECTION_POOL__SIZE: \"0\"";

fn write_scenario(dir: &Path, builder: ScenarioBuilder) {
    std::fs::write(dir.join("scenarios/redis.yaml"), builder.yaml()).unwrap();
}

fn write_config(dir: &Path, text: &str) {
    std::fs::write(dir.join("firedrill.yml"), text).unwrap();
}

/// The target file at the tip of `main` in a bare repository.
fn values_at_main(repo: &Repo) -> String {
    let tip = repo.branch_head("main").unwrap().unwrap();
    String::from_utf8(repo.read_file(&tip, VALUES).unwrap().unwrap()).unwrap()
}

/// `firedrill action` on a schedule with the workflow's own token writing the ledger; returns the exit code,
/// the log and the job summary.
fn scheduled_action(f: &gh::Fixture, now: Timestamp) -> (i32, String, String) {
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let work = tempfile::tempdir().unwrap();
    let (code, out, err, _) =
        action_on(f, now, work.path(), &workflow, ("schedule", r#"{"schedule": "*/10 * * * *"}"#));
    let summary = std::fs::read_to_string(work.path().join("summary.md")).unwrap_or_default();
    (code, format!("{out}{err}"), summary)
}

#[test]
fn a_production_environment_is_refused_at_the_opening_and_by_start_on_the_local_forge() {
    let f = local::Fixture::new();
    write_scenario(f.dir.path(), ScenarioBuilder::seed().repo(&f.server.url("target")).environment(Some("production")));
    let main = f.main();
    // Dry, the same refusal, and what would be recorded said as such (issue 33: "would abandoned: refused: …").
    let (code, out, err) = f.firedrill_env(&["tick", "--dry-run"], f.plan.open_at, "work", &[]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("would record: abandoned: the drill ends here, refused as said above"), "{out}");
    assert!(!out.contains("would abandoned") && !out.contains("would planned"), "{out}");
    assert_eq!(out.matches("looks like production").count(), 1, "{out}");
    let (code, out, err) = f.firedrill_env(&["tick"], f.plan.open_at, "work", &[]);
    assert_eq!(code, 3, "a refusal exits 3:\n{out}{err}");
    // The refusal is said once, in the drill's step (issue 33: it was printed twice, and "would abandoned: …").
    let line = "refused: environment `production` looks like production (the word `production`); set \
                `allow_production: true` in firedrill.yml if it is not";
    assert!(out.contains(&format!("{}\n   {line}\n", f.plan.drill_id)), "{out}");
    assert_eq!(out.matches("looks like production").count(), 1, "{out}");
    assert_eq!(f.names(), ["planned", "abandoned", "reported"]);
    assert_eq!(f.main(), main, "nothing landed");

    let later = after(f.plan.open_at, 5);
    let (code, out, err) = f.firedrill_env(&["start", "redis-pool-exhaustion"], later, "work", &[]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(err.contains("refused: environment `production` looks like production"), "{err}");

    // Allowed in firedrill.yml: the same drill opens.
    write_config(f.dir.path(), "allow_production: true\n");
    let (code, out, err) = f.firedrill_env(&["start", "redis-pool-exhaustion"], later, "work", &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("opened `"), "{out}");
}

#[test]
fn a_production_branch_is_refused_on_github_and_in_the_job_summary() {
    let f = gh::Fixture::new();
    write_scenario(f.dir.path(), ScenarioBuilder::seed().repo("acme/shop").branch("live"));
    let (code, out, err) = f.firedrill_env(&["tick"], f.plan.open_at, &[]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("refused:") && out.contains("branch `live` looks like production (the word `live`)"), "{out}");
    assert!(f.emulator.repo("acme/shop").state().unwrap().pulls.is_empty(), "no pull request was opened");

    let f = gh::Fixture::new();
    write_scenario(f.dir.path(), ScenarioBuilder::seed().repo("acme/shop").branch("live"));
    let (code, log, summary) = scheduled_action(&f, f.plan.open_at);
    assert_eq!(code, 3, "{log}");
    assert!(summary.contains("refused:") && summary.contains("branch `live` looks like production"), "{summary}");
}

#[test]
fn the_kill_switch_plans_nothing_lets_running_drills_end_and_abort_reverts_on_the_local_forge() {
    let f = local::Fixture::new();
    let before = values_at_main(&f.target());
    write_config(f.dir.path(), "enabled: false\n");
    let (code, out, err) = f.firedrill_env(&["tick"], f.plan.open_at, "work", &[]);
    assert_eq!(code, 3, "{out}{err}");
    let line = format!(
        "{}: not planned: drills are switched off by `enabled: false` in firedrill.yml: no new drill opens or merges",
        f.plan.drill_id
    );
    assert!(out.contains(&line), "{out}");
    assert_eq!(out.matches("drills are switched off").count(), 1, "said once: {out}");
    assert_eq!(f.ledger_tip(), None, "nothing was planned");

    // The workflow's variable overrides the file: the drill opens and merges.
    let on = [("FIREDRILL_ENABLED", "true")];
    let (code, out, err) = f.firedrill_env(&["tick"], f.plan.open_at, "work", &on);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = f.firedrill_env(&["tick"], f.plan.merge_at, "work", &on);
    assert_eq!(code, 0, "{out}{err}");
    assert!(values_at_main(&f.target()).contains(FAULT));

    // Switched off again, a running drill still runs to its end: nothing is refused.
    let (code, out, err) = f.firedrill_env(&["tick"], after(f.plan.merge_at, 10), "work", &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("running since"), "{out}");

    // `abort` reverts it now, recorded as aborted by the kill switch.
    let abort = [("FIREDRILL_ENABLED", "abort")];
    let (code, out, err) = f.firedrill_env(&["tick"], after(f.plan.merge_at, 20), "work", &abort);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("revert the fault") && out.contains("aborted by firedrill: kill switch"), "{out}");
    assert_eq!(values_at_main(&f.target()), before, "the fault is gone");
    assert_eq!(f.names(), ["planned", "opened", "merged", "command", "aborted", "reported"]);
}

#[test]
fn the_kill_switch_works_the_same_on_github_and_shows_in_the_job_summary() {
    let f = gh::Fixture::new();
    let off = [("FIREDRILL_ENABLED", "false")];
    let (code, out, err) = f.firedrill_env(&["tick"], f.plan.open_at, &off);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("not planned: drills are switched off by FIREDRILL_ENABLED=false"), "{out}");
    assert!(f.names().is_empty(), "nothing was planned");

    write_config(f.dir.path(), "enabled: false\n");
    let (code, log, summary) = scheduled_action(&f, f.plan.open_at);
    assert_eq!(code, 3, "{log}");
    assert!(summary.contains("refused:") && summary.contains("switched off by `enabled: false`"), "{summary}");

    write_config(f.dir.path(), "enabled: true\n");
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    let (code, out, err) = f.firedrill_env(&["tick"], after(f.plan.merge_at, 5), &[("FIREDRILL_ENABLED", "abort")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("aborted by firedrill: kill switch"), "{out}");
    let shop = Repo::open(&f.state.path().join("repos/acme/shop.git")).unwrap();
    assert!(!values_at_main(&shop).contains(FAULT), "the fault was reverted");
    assert_eq!(f.names(), ["planned", "opened", "merged", "command", "aborted", "reported"]);
}

#[test]
fn an_open_incident_issue_stops_opening_and_merging_on_github() {
    let f = gh::Fixture::new();
    let issue = f.emulator.repo("acme/shop").as_user("ana").open_issue("Checkout is down", None, &["incident"]);
    let number = issue.unwrap().number();
    let line = format!(
        "issue #{number} labelled `incident` is open in the target repository: no drill during a real incident"
    );
    let (code, out, err) = f.firedrill_env(&["tick"], f.plan.open_at, &[]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains(&format!("refused: {line}")), "{out}");
    assert_eq!(out.matches(&line).count(), 1, "said once: {out}");
    assert!(f.emulator.repo("acme/shop").state().unwrap().pulls.is_empty(), "no pull request was opened");
    assert_eq!(f.names(), ["planned", "abandoned", "reported"]);
    // The issues query is GitHub's documented shape.
    f.assert_openapi_valid(&[]);

    // `doctor` says so before the next drill.
    let (code, out, err) = f.firedrill_env(&["doctor"], f.plan.open_at, &[]);
    assert_eq!(code, 0, "a warning, not a failure:\n{out}{err}");
    assert!(out.contains(&format!("warn    issue #{number} labelled `incident` is open in acme/shop")), "{out}");

    // Another label is configured: this issue no longer holds drills back; the scheduled run opens the drill.
    let g = gh::Fixture::new();
    g.emulator.repo("acme/shop").as_user("ana").open_issue("x", None, &["sev1"]).unwrap();
    let (code, log, summary) = scheduled_action(&g, g.plan.open_at);
    assert_eq!(code, 0, "{log}");
    write_config(g.dir.path(), "incident_label: sev1\n");
    let (code, log, summary_at_merge) = scheduled_action(&g, g.plan.merge_at);
    assert_eq!(code, 3, "{log}\n{summary}");
    assert!(
        summary_at_merge.contains("refused:") && summary_at_merge.contains("labelled `sev1` is open"),
        "{summary_at_merge}"
    );
    let pulls = g.emulator.repo("acme/shop").state().unwrap().pulls;
    assert_eq!(pulls[0].state, "closed", "the drill's pull request is closed");
    let shop = Repo::open(&g.state.path().join("repos/acme/shop.git")).unwrap();
    assert!(!values_at_main(&shop).contains(FAULT), "and not merged");
}

#[test]
fn a_timeout_without_auto_revert_is_reported_as_left_broken_and_frees_the_target() {
    let f = local::Fixture::new();
    write_scenario(f.dir.path(), ScenarioBuilder::seed().repo(&f.server.url("target")).auto_revert(false));
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    let out = f.tick(after(f.plan.merge_at, 179));
    let deadline = after(f.plan.merge_at, 180);
    assert!(out.contains(&format!("left broken at {deadline}")) && !out.contains("auto-revert at"), "{out}");
    let out = f.tick(after(f.plan.merge_at, 200));
    assert!(out.contains(&format!("timed out at {deadline}: auto-revert is off")), "{out}");
    assert_eq!(f.names(), ["planned", "opened", "merged", "hint", "hint", "timed_out", "reported"]);
    assert!(values_at_main(&f.target()).contains(FAULT), "the fault stays");
    let control = Repo::open(&f.server.repo_path("control")).unwrap();
    let tip = control.branch_head("firedrill/ledger").unwrap().unwrap();
    let report = control.read_file(&tip, &format!("drills/{}/report.md", f.plan.drill_id)).unwrap().unwrap();
    let report = String::from_utf8(report).unwrap();
    assert!(report.contains("the fault is still in place (auto-revert is off)"), "{report}");

    // The target is free: a drill started by hand is planned (not refused as "one drill at a time").
    let (_, out, err) = f.firedrill_env(&["start", "redis-pool-exhaustion"], after(f.plan.merge_at, 210), "work", &[]);
    assert!(out.contains("planned by hand") && !err.contains("not resolved yet"), "{out}{err}");
}

#[test]
fn doctor_shows_the_kill_switch_and_fails_a_production_target() {
    let f = local::Fixture::new();
    write_scenario(f.dir.path(), ScenarioBuilder::seed().repo(&f.server.url("target")).environment(Some("prod")));
    write_config(f.dir.path(), "enabled: false\n");
    let (code, out, err) = f.firedrill_env(&["doctor"], f.plan.open_at, "work", &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("kill switch") && out.contains("drills are switched off by `enabled: false`"), "{out}");
    assert!(out.contains("FAIL    environment `prod` looks like production (the word `prod`)"), "{out}");
    let (code, out, err) = f.firedrill_env(&["doctor"], f.plan.open_at, "work", &[("FIREDRILL_ENABLED", "abort")]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("FIREDRILL_ENABLED=abort: the next run reverts every active drill"), "{out}");
}

/// The issue-list requests asking for `label`, in the emulator's log of exchanges so far.
fn incident_queries(f: &gh::Fixture, label: &str) -> usize {
    let log = std::fs::read_to_string(f.state.path().join("exchanges.jsonl")).unwrap_or_default();
    log.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["path"] == "/repos/acme/shop/issues" && e["query"]["labels"] == label)
        .count()
}

#[test]
fn the_incident_question_is_asked_only_when_a_fault_is_about_to_land() {
    let f = gh::Fixture::new();
    f.tick(after(f.plan.open_at, -10));
    assert_eq!(incident_queries(&f, "incident"), 0, "a planned drill waiting to open asks nothing");
    f.tick(f.plan.open_at);
    assert_eq!(incident_queries(&f, "incident"), 1, "asked before opening");
    f.tick(after(f.plan.open_at, 1));
    assert_eq!(incident_queries(&f, "incident"), 1, "an open drill waiting to merge asks nothing");
    f.tick(f.plan.merge_at);
    assert_eq!(incident_queries(&f, "incident"), 2, "asked before merging");
    f.tick(after(f.plan.merge_at, 10));
    assert_eq!(incident_queries(&f, "incident"), 2, "a running drill asks nothing");
}
