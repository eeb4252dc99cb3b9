//! The scheduler: (scenarios, drills in the ledger, now) → which drills to plan now. Pure.
//!
//! An occurrence of a scenario's cron is due once its opening instant has come, as long as its merge instant
//! is at most `max_lateness` in the past (scheduled workflows run late or not at all: a tick catches up on
//! what it missed, within that bound). Of several due occurrences only the latest is planned; at most one
//! drill per target runs at a time, and none while the previous drill on that target is unresolved.
//! The drill id is derived from the scenario and the occurrence, so an occurrence never runs twice.

use jiff::Timestamp;

use super::event::TargetRef;
use super::state::Drill;
use crate::scenario::Scenario;
use crate::schedule::{Plan, is_blacked_out};

/// A decision about one scenario, for the tick's summary.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Plan this drill now.
    Plan { scenario: usize, plan: Plan },
    /// An occurrence is due but cannot run; why.
    Skip { scenario: usize, occurrence: Timestamp, reason: String },
}

/// The target a scenario's drills go to (the unit of "one drill at a time").
pub fn target_of(s: &Scenario) -> TargetRef {
    TargetRef {
        repo: s.target.repo.as_ref().map(|r| r.as_str().to_owned()),
        branch: s.target.branch.as_str().to_owned(),
        path: s.target.path.as_str().to_owned(),
    }
}

/// The `planned` event of `plan`, a drill of `s`.
pub fn planned_event(s: &Scenario, plan: &Plan) -> super::event::EventKind {
    super::event::EventKind::Planned {
        scenario: s.id.clone(),
        target: target_of(s),
        occurrence: plan.occurrence,
        open_at: plan.open_at,
        merge_at: plan.merge_at,
    }
}

/// Whether two drills would land on the same branch of the same repository (one drill at a time there).
pub fn same_target(a: &TargetRef, b: &TargetRef) -> bool {
    // Two drills on the same branch of the same repository would land on top of each other.
    a.repo == b.repo && a.branch == b.branch
}

/// What to plan at `now`, knowing every drill of the ledger.
pub fn decide(scenarios: &[Scenario], drills: &[Drill], now: Timestamp) -> Vec<Decision> {
    decide_known(scenarios, drills, &|id| drills.iter().any(|d| d.id == *id), now)
}

/// What to plan at `now` from the unfinished drills alone (`drills`) and whether a drill id is already in the
/// ledger (`known`): a tick need not read the logs of finished drills.
pub fn decide_known(
    scenarios: &[Scenario],
    drills: &[Drill],
    known: &dyn Fn(&crate::schedule::DrillId) -> bool,
    now: Timestamp,
) -> Vec<Decision> {
    let mut out = Vec::new();
    let mut busy: Vec<TargetRef> = drills.iter().filter(|d| !d.is_resolved()).map(|d| d.target.clone()).collect();
    for (i, s) in scenarios.iter().enumerate() {
        let Some(sched) = &s.schedule else { continue };
        let zone = sched.timezone().zone().clone();
        let (window, open_before, lateness) =
            (sched.window().to_signed(), sched.open_before().to_signed(), sched.max_lateness().to_signed());
        let from = now.checked_sub(lateness).and_then(|t| t.checked_sub(window)).unwrap_or(now);
        let to = now.checked_add(open_before).unwrap_or(now);
        let blackout: Vec<jiff::civil::Date> = sched.blackout.iter().map(|d| d.date()).collect();
        let due: Vec<Plan> = sched
            .cron
            .cron()
            .occurrences_between(&zone, from, to)
            .map(|o| Plan::for_occurrence(s.id.as_str(), o, &zone, window, open_before))
            .filter(|p| p.open_at <= now && p.merge_at.checked_add(lateness).is_ok_and(|late| now <= late))
            .collect();
        let Some(latest) = due.iter().rev().find(|p| !known(&p.drill_id)) else {
            continue;
        };
        let target = target_of(s);
        let reason = if is_blacked_out(latest.occurrence, &zone, &blackout) {
            Some(format!("{} is a blackout date", zone.date_of(latest.occurrence)))
        } else if let Some(d) = drills.iter().find(|d| !d.is_resolved() && same_target(&d.target, &target)) {
            Some(format!("drill {} on the same target is not resolved yet ({})", d.id, d.phase().name()))
        } else if busy.iter().any(|b| same_target(b, &target)) {
            Some("another drill on the same target is planned in this run".to_owned())
        } else {
            None
        };
        match reason {
            Some(reason) => out.push(Decision::Skip { scenario: i, occurrence: latest.occurrence, reason }),
            None => {
                busy.push(target);
                out.push(Decision::Plan { scenario: i, plan: latest.clone() });
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::drill::event::{Event, EventKind};

    fn scenario(yaml_schedule: &str) -> Scenario {
        let text = format!(
            "id: pool\ntitle: t\ndescription: d\ntarget:\n  path: values.yaml\nfault:\n  - op: replace\n    path: /a\n    value: 0\n{yaml_schedule}"
        );
        crate::scenario::load(std::path::Path::new("pool.yaml"), &text).unwrap()
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn planned(d: &Decision) -> (&str, Timestamp, Timestamp) {
        match d {
            Decision::Plan { plan, .. } => (plan.drill_id.as_str(), plan.open_at, plan.merge_at),
            other => panic!("expected a plan, got {other:?}"),
        }
    }

    const SCHED: &str = "schedule:\n  cron: \"0 10 * * 2\"\n  timezone: Europe/Berlin\n  window: 2h\n  open_before: 45m\n  max_lateness: 1h\n";

    #[test]
    fn opens_before_the_occurrence_and_the_instant_is_stable() {
        let s = vec![scenario(SCHED)];
        // 2026-11-24 is a Tuesday; 10:00 CET = 09:00 UTC. The merge instant is drawn in [09:00, 11:00).
        assert!(decide(&s, &[], t("2026-11-24T07:00:00Z")).is_empty());
        // This occurrence's instants, drawn from its id: merge 09:28 UTC, so open at 08:43.
        assert!(decide(&s, &[], t("2026-11-24T08:42:00Z")).is_empty());
        let first = decide(&s, &[], t("2026-11-24T08:43:00Z"));
        let (id, open, merge) = planned(&first[0]);
        assert_eq!(id, "pool-20261124T0900Z");
        assert_eq!(merge.duration_since(open), jiff::SignedDuration::from_mins(45));
        assert_eq!(merge, t("2026-11-24T09:28:00Z"));
        // The same decision at any later moment of the catch-up bound: same id, same instants.
        let later = decide(&s, &[], merge.checked_add(jiff::SignedDuration::from_mins(59)).unwrap());
        assert_eq!(planned(&later[0]), (id, open, merge));
        // Past merge + max_lateness the occurrence is missed.
        assert!(decide(&s, &[], merge.checked_add(jiff::SignedDuration::from_mins(61)).unwrap()).is_empty());
    }

    #[test]
    fn an_occurrence_in_the_ledger_is_not_planned_again_and_an_unresolved_drill_blocks_the_target() {
        let s = vec![scenario(SCHED)];
        let now = t("2026-11-24T09:00:00Z");
        let Decision::Plan { plan, .. } = &decide(&s, &[], now)[0] else { panic!() };
        let target = target_of(&s[0]);
        let ev = Event::new(
            now,
            "firedrill",
            "tick",
            EventKind::Planned {
                scenario: "pool".parse().unwrap(),
                target,
                occurrence: plan.occurrence,
                open_at: plan.open_at,
                merge_at: plan.merge_at,
            },
        );
        let drill = Drill::fold(&plan.drill_id, &[ev]).unwrap();
        assert!(decide(&s, std::slice::from_ref(&drill), now).is_empty());
        // A week later the next occurrence is skipped while last week's drill is unresolved.
        let next = crate::schedule::Plan::for_occurrence(
            "pool",
            t("2026-12-01T09:00:00Z"),
            &crate::schedule::Zone::parse("Europe/Berlin").unwrap(),
            jiff::SignedDuration::from_hours(2),
            jiff::SignedDuration::from_mins(45),
        );
        let next_week = decide(&s, &[drill], next.open_at);
        assert!(
            matches!(&next_week[0], Decision::Skip { reason, .. } if reason.contains("not resolved")),
            "{next_week:?}"
        );
    }

    #[test]
    fn a_late_tick_catches_up_with_the_latest_missed_occurrence_only_within_max_lateness() {
        let hourly =
            |lateness: &str| vec![scenario(&format!("schedule:\n  cron: \"0 * * * *\"\n  max_lateness: {lateness}\n"))];
        // Scheduled runs were skipped since 08:00; at 10:30 the 08:00, 09:00 and 10:00 occurrences are missed.
        let d = decide(&hourly("3h"), &[], t("2026-11-24T10:30:00Z"));
        assert_eq!(d.len(), 1, "one drill per target: only the latest");
        assert_eq!(planned(&d[0]).0, "pool-20261124T1000Z");
        // With a 20 min bound, 10:00 is too old to run now.
        assert!(decide(&hourly("20m"), &[], t("2026-11-24T10:30:00Z")).is_empty());
    }

    #[test]
    fn blackout_dates_skip() {
        let s = vec![scenario(&format!("{SCHED}  blackout: [2026-11-24]\n"))];
        let d = decide(&s, &[], t("2026-11-24T09:00:00Z"));
        assert!(matches!(&d[0], Decision::Skip { reason, .. } if reason.contains("blackout")), "{d:?}");
    }
}
