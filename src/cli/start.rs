//! `firedrill start SCENARIO`: run a drill now, by hand (scheduled or not).

use jiff::SignedDuration;

use super::CliResult;
use super::lifecycle::{Act, Common, runtime};

#[derive(Debug, clap::Args)]
#[command(mut_arg("now", |a| a.help("The instant to start at (RFC 3339); default: now")))]
pub struct Args {
    /// The scenario: its id, or its file.
    pub scenario: String,
    /// Merge this long after opening (e.g. `30m`); default: an instant drawn in the scenario's window.
    #[arg(long, value_name = "DURATION")]
    pub merge_in: Option<crate::scenario::Duration>,
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub act: Act,
}

pub fn run(args: Args) -> CliResult {
    let (setup, now) = args.act.setup(&args.common, "start")?;
    let merge_in: Option<SignedDuration> = args.merge_in.map(|d| d.to_signed());
    // A file names its scenario by the id inside it; the drill runs the loaded (and defaulted) one.
    let id = super::lifecycle::find_scenario(&args.scenario, &args.common.scenarios)?.id;
    let report = runtime()?.block_on(setup.runner().start(id.as_str(), now, merge_in))?;
    args.act.print(&format!("firedrill start {} at {now}", args.scenario), &report)
}
