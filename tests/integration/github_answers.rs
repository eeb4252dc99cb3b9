//! Issue 30: GitHub as it really answers. The real binary against the emulator, which words its refusals as GitHub
//! does (`N of M required status checks are expected.`, never "not up to date"; `Base branch was modified` as a
//! 405; `mergeable: null` while GitHub computes; code owners; App installation tokens that read every
//! `permissions` flag false). One test per row of the decision table in `src/forge/refused.rs`: whether and when the
//! fault merged, the ledger, the pull request and its branch, the exit code, and that the fault is never live past
//! the safety timer without every run saying so.

use firedrill::drill::command::DrillCommand;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::github_drill::{Fixture, after, exchanges};
use crate::protected::{doctor, guard_rows, head_of, ledger_reason, protect, pulls, rest, ruleset, status, tick_code};

/// The REST exchanges logged since the `from`-th.
fn exchanges_since(f: &Fixture, from: usize) -> Vec<Value> {
    let text = std::fs::read_to_string(f.state.path().join("exchanges.jsonl")).unwrap_or_default();
    text.lines().skip(from).map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// GitHub's answers to the merges sent in `log`: (status, message).
fn merge_answers(log: &[Value]) -> Vec<(u64, String)> {
    log.iter()
        .filter(|e| e["method"] == "PUT" && e["path"].as_str().unwrap().ends_with("/merge"))
        .map(|e| (e["status"].as_u64().unwrap(), e["response_body"]["message"].as_str().unwrap_or("").to_owned()))
        .collect()
}

fn count(log: &[Value], method: &str, path_end: &str) -> usize {
    log.iter().filter(|e| e["method"] == method && e["path"].as_str().unwrap().ends_with(path_end)).count()
}

/// A colleague lands an unrelated change on `main`: every open pull request is behind.
fn colleague_lands(f: &Fixture, text: &str) {
    f.emulator.repo("acme/shop").as_user("ana").push("main", "README.md", Some(text), "docs: readme").unwrap();
}

fn branch_exists(f: &Fixture, branch: &str) -> bool {
    let shop = firedrill::git::Repo::open(&f.state.path().join("repos/acme/shop.git")).unwrap();
    shop.branch_head(branch).unwrap().is_some()
}

/// `GET path` with `token`.
fn get(f: &Fixture, token: &str, path: &str) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let gh = octocrab::OctocrabBuilder::default()
            .base_uri(f.emulator.url())
            .unwrap()
            .personal_token(token.to_owned())
            .build()
            .unwrap();
        gh.get(path, None::<&()>).await.unwrap()
    })
}

fn status_table(f: &Fixture, now: Timestamp) -> String {
    let (code, out, err) = f.firedrill(&["status"], now);
    assert_eq!(code, 0, "{out}{err}");
    out
}

#[test]
fn strict_and_behind_the_drill_and_its_revert_are_brought_up_to_date_and_merged() {
    let f = Fixture::new();
    protect(&f, json!({"required_status_checks": {"strict": true, "contexts": ["deploy-staging"]}}));
    f.tick(f.plan.open_at);
    let opened = head_of(&f, 0);
    status(&f, &opened, "deploy-staging", "success");
    colleague_lands(&f, "one\n");
    let before = exchanges(&f);
    let (code, out) = tick_code(&f, f.plan.merge_at, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("not merged yet: `") && out.contains("was brought up to date with `main`"), "{out}");
    // GitHub's words: every check expected again, never "not up to date"; the state said `behind` (after once
    // `unknown`: the base had just moved).
    let log = exchanges_since(&f, before);
    // What deciding it cost: one more read of the pull request (asked again: `unknown`), no checks read (`behind`
    // says it all).
    assert_eq!(
        (count(&log, "GET", "/pulls/1"), count(&log, "GET", "/status"), count(&log, "GET", "/check-runs")),
        (2, 0, 0)
    );
    assert_eq!(merge_answers(&log), [(405, "1 of 1 required status checks are expected.".to_owned())]);
    assert_eq!(count(&log, "PUT", "/update-branch"), 1);
    let updated = head_of(&f, 0);
    assert_ne!(updated, opened, "GitHub merged main into the drill's branch");
    let out = f.tick(after(f.plan.merge_at, 5));
    assert!(out.contains("not merged yet: the required check `deploy-staging` has not passed yet"), "{out}");
    status(&f, &updated, "deploy-staging", "success");
    let merged_at = after(f.plan.merge_at, 9);
    let out = f.tick(merged_at);
    assert!(out.contains("merged into main"), "{out}");
    assert_eq!(pulls(&f)[0].merged_at, Some(merged_at));
    assert_eq!(f.names(), ["planned", "opened", "merge_waiting", "merge_waiting", "merged"]);

    // The safety timer: `main` refuses the direct update, the revert goes through a pull request, which waits for
    // the required check. Every run past the deadline exits 1 and says the fault is live, and why.
    let deadline = after(merged_at, 180);
    let (code, out) = tick_code(&f, deadline, &[]);
    assert_eq!(code, 1, "{out}");
    // Each step of the revert is an effect the run lists, and costs what it cost when the forge took them all
    // inside one revert (43 requests).
    for step in [
        "revert the fault (",
        "land the revert through a pull request: `main` refused the revert ",
        "directly (Protected branch update failed for refs/heads/main.)",
        "merge the revert pull request #2 into main",
        "GitHub API requests: 43",
    ] {
        assert!(out.contains(step), "{step}: {out}");
    }
    assert!(out.contains("the fault is still live on `main`"), "{out}");
    assert!(
        out.contains(
            "revert pull request #2 waits for its merge: the required check `deploy-staging` has not passed yet"
        ),
        "{out}"
    );
    let table = status_table(&f, after(deadline, 1));
    assert!(
        table.contains(&format!(
            "revert overdue since {} UTC: the fault is still live; revert PR #2 waits for its merge: the required \
             check `deploy-staging` has not passed yet",
            deadline.strftime("%H:%M")
        )),
        "{table}"
    );
    // Its check passes on the revert's head, then a colleague lands on main: the revert pull request is behind.
    let revert_head = head_of(&f, 1);
    status(&f, &revert_head, "deploy-staging", "success");
    colleague_lands(&f, "two\n");
    let (code, out) = tick_code(&f, after(deadline, 5), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "bring #2 up to date with main (GitHub refused the merge: 1 of 1 required status checks are expected.)"
        ),
        "{out}"
    );
    assert!(out.contains("GitHub API requests: 36"), "{out}");
    assert!(out.contains("the fault is still live on `main`"), "{out}");
    assert!(
        out.contains("revert pull request #2 waits for its merge: `")
            && out.contains("waits for its merge: `revert-1-")
            && out.contains("` was brought up to date"),
        "{out}"
    );
    let moved = head_of(&f, 1);
    assert_ne!(moved, revert_head, "the revert's branch was brought up to date");
    let table = status_table(&f, after(deadline, 6));
    assert!(table.contains("revert PR #2 waits for its merge: `"), "{table}");
    status(&f, &moved, "deploy-staging", "success");
    let landed = after(deadline, 10);
    let (code, out) = tick_code(&f, landed, &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(pulls(&f)[1].merged_at, Some(landed));
    let events = f.events();
    assert_eq!(events.iter().find(|e| e.kind.name() == "recovered").unwrap().time, landed);
    let held: Vec<Timestamp> = events.iter().filter(|e| e.kind.name() == "revert_waiting").map(|e| e.time).collect();
    assert_eq!(held, [deadline, after(deadline, 5)], "each new reason on the timeline");
    let report = crate::protected::report_text(&f);
    assert!(
        report.contains(
            "**Revert held**: the revert pull request #2 waits for its merge: the required check `deploy-staging` has \
             not passed yet; the fault stayed live"
        ),
        "{report}"
    );
    f.assert_openapi_valid(&[]);
}

#[test]
fn two_required_checks_in_progress_hold_the_merge_until_both_pass() {
    let f = Fixture::new();
    protect(&f, json!({"required_status_checks": {"strict": false, "contexts": ["build", "deploy-staging"]}}));
    f.tick(f.plan.open_at);
    let head = head_of(&f, 0);
    status(&f, &head, "build", "pending");
    f.emulator.repo("acme/shop").check_run("deploy-staging", &head, &[("status", "in_progress")]).unwrap();
    let before = exchanges(&f);
    let out = f.tick(f.plan.merge_at);
    assert!(
        out.contains("not merged yet: the required checks `build` and `deploy-staging` have not passed yet"),
        "{out}"
    );
    assert_eq!(
        merge_answers(&exchanges_since(&f, before)),
        [(405, "2 of 2 required status checks are in progress.".to_owned())]
    );
    // A waiting run: the ledger (4), comments (2), the incident label (1), the pull request, the refused merge, and
    // the 2 reads that decide it (the head's statuses and check runs).
    let before = exchanges(&f);
    f.tick(after(f.plan.merge_at, 5));
    let log = exchanges_since(&f, before);
    assert_eq!(log.len(), 11, "{log:#?}");
    assert_eq!((count(&log, "GET", "/status"), count(&log, "GET", "/check-runs")), (1, 1));
    assert!(pulls(&f)[0].merged_at.is_none());
    status(&f, &head, "build", "success");
    f.emulator.repo("acme/shop").check_run("deploy-staging", &head, &[("conclusion", "success")]).unwrap();
    let merged_at = after(f.plan.merge_at, 8);
    let out = f.tick(merged_at);
    assert!(out.contains("merged into main"), "{out}");
    assert_eq!(pulls(&f)[0].merged_at, Some(merged_at));
    assert_eq!(f.names(), ["planned", "opened", "merge_waiting", "merged"]);
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_failing_check_under_a_ruleset_abandons_and_cleans_up() {
    let f = Fixture::new();
    let rule = json!([{"type": "required_status_checks", "parameters": {
        "required_status_checks": [{"context": "deploy-staging"}], "strict_required_status_checks_policy": false}}]);
    ruleset(&f, rule, json!([]));
    f.tick(f.plan.open_at);
    let branch = pulls(&f)[0].head_ref.clone();
    status(&f, &head_of(&f, 0), "deploy-staging", "failure");
    let (code, out) = tick_code(&f, f.plan.merge_at, &[]);
    assert_eq!(code, 3, "{out}");
    assert_eq!(
        ledger_reason(&f),
        "the required check `deploy-staging` failed on the pull request's head (GitHub answered 405: 1 of 1 required \
         status checks have not succeeded: 1 failing.)"
    );
    assert_eq!(f.names(), ["planned", "opened", "abandoned", "reported"]);
    assert_eq!(pulls(&f)[0].state, "closed");
    assert!(pulls(&f)[0].merged_at.is_none());
    assert!(!branch_exists(&f, &branch), "the drill's branch is deleted");
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_base_modified_405_is_retried_in_the_same_run() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    let fault = json!({"method": "PUT", "path": "/repos/acme/shop/pulls/*/merge", "status": 405, "times": 1,
        "body": {"message": "Base branch was modified. Review and try the merge again.",
                 "documentation_url": "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request", "status": "405"}});
    f.emulator.inject(&fault).unwrap();
    let before = exchanges(&f);
    let out = f.tick(f.plan.merge_at);
    assert!(out.contains("merged into main"), "{out}");
    assert_eq!(pulls(&f)[0].merged_at, Some(f.plan.merge_at), "merged at the merge instant");
    let answers = merge_answers(&exchanges_since(&f, before));
    assert_eq!(answers.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [405, 200], "sent again once: {answers:?}");
    assert_eq!(f.names(), ["planned", "opened", "merged"]);
    f.assert_openapi_valid(&[]);
}

#[test]
fn the_emulator_answers_a_merge_racing_a_base_move_with_405_base_modified() {
    // The race itself, as the emulator models it: the base moved and nobody read the pull request since.
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    colleague_lands(&f, "raced\n");
    let (code, v) = rest(&f, &f.token, "PUT", "/repos/acme/shop/pulls/1/merge", json!({"merge_method": "merge"}));
    assert_eq!(code, 405, "{v}");
    assert_eq!(v["message"], "Base branch was modified. Review and try the merge again.");
    assert_eq!(v["documentation_url"], "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request");
    assert_eq!(v["status"], "405");
}

#[test]
fn an_unknown_mergeability_is_asked_again_then_the_approver_approves() {
    // Sam (write) cannot read classic protection; a review is required and Ana approves.
    let f = Fixture::new();
    protect(&f, json!({"required_pull_request_reviews": {"required_approving_review_count": 1}}));
    let ana = f.emulator.user_with_token("ana").unwrap();
    let env = [("FIREDRILL_APPROVER_TOKEN", ana.as_str())];
    let (code, out) = tick_code(&f, f.plan.open_at, &env);
    assert_eq!(code, 0, "{out}");
    // The base moves: GitHub recomputes, and the next read says `mergeable: null`.
    colleague_lands(&f, "moved\n");
    let before = exchanges(&f);
    let (code, out) = tick_code(&f, f.plan.merge_at, &env);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("merged into main"), "{out}");
    let log = exchanges_since(&f, before);
    // Before the merge, asked again, and after it (its `merged_at`): one more read than a plain merge; no check is
    // required, so none is read.
    assert_eq!(
        (count(&log, "GET", "/pulls/1"), count(&log, "GET", "/status"), count(&log, "GET", "/check-runs")),
        (3, 0, 0)
    );
    let reads: Vec<&Value> =
        log.iter().filter(|e| e["method"] == "GET" && e["path"] == "/repos/acme/shop/pulls/1").collect();
    assert_eq!(reads[0]["response_body"]["mergeable"], Value::Null, "first read: not computed");
    assert_eq!(reads[0]["response_body"]["mergeable_state"], "unknown");
    assert_eq!(reads[1]["response_body"]["mergeable_state"], "blocked", "asked again: the review is missing");
    assert_eq!(count(&log, "POST", "/pulls/1/reviews"), 1);
    assert_eq!(
        merge_answers(&log),
        [
            (405, "At least 1 approving review is required by reviewers with write access.".to_owned()),
            (200, "Pull Request successfully merged".to_owned())
        ]
    );
    assert_eq!(pulls(&f)[0].merged_at, Some(f.plan.merge_at));
    assert_eq!(f.names(), ["planned", "opened", "merged"]);
    f.assert_openapi_valid(&[]);
}

/// A ruleset that requires a code owner's review, and CODEOWNERS giving `charts/` to `owners`.
fn code_owned(owners: &str) -> Fixture {
    let codeowners = format!("# who reviews what\n* @acme\ncharts/ {owners}\n");
    let f = Fixture::with_files(&[(".github/CODEOWNERS", codeowners.as_str())]);
    let rule = json!([{"type": "pull_request", "parameters": {
        "required_approving_review_count": 1, "dismiss_stale_reviews_on_push": false,
        "require_code_owner_review": true, "require_last_push_approval": false,
        "required_review_thread_resolution": false}}]);
    ruleset(&f, rule, json!([]));
    f
}

#[test]
fn a_code_owner_rule_merges_with_an_approver_who_owns_the_path() {
    let f = code_owned("@ana");
    let ana = f.emulator.user_with_token("ana").unwrap();
    let env = [("FIREDRILL_APPROVER_TOKEN", ana.as_str())];
    let (code, out) = doctor(&f, &env);
    assert_eq!(code, 0, "{out}");
    assert!(
        guard_rows(&out).contains("the approver `ana` owns `charts/checkout/values-staging.yaml` in CODEOWNERS (@ana)"),
        "{out}"
    );
    tick_code(&f, f.plan.open_at, &env);
    let (code, out) = tick_code(&f, f.plan.merge_at, &env);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("merged into main"), "{out}");
    assert_eq!(pulls(&f)[0].merged_at, Some(f.plan.merge_at));
    assert_eq!(f.names(), ["planned", "opened", "merged"]);
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_code_owner_rule_refuses_before_opening_when_the_approver_owns_nothing() {
    let f = code_owned("@ana");
    f.emulator.set_permission("acme/shop", "bob", "write").unwrap();
    let bob = f.emulator.user_with_token("bob").unwrap();
    let env = [("FIREDRILL_APPROVER_TOKEN", bob.as_str())];
    let (code, out) = doctor(&f, &env);
    assert_eq!(code, 2, "doctor fails: {out}");
    let (code, out) = tick_code(&f, f.plan.open_at, &env);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains(
            "needs a code owner's approval of `charts/checkout/values-staging.yaml`, owned by @ana in CODEOWNERS, and \
             the approver `bob` is none of them"
        ),
        "{out}"
    );
    assert!(pulls(&f).is_empty(), "nothing was opened");
    assert_eq!(f.names(), ["planned", "abandoned", "reported"]);
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_code_owner_team_the_approver_is_not_in_abandons_at_the_merge_and_says_why() {
    // A team owns the path: preflight cannot tell who is in it, warns, and opens; GitHub's refusal decides.
    let f = code_owned("@acme/platform");
    let ana = f.emulator.user_with_token("ana").unwrap();
    let env = [("FIREDRILL_APPROVER_TOKEN", ana.as_str())];
    let (code, out) = doctor(&f, &env);
    assert_eq!(code, 0, "a warning: {out}");
    assert!(
        guard_rows(&out).contains("is owned by @acme/platform in CODEOWNERS: the approver `ana` must be one"),
        "{out}"
    );
    let (code, out) = tick_code(&f, f.plan.open_at, &env);
    assert_eq!(code, 0, "{out}");
    let branch = pulls(&f)[0].head_ref.clone();
    let before = exchanges(&f);
    let (code, out) = tick_code(&f, f.plan.merge_at, &env);
    assert_eq!(code, 3, "{out}");
    let reason = ledger_reason(&f);
    assert!(reason.contains("Waiting on code owner review from acme/platform."), "{reason}");
    assert!(
        reason.contains("the approver token must belong to an owner of the changed path in CODEOWNERS"),
        "{reason}"
    );
    // The approver approved once, then the merge was sent again and refused again: final, not retried.
    let log = exchanges_since(&f, before);
    assert_eq!(count(&log, "POST", "/pulls/1/reviews"), 1);
    assert_eq!(merge_answers(&log).len(), 2, "{:?}", merge_answers(&log));
    assert_eq!(f.names(), ["planned", "opened", "abandoned", "reported"]);
    assert_eq!(pulls(&f)[0].state, "closed");
    assert!(!branch_exists(&f, &branch));
    f.assert_openapi_valid(&[]);
}

#[test]
fn an_abandon_after_update_branch_deletes_the_moved_branch() {
    let f = Fixture::new();
    protect(&f, json!({"required_status_checks": {"strict": true, "contexts": ["deploy-staging"]}}));
    f.tick(f.plan.open_at);
    let branch = pulls(&f)[0].head_ref.clone();
    colleague_lands(&f, "one\n");
    f.tick(f.plan.merge_at);
    let updated = head_of(&f, 0);
    status(&f, &updated, "deploy-staging", "failure");
    let (code, out) = tick_code(&f, after(f.plan.merge_at, 5), &[]);
    assert_eq!(code, 3, "{out}");
    assert_eq!(f.names(), ["planned", "opened", "merge_waiting", "abandoned", "reported"]);
    assert_eq!(pulls(&f)[0].state, "closed");
    assert!(!branch_exists(&f, &branch), "GitHub's merge on top of the drill's commit is still the drill's");
    f.assert_openapi_valid(&[]);
}

#[test]
fn an_app_installation_is_judged_by_what_it_can_do_not_by_its_all_false_permissions() {
    let f = Fixture::new();
    f.emulator.create_app("drill-bot", "Drill Bot").unwrap();
    let install =
        |permission: &str| f.emulator.install_app("drill-bot", &["acme/shop", "acme/drills"], permission).unwrap();
    // GitHub shows an installation token every flag false, whatever it was granted.
    let writer = install("write");
    let repo = get(&f, &writer, "/repos/acme/shop");
    assert_eq!(
        repo["permissions"],
        json!({"admin": false, "maintain": false, "push": false, "triage": false, "pull": false})
    );
    let doctor_as = |token: &str| {
        crate::github_settings::firedrill_as(
            &f,
            token,
            &["doctor"],
            f.plan.open_at,
            Some("Dana Kim <dana@acme.example>"),
        )
    };
    let (code, out) = doctor_as(&writer);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("the GitHub App installation can write acme/shop"), "{out}");
    let reader = install("read");
    let (code, out) = doctor_as(&reader);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.lines().any(|l| l.contains(": permission")
            && l.contains("FAIL")
            && l.contains("the GitHub App installation (without contents=write) has `read`")),
        "{out}"
    );
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_command_in_a_review_body_is_obeyed_once() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    let work = tempfile::tempdir().unwrap();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    // "Review changes → Comment": the body holds the command; GitHub delivers `pull_request_review` (submitted).
    let at = after(f.plan.merge_at, 4);
    f.emulator.set_clock(&at.to_string()).unwrap();
    let made = f.emulator.repo("acme/shop").as_user("ana").review(
        1,
        Some("COMMENT"),
        Some("Why is the pool at zero?\n/drill ack"),
    );
    let made = made.unwrap();
    let id = made.id();
    let event = made.event_path.unwrap();
    crate::emulator::assert_webhooks_valid(std::slice::from_ref(&event));
    let payload = std::fs::read_to_string(&event).unwrap();
    let event = ("pull_request_review", payload.as_str());
    let (code, out, err, _) = crate::github_drill::action_on(&f, after(at, 1), work.path(), &workflow, event);
    assert_eq!(code, 0, "{out}{err}");
    let acked = |f: &Fixture| {
        f.events()
            .into_iter()
            .filter(|e| matches!(&e.kind, firedrill::drill::event::EventKind::Command { name, .. } if *name == DrillCommand::Ack))
            .map(|e| (e.time, e.actor))
            .collect::<Vec<_>>()
    };
    assert_eq!(acked(&f), [(at, "ana".to_owned())], "stamped when the review was submitted, by its author");
    let answered = f
        .events()
        .iter()
        .filter(|e| {
            matches!(&e.kind,
        firedrill::drill::event::EventKind::Comment { id: i, .. } if *i == id)
        })
        .count();
    assert_eq!(answered, 1);
    // The same event again (a re-run) and the next tick: obeyed once.
    let (code, out, err, _) = crate::github_drill::action_on(&f, after(at, 2), work.path(), &workflow, event);
    assert_eq!(code, 0, "{out}{err}");
    f.tick(after(at, 3));
    assert_eq!(acked(&f).len(), 1, "{:?}", f.names());
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_relayed_review_body_is_read_back_as_a_review() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    let work = tempfile::tempdir().unwrap();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let relay = f.emulator.user_with_token("relay-bot").unwrap();
    f.emulator.set_permission("acme/drills", "relay-bot", "write").unwrap();
    let at = after(f.plan.merge_at, 4);
    f.emulator.set_clock(&at.to_string()).unwrap();
    let id = f.emulator.repo("acme/shop").as_user("ana").review(1, Some("COMMENT"), Some("/drill ack")).unwrap().id();
    // What examples/workflows/relay.yml sends for a review: its id, and the pull request it reviews.
    let url = format!("{}/repos/acme/drills/actions/workflows/drill.yml/dispatches", f.emulator.url());
    let inputs = json!({"comment-repository": "acme/shop", "comment-id": id.to_string(), "review-of": "1"});
    assert_eq!(crate::emulator::post_json(&url, &relay, &json!({"ref": "main", "inputs": inputs})), 204);
    let events = f.emulator.state_dir().join("events");
    let mut dispatches: Vec<_> = std::fs::read_dir(&events)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("workflow_dispatch."))
        .collect();
    dispatches.sort();
    let payload = std::fs::read_to_string(dispatches.last().unwrap()).unwrap();
    let event = ("workflow_dispatch", payload.as_str());
    let (code, out, err, _) = crate::github_drill::action_on(&f, after(at, 1), work.path(), &workflow, event);
    assert_eq!(code, 0, "{out}{err}");
    let acks: Vec<Timestamp> = f
        .events()
        .into_iter()
        .filter(|e| matches!(&e.kind, firedrill::drill::event::EventKind::Command { name, .. } if *name == DrillCommand::Ack))
        .map(|e| e.time)
        .collect();
    assert_eq!(acks, [at]);
    f.assert_openapi_valid(&[]);
}
