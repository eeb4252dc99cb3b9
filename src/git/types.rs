//! Domain values of the git layer: commit ids, secrets, identities, file changes, pushes and merge methods.

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

    pub(crate) fn from_oid(oid: git2::Oid) -> CommitSha {
        CommitSha(oid.to_string())
    }

    pub(crate) fn oid(&self) -> git2::Oid {
        git2::Oid::from_str(&self.0).expect("validated at construction: 40 hex digits always make an Oid")
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

/// A secret used as the password of `x-access-token` basic auth (a GitHub token or any forge's access token).
///
/// It has no `Display` and its `Debug` prints `Token(***)`, so it cannot leak through formatting by accident;
/// [`Token::expose`] is called in exactly one place: the credentials callback handed to libgit2.
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

/// How a change request lands on its base branch (the three buttons forges offer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeMethod {
    /// A merge commit with parents (base, head), even when a fast-forward were possible (forges' "merge").
    Merge,
    /// One new commit on base with the merged tree and base as its only parent.
    Squash,
    /// Base moves to head; only possible when base is an ancestor of head.
    FastForward,
}

impl MergeMethod {
    /// `first`, then the others in the order firedrill tries them where it chooses: merge, squash, fast-forward.
    pub fn in_turn_from(first: MergeMethod) -> Vec<MergeMethod> {
        let mut order = vec![first];
        for m in [MergeMethod::Merge, MergeMethod::Squash, MergeMethod::FastForward] {
            if m != first {
                order.push(m);
            }
        }
        order
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
