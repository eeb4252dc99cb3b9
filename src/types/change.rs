//! What a forge shows of a change request (and how it names one) and of the commits that landed on a branch.

use jiff::Timestamp;

use super::{CommitSha, Person};

/// How a forge names a change request: a pull request's number on GitHub, the pushed branch on the local forge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ChangeId(pub String);

impl ChangeId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The pull request number, where the forge numbers its changes.
    pub fn number(&self) -> Option<u64> {
        self.0.parse().ok()
    }
}

impl AsRef<str> for ChangeId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<String> for ChangeId {
    fn from(id: String) -> ChangeId {
        ChangeId(id)
    }
}

impl From<&str> for ChangeId {
    fn from(id: &str) -> ChangeId {
        ChangeId(id.to_owned())
    }
}

impl PartialEq<String> for ChangeId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl std::fmt::Display for ChangeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A change request: a pull request on GitHub, a pushed branch on the local forge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// How the forge names it (the PR number, or the branch).
    pub id: ChangeId,
    pub branch: String,
    pub head: CommitSha,
    /// A link for people, when the forge has one.
    pub url: Option<String>,
}

/// A commit on the first-parent history of a branch, and when it landed there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landing {
    pub sha: CommitSha,
    pub at: Timestamp,
    pub message: String,
    pub author: Person,
    pub committer: Person,
}
