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
