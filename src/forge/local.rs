//! The local forge: any git repository, a path or a URL (GitLab, self-hosted git, a folder).
//!
//! Opening a change pushes its branch; merging makes the merge commit here and pushes the base branch, which
//! the server accepts only as a fast-forward of the tip firedrill merged onto (a compare-and-swap: when
//! someone pushed in between, firedrill merges again onto the new tip). A working copy (a bare repository in
//! the cache folder) holds what was fetched; nothing is ever checked out.

use std::num::NonZeroU32;
use std::path::Path;

use jiff::Timestamp;

use super::{Change, Forge, ForgeError, Landing, MergeOutcome, MergeSpec, Person, Result};
use crate::git::{CommitSha, FileChange, GitError, Identity, PushRef, Repo, Token, redact_url};

/// How many times a merge or revert is retried when the base branch moves under it.
const CAS_ATTEMPTS: usize = 5;

pub struct LocalForge {
    url: String,
    repo: Repo,
    token: Option<Token>,
}

impl LocalForge {
    /// A forge for the repository at `url` (a path or an http(s) URL), working in the bare repository
    /// `workdir` (created when missing).
    pub fn new(url: &str, workdir: &Path, token: Option<Token>) -> Result<LocalForge> {
        std::fs::create_dir_all(workdir)
            .map_err(|e| ForgeError::Other(format!("cannot create {}: {e}", workdir.display())))?;
        let repo = Repo::init_bare(workdir)?;
        Ok(LocalForge { url: url.to_owned(), repo, token })
    }

    fn tracking(branch: &str) -> String {
        format!("refs/firedrill/remote/{branch}")
    }

    /// Fetches `branch` (all of its history: recovery is judged on it) and returns its tip.
    fn fetch(&self, branch: &str) -> Result<Option<CommitSha>> {
        Ok(self.repo.fetch_branch(
            &self.url,
            branch,
            &Self::tracking(branch),
            None::<NonZeroU32>,
            self.token.as_ref(),
        )?)
    }

    fn push(&self, commit: &CommitSha, branch: &str) -> std::result::Result<(), GitError> {
        let remote_ref = format!("refs/heads/{branch}");
        self.repo.push(&self.url, &[PushRef::Update { commit, remote_ref: &remote_ref }], self.token.as_ref())
    }

    fn identity(actor: &Person, at: Timestamp) -> Identity {
        Identity::new(actor.name.clone(), actor.email.clone(), at)
    }

    /// After a rejected push onto `tip`: fine (retry) when `branch` moved meanwhile, else the rejection is
    /// not a lost race but a refusal (a hook, a protection rule), returned as the error.
    fn moved_or(&self, branch: &str, tip: &CommitSha, rejection: GitError) -> Result<()> {
        if self.fetch(branch)?.as_ref() == Some(tip) { Err(rejection.into()) } else { Ok(()) }
    }

    /// The commit that landed `head` on `base` (the first on the first-parent chain after `cut_from` that
    /// contains it), when it has landed.
    fn landing_of(&self, tip: &CommitSha, cut_from: &CommitSha, head: &CommitSha) -> Result<Option<Landing>> {
        if !self.repo.is_ancestor(head, tip)? {
            return Ok(None);
        }
        let chain = match self.repo.first_parent_history(tip, cut_from) {
            Ok(c) => c,
            Err(GitError::NotInHistory { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        for c in chain {
            if self.repo.is_ancestor(head, &c.sha)? {
                return Ok(Some(landing(c)));
            }
        }
        Ok(None)
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
        let bytes = self.repo.read_file(commit, path)?;
        bytes
            .map(|b| {
                String::from_utf8(b)
                    .map_err(|_| ForgeError::Other(format!("`{path}` at {} is not UTF-8 text", commit.short())))
            })
            .transpose()
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
        Ok(self.repo.write_commit(Some(parent), files, message, &who, &who)?)
    }

    async fn find_change(&self, branch: &str) -> Result<Option<Change>> {
        Ok(self.fetch(branch)?.map(|head| Change { id: branch.to_owned(), branch: branch.to_owned(), head, url: None }))
    }

    async fn open_change(
        &self,
        branch: &str,
        head: &CommitSha,
        _base: &str,
        _title: &str,
        _body: &str,
    ) -> Result<Change> {
        match self.fetch(branch)? {
            // Already pushed (a re-run): the change is open.
            Some(existing) if existing == *head => {}
            Some(existing) => {
                return Err(ForgeError::Other(format!(
                    "branch `{branch}` already exists in {} at {}, not at the drill's commit {}",
                    self.describe(),
                    existing.short(),
                    head.short()
                )));
            }
            None => match self.push(head, branch) {
                Ok(()) => {}
                // Another run pushed the very same commit at the same moment: the change is open.
                Err(e @ GitError::PushRejected { .. }) => {
                    if self.fetch(branch)?.as_ref() != Some(head) {
                        return Err(e.into());
                    }
                }
                Err(e) => return Err(e.into()),
            },
        }
        Ok(Change { id: branch.to_owned(), branch: branch.to_owned(), head: head.clone(), url: None })
    }

    async fn merge_change(
        &self,
        change: &Change,
        spec: &MergeSpec<'_>,
        actor: &Person,
        at: Timestamp,
    ) -> Result<MergeOutcome> {
        let MergeSpec { base, cut_from, expected_head, method, message } = *spec;
        let Some(head) = self.fetch(&change.branch)? else { return Ok(MergeOutcome::Closed) };
        if head != *expected_head {
            return Ok(MergeOutcome::HeadMoved { expected: expected_head.clone(), actual: head });
        }
        let who = Self::identity(actor, at);
        for _ in 0..CAS_ATTEMPTS {
            let tip = self
                .fetch(base)?
                .ok_or_else(|| ForgeError::NoBranch { repo: self.describe(), branch: base.to_owned() })?;
            // A re-run after a crash: the change already landed; report that landing.
            if let Some(l) = self.landing_of(&tip, cut_from, &head)? {
                return Ok(MergeOutcome::Merged { commit: l.sha, at: l.at });
            }
            let merged = match self.repo.merge(&tip, &head, method, message, &who, &who) {
                Ok(m) => m,
                Err(e @ (GitError::Conflict { .. } | GitError::NotFastForward { .. })) => {
                    return Ok(MergeOutcome::NotMergeable { reason: e.to_string() });
                }
                Err(e) => return Err(e.into()),
            };
            match self.push(&merged, base) {
                Ok(()) => return Ok(MergeOutcome::Merged { commit: merged, at }),
                // The base moved since the fetch: merge again onto the new tip.
                Err(e @ GitError::PushRejected { .. }) => self.moved_or(base, &tip, e)?,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ForgeError::Other(format!("`{base}` kept moving while merging; gave up after {CAS_ATTEMPTS} attempts")))
    }

    async fn landed(&self, _change: &Change, spec: &MergeSpec<'_>) -> Result<Option<(CommitSha, Timestamp)>> {
        let Some(tip) = self.fetch(spec.base)? else { return Ok(None) };
        Ok(self.landing_of(&tip, spec.cut_from, spec.expected_head)?.map(|l| (l.sha, l.at)))
    }

    async fn revert(
        &self,
        commit: &CommitSha,
        base: &str,
        message: &str,
        actor: &Person,
        at: Timestamp,
    ) -> Result<Landing> {
        let who = Self::identity(actor, at);
        for _ in 0..CAS_ATTEMPTS {
            let tip = self
                .fetch(base)?
                .ok_or_else(|| ForgeError::NoBranch { repo: self.describe(), branch: base.to_owned() })?;
            let reverted = self.repo.revert(commit, &tip, message, &who, &who)?;
            match self.push(&reverted, base) {
                Ok(()) => return Ok(landing(self.repo.commit_info(&reverted)?)),
                Err(e @ GitError::PushRejected { .. }) => self.moved_or(base, &tip, e)?,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ForgeError::Other(format!("`{base}` kept moving while reverting; gave up after {CAS_ATTEMPTS} attempts")))
    }

    async fn history(&self, base: &str, after: &CommitSha) -> Result<Vec<Landing>> {
        let tip =
            self.fetch(base)?.ok_or_else(|| ForgeError::NoBranch { repo: self.describe(), branch: base.to_owned() })?;
        // Oldest first, as the lifecycle reads it: the first commit without the fault is the recovery.
        Ok(self.repo.first_parent_history(&tip, after)?.into_iter().map(landing).collect())
    }

    async fn close_change(&self, change: &Change) -> Result<()> {
        let remote_ref = format!("refs/heads/{}", change.branch);
        match self.repo.push(&self.url, &[PushRef::Delete { remote_ref: &remote_ref }], self.token.as_ref()) {
            Ok(()) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn post_note(&self, _change: &Change, _marker: &str, _body: &str) -> Result<()> {
        Ok(())
    }
}
