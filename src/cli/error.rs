//! One error for every command, in the shape of jj's `CommandError`: its kind picks the exit code, its source
//! says what went wrong, its hints say what to do about it. Each error type a command meets converts into it
//! once (`From`), setting the kind and carrying the hints that type knows; `main` prints `error: …` and then one
//! `hint: …` line a hint, and exits with the kind's code.
//!
//! Hints come from the typed errors ([`GitError::hint`], [`ForgeError::hint`]): fixed sentences or names from
//! the scenario, never a token (every message of those errors is scrubbed where it is made).

use std::io::{self, Write};

use crate::forge::ForgeError;
use crate::git::GitError;
use crate::ledger::LedgerError;
use crate::runner::RunError;

/// What went wrong, as far as the exit code is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Something failed (I/O, the forge, the ledger): exit code 1.
    Failure,
    /// The input was invalid (a scenario, `firedrill.yml`, a drill or scenario that is not there): exit code 2.
    Invalid,
    /// The command was used wrongly (clap's own usage errors exit 2 too): exit code 2.
    Usage,
    /// A safety rule refused something, or a drill was abandoned: exit code 3.
    Refused,
}

impl Kind {
    /// The process exit code of this kind (0 is success, which is no error).
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Failure => 1,
            Kind::Invalid | Kind::Usage => 2,
            Kind::Refused => 3,
        }
    }
}

/// A command's error: its kind, what went wrong, and what to do about it.
#[derive(Debug)]
pub struct CliError {
    pub kind: Kind,
    pub source: anyhow::Error,
    pub hints: Vec<String>,
}

/// What every command returns.
pub type CliResult<T = ()> = Result<T, CliError>;

/// The source of an error the command has already shown in its own output (the problems `validate` lists, a
/// readiness table with a failed row, a run's report with a refusal): only the exit code is left to give.
#[derive(Debug, thiserror::Error)]
#[error("the command has said why")]
struct Shown;

impl CliError {
    pub fn new(kind: Kind, source: impl Into<anyhow::Error>) -> CliError {
        CliError { kind, source: source.into(), hints: Vec::new() }
    }

    /// An error whose text is `message`.
    pub fn message(kind: Kind, message: impl std::fmt::Display) -> CliError {
        CliError::new(kind, anyhow::Error::msg(message.to_string()))
    }

    /// Invalid input found before anything was done: exit code 2.
    pub fn invalid(message: impl std::fmt::Display) -> CliError {
        CliError::message(Kind::Invalid, message)
    }

    /// The command used wrongly: exit code 2.
    pub fn usage(message: impl std::fmt::Display) -> CliError {
        CliError::message(Kind::Usage, message)
    }

    /// A failure with only a message: exit code 1.
    pub fn failure(message: impl std::fmt::Display) -> CliError {
        CliError::message(Kind::Failure, message)
    }

    /// The command has already shown why in its output; only the exit code of `kind` is left.
    pub fn shown(kind: Kind) -> CliError {
        CliError::new(kind, Shown)
    }

    /// Whether the command has already shown this error.
    pub fn is_shown(&self) -> bool {
        self.source.is::<Shown>()
    }

    /// The error with `hint` added (nothing for `None`).
    pub fn hinted(mut self, hint: Option<impl Into<String>>) -> CliError {
        self.hints.extend(hint.map(Into::into));
        self
    }

    /// `error: …` (the source and its causes, as `{:#}` shows them; nothing when already shown), then one
    /// `hint: …` line a hint.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        if !self.is_shown() {
            writeln!(out, "error: {:#}", self.source)?;
        }
        for hint in &self.hints {
            writeln!(out, "hint: {hint}")?;
        }
        Ok(())
    }

    /// The message and its hints as one text, for an annotation: the hints on lines of their own.
    pub fn annotation(&self) -> String {
        let mut text = format!("{:#}", self.source);
        for hint in &self.hints {
            text.push_str(&format!("\nhint: {hint}"));
        }
        text
    }
}

/// An error of anything else (I/O with its context, a runtime that did not start): a failure, without hints.
impl From<anyhow::Error> for CliError {
    fn from(source: anyhow::Error) -> CliError {
        CliError::new(Kind::Failure, source)
    }
}

impl From<io::Error> for CliError {
    fn from(source: io::Error) -> CliError {
        CliError::new(Kind::Failure, source)
    }
}

impl From<GitError> for CliError {
    fn from(e: GitError) -> CliError {
        let hint = e.hint();
        CliError::new(Kind::Failure, e).hinted(hint)
    }
}

impl From<ForgeError> for CliError {
    fn from(e: ForgeError) -> CliError {
        let hint = e.hint().map(str::to_owned);
        CliError::new(Kind::Failure, e).hinted(hint)
    }
}

/// The hint of a ledger error: the git or forge error beneath it knows one.
fn ledger_hint(e: &LedgerError) -> Option<String> {
    match e {
        LedgerError::Git(g) => g.hint().map(str::to_owned),
        LedgerError::Forge(f) => f.hint().map(str::to_owned),
        LedgerError::Damaged(_) | LedgerError::Contended => None,
    }
}

impl From<LedgerError> for CliError {
    fn from(e: LedgerError) -> CliError {
        let hint = ledger_hint(&e);
        CliError::new(Kind::Failure, e).hinted(hint)
    }
}

/// The runner names the kind itself: a request for something that is not there is invalid input, a safety
/// rule's refusal is refused; the forge's and the ledger's errors bring their hints.
impl From<RunError> for CliError {
    fn from(e: RunError) -> CliError {
        let (kind, hint) = match &e {
            RunError::Invalid(_) => (Kind::Invalid, None),
            RunError::Refused(_) => (Kind::Refused, None),
            RunError::Forge { error, .. } => (Kind::Failure, error.hint().map(str::to_owned)),
            RunError::Ledger(l) => (Kind::Failure, ledger_hint(l)),
            RunError::NoForge(_) => (Kind::Failure, None),
        };
        CliError::new(kind, e).hinted(hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(e: &CliError) -> String {
        let mut out = Vec::new();
        e.write(&mut out).expect("writing to a Vec");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn the_kind_picks_the_exit_code() {
        let codes: Vec<u8> =
            [Kind::Failure, Kind::Invalid, Kind::Usage, Kind::Refused].iter().map(|k| k.exit_code()).collect();
        assert_eq!(codes, [1, 2, 2, 3]);
        assert_eq!(CliError::from(RunError::Invalid("no drill `x`".into())).kind, Kind::Invalid);
        assert_eq!(CliError::from(RunError::Refused("over".into())).kind, Kind::Refused);
        assert_eq!(CliError::from(anyhow::anyhow!("disk full")).kind, Kind::Failure);
    }

    #[test]
    fn the_error_then_each_hint_on_its_own_line() {
        let git = GitError::AuthFailed { url: "http://h/r.git".into(), token_given: true };
        let e = CliError::from(RunError::Ledger(LedgerError::Git(git)));
        assert_eq!(e.kind, Kind::Failure);
        assert_eq!(
            written(&e),
            "error: authentication to http://h/r.git failed: the server refused the token\n\
             hint: check that the token is valid, not expired, and has access to this repository\n"
        );
        let forge = ForgeError::NoBranch { repo: "acme/shop".into(), branch: "main".into() };
        let e = CliError::from(RunError::Forge { target: "acme/shop".into(), error: forge });
        assert_eq!(
            written(&e),
            "error: acme/shop: branch `main` does not exist in acme/shop\nhint: check `target.branch` in the scenario\n"
        );
        assert_eq!(
            e.annotation(),
            "acme/shop: branch `main` does not exist in acme/shop\nhint: check `target.branch` in the scenario"
        );
    }

    #[test]
    fn an_error_already_shown_prints_nothing_but_keeps_its_code() {
        let e = CliError::shown(Kind::Refused);
        assert!(e.is_shown());
        assert_eq!(written(&e), "");
        assert_eq!(e.kind.exit_code(), 3);
        // Context around an error is printed as anyhow prints a chain.
        let e = CliError::from(anyhow::Error::from(io::Error::other("no space")).context("writing report.md"));
        assert_eq!(written(&e), "error: writing report.md: no space\n");
    }
}
