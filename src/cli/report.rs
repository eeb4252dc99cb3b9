//! `firedrill report`: any drill's report from the ledger, in Markdown or JSON.

use std::io::Write;

use anyhow::Context;

use super::lifecycle::{Common, Setup};
use super::{CliError, CliResult};
use crate::forge::Forge as _;
use crate::render::Links;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: Common,
    /// The drill (default: the most recent one whose fault landed).
    #[arg(long)]
    pub drill: Option<String>,
    /// md (the report as written to the ledger) or json (the figures).
    #[arg(long, default_value = "md", value_parser = ["md", "json"])]
    pub format: String,
    /// Where the history page is published (GitHub Pages), to link it from the report.
    #[arg(long, value_name = "URL")]
    pub pages: Option<String>,
}

/// The links to the control repository's files: its web pages when it is on GitHub (`owner/name`). A git URL
/// or a path may have no web pages at all, so nothing is linked for them.
pub(super) fn links(common: &Common, pages: Option<String>) -> Links {
    use crate::scenario::{RepoKind, RepoRef};
    let on_github = common.control.parse::<RepoRef>().is_ok_and(|r| r.kind() == RepoKind::GitHub);
    Links { control: on_github.then(|| format!("https://github.com/{}", common.control.trim())), pages }
}

/// Every drill in the ledger.
pub(super) fn drills(setup: &Setup) -> CliResult<Vec<crate::drill::state::Drill>> {
    Ok(super::lifecycle::runtime()?.block_on(setup.runner().drills())?)
}

pub fn run(args: Args) -> CliResult {
    let setup = args.common.setup("report", true)?;
    let drills = drills(&setup)?;
    let drill = match &args.drill {
        Some(id) => drills.iter().find(|d| &d.id == id),
        None => drills.iter().filter(|d| d.merged.is_some()).max_by_key(|d| d.merged.as_ref().map(|m| m.at)),
    };
    let Some(drill) = drill else {
        match &args.drill {
            Some(id) => {
                return Err(CliError::failure(format!("no drill `{id}` in the ledger; `firedrill status` lists them")));
            }
            None => {
                return Err(CliError::failure(
                    "no drill in the ledger has landed its fault yet; `firedrill status` lists them",
                ));
            }
        }
    };
    let links = links(&args.common, args.pages.clone().or_else(|| setup.config.pages.clone()));
    let figures: Vec<crate::metrics::DrillMetrics> = drills.iter().map(crate::metrics::DrillMetrics::of).collect();
    let drills = figures;
    let out = match args.format.as_str() {
        "json" => crate::render::report_json(drill, &drills, &setup.config, &links),
        _ => {
            // With `variants:`, the reveal shows the variant the drill opened with.
            let recorded = drill.opened.as_ref().and_then(|o| o.variant.as_deref());
            let scenario = setup.scenarios.iter().find(|s| s.id == drill.scenario);
            let scenario = scenario.map(|s| s.for_drill(drill.id.as_str(), recorded));
            let repo_url = setup.forges.by_repo.get(&drill.target.repo).and_then(|f| f.web_url());
            crate::render::drill_report(scenario.as_deref(), drill, &drills, &setup.config, &links, repo_url)
        }
    };
    std::io::stdout().lock().write_all(out.as_bytes()).context("writing to stdout")?;
    Ok(())
}
