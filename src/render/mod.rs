//! Every text firedrill writes for humans: diffs, previews, reports, statistics, badges, the history page.
//! Pure functions, snapshot-tested.

pub mod badge;
pub mod comment;
pub mod diff;
pub mod doctor;
mod facts;
#[cfg(test)]
mod fixtures;
pub mod history;
pub mod ledger;
pub mod markdown;
pub mod preview;
pub mod report;
pub mod run;
pub mod stats;
pub mod status;
mod verdana;

pub use ledger::{Links, ledger_artifacts};

use crate::patch::PatchError;

/// An instant in people's text: RFC 3339 in UTC, to the second (`2026-11-24T10:17:42Z`). GitHub's clock and
/// the system's carry nanoseconds; nobody reads them. Every instant a run prints goes through this.
pub fn instant(ts: jiff::Timestamp) -> String {
    jiff::Timestamp::from_second(ts.as_second()).unwrap_or(ts).to_string()
}

/// `file:line:col: message` (+ hint lines) for a patch error in `file`.
pub fn patch_error(file: &str, err: &PatchError) -> String {
    match err.at {
        Some(_) => format!("{file}:{err}"),
        None => format!("{file}: {err}"),
    }
}

/// The Markdown report of a finished drill, as written to the ledger. Without its scenario (the file was
/// removed since), a short report from the events alone.
pub fn report_markdown(
    scenario: Option<&crate::scenario::Scenario>,
    drill: &crate::drill::state::Drill,
    baseline: Option<jiff::SignedDuration>,
    repo_url: Option<String>,
) -> String {
    match scenario {
        Some(s) => {
            let ctx =
                report::ReportContext { baseline_mttr: baseline, repo_url, ..report::ReportContext::for_scenario(s) };
            report::markdown(s, drill, &ctx)
        }
        None => format!(
            "# Drill `{}`\n\n**{}.**\n\n```\n{}```\n",
            drill.id,
            facts::outcome(drill),
            status::timeline(None, drill)
        ),
    }
}

/// Earlier counted drills than `drill` (by landing), oldest first, with the history page's address.
pub fn history_for(
    drill: &crate::drill::state::Drill,
    drills: &[crate::metrics::DrillMetrics],
    config: &crate::scenario::Config,
    links: &Links,
) -> report::History {
    let me = crate::metrics::DrillMetrics::of(drill);
    let mut earlier: Vec<crate::metrics::DrillMetrics> = drills
        .iter()
        .filter(|d| d.id != drill.id.as_str() && d.outcome.counted() && d.date <= me.date)
        .cloned()
        .collect();
    earlier.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
    report::History { earlier, last_n: config.stats.last as usize, url: links.history(config.ledger_branch.as_str()) }
}

/// The report of a finished drill as it should be written to the ledger, posted and summarised: the report of
/// [`report_markdown`] plus the comparison with earlier drills (`drills`: the figures of the ledger's drills) and
/// the baseline, and the link to the history page.
pub fn drill_report(
    scenario: Option<&crate::scenario::Scenario>,
    drill: &crate::drill::state::Drill,
    drills: &[crate::metrics::DrillMetrics],
    config: &crate::scenario::Config,
    links: &Links,
    repo_url: Option<String>,
) -> String {
    match scenario {
        Some(s) => {
            let ctx = report::ReportContext {
                baseline_mttr: config.baseline_mttr.map(|d| d.to_signed()),
                repo_url,
                history: Some(history_for(drill, drills, config, links)),
                ..report::ReportContext::for_scenario(s)
            };
            report::markdown(s, drill, &ctx)
        }
        None => report_markdown(None, drill, None, None),
    }
}

/// `firedrill report --format json`: the drill's figures, its outcome in words, and what it is compared with.
pub fn report_json(
    drill: &crate::drill::state::Drill,
    drills: &[crate::metrics::DrillMetrics],
    config: &crate::scenario::Config,
    links: &Links,
) -> String {
    let h = history_for(drill, drills, config, links);
    let samples = h.recent();
    let estimate = |e: Option<crate::metrics::Estimate>| {
        e.map_or(
            serde_json::Value::Null,
            |e| serde_json::json!({ "seconds": e.value().as_secs(), "at_least": e.is_bound() }),
        )
    };
    let previous = h.previous_of(drill.scenario.as_str());
    let mut value = stats::drill_json(&crate::metrics::DrillMetrics::of(drill));
    value["summary"] = serde_json::json!(facts::outcome(drill));
    value["compared"] = serde_json::json!({
        "previous_of_scenario": previous.map(|p| serde_json::json!({ "id": p.id, "time_to_recovery": estimate(p.time_to_recovery) })),
        "median_of_earlier": { "drills": samples.len(), "median": estimate(crate::metrics::summarize(&samples).median) },
        "baseline_mttr_seconds": config.baseline_mttr.map(|d| d.as_secs()),
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}
