//! The operations behind reviews, commit statuses and check runs (shared by the REST and admin APIs), GitHub Apps,
//! and the JSON of those objects and of branch protection.

use git2::Oid;
use serde_json::Value;

use super::Ctx;
use crate::git;
use crate::http::ApiError;
use crate::state::{CheckRun, CommitStatus, GitHubApp, Protection, Review, State};

/// The App that stands in for GitHub Actions when the admin API posts a check run without naming one.
pub const ACTIONS_APP: &str = "github-actions";

const REVIEWS_DOCS: &str = "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request";

/// The GitHub App `slug`, created on first use for the built-in ones (`github-actions`).
pub fn ensure_app(st: &mut State, slug: &str) -> GitHubApp {
    if let Some(app) = st.apps.get(slug) {
        return app.clone();
    }
    let id = if slug == ACTIONS_APP { 15368 } else { st.id() };
    let owner = if slug == ACTIONS_APP { "github" } else { slug };
    st.ensure_user(owner);
    let app = GitHubApp {
        id,
        slug: slug.to_owned(),
        name: if slug == ACTIONS_APP { "GitHub Actions".to_owned() } else { slug.to_owned() },
        owner: owner.to_owned(),
        created_at: st.now(),
    };
    st.apps.insert(slug.to_owned(), app.clone());
    st.ensure_user(&app.bot_login());
    app
}

impl Ctx<'_> {
    pub fn protection_json(&mut self, branch: &str, p: &Protection) -> Value {
        let (logins, slugs) = p.restrictions.as_ref().map(|r| (r.users.clone(), r.apps.clone())).unwrap_or_default();
        let users: Vec<_> = logins.iter().map(|l| self.user(l)).collect();
        let known: Vec<GitHubApp> = slugs.iter().filter_map(|s| self.st.apps.get(s).cloned()).collect();
        let apps: Vec<_> = known
            .into_iter()
            .map(|app| {
                let owner = self.user(&app.owner);
                (app, owner)
            })
            .collect();
        self.urls.protection(self.repo(), branch, p, &users, &apps)
    }

    pub fn review_json(&mut self, review: &Review) -> Value {
        let user = self.user(&review.user);
        let association = self.association(&review.user);
        self.urls.review(self.repo(), review, &user, &association)
    }

    pub fn status_json(&mut self, status: &CommitStatus, with_creator: bool) -> Value {
        let creator = self.user(&status.creator);
        self.urls.status(self.repo(), status, &creator, with_creator)
    }

    pub fn check_run_json(&mut self, run: &CheckRun) -> Value {
        let app = ensure_app(self.st, &run.app);
        let owner = self.user(&app.owner);
        let app_json = self.urls.integration(&app, &owner);
        let repo = self.repo();
        let pulls: Vec<_> = repo.pulls.iter().filter(|p| p.state == "open" && p.head_sha == run.head_sha).collect();
        self.urls.check_run(repo, run, app_json, &pulls)
    }

    /// A review of pull request `number` by the actor; `event` absent leaves it `PENDING`.
    pub fn create_review(
        &mut self,
        number: u64,
        event: Option<&str>,
        body: Option<&str>,
        commit_id: Option<&str>,
    ) -> Result<Review, ApiError> {
        self.refresh_pulls()?;
        let pr = self.find_pull(number)?;
        let state = match event {
            None => "PENDING",
            Some("APPROVE") => "APPROVED",
            Some("REQUEST_CHANGES") => "CHANGES_REQUESTED",
            Some("COMMENT") => "COMMENTED",
            Some(_) => return Err(ApiError::validation("PullRequestReview", "event", "invalid")),
        };
        if pr.user == self.actor.login {
            match state {
                "APPROVED" => {
                    return Err(ApiError::unprocessable_entity(
                        &["Review Can not approve your own pull request"],
                        REVIEWS_DOCS,
                    ));
                }
                "CHANGES_REQUESTED" => {
                    return Err(ApiError::unprocessable_entity(
                        &["Review Can not request changes on your own pull request"],
                        REVIEWS_DOCS,
                    ));
                }
                _ => {}
            }
        }
        let now = self.st.now();
        let review = Review {
            id: self.st.id(),
            number,
            user: self.actor.login.clone(),
            body: body.unwrap_or_default().to_owned(),
            state: state.to_owned(),
            commit_id: commit_id.map_or_else(|| pr.head_sha.clone(), str::to_owned),
            submitted_at: (state != "PENDING").then_some(now),
        };
        self.repo_mut().reviews.push(review.clone());
        Ok(review)
    }

    /// A commit status on `sha` (a full sha of a commit in the repository) by the actor, from a request's `state`,
    /// `context`, `description` and `target_url`.
    pub fn create_status(&mut self, sha: &str, body: &Value) -> Result<CommitStatus, ApiError> {
        let state = body["state"].as_str().ok_or_else(|| ApiError::not_supplied("state"))?;
        let (context, description, target_url) =
            (body["context"].as_str(), body["description"].as_str(), body["target_url"].as_str());
        if !matches!(state, "error" | "failure" | "pending" | "success") {
            return Err(ApiError::validation("Status", "state", "invalid"));
        }
        let git = self.git()?;
        let found = Oid::from_str(sha).ok().filter(|o| sha.len() == 40 && git.find_commit(*o).is_ok());
        if found.is_none() {
            return Err(ApiError::unprocessable(&format!("No commit found for SHA: {sha}")));
        }
        let now = self.st.now();
        let status = CommitStatus {
            id: self.st.id(),
            sha: sha.to_owned(),
            state: state.to_owned(),
            context: context.unwrap_or("default").to_owned(),
            description: description.map(str::to_owned),
            target_url: target_url.map(str::to_owned),
            creator: self.actor.login.clone(),
            created_at: now,
            updated_at: now,
        };
        self.repo_mut().statuses.push(status.clone());
        Ok(status)
    }

    /// A check run on `head_sha` made by `app` (a slug); a `conclusion` completes it, as on GitHub.
    pub fn create_check_run(&mut self, app: &str, body: &Value) -> Result<CheckRun, ApiError> {
        let name = body["name"].as_str().ok_or_else(|| ApiError::not_supplied("name"))?;
        let sha = body["head_sha"].as_str().ok_or_else(|| ApiError::not_supplied("head_sha"))?;
        let git = self.git()?;
        let head = git::resolve(&git, sha).filter(|o| o.to_string() == sha);
        if head.is_none() {
            return Err(ApiError::unprocessable(&format!("No commit found for SHA: {sha}")));
        }
        let now = self.st.now();
        let suite_id = match self.repo().check_runs.iter().find(|r| r.app == app && r.head_sha == sha) {
            Some(run) => run.suite_id,
            None => self.st.id(),
        };
        let mut run = CheckRun {
            id: self.st.id(),
            head_sha: sha.to_owned(),
            name: name.to_owned(),
            status: "queued".to_owned(),
            conclusion: None,
            app: app.to_owned(),
            suite_id,
            external_id: body["external_id"].as_str().map(str::to_owned),
            details_url: body["details_url"].as_str().map(str::to_owned),
            started_at: Some(now),
            completed_at: None,
            title: None,
            summary: None,
            text: None,
        };
        apply_check_update(&mut run, body, now)?;
        self.repo_mut().check_runs.push(run.clone());
        Ok(run)
    }
}

pub fn apply_check_update(run: &mut CheckRun, body: &Value, now: jiff::Timestamp) -> Result<(), ApiError> {
    if let Some(status) = body["status"].as_str() {
        if !matches!(status, "queued" | "in_progress" | "completed") {
            return Err(ApiError::validation("CheckRun", "status", "invalid"));
        }
        run.status = status.to_owned();
    }
    if let Some(conclusion) = body["conclusion"].as_str() {
        const CONCLUSIONS: [&str; 8] =
            ["action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"];
        if !CONCLUSIONS.contains(&conclusion) {
            return Err(ApiError::validation("CheckRun", "conclusion", "invalid"));
        }
        run.conclusion = Some(conclusion.to_owned());
        run.status = "completed".to_owned();
    }
    if run.status == "completed" {
        if run.conclusion.is_none() {
            return Err(ApiError::validation("CheckRun", "conclusion", "missing_field"));
        }
        run.completed_at = Some(run.completed_at.unwrap_or(now));
    }
    let output = &body["output"];
    if output.is_object() {
        run.title = output["title"].as_str().map(str::to_owned);
        run.summary = output["summary"].as_str().map(str::to_owned);
        run.text = output["text"].as_str().map(str::to_owned);
    }
    if let Some(url) = body["details_url"].as_str() {
        run.details_url = Some(url.to_owned());
    }
    Ok(())
}
