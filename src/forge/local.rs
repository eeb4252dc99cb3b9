//! The local forge: any git repository, a path or a URL (GitLab, self-hosted git, a folder).
//!
//! Opening a change pushes its branch; merging makes the merge commit here and pushes the base branch, which
//! the server accepts only as a fast-forward of the tip firedrill merged onto (a compare-and-swap: when
//! someone pushed in between, firedrill merges again onto the new tip). A working copy (a bare repository in
//! the cache folder) holds what was fetched; nothing is ever checked out.

use std::cell::RefCell;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::{Change, Forge, ForgeError, Landing, MergeOutcome, MergeSpec, Person, Result, RevertOutcome, RevertSpec};
use crate::git::{CommitSha, FileChange, GitError, Identity, PushRef, Repo, Token, redact_url};
use crate::render::comment::Marker;

/// How many times a merge or revert is retried when the base branch moves under it.
const CAS_ATTEMPTS: usize = 5;
/// The history fetched to open a drill: the tip alone.
const SHALLOW: NonZeroU32 = NonZeroU32::MIN;
/// A drill's change: its commit and the one it was cut from.
const CHANGE_DEPTH: NonZeroU32 = NonZeroU32::new(2).expect("not zero");
/// The first depth asked for when older history is needed, and how it grows (64, 512, 4,096, 32,768).
const FIRST_DEEPENING: NonZeroU32 = NonZeroU32::new(64).expect("not zero");
const DEEPENING_FACTOR: NonZeroU32 = NonZeroU32::new(8).expect("not zero");
/// Past this depth the rest of the history is fetched at once.
const MAX_DEPTH: NonZeroU32 = NonZeroU32::new(32_768).expect("not zero");
/// Deepenings before giving up on a server that keeps the copy shallow (the last one unshallows).
const MAX_DEEPENINGS: usize = 6;

pub struct LocalForge {
    url: String,
    /// Reopened after each fetch into a shallow copy: libgit2 keeps the commits it has read, with the parents
    /// the shallow boundary hid at that time, so a handle that saw a boundary would not see past it once
    /// deepened.
    repo: RefCell<Repo>,
    workdir: PathBuf,
    token: Option<Token>,
}

impl LocalForge {
    /// A forge for the repository at `url` (a path or an http(s) URL), working in the bare repository
    /// `workdir` (created when missing).
    pub fn new(url: &str, workdir: &Path, token: Option<Token>) -> Result<LocalForge> {
        std::fs::create_dir_all(workdir)
            .map_err(|e| ForgeError::Other(format!("cannot create {}: {e}", workdir.display())))?;
        let repo = RefCell::new(Repo::init_bare(workdir)?);
        Ok(LocalForge { url: url.to_owned(), repo, workdir: workdir.to_owned(), token })
    }

    fn tracking(branch: &str) -> String {
        format!("refs/firedrill/remote/{branch}")
    }

    /// Fetches the tip of `branch` and returns it: one commit of history over HTTP (a path is read in place),
    /// so opening a drill costs the same on a repository with 20,000 commits as on one with 1. Older history
    /// is fetched only when asked for ([`LocalForge::fetch_reaching`]).
    fn fetch(&self, branch: &str) -> Result<Option<CommitSha>> {
        self.fetch_at_depth(branch, SHALLOW)
    }

    fn fetch_at_depth(&self, branch: &str, depth: NonZeroU32) -> Result<Option<CommitSha>> {
        let was_shallow = self.repo().is_shallow();
        let tip =
            self.repo().fetch_branch(&self.url, branch, &Self::tracking(branch), Some(depth), self.token.as_ref())?;
        if was_shallow || self.repo().is_shallow() {
            *self.repo.borrow_mut() = Repo::open(&self.workdir)?;
        }
        Ok(tip)
    }

    fn repo(&self) -> std::cell::Ref<'_, Repo> {
        self.repo.borrow()
    }

    /// Fetches `branch` deep enough that `commit` is on the first-parent chain of its tip (with its parents,
    /// when `with_parents`), and returns that tip. The shallow copy is deepened by growing steps, then
    /// unshallowed: the answer is never cut short by a missing history. When `commit` is not in the branch's
    /// whole history, the tip is returned all the same, and the walk callers make says so.
    fn fetch_reaching(&self, branch: &str, commit: &CommitSha, with_parents: bool) -> Result<CommitSha> {
        let missing = || ForgeError::NoBranch { repo: self.describe(), branch: branch.to_owned() };
        let mut tip = self.fetch(branch)?.ok_or_else(missing)?;
        let mut depth = FIRST_DEEPENING;
        for _ in 0..MAX_DEEPENINGS {
            if !self.repo().is_shallow() {
                return Ok(tip);
            }
            let reached = match self.repo().first_parent_history(&tip, commit) {
                Ok(_) => !with_parents || !self.repo().commit_info(commit)?.parents.is_empty(),
                Err(GitError::NotInHistory { .. }) => false,
                Err(e) => return Err(e.into()),
            };
            if reached {
                return Ok(tip);
            }
            let step = if depth > MAX_DEPTH { crate::git::UNSHALLOW } else { depth };
            tracing::debug!(branch, depth = step.get(), "deepening the shallow copy");
            tip = self.fetch_at_depth(branch, step)?.ok_or_else(missing)?;
            depth = depth.saturating_mul(DEEPENING_FACTOR);
        }
        Err(ForgeError::Other(format!(
            "could not fetch enough of `{branch}` from {} to reach {}: it is still shallow after {MAX_DEEPENINGS} \
             deepenings",
            self.describe(),
            commit.short()
        )))
    }

    fn push(&self, commit: &CommitSha, branch: &str) -> std::result::Result<(), GitError> {
        let remote_ref = format!("refs/heads/{branch}");
        self.repo().push(&self.url, &[PushRef::Update { commit, remote_ref: &remote_ref }], self.token.as_ref())
    }

    fn identity(actor: &Person, at: Timestamp) -> Identity {
        Identity::new(actor.name.clone(), actor.email.clone(), at)
    }

    /// After a rejected push onto `tip`: fine (retry) when `branch` moved meanwhile, else the rejection is
    /// not a lost race but a refusal (a hook, a protection rule), returned as the error.
    fn moved_or(&self, branch: &str, tip: &CommitSha, rejection: GitError) -> Result<()> {
        // A held lock means another writer is moving the branch right now: a lost race as well.
        if rejection.is_lock_contention() || self.fetch(branch)?.as_ref() != Some(tip) {
            Ok(())
        } else {
            Err(rejection.into())
        }
    }

    /// The commit that landed `head` on `base` (the first on the first-parent chain after `cut_from` that
    /// contains it), when it has landed.
    fn landing_of(&self, tip: &CommitSha, cut_from: &CommitSha, head: &CommitSha) -> Result<Option<Landing>> {
        if !self.repo().is_ancestor(head, tip)? {
            return Ok(None);
        }
        let chain = match self.repo().first_parent_history(tip, cut_from) {
            Ok(c) => c,
            Err(GitError::NotInHistory { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        for c in chain {
            if self.repo().is_ancestor(head, &c.sha)? {
                return Ok(Some(landing(c)));
            }
        }
        Ok(None)
    }
}

impl LocalForge {
    /// The first commit on the first-parent chain from `commit` to `tip` from which on `commit`'s change stays
    /// undone (reverting it there changes nothing): the revert a racing run landed.
    fn reverted_by(&self, commit: &CommitSha, tip: &CommitSha) -> Option<Landing> {
        let repo = self.repo();
        let who = Identity::new("firedrill", "firedrill@localhost", Timestamp::UNIX_EPOCH);
        let mut first = None;
        for c in repo.first_parent_history(tip, commit).ok()? {
            match repo.revert(commit, &c.sha, "probe\n", &who, &who) {
                Err(GitError::NothingToRevert { .. }) => first = first.or(Some(c)),
                _ => first = None,
            }
        }
        first.map(landing)
    }
}

fn landing(c: crate::git::CommitInfo) -> Landing {
    Landing {
        at: c.committer.time,
        author: Person::new(c.author.name, c.author.email),
        committer: Person::new(c.committer.name, c.committer.email),
        message: c.message,
        sha: c.sha,
    }
}

impl Forge for LocalForge {
    fn describe(&self) -> String {
        redact_url(&self.url)
    }

    async fn branch_head(&self, branch: &str) -> Result<Option<CommitSha>> {
        self.fetch(branch)
    }

    async fn read_file(&self, commit: &CommitSha, path: &str) -> Result<Option<String>> {
        let bytes = self.repo().read_file(commit, path)?;
        bytes
            .map(|b| {
                String::from_utf8(b)
                    .map_err(|_| ForgeError::Other(format!("`{path}` at {} is not UTF-8 text", commit.short())))
            })
            .transpose()
    }

    async fn list_files(&self, commit: &CommitSha) -> Result<Option<(Vec<String>, bool)>> {
        Ok(Some((self.repo().list_files(commit)?, true)))
    }

    async fn write_commit(
        &self,
        parent: &CommitSha,
        files: &[FileChange],
        message: &str,
        author: &Person,
        at: Timestamp,
    ) -> Result<CommitSha> {
        let who = Self::identity(author, at);
        Ok(self.repo().write_commit(Some(parent), files, message, &who, &who)?)
    }

    async fn find_change(&self, branch: &str) -> Result<Option<Change>> {
        Ok(self.fetch(branch)?.map(|head| Change { id: branch.into(), branch: branch.to_owned(), head, url: None }))
    }

    async fn open_change(
        &self,
        branch: &str,
        head: &CommitSha,
        _base: &str,
        _title: &str,
        _body: &str,
    ) -> Result<Change> {
        // One push that creates the branch, or finds it already at the drill's commit (a re-run): the branch's
        // current value comes with the push's own negotiation, so no listing of the remote goes first.
        let remote_ref = format!("refs/heads/{branch}");
        // The push's result is bound first: the arms below may fetch, which re-opens the repository (a borrow of
        // it held through the `match` would make that panic when a racing run pushed first).
        let pushed = self.repo().push(
            &self.url,
            &[PushRef::Create { commit: head, remote_ref: &remote_ref }],
            self.token.as_ref(),
        );
        match pushed {
            Ok(()) => {}
            Err(GitError::RefExists { at, .. }) => {
                return Err(ForgeError::Other(format!(
                    "branch `{branch}` already exists in {} at {}, not at the drill's commit {}",
                    self.describe(),
                    at.short(),
                    head.short()
                )));
            }
            // Another run pushed the very same commit at the same moment: the change is open.
            Err(e @ (GitError::PushRejected { .. } | GitError::Busy { .. })) => {
                if self.fetch(branch)?.as_ref() != Some(head) {
                    return Err(e.into());
                }
            }
            Err(e) => return Err(e.into()),
        }
        Ok(Change { id: branch.into(), branch: branch.to_owned(), head: head.clone(), url: None })
    }

    async fn merge_change(
        &self,
        change: &Change,
        spec: &MergeSpec<'_>,
        actor: &Person,
        at: Timestamp,
    ) -> Result<MergeOutcome> {
        let MergeSpec { base, cut_from, expected_head, method, message, .. } = *spec;
        // The change's commit and the commit it was cut from (the merge base), then the base branch's history
        // back to that commit: what the merge and the search for an earlier landing read.
        let Some(head) = self.fetch_at_depth(&change.branch, CHANGE_DEPTH)? else { return Ok(MergeOutcome::Closed) };
        if head != *expected_head {
            return Ok(MergeOutcome::HeadMoved { expected: expected_head.clone(), actual: head });
        }
        let who = Self::identity(actor, at);
        for _ in 0..CAS_ATTEMPTS {
            let tip = self.fetch_reaching(base, cut_from, false)?;
            // A re-run after a crash: the change already landed; report that landing.
            if let Some(l) = self.landing_of(&tip, cut_from, &head)? {
                return Ok(MergeOutcome::Merged { commit: l.sha, at: l.at });
            }
            let merged = match self.repo().merge(&tip, &head, method, message, &who, &who) {
                Ok(m) => m,
                Err(e @ (GitError::Conflict { .. } | GitError::NotFastForward { .. })) => {
                    return Ok(MergeOutcome::NotMergeable { reason: e.to_string() });
                }
                Err(e) => return Err(e.into()),
            };
            match self.push(&merged, base) {
                Ok(()) => return Ok(MergeOutcome::Merged { commit: merged, at }),
                // The base moved since the fetch: merge again onto the new tip.
                Err(e @ (GitError::PushRejected { .. } | GitError::Busy { .. })) => self.moved_or(base, &tip, e)?,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ForgeError::Other(format!("`{base}` kept moving while merging; gave up after {CAS_ATTEMPTS} attempts")))
    }

    async fn landed(&self, _change: &Change, spec: &MergeSpec<'_>) -> Result<Option<(CommitSha, Timestamp)>> {
        let Some(tip) = self.fetch(spec.base)? else { return Ok(None) };
        Ok(self.landing_of(&tip, spec.cut_from, spec.expected_head)?.map(|l| (l.sha, l.at)))
    }

    async fn revert(&self, spec: &RevertSpec<'_>) -> Result<RevertOutcome> {
        let RevertSpec { commit, base, message, actor, at, .. } = *spec;
        let who = Self::identity(actor, at);
        for _ in 0..CAS_ATTEMPTS {
            let tip = self.fetch_reaching(base, commit, true)?;
            let message = match message {
                Some(m) => m.to_owned(),
                None => {
                    let c = self.repo().commit_info(commit)?;
                    crate::git::message::revert_message(commit, &c.message, &c.parents)
                }
            };
            let reverted = match self.repo().revert(commit, &tip, &message, &who, &who) {
                Ok(r) => r,
                // A run racing this one reverted it already: that landing is the revert.
                Err(e @ GitError::NothingToRevert { .. }) => {
                    return self.reverted_by(commit, &tip).map(RevertOutcome::Landed).ok_or(e.into());
                }
                Err(e) => return Err(e.into()),
            };
            match self.push(&reverted, base) {
                Ok(()) => return Ok(RevertOutcome::Landed(landing(self.repo().commit_info(&reverted)?))),
                Err(e @ (GitError::PushRejected { .. } | GitError::Busy { .. })) => self.moved_or(base, &tip, e)?,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ForgeError::Other(format!("`{base}` kept moving while reverting; gave up after {CAS_ATTEMPTS} attempts")))
    }

    /// The first-parent subjects and bodies of `base`'s last commits (its tip fetched that deep once).
    async fn recent_work(&self, base: &str, _head: &CommitSha) -> Result<crate::disguise::style::Recent> {
        use crate::disguise::style::{RECENT_LIMIT, Recent, Work};
        let depth = NonZeroU32::new(u32::try_from(RECENT_LIMIT).unwrap_or(50)).unwrap_or(NonZeroU32::MIN);
        let Some(tip) = self.fetch_at_depth(base, depth)? else { return Ok(Recent::default()) };
        let commits = self.repo().recent_first_parent(&tip, RECENT_LIMIT)?;
        let work = commits
            .into_iter()
            .map(|c| {
                let (title, body) = c.message.split_once("\n\n").unwrap_or((c.message.as_str(), ""));
                Work { title: crate::git::message::subject(title), body: body.trim().to_owned() }
            })
            .collect();
        let template = self.read_file(&tip, ".github/pull_request_template.md").await?;
        Ok(Recent { work, template, bodies: false })
    }

    async fn history(&self, base: &str, after: &CommitSha) -> Result<Vec<Landing>> {
        let tip = self.fetch_reaching(base, after, false)?;
        // Oldest first, as the lifecycle reads it: the first commit without the fault is the recovery.
        Ok(self.repo().first_parent_history(&tip, after)?.into_iter().map(landing).collect())
    }

    async fn close_change(&self, change: &Change) -> Result<()> {
        let remote_ref = format!("refs/heads/{}", change.branch);
        match self.repo().push(&self.url, &[PushRef::Delete { remote_ref: &remote_ref }], self.token.as_ref()) {
            Ok(()) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn post_note(&self, _change: &Change, _marker: &Marker, _body: &str) -> Result<()> {
        Ok(())
    }
}
