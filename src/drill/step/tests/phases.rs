//! The lifecycle phase by phase: planned, opened, running, finished.

use super::*;

#[test]
fn planned_drills() {
    let abandoned = |reason: &str| rec(at(0), "firedrill", EventKind::Abandoned { reason: reason.into() });
    let cases: Vec<(&str, Drill, Observed, Timestamp, Vec<Effect>)> = vec![
        (
            "before its opening instant",
            drill(&[]),
            Observed::default(),
            at(-5),
            vec![Effect::Note(Note::WaitingToOpen { at: at(0) })],
        ),
        (
            "due, the file is gone",
            drill(&[]),
            base(None),
            at(0),
            vec![abandoned("cannot read `values.yaml`: `values.yaml` does not exist at bbbbbbb")],
        ),
        (
            "due, the fault no longer applies",
            drill(&[]),
            base(Some(BROKEN)),
            at(0),
            vec![abandoned(
                "the target already holds this value: nothing to break (`values.yaml` is as the fault would leave it)",
            )],
        ),
        (
            "due, the branch is gone",
            drill(&[]),
            Observed { base: Some(Base { head: None, files: vec![], recent: None }), ..Observed::default() },
            at(0),
            vec![abandoned("branch `main` does not exist")],
        ),
        (
            "the change is open (this run or an earlier one)",
            drill(&[]),
            Observed {
                opened: Some(Change { id: "7".into(), branch: "chore/x".into(), head: sha('c'), url: None }),
                ..base(Some(VALUES))
            },
            at(0),
            vec![rec(at(0), "firedrill", opened())],
        ),
    ];
    for (what, d, o, now, want) in cases {
        assert_eq!(decide(&d, &o, now), want, "{what}");
    }
    // Due, and the fault applies: the drill's commit, whole (see below for what each part of it is).
    let effects = decide(&drill(&[]), &base(Some(VALUES)), at(0));
    assert!(matches!(effects.as_slice(), [Effect::Open(_)]), "{effects:?}");
}

#[test]
fn an_open_is_exactly_the_drills_commit() {
    let effects = decide(&drill(&[]), &base(Some(VALUES)), at(3));
    let Effect::Open(spec) = &effects[0] else { panic!("{effects:?}") };
    assert_eq!(spec.base, sha('b'));
    assert_eq!(spec.at, at(0), "the commit carries the planned opening time, so a re-run writes the same commit");
    assert_eq!(spec.files, vec![("values.yaml".to_owned(), BROKEN.to_owned())]);
    assert_eq!(spec.author, firedrill(), "no disguise author: the token's owner");
}

#[test]
fn opened_drills() {
    let d = drill(&[opened()]);
    let refused = Observed { merge_refused: Some("Pull Request is not mergeable".into()), ..Observed::default() };
    let raced = Observed { landed: Some((sha('e'), at(60))), ..refused.clone() };
    let merge = Effect::Merge { branch: "chore/x".into(), into: "main".into() };
    let merged_at_60 = rec(at(60), "firedrill", EventKind::Merged { commit: sha('e') });
    let cases: Vec<(&str, Observed, Timestamp, Vec<Effect>)> = vec![
        (
            "before the merge instant",
            Observed::default(),
            at(30),
            vec![Effect::Note(Note::WaitingToMerge { at: at(60) })],
        ),
        ("at the merge instant", Observed::default(), at(60), vec![merge.clone()]),
        ("late: still merged", Observed::default(), at(200), vec![merge]),
        (
            "the merge went through",
            Observed { landed: Some((sha('e'), at(60))), ..Default::default() },
            at(60),
            vec![merged_at_60.clone()],
        ),
        (
            "the merge was refused and nobody merged: closed, then abandoned",
            refused,
            at(60),
            vec![
                Effect::Close { branch: "chore/x".into() },
                rec(at(60), "firedrill", EventKind::Abandoned { reason: "Pull Request is not mergeable".into() }),
            ],
        ),
        // Issue: two ticks at the merge instant; the loser's refusal must not hide the winner's merge.
        ("the merge was refused because another run merged", raced, at(60), vec![merged_at_60]),
    ];
    for (what, o, now, want) in cases {
        assert_eq!(decide(&d, &o, now), want, "{what}");
    }
}

#[test]
fn running_drills() {
    let d = drill(&[opened(), merged()]);
    let revert = |why| Effect::Revert { commit: sha('e'), why };
    let recovered = |time, actor: &str, how| rec(time, actor, EventKind::Recovered { commit: sha('f'), how });
    let cases: Vec<(&str, Drill, Observed, Timestamp, Vec<Effect>)> = vec![
        ("running, no hint due", d.clone(), holding(), at(70), vec![running_note()]),
        (
            "a hint is due",
            d.clone(),
            holding(),
            at(95),
            vec![rec(at(95), "firedrill", EventKind::Hint { index: 0, text: "What changed?".into() }), running_note()],
        ),
        (
            "a hint already released",
            drill(&[opened(), merged(), EventKind::Hint { index: 0, text: "x".into() }]),
            holding(),
            at(100),
            vec![running_note()],
        ),
        // max_duration is 3h: the deadline is 12:00; the hint due at 13:00 is never released.
        ("the safety timer fires", d.clone(), holding(), at(240), vec![revert(RevertWhy::Timeout)]),
        (
            "a revert by a responder",
            d.clone(),
            removed_by(sam(), "Revert \"x\"", 120, true),
            at(125),
            vec![recovered(at(120), "Sam Rivera", RecoveryHow::Revert)],
        ),
        (
            "GitHub's Revert button",
            d.clone(),
            removed_by(sam(), "Merge pull request #8", 120, true),
            at(125),
            vec![recovered(at(120), "Sam Rivera", RecoveryHow::Revert)],
        ),
        (
            "a fix",
            d.clone(),
            removed_by(sam(), "pool size 10", 120, false),
            at(125),
            vec![recovered(at(120), "Sam Rivera", RecoveryHow::Fix)],
        ),
        (
            "firedrill's own revert after the deadline",
            d.clone(),
            removed_by(firedrill(), "Revert \"Merge branch 'chore/x'\"", 240, true),
            at(240),
            vec![
                rec(at(240), "firedrill", EventKind::TimedOut { reverted_by: Some(sha('f')) }),
                recovered(at(240), "Sam Rivera", RecoveryHow::Timeout),
            ],
        ),
        (
            "gave up: firedrill reverted on /drill revert",
            drill(&[opened(), merged(), command("revert")]),
            removed_by(firedrill(), "Revert \"Merge branch 'chore/x'\"", 80, true),
            at(80),
            vec![recovered(at(80), "firedrill", RecoveryHow::GaveUp)],
        ),
        (
            "a pending /drill revert is carried out",
            drill(&[opened(), merged(), command("revert")]),
            holding(),
            at(80),
            vec![revert(RevertWhy::GaveUp)],
        ),
        (
            "a pending /drill abort is carried out",
            drill(&[opened(), merged(), command("abort")]),
            holding(),
            at(80),
            vec![revert(RevertWhy::Abort)],
        ),
        (
            "an abort whose revert landed",
            drill(&[opened(), merged(), command("abort")]),
            removed_by(firedrill(), "Revert", 80, true),
            at(80),
            vec![rec(at(80), "firedrill", EventKind::Aborted { reason: "/drill abort".into() })],
        ),
    ];
    for (what, d, o, now, want) in cases {
        assert_eq!(decide(&d, &o, now), want, "{what}");
    }
}

#[test]
fn a_timeout_without_auto_revert_is_reported_and_frees_the_target() {
    let s = ScenarioBuilder::new("redis").path("values.yaml").auto_revert(false).build();
    let d = drill(&[opened(), merged()]);
    let c = config("");
    let me = firedrill();
    let cx = Context { config: &c, actor: &me, deploys: false };
    let e = step(&d, Some(&s), &cx, &holding(), at(250));
    assert_eq!(words(&e), vec!["timed_out:left"]);
    let Effect::Append { time, .. } = &e[0] else { panic!() };
    assert_eq!(*time, at(240), "timed out at the deadline, not when the tick noticed");
    let after = drill(&[opened(), merged(), EventKind::TimedOut { reverted_by: None }]);
    assert_eq!(after.phase(), Phase::TimedOut);
    assert!(after.is_resolved());
    assert_eq!(words(&step(&after, Some(&s), &cx, &holding(), at(250))), vec!["report"]);
}

#[test]
fn finished_drills_are_reported_once() {
    let done = drill(&[opened(), merged(), EventKind::Recovered { commit: sha('f'), how: RecoveryHow::Fix }]);
    assert_eq!(words(&decide(&done, &Observed::default(), at(300))), vec!["report"]);
    let reported = drill(&[
        opened(),
        merged(),
        EventKind::Recovered { commit: sha('f'), how: RecoveryHow::Fix },
        EventKind::Reported { path: "p".into() },
    ]);
    assert!(decide(&reported, &Observed::default(), at(300)).is_empty());
    let abandoned = drill(&[opened(), EventKind::Abandoned { reason: "closed".into() }]);
    assert_eq!(words(&decide(&abandoned, &Observed::default(), at(300))), vec!["report"]);
}

#[test]
fn a_log_with_both_merged_and_abandoned_is_running() {
    let d = drill(&[opened(), merged(), EventKind::Abandoned { reason: "not mergeable".into() }]);
    assert_eq!(d.phase(), Phase::Merged);
    assert_eq!(words(&decide(&d, &holding(), at(240))), vec!["revert:Timeout"]);
}

#[test]
fn a_missing_scenario_abandons_a_planned_drill_and_is_said_for_a_running_one() {
    let c = config("");
    let me = firedrill();
    let cx = Context { config: &c, actor: &me, deploys: false };
    assert_eq!(words(&step(&drill(&[]), None, &cx, &Observed::default(), at(0))), vec!["abandoned"]);
    assert_eq!(
        words(&step(&drill(&[opened(), merged()]), None, &cx, &holding(), at(70))),
        vec!["note:ScenarioMissing"]
    );
}

#[test]
fn the_removal_is_the_last_time_the_fault_went_away() {
    assert_eq!(removal_of(vec![(1, true), (2, false), (3, false)]), Some(2));
    assert_eq!(removal_of(vec![(1, false), (2, true), (3, false)]), Some(3));
    assert_eq!(removal_of(vec![(1, false), (2, true)]), None);
    assert_eq!(removal_of::<u8>(vec![]), None);
}

#[test]
fn a_hint_due_after_the_deadline_is_not_released_by_the_tick_that_ends_the_drill() {
    // Merged at 10:00, deadline 13:00, the second hint due at 14:00: a tick at 14:10 reverts (or, without
    // auto-revert, times out) and releases nothing.
    let d = drill(&[opened(), merged(), EventKind::Hint { index: 0, text: "What changed?".into() }]);
    assert_eq!(words(&decide(&d, &holding(), at(310))), vec!["revert:Timeout"]);
    let s = ScenarioBuilder::new("redis")
        .path("values.yaml")
        .auto_revert(false)
        .hint("30m", "What changed?")
        .hint("4h", "after the deadline")
        .build();
    assert_eq!(words(&decide_for(&d, &s, &holding(), at(310), &config(""))), vec!["timed_out:left"]);
}

#[test]
fn a_merge_held_by_a_guard_rail_waits_up_to_max_wait_then_abandons_and_closes() {
    let waiting = |reason: &str, head: Option<CommitSha>| Observed {
        merge_waiting: Some((reason.to_owned(), head)),
        ..Observed::default()
    };
    let check = "the required check `ci` has not passed yet";
    // The first hold is recorded; the merge is tried again on the next run (no abandon, no close).
    assert_eq!(words(&decide(&drill(&[opened()]), &waiting(check, None), at(60))), vec!["merge_waiting"]);
    // 29 minutes after the first hold (default `merge.max_wait` 30m): still waiting.
    assert_eq!(words(&decide(&held_since(60, None), &waiting(check, None), at(89))), vec!["merge_waiting"]);
    // 30 minutes: the wait is over; the pull request is closed and the drill abandoned, naming the gate.
    let effects = decide(&held_since(60, None), &waiting(check, None), at(90));
    assert_eq!(words(&effects), vec!["close", "abandoned"]);
    let Some(Effect::Append { kind: EventKind::Abandoned { reason }, .. }) = effects.last() else { panic!() };
    assert_eq!(reason, "the merge waited 30 min (`merge.max_wait`) and the required check `ci` has not passed yet");
    // A merge that goes through after a hold is a merge, at its real instant.
    let landed = Observed { landed: Some((sha('e'), at(75))), ..Observed::default() };
    assert_eq!(words(&decide(&held_since(60, None), &landed, at(75))), vec!["merged"]);
}

#[test]
fn a_head_moved_by_update_branch_is_the_head_the_merge_expects() {
    let d = held_since(60, Some(sha('9')));
    assert_eq!(d.expected_head(), Some(&sha('9')));
    assert_eq!(drill(&[opened()]).expected_head(), Some(&sha('c')));
    // The same wait seen again is not recorded twice; a new reason is.
    let again = Event::new(
        at(70),
        "firedrill",
        "tick",
        EventKind::MergeWaiting { reason: "the required check `ci` has not passed yet".into(), head: Some(sha('9')) },
    );
    assert!(again.already_in(&d.events));
    let other = Event::new(
        at(70),
        "firedrill",
        "tick",
        EventKind::MergeWaiting { reason: "the required check `e2e` has not passed yet".into(), head: None },
    );
    assert!(!other.already_in(&d.events));
}

#[test]
fn what_a_merge_needs_is_given_as_an_effect_then_the_merge_goes_again_or_waits() {
    let merge = Effect::Merge { branch: "chore/x".into(), into: "main".into() };
    let d = drill(&[opened()]);
    // Before anything was sent: the merge.
    assert_eq!(decide(&d, &Observed::default(), at(60)), vec![merge.clone()]);
    // A review is required and the approver has not given it: the approval at the head, then the merge again.
    let wants_review = Observed { merge_needs: Some(MergeNeed::Approval { head: sha('c') }), ..Observed::default() };
    assert_eq!(
        decide(&d, &wants_review, at(60)),
        vec![Effect::Approve { change: ChangeId("7".into()), head: sha('c') }, merge.clone()]
    );
    // A strict branch behind its base: update-branch only; the merge waits for the checks it starts.
    let late = Behind { head: sha('c'), refused: "Head branch is out of date".into(), moved: None };
    let behind = Observed { merge_needs: Some(MergeNeed::UpToDate(late.clone())), ..Observed::default() };
    assert_eq!(
        decide(&d, &behind, at(60)),
        vec![Effect::UpdateBranch { change: ChangeId("7".into()), into: "main".into(), behind: late }]
    );
    // A stop given meanwhile wins: nothing is approved or updated, the pull request is closed.
    let stop = Observed { commands: vec![received(DrillCommand::Abort, "gm", 60)], ..wants_review.clone() };
    let stopped = words(&decide_with(&d, &stop, at(60), "game_masters: [gm]\n"));
    assert_eq!(stopped, ["command:abort", "close", "aborted"]);
    // The safety limits are asked again before an approval: the kill switch refuses it like a first merge.
    let switched = words(&decide_with(&d, &wants_review, at(60), "enabled: false\n"));
    assert_eq!(switched, ["refuse", "close", "abandoned"]);
}

#[test]
fn a_revert_the_branch_refuses_goes_through_its_pull_request_one_effect_at_a_time() {
    let d = drill(&[opened(), merged()]);
    let refused = RevertRefused {
        reverted: sha('a'),
        refused: "Protected branch update failed for refs/heads/main.".into(),
        message: "Revert \"Tune the pool\"\n".into(),
    };
    let change = Change { id: ChangeId("8".into()), branch: "revert-7-chore/x".into(), head: sha('a'), url: None };
    let past_deadline = at(250);
    // First the revert itself, straight onto the branch.
    assert_eq!(
        decide(&d, &holding(), past_deadline),
        vec![Effect::Revert { commit: sha('e'), why: RevertWhy::Timeout }]
    );
    // The branch refused it: its pull request.
    let o = Observed { revert_refused: Some(refused.clone()), ..holding() };
    assert_eq!(
        decide(&d, &o, past_deadline),
        vec![Effect::OpenRevertChange { commit: sha('e'), refused: refused.clone() }]
    );
    // Opened (or found): merged.
    let o = Observed { revert_change: Some(change.clone()), ..o };
    assert_eq!(decide(&d, &o, past_deadline), vec![Effect::MergeRevert { change: ChangeId("8".into()) }]);
    // Its merge needs the approver's review: the review, then the merge again.
    let review = Observed { merge_needs: Some(MergeNeed::Approval { head: sha('a') }), ..o.clone() };
    assert_eq!(
        decide(&d, &review, past_deadline),
        vec![
            Effect::Approve { change: ChangeId("8".into()), head: sha('a') },
            Effect::MergeRevert { change: ChangeId("8".into()) }
        ]
    );
    // Behind a strict branch: update-branch, and the merge waits for the checks.
    let late = Behind { head: sha('a'), refused: "1 of 1 required status checks are expected.".into(), moved: None };
    let behind = Observed { merge_needs: Some(MergeNeed::UpToDate(late.clone())), ..o.clone() };
    assert_eq!(
        decide(&d, &behind, past_deadline),
        vec![Effect::UpdateBranch { change: ChangeId("8".into()), into: "main".into(), behind: late }]
    );
    // A game master's abort goes the same way once the branch refused the revert.
    let abort = Observed { commands: vec![received(DrillCommand::Abort, "gm", 100)], ..o.clone() };
    let effects = decide_with(&d, &abort, at(100), "game_masters: [gm]\n");
    assert_eq!(words(&effects), ["command:abort", "merge_revert"]);
}

#[test]
fn who_firedrill_acts_as_is_asked_only_when_the_run_may_write() {
    let s = scenario();
    let none = Observed::default();
    // Planned: from the opening instant; opened: from the merge instant.
    assert!(!acts_as_someone(&drill(&[]), Some(&s), &none, at(-1)));
    assert!(acts_as_someone(&drill(&[]), Some(&s), &none, at(0)));
    assert!(!acts_as_someone(&drill(&[opened()]), Some(&s), &none, at(59)));
    assert!(acts_as_someone(&drill(&[opened()]), Some(&s), &none, at(60)));
    // Running: only for a removal, commands, comments or the deadline (merged at 60, max_duration 3h).
    let running = drill(&[opened(), merged()]);
    assert!(!acts_as_someone(&running, Some(&s), &holding(), at(100)));
    assert!(acts_as_someone(&running, Some(&s), &holding(), at(240)));
    let removed = removed_by(sam(), "Revert", 100, true);
    assert!(acts_as_someone(&running, Some(&s), &removed, at(100)));
    let asked = Observed { commands: vec![received(DrillCommand::Status, "ana", 100)], ..holding() };
    assert!(acts_as_someone(&running, Some(&s), &asked, at(100)));
    // A token without a user stops an opening (no made-up name on the pull request), never what ends a drill.
    assert!(needs_a_person(&drill(&[]), Some(&s)));
    assert!(!needs_a_person(&running, Some(&s)));
    let authored = ScenarioBuilder::new("redis")
        .path("values.yaml")
        .raw("disguise:\n  author: {name: Sam Rivera, email: sam@acme.example}\n")
        .build();
    assert!(!needs_a_person(&drill(&[]), Some(&authored)));
}
