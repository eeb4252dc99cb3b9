//! Drills of the seed scenario for the tests of the report, the status table, the run's comments and the
//! ledger's pages: one planned, opened and merged on a given day, then recovered, timed out, aborted or abandoned.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use jiff::Timestamp;

use crate::drill::command::DrillCommand;
use crate::drill::event::{Event, EventKind, RecoveryHow, TargetRef};
use crate::drill::state::Drill;
use crate::scenario::Scenario;

pub fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn redis() -> Scenario {
    crate::scenario::load(
        Path::new("scenarios/redis-pool-exhaustion.yaml"),
        include_str!("../../scenarios/redis-pool-exhaustion.yaml"),
    )
    .unwrap()
}

/// A drill of the seed scenario on 2026-11-24: planned at the 10:00 Berlin occurrence, opened 09:32 UTC,
/// merged 10:17 UTC, then `more` events.
pub fn seed_drill(day: &str, more: Vec<Event>) -> Drill {
    let at = |hm: &str| t(&format!("{day}T{hm}:00Z"));
    let target = TargetRef { repo: None, branch: "main".into(), path: "charts/checkout/values-staging.yaml".into() };
    let id = format!("redis-pool-exhaustion-{}T0900Z", day.replace('-', ""));
    let mut log = vec![
        Event::new(
            at("09:00"),
            "firedrill",
            "tick",
            EventKind::Planned {
                scenario: "redis-pool-exhaustion".parse().unwrap(),
                target,
                occurrence: at("09:00"),
                open_at: at("09:32"),
                merge_at: at("10:17"),
            },
        ),
        Event::new(
            at("09:32"),
            "firedrill",
            "tick",
            EventKind::Opened {
                branch: "chore/tune-redis-pool-4f2a".into(),
                commit: crate::types::CommitSha::parse("5d1c0b7e2a9f4c3b8d6e1f0a7b2c9d4e8f1a3b5c").unwrap(),
                base: crate::types::CommitSha::parse("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567").unwrap(),
                change: crate::drill::event::ChangeId("42".into()),
                variant: None,
                gate: None,
            },
        ),
    ];
    log.extend(more);
    Drill::fold(&crate::schedule::DrillId::parse(&id).unwrap(), &log).unwrap()
}

pub fn ev(time: &str, actor: &str, source: &str, kind: EventKind) -> Event {
    Event::new(t(time), actor, source, kind)
}

pub fn merged(time: &str) -> Event {
    ev(
        time,
        "firedrill",
        "tick",
        EventKind::Merged {
            commit: crate::types::CommitSha::parse("7c1e2d9a0b3f5e6d7c8b9a0f1e2d3c4b5a6f7e8d").unwrap(),
        },
    )
}

pub fn recovered_by_revert(day: &str) -> Drill {
    let at = |hm: &str| format!("{day}T{hm}:00Z");
    seed_drill(
        day,
        vec![
            merged(&at("10:17")),
            ev(&at("10:22"), "ana", "comment", EventKind::Command { name: DrillCommand::Ack.into(), args: None }),
            ev(&at("10:42"), "ben", "comment", EventKind::Command { name: DrillCommand::Status.into(), args: None }),
            ev(
                &at("10:47"),
                "firedrill",
                "tick",
                EventKind::Hint {
                    index: 0,
                    text: "Errors started right after a deploy. What changed in the checkout service's configuration?"
                        .into(),
                },
            ),
            ev(
                &at("11:35"),
                "Ana Lima",
                "tick",
                EventKind::Recovered {
                    commit: crate::types::CommitSha::parse("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432").unwrap(),
                    how: RecoveryHow::Revert,
                },
            ),
        ],
    )
}

pub fn timed_out(day: &str) -> Drill {
    let at = |hm: &str| format!("{day}T{hm}:00Z");
    let revert = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4";
    let hint = |index: usize, text: &str| EventKind::Hint { index, text: text.into() };
    seed_drill(
        day,
        vec![
            merged(&at("10:17")),
            ev(&at("10:47"), "firedrill", "tick", hint(0, "Errors started right after a deploy.")),
            ev(&at("11:05"), "ben", "comment", EventKind::Command { name: DrillCommand::Status.into(), args: None }),
            ev(&at("11:17"), "firedrill", "tick", hint(1, "Look at how the service talks to Redis.")),
            ev(
                &at("13:17"),
                "firedrill",
                "tick",
                EventKind::TimedOut { reverted_by: Some(crate::types::CommitSha::parse(revert).unwrap()) },
            ),
            ev(
                &at("13:17"),
                "firedrill",
                "tick",
                EventKind::Recovered {
                    commit: crate::types::CommitSha::parse(revert).unwrap(),
                    how: RecoveryHow::Timeout,
                },
            ),
        ],
    )
}

pub fn aborted(day: &str) -> Drill {
    let at = |hm: &str| format!("{day}T{hm}:00Z");
    seed_drill(
        day,
        vec![
            merged(&at("10:17")),
            ev(&at("10:25"), "ana", "comment", EventKind::Command { name: DrillCommand::Ack.into(), args: None }),
            ev(&at("10:37"), "ana", "comment", EventKind::Aborted { reason: "real incident".into() }),
            ev(
                &at("10:38"),
                "firedrill",
                "tick",
                EventKind::Recovered {
                    commit: crate::types::CommitSha::parse("b1946ac92492d2347c6235b4d2611184c0ffee00").unwrap(),
                    how: RecoveryHow::Revert,
                },
            ),
        ],
    )
}

pub fn abandoned(day: &str) -> Drill {
    seed_drill(
        day,
        vec![ev(
            &format!("{day}T10:17:00Z"),
            "firedrill",
            "tick",
            EventKind::Abandoned { reason: "the pull request was closed before the merge".into() },
        )],
    )
}
