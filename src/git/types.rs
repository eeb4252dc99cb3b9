//! Domain values of the git layer: secrets, identities, file changes and pushes. Commit ids and merge methods are
//! plain data the pure modules share: they live in [`crate::types`], and only their meeting with git2 is here.

use std::fmt;

pub use crate::types::{CommitSha, InvalidCommitSha, MergeMethod};

/// A commit id as git2 holds it: the one crossing between [`CommitSha`] and `git2::Oid`.
pub(crate) trait ToOid {
    /// The git2 object id of a commit id.
    fn oid(&self) -> git2::Oid;
}

impl ToOid for CommitSha {
    fn oid(&self) -> git2::Oid {
        git2::Oid::from_str(self.as_str()).expect("validated at construction: 40 hex digits always make an Oid")
    }
}

/// The commit id of a git2 object id.
pub(crate) fn sha_of(oid: git2::Oid) -> CommitSha {
    CommitSha::parse(&oid.to_string()).expect("git2 prints an object id as 40 hexadecimal digits")
}

/// A secret used as the password of `x-access-token` basic auth (a GitHub token or any forge's access token).
///
/// It has no `Display` and its `Debug` prints `Token(***)`, so it cannot leak through formatting by accident;
/// [`Token::expose`] is called only where the secret is handed on: the credentials callback given to libgit2, the
/// `Authorization` header of the forge's HTTP client, the redaction of errors, and the run log's masks.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Token {
        Token(secret.into())
    }

    /// The secret itself. Only for handing it to the transport; never format or log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Who made a commit, and when: git's author or committer line.
///
/// Times are written in UTC (offset `+0000`) with whole seconds, as git stores them; sub-second precision is
/// dropped on write, and a read-back offset is folded into the instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Display name, e.g. `Dana Ops`.
    pub name: String,
    /// E-mail address, e.g. `dana@example.com`.
    pub email: String,
    /// The instant recorded in the commit.
    pub time: jiff::Timestamp,
}

impl Identity {
    /// An identity with the given name, e-mail and time.
    pub fn new(name: impl Into<String>, email: impl Into<String>, time: jiff::Timestamp) -> Identity {
        Identity { name: name.into(), email: email.into(), time }
    }
}

/// One file edit in [`crate::git::Repo::write_commit`]. Paths are relative to the repository root with `/`
/// separators (`charts/api/values.yaml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// Create or replace a file. An existing file keeps its mode (an executable stays executable).
    Write { path: String, content: Vec<u8> },
    /// Remove a file that exists in the parent commit; folders left empty disappear, as in git.
    Delete { path: String },
}

impl FileChange {
    /// A `Write` of `content`.
    pub fn write(path: impl Into<String>, content: impl Into<Vec<u8>>) -> FileChange {
        FileChange::Write { path: path.into(), content: content.into() }
    }

    /// A `Delete` of `path`.
    pub fn delete(path: impl Into<String>) -> FileChange {
        FileChange::Delete { path: path.into() }
    }

    /// The path this change touches.
    pub fn path(&self) -> &str {
        match self {
            FileChange::Write { path, .. } | FileChange::Delete { path } => path,
        }
    }
}

/// One reference update in [`crate::git::Repo::push`]. Pushes are never forced: the server refuses a
/// non-fast-forward, which makes a push a compare-and-swap on the remote branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushRef<'a> {
    /// Create `remote_ref` at `commit`, or fast-forward it there.
    Update { commit: &'a CommitSha, remote_ref: &'a str },
    /// Create `remote_ref` at `commit`; done without a write when it is already there, refused with
    /// [`super::GitError::RefExists`] when it holds another commit (never fast-forwarded). The check rides on
    /// the push's own reference negotiation: no separate listing of the remote.
    Create { commit: &'a CommitSha, remote_ref: &'a str },
    /// Delete `remote_ref` on the remote.
    Delete { remote_ref: &'a str },
}

impl PushRef<'_> {
    /// The full name of the remote reference (`refs/heads/...`).
    pub fn remote_ref(&self) -> &str {
        match self {
            PushRef::Update { remote_ref, .. }
            | PushRef::Create { remote_ref, .. }
            | PushRef::Delete { remote_ref } => remote_ref,
        }
    }
}

/// A commit as the history walk reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Its id.
    pub sha: CommitSha,
    /// Its parents, first parent first.
    pub parents: Vec<CommitSha>,
    /// Who wrote the change, and when.
    pub author: Identity,
    /// Who put it on the branch, and when: for commits firedrill or a forge's merge button made, the instant
    /// the change landed.
    pub committer: Identity,
    /// The full message (lossily decoded when not UTF-8).
    pub message: String,
}
