//! A tick: plans the drills that are due, then drives every unfinished one; `start` is a tick that also sees a
//! drill started by hand.

use jiff::{SignedDuration, Timestamp};

use crate::drill::due::{self, Decision};
use crate::drill::event::{Event, TargetRef};
use crate::drill::step;
use crate::forge::Forge;
use crate::ledger::Damage;
use crate::render::run::{self, RunReport};
use crate::schedule::DrillId;
use crate::types::FIREDRILL_ACTOR;

use super::{RunError, Runner, forge_err};

impl<F: Forge> Runner<'_, F> {
    /// Does everything that is due at `now`.
    pub async fn tick(&self, now: Timestamp) -> Result<RunReport, RunError> {
        self.tick_with(now, Vec::new(), RunReport::default()).await
    }

    /// A tick that also sees `pending` events (planned by this run but, under dry-run, not written).
    async fn tick_with(
        &self,
        now: Timestamp,
        mut pending: Vec<(DrillId, Event)>,
        mut report: RunReport,
    ) -> Result<RunReport, RunError> {
        // STEP 1: plan the occurrences that are due.
        report.step("plan due drills");
        let (drills, known, damaged) = self.active_with(&pending).await?;
        // A drill whose log cannot be read is left alone (what was done is unknown); every other drill is driven.
        for (damage, _) in &damaged {
            report.refusals.push(format!("{}: refused to act on the drill: {damage}", damage.drill));
        }
        let mut planned = Vec::new();
        for decision in due::decide_known(self.scenarios, &drills, &|id| known.contains(id), now) {
            match decision {
                Decision::Plan { scenario, plan } => {
                    // A damaged drill may still have its fault on its target: nothing new lands there (anywhere,
                    // when the index does not say where) until its log is repaired. The kill switch plans
                    // nothing. Either way: one refusal line per drill that would have been planned.
                    let why = damaged_block(&damaged, &due::target_of(&self.scenarios[scenario]))
                        .or_else(|| step::switched_off(self.config));
                    if let Some(why) = why {
                        report.say(run::done::not_planned(plan.drill_id.as_str(), &why));
                        report.refusals.push(format!("{}: {why}", plan.drill_id));
                        continue;
                    }
                    let kind = due::planned_event(&self.scenarios[scenario], &plan);
                    report.say(run::done::planned(plan.drill_id.as_str(), plan.open_at, plan.merge_at));
                    planned.push((plan.drill_id.clone(), self.event(now, FIREDRILL_ACTOR, kind)));
                }
                Decision::Skip { scenario, occurrence, reason } => {
                    report.say(run::done::skipped(self.scenarios[scenario].id.as_str(), occurrence, &reason));
                }
            }
        }
        self.record(planned.clone(), now).await?;
        if self.settings.dry_run {
            pending.extend(planned);
        }

        // STEP 2: drive every drill that is not finished, oldest first.
        for d in self.active_with(&pending).await?.0 {
            let watching = self.scenario(d.scenario.as_str()).is_some_and(|s| self.watching(&d, s, now));
            if d.is_resolved() && !d.report_due() && !d.deploy_pending() && !watching {
                continue;
            }
            self.drive(d, Vec::new(), Vec::new(), now, &mut report).await?;
        }
        report.requests = self.requests();
        report.prometheus_requests = self.settings.observe.counter.get();
        Ok(report)
    }

    /// Starts a drill of `scenario` by hand at `now` (scheduled or not): planned now, opened now, merged after
    /// `merge_in` (default: an instant drawn in the scenario's window, seeded by the drill id). Then does
    /// whatever else is due, as a tick that sees this drill.
    pub async fn start(
        &self,
        scenario: &str,
        now: Timestamp,
        merge_in: Option<SignedDuration>,
    ) -> Result<RunReport, RunError> {
        let s = self.scenario(scenario).ok_or_else(|| RunError::Invalid(self.no_scenario(scenario)))?;
        let drills = self.drills().await?;
        if let Some(why) = damaged_block(&self.active_with(&[]).await?.2, &due::target_of(s)) {
            return Err(RunError::Refused(why));
        }
        let plan = step::start(s, &drills, &self.context(), now, merge_in).map_err(RunError::Refused)?;
        // Before anything is recorded: a fault production would render is refused now, not at the opening.
        if !self.config.allow_production {
            let forge = self.forges.get(s.target.repo.as_ref().map(|r| r.as_str().to_owned()).as_ref())?;
            if let Some(head) = forge.branch_head(s.target.branch.as_str()).await.map_err(forge_err(forge))?
                && let Some(reach) = self.reach(forge, &head, s, &[]).await?
                && let Some(why) = reach.refusal(&self.config.environments)
            {
                return Err(RunError::Refused(why));
            }
        }
        let mut report = RunReport::default();
        report.step("start by hand");
        report.say(run::done::planned_by_hand(plan.drill_id.as_str(), plan.merge_at));
        let kind = due::planned_event(s, &plan);
        let planned = vec![(plan.drill_id.clone(), self.event(now, FIREDRILL_ACTOR, kind))];
        self.record(planned.clone(), now).await?;
        let pending = if self.settings.dry_run { planned } else { Vec::new() };
        self.tick_with(now, pending, report).await
    }

    /// "no scenario `x`" with the ids there are, for a name that matches none.
    pub fn no_scenario(&self, name: &str) -> String {
        let ids: Vec<&str> = self.scenarios.iter().map(|s| s.id.as_str()).collect();
        let guess = crate::suggest::did_you_mean(name, ids.iter().copied())
            .map(|g| format!(" (did you mean `{g}`?)"))
            .unwrap_or_default();
        format!("no scenario `{name}`{guess}; the scenarios are: {}", ids.join(", "))
    }
}

/// Why nothing new may land on `target` while a drill's log is damaged: its fault may still be there (on its
/// target as the index last knew it; anywhere, when the index does not say).
fn damaged_block(damaged: &[(Damage, Option<TargetRef>)], target: &TargetRef) -> Option<String> {
    let (damage, _) = damaged.iter().find(|(_, t)| t.as_ref().is_none_or(|t| due::same_target(t, target)))?;
    Some(format!(
        "the log of drill {} is damaged and its fault may still be in place: repair {} first",
        damage.drill,
        damage.path()
    ))
}
