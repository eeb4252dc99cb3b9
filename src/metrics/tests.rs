//! Hand-made timelines: every outcome, phase stamps out of order, censored statistics worked out by hand.

use jiff::{SignedDuration, Timestamp};

use super::survival::quantile;
use super::*;
use crate::drill::event::{Event, TargetRef};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn mins(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

/// A drill whose fault lands at `day`T10:00Z, then `more` events given as (minutes after the landing, kind).
fn drill(id: &str, day: &str, more: Vec<(i64, EventKind)>) -> Drill {
    let landed = t(&format!("{day}T10:00:00Z"));
    let at = |m: i64| landed.checked_add(mins(m)).unwrap();
    let target = TargetRef { repo: None, branch: "main".into(), path: "values.yaml".into() };
    let mut log = vec![
        Event::new(
            at(-60),
            "firedrill",
            "tick",
            EventKind::Planned {
                scenario: "redis".parse().unwrap(),
                target,
                occurrence: at(-60),
                open_at: at(-45),
                merge_at: landed,
            },
        ),
        Event::new(
            at(-45),
            "firedrill",
            "tick",
            EventKind::Opened {
                branch: "b".into(),
                commit: crate::types::CommitSha::parse("c000000000000000000000000000000000000000").unwrap(),
                base: crate::types::CommitSha::parse("0000000000000000000000000000000000000000").unwrap(),
                change: crate::drill::event::ChangeId("7".into()),
                variant: None,
                gate: None,
            },
        ),
    ];
    for (m, kind) in more {
        let source = if matches!(kind, EventKind::Command { .. }) { "command" } else { "tick" };
        log.push(Event::new(at(m), "ana", source, kind));
    }
    Drill::fold(&crate::schedule::DrillId::new(id, at(-60)), &log).unwrap()
}

fn merged() -> (i64, EventKind) {
    (
        0,
        EventKind::Merged {
            commit: crate::types::CommitSha::parse("a000000000000000000000000000000000000000").unwrap(),
        },
    )
}
fn cmd(m: i64, name: &str) -> (i64, EventKind) {
    (m, EventKind::Command { name: name.into(), args: None })
}
fn recovered(m: i64, how: RecoveryHow) -> (i64, EventKind) {
    (
        m,
        EventKind::Recovered {
            commit: crate::types::CommitSha::parse("a000000000000000000000000000000000000000").unwrap(),
            how,
        },
    )
}
fn timed_out(m: i64, reverted: bool) -> (i64, EventKind) {
    (
        m,
        EventKind::TimedOut {
            reverted_by: reverted
                .then(|| crate::types::CommitSha::parse("a000000000000000000000000000000000000000").unwrap()),
        },
    )
}

fn recovered_in(id: &str, day: &str, m: i64) -> Drill {
    drill(id, day, vec![merged(), recovered(m, RecoveryHow::Revert)])
}

fn timed_out_at(id: &str, day: &str, m: i64) -> Drill {
    drill(id, day, vec![merged(), timed_out(m, true), recovered(m, RecoveryHow::Timeout)])
}

fn exact(m: i64) -> Option<Estimate> {
    Some(Estimate::Exact(mins(m)))
}
fn at_least(m: i64) -> Option<Estimate> {
    Some(Estimate::AtLeast(mins(m)))
}

#[test]
fn the_seed_drill_has_every_phase_of_the_write_up() {
    // detect 5 min, find the change 25, reproduce 20 + fix 3 (fix ready at 53), merged at 56, deployed at 78.
    let landed = t("2026-11-24T10:00:00Z");
    let d = drill(
        "seed",
        "2026-11-24",
        vec![
            merged(),
            cmd(5, "ack"),
            (30, EventKind::Hint { index: 0, text: "look at the config".into() }),
            cmd(30, "found"),
            cmd(40, "ack"),
            cmd(53, "fixed"),
            recovered(56, RecoveryHow::Fix),
            (80, EventKind::Deployed { fault: t("2026-11-24T10:02:00Z"), fix: landed.checked_add(mins(78)).unwrap() }),
        ],
    );
    let m = DrillMetrics::of(&d);
    assert_eq!(m.outcome, Outcome::Recovered);
    assert_eq!(m.time_to_recovery, exact(56));
    assert_eq!(m.hints_used, 1);
    assert_eq!(m.date, landed);
    let p = m.phases;
    assert_eq!(
        (p.detect, p.identify, p.fix, p.recover, p.deploy),
        (Some(mins(5)), Some(mins(30)), Some(mins(53)), Some(mins(56)), Some(mins(78)))
    );
    let took: Vec<Option<SignedDuration>> = p.durations().iter().map(|(_, _, took)| *took).collect();
    assert_eq!(took, [Some(mins(5)), Some(mins(25)), Some(mins(23)), Some(mins(3)), Some(mins(22))]);
}

#[test]
fn missing_and_out_of_order_stamps_do_not_invent_durations() {
    // `found` before `ack`; no `fixed`; a stamp before the landing is ignored.
    let d = drill(
        "x",
        "2026-11-24",
        vec![cmd(-5, "ack"), merged(), cmd(20, "found"), cmd(25, "ack"), recovered(40, RecoveryHow::Revert)],
    );
    let p = DrillMetrics::of(&d).phases;
    assert_eq!((p.detect, p.identify, p.fix), (Some(mins(25)), Some(mins(20)), None));
    let took: Vec<Option<SignedDuration>> = p.durations().iter().map(|(_, _, took)| *took).collect();
    // identify (20) ended before detect (25): no duration for it; recover counts from the latest end (25).
    assert_eq!(took, [Some(mins(25)), None, None, Some(mins(15)), None]);
}

#[test]
fn every_outcome_is_named_and_only_three_are_counted() {
    let day = "2026-11-24";
    let cases = [
        (recovered_in("a", day, 78), Outcome::Recovered, exact(78)),
        (
            drill("b", day, vec![merged(), cmd(50, "revert"), recovered(50, RecoveryHow::GaveUp)]),
            Outcome::GaveUp,
            at_least(50),
        ),
        (timed_out_at("c", day, 180), Outcome::TimedOut, at_least(180)),
        // auto_revert off: left broken, censored at the limit.
        (drill("d", day, vec![merged(), timed_out(180, false)]), Outcome::TimedOut, at_least(180)),
        (
            drill(
                "e",
                day,
                vec![
                    merged(),
                    (20, EventKind::Aborted { reason: "real incident".into() }),
                    recovered(21, RecoveryHow::Revert),
                ],
            ),
            Outcome::Aborted,
            None,
        ),
        (drill("f", day, vec![(0, EventKind::Abandoned { reason: "closed".into() })]), Outcome::Abandoned, None),
        (drill("g", day, vec![merged()]), Outcome::Running, None),
        (drill("h", day, vec![]), Outcome::Waiting, None),
    ];
    for (d, outcome, ttr) in cases {
        let m = DrillMetrics::of(&d);
        assert_eq!((m.outcome, m.time_to_recovery), (outcome, ttr), "{}", d.id);
        assert_eq!(m.outcome.counted(), ttr.is_some(), "{}", d.id);
        assert_eq!(m.phases.recover.is_some(), outcome == Outcome::Recovered, "{}", d.id);
    }
}

#[test]
fn a_fix_after_the_time_limit_is_a_late_but_exact_recovery() {
    let d = drill("late", "2026-11-24", vec![merged(), timed_out(180, false), recovered(203, RecoveryHow::Fix)]);
    let m = DrillMetrics::of(&d);
    assert_eq!((m.outcome, m.time_to_recovery, m.after_limit), (Outcome::Recovered, exact(203), true));
}

fn s(m: i64) -> Sample {
    Sample { time: mins(m), censored: false }
}
fn c(m: i64) -> Sample {
    Sample { time: mins(m), censored: true }
}

#[test]
fn without_censoring_the_median_and_mean_are_the_ordinary_ones() {
    assert_eq!(quantile(&[s(30), s(10), s(20)], 0.5), exact(20));
    assert_eq!(quantile(&[s(40), s(10), s(30), s(20)], 0.5), exact(25));
    let ten: Vec<Sample> = (1..=10).map(|i| s(i * 10)).collect();
    assert_eq!(quantile(&ten, 0.9), exact(95));
    let sum = summarize(&[s(10), s(20), s(45)]);
    assert_eq!((sum.count, sum.censored, sum.mean), (3, 0, exact(25)));
    assert_eq!(summarize(&[]), Summary::default());
}

#[test]
fn kaplan_meier_by_hand() {
    // 60, 90, ≥120 (censored), 150, ≥180, ≥180:
    // at 60: 6 at risk, S = 5/6; at 90: 5 at risk, S = 5/6 · 4/5 = 2/3; at 150: 3 at risk (150, 180, 180),
    // S = 2/3 · 2/3 = 4/9 ≤ 1/2 → median 150. S never reaches 0.1 → p90 ≥ 180 (the longest time).
    let samples = [s(60), s(90), c(120), s(150), c(180), c(180)];
    let sum = summarize(&samples);
    assert_eq!(sum.median, exact(150));
    assert_eq!(sum.p90, at_least(180));
    // Mean with censored times at their limit: (60+90+120+150+180+180)/6 = 130, a lower bound.
    assert_eq!(sum.mean, at_least(130));
    assert_eq!((sum.count, sum.censored), (6, 3));
    // Counting the censored drills as recoveries would have said 135: the estimator does not do that.
    assert_eq!(quantile(&[s(60), s(90), s(120), s(150), s(180), s(180)], 0.5), exact(135));
}

#[test]
fn a_median_not_reached_is_a_lower_bound() {
    // Two of three timed out: S stays at 2/3 after the only recovery.
    assert_eq!(quantile(&[s(30), c(180), c(180)], 0.5), at_least(180));
    assert_eq!(quantile(&[c(180)], 0.5), at_least(180));
    // Exactly half recovered, the rest censored later: the median lies after 30, not known where.
    assert_eq!(quantile(&[s(30), c(180)], 0.5), at_least(30));
    // A censored time shorter than every recovery removes one drill from the risk set only.
    assert_eq!(quantile(&[c(5), s(30), s(60)], 0.5), exact(45));
}

#[test]
fn trends_compare_medians_and_respect_bounds() {
    assert_eq!(Trend::between(exact(60), exact(120)), Trend::Faster(Some(2.0)));
    assert_eq!(Trend::between(exact(150), exact(100)), Trend::Slower(Some(1.5)));
    assert_eq!(Trend::between(exact(100), exact(102)), Trend::Same);
    assert_eq!(Trend::between(exact(60), at_least(180)), Trend::Faster(None));
    assert_eq!(Trend::between(at_least(180), exact(60)), Trend::Slower(None));
    assert_eq!(Trend::between(at_least(60), exact(180)), Trend::Unclear);
    assert_eq!(Trend::between(exact(60), None), Trend::Unclear);
}

#[test]
fn stats_over_the_last_n_quarters_and_days() {
    let drills = vec![
        recovered_in("q3-a", "2026-08-04", 240),
        timed_out_at("q3-b", "2026-09-01", 180),
        recovered_in("q4-a", "2026-10-06", 90),
        drill("q4-abort", "2026-10-20", vec![merged(), (10, EventKind::Aborted { reason: "x".into() })]),
        recovered_in("q4-b", "2026-11-03", 60),
        drill("q4-abandoned", "2026-11-10", vec![(0, EventKind::Abandoned { reason: "closed".into() })]),
        recovered_in("q4-c", "2026-11-24", 78),
    ];
    let now = t("2026-12-01T09:00:00Z");
    let st = Stats::new(&drills, 3, Some(SignedDuration::from_hours(4)), now);
    let names = |ids: &[String]| ids.iter().map(|i| name(i).to_owned()).collect::<Vec<_>>();
    assert_eq!(names(&st.last.drills), ["q4-a", "q4-b", "q4-c"]);
    assert_eq!(st.last.summary.median, exact(78));
    assert_eq!(st.last.summary.mean, exact(76));
    // Before them, two counted drills (240, ≥180): the censored one leaves the risk set at 180, then the only
    // drill at risk recovers at 240: S = 0 → median 240.
    assert_eq!(st.last.previous.median, exact(240));
    assert_eq!(st.last.trend, Trend::Faster(Some(240.0 / 78.0)));
    let quarters: Vec<String> = st.quarters.iter().map(|(q, _)| q.to_string()).collect();
    assert_eq!(quarters, ["2026 Q3", "2026 Q4"]);
    let (_, q4) = &st.quarters[1];
    assert_eq!((q4.summary.count, q4.previous.count, q4.previous.censored), (3, 2, 1));
    // Aborted drills ran this quarter; abandoned ones did not.
    assert_eq!(st.this_quarter, 4);
    assert_eq!(st.days_since_last, Some(6));
    assert_eq!(name(&st.latest().unwrap().id), "q4-c");
    let q4b = drills[4].id.to_string();
    let before: Vec<&str> = st.before(&q4b).iter().map(|d| name(&d.id)).collect();
    assert_eq!(before, ["q3-a", "q3-b", "q4-a"]);
    assert_eq!(st.drills.len(), 7, "aborted and abandoned drills are listed");
}

#[test]
fn quarters_roll_over_the_year() {
    assert_eq!(Quarter::of(t("2027-01-01T00:00:00Z")).previous(), Quarter { year: 2026, q: 4 });
    assert_eq!(Quarter::of(t("2026-06-30T23:59:59Z")), Quarter { year: 2026, q: 2 });
}

/// A drill id without its occurrence suffix (`q4-c-20261124T0900Z` → `q4-c`).
fn name(id: &str) -> &str {
    &id[..id.len() - "-20261124T0900Z".len()]
}

/// The drill `drill`, with its opening naming `variant`.
fn with_variant(mut d: Drill, variant: &str) -> Drill {
    if let Some(o) = d.opened.as_mut() {
        o.variant = Some(variant.to_owned());
    }
    d
}

#[test]
fn stats_group_the_counted_drills_by_scenario_and_variant() {
    let drills = vec![
        with_variant(recovered_in("redis", "2026-01-06", 30), "pool"),
        with_variant(recovered_in("redis", "2026-01-13", 90), "port"),
        with_variant(recovered_in("redis", "2026-01-20", 50), "pool"),
        // Not counted: its variant has no group of its own.
        with_variant(
            drill("redis", "2026-01-27", vec![merged(), (5, EventKind::Aborted { reason: "x".into() })]),
            "dns",
        ),
        recovered_in("redis", "2026-02-03", 20),
    ];
    let s = Stats::new(&drills, 10, None, t("2026-03-01T00:00:00Z"));
    let shown: Vec<(Option<&str>, usize, Option<Estimate>)> =
        s.by_scenario.iter().map(|g| (g.variant.as_deref(), g.summary.count, g.summary.median)).collect();
    assert_eq!(
        shown,
        [
            (None, 1, Some(Estimate::Exact(mins(20)))),
            (Some("pool"), 2, Some(Estimate::Exact(mins(40)))),
            (Some("port"), 1, Some(Estimate::Exact(mins(90)))),
        ]
    );
    assert!(s.by_scenario.iter().all(|g| g.scenario == "redis"));
    assert_eq!(s.by_scenario[1].last, t("2026-01-20T10:00:00Z"));
    let md = crate::render::stats::markdown(&s);
    assert!(md.contains("## By scenario and variant"), "{md}");
    assert!(md.contains("| `redis` | `pool` | 2 | 40 min | 50 min | 2026-01-20 |"), "{md}");
    assert!(md.contains("| `redis` | — | 1 | 20 min |"), "{md}");
    let json: serde_json::Value = serde_json::from_str(&crate::render::stats::json(&s)).unwrap();
    assert_eq!(json["by_scenario"][2]["variant"], "port");
    assert_eq!(json["drills"][0]["variant"], "pool");
}

#[test]
fn stats_without_variants_have_no_variant_table() {
    let s = Stats::new(&[recovered_in("redis", "2026-01-06", 30)], 10, None, t("2026-03-01T00:00:00Z"));
    assert_eq!(s.by_scenario.len(), 1);
    assert!(!crate::render::stats::markdown(&s).contains("By scenario and variant"));
}
