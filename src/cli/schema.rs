//! `firedrill schema`: print the JSON Schema of scenario files (or of `firedrill.yml`).

use std::io::Write;

use super::CliResult;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the schema of `firedrill.yml` instead of the scenario files' one.
    #[arg(long)]
    pub config: bool,
}

pub fn run(args: Args) -> CliResult {
    let schema = if args.config { crate::scenario::config_schema() } else { crate::scenario::scenario_schema() };
    let text = serde_json::to_string_pretty(schema).map_err(anyhow::Error::from)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}
