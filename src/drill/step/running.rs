//! While the fault is live and after: its removal recognised (revert, fix, firedrill's timeout), the safety timer,
//! the announcement, the hints, what the deploy signals and the monitoring saw, a finished drill's watch.

use super::*;

/// firedrill's revert of the fault, one step at a time: reverted directly; where the base branch refuses that, the
/// revert's change request opened, then merged (after the approver's review, or once brought up to date, as its
/// merge needs).
fn revert(d: &Drill, commit: &CommitSha, o: &Observed, why: RevertWhy, out: &mut Vec<Effect>) {
    let Some(refused) = &o.revert_refused else {
        return out.push(Effect::Revert { commit: commit.clone(), why });
    };
    let Some(change) = &o.revert_change else {
        return out.push(Effect::OpenRevertChange { commit: commit.clone(), refused: refused.clone() });
    };
    if give_what_the_merge_needs(d, &change.id, o, out) {
        out.push(Effect::MergeRevert { change: change.id.clone() });
    }
}

pub(super) fn running(
    d: &Drill,
    s: Option<&Scenario>,
    cx: &Context<'_>,
    o: &Observed,
    now: Timestamp,
    stop: Option<(DrillCommand, String)>,
    out: &mut Vec<Effect>,
) {
    let Some(merged) = &d.merged else { return };
    // Detected: the first responder's comment after the merge, where nobody said `/drill ack`.
    let acked_now = out.iter().any(
        |e| matches!(e, Effect::Append { kind: EventKind::Command { name, .. }, .. } if *name == DrillCommand::Ack),
    );
    if let Some((by, at)) = &o.first_reply
        && *at >= merged.at
        && d.stamped(DrillCommand::Ack).is_none()
        && !acked_now
    {
        let from = format!("the first comment on the pull request, by {by}");
        append(out, *at, by, EventKind::Inferred { phase: DrillCommand::Ack.into(), from });
    }
    let Some(s) = s else {
        out.push(Effect::Note(Note::ScenarioMissing));
        return;
    };
    let Some(fault) = &o.fault else { return };
    let deadline = deadline(merged.at, s);

    if !fault.holds {
        let Some(removal) = &fault.removal else { return };
        let l = &removal.landing;
        let ours = l.committer == *cx.actor;
        let reverts = l.message.starts_with("Revert")
            || l.message.contains(merged.commit.as_str())
            || d.opened.as_ref().is_some_and(|op| l.message.contains(op.commit.as_str()))
            || removal.back_to_before;
        match stop {
            // Aborted: the fault is gone (reverted by firedrill or anyone); the drill ends as aborted.
            Some((DrillCommand::Abort, by)) => {
                let reason = abort_reason(d, cx, "/drill abort".to_owned());
                append(out, l.at.max(merged.at), &by, EventKind::Aborted { reason });
                return;
            }
            Some((_, by)) if ours => {
                let kind = EventKind::Recovered { commit: l.sha.clone(), how: RecoveryHow::GaveUp };
                append(out, l.at, &by, kind);
                return;
            }
            _ => {}
        }
        let how = if ours && l.at >= deadline && reverts {
            append(out, l.at, FIREDRILL_ACTOR, EventKind::TimedOut { reverted_by: Some(l.sha.clone()) });
            RecoveryHow::Timeout
        } else if reverts {
            RecoveryHow::Revert
        } else {
            RecoveryHow::Fix
        };
        // The recovery is the responder's: the commit's author is the event's actor.
        append(out, l.at, &l.author.name, EventKind::Recovered { commit: l.sha.clone(), how });
        fault_live(d, merged.at, o, out);
        watched(d, o, out);
        if let Some(seen) = &o.fix_live {
            append(out, seen.at.max(l.at), FIREDRILL_ACTOR, fix_deployed(seen));
        } else if cx.deploys && !s.deploy_signals().is_empty() {
            // Asked on every run until the fix is seen live, or `deploy.watch` after the removal.
            let until = l.at.checked_add(s.deploy.watch().to_signed()).unwrap_or(Timestamp::MAX);
            let signals = s.deploy_signals().iter().map(|g| g.describe()).collect();
            append(out, l.at, FIREDRILL_ACTOR, EventKind::DeployWatch { until, signals });
        }
        return;
    }
    fault_live(d, merged.at, o, out);
    watched(d, o, out);

    // Still broken. A stop asked for is carried out first.
    if let Some((c, _)) = stop {
        let why = if c == DrillCommand::Abort { RevertWhy::Abort } else { RevertWhy::GaveUp };
        return revert(d, &merged.commit, o, why, out);
    }
    if now >= deadline {
        if s.safety.auto_revert() {
            revert(d, &merged.commit, o, RevertWhy::Timeout, out);
        } else {
            append(out, deadline, FIREDRILL_ACTOR, EventKind::TimedOut { reverted_by: None });
        }
        return;
    }
    // The briefing: an issue where the team can talk to firedrill, opened while the fault is live.
    if let Some(a) = &s.announce
        && d.announced().is_none()
        && o.issues
    {
        match &o.announced {
            Some(issue) => append(out, now, FIREDRILL_ACTOR, EventKind::Announced { issue: issue.clone() }),
            None => out.push(Effect::Announce { title: a.issue.clone(), body: announcement(a) }),
        }
    }
    // Hints whose time has come (never one due after the deadline: the drill ends first), once each: not one
    // released before, nor one a `/drill hint` of this run released.
    let asked: Vec<usize> = out
        .iter()
        .filter_map(|e| match e {
            Effect::Append { kind: EventKind::Hint { index, .. }, .. } => Some(*index),
            _ => None,
        })
        .collect();
    for (index, hint) in s.hints.iter().enumerate() {
        let due = merged.at.checked_add(hint.after.to_signed()).unwrap_or(Timestamp::MAX);
        let released = d.hints.iter().any(|(i, _)| *i == index) || asked.contains(&index);
        if due <= now && due < deadline && !released {
            append(out, now, FIREDRILL_ACTOR, EventKind::Hint { index, text: hint.text.clone() });
        }
    }
    out.push(Effect::Note(Note::Running { since: merged.at, deadline, auto_revert: s.safety.auto_revert() }));
}

/// The fault went live, as a deploy signal told (once; never before the merge).
pub(super) fn fault_live(d: &Drill, merged_at: Timestamp, o: &Observed, out: &mut Vec<Effect>) {
    if let (None, Some(seen)) = (&d.fault_live, &o.fault_live) {
        let kind = EventKind::FaultDeployed { signal: seen.signal.clone(), commit: seen.commit.clone() };
        append(out, seen.at.max(merged_at), FIREDRILL_ACTOR, kind);
    }
}

pub(super) fn fix_deployed(seen: &Seen) -> EventKind {
    EventKind::FixDeployed { signal: seen.signal.clone(), commit: seen.commit.clone() }
}

/// What the monitoring saw, recorded once each at the instants it saw them: the service broken, the alert fired,
/// no effect, and (once the fault is gone) the service restored.
pub(super) fn watched(d: &Drill, o: &Observed, out: &mut Vec<Effect>) {
    let w = &o.watch;
    let no_effect_now = out.iter().any(|e| matches!(e, Effect::Append { kind: EventKind::NoEffect { .. }, .. }));
    if let (None, Some((at, from))) = (d.broken, &w.broken) {
        append(out, *at, FIREDRILL_ACTOR, EventKind::Broken { from: from.clone() });
    }
    if let (None, Some(a)) = (&d.alert, &w.alert) {
        let kind = EventKind::AlertFired {
            alert: a.name.clone(),
            labels: a.labels.clone(),
            from: a.from.clone(),
            fingerprint: a.fingerprint.clone(),
        };
        append(out, a.at, FIREDRILL_ACTOR, kind);
    }
    if let (None, None, None, Some((at, within))) = (d.no_effect, d.broken, &w.broken, &w.no_effect)
        && !no_effect_now
    {
        append(out, *at, FIREDRILL_ACTOR, EventKind::NoEffect { within: within.clone() });
    }
    if let (None, Some((at, from))) = (d.restored, &w.restored)
        && (d.broken.is_some() || w.broken.is_some())
    {
        append(out, *at, FIREDRILL_ACTOR, EventKind::Restored { from: from.clone() });
    }
}

/// A finished drill whose fix's deploy is still watched for: recorded when a signal tells, given up on at the
/// end of `deploy.watch`.
pub(super) fn settled(d: &Drill, s: Option<&Scenario>, o: &Observed, now: Timestamp, out: &mut Vec<Effect>) {
    if d.merged.is_some() {
        watched(d, o, out);
    }
    // The restoration is asked for up to `deploy.watch` after the fault's removal (or the drill's end).
    if d.restore_pending() && o.watch.restored.is_none() {
        let end = d.recovered.as_ref().map(|(l, _)| l.at).or(d.aborted.as_ref().map(|a| a.at)).unwrap_or(now);
        let watch = s.map_or(crate::scenario::DEFAULT_DEPLOY_WATCH, |s| s.deploy.watch());
        let until = end.checked_add(watch.to_signed()).unwrap_or(Timestamp::MAX);
        if now >= until {
            let reason = format!("health was not true again within {} of the fault's removal", watch.as_str());
            append(out, until, FIREDRILL_ACTOR, EventKind::Unrestored { reason });
        }
    }
    let (Some((until, signals)), true) = (&d.deploy_watch, d.deploy_pending()) else { return };
    let removed_at = d.recovered.as_ref().map_or(now, |(l, _)| l.at);
    if let Some(seen) = &o.fix_live {
        append(out, seen.at.max(removed_at), FIREDRILL_ACTOR, fix_deployed(seen));
    } else if now >= *until {
        // The signals the watch was recorded with: what was asked, whatever the scenario says now.
        let watched = human_duration(until.duration_since(removed_at));
        let reason = format!(
            "no deploy signal ({}) reported a commit holding the removal within {watched} of it",
            signals.join(", ")
        );
        append(out, *until, FIREDRILL_ACTOR, EventKind::DeployUnobserved { what: "fix".to_owned(), reason });
    }
}

/// The body of the issue announcing a drill: the scenario's words, else a neutral note; and how to use it.
pub(super) fn announcement(a: &crate::scenario::Announce) -> String {
    let text =
        a.body.as_deref().map(str::trim_end).filter(|b| !b.is_empty()).unwrap_or(
            "Something is wrong on staging since a few minutes ago. Please investigate and keep notes here.",
        );
    format!("{text}\n\n`/drill help` in a comment here lists what firedrill can do for you.")
}
