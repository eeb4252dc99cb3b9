//! `firedrill tick`: do everything that is due now (plan, open, merge, observe, revert on timeout, report).

use jiff::Timestamp;

use super::Outcome;
use super::lifecycle::{Common, print_report, runtime};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: Common,
    /// The instant to act at (RFC 3339); default: now. Schedules, merges and timeouts are judged against it.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<Timestamp>,
    /// Print what would be done; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let setup = args.common.setup("tick", args.dry_run)?;
    let now = args.now.unwrap_or_else(Timestamp::now);
    let runner = setup.runner();
    let report = runtime()?.block_on(runner.tick(now))?;
    let title = format!("firedrill tick at {now}{}", if args.dry_run { " (dry run: nothing is written)" } else { "" });
    print_report(&title, &report)
}
