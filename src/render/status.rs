//! What `firedrill status` prints: a table of drills, and the plain-text timeline of one drill.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::report::{change_name, chronological, offset, outcome, short, who, zero};
use crate::drill::event::{Event, EventKind, RecoveryHow};
use crate::drill::state::{Drill, Phase, human_duration};
use crate::scenario::Scenario;
use crate::types::Summary;

/// Scenario titles longer than this are cut in the table, so one long title does not widen every row.
const TITLE_WIDTH: usize = 36;

/// One drill as the table reads it: folded from its whole log, or summed up by the ledger's index (a drill
/// with nothing left to do, so `status` reads no log for it).
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    Log(&'a Drill),
    /// A drill id, its summary, and the summary's phase (read back from its name).
    Summary(&'a str, &'a Summary, Phase),
}

impl<'a> Row<'a> {
    /// The row of drill `id` from its summary; `None` when the summary names no known phase (its log must be
    /// read then).
    pub fn summed(id: &'a str, summary: &'a Summary) -> Option<Row<'a>> {
        Some(Row::Summary(id, summary, Phase::of_summary(&summary.phase, summary.outcome)?))
    }

    /// The scenario's id.
    pub fn scenario(&self) -> &'a str {
        match self {
            Row::Log(d) => d.scenario.as_str(),
            Row::Summary(_, s, _) => &s.scenario,
        }
    }

    fn facts(&self) -> Facts<'a> {
        match *self {
            Row::Log(d) => Facts {
                id: d.id.as_str(),
                phase: d.phase(),
                open_at: d.open_at,
                merge_at: d.merge_at,
                merged_at: d.merged.as_ref().map(|m| m.at),
                recovered: d.recovered.as_ref().map(|(r, how)| (r.at, *how)),
                timed_out: d.timed_out,
                reported: d.reported.is_some(),
                revert_waiting: d.revert_waiting.as_ref().map(|(c, r)| (c.as_str(), r.as_str())),
            },
            Row::Summary(id, s, phase) => Facts {
                id,
                phase,
                open_at: s.open_at,
                merge_at: s.merge_at,
                merged_at: s.merged_at,
                recovered: s.recovered_at.zip(s.outcome),
                timed_out: s.timed_out_at,
                reported: s.reported.is_some(),
                revert_waiting: None,
            },
        }
    }
}

impl<'a> From<&'a Drill> for Row<'a> {
    fn from(drill: &'a Drill) -> Row<'a> {
        Row::Log(drill)
    }
}

/// What a row's columns are made of, whichever way the drill was read.
struct Facts<'a> {
    id: &'a str,
    phase: Phase,
    open_at: Timestamp,
    merge_at: Timestamp,
    merged_at: Option<Timestamp>,
    recovered: Option<(Timestamp, RecoveryHow)>,
    timed_out: Option<Timestamp>,
    reported: bool,
    /// firedrill's revert pull request that cannot land yet, and why.
    revert_waiting: Option<(&'a str, &'a str)>,
}

impl Facts<'_> {
    /// T+0: the merge, or the planned merge.
    fn zero(&self) -> Timestamp {
        self.merged_at.unwrap_or(self.merge_at)
    }

    fn time_to_recovery(&self) -> Option<jiff::SignedDuration> {
        Some(self.recovered?.0.duration_since(self.merged_at?))
    }
}

/// One row per drill, newest first, in aligned columns; `now` dates "running for …" and "next".
pub fn table(drills: &[(Option<&Scenario>, Row<'_>)], now: Timestamp) -> String {
    if drills.is_empty() {
        return "no drills yet\n".to_owned();
    }
    let mut sorted: Vec<(Option<&Scenario>, Row<'_>, Facts<'_>)> =
        drills.iter().map(|(s, row)| (*s, *row, row.facts())).collect();
    sorted.sort_by(|(_, _, a), (_, _, b)| (b.zero(), b.id).cmp(&(a.zero(), a.id)));
    let mut rows = vec![vec![
        "DRILL".to_owned(),
        "SCENARIO".to_owned(),
        "PHASE".to_owned(),
        "MERGE (UTC)".to_owned(),
        "RECOVERY".to_owned(),
        "NEXT".to_owned(),
    ]];
    for (scenario, row, facts) in sorted {
        rows.push(vec![
            facts.id.to_owned(),
            scenario.map_or_else(|| format!("{} (no scenario file)", row.scenario()), |s| cut(&s.title, TITLE_WIDTH)),
            facts.phase.name().to_owned(),
            merge_column(&facts),
            recovery_column(&facts, now),
            next_action(scenario, &facts, now),
        ]);
    }
    columns(&rows, "  ")
}

/// The timeline of one drill for the terminal: every event with its UTC time and offset from the merge, then
/// the time to recovery (or how the drill ended).
pub fn timeline(scenario: Option<&Scenario>, drill: &Drill) -> String {
    timeline_on(scenario, drill, None)
}

/// [`timeline`], with the target repository's web address (`https://github.com/acme/shop`) to link pull
/// requests where the forge has pages.
pub fn timeline_on(scenario: Option<&Scenario>, drill: &Drill, web: Option<&str>) -> String {
    let mut o = String::new();
    match scenario {
        Some(s) => {
            let _ = writeln!(o, "{}", s.title);
        }
        None => {
            let _ = writeln!(o, "Scenario {} (no scenario file)", drill.scenario);
        }
    }
    let _ = writeln!(o, "Drill {}: {}", drill.id, drill.phase().name());
    let zero = zero(drill);
    let reference = if drill.merged.is_some() { "the merge" } else { "the planned merge" };
    let _ = writeln!(o, "Times in UTC; T+0 is {reference} at {}.", hhmm(zero));

    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    for e in chronological(drill) {
        let date = e.time.to_zoned(TimeZone::UTC).date().to_string();
        rows.push((
            date,
            vec![hhmm(e.time), offset(e.time, zero), e.kind.name().replace('_', " "), who(e), detail(e, drill)],
        ));
    }
    let cells: Vec<Vec<String>> = rows.iter().map(|(_, r)| r.clone()).collect();
    let lines = columns(&cells, "  ");
    let mut day = String::new();
    for ((date, _), line) in rows.iter().zip(lines.lines()) {
        if *date != day {
            let _ = writeln!(o);
            let _ = writeln!(o, "{date}");
            day.clone_from(date);
        }
        let _ = writeln!(o, "  {line}");
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", ending(scenario, drill, web));
    o
}

fn ending(scenario: Option<&Scenario>, drill: &Drill, web: Option<&str>) -> String {
    if let (Some((change, reason)), Some(merged), None) = (&drill.revert_waiting, &drill.merged, &drill.recovered) {
        return still_live(scenario, drill, merged.at, (change, reason), web);
    }
    match (&drill.recovered, drill.time_to_recovery()) {
        (Some(_), _) if drill.aborted.is_some() => format!("{}.", outcome(drill)),
        // Not recoveries: how the drill ended, as the report says it.
        (Some((_, RecoveryHow::GaveUp | RecoveryHow::Timeout)), _) => format!("{}.", outcome(drill)),
        (Some((_, how)), Some(d)) => format!("Time to recovery: {} ({})", human_duration(d), how_word(*how)),
        _ => format!("{}.", outcome(drill)),
    }
}

/// A running drill whose revert pull request cannot land yet: when the fault landed, the time limit that passed
/// (or the stop that asked for the revert), which pull request waits (with its page) and why.
fn still_live(
    scenario: Option<&Scenario>,
    drill: &Drill,
    merged_at: Timestamp,
    (change, reason): (&str, &str),
    web: Option<&str>,
) -> String {
    let held_since = drill.events.iter().find(|e| e.kind.name() == "revert_waiting").map(|e| e.time);
    let deadline = scenario.map(|s| crate::drill::step::deadline(merged_at, s));
    let why = match (deadline, held_since) {
        (Some(d), Some(h)) if h >= d => format!(
            "its time limit ({}) passed at {} UTC",
            scenario.map_or_else(String::new, |s| s.safety.max_duration().as_str().to_owned()),
            day_hhmm(d)
        ),
        _ => "firedrill was asked to revert it".to_owned(),
    };
    let page = web.map(|w| format!(" ({w}/pull/{change})")).unwrap_or_default();
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    format!(
        "Running: the fault landed at {} UTC and is still live: {why}, and firedrill's revert pull request \
         #{change}{page} {reason}. firedrill tries again on every run; revert the merge by hand to end it now.",
        day_hhmm(merged_at)
    )
}

fn how_word(how: RecoveryHow) -> &'static str {
    match how {
        RecoveryHow::Revert => "revert",
        RecoveryHow::Fix => "fix",
        RecoveryHow::Timeout => "timed out",
        RecoveryHow::GaveUp => "gave up",
    }
}

/// One event in a few words.
fn detail(e: &Event, drill: &Drill) -> String {
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    match &e.kind {
        EventKind::Planned { open_at, merge_at, .. } => {
            format!("opens at {}, merges at {}", near(*open_at, e.time), near(*merge_at, e.time))
        }
        EventKind::Opened { branch, change, .. } if change == branch => format!("branch {branch}"),
        EventKind::Opened { branch, change, .. } => format!("{} from branch {branch}", change_name(change)),
        EventKind::Merged { commit } => format!("the fault landed: {}", short(commit)),
        EventKind::Deployed { fault, fix } => {
            format!("deployed: the fault at {}, the fix at {}", fault.strftime("%H:%M"), fix.strftime("%H:%M"))
        }
        EventKind::FaultDeployed { signal, commit } => format!("fault live: {signal} on {}", short(commit)),
        EventKind::FixDeployed { signal, commit } => format!("fix live: {signal} on {}", short(commit)),
        EventKind::DeployWatch { until, signals } => {
            format!("watching {} for the fix's deploy until {}", signals.join(", "), until.strftime("%H:%M"))
        }
        EventKind::DeployUnobserved { reason, .. } => format!("fix's deploy not observed: {}", one_line(reason)),
        EventKind::MergeWaiting { reason, .. } => format!("merge waiting: {}", one_line(reason)),
        EventKind::RevertWaiting { change, reason } => format!("revert PR #{change} {}", one_line(reason)),
        EventKind::Abandoned { reason } => one_line(reason),
        EventKind::Command { name, args } => match args.as_deref().map(one_line).filter(|a| !a.is_empty()) {
            Some(args) => format!("/drill {name} {args}"),
            None => format!("/drill {name}"),
        },
        EventKind::Hint { index, text } => format!("#{} {}", index + 1, one_line(text)),
        EventKind::Comment { id, refused } if refused.is_empty() => format!("comment {id} answered"),
        EventKind::Comment { id, refused } => format!("comment {id}: not obeyed: {}", one_line(&refused.join("; "))),
        EventKind::Inferred { phase, from } => format!("{phase} (inferred from {})", one_line(from)),
        EventKind::Announced { issue } => format!("announced in issue #{}", one_line(issue)),
        EventKind::Broken { from } => format!("service broken: {}", one_line(from)),
        EventKind::AlertFired { alert, from, .. } => format!("alert {} fired ({})", one_line(alert), one_line(from)),
        EventKind::Restored { from } => format!("service restored: {}", one_line(from)),
        EventKind::NoEffect { within } => format!("no effect seen within {within}"),
        EventKind::Unrestored { reason } => format!("restoration not observed: {}", one_line(reason)),
        EventKind::Recovered { commit, how: RecoveryHow::Revert } => format!("reverted by {}", short(commit)),
        EventKind::Recovered { commit, how: RecoveryHow::Fix } => format!("fixed by {}", short(commit)),
        EventKind::Recovered { commit, how: RecoveryHow::Timeout } => {
            format!("firedrill's revert {} landed", short(commit))
        }
        EventKind::Recovered { commit, how: RecoveryHow::GaveUp } => {
            format!("the team gave up: firedrill's revert {} landed", short(commit))
        }
        EventKind::TimedOut { reverted_by } => {
            let after = drill
                .merged
                .as_ref()
                .map_or_else(String::new, |m| format!(" after {}", human_duration(e.time.duration_since(m.at))));
            match reverted_by {
                Some(sha) => format!("time limit reached{after}: firedrill reverts with {}", short(sha)),
                None => format!("time limit reached{after}: the fault stays (auto-revert is off)"),
            }
        }
        EventKind::Aborted { reason } => one_line(reason),
        EventKind::Reported { path } => path.clone(),
    }
}

fn merge_column(drill: &Facts<'_>) -> String {
    match (drill.merged_at, drill.phase) {
        (Some(at), _) => day_hhmm(at),
        (None, Phase::Planned | Phase::Opened) => format!("{} (planned)", day_hhmm(drill.merge_at)),
        (None, _) => "never".to_owned(),
    }
}

fn recovery_column(drill: &Facts<'_>, now: Timestamp) -> String {
    let since_merge = |t: Option<Timestamp>| Some(human_duration(t?.duration_since(drill.merged_at?)));
    match (drill.phase, drill.recovered, drill.time_to_recovery()) {
        (Phase::Recovered, Some((_, how)), Some(d)) => format!("{} ({})", human_duration(d), how_word(how)),
        // Not a recovery: how long the fault was live, a lower bound (`≥`), as `stats` and the report say it.
        (Phase::GaveUp, _, Some(d)) => format!("≥ {} (gave up)", human_duration(d)),
        (Phase::TimedOut, recovered, _) => match since_merge(drill.timed_out.or(recovered.map(|(at, _)| at))) {
            Some(d) => format!("≥ {d} (timed out)"),
            None => "timed out".to_owned(),
        },
        (Phase::Merged, _, _) => match drill.merged_at {
            Some(at) => format!("running for {}", human_duration(now.duration_since(at))),
            None => "running".to_owned(),
        },
        _ => "-".to_owned(),
    }
}

/// What firedrill (or the team) does next for this drill.
fn next_action(scenario: Option<&Scenario>, drill: &Facts<'_>, now: Timestamp) -> String {
    let due = |what: &str, at: Timestamp| {
        if at <= now { format!("{what} now (due {})", near(at, now)) } else { format!("{what} at {}", near(at, now)) }
    };
    match drill.phase {
        _ if drill.phase.is_over() && !drill.reported => "write the report".to_owned(),
        Phase::TimedOut if drill.recovered.is_none() => {
            "nothing: timed out, the fault was left in place (auto-revert is off)".to_owned()
        }
        Phase::Planned => due("opens", drill.open_at),
        Phase::Opened => due("merges", drill.merge_at),
        // A drill past its time limit is still running only while firedrill's revert has not landed (a
        // time-out that leaves the fault in place is `Phase::TimedOut`).
        Phase::Merged if drill.timed_out.is_some() && drill.revert_waiting.is_none() => {
            "waiting for firedrill's revert to land".to_owned()
        }
        Phase::Merged => match (scenario, drill.merged_at) {
            (Some(s), Some(at)) => {
                let deadline = crate::drill::step::deadline(at, s);
                if s.safety.auto_revert() && deadline <= now {
                    // Every run past the deadline reverts; a drill still here means the revert has not landed.
                    let why = match drill.revert_waiting {
                        Some((change, reason)) => {
                            format!("revert PR #{change} {}", reason.split_whitespace().collect::<Vec<_>>().join(" "))
                        }
                        None => "the next run reverts it or says why not".to_owned(),
                    };
                    format!("revert overdue since {}: the fault is still live; {why}", near(deadline, now))
                } else if s.safety.auto_revert() {
                    due("auto-revert", deadline)
                } else {
                    due("time limit (no auto-revert)", deadline)
                }
            }
            _ => "waiting for recovery".to_owned(),
        },
        Phase::Recovered | Phase::GaveUp | Phase::TimedOut | Phase::Aborted | Phase::Abandoned => "-".to_owned(),
    }
}

/// `10:17 UTC` when on the same UTC day as `now`, else `2026-12-01 10:17 UTC`.
fn near(ts: Timestamp, now: Timestamp) -> String {
    if ts.to_zoned(TimeZone::UTC).date() == now.to_zoned(TimeZone::UTC).date() {
        format!("{} UTC", hhmm(ts))
    } else {
        format!("{} UTC", day_hhmm(ts))
    }
}

/// `10:17`, or `10:17:42` when the time has seconds. Formatted from the civil time, not with `strftime`: the
/// table formats tens of thousands of these at 10,000 drills.
fn hhmm(ts: Timestamp) -> String {
    let t = TimeZone::UTC.to_datetime(ts);
    if ts.as_second().rem_euclid(60) == 0 {
        format!("{:02}:{:02}", t.hour(), t.minute())
    } else {
        format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
    }
}

fn day_hhmm(ts: Timestamp) -> String {
    format!("{} {}", TimeZone::UTC.to_datetime(ts).date(), hhmm(ts))
}

/// `s`, cut to `width` characters with an ellipsis.
fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Rows as lines with every column but the last padded to its widest cell; no trailing spaces.
fn columns(rows: &[Vec<String>], gap: &str) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..n).map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str(gap);
            }
            line.push_str(cell);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(widths[i].saturating_sub(cell.chars().count())));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::drill::event::TargetRef;
    use crate::render::report::tests::{
        abandoned, aborted, ev, merged, recovered_by_revert, redis, seed_drill, t, timed_out,
    };

    fn scenario(file: &str, text: &str) -> Scenario {
        crate::scenario::load(Path::new(file), text).unwrap()
    }

    /// A drill planned but not opened yet.
    fn planned(scenario: &str, occurrence: &str, open_at: &str, merge_at: &str) -> Drill {
        let target = TargetRef { repo: None, branch: "main".into(), path: "values.yaml".into() };
        let log = vec![ev(
            occurrence,
            "firedrill",
            "tick",
            EventKind::Planned {
                scenario: scenario.parse().unwrap(),
                target,
                occurrence: t(occurrence),
                open_at: t(open_at),
                merge_at: t(merge_at),
            },
        )];
        let id = format!("{scenario}-{}", t(occurrence).strftime("%Y%m%dT%H%MZ"));
        Drill::fold(&crate::schedule::DrillId::parse(&id).unwrap(), &log).unwrap()
    }

    #[test]
    fn an_empty_ledger() {
        assert_eq!(table(&[], t("2026-11-24T10:59:00Z")), "no drills yet\n");
    }

    #[test]
    fn drills_in_every_phase_newest_first() {
        let redis = redis();
        let worker =
            scenario("scenarios/worker-retries-zero.yaml", include_str!("../../scenarios/worker-retries-zero.yaml"));
        let payment = scenario(
            "scenarios/payment-retries-disabled.yaml",
            include_str!("../../scenarios/payment-retries-disabled.yaml"),
        );
        let running = seed_drill("2026-11-24", vec![merged("2026-11-24T10:17:00Z")]);
        let mut opened =
            planned("worker-retries-zero", "2026-11-24T13:00:00Z", "2026-11-24T10:40:00Z", "2026-11-24T13:25:00Z");
        let mut log = opened.events.clone();
        log.push(ev(
            "2026-11-24T10:40:00Z",
            "firedrill",
            "tick",
            EventKind::Opened {
                branch: "fix/worker".into(),
                commit: crate::types::CommitSha::parse("c000000000000000000000000000000000000000").unwrap(),
                base: crate::types::CommitSha::parse("b000000000000000000000000000000000000000").unwrap(),
                change: crate::drill::event::ChangeId("57".into()),
                variant: None,
                gate: None,
            },
        ));
        opened = Drill::fold(&opened.id, &log).unwrap();
        let next_week =
            planned("payment-retries-disabled", "2026-12-01T20:00:00Z", "2026-12-01T20:00:00Z", "2026-12-01T21:12:00Z");
        // A drill whose scenario file was deleted since.
        let orphan = recovered_by_revert("2026-10-06");
        let mut last_week = recovered_by_revert("2026-11-17");
        let mut log = last_week.events.clone();
        log.push(ev(
            "2026-11-17T11:40:00Z",
            "firedrill",
            "tick",
            EventKind::Reported { path: "drills/x/report.md".into() },
        ));
        last_week = Drill::fold(&last_week.id, &log).unwrap();
        let (a, b, c) = (timed_out("2026-11-10"), aborted("2026-11-03"), abandoned("2026-10-27"));
        let drills = [
            (Some(&redis), &c),
            (Some(&worker), &opened),
            (Some(&payment), &next_week),
            (None, &orphan),
            (Some(&redis), &running),
            (Some(&redis), &a),
            (Some(&redis), &b),
            (Some(&redis), &last_week),
        ];
        let rows: Vec<_> = drills.iter().map(|(s, d)| (*s, Row::from(*d))).collect();
        insta::assert_snapshot!(table(&rows, t("2026-11-24T10:59:00Z")));
    }

    /// `drill` with `more` events appended.
    fn then(drill: &Drill, more: Vec<Event>) -> Drill {
        let mut log = drill.events.clone();
        log.extend(more);
        Drill::fold(&drill.id, &log).unwrap()
    }

    /// The table of a drill summed up by the ledger's index is the table of the drill folded from its whole
    /// log, in every phase, reported or not, with and without its scenario file: `status` may read only the
    /// index for the drills with nothing left to do.
    #[test]
    fn a_summary_renders_the_row_its_whole_log_renders() {
        let at = |day: &str, hm: &str| format!("{day}T{hm}:00Z");
        let sha = |c: char| crate::types::CommitSha::parse(&c.to_string().repeat(40)).unwrap();
        let recovered =
            |day: &str, how| ev(&at(day, "11:05"), "ana", "tick", EventKind::Recovered { commit: sha('9'), how });
        let timed_out =
            |day: &str, by| ev(&at(day, "13:17"), "firedrill", "tick", EventKind::TimedOut { reverted_by: by });
        // Every case in `month`; the resolved ones with their report written when `report`.
        let cases = |month: &str, report: bool| {
            let d: Vec<String> = (1..=13).map(|day| format!("{month}-{day:02}")).collect();
            let d = |i: usize| d[i].as_str();
            let landed = |i: usize| merged(&at(d(i), "10:17"));
            let drills = vec![
                planned("redis-pool-exhaustion", &at(d(12), "09:00"), &at(d(12), "09:30"), &at(d(12), "10:00")),
                seed_drill(d(0), vec![]),
                seed_drill(d(1), vec![landed(1)]),
                seed_drill(d(2), vec![landed(2), timed_out(d(2), Some(sha('7')))]),
                seed_drill(d(3), vec![landed(3), timed_out(d(3), None)]),
                seed_drill(d(4), vec![landed(4), recovered(d(4), RecoveryHow::Fix)]),
                seed_drill(d(5), vec![landed(5), recovered(d(5), RecoveryHow::GaveUp)]),
                // Fixed after the time limit had passed with the fault left in place.
                seed_drill(d(6), vec![landed(6), timed_out(d(6), None), recovered(d(6), RecoveryHow::Fix)]),
                recovered_by_revert(d(7)),
                super::super::report::tests::timed_out(d(8)),
                aborted(d(9)),
                abandoned(d(10)),
                // Aborted before the merge.
                seed_drill(
                    d(11),
                    vec![ev(&at(d(11), "10:00"), "ana", "comment", EventKind::Aborted { reason: "no".into() })],
                ),
            ];
            let written =
                ev(&format!("{month}-28T12:00:00Z"), "firedrill", "tick", EventKind::Reported { path: "r.md".into() });
            drills
                .into_iter()
                .map(|d| if report && d.is_resolved() { then(&d, vec![written.clone()]) } else { d })
                .collect::<Vec<_>>()
        };
        let mut drills = cases("2026-10", false);
        drills.extend(cases("2026-11", true));
        let phases: std::collections::BTreeSet<&str> = drills.iter().map(|d| d.phase().name()).collect();
        assert_eq!(phases.len(), Phase::ALL.len(), "every phase is covered: {phases:?}");
        let redis = redis();
        let summaries: Vec<Summary> = drills.iter().map(Summary::of).collect();
        for now in ["2026-11-24T10:59:00Z", "2026-12-01T09:45:00Z"] {
            for scenario in [Some(&redis), None] {
                let logs: Vec<_> = drills.iter().map(|d| (scenario, Row::from(d))).collect();
                let summed: Vec<_> = drills
                    .iter()
                    .zip(&summaries)
                    .map(|(d, s)| (scenario, Row::summed(d.id.as_str(), s).unwrap()))
                    .collect();
                let expected = table(&logs, t(now));
                assert_eq!(expected.lines().count(), drills.len() + 1);
                assert_eq!(table(&summed, t(now)), expected);
            }
        }
    }

    #[test]
    fn timeline_of_a_recovered_drill() {
        let s = redis();
        let text = timeline(Some(&s), &recovered_by_revert("2026-11-24"));
        assert!(text.ends_with("Time to recovery: 1 h 18 min (revert)\n"));
        insta::assert_snapshot!(text);
    }

    #[test]
    fn timeline_of_a_timed_out_drill_without_its_scenario() {
        insta::assert_snapshot!(timeline(None, &timed_out("2026-11-24")));
    }

    #[test]
    fn timeline_of_an_abandoned_drill() {
        insta::assert_snapshot!(timeline(Some(&redis()), &abandoned("2026-11-24")));
    }
}
