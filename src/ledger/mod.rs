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
use crate::forge::Forge as _;
use crate::forge::github::GitHubForge;
use crate::git::{CommitSha, FileChange, GitError, Identity, PushRef, Repo, Token, redact_url};

/// How many times a write is retried after losing a race.
const CAS_ATTEMPTS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("the ledger's log of {drill} is damaged: {message}")]
    Damaged { drill: String, message: String },
    #[error(transparent)]
    Forge(#[from] crate::forge::ForgeError),
    #[error("the ledger branch kept moving: gave up after {CAS_ATTEMPTS} attempts")]
    Contended,
}

/// A drill's log, parsed; a damaged one is named.
fn parse(drill: &str, text: &str) -> Result<Vec<Event>, LedgerError> {
    parse_log(text).map_err(|message| LedgerError::Damaged { drill: drill.to_owned(), message })
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

/// Where the ledger branch lives.
enum Store {
    /// Any git repository (a path or a URL), worked on in a local bare repository.
    Git { url: String, repo: Repo, token: Option<Token> },
    /// A GitHub repository, through the REST API's git objects: no clone.
    GitHub(GitHubForge),
}

pub struct Ledger {
    branch: String,
    store: Store,
    /// The last snapshot read, reused until this process writes: one run reads the ledger once per write,
    /// not once per step (an idle tick on GitHub costs a handful of requests). Writes always read afresh.
    cache: std::sync::Mutex<Option<Snapshot>>,
}

impl Ledger {
    /// The ledger on `branch` of the git repository at `url`, worked on in the bare repository `workdir`.
    pub fn new(url: &str, branch: &str, workdir: &Path, token: Option<Token>) -> Result<Ledger, LedgerError> {
        std::fs::create_dir_all(workdir)
            .map_err(|e| GitError::CannotCreate { path: workdir.display().to_string(), message: e.to_string() })?;
        let store = Store::Git { url: url.to_owned(), repo: Repo::init_bare(workdir)?, token };
        Ok(Ledger { branch: branch.to_owned(), store, cache: std::sync::Mutex::new(None) })
    }

    /// The ledger on `branch` of a GitHub repository, through the API.
    pub fn github(forge: GitHubForge, branch: &str) -> Ledger {
        Ledger { branch: branch.to_owned(), store: Store::GitHub(forge), cache: std::sync::Mutex::new(None) }
    }

    /// API requests sent for the ledger (0 for a git repository).
    pub fn requests(&self) -> usize {
        match &self.store {
            Store::Git { .. } => 0,
            Store::GitHub(f) => f.requests(),
        }
    }

    pub fn describe(&self) -> String {
        match &self.store {
            Store::Git { url, .. } => format!("{} on {}", self.branch, redact_url(url)),
            Store::GitHub(f) => format!("{} on {}", self.branch, f.describe()),
        }
    }

    const TRACKING: &str = "refs/firedrill/ledger";

    async fn tip(&self) -> Result<Option<CommitSha>, LedgerError> {
        match &self.store {
            Store::Git { url, repo, token } => {
                Ok(repo.fetch_branch(url, &self.branch, Self::TRACKING, None::<NonZeroU32>, token.as_ref())?)
            }
            Store::GitHub(f) => Ok(f.branch_head(&self.branch).await?),
        }
    }

    async fn list_dir(&self, tip: &CommitSha, dir: &str) -> Result<Vec<String>, LedgerError> {
        match &self.store {
            Store::Git { repo, .. } => Ok(repo.list_dir(tip, dir)?),
            Store::GitHub(f) => Ok(f.list_dir(tip, dir).await?),
        }
    }

    async fn read_file(&self, tip: &CommitSha, path: &str) -> Result<Option<String>, LedgerError> {
        match &self.store {
            Store::Git { repo, .. } => Ok(repo.read_file(tip, path)?.map(|b| String::from_utf8_lossy(&b).into_owned())),
            Store::GitHub(f) => Ok(f.read_file(tip, path).await?),
        }
    }

    /// Writes a commit on `parent` and moves the branch to it if it is still at `parent`. `Ok(None)`: the
    /// branch moved (a lost race); a refusal for any other reason is an error.
    async fn publish(
        &self,
        parent: Option<&CommitSha>,
        changes: &[FileChange],
        message: &str,
        who: &Identity,
    ) -> Result<Option<CommitSha>, LedgerError> {
        match &self.store {
            Store::Git { url, repo, token } => {
                let commit = repo.write_commit(parent, changes, message, who, who)?;
                let remote_ref = format!("refs/heads/{}", self.branch);
                match repo.push(url, &[PushRef::Update { commit: &commit, remote_ref: &remote_ref }], token.as_ref()) {
                    Ok(()) => Ok(Some(commit)),
                    // Another writer moved the branch, or the server refused for another reason (a hook, a
                    // protection rule): only the first is a race.
                    Err(e @ GitError::PushRejected { .. }) => {
                        if self.tip().await?.as_ref() == parent {
                            Err(e.into())
                        } else {
                            Ok(None)
                        }
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Store::GitHub(f) => {
                let actor = crate::forge::Actor { name: who.name.clone(), email: who.email.clone() };
                let commit = f.write_commit_on(parent, changes, message, &actor, who.time).await?;
                Ok(f.move_branch(&self.branch, &commit, parent).await?.then_some(commit))
            }
        }
    }

    /// Reads the ledger (at the current tip, or as this process last read or wrote it).
    pub async fn read(&self) -> Result<Snapshot, LedgerError> {
        if let Some(s) = self.cache.lock().map_err(|_| LedgerError::Contended)?.clone() {
            return Ok(s);
        }
        let snapshot = self.read_fresh().await?;
        *self.cache.lock().map_err(|_| LedgerError::Contended)? = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// Reads the ledger at the current tip.
    async fn read_fresh(&self) -> Result<Snapshot, LedgerError> {
        let Some(tip) = self.tip().await? else { return Ok(Snapshot::default()) };
        let mut logs = BTreeMap::new();
        match &self.store {
            // One walk of `drills/`: linear in the number of drills.
            Store::Git { repo, .. } => {
                for (drill, bytes) in repo.read_each(&tip, "drills", "events.jsonl")? {
                    let events = parse(&drill, &String::from_utf8_lossy(&bytes))?;
                    logs.insert(drill, events);
                }
            }
            Store::GitHub(_) => {
                for drill in self.list_dir(&tip, "drills").await? {
                    let Some(text) = self.read_file(&tip, &format!("drills/{drill}/events.jsonl")).await? else {
                        continue;
                    };
                    let events = parse(&drill, &text)?;
                    logs.insert(drill, events);
                }
            }
        }
        Ok(Snapshot { tip: Some(tip), logs })
    }

    /// A file of a drill at the snapshot's tip (e.g. `report.md`).
    pub async fn read_drill_file(
        &self,
        snapshot: &Snapshot,
        drill: &str,
        name: &str,
    ) -> Result<Option<String>, LedgerError> {
        let Some(tip) = &snapshot.tip else { return Ok(None) };
        self.read_file(tip, &format!("drills/{drill}/{name}")).await
    }

    /// Appends `write` as one commit by `who` at `at`, retrying on lost races; returns what was written.
    pub async fn write(
        &self,
        write: &Write,
        message: &str,
        who: (&str, &str),
        at: Timestamp,
    ) -> Result<Written, LedgerError> {
        let identity = Identity::new(who.0, who.1, at);
        // Whatever happens, the next read looks at the branch again.
        self.cache.lock().map_err(|_| LedgerError::Contended)?.take();
        for retries in 0..CAS_ATTEMPTS {
            let snapshot = self.read_fresh().await?;
            let (changes, appended) = self.changes(&snapshot, write).await?;
            if changes.is_empty() {
                return Ok(Written { commit: None, appended: 0, retries });
            }
            match self.publish(snapshot.tip.as_ref(), &changes, message, &identity).await? {
                Some(commit) => {
                    tracing::debug!(ledger = %self.describe(), %commit, appended, "ledger written");
                    return Ok(Written { commit: Some(commit), appended, retries });
                }
                None => tracing::debug!(ledger = %self.describe(), "lost a race on the ledger; retrying"),
            }
        }
        Err(LedgerError::Contended)
    }

    /// The file changes that apply `write` to `snapshot`, and how many events are new.
    async fn changes(&self, snapshot: &Snapshot, write: &Write) -> Result<(Vec<FileChange>, usize), LedgerError> {
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
            if self.read_drill_file(snapshot, drill, name).await?.as_deref() != Some(content.as_str()) {
                changes.push(FileChange::write(format!("drills/{drill}/{name}"), content.clone()));
            }
        }
        Ok((changes, appended))
    }
}
