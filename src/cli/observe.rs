//! `firedrill observe --alert FILE`: hand firedrill an alert notification (an Alertmanager or Grafana webhook
//! body, a PagerDuty v3 webhook), as a relay would; it is recorded on the drill whose window and
//! `observe.alerts` it matches, then whatever else is due is done, as by `tick`.

use std::path::PathBuf;

use super::lifecycle::{Act, Common, runtime};
use super::{CliError, CliResult};
use anyhow::Context as _;

#[derive(Debug, clap::Args)]
#[command(mut_arg("now", |a| a.help("The instant to act at (RFC 3339); default: now")))]
pub struct Args {
    /// A file holding the notification's JSON body (`-`: standard input). May be given more than once.
    #[arg(long, value_name = "FILE", required = true)]
    pub alert: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub act: Act,
}

pub fn run(args: Args) -> CliResult {
    let mut alerts = Vec::new();
    let mut ignored = Vec::new();
    for path in &args.alert {
        let text = read_bounded(path)?;
        let pushed = crate::observe::push::parse_text(&text)
            .map_err(|why| CliError::invalid(format!("{}: {why}", path.display())))?;
        alerts.extend(pushed.alerts);
        ignored.extend(pushed.ignored.into_iter().map(|i| format!("{}: {i}", path.display())));
    }
    let (mut setup, now) = args.act.setup(&args.common, "observe")?;
    setup.settings.observe.pushed = alerts;
    let report = runtime()?.block_on(setup.runner().alerts(&ignored, now))?;
    args.act.print(&format!("firedrill observe at {now}"), &report)
}

/// The file's text, refused past [`crate::observe::push::MAX_BODY`] bytes without reading it all.
fn read_bounded(path: &PathBuf) -> CliResult<String> {
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
    read.map_err(|e| {
        CliError::invalid(format!("{}: the alert notification cannot be read as text ({e})", path.display()))
    })?;
    Ok(text)
}
