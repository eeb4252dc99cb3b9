//! Command-line interface: arguments become typed requests, each command lives in its own file and returns
//! one [`CliError`] (`error.rs`) whose kind picks the exit code and whose hints `main` prints.

mod action;
mod badge;
mod command;
mod demo;
mod doctor;
mod doctor_observe;
mod error;
pub(crate) mod lifecycle;
mod observe;
mod patch;
mod preview;
mod reach;
mod report;
mod schema;
mod start;
mod stats;
mod status;
mod suggest;
mod tick;
mod validate;

use clap::{Parser, Subcommand};

pub use error::{CliError, CliResult, Kind};

/// Outage drills for GitOps teams.
#[derive(Debug, Parser)]
#[command(name = "firedrill", version, about, propagate_version = true)]
pub struct Cli {
    /// More log output (-v debug, -vv trace). Logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenario files and folders; every problem names file:line:column and a fix.
    Validate(validate::Args),
    /// Print the JSON Schema of scenario files.
    Schema(schema::Args),
    /// Apply an RFC 6902 JSON Patch to one file, preserving its formatting, and print the result.
    Patch(patch::Args),
    /// Show what a scenario would do — diff, branch, commit, pull request, times — without writing anything.
    Preview(preview::Args),
    /// Do everything that is due now: plan, open, merge, observe recovery, revert on timeout, report.
    Tick(tick::Args),
    /// Start a drill of one scenario now, by hand (scheduled or not).
    Start(start::Args),
    /// Give a drill command by hand: status, ack, found, fixed, hint, revert, abort, reveal, help.
    Command(command::Args),
    /// Hand over an alert notification (Alertmanager, Grafana, PagerDuty): recorded on the drill it belongs to.
    Observe(observe::Args),
    /// List the drills in the ledger with their state and times.
    Status(status::Args),
    /// Run a whole drill locally in a few seconds, with simulated time and no network.
    Demo(demo::Args),
    /// Check that everything is ready for the first drill: token, repositories, branches, faults, schedules.
    ///
    /// One row per check (ok, warn or FAIL), then the verdict. Exit code 0 when ready (warnings included), 2
    /// when a check failed, 1 when doctor itself could not run. A token GitHub rejects (401) is the only row.
    Doctor(doctor::Args),
    /// Run as a GitHub Action: read INPUT_*, GITHUB_* and the event payload.
    Action(action::Args),
    /// Print a drill's report from the ledger (Markdown or JSON).
    Report(report::Args),
    /// Print time-to-recovery statistics across the drills in the ledger.
    Stats(stats::Args),
    /// Write the badges (SVG and shields endpoint JSON), or one badge from a label, message and colour.
    Badge(badge::Args),
    /// Propose faults from a GitOps repository, ranked, each a ready scenario (docs/choosing-a-fault.md).
    Suggest(suggest::Args),
}

/// Runs the command; its error says what went wrong, what to do about it, and which exit code to give.
pub fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Validate(a) => validate::run(a),
        Command::Schema(a) => schema::run(a),
        Command::Patch(a) => patch::run(a),
        Command::Preview(a) => preview::run(a),
        Command::Tick(a) => tick::run(a),
        Command::Start(a) => start::run(a),
        Command::Command(a) => command::run(a),
        Command::Observe(a) => observe::run(a),
        Command::Status(a) => status::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Doctor(a) => doctor::run(a),
        Command::Action(a) => action::run(a),
        Command::Report(a) => report::run(a),
        Command::Stats(a) => stats::run(a),
        Command::Badge(a) => badge::run(a),
        Command::Suggest(a) => suggest::run(a),
    }
}

/// Logs go to stderr so that stdout stays the command's output (a patched file, a schema, a diff).
pub fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("FIREDRILL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // Under GitHub Actions, log lines are workflow commands (errors and warnings become annotations).
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        let layer = crate::action::log::WorkflowCommandLayer::new(std::io::stderr);
        let _ = tracing_subscriber::registry().with(filter).with(layer).try_init();
        return;
    }
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).without_time().try_init();
}
