//! The deploy phase on GitHub: when the fault and the fix went live, from what Argo CD, Flux or a deploy workflow
//! report back (commit statuses, deployments), through the real binary against the emulator.

use github_emulator::client::StatusPosted;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::github_drill::{Fixture, action_on, after};

/// The fixture's seed scenario with `deploy:` set to `yaml` (indented under `deploy:`).
fn with_deploy(f: &Fixture, yaml: &str) {
    let path = f.dir.path().join("scenarios/redis.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}deploy:\n{yaml}")).unwrap();
}

fn merge_sha(f: &Fixture) -> String {
    f.emulator.repo("acme/shop").state().unwrap().pulls[0].merge_commit_sha.clone().unwrap()
}

/// Argo CD notifications' GitHub service after a sync: a `success` status `continuous-delivery/APP` on the
/// synced revision, at `at` on GitHub's clock. Returns the emulator's reply (with the `status` event's path).
fn argo_synced(f: &Fixture, sha: &str, app: &str, at: Timestamp) -> StatusPosted {
    f.emulator.set_clock(&at.to_string()).unwrap();
    let context = format!("continuous-delivery/{app}");
    let target_url = format!("https://argocd.acme.example/applications/{app}?operation=true");
    let fields = [("context", context.as_str()), ("description", "ArgoCD"), ("target_url", target_url.as_str())];
    f.emulator.repo("acme/shop").status(sha, "success", &fields).unwrap()
}

/// Flux's notification-controller (`github` provider): `kustomization/NAME/<provider uid prefix>`, the event's
/// reason as the description.
fn flux_reconciled(f: &Fixture, sha: &str, name: &str, state: &str, at: Timestamp) {
    f.emulator.set_clock(&at.to_string()).unwrap();
    let context = format!("kustomization/{name}/0c9c2e41");
    let fields = [("context", context.as_str()), ("description", "reconciliation succeeded")];
    f.emulator.repo("acme/shop").status(sha, state, &fields).unwrap();
}

fn report(f: &Fixture) -> String {
    let control = firedrill::git::Repo::open(&f.state.path().join("repos/acme/drills.git")).unwrap();
    let tip = control.branch_head("firedrill/ledger").unwrap().unwrap();
    let bytes = control.read_file(&tip, &format!("drills/{}/report.md", f.plan.drill_id)).unwrap().unwrap();
    String::from_utf8(bytes).unwrap()
}

/// The Action run by the event `name` (its `payload` as GitHub wrote it) at `now`, with the workflow's token;
/// it must succeed. Returns the run's step summary.
fn action_with_event(f: &Fixture, now: Timestamp, name: &str, payload: &str) -> String {
    let work = tempfile::tempdir().unwrap();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let (code, out, err, _) = action_on(f, now, work.path(), &workflow, (name, payload));
    assert_eq!(code, 0, "{out}{err}");
    std::fs::read_to_string(work.path().join("summary.md")).unwrap()
}

fn requests(out: &str) -> usize {
    out.lines().find_map(|l| l.strip_prefix("GitHub API requests: ")).unwrap().parse().unwrap()
}

#[test]
fn argo_cds_statuses_give_the_fault_and_the_fix_their_live_times_and_the_time_to_restore_service() {
    let f = Fixture::new();
    with_deploy(&f, "  signals:\n    - status: continuous-delivery/checkout-staging\n");
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    let merged = merge_sha(&f);
    // Before any sync, a running drill's run costs one request more than without the deploy phase: the
    // statuses of the tip.
    assert_eq!(requests(&f.tick(after(f.plan.merge_at, 1))), 9);
    // Another tool's status on the same commit, and a failed one: neither is the signal.
    flux_reconciled(&f, &merged, "checkout-staging", "success", after(f.plan.merge_at, 2));
    argo_synced(&f, &merged, "checkout-prod", after(f.plan.merge_at, 3));
    // Argo CD synced the fault 4 minutes after the merge.
    argo_synced(&f, &merged, "checkout-staging", after(f.plan.merge_at, 4));
    let out = f.tick(after(f.plan.merge_at, 6));
    assert!(
        out.contains("fault live at 2026-11-24T10:41:00Z (status continuous-delivery/checkout-staging on"),
        "{out}"
    );
    // Once it is known, a running drill's idle tick costs what it did before the deploy phase.
    assert_eq!(requests(&f.tick(after(f.plan.merge_at, 8))), 8);

    // Ana reverts 1 h 18 min after the merge; Argo CD syncs the revert 9 minutes later.
    let revert_at = after(f.plan.merge_at, 78);
    f.emulator.set_clock(&revert_at.to_string()).unwrap();
    let reverted = f.emulator.repo("acme/shop").as_user("ana").revert_pr(1, true).unwrap();
    let revert_sha = reverted.sha.unwrap();
    // The tick between the revert and its sync: recovered, and the fix's deploy is watched for.
    let out = f.tick(after(revert_at, 3));
    assert!(out.contains("time to recovery 1 h 18 min"), "{out}");
    assert!(out.contains("watching status continuous-delivery/checkout-staging for the fix's deploy until"), "{out}");
    assert!(report(&f).contains("| Fix live | not observed yet: firedrill asks until"), "{}", report(&f));
    argo_synced(&f, &revert_sha, "checkout-staging", after(revert_at, 9));
    let out = f.tick(after(revert_at, 12));
    assert!(out.contains("time to restore service 1 h 23 min"), "{out}");

    let names = f.names();
    assert_eq!(
        names,
        [
            "planned",
            "opened",
            "merged",
            "fault_deployed",
            "recovered",
            "deploy_watch",
            "reported",
            "fix_deployed",
            "reported"
        ]
    );
    let events = f.events();
    let time = |name: &str| events.iter().find(|e| e.kind.name() == name).unwrap().time;
    assert_eq!(time("fault_deployed"), after(f.plan.merge_at, 4));
    assert_eq!(time("fix_deployed"), after(revert_at, 9));
    // The report, written again: merge → fault live → … → fix merged → fix live, and both figures.
    let report = report(&f);
    assert!(report.contains("| Time to recovery | **1 h 18 min** |"), "{report}");
    assert!(report.contains("| Time to restore service | **1 h 23 min** (fault live → fix live) |"), "{report}");
    let fault_live = "| Fault live | 2026-11-24 10:41 UTC (2026-11-24 11:41 CET, Europe/Berlin), 4 min after the merge \
                      (status continuous-delivery/checkout-staging on";
    assert!(report.contains(fault_live), "{report}");
    let fix_live = "| Fix live | 2026-11-24 12:04 UTC (2026-11-24 13:04 CET, Europe/Berlin), 9 min after the fault's \
                    removal (status continuous-delivery/checkout-staging on";
    assert!(report.contains(fix_live), "{report}");
    let fault_row = report.find("**Fault live**").expect("the timeline's fault live");
    let fix_row = report.find("**Fix live**").expect("the timeline's fix live");
    assert!(report.find("**Fault landed**").unwrap() < fault_row && fault_row < report.find("**Recovered**").unwrap());
    assert!(report.find("**Recovered**").unwrap() < fix_row);
    // The comment on the pull request is the same report, edited in place (one comment).
    let st = f.emulator.state().unwrap().to_string();
    assert_eq!(st.matches("firedrill:report").count(), 1);
    assert!(st.contains("Time to restore service"), "the comment was updated");
    // `stats`: the second figure.
    let (code, json, err) = f.firedrill(&["stats", "--format", "json"], after(revert_at, 13));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["drills"][0]["time_to_restore_service_seconds"], 83 * 60, "{v}");
    assert_eq!(v["time_to_restore_service"]["median"]["seconds"], 83 * 60, "{v}");
    // Nothing is watched any more: an idle tick costs the ledger's ref, tree and index.
    assert_eq!(requests(&f.tick(after(revert_at, 20))), 3);
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_deployment_of_a_later_commit_holding_the_revert_is_the_fix_going_live() {
    let f = Fixture::new();
    with_deploy(&f, "  signals:\n    - deployments: staging\n  watch: 1h\n");
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    let deploy = |sha: &str, at: Timestamp| {
        f.emulator.set_clock(&at.to_string()).unwrap();
        let id = f.emulator.repo("acme/shop").deploy(sha, "staging").unwrap();
        f.emulator.repo("acme/shop").deployment_status(id, "success").unwrap()
    };
    deploy(&merge_sha(&f), after(f.plan.merge_at, 10));
    let revert_at = after(f.plan.merge_at, 60);
    f.emulator.set_clock(&revert_at.to_string()).unwrap();
    f.emulator.repo("acme/shop").as_user("ana").revert_pr(1, true).unwrap();
    // A colleague's commit lands on top before the deploy workflow runs: only that commit is deployed.
    f.emulator.set_clock(&after(revert_at, 2).to_string()).unwrap();
    let later = f.emulator.repo("acme/shop").as_user("ana").push("main", "README.md", Some("Shop.\n"), "docs").unwrap();
    let out = f.tick(after(revert_at, 3));
    assert!(out.contains("recovered at"), "{out}");
    // While the fix's deploy is watched for, a run costs the ledger (3), the drill's log, the tip and the
    // deployments of the tip.
    assert_eq!(requests(&f.tick(after(revert_at, 5))), 6);
    // The deployment event is handed to the Action: it asks at once.
    let event_path = deploy(&later.sha, after(revert_at, 8));
    let payload = std::fs::read_to_string(event_path).unwrap();
    let summary = action_with_event(&f, after(revert_at, 9), "deployment_status", &payload);
    assert!(summary.contains("deployment_status (deployment to staging success on"), "{summary}");
    let events = f.events();
    let fix = events.iter().find(|e| e.kind.name() == "fix_deployed").expect("the fix went live");
    assert_eq!(fix.time, after(revert_at, 8));
    assert!(format!("{:?}", fix.kind).contains(&later.sha[..12]), "{fix:?}");
    let report = report(&f);
    assert!(report.contains("| Time to restore service | **58 min** (fault live → fix live) |"), "{report}");
    f.assert_openapi_valid(&[]);
}

#[test]
fn without_a_deploy_signal_the_phase_is_not_observed_said_once_and_never_a_zero() {
    let f = Fixture::new();
    with_deploy(&f, "  signals: []\n");
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    // A deployment exists, but the scenario asks for no signal.
    let sha = merge_sha(&f);
    argo_synced(&f, &sha, "checkout-staging", after(f.plan.merge_at, 4));
    let revert_at = after(f.plan.merge_at, 30);
    f.emulator.set_clock(&revert_at.to_string()).unwrap();
    f.emulator.repo("acme/shop").as_user("ana").revert_pr(1, true).unwrap();
    f.tick(after(revert_at, 1));
    assert_eq!(f.names(), ["planned", "opened", "merged", "recovered", "reported"]);
    let report = report(&f);
    assert_eq!(report.matches("not observed").count(), 2, "the key figure and the phase table:\n{report}");
    assert!(report.contains("| Deploy | not observed: no deploy signal is set"), "{report}");
    assert!(!report.contains("Time to restore service"), "{report}");
    assert!(report.contains("| Deploy the fix | not recorded | — | not observed |"), "{report}");
    let (_, json, _) = f.firedrill(&["stats", "--format", "json"], after(revert_at, 2));
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["drills"][0]["time_to_restore_service_seconds"], Value::Null, "{v}");
    assert_eq!(v["drills"][0]["phases_seconds"]["deploy"], Value::Null, "{v}");
}

#[test]
fn a_status_event_handed_to_the_action_records_the_fault_going_live_at_once() {
    let f = Fixture::new();
    with_deploy(&f, "  signals:\n    - status: kustomization/checkout-*\n");
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    f.emulator.set_clock(&after(f.plan.merge_at, 5).to_string()).unwrap();
    let fields = [("context", "kustomization/checkout-staging/0c9c2e41"), ("description", "reconciliation succeeded")];
    let posted = f.emulator.repo("acme/shop").status(&merge_sha(&f), "success", &fields).unwrap();
    let payload = std::fs::read_to_string(&posted.event_path).unwrap();
    let event: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(event["branches"][0]["name"], "main", "GitHub names the branches whose tip the commit is");
    let summary = action_with_event(&f, after(f.plan.merge_at, 5), "status", &payload);
    assert!(summary.contains("status (status kustomization/checkout-staging/0c9c2e41 success on"), "{summary}");
    let events = f.events();
    let live = events.iter().find(|e| e.kind.name() == "fault_deployed").expect("recorded by the status event");
    assert_eq!(live.time, after(f.plan.merge_at, 5));
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_deploy_signal_the_token_cannot_read_is_said_and_never_holds_back_the_safety_revert() {
    let f = Fixture::new();
    with_deploy(&f, "  signals:\n    - status: continuous-delivery/checkout-staging\n");
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    // A fine-grained token without "Commit statuses: read": GitHub's 403 on every statuses read.
    let fault = json!({"method": "GET", "path": "/repos/acme/shop/commits/*/statuses", "status": 403, "times": 100,
        "body": {"message": "Resource not accessible by personal access token",
                 "documentation_url": "https://docs.github.com/rest/commits/statuses#list-commit-statuses-for-a-reference",
                 "status": "403"}});
    f.emulator.inject(&fault).unwrap();
    let out = f.tick(after(f.plan.merge_at, 5));
    assert!(
        out.contains("deploy signal not read (counted as not seen yet; the drill goes on): status continuous-delivery/checkout-staging:"),
        "{out}"
    );
    assert!(out.contains("Resource not accessible by personal access token"), "{out}");
    assert!(!out.contains(&f.token), "{out}");
    // The safety timer (3 h, the seed's) still reverts the fault.
    let out = f.tick(after(f.plan.merge_at, 181));
    assert!(out.contains("timed out"), "{out}");
    let names = f.names();
    assert!(names.contains(&"timed_out") && names.contains(&"recovered"), "{names:?}");
    assert!(!names.contains(&"fault_deployed"), "{names:?}");
}
