//! `firedrill status`: the drills in the ledger, with their state and times.

use std::io::Write;

use anyhow::Context;
use jiff::Timestamp;

use super::Outcome;
use super::lifecycle::Common;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: Common,
    /// The instant to describe running drills at (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<Timestamp>,
    /// Show one drill's timeline instead of the table.
    #[arg(long)]
    pub drill: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let setup = args.common.setup("status", true)?;
    let now = args.now.unwrap_or_else(Timestamp::now);
    let runner = setup.runner();
    let rt = super::lifecycle::runtime()?;
    let drills = rt.block_on(runner.drills())?;
    // Read once with the drills (the ledger caches it): the logs that cannot be read are named, not skipped.
    let damaged = rt.block_on(setup.ledger.read())?.damaged;
    if let Some(damage) = args.drill.as_ref().and_then(|id| damaged.get(id)) {
        return Err(crate::runner::RunError::Refused(damage.to_string()).into());
    }
    let find = |id: &crate::scenario::ScenarioId| setup.scenarios.iter().find(|s| s.id == *id);
    let out = match &args.drill {
        Some(id) => {
            let Some(d) = drills.iter().find(|d| d.id == *id) else {
                anyhow::bail!("no drill `{id}` in the ledger; `firedrill status` lists them");
            };
            crate::render::status::timeline(find(&d.scenario), d)
        }
        None => {
            let rows: Vec<_> = drills.iter().map(|d| (find(&d.scenario), d)).collect();
            crate::render::status::table(&rows, now)
        }
    };
    let mut out = out;
    if args.drill.is_none() {
        for damage in damaged.values() {
            out.push_str(&format!("{}: refused to read the drill: {damage}\n", damage.drill));
        }
    }
    std::io::stdout().lock().write_all(out.as_bytes()).context("writing to stdout")?;
    Ok(if damaged.is_empty() || args.drill.is_some() { Outcome::Ok } else { Outcome::Refused })
}
