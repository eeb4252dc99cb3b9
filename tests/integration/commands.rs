//! The responders' channel on GitHub: `/drill` comments on the drill's pull request, read by the tick, by an
//! `issue_comment` run and by a relay's `workflow_dispatch` run, through the real binary against the emulator.

use github_emulator::state::{Comment, ReviewComment};
use jiff::Timestamp;
use serde_json::json;

use crate::github_drill::{Fixture, action_on, after};

/// `login` comments `body` on the drill's pull request (#1 of acme/shop) at `at`; returns the comment id and
/// the `issue_comment` event file GitHub would deliver.
fn comment(f: &Fixture, login: &str, body: &str, at: Timestamp) -> (u64, String) {
    f.emulator.set_clock(&at.to_string()).unwrap();
    let r = f.emulator.repo("acme/shop").as_user(login).comment(1, body).unwrap();
    (r.id(), r.event_path.display().to_string())
}

/// The comments on acme/shop, as the emulator holds them.
fn comments(f: &Fixture) -> Vec<Comment> {
    f.emulator.repo("acme/shop").state().unwrap().comments
}

/// The reactions on comment `id`, as `login:content`.
fn reactions(f: &Fixture, id: u64) -> Vec<String> {
    let c = comments(f).into_iter().find(|c| c.id == id).unwrap();
    c.reactions.iter().map(|r| format!("{}:{}", r.user, r.content)).collect()
}

/// The body of the status comment (there is at most one), without its marker.
fn status(f: &Fixture) -> Option<String> {
    let mine: Vec<String> = comments(f)
        .iter()
        .map(|c| c.body.as_str())
        .filter(|b| b.contains("<!-- firedrill:status -->"))
        .map(|b| b.replace("\n\n<!-- firedrill:status -->", ""))
        .collect();
    assert!(mine.len() <= 1, "one status comment, edited, never duplicated: {mine:?}");
    mine.into_iter().next()
}

/// A drill opened and merged by ticks: the fault is on acme/shop's main.
fn running() -> Fixture {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    assert_eq!(f.names(), ["planned", "opened", "merged"]);
    f
}

fn count(f: &Fixture, name: &str) -> usize {
    f.names().iter().filter(|n| **n == name).count()
}

#[test]
fn a_drill_is_played_from_pull_request_comments() {
    let f = running();
    f.emulator.set_permission("acme/shop", "ben", "write").unwrap();
    let m = f.plan.merge_at;
    // Before anyone speaks to firedrill the pull request looks like any other: no status comment.
    assert!(status(&f).is_none());

    // Ana's `/drill ack` is seen by the next tick, five minutes later, and stamped at the comment's time.
    let (ack, _) = comment(&f, "ana", "Checkout is failing on staging, looking.\n/drill ack", after(m, 5));
    let out = f.tick(after(m, 10));
    assert!(out.contains("record: /drill ack by ana"), "{out}");
    let ack_event = f.events().into_iter().find(|e| e.kind.name() == "command").unwrap();
    assert_eq!(ack_event.time, after(m, 5), "the comment's creation time, not the tick's");
    assert_eq!(reactions(&f, ack), ["sam:eyes", "sam:rocket"]);
    insta::assert_snapshot!("status_detected", status(&f).unwrap());

    // `/drill hint` releases the first hint; its text is on the status comment, edited in place.
    let (hint, _) = comment(&f, "ana", "/drill hint", after(m, 12));
    let out = f.tick(after(m, 13));
    assert!(out.contains("hint 1: Errors started right after a deploy"), "{out}");
    assert_eq!(reactions(&f, hint), ["sam:eyes", "sam:rocket"]);
    insta::assert_snapshot!("status_hint", status(&f).unwrap());

    // `/drill found`, `/drill status` and `/drill help` in one comment, handled in order; then `/drill fixed`.
    comment(&f, "ana", "It is the redis pool change.\n/drill found\n/drill status\n/drill help", after(m, 30));
    f.tick(after(m, 31));
    insta::assert_snapshot!("status_found", status(&f).unwrap());
    comment(&f, "ben", "> /drill revert\nNot yet, I have a fix.\n```\n/drill abort\n```\n/drill fixed", after(m, 35));
    f.tick(after(m, 36));
    // Before the end nothing responders see names the scenario, the drill or the fault.
    let shown = status(&f).unwrap();
    assert!(shown.contains("fix ready") && shown.contains("`/drill fixed` by ben"), "{shown}");
    for secret in ["redis-pool-exhaustion", "SERVICE__REDIS", "values-staging", "Redis connection pool"] {
        assert!(!shown.contains(secret), "{secret} in:\n{shown}");
    }

    // Giving up: firedrill reverts now; the drill is recorded as gave up, not as a recovery.
    comment(&f, "ana", "/drill revert", after(m, 40));
    let out = f.tick(after(m, 41));
    assert!(out.contains("revert the fault"), "{out}");
    assert_eq!(
        f.names().into_iter().filter(|n| !matches!(*n, "command" | "comment" | "hint")).collect::<Vec<_>>(),
        ["planned", "opened", "merged", "recovered", "reported"]
    );
    let recovered = f.events().into_iter().find(|e| e.kind.name() == "recovered").unwrap();
    assert!(format!("{:?}", recovered.kind).contains("GaveUp"), "{recovered:?}");
    insta::assert_snapshot!("status_over", status(&f).unwrap());

    // Nothing is handled twice: another tick, and a re-run of the same instant, add nothing.
    let before = f.names().len();
    f.tick(after(m, 41));
    f.tick(after(m, 50));
    assert_eq!(f.names().len(), before);
    assert_eq!(count(&f, "comment"), 5);
    f.assert_openapi_valid(&[]);
}

#[test]
fn commands_from_people_without_write_access_bots_and_edits_are_answered_not_obeyed() {
    let f = running();
    std::fs::write(f.dir.path().join("firedrill.yml"), "game_masters: [gail]\n").unwrap();
    f.emulator.set_permission("acme/shop", "rita", "read").unwrap();
    f.emulator.set_permission("acme/shop", "gail", "write").unwrap();
    f.emulator.set_permission("acme/shop", "ci-helper[bot]", "write").unwrap();
    let m = f.plan.merge_at;
    let (read_only, _) = comment(&f, "rita", "/drill revert", after(m, 2));
    let (outsider, _) = comment(&f, "eve", "/drill revert", after(m, 3));
    let (bot, _) = comment(&f, "ci-helper[bot]", "/drill revert", after(m, 4));
    let (edited, _) = comment(&f, "ana", "looks fine", after(m, 5));
    f.emulator.set_clock(&after(m, 6).to_string()).unwrap();
    f.emulator.repo("acme/shop").as_user("ana").edit_comment(edited, "/drill revert").unwrap();
    let (abort, _) = comment(&f, "ana", "/drill abort", after(m, 6));
    let (typo, _) = comment(&f, "ana", "/drill stauts", after(m, 7));

    let (code, out, err) = f.firedrill(&["tick"], after(m, 10));
    assert_eq!(code, 0, "a comment nobody may give is not a failure of the run:\n{out}\n{err}");
    for (id, why) in [
        (read_only, "rita has read permission on the repository; commands need write access"),
        (outsider, "eve has no access to the repository"),
        (bot, "ci-helper[bot] is a bot"),
        (edited, "the comment was edited"),
        (abort, "`/drill abort` is for game masters only (gail); ana is not one"),
        (typo, "unknown command `stauts` (did you mean `status`?)"),
    ] {
        assert!(out.contains(&format!("not obeyed: {}: comment {id} by ", f.plan.drill_id)), "{out}");
        assert!(out.contains(why), "{why}:\n{out}");
        assert_eq!(reactions(&f, id), ["sam:eyes", "sam:confused"], "comment {id}");
    }
    // The fault is still there: nothing was reverted.
    assert_eq!(count(&f, "recovered"), 0);
    assert!(!f.names().contains(&"command"));

    // The game master's abort is obeyed: reverted now, the drill ends aborted.
    let (gm, _) = comment(&f, "gail", "Real incident on checkout, stopping the drill.\n/drill abort", after(m, 12));
    let out = f.tick(after(m, 13));
    assert!(out.contains("revert the fault") && out.contains("the drill was aborted"), "{out}");
    assert_eq!(reactions(&f, gm), ["sam:eyes", "sam:rocket"]);
    assert!(f.names().contains(&"aborted"), "{:?}", f.names());

    // After the end, the game master's `/drill reveal` (an event: ticks no longer read a finished drill's
    // comments) posts the answer; a responder's is not obeyed.
    let work = tempfile::tempdir().unwrap();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let (_, event) = comment(&f, "ana", "/drill reveal", after(m, 20));
    let payload = std::fs::read_to_string(event).unwrap();
    let (code, out, _, _) = action_on(&f, after(m, 20), work.path(), &workflow, ("issue_comment", &payload));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("`/drill reveal` is for game masters only"), "{out}");
    let (_, event) = comment(&f, "gail", "/drill reveal", after(m, 21));
    let payload = std::fs::read_to_string(event).unwrap();
    let (code, out, _, _) = action_on(&f, after(m, 21), work.path(), &workflow, ("issue_comment", &payload));
    assert_eq!(code, 0, "{out}");
    let reveal: Vec<String> = comments(&f)
        .iter()
        .map(|c| c.body.as_str())
        .filter(|b| b.contains("<!-- firedrill:reveal -->"))
        .map(str::to_owned)
        .collect();
    assert_eq!(reveal.len(), 1, "{reveal:?}");
    assert!(reveal[0].contains("charts/checkout/values-staging.yaml"), "{}", reveal[0]);
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_comment_event_is_handled_at_once_and_the_next_tick_does_not_handle_it_again() {
    let f = running();
    let work = tempfile::tempdir().unwrap();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let m = f.plan.merge_at;
    let (id, event) = comment(&f, "ana", "/drill ack", after(m, 3));
    let payload = std::fs::read_to_string(&event).unwrap();
    let (code, out, err, _) = action_on(&f, after(m, 3), work.path(), &workflow, ("issue_comment", &payload));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("record: /drill ack by ana"), "{out}");
    assert_eq!(reactions(&f, id), ["sam:eyes", "sam:rocket"]);
    // The scheduled tick sees the same comment again (GitHub's `since` includes it) and leaves it.
    let out = f.tick(after(m, 10));
    assert!(!out.contains("/drill ack"), "{out}");
    // And a second delivery of the same event changes nothing.
    let (code, out, err, _) = action_on(&f, after(m, 11), work.path(), &workflow, ("issue_comment", &payload));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!((count(&f, "comment"), count(&f, "command")), (1, 1));
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_relay_in_the_target_dispatches_the_control_workflow_with_only_the_comment_id() {
    let f = running();
    let work = tempfile::tempdir().unwrap();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let relay = f.emulator.user_with_token("relay-bot").unwrap();
    f.emulator.set_permission("acme/drills", "relay-bot", "write").unwrap();
    let m = f.plan.merge_at;
    let (id, _) = comment(&f, "ana", "/drill hint", after(m, 4));

    // What examples/workflows/relay.yml sends: POST …/actions/workflows/drill.yml/dispatches.
    let url = format!("{}/repos/acme/drills/actions/workflows/drill.yml/dispatches", f.emulator.url());
    let body = json!({"ref": "main", "inputs": {"comment-repository": "acme/shop", "comment-id": id.to_string()}});
    let status = crate::emulator::post_json(&url, &relay, &body);
    assert_eq!(status, 204);
    let events = f.emulator.state_dir().join("events");
    let mut dispatches: Vec<_> = std::fs::read_dir(&events)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("workflow_dispatch."))
        .collect();
    dispatches.sort();
    crate::emulator::assert_webhooks_valid(&dispatches);
    let payload = std::fs::read_to_string(dispatches.last().unwrap()).unwrap();
    let (code, out, err, _) = action_on(&f, after(m, 5), work.path(), &workflow, ("workflow_dispatch", &payload));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("hint 1: Errors started right after a deploy"), "{out}");
    let hint = f.events().into_iter().find(|e| e.kind.name() == "hint").unwrap();
    assert_eq!(hint.time, after(m, 4), "asked for at the comment's time");
    assert_eq!(reactions(&f, id), ["sam:eyes", "sam:rocket"]);

    // A dispatch naming a repository that is no scenario's target is ignored, and says so.
    let forged = r#"{"inputs": {"comment-repository": "evil/elsewhere", "comment-id": "1"}, "ref": "refs/heads/main"}"#;
    let (code, out, _, _) = action_on(&f, after(m, 6), work.path(), &workflow, ("workflow_dispatch", forged));
    assert_eq!(code, 0);
    assert!(out.contains("ignored: evil/elsewhere is not the target of any scenario"), "{out}");
    f.assert_openapi_valid(&[]);
}

#[test]
fn hostile_comment_bodies_are_data() {
    let f = running();
    let work = tempfile::tempdir().unwrap();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let m = f.plan.merge_at;
    let huge = format!("{}\n/drill status\n", "spam ".repeat(200_000));
    let bodies = [
        "/drill found ::set-output name=state::pwned".to_owned(),
        "/drill ::error::pwned%0A::error file=x::y".to_owned(),
        "/drill found $(touch /tmp/firedrill-pwned); `id` | tee x && echo ok".to_owned(),
        "/drill found %0A::add-mask::x\r\n::warning::pwned".to_owned(),
        huge,
    ];
    let mut last = String::new();
    for (i, body) in bodies.iter().enumerate() {
        let (_, event) = comment(&f, "ana", body, after(m, 2 + i as i64));
        last = std::fs::read_to_string(event).unwrap();
    }
    let (code, out, err, outputs) = action_on(&f, after(m, 10), work.path(), &workflow, ("issue_comment", &last));
    assert_eq!(code, 0, "{out}{err}");
    for line in out.lines() {
        let line = line.trim_start();
        assert!(
            !line.starts_with("::set-output") && !line.contains("pwned") || !line.starts_with("::"),
            "a workflow command came from a comment: {line}"
        );
    }
    assert!(!outputs.contains("pwned"), "{outputs}");
    assert!(!std::path::Path::new("/tmp/firedrill-pwned").exists());
    assert!(out.len() < 20_000, "1 MB of comment is not echoed: {} bytes", out.len());
    assert_eq!(count(&f, "comment"), 5);
    f.assert_openapi_valid(&[]);
}

#[test]
fn an_announced_drill_is_played_on_its_issue_and_reported_there() {
    let f = Fixture::new();
    let text = firedrill::scenario::builder::ScenarioBuilder::seed()
        .repo("acme/shop")
        .raw("announce:\n  issue: \"Staging: checkout errors\"\n")
        .yaml();
    std::fs::write(f.dir.path().join("scenarios/redis.yaml"), text).unwrap();
    f.tick(f.plan.open_at);
    let out = f.tick(f.plan.merge_at);
    assert!(out.contains("announce the incident") && out.contains("opened issue #2"), "{out}");
    // A re-run at the same instant finds the issue instead of opening another.
    f.tick(f.plan.merge_at);
    let issues = f.emulator.repo("acme/shop").state().unwrap().issues;
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].title, "Staging: checkout errors");
    let body = issues[0].body.as_deref().unwrap();
    assert!(!body.contains("redis") && !body.contains("pool"), "the announcement names no fault: {body}");

    // Commands work on the issue; the status comment lives there.
    let m = f.plan.merge_at;
    f.emulator.set_clock(&after(m, 6).to_string()).unwrap();
    let id = f.emulator.repo("acme/shop").as_user("ana").comment(2, "/drill ack").unwrap().id();
    f.tick(after(m, 8));
    assert_eq!(reactions(&f, id), ["sam:eyes", "sam:rocket"]);
    let on_issue = |marker: &str| comments(&f).iter().filter(|c| c.number == 2 && c.body.contains(marker)).count();
    assert_eq!(on_issue("<!-- firedrill:status -->"), 1);

    // The fault is reverted by Ana; the report is posted on the pull request and on the issue.
    f.emulator.set_clock(&after(m, 30).to_string()).unwrap();
    f.emulator.repo("acme/shop").as_user("ana").revert_pr(1, true).unwrap();
    f.tick(after(m, 35));
    assert_eq!(on_issue("<!-- firedrill:report -->"), 1);
    assert!(f.names().contains(&"announced") && f.names().contains(&"reported"), "{:?}", f.names());
    f.assert_openapi_valid(&[]);
}

/// Issue 20: with GitHub's budget running low a run does only safety work: the command is obeyed and recorded,
/// but no reaction is spent on it.
#[test]
fn a_run_low_on_rate_limit_obeys_commands_without_reacting() {
    let f = running();
    let m = f.plan.merge_at;
    let (ack, _) = comment(&f, "ana", "/drill ack", after(m, 5));
    let low = json!({"method": "GET", "path": "/repos/acme/shop/issues/*/comments", "times": 1,
        "headers": {"x-ratelimit-remaining": "40"}});
    f.emulator.inject(&low).unwrap();
    let (code, out, err) = f.firedrill(&["tick", "-v"], after(m, 10));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("record: /drill ack by ana"), "{out}");
    assert!(err.contains("GitHub's rate limit is running low"), "{err}");
    assert_eq!(reactions(&f, ack), Vec::<String>::new());
    f.assert_openapi_valid(&[]);
}

/// Issue 20: `/drill` written on a line of the drill's diff (a review comment, where responders look at the
/// suspicious change) is the same channel: handled at once from its event, once only, and seen by the tick too.
#[test]
fn a_drill_command_in_a_review_thread_is_obeyed_once() {
    let f = running();
    let work = tempfile::tempdir().unwrap();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let m = f.plan.merge_at;
    f.emulator.set_clock(&after(m, 4).to_string()).unwrap();
    let made = f
        .emulator
        .repo("acme/shop")
        .as_user("ana")
        .review_comment(1, "This pool size looks wrong.\n/drill ack")
        .unwrap();
    let id = made.id();
    let payload = std::fs::read_to_string(&made.event_path).unwrap();
    let (code, out, err, _) =
        action_on(&f, after(m, 4), work.path(), &workflow, ("pull_request_review_comment", &payload));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("record: /drill ack by ana"), "{out}");
    let ack = f.events().into_iter().find(|e| e.kind.name() == "command").unwrap();
    assert_eq!(ack.time, after(m, 4), "stamped at the review comment's time");
    let st = f.emulator.repo("acme/shop").state().unwrap();
    let review = st.review_comments.iter().find(|c| c.id == id).unwrap();
    let reacted: Vec<String> = review.reactions.iter().map(|r| format!("{}:{}", r.user, r.content)).collect();
    assert_eq!(reacted, ["sam:eyes", "sam:rocket"]);
    // The tick reads review comments too, and leaves this one: it was answered.
    let out = f.tick(after(m, 10));
    assert!(!out.contains("/drill ack"), "{out}");
    assert_eq!((count(&f, "comment"), count(&f, "command")), (1, 1));
    // A review comment the tick finds by itself (no event delivered) is obeyed there.
    f.emulator.set_clock(&after(m, 12).to_string()).unwrap();
    f.emulator.repo("acme/shop").as_user("ana").review_comment(1, "/drill found").unwrap();
    let out = f.tick(after(m, 15));
    assert!(out.contains("record: /drill found by ana"), "{out}");
    // A question asked in the thread is answered in the thread.
    f.emulator.set_clock(&after(m, 16).to_string()).unwrap();
    let asked = f.emulator.repo("acme/shop").as_user("ana").review_comment(1, "/drill status").unwrap().id();
    f.tick(after(m, 18));
    let st = f.emulator.repo("acme/shop").state().unwrap();
    let replies: Vec<&ReviewComment> = st.review_comments.iter().filter(|c| c.in_reply_to_id == Some(asked)).collect();
    assert_eq!(replies.len(), 1, "{st:?}");
    assert_eq!(replies[0].user, "sam");
    let body = &replies[0].body;
    assert!(body.contains("running"), "{body}");
    for secret in ["redis-pool-exhaustion", "SERVICE__REDIS", "values-staging"] {
        assert!(!body.contains(secret), "{secret} in {body}");
    }
    f.assert_openapi_valid(&[]);
}

/// Issue 20: a give-up is not a recovery for a workflow that feeds `mttr-seconds` to a badge.
#[test]
fn a_give_up_through_the_action_leaves_mttr_seconds_empty() {
    let f = running();
    let work = tempfile::tempdir().unwrap();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let m = f.plan.merge_at;
    let (_, event) = comment(&f, "ana", "We give up.\n/drill revert", after(m, 19));
    let payload = std::fs::read_to_string(&event).unwrap();
    let (code, out, err, outputs) = action_on(&f, after(m, 19), work.path(), &workflow, ("issue_comment", &payload));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("gave up after 19 min"), "{out}");
    assert!(!outputs.contains("mttr-seconds"), "{outputs}");
    assert!(outputs.contains("censored-seconds=1140"), "{outputs}");
    assert!(outputs.contains("state=gave_up\n"), "a give-up is not a recovery: {outputs}");
}

/// `firedrill status` (the table, or one drill's timeline) at `now`.
fn status_of(f: &Fixture, now: Timestamp, more: &[&str]) -> String {
    let mut args = vec!["status"];
    args.extend_from_slice(more);
    let (code, out, err) = f.firedrill(&args, now);
    assert_eq!(code, 0, "{out}{err}");
    out
}

#[test]
fn a_timed_out_drill_is_timed_out_in_the_actions_state_in_status_and_in_the_report() {
    // Issue 33: firedrill's revert after the time limit ended the drill; a workflow gating on `state` must not
    // count it as a recovery, and `status` must agree with the report and `stats`.
    let f = running();
    let work = tempfile::tempdir().unwrap();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let deadline = after(f.plan.merge_at, 180);
    let schedule = r#"{"schedule": "*/10 * * * *"}"#;
    let (code, out, err, outputs) = action_on(&f, deadline, work.path(), &workflow, ("schedule", schedule));
    assert_eq!(code, 0, "{out}{err}");
    assert!(outputs.contains("state=timed_out\n"), "{outputs}");
    assert!(!outputs.contains("mttr-seconds"), "{outputs}");
    let table = status_of(&f, after(deadline, 1), &[]);
    let row = table.lines().find(|l| l.starts_with(f.plan.drill_id.as_str())).unwrap();
    assert!(row.contains("timed out") && row.contains("≥ 3 h (timed out)"), "{table}");
    assert!(!row.contains("recovered"), "{table}");
    let timeline = status_of(&f, after(deadline, 1), &["--drill", f.plan.drill_id.as_str()]);
    assert!(timeline.contains(&format!("Drill {}: timed out\n", f.plan.drill_id)), "{timeline}");
    assert!(timeline.contains("Timed out after 3 h: firedrill reverted the change."), "{timeline}");
    assert!(!timeline.contains("Time to recovery"), "{timeline}");
    let (code, stats, err) = f.firedrill(&["stats"], after(deadline, 1));
    assert_eq!(code, 0, "{err}");
    assert!(stats.contains("timed out"), "{stats}");
}

#[test]
fn a_hint_asked_for_before_its_time_is_released_once_when_the_next_tick_comes_after_it() {
    // Issue 33: `/drill hint` at T+12, and the next tick at T+31, after the first hint's `after: 30m`: hint 1 is
    // released by the command and not again by the schedule, in the tick's output, the log and the status comment.
    let f = running();
    let m = f.plan.merge_at;
    comment(&f, "ana", "/drill hint", after(m, 12));
    let out = f.tick(after(m, 31));
    assert_eq!(out.matches("Errors started right after a deploy").count(), 1, "{out}");
    assert_eq!(count(&f, "hint"), 1, "{:?}", f.names());
    let shown = status(&f).unwrap();
    assert_eq!(shown.matches("Errors started right after a deploy").count(), 1, "{shown}");
    // The second hint comes at its own time, once.
    let out = f.tick(after(m, 61));
    assert_eq!(out.matches("hint 2 released: Look at how the service talks to Redis.").count(), 1, "{out}");
    assert_eq!(count(&f, "hint"), 2, "{:?}", f.names());
}
