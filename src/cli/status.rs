//! `firedrill status`: the drills in the ledger, with their state and times.

use std::io::Write;

use anyhow::Context;

use super::lifecycle::{At, Common};
use super::{CliError, CliResult, Kind};
use crate::render::status::Row;

#[derive(Debug, clap::Args)]
#[command(mut_arg("now", |a| a.help("The instant to describe running drills at (RFC 3339); default: now")))]
pub struct Args {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub at: At,
    /// Show one drill's timeline instead of the table.
    #[arg(long)]
    pub drill: Option<String>,
}

pub fn run(args: Args) -> CliResult {
    let setup = args.common.setup("status", true)?;
    let now = args.at.now();
    let runner = setup.runner();
    let rt = super::lifecycle::runtime()?;
    // The index and the logs of the drills with work left, as a tick reads them: the cost does not grow with
    // the finished drills. The logs that cannot be read are named, not skipped.
    let overview = rt.block_on(runner.overview())?;
    let find = |id: &str| setup.scenarios.iter().find(|s| s.id.as_str() == id);
    let mut out = match &args.drill {
        Some(id) => {
            let Some(d) = rt.block_on(runner.drill(&overview, id))? else {
                return Err(CliError::failure(format!("no drill `{id}` in the ledger; `firedrill status` lists them")));
            };
            let web = setup.forges.by_repo.get(&d.target.repo).and_then(crate::forge::Forge::web_url);
            crate::render::status::timeline_on(find(d.scenario.as_str()), &d, web.as_deref())
        }
        None => {
            let mut rows: Vec<_> = overview.active.iter().map(|d| (find(d.scenario.as_str()), Row::from(d))).collect();
            rows.extend(
                overview.finished().filter_map(|(id, s)| Row::summed(id, s)).map(|row| (find(row.scenario()), row)),
            );
            crate::render::status::table(&rows, now)
        }
    };
    if args.drill.is_none() {
        for damage in overview.damaged().values() {
            out.push_str(&format!("{}: refused to read the drill: {damage}\n", damage.drill));
        }
    }
    std::io::stdout().lock().write_all(out.as_bytes()).context("writing to stdout")?;
    // The damaged logs are named above; they refuse the listing (exit 3).
    if overview.damaged().is_empty() || args.drill.is_some() { Ok(()) } else { Err(CliError::shown(Kind::Refused)) }
}
