//! The report's comparison with earlier drills, the median of recent ones and the baseline.

use std::fmt::Write as _;

use jiff::SignedDuration;

use super::History;
use crate::drill::state::{Drill, human_duration};
use crate::metrics::{DrillMetrics, Outcome, Trend, summarize};
use crate::render::markdown::{link, row};
use crate::scenario::Scenario;

/// "Compared with earlier drills and the baseline": this drill's time beside the previous drill of the same
/// scenario, the median of recent drills, and the last real outage; then the link to the history page.
pub(super) fn comparison(
    o: &mut String,
    scenario: &Scenario,
    drill: &Drill,
    baseline: Option<SignedDuration>,
    h: &History,
) {
    use crate::render::stats::{estimate, trend};
    let me = DrillMetrics::of(drill);
    let _ = writeln!(o, "## Compared with earlier drills and the baseline");
    let _ = writeln!(o);
    let samples = h.recent();
    let median = summarize(&samples).median;
    let previous = h.previous_of(scenario.id.as_str());
    let mine = me.time_to_recovery;
    let versus = |other| match (mine, Trend::between(mine, other)) {
        (None, _) => String::new(),
        (_, Trend::Unclear) => String::new(),
        (_, Trend::Same) => " — about the same".to_owned(),
        (_, t) => format!(" — this drill was {}", trend(t)),
    };
    let _ = writeln!(o, "| | Time to recovery |");
    let _ = writeln!(o, "|---|---|");
    let this = match me.outcome {
        Outcome::Recovered | Outcome::GaveUp | Outcome::TimedOut => {
            format!("**{}** ({})", estimate(mine), me.outcome.name())
        }
        other => format!("not counted ({})", other.name()),
    };
    let _ = writeln!(o, "{}", row(&["This drill".to_owned(), this]));
    match previous {
        Some(p) => {
            let _ = writeln!(
                o,
                "{}",
                row(&[
                    format!("The previous drill of this scenario ({})", p.date.strftime("%Y-%m-%d")),
                    format!("{}{}", estimate(p.time_to_recovery), versus(p.time_to_recovery)),
                ])
            );
        }
        None => {
            let _ = writeln!(
                o,
                "{}",
                row(&["The previous drill of this scenario".to_owned(), "none: this is the first".to_owned()])
            );
        }
    }
    if samples.is_empty() {
        let _ =
            writeln!(o, "{}", row(&["Median of earlier drills".to_owned(), "no earlier drill counted yet".to_owned()]));
    } else {
        let censored = samples.iter().filter(|s| s.censored).count();
        let what = match censored {
            0 => format!("Median of the last {} earlier drills", samples.len()),
            c => format!("Median of the last {} earlier drills ({c} censored)", samples.len()),
        };
        let _ = writeln!(o, "{}", row(&[what, format!("{}{}", estimate(median), versus(median))]));
    }
    if let Some(b) = baseline {
        let other = Some(crate::metrics::Estimate::Exact(b));
        let _ = writeln!(
            o,
            "{}",
            row(&["The last real outage (baseline)".to_owned(), format!("{}{}", human_duration(b), versus(other))])
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Times marked `≥` are lower bounds: a drill that timed out or that the team gave up on had not recovered \
         by then. Medians are Kaplan–Meier estimates that count such drills for what they are."
    );
    let _ = writeln!(o);
    // Without an address, the history beside the report on the ledger branch, as a Markdown file (rendered
    // where it is browsed; `index.html` would show as its source).
    let url = h
        .url
        .clone()
        .unwrap_or_else(|| format!("../../{}", crate::render::ledger::public(crate::render::ledger::HISTORY_MD)));
    let _ = writeln!(o, "All drills, the statistics and the trend: {}.", link("the drill history", &url));
    let _ = writeln!(o);
}
