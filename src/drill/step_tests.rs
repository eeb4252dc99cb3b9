//! Table tests of [`super::step`]: every phase × `now` × observation, with no forge and no async.

#![allow(clippy::unwrap_used)]

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::drill::event::{ChangeId, Event, TargetRef};
use crate::scenario::builder::{ScenarioBuilder, config};

const VALUES: &str = "env:\n  SERVICE__REDIS__CONNECTION_POOL__SIZE: \"10\"\n";
const BROKEN: &str = "env:\n  SERVICE__REDIS__CONNECTION_POOL__SIZE: \"0\"\n";

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}
fn at(mins: i64) -> Timestamp {
    t("2026-11-24T09:00:00Z").checked_add(SignedDuration::from_mins(mins)).unwrap()
}
fn sha(c: char) -> CommitSha {
    CommitSha::parse(&c.to_string().repeat(40)).unwrap()
}
fn firedrill() -> Person {
    Person::new("firedrill", "firedrill@localhost")
}
fn sam() -> Person {
    Person::new("Sam Rivera", "sam@acme.example")
}

fn scenario() -> Scenario {
    ScenarioBuilder::new("redis")
        .path("values.yaml")
        .hint("30m", "What changed?")
        .hint("4h", "after the deadline")
        .build()
}

/// A drill log: planned to open at 0 and merge at 60 (minutes after 09:00), then `more`.
fn drill(more: &[EventKind]) -> Drill {
    let id = DrillId::new("redis", at(0));
    let planned = EventKind::Planned {
        scenario: "redis".parse().unwrap(),
        target: TargetRef { repo: None, branch: "main".into(), path: "values.yaml".into() },
        occurrence: at(0),
        open_at: at(0),
        merge_at: at(60),
    };
    let mut log = vec![Event::new(at(0), "firedrill", "tick", planned)];
    for (i, k) in more.iter().enumerate() {
        let time = if matches!(k, EventKind::Merged { .. }) { at(60) } else { at(i as i64) };
        log.push(Event::new(time, "firedrill", "tick", k.clone()));
    }
    Drill::fold(&id, &log).unwrap()
}

fn opened() -> EventKind {
    EventKind::Opened {
        branch: "chore/x".into(),
        commit: sha('c'),
        base: sha('b'),
        change: ChangeId("7".into()),
        variant: None,
        gate: None,
    }
}
fn merged() -> EventKind {
    EventKind::Merged { commit: sha('e') }
}
fn command(name: &str) -> EventKind {
    EventKind::Command { name: name.into(), args: None }
}

fn base(text: Option<&str>) -> Observed {
    Observed {
        base: Some(Base {
            head: Some(sha('b')),
            files: vec![("values.yaml".into(), text.map(str::to_owned))],
            recent: None,
        }),
        ..Observed::default()
    }
}
fn holding() -> Observed {
    Observed { fault: Some(FaultView { head: sha('d'), holds: true, removal: None }), ..Observed::default() }
}
fn removed_by(committer: Person, message: &str, mins: i64, back_to_before: bool) -> Observed {
    let landing = Landing { sha: sha('f'), at: at(mins), message: message.into(), author: sam(), committer };
    Observed {
        fault: Some(FaultView { head: sha('f'), holds: false, removal: Some(Removal { landing, back_to_before }) }),
        ..Observed::default()
    }
}
fn received(c: DrillCommand, by: &str, mins: i64) -> Received {
    Received { command: c, args: None, by: by.into(), at: at(mins) }
}

fn decide(d: &Drill, o: &Observed, now: Timestamp) -> Vec<Effect> {
    decide_with(d, o, now, "")
}
fn decide_with(d: &Drill, o: &Observed, now: Timestamp, cfg: &str) -> Vec<Effect> {
    let c = config(cfg);
    let me = firedrill();
    step(d, Some(&scenario()), &Context { config: &c, actor: &me, deploys: false }, o, now)
}

/// The effects as short words, for tables.
fn words(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .map(|e| match e {
            Effect::Open(_) => "open".to_owned(),
            Effect::Merge { .. } => "merge".to_owned(),
            Effect::Revert { why, .. } => format!("revert:{why:?}"),
            Effect::Close { .. } => "close".to_owned(),
            Effect::CloseLeftover { .. } => "close_leftover".to_owned(),
            Effect::Announce { .. } => "announce".to_owned(),
            Effect::Append { kind: EventKind::Recovered { how, .. }, .. } => format!("recovered:{how:?}"),
            Effect::Append { kind: EventKind::TimedOut { reverted_by }, .. } => {
                format!("timed_out:{}", if reverted_by.is_some() { "reverted" } else { "left" })
            }
            Effect::Append { kind: EventKind::Command { name, .. }, .. } => format!("command:{name}"),
            Effect::Append { kind: EventKind::Hint { index, .. }, .. } => format!("hint:{index}"),
            Effect::Append { kind: EventKind::Comment { refused, .. }, .. } => format!("comment:{}", refused.len()),
            Effect::Append { kind, .. } => kind.name().to_owned(),
            Effect::WriteReport => "report".to_owned(),
            Effect::Reply(r) => format!("reply:{r:?}").split('(').next().unwrap_or_default().to_owned(),
            Effect::Refuse(_) => "refuse".to_owned(),
            Effect::Decline(_) => "decline".to_owned(),
            Effect::Note(n) => format!("note:{n:?}").split([' ', '{']).next().unwrap_or_default().to_owned(),
            Effect::React { reaction, .. } => format!("react:{}", reaction.as_str()),
            Effect::AnswerInThread { .. } => "answer_in_thread".to_owned(),
            Effect::PostStatus { .. } => "post_status".to_owned(),
            Effect::PostReveal => "post_reveal".to_owned(),
            Effect::PostRevertBlocked { .. } => "post_revert_blocked".to_owned(),
        })
        .collect()
}

#[test]
fn planned_drills() {
    let cases: Vec<(&str, Drill, Observed, Timestamp, Vec<&str>)> = vec![
        ("before its opening instant", drill(&[]), Observed::default(), at(-5), vec!["note:WaitingToOpen"]),
        ("due, the fault applies", drill(&[]), base(Some(VALUES)), at(0), vec!["open"]),
        ("due, the file is gone", drill(&[]), base(None), at(0), vec!["abandoned"]),
        ("due, the fault no longer applies", drill(&[]), base(Some(BROKEN)), at(0), vec!["abandoned"]),
        (
            "due, the branch is gone",
            drill(&[]),
            Observed { base: Some(Base { head: None, files: vec![], recent: None }), ..Observed::default() },
            at(0),
            vec!["abandoned"],
        ),
        (
            "the change is open (this run or an earlier one)",
            drill(&[]),
            Observed {
                opened: Some(Change { id: "7".into(), branch: "chore/x".into(), head: sha('c'), url: None }),
                ..base(Some(VALUES))
            },
            at(0),
            vec!["opened"],
        ),
    ];
    for (what, d, o, now, want) in cases {
        assert_eq!(words(&decide(&d, &o, now)), want, "{what}");
    }
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
    let cases: Vec<(&str, Observed, Timestamp, Vec<&str>)> = vec![
        ("before the merge instant", Observed::default(), at(30), vec!["note:WaitingToMerge"]),
        ("at the merge instant", Observed::default(), at(60), vec!["merge"]),
        ("late: still merged", Observed::default(), at(200), vec!["merge"]),
        (
            "the merge went through",
            Observed { landed: Some((sha('e'), at(60))), ..Default::default() },
            at(60),
            vec!["merged"],
        ),
        (
            "the merge was refused and nobody merged: closed, then abandoned",
            refused,
            at(60),
            vec!["close", "abandoned"],
        ),
        // Issue: two ticks at the merge instant; the loser's refusal must not hide the winner's merge.
        ("the merge was refused because another run merged", raced, at(60), vec!["merged"]),
    ];
    for (what, o, now, want) in cases {
        assert_eq!(words(&decide(&d, &o, now)), want, "{what}");
    }
}

#[test]
fn running_drills() {
    let d = drill(&[opened(), merged()]);
    let cases: Vec<(&str, Drill, Observed, Timestamp, Vec<&str>)> = vec![
        ("running, no hint due", d.clone(), holding(), at(70), vec!["note:Running"]),
        ("a hint is due", d.clone(), holding(), at(95), vec!["hint:0", "note:Running"]),
        (
            "a hint already released",
            drill(&[opened(), merged(), EventKind::Hint { index: 0, text: "x".into() }]),
            holding(),
            at(100),
            vec!["note:Running"],
        ),
        // max_duration is 3h: the deadline is 12:00; the hint due at 13:00 is never released.
        ("the safety timer fires", d.clone(), holding(), at(240), vec!["revert:Timeout"]),
        (
            "a revert by a responder",
            d.clone(),
            removed_by(sam(), "Revert \"x\"", 120, true),
            at(125),
            vec!["recovered:Revert"],
        ),
        (
            "GitHub's Revert button",
            d.clone(),
            removed_by(sam(), "Merge pull request #8", 120, true),
            at(125),
            vec!["recovered:Revert"],
        ),
        ("a fix", d.clone(), removed_by(sam(), "pool size 10", 120, false), at(125), vec!["recovered:Fix"]),
        (
            "firedrill's own revert after the deadline",
            d.clone(),
            removed_by(firedrill(), "Revert \"Merge branch 'chore/x'\"", 240, true),
            at(240),
            vec!["timed_out:reverted", "recovered:Timeout"],
        ),
        (
            "gave up: firedrill reverted on /drill revert",
            drill(&[opened(), merged(), command("revert")]),
            removed_by(firedrill(), "Revert \"Merge branch 'chore/x'\"", 80, true),
            at(80),
            vec!["recovered:GaveUp"],
        ),
        (
            "a pending /drill revert is carried out",
            drill(&[opened(), merged(), command("revert")]),
            holding(),
            at(80),
            vec!["revert:GaveUp"],
        ),
        (
            "a pending /drill abort is carried out",
            drill(&[opened(), merged(), command("abort")]),
            holding(),
            at(80),
            vec!["revert:Abort"],
        ),
        (
            "an abort whose revert landed",
            drill(&[opened(), merged(), command("abort")]),
            removed_by(firedrill(), "Revert", 80, true),
            at(80),
            vec!["aborted"],
        ),
    ];
    for (what, d, o, now, want) in cases {
        assert_eq!(words(&decide(&d, &o, now)), want, "{what}");
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
fn commands_by_phase_and_person() {
    let gm = "game_masters: [gail]\n";
    let running = drill(&[opened(), merged()]);
    let with = |c: DrillCommand, by: &str| Observed { commands: vec![received(c, by, 70)], ..holding() };
    let cases: Vec<(&str, Drill, Observed, &str, Vec<&str>)> = vec![
        (
            "status",
            running.clone(),
            with(DrillCommand::Status, "ana"),
            "",
            vec!["command:status", "reply:Status", "note:Running"],
        ),
        ("ack", running.clone(), with(DrillCommand::Ack, "ana"), "", vec!["command:ack", "note:Running"]),
        (
            "hint on demand",
            running.clone(),
            with(DrillCommand::Hint, "ana"),
            "",
            vec!["command:hint", "hint:0", "reply:Hint", "note:Running"],
        ),
        ("help", running.clone(), with(DrillCommand::Help, "ana"), "", vec!["reply:Help", "note:Running"]),
        (
            "revert gives up",
            running.clone(),
            with(DrillCommand::Revert, "ana"),
            "",
            vec!["command:revert", "revert:GaveUp"],
        ),
        (
            "abort by a game master",
            running.clone(),
            with(DrillCommand::Abort, "gail"),
            gm,
            vec!["command:abort", "revert:Abort"],
        ),
        ("abort by a responder", running.clone(), with(DrillCommand::Abort, "kim"), gm, vec!["refuse", "note:Running"]),
        (
            "reveal while running",
            running.clone(),
            with(DrillCommand::Reveal, "gail"),
            gm,
            vec!["refuse", "note:Running"],
        ),
        (
            "ack before the merge (which is due)",
            drill(&[opened()]),
            with(DrillCommand::Ack, "ana"),
            "",
            vec!["refuse", "merge"],
        ),
        (
            "abort before the merge",
            drill(&[opened()]),
            with(DrillCommand::Abort, "gail"),
            gm,
            vec!["command:abort", "close", "aborted"],
        ),
        (
            "revert after the end",
            drill(&[opened(), merged(), EventKind::Recovered { commit: sha('f'), how: RecoveryHow::Fix }]),
            with(DrillCommand::Revert, "ana"),
            "",
            vec!["refuse", "report"],
        ),
    ];
    for (what, d, o, cfg, want) in cases {
        assert_eq!(words(&decide_with(&d, &o, at(70), cfg)), want, "{what}");
    }
}

#[test]
fn limits_of_firedrill_yml_are_enforced_where_the_fault_lands() {
    let cfg = "allowed_branches: [staging]\n";
    assert_eq!(
        words(&decide_with(&drill(&[]), &base(Some(VALUES)), at(0), cfg)),
        vec!["refuse", "close_leftover", "abandoned"]
    );
    assert_eq!(
        words(&decide_with(&drill(&[opened()]), &Observed::default(), at(60), cfg)),
        vec!["refuse", "close", "abandoned"]
    );
    let cfg = "allowed_environments: [qa]\n";
    assert_eq!(
        words(&decide_with(&drill(&[]), &base(Some(VALUES)), at(0), cfg)),
        vec!["refuse", "close_leftover", "abandoned"]
    );
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
fn start_refuses_a_second_drill_on_a_busy_target() {
    let s = scenario();
    let c = config("");
    let me = firedrill();
    let cx = Context { config: &c, actor: &me, deploys: false };
    let busy = vec![drill(&[opened()])];
    assert!(start(&s, &busy, &cx, at(10), None).unwrap_err().contains("one drill at a time"));
    let p = start(&s, &[], &cx, at(10), Some(SignedDuration::from_mins(30))).unwrap();
    assert_eq!((p.open_at, p.merge_at), (at(10), at(40)));
    let c = config("allowed_branches: [staging]\n");
    assert!(
        start(&s, &[], &Context { config: &c, actor: &me, deploys: false }, at(10), None)
            .unwrap_err()
            .contains("allowed_branches")
    );
}

/// `step` with the scenario `s` and the settings `cfg`.
fn decide_for(d: &Drill, s: &Scenario, o: &Observed, now: Timestamp, c: &Config) -> Vec<Effect> {
    let me = firedrill();
    step(d, Some(s), &Context { config: c, actor: &me, deploys: false }, o, now)
}

/// The text of the first refusal among `effects`.
fn refusal_text(effects: &[Effect]) -> String {
    effects.iter().find_map(|e| if let Effect::Refuse(w) = e { Some(w.clone()) } else { None }).unwrap_or_default()
}

#[test]
fn production_looking_targets_are_refused_at_opening_and_merging_unless_allowed() {
    let s = scenario();
    let none = config("");
    let allowed = config("allow_production: true\n");
    for (branch, path) in [("env/prod", "values.yaml"), ("main", "k8s/live/values.yaml")] {
        let mut planned = drill(&[]);
        planned.target = TargetRef { repo: None, branch: branch.into(), path: path.into() };
        let e = decide_for(&planned, &s, &base(Some(VALUES)), at(0), &none);
        assert_eq!(words(&e), vec!["refuse", "close_leftover", "abandoned"], "{branch} {path}");
        assert!(refusal_text(&e).contains("looks like production") && refusal_text(&e).contains("allow_production"));
        let mut open = drill(&[opened()]);
        open.target = planned.target.clone();
        assert_eq!(
            words(&decide_for(&open, &s, &Observed::default(), at(60), &none)),
            vec!["refuse", "close", "abandoned"]
        );
        assert_eq!(words(&decide_for(&open, &s, &Observed::default(), at(60), &allowed)), vec!["merge"]);
    }
    // The environment is the scenario's: checked at the merge too (a drill opened before the rule still stops).
    let live = ScenarioBuilder::new("redis").path("values.yaml").environment(Some("live")).build();
    let e = decide_for(&drill(&[opened()]), &live, &Observed::default(), at(60), &none);
    assert_eq!(words(&e), vec!["refuse", "close", "abandoned"]);
    assert!(refusal_text(&e).starts_with("environment `live` looks like production"), "{}", refusal_text(&e));
    // Whole words only: `product-api` and `delivery` are not production.
    let mut d = drill(&[]);
    d.target = TargetRef { repo: None, branch: "delivery".into(), path: "product-api/values.yaml".into() };
    assert_eq!(words(&decide_for(&d, &s, &base(Some(VALUES)), at(0), &none)), vec!["open"]);
}

#[test]
fn allowed_environments_are_checked_at_the_merge_as_well_as_the_opening() {
    let e = decide_with(&drill(&[opened()]), &Observed::default(), at(60), "allowed_environments: [qa]\n");
    assert_eq!(words(&e), vec!["refuse", "close", "abandoned"]);
    assert!(refusal_text(&e).contains("environment `staging` is not in allowed_environments"), "{e:?}");
}

#[test]
fn the_kill_switch_off_stops_new_faults_but_not_running_drills() {
    let off = "enabled: false\n";
    let e = decide_with(&drill(&[]), &base(Some(VALUES)), at(0), off);
    assert_eq!(words(&e), vec!["refuse", "close_leftover", "abandoned"]);
    assert_eq!(
        refusal_text(&e),
        "drills are switched off by `enabled: false` in firedrill.yml: no new drill opens or merges"
    );
    assert_eq!(
        words(&decide_with(&drill(&[opened()]), &Observed::default(), at(60), off)),
        vec!["refuse", "close", "abandoned"]
    );
    // Safety work goes on: the timer still reverts, recoveries are still recorded.
    assert_eq!(words(&decide_with(&drill(&[opened(), merged()]), &holding(), at(240), off)), vec!["revert:Timeout"]);
    // The workflow's variable overrides the file, and says so.
    let mut c = config("");
    c.apply_enabled_env(Some("false"));
    let e = decide_for(&drill(&[]), &scenario(), &base(Some(VALUES)), at(0), &c);
    assert!(refusal_text(&e).starts_with("drills are switched off by FIREDRILL_ENABLED=false"), "{e:?}");
    let me = firedrill();
    let err = start(&scenario(), &[], &Context { config: &c, actor: &me, deploys: false }, at(10), None).unwrap_err();
    assert!(err.contains("switched off"), "{err}");
}

#[test]
fn the_kill_switch_abort_ends_every_active_drill_as_aborted_by_the_kill_switch() {
    let abort = "enabled: abort\n";
    let reason = |e: &[Effect]| {
        e.iter()
            .find_map(|e| match e {
                Effect::Append { kind: EventKind::Aborted { reason }, .. } => Some(reason.clone()),
                _ => None,
            })
            .unwrap_or_default()
    };
    let cases: Vec<(&str, Drill, Observed, Vec<&str>)> = vec![
        ("waiting to open", drill(&[]), Observed::default(), vec!["command:abort", "aborted"]),
        ("open, not merged", drill(&[opened()]), Observed::default(), vec!["command:abort", "close", "aborted"]),
        ("running: revert first", drill(&[opened(), merged()]), holding(), vec!["command:abort", "revert:Abort"]),
    ];
    for (what, d, o, want) in cases {
        let e = decide_with(&d, &o, at(30), abort);
        assert_eq!(words(&e), want, "{what}");
        let Some(Effect::Append { kind: EventKind::Command { args, .. }, actor, .. }) = e.first() else { panic!() };
        assert_eq!((args.as_deref(), actor.as_str()), (Some(KILL_SWITCH), "firedrill"), "{what}");
        if want.contains(&"aborted") {
            assert_eq!(reason(&e), "kill switch", "{what}");
        }
    }
    // Once the revert landed the drill is aborted, with the kill switch as its reason, even if the switch was
    // flipped back meanwhile (the recorded command carries it).
    let d = drill(&[opened(), merged(), EventKind::Command { name: "abort".into(), args: Some(KILL_SWITCH.into()) }]);
    let e = decide(&d, &removed_by(firedrill(), "Revert", 80, true), at(80));
    assert_eq!((words(&e), reason(&e)), (vec!["aborted".to_owned()], "kill switch".to_owned()));
    // Finished drills are left alone.
    let done = drill(&[opened(), merged(), EventKind::Recovered { commit: sha('f'), how: RecoveryHow::Fix }]);
    assert_eq!(words(&decide_with(&done, &Observed::default(), at(300), abort)), vec!["report"]);
}

#[test]
fn an_open_incident_stops_opening_and_merging() {
    let incident = Observed { incident: Some(12), ..base(Some(VALUES)) };
    let e = decide(&drill(&[]), &incident, at(0));
    assert_eq!(words(&e), vec!["refuse", "close_leftover", "abandoned"]);
    assert_eq!(
        refusal_text(&e),
        "issue #12 labelled `incident` is open in the target repository: no drill during a real incident"
    );
    let e = decide_with(
        &drill(&[opened()]),
        &Observed { incident: Some(3), ..Observed::default() },
        at(60),
        "incident_label: sev1\n",
    );
    assert_eq!(words(&e), vec!["refuse", "close", "abandoned"]);
    assert!(refusal_text(&e).contains("labelled `sev1`"), "{e:?}");
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

fn comment(id: u64, by: &str, standing: Standing, body: &str) -> CommentIn {
    let commands = crate::drill::command::parse_comment(body)
        .into_iter()
        .map(|p| p.map(|p| (p.command, p.args)).map_err(|e| e.to_string()))
        .collect();
    CommentIn { id, by: by.into(), at: at(70), standing, edited: false, commands }
}
fn writer() -> Standing {
    Standing::Permission("write".into())
}

#[test]
fn comments_by_standing_and_content() {
    let gm = "game_masters: [gail]\n";
    let running = drill(&[opened(), merged()]);
    let with = |c: CommentIn| Observed { comments: vec![c], ..holding() };
    let edited = CommentIn { edited: true, ..comment(5, "ana", writer(), "/drill ack") };
    let cases: Vec<(&str, Drill, Observed, &str, Vec<&str>)> = vec![
        (
            "ack from a writer",
            running.clone(),
            with(comment(5, "ana", writer(), "/drill ack")),
            "",
            vec!["react:eyes", "command:ack", "comment:0", "note:Running"],
        ),
        (
            "maintainers and admins are writers",
            running.clone(),
            with(comment(5, "ana", Standing::Permission("maintain".into()), "/drill found")),
            "",
            vec!["react:eyes", "command:found", "comment:0", "note:Running"],
        ),
        (
            "two commands in one comment, in order",
            running.clone(),
            with(comment(5, "ana", writer(), "looking\n/drill ack\n/drill hint")),
            "",
            vec!["react:eyes", "command:ack", "command:hint", "hint:0", "reply:Hint", "comment:0", "note:Running"],
        ),
        (
            "read-only user",
            running.clone(),
            with(comment(5, "rita", Standing::Permission("read".into()), "/drill revert")),
            "",
            vec!["react:eyes", "decline", "comment:1", "note:Running"],
        ),
        (
            "not a collaborator",
            running.clone(),
            with(comment(5, "eve", Standing::Permission("none".into()), "/drill revert")),
            "",
            vec!["react:eyes", "decline", "comment:1", "note:Running"],
        ),
        (
            "triage is not write",
            running.clone(),
            with(comment(5, "tom", Standing::Permission("triage".into()), "/drill ack")),
            "",
            vec!["react:eyes", "decline", "comment:1", "note:Running"],
        ),
        (
            "a bot",
            running.clone(),
            with(comment(5, "ci[bot]", Standing::Bot, "/drill revert")),
            "",
            vec!["react:eyes", "decline", "comment:1", "note:Running"],
        ),
        (
            "an edited comment",
            running.clone(),
            with(edited),
            "",
            vec!["react:eyes", "decline", "comment:1", "note:Running"],
        ),
        (
            "an unknown verb",
            running.clone(),
            with(comment(5, "ana", writer(), "/drill stauts")),
            "",
            vec!["react:eyes", "decline", "comment:1", "note:Running"],
        ),
        (
            "revert from a writer",
            running.clone(),
            with(comment(5, "ana", writer(), "/drill revert")),
            "",
            vec!["react:eyes", "command:revert", "comment:0", "revert:GaveUp"],
        ),
        (
            "abort from a responder",
            running.clone(),
            with(comment(5, "ana", writer(), "/drill abort")),
            gm,
            vec!["react:eyes", "decline", "comment:1", "note:Running"],
        ),
        (
            "abort from a game master",
            running.clone(),
            with(comment(5, "gail", writer(), "/drill abort")),
            gm,
            vec!["react:eyes", "command:abort", "comment:0", "revert:Abort"],
        ),
        (
            "a comment already answered",
            drill(&[opened(), merged(), EventKind::Comment { id: 5, refused: vec![] }]),
            with(comment(5, "ana", writer(), "/drill revert")),
            "",
            vec!["note:Running"],
        ),
    ];
    for (name, d, o, cfg, want) in cases {
        assert_eq!(words(&decide_with(&d, &o, at(75), cfg)), want, "{name}");
    }
}

#[test]
fn a_comments_commands_stamp_its_creation_time_and_the_first_reply_infers_detection() {
    let running = drill(&[opened(), merged()]);
    let o = Observed { comments: vec![comment(5, "ana", writer(), "/drill ack")], ..holding() };
    let effects = decide(&running, &o, at(85));
    let times: Vec<Timestamp> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Append { time, .. } => Some(*time),
            _ => None,
        })
        .collect();
    assert_eq!(times, vec![at(70), at(70)], "the comment's time, not the tick's");

    let o = Observed { first_reply: Some(("ben".into(), at(64))), ..holding() };
    let effects = decide(&running, &o, at(90));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Append { time, kind: EventKind::Inferred { phase, .. }, .. }
            if phase == "ack" && *time == at(64))),
        "{effects:?}"
    );
    // An explicit `/drill ack` wins: nothing is inferred once it is on the log.
    let acked = drill(&[opened(), merged(), command("ack")]);
    let effects = decide(&acked, &o, at(90));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Append { kind: EventKind::Inferred { .. }, .. })));
}

/// A drill opened at 0 whose merge was first held back at `first` minutes (a `merge_waiting` event then).
fn held_since(first: i64, head: Option<CommitSha>) -> Drill {
    let d = drill(&[opened()]);
    let mut log = d.events.clone();
    let kind = EventKind::MergeWaiting { reason: "the required check `ci` has not passed yet".into(), head };
    log.push(Event::new(at(first), "firedrill", "tick", kind));
    Drill::fold(&d.id, &log).unwrap()
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
fn guard_rails_that_would_hold_the_drill_refuse_it_before_it_opens() {
    let mut o = base(Some(VALUES));
    o.guard_refusal =
        Some("required approving reviews (1) blocks the merge and the revert: set `approver-token`".into());
    let effects = decide(&drill(&[]), &o, at(3));
    assert_eq!(words(&effects), vec!["refuse", "close_leftover", "abandoned"]);
    let Some(Effect::Append { kind: EventKind::Abandoned { reason }, .. }) = effects.last() else { panic!() };
    assert!(
        reason.starts_with("refused: the guard rails of `main` would hold the drill: required approving"),
        "{reason}"
    );
}

/// The deploy phase: what the deploy signals told (`o.fault_live`, `o.fix_live`) becomes `fault_deployed` and
/// `fix_deployed`; a removal with nothing seen yet starts the watch, which ends with `deploy_unobserved`.
#[test]
fn deploy_signals_record_when_the_fault_and_the_fix_went_live() {
    let signals = |yaml: &str| {
        let mut b = ScenarioBuilder::new("redis").path("values.yaml").hint("30m", "What changed?");
        if !yaml.is_empty() {
            b = b.raw(yaml);
        }
        b.build()
    };
    let argo = signals("deploy:\n  signals:\n    - status: continuous-delivery/*\n  watch: 1h\n");
    let none = signals("deploy:\n  signals: []\n");
    let seen =
        |mins: i64, c: char| Seen { at: at(mins), signal: "status continuous-delivery/*".into(), commit: sha(c) };
    let fault_seen = |mut o: Observed, mins: i64| {
        o.fault_live = Some(seen(mins, 'd'));
        o
    };
    let fix_seen = |mut o: Observed, mins: i64| {
        o.fix_live = Some(seen(mins, 'f'));
        o
    };
    let fault_live = EventKind::FaultDeployed { signal: "status continuous-delivery/*".into(), commit: sha('d') };
    let recovered = EventKind::Recovered { commit: sha('f'), how: RecoveryHow::Revert };
    let watch = EventKind::DeployWatch { until: at(180), signals: vec!["status continuous-delivery/*".into()] };
    let running = drill(&[opened(), merged()]);
    let live = drill(&[opened(), merged(), fault_live.clone()]);
    let watched = drill(&[opened(), merged(), fault_live.clone(), recovered.clone(), watch.clone()]);
    let reported = EventKind::Reported { path: "drills/x/report.md".into() };
    let watched_reported = drill(&[opened(), merged(), fault_live, recovered, watch, reported]);
    let revert = || removed_by(sam(), "Revert \"x\"", 120, true);
    type Case<'a> = (&'a str, &'a Scenario, bool, Drill, Observed, Timestamp, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "the tip holding the fault went live",
            &argo,
            true,
            running.clone(),
            fault_seen(holding(), 64),
            at(70),
            vec!["fault_deployed", "note:Running"],
        ),
        (
            "seen again: recorded once",
            &argo,
            true,
            live.clone(),
            fault_seen(holding(), 64),
            at(70),
            vec!["note:Running"],
        ),
        (
            "removed, the fix seen live in the same run",
            &argo,
            true,
            live.clone(),
            fix_seen(revert(), 130),
            at(131),
            vec!["recovered:Revert", "fix_deployed"],
        ),
        (
            "removed, nothing seen yet: the watch starts",
            &argo,
            true,
            live.clone(),
            revert(),
            at(125),
            vec!["recovered:Revert", "deploy_watch"],
        ),
        (
            "removed, the fault's deploy seen on its last commit",
            &argo,
            true,
            running.clone(),
            fault_seen(revert(), 70),
            at(125),
            vec!["recovered:Revert", "fault_deployed", "deploy_watch"],
        ),
        ("plain git has no deploy signals", &argo, false, live.clone(), revert(), at(125), vec!["recovered:Revert"]),
        ("`signals: []`", &none, true, live.clone(), revert(), at(125), vec!["recovered:Revert"]),
        (
            "watched, the fix goes live after the report",
            &argo,
            true,
            watched_reported.clone(),
            fix_seen(Observed::default(), 150),
            at(151),
            vec!["fix_deployed"],
        ),
        ("watched, nothing yet", &argo, true, watched_reported.clone(), Observed::default(), at(179), vec![]),
        (
            "the watch ends",
            &argo,
            true,
            watched_reported.clone(),
            Observed::default(),
            at(180),
            vec!["deploy_unobserved"],
        ),
        ("not reported yet", &argo, true, watched.clone(), Observed::default(), at(130), vec!["report"]),
    ];
    // (The report is written in the round after the recovery is folded in.)
    for (what, s, deploys, d, o, now, want) in cases {
        let c = config("");
        let me = firedrill();
        let cx = Context { config: &c, actor: &me, deploys };
        assert_eq!(words(&step(&d, Some(s), &cx, &o, now)), want, "{what}");
    }
}

#[test]
fn a_deploy_seen_after_the_report_makes_it_stale_and_the_watch_ends_the_drills_work() {
    let fault_live = EventKind::FaultDeployed { signal: "check deploy".into(), commit: sha('d') };
    let recovered = EventKind::Recovered { commit: sha('f'), how: RecoveryHow::Revert };
    let watch = EventKind::DeployWatch { until: at(180), signals: vec!["check deploy".into()] };
    let reported = EventKind::Reported { path: "drills/x/report.md".into() };
    let fix = EventKind::FixDeployed { signal: "check deploy".into(), commit: sha('f') };
    let d = drill(&[opened(), merged(), fault_live.clone(), recovered.clone(), watch.clone(), reported.clone()]);
    assert!(d.deploy_pending() && !d.report_stale);
    let d = drill(&[opened(), merged(), fault_live.clone(), recovered.clone(), watch.clone(), reported.clone(), fix]);
    assert!(!d.deploy_pending() && d.report_stale, "the report is written again with the fix's deploy");
    let after = Event::new(at(200), "firedrill", "tick", reported.clone());
    assert!(!after.already_in(&[]), "a first report is recorded");
    assert!(!after.already_in(&d.events), "the report written again is recorded again");
    let mut log = d.events.clone();
    log.push(after.clone());
    assert!(after.already_in(&log), "but not twice");
    let d = Drill::fold(&d.id, &log).unwrap();
    assert!(!d.report_stale);
    // The `(fault live, fix live)` pair and the time to restore service.
    assert_eq!(d.fault_live.as_ref().map(|l| l.at), Some(at(2)));
    assert_eq!(d.deploy_time_to_recovery(), Some(at(6).duration_since(at(2))));
}

fn watched(w: Watch, o: Observed) -> Observed {
    Observed { watch: w, ..o }
}

#[test]
fn what_the_monitoring_saw_is_recorded_once_at_its_own_instants() {
    let alert = crate::observe::AlertSeen {
        at: at(63),
        name: "CheckoutErrors".into(),
        labels: [("alertname".to_owned(), "CheckoutErrors".to_owned())].into(),
        from: "prometheus".into(),
        fingerprint: None,
    };
    let w = Watch { broken: Some((at(62), "health".into())), alert: Some(alert), ..Watch::default() };
    let d = drill(&[opened(), merged()]);
    let effects = decide(&d, &watched(w.clone(), holding()), at(70));
    assert_eq!(words(&effects), ["broken", "alert_fired", "note:Running"]);
    let times: Vec<Timestamp> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Append { time, .. } => Some(*time),
            _ => None,
        })
        .collect();
    assert_eq!(times, [at(62), at(63)], "the instants Prometheus saw, not the run's");
    // Recorded already: the same observation again records nothing.
    let d = drill(&[opened(), merged(), EventKind::Broken { from: "health".into() }]);
    let d = Drill::fold(
        &d.id,
        &[
            d.events.clone(),
            vec![Event::new(
                at(63),
                "firedrill",
                "tick",
                EventKind::AlertFired {
                    alert: "X".into(),
                    labels: Default::default(),
                    from: "prometheus".into(),
                    fingerprint: None,
                },
            )],
        ]
        .concat(),
    )
    .unwrap();
    assert_eq!(words(&decide(&d, &watched(w, holding()), at(71))), ["note:Running"]);
    // Restored only after a breakage, once the fault is gone.
    let gone = removed_by(sam(), "Revert \"tune\"", 90, true);
    let w = Watch { restored: Some((at(92), "health".into())), ..Watch::default() };
    let d = drill(&[opened(), merged(), EventKind::Broken { from: "health".into() }]);
    assert!(words(&decide(&d, &watched(w.clone(), gone.clone()), at(95))).contains(&"restored".to_owned()));
    let d = drill(&[opened(), merged()]);
    assert!(!words(&decide(&d, &watched(w, gone), at(95))).contains(&"restored".to_owned()));
}

#[test]
fn a_stop_condition_or_no_effect_with_end_if_no_effect_reverts_and_aborts_with_the_reason() {
    let d = drill(&[opened(), merged()]);
    let stop = Watch { stop: Some("safety.stop_if `x > 1` was true at 10:10".into()), ..Watch::default() };
    let effects = decide(&d, &watched(stop, holding()), at(70));
    assert_eq!(words(&effects), ["command:abort", "revert:Abort"]);
    // The next round (the revert landed): aborted, with the recorded reason.
    let mut log = d.events.clone();
    let args = Some("safety.stop_if `x > 1` was true at 10:10".to_owned());
    log.push(Event::new(at(70), "firedrill", "tick", EventKind::Command { name: "abort".into(), args }));
    let d = Drill::fold(&d.id, &log).unwrap();
    let effects = decide(&d, &removed_by(firedrill(), "Revert \"tune\"", 70, true), at(70));
    let reason = effects.iter().find_map(|e| match e {
        Effect::Append { kind: EventKind::Aborted { reason }, .. } => Some(reason.clone()),
        _ => None,
    });
    assert_eq!(reason.as_deref(), Some("safety.stop_if `x > 1` was true at 10:10"));

    // No effect: said; reverted only with `end_if_no_effect`.
    let d = drill(&[opened(), merged()]);
    let quiet = Watch { no_effect: Some((at(75), "15m".into())), ..Watch::default() };
    assert_eq!(words(&decide(&d, &watched(quiet.clone(), holding()), at(80))), ["no_effect", "note:Running"]);
    let mut s = ScenarioBuilder::new("redis").path("values.yaml").raw("observe:\n  health: up == 1\n").build();
    s.safety.end_if_no_effect = Some(true);
    let effects = decide_for(&d, &s, &watched(quiet, holding()), at(80), &config(""));
    assert_eq!(words(&effects), ["no_effect", "command:abort", "revert:Abort"]);
}

#[test]
fn a_service_already_broken_is_refused_before_opening_and_merging() {
    let broken = || Watch {
        already_broken: Some("staging is already broken: health `up == 1` is false now".into()),
        ..Watch::default()
    };
    let effects = decide(&drill(&[]), &watched(broken(), base(Some(VALUES))), at(0));
    assert!(words(&effects).contains(&"refuse".to_owned()) && words(&effects).contains(&"abandoned".to_owned()));
    assert!(refusal_text(&effects).contains("staging is already broken"));
    let effects = decide(&drill(&[opened()]), &watched(broken(), Observed::default()), at(60));
    assert!(words(&effects).contains(&"close".to_owned()) && refusal_text(&effects).contains("already broken"));
}
