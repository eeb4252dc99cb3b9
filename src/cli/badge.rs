//! `firedrill badge`: every badge from the ledger into a folder, or one badge from its label, message and colour.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use jiff::Timestamp;

use super::lifecycle::Common;
use super::{CliError, CliResult};
use crate::render::badge::{Badge, Color};

#[derive(Debug, clap::Args)]
// One badge needs no ledger: `--control` is optional here, and checked in `run` when it is needed.
#[command(mut_arg("control", |a| a.required(false).default_value("")))]
pub struct Args {
    /// The ledger to read (for every badge); not needed with `--message`.
    #[command(flatten)]
    pub common: Common,
    /// One badge: its label (left half).
    #[arg(long, requires = "message")]
    pub label: Option<String>,
    /// One badge: its message (right half).
    #[arg(long)]
    pub message: Option<String>,
    /// One badge: its colour, a shields name (brightgreen, green, yellowgreen, yellow, orange, red, blue, grey,
    /// lightgrey) or a hex colour.
    #[arg(long, default_value = "lightgrey", requires = "message")]
    pub color: String,
    /// Where to write: a folder for every badge (`NAME.svg` and the shields endpoint `NAME.json`); for one
    /// badge, a file (`.json`: the endpoint JSON, anything else: SVG).
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// The instant "this quarter" and "days since the last drill" refer to (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<Timestamp>,
}

pub fn run(args: Args) -> CliResult {
    let mut stdout = std::io::stdout().lock();
    if let Some(message) = &args.message {
        let color = match Color::parse(&args.color) {
            Ok(c) => c,
            Err(e) => return Err(CliError::usage(format!("--color: {e}"))),
        };
        let badge = Badge::new(args.label.clone().unwrap_or_default(), message.clone(), color);
        let json = args.out.extension().is_some_and(|e| e == "json");
        let text = if json { badge.endpoint_json() } else { badge.svg() };
        std::fs::write(&args.out, text).with_context(|| format!("writing {}", args.out.display()))?;
        writeln!(stdout, "wrote {}", args.out.display()).context("writing to stdout")?;
        return Ok(());
    }
    let common = &args.common;
    if common.control.is_empty() {
        return Err(CliError::usage(
            "give --control (and --scenarios) to write every badge from the ledger, or --message (with --label \
             and --color) for one badge",
        ));
    }
    let setup = common.setup("badge", true)?;
    let drills = super::report::drills(&setup)?;
    let now = args.now.unwrap_or_else(Timestamp::now);
    let links = super::report::links(common, None);
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    for (path, content) in crate::render::ledger_artifacts(&drills, &setup.scenarios, &setup.config, now, &links) {
        let Some(name) = path.strip_prefix(&crate::render::ledger::public("badges/")) else { continue };
        let file = args.out.join(name);
        std::fs::write(&file, content).with_context(|| format!("writing {}", file.display()))?;
        writeln!(stdout, "wrote {}", file.display()).context("writing to stdout")?;
    }
    Ok(())
}
