//! Plain data the pure modules share with the adapters: commit ids, merge methods, what a forge shows of a change
//! and of a landing, people, permissions and reactions in GitHub's words, a drill's summary in the ledger's index.
//!
//! Pure: no IO, no git2 or octocrab type. The adapters ([`crate::git`], [`crate::forge`], [`crate::ledger`])
//! re-export these where they were first defined, and are the only ones that meet them with the outside world
//! (a [`CommitSha`] becomes a git2 object id in `git` alone).

mod change;
mod merge;
mod permission;
mod reaction;
mod sha;
mod summary;

pub use change::{Change, ChangeId, Landing};
pub use merge::{Behind, MergeMethod, MergeNeed, RevertRefused, UnknownMergeMethod};
pub use permission::Permission;
pub use reaction::Reaction;
pub use sha::{CommitSha, InvalidCommitSha};
pub use summary::Summary;

pub use crate::person::Person;

/// The actor of the events firedrill records itself (`"actor":"firedrill"` in the log), as opposed to a person's
/// login or a commit's author.
pub const FIREDRILL_ACTOR: &str = "firedrill";
