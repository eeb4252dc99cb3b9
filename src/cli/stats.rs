//! `firedrill stats`: time-to-recovery statistics across the drills in the ledger.

use std::io::Write;

use anyhow::Context;
use jiff::Timestamp;

use super::CliResult;
use super::lifecycle::Common;
use crate::metrics::Stats;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: Common,
    /// md or json (the `stats.json` written to the ledger).
    #[arg(long, default_value = "md", value_parser = ["md", "json"])]
    pub format: String,
    /// The instant "this quarter" and "days since the last drill" refer to (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<Timestamp>,
}

pub fn run(args: Args) -> CliResult {
    let setup = args.common.setup("stats", true)?;
    let drills = super::report::drills(&setup)?;
    let now = args.now.unwrap_or_else(Timestamp::now);
    let config = &setup.config;
    let stats = Stats::new(&drills, config.stats.last as usize, config.baseline_mttr.map(|d| d.to_signed()), now);
    let out = match args.format.as_str() {
        "json" => crate::render::stats::json(&stats),
        _ => crate::render::stats::markdown(&stats),
    };
    std::io::stdout().lock().write_all(out.as_bytes()).context("writing to stdout")?;
    Ok(())
}
