//! Drill commands: the typed verbs responders and game masters give, parsed from comment text or the CLI. Pure.
//!
//! A command is a line `/drill VERB [ARGS]` of its own anywhere in a comment. Lines inside fenced or indented
//! code blocks and block quotes are not commands (quoting someone's `/drill abort` must not abort again). The
//! comment body is data: it is only ever matched against the verbs below.

use std::fmt;
use std::str::FromStr;

/// What a command asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DrillCommand {
    /// State, elapsed time and the hints released so far (never the answer).
    Status,
    /// The responders noticed the incident (detect).
    Ack,
    /// The suspicious change is identified (identify).
    Found,
    /// A fix is ready (fix).
    Fixed,
    /// Release the next hint now.
    Hint,
    /// Give up: firedrill reverts the fault now. Recorded as gave up, never as a recovery.
    Revert,
    /// Game masters only: revert now and mark the drill aborted (a real incident came up).
    Abort,
    /// Game masters only, after the end: show the scenario and the fault.
    Reveal,
    /// The list of commands.
    Help,
}

impl DrillCommand {
    /// Every command, in the order `help` lists them.
    pub const ALL: [DrillCommand; 9] = [
        DrillCommand::Status,
        DrillCommand::Ack,
        DrillCommand::Found,
        DrillCommand::Fixed,
        DrillCommand::Hint,
        DrillCommand::Revert,
        DrillCommand::Abort,
        DrillCommand::Reveal,
        DrillCommand::Help,
    ];

    /// The verb as written after `/drill`.
    pub fn verb(self) -> &'static str {
        match self {
            DrillCommand::Status => "status",
            DrillCommand::Ack => "ack",
            DrillCommand::Found => "found",
            DrillCommand::Fixed => "fixed",
            DrillCommand::Hint => "hint",
            DrillCommand::Revert => "revert",
            DrillCommand::Abort => "abort",
            DrillCommand::Reveal => "reveal",
            DrillCommand::Help => "help",
        }
    }

    /// One line for `help`.
    pub fn summary(self) -> &'static str {
        match self {
            DrillCommand::Status => "where the drill stands, how long it has run, the hints released so far",
            DrillCommand::Ack => "we noticed the incident (stamps the detect time)",
            DrillCommand::Found => "we found the change that caused it (stamps the identify time)",
            DrillCommand::Fixed => "a fix is ready (stamps the fix time)",
            DrillCommand::Hint => "release the next hint now",
            DrillCommand::Revert => "give up: firedrill reverts the fault now (recorded as gave up)",
            DrillCommand::Abort => "game masters: revert now and stop the drill (a real incident came up)",
            DrillCommand::Reveal => "game masters, after the end: show what was broken",
            DrillCommand::Help => "this list",
        }
    }

    /// Whether only the configured game masters may give it.
    pub fn game_masters_only(self) -> bool {
        matches!(self, DrillCommand::Abort | DrillCommand::Reveal)
    }

    /// Whether it only stamps the timeline (a phase), changing nothing on the target.
    pub fn is_phase_stamp(self) -> bool {
        matches!(self, DrillCommand::Ack | DrillCommand::Found | DrillCommand::Fixed)
    }
}

impl fmt::Display for DrillCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verb())
    }
}

/// The command an event records (`"name":"ack"` in the log): a verb this firedrill knows, or a word it does not
/// (written by another version, or by hand), kept as written so the log reads and writes back unchanged; such a
/// word stamps and stops nothing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "String", into = "String")]
pub enum CommandName {
    Known(DrillCommand),
    Other(String),
}

impl CommandName {
    /// The command, when this firedrill knows the word.
    pub fn command(&self) -> Option<DrillCommand> {
        match self {
            CommandName::Known(c) => Some(*c),
            CommandName::Other(_) => None,
        }
    }

    /// The word as the log holds it.
    pub fn as_str(&self) -> &str {
        match self {
            CommandName::Known(c) => c.verb(),
            CommandName::Other(word) => word,
        }
    }
}

impl From<DrillCommand> for CommandName {
    fn from(c: DrillCommand) -> CommandName {
        CommandName::Known(c)
    }
}

/// A word of the log: a verb only when written exactly as firedrill writes it (`ACK` stays a word of its own, so
/// it is written back as it was read).
impl From<String> for CommandName {
    fn from(word: String) -> CommandName {
        match DrillCommand::ALL.into_iter().find(|c| c.verb() == word) {
            Some(c) => CommandName::Known(c),
            None => CommandName::Other(word),
        }
    }
}

impl From<CommandName> for String {
    fn from(name: CommandName) -> String {
        match name {
            CommandName::Known(c) => c.verb().to_owned(),
            CommandName::Other(word) => word,
        }
    }
}

impl PartialEq<DrillCommand> for CommandName {
    fn eq(&self, other: &DrillCommand) -> bool {
        *self == CommandName::Known(*other)
    }
}

impl fmt::Display for CommandName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a `/drill` line is not a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("`/drill` needs a command: {}", known())]
    Missing,
    #[error("unknown command `{verb}`{}: {}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), known())]
    Unknown { verb: String, suggestion: Option<&'static str> },
}

fn known() -> String {
    let verbs: Vec<&str> = DrillCommand::ALL.iter().map(|c| c.verb()).collect();
    format!("one of {}", verbs.join(", "))
}

impl FromStr for DrillCommand {
    type Err = CommandError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let verb = s.trim();
        if verb.is_empty() {
            return Err(CommandError::Missing);
        }
        let lower = verb.to_ascii_lowercase();
        DrillCommand::ALL.into_iter().find(|c| c.verb() == lower).ok_or_else(|| CommandError::Unknown {
            // A verb is short and never secret, but a comment's first word may be anything: keep it short, and
            // only the characters a verb could have (it is quoted in answers, logs and Markdown).
            verb: verb.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).take(40).collect(),
            suggestion: crate::suggest::did_you_mean(&lower, DrillCommand::ALL.iter().map(|c| c.verb())),
        })
    }
}

/// One `/drill` line of a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCommand {
    pub command: DrillCommand,
    /// The rest of the line, trimmed (a note for the timeline), at most [`MAX_ARGS`] characters.
    pub args: Option<String>,
}

/// Longest note kept from a command line.
pub const MAX_ARGS: usize = 200;

/// The `/drill` lines of a comment, in order; lines inside code blocks and quotes are ignored.
pub fn parse_comment(body: &str) -> Vec<Result<ParsedCommand, CommandError>> {
    let mut out = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    for line in body.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        // Fenced code blocks: ``` or ~~~ (three or more), closed by the same character, at least as long.
        let run = |c: char| trimmed.chars().take_while(|&x| x == c).count();
        if let Some((c, n)) = fence {
            if run(c) >= n && trimmed.trim_start_matches(c).trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if indent < 4 {
            for c in ['`', '~'] {
                if run(c) >= 3 {
                    fence = Some((c, run(c)));
                }
            }
            if fence.is_some() {
                continue;
            }
        }
        // Indented code and quotes are someone showing a command, not giving it.
        if indent >= 4 || line.starts_with('\t') || trimmed.starts_with('>') {
            continue;
        }
        let Some(rest) = trimmed.strip_prefix("/drill") else { continue };
        if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
            continue; // `/drilling`
        }
        let rest = rest.trim();
        let (verb, args) = match rest.split_once(char::is_whitespace) {
            Some((v, a)) => (v, Some(a.trim())),
            None => (rest, None),
        };
        out.push(verb.parse::<DrillCommand>().map(|command| ParsedCommand {
            command,
            args: args.filter(|a| !a.is_empty()).map(|a| a.chars().take(MAX_ARGS).collect()),
        }));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn verbs(body: &str) -> Vec<Result<DrillCommand, CommandError>> {
        parse_comment(body).into_iter().map(|r| r.map(|p| p.command)).collect()
    }

    #[test]
    fn every_verb_parses_and_prints_back() {
        for c in DrillCommand::ALL {
            assert_eq!(c.verb().parse::<DrillCommand>().unwrap(), c);
            assert_eq!(verbs(&format!("/drill {c}")), vec![Ok(c)]);
        }
        assert_eq!("ABORT".parse::<DrillCommand>().unwrap(), DrillCommand::Abort);
    }

    #[test]
    fn recorded_names_read_as_verbs_and_unknown_words_stay_as_written() {
        for c in DrillCommand::ALL {
            let name = CommandName::from(c.verb().to_owned());
            assert_eq!((name.command(), name.to_string()), (Some(c), c.verb().to_owned()));
            assert_eq!(name, c);
        }
        for word in ["page", "ACK", ""] {
            let name = CommandName::from(word.to_owned());
            assert_eq!(name, CommandName::Other(word.to_owned()));
            assert_eq!((name.command(), String::from(name)), (None, word.to_owned()));
        }
        assert_eq!(serde_json::to_string(&CommandName::from(DrillCommand::Ack)).unwrap(), "\"ack\"");
        assert_eq!(serde_json::from_str::<CommandName>("\"page\"").unwrap(), CommandName::Other("page".into()));
    }

    #[test]
    fn commands_anywhere_on_their_own_line_in_order() {
        let body = "Looks like redis is down.\n/drill ack\n\nthen later\n  /drill found the pool size change\n";
        let parsed = parse_comment(body);
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0], Ok(ParsedCommand { command: DrillCommand::Ack, args: None }));
        assert_eq!(
            parsed[1],
            Ok(ParsedCommand { command: DrillCommand::Found, args: Some("the pool size change".into()) })
        );
    }

    #[test]
    fn quotes_code_blocks_and_inline_mentions_are_not_commands() {
        let body = "> /drill abort\n```\n/drill revert\n```\n~~~~\n/drill revert\n~~~~\n    /drill abort\n\
                    type `/drill status` to see\n/drilling is fun\n";
        assert_eq!(verbs(body), vec![]);
        // A fence that never closes hides the rest of the comment.
        assert_eq!(verbs("```\n/drill abort"), vec![]);
    }

    #[test]
    fn unknown_verbs_get_a_did_you_mean() {
        assert_eq!(
            verbs("/drill revret"),
            vec![Err(CommandError::Unknown { verb: "revret".into(), suggestion: Some("revert") })]
        );
        let e = "/drill statsu".parse::<DrillCommand>();
        assert!(e.is_err());
        let text = "statsu".parse::<DrillCommand>().unwrap_err().to_string();
        assert_eq!(
            text,
            "unknown command `statsu` (did you mean `status`?): one of status, ack, found, fixed, hint, revert, \
             abort, reveal, help"
        );
        assert_eq!(verbs("/drill"), vec![Err(CommandError::Missing)]);
        let long = format!("/drill {}", "x".repeat(5000));
        let Err(CommandError::Unknown { verb, .. }) = &verbs(&long)[0] else { panic!() };
        assert_eq!(verb.len(), 40);
    }

    #[test]
    fn hostile_bodies_are_plain_data() {
        let body = "/drill status ::set-output name=x::y\n%0A::error::boom\n/drill $(rm -rf /)\n";
        let parsed = parse_comment(body);
        assert_eq!(parsed[0].as_ref().unwrap().args.as_deref(), Some("::set-output name=x::y"));
        assert!(parsed[1].is_err());
        let huge = format!("/drill ack {}\n", "a".repeat(1 << 20));
        assert_eq!(parse_comment(&huge)[0].as_ref().unwrap().args.as_ref().unwrap().len(), MAX_ARGS);
    }
}
