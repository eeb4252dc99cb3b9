//! `firedrill command VERB --drill ID --actor NAME`: the `/drill` commands, given by hand (plain git has no
//! comments; on GitHub the same verbs come from pull request comments).

use super::CliResult;
use super::lifecycle::{Act, Common, runtime};
use crate::drill::command::DrillCommand;

#[derive(Debug, clap::Args)]
#[command(mut_arg("now", |a| a.help("The instant of the command (RFC 3339); default: now").alias("at")))]
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
    #[command(flatten)]
    pub act: Act,
}

fn parse_verb(s: &str) -> Result<DrillCommand, String> {
    s.parse().map_err(|e: crate::drill::command::CommandError| e.to_string())
}

pub fn run(args: Args) -> CliResult {
    let (setup, now) = args.act.setup(&args.common, "command")?;
    let note = Some(args.note.join(" ")).filter(|n| !n.is_empty());
    let report = runtime()?.block_on(setup.runner().command(&args.drill, args.verb, note, &args.actor, now))?;
    args.act.print(&format!("firedrill command {} by {} at {now}", args.verb, args.actor), &report)
}
