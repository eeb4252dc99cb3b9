//! The ledger: drill state kept in git, on a branch of the control repository (default `firedrill/ledger`).
//!
//! Layout: `drills/<drill-id>/events.jsonl` (the append-only event log), `drills/<drill-id>/report.md`.
//! Every write is a commit on top of the tip it read, pushed without force: the server refuses it when
//! another writer got there first (a compare-and-swap). Then the ledger is read again, the events that are
//! not there yet are re-applied, and the push is retried. Appending an event already in the log (the same
//! lifecycle step) is a no-op, so two writers, or a re-run after a crash, never duplicate anything.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::Path;

use jiff::Timestamp;

use crate::drill::event::{Event, parse_log};
use crate::git::{CommitSha, FileChange, GitError, Identity, PushRef, Repo, Token, redact_url};

/// How many times a write is retried after losing a race.
const CAS_ATTEMPTS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("the ledger's log of {drill} is damaged: {message}")]
    Damaged { drill: String, message: String },
    #[error("the ledger branch kept moving: gave up after {CAS_ATTEMPTS} attempts")]
    Contended,
}

/// The ledger as read at one tip.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The tip read (`None`: the branch does not exist yet).
    pub tip: Option<CommitSha>,
    /// Each drill's events, by drill id.
    pub logs: BTreeMap<String, Vec<Event>>,
}

/// One change to write: events to append (each once), and files to put.
#[derive(Debug, Clone, Default)]
pub struct Write {
    pub events: Vec<(String, Event)>,
    /// (drill id, file name, content), e.g. the report.
    pub files: Vec<(String, String, String)>,
}

impl Write {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.files.is_empty()
    }
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The new ledger commit, `None` when everything was already there.
    pub commit: Option<CommitSha>,
    /// How many events were new.
    pub appended: usize,
    /// How many races were lost on the way.
    pub retries: usize,
}

pub struct Ledger {
    url: String,
    branch: String,
    repo: Repo,
    token: Option<Token>,
}

impl Ledger {
    /// The ledger on `branch` of the repository at `url`, worked on in the bare repository `workdir`.
    pub fn new(url: &str, branch: &str, workdir: &Path, token: Option<Token>) -> Result<Ledger, LedgerError> {
        std::fs::create_dir_all(workdir)
            .map_err(|e| GitError::CannotCreate { path: workdir.display().to_string(), message: e.to_string() })?;
        Ok(Ledger { url: url.to_owned(), branch: branch.to_owned(), repo: Repo::init_bare(workdir)?, token })
    }

    pub fn describe(&self) -> String {
        format!("{} on {}", self.branch, redact_url(&self.url))
    }

    fn tracking(&self) -> String {
        "refs/firedrill/ledger".to_owned()
    }

    /// Reads the ledger at the remote's current tip.
    pub fn read(&self) -> Result<Snapshot, LedgerError> {
        let tip = self.repo.fetch_branch(
            &self.url,
            &self.branch,
            &self.tracking(),
            None::<NonZeroU32>,
            self.token.as_ref(),
        )?;
        let Some(tip) = tip else { return Ok(Snapshot::default()) };
        let mut logs = BTreeMap::new();
        for drill in self.repo.list_dir(&tip, "drills")? {
            let path = format!("drills/{drill}/events.jsonl");
            let Some(bytes) = self.repo.read_file(&tip, &path)? else { continue };
            let text = String::from_utf8_lossy(&bytes);
            let events = parse_log(&text).map_err(|message| LedgerError::Damaged { drill: drill.clone(), message })?;
            logs.insert(drill, events);
        }
        Ok(Snapshot { tip: Some(tip), logs })
    }

    /// A file of a drill at the snapshot's tip (e.g. `report.md`).
    pub fn read_drill_file(&self, snapshot: &Snapshot, drill: &str, name: &str) -> Result<Option<String>, LedgerError> {
        let Some(tip) = &snapshot.tip else { return Ok(None) };
        Ok(self
            .repo
            .read_file(tip, &format!("drills/{drill}/{name}"))?
            .map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    /// Appends `write` as one commit by `who` at `at`, retrying on lost races; returns what was written.
    pub fn write(
        &self,
        write: &Write,
        message: &str,
        who: (&str, &str),
        at: Timestamp,
    ) -> Result<Written, LedgerError> {
        let identity = Identity::new(who.0, who.1, at);
        for retries in 0..CAS_ATTEMPTS {
            let snapshot = self.read()?;
            let (changes, appended) = self.changes(&snapshot, write)?;
            if changes.is_empty() {
                return Ok(Written { commit: None, appended: 0, retries });
            }
            let commit = self.repo.write_commit(snapshot.tip.as_ref(), &changes, message, &identity, &identity)?;
            let remote_ref = format!("refs/heads/{}", self.branch);
            match self.repo.push(
                &self.url,
                &[PushRef::Update { commit: &commit, remote_ref: &remote_ref }],
                self.token.as_ref(),
            ) {
                Ok(()) => {
                    tracing::debug!(ledger = %self.describe(), %commit, appended, "ledger written");
                    return Ok(Written { commit: Some(commit), appended, retries });
                }
                // Another writer moved the branch: read again and re-apply. If it did not move, the server
                // refused for another reason (a hook, a protection rule): that is an error, not a race.
                Err(GitError::PushRejected { refname, reason }) => {
                    let now_tip = self.repo.fetch_branch(
                        &self.url,
                        &self.branch,
                        &self.tracking(),
                        None::<NonZeroU32>,
                        self.token.as_ref(),
                    )?;
                    if now_tip == snapshot.tip {
                        return Err(GitError::PushRejected { refname, reason }.into());
                    }
                    tracing::debug!(ledger = %self.describe(), %reason, "lost a race on the ledger; retrying");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(LedgerError::Contended)
    }

    /// The file changes that apply `write` to `snapshot`, and how many events are new.
    fn changes(&self, snapshot: &Snapshot, write: &Write) -> Result<(Vec<FileChange>, usize), LedgerError> {
        let mut logs: BTreeMap<&str, Vec<Event>> = BTreeMap::new();
        let mut appended = 0;
        for (drill, event) in &write.events {
            let log =
                logs.entry(drill.as_str()).or_insert_with(|| snapshot.logs.get(drill).cloned().unwrap_or_default());
            if !event.already_in(log) {
                log.push(event.clone());
                appended += 1;
            }
        }
        let mut changes = Vec::new();
        for (drill, log) in logs {
            if snapshot.logs.get(drill).is_some_and(|old| old.len() == log.len()) {
                continue;
            }
            let mut text = String::new();
            for e in &log {
                text.push_str(&e.to_line());
                text.push('\n');
            }
            changes.push(FileChange::write(format!("drills/{drill}/events.jsonl"), text));
        }
        for (drill, name, content) in &write.files {
            if self.read_drill_file(snapshot, drill, name)?.as_deref() != Some(content.as_str()) {
                changes.push(FileChange::write(format!("drills/{drill}/{name}"), content.clone()));
            }
        }
        Ok((changes, appended))
    }
}
