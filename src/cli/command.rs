//! `firedrill command revert|abort|status --drill ID --actor NAME`: drive a drill by hand.

use jiff::Timestamp;

use super::Outcome;
use super::lifecycle::{Common, print_report, runtime};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// `revert` (give up: revert the fault now), `abort` (stop the drill), `status`.
    #[arg(value_parser = ["revert", "abort", "status"])]
    pub name: String,
    /// The drill, e.g. `redis-pool-exhaustion-20261124T0900Z` (see `firedrill status`).
    #[arg(long)]
    pub drill: String,
    /// Who gives the command (recorded on the timeline).
    #[arg(long)]
    pub actor: String,
    #[command(flatten)]
    pub common: Common,
    /// The instant of the command (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<Timestamp>,
    /// Print what would be done; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let setup = args.common.setup("command", args.dry_run)?;
    let now = args.now.unwrap_or_else(Timestamp::now);
    let runner = setup.runner();
    let report = runtime()?.block_on(runner.command(&args.drill, &args.name, &args.actor, now))?;
    let title = format!("firedrill command {} by {} at {now}", args.name, args.actor);
    print_report(&title, &report)?;
    Ok(Outcome::Ok)
}
