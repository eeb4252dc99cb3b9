//! `firedrill observe --alert FILE`: hand firedrill an alert notification (an Alertmanager or Grafana webhook
//! body, a PagerDuty v3 webhook), as a relay would; it is recorded on the drill whose window and
//! `observe.alerts` it matches, then whatever else is due is done, as by `tick`.

use std::path::PathBuf;

use anyhow::Context as _;
use jiff::Timestamp;

use super::lifecycle::{Common, print_report, runtime};
use super::{InvalidInput, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A file holding the notification's JSON body (`-`: standard input). May be given more than once.
    #[arg(long, value_name = "FILE", required = true)]
    pub alert: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
    /// The instant to act at (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<Timestamp>,
    /// Print what would be done; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut alerts = Vec::new();
    let mut ignored = Vec::new();
    for path in &args.alert {
        let text = read_bounded(path)?;
        let pushed = crate::observe::push::parse_text(&text)
            .map_err(|why| InvalidInput(format!("{}: {why}", path.display())))?;
        alerts.extend(pushed.alerts);
        ignored.extend(pushed.ignored.into_iter().map(|i| format!("{}: {i}", path.display())));
    }
    let mut setup = args.common.setup("observe", args.dry_run)?;
    setup.settings.observe.pushed = alerts;
    let now = args.now.unwrap_or_else(Timestamp::now);
    let report = runtime()?.block_on(setup.runner().alerts(&ignored, now))?;
    let dry = if args.dry_run { " (dry run: nothing is written)" } else { "" };
    print_report(&format!("firedrill observe at {now}{dry}"), &report)
}

/// The file's text, refused past [`crate::observe::push::MAX_BODY`] bytes without reading it all.
fn read_bounded(path: &PathBuf) -> anyhow::Result<String> {
    use std::io::Read as _;
    let limit = crate::observe::push::MAX_BODY as u64 + 1;
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().lock().take(limit).read_to_string(&mut text)
    } else {
        std::fs::File::open(path)
            .with_context(|| format!("reading the alert notification {}", path.display()))?
            .take(limit)
            .read_to_string(&mut text)
    };
    read.map_err(|e| InvalidInput(format!("{}: the alert notification cannot be read as text ({e})", path.display())))?;
    Ok(text)
}
