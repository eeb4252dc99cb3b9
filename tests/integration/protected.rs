//! Issue 19: drills on protected branches. The real binary against the emulator, whose `main` carries real
//! guard rails (classic branch protection, rulesets, required reviews and checks) configured the way an admin
//! does: for each rule, what `doctor` prints, the exit code, whether and when the fault merged, what the
//! ledger holds, that an abandoned pull request is closed, and that the fault ends removed or reported.

use github_emulator::state::{Comment, Pull};
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::github_drill::{Fixture, after};

/// `method path` with `token` through octocrab, as an admin configuring the repository would; returns
/// (status, body).
pub(crate) fn rest(f: &Fixture, token: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let gh = octocrab::OctocrabBuilder::default()
            .base_uri(f.emulator.url())
            .unwrap()
            .personal_token(token.to_owned())
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .build()
            .unwrap();
        let response = match method {
            "PUT" => gh._put(path, Some(&body)).await,
            "POST" => gh._post(path, Some(&body)).await,
            "PATCH" => gh._patch(path, Some(&body)).await,
            _ => gh._delete(path, Some(&body)).await,
        }
        .unwrap();
        let status = response.status().as_u16();
        let text = gh.body_to_string(response).await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    })
}

/// The owner's (admin) token.
pub(crate) fn owner(f: &Fixture) -> String {
    f.emulator.user_with_token("acme").unwrap()
}

/// Classic protection on `main`: the four fields GitHub requires, then `more` on top.
pub(crate) fn protect(f: &Fixture, more: Value) {
    let mut body = json!({
        "required_status_checks": null,
        "enforce_admins": false,
        "required_pull_request_reviews": null,
        "restrictions": null,
    });
    for (k, v) in more.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, v) = rest(f, &owner(f), "PUT", "/repos/acme/shop/branches/main/protection", body);
    assert_eq!(status, 200, "{v}");
}

/// An active ruleset on the default branch with `rules` and `bypass` actors.
pub(crate) fn ruleset(f: &Fixture, rules: Value, bypass: Value) {
    let body = json!({
        "name": "staging guard", "target": "branch", "enforcement": "active",
        "bypass_actors": bypass,
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": rules,
    });
    let (status, v) = rest(f, &owner(f), "POST", "/repos/acme/shop/rulesets", body);
    assert_eq!(status, 201, "{v}");
}

/// A commit status on `sha`, posted as the deploy pipeline would.
pub(crate) fn status(f: &Fixture, sha: &str, context: &str, state: &str) {
    let (code, v) = rest(
        f,
        &f.token,
        "POST",
        &format!("/repos/acme/shop/statuses/{sha}"),
        json!({"state": state, "context": context}),
    );
    assert_eq!(code, 201, "{v}");
}

pub(crate) fn pulls(f: &Fixture) -> Vec<Pull> {
    f.emulator.repo("acme/shop").state().unwrap().pulls
}

pub(crate) fn head_of(f: &Fixture, n: usize) -> String {
    // The stored head of an open pull request follows its branch.
    let pr = &pulls(f)[n];
    let shop = firedrill::git::Repo::open(&f.state.path().join("repos/acme/shop.git")).unwrap();
    shop.branch_head(&pr.head_ref).unwrap().unwrap().to_string()
}

pub(crate) fn doctor(f: &Fixture, env: &[(&str, &str)]) -> (i32, String) {
    let (code, out, err) = f.firedrill_env(&["doctor"], f.plan.open_at, env);
    (code, format!("{out}{err}"))
}

/// The doctor rows about the target branch's guard rails, with the API's address taken out.
pub(crate) fn guard_rows(out: &str) -> String {
    out.lines()
        .filter(|l| {
            ["required", "ruleset", "push restrictions", "branch protection", "guard rails"]
                .iter()
                .any(|w| l.contains(w))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn tick_code(f: &Fixture, now: Timestamp, env: &[(&str, &str)]) -> (i32, String) {
    let (code, out, err) = f.firedrill_env(&["tick"], now, env);
    (code, format!("{out}{err}"))
}

pub(crate) fn ledger_reason(f: &Fixture) -> String {
    f.events()
        .iter()
        .find_map(|e| match &e.kind {
            firedrill::drill::event::EventKind::Abandoned { reason } => Some(reason.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

#[test]
fn a_required_review_without_an_approver_is_refused_before_anything_opens() {
    let f = Fixture::new();
    f.emulator.set_permission("acme/shop", "sam", "admin").unwrap();
    protect(
        &f,
        json!({"enforce_admins": true, "required_pull_request_reviews": {"required_approving_review_count": 1}}),
    );
    let (code, out) = doctor(&f, &[]);
    assert_eq!(code, 2, "doctor fails: {out}");
    insta::assert_snapshot!(guard_rows(&out));
    let (code, out) = tick_code(&f, f.plan.open_at, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("refused: the guard rails of `main` would hold the drill: required approving reviews (1)"),
        "{out}"
    );
    assert!(pulls(&f).is_empty(), "nothing was opened");
    assert_eq!(f.names(), ["planned", "abandoned", "reported"]);
    assert!(ledger_reason(&f).contains("set `approver-token`"), "{}", ledger_reason(&f));
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_required_review_with_an_approver_merges_and_the_timeout_revert_lands_through_a_pull_request() {
    let f = Fixture::new();
    f.emulator.set_permission("acme/shop", "sam", "admin").unwrap();
    protect(
        &f,
        json!({"enforce_admins": true, "required_pull_request_reviews": {"required_approving_review_count": 1}}),
    );
    let ana = f.emulator.user_with_token("ana").unwrap();
    let env = [("FIREDRILL_APPROVER_TOKEN", ana.as_str())];
    let (code, out) = doctor(&f, &env);
    assert_eq!(code, 0, "{out}");
    assert!(guard_rows(&out).contains("the approver token approves the drill's pull request"), "{out}");
    let (code, out) = tick_code(&f, f.plan.open_at, &env);
    assert_eq!(code, 0, "{out}");
    let (code, out) = tick_code(&f, f.plan.merge_at, &env);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains(&ana), "the approver token never shows");
    // The approval is one of the run's effects, listed between the refused merge and the one sent after it; what
    // GitHub is asked is the same as when the forge gave the review itself (26 requests).
    let steps: Vec<&str> =
        out.lines().map(str::trim).filter(|l| l.starts_with("merge `") || l.starts_with("approve")).collect();
    assert_eq!(steps.len(), 3, "{out}");
    assert!(
        steps[1].starts_with("approve #1 at ")
            && steps[1].ends_with("with the approver's token (a review is required)"),
        "{out}"
    );
    assert!(out.contains("GitHub API requests: 26"), "{out}");
    let drill = &pulls(&f)[0];
    assert_eq!(drill.merged_by.as_deref(), Some("sam"), "{drill:?}");
    assert_eq!(drill.merged_at, Some(f.plan.merge_at), "merged at the merge instant");
    let reviews = f.emulator.repo("acme/shop").state().unwrap().reviews;
    assert!(reviews.iter().any(|r| r.user == "ana" && r.state == "APPROVED"), "{reviews:?}");

    // The safety timer: main refuses the direct update (a review is required), so the revert goes through a
    // pull request that the approver approves, and lands at the deadline: time to recovery stays exact.
    let deadline = after(f.plan.merge_at, 180);
    let (code, out) = tick_code(&f, deadline, &env);
    assert_eq!(code, 0, "{out}");
    let all = pulls(&f);
    let revert = &all[1];
    assert_eq!(revert.title, format!("Revert \"{}\"", all[0].title), "{revert:?}");
    assert_eq!(revert.body.as_deref(), Some("Reverts acme/shop#1"), "{revert:?}");
    assert_eq!(revert.merged_at, Some(deadline), "{revert:?}");
    let events = f.events();
    let recovered = events.iter().find(|e| e.kind.name() == "recovered").unwrap();
    assert_eq!(recovered.time, deadline);
    assert!(
        matches!(
            &recovered.kind,
            firedrill::drill::event::EventKind::Recovered { how: firedrill::drill::event::RecoveryHow::Timeout, .. }
        ),
        "{recovered:?}"
    );
    assert_eq!(f.names(), ["planned", "opened", "merged", "timed_out", "recovered", "deploy_watch", "reported"]);
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_required_check_pending_then_passing_holds_the_merge_and_the_report_says_how_long() {
    let f = Fixture::new();
    protect(&f, json!({"required_status_checks": {"strict": false, "contexts": ["deploy-staging"]}}));
    // The branch shows its required checks to everyone; the rest of its protection needs Administration: read,
    // which Sam's token lacks: doctor fails on that (the drill still runs, and finds out at the merge).
    let (code, out) = doctor(&f, &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("`deploy-staging`, which must be able to pass on a config change"), "{out}");
    assert!(out.contains("give the drill token *Administration: read*"), "{out}");
    f.tick(f.plan.open_at);
    // The check has not reported: the merge waits, on the timeline, and is tried on the next run.
    let out = f.tick(f.plan.merge_at);
    assert!(out.contains("not merged yet: the required check `deploy-staging` has not passed yet"), "{out}");
    assert_eq!(f.names(), ["planned", "opened", "merge_waiting"]);
    let before = crate::github_drill::exchanges(&f);
    let out = f.tick(after(f.plan.merge_at, 5));
    assert!(out.contains("not merged yet"), "{out}");
    let cost = crate::github_drill::exchanges(&f) - before;
    // An idle run on an open drill reads the ledger (4), its comments (conversation and diff lines: 2) and the
    // incident label (1); the wait itself costs 4 (the pull request, the merge refused, and what decides it: the
    // head's commit statuses and check runs): nothing is written.
    assert_eq!(cost, 11, "{out}");
    assert_eq!(f.names(), ["planned", "opened", "merge_waiting"], "the same wait is recorded once");
    // The ledger read and write, and at most 2 requests for the wait itself (the pull request, the merge).
    let out_requests: usize =
        out.lines().find_map(|l| l.strip_prefix("GitHub API requests: ")).unwrap().parse().unwrap();
    assert_eq!(out_requests, cost);
    status(&f, &head_of(&f, 0), "deploy-staging", "success");
    let merged_at = after(f.plan.merge_at, 12);
    let out = f.tick(merged_at);
    assert!(out.contains("merged into main"), "{out}");
    assert_eq!(pulls(&f)[0].merged_at, Some(merged_at));
    let events = f.events();
    assert_eq!(events.iter().find(|e| e.kind.name() == "merged").unwrap().time, merged_at);

    // The revert: main refuses a direct update while the check is required; the revert pull request waits for
    // the check too. Each run says the fault is still live (exit 1), until the check passes on it.
    let deadline = after(merged_at, 180);
    let (code, out, err) = f.firedrill(&["tick"], deadline);
    assert_eq!(code, 1, "{out}{err}");
    // Issue 33: stdout keeps the numbered steps and says what waits and why (it was an error on stderr only).
    assert!(out.contains("1. plan due drills\n") && out.contains(&format!("2. {}\n", f.plan.drill_id)), "{out}");
    assert!(out.contains("revert the fault (") && out.contains("max_duration 3h passed"), "{out}");
    assert!(out.contains("→ the fault is still live on `main`: firedrill's revert pull request #2 waits for its merge: the required check `deploy-staging` has not passed yet"), "{out}");
    assert!(out.contains(&format!("failed: {}: the fault is still live", f.plan.drill_id)), "{out}");
    assert!(!err.contains("error:"), "not an error of the run, a step of it: {err}");
    assert!(!f.names().contains(&"recovered"));
    // `status` of the drill says the deadline passed and which revert pull request waits, with its page.
    let (code, timeline, err) = f.firedrill(&["status", "--drill", f.plan.drill_id.as_str()], after(deadline, 1));
    assert_eq!(code, 0, "{err}");
    let ending = timeline.lines().last().unwrap();
    assert!(
        ending.contains(&format!("its time limit (3h) passed at {} UTC", deadline.strftime("%Y-%m-%d %H:%M"))),
        "{timeline}"
    );
    assert!(
        ending.contains(&format!("revert pull request #2 ({}/acme/shop/pull/2) waits for its merge", f.emulator.url())),
        "{timeline}"
    );
    assert!(!ending.contains("not removed yet"), "{timeline}");
    // Where the team is, one note says so (updated, not repeated, on every run).
    let (code, _) = tick_code(&f, after(deadline, 5), &[]);
    assert_eq!(code, 1);
    let comments = f.emulator.repo("acme/shop").state().unwrap().comments;
    let live: Vec<&Comment> =
        comments.iter().filter(|c| c.body.contains("The fault is still live on `main`.")).collect();
    assert_eq!(live.len(), 1, "{comments:?}");
    assert!(live[0].body.contains("waits for its merge: the required check `deploy-staging`"), "{comments:?}");
    status(&f, &head_of(&f, 1), "deploy-staging", "success");
    let landed = after(deadline, 7);
    let (code, out) = tick_code(&f, landed, &[]);
    assert_eq!(code, 0, "{out}");
    let recovered = f.events().into_iter().find(|e| e.kind.name() == "recovered").unwrap();
    assert_eq!(recovered.time, landed, "recovered when the revert really landed");
    let report = report_text(&f);
    assert!(report.contains("12 min after the branch's guard rails first held it"), "{report}");
    assert!(report.contains("Merge waiting: the required check `deploy-staging` has not passed yet"), "{report}");
    f.assert_openapi_valid(&[]);
}

pub(crate) fn report_text(f: &Fixture) -> String {
    let control = firedrill::git::Repo::open(&f.state.path().join("repos/acme/drills.git")).unwrap();
    let tip = control.branch_head("firedrill/ledger").unwrap().unwrap();
    let bytes = control.read_file(&tip, &format!("drills/{}/report.md", f.plan.drill_id)).unwrap().unwrap();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn a_failing_required_check_abandons_and_closes_the_pull_request() {
    let f = Fixture::new();
    protect(&f, json!({"required_status_checks": {"strict": false, "contexts": ["deploy-staging"]}}));
    f.tick(f.plan.open_at);
    status(&f, &head_of(&f, 0), "deploy-staging", "failure");
    let (code, out) = tick_code(&f, f.plan.merge_at, &[]);
    assert_eq!(code, 3, "{out}");
    // Decided from the check's state on the head; GitHub's words are kept beside it.
    assert_eq!(
        ledger_reason(&f),
        "the required check `deploy-staging` failed on the pull request's head (GitHub answered 405: 1 of 1 \
         required status checks have not succeeded: 1 failing.)"
    );
    assert_eq!(f.names(), ["planned", "opened", "abandoned", "reported"]);
    assert_eq!(pulls(&f)[0].state, "closed");
    assert!(pulls(&f)[0].merged_at.is_none());
}

#[test]
fn a_check_that_never_passes_abandons_after_merge_max_wait() {
    let f = Fixture::new();
    protect(&f, json!({"required_status_checks": {"strict": false, "contexts": ["deploy-staging"]}}));
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    f.tick(after(f.plan.merge_at, 29));
    assert_eq!(f.names(), ["planned", "opened", "merge_waiting"]);
    let (code, out) = tick_code(&f, after(f.plan.merge_at, 30), &[]);
    assert_eq!(code, 3, "{out}");
    assert_eq!(
        ledger_reason(&f),
        "the merge waited 30 min (`merge.max_wait`) and the required check `deploy-staging` has not passed yet"
    );
    assert_eq!(pulls(&f)[0].state, "closed");
    assert_eq!(f.names(), ["planned", "opened", "merge_waiting", "abandoned", "reported"]);
}

#[test]
fn a_strict_branch_is_brought_up_to_date_and_merged_once_its_check_passes_again() {
    let f = Fixture::new();
    protect(&f, json!({"required_status_checks": {"strict": true, "contexts": ["deploy-staging"]}}));
    f.tick(f.plan.open_at);
    let opened = head_of(&f, 0);
    status(&f, &opened, "deploy-staging", "success");
    // A colleague lands something on main meanwhile: the drill's branch is behind.
    f.emulator.repo("acme/shop").as_user("ana").push("main", "README.md", Some("shop\n"), "docs: readme").unwrap();
    let out = f.tick(f.plan.merge_at);
    assert!(out.contains("was brought up to date with `main`; its required checks run again"), "{out}");
    // Update-branch is one of the run's effects, listed after the merge GitHub refused as behind.
    assert!(
        out.contains("bring `chore/")
            && out.contains(
                "up to date with main (GitHub refused the merge: 1 of 1 required status checks are expected.)"
            ),
        "{out}"
    );
    let updated = head_of(&f, 0);
    assert_ne!(updated, opened, "GitHub merged main into the drill's branch");
    // The next run merges the moved head once its check passed there.
    let out = f.tick(after(f.plan.merge_at, 5));
    assert!(out.contains("not merged yet: the required check `deploy-staging`"), "{out}");
    status(&f, &updated, "deploy-staging", "success");
    let out = f.tick(after(f.plan.merge_at, 10));
    assert!(out.contains("merged into main"), "{out}");
    assert_eq!(
        f.names(),
        ["planned", "opened", "merge_waiting", "merge_waiting", "merged"],
        "two holds: behind, then the check"
    );
    let heads: Vec<String> = f
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            firedrill::drill::event::EventKind::MergeWaiting { head: Some(h), .. } => Some(h.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(heads, [updated], "the moved head is recorded: later runs merge it");
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_merge_queue_is_refused_before_opening_unless_the_token_bypasses_it() {
    let f = Fixture::new();
    ruleset(&f, json!([{"type": "merge_queue"}]), json!([]));
    let (code, out) = doctor(&f, &[]);
    assert_eq!(code, 2, "doctor fails: {out}");
    assert!(out.contains("GitHub's REST API cannot merge into a branch with a merge queue"), "{out}");
    let (code, out) = tick_code(&f, f.plan.open_at, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(pulls(&f).is_empty());

    // The same queue with the write role on the bypass list: the drill goes through.
    let g = Fixture::new();
    ruleset(
        &g,
        json!([{"type": "merge_queue"}]),
        json!([{"actor_id": 4, "actor_type": "RepositoryRole", "bypass_mode": "always"}]),
    );
    let (code, out) = doctor(&g, &[]);
    assert_eq!(code, 0, "{out}");
    g.tick(g.plan.open_at);
    let out = g.tick(g.plan.merge_at);
    assert!(out.contains("merged into main"), "{out}");
    g.assert_openapi_valid(&[]);
}

#[test]
fn a_ruleset_requiring_a_review_is_read_with_a_write_token_and_refused() {
    let f = Fixture::new();
    let rule = json!([{"type": "pull_request", "parameters": {
        "required_approving_review_count": 1, "dismiss_stale_reviews_on_push": false,
        "require_code_owner_review": false, "require_last_push_approval": false,
        "required_review_thread_resolution": false}}]);
    ruleset(&f, rule, json!([]));
    let (code, out) = tick_code(&f, f.plan.open_at, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("ruleset \"staging guard\": pull request blocks the merge and the revert"), "{out}");
    assert!(pulls(&f).is_empty());
}

#[test]
fn push_restrictions_that_leave_out_the_drill_token_are_refused() {
    let f = Fixture::new();
    f.emulator.set_permission("acme/shop", "sam", "admin").unwrap();
    protect(&f, json!({"enforce_admins": true, "restrictions": {"users": ["deploy-bot"], "teams": []}}));
    let (code, out) = doctor(&f, &[]);
    assert_eq!(code, 2, "doctor fails: {out}");
    assert!(out.contains("only deploy-bot may push to `main`"), "{out}");
    let (code, out) = tick_code(&f, f.plan.open_at, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(pulls(&f).is_empty());
}

#[test]
fn required_signatures_let_the_merge_through_and_the_revert_goes_through_a_pull_request() {
    let f = Fixture::new();
    ruleset(&f, json!([{"type": "required_signatures"}]), json!([]));
    let (code, out) = doctor(&f, &[]);
    assert_eq!(code, 0, "{out}");
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    // `/drill revert`-equivalent: the safety timer.
    let deadline = after(f.plan.merge_at, 180);
    let out = f.tick(deadline);
    assert!(out.contains("reverted by"), "{out}");
    assert_eq!(pulls(&f).len(), 2, "the revert went through a pull request");
    assert_eq!(pulls(&f)[1].merged_at, Some(deadline));
    assert_eq!(f.names(), ["planned", "opened", "merged", "timed_out", "recovered", "deploy_watch", "reported"]);
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_required_review_the_write_token_cannot_read_fails_doctor_then_the_refused_merge_closes_the_pull_request() {
    // Sam has write, not admin: GitHub shows only that `main` is protected, not what it requires. Issue 33: doctor
    // said "Ready, with 2 warning(s)" and the drill was abandoned at the merge; now it fails and names the
    // permission to add.
    let f = Fixture::new();
    protect(&f, json!({"required_pull_request_reviews": {"required_approving_review_count": 1}}));
    let (code, out) = doctor(&f, &[]);
    assert_eq!(code, 2, "not ready: {out}");
    assert!(out.ends_with("Not ready: 1 check(s) failed.\n"), "{out}");
    insta::assert_snapshot!(guard_rows(&out));
    assert!(guard_rows(&out).contains("FAIL    cannot be read: `main` has classic branch protection"), "{out}");
    assert!(guard_rows(&out).contains("give the drill token *Administration: read*"), "{out}");
    f.tick(f.plan.open_at);
    let (code, out) = tick_code(&f, f.plan.merge_at, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(
        ledger_reason(&f).starts_with("At least 1 approving review is required by reviewers with write access."),
        "{}",
        ledger_reason(&f)
    );
    assert!(ledger_reason(&f).contains("FIREDRILL_APPROVER_TOKEN"), "the fix is named: {}", ledger_reason(&f));
    assert_eq!(f.names(), ["planned", "opened", "abandoned", "reported"]);
    assert_eq!(pulls(&f)[0].state, "closed", "never left open for anyone to merge unwatched");
    f.assert_openapi_valid(&[]);
}

#[test]
fn start_reads_the_guard_rails_too_and_refuses_with_exit_3() {
    let f = Fixture::new();
    ruleset(&f, json!([{"type": "update"}]), json!([]));
    let (code, out, err) = f.firedrill(&["start", "redis-pool-exhaustion", "--merge-in", "30m"], f.plan.open_at);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("ruleset \"staging guard\": update blocks the merge and the revert"),
        "{out}{err}"
    );
    assert!(pulls(&f).is_empty());
}

#[test]
fn a_ruleset_without_classic_protection_is_read_with_write_access_and_raises_no_doubt() {
    // Issue 33: a ruleset makes GitHub call the branch `protected`; rulesets are readable with read access, so
    // there is nothing the token cannot read, and nothing to warn about.
    let f = Fixture::new();
    ruleset(&f, json!([{"type": "required_signatures"}]), json!([]));
    let (code, out) = doctor(&f, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("cannot read"), "{out}");
    assert!(!out.contains("that needs admin"), "{out}");
    assert!(guard_rows(&out).contains("ruleset \"staging guard\": required signatures  ok"), "{out}");
}

#[test]
fn doctor_with_a_bad_token_fails_once_on_the_401_with_the_fix() {
    // Issue 33: the first row read `token warn a token of unknown kind` and the 401 showed further down, among
    // rows that followed from it. Now the rejected token is the first and only failure, and says what to do.
    let f = Fixture::new();
    for bad in ["ghp_0000000000000000000000000000000000oops", "not-a-token"] {
        let (code, out) = doctor(&f, &[("FIREDRILL_TOKEN", bad)]);
        assert_eq!(code, 2, "{out}");
        assert!(!out.contains(bad), "the token is never printed: {out}");
        assert!(!out.contains("unknown kind"), "{out}");
        let rows: Vec<&str> = out.lines().skip(1).collect();
        assert!(rows[0].starts_with("token ") && rows[0].contains("FAIL"), "{out}");
        assert!(rows[0].contains("401"), "{out}");
        assert!(rows[0].contains("FIREDRILL_TOKEN"), "the fix: {out}");
        assert_eq!(out.matches("FAIL").count(), 1, "one failure, no cascade: {out}");
        assert!(out.ends_with("Not ready: 1 check(s) failed.\n"), "{out}");
    }
}
