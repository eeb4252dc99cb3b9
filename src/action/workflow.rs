//! Workflow commands (`::error file=…,line=…::message`, `::add-mask::…`, groups) with GitHub's escaping.
//!
//! See <https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions>. The runner
//! reads one command per line, so a message's line breaks and `%` are escaped; property values also escape
//! `:` and `,`, which separate the properties.

use std::fmt::Write as _;
use std::io;

use crate::scenario::Diagnostic;

/// Escapes the message (data) of a workflow command: `%`, CR and LF.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value of a workflow command (`file=…`, `title=…`): the data escapes, then `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// How an annotation shows in the run's log and on the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
    Debug,
}

impl Level {
    pub fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
            Level::Debug => "debug",
        }
    }
}

/// One message for the run's log, optionally pinned to a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub level: Level,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub title: Option<String>,
    pub message: String,
}

impl Annotation {
    pub fn new(level: Level, message: impl Into<String>) -> Annotation {
        Annotation { level, file: None, line: None, col: None, title: None, message: message.into() }
    }

    /// Pins the annotation to `file` at `line`:`col` (1-based).
    pub fn at(mut self, file: impl Into<String>, line: usize, col: usize) -> Annotation {
        self.file = Some(file.into());
        self.line = Some(line);
        self.col = Some(col);
        self
    }

    pub fn title(mut self, title: impl Into<String>) -> Annotation {
        self.title = Some(title.into());
        self
    }

    /// The command line, without the trailing newline.
    pub fn to_command(&self) -> String {
        let mut props = Vec::new();
        if let Some(f) = &self.file {
            props.push(format!("file={}", escape_property(f)));
        }
        if let Some(l) = self.line {
            props.push(format!("line={l}"));
        }
        if let Some(c) = self.col {
            props.push(format!("col={c}"));
        }
        // `::debug::` takes no properties.
        if let Some(t) = &self.title
            && self.level != Level::Debug
        {
            props.push(format!("title={}", escape_property(t)));
        }
        let mut out = format!("::{}", self.level.command());
        if !props.is_empty() && self.level != Level::Debug {
            let _ = write!(out, " {}", props.join(","));
        }
        let _ = write!(out, "::{}", escape_data(&self.message));
        out
    }

    pub fn write(&self, out: &mut dyn io::Write) -> io::Result<()> {
        writeln!(out, "{}", self.to_command())
    }
}

/// A problem found in a file as a GitHub annotation of `level` on it (`::error file=…,line=…,col=…::…`): the
/// headline, then its hint as a `help:` line.
pub fn diagnostic(d: &Diagnostic, level: Level) -> String {
    let mut message = d.headline();
    if let Some(h) = &d.hint {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    Annotation::new(level, message).at(&d.file, d.line, d.column).title("firedrill validate").to_command()
}

/// `::add-mask::` for a secret, so the runner replaces it by `***` wherever it would appear in the log. Each
/// line of a multi-line secret is masked on its own (the runner matches masks line by line).
pub fn add_mask(out: &mut dyn io::Write, secret: &str) -> io::Result<()> {
    for line in secret.lines().map(str::trim).filter(|l| !l.is_empty()) {
        writeln!(out, "::add-mask::{}", escape_data(line))?;
    }
    Ok(())
}

/// Opens a collapsible group in the log; close it with [`endgroup`].
pub fn group(out: &mut dyn io::Write, title: &str) -> io::Result<()> {
    writeln!(out, "::group::{}", escape_data(title))
}

pub fn endgroup(out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(out, "::endgroup::")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks_only() {
        assert_eq!(escape_data("50% a:b,c\r\nnext"), "50%25 a:b,c%0D%0Anext");
        // `%` first, so an already escaped-looking text round-trips.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
    }

    #[test]
    fn annotations_with_and_without_a_place() {
        let a = Annotation::new(Level::Error, "bad\nvalue").at("scenarios/a,b.yaml", 3, 7).title("firedrill: x");
        assert_eq!(a.to_command(), "::error file=scenarios/a%2Cb.yaml,line=3,col=7,title=firedrill%3A x::bad%0Avalue");
        assert_eq!(Annotation::new(Level::Warning, "w").to_command(), "::warning::w");
        assert_eq!(Annotation::new(Level::Notice, "n").title("t").to_command(), "::notice title=t::n");
        assert_eq!(Annotation::new(Level::Debug, "d").title("ignored").to_command(), "::debug::d");
    }

    #[test]
    fn a_diagnostic_is_an_annotation_on_its_file() {
        use crate::scenario::yaml::Pos;
        let d = Diagnostic::new("scenarios/redis.yaml", Pos { line: 12, column: 9 }, "schedule.cron", "bad: 50%\nnext")
            .hint("use five fields, e.g. \"0 10 * * 2\"");
        assert_eq!(
            diagnostic(&d, Level::Error),
            "::error file=scenarios/redis.yaml,line=12,col=9,title=firedrill validate::schedule.cron: bad: 50%25%0Anext%0Ahelp: use five fields, e.g. \"0 10 * * 2\""
        );
        let odd = Diagnostic::new("a,b:c.yaml", Pos::START, "", "x");
        assert!(diagnostic(&odd, Level::Error).starts_with("::error file=a%2Cb%3Ac.yaml,line=1,col=1,"));
        assert!(diagnostic(&odd, Level::Notice).starts_with("::notice file="));
    }

    #[test]
    fn masks_and_groups() {
        let mut out = Vec::new();
        add_mask(&mut out, "ghp_abc").unwrap();
        add_mask(&mut out, "line1\nline2\n").unwrap();
        add_mask(&mut out, "").unwrap();
        group(&mut out, "Step 1: plan").unwrap();
        endgroup(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::add-mask::ghp_abc\n::add-mask::line1\n::add-mask::line2\n::group::Step 1: plan\n::endgroup::\n"
        );
    }
}
