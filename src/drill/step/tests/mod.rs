//! Table tests of [`super::step`]: every phase × `now` × observation, with no forge and no async; by topic.

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
    EventKind::Command { name: name.to_owned().into(), args: None }
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

/// An event appended at `time` by `actor`.
fn rec(time: Timestamp, actor: &str, kind: EventKind) -> Effect {
    Effect::Append { time, actor: actor.into(), kind }
}

/// The note of a drill merged at 60 and still running (the safety timer fires at 240).
fn running_note() -> Effect {
    Effect::Note(Note::Running { since: at(60), deadline: at(240), auto_revert: true })
}

/// The effects as short words, for the tables that have not moved to whole values yet.
/// The times of the events the effects append, in order.
fn append_times(effects: &[Effect]) -> Vec<Timestamp> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Append { time, .. } => Some(*time),
            _ => None,
        })
        .collect()
}

fn words(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .map(|e| match e {
            Effect::Open(_) => "open".to_owned(),
            Effect::Merge { .. } => "merge".to_owned(),
            Effect::Approve { .. } => "approve".to_owned(),
            Effect::UpdateBranch { .. } => "update_branch".to_owned(),
            Effect::OpenRevertChange { .. } => "open_revert_change".to_owned(),
            Effect::MergeRevert { .. } => "merge_revert".to_owned(),
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

/// `step` with the scenario `s` and the settings `cfg`.
fn decide_for(d: &Drill, s: &Scenario, o: &Observed, now: Timestamp, c: &Config) -> Vec<Effect> {
    let me = firedrill();
    step(d, Some(s), &Context { config: c, actor: &me, deploys: false }, o, now)
}

mod comments;
mod observe;
mod phases;
mod safety;

/// A drill opened at 0 whose merge was first held back at `first` minutes (a `merge_waiting` event then).
fn held_since(first: i64, head: Option<CommitSha>) -> Drill {
    let d = drill(&[opened()]);
    let mut log = d.events.clone();
    let kind = EventKind::MergeWaiting { reason: "the required check `ci` has not passed yet".into(), head };
    log.push(Event::new(at(first), "firedrill", "tick", kind));
    Drill::fold(&d.id, &log).unwrap()
}

fn watched(w: Watch, o: Observed) -> Observed {
    Observed { watch: w, ..o }
}
