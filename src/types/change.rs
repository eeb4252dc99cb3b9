//! What a forge shows of a change request and of the commits that landed on a branch.

use jiff::Timestamp;

use super::{CommitSha, Person};

/// A change request: a pull request on GitHub, a pushed branch on the local forge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// How the forge names it (the PR number, or the branch).
    pub id: String,
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
