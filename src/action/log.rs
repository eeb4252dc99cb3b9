//! A `tracing` layer that writes events as workflow commands, so the run's log shows errors and warnings as
//! annotations and hides debug lines unless step debugging is on.
//!
//! ERROR → `::error::`, WARN → `::warning::`, INFO → a plain line, DEBUG and TRACE → `::debug::`.

use std::fmt::Write as _;
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};

use super::workflow::escape_data;

/// Writes each event as one workflow command to the writer `W` makes.
pub struct WorkflowCommandLayer<W> {
    make_writer: W,
}

impl<W> WorkflowCommandLayer<W> {
    pub fn new(make_writer: W) -> Self {
        WorkflowCommandLayer { make_writer }
    }
}

/// The message and the other fields of an event, as `message key=value …`.
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }
}

/// One event as the line to write (with its newline).
pub fn format_event(level: Level, text: &str) -> String {
    let command = match level {
        Level::ERROR => "error",
        Level::WARN => "warning",
        Level::INFO => {
            // A plain line, but never one the runner would take for a command (a PR title could start
            // with `::`); each line of a multi-line message stays a line.
            let mut out = String::new();
            for line in text.lines() {
                if line.trim_start().starts_with("::") {
                    out.push_str(&line.replacen("::", "%3A%3A", 1));
                } else {
                    out.push_str(line);
                }
                out.push('\n');
            }
            if out.is_empty() {
                out.push('\n');
            }
            return out;
        }
        _ => "debug",
    };
    format!("::{command}::{}\n", escape_data(text))
}

impl<S, W> Layer<S> for WorkflowCommandLayer<W>
where
    S: Subscriber,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let text = format!("{}{}", fields.message, fields.rest);
        let line = format_event(*event.metadata().level(), text.trim_start());
        // A log line that cannot be written has nowhere else to go.
        let _ = self.make_writer.make_writer().write_all(line.as_bytes());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    #[test]
    fn levels_become_workflow_commands() {
        let buf = Buffer::default();
        let subscriber = tracing_subscriber::registry().with(WorkflowCommandLayer::new(buf.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!("push refused: 50%\nretry");
            tracing::warn!(drill = "redis-1", "only GITHUB_TOKEN");
            tracing::info!("opened change 3");
            tracing::info!("::add-mask::not a command");
            tracing::debug!(url = %"https://x", "fetching");
            tracing::trace!("deep");
        });
        assert_eq!(
            String::from_utf8(buf.0.lock().unwrap().clone()).unwrap(),
            "::error::push refused: 50%25%0Aretry\n\
             ::warning::only GITHUB_TOKEN drill=redis-1\n\
             opened change 3\n\
             %3A%3Aadd-mask::not a command\n\
             ::debug::fetching url=https://x\n\
             ::debug::deep\n"
        );
    }
}
