//! The disguise: how a drill's branch, commit, pull request and author look, so it reads as routine work (pure).
//!
//! A scenario may spell out any of the texts as templates ([`template`]); whatever it leaves out is picked
//! from built-in wordings ([`pool`]) with the seeded PRNG of [`crate::schedule::seed`], one independent
//! stream per field, so a re-run of the same drill produces byte-identical texts and different drills vary.
//! Commit messages and pull request bodies come from the pool of the fault's [`ChangeKind`] (a port change
//! reads like a port change), found from its pointers and values.
//! Authors are never invented: without an explicit author, the commit is made as whoever owns the token.

pub mod kind;
pub mod pool;
pub mod refname;
mod select;
pub mod style;
pub mod template;
#[cfg(test)]
mod tests;

use std::fmt;

use serde_json::Value;

use crate::schedule::seed::SeededRng;
use crate::schedule::{DrillId, Plan};

pub use kind::ChangeKind;
pub use refname::{MAX_BRANCH_LEN, check_branch_name, sanitize_branch};
pub use template::{KNOWN_VARIABLES, TemplateError, TemplatePos, Vars, check_template, render};

/// Words that would tell responders the change is staged. Pool wordings never contain them (checked by
/// tests); [`ResolvedDisguise::giveaways`] finds them in what a scenario's own templates or keys produce.
pub const GIVEAWAY_WORDS: [&str; 10] =
    ["firedrill", "drill", "fault", "outage", "test", "chaos", "incident", "inject", "sabotage", "game day"];

/// The giveaway words contained in `text`, case-insensitively and also inside longer words (`default`
/// contains `fault`): a reader notices those too.
pub fn giveaway_words(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    GIVEAWAY_WORDS.into_iter().filter(|word| lower.contains(word)).collect()
}

/// A commit author given in the scenario; both parts are templates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorSpec {
    /// The author's name, e.g. `Dana Example`.
    pub name: String,
    /// The author's email.
    pub email: String,
}

/// The scenario's `disguise` section: every field optional, every text a template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DisguiseSpec {
    /// Branch name template.
    pub branch: Option<String>,
    /// Commit message template.
    pub commit_message: Option<String>,
    /// Pull request title template.
    pub pr_title: Option<String>,
    /// Pull request body template.
    pub pr_body: Option<String>,
    /// Commit author; the token's owner when absent.
    pub author: Option<AuthorSpec>,
}

/// Which part of a disguise something is about, named as in the scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisguiseField {
    /// `branch`
    Branch,
    /// `commit_message`
    CommitMessage,
    /// `pr_title`
    PrTitle,
    /// `pr_body`
    PrBody,
    /// `author.name`
    AuthorName,
    /// `author.email`
    AuthorEmail,
}

impl DisguiseField {
    /// The field's key in the scenario's `disguise` section.
    pub fn key(self) -> &'static str {
        match self {
            DisguiseField::Branch => "branch",
            DisguiseField::CommitMessage => "commit_message",
            DisguiseField::PrTitle => "pr_title",
            DisguiseField::PrBody => "pr_body",
            DisguiseField::AuthorName => "author.name",
            DisguiseField::AuthorEmail => "author.email",
        }
    }
}

impl fmt::Display for DisguiseField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "disguise.{}", self.key())
    }
}

/// What is wrong with a disguise.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DisguiseError {
    /// A template does not parse or names an unknown variable.
    #[error("{field}: {source}")]
    Template {
        /// Which field.
        field: DisguiseField,
        /// What is wrong with its template.
        source: TemplateError,
    },
    /// A field renders to nothing but whitespace.
    #[error("{field} renders to an empty text; write some text or remove the field to use a built-in wording")]
    Empty {
        /// Which field.
        field: DisguiseField,
    },
    /// The author cannot be written into a commit.
    #[error("{field}: {reason}")]
    InvalidAuthor {
        /// `author.name` or `author.email`.
        field: DisguiseField,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Who the drill's commit is made as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Author {
    /// Whoever owns the token firedrill pushes with: a real colleague (or the game master), never invented.
    TokenOwner,
    /// The author the scenario names.
    Explicit {
        /// Name.
        name: String,
        /// Email.
        email: String,
    },
}

impl fmt::Display for Author {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Author::TokenOwner => f.write_str("the token's owner"),
            Author::Explicit { name, email } => write!(f, "{name} <{email}>"),
        }
    }
}

/// The finished disguise of one drill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedDisguise {
    /// A valid git branch name.
    pub branch: String,
    /// The commit message (first line is the subject).
    pub commit_message: String,
    /// The pull request title, one line.
    pub pr_title: String,
    /// The pull request body (Markdown).
    pub pr_body: String,
    /// The commit author.
    pub author: Author,
}

impl ResolvedDisguise {
    /// Giveaway words in the resolved texts, by field: empty for built-in wordings with ordinary keys, worth a
    /// warning from `validate`/`preview` otherwise.
    pub fn giveaways(&self) -> Vec<(DisguiseField, &'static str)> {
        let texts = [
            (DisguiseField::Branch, &self.branch),
            (DisguiseField::CommitMessage, &self.commit_message),
            (DisguiseField::PrTitle, &self.pr_title),
            (DisguiseField::PrBody, &self.pr_body),
        ];
        texts.into_iter().flat_map(|(field, text)| giveaway_words(text).into_iter().map(move |w| (field, w))).collect()
    }
}

/// The facts about one drill that templates can use; see [`KNOWN_VARIABLES`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisguiseVars {
    /// The scenario's id.
    pub scenario_id: String,
    /// The drill's id; also the seed of every choice.
    pub drill_id: DrillId,
    /// The target file's path in its repository, `/`-separated.
    pub target_path: String,
    /// The branch the change merges into.
    pub target_branch: String,
    /// The last key the fault changes (see [`key_from_pointer`]).
    pub key: String,
    /// What kind of setting the fault changes: which pool the commit message and pull request body come from.
    pub kind: ChangeKind,
    /// The merge date in the scenario's zone.
    pub date: jiff::civil::Date,
}

impl DisguiseVars {
    /// The variables for a planned drill. `changes` are the fault's operations that change the document, in
    /// order: the JSON Pointer each writes and the value (`None` for `remove`, `move`, `copy`). The key is
    /// the first one's; the kind is read from all of them ([`ChangeKind::of_fault`]).
    pub fn for_plan(
        plan: &Plan,
        target_path: &str,
        target_branch: &str,
        changes: &[(&str, Option<&Value>)],
    ) -> DisguiseVars {
        DisguiseVars {
            scenario_id: plan.drill_id.scenario_id().to_owned(),
            drill_id: plan.drill_id.clone(),
            target_path: target_path.to_owned(),
            target_branch: target_branch.to_owned(),
            key: changes.first().map(|(pointer, _)| key_from_pointer(pointer)).unwrap_or_default(),
            kind: ChangeKind::of_fault(changes.iter().copied()),
            date: plan.zone.date_of(plan.merge_at),
        }
    }

    /// All template variables with their values.
    pub fn to_vars(&self) -> Vars {
        let path = self.target_path.trim_matches('/');
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
        let words = key_words(&self.key);
        let mut vars = Vars::new();
        vars.set("scenario.id", self.scenario_id.clone());
        vars.set("drill.id", self.drill_id.as_str());
        vars.set("short_id", short_id(&self.drill_id));
        vars.set("date", self.date.to_string());
        vars.set("target.path", path);
        vars.set("target.file", file);
        vars.set("target.stem", file_stem(file));
        vars.set("target.dir", dir);
        vars.set("target.branch", self.target_branch.clone());
        vars.set("key", self.key.clone());
        vars.set("key.kebab", words.join("-"));
        vars.set("key.words", words.join(" "));
        vars
    }
}

/// Six hex characters derived from the drill id: a stable, meaningless suffix, like the ones people add to
/// keep branch names unique.
pub fn short_id(drill_id: &DrillId) -> String {
    let bits = SeededRng::for_purpose(drill_id.as_str(), "disguise.short_id").next_u64();
    format!("{:06x}", bits >> 40)
}

/// The key a JSON Pointer changes, for wording: its last segment, unescaped, skipping array indices (`/-`,
/// `/0`) because "update 0" says nothing. `/env/SERVICE__REDIS__SIZE` gives `SERVICE__REDIS__SIZE`.
pub fn key_from_pointer(pointer: &str) -> String {
    pointer
        .split('/')
        .rev()
        .find(|segment| !segment.is_empty() && *segment != "-" && !segment.bytes().all(|b| b.is_ascii_digit()))
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
        .unwrap_or_default()
}

/// A file name without its last extension (and without the leading dot of a dotfile): `values-staging.yaml`
/// gives `values-staging`, `.env` gives `env`.
fn file_stem(file: &str) -> &str {
    let file = file.trim_start_matches('.');
    file.rsplit_once('.').map_or(file, |(stem, _)| stem)
}

/// A key split into lower-case words at separators and camelCase humps: `SERVICE__REDIS__POOL_SIZE` and
/// `redisPoolSize` both give words like `redis`, `pool`, `size`.
pub(crate) fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}
