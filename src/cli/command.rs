//! `firedrill command VERB --drill ID --actor NAME`: the `/drill` commands, given by hand (plain git has no
//! comments; on GitHub the same verbs come from pull request comments).

use jiff::Timestamp;

use super::Outcome;
use super::lifecycle::{Common, print_report, runtime};
use crate::drill::command::DrillCommand;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// status, ack, found, fixed, hint, revert (give up: revert now), abort (game masters: stop the drill),
    /// reveal (game masters, after the end), help.
    #[arg(value_parser = parse_verb, value_name = "VERB")]
    pub verb: DrillCommand,
    /// A note for the timeline (`/drill found the pool size change`).
    #[arg(value_name = "NOTE", num_args = 0.., trailing_var_arg = true)]
    pub note: Vec<String>,
    /// The drill, e.g. `redis-pool-exhaustion-20261124T0900Z` (see `firedrill status`).
    #[arg(long)]
    pub drill: String,
    /// Who gives the command (recorded on the timeline; checked against `game_masters` for abort and reveal).
    #[arg(long)]
    pub actor: String,
    #[command(flatten)]
    pub common: Common,
    /// The instant of the command (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339", alias = "at")]
    pub now: Option<Timestamp>,
    /// Print what would be done; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_verb(s: &str) -> Result<DrillCommand, String> {
    s.parse().map_err(|e: crate::drill::command::CommandError| e.to_string())
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let setup = args.common.setup("command", args.dry_run)?;
    let now = args.now.unwrap_or_else(Timestamp::now);
    let runner = setup.runner();
    let note = Some(args.note.join(" ")).filter(|n| !n.is_empty());
    let report = runtime()?.block_on(runner.command(&args.drill, args.verb, note, &args.actor, now))?;
    let dry = if args.dry_run { " (dry run: nothing is written)" } else { "" };
    print_report(&format!("firedrill command {} by {} at {now}{dry}", args.verb, args.actor), &report)
}
