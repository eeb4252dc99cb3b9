//! A commit id, as git names it and the event log records it.

use std::fmt;
use std::str::FromStr;

/// A commit id: 40 lowercase hexadecimal digits (SHA-1 repositories; libgit2 has no stable SHA-256 support).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommitSha(String);

/// Why a text is not a [`CommitSha`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a commit id: expected 40 hexadecimal digits")]
pub struct InvalidCommitSha {
    /// The rejected text (an id is never secret).
    pub text: String,
}

impl AsRef<str> for CommitSha {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl CommitSha {
    /// Parses 40 hexadecimal digits (either case; stored lowercase).
    pub fn parse(text: &str) -> Result<CommitSha, InvalidCommitSha> {
        if text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(CommitSha(text.to_ascii_lowercase()))
        } else {
            Err(InvalidCommitSha { text: text.to_owned() })
        }
    }

    /// The 40 lowercase hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 7 digits, as git abbreviates in short listings.
    pub fn short(&self) -> &str {
        &self.0[..7]
    }
}

impl FromStr for CommitSha {
    type Err = InvalidCommitSha;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CommitSha::parse(s)
    }
}

impl TryFrom<String> for CommitSha {
    type Error = InvalidCommitSha;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CommitSha::parse(&s)
    }
}

impl From<CommitSha> for String {
    fn from(sha: CommitSha) -> String {
        sha.0
    }
}

impl fmt::Display for CommitSha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CommitSha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CommitSha({})", self.0)
    }
}
