//! Telling people where they are: the answers to this run's comments (reactions, threads, the status note, the
//! reveal) and the note that firedrill's revert did not land.

use super::*;

/// Where the team is: the announcement issue, else the drill's change.
pub(super) fn team_place(d: &Drill) -> Place {
    d.announced().map_or(Place::Change, |issue| Place::Issue(issue.to_owned()))
}

/// What follows firedrill's revert that did not land (the fault is still live past what should have ended it):
/// the team is told where they are (the announcement, else the change), and a revert pull request that waits is
/// on the timeline, where `status` reads it. Carried out at once, before the round goes on.
pub fn revert_blocked(d: &Drill, b: &RevertBlocked, now: Timestamp) -> Vec<Effect> {
    let mut out = Vec::new();
    if d.opened.is_some() {
        out.push(Effect::PostRevertBlocked { on: team_place(d), why: b.why.clone() });
    }
    if let Some((change, reason)) = &b.waiting {
        let kind =
            EventKind::RevertWaiting { change: crate::drill::event::ChangeId(change.clone()), reason: reason.clone() };
        append(&mut out, now, FIREDRILL_ACTOR, kind);
    }
    out
}

/// Where responders are, once this run's rounds are done (`new`: the events they appended, `answers`: the
/// replies to this run's commands): 🚀 or 😕 on each comment answered, an answer in its thread where it was
/// written on a line of the diff, the status note brought up to date once they have spoken to firedrill, and
/// the reveal when a game master asked for it after the drill ended.
pub fn answer(d: &Drill, new: &[Event], answers: &[Reply]) -> Vec<Effect> {
    let mut out = Vec::new();
    if d.opened.is_none() {
        return out;
    }
    for e in new {
        if let EventKind::Comment { id, refused } = &e.kind {
            let reaction = if refused.is_empty() { Reaction::Rocket } else { Reaction::Confused };
            out.push(Effect::React { comment: *id, reaction });
            if !answers.is_empty() || !refused.is_empty() {
                out.push(Effect::AnswerInThread { comment: *id, answers: answers.to_vec(), refused: refused.clone() });
            }
        }
    }
    // The status lives on the announcement where there is one. Otherwise, until the responders speak to
    // firedrill, the pull request must look like any other: no status note.
    let changed = new.iter().any(|e| !matches!(e.kind, EventKind::Reported { .. }));
    let on = match d.announced() {
        Some(issue) => Some(Place::Issue(issue.to_owned())),
        None => d.engaged().then_some(Place::Change),
    };
    if let Some(on) = on
        && (changed || !answers.is_empty())
    {
        out.push(Effect::PostStatus { on, answers: answers.to_vec() });
    }
    if d.is_resolved() && answers.contains(&Reply::Reveal) {
        out.push(Effect::PostReveal);
    }
    out
}
