//! Fetching and pushing over smart HTTP(S) or to a local path, with `x-access-token` basic auth.
//!
//! Remotes are anonymous (`git_remote_create_anonymous`): nothing is written to the repository's config, so
//! neither the URL nor any credential lands in `.git/config`.

use std::cell::{Cell, RefCell};
use std::num::NonZeroU32;
use std::path::Path;
use std::time::{Duration, Instant};

use super::error::{redact_url, scrub};
use super::types::{self, CommitSha, PushRef, ToOid as _, Token};
use super::{GitError, Repo, Result, check_ref_name};

/// How many times the token is offered for one URL during one operation. libgit2 asks the credentials callback
/// again after every 401 and would replay a refused token up to its own limit of 15 requests; a second request
/// for the same URL means the token was refused, so one offer is enough.
const OFFERS_PER_URL: usize = 1;
/// How many times the callback may be asked in total during one operation (one redirect to another host).
const MAX_CREDENTIAL_CALLS: usize = 3;

/// The credentials callback's memory, shared by the callbacks of one operation (connect, then fetch).
struct Auth<'a> {
    token: Option<&'a Token>,
    offered: RefCell<Vec<String>>,
    calls: Cell<usize>,
    refused: Cell<bool>,
}

impl<'a> Auth<'a> {
    fn new(token: Option<&'a Token>) -> Auth<'a> {
        Auth { token, offered: RefCell::new(Vec::new()), calls: Cell::new(0), refused: Cell::new(false) }
    }

    /// The answer to libgit2's request for credentials for `url`.
    fn credentials(&self, url: &str, allowed: git2::CredentialType) -> std::result::Result<git2::Cred, git2::Error> {
        self.calls.set(self.calls.get() + 1);
        let mut offered = self.offered.borrow_mut();
        let times = offered.iter().filter(|u| *u == url).count();
        let Some(token) = self.token else {
            return Err(self.refuse("the server asks for credentials and no token was given"));
        };
        if !allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT) {
            return Err(self.refuse("the server asks for a kind of credentials other than a token"));
        }
        if times >= OFFERS_PER_URL || self.calls.get() > MAX_CREDENTIAL_CALLS {
            return Err(self.refuse("the server refused the token"));
        }
        offered.push(url.to_owned());
        tracing::debug!(url = %redact_url(url), "offering the token as x-access-token");
        git2::Cred::userpass_plaintext("x-access-token", token.expose())
    }

    fn refuse(&self, why: &str) -> git2::Error {
        self.refused.set(true);
        git2::Error::new(git2::ErrorCode::Auth, git2::ErrorClass::Callback, format!("firedrill: {why}"))
    }

    /// A remote failure in domain terms, scrubbed of the token.
    fn error(&self, url: &str, err: &git2::Error) -> GitError {
        let url = redact_url(url);
        let message = scrub(err.message(), self.token);
        if self.refused.get() || err.code() == git2::ErrorCode::Auth {
            return GitError::AuthFailed { url, token_given: self.token.is_some() };
        }
        // libgit2 reports unexpected HTTP statuses only in the message text.
        if message.contains("status code: 403") {
            return GitError::PermissionDenied { url, message };
        }
        // A missing repository: HTTP 404, or a local path with no repository.
        if message.contains("status code: 404")
            || (err.code() == git2::ErrorCode::NotFound && err.class() == git2::ErrorClass::Repository)
        {
            return GitError::NotFound { what: format!("the repository {url}") };
        }
        GitError::Transport { url, message }
    }
}

fn callbacks<'a>(auth: &'a Auth<'a>) -> git2::RemoteCallbacks<'a> {
    let mut callbacks = git2::RemoteCallbacks::new();
    callbacks.credentials(move |url, _username, allowed| auth.credentials(url, allowed));
    callbacks
}

/// The folder `url` names when it is a repository on this machine (a path or a `file://` URL).
fn local_path(url: &str) -> Option<&Path> {
    if let Some(path) = url.strip_prefix("file://") {
        return Some(Path::new(path));
    }
    let looks_like_path = !url.contains("://") && (url.starts_with(['/', '.']) || !url.contains(':'));
    looks_like_path.then(|| Path::new(url))
}

/// The depth that fetches all the history a shallow repository lacks (libgit2's `GIT_FETCH_DEPTH_UNSHALLOW`).
pub const UNSHALLOW: NonZeroU32 = NonZeroU32::new(i32::MAX as u32).expect("not zero");

/// A remote given as a folder that does not exist. libgit2 picks the transport by looking at the disk, so a
/// missing folder would otherwise be reported as "unsupported URL protocol".
fn missing_local_repository(url: &str) -> Option<GitError> {
    let looks_like_path = !url.contains("://") && (url.starts_with(['/', '.']) || !url.contains(':'));
    (looks_like_path && !std::path::Path::new(url).exists())
        .then(|| GitError::NotFound { what: format!("the repository {url}") })
}

impl Repo {
    /// Fetches branch `branch` of the repository at `url` (smart HTTP or a local path) into local reference
    /// `into_ref` (a full name such as `refs/remotes/origin/main`, force-updated) and returns its tip, or
    /// `None` when the remote has no such branch (then `into_ref` is deleted, so it never shows a stale tip).
    ///
    /// With `depth`, only that many commits of history are fetched, over HTTP: the repository becomes shallow;
    /// a larger depth later deepens it, [`UNSHALLOW`] fetches all the rest (then open the repository again:
    /// libgit2 keeps the commits this handle read with the parents the old boundary hid). A local path is not fetched at
    /// all: its object folder is borrowed (listed in `objects/info/alternates`, as `git clone --shared` does),
    /// so every object is readable in place at no cost, whatever the depth. `token` is sent as the password of
    /// user `x-access-token` when the server asks; a refused or missing token ends the fetch at once with
    /// [`GitError::AuthFailed`]. No tags are fetched and `FETCH_HEAD` is not written.
    pub fn fetch_branch(
        &self,
        url: &str,
        branch: &str,
        into_ref: &str,
        depth: Option<NonZeroU32>,
        token: Option<&Token>,
    ) -> Result<Option<CommitSha>> {
        let remote_ref = super::branch_ref(branch)?;
        check_ref_name(into_ref)?;
        if let Some(missing) = missing_local_repository(url) {
            return Err(missing);
        }
        if let Some(path) = local_path(url) {
            return self.borrow_branch(path, &remote_ref, into_ref);
        }
        let shown = redact_url(url);
        let auth = Auth::new(token);
        let mut remote = self.repo.remote_anonymous(url).map_err(|e| auth.error(url, &e))?;
        tracing::debug!(url = %shown, branch, depth = depth.map(NonZeroU32::get), "fetching");

        // STEP 1: read the remote's ref advertisement, to tell a missing branch from an empty fetch.
        let mut connection = remote
            .connect_auth(git2::Direction::Fetch, Some(callbacks(&auth)), None)
            .map_err(|e| auth.error(url, &e))?;
        let listed = connection.list().map_err(|e| auth.error(url, &e))?;
        let Some(tip) = listed.iter().find(|head| head.name() == remote_ref).map(|head| head.oid()) else {
            drop(connection);
            self.delete_ref_if_present(into_ref)?;
            tracing::debug!(url = %shown, branch, "the remote has no such branch");
            return Ok(None);
        };

        // STEP 2: download it over the same connection and point `into_ref` at it.
        let mut options = git2::FetchOptions::new();
        options
            .remote_callbacks(callbacks(&auth))
            .download_tags(git2::AutotagOption::None)
            .update_fetchhead(false)
            .prune(git2::FetchPrune::Off);
        if let Some(depth) = depth {
            options.depth(i32::try_from(depth.get()).unwrap_or(i32::MAX));
        }
        let refspec = format!("+{remote_ref}:{into_ref}");
        let reflog = format!("firedrill: fetch {branch} from {shown}");
        connection
            .remote()
            .fetch(&[refspec.as_str()], Some(&mut options), Some(&reflog))
            .map_err(|e| auth.error(url, &e))?;
        drop(connection);

        let tip = types::sha_of(tip);
        // libgit2 updates `into_ref` from the same listing; set it ourselves should it ever skip an unchanged tip.
        if self.ref_target(into_ref)?.as_ref() != Some(&tip) {
            self.repo.reference(into_ref, tip.oid(), true, &reflog).map_err(|e| GitError::storage(&e))?;
        }
        tracing::debug!(url = %shown, branch, tip = %tip, "fetched");
        Ok(Some(tip))
    }

    /// [`Repo::fetch_branch`] from a repository on this machine: its tip is read there and its objects are
    /// borrowed, not copied, so the cost does not depend on its size or history.
    fn borrow_branch(&self, path: &Path, remote_ref: &str, into_ref: &str) -> Result<Option<CommitSha>> {
        let shown = path.display().to_string();
        let remote = git2::Repository::open_bare(path)
            .or_else(|_| git2::Repository::open(path))
            .map_err(|_| GitError::NotFound { what: format!("the repository {shown}") })?;
        let tip = match remote.find_reference(remote_ref) {
            Ok(r) => r.peel_to_commit().map_err(|e| GitError::storage(&e))?.id(),
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                self.delete_ref_if_present(into_ref)?;
                return Ok(None);
            }
            Err(e) => return Err(GitError::storage(&e)),
        };
        self.borrow_objects(&remote.path().join("objects"))?;
        let reflog = format!("firedrill: read {remote_ref} in place from {shown}");
        if self.ref_target(into_ref)? != Some(types::sha_of(tip)) {
            self.repo.reference(into_ref, tip, true, &reflog).map_err(|e| GitError::storage(&e))?;
        }
        tracing::debug!(path = %shown, remote_ref, tip = %tip, "read in place");
        Ok(Some(types::sha_of(tip)))
    }

    /// Makes the objects in folder `objects` readable from this repository, now and when it is opened again.
    fn borrow_objects(&self, objects: &Path) -> Result<()> {
        let cannot =
            |e: std::io::Error| GitError::Storage { message: format!("cannot borrow {}: {e}", objects.display()) };
        let objects = objects.canonicalize().map_err(cannot)?;
        let line = objects.to_str().ok_or_else(|| GitError::Storage {
            message: format!("{} is not a UTF-8 path, which git's alternates file cannot hold", objects.display()),
        })?;
        let file = self.repo.path().join("objects").join("info").join("alternates");
        let listed = std::fs::read_to_string(&file).unwrap_or_default();
        if listed.lines().any(|l| l == line) {
            return Ok(());
        }
        std::fs::create_dir_all(file.parent().unwrap_or(self.repo.path())).map_err(cannot)?;
        // Written aside and renamed over: a run killed mid-write leaves the old list whole, never half a path.
        let aside = file.with_extension(format!("firedrill-{}", std::process::id()));
        std::fs::write(&aside, format!("{listed}{line}\n")).map_err(cannot)?;
        std::fs::rename(&aside, &file).map_err(cannot)?;
        let odb = self.repo.odb().map_err(|e| GitError::storage(&e))?;
        odb.add_disk_alternate(line).map_err(|e| GitError::storage(&e))
    }

    /// Pushes `updates` to the repository at `url` (smart HTTP or a local path), never forced. A reference
    /// update the server refuses — non-fast-forward (the remote branch moved: a lost compare-and-swap), a hook,
    /// a protection rule — is a [`GitError::PushRejected`], never silence. Authentication as in
    /// [`Repo::fetch_branch`].
    ///
    /// Contention is waited out, within bounds: into a repository on this machine firedrill pushes one run at a
    /// time (holding its `firedrill.lock` there, see [`super::lock`]) and first removes the git locks a killed
    /// run left; a reference lock held by someone else (another firedrill's `git receive-pack` behind HTTP, a
    /// `git push` by hand) is retried for a few seconds before it is reported as [`GitError::Busy`].
    pub fn push(&self, url: &str, updates: &[PushRef<'_>], token: Option<&Token>) -> Result<()> {
        let local = local_path(url).filter(|p| p.exists()).map(git_dir_of);
        let _held = match &local {
            Some(dir) => lock_local_remote(dir)?,
            None => None,
        };
        let deadline = Instant::now() + CONTENDED_PUSH_WAIT;
        let mut pause = Duration::from_millis(50);
        loop {
            if let Some(dir) = &local {
                super::lock::remove_stale_git_locks(dir, Some(super::lock::FOREIGN_LOCK_AGE));
            }
            match self.push_once(url, updates, token) {
                Err(e) if e.is_lock_contention() => {
                    if Instant::now() >= deadline {
                        return Err(GitError::Busy {
                            what: format!("a reference of {}", redact_url(url)),
                            holder: "another push holds its git lock".to_owned(),
                        });
                    }
                    tracing::debug!(url = %redact_url(url), error = %e, "a git lock is held: pushing again shortly");
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(500));
                }
                other => return other,
            }
        }
    }

    fn push_once(&self, url: &str, updates: &[PushRef<'_>], token: Option<&Token>) -> Result<()> {
        let shown = redact_url(url);
        let mut refspecs = Vec::with_capacity(updates.len());
        for update in updates {
            check_ref_name(update.remote_ref())?;
            refspecs.push(match update {
                PushRef::Update { commit, remote_ref } | PushRef::Create { commit, remote_ref } => {
                    self.repo
                        .find_commit(commit.oid())
                        .map_err(|_| GitError::NotFound { what: format!("commit {commit}") })?;
                    format!("{commit}:{remote_ref}")
                }
                PushRef::Delete { remote_ref } => format!(":{remote_ref}"),
            });
        }
        if refspecs.is_empty() {
            return Ok(());
        }
        if let Some(missing) = missing_local_repository(url) {
            return Err(missing);
        }
        let auth = Auth::new(token);
        let rejected: RefCell<Vec<(String, String)>> = RefCell::new(Vec::new());
        let remote_says: RefCell<String> = RefCell::new(String::new());
        // (remote ref, its commit on the remote before the push) from the negotiation, to name a non-fast-forward.
        let remote_before: RefCell<Vec<(String, git2::Oid)>> = RefCell::new(Vec::new());
        // A `PushRef::Create` whose reference holds another commit: the push stops before sending anything.
        let exists: RefCell<Option<(String, git2::Oid)>> = RefCell::new(None);
        let mut callbacks = callbacks(&auth);
        callbacks.push_update_reference(|refname, status| {
            if let Some(status) = status {
                rejected.borrow_mut().push((refname.to_owned(), status.to_owned()));
            }
            Ok(())
        });
        callbacks.sideband_progress(|text| {
            remote_says.borrow_mut().push_str(&String::from_utf8_lossy(text));
            true
        });
        callbacks.push_negotiation(|negotiated| {
            let mut before = remote_before.borrow_mut();
            for update in negotiated {
                let refname = String::from_utf8_lossy(update.dst_refname_bytes()).into_owned();
                let taken = updates.iter().any(|u| {
                    matches!(u, PushRef::Create { commit, remote_ref }
                        if *remote_ref == refname && !update.src().is_zero() && update.src() != commit.oid())
                });
                if taken {
                    *exists.borrow_mut() = Some((refname.clone(), update.src()));
                    return Err(git2::Error::from_str("the reference to create already exists"));
                }
                before.push((refname, update.src()));
            }
            Ok(())
        });
        let mut options = git2::PushOptions::new();
        options.remote_callbacks(callbacks);
        tracing::debug!(url = %shown, refs = ?updates.iter().map(PushRef::remote_ref).collect::<Vec<_>>(), "pushing");

        let mut remote = self.repo.remote_anonymous(url).map_err(|e| auth.error(url, &e))?;
        let pushed = remote.push(&refspecs, Some(&mut options));
        drop(remote);
        drop(options);
        let remote_says = remote_message(&remote_says.into_inner(), token);
        if let Some((refname, at)) = exists.into_inner() {
            return Err(GitError::RefExists { refname, at: types::sha_of(at) });
        }
        if let Err(e) = pushed {
            if e.code() == git2::ErrorCode::NotFastForward {
                // libgit2 refuses a non-fast-forward itself, before sending anything.
                let refname = self.non_fast_forward(updates, &remote_before.into_inner());
                return Err(GitError::PushRejected {
                    refname,
                    reason: "non-fast-forward: the remote branch has commits the pushed commit does not contain \
                             (it moved since it was fetched)"
                        .to_owned(),
                });
            }
            return Err(auth.error(url, &e));
        }
        let rejected = rejected.into_inner();
        if let Some((refname, status)) = rejected.first() {
            let mut reason = scrub(status, token);
            if rejected.len() > 1 {
                let others: Vec<&str> = rejected[1..].iter().map(|(r, _)| r.as_str()).collect();
                reason.push_str(&format!(" (also rejected: {})", others.join(", ")));
            }
            if !remote_says.is_empty() {
                reason.push_str(&format!("; the server said: {remote_says}"));
            }
            tracing::debug!(url = %shown, refname, reason, "push rejected");
            return Err(GitError::PushRejected { refname: refname.clone(), reason });
        }
        tracing::debug!(url = %shown, "pushed");
        Ok(())
    }

    /// The remote reference of `updates` whose remote commit is not an ancestor of the pushed one.
    fn non_fast_forward(&self, updates: &[PushRef<'_>], remote_before: &[(String, git2::Oid)]) -> String {
        let offending = updates.iter().find_map(|update| {
            let (PushRef::Update { commit, remote_ref } | PushRef::Create { commit, remote_ref }) = update else {
                return None;
            };
            let (_, before) = remote_before.iter().find(|(name, _)| name == remote_ref)?;
            let fast_forward = before.is_zero()
                || *before == commit.oid()
                || self.repo.graph_descendant_of(commit.oid(), *before).unwrap_or(false);
            (!fast_forward).then(|| (*remote_ref).to_owned())
        });
        offending.unwrap_or_else(|| updates.iter().map(PushRef::remote_ref).collect::<Vec<_>>().join(", "))
    }

    fn delete_ref_if_present(&self, name: &str) -> Result<()> {
        match self.repo.find_reference(name) {
            Ok(mut reference) => reference.delete().map_err(|e| GitError::storage(&e)),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(()),
            Err(e) => Err(GitError::storage(&e)),
        }
    }
}

/// How long a push keeps trying while a git reference lock is held by someone else.
const CONTENDED_PUSH_WAIT: Duration = Duration::from_secs(5);
/// How long a push waits for another firedrill run pushing into the same repository on this machine.
const LOCAL_REMOTE_WAIT: Duration = Duration::from_secs(20);

/// The git folder of a repository on this machine (its `.git`, or the bare repository itself).
fn git_dir_of(path: &Path) -> std::path::PathBuf {
    let dot_git = path.join(".git");
    if dot_git.is_dir() { dot_git } else { path.to_owned() }
}

/// Holds firedrill's lock in the local repository `git_dir` for a push. A folder firedrill cannot write a lock
/// into is pushed to without one (git's own locks still guard it).
fn lock_local_remote(git_dir: &Path) -> Result<Option<super::lock::Held>> {
    match super::lock::lock_dir(git_dir, LOCAL_REMOTE_WAIT) {
        Ok(Some(held)) => Ok(Some(held)),
        Ok(None) => Err(GitError::Busy {
            what: format!("the repository {}", git_dir.display()),
            holder: super::lock::holder(git_dir).unwrap_or_else(|| "another firedrill run".to_owned()),
        }),
        Err(e) => {
            tracing::debug!(folder = %git_dir.display(), error = %e, "cannot lock the repository: pushing without");
            Ok(None)
        }
    }
}

/// The server's side-band text (hook output), one line, scrubbed.
fn remote_message(text: &str, token: Option<&Token>) -> String {
    let lines: Vec<&str> = text.split(['\n', '\r']).map(str::trim).filter(|l| !l.is_empty()).collect();
    scrub(&lines.join(" / "), token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_file_urls_are_read_in_place() {
        assert_eq!(local_path("/srv/git/r.git"), Some(Path::new("/srv/git/r.git")));
        assert_eq!(local_path("file:///srv/git/r.git"), Some(Path::new("/srv/git/r.git")));
        assert_eq!(local_path("relative/r.git"), Some(Path::new("relative/r.git")));
        assert_eq!(local_path("http://127.0.0.1:1234/r.git"), None);
        assert_eq!(local_path("git@github.com:o/r.git"), None);
    }

    #[test]
    fn a_missing_folder_is_a_missing_repository() {
        assert!(missing_local_repository("/definitely/not/here.git").is_some());
        assert!(missing_local_repository("relative/not-here.git").is_some());
        assert!(missing_local_repository("/").is_none());
        assert!(missing_local_repository("http://127.0.0.1/r.git").is_none());
        assert!(missing_local_repository("git@github.com:o/r.git").is_none());
    }

    #[test]
    fn remote_messages_become_one_scrubbed_line() {
        let token = Token::new("tok123");
        assert_eq!(remote_message("drills are paused\r\nask tok123\n\n", Some(&token)), "drills are paused / ask ***");
    }

    #[test]
    fn refused_tokens_are_offered_once_per_url() {
        let token = Token::new("t");
        let auth = Auth::new(Some(&token));
        let plain = git2::CredentialType::USER_PASS_PLAINTEXT;
        assert!(auth.credentials("http://h/a.git", plain).is_ok());
        assert!(auth.credentials("http://h/a.git", plain).is_err());
        assert!(auth.refused.get());
        let err = auth.error("http://u:t@h/a.git", &git2::Error::from_str("boom t"));
        assert!(matches!(&err, GitError::AuthFailed { url, token_given: true } if url == "http://h/a.git"), "{err:?}");

        let anonymous = Auth::new(None);
        assert!(anonymous.credentials("http://h/a.git", plain).is_err());
        assert!(matches!(
            anonymous.error("http://h", &git2::Error::from_str("x")),
            GitError::AuthFailed { token_given: false, .. }
        ));
    }
}
