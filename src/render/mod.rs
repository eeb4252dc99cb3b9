//! Every text firedrill writes for humans: diffs, previews, error lines. Pure functions, snapshot-tested.

pub mod diff;
pub mod preview;
pub mod report;
pub mod run;
pub mod status;

use crate::patch::PatchError;

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
            report::outcome(drill),
            status::timeline(None, drill)
        ),
    }
}
