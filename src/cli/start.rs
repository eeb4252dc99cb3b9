//! `firedrill start SCENARIO`: run a drill now, by hand (scheduled or not).

use jiff::{SignedDuration, Timestamp};

use super::Outcome;
use super::lifecycle::{Common, print_report, runtime};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario: its id, or its file.
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
    // A file names its scenario by the id inside it; the drill runs the loaded (and defaulted) one.
    let id = super::lifecycle::find_scenario(&args.scenario, &args.common.scenarios)?.id;
    let report = runtime()?.block_on(setup.runner().start(id.as_str(), now, merge_in))?;
    let dry = if args.dry_run { " (dry run: nothing is written)" } else { "" };
    print_report(&format!("firedrill start {} at {now}{dry}", args.scenario), &report)
}
