//! The ledger: drill state kept in git, on a branch of the control repository (default `firedrill/ledger`).
//!
//! Layout: `drills/<drill-id>/events.jsonl` (the append-only event log), `drills/<drill-id>/report.md`.
//! Every write is a commit on top of the tip it read, pushed without force: the server refuses it when
//! another writer got there first (a compare-and-swap). Then the ledger is read again, the events that are
//! not there yet are re-applied, and the push is retried. Appending an event already in the log (the same
//! lifecycle step) is a no-op, so two writers, or a re-run after a crash, never duplicate anything.
//!
//! Every write also rewrites `index.json` ([`index`]) in the same commit, so a tick reads the tip, the index and
//! the logs of the drills it still has work on ([`Ledger::read_active`]), whatever the number of drills.
//!
//! The public files (badges, history page, statistics: [`crate::render::ledger::PUBLIC_DIR`]) are rebuilt by the
//! write that changes them, from the index's figures of the drills that have ended ([`Ledger::publishing`]): at
//! the same cost with 3 drills or 300, and never showing a drill in progress.

mod index;

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;

use crate::drill::event::{Event, parse_log};
use crate::forge::Forge as _;
use crate::forge::github::GitHubForge;
use crate::git::{CommitSha, FileChange, GitError, Identity, PushRef, Repo, Token, redact_url};

pub use index::{INDEX_FILE, Index, Summary};

/// How many times a write is retried after losing a race (eight runs at once each win within eight rounds; the
/// rest is slack for writers that keep coming).
const CAS_ATTEMPTS: usize = 16;

/// The pause after losing race `attempt`: growing, and spread by the process id so that the writers that lost
/// together do not all come back at the same instant.
fn backoff(attempt: usize) -> std::time::Duration {
    let base = 10u64.saturating_mul(1 << attempt.min(5));
    let spread = u64::from(std::process::id().wrapping_mul(2_654_435_761) >> 8) % base.max(1);
    std::time::Duration::from_millis(base + spread)
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("{0}")]
    Damaged(Damage),
    #[error(transparent)]
    Forge(#[from] crate::forge::ForgeError),
    #[error("the ledger branch kept moving: gave up after {CAS_ATTEMPTS} attempts")]
    Contended,
}

/// A drill's log that cannot be read: firedrill refuses to act on that drill (it cannot tell what was done) and
/// keeps doing the safety work of every other drill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub drill: String,
    /// What is wrong, with the line when one is to blame (`line 3: expected value at column 1`).
    pub problem: String,
}

impl Damage {
    /// The log's path on the ledger branch.
    pub fn path(&self) -> String {
        log_path(&self.drill)
    }

    /// What to do about it.
    pub fn fix(&self) -> String {
        format!(
            "restore it from the ledger branch's history (`git log -p <ledger branch> -- {path}`) or correct the \
             line by hand; firedrill does nothing for drill {drill} until its log reads again (check the target \
             repository by hand: its fault may still be there)",
            path = self.path(),
            drill = self.drill
        )
    }
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} on the ledger branch is damaged: {}; fix: {}", self.path(), self.problem, self.fix())
    }
}

/// Where drill `drill`'s log lives on the ledger branch.
fn log_path(drill: &str) -> String {
    format!("drills/{drill}/events.jsonl")
}

/// A drill's log, parsed; a damaged or emptied one (firedrill never writes a log without an event) is named.
fn parse(drill: &str, text: &str) -> Result<Vec<Event>, Damage> {
    let damage = |problem: String| Damage { drill: drill.to_owned(), problem };
    match parse_log(text) {
        Ok(events) if events.is_empty() => Err(damage("it holds no event (it was emptied)".to_owned())),
        Ok(events) => Ok(events),
        Err(message) => Err(damage(message)),
    }
}

/// A log the index lists but the `drills/` tree lacks (deleted by hand): the drill's id stays taken.
fn missing(drill: &str) -> Damage {
    Damage {
        drill: drill.to_owned(),
        problem: "it is missing, although the ledger's index lists the drill (it was deleted)".to_owned(),
    }
}

/// The index folded from `logs` (read from the `drills/` tree `drills_tree`), with `damaged` recorded, and every
/// drill of the `previous` (stale) index whose log is gone kept as it was: a deleted or damaged log never frees
/// its drill's id, so the same drill is never planned, opened and merged twice.
fn fold_index(
    logs: &BTreeMap<String, Vec<Event>>,
    damaged: &BTreeMap<String, Damage>,
    drills_tree: Option<String>,
    previous: Option<&Index>,
) -> Index {
    let mut index = Index::fold(logs, drills_tree);
    index.damaged = damaged.iter().map(|(id, d)| (id.clone(), d.problem.clone())).collect();
    if let Some(previous) = previous {
        for (id, summary) in &previous.drills {
            if !logs.contains_key(id) {
                index.drills.insert(id.clone(), summary.clone());
                if !damaged.contains_key(id) {
                    index.damaged.insert(id.clone(), missing(id).problem);
                }
            }
        }
        for (id, problem) in &previous.damaged {
            if !logs.contains_key(id) && !index.damaged.contains_key(id) {
                index.damaged.insert(id.clone(), problem.clone());
            }
        }
    }
    index
}

/// The ledger as read at one tip.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The tip read (`None`: the branch does not exist yet).
    pub tip: Option<CommitSha>,
    /// Each drill's events, by drill id.
    pub logs: BTreeMap<String, Vec<Event>>,
    /// The drills whose log cannot be read, by drill id.
    pub damaged: BTreeMap<String, Damage>,
}

/// What a tick reads ([`Ledger::read_active`]): every drill summed up, and the full logs of the drills it
/// still has work on.
#[derive(Debug, Clone, Default)]
pub struct Active {
    /// The tip read (`None`: the branch does not exist yet).
    pub tip: Option<CommitSha>,
    /// Every drill of the ledger ([`Summary`]: scenario, target, phase, outcome, key times, log length).
    pub index: Index,
    /// The whole log of each drill whose [`Summary::is_active`] holds (unresolved, or resolved and not
    /// reported yet), by drill id; no other log.
    pub logs: BTreeMap<String, Vec<Event>>,
    /// The index was missing or stale, so every log was read to fold it: the next write stores it, or
    /// [`Ledger::repair_index`] does now.
    pub rebuilt: bool,
    /// The drills whose log cannot be read (or is gone while the index lists the drill), by drill id: nothing
    /// is done for them, and their ids are never planned again.
    pub damaged: BTreeMap<String, Damage>,
}

/// The tip, and what sits next to the logs there.
struct Head {
    tip: CommitSha,
    /// The id of the tip's tree (GitHub: the base of the next tree written).
    root_tree: Option<String>,
    /// The id of the tip's `drills/` tree.
    drills_tree: Option<String>,
    /// The index, when it was folded from that very `drills/` tree.
    index: Option<Index>,
    /// The index found next to another `drills/` tree (stale): it still witnesses which drills existed.
    previous: Option<Index>,
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

/// What builds the public files from the figures of the drills that have ended, at an instant: (path on the
/// branch, content).
pub type Publisher = Box<dyn Fn(&[crate::metrics::DrillMetrics], Timestamp) -> Vec<(String, String)> + Send + Sync>;

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
    /// The same for [`Ledger::read_active`], shared, not copied: at 10,000 drills a copy of the index costs as
    /// much as reading it.
    active_cache: std::sync::Mutex<Option<Arc<Active>>>,
    /// Builds the public files, rebuilt by every write that changes the drills that have ended.
    public: Option<Publisher>,
}

impl Ledger {
    /// The ledger on `branch` of the git repository at `url`, worked on in the bare repository `workdir`.
    pub fn new(url: &str, branch: &str, workdir: &Path, token: Option<Token>) -> Result<Ledger, LedgerError> {
        std::fs::create_dir_all(workdir)
            .map_err(|e| GitError::CannotCreate { path: workdir.display().to_string(), message: e.to_string() })?;
        let store = Store::Git { url: url.to_owned(), repo: Repo::init_bare(workdir)?, token };
        Ok(Ledger::with(branch, store))
    }

    /// The ledger on `branch` of a GitHub repository, through the API.
    pub fn github(forge: GitHubForge, branch: &str) -> Ledger {
        Ledger::with(branch, Store::GitHub(forge))
    }

    fn with(branch: &str, store: Store) -> Ledger {
        Ledger {
            branch: branch.to_owned(),
            store,
            cache: std::sync::Mutex::new(None),
            active_cache: std::sync::Mutex::new(None),
            public: None,
        }
    }

    /// Rebuilds the public files with `public` in every write that changes which drills have ended (or how),
    /// from the index alone: no log is read for them.
    pub fn publishing(mut self, public: Publisher) -> Ledger {
        self.public = Some(public);
        self
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
                // The tip alone: a write is a commit on top of it, a read looks at its tree.
                Ok(repo.fetch_branch(url, &self.branch, Self::TRACKING, Some(NonZeroU32::MIN), token.as_ref())?)
            }
            Store::GitHub(f) => match f.branch_head(&self.branch).await? {
                Some(tip) => Ok(Some(tip)),
                // No ledger yet means "no drills yet" only in a repository that exists.
                None => {
                    f.check_repository().await?;
                    Ok(None)
                }
            },
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

    /// Writes a commit on `head` with `changes`, the `public` files and `index` (told the id of the `drills/` tree
    /// it sits next to) and moves the branch to it if it is still at `head`. `Ok(None)`: the branch moved (a lost
    /// race); a refusal for any other reason is an error.
    async fn publish(
        &self,
        head: Option<&Head>,
        changes: &[FileChange],
        public: &[FileChange],
        mut index: Index,
        message: &str,
        who: &Identity,
    ) -> Result<Option<CommitSha>, LedgerError> {
        let parent = head.map(|h| &h.tip);
        let touches_drills = changes.iter().any(|c| c.path().starts_with("drills/"));
        match &self.store {
            Store::Git { url, repo, token } => {
                // The `drills/` tree is known once written: a first commit gives it, the second adds the index.
                index.drills_tree = match head {
                    Some(h) if !touches_drills => h.drills_tree.clone(),
                    _ => {
                        let logs_only = repo.write_commit(parent, changes, message, who, who)?;
                        repo.entry_id(&logs_only, "drills")?
                    }
                };
                let mut all = changes.to_vec();
                all.extend_from_slice(public);
                all.push(FileChange::write(INDEX_FILE, index.to_text()));
                let commit = repo.write_commit(parent, &all, message, who, who)?;
                let remote_ref = format!("refs/heads/{}", self.branch);
                match repo.push(url, &[PushRef::Update { commit: &commit, remote_ref: &remote_ref }], token.as_ref()) {
                    Ok(()) => Ok(Some(commit)),
                    // Another writer holds the branch's lock: it is moving it.
                    Err(e) if e.is_lock_contention() => Ok(None),
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
                let actor = crate::forge::Person::new(who.name.clone(), who.email.clone());
                let mut base = head.and_then(|h| h.root_tree.clone());
                index.drills_tree = head.and_then(|h| h.drills_tree.clone());
                if touches_drills || head.is_none() {
                    let (tree, entries) = f.write_tree(base.as_deref(), changes).await?;
                    index.drills_tree = entries.into_iter().find(|(name, _)| name == "drills").map(|(_, id)| id);
                    base = Some(tree);
                }
                // The index and the public files in one tree: their cost does not grow with the ledger.
                let mut last = public.to_vec();
                last.push(FileChange::write(INDEX_FILE, index.to_text()));
                let (tree, _) = f.write_tree(base.as_deref(), &last).await?;
                let commit = f.write_commit_of_tree(&tree, parent, message, &actor, who.time).await?;
                Ok(f.move_branch(&self.branch, &commit, parent).await?.then_some(commit))
            }
        }
    }

    /// The tip, its tree's ids and its index when fresh: one read on plain git, three requests on GitHub
    /// (the ref, the root tree, the index's blob).
    async fn head(&self) -> Result<Option<Head>, LedgerError> {
        let Some(tip) = self.tip().await? else { return Ok(None) };
        let (root_tree, drills_tree, text) = match &self.store {
            Store::Git { repo, .. } => {
                let text = repo.read_file(&tip, INDEX_FILE)?.map(|b| String::from_utf8_lossy(&b).into_owned());
                (None, repo.entry_id(&tip, "drills")?, text)
            }
            Store::GitHub(f) => {
                let (root, entries) = f.root_tree(&tip).await?;
                let id = |name: &str| entries.iter().find(|(n, _)| n == name).map(|(_, id)| id.clone());
                let text = match id(INDEX_FILE) {
                    Some(blob) => Some(String::from_utf8_lossy(&f.blob(&blob).await?).into_owned()),
                    None => None,
                };
                (Some(root), id("drills"), text)
            }
        };
        let (index, previous) = match text.as_deref().and_then(Index::parse) {
            Some(i) if i.drills_tree == drills_tree => (Some(i), None),
            other => (None, other),
        };
        if index.is_none() && drills_tree.is_some() {
            tracing::info!(ledger = %self.describe(), "the ledger's index is missing or stale: reading every log");
        }
        Ok(Some(Head { tip, root_tree, drills_tree, index, previous }))
    }

    /// Drill `drill`'s log at `tip`, if it has one (damaged or not).
    async fn read_log(&self, tip: &CommitSha, drill: &str) -> Result<Option<Result<Vec<Event>, Damage>>, LedgerError> {
        Ok(self.read_file(tip, &log_path(drill)).await?.map(|text| parse(drill, &text)))
    }

    /// Drill `drill`'s log at `tip` (as [`Ledger::read_active`] read it; `None`: no ledger, no log), if it has
    /// one (damaged or not): one log, for one drill's timeline.
    pub async fn read_log_at(
        &self,
        tip: Option<&CommitSha>,
        drill: &str,
    ) -> Result<Option<Result<Vec<Event>, Damage>>, LedgerError> {
        match tip {
            Some(tip) => self.read_log(tip, drill).await,
            None => Ok(None),
        }
    }

    /// What a tick needs: the index (every drill summed up) and the full logs of the drills still active
    /// (unresolved, or not reported yet). On GitHub it costs the ref, the root tree and the index (3 requests)
    /// plus one per active drill, whatever the number of finished drills. A missing or stale index is folded
    /// from every log (`rebuilt`). Cached like [`Ledger::read`] until this process writes.
    pub async fn read_active(&self) -> Result<Arc<Active>, LedgerError> {
        if let Some(a) = self.active_cache.lock().map_err(|_| LedgerError::Contended)?.clone() {
            return Ok(a);
        }
        let active = match self.head().await? {
            None => Active::default(),
            Some(Head { tip, index: Some(mut index), .. }) => {
                let mut logs = BTreeMap::new();
                // Damaged when the index was written, and the `drills/` tree has not changed since.
                let mut damaged: BTreeMap<String, Damage> = index
                    .damaged
                    .iter()
                    .map(|(id, problem)| (id.clone(), Damage { drill: id.clone(), problem: problem.clone() }))
                    .collect();
                let ids: Vec<String> =
                    index.active().filter(|id| !damaged.contains_key(*id)).map(str::to_owned).collect();
                for id in ids {
                    match self.read_log(&tip, &id).await? {
                        Some(Ok(log)) => {
                            // The log is the truth: the summary follows it.
                            index.update(&id, &log);
                            logs.insert(id, log);
                        }
                        Some(Err(damage)) => {
                            damaged.insert(id, damage);
                        }
                        None => {
                            damaged.insert(id.clone(), missing(&id));
                        }
                    }
                }
                Active { tip: Some(tip), index, logs, rebuilt: false, damaged }
            }
            Some(Head { tip, drills_tree, index: None, previous, .. }) => {
                let (mut logs, mut damaged) = self.read_logs(&tip).await?;
                let index = fold_index(&logs, &damaged, drills_tree, previous.as_ref());
                for (id, problem) in &index.damaged {
                    damaged.entry(id.clone()).or_insert_with(|| Damage { drill: id.clone(), problem: problem.clone() });
                }
                logs.retain(|id, _| index.drills.get(id).is_some_and(Summary::is_active));
                Active { tip: Some(tip), index, logs, rebuilt: true, damaged }
            }
        };
        let active = Arc::new(active);
        *self.active_cache.lock().map_err(|_| LedgerError::Contended)? = Some(Arc::clone(&active));
        Ok(active)
    }

    /// Writes the index folded from every log when the tip's is missing or stale (a ledger written before
    /// the index existed, or by hand), as one commit by `who` at `at`. `Ok(None)`: it was fresh already.
    pub async fn repair_index(&self, who: (&str, &str), at: Timestamp) -> Result<Option<CommitSha>, LedgerError> {
        let identity = Identity::new(who.0, who.1, at);
        self.clear_caches()?;
        for _ in 0..CAS_ATTEMPTS {
            let Some(head) = self.head().await? else { return Ok(None) };
            if head.index.is_some() {
                return Ok(None);
            }
            let (logs, damaged) = self.read_logs(&head.tip).await?;
            let index = fold_index(&logs, &damaged, head.drills_tree.clone(), head.previous.as_ref());
            if let Some(commit) =
                self.publish(Some(&head), &[], &[], index, "firedrill: rebuild the ledger's index\n", &identity).await?
            {
                return Ok(Some(commit));
            }
        }
        Err(LedgerError::Contended)
    }

    fn clear_caches(&self) -> Result<(), LedgerError> {
        self.cache.lock().map_err(|_| LedgerError::Contended)?.take();
        self.active_cache.lock().map_err(|_| LedgerError::Contended)?.take();
        Ok(())
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
        let (logs, damaged) = self.read_logs(&tip).await?;
        Ok(Snapshot { tip: Some(tip), logs, damaged })
    }

    /// Every drill's log at `tip`, and the damaged ones apart: one damaged log stops nothing else.
    async fn read_logs(
        &self,
        tip: &CommitSha,
    ) -> Result<(BTreeMap<String, Vec<Event>>, BTreeMap<String, Damage>), LedgerError> {
        let mut logs = BTreeMap::new();
        let mut damaged = BTreeMap::new();
        let mut sort = |drill: String, read: Result<Vec<Event>, Damage>| match read {
            Ok(events) => {
                logs.insert(drill, events);
            }
            Err(damage) => {
                tracing::warn!(ledger = %self.describe(), %damage, "a drill's log is damaged");
                damaged.insert(drill, damage);
            }
        };
        match &self.store {
            // One walk of `drills/`: linear in the number of drills.
            Store::Git { repo, .. } => {
                for (drill, bytes) in repo.read_each(tip, "drills", "events.jsonl")? {
                    let read = parse(&drill, &String::from_utf8_lossy(&bytes));
                    sort(drill, read);
                }
            }
            Store::GitHub(_) => {
                for drill in self.list_dir(tip, "drills").await? {
                    if let Some(read) = self.read_log(tip, &drill).await? {
                        sort(drill, read);
                    }
                }
            }
        }
        Ok((logs, damaged))
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
        who: &crate::person::Person,
        at: Timestamp,
    ) -> Result<Written, LedgerError> {
        let identity = Identity::new(who.name.as_str(), who.email.as_str(), at);
        // Whatever happens, the next read looks at the branch again.
        self.clear_caches()?;
        let touched: BTreeSet<&str> = write
            .events
            .iter()
            .map(|(d, _)| d.as_str())
            .chain(write.files.iter().map(|(d, _, _)| d.as_str()))
            .collect();
        for retries in 0..CAS_ATTEMPTS {
            // With a fresh index only the logs written to are read; without one, every log (to fold it).
            let head = self.head().await?;
            let (snapshot, mut index) = match &head {
                None => (Snapshot::default(), Index::default()),
                Some(Head { tip, index: Some(index), .. }) => {
                    let mut logs = BTreeMap::new();
                    let mut damaged = BTreeMap::new();
                    for drill in &touched {
                        match self.read_log(tip, drill).await? {
                            Some(Ok(log)) => {
                                logs.insert((*drill).to_owned(), log);
                            }
                            Some(Err(damage)) => {
                                damaged.insert((*drill).to_owned(), damage);
                            }
                            None => {}
                        }
                    }
                    (Snapshot { tip: Some(tip.clone()), logs, damaged }, index.clone())
                }
                Some(Head { tip, drills_tree, index: None, previous, .. }) => {
                    let (logs, damaged) = self.read_logs(tip).await?;
                    let index = fold_index(&logs, &damaged, drills_tree.clone(), previous.as_ref());
                    (Snapshot { tip: Some(tip.clone()), logs, damaged }, index)
                }
            };
            // What the public files showed: `None` when the index was folded again here (they are rebuilt).
            let shown = match &head {
                Some(Head { index: Some(_), .. }) => Some(index.ended()),
                _ => None,
            };
            // Appending to a damaged or deleted log would replace it with the new events alone: refused.
            for drill in &touched {
                let damage = snapshot.damaged.get(*drill).cloned().or_else(|| {
                    (index.knows(drill) && !snapshot.logs.contains_key(*drill)).then(|| {
                        let problem = index.damaged.get(*drill).cloned().unwrap_or_else(|| missing(drill).problem);
                        Damage { drill: (*drill).to_owned(), problem }
                    })
                });
                if let Some(damage) = damage {
                    return Err(LedgerError::Damaged(damage));
                }
            }
            let (changes, logs, appended) = self.changes(&snapshot, write).await?;
            if changes.is_empty() {
                return Ok(Written { commit: None, appended: 0, retries });
            }
            for (drill, log) in &logs {
                index.update(drill, log);
            }
            let ended = index.ended();
            // Rebuilt when the ended drills change; before any has ended there is nothing to publish (a page
            // appearing, or its date, would say when the first drill began).
            let public = match &self.public {
                Some(build) if shown.as_ref() != Some(&ended) && !ended.is_empty() => {
                    build(&ended, at).into_iter().map(|(p, c)| FileChange::write(p, c)).collect()
                }
                _ => Vec::new(),
            };
            match self.publish(head.as_ref(), &changes, &public, index, message, &identity).await? {
                Some(commit) => {
                    tracing::debug!(ledger = %self.describe(), %commit, appended, "ledger written");
                    return Ok(Written { commit: Some(commit), appended, retries });
                }
                None => {
                    tracing::debug!(ledger = %self.describe(), retries, "lost a race on the ledger; retrying");
                    tokio::time::sleep(backoff(retries)).await;
                }
            }
        }
        Err(LedgerError::Contended)
    }

    /// The file changes that apply `write` to `snapshot` (which holds at least the logs `write` appends to),
    /// the resulting log of each drill written to, and how many events are new.
    async fn changes(
        &self,
        snapshot: &Snapshot,
        write: &Write,
    ) -> Result<(Vec<FileChange>, BTreeMap<String, Vec<Event>>, usize), LedgerError> {
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
        for (drill, log) in &logs {
            if snapshot.logs.get(*drill).is_some_and(|old| old.len() == log.len()) {
                continue;
            }
            let mut text = String::new();
            for e in log {
                text.push_str(&e.to_line());
                text.push('\n');
            }
            changes.push(FileChange::write(format!("drills/{drill}/events.jsonl"), text));
        }
        let logs = logs.into_iter().map(|(d, l)| (d.to_owned(), l)).collect();
        for (drill, name, content) in &write.files {
            if self.read_drill_file(snapshot, drill, name).await?.as_deref() != Some(content.as_str()) {
                changes.push(FileChange::write(format!("drills/{drill}/{name}"), content.clone()));
            }
        }
        Ok((changes, logs, appended))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::drill::event::{EventKind, TargetRef};

    fn planned() -> Event {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let kind = EventKind::Planned {
            scenario: "redis".parse().unwrap(),
            target: TargetRef { repo: None, branch: "main".into(), path: "values.yaml".into() },
            occurrence: t("2026-11-24T09:00:00Z"),
            open_at: t("2026-11-24T08:00:00Z"),
            merge_at: t("2026-11-24T10:37:00Z"),
        };
        Event::new(t("2026-11-23T12:00:00Z"), "firedrill", "tick", kind)
    }

    #[test]
    fn a_damaged_or_emptied_log_is_named_with_its_line() {
        let line = planned().to_line();
        assert_eq!(parse("d", &format!("{line}\n{line}\n")).unwrap().len(), 2);
        let bad = parse("redis-20261124T0900Z", &format!("{line}\n{{oops\n")).unwrap_err();
        assert!(bad.problem.starts_with("line 2: "), "{bad}");
        assert!(
            bad.to_string().starts_with("drills/redis-20261124T0900Z/events.jsonl on the ledger branch is damaged")
        );
        assert!(bad.to_string().contains("fix: restore it from the ledger branch's history"));
        assert_eq!(parse("d", "\n \n").unwrap_err().problem, "it holds no event (it was emptied)");
    }

    #[test]
    fn a_rebuilt_index_keeps_the_drills_whose_logs_are_gone_or_damaged() {
        let (a, b, c) = ("redis-20261124T0900Z", "redis-20261201T0900Z", "redis-20261208T0900Z");
        let mut logs = BTreeMap::new();
        for id in [a, b, c] {
            logs.insert(id.to_owned(), vec![planned()]);
        }
        let previous = Index::fold(&logs, Some("old".into()));
        // `a` deleted, `b` damaged, `c` intact.
        logs.remove(a);
        logs.remove(b);
        let damaged: BTreeMap<String, Damage> =
            [(b.to_owned(), Damage { drill: b.to_owned(), problem: "line 1: oops".into() })].into();
        let index = fold_index(&logs, &damaged, Some("new".into()), Some(&previous));
        assert!(index.knows(a) && index.knows(b) && index.knows(c));
        assert_eq!(index.damaged.keys().collect::<Vec<_>>(), [a, b]);
        assert_eq!(index.damaged[b], "line 1: oops");
        assert!(index.damaged[a].contains("missing"));
        // The record survives a round trip through the file.
        assert_eq!(Index::parse(&index.to_text()).unwrap(), index);
        // Without a previous index, a deleted log leaves nothing to know it by; a damaged one is still known.
        let fresh = fold_index(&logs, &damaged, Some("new".into()), None);
        assert!(!fresh.knows(a) && fresh.knows(b));
    }
}
