//! Decide, then do: one drill's state, its scenario, the settings, what the forge shows and `now` → the effects
//! to carry out. Pure: every rule of the incident phase lives here, and the runner only executes.
//!
//! The runner calls [`step`] in rounds: it gathers an [`Observed`] for the drill, executes the effects, folds the
//! events it appended into the drill, feeds the results of forge actions back into the observation, and calls
//! [`step`] again until nothing is left to do. Every rule is therefore idempotent: the same state and the same
//! observation give the same effects, so a re-run after a crash at any point picks up where the last one
//! stopped, and a dry run lists exactly what a real run at the same instant would do. Two more decisions round a
//! run off: [`answer`] (where responders are, once the rounds are done) and [`revert_blocked`] (what follows a
//! revert that did not land).
//!
//! By concern: [`observed`] (what the runner gathered), [`effect`] (what a decision comes to), `commands` (the
//! `/drill` commands and the stops), `opening` (before the fault lands, and the safety limits), `running` (while
//! it is live and after) and `answer` (telling people where they are).

use jiff::{SignedDuration, Timestamp};

use super::command::DrillCommand;
use super::event::{Event, EventKind, RecoveryHow, TargetRef};
use super::prepare;
use super::state::{Drill, Phase, human_duration};
use crate::scenario::{Config, Scenario};
use crate::schedule::{DrillId, Plan};
use crate::types::{
    Behind, Change, ChangeId, CommitSha, FIREDRILL_ACTOR, Landing, MergeNeed, Permission, Person, RevertRefused,
};

mod answer;
mod commands;
pub mod effect;
pub mod observed;
mod opening;
mod running;

pub use answer::{answer, revert_blocked};
pub use commands::KILL_SWITCH;
use commands::*;
pub use effect::*;
pub use observed::*;
use opening::*;
pub use opening::{limits, start, switched_off};
use running::*;

/// The settings a decision depends on.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub config: &'a Config,
    /// Who firedrill acts as (the drill token's owner): its own commits are recognised by this identity.
    pub actor: &'a Person,
    /// The forge can tell when a commit went live (commit statuses, check runs, deployments): the deploy
    /// signals are asked there, and nowhere else.
    pub deploys: bool,
}

/// The decision for one drill at `now`.
pub fn step(d: &Drill, s: Option<&Scenario>, cx: &Context<'_>, o: &Observed, now: Timestamp) -> Vec<Effect> {
    let mut out = Vec::new();
    // A stop (revert or abort) given now, or recorded by an earlier run that did not get to carry it out.
    let stop = commands(d, s, cx, o, now, &mut out)
        .or_else(|| pending_stop(d))
        .or_else(|| kill_switch_abort(d, cx, now, &mut out))
        .or_else(|| monitor_abort(d, s, o, now, &mut out));
    let c = stop.as_ref().map(|(c, _)| *c);
    match d.phase() {
        Phase::Planned => planned(d, s, cx, o, now, c, &mut out),
        Phase::Opened => opened(d, s, cx, o, now, c, &mut out),
        Phase::Merged => running(d, s, cx, o, now, stop, &mut out),
        Phase::Recovered | Phase::GaveUp | Phase::TimedOut | Phase::Aborted | Phase::Abandoned => {
            settled(d, s, o, now, &mut out)
        }
    }
    if d.report_due() {
        out.push(Effect::WriteReport);
    }
    out
}

fn append(out: &mut Vec<Effect>, time: Timestamp, actor: &str, kind: EventKind) {
    out.push(Effect::Append { time, actor: actor.to_owned(), kind });
}

fn abandon(out: &mut Vec<Effect>, now: Timestamp, reason: String) {
    append(out, now, FIREDRILL_ACTOR, EventKind::Abandoned { reason });
}

/// The plan a drill was made from, as the disguise needs it.
pub fn plan_of(d: &Drill, s: &Scenario) -> Plan {
    let zone = s.schedule.as_ref().map_or_else(crate::schedule::Zone::utc, |sch| sch.timezone().zone().clone());
    Plan { drill_id: d.id.clone(), occurrence: d.occurrence, open_at: d.open_at, merge_at: d.merge_at, zone }
}

/// What the merge of `change` (the drill's, or the revert's) needs before it is sent again, as effects: the
/// approver's review, after which the merge goes again (`true`: send it); or the branch brought up to date, after
/// which the merge waits for the checks that starts (`false`). Nothing needed: `true`.
fn give_what_the_merge_needs(d: &Drill, change: &ChangeId, o: &Observed, out: &mut Vec<Effect>) -> bool {
    match &o.merge_needs {
        Some(MergeNeed::Approval { head }) => {
            out.push(Effect::Approve { change: change.clone(), head: head.clone() });
            true
        }
        Some(MergeNeed::UpToDate(behind)) => {
            let into = d.target.branch.clone();
            out.push(Effect::UpdateBranch { change: change.clone(), into, behind: behind.clone() });
            false
        }
        None => true,
    }
}

/// Whether a run may write for `d` at `now`, and so must know who firedrill acts as (the drill token's owner): the
/// opening and the merge when due; while the fault is live, a removal to record, commands or comments to answer,
/// or the safety timer's revert.
pub fn acts_as_someone(d: &Drill, s: Option<&Scenario>, o: &Observed, now: Timestamp) -> bool {
    let due = |at: Timestamp| at <= now;
    match d.phase() {
        Phase::Planned => due(d.open_at),
        Phase::Opened => due(d.merge_at),
        Phase::Merged => {
            let deadline = d.merged.as_ref().zip(s).map(|(m, s)| deadline(m.at, s));
            o.fault.as_ref().is_some_and(|f| !f.holds)
                || !o.commands.is_empty()
                || !o.comments.is_empty()
                || deadline.is_some_and(due)
        }
        _ => false,
    }
}

/// Whether a token without a user (a GitHub App's) must stop `d`: opening under a made-up name would give the
/// drill away (unless `disguise.author` names who opens it); anything later (a revert) must go on anyway.
pub fn needs_a_person(d: &Drill, s: Option<&Scenario>) -> bool {
    d.phase() == Phase::Planned && s.is_none_or(|s| s.disguise.author.is_none())
}

/// The instant the safety timer fires.
pub fn deadline(merged_at: Timestamp, s: &Scenario) -> Timestamp {
    // Durations are bounded by validation; saturate rather than wrap for anything that slips through.
    merged_at.checked_add(s.safety.max_duration().to_signed()).unwrap_or(Timestamp::MAX)
}

/// Whether the fault holds in `text` (the target file's content at some commit).
pub fn fault_holds(s: &Scenario, text: Option<&str>) -> bool {
    let selector = s.target.document_selector();
    text.is_some_and(|t| prepare::fault_holds(s, t, s.target.format(), selector.as_ref()))
}

/// Of the landings after the fault (oldest first, with whether the fault holds after each), the one after
/// which the fault stayed gone up to the last: a fault removed, re-introduced and removed again was recovered
/// by the last removal.
pub fn removal_of<T>(landings: Vec<(T, bool)>) -> Option<T> {
    let mut found = None;
    for (l, holds) in landings {
        if holds {
            found = None;
        } else if found.is_none() {
            found = Some(l);
        }
    }
    found
}

#[cfg(test)]
mod tests;
