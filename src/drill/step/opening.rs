//! Before the fault lands: a planned drill opened (or refused by the safety limits, the kill switch, a real incident,
//! the guard rails), an opened one merged, held, or closed.

use super::*;

pub(super) fn planned(
    d: &Drill,
    s: Option<&Scenario>,
    cx: &Context<'_>,
    o: &Observed,
    now: Timestamp,
    stop: Option<DrillCommand>,
    out: &mut Vec<Effect>,
) {
    if let Some(c) = stop {
        let reason = abort_reason(d, cx, format!("/drill {c} before the change was opened"));
        append(out, now, FIREDRILL_ACTOR, EventKind::Aborted { reason });
        return;
    }
    if d.open_at > now {
        out.push(Effect::Note(Note::WaitingToOpen { at: d.open_at }));
        return;
    }
    let Some(s) = s else {
        return abandon(out, now, format!("scenario `{}` was removed", d.scenario));
    };
    // The limits, the kill switch, a real incident; and, before anything is opened, a token with nobody to act as
    // or guard rails that would hold the fault (it could land but not be removed, or not land at all).
    let unopened = o.opened.is_none();
    let refusal = new_fault_refusal(d, Some(s), cx, o)
        .or_else(|| o.identity_refusal.clone().filter(|_| unopened))
        .or_else(|| {
            let why = o.guard_refusal.as_ref().filter(|_| unopened)?;
            Some(format!("the guard rails of `{}` would hold the drill: {why}", d.target.branch))
        });
    if let Some(why) = refusal {
        out.push(Effect::Refuse(why.clone()));
        close_leftover(d, s, o, now, out);
        return abandon(out, now, format!("refused: {why}"));
    }
    // The change is open (this run opened it, or an earlier run did and stopped before recording it).
    if let (Some(c), Some(base)) = (&o.opened, o.base.as_ref().and_then(|b| b.head.clone())) {
        let kind = EventKind::Opened {
            branch: c.branch.clone(),
            commit: c.head.clone(),
            base,
            change: c.id.clone(),
            variant: s.variant_name().map(str::to_owned),
            gate: o.gate.clone(),
        };
        return append(out, now, FIREDRILL_ACTOR, kind);
    }
    let Some(base) = &o.base else { return };
    let Some(head) = &base.head else {
        return abandon(out, now, format!("branch `{}` does not exist", d.target.branch));
    };
    let edits = prepare::edits(s, |p| {
        base.files
            .iter()
            .find(|(path, _)| path == p)
            .and_then(|(_, text)| text.clone())
            .ok_or_else(|| (format!("`{p}` does not exist at {}", head.short()), None))
    });
    let edits = match edits {
        Ok(e) => e,
        Err(e) => return abandon(out, now, e.to_string()),
    };
    let plan = plan_of(d, s);
    let disguise = match prepare::disguise_in_style(s, &plan.drill_id, Some(&plan), now, base.recent.as_ref()) {
        Ok((x, _)) => x,
        Err(e) => return abandon(out, now, e.to_string()),
    };
    let author = match disguise.author {
        crate::disguise::Author::Explicit { name, email } => Person::new(name, email),
        crate::disguise::Author::TokenOwner => cx.actor.clone(),
    };
    if let Some(note) = &o.reach_note {
        out.push(Effect::Note(Note::Reach(note.clone())));
    }
    out.push(Effect::Open(Box::new(OpenSpec {
        branch: disguise.branch,
        base_branch: d.target.branch.clone(),
        base: head.clone(),
        files: edits.into_iter().map(|e| (e.path, e.after)).collect(),
        message: disguise.commit_message,
        author,
        at: d.open_at,
        title: disguise.pr_title,
        body: disguise.pr_body,
    })));
}

/// On a refusal before the opening is recorded: the branch an earlier run of this drill would have opened (the
/// disguise is the same on every run), to close what it may have left open.
pub(super) fn close_leftover(d: &Drill, s: &Scenario, o: &Observed, now: Timestamp, out: &mut Vec<Effect>) {
    if o.opened.is_some() || o.closed {
        return;
    }
    let plan = plan_of(d, s);
    if let Ok(disguise) = prepare::disguise(s, &plan.drill_id, Some(&plan), now) {
        out.push(Effect::CloseLeftover { branch: disguise.branch });
    }
}

pub(super) fn opened(
    d: &Drill,
    s: Option<&Scenario>,
    cx: &Context<'_>,
    o: &Observed,
    now: Timestamp,
    stop: Option<DrillCommand>,
    out: &mut Vec<Effect>,
) {
    let Some(op) = &d.opened else { return };
    // Never leave the disguised pull request open when the drill ends before its merge (closing also deletes its
    // branch while it is still the drill's).
    let close = |out: &mut Vec<Effect>| {
        if !o.closed {
            out.push(Effect::Close { branch: op.branch.clone() });
        }
    };
    // The truth first: a change on the base branch is merged, whatever this run's merge attempt said.
    if let Some((commit, at)) = &o.landed {
        return append(out, *at, FIREDRILL_ACTOR, EventKind::Merged { commit: commit.clone() });
    }
    if let Some(c) = stop {
        close(out);
        let reason = abort_reason(d, cx, format!("/drill {c} before the merge"));
        return append(out, now, FIREDRILL_ACTOR, EventKind::Aborted { reason });
    }
    if let Some(reason) = &o.merge_refused {
        // Anyone could approve and merge the fault later, unwatched, with no safety timer.
        close(out);
        return abandon(out, now, reason.clone());
    }
    if let Some((reason, head)) = &o.merge_waiting {
        // The gate may still open: try again on the next run, up to `merge.max_wait` after it first held.
        let max_wait = s.map_or(crate::scenario::DEFAULT_MERGE_MAX_WAIT, |s| s.merge.max_wait());
        let since = d.merge_waiting_since.unwrap_or(now);
        if now >= since.checked_add(max_wait.to_signed()).unwrap_or(Timestamp::MAX) {
            close(out);
            let waited = crate::drill::state::human_duration(now.duration_since(since));
            return abandon(out, now, format!("the merge waited {waited} (`merge.max_wait`) and {reason}"));
        }
        append(out, now, FIREDRILL_ACTOR, EventKind::MergeWaiting { reason: reason.clone(), head: head.clone() });
        return;
    }
    if d.merge_at > now {
        out.push(Effect::Note(Note::WaitingToMerge { at: d.merge_at }));
        return;
    }
    if let Some(why) = new_fault_refusal(d, s, cx, o) {
        out.push(Effect::Refuse(why.clone()));
        close(out);
        return abandon(out, now, format!("refused: {why}"));
    }
    if o.merge_needs.is_none()
        && let Some(note) = &o.reach_note
    {
        out.push(Effect::Note(Note::Reach(note.clone())));
    }
    if give_what_the_merge_needs(d, &op.change, o, out) {
        out.push(Effect::Merge { branch: op.branch.clone(), into: d.target.branch.clone() });
    }
}

/// The safety limits of `firedrill.yml` that apply to landing a fault on `target` of `environment`, checked
/// where the action happens (starting, opening and merging), not only by `validate`.
pub fn limits(c: &Config, target: &TargetRef, environment: Option<&str>) -> Option<String> {
    let branch = target.branch.as_str();
    if !c.allow_production {
        let named = [("branch", Some(branch)), ("environment", environment), ("path", Some(target.path.as_str()))];
        for (what, name) in named {
            let Some(name) = name else { continue };
            if let Some(word) = crate::scenario::looks_like_production(name) {
                return Some(format!(
                    "{what} `{name}` looks like production (the word `{word}`); set `allow_production: true` in \
                     firedrill.yml if it is not"
                ));
            }
        }
    }
    if !c.allows_branch(branch) {
        let allowed = c.allowed_branches.as_deref().unwrap_or_default().join(", ");
        return Some(format!("branch `{branch}` is not in allowed_branches ({allowed}) of firedrill.yml"));
    }
    if let Some(env) = environment
        && !c.allows_environment(env)
    {
        let allowed = c.allowed_environments.as_deref().unwrap_or_default().join(", ");
        return Some(format!("environment `{env}` is not in allowed_environments ({allowed}) of firedrill.yml"));
    }
    None
}

/// Why no new fault may land now (opening or merging a drill), if it may not: the limits of `firedrill.yml`
/// (the scenario gives the environment, where it is known), the kill switch, an open incident.
pub(super) fn new_fault_refusal(d: &Drill, s: Option<&Scenario>, cx: &Context<'_>, o: &Observed) -> Option<String> {
    limits(cx.config, &d.target, s.and_then(|s| s.target.environment.as_deref()))
        .or_else(|| o.reach_refusal.clone().filter(|_| !cx.config.allow_production))
        .or_else(|| switched_off(cx.config))
        .or_else(|| o.watch.already_broken.clone())
        .or_else(|| {
            o.incident.map(|n| {
                format!(
                    "issue #{n} labelled `{}` is open in the target repository: no drill during a real incident",
                    cx.config.incident_label
                )
            })
        })
}

/// Why the kill switch stops new drills, if it does (`enabled: false`, or `abort`: which also stops them).
pub fn switched_off(c: &Config) -> Option<String> {
    (!c.enabled.is_on())
        .then(|| format!("drills are switched off by {}: no new drill opens or merges", c.enabled_source()))
}

/// A drill planned by hand now (`firedrill start`), or why not: the same "one drill per target" rule as the
/// scheduler, so a dry run and a real run agree.
pub fn start(
    s: &Scenario,
    drills: &[Drill],
    cx: &Context<'_>,
    now: Timestamp,
    merge_in: Option<SignedDuration>,
) -> Result<Plan, String> {
    let target = crate::drill::due::target_of(s);
    if let Some(d) = drills.iter().find(|d| !d.is_resolved() && crate::drill::due::same_target(&d.target, &target)) {
        return Err(format!(
            "drill {} on the same target is not resolved yet ({}): one drill at a time",
            d.id,
            d.phase().name()
        ));
    }
    if let Some(why) = limits(cx.config, &target, s.target.environment.as_deref()).or_else(|| switched_off(cx.config)) {
        return Err(why);
    }
    // The occurrence is this minute: the drill id, and so every seeded choice, is stable within it.
    let occurrence = Timestamp::from_second(now.as_second() - now.as_second().rem_euclid(60)).unwrap_or(now);
    let id = DrillId::new(s.id.as_str(), occurrence);
    if drills.iter().any(|d| d.id == id) {
        return Err(format!("drill {id} was already started this minute"));
    }
    // The pull request stays open `merge.open_for` (its checks run, people see it), then the merge instant is
    // drawn in the scenario's window, if it has one.
    let window = s.schedule.as_ref().map_or(SignedDuration::ZERO, |sc| sc.window().to_signed());
    let merge_at = match merge_in {
        Some(d) => now.checked_add(d).unwrap_or(now),
        None => {
            let opened_for = now.checked_add(s.merge.open_for().to_signed()).unwrap_or(now);
            crate::schedule::merge_instant(opened_for, window, id.as_str())
        }
    };
    let zone = s.schedule.as_ref().map_or_else(crate::schedule::Zone::utc, |sch| sch.timezone().zone().clone());
    Ok(Plan { drill_id: id, occurrence, open_at: now, merge_at, zone })
}
