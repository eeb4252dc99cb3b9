//! One problem found in a scenario or config file: where, which field, what, and how to fix it.

use std::fmt;

use super::yaml::Pos;

/// A problem in a file, pointing at the key or value it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Dotted path of the field, such as `schedule.cron` or `fault[0].path`; empty for the whole file.
    pub field: String,
    /// What was found and what was expected.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(file: impl Into<String>, pos: Pos, field: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            line: pos.line,
            column: pos.column,
            field: field.into(),
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    pub fn pos(&self) -> Pos {
        Pos { line: self.line, column: self.column }
    }

    /// The message with its field, without the location: `schedule.cron: invalid cron expression …`.
    ///
    /// Secrets are masked here, the last step before people see it: a message may quote a target file.
    pub fn headline(&self) -> String {
        let message = crate::redact::secrets(&self.message);
        if self.field.is_empty() { message } else { format!("{}: {message}", self.field) }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.headline())?;
        if let Some(h) = &self.hint {
            write!(f, "\n  = help: {h}")?;
        }
        Ok(())
    }
}

/// Sorts diagnostics by file, then position, and drops exact duplicates.
pub fn sort(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| (&a.file, a.line, a.column, &a.field).cmp(&(&b.file, b.line, b.column, &b.field)));
    diags.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_for_humans() {
        let d = Diagnostic::new("scenarios/redis.yaml", Pos { line: 12, column: 9 }, "schedule.cron", "bad: 50%\nnext")
            .hint("use five fields, e.g. \"0 10 * * 2\"");
        assert_eq!(
            d.to_string(),
            "scenarios/redis.yaml:12:9: schedule.cron: bad: 50%\nnext\n  = help: use five fields, e.g. \"0 10 * * 2\""
        );
    }
}
