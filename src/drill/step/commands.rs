//! `/drill` commands (from the command line and from comments) checked, recorded and answered, and the stops
//! (`revert`, `abort`) that the kill switch, the monitoring or a command ask for.

use super::*;

/// The commands received in this run (the command line's, then the comments'): checked, recorded, answered.
/// Returns a stop asked for (`revert` or `abort`), which the phase rules carry out.
pub(super) fn commands(
    d: &Drill,
    s: Option<&Scenario>,
    cx: &Context<'_>,
    o: &Observed,
    now: Timestamp,
    out: &mut Vec<Effect>,
) -> Option<(DrillCommand, String)> {
    // Each comment with commands gets 👀 as it is received.
    for c in o.comments.iter().filter(|c| !d.answered(c.id)) {
        out.push(Effect::React { comment: c.id, reaction: Reaction::Eyes });
    }
    let mut stop = None;
    let mut hints_released: Vec<usize> = d.hints.iter().map(|(i, _)| *i).collect();
    for r in &o.commands {
        match refusal(d, cx, r) {
            Some(why) => out.push(Effect::Refuse(why)),
            None => obey(r, s, now, &mut hints_released, &mut stop, out),
        }
    }
    for c in o.comments.iter().filter(|c| !d.answered(c.id)) {
        let mut refused = Vec::new();
        match not_obeyed(c) {
            Some(why) => refused.push(why),
            None => {
                for command in &c.commands {
                    let (command, args) = match command {
                        Ok(x) => x.clone(),
                        Err(why) => {
                            refused.push(why.clone());
                            continue;
                        }
                    };
                    let r = Received { command, args, by: c.by.clone(), at: c.at };
                    match refusal(d, cx, &r) {
                        Some(why) => refused.push(why),
                        None => obey(&r, s, now, &mut hints_released, &mut stop, out),
                    }
                }
            }
        }
        for why in &refused {
            out.push(Effect::Decline(format!("comment {} by {}: {why}", c.id, c.by)));
        }
        append(out, c.at, &c.by, EventKind::Comment { id: c.id, refused });
    }
    stop
}

/// Why none of a comment's commands is obeyed, whatever they are.
pub(super) fn not_obeyed(c: &CommentIn) -> Option<String> {
    match &c.standing {
        Standing::Bot => return Some(format!("{} is a bot: commands are taken from people only", c.by)),
        Standing::Trusted => {}
        Standing::Permission(p) if p.can_write() => {}
        Standing::Permission(Permission::NoAccess) => {
            return Some(format!("{} has no access to the repository; commands need write access (or more)", c.by));
        }
        Standing::Permission(p) => {
            return Some(format!(
                "{} has {p} permission on the repository; commands need write access (or more)",
                c.by
            ));
        }
    }
    c.edited.then(|| "the comment was edited; commands are read from new comments only: post a new one".to_owned())
}

/// Carries out one command that may be obeyed: records it, answers it, and notes a stop.
pub(super) fn obey(
    r: &Received,
    s: Option<&Scenario>,
    now: Timestamp,
    hints_released: &mut Vec<usize>,
    stop: &mut Option<(DrillCommand, String)>,
    out: &mut Vec<Effect>,
) {
    let record = EventKind::Command { name: r.command.into(), args: r.args.clone() };
    match r.command {
        DrillCommand::Help => out.push(Effect::Reply(Reply::Help)),
        DrillCommand::Status => {
            append(out, r.at, &r.by, record);
            out.push(Effect::Reply(Reply::Status));
        }
        DrillCommand::Reveal => out.push(Effect::Reply(Reply::Reveal)),
        DrillCommand::Ack | DrillCommand::Found | DrillCommand::Fixed => append(out, r.at, &r.by, record),
        DrillCommand::Hint => {
            append(out, r.at, &r.by, record);
            // The first hint not released yet (by an earlier command or by its `after:` time).
            let next = s.and_then(|s| {
                s.hints.iter().enumerate().find(|(i, _)| !hints_released.contains(i)).map(|(i, h)| (i, h.text.clone()))
            });
            match next {
                Some((index, text)) => {
                    append(out, r.at, &r.by, EventKind::Hint { index, text: text.clone() });
                    out.push(Effect::Reply(Reply::Hint(index, text)));
                    hints_released.push(index);
                }
                None => out.push(Effect::Reply(Reply::NoHintLeft)),
            }
        }
        DrillCommand::Revert | DrillCommand::Abort => {
            append(out, r.at.min(now), &r.by, record);
            *stop = Some((r.command, r.by.clone()));
        }
    }
}

/// Why a command cannot be obeyed now, if it cannot.
pub(super) fn refusal(d: &Drill, cx: &Context<'_>, r: &Received) -> Option<String> {
    let verb = r.command.verb();
    if r.command.game_masters_only()
        && !cx.config.game_masters.is_empty()
        && !cx.config.game_masters.iter().any(|g| g.as_str().eq_ignore_ascii_case(&r.by))
    {
        let gms: Vec<&str> = cx.config.game_masters.iter().map(|g| g.as_str()).collect();
        return Some(format!("`/drill {verb}` is for game masters only ({}); {} is not one", gms.join(", "), r.by));
    }
    let resolved = d.is_resolved();
    match r.command {
        DrillCommand::Reveal if !resolved => {
            Some("`/drill reveal` shows the answer after the drill ends; the drill is still on".to_owned())
        }
        DrillCommand::Revert | DrillCommand::Abort if resolved => {
            Some(format!("the drill is over ({}); nothing to {verb}", d.phase().name()))
        }
        DrillCommand::Ack | DrillCommand::Found | DrillCommand::Fixed | DrillCommand::Hint
            if d.phase() != Phase::Merged =>
        {
            Some(format!("`/drill {verb}` is for a running drill; this one is {}", d.phase().name()))
        }
        _ => None,
    }
}

/// The stop (revert or abort) recorded in the log of an unresolved drill: not carried out yet.
pub(super) fn pending_stop(d: &Drill) -> Option<(DrillCommand, String)> {
    if d.is_resolved() {
        return None;
    }
    d.commands()
        .filter_map(|(name, by, _)| match name.command() {
            Some(stop @ (DrillCommand::Revert | DrillCommand::Abort)) => Some((stop, by.to_owned())),
            _ => None,
        })
        .last()
}

/// What the kill switch's `abort` records on an active drill: an `abort` command by firedrill (so a later run
/// carries it out even if the switch is flipped back meanwhile), and the stop to carry out now.
pub(super) fn kill_switch_abort(
    d: &Drill,
    cx: &Context<'_>,
    now: Timestamp,
    out: &mut Vec<Effect>,
) -> Option<(DrillCommand, String)> {
    if cx.config.enabled != crate::scenario::Enabled::Abort || d.is_resolved() {
        return None;
    }
    let kind = EventKind::Command { name: DrillCommand::Abort.into(), args: Some(KILL_SWITCH.to_owned()) };
    append(out, now, FIREDRILL_ACTOR, kind);
    Some((DrillCommand::Abort, FIREDRILL_ACTOR.to_owned()))
}

/// What the monitoring stops a running drill for, recorded as an `abort` command by firedrill with the reason (so a
/// later run carries it out even if Prometheus cannot be reached then): `safety.stop_if` true, or no effect seen
/// within `effect_within` with `safety.end_if_no_effect`.
pub(super) fn monitor_abort(
    d: &Drill,
    s: Option<&Scenario>,
    o: &Observed,
    now: Timestamp,
    out: &mut Vec<Effect>,
) -> Option<(DrillCommand, String)> {
    let s = s?;
    if d.phase() != Phase::Merged || !o.fault.as_ref().is_some_and(|f| f.holds) {
        return None;
    }
    let reason = match (&o.watch.stop, &o.watch.no_effect) {
        (Some(why), _) => why.clone(),
        (None, Some((at, within))) if s.safety.end_if_no_effect() && d.broken.is_none() && o.watch.broken.is_none() => {
            if d.no_effect.is_none() {
                append(out, *at, FIREDRILL_ACTOR, EventKind::NoEffect { within: within.clone() });
            }
            format!(
                "no effect seen: the service stayed healthy for {within} after the fault went live (`safety.end_if_no_effect`)"
            )
        }
        _ => return None,
    };
    let kind = EventKind::Command { name: DrillCommand::Abort.into(), args: Some(reason) };
    append(out, now, FIREDRILL_ACTOR, kind);
    Some((DrillCommand::Abort, FIREDRILL_ACTOR.to_owned()))
}

/// The argument of the `abort` recorded by the kill switch, and the reason its drills are aborted for.
pub const KILL_SWITCH: &str = "kill switch";

/// The reason an abort is recorded with: the kill switch's, or the command's.
pub(super) fn abort_reason(d: &Drill, cx: &Context<'_>, command: String) -> String {
    // A stop firedrill recorded itself from the monitoring (`safety.stop_if`, `end_if_no_effect`) gives its reason.
    if let Some(reason) = d.events.iter().find_map(|e| match &e.kind {
        EventKind::Command { name, args: Some(a) }
            if *name == DrillCommand::Abort && e.actor == FIREDRILL_ACTOR && a != KILL_SWITCH =>
        {
            Some(a.clone())
        }
        _ => None,
    }) {
        return reason;
    }
    let by_switch = cx.config.enabled == crate::scenario::Enabled::Abort
        || d.events.iter().any(
            |e| matches!(&e.kind, EventKind::Command { name, args: Some(a) } if *name == DrillCommand::Abort && a == KILL_SWITCH),
        );
    if by_switch { KILL_SWITCH.to_owned() } else { command }
}
