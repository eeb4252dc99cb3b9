//! The GitHub forge: GitHub and GitHub Enterprise through octocrab over the REST API, without a clone.
//!
//! The drill commit is made from the API's git objects (blob → tree with `base_tree` → commit → ref), so its
//! cost does not depend on the repository's size. Every create looks first (octocrab's retry re-sends a POST
//! after a 5xx, and re-runs happen): an existing branch, pull request or note is reused. Secondary rate limits
//! (403/429 with `retry-after`, or an exhausted `x-ratelimit-remaining`) are waited out, within a bound; every
//! request is counted for the run summary.
//!
//! By concern: [`client`] (requests, rate limits, GitHub's refusals as typed [`ForgeError`]s), [`git_data`] (blobs,
//! trees, commits, refs), [`merge`] (a merge and GitHub's refusal decided from its state), [`revert`] (file by
//! file, or through a revert pull request), [`conversation`] (comments, reviews, notes), [`guard`] (protection,
//! rulesets, code owners) and [`identity`] (who the token is, what it may do); [`wire`] holds GitHub's answers as
//! typed structs (the pull request, so far: the rest still reads `serde_json::Value`). This file holds the
//! [`Forge`] implementation, which hands the long steps to them.

use std::time::Duration;

use base64::Engine as _;
use http::{Method, StatusCode};
use jiff::Timestamp;
use octocrab::Octocrab;
use serde_json::{Value, json};

mod client;
mod conversation;
mod git_data;
mod guard;
mod identity;
mod merge;
mod revert;
mod wire;

use client::*;
use conversation::*;

use super::refused::{self, Check, Decision};
use super::{
    Behind, Change, Forge, ForgeError, Landing, MergeNeed, MergeOutcome, MergeResume, MergeSpec, Permission, Person,
    Reaction, Result, RevertOutcome, RevertRefused, RevertSpec,
};
use crate::drill::guard::{Classic, Gate, GuardRails, RulesetRule};
use crate::git::{CommitSha, FileChange, MergeMethod, Token};
use crate::render::comment::Marker;

/// How many commits of history are read per page.
const PER_PAGE: usize = 100;

pub struct GitHubForge {
    api_url: String,
    token: Token,
    /// Built on first use: octocrab's client needs a running async runtime.
    gh: std::sync::OnceLock<Octocrab>,
    owner: String,
    repo: String,
    /// A second token that approves the drill's pull request when the base branch requires an approving review
    /// (`FIREDRILL_APPROVER_TOKEN`); never logged.
    approver: Option<Box<Approver>>,
    /// Requests sent over HTTP, retries and redirects included (the approver's too).
    requests: crate::forge::http::Counter,
    /// GitHub's `x-ratelimit-remaining` on the last answer (`u64::MAX` until one says).
    remaining: std::sync::atomic::AtomicU64,
    /// What this run learnt on the way, boxed: most runs need none of it.
    memo: Box<Memo>,
}

/// What a run of the GitHub forge remembers between requests.
#[derive(Default)]
struct Memo {
    /// The review comments (on lines of a diff) this run read: their reactions have their own endpoint.
    review_comments: std::sync::Mutex<std::collections::BTreeSet<u64>>,
    /// The reviews whose bodies this run read as commands: they take no reactions.
    reviews: std::sync::Mutex<std::collections::BTreeSet<u64>>,
    /// What a pull request into a branch waits for, read from its guard rails in this run when the ledger did not
    /// record it (drills opened before it was recorded).
    gates: std::sync::Mutex<std::collections::BTreeMap<String, Gate>>,
    /// GitHub's `x-accepted-github-permissions` on the last answer that had it (App installation tokens): the
    /// permission the endpoint accepts, which a refusal lacked.
    accepted: std::sync::Mutex<Option<String>>,
}

/// Below this many requests left in the hour, a run does only what keeps a drill safe (merging, reverting,
/// recording, reporting): reactions to comments are left out (the commands themselves are still obeyed).
const LOW_RATE_LIMIT: u64 = 100;

/// The approver's token and its client (built on first use), boxed: most runs have none.
struct Approver {
    token: Token,
    gh: std::sync::OnceLock<Octocrab>,
}

fn other(msg: impl Into<String>) -> ForgeError {
    ForgeError::Other(msg.into())
}

/// Percent-encodes a file path for the contents API (segments kept apart by `/`).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn sha(v: &Value) -> Result<CommitSha> {
    let s = v.as_str().ok_or_else(|| other("GitHub returned no commit id"))?;
    CommitSha::parse(s).map_err(|e| other(format!("GitHub returned a bad commit id: {e}")))
}

fn time(v: &Value) -> Option<Timestamp> {
    v.as_str().and_then(|s| s.parse().ok())
}

impl GitHubForge {
    /// A forge for `owner/name` on the GitHub API at `api_url` (`https://api.github.com`, or an Enterprise
    /// server's `/api/v3`), authenticated with `token`.
    pub fn new(api_url: &str, token: &Token, repository: &str) -> Result<GitHubForge> {
        let (owner, repo) = repository
            .split_once('/')
            .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
            .ok_or_else(|| other(format!("`{repository}` is not a GitHub repository name of the form owner/name")))?;
        api_url
            .parse::<http::Uri>()
            .map_err(|e| other(format!("bad GitHub API URL `{}`: {e}", crate::git::redact_url(api_url))))?;
        Ok(GitHubForge {
            api_url: api_url.to_owned(),
            token: token.clone(),
            gh: std::sync::OnceLock::new(),
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            approver: None,
            requests: crate::forge::http::Counter::default(),
            remaining: std::sync::atomic::AtomicU64::new(u64::MAX),
            memo: Box::default(),
        })
    }

    /// Approves the drill's pull request with `token` when the base branch requires an approving review.
    pub fn with_approver(mut self, token: Option<Token>) -> GitHubForge {
        self.approver = token.map(|token| Box::new(Approver { token, gh: std::sync::OnceLock::new() }));
        self
    }
}

impl Forge for GitHubForge {
    /// Reads what GitHub shows the token: the branch (`protected`, its required checks), the repository (is the
    /// token an admin), the classic protection when the token may read it (admin), every ruleset rule on the
    /// branch and, per ruleset, whether the token may bypass it. 3 to 5 requests, sent by `doctor` and when a
    /// drill is about to open, never on an idle run. `None` when the branch does not exist.
    async fn guard_rails(&self, branch: &str) -> Result<Option<GuardRails>> {
        self.read_guard_rails(branch).await
    }

    async fn code_owners(&self, branch: &str, path: &str) -> Result<Option<crate::drill::guard::Owners>> {
        self.read_code_owners(branch, path).await
    }

    async fn merge_change(
        &self,
        change: &Change,
        spec: &MergeSpec<'_>,
        actor: &Person,
        at: Timestamp,
    ) -> Result<MergeOutcome> {
        self.merge_pull_request(change, spec, actor, at).await
    }

    async fn approve(&self, change: &Change, head: &CommitSha) -> Result<()> {
        self.approve_at(change.id.as_str(), head).await
    }

    async fn update_branch(&self, change: &Change, base: &str, behind: &Behind) -> Result<MergeOutcome> {
        self.update_pull_branch(change, base, behind).await
    }

    async fn revert(&self, spec: &RevertSpec<'_>) -> Result<RevertOutcome> {
        self.revert_commit(spec).await
    }
    async fn open_revert_change(&self, spec: &RevertSpec<'_>, refused: &RevertRefused) -> Result<Change> {
        self.open_revert_pull(spec, refused).await
    }
    /// The last merged pull requests into `base` (one listing of closed ones, newest first, of which the merged
    /// count) and the repository's pull request template at `head` (one or two reads): 2 or 3 requests.
    async fn recent_work(&self, base: &str, head: &CommitSha) -> Result<crate::disguise::style::Recent> {
        use crate::disguise::style::{RECENT_LIMIT, Recent, Work};
        let path = self.repo_path(&format!(
            "/pulls?state=closed&base={}&sort=updated&direction=desc&per_page={RECENT_LIMIT}",
            encode_path(base)
        ));
        let listed = self.ok(Method::GET, &path, None).await?;
        let work = listed
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["merged_at"].is_string())
            .map(|p| Work {
                title: p["title"].as_str().unwrap_or("").to_owned(),
                body: p["body"].as_str().unwrap_or("").to_owned(),
            })
            .collect();
        let mut template = None;
        for file in [".github/pull_request_template.md", ".github/PULL_REQUEST_TEMPLATE.md"] {
            if let Some(t) = self.read_file(head, file).await? {
                template = Some(t);
                break;
            }
        }
        Ok(Recent { work, template, bodies: true })
    }

    fn describe(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    fn requests(&self) -> usize {
        self.requests.get()
    }

    async fn token_owner(&self) -> Result<Option<Person>> {
        GitHubForge::token_owner(self).await.map(Some)
    }

    fn web_url(&self) -> Option<String> {
        // api.github.com → github.com; GitHub Enterprise's https://HOST/api/v3 → https://HOST.
        let base = self.api_url.trim_end_matches('/');
        let base = base.strip_suffix("/api/v3").unwrap_or(base).replacen("://api.github.com", "://github.com", 1);
        Some(format!("{base}/{}/{}", self.owner, self.repo))
    }

    fn has_approver(&self) -> bool {
        self.approver.is_some()
    }

    async fn reply_in_thread(&self, change: &Change, comment: u64, body: &str) -> Result<bool> {
        if !self.memo.review_comments.lock().is_ok_and(|seen| seen.contains(&comment)) {
            return Ok(false);
        }
        let path = self.repo_path(&format!("/pulls/{}/comments/{comment}/replies", change.id));
        self.ok(Method::POST, &path, Some(&json!({ "body": body }))).await.map(|_| true)
    }

    async fn branch_head(&self, branch: &str) -> Result<Option<CommitSha>> {
        let (status, v) = self.call(Method::GET, &self.repo_path(&format!("/git/ref/heads/{branch}")), None).await?;
        match status {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => {
                let r: wire::GitRef = wire::read(v, &format!("branch {branch}"))?;
                wire::commit_id(r.object.and_then(|o| o.sha).as_deref()).map(Some)
            }
            s => Err(api_error(&Method::GET, "git/ref", s, &v)),
        }
    }

    async fn read_file(&self, commit: &CommitSha, path: &str) -> Result<Option<String>> {
        let p = self.repo_path(&format!("/contents/{}?ref={commit}", encode_path(path)));
        let (status, v) = self.call(Method::GET, &p, None).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(api_error(&Method::GET, &p, status, &v));
        }
        if v.is_array() {
            return Err(other(format!("`{path}` is a folder at {}", commit.short())));
        }
        let file: wire::Blob = wire::read(v, &format!("`{path}`"))?;
        let encoded: String = file.content.unwrap_or_default().chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| other(format!("`{path}`: bad base64 from GitHub: {e}")))?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| other(format!("`{path}` at {} is not UTF-8 text", commit.short())))
    }

    /// One request: the recursive trees API (`truncated` past 100,000 entries or 7 MB).
    async fn list_files(&self, commit: &CommitSha) -> Result<Option<(Vec<String>, bool)>> {
        let tree = self.ok(Method::GET, &self.repo_path(&format!("/git/trees/{commit}?recursive=1")), None).await?;
        let tree: wire::Tree = wire::read(tree, &format!("tree of {}", commit.short()))?;
        let mut files: Vec<String> = tree
            .tree
            .into_iter()
            .flatten()
            .filter(|e| e.kind.as_deref() == Some("blob") && e.mode.as_deref() != Some("120000"))
            .filter_map(|e| e.path)
            .collect();
        files.sort();
        Ok(Some((files, tree.truncated == Some(false))))
    }

    async fn write_commit(
        &self,
        parent: &CommitSha,
        files: &[FileChange],
        message: &str,
        author: &Person,
        at: Timestamp,
    ) -> Result<CommitSha> {
        // Blobs and trees are content-addressed: creating them again (a retry, a re-run) changes nothing.
        let parent_commit = self.ok(Method::GET, &self.repo_path(&format!("/git/commits/{parent}")), None).await?;
        let parent_commit: wire::GitCommit = wire::read(parent_commit, &format!("commit {}", parent.short()))?;
        let base_tree = parent_commit.tree.and_then(|t| t.sha);
        let mut entries = Vec::new();
        for f in files {
            match f {
                FileChange::Write { path, content } => {
                    let body = json!({"content": base64::engine::general_purpose::STANDARD.encode(content), "encoding": "base64"});
                    let blob = self.ok(Method::POST, &self.repo_path("/git/blobs"), Some(&body)).await?;
                    let blob: wire::Written = wire::read(blob, "written blob")?;
                    entries.push(json!({"path": path, "mode": "100644", "type": "blob", "sha": blob.sha}));
                }
                FileChange::Delete { path } => {
                    entries.push(json!({"path": path, "mode": "100644", "type": "blob", "sha": null}))
                }
            }
        }
        let tree = self
            .ok(Method::POST, &self.repo_path("/git/trees"), Some(&json!({"base_tree": base_tree, "tree": entries})))
            .await?;
        let tree: wire::Written = wire::read(tree, "written tree")?;
        let who = json!({"name": author.name, "email": author.email, "date": at.to_string()});
        let body = json!({"message": message, "tree": tree.sha, "parents": [parent.to_string()], "author": who, "committer": who});
        let commit = self.ok(Method::POST, &self.repo_path("/git/commits"), Some(&body)).await?;
        wire::commit_id(wire::read::<wire::Written>(commit, "written commit")?.sha.as_deref())
    }

    async fn find_change(&self, branch: &str) -> Result<Option<Change>> {
        let p = self.repo_path(&format!("/pulls?head={}:{branch}&state=open&per_page=10", self.owner));
        let pulls = self.ok(Method::GET, &p, None).await?;
        pulls.as_array().and_then(|a| a.first()).map(Self::change_of).transpose()
    }

    async fn open_change(&self, branch: &str, head: &CommitSha, base: &str, title: &str, body: &str) -> Result<Change> {
        // Look before creating: the pull request, then the branch.
        if let Some(existing) = self.find_change(branch).await? {
            return Ok(existing);
        }
        match self.branch_head(branch).await? {
            Some(h) if h == *head => {}
            Some(h) => {
                return Err(other(format!(
                    "branch `{branch}` already exists in {} at {}, not at the drill's commit {}",
                    self.describe(),
                    h.short(),
                    head.short()
                )));
            }
            None => {
                let body = json!({"ref": format!("refs/heads/{branch}"), "sha": head.to_string()});
                let (status, v) = self.call(Method::POST, &self.repo_path("/git/refs"), Some(&body)).await?;
                // 422 "Reference already exists": a retried POST or a racing run created it.
                let created = status.is_success()
                    || (status == StatusCode::UNPROCESSABLE_ENTITY
                        && self.branch_head(branch).await?.as_ref() == Some(head));
                if !created {
                    return Err(api_error(&Method::POST, "git/refs", status, &v));
                }
            }
        }
        let pr = json!({"title": title, "head": branch, "base": base, "body": body});
        let (status, v) = self.call(Method::POST, &self.repo_path("/pulls"), Some(&pr)).await?;
        if status.is_success() {
            return Self::change_of(&v);
        }
        // 422 "A pull request already exists": a retried POST or a racing run opened it.
        if status == StatusCode::UNPROCESSABLE_ENTITY
            && let Some(existing) = self.find_change(branch).await?
        {
            return Ok(existing);
        }
        Err(api_error(&Method::POST, "pulls", status, &v))
    }

    async fn landed(&self, change: &Change, _spec: &MergeSpec<'_>) -> Result<Option<(CommitSha, Timestamp)>> {
        self.pull_request(change.id.as_str()).await?.landing()
    }

    async fn history(&self, base: &str, after: &CommitSha) -> Result<Vec<Landing>> {
        // Pages of the branch's commits (newest first) until `after`, then its first-parent chain.
        let mut by_sha = std::collections::HashMap::new();
        let mut tip = None;
        let mut found = false;
        for page in 1..=20 {
            let list = self
                .ok(Method::GET, &self.repo_path(&format!("/commits?sha={base}&per_page={PER_PAGE}&page={page}")), None)
                .await?;
            let items: Vec<wire::Commit> = wire::read(list, &format!("commits of `{base}`"))?;
            if tip.is_none() {
                tip = items.first().and_then(|c| c.sha.clone());
            }
            let n = items.len();
            for c in items {
                if c.sha.as_deref() == Some(after.as_str()) {
                    found = true;
                }
                if let Some(s) = c.sha.clone() {
                    by_sha.insert(s, c);
                }
            }
            if found || n < PER_PAGE {
                break;
            }
        }
        if !found {
            return Err(other(format!("{} is not in the history of `{base}`", after.short())));
        }
        let mut chain = Vec::new();
        let mut cur = tip;
        while let Some(s) = cur {
            if s == after.as_str() {
                break;
            }
            let Some(c) = by_sha.get(&s) else {
                return Err(other(format!("{} is not on the first-parent history of `{base}`", after.short())));
            };
            chain.push(c.clone());
            cur = c.parents.as_ref().and_then(|p| p.first()).and_then(|p| p.sha.clone());
        }
        chain.reverse();
        let mut out = Vec::with_capacity(chain.len());
        for c in chain {
            let person = |who: Option<&wire::GitActor>| {
                let who = who.cloned().unwrap_or_default();
                Person::new(who.name.as_deref().unwrap_or(""), who.email.as_deref().unwrap_or(""))
            };
            let git = c.commit.clone().unwrap_or_default();
            out.push(Landing {
                sha: wire::commit_id(c.sha.as_deref())?,
                at: self.landed_at(&c).await?,
                message: git.message.clone().unwrap_or_default(),
                author: person(git.author.as_ref()),
                committer: person(git.committer.as_ref()),
            });
        }
        Ok(out)
    }

    async fn close_change(&self, change: &Change) -> Result<()> {
        let pr = self
            .ok(Method::PATCH, &self.repo_path(&format!("/pulls/{}", change.id)), Some(&json!({"state": "closed"})))
            .await?;
        // A closed pull request can be reopened and merged while its branch is there: delete it while it holds only
        // the drill's commit and GitHub's `update-branch` merges on top, not when someone pushed to it (their
        // commits are not firedrill's to throw away).
        if change.branch.is_empty() {
            return Ok(());
        }
        let Some(head) = self.branch_head(&change.branch).await? else { return Ok(()) };
        let pr: wire::PullSummary = wire::read(pr, &format!("pull request #{}", change.id))?;
        let base = pr.base.and_then(|b| b.name).unwrap_or_default();
        if head != change.head && !self.brought_up_to_date(&head, &change.head, &base).await? {
            return Ok(());
        }
        let path = self.repo_path(&format!("/git/refs/heads/{}", change.branch));
        let (status, v) = self.call(Method::DELETE, &path, None).await?;
        // 422 "Reference does not exist": a racing run deleted it first.
        if status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY {
            return Ok(());
        }
        Err(api_error(&Method::DELETE, &path, status, &v))
    }

    fn observes_deploys(&self) -> bool {
        true
    }

    async fn live_at(&self, signal: &crate::scenario::DeploySignal, commit: &CommitSha) -> Result<Option<Timestamp>> {
        use crate::scenario::{DeploySignal, glob_match};
        match signal {
            DeploySignal::Status(context) => {
                // Newest first, every context of the commit (a commit rarely has more than a page).
                let p = self.repo_path(&format!("/commits/{commit}/statuses?per_page=100"));
                let list: Vec<wire::Status> =
                    wire::read(self.ok(Method::GET, &p, None).await?, &format!("statuses of {}", commit.short()))?;
                Ok(list
                    .iter()
                    .filter(|s| {
                        s.state.as_deref() == Some("success")
                            && s.context.as_deref().is_some_and(|c| glob_match(context, c))
                    })
                    .filter_map(|s| wire::at(&s.created_at))
                    .min())
            }
            DeploySignal::Check(name) => {
                let by_name =
                    if name.contains('*') { String::new() } else { format!("&check_name={}", encode_path(name)) };
                let p = self.repo_path(&format!("/commits/{commit}/check-runs?filter=all&per_page=100{by_name}"));
                let list: wire::CheckRuns =
                    wire::read(self.ok(Method::GET, &p, None).await?, &format!("check runs of {}", commit.short()))?;
                Ok(list
                    .check_runs
                    .iter()
                    .flatten()
                    .filter(|r| {
                        r.conclusion.as_deref() == Some("success")
                            && r.name.as_deref().is_some_and(|n| glob_match(name, n))
                    })
                    .filter_map(|r| wire::at(&r.completed_at))
                    .min())
            }
            DeploySignal::Deployments(environment) => {
                let p = self.repo_path(&format!(
                    "/deployments?environment={}&sha={commit}&per_page=10",
                    encode_path(environment)
                ));
                let deployments: Vec<wire::Deployment> =
                    wire::read(self.ok(Method::GET, &p, None).await?, &format!("deployments to {environment}"))?;
                let mut found: Option<Timestamp> = None;
                for d in deployments {
                    let Some(id) = d.id else { continue };
                    let p = self.repo_path(&format!("/deployments/{id}/statuses?per_page=100"));
                    let statuses: Vec<wire::Status> =
                        wire::read(self.ok(Method::GET, &p, None).await?, &format!("statuses of deployment {id}"))?;
                    let ok = statuses
                        .iter()
                        .filter(|s| s.state.as_deref() == Some("success"))
                        .filter_map(|s| wire::at(&s.created_at))
                        .min();
                    found = found.into_iter().chain(ok).min();
                }
                Ok(found)
            }
        }
    }

    async fn open_issue_with_label(&self, label: &str) -> Result<Option<u64>> {
        // One page of one item is enough to know; GitHub lists pull requests with the label too (they carry
        // `pull_request`), and a pull request labelled `incident` is an incident as well.
        let p = self.repo_path(&format!("/issues?labels={}&state=open&per_page=1", encode_path(label)));
        let issues = self.ok(Method::GET, &p, None).await?;
        let issues: Vec<wire::Issue> = wire::read(issues, &format!("issues labelled {label}"))?;
        Ok(issues.first().and_then(|i| i.number))
    }

    async fn comments(&self, change: &Change, since: Option<Timestamp>) -> Result<Vec<crate::forge::Comment>> {
        let since = since.map(|t| format!("&since={}", t.strftime("%Y-%m-%dT%H:%M:%SZ"))).unwrap_or_default();
        let mut all = self.comment_pages("issues", change.id.as_str(), &since, false).await?;
        // A pull request's comments on lines of its diff (review comments), where responders look at the
        // suspicious change: the same channel. An issue (the announcement) has none.
        if !change.branch.is_empty() {
            let review = self.comment_pages("pulls", change.id.as_str(), &since, true).await?;
            self.note_review_comments(review.iter().map(|c| c.id));
            all.extend(review);
            all.sort_by_key(|c| (c.created_at, c.id));
        }
        Ok(all)
    }

    async fn comment(&self, id: u64) -> Result<Option<crate::forge::Comment>> {
        let (status, c) = self.call(Method::GET, &self.repo_path(&format!("/issues/comments/{id}")), None).await?;
        if status == StatusCode::NOT_FOUND {
            // Not a conversation comment: perhaps a comment on a line of a pull request's diff.
            let path = self.repo_path(&format!("/pulls/comments/{id}"));
            let (status, c) = self.call(Method::GET, &path, None).await?;
            if status == StatusCode::NOT_FOUND {
                return Ok(None);
            }
            if !status.is_success() {
                return Err(api_error(&Method::GET, &path, status, &c));
            }
            let on = c["pull_request_url"].as_str().and_then(|u| u.rsplit('/').next()).unwrap_or_default().to_owned();
            self.note_review_comments(std::iter::once(id));
            return Ok(comment_of(&c, &on));
        }
        if !status.is_success() {
            return Err(api_error(&Method::GET, &format!("/issues/comments/{id}"), status, &c));
        }
        // The issue or pull request it is on: the last segment of its `issue_url`.
        let on = c["issue_url"].as_str().and_then(|u| u.rsplit('/').next()).unwrap_or_default().to_owned();
        Ok(comment_of(&c, &on))
    }

    async fn review(&self, number: u64, id: u64) -> Result<Option<crate::forge::Comment>> {
        let path = self.repo_path(&format!("/pulls/{number}/reviews/{id}"));
        let (status, r) = self.call(Method::GET, &path, None).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(api_error(&Method::GET, &path, status, &r));
        }
        // A review has no reactions and no thread: the answer goes to the conversation.
        if let Ok(mut seen) = self.memo.reviews.lock() {
            seen.insert(id);
        }
        // A review is written once (its body can be edited, but `submitted_at` stays): when it was submitted.
        let mut c = r.clone();
        c["created_at"] = r["submitted_at"].clone();
        c["updated_at"] = r["submitted_at"].clone();
        Ok(comment_of(&c, &number.to_string()))
    }

    async fn permission(&self, login: &str) -> Result<Permission> {
        let path = self.repo_path(&format!("/collaborators/{}/permission", encode_path(login)));
        let (status, v) = self.call(Method::GET, &path, None).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(Permission::NoAccess);
        }
        if !status.is_success() {
            return Err(api_error(&Method::GET, &path, status, &v));
        }
        // `role_name` tells maintain and triage apart; `permission` is the older, coarser name.
        let v: wire::CollaboratorPermission = wire::read(v, &format!("permission of {login}"))?;
        Ok(v.role_name.or(v.permission).map_or(Permission::NoAccess, Permission::from))
    }

    async fn react(&self, comment: u64, reaction: Reaction) -> Result<()> {
        if self.memo.reviews.lock().is_ok_and(|seen| seen.contains(&comment)) {
            // GitHub has no reactions on a review.
            return Ok(());
        }
        let left = self.remaining.load(std::sync::atomic::Ordering::Relaxed);
        if left < LOW_RATE_LIMIT {
            tracing::warn!(
                left,
                "GitHub's rate limit is running low: no reaction to comment {comment}, only safety work"
            );
            return Ok(());
        }
        let body = json!({ "content": reaction.as_str() });
        // A review comment (on a line of the diff, read in this run) has its own reactions.
        let review = self.memo.review_comments.lock().is_ok_and(|seen| seen.contains(&comment));
        let path = if review {
            self.repo_path(&format!("/pulls/comments/{comment}/reactions"))
        } else {
            self.repo_path(&format!("/issues/comments/{comment}/reactions"))
        };
        self.ok(Method::POST, &path, Some(&body)).await.map(|_| ())
    }

    fn has_issues(&self) -> bool {
        true
    }

    async fn open_issue(&self, title: &str, body: &str, marker: &Marker) -> Result<Option<String>> {
        // Look before creating: a retried POST or a re-run finds the issue it opened.
        for page in 1..=MAX_COMMENT_PAGES {
            let path = self.repo_path(&format!("/issues?state=open&per_page=100&page={page}"));
            let items = self.ok(Method::GET, &path, None).await?;
            let items: Vec<wire::Issue> = wire::read(items, "open issues")?;
            let mine = items.iter().find(|i| i.body.as_deref().is_some_and(|b| marker.is_in(b)));
            if let Some(n) = mine.and_then(|i| i.number) {
                return Ok(Some(n.to_string()));
            }
            if items.len() < 100 {
                break;
            }
        }
        let text = marker.attach(body);
        let issue =
            self.ok(Method::POST, &self.repo_path("/issues"), Some(&json!({"title": title, "body": text}))).await?;
        let issue: wire::Issue = wire::read(issue, "opened issue")?;
        Ok(issue.number.map(|n| n.to_string()))
    }

    fn is_repository(&self, full_name: &str) -> bool {
        full_name.eq_ignore_ascii_case(&format!("{}/{}", self.owner, self.repo))
    }

    async fn post_note(&self, change: &Change, marker: &Marker, body: &str) -> Result<()> {
        let text = marker.attach(body);
        // Every page of the comments: a note past the first hundred is still found, never posted twice.
        let mine = self.comments(change, None).await?.into_iter().find(|c| marker.is_in(&c.body));
        match mine.map(|c| c.id) {
            Some(id) => self
                .ok(Method::PATCH, &self.repo_path(&format!("/issues/comments/{id}")), Some(&json!({"body": text})))
                .await
                .map(|_| ()),
            None => self
                .ok(
                    Method::POST,
                    &self.repo_path(&format!("/issues/{}/comments", change.id)),
                    Some(&json!({"body": text})),
                )
                .await
                .map(|_| ()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_are_read_from_retry_after_then_the_reset() {
        let mut h = http::HeaderMap::new();
        let denied = r#"{"message":"Resource not accessible by personal access token"}"#;
        assert_eq!(rate_limit_wait(StatusCode::OK, &h, ""), None);
        assert_eq!(rate_limit_wait(StatusCode::FORBIDDEN, &h, denied), None, "a plain 403 is a permission problem");
        let secondary = r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#;
        assert_eq!(rate_limit_wait(StatusCode::FORBIDDEN, &h, secondary), Some(Duration::from_secs(60)));
        h.insert("retry-after", http::HeaderValue::from_static("7"));
        assert_eq!(rate_limit_wait(StatusCode::FORBIDDEN, &h, denied), Some(Duration::from_secs(7)));
        assert_eq!(
            rate_limit_wait(StatusCode::TOO_MANY_REQUESTS, &http::HeaderMap::new(), ""),
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn refusals_are_typed_by_what_a_caller_can_do_about_them() {
        let body = |m: &str| json!({"message": m, "status": "403"});
        let forbidden = api_error_with(
            &Method::POST,
            "/repos/acme/shop/git/blobs",
            StatusCode::FORBIDDEN,
            &body("Resource not accessible by integration"),
            Some("contents=write".into()),
        );
        assert!(matches!(&forbidden, ForgeError::Forbidden { permission: Some(p), .. } if p == "contents=write"));
        assert_eq!(
            forbidden.to_string(),
            "GitHub answered 403 to POST /repos/acme/shop/git/blobs: Resource not accessible by integration (the \
             token lacks a permission: GitHub accepts contents=write here)"
        );
        let kind = |status: u16, m: &str| {
            api_error(&Method::GET, "/x", StatusCode::from_u16(status).expect("a status"), &body(m))
        };
        assert!(matches!(kind(404, "Not Found"), ForgeError::NotFound { .. }));
        assert!(matches!(kind(409, "Reference update failed"), ForgeError::Conflict { .. }));
        assert!(matches!(kind(502, "Server Error"), ForgeError::Transient { .. }));
        let refused = kind(422, "Repository rule violations found\n\nCannot update this protected ref.\n\n");
        assert!(matches!(&refused, ForgeError::Refused { state, .. } if state == "Cannot update this protected ref."));
    }

    #[test]
    fn paths_are_percent_encoded_but_keep_their_slashes() {
        assert_eq!(encode_path("charts/my values.yaml"), "charts/my%20values.yaml");
        assert_eq!(encode_path("a/b#c?.env"), "a/b%23c%3F.env");
    }
}
