//! GitHub's answers as typed structs, read with serde: only the fields firedrill decides from.

use super::*;

/// A pull request (`GET /repos/{o}/{r}/pulls/{n}`).
#[derive(Debug, Clone, serde::Deserialize)]
pub(super) struct Pull {
    /// `open` or `closed`.
    pub state: String,
    #[serde(default)]
    pub merged: Option<bool>,
    #[serde(default)]
    pub merged_at: Option<Timestamp>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    /// `null` while GitHub computes whether it can merge.
    #[serde(default)]
    pub mergeable: Option<bool>,
    #[serde(default)]
    pub mergeable_state: Option<String>,
    pub head: Ref,
}

/// One side of a pull request.
#[derive(Debug, Clone, serde::Deserialize)]
pub(super) struct Ref {
    pub sha: String,
}

impl Pull {
    /// The landing of a merged pull request (its merge commit and `merged_at`), or `None` while it is not merged.
    pub(super) fn landing(&self) -> Result<Option<(CommitSha, Timestamp)>> {
        if self.merged != Some(true) && self.merged_at.is_none() {
            return Ok(None);
        }
        let commit =
            self.merge_commit_sha.as_deref().ok_or_else(|| other("a merged pull request without its commit"))?;
        let commit = CommitSha::parse(commit).map_err(|e| other(format!("GitHub returned a bad commit id: {e}")))?;
        let at = self.merged_at.ok_or_else(|| other("a merged pull request without merged_at"))?;
        Ok(Some((commit, at)))
    }

    /// Its `mergeable_state`, `unknown` while GitHub has not computed it (`mergeable: null`).
    pub(super) fn merge_state(&self) -> String {
        match (&self.mergeable, &self.mergeable_state) {
            (None, _) | (_, None) => "unknown".to_owned(),
            (Some(_), Some(state)) => state.clone(),
        }
    }

    pub(super) fn head(&self) -> Result<CommitSha> {
        CommitSha::parse(&self.head.sha).map_err(|e| other(format!("GitHub returned a bad commit id: {e}")))
    }
}

impl GitHubForge {
    /// A pull request, typed.
    pub(super) async fn pull_request(&self, number: &str) -> Result<Pull> {
        let v = self.pull(number).await?;
        serde_json::from_value(v).map_err(|e| other(format!("GitHub's pull request #{number} did not read: {e}")))
    }
}

/// Reads one of GitHub's answers into its typed struct; `what` names it when it does not read.
pub(super) fn read<T: serde::de::DeserializeOwned>(v: Value, what: &str) -> Result<T> {
    serde_json::from_value(v).map_err(|e| other(format!("GitHub's {what} did not read: {e}")))
}

/// A user or an app named by its `login` (`GET /user`, a restriction's users).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Login {
    #[serde(default)]
    pub login: Option<String>,
}

/// The repository (`GET /repos/{o}/{r}`): what the token may do there.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Repository {
    #[serde(default)]
    pub permissions: Option<Permissions>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Permissions {
    #[serde(default)]
    pub admin: Option<bool>,
}

/// A branch (`GET /repos/{o}/{r}/branches/{b}`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Branch {
    #[serde(default)]
    pub protected: Option<bool>,
    #[serde(default)]
    pub protection: Option<BranchProtection>,
}

/// The protection summary a branch carries.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct BranchProtection {
    /// Whether classic protection is on (a ruleset alone makes the branch `protected` with this `false`).
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub required_status_checks: Option<StatusChecks>,
}

/// Required status checks, as classic protection shows them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct StatusChecks {
    #[serde(default)]
    pub strict: Option<bool>,
    #[serde(default)]
    pub contexts: Option<Vec<String>>,
    #[serde(default)]
    pub checks: Option<Vec<NamedCheck>>,
}

/// A required check named by its `context`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct NamedCheck {
    #[serde(default)]
    pub context: Option<String>,
}

/// Classic branch protection (`GET /repos/{o}/{r}/branches/{b}/protection`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Protection {
    #[serde(default)]
    pub required_status_checks: Option<StatusChecks>,
    #[serde(default)]
    pub required_pull_request_reviews: Option<RequiredReviews>,
    #[serde(default)]
    pub enforce_admins: Option<Enabled>,
    #[serde(default)]
    pub required_signatures: Option<Enabled>,
    #[serde(default)]
    pub required_linear_history: Option<Enabled>,
    /// `null` when anyone with write access may push.
    #[serde(default)]
    pub restrictions: Option<Restrictions>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct RequiredReviews {
    #[serde(default)]
    pub required_approving_review_count: Option<u64>,
    #[serde(default)]
    pub require_code_owner_reviews: Option<bool>,
}

/// A protection setting that is on or off.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Enabled {
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl Enabled {
    pub(super) fn on(e: &Option<Enabled>) -> bool {
        e.as_ref().and_then(|e| e.enabled).unwrap_or(false)
    }
}

/// Who may push to a restricted branch.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Restrictions {
    #[serde(default)]
    pub users: Option<Vec<Login>>,
    #[serde(default)]
    pub apps: Option<Vec<App>>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct App {
    #[serde(default)]
    pub slug: Option<String>,
}

/// A rule that applies to a branch (`GET /repos/{o}/{r}/rules/branches/{b}`). Its `type` is kept as GitHub
/// wrote it, so a rule type firedrill does not know still reads.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Rule {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub ruleset_id: Option<u64>,
    #[serde(default)]
    pub parameters: Option<RuleParameters>,
}

/// The parameters firedrill reads of a rule (a pull request rule, a required status checks rule).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct RuleParameters {
    #[serde(default)]
    pub required_approving_review_count: Option<u64>,
    #[serde(default)]
    pub require_code_owner_review: Option<bool>,
    #[serde(default)]
    pub required_status_checks: Option<Vec<NamedCheck>>,
}

/// A ruleset (`GET /repos/{o}/{r}/rulesets/{id}`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Ruleset {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub current_user_can_bypass: Option<String>,
}

/// What GitHub says with an answer that is not the thing asked for (a refusal, a merge's answer): its
/// `message`, its `errors`, the `sha` of a merge. Read leniently: a body of another shape says nothing.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Said {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub errors: Option<Vec<ErrorItem>>,
    #[serde(default)]
    pub sha: Option<String>,
}

/// One of GitHub's `errors`: a sentence, or an object with a `message`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub(super) enum ErrorItem {
    Text(String),
    Detail {
        #[serde(default)]
        message: Option<String>,
    },
    Other(serde::de::IgnoredAny),
}

impl Said {
    pub(super) fn of(v: &Value) -> Said {
        serde_json::from_value(v.clone()).unwrap_or_default()
    }

    /// The first of its `errors` when it is said in words, else its `message`.
    pub(super) fn why(&self) -> Option<&str> {
        let first = self.errors.as_ref().and_then(|e| e.first()).and_then(|e| match e {
            ErrorItem::Text(s) => Some(s.as_str()),
            ErrorItem::Detail { message } => message.as_deref(),
            ErrorItem::Other(_) => None,
        });
        first.or(self.message.as_deref())
    }
}

/// A commit as the commits API shows it (`GET /repos/{o}/{r}/commits/{sha}`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Commit {
    #[serde(default)]
    pub sha: Option<String>,
    #[serde(default)]
    pub parents: Option<Vec<Parent>>,
    #[serde(default)]
    pub commit: Option<GitCommit>,
    /// The GitHub account of the committer, `null` when none matches.
    #[serde(default)]
    pub committer: Option<Login>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Parent {
    #[serde(default)]
    pub sha: Option<String>,
}

/// A git commit (`GET /repos/{o}/{r}/git/commits/{sha}`, or a commit's `commit`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct GitCommit {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub tree: Option<Written>,
    #[serde(default)]
    pub author: Option<GitActor>,
    #[serde(default)]
    pub committer: Option<GitActor>,
}

/// A commit's author or committer, as git records it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct GitActor {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
}

/// The combined status of a commit (`GET /repos/{o}/{r}/commits/{sha}/status`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct CombinedStatus {
    #[serde(default)]
    pub statuses: Option<Vec<Status>>,
}

/// A commit status.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Status {
    #[serde(default)]
    pub context: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// The check runs on a commit (`GET /repos/{o}/{r}/commits/{sha}/check-runs`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct CheckRuns {
    #[serde(default)]
    pub check_runs: Option<Vec<CheckRun>>,
}

/// A check run.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct CheckRun {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
}

/// A time GitHub wrote, `None` when it did not or it does not read.
pub(super) fn at(s: &Option<String>) -> Option<Timestamp> {
    s.as_deref().and_then(|s| s.parse().ok())
}

/// A commit id GitHub wrote, with the errors `sha` gives.
pub(super) fn commit_id(s: Option<&str>) -> Result<CommitSha> {
    let s = s.ok_or_else(|| other("GitHub returned no commit id"))?;
    CommitSha::parse(s).map_err(|e| other(format!("GitHub returned a bad commit id: {e}")))
}

/// A git object GitHub wrote (a blob, a tree, a commit), by its id.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Written {
    #[serde(default)]
    pub sha: Option<String>,
}

/// A folder's contents (`GET /repos/{o}/{r}/contents/{dir}`); a file's contents read as no entries.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub(super) enum Contents {
    Dir(Vec<Entry>),
    Other(serde::de::IgnoredAny),
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Entry {
    #[serde(default)]
    pub name: Option<String>,
}

/// A tree (`GET`/`POST /repos/{o}/{r}/git/trees`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Tree {
    #[serde(default)]
    pub sha: Option<String>,
    #[serde(default)]
    pub tree: Option<Vec<TreeEntry>>,
    /// Whether the recursive listing stopped short (past 100,000 entries or 7 MB).
    #[serde(default)]
    pub truncated: Option<bool>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct TreeEntry {
    #[serde(default)]
    pub path: Option<String>,
    /// `blob`, `tree` or `commit`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// `120000` for a symbolic link.
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub sha: Option<String>,
}

/// A blob (`GET /repos/{o}/{r}/git/blobs/{sha}`), its content in base64.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Blob {
    #[serde(default)]
    pub content: Option<String>,
}

/// A pull request as a list shows it: its number, its head, its address.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct PullSummary {
    #[serde(default)]
    pub number: Option<u64>,
    #[serde(default)]
    pub head: Option<Head>,
    #[serde(default)]
    pub base: Option<Head>,
    #[serde(default)]
    pub html_url: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Head {
    #[serde(default, rename = "ref")]
    pub name: Option<String>,
    #[serde(default)]
    pub sha: Option<String>,
}

/// A pull request that landed a commit (`GET /repos/{o}/{r}/commits/{sha}/pulls`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct PullLanding {
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    #[serde(default)]
    pub merged_at: Option<String>,
}

/// A git reference (`GET /repos/{o}/{r}/git/ref/{ref}`): the object it points at.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct GitRef {
    #[serde(default)]
    pub object: Option<Written>,
}

/// An issue (or a pull request as the issues API lists it): its number and its text.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Issue {
    #[serde(default)]
    pub number: Option<u64>,
    #[serde(default)]
    pub body: Option<String>,
}

/// A collaborator's permission (`GET /repos/{o}/{r}/collaborators/{login}/permission`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct CollaboratorPermission {
    /// Tells maintain and triage apart.
    #[serde(default)]
    pub role_name: Option<String>,
    /// The older, coarser name.
    #[serde(default)]
    pub permission: Option<String>,
}

/// A deployment (`GET /repos/{o}/{r}/deployments`), by its id.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct Deployment {
    #[serde(default)]
    pub id: Option<u64>,
}
