//! Names in scenarios: scenario ids (and the slug that makes one), GitHub logins, git branch names.

use std::str::FromStr;

use super::ValueError;
use crate::scenario::yaml::quote;

/// The id of a scenario: a slug of lowercase ASCII letters, digits and single `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScenarioId(String);

impl ScenarioId {
    pub const MAX_LEN: usize = 64;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ScenarioId {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let slug = slugify(s);
        let suggest = |e: ValueError| if slug.is_empty() || slug == s { e } else { e.hint(format!("write `{slug}`")) };
        if s.is_empty() {
            return Err(ValueError::new("the id is empty").hint("use a slug such as `redis-pool-zero`"));
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(ValueError::new(format!(
                "the id is {} characters long, more than {}",
                s.chars().count(),
                Self::MAX_LEN
            ))
            .hint("use a shorter slug"));
        }
        if let Some(c) = s.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
            return Err(suggest(ValueError::new(format!(
                "{} is not a slug: `{c}` is not allowed (only lowercase letters, digits and `-`)",
                quote(s)
            ))));
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(suggest(ValueError::new(format!(
                "{} is not a slug: `-` must separate words (not start, end or double)",
                quote(s)
            ))));
        }
        Ok(ScenarioId(s.to_owned()))
    }
}

/// The slug closest to `s`: lowercase, runs of other characters turned into one `-`.
pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(ScenarioId::MAX_LEN).collect()
}

string_value!(ScenarioId, "ScenarioId", "a slug such as `redis-pool-zero`", {
    "type": "string",
    "description": "A slug: lowercase letters, digits and single `-`.",
    "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
    "maxLength": 64,
    "examples": ["redis-pool-zero"]
});

/// A GitHub user login.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GithubLogin(String);

impl GithubLogin {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for GithubLogin {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        if let Some(rest) = s.strip_prefix('@')
            && rest.parse::<GithubLogin>().is_ok()
        {
            return Err(
                ValueError::new(format!("{} starts with `@`", quote(s))).hint(format!("write the bare login `{rest}`"))
            );
        }
        let ok = !s.is_empty()
            && s.len() <= 39
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if !ok {
            return Err(ValueError::new(format!("{} is not a GitHub login", quote(s)))
                .hint("a login has up to 39 letters, digits and single inner `-`, such as `octo-cat`"));
        }
        Ok(GithubLogin(s.to_owned()))
    }
}

string_value!(GithubLogin, "GithubLogin", "a GitHub login such as `octocat`", {
    "type": "string",
    "description": "A GitHub user login, without `@`.",
    "pattern": "^[A-Za-z0-9](-?[A-Za-z0-9])*$",
    "maxLength": 39
});

/// A git branch name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BranchName(String);

impl BranchName {
    pub fn main() -> Self {
        BranchName("main".into())
    }
    /// For names known to be valid (constants).
    pub(crate) fn unchecked(name: &str) -> Self {
        BranchName(name.to_owned())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why `s` is not a valid git branch name, if it is not (the rules the disguise module enforces, so that
/// `validate` and the drill agree).
pub(crate) fn branch_name_problem(s: &str) -> Option<&'static str> {
    crate::disguise::check_branch_name(s).err()
}

impl FromStr for BranchName {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        match branch_name_problem(s) {
            Some(why) => Err(ValueError::new(format!("{} is not a valid branch name: {why}", quote(s)))
                .hint("use letters, digits, `-`, `_`, `.` and `/`, such as `main` or `env/staging`")),
            None => Ok(BranchName(s.to_owned())),
        }
    }
}

string_value!(BranchName, "BranchName", "a branch name such as `main`", {
    "type": "string",
    "description": "A git branch name, such as `main` or `env/staging`.",
    "examples": ["main"]
});
