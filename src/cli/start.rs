//! `firedrill start SCENARIO`: run a drill now, by hand (scheduled or not).

use jiff::{SignedDuration, Timestamp};

use super::Outcome;
use super::lifecycle::{Common, print_report, runtime};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario's id.
    pub scenario: String,
    /// Merge this long after opening (e.g. `30m`); default: an instant drawn in the scenario's window.
    #[arg(long, value_name = "DURATION")]
    pub merge_in: Option<crate::scenario::Duration>,
    #[command(flatten)]
    pub common: Common,
    /// The instant to start at (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<Timestamp>,
    /// Print what would be done; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let setup = args.common.setup("start", args.dry_run)?;
    let now = args.now.unwrap_or_else(Timestamp::now);
    let merge_in: Option<SignedDuration> = args.merge_in.map(|d| d.to_signed());
    let report = runtime()?.block_on(setup.runner().start(&args.scenario, now, merge_in))?;
    let dry = if args.dry_run { " (dry run: nothing is written)" } else { "" };
    print_report(&format!("firedrill start {} at {now}{dry}", args.scenario), &report)
}
