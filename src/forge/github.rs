//! The GitHub forge: GitHub and GitHub Enterprise through octocrab over the REST API, without a clone.
//!
//! The drill commit is made from the API's git objects (blob → tree with `base_tree` → commit → ref), so its
//! cost does not depend on the repository's size. Every create looks first (octocrab's retry re-sends a POST
//! after a 5xx, and re-runs happen): an existing branch, pull request or note is reused. Secondary rate limits
//! (403/429 with `retry-after`, or an exhausted `x-ratelimit-remaining`) are waited out, within a bound; every
//! request is counted for the run summary.

use std::time::Duration;

use base64::Engine as _;
use http::{Method, StatusCode};
use jiff::Timestamp;
use octocrab::Octocrab;
use serde_json::{Value, json};

use super::refused::{self, Check, Decision};
use super::{Change, Forge, ForgeError, Landing, MergeOutcome, MergeSpec, Person, Result};
use crate::drill::guard::{Classic, Gate, GuardRails, RulesetRule};
use crate::git::{CommitSha, FileChange, MergeMethod, Token};

/// The longest firedrill waits for a rate limit to reset before giving up on a request.
const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(90);
/// How many times one request is retried after a secondary rate limit.
const RATE_LIMIT_RETRIES: usize = 3;
/// How many times a merge refused with "Base branch was modified" (405, or 409) is sent again in the same run.
const BASE_MODIFIED_RETRIES: usize = 3;
/// How many times one run asks again about a pull request whose mergeability GitHub has not computed yet
/// (`mergeable: null`), and how long it waits before each; after that, the next run asks.
const UNKNOWN_ASKS: usize = 2;
const UNKNOWN_WAIT: Duration = Duration::from_millis(1500);
/// The most merges one run sends for one pull request (methods, retries, the approver's review): a bound, never
/// reached by a refusal GitHub explains.
const MAX_MERGE_TRIES: usize = 8;
/// How many of GitHub's `update-branch` merges on top of a drill's commit are still recognised as the drill's.
const MAX_UPDATES: usize = 5;
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
    requests: super::http::Counter,
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

/// A revert to land through a pull request: the drill's `commit`, its revert built on `base`'s tip, and how to
/// merge it.
#[derive(Clone, Copy)]
struct Undo<'a> {
    commit: &'a CommitSha,
    reverted: &'a CommitSha,
    base: &'a str,
    message: &'a str,
    actor: &'a Person,
    gate: Option<&'a Gate>,
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

/// The landing of a merged pull request (its merge commit and `merged_at`), or `None` while it is not merged.
fn merged_of(pr: &Value) -> Result<Option<(CommitSha, Timestamp)>> {
    if pr["merged"].as_bool() != Some(true) && !pr["merged_at"].is_string() {
        return Ok(None);
    }
    let commit = sha(&pr["merge_commit_sha"])?;
    let at = time(&pr["merged_at"]).ok_or_else(|| other("a merged pull request without merged_at"))?;
    Ok(Some((commit, at)))
}

/// A pull request's `mergeable_state`, `unknown` while GitHub has not computed it (`mergeable: null`).
fn mergeable_state(pr: &Value) -> String {
    if pr["mergeable"].is_null() {
        return "unknown".to_owned();
    }
    pr["mergeable_state"].as_str().unwrap_or("unknown").to_owned()
}

/// The state of a required check from the newest commit status with its context and the newest check run with its
/// name on a commit (whichever came last).
fn check_of(name: &str, statuses: &Value, runs: &Value) -> Check {
    let status = statuses["statuses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["context"].as_str() == Some(name))
        .max_by_key(|s| time(&s["updated_at"]))
        .map(|s| {
            let state = match s["state"].as_str() {
                Some("success") => Check::Passing,
                Some("pending") => Check::Pending,
                _ => Check::Failing,
            };
            (time(&s["updated_at"]), state)
        });
    let run = runs["check_runs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["name"].as_str() == Some(name))
        .max_by_key(|r| (time(&r["started_at"]), r["id"].as_u64()))
        .map(|r| {
            let state = match (r["status"].as_str(), r["conclusion"].as_str()) {
                (Some("completed"), Some("success" | "neutral" | "skipped")) => Check::Passing,
                (Some("completed"), _) => Check::Failing,
                _ => Check::Pending,
            };
            (time(&r["completed_at"]).or_else(|| time(&r["started_at"])), state)
        });
    match (status, run) {
        (None, None) => Check::Missing,
        (Some((_, s)), None) | (None, Some((_, s))) => s,
        (Some((a, s)), Some((b, r))) => {
            if a > b {
                s
            } else {
                r
            }
        }
    }
}

fn time(v: &Value) -> Option<Timestamp> {
    v.as_str().and_then(|s| s.parse().ok())
}

/// A commit message as the squash of its one-commit pull request `number`: the subject (its first
/// paragraph, on one line, as git shows it) with ` (#N)`, and the rest.
fn squash_title_and_body(message: &str, number: &str) -> (String, String) {
    let message = message.trim_start_matches(['\n', '\r']);
    let (subject, body) = message.split_once("\n\n").unwrap_or((message, ""));
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    (format!("{subject} (#{number})"), body.trim_matches(['\n', '\r']).trim_end().to_owned())
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
            requests: super::http::Counter::default(),
            remaining: std::sync::atomic::AtomicU64::new(u64::MAX),
            memo: Box::default(),
        })
    }

    /// Approves the drill's pull request with `token` when the base branch requires an approving review.
    pub fn with_approver(mut self, token: Option<Token>) -> GitHubForge {
        self.approver = token.map(|token| Box::new(Approver { token, gh: std::sync::OnceLock::new() }));
        self
    }

    /// Fails unless the repository itself is there (`GET /repos/{owner}/{repo}`), naming what was asked and
    /// where: a missing branch of a missing repository (a typo in `owner/name`, a wrong API URL) must not read
    /// as an empty branch. One request, sent only when a branch was not found.
    pub async fn check_repository(&self) -> Result<()> {
        let path = self.repo_path("");
        let (status, v) = self.call(Method::GET, &path, None).await?;
        match status {
            s if s.is_success() => Ok(()),
            StatusCode::NOT_FOUND => Err(other(format!(
                "the GitHub repository {}/{} was not found at {} (GET {path} answered 404): check the repository \
                 name (owner/name), the API URL (--api-url or $GITHUB_API_URL; GitHub Enterprise is \
                 https://HOST/api/v3), and that the token can see the repository",
                self.owner,
                self.repo,
                crate::git::redact_url(&self.api_url)
            ))),
            s => Err(api_error(&Method::GET, &path, s, &v)),
        }
    }

    /// Lands `reverted` (the revert of `commit`, built on `base`'s tip) through a pull request, after GitHub
    /// refused to move `base` directly (`refused`: its answer): a revert branch `<drill branch>-revert` (found
    /// again on later runs), a pull request worded like the one GitHub's "Revert" button opens, merged like the
    /// drill's (an approver, strict checks). While it cannot merge yet, the error says the fault is still live
    /// and why; every run tries again.
    async fn revert_through_pull(&self, undo: &Undo<'_>, refused: &Value) -> Result<Landing> {
        let Undo { commit, reverted, base, message, actor, gate } = *undo;
        let refused = refused["message"].as_str().unwrap_or("no message").lines().next().unwrap_or("").trim();
        let pulls = self.ok(Method::GET, &self.repo_path(&format!("/commits/{commit}/pulls")), None).await?;
        let drill_pr = pulls.as_array().and_then(|a| a.first()).cloned().unwrap_or(Value::Null);
        let drill_branch =
            drill_pr["head"]["ref"].as_str().map_or_else(|| format!("drill-{}", commit.short()), str::to_owned);
        let branch = format!("{drill_branch}-revert");
        let title = match drill_pr["title"].as_str() {
            Some(t) => format!("Revert \"{t}\""),
            None => message.lines().next().unwrap_or("Revert").to_owned(),
        };
        let body = match drill_pr["number"].as_u64() {
            Some(n) => format!("Reverts {}/{}#{n}", self.owner, self.repo),
            None => message.to_owned(),
        };
        let change = match self.find_change(&branch).await? {
            Some(c) => c,
            None => {
                // A revert branch left by a run that stopped before its pull request: ours, moved to this revert.
                if let Some(h) = self.branch_head(&branch).await?
                    && h != *reverted
                {
                    self.ok(
                        Method::PATCH,
                        &self.repo_path(&format!("/git/refs/heads/{branch}")),
                        Some(&json!({"sha": reverted.to_string(), "force": true})),
                    )
                    .await?;
                }
                self.open_change(&branch, reverted, base, &title, &body).await?
            }
        };
        let live = |reason: String| ForgeError::RevertWaiting {
            detail: format!(
                "the fault is still live on `{base}`: GitHub refused to move the branch to the revert (422 {refused}), \
                 and the revert pull request #{} {reason}; firedrill tries again on every run",
                change.id
            ),
            change: change.id.clone(),
            reason,
        };
        let first = message.lines().next().unwrap_or("Revert");
        let spec = MergeSpec {
            base,
            cut_from: commit,
            expected_head: &change.head,
            method: MergeMethod::Merge,
            fallback: true,
            message: first,
            gate,
        };
        let outcome = self.merge_change(&change, &spec, actor, Timestamp::now()).await?;
        match outcome {
            MergeOutcome::Merged { commit: merged, at } => Ok(Landing {
                sha: merged,
                at,
                message: message.to_owned(),
                author: actor.clone(),
                committer: actor.clone(),
            }),
            MergeOutcome::Waiting { reason, .. } => Err(live(format!("waits for its merge: {reason}"))),
            MergeOutcome::NotMergeable { reason } => Err(live(format!(
                "cannot be merged: {reason}; add the drill token's user or App to the bypass list of the branch's \
                 protection or ruleset, or merge the revert pull request by hand"
            ))),
            MergeOutcome::HeadMoved { actual, .. } => {
                Err(live(format!("has a commit pushed to it ({}): review and merge it by hand", actual.short())))
            }
            MergeOutcome::Closed => Err(live("was closed: merge the revert by hand, or reopen it".to_owned())),
        }
    }

    /// The first landing on `base` after `commit` at which every file of `files` is back to its version in
    /// `parent` (the commit's revert, made by a run racing this one), if the tip is there.
    async fn reverted_by(
        &self,
        commit: &CommitSha,
        parent: &CommitSha,
        files: &[String],
        base: &str,
    ) -> Result<Option<Landing>> {
        let mut before = Vec::new();
        for f in files {
            before.push(self.read_file(parent, f).await?);
        }
        let mut first = None;
        for landing in Forge::history(self, base, commit).await? {
            let mut undone = true;
            for (f, old) in files.iter().zip(&before) {
                undone &= self.read_file(&landing.sha, f).await? == *old;
            }
            match (undone, &first) {
                (true, None) => first = Some(landing),
                (false, _) => first = None,
                (true, Some(_)) => {}
            }
        }
        Ok(first)
    }

    /// The body of `PUT /pulls/N/merge` for `method`: the head it must have, and the message that lands.
    async fn merge_body(
        &self,
        change: &Change,
        spec: &MergeSpec<'_>,
        head: &CommitSha,
        method: MergeMethod,
    ) -> Result<Value> {
        let name = match method {
            MergeMethod::Merge => "merge",
            MergeMethod::Squash => "squash",
            MergeMethod::FastForward => "rebase",
        };
        let mut body = json!({"sha": head.to_string(), "merge_method": name});
        if method == MergeMethod::Squash {
            // Without a title GitHub would not fall back to the commit's subject under every repository
            // setting (`PR_TITLE`, `PR_BODY`, `BLANK`); the disguise's own message must land, word for word.
            let (title, message) = self.squash_message(&change.id, spec.expected_head).await?;
            body["commit_title"] = json!(title);
            body["commit_message"] = json!(message);
        } else if method == MergeMethod::Merge {
            body["commit_title"] = json!(spec.message);
        }
        Ok(body)
    }

    /// The comments of `GET /{list}/{number}/comments` (`issues`: the conversation; `pulls`: lines of the diff),
    /// page by page. GitHub answers at most 100 a page; a drill's pull request rarely needs a second.
    /// `missing_ok`: a 404 (not a pull request after all) is no comments rather than an error.
    async fn comment_pages(
        &self,
        list: &str,
        number: &str,
        since: &str,
        missing_ok: bool,
    ) -> Result<Vec<super::Comment>> {
        let mut all = Vec::new();
        for page in 1..=MAX_COMMENT_PAGES {
            let path = self.repo_path(&format!("/{list}/{number}/comments?per_page=100&page={page}{since}"));
            let (status, items) = self.call(Method::GET, &path, None).await?;
            if missing_ok && status == StatusCode::NOT_FOUND {
                break;
            }
            if !status.is_success() {
                return Err(api_error(&Method::GET, &path, status, &items));
            }
            let items = items.as_array().cloned().unwrap_or_default();
            all.extend(items.iter().filter_map(|c| comment_of(c, number)));
            if items.len() < 100 {
                break;
            }
        }
        Ok(all)
    }

    fn note_review_comments(&self, ids: impl Iterator<Item = u64>) {
        if let Ok(mut seen) = self.memo.review_comments.lock() {
            seen.extend(ids);
        }
    }

    /// Approves pull request `number` at `head` with the approver's token (`POST /pulls/N/reviews`).
    async fn approve(&self, number: &str, head: &CommitSha) -> Result<()> {
        let Some(gh) = self.approver_gh()? else { return Ok(()) };
        let path = self.repo_path(&format!("/pulls/{number}/reviews"));
        let body = json!({"event": "APPROVE", "commit_id": head.to_string()});
        let (status, v) = self.call_on(gh, Method::POST, &path, Some(&body)).await?;
        if status.is_success() {
            return Ok(());
        }
        let why = v["errors"]
            .as_array()
            .and_then(|e| e.first())
            .and_then(|e| e.as_str().or_else(|| e["message"].as_str()))
            .or_else(|| v["message"].as_str())
            .unwrap_or("");
        Err(other(format!(
            "the approver token could not approve pull request #{number} (POST {path} answered {} {why}): it must \
             belong to another account than the drill token, with write access to {}/{}",
            status.as_u16(),
            self.owner,
            self.repo
        )))
    }

    /// Whether `head` is `expected` with only GitHub's merges of `base` on top (what `update-branch` makes, once or
    /// more): then the branch is still the drill's, moved by firedrill itself. One request per merge walked.
    async fn brought_up_to_date(&self, head: &CommitSha, expected: &CommitSha, base: &str) -> Result<bool> {
        let mut cur = head.clone();
        for _ in 0..MAX_UPDATES {
            if cur == *expected {
                return Ok(true);
            }
            let c = self.ok(Method::GET, &self.repo_path(&format!("/commits/{cur}")), None).await?;
            let parents: Vec<&str> =
                c["parents"].as_array().into_iter().flatten().filter_map(|p| p["sha"].as_str()).collect();
            let message = c["commit"]["message"].as_str().unwrap_or("");
            // GitHub commits the merges it makes itself (`web-flow`, noreply@github.com).
            let by_github = c["commit"]["committer"]["email"].as_str() == Some("noreply@github.com")
                || c["committer"]["login"].as_str() == Some("web-flow");
            if parents.len() != 2 || !by_github || !message.starts_with(&format!("Merge branch '{base}' into ")) {
                return Ok(false);
            }
            cur = sha(&json!(parents[0]))?;
        }
        Ok(cur == *expected)
    }

    /// What a pull request into `spec.base` waits for: as recorded when the drill opened, else read from the
    /// branch's guard rails once in this run (3 to 5 requests, for drills opened before it was recorded).
    async fn gate(&self, spec: &MergeSpec<'_>) -> Result<Gate> {
        if let Some(g) = spec.gate {
            return Ok(g.clone());
        }
        if let Some(g) = self.memo.gates.lock().ok().and_then(|m| m.get(spec.base).cloned()) {
            return Ok(g);
        }
        let g = self.guard_rails(spec.base).await?.map(|r| r.gate()).unwrap_or_default();
        if let Ok(mut m) = self.memo.gates.lock() {
            m.insert(spec.base.to_owned(), g.clone());
        }
        Ok(g)
    }

    /// The state of each required check on `head`: its commit statuses (`GET /commits/{sha}/status`) and check runs
    /// (`GET /commits/{sha}/check-runs`), 2 requests; none when nothing is required.
    async fn checks_on(&self, head: &CommitSha, spec: &MergeSpec<'_>) -> Result<Vec<(String, Check)>> {
        let gate = self.gate(spec).await?;
        if gate.checks.is_empty() {
            return Ok(Vec::new());
        }
        let statuses =
            self.ok(Method::GET, &self.repo_path(&format!("/commits/{head}/status?per_page=100")), None).await?;
        let runs = self
            .ok(Method::GET, &self.repo_path(&format!("/commits/{head}/check-runs?filter=latest&per_page=100")), None)
            .await?;
        Ok(gate.checks.iter().map(|n| (n.clone(), check_of(n, &statuses, &runs))).collect())
    }

    /// Strict required checks and a head behind its base: GitHub merges the base into the pull request's branch
    /// (`update-branch`); then its required checks run again, and the merge waits for them like any other.
    async fn update_branch(
        &self,
        change: &Change,
        spec: &MergeSpec<'_>,
        head: &CommitSha,
        refused: &str,
        moved: Option<CommitSha>,
    ) -> Result<MergeOutcome> {
        let update = self.repo_path(&format!("/pulls/{}/update-branch", change.id));
        let (status, u) =
            self.call(Method::PUT, &update, Some(&json!({"expected_head_sha": head.to_string()}))).await?;
        if !status.is_success() {
            return Ok(MergeOutcome::NotMergeable {
                reason: format!(
                    "`{}` is behind `{}` ({}) and GitHub refused to update it ({} {})",
                    change.branch,
                    spec.base,
                    refused::first_line(refused),
                    status.as_u16(),
                    u["message"].as_str().unwrap_or("")
                ),
            });
        }
        Ok(MergeOutcome::Waiting {
            reason: format!(
                "`{}` was brought up to date with `{}`; its required checks run again",
                change.branch, spec.base
            ),
            head: moved,
        })
    }

    /// The client, built on first use (inside the async runtime).
    fn gh(&self) -> Result<&Octocrab> {
        if let Some(gh) = self.gh.get() {
            return Ok(gh);
        }
        let gh = self.client(&self.token)?;
        Ok(self.gh.get_or_init(|| gh))
    }

    /// A client of the API at `api_url` for `token`, counted with this forge's requests.
    fn client(&self, token: &Token) -> Result<Octocrab> {
        let base = self
            .api_url
            .parse::<http::Uri>()
            .map_err(|e| other(format!("bad GitHub API URL `{}`: {e}", crate::git::redact_url(&self.api_url))))?;
        super::http::client(base, token, self.requests.clone()).map_err(other)
    }

    fn repo_path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.owner, self.repo)
    }

    /// Sends one request and returns the status and the JSON body (`Null` when empty), waiting out
    /// secondary rate limits.
    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<(StatusCode, Value)> {
        self.call_on(self.gh()?, method, path, body).await
    }

    /// The approver's client, built on first use.
    fn approver_gh(&self) -> Result<Option<&Octocrab>> {
        let Some(a) = &self.approver else { return Ok(None) };
        if let Some(gh) = a.gh.get() {
            return Ok(Some(gh));
        }
        let gh = self.client(&a.token)?;
        Ok(Some(a.gh.get_or_init(|| gh)))
    }

    /// [`call`] with a given client (the drill token's or the approver's).
    async fn call_on(
        &self,
        gh: &Octocrab,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value)> {
        for attempt in 0..=RATE_LIMIT_RETRIES {
            let response = match method {
                Method::GET => gh._get(path).await,
                Method::POST => gh._post(path, body).await,
                Method::PUT => gh._put(path, body).await,
                Method::PATCH => gh._patch(path, body).await,
                Method::DELETE => gh._delete(path, body).await,
                _ => return Err(other(format!("unsupported method {method}"))),
            }
            .map_err(|e| ForgeError::Transient { message: format!("{method} {path}: {}", describe_octocrab(&e)) })?;
            let status = response.status();
            let headers = response.headers().clone();
            if let Some(left) =
                headers.get("x-ratelimit-remaining").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok())
            {
                // The lowest seen this run: the budget only grows back at the hour's reset.
                self.remaining.fetch_min(left, std::sync::atomic::Ordering::Relaxed);
            }
            if let Ok(mut last) = self.memo.accepted.lock() {
                *last = headers.get("x-accepted-github-permissions").and_then(|v| v.to_str().ok()).map(str::to_owned);
            }
            let text = gh
                .body_to_string(response)
                .await
                .map_err(|e| other(format!("{method} {path}: {}", describe_octocrab(&e))))?;
            let wait = rate_limit_wait(status, &headers, &text);
            let value = if text.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            };
            match wait {
                Some(d) if attempt < RATE_LIMIT_RETRIES && d <= MAX_RATE_LIMIT_WAIT => {
                    tracing::warn!(%method, path, seconds = d.as_secs(), "GitHub rate limit: waiting before retrying");
                    tokio::time::sleep(d).await;
                }
                Some(d) => {
                    let reset = Timestamp::now()
                        .checked_add(jiff::SignedDuration::from_secs(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)))
                        .ok();
                    let until = reset.map_or_else(
                        || "later".to_owned(),
                        |t| format!("until {}", t.strftime("%Y-%m-%d %H:%M:%S UTC")),
                    );
                    return Err(ForgeError::RateLimited {
                        reset,
                        message: format!(
                            "{method} {path}: GitHub's rate limit is spent {until} (a {} s wait, longer than \
                             firedrill waits within a run): this run stops here and the next one carries on where it \
                             stopped",
                            d.as_secs()
                        ),
                    });
                }
                None => return Ok((status, value)),
            }
        }
        Err(ForgeError::RateLimited {
            reset: None,
            message: format!("{method} {path}: still rate limited after {RATE_LIMIT_RETRIES} retries"),
        })
    }

    /// Like [`call`], but any status other than 2xx is an error naming GitHub's message.
    async fn ok(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let (status, value) = self.call(method.clone(), path, body).await?;
        if status.is_success() {
            return Ok(value);
        }
        let permission =
            (status == StatusCode::FORBIDDEN).then(|| self.memo.accepted.lock().ok().and_then(|a| a.clone())).flatten();
        Err(api_error_with(&method, path, status, &value, permission))
    }

    async fn pull(&self, number: &str) -> Result<Value> {
        self.ok(Method::GET, &self.repo_path(&format!("/pulls/{number}")), None).await
    }

    fn change_of(pr: &Value) -> Result<Change> {
        Ok(Change {
            id: pr["number"].as_u64().map(|n| n.to_string()).ok_or_else(|| other("pull request without a number"))?,
            branch: pr["head"]["ref"].as_str().unwrap_or_default().to_owned(),
            head: sha(&pr["head"]["sha"])?,
            url: pr["html_url"].as_str().map(str::to_owned),
        })
    }

    /// The landing time of `commit` on a branch: the `merged_at` of the pull request that landed it, else
    /// its committer date.
    async fn landed_at(&self, commit: &Value) -> Result<Timestamp> {
        let sha = commit["sha"].as_str().unwrap_or_default();
        let (status, pulls) = self.call(Method::GET, &self.repo_path(&format!("/commits/{sha}/pulls")), None).await?;
        if status.is_success()
            && let Some(at) = pulls
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["merge_commit_sha"].as_str() == Some(sha))
                .and_then(|p| time(&p["merged_at"]))
        {
            return Ok(at);
        }
        time(&commit["commit"]["committer"]["date"]).ok_or_else(|| other(format!("commit {sha} has no committer date")))
    }
}

impl GitHubForge {
    /// The repository as GitHub describes it (`GET /repos/{owner}/{repo}`): merge settings, visibility.
    pub async fn repository(&self) -> Result<Value> {
        self.ok(Method::GET, &self.repo_path(""), None).await
    }

    /// The token owner's login and permission on this repository (`admin`, `maintain`, `write`, `triage`,
    /// `read`, `none`), read from the repository's `permissions`; who it is from `GET /user`, or "the GitHub App
    /// installation" for a token that has no user.
    pub async fn token_permission(&self) -> Result<(String, String)> {
        // An App's installation token has no `GET /user`, and reads every `permissions` flag of the repository
        // `false` whatever it was granted: what it can do is asked the installation's way.
        let user = self.user().await;
        if user.is_err() && self.is_installation().await {
            let (role, lacking) = self.installation_role().await?;
            let who = match lacking {
                Some(p) => format!("the GitHub App installation (without {p})"),
                None => "the GitHub App installation".to_owned(),
            };
            return Ok((who, role));
        }
        let repo = self.repository().await?;
        let p = &repo["permissions"];
        let has = |k: &str| p[k].as_bool() == Some(true);
        let role = ["admin", "maintain", "push", "triage", "pull"]
            .into_iter()
            .find(|k| has(k))
            .map_or("none", |k| match k {
                "push" => "write",
                "pull" => "read",
                other => other,
            })
            .to_owned();
        Ok((user?.0, role))
    }

    /// What an App installation may do on this repository: none unless `GET /installation/repositories` lists it;
    /// `write` when two harmless writes are let through (an empty blob, which every repository may hold, and a pull
    /// request without a branch, which GitHub refuses as invalid only once the permission is there: 422, not 403),
    /// else `read`, with the permission GitHub said the refused endpoint accepts (`x-accepted-github-permissions`).
    /// 3 requests (more past 100 repositories), sent by `doctor`.
    async fn installation_role(&self) -> Result<(String, Option<String>)> {
        let full = format!("{}/{}", self.owner, self.repo);
        let mut listed = false;
        for page in 1..=10 {
            let v = self.ok(Method::GET, &format!("/installation/repositories?per_page=100&page={page}"), None).await?;
            let items = v["repositories"].as_array().cloned().unwrap_or_default();
            listed |= items.iter().any(|r| r["full_name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(&full)));
            if listed || items.len() < 100 {
                break;
            }
        }
        if !listed {
            return Ok(("none".to_owned(), None));
        }
        let accepted = || self.memo.accepted.lock().ok().and_then(|a| a.clone());
        let blob = json!({"content": "", "encoding": "utf-8"});
        let (status, _) = self.call(Method::POST, &self.repo_path("/git/blobs"), Some(&blob)).await?;
        if !status.is_success() {
            return Ok(("read".to_owned(), accepted()));
        }
        let probe = json!({"title": "", "head": "", "base": ""});
        let (status, _) = self.call(Method::POST, &self.repo_path("/pulls"), Some(&probe)).await?;
        if status != StatusCode::UNPROCESSABLE_ENTITY && !status.is_success() {
            return Ok(("read".to_owned(), accepted()));
        }
        Ok(("write".to_owned(), None))
    }

    /// Whether the token is a GitHub App installation's (`GET /installation/repositories` answers it).
    pub async fn is_installation(&self) -> bool {
        matches!(self.call(Method::GET, "/installation/repositories?per_page=1", None).await, Ok((s, _)) if s.is_success())
    }

    /// The token's owner as GitHub shows them on the commits it makes for them: the profile name (the login
    /// when none is set) and the `ID+login@users.noreply.github.com` address, so that a drill commit made
    /// without a scenario `author` reads like any other commit of that person, never like a made-up name.
    pub async fn token_owner(&self) -> Result<Person> {
        let (login, user) = match self.user().await {
            Ok(u) => u,
            Err(e) => {
                if self.is_installation().await {
                    return Err(ForgeError::NoTokenUser(
                        "the drill token is a GitHub App installation token, which has no user to sign drill \
                         commits as (`GET /user` is not open to it): set `identity` (the Action's input, \
                         FIREDRILL_IDENTITY or --identity) to the colleague-like `Name <email>` drill commits \
                         should carry, or `disguise.author` in the scenario"
                            .to_owned(),
                    ));
                }
                return Err(e);
            }
        };
        let id = user["id"].as_u64().ok_or_else(|| other("GET /user returned no id"))?;
        let name = user["name"].as_str().map(str::trim).filter(|n| !n.is_empty()).unwrap_or(&login);
        Ok(Person::new(name, format!("{id}+{login}@users.noreply.github.com")))
    }

    /// `GET /user`: the token owner's login and the whole answer.
    async fn user(&self) -> Result<(String, Value)> {
        let user = self.ok(Method::GET, "/user", None).await?;
        let login = user["login"].as_str().ok_or_else(|| other("GET /user returned no login"))?.to_owned();
        Ok((login, user))
    }

    /// The title and description GitHub gives by default to the squash of a one-commit pull request: the
    /// commit's subject with ` (#N)`, and its body. The drill commit is the pull request's only commit.
    async fn squash_message(&self, number: &str, head: &CommitSha) -> Result<(String, String)> {
        let commit = self.ok(Method::GET, &self.repo_path(&format!("/git/commits/{head}")), None).await?;
        let message =
            commit["message"].as_str().ok_or_else(|| other(format!("commit {} has no message", head.short())))?;
        Ok(squash_title_and_body(message, number))
    }

    /// The names in folder `dir` at `commit` (empty when it does not exist).
    pub async fn list_dir(&self, commit: &CommitSha, dir: &str) -> Result<Vec<String>> {
        let p = self.repo_path(&format!("/contents/{}?ref={commit}", encode_path(dir)));
        let (status, v) = self.call(Method::GET, &p, None).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(Vec::new());
        }
        if !status.is_success() {
            return Err(api_error(&Method::GET, &p, status, &v));
        }
        let mut names: Vec<String> =
            v.as_array().into_iter().flatten().filter_map(|e| e["name"].as_str().map(str::to_owned)).collect();
        names.sort();
        Ok(names)
    }

    /// Writes a commit with `files` on `parent` (or a root commit with only them when `None`).
    pub async fn write_commit_on(
        &self,
        parent: Option<&CommitSha>,
        files: &[FileChange],
        message: &str,
        author: &Person,
        at: Timestamp,
    ) -> Result<CommitSha> {
        match parent {
            Some(p) => self.write_commit(p, files, message, author, at).await,
            None => {
                let mut entries = Vec::new();
                for f in files {
                    if let FileChange::Write { path, content } = f {
                        let body = json!({"content": base64::engine::general_purpose::STANDARD.encode(content), "encoding": "base64"});
                        let blob = self.ok(Method::POST, &self.repo_path("/git/blobs"), Some(&body)).await?;
                        entries.push(json!({"path": path, "mode": "100644", "type": "blob", "sha": blob["sha"]}));
                    }
                }
                let tree =
                    self.ok(Method::POST, &self.repo_path("/git/trees"), Some(&json!({"tree": entries}))).await?;
                let who = json!({"name": author.name, "email": author.email, "date": at.to_string()});
                let body =
                    json!({"message": message, "tree": tree["sha"], "parents": [], "author": who, "committer": who});
                sha(&self.ok(Method::POST, &self.repo_path("/git/commits"), Some(&body)).await?["sha"])
            }
        }
    }

    /// The tree of `commit` (its id) and its top-level entries as (name, object id): one request.
    pub async fn root_tree(&self, commit: &CommitSha) -> Result<(String, Vec<(String, String)>)> {
        let tree = self.ok(Method::GET, &self.repo_path(&format!("/git/trees/{commit}")), None).await?;
        Ok(tree_entries(&tree))
    }

    /// The content of blob `sha` (the blobs API reads files of up to 100 MB; the contents API stops at 1 MB).
    pub async fn blob(&self, sha: &str) -> Result<Vec<u8>> {
        let blob = self.ok(Method::GET, &self.repo_path(&format!("/git/blobs/{sha}")), None).await?;
        let encoded: String =
            blob["content"].as_str().unwrap_or_default().chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| other(format!("blob {sha}: bad base64 from GitHub: {e}")))
    }

    /// Writes the tree `base` (a tree id; `None`: empty) with the text files `files` written (deletions are
    /// removed), in one request; returns its id and its top-level entries.
    pub async fn write_tree(
        &self,
        base: Option<&str>,
        files: &[FileChange],
    ) -> Result<(String, Vec<(String, String)>)> {
        let entries: Vec<Value> = files
            .iter()
            .map(|f| match f {
                FileChange::Write { path, content } => {
                    json!({"path": path, "mode": "100644", "type": "blob", "content": String::from_utf8_lossy(content)})
                }
                FileChange::Delete { path } => json!({"path": path, "mode": "100644", "type": "blob", "sha": null}),
            })
            .collect();
        let mut body = json!({"tree": entries});
        if let Some(base) = base {
            body["base_tree"] = json!(base);
        }
        let tree = self.ok(Method::POST, &self.repo_path("/git/trees"), Some(&body)).await?;
        Ok(tree_entries(&tree))
    }

    /// Writes a commit of tree `tree` on `parent` (a root commit when `None`).
    pub async fn write_commit_of_tree(
        &self,
        tree: &str,
        parent: Option<&CommitSha>,
        message: &str,
        author: &Person,
        at: Timestamp,
    ) -> Result<CommitSha> {
        let who = json!({"name": author.name, "email": author.email, "date": at.to_string()});
        let parents: Vec<String> = parent.iter().map(|p| p.to_string()).collect();
        let body = json!({"message": message, "tree": tree, "parents": parents, "author": who, "committer": who});
        sha(&self.ok(Method::POST, &self.repo_path("/git/commits"), Some(&body)).await?["sha"])
    }

    /// Moves (or creates) `branch` to `commit` if it is still at `expected` (absent when `None`): a
    /// compare-and-swap. `false` when it moved meanwhile; any other refusal is an error.
    pub async fn move_branch(&self, branch: &str, commit: &CommitSha, expected: Option<&CommitSha>) -> Result<bool> {
        let (status, v) = match expected {
            None => {
                let body = json!({"ref": format!("refs/heads/{branch}"), "sha": commit.to_string()});
                self.call(Method::POST, &self.repo_path("/git/refs"), Some(&body)).await?
            }
            Some(_) => {
                let body = json!({"sha": commit.to_string(), "force": false});
                self.call(Method::PATCH, &self.repo_path(&format!("/git/refs/heads/{branch}")), Some(&body)).await?
            }
        };
        if status.is_success() {
            return Ok(true);
        }
        // 422: the ref exists already, or the update is not a fast-forward. A race only if the branch moved.
        if status == StatusCode::UNPROCESSABLE_ENTITY && self.branch_head(branch).await?.as_ref() != expected {
            return Ok(false);
        }
        Err(api_error(&Method::PATCH, "git/refs", status, &v))
    }
}

/// A tree's id and its entries as (name, object id), from the git trees API's answer.
fn tree_entries(tree: &Value) -> (String, Vec<(String, String)>) {
    let entries = tree["tree"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e["path"].as_str()?.to_owned(), e["sha"].as_str()?.to_owned())))
        .collect();
    (tree["sha"].as_str().unwrap_or_default().to_owned(), entries)
}

fn describe_octocrab(e: &octocrab::Error) -> String {
    // octocrab's Display can be terse; its Debug can be long but never holds the token (it is a SecretString).
    let s = e.to_string();
    if s.is_empty() { format!("{e:?}") } else { s }
}

/// The least GitHub asks to wait after a secondary rate limit that names no time ("wait at least one minute").
const SECONDARY_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// How long to wait before retrying, for GitHub's rate limits (primary and secondary).
fn rate_limit_wait(status: StatusCode, headers: &http::HeaderMap, body: &str) -> Option<Duration> {
    if status != StatusCode::FORBIDDEN && status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(secs) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    if header("x-ratelimit-remaining") == Some("0") {
        let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok())?;
        let now = Timestamp::now().as_second();
        return Some(Duration::from_secs(u64::try_from(reset - now).unwrap_or(0).max(1)));
    }
    // A 429, or a 403 that says it is a secondary rate limit, without a time: GitHub asks for at least a minute.
    let secondary = body.to_ascii_lowercase().contains("secondary rate limit");
    (status == StatusCode::TOO_MANY_REQUESTS || secondary).then_some(SECONDARY_LIMIT_WAIT)
}

/// An error for a request GitHub refused, by kind, with GitHub's message and, for the usual statuses, what to
/// check. A 403 names the permission GitHub said the endpoint accepts, where it said (`x-accepted-github-permissions`,
/// read from the answer by [`GitHubForge::call_on`]).
fn api_error(method: &Method, path: &str, status: StatusCode, body: &Value) -> ForgeError {
    api_error_with(method, path, status, body, None)
}

fn api_error_with(
    method: &Method,
    path: &str,
    status: StatusCode,
    body: &Value,
    permission: Option<String>,
) -> ForgeError {
    let said = body["message"].as_str().unwrap_or("no message");
    let hint = match (status.as_u16(), &permission) {
        (401, _) => " (the token is missing, wrong or expired)".to_owned(),
        (403, Some(p)) => format!(" (the token lacks a permission: GitHub accepts {p} here)"),
        (403, None) => " (the token lacks a permission: contents and pull requests need write access)".to_owned(),
        (404, _) => " (or the token cannot see the repository)".to_owned(),
        _ => String::new(),
    };
    let message = format!("GitHub answered {} to {method} {path}: {said}{hint}", status.as_u16());
    match status.as_u16() {
        404 => ForgeError::NotFound { message },
        401 | 403 => ForgeError::Forbidden { permission, message },
        409 => ForgeError::Conflict { message },
        405 | 422 => ForgeError::Refused { state: refused::first_line(said), message },
        s if s >= 500 => ForgeError::Transient { message },
        _ => ForgeError::Other(message),
    }
}

impl Forge for GitHubForge {
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

    /// Reads what GitHub shows the token: the branch (`protected`, its required checks), the repository (is the
    /// token an admin), the classic protection when the token may read it (admin), every ruleset rule on the
    /// branch and, per ruleset, whether the token may bypass it. 3 to 5 requests, sent by `doctor` and when a
    /// drill is about to open, never on an idle run. `None` when the branch does not exist.
    async fn guard_rails(&self, branch: &str) -> Result<Option<GuardRails>> {
        let enc = encode_path(branch);
        let (status, b) = self.call(Method::GET, &self.repo_path(&format!("/branches/{enc}")), None).await?;
        if status == StatusCode::NOT_FOUND {
            // No branch, no guard rails: whoever asked says the branch is missing.
            return Ok(None);
        }
        if !status.is_success() {
            return Err(api_error(&Method::GET, "branches", status, &b));
        }
        let names = |v: &Value| -> Vec<String> {
            v.as_array().into_iter().flatten().filter_map(|c| c.as_str().map(str::to_owned)).collect()
        };
        let repo = self.repository().await?;
        let mut g = GuardRails {
            branch: branch.to_owned(),
            protected: b["protected"].as_bool().unwrap_or(false),
            required_checks: names(&b["protection"]["required_status_checks"]["contexts"]),
            admin: repo["permissions"]["admin"].as_bool().unwrap_or(false),
            ..GuardRails::default()
        };
        if g.protected {
            let (status, p) =
                self.call(Method::GET, &self.repo_path(&format!("/branches/{enc}/protection")), None).await?;
            if status.is_success() {
                let enabled = |v: &Value| v["enabled"].as_bool().unwrap_or(false);
                let checks = &p["required_status_checks"];
                let mut required = names(&checks["contexts"]);
                for c in checks["checks"].as_array().into_iter().flatten() {
                    if let Some(n) = c["context"].as_str()
                        && !required.iter().any(|r| r == n)
                    {
                        required.push(n.to_owned());
                    }
                }
                let restrictions = p["restrictions"].is_object().then(|| {
                    let r = &p["restrictions"];
                    let users = r["users"].as_array().into_iter().flatten().filter_map(|u| u["login"].as_str());
                    let apps = r["apps"].as_array().into_iter().flatten().filter_map(|a| a["slug"].as_str());
                    users.chain(apps).map(str::to_owned).collect()
                });
                g.classic = Some(Classic {
                    required_reviews: p["required_pull_request_reviews"]["required_approving_review_count"].as_u64(),
                    required_checks: required,
                    strict: checks["strict"].as_bool().unwrap_or(false),
                    enforce_admins: enabled(&p["enforce_admins"]),
                    restrictions,
                    required_signatures: enabled(&p["required_signatures"]),
                    linear_history: enabled(&p["required_linear_history"]),
                    code_owners: p["required_pull_request_reviews"]["require_code_owner_reviews"].as_bool()
                        == Some(true),
                });
                if g.classic.as_ref().is_some_and(|c| c.restrictions.is_some()) {
                    g.login = self.user().await.ok().map(|(login, _)| login);
                }
            }
        }
        let (status, rules) = self.call(Method::GET, &self.repo_path(&format!("/rules/branches/{enc}")), None).await?;
        if status.is_success() {
            let mut rulesets: Vec<(u64, String, String)> = Vec::new();
            for r in rules.as_array().into_iter().flatten() {
                let id = r["ruleset_id"].as_u64().unwrap_or(0);
                if !rulesets.iter().any(|(i, ..)| *i == id) {
                    let v = self.ok(Method::GET, &self.repo_path(&format!("/rulesets/{id}")), None).await?;
                    let name = v["name"].as_str().unwrap_or("ruleset").to_owned();
                    let bypass = v["current_user_can_bypass"].as_str().unwrap_or("never").to_owned();
                    rulesets.push((id, name, bypass));
                }
                let (_, name, bypass) = rulesets.iter().find(|(i, ..)| *i == id).cloned().unwrap_or_default();
                let params = &r["parameters"];
                g.rules.push(RulesetRule {
                    kind: r["type"].as_str().unwrap_or("unknown").to_owned(),
                    ruleset: name,
                    bypass,
                    required_reviews: params["required_approving_review_count"].as_u64().unwrap_or(0),
                    required_checks: params["required_status_checks"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|c| c["context"].as_str().map(str::to_owned))
                        .collect(),
                    code_owners: params["require_code_owner_review"].as_bool() == Some(true),
                });
            }
        }
        Ok(Some(g))
    }

    /// CODEOWNERS read at the branch's tip where GitHub looks for it (1 to 3 requests), and the approver's login
    /// (`GET /user` with its token, 1 request): asked only when a code owner's review is required and an approver
    /// is set, when a drill is about to open.
    async fn code_owners(&self, branch: &str, path: &str) -> Result<Option<crate::drill::guard::Owners>> {
        let Some(tip) = self.branch_head(branch).await? else { return Ok(None) };
        let mut owners = Vec::new();
        for candidate in crate::drill::guard::CODEOWNERS_PATHS {
            if let Some(text) = self.read_file(&tip, candidate).await? {
                owners = crate::drill::guard::code_owners_of(&text, path);
                break;
            }
        }
        let approver = match self.approver_gh()? {
            Some(gh) => {
                let (status, v) = self.call_on(gh, Method::GET, "/user", None).await?;
                if status.is_success() { v["login"].as_str().map(str::to_owned) } else { None }
            }
            None => None,
        };
        Ok(Some(crate::drill::guard::Owners { path: path.to_owned(), owners, approver }))
    }

    async fn branch_head(&self, branch: &str) -> Result<Option<CommitSha>> {
        let (status, v) = self.call(Method::GET, &self.repo_path(&format!("/git/ref/heads/{branch}")), None).await?;
        match status {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => sha(&v["object"]["sha"]).map(Some),
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
        let encoded: String =
            v["content"].as_str().unwrap_or_default().chars().filter(|c| !c.is_whitespace()).collect();
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
        let mut files: Vec<String> = tree["tree"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["type"] == "blob" && e["mode"] != "120000")
            .filter_map(|e| e["path"].as_str().map(str::to_owned))
            .collect();
        files.sort();
        Ok(Some((files, tree["truncated"].as_bool() == Some(false))))
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
        let base_tree = parent_commit["tree"]["sha"].clone();
        let mut entries = Vec::new();
        for f in files {
            match f {
                FileChange::Write { path, content } => {
                    let body = json!({"content": base64::engine::general_purpose::STANDARD.encode(content), "encoding": "base64"});
                    let blob = self.ok(Method::POST, &self.repo_path("/git/blobs"), Some(&body)).await?;
                    entries.push(json!({"path": path, "mode": "100644", "type": "blob", "sha": blob["sha"]}));
                }
                FileChange::Delete { path } => {
                    entries.push(json!({"path": path, "mode": "100644", "type": "blob", "sha": null}))
                }
            }
        }
        let tree = self
            .ok(Method::POST, &self.repo_path("/git/trees"), Some(&json!({"base_tree": base_tree, "tree": entries})))
            .await?;
        let who = json!({"name": author.name, "email": author.email, "date": at.to_string()});
        let body = json!({"message": message, "tree": tree["sha"], "parents": [parent.to_string()], "author": who, "committer": who});
        let commit = self.ok(Method::POST, &self.repo_path("/git/commits"), Some(&body)).await?;
        sha(&commit["sha"])
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

    async fn merge_change(
        &self,
        change: &Change,
        spec: &MergeSpec<'_>,
        _actor: &Person,
        _at: Timestamp,
    ) -> Result<MergeOutcome> {
        // Verify before acting: still open, still at the drill's commit. A merged one was merged by an earlier
        // run: report that landing.
        let pr = self.pull(&change.id).await?;
        if let Some((commit, at)) = merged_of(&pr)? {
            return Ok(MergeOutcome::Merged { commit, at });
        }
        if pr["state"].as_str() == Some("closed") {
            return Ok(MergeOutcome::Closed);
        }
        let actual = sha(&pr["head"]["sha"])?;
        // A head firedrill moved itself (`update-branch` in an earlier run, finished since) is the head to merge.
        let mut moved = None;
        if actual != *spec.expected_head {
            if !self.brought_up_to_date(&actual, spec.expected_head, spec.base).await? {
                return Ok(MergeOutcome::HeadMoved { expected: spec.expected_head.clone(), actual });
            }
            moved = Some(actual.clone());
        }
        let head = moved.clone().unwrap_or_else(|| spec.expected_head.clone());
        // What GitHub knows of the pull request, read right before the merge: the first key to a refusal.
        let mut state = mergeable_state(&pr);
        // The method given first; where firedrill chooses, the others GitHub may allow after it.
        let methods = if spec.fallback { MergeMethod::in_turn_from(spec.method) } else { vec![spec.method] };
        let mut candidates = methods.into_iter().peekable();
        let Some(mut method) = candidates.next() else { return Err(other("no merge method to try")) };
        let path = self.repo_path(&format!("/pulls/{}/merge", change.id));
        let mut body = self.merge_body(change, spec, &head, method).await?;
        let (mut approved, mut asks, mut retries) = (false, 0, 0);
        let mut checks: Option<Vec<(String, Check)>> = None;
        for _ in 0..MAX_MERGE_TRIES {
            let (status, v) = self.call(Method::PUT, &path, Some(&body)).await?;
            let message = v["message"].as_str().unwrap_or("not mergeable").trim().to_owned();
            match status.as_u16() {
                200 => {
                    let merged = self.pull(&change.id).await?;
                    let commit = sha(&v["sha"]).or_else(|_| sha(&merged["merge_commit_sha"]))?;
                    let at =
                        time(&merged["merged_at"]).ok_or_else(|| other("the merged pull request has no merged_at"))?;
                    return Ok(MergeOutcome::Merged { commit, at });
                }
                // 409: the head moved ("Head branch was modified"), or a race ("Base branch was modified"): the
                // pull request tells which, and whether a racing run merged it.
                409 => {
                    let pr = self.pull(&change.id).await?;
                    if let Some((commit, at)) = merged_of(&pr)? {
                        return Ok(MergeOutcome::Merged { commit, at });
                    }
                    let actual = sha(&pr["head"]["sha"])?;
                    if actual != head {
                        return Ok(MergeOutcome::HeadMoved { expected: head, actual });
                    }
                    state = mergeable_state(&pr);
                }
                405 => {}
                422 => return Ok(MergeOutcome::NotMergeable { reason: message }),
                _ => return Err(api_error(&Method::PUT, &path, status, &v)),
            }
            // Decide from the state; read more of it only where the decision needs it.
            let resend = loop {
                let facts = refused::Facts {
                    status: status.as_u16(),
                    message: &message,
                    state: &state,
                    checks: checks.clone(),
                    approved,
                    approver: self.approver.is_some(),
                    code_owners: self.gate(spec).await?.code_owners,
                    more_methods: candidates.peek().is_some(),
                };
                let decision = refused::decide(&facts);
                tracing::info!(?decision, state, message, "GitHub refused the merge");
                match decision {
                    Decision::ReadChecks => checks = Some(self.checks_on(&head, spec).await?),
                    Decision::AskAgain if asks < UNKNOWN_ASKS => {
                        asks += 1;
                        tokio::time::sleep(UNKNOWN_WAIT).await;
                        let pr = self.pull(&change.id).await?;
                        if let Some((commit, at)) = merged_of(&pr)? {
                            return Ok(MergeOutcome::Merged { commit, at });
                        }
                        state = mergeable_state(&pr);
                        // Computed now, and nothing in the way: the refusal was GitHub still computing.
                        if matches!(state.as_str(), "clean" | "unstable" | "has_hooks") {
                            break true;
                        }
                    }
                    Decision::AskAgain => {
                        return Ok(MergeOutcome::Waiting {
                            reason: "GitHub has not computed yet whether the pull request can merge".to_owned(),
                            head: moved,
                        });
                    }
                    Decision::UpdateBranch => return self.update_branch(change, spec, &head, &message, moved).await,
                    Decision::Wait(reason) => return Ok(MergeOutcome::Waiting { reason, head: moved }),
                    Decision::Approve => {
                        // The approver gives the review right before the merge is sent again.
                        self.approve(&change.id, &head).await?;
                        approved = true;
                        break true;
                    }
                    Decision::Retry if retries < BASE_MODIFIED_RETRIES => {
                        retries += 1;
                        tracing::info!(path, "the base branch moved while merging; trying the merge again");
                        break true;
                    }
                    Decision::Retry => {
                        return Ok(MergeOutcome::NotMergeable {
                            reason: format!(
                                "`{}` kept moving while merging ({} tries: {message})",
                                spec.base,
                                retries + 1
                            ),
                        });
                    }
                    Decision::NextMethod => {
                        let Some(next) = candidates.next() else { break false };
                        tracing::info!(?method, "GitHub does not allow this merge method here; trying the next one");
                        method = next;
                        body = self.merge_body(change, spec, &head, method).await?;
                        break true;
                    }
                    Decision::Final(reason) => {
                        // GitHub's own words stay beside the reason, for the report.
                        let said = refused::first_line(&message);
                        let reason = if reason.contains(&said) {
                            reason
                        } else {
                            format!("{reason} (GitHub answered {}: {said})", status.as_u16())
                        };
                        return Ok(MergeOutcome::NotMergeable { reason });
                    }
                }
            };
            if !resend {
                return Ok(MergeOutcome::NotMergeable { reason: message });
            }
        }
        Ok(MergeOutcome::NotMergeable {
            reason: format!("GitHub kept refusing the merge after {MAX_MERGE_TRIES} tries in one run"),
        })
    }

    async fn landed(&self, change: &Change, _spec: &MergeSpec<'_>) -> Result<Option<(CommitSha, Timestamp)>> {
        merged_of(&self.pull(&change.id).await?)
    }

    /// GitHub has no revert endpoint: the commit is undone file by file on top of the branch's tip (each file
    /// the commit changed goes back to its first parent's version, when nobody changed it since), and the
    /// branch is moved without force.
    async fn revert(
        &self,
        commit: &CommitSha,
        base: &str,
        message: &str,
        actor: &Person,
        at: Timestamp,
        gate: Option<&Gate>,
    ) -> Result<Landing> {
        let info = self.ok(Method::GET, &self.repo_path(&format!("/commits/{commit}")), None).await?;
        let parent = info["parents"]
            .as_array()
            .and_then(|p| p.first())
            .map(|p| sha(&p["sha"]))
            .transpose()?
            .ok_or_else(|| other("cannot revert a root commit"))?;
        let files: Vec<String> = info["files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["filename"].as_str().map(str::to_owned))
            .collect();
        for _ in 0..5 {
            let tip = self
                .branch_head(base)
                .await?
                .ok_or_else(|| ForgeError::NoBranch { repo: self.describe(), branch: base.to_owned() })?;
            let mut changes = Vec::new();
            for f in &files {
                let now = self.read_file(&tip, f).await?;
                let theirs = self.read_file(commit, f).await?;
                if now != theirs {
                    // A run racing this one may have reverted it already: then that landing is the revert.
                    if let Some(landing) = self.reverted_by(commit, &parent, &files, base).await? {
                        return Ok(landing);
                    }
                    return Err(other(format!("cannot revert {}: `{f}` changed since", commit.short())));
                }
                changes.push(match self.read_file(&parent, f).await? {
                    Some(old) => FileChange::write(f.clone(), old),
                    None => FileChange::delete(f.clone()),
                });
            }
            let reverted = self.write_commit(&tip, &changes, message, actor, at).await?;
            let body = json!({"sha": reverted.to_string(), "force": false});
            let (status, v) =
                self.call(Method::PATCH, &self.repo_path(&format!("/git/refs/heads/{base}")), Some(&body)).await?;
            if status.is_success() {
                return Ok(Landing {
                    sha: reverted,
                    at,
                    message: message.to_owned(),
                    author: actor.clone(),
                    committer: actor.clone(),
                });
            }
            // 422 "Update is not a fast forward": the branch moved; try again on the new tip. A 422 while the
            // tip is still where the revert was built is no race: branch protection or a ruleset refused the
            // direct update ("Protected branch update failed", "Repository rule violations found"). Retrying
            // cannot help, so say at once that the fault is still live, and why.
            if status != StatusCode::UNPROCESSABLE_ENTITY {
                return Err(api_error(&Method::PATCH, "git/refs", status, &v));
            }
            if self.branch_head(base).await?.as_ref() == Some(&tip) {
                // The way a colleague would go: a revert branch and a pull request, merged through the rules.
                let undo = Undo { commit, reverted: &reverted, base, message, actor, gate };
                return self.revert_through_pull(&undo, &v).await;
            }
        }
        Err(other(format!("`{base}` kept moving while reverting")))
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
            let items = list.as_array().cloned().unwrap_or_default();
            if tip.is_none() {
                tip = items.first().and_then(|c| c["sha"].as_str()).map(str::to_owned);
            }
            let n = items.len();
            for c in items {
                if c["sha"].as_str() == Some(after.as_str()) {
                    found = true;
                }
                if let Some(s) = c["sha"].as_str() {
                    by_sha.insert(s.to_owned(), c);
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
            cur = c["parents"].as_array().and_then(|p| p.first()).and_then(|p| p["sha"].as_str()).map(str::to_owned);
        }
        chain.reverse();
        let mut out = Vec::with_capacity(chain.len());
        for c in chain {
            let person =
                |who: &Value| Person::new(who["name"].as_str().unwrap_or(""), who["email"].as_str().unwrap_or(""));
            out.push(Landing {
                sha: sha(&c["sha"])?,
                at: self.landed_at(&c).await?,
                message: c["commit"]["message"].as_str().unwrap_or_default().to_owned(),
                author: person(&c["commit"]["author"]),
                committer: person(&c["commit"]["committer"]),
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
        let base = pr["base"]["ref"].as_str().unwrap_or_default();
        if head != change.head && !self.brought_up_to_date(&head, &change.head, base).await? {
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
        let first = |items: &[Value], at: &str, ok: &dyn Fn(&Value) -> bool| {
            items.iter().filter(|v| ok(v)).filter_map(|v| time(&v[at])).min()
        };
        match signal {
            DeploySignal::Status(context) => {
                // Newest first, every context of the commit (a commit rarely has more than a page).
                let p = self.repo_path(&format!("/commits/{commit}/statuses?per_page=100"));
                let list = self.ok(Method::GET, &p, None).await?;
                Ok(first(list.as_array().map_or(&[][..], Vec::as_slice), "created_at", &|s| {
                    s["state"] == "success" && s["context"].as_str().is_some_and(|c| glob_match(context, c))
                }))
            }
            DeploySignal::Check(name) => {
                let by_name =
                    if name.contains('*') { String::new() } else { format!("&check_name={}", encode_path(name)) };
                let p = self.repo_path(&format!("/commits/{commit}/check-runs?filter=all&per_page=100{by_name}"));
                let list = self.ok(Method::GET, &p, None).await?;
                Ok(first(list["check_runs"].as_array().map_or(&[][..], Vec::as_slice), "completed_at", &|r| {
                    r["conclusion"] == "success" && r["name"].as_str().is_some_and(|n| glob_match(name, n))
                }))
            }
            DeploySignal::Deployments(environment) => {
                let p = self.repo_path(&format!(
                    "/deployments?environment={}&sha={commit}&per_page=10",
                    encode_path(environment)
                ));
                let deployments = self.ok(Method::GET, &p, None).await?;
                let mut found: Option<Timestamp> = None;
                for d in deployments.as_array().into_iter().flatten() {
                    let Some(id) = d["id"].as_u64() else { continue };
                    let p = self.repo_path(&format!("/deployments/{id}/statuses?per_page=100"));
                    let statuses = self.ok(Method::GET, &p, None).await?;
                    let items = statuses.as_array().map_or(&[][..], Vec::as_slice);
                    let ok = first(items, "created_at", &|s| s["state"] == "success");
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
        Ok(issues.as_array().and_then(|a| a.first()).and_then(|i| i["number"].as_u64()))
    }

    async fn comments(&self, change: &Change, since: Option<Timestamp>) -> Result<Vec<super::Comment>> {
        let since = since.map(|t| format!("&since={}", t.strftime("%Y-%m-%dT%H:%M:%SZ"))).unwrap_or_default();
        let mut all = self.comment_pages("issues", &change.id, &since, false).await?;
        // A pull request's comments on lines of its diff (review comments), where responders look at the
        // suspicious change: the same channel. An issue (the announcement) has none.
        if !change.branch.is_empty() {
            let review = self.comment_pages("pulls", &change.id, &since, true).await?;
            self.note_review_comments(review.iter().map(|c| c.id));
            all.extend(review);
            all.sort_by_key(|c| (c.created_at, c.id));
        }
        Ok(all)
    }

    async fn comment(&self, id: u64) -> Result<Option<super::Comment>> {
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

    async fn review(&self, number: u64, id: u64) -> Result<Option<super::Comment>> {
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

    async fn permission(&self, login: &str) -> Result<String> {
        let path = self.repo_path(&format!("/collaborators/{}/permission", encode_path(login)));
        let (status, v) = self.call(Method::GET, &path, None).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok("none".to_owned());
        }
        if !status.is_success() {
            return Err(api_error(&Method::GET, &path, status, &v));
        }
        // `role_name` tells maintain and triage apart; `permission` is the older, coarser name.
        Ok(v["role_name"].as_str().or(v["permission"].as_str()).unwrap_or("none").to_owned())
    }

    async fn react(&self, comment: u64, content: &str) -> Result<()> {
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
        let body = json!({ "content": content });
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

    async fn open_issue(&self, title: &str, body: &str, marker: &str) -> Result<Option<String>> {
        let hidden = format!("<!-- {marker} -->");
        // Look before creating: a retried POST or a re-run finds the issue it opened.
        for page in 1..=MAX_COMMENT_PAGES {
            let path = self.repo_path(&format!("/issues?state=open&per_page=100&page={page}"));
            let items = self.ok(Method::GET, &path, None).await?;
            let items = items.as_array().cloned().unwrap_or_default();
            let mine = items.iter().find(|i| i["body"].as_str().is_some_and(|b| b.contains(&hidden)));
            if let Some(n) = mine.and_then(|i| i["number"].as_u64()) {
                return Ok(Some(n.to_string()));
            }
            if items.len() < 100 {
                break;
            }
        }
        let text = format!("{body}\n\n{hidden}");
        let issue =
            self.ok(Method::POST, &self.repo_path("/issues"), Some(&json!({"title": title, "body": text}))).await?;
        Ok(issue["number"].as_u64().map(|n| n.to_string()))
    }

    fn is_repository(&self, full_name: &str) -> bool {
        full_name.eq_ignore_ascii_case(&format!("{}/{}", self.owner, self.repo))
    }

    async fn post_note(&self, change: &Change, marker: &str, body: &str) -> Result<()> {
        let hidden = format!("<!-- {marker} -->");
        let text = format!("{body}\n\n{hidden}");
        // Every page of the comments: a note past the first hundred is still found, never posted twice.
        let mine = self.comments(change, None).await?.into_iter().find(|c| c.body.contains(&hidden));
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

/// At most this many pages of comments (or open issues) are read in one listing (10,000 items).
const MAX_COMMENT_PAGES: usize = 100;

/// A comment as the REST API shows it (`on`: the issue or pull request number it belongs to).
fn comment_of(c: &Value, on: &str) -> Option<super::Comment> {
    let by = c["user"]["login"].as_str()?.to_owned();
    Some(super::Comment {
        id: c["id"].as_u64()?,
        on: on.to_owned(),
        body: c["body"].as_str().unwrap_or_default().to_owned(),
        bot: c["user"]["type"].as_str() == Some("Bot") || by.ends_with("[bot]"),
        by,
        created_at: time(&c["created_at"])?,
        updated_at: time(&c["updated_at"]).or_else(|| time(&c["created_at"]))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_squash_keeps_the_subject_and_the_body_of_the_only_commit() {
        let squash = |m: &str| squash_title_and_body(m, "7");
        assert_eq!(squash("Tune redis pool size\n"), ("Tune redis pool size (#7)".to_owned(), String::new()));
        assert_eq!(
            squash("chore: tune pool\n\nLonger pool timeout.\n\n- [x] config only\n"),
            ("chore: tune pool (#7)".to_owned(), "Longer pool timeout.\n\n- [x] config only".to_owned())
        );
        // A subject written over two lines is one line to git (`%s`), and to GitHub.
        assert_eq!(squash("Tune\nredis pool\n\nWhy.").0, "Tune redis pool (#7)");
    }

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
