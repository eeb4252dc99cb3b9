//! `firedrill tick`: do everything that is due now (plan, open, merge, observe, revert on timeout, report).

use super::CliResult;
use super::lifecycle::{Act, Common, runtime};

#[derive(Debug, clap::Args)]
#[command(mut_arg("now", |a| a.help(
    "The instant to act at (RFC 3339); default: now. Schedules, merges and timeouts are judged against it"
)))]
pub struct Args {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub act: Act,
}

pub fn run(args: Args) -> CliResult {
    let (setup, now) = args.act.setup(&args.common, "tick")?;
    let report = runtime()?.block_on(setup.runner().tick(now))?;
    args.act.print(&format!("firedrill tick at {now}"), &report)
}
