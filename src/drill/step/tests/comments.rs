//! `/drill` commands from the command line and from comments: who may give them, what each records and answers.

use super::*;

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
    let eyes = Effect::React { comment: 5, reaction: Reaction::Eyes };
    let cmd = |name: &str, by: &str| rec(at(70), by, command(name));
    let answered = |by: &str, refused: &[&str]| {
        let refused = refused.iter().map(|r| r.to_string()).collect();
        rec(at(70), by, EventKind::Comment { id: 5, refused })
    };
    // Not obeyed: declined (answered on the comment, not a failure) and recorded with the comment.
    let declined = |by: &str, why: &str| {
        vec![eyes.clone(), Effect::Decline(format!("comment 5 by {by}: {why}")), answered(by, &[why]), running_note()]
    };
    let write_access = "commands need write access (or more)";
    let cases: Vec<(&str, Drill, Observed, &str, Vec<Effect>)> = vec![
        (
            "ack from a writer",
            running.clone(),
            with(comment(5, "ana", writer(), "/drill ack")),
            "",
            vec![eyes.clone(), cmd("ack", "ana"), answered("ana", &[]), running_note()],
        ),
        (
            "maintainers and admins are writers",
            running.clone(),
            with(comment(5, "ana", Standing::Permission("maintain".into()), "/drill found")),
            "",
            vec![eyes.clone(), cmd("found", "ana"), answered("ana", &[]), running_note()],
        ),
        (
            "two commands in one comment, in order",
            running.clone(),
            with(comment(5, "ana", writer(), "looking\n/drill ack\n/drill hint")),
            "",
            vec![
                eyes.clone(),
                cmd("ack", "ana"),
                cmd("hint", "ana"),
                rec(at(70), "ana", EventKind::Hint { index: 0, text: "What changed?".into() }),
                Effect::Reply(Reply::Hint(0, "What changed?".into())),
                answered("ana", &[]),
                running_note(),
            ],
        ),
        (
            "read-only user",
            running.clone(),
            with(comment(5, "rita", Standing::Permission("read".into()), "/drill revert")),
            "",
            declined("rita", &format!("rita has read permission on the repository; {write_access}")),
        ),
        (
            "not a collaborator",
            running.clone(),
            with(comment(5, "eve", Standing::Permission("none".into()), "/drill revert")),
            "",
            declined("eve", &format!("eve has no access to the repository; {write_access}")),
        ),
        (
            "triage is not write",
            running.clone(),
            with(comment(5, "tom", Standing::Permission("triage".into()), "/drill ack")),
            "",
            declined("tom", &format!("tom has triage permission on the repository; {write_access}")),
        ),
        (
            "a bot",
            running.clone(),
            with(comment(5, "ci[bot]", Standing::Bot, "/drill revert")),
            "",
            declined("ci[bot]", "ci[bot] is a bot: commands are taken from people only"),
        ),
        (
            "an edited comment",
            running.clone(),
            with(edited),
            "",
            declined("ana", "the comment was edited; commands are read from new comments only: post a new one"),
        ),
        (
            "an unknown verb",
            running.clone(),
            with(comment(5, "ana", writer(), "/drill stauts")),
            "",
            declined(
                "ana",
                "unknown command `stauts` (did you mean `status`?): one of status, ack, found, fixed, hint, revert, \
                 abort, reveal, help",
            ),
        ),
        (
            "revert from a writer",
            running.clone(),
            with(comment(5, "ana", writer(), "/drill revert")),
            "",
            vec![
                eyes.clone(),
                cmd("revert", "ana"),
                answered("ana", &[]),
                Effect::Revert { commit: sha('e'), why: RevertWhy::GaveUp },
            ],
        ),
        (
            "abort from a responder",
            running.clone(),
            with(comment(5, "ana", writer(), "/drill abort")),
            gm,
            declined("ana", "`/drill abort` is for game masters only (gail); ana is not one"),
        ),
        (
            "abort from a game master",
            running.clone(),
            with(comment(5, "gail", writer(), "/drill abort")),
            gm,
            vec![
                eyes.clone(),
                cmd("abort", "gail"),
                answered("gail", &[]),
                Effect::Revert { commit: sha('e'), why: RevertWhy::Abort },
            ],
        ),
        (
            "a comment already answered",
            drill(&[opened(), merged(), EventKind::Comment { id: 5, refused: vec![] }]),
            with(comment(5, "ana", writer(), "/drill revert")),
            "",
            vec![running_note()],
        ),
    ];
    for (name, d, o, cfg, want) in cases {
        assert_eq!(decide_with(&d, &o, at(75), cfg), want, "{name}");
    }
}

#[test]
fn a_comments_commands_stamp_its_creation_time_and_the_first_reply_infers_detection() {
    let running = drill(&[opened(), merged()]);
    let o = Observed { comments: vec![comment(5, "ana", writer(), "/drill ack")], ..holding() };
    let effects = decide(&running, &o, at(85));
    let times = append_times(&effects);
    assert_eq!(times, vec![at(70), at(70)], "the comment's time, not the tick's");

    let o = Observed { first_reply: Some(("ben".into(), at(64))), ..holding() };
    let effects = decide(&running, &o, at(90));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Append { time, kind: EventKind::Inferred { phase, .. }, .. }
            if *phase == DrillCommand::Ack && *time == at(64))),
        "{effects:?}"
    );
    // An explicit `/drill ack` wins: nothing is inferred once it is on the log.
    let acked = drill(&[opened(), merged(), command("ack")]);
    let effects = decide(&acked, &o, at(90));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Append { kind: EventKind::Inferred { .. }, .. })));
}

#[test]
fn once_the_rounds_are_done_responders_are_answered_where_they_are() {
    let comment_5 = |refused: Vec<String>| EventKind::Comment { id: 5, refused };
    let new_of = |d: &Drill, n: usize| d.events[d.events.len() - n..].to_vec();
    let status = |on: Place, answers: Vec<Reply>| Effect::PostStatus { on, answers };
    // Obeyed: 🚀, and the status note on the pull request, now that they spoke to firedrill.
    let d = drill(&[opened(), merged(), command("ack"), comment_5(vec![])]);
    let want = vec![Effect::React { comment: 5, reaction: Reaction::Rocket }, status(Place::Change, vec![])];
    assert_eq!(answer(&d, &new_of(&d, 2), &[]), want);
    // Not obeyed: 😕, and the reason in the comment's thread (where it has one).
    let why = "rita has read permission on the repository; commands need write access (or more)".to_owned();
    let d = drill(&[opened(), merged(), comment_5(vec![why.clone()])]);
    let want = vec![
        Effect::React { comment: 5, reaction: Reaction::Confused },
        Effect::AnswerInThread { comment: 5, answers: vec![], refused: vec![why] },
        status(Place::Change, vec![]),
    ];
    assert_eq!(answer(&d, &new_of(&d, 1), &[]), want);
    // With an announcement, the status lives there; a reply is answered in the comment's thread too.
    let announced = EventKind::Announced { issue: "9".into() };
    let d = drill(&[opened(), merged(), announced, command("status"), comment_5(vec![])]);
    let want = vec![
        Effect::React { comment: 5, reaction: Reaction::Rocket },
        Effect::AnswerInThread { comment: 5, answers: vec![Reply::Status], refused: vec![] },
        status(Place::Issue("9".into()), vec![Reply::Status]),
    ];
    assert_eq!(answer(&d, &new_of(&d, 2), &[Reply::Status]), want);
    // Until the responders speak to firedrill, the pull request looks like any other: nothing posted.
    let d = drill(&[opened(), merged(), EventKind::Hint { index: 0, text: "x".into() }]);
    assert_eq!(answer(&d, &new_of(&d, 1), &[]), vec![]);
    // The reveal, once the drill is over; nothing before the change is opened.
    let fixed = EventKind::Recovered { commit: sha('f'), how: RecoveryHow::Fix };
    let d = drill(&[opened(), merged(), fixed, comment_5(vec![])]);
    let got = answer(&d, &new_of(&d, 1), &[Reply::Reveal]);
    assert_eq!(got.last(), Some(&Effect::PostReveal), "{got:?}");
    assert_eq!(answer(&drill(&[]), &[], &[Reply::Status]), vec![]);
}

#[test]
fn a_revert_that_did_not_land_is_said_where_the_team_is_and_a_waiting_one_is_recorded() {
    let d = drill(&[opened(), merged()]);
    let waiting = RevertBlocked { why: "the fault is still live".into(), waiting: Some(("8".into(), "waits".into())) };
    let kind = EventKind::RevertWaiting { change: ChangeId("8".into()), reason: "waits".into() };
    assert_eq!(
        revert_blocked(&d, &waiting, at(250)),
        vec![
            Effect::PostRevertBlocked { on: Place::Change, why: "the fault is still live".into() },
            rec(at(250), "firedrill", kind)
        ]
    );
    let d = drill(&[opened(), merged(), EventKind::Announced { issue: "9".into() }]);
    let failed = RevertBlocked { why: "GitHub answered 403".into(), waiting: None };
    assert_eq!(
        revert_blocked(&d, &failed, at(250)),
        vec![Effect::PostRevertBlocked { on: Place::Issue("9".into()), why: "GitHub answered 403".into() }]
    );
}
