//! Forges: what the drill lifecycle needs from the service hosting the target repository.
//!
//! A narrow trait with one implementation per forge: [`local::LocalForge`] (any git repository, a path or a
//! URL: firedrill pushes and merges itself) and [`github::GitHubForge`] (the REST API through octocrab, no
//! clone); [`any::AnyForge`] holds either. Every method is safe to repeat: opening an open change or merging
//! a merged one reports what is there instead of doing it twice. Forges answer questions and carry out
//! actions; what to do is decided by [`crate::drill::step`]. How to get one action through is the forge's: on
//! GitHub a refused merge is read (its checks, its state again) and sent again (another method, a racing base)
//! as the pure [`refused::decide`] says from GitHub's state; what it needs that firedrill can give (the approver's
//! review, the branch brought up to date) comes back as [`MergeOutcome::Needs`], for the step to decide; so does a
//! revert the branch refuses ([`RevertOutcome::Refused`]: the step opens a revert pull request and merges it).

pub mod any;
pub mod github;
mod http;
pub mod local;
pub mod refused;

use jiff::Timestamp;

use crate::git::{CommitSha, FileChange, GitError, MergeMethod};
use crate::render::comment::Marker;
pub use crate::types::{Behind, MergeNeed, RevertRefused};
pub use crate::types::{Change, Landing, Permission, Person, Reaction};

/// What merging a change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeOutcome {
    /// The change is on the base branch: `commit` is the commit that landed it, at `at`.
    Merged { commit: CommitSha, at: Timestamp },
    /// The change's head is not the commit firedrill opened (someone pushed to it).
    HeadMoved { expected: CommitSha, actual: CommitSha },
    /// The change was closed or its branch deleted.
    Closed,
    /// A guard rail of the base branch holds the merge back for now (a required check not passed yet, the
    /// branch just brought up to date with its base): try again later. `head`: the change's head when firedrill
    /// moved it (`update-branch`), which later merges must expect.
    Waiting { reason: String, head: Option<CommitSha> },
    /// The forge cannot merge it (conflicts, protection rules); why.
    NotMergeable { reason: String },
    /// The merge needs something firedrill can give (the approver's review, the branch brought up to date):
    /// the step decides ([`crate::drill::step::Effect::Approve`], [`crate::drill::step::Effect::UpdateBranch`]);
    /// a merge sent again after it goes on from `resume` ([`MergeSpec::resume`]).
    Needs { need: MergeNeed, resume: Box<MergeResume> },
}

/// Where a merge that came back with [`MergeOutcome::Needs`] stopped: given back in [`MergeSpec::resume`], the
/// merge is sent again at once, with what it had read (no request repeated) and its bounds counted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeResume {
    /// The head the merge expects (the drill's commit, or the one `update-branch` made in an earlier run).
    pub head: CommitSha,
    /// `head` when firedrill moved it in an earlier run.
    pub moved: Option<CommitSha>,
    /// The method to send, and the ones still to try after it.
    pub method: MergeMethod,
    pub rest: Vec<MergeMethod>,
    /// GitHub's `mergeable_state` as last read, and the required checks when they were read.
    pub state: String,
    pub checks: Option<Vec<(String, refused::Check)>>,
    /// The approver has reviewed the head in this run.
    pub approved: bool,
    /// Questions asked again, retries after a moving base, and merges sent, in this run.
    pub asks: usize,
    pub retries: usize,
    pub tries: usize,
}

/// What reverting a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevertOutcome {
    /// The revert is on the branch.
    Landed(Landing),
    /// The branch refused the revert directly (and did not move meanwhile): it must go through a change request.
    Refused(RevertRefused),
}

/// A comment on a change or an issue, as the forge shows it. Its body is data: parsed, never run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    /// The change or issue it was made on (its number).
    pub on: String,
    pub body: String,
    pub by: String,
    /// Written by a bot account.
    pub bot: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// How to merge a change.
#[derive(Debug, Clone)]
pub struct MergeSpec<'a> {
    /// The branch to merge into.
    pub base: &'a str,
    /// The base commit the change was opened on (where to look for an earlier landing).
    pub cut_from: &'a CommitSha,
    /// The head the change must still have.
    pub expected_head: &'a CommitSha,
    pub method: MergeMethod,
    /// When the forge refuses `method` as not allowed (the repository's settings, a linear-history rule), try
    /// the others it may allow, in the order merge, squash, fast-forward. Off when the method was given.
    pub fallback: bool,
    /// The merge commit's message where firedrill writes it itself (plain git, as `git merge` words it); GitHub
    /// is sent none and writes what its merge button writes.
    pub message: &'a str,
    /// What the base branch makes a pull request wait for, as read when the drill opened (`None`: not known; the
    /// forge reads it when a refusal needs it).
    pub gate: Option<&'a crate::drill::guard::Gate>,
    /// A merge that came back with [`MergeOutcome::Needs`], the need now met: go on from there.
    pub resume: Option<&'a MergeResume>,
}

/// How to revert a commit.
#[derive(Debug, Clone, Copy)]
pub struct RevertSpec<'a> {
    /// The commit to revert: what landed the fault.
    pub commit: &'a CommitSha,
    /// The branch it landed on.
    pub base: &'a str,
    /// The revert commit's message; `None`: what `git revert` writes for that commit
    /// ([`crate::git::message::revert_message`]), as a colleague's revert reads.
    pub message: Option<&'a str>,
    pub actor: &'a Person,
    pub at: Timestamp,
    /// What a pull request into `base` waits for, where the revert must go through one.
    pub gate: Option<&'a crate::drill::guard::Gate>,
}

#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("branch `{branch}` does not exist in {repo}")]
    NoBranch { repo: String, branch: String },
    /// The token has no user account (a GitHub App installation token): there is nobody to act as.
    #[error("{0}")]
    NoTokenUser(String),
    /// GitHub answered 404: the thing asked for is not there, or the token cannot see it.
    #[error("{message}")]
    NotFound { message: String },
    /// GitHub answered 401 or 403: the token is wrong, or lacks `permission` (GitHub's
    /// `x-accepted-github-permissions` for the endpoint, where it said).
    #[error("{message}")]
    Forbidden { permission: Option<String>, message: String },
    /// GitHub refused the request as it stands (405 to a merge, 422 to a write): `state` is what GitHub showed.
    #[error("{message}")]
    Refused { state: String, message: String },
    /// GitHub's rate limit is spent until `reset` (when known): the next run carries on.
    #[error("{message}")]
    RateLimited { reset: Option<Timestamp>, message: String },
    /// GitHub answered 409: something moved meanwhile (a race).
    #[error("{message}")]
    Conflict { message: String },
    /// A 5xx or a transport error that outlived octocrab's retries: the next run tries again.
    #[error("{message}")]
    Transient { message: String },
    #[error("{0}")]
    Other(String),
}

impl ForgeError {
    pub fn hint(&self) -> Option<&str> {
        match self {
            ForgeError::Git(e) => e.hint(),
            ForgeError::NoBranch { .. } => Some("check `target.branch` in the scenario"),
            ForgeError::Forbidden { permission: Some(_), .. } => Some(
                "give the token the permission GitHub named (fine-grained tokens and Apps: repository permissions)",
            ),
            ForgeError::RateLimited { .. } | ForgeError::Transient { .. } => {
                Some("nothing to do: the next scheduled run carries on where this one stopped")
            }
            ForgeError::NotFound { .. }
            | ForgeError::Forbidden { .. }
            | ForgeError::Refused { .. }
            | ForgeError::Conflict { .. }
            | ForgeError::NoTokenUser(_)
            | ForgeError::Other(_) => None,
        }
    }
}

pub type Result<T, E = ForgeError> = std::result::Result<T, E>;

/// What the lifecycle needs from a forge.
#[allow(async_fn_in_trait)]
pub trait Forge {
    /// A short description for logs and reports (a URL without credentials, or a path).
    fn describe(&self) -> String;
    /// The repository's web address (`https://github.com/owner/name`), to link commits and pull requests
    /// in reports; `None` where there is no web interface.
    fn web_url(&self) -> Option<String> {
        None
    }
    /// How many API requests this forge has sent (0 for forges that speak git, not an API).
    fn requests(&self) -> usize {
        0
    }
    /// Who owns the token firedrill acts with, as the forge shows them, for commits made without a given
    /// identity; `None` where the forge has no accounts (the local forge: git has no token owner).
    async fn token_owner(&self) -> Result<Option<Person>> {
        Ok(None)
    }
    /// The tip of `branch`, or `None` when it does not exist.
    async fn branch_head(&self, branch: &str) -> Result<Option<CommitSha>>;
    /// The text of `path` at `commit`, or `None` when absent.
    async fn read_file(&self, commit: &CommitSha, path: &str) -> Result<Option<String>>;
    /// The path of every file at `commit`, and whether the listing is whole (GitHub cuts very large trees
    /// short). `None`: this forge cannot list.
    async fn list_files(&self, _commit: &CommitSha) -> Result<Option<(Vec<String>, bool)>> {
        Ok(None)
    }
    /// Writes (without publishing) a commit on top of `parent` changing `files`.
    async fn write_commit(
        &self,
        parent: &CommitSha,
        files: &[FileChange],
        message: &str,
        author: &Person,
        at: Timestamp,
    ) -> Result<CommitSha>;
    /// The open change for `branch`, if any.
    async fn find_change(&self, branch: &str) -> Result<Option<Change>>;
    /// Opens a change from `branch` (created at `head`) into `base`; returns the existing one when it is
    /// already open at `head`.
    async fn open_change(&self, branch: &str, head: &CommitSha, base: &str, title: &str, body: &str) -> Result<Change>;
    /// Merges `change` as `merge` says, if its head is still the expected one. When the change already
    /// landed (a re-run after a crash), reports that landing instead of merging again.
    async fn merge_change(
        &self,
        change: &Change,
        merge: &MergeSpec<'_>,
        actor: &Person,
        at: Timestamp,
    ) -> Result<MergeOutcome>;
    /// Gives `change` the approver's review at `head`, where a review is required and a second token approves
    /// (GitHub: `POST /pulls/N/reviews`). Forges without reviews have nothing to give.
    async fn approve(&self, _change: &Change, _head: &CommitSha) -> Result<()> {
        Ok(())
    }
    /// Brings `change` up to date with `base` after a merge refused as behind ([`MergeNeed::UpToDate`]: GitHub's
    /// `update-branch`, expecting its head): the merge then waits for the required checks again. Forges that
    /// never ask for it cannot do it.
    async fn update_branch(&self, change: &Change, base: &str, _behind: &Behind) -> Result<MergeOutcome> {
        Ok(MergeOutcome::NotMergeable {
            reason: format!("`{}` cannot be brought up to date with `{base}` on this forge", change.branch),
        })
    }
    /// Whether `change` is already on the base branch (merged by this run, an earlier one or a racing one):
    /// the commit that landed it and when. A read: asked after a refused merge, before deciding it failed.
    async fn landed(&self, change: &Change, merge: &MergeSpec<'_>) -> Result<Option<(CommitSha, Timestamp)>>;
    /// Reverts `spec.commit` on `spec.base` as `spec.actor` at `spec.at`: the landing of the revert, or the
    /// branch's refusal to take it directly.
    async fn revert(&self, spec: &RevertSpec<'_>) -> Result<RevertOutcome>;
    /// Opens the change that lands `refused.reverted` on `spec.base` (GitHub: the branch, title and body its
    /// "Revert" button gives), or finds the one an earlier run opened. Forges that never refuse a revert
    /// cannot open one.
    async fn open_revert_change(&self, spec: &RevertSpec<'_>, _refused: &RevertRefused) -> Result<Change> {
        Err(ForgeError::Other(format!("`{}` cannot take a revert through a change request here", spec.base)))
    }
    /// The team's recent work on `base` (at `head`), newest first, for the disguise to read like it: at most
    /// [`crate::disguise::style::RECENT_LIMIT`] pieces, read in a bounded number of requests. Forges that cannot
    /// tell have none.
    async fn recent_work(&self, _base: &str, _head: &CommitSha) -> Result<crate::disguise::style::Recent> {
        Ok(crate::disguise::style::Recent::default())
    }
    /// The first-parent history of `base` after `after` (exclusive), oldest first.
    async fn history(&self, base: &str, after: &CommitSha) -> Result<Vec<Landing>>;
    /// Closes `change` without merging it and deletes its branch, so it cannot be reopened and merged later
    /// (GitHub: only while the branch is still at the change's head; someone else's commits pushed there are
    /// left alone). Repeating it is harmless.
    async fn close_change(&self, change: &Change) -> Result<()>;
    /// Whether the forge can tell when a commit went live (commit statuses, check runs, deployments).
    fn observes_deploys(&self) -> bool {
        false
    }
    /// When `signal` first reported `commit` live (its first success there), on forges that have such
    /// signals; `None`: not (yet). One request for a status or a check run; a deployment's statuses cost one
    /// more per deployment of the commit.
    async fn live_at(&self, _signal: &crate::scenario::DeploySignal, _commit: &CommitSha) -> Result<Option<Timestamp>> {
        Ok(None)
    }
    /// One open issue labelled `label` in the repository (its number), or `None`: is a real incident under way?
    /// Forges without issues (the local forge: any git repository) have none, so nothing stops a drill there.
    async fn open_issue_with_label(&self, _label: &str) -> Result<Option<u64>> {
        Ok(None)
    }
    /// The comments on `change` created or edited at or after `since`, oldest first. Forges without comments
    /// (plain git: commands come from the command line) have none.
    async fn comments(&self, _change: &Change, _since: Option<Timestamp>) -> Result<Vec<Comment>> {
        Ok(Vec::new())
    }
    /// One comment, read back by its id (an event or a relay names only the id; nothing else it says is
    /// trusted); `None` when there is no such comment.
    async fn comment(&self, _id: u64) -> Result<Option<Comment>> {
        Ok(None)
    }
    /// A review's body as a comment, read back by the pull request's number and the review's id (an event names
    /// only those); `None` when there is no such review, and on forges without reviews.
    async fn review(&self, _number: u64, _id: u64) -> Result<Option<Comment>> {
        Ok(None)
    }
    /// What `login` may do on the repository (`admin`, `maintain`, `write`, `triage`, `read`, `none`), team
    /// and organisation access included.
    async fn permission(&self, _login: &str) -> Result<Permission> {
        Ok(Permission::NoAccess)
    }
    /// Adds a reaction to a comment: repeating one is harmless.
    async fn react(&self, _comment: u64, _reaction: Reaction) -> Result<()> {
        Ok(())
    }
    /// The base branch's guard rails (branch protection, rulesets) as the token sees them, where the forge has
    /// them; `None`: nothing guards branches here (plain git).
    async fn guard_rails(&self, _branch: &str) -> Result<Option<crate::drill::guard::GuardRails>> {
        Ok(None)
    }
    /// Who CODEOWNERS on `branch` names for `path`, and the approver's login, where a code owner's review is
    /// required; `None` where the forge has no code owners.
    async fn code_owners(&self, _branch: &str, _path: &str) -> Result<Option<crate::drill::guard::Owners>> {
        Ok(None)
    }
    /// Whether a second token approves the drill's pull requests where a review is required.
    fn has_approver(&self) -> bool {
        false
    }
    /// Answers a comment made on a line of `change`'s diff in its own thread (GitHub's review comments); `false`
    /// (nothing posted) for any other comment, and on forges without threads.
    async fn reply_in_thread(&self, _change: &Change, _comment: u64, _body: &str) -> Result<bool> {
        Ok(false)
    }
    /// Whether the forge has issues (where a drill can be announced).
    fn has_issues(&self) -> bool {
        false
    }
    /// Opens an issue, or finds the open one whose body holds the hidden `marker` (a re-run, a retried POST);
    /// returns its number.
    async fn open_issue(&self, _title: &str, _body: &str, _marker: &Marker) -> Result<Option<String>> {
        Ok(None)
    }
    /// Whether this forge is the repository `owner/name` (for events that name their repository).
    fn is_repository(&self, _full_name: &str) -> bool {
        false
    }
    /// Posts or updates (found by `marker`) a status note on `change`. The local forge has nowhere to post:
    /// its notes are the ledger's events.
    async fn post_note(&self, change: &Change, marker: &Marker, body: &str) -> Result<()>;
}
