//! What the drill report and `firedrill status` both say about one drill: the outcome in one sentence, where
//! an instant falls from the merge (`T+25 min`), who acted, the events in the order they happened.

use std::fmt::Write as _;

use jiff::{SignedDuration, Timestamp};

use crate::drill::event::{Event, EventKind, RecoveryHow};
use crate::drill::state::{Drill, Phase, human_duration};
use crate::schedule::{Zone, format_instant};
use crate::types::{CommitSha, FIREDRILL_ACTOR};

/// One sentence on how the drill ended (or where it stands), without Markdown: "Recovered in 1 h 18 min by a
/// revert", "Timed out after 3 h: firedrill reverted the change", "Aborted by @ana: real incident".
pub fn outcome(drill: &Drill) -> String {
    let limit = time_limit(drill);
    let limit_text = limit.map_or_else(|| "the time limit".to_owned(), human_duration);
    if drill.aborted.is_some() {
        let (by, reason) = drill
            .events
            .iter()
            .find_map(|e| match &e.kind {
                EventKind::Aborted { reason } => Some((who(e), reason.trim().to_owned())),
                _ => None,
            })
            .unwrap_or_default();
        return if reason.is_empty() { format!("Aborted by {by}") } else { format!("Aborted by {by}: {reason}") };
    }
    if let Some((_, how)) = &drill.recovered {
        let ttr = drill.time_to_recovery();
        return match (how, ttr) {
            (RecoveryHow::Timeout, _) => {
                format!(
                    "Timed out after {}: firedrill reverted the change",
                    limit.or(ttr).map_or(limit_text, human_duration)
                )
            }
            (RecoveryHow::GaveUp, Some(d)) => {
                format!("Gave up after {}: firedrill reverted the change", human_duration(d))
            }
            (RecoveryHow::GaveUp, None) => "Gave up: firedrill reverted the change".to_owned(),
            (how, ttr) => {
                let mut s = match ttr {
                    Some(d) => format!("Recovered in {} by {}", human_duration(d), how_article(*how)),
                    None => format!("Recovered by {}", how_article(*how)),
                };
                match limit {
                    Some(l) => {
                        let _ = write!(s, ", after the {} time limit", human_duration(l));
                    }
                    None if drill.timed_out.is_some() => s.push_str(", after the time limit"),
                    None => {}
                }
                s
            }
        };
    }
    if let Some((_, reason)) = &drill.abandoned {
        return format!("Abandoned: {}", reason.trim());
    }
    if drill.timed_out.is_some() {
        return if timeout_revert(drill).is_some() {
            format!("Timed out after {limit_text}: firedrill is reverting the change")
        } else {
            format!("Timed out after {limit_text}: the fault is still in place (auto-revert is off)")
        };
    }
    match drill.phase() {
        Phase::Merged => match &drill.merged {
            Some(m) => format!("Running: the fault landed at {} and is not removed yet", utc(m.at)),
            None => "Running".to_owned(),
        },
        Phase::Opened => format!("Waiting: the change is open and merges at {}", utc(drill.merge_at)),
        _ => format!("Planned: the change opens at {} and merges at {}", utc(drill.open_at), utc(drill.merge_at)),
    }
}

/// The instant the timeline counts from: the merge, or the planned merge when the fault never landed.
pub(super) fn zero(drill: &Drill) -> Timestamp {
    drill.merged.as_ref().map_or(drill.merge_at, |m| m.at)
}

/// `T+25 min`, `T-45 min`, `T+0`: where `ts` falls relative to `zero`.
pub(super) fn offset(ts: Timestamp, zero: Timestamp) -> String {
    let d = ts.duration_since(zero);
    if d.is_zero() {
        "T+0".to_owned()
    } else if d.is_negative() {
        format!("T-{}", human_duration(-d))
    } else {
        format!("T+{}", human_duration(d))
    }
}

/// Who did it: `firedrill`, `@login` for a command given on GitHub (where the actor is a login), else the name
/// as recorded (a name given on the command line, a commit author's name): never `@Ana Lima`.
pub(super) fn who(e: &Event) -> String {
    let from_github = matches!(e.source.as_str(), "action" | "comment");
    if from_github && e.actor != FIREDRILL_ACTOR && e.actor.parse::<crate::scenario::GithubLogin>().is_ok() {
        format!("@{}", e.actor)
    } else {
        e.actor.clone()
    }
}

/// The events in the order they happened (the log is in the order firedrill noticed them: a recovery is dated
/// by its commit, which can be earlier than a command recorded before it).
pub(super) fn chronological(drill: &Drill) -> Vec<&Event> {
    let mut events: Vec<&Event> = drill.events.iter().collect();
    events.sort_by_key(|e| e.time);
    events
}

/// A commit id as git abbreviates it.
pub(super) fn short<S: AsRef<str> + ?Sized>(sha: &S) -> &str {
    let sha = sha.as_ref();
    sha.get(..7).unwrap_or(sha)
}

/// How long after the merge the time limit was reached.
pub(super) fn time_limit(drill: &Drill) -> Option<SignedDuration> {
    Some(drill.timed_out?.duration_since(drill.merged.as_ref()?.at))
}

/// The commit firedrill reverted the fault with when the time limit was reached.
pub(super) fn timeout_revert(drill: &Drill) -> Option<&str> {
    drill.events.iter().find_map(|e| match &e.kind {
        EventKind::TimedOut { reverted_by } => reverted_by.as_ref().map(CommitSha::as_str),
        _ => None,
    })
}

/// The change for people, in plain text: `pull request #42` for a number, else `change <name>`.
pub(super) fn change_name(change: impl AsRef<str>) -> String {
    let change = change.as_ref();
    if is_number(change) { format!("pull request #{change}") } else { format!("change {change}") }
}

pub(super) fn is_number(s: impl AsRef<str>) -> bool {
    let s = s.as_ref();
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn how_article(how: RecoveryHow) -> &'static str {
    match how {
        RecoveryHow::Revert => "a revert",
        RecoveryHow::Fix => "a fix",
        RecoveryHow::Timeout => "firedrill's timeout revert",
        RecoveryHow::GaveUp => "firedrill's revert after the team gave up",
    }
}

/// `2026-11-24 10:17 UTC`.
pub(super) fn utc(ts: Timestamp) -> String {
    format_instant(ts, &Zone::utc())
}
