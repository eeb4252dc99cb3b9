//! What can go wrong with a repository or a remote, named after the user's situation; and secret scrubbing.

use super::types::{CommitSha, Token};

/// A failed git operation. Every URL in it is stripped of userinfo and every message is scrubbed of the
/// token, so an error can be printed, logged or stored as it is.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The folder is missing or holds no git repository.
    #[error("{path} is not a git repository: {message}")]
    NotARepository { path: String, message: String },
    /// A repository could not be created.
    #[error("could not create a git repository at {path}: {message}")]
    CannotCreate { path: String, message: String },
    /// The server wants credentials and refused the token, or no token was given.
    #[error("authentication to {url} failed: {}", auth_reason(*.token_given))]
    AuthFailed { url: String, token_given: bool },
    /// The server authenticated the token but refuses the operation (HTTP 403).
    #[error("{url} refused the operation (HTTP 403): {message}")]
    PermissionDenied { url: String, message: String },
    /// The server refused to update a reference: it moved (non-fast-forward), a hook or a branch protection
    /// declined it.
    #[error("the push of {refname} was rejected: {reason}")]
    PushRejected { refname: String, reason: String },
    /// A reference to create already holds another commit on the remote.
    #[error("{refname} already exists at {}", .at.short())]
    RefExists { refname: String, at: CommitSha },
    /// A commit, reference, file or remote repository does not exist.
    #[error("{what} does not exist")]
    NotFound { what: String },
    /// Merging or reverting would conflict in these files.
    #[error("the changes conflict in {}", .paths.join(", "))]
    Conflict { paths: Vec<String> },
    /// A fast-forward merge was asked for but the base branch has commits the head lacks.
    #[error("cannot fast-forward {base} to {head}: {base} is not an ancestor of {head}")]
    NotFastForward { base: CommitSha, head: CommitSha },
    /// A local reference no longer holds the expected commit (someone else moved it): re-read and retry.
    #[error("{name} moved: expected {}, found {}", or_absent(.expected.as_ref()), or_absent(.actual.as_ref()))]
    RefMoved { name: String, expected: Option<CommitSha>, actual: Option<CommitSha> },
    /// A commit is not on the first-parent history of a tip (or the local copy is too shallow to tell).
    #[error("{commit} is not on the first-parent history of {tip}")]
    NotInHistory { commit: CommitSha, tip: CommitSha },
    /// A revert would change nothing: the commit's changes are already undone.
    #[error("reverting {commit} onto {onto} changes nothing: its changes are already undone")]
    NothingToRevert { commit: CommitSha, onto: CommitSha },
    /// A file path given for a commit is unusable.
    #[error("the path `{path}` cannot be used: {reason}")]
    InvalidPath { path: String, reason: String },
    /// A reference or branch name is not a valid git name.
    #[error("`{name}` is not a valid git reference name")]
    InvalidRefName { name: String },
    /// An author or committer cannot be written into a commit.
    #[error("`{name} <{email}>` cannot be used as a commit identity: {message}")]
    InvalidIdentity { name: String, email: String, message: String },
    /// The network or the server failed (unreachable host, protocol error, unexpected HTTP status).
    #[error("talking to {url} failed: {message}")]
    Transport { url: String, message: String },
    /// Another process holds a lock on it (a concurrent run): a lost race, to re-read and retry.
    #[error("{what} is busy: {holder}")]
    Busy { what: String, holder: String },
    /// Reading or writing the local repository failed (disk, locks, corrupt objects).
    #[error("the local repository failed: {message}")]
    Storage { message: String },
}

fn auth_reason(token_given: bool) -> &'static str {
    if token_given { "the server refused the token" } else { "the server asks for credentials and no token was given" }
}

fn or_absent(sha: Option<&CommitSha>) -> String {
    sha.map_or_else(|| "no reference".to_owned(), |s| s.to_string())
}

impl GitError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            GitError::AuthFailed { token_given: true, .. } => {
                Some("check that the token is valid, not expired, and has access to this repository")
            }
            GitError::AuthFailed { token_given: false, .. } => Some("pass a token with read and write access"),
            GitError::PermissionDenied { .. } => {
                Some("the token needs write access (contents: write) to the repository")
            }
            GitError::PushRejected { .. } => {
                Some("if the branch moved, fetch it again and retry; otherwise check the branch protection rules")
            }
            GitError::RefMoved { .. } => Some("another run moved it: read it again and retry"),
            GitError::Busy { .. } => Some("another run is at work there: run again once it is done"),
            GitError::NotInHistory { .. } => {
                Some("the branch was rewritten, or the local copy is shallow: fetch more history")
            }
            GitError::Conflict { .. } => {
                Some("the branch changed the same lines: resolve by hand or start from the new tip")
            }
            _ => None,
        }
    }

    /// Whether this is contention on a git lock (a reference, `packed-refs`, `config`) or on firedrill's own
    /// lock: another writer is at work, so it is a lost race, never a failure of this run.
    pub fn is_lock_contention(&self) -> bool {
        match self {
            GitError::Busy { .. } => true,
            // `git receive-pack`'s status for a reference another push holds.
            GitError::PushRejected { reason, .. } => reason.starts_with("failed to lock"),
            // libgit2's own message, from a local repository.
            GitError::Storage { message } | GitError::Transport { message, .. } => {
                message.contains("failed to lock file") || message.contains("failed to create locked file")
            }
            _ => false,
        }
    }

    /// A local-repository failure from libgit2, with its message scrubbed.
    pub(crate) fn storage(err: &git2::Error) -> GitError {
        GitError::Storage { message: scrub(err.message(), None) }
    }
}

/// `url` without userinfo: `https://user:secret@host/x.git` becomes `https://host/x.git`. Paths and
/// scp-like addresses (`git@host:x.git`, which carry no secret) are returned unchanged.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_owned() };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_len].rfind('@') {
        Some(at) => format!("{}{}", &url[..authority_start], &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// `text` with the token replaced by `***` and the userinfo of every URL in it removed.
pub(crate) fn scrub(text: &str, token: Option<&Token>) -> String {
    let out = match token {
        Some(t) if !t.expose().is_empty() => text.replace(t.expose(), "***"),
        _ => text.to_owned(),
    };
    // Strip userinfo of any URL mentioned in the message (libgit2 sometimes quotes the URL it was given).
    crate::redact::replace_userinfo(&out, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_userinfo_of_urls() {
        assert_eq!(redact_url("https://x-access-token:s3cr3t@github.com/o/r.git"), "https://github.com/o/r.git");
        assert_eq!(redact_url("http://user@127.0.0.1:8080/r.git?x=1"), "http://127.0.0.1:8080/r.git?x=1");
        assert_eq!(redact_url("https://a:b@c@host"), "https://host");
        assert_eq!(redact_url("https://github.com/o/r.git"), "https://github.com/o/r.git");
        assert_eq!(redact_url("git@github.com:o/r.git"), "git@github.com:o/r.git");
        assert_eq!(redact_url("/srv/git/r.git"), "/srv/git/r.git");
        // An @ in the path is not userinfo.
        assert_eq!(redact_url("https://host/o/r@v2.git"), "https://host/o/r@v2.git");
    }

    #[test]
    fn scrubs_tokens_and_userinfo_from_messages() {
        let token = Token::new("ghp_TOPSECRET");
        let msg = "failed to connect to 'https://x-access-token:ghp_TOPSECRET@host/r.git': token ghp_TOPSECRET bad";
        let scrubbed = scrub(msg, Some(&token));
        assert!(!scrubbed.contains("TOPSECRET"), "{scrubbed}");
        assert_eq!(scrubbed, "failed to connect to 'https://host/r.git': token *** bad");
        assert_eq!(scrub("see http://u:p@h/x and https://h2/y", None), "see http://h/x and https://h2/y");
        assert_eq!(scrub("no urls here", Some(&Token::new(""))), "no urls here");
    }

    #[test]
    fn errors_print_hints_and_absent_refs() {
        let sha = CommitSha::parse(&"a".repeat(40)).expect("valid");
        let err = GitError::RefMoved { name: "refs/heads/x".into(), expected: Some(sha), actual: None };
        assert_eq!(err.to_string(), format!("refs/heads/x moved: expected {}, found no reference", "a".repeat(40)));
        assert!(err.hint().is_some());
        let err = GitError::AuthFailed { url: "http://h/r.git".into(), token_given: false };
        assert_eq!(
            err.to_string(),
            "authentication to http://h/r.git failed: the server asks for credentials and no token was given"
        );
    }
}
