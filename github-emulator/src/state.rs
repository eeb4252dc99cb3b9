//! The emulator's objects (users, tokens, permissions, pull requests, issues, comments, review comments, deployments,
//! reviews, commit statuses, check runs, branch protection, rulesets, GitHub Apps, the clock), kept as one JSON
//! document under the state folder so that a restart on the same folder resumes where it stopped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A user's role on a repository, from strongest to weakest, as GitHub names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    None,
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

impl Permission {
    pub fn parse(text: &str) -> Option<Permission> {
        Some(match text {
            "none" => Permission::None,
            "read" | "pull" => Permission::Read,
            "triage" => Permission::Triage,
            "write" | "push" => Permission::Write,
            "maintain" => Permission::Maintain,
            "admin" => Permission::Admin,
            _ => return None,
        })
    }

    /// The role name (`role_name`).
    pub fn role_name(self) -> &'static str {
        match self {
            Permission::None => "none",
            Permission::Read => "read",
            Permission::Triage => "triage",
            Permission::Write => "write",
            Permission::Maintain => "maintain",
            Permission::Admin => "admin",
        }
    }

    /// The legacy `permission` field of the collaborator-permission API: maintain reads as write, triage as read.
    pub fn legacy(self) -> &'static str {
        match self {
            Permission::None => "none",
            Permission::Read | Permission::Triage => "read",
            Permission::Write | Permission::Maintain => "write",
            Permission::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    pub login: String,
    /// `User` or `Bot`.
    pub kind: String,
    /// The profile's display name; GitHub's `name` is `null` until the user sets one.
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Repo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub private: bool,
    pub default_branch: String,
    pub created_at: Timestamp,
    #[serde(default)]
    pub permissions: BTreeMap<String, Permission>,
    pub next_number: u64,
    #[serde(default)]
    pub pulls: Vec<Pull>,
    #[serde(default)]
    pub issues: Vec<Issue>,
    #[serde(default)]
    pub comments: Vec<Comment>,
    #[serde(default)]
    pub deployments: Vec<Deployment>,
    #[serde(default)]
    pub settings: MergeSettings,
    /// Classic branch protection, by branch name.
    #[serde(default)]
    pub protections: BTreeMap<String, Protection>,
    #[serde(default)]
    pub rulesets: Vec<Ruleset>,
    #[serde(default)]
    pub reviews: Vec<Review>,
    #[serde(default)]
    pub statuses: Vec<CommitStatus>,
    #[serde(default)]
    pub check_runs: Vec<CheckRun>,
    /// Comments on a line of a pull request's diff (their ids come from the same counter as every other id).
    #[serde(default)]
    pub review_comments: Vec<ReviewComment>,
}

impl Repo {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pull {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub user: String,
    pub head_ref: String,
    /// The head commit when the pull request was last seen open (the branch may be gone since).
    pub head_sha: String,
    pub base_ref: String,
    pub base_sha: String,
    pub draft: bool,
    pub state: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub merged_at: Option<Timestamp>,
    pub merged_by: Option<String>,
    pub merge_commit_sha: Option<String>,
    /// Every commit the merge put on the base branch (one for merge and squash, several for rebase).
    #[serde(default)]
    pub landed: Vec<String>,
    /// GitHub has not computed its mergeability yet (just opened, or its base moved): the next answer that shows
    /// it says `mergeable: null`, `mergeable_state: "unknown"`, and GitHub computes it meanwhile.
    #[serde(default)]
    pub uncomputed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Issue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub user: String,
    pub labels: Vec<String>,
    pub state: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub closed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comment {
    pub id: u64,
    /// The issue or pull request number.
    pub number: u64,
    pub user: String,
    pub body: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub reactions: Vec<Reaction>,
}

/// A pull request review comment: a comment on one line of the diff, or a reply in its thread.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewComment {
    pub id: u64,
    /// The pull request number.
    pub number: u64,
    /// The review it belongs to (an implicit `COMMENTED` review for a comment made on its own).
    pub review_id: Option<u64>,
    pub user: String,
    pub body: String,
    pub path: String,
    pub line: u64,
    /// `RIGHT` (the head side) or `LEFT` (the base side).
    pub side: String,
    pub commit_id: String,
    pub original_commit_id: String,
    /// The diff from its hunk header down to the commented line.
    pub diff_hunk: String,
    /// The line's index in the file's diff (GitHub's `position`).
    pub position: u64,
    /// The first comment of the thread, for a reply.
    pub in_reply_to_id: Option<u64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub reactions: Vec<Reaction>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reaction {
    pub id: u64,
    pub user: String,
    pub content: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployment {
    pub id: u64,
    pub sha: String,
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub task: String,
    pub environment: String,
    pub description: Option<String>,
    pub payload: serde_json::Value,
    pub creator: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub statuses: Vec<DeploymentStatus>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentStatus {
    pub id: u64,
    pub state: String,
    pub description: String,
    pub environment: String,
    pub target_url: String,
    pub log_url: String,
    pub environment_url: String,
    pub creator: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The merge settings of a repository (`PATCH /repos/{o}/{r}`); GitHub's defaults allow all three methods.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MergeSettings {
    #[serde(default = "yes")]
    pub allow_merge_commit: bool,
    #[serde(default = "yes")]
    pub allow_squash_merge: bool,
    #[serde(default = "yes")]
    pub allow_rebase_merge: bool,
    #[serde(default)]
    pub allow_update_branch: bool,
    #[serde(default)]
    pub delete_branch_on_merge: bool,
    #[serde(default)]
    pub allow_auto_merge: bool,
    /// The title of a merge commit made without one: `MERGE_MESSAGE` (`Merge pull request #N from OWNER/BRANCH`,
    /// GitHub's default) or `PR_TITLE` (`TITLE (#N)`).
    #[serde(default = "merge_message")]
    pub merge_commit_title: String,
    /// Its body: `PR_TITLE` (the default), `PR_BODY` or `BLANK`.
    #[serde(default = "pr_title")]
    pub merge_commit_message: String,
    /// The title of a squash commit made without one: `COMMIT_OR_PR_TITLE` (the default: a one-commit pull
    /// request keeps its commit's subject, others the pull request's title) or `PR_TITLE`; ` (#N)` follows.
    #[serde(default = "commit_or_pr_title")]
    pub squash_merge_commit_title: String,
    /// Its body: `COMMIT_MESSAGES` (the default), `PR_BODY` or `BLANK`.
    #[serde(default = "commit_messages")]
    pub squash_merge_commit_message: String,
}

fn yes() -> bool {
    true
}

fn merge_message() -> String {
    "MERGE_MESSAGE".to_owned()
}

fn pr_title() -> String {
    "PR_TITLE".to_owned()
}

fn commit_or_pr_title() -> String {
    "COMMIT_OR_PR_TITLE".to_owned()
}

fn commit_messages() -> String {
    "COMMIT_MESSAGES".to_owned()
}

impl Default for MergeSettings {
    fn default() -> MergeSettings {
        MergeSettings {
            allow_merge_commit: true,
            allow_squash_merge: true,
            allow_rebase_merge: true,
            allow_update_branch: false,
            delete_branch_on_merge: false,
            allow_auto_merge: false,
            merge_commit_title: merge_message(),
            merge_commit_message: pr_title(),
            squash_merge_commit_title: commit_or_pr_title(),
            squash_merge_commit_message: commit_messages(),
        }
    }
}

/// Classic branch protection of one branch (`PUT /repos/{o}/{r}/branches/{b}/protection`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Protection {
    pub required_status_checks: Option<RequiredChecks>,
    pub enforce_admins: bool,
    pub required_reviews: Option<RequiredReviews>,
    pub restrictions: Option<Restrictions>,
    pub required_linear_history: bool,
    pub allow_force_pushes: bool,
    pub allow_deletions: bool,
    pub block_creations: bool,
    pub required_conversation_resolution: bool,
    pub lock_branch: bool,
    pub allow_fork_syncing: bool,
    pub required_signatures: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RequiredChecks {
    /// The head must contain the base tip ("Require branches to be up to date before merging").
    pub strict: bool,
    pub checks: Vec<RequiredCheck>,
}

/// A required check: a commit status context or a check run name, optionally from one GitHub App only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequiredCheck {
    pub context: String,
    /// `None` or -1: any source.
    pub app_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RequiredReviews {
    pub required_approving_review_count: u64,
    pub dismiss_stale_reviews: bool,
    pub require_code_owner_reviews: bool,
    pub require_last_push_approval: bool,
}

/// Who may push (and merge) to a protected branch: logins, team slugs, App slugs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Restrictions {
    pub users: Vec<String>,
    pub teams: Vec<String>,
    pub apps: Vec<String>,
}

/// A repository ruleset; `rules` keep GitHub's JSON (`{type, parameters}`), with every required parameter filled.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ruleset {
    pub id: u64,
    pub name: String,
    /// `branch`, `tag` or `push`; only `branch` rulesets are enforced.
    pub target: String,
    /// `active`, `evaluate` or `disabled`; only `active` enforces.
    pub enforcement: String,
    pub bypass_actors: Vec<BypassActor>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub rules: Vec<serde_json::Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BypassActor {
    pub actor_id: Option<u64>,
    /// `RepositoryRole`, `Integration`, `OrganizationAdmin`, `Team`, `DeployKey` or `User`.
    pub actor_type: String,
    /// `always`, `pull_request` or `exempt`.
    pub bypass_mode: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Review {
    pub id: u64,
    pub number: u64,
    pub user: String,
    pub body: String,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `PENDING` or `DISMISSED`.
    pub state: String,
    pub commit_id: String,
    pub submitted_at: Option<Timestamp>,
}

/// A commit status (`POST /repos/{o}/{r}/statuses/{sha}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommitStatus {
    pub id: u64,
    pub sha: String,
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
    pub context: String,
    pub description: Option<String>,
    pub target_url: Option<String>,
    pub creator: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A check run, always made by a GitHub App (`app` is its slug).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckRun {
    pub id: u64,
    pub head_sha: String,
    pub name: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    pub conclusion: Option<String>,
    pub app: String,
    pub suite_id: u64,
    pub external_id: Option<String>,
    pub details_url: Option<String>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub text: Option<String>,
}

/// A GitHub App; its installation tokens act as the user `{slug}[bot]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GitHubApp {
    pub id: u64,
    pub slug: String,
    pub name: String,
    pub owner: String,
    pub created_at: Timestamp,
}

impl GitHubApp {
    pub fn bot_login(&self) -> String {
        format!("{}[bot]", self.slug)
    }
}

/// An installation access token: the App, and the repositories it was granted (with one permission).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Installation {
    pub app: String,
    pub id: u64,
    pub repositories: Vec<String>,
    pub permission: Permission,
}

/// Everything the emulator knows besides the git objects.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// The frozen emulator time; `None` follows the wall clock.
    pub clock: Option<Timestamp>,
    pub next_id: u64,
    pub users: BTreeMap<String, User>,
    /// Token → login.
    pub tokens: BTreeMap<String, String>,
    /// `owner/name` → repository.
    pub repos: BTreeMap<String, Repo>,
    /// How many event payloads were written, to name the next one.
    #[serde(default)]
    pub events_written: u64,
    /// GitHub Apps by slug.
    #[serde(default)]
    pub apps: BTreeMap<String, GitHubApp>,
    /// Installation token → what it was granted (the token also maps to `{slug}[bot]` in `tokens`).
    #[serde(default)]
    pub installations: BTreeMap<String, Installation>,
}

impl State {
    pub fn now(&self) -> Timestamp {
        // GitHub's timestamps have whole seconds.
        let now = self.clock.unwrap_or_else(Timestamp::now);
        Timestamp::from_second(now.as_second()).unwrap_or(now)
    }

    pub fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn load(dir: &Path) -> anyhow::Result<State> {
        let path = state_file(dir);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: not an emulator state file: {e}", path.display()))?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State { next_id: 1000, ..State::default() }),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// Writes the state atomically (temporary file, then rename).
    pub fn save(&self, dir: &Path) -> anyhow::Result<()> {
        let path = state_file(dir);
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(&tmp, &path)?;
        Ok(())
    }

    pub fn ensure_user(&mut self, login: &str) -> User {
        if let Some(user) = self.users.get(login) {
            return user.clone();
        }
        let id = self.id();
        let kind = if login.ends_with("[bot]") { "Bot" } else { "User" };
        let user = User { id, login: login.to_owned(), kind: kind.to_owned(), name: None };
        self.users.insert(login.to_owned(), user.clone());
        user
    }

    /// The App whose installation token acts as `login` (`{slug}[bot]`), if any.
    pub fn app_of(&self, login: &str) -> Option<&GitHubApp> {
        let slug = login.strip_suffix("[bot]")?;
        self.apps.get(slug)
    }

    /// What `login` may do on `repo` (`None` login = anonymous).
    pub fn permission(&self, repo: &Repo, login: Option<&str>) -> Permission {
        let granted = login.map_or(Permission::None, |login| {
            if login == repo.owner {
                Permission::Admin
            } else {
                repo.permissions.get(login).copied().unwrap_or(Permission::None)
            }
        });
        if !repo.private { granted.max(Permission::Read) } else { granted }
    }
}

pub fn state_file(dir: &Path) -> PathBuf {
    dir.join("state.json")
}
