//! `firedrill stats` and `stats.json`: time-to-recovery statistics across drills, in Markdown and JSON.

use std::fmt::Write as _;

use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::drill::state::human_duration;
use crate::metrics::{DrillMetrics, Estimate, Outcome, Period, Stage, Stats, Summary, Trend};
use crate::schedule::{Zone, format_instant};

/// The version of `stats.json`'s shape.
pub const JSON_VERSION: u32 = 1;

/// `1 h 18 min`, `≥ 3 h`, or `—` when there is nothing to show.
pub fn estimate(e: Option<Estimate>) -> String {
    match e {
        Some(Estimate::Exact(d)) => human_duration(d),
        Some(Estimate::AtLeast(d)) => format!("≥ {}", human_duration(d)),
        None => "—".to_owned(),
    }
}

/// `3× faster`, `1.5× slower`, `faster`, `about the same`, or `—`.
pub fn trend(t: Trend) -> String {
    match t {
        Trend::Faster(Some(r)) => format!("{}× faster", ratio(r)),
        Trend::Slower(Some(r)) => format!("{}× slower", ratio(r)),
        Trend::Faster(None) => "faster".to_owned(),
        Trend::Slower(None) => "slower".to_owned(),
        Trend::Same => "about the same".to_owned(),
        Trend::Unclear => "—".to_owned(),
    }
}

/// `3`, `1.5`, `2`: one decimal below 3, whole numbers above (a "3.1× faster" is false precision).
pub fn ratio(r: f64) -> String {
    let s = if r >= 3.0 { format!("{r:.0}") } else { format!("{r:.1}") };
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// How `e` compares with the baseline, in words: `3× faster than the last real outage (4 h)`.
pub fn against_baseline(e: Option<Estimate>, baseline: SignedDuration) -> String {
    let last = format!("the last real outage ({})", human_duration(baseline));
    match Trend::between(e, Some(Estimate::Exact(baseline))) {
        Trend::Unclear => format!("not comparable yet with {last}"),
        Trend::Same => format!("about as long as {last}"),
        t => format!("{} than {last}", trend(t)),
    }
}

/// How long the drill took at each stage, as a cell: `T+25 min`, or `—`.
fn stage_cell(d: &DrillMetrics, stage: Stage) -> String {
    d.phases.get(stage).map_or_else(|| "—".to_owned(), |t| format!("T+{}", human_duration(t)))
}

fn outcome_cell(d: &DrillMetrics) -> String {
    match d.outcome {
        Outcome::Recovered if d.after_limit => "recovered (after the time limit)".to_owned(),
        Outcome::Aborted | Outcome::Abandoned => format!("{} (not counted)", d.outcome.name()),
        Outcome::Running | Outcome::Waiting => format!("{} (not counted yet)", d.outcome.name()),
        o => o.name().to_owned(),
    }
}

fn summary_rows(o: &mut String, headers: &[String], sums: &[&Summary]) {
    let _ = writeln!(o, "| | {} |", headers.join(" | "));
    let _ = writeln!(o, "|---|{}", "---|".repeat(headers.len()));
    let row = |name: &str, f: &dyn Fn(&Summary) -> String| {
        format!("| {name} | {} |", sums.iter().map(|s| f(s)).collect::<Vec<_>>().join(" | "))
    };
    let _ = writeln!(o, "{}", row("Drills counted", &|s| counted(s)));
    let _ = writeln!(o, "{}", row("Mean", &|s| estimate(s.mean)));
    let _ = writeln!(o, "{}", row("Median", &|s| estimate(s.median)));
    let _ = writeln!(o, "{}", row("90th percentile", &|s| estimate(s.p90)));
}

/// `5 (2 censored)`.
pub fn counted(s: &Summary) -> String {
    match s.censored {
        0 => s.count.to_string(),
        c => format!("{} ({c} censored)", s.count),
    }
}

/// The statistics in GitHub-flavoured Markdown.
pub fn markdown(stats: &Stats) -> String {
    let utc = Zone::utc();
    let mut o = String::new();
    let _ = writeln!(o, "# Drill statistics");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "As of {}. Time to recovery runs from the fault's landing to the landing of the commit that removed it. \
         Drills that timed out or that the team gave up on are censored: `≥` marks what is only a lower bound \
         (medians and 90th percentiles are Kaplan–Meier estimates; means count a censored drill at its limit). \
         Aborted and abandoned drills are listed, not counted.",
        format_instant(stats.now, &utc)
    );
    let _ = writeln!(o);

    let n = stats.last_n;
    let _ = writeln!(o, "## The last {n} drills");
    let _ = writeln!(o);
    let last = &stats.last;
    if last.summary.count == 0 {
        let _ = writeln!(o, "No drill has been counted yet.");
    } else {
        let headers = [format!("last {n}"), format!("the {n} before")];
        summary_rows(&mut o, &headers, &[&last.summary, &last.previous]);
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", period_sentences(last, &format!("the {n} drills before"), stats.baseline));
    }
    let _ = writeln!(o);
    let restore = &stats.restore;
    if restore.count > 0 {
        let _ = writeln!(
            o,
            "Time to restore service (from the fault going live to the fix going live, where a deploy signal \
             reported both): median {}, 90th percentile {}, over {} of these drills.",
            estimate(restore.median),
            estimate(restore.p90),
            restore.count
        );
        let _ = writeln!(o);
    }

    let detect = &stats.detect;
    if detect.count > 0 {
        let _ = writeln!(
            o,
            "Time to detect (from the service broken to the first alert, as the team's monitoring saw them): median \
             {}, 90th percentile {}, over {} drills{}.",
            estimate(detect.median),
            estimate(detect.p90),
            detect.count,
            match detect.censored {
                0 => String::new(),
                n => format!(" ({n} with no alert before the drill ended, censored)"),
            }
        );
        let _ = writeln!(o);
    }

    if !stats.quarters.is_empty() {
        let _ = writeln!(o, "## By quarter");
        let _ = writeln!(o);
        let _ =
            writeln!(o, "| Quarter | Drills counted | Mean | Median | 90th percentile | Against the quarter before |");
        let _ = writeln!(o, "|---|---|---|---|---|---|");
        for (q, p) in stats.quarters.iter().rev() {
            let s = &p.summary;
            let _ = writeln!(
                o,
                "| {q} | {} | {} | {} | {} | {} |",
                counted(s),
                estimate(s.mean),
                estimate(s.median),
                estimate(s.p90),
                trend(p.trend)
            );
        }
        let _ = writeln!(o);
    }

    if stats.by_scenario.iter().any(|g| g.variant.is_some()) {
        // Only worth a table when some scenario varies its fault: otherwise "Every drill" says it all.
        let _ = writeln!(o, "## By scenario and variant");
        let _ = writeln!(o);
        let _ = writeln!(o, "| Scenario | Variant | Drills counted | Median | 90th percentile | Last landed (UTC) |");
        let _ = writeln!(o, "|---|---|---|---|---|---|");
        for g in &stats.by_scenario {
            let _ = writeln!(
                o,
                "| `{}` | {} | {} | {} | {} | {} |",
                g.scenario,
                g.variant.as_deref().map_or_else(|| "—".to_owned(), |v| format!("`{v}`")),
                counted(&g.summary),
                estimate(g.summary.median),
                estimate(g.summary.p90),
                g.last.strftime("%Y-%m-%d")
            );
        }
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "## Cadence");
    let _ = writeln!(o);
    let _ = writeln!(o, "- Drills this quarter: {}", stats.this_quarter);
    let _ = match stats.days_since_last {
        Some(d) => writeln!(o, "- Days since the last drill: {d}"),
        None => writeln!(o, "- Days since the last drill: no drill has run yet"),
    };
    let _ = writeln!(o);

    let _ = writeln!(o, "## Every drill");
    let _ = writeln!(o);
    if stats.drills.is_empty() {
        let _ = writeln!(o, "The ledger holds no drill yet.");
        return o;
    }
    let _ = writeln!(
        o,
        "| Landed (UTC) | Drill | Outcome | Time to recovery | Detect | Identify | Fix | Recover | Deploy | Restore service | Hints |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|---|---|---|---|");
    for d in stats.drills.iter().rev() {
        let stages: Vec<String> = Stage::ALL.iter().map(|s| stage_cell(d, *s)).collect();
        let _ = writeln!(
            o,
            "| {} | `{}` | {} | {} | {} | {} | {} |",
            d.date.strftime("%Y-%m-%d %H:%M"),
            d.id,
            outcome_cell(d),
            estimate(d.time_to_recovery),
            stages.join(" | "),
            d.restore.map_or_else(|| "—".to_owned(), human_duration),
            d.hints_used
        );
    }
    o
}

/// "3× faster than the 10 drills before. Against the baseline: …"
pub fn period_sentences(p: &Period, before: &str, baseline: Option<SignedDuration>) -> String {
    let mut s = match p.trend {
        Trend::Unclear if p.previous.count == 0 => format!("Trend: too few drills yet to compare with {before}."),
        Trend::Unclear => format!("Trend: not clear against {before} (the bounds overlap)."),
        Trend::Same => format!("Trend: the median is about the same as for {before}."),
        t => format!("Trend: the median is {} than for {before}.", trend(t)),
    };
    if let Some(b) = baseline {
        let _ = write!(s, " Baseline: the median is {}.", against_baseline(p.summary.median, b));
    }
    s
}

// --- JSON --------------------------------------------------------------------------------------------------

fn estimate_json(e: Option<Estimate>) -> Value {
    match e {
        Some(e) => json!({ "seconds": e.value().as_secs(), "at_least": e.is_bound() }),
        None => Value::Null,
    }
}

fn summary_json(s: &Summary) -> Value {
    json!({
        "count": s.count,
        "censored": s.censored,
        "mean": estimate_json(s.mean),
        "median": estimate_json(s.median),
        "p90": estimate_json(s.p90),
    })
}

fn trend_json(t: Trend) -> Value {
    let (direction, ratio) = match t {
        Trend::Faster(r) => ("faster", r),
        Trend::Slower(r) => ("slower", r),
        Trend::Same => ("same", None),
        Trend::Unclear => ("unclear", None),
    };
    json!({ "direction": direction, "ratio": ratio.map(|r| (r * 100.0).round() / 100.0) })
}

fn period_json(p: &Period) -> Value {
    json!({
        "drills": p.drills,
        "summary": summary_json(&p.summary),
        "previous": summary_json(&p.previous),
        "trend": trend_json(p.trend),
    })
}

/// One drill's figures as JSON (also `firedrill report --format json`).
pub fn drill_json(d: &DrillMetrics) -> Value {
    let phases: serde_json::Map<String, Value> = Stage::ALL
        .iter()
        .map(|s| (s.name().to_owned(), d.phases.get(*s).map_or(Value::Null, |t| json!(t.as_secs()))))
        .collect();
    json!({
        "id": d.id,
        "scenario": d.scenario,
        "variant": d.variant,
        "landed": d.date.to_string(),
        "outcome": d.outcome.name().replace(' ', "_"),
        "counted": d.outcome.counted(),
        "time_to_recovery": estimate_json(d.time_to_recovery),
        "after_time_limit": d.after_limit,
        "phases_seconds": phases,
        "time_to_restore_service_seconds": d.restore.map(|r| r.as_secs()),
        "time_to_detect": estimate_json(d.time_to_detect),
        "time_to_acknowledge_seconds": d.time_to_acknowledge.map(|r| r.as_secs()),
        "health_restore_seconds": d.health_restore.map(|r| r.as_secs()),
        "hints_used": d.hints_used,
    })
}

/// `stats.json`: everything [`markdown`] shows, durations in seconds, `at_least` marking lower bounds.
pub fn json(stats: &Stats) -> String {
    let quarters: Vec<Value> = stats
        .quarters
        .iter()
        .map(|(q, p)| {
            let mut v = period_json(p);
            v["quarter"] = json!(format!("{}-Q{}", q.year, q.q));
            v
        })
        .collect();
    let value = json!({
        "version": JSON_VERSION,
        "generated_at": stats.now.to_string(),
        "method": "time to recovery: fault landed to fix landed; timed-out and gave-up drills are censored at \
                   their limit; median and p90 are Kaplan-Meier estimates, means count censored drills at their \
                   limit; at_least marks a lower bound; aborted and abandoned drills are not counted",
        "baseline_mttr_seconds": stats.baseline.map(|b| b.as_secs()),
        "last": { "n": stats.last_n, "period": period_json(&stats.last) },
        "time_to_restore_service": summary_json(&stats.restore),
        "time_to_detect": summary_json(&stats.detect),
        "quarters": quarters,
        "by_scenario": stats.by_scenario.iter().map(|g| json!({
            "scenario": g.scenario,
            "variant": g.variant,
            "summary": summary_json(&g.summary),
            "last_landed": g.last.to_string(),
        })).collect::<Vec<_>>(),
        "drills_this_quarter": stats.this_quarter,
        "days_since_last_drill": stats.days_since_last,
        "drills": stats.drills.iter().map(drill_json).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}
