//! `firedrill schema`: print the JSON Schema of scenario files (or of `firedrill.yml`).

use std::io::Write;

use super::Outcome;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the schema of `firedrill.yml` instead of the scenario files' one.
    #[arg(long)]
    pub config: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let schema = if args.config { crate::scenario::config_schema() } else { crate::scenario::scenario_schema() };
    let text = serde_json::to_string_pretty(schema)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(Outcome::Ok)
}
