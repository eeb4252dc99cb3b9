//! `firedrill preview SCENARIO --repo PATH`: the exact diff, branch, commit, pull request and times of the
//! next drill, without writing anything.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use jiff::Timestamp;

use super::Outcome;
use crate::drill::prepare::{self, PrepareError};
use crate::render;
use crate::repo::Source;
use crate::scenario;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Where the target files are: a git repository (read at the target branch) or a plain folder.
    #[arg(long, value_name = "PATH")]
    pub repo: PathBuf,
    /// The instant to plan from (RFC 3339, e.g. 2026-11-24T08:00:00Z); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<Timestamp>,
}

#[allow(clippy::print_stderr)]
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let shown = args.scenario.display().to_string();
    let text = match std::fs::read_to_string(&args.scenario) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {shown}: {e}");
            return Ok(Outcome::Usage);
        }
    };
    let mut scenario = match scenario::load(&args.scenario, &text) {
        Ok(s) => s,
        Err(diagnostics) => {
            for d in &diagnostics {
                eprintln!("error: {d}");
            }
            eprintln!("{shown} is not a valid scenario: run `firedrill validate {shown}` after fixing it");
            return Ok(Outcome::Invalid);
        }
    };
    if let Some(config) = load_config(&args.scenario)? {
        scenario.apply_defaults(&config.defaults);
    }
    let source = match Source::open(&args.repo) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: --repo: {e}");
            return Ok(Outcome::Usage);
        }
    };
    let branch = scenario.target.branch.as_str().to_owned();
    let now = args.now.unwrap_or_else(Timestamp::now);
    let draft = prepare::draft(&scenario, now, |path| {
        source.read(&branch, path).map_err(|e| (e.to_string(), e.hint().map(str::to_owned)))
    });
    let draft = match draft {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {shown}: {}", describe(&e));
            return Ok(Outcome::Invalid);
        }
    };
    let out = render::preview::render(&scenario, &draft, &source.describe());
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes()).context("writing to stdout")?;
    Ok(Outcome::Ok)
}

fn describe(e: &PrepareError) -> String {
    match e {
        PrepareError::Read { hint: Some(h), .. } => format!("{e}\n  hint: {h}"),
        PrepareError::Patch { path, what, error } => {
            format!("the {what} does not apply:\n  {}", render::patch_error(path, error).replace('\n', "\n  "))
        }
        other => other.to_string(),
    }
}

/// `firedrill.yml` next to the scenarios folder (the repository root), when there is one.
fn load_config(scenario_path: &std::path::Path) -> anyhow::Result<Option<scenario::Config>> {
    let dir = scenario_path.parent().unwrap_or(std::path::Path::new("."));
    for candidate in [dir.join(scenario::CONFIG_FILE), dir.join("..").join(scenario::CONFIG_FILE)] {
        if candidate.is_file() {
            let text =
                std::fs::read_to_string(&candidate).with_context(|| format!("reading {}", candidate.display()))?;
            return match scenario::load_config(&candidate, &text) {
                Ok(c) => Ok(Some(c)),
                Err(d) => anyhow::bail!(
                    "{} is invalid:\n{}",
                    candidate.display(),
                    d.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
                ),
            };
        }
    }
    Ok(None)
}
