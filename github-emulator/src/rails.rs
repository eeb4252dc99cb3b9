//! The REST endpoints of GitHub's guard rails and the operations behind them (shared with the admin API): merge
//! settings, classic branch protection, branches, rulesets, reviews, commit statuses, check runs and update-branch.

use git2::Oid;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::git;
use crate::guard::role_of;
use crate::ops::Ctx;
use crate::server::{Incoming, Reply};
use crate::state::{
    BypassActor, CheckRun, CommitStatus, GitHubApp, MergeSettings, Permission, Protection, RequiredCheck,
    RequiredChecks, RequiredReviews, Restrictions, Review, Ruleset, State,
};

/// The App that stands in for GitHub Actions when the admin API posts a check run without naming one.
pub const ACTIONS_APP: &str = "github-actions";

const REVIEWS_DOCS: &str = "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request";

/// The rule types a ruleset may hold (those the emulator enforces and the ones it only stores).
const RULE_TYPES: [&str; 23] = [
    "creation",
    "update",
    "deletion",
    "required_linear_history",
    "merge_queue",
    "required_deployments",
    "required_signatures",
    "pull_request",
    "required_status_checks",
    "non_fast_forward",
    "commit_message_pattern",
    "commit_author_email_pattern",
    "committer_email_pattern",
    "branch_name_pattern",
    "tag_name_pattern",
    "workflows",
    "code_scanning",
    "copilot_code_review",
    "license_compliance_scanning",
    "file_path_restriction",
    "max_file_path_length",
    "file_extension_restriction",
    "max_file_size",
];

/// GitHub's schema refusal of a request that lacks a required field.
pub fn not_supplied(field: &str) -> ApiError {
    ApiError::unprocessable(&format!("Invalid request.\n\n\"{field}\" wasn't supplied."))
}

fn number(text: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|_| ApiError::not_found())
}

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

/// Serves the guard-rail endpoints of a repository; `None` leaves the request to the other arms.
pub fn route(ctx: &mut Ctx<'_>, req: &Incoming, rest: &[&str]) -> Option<Result<Reply, ApiError>> {
    let method = req.method.as_str();
    Some(match (method, rest) {
        ("PATCH", []) => update_repo(ctx, req),
        ("GET" | "PUT" | "DELETE" | "POST", ["branches", tail @ ..]) if !tail.is_empty() => branches(ctx, req, tail)?,
        ("GET", ["rulesets"]) => list_rulesets(ctx, req),
        ("POST", ["rulesets"]) => create_ruleset(ctx, req),
        ("GET", ["rulesets", id]) => get_ruleset(ctx, id),
        ("PUT", ["rulesets", id]) => update_ruleset(ctx, req, id),
        ("DELETE", ["rulesets", id]) => delete_ruleset(ctx, id),
        ("GET", ["rules", "branches", branch @ ..]) if !branch.is_empty() => {
            rules_for_branch(ctx, req, &branch.join("/"))
        }
        ("GET", ["pulls", n, "reviews"]) => list_reviews(ctx, req, n),
        ("GET", ["pulls", n, "reviews", id]) => number(n).and_then(|n| {
            let id = number(id)?;
            let review = ctx
                .repo()
                .reviews
                .iter()
                .find(|r| r.number == n && r.id == id)
                .cloned()
                .ok_or_else(ApiError::not_found)?;
            Ok(Reply::ok(ctx.review_json(&review)))
        }),
        ("POST", ["pulls", n, "reviews"]) => number(n).and_then(|n| {
            let body = req.json()?;
            let review =
                ctx.create_review(n, body["event"].as_str(), body["body"].as_str(), body["commit_id"].as_str())?;
            Ok(Reply::ok(ctx.review_json(&review)))
        }),
        ("PUT", ["pulls", n, "update-branch"]) => update_branch(ctx, req, n),
        ("POST", ["statuses", sha]) => {
            if let Err(e) = ctx.require(Permission::Write) {
                return Some(Err(e));
            }
            req.json().and_then(|body| {
                let status = ctx.create_status(
                    sha,
                    body["state"].as_str(),
                    body["context"].as_str(),
                    body["description"].as_str(),
                    body["target_url"].as_str(),
                )?;
                Ok(Reply::created(ctx.status_json(&status, true)))
            })
        }
        ("GET", ["commits", r @ .., "status"]) if !r.is_empty() => combined_status(ctx, req, &r.join("/")),
        ("GET", ["commits", r @ .., "statuses"]) if !r.is_empty() => list_statuses(ctx, req, &r.join("/")),
        ("GET", ["statuses", r @ ..]) if !r.is_empty() => list_statuses(ctx, req, &r.join("/")),
        ("GET", ["commits", r @ .., "check-runs"]) if !r.is_empty() => list_check_runs(ctx, req, &r.join("/")),
        ("POST", ["check-runs"]) => create_check_run(ctx, req),
        ("GET", ["check-runs", id]) => number(id).and_then(|id| {
            let run = ctx.repo().check_runs.iter().find(|r| r.id == id).cloned().ok_or_else(ApiError::not_found)?;
            Ok(Reply::ok(ctx.check_run_json(&run)))
        }),
        ("PATCH", ["check-runs", id]) => update_check_run(ctx, req, id),
        _ => return None,
    })
}

fn set_flag(body: &Value, field: &str, slot: &mut bool) -> Result<(), ApiError> {
    match &body[field] {
        Value::Null => Ok(()),
        Value::Bool(on) => {
            *slot = *on;
            Ok(())
        }
        _ => Err(ApiError::validation("Repository", field, "invalid")),
    }
}

fn set_choice(body: &Value, field: &str, allowed: &[&str], slot: &mut String) -> Result<(), ApiError> {
    match &body[field] {
        Value::Null => Ok(()),
        Value::String(v) if allowed.contains(&v.as_str()) => {
            v.clone_into(slot);
            Ok(())
        }
        _ => Err(ApiError::validation("Repository", field, "invalid")),
    }
}

impl Ctx<'_> {
    /// Sets the merge settings named in `body` (absent ones stay); at least one merge method must stay allowed.
    pub fn update_settings(&mut self, body: &Value) -> Result<MergeSettings, ApiError> {
        let mut s = self.repo().settings.clone();
        set_flag(body, "allow_merge_commit", &mut s.allow_merge_commit)?;
        set_flag(body, "allow_squash_merge", &mut s.allow_squash_merge)?;
        set_flag(body, "allow_rebase_merge", &mut s.allow_rebase_merge)?;
        set_flag(body, "allow_update_branch", &mut s.allow_update_branch)?;
        set_flag(body, "delete_branch_on_merge", &mut s.delete_branch_on_merge)?;
        set_flag(body, "allow_auto_merge", &mut s.allow_auto_merge)?;
        set_choice(body, "merge_commit_title", &["MERGE_MESSAGE", "PR_TITLE"], &mut s.merge_commit_title)?;
        set_choice(body, "merge_commit_message", &["PR_TITLE", "PR_BODY", "BLANK"], &mut s.merge_commit_message)?;
        set_choice(
            body,
            "squash_merge_commit_title",
            &["COMMIT_OR_PR_TITLE", "PR_TITLE"],
            &mut s.squash_merge_commit_title,
        )?;
        set_choice(
            body,
            "squash_merge_commit_message",
            &["COMMIT_MESSAGES", "PR_BODY", "BLANK"],
            &mut s.squash_merge_commit_message,
        )?;
        if !(s.allow_merge_commit || s.allow_squash_merge || s.allow_rebase_merge) {
            return Err(ApiError::validation_message(
                "Repository",
                "Either :allow_merge_commit, :allow_squash_merge or :allow_rebase_merge must be true",
            ));
        }
        if let Some(branch) = body["default_branch"].as_str() {
            let git = self.git()?;
            if git::branch_tip(&git, branch).is_none() {
                return Err(ApiError::validation("Repository", "default_branch", "invalid"));
            }
            self.repo_mut().default_branch = branch.to_owned();
            git.set_head(&format!("refs/heads/{branch}")).map_err(ApiError::git)?;
        }
        self.repo_mut().settings = s.clone();
        Ok(s)
    }

    /// `GET /repos/{o}/{r}` as the actor sees it: with their `permissions`.
    pub fn repo_json_for_actor(&mut self) -> Result<Value, ApiError> {
        let mut value = self.repo_json()?;
        let p = self.permission();
        if self.is_integration() {
            // An App's installation token reads every flag false, whatever it was granted (seen in a ruleset proof
            // log): what an installation may do is read elsewhere (`GET /installation/repositories`, the
            // `x-accepted-github-permissions` header).
            value["permissions"] =
                json!({"admin": false, "maintain": false, "push": false, "triage": false, "pull": false});
            return Ok(value);
        }
        value["permissions"] = json!({
            "admin": p >= Permission::Admin,
            "maintain": p >= Permission::Maintain,
            "push": p >= Permission::Write,
            "triage": p >= Permission::Triage,
            "pull": p >= Permission::Read,
        });
        Ok(value)
    }

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

    /// A commit status on `sha` (a full sha of a commit in the repository) by the actor.
    pub fn create_status(
        &mut self,
        sha: &str,
        state: Option<&str>,
        context: Option<&str>,
        description: Option<&str>,
        target_url: Option<&str>,
    ) -> Result<CommitStatus, ApiError> {
        let state = state.ok_or_else(|| not_supplied("state"))?;
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
        let name = body["name"].as_str().ok_or_else(|| not_supplied("name"))?;
        let sha = body["head_sha"].as_str().ok_or_else(|| not_supplied("head_sha"))?;
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

fn apply_check_update(run: &mut CheckRun, body: &Value, now: jiff::Timestamp) -> Result<(), ApiError> {
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

fn update_repo(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require_admin()?;
    let body = req.json()?;
    ctx.update_settings(&body)?;
    Ok(Reply::ok(ctx.repo_json_for_actor()?))
}

/// `/branches/{branch}`, `.../protection` and `.../protection/required_signatures` (branch names may hold `/`).
fn branches(ctx: &mut Ctx<'_>, req: &Incoming, tail: &[&str]) -> Option<Result<Reply, ApiError>> {
    let method = req.method.as_str();
    let (name, sub): (Vec<&str>, &[&str]) = match tail {
        [name @ .., "protection", "required_signatures"] => (name.to_vec(), &["required_signatures"]),
        [name @ .., "protection"] => (name.to_vec(), &["protection"]),
        name => (name.to_vec(), &[]),
    };
    if name.is_empty() {
        return None;
    }
    let branch = name.join("/");
    Some(match (method, sub) {
        ("GET", []) => get_branch(ctx, &branch),
        ("GET", ["protection"]) => get_protection(ctx, &branch),
        ("PUT", ["protection"]) => put_protection(ctx, req, &branch),
        ("DELETE", ["protection"]) => delete_protection(ctx, &branch),
        (_, ["required_signatures"]) => required_signatures(ctx, method, &branch),
        _ => return None,
    })
}

fn branch_exists(ctx: &Ctx<'_>, branch: &str) -> Result<Oid, ApiError> {
    let git = ctx.git()?;
    git::branch_tip(&git, branch).ok_or_else(|| ApiError::new(404, "Branch not found"))
}

fn get_branch(ctx: &mut Ctx<'_>, branch: &str) -> Result<Reply, ApiError> {
    let tip = branch_exists(ctx, branch)?;
    let git = ctx.git()?;
    let commit = crate::ops::commit_json(ctx.urls, ctx.st, &ctx.key, &git, tip, false)?;
    let ruled = !ctx.rulesets_on(branch).is_empty();
    let repo = ctx.repo();
    Ok(Reply::ok(ctx.urls.branch(repo, branch, commit, repo.protections.get(branch), ruled)))
}

/// Reading protection is for admins; everyone else is told it does not exist.
fn protection_of(ctx: &Ctx<'_>, branch: &str) -> Result<Protection, ApiError> {
    if ctx.permission() < Permission::Admin {
        return Err(if ctx.is_integration() {
            ApiError::not_accessible_by_integration()
        } else {
            ApiError::not_found()
        });
    }
    branch_exists(ctx, branch)?;
    ctx.repo().protections.get(branch).cloned().ok_or_else(|| ApiError::new(404, "Branch not protected"))
}

fn get_protection(ctx: &mut Ctx<'_>, branch: &str) -> Result<Reply, ApiError> {
    let p = protection_of(ctx, branch)?;
    Ok(Reply::ok(ctx.protection_json(branch, &p)))
}

fn strings(value: &Value, field: &str) -> Result<Vec<String>, ApiError> {
    match &value[field] {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).ok_or_else(|| ApiError::validation("Protection", field, "invalid")))
            .collect(),
        _ => Err(ApiError::validation("Protection", field, "invalid")),
    }
}

/// Parses `PUT .../protection`'s body; the four required fields must be present (null turns a feature off).
pub fn parse_protection(body: &Value, before: Option<&Protection>) -> Result<Protection, ApiError> {
    for field in ["required_status_checks", "enforce_admins", "required_pull_request_reviews", "restrictions"] {
        if body.get(field).is_none() {
            return Err(not_supplied(field));
        }
    }
    let checks = &body["required_status_checks"];
    let required_status_checks = if checks.is_null() {
        None
    } else {
        let strict = checks["strict"].as_bool().ok_or_else(|| not_supplied("strict"))?;
        if checks.get("contexts").is_none() {
            return Err(not_supplied("contexts"));
        }
        let listed: Vec<RequiredCheck> = match checks["checks"].as_array() {
            Some(items) => items
                .iter()
                .map(|c| {
                    let context = c["context"].as_str().ok_or_else(|| not_supplied("context"))?;
                    Ok(RequiredCheck { context: context.to_owned(), app_id: c["app_id"].as_i64() })
                })
                .collect::<Result<_, ApiError>>()?,
            None => strings(checks, "contexts")?
                .into_iter()
                .map(|context| RequiredCheck { context, app_id: None })
                .collect(),
        };
        Some(RequiredChecks { strict, checks: listed })
    };
    let reviews = &body["required_pull_request_reviews"];
    let required_reviews = if reviews.is_null() {
        None
    } else {
        let count = reviews["required_approving_review_count"].as_u64().unwrap_or(0);
        if count > 6 {
            return Err(ApiError::validation("Protection", "required_approving_review_count", "invalid"));
        }
        Some(RequiredReviews {
            required_approving_review_count: count,
            dismiss_stale_reviews: reviews["dismiss_stale_reviews"].as_bool().unwrap_or(false),
            require_code_owner_reviews: reviews["require_code_owner_reviews"].as_bool().unwrap_or(false),
            require_last_push_approval: reviews["require_last_push_approval"].as_bool().unwrap_or(false),
        })
    };
    let restrictions = &body["restrictions"];
    let restrictions = if restrictions.is_null() {
        None
    } else {
        if restrictions.get("users").is_none() {
            return Err(not_supplied("users"));
        }
        if restrictions.get("teams").is_none() {
            return Err(not_supplied("teams"));
        }
        Some(Restrictions {
            users: strings(restrictions, "users")?,
            teams: strings(restrictions, "teams")?,
            apps: strings(restrictions, "apps")?,
        })
    };
    let flag = |field: &str| body[field].as_bool().unwrap_or(false);
    Ok(Protection {
        required_status_checks,
        enforce_admins: flag("enforce_admins"),
        required_reviews,
        restrictions,
        required_linear_history: flag("required_linear_history"),
        allow_force_pushes: flag("allow_force_pushes"),
        allow_deletions: flag("allow_deletions"),
        block_creations: flag("block_creations"),
        required_conversation_resolution: flag("required_conversation_resolution"),
        lock_branch: flag("lock_branch"),
        allow_fork_syncing: flag("allow_fork_syncing"),
        // Signatures have an endpoint of their own; a PUT keeps what was set.
        required_signatures: before.is_some_and(|p| p.required_signatures),
    })
}

fn put_protection(ctx: &mut Ctx<'_>, req: &Incoming, branch: &str) -> Result<Reply, ApiError> {
    ctx.require_admin()?;
    branch_exists(ctx, branch)?;
    let body = req.json()?;
    let p = parse_protection(&body, ctx.repo().protections.get(branch))?;
    if let Some(r) = &p.restrictions {
        for login in &r.users {
            ctx.user(login);
        }
    }
    ctx.repo_mut().protections.insert(branch.to_owned(), p.clone());
    Ok(Reply::ok(ctx.protection_json(branch, &p)))
}

fn delete_protection(ctx: &mut Ctx<'_>, branch: &str) -> Result<Reply, ApiError> {
    ctx.require_admin()?;
    branch_exists(ctx, branch)?;
    if ctx.repo_mut().protections.remove(branch).is_none() {
        return Err(ApiError::new(404, "Branch not protected"));
    }
    Ok(Reply::no_content())
}

fn required_signatures(ctx: &mut Ctx<'_>, method: &str, branch: &str) -> Result<Reply, ApiError> {
    protection_of(ctx, branch)?;
    let url = ctx.urls.api(&format!("/repos/{}/branches/{branch}/protection/required_signatures", ctx.key));
    let p = ctx.repo_mut().protections.get_mut(branch).ok_or_else(ApiError::not_found)?;
    match method {
        "GET" => Ok(Reply::ok(json!({"url": url, "enabled": p.required_signatures}))),
        "POST" => {
            p.required_signatures = true;
            Ok(Reply::ok(json!({"url": url, "enabled": true})))
        }
        "DELETE" => {
            p.required_signatures = false;
            Ok(Reply::no_content())
        }
        _ => Err(ApiError::not_found()),
    }
}

/// Ruleset writes are for admins; GitHub tells everyone else the ruleset does not exist.
fn require_ruleset_admin(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    if ctx.permission() >= Permission::Admin {
        Ok(())
    } else if ctx.is_integration() {
        Err(ApiError::not_accessible_by_integration())
    } else {
        Err(ApiError::not_found())
    }
}

fn invalid_ruleset(field: &str) -> ApiError {
    ApiError::validation("RepositoryRuleset", field, "invalid")
}

/// A rule as GitHub stores it: every required parameter filled with GitHub's default.
fn normalize_rule(rule: &Value) -> Result<Value, ApiError> {
    let kind = rule["type"].as_str().ok_or_else(|| not_supplied("type"))?;
    if !RULE_TYPES.contains(&kind) {
        return Err(invalid_ruleset("rules"));
    }
    let given = &rule["parameters"];
    let param = |name: &str, default: Value| given.get(name).cloned().unwrap_or(default);
    let parameters = match kind {
        "pull_request" => {
            let mut p = json!({
                "required_approving_review_count": param("required_approving_review_count", json!(0)),
                "dismiss_stale_reviews_on_push": param("dismiss_stale_reviews_on_push", json!(false)),
                "require_code_owner_review": param("require_code_owner_review", json!(false)),
                "require_last_push_approval": param("require_last_push_approval", json!(false)),
                "required_review_thread_resolution": param("required_review_thread_resolution", json!(false)),
            });
            if let Some(methods) = given.get("allowed_merge_methods") {
                p["allowed_merge_methods"] = methods.clone();
            }
            Some(p)
        }
        "required_status_checks" => {
            let checks = given.get("required_status_checks").ok_or_else(|| not_supplied("required_status_checks"))?;
            if !checks.as_array().is_some_and(|c| c.iter().all(|c| c["context"].is_string())) {
                return Err(invalid_ruleset("required_status_checks"));
            }
            let mut p = json!({
                "required_status_checks": checks,
                "strict_required_status_checks_policy": param("strict_required_status_checks_policy", json!(false)),
            });
            if let Some(flag) = given.get("do_not_enforce_on_create") {
                p["do_not_enforce_on_create"] = flag.clone();
            }
            Some(p)
        }
        "update" => {
            Some(json!({"update_allows_fetch_and_merge": param("update_allows_fetch_and_merge", json!(false))}))
        }
        "merge_queue" => Some(json!({
            "check_response_timeout_minutes": param("check_response_timeout_minutes", json!(60)),
            "grouping_strategy": param("grouping_strategy", json!("ALLGREEN")),
            "max_entries_to_build": param("max_entries_to_build", json!(5)),
            "max_entries_to_merge": param("max_entries_to_merge", json!(5)),
            "merge_method": param("merge_method", json!("MERGE")),
            "min_entries_to_merge": param("min_entries_to_merge", json!(1)),
            "min_entries_to_merge_wait_minutes": param("min_entries_to_merge_wait_minutes", json!(5)),
        })),
        _ if given.is_object() => Some(given.clone()),
        _ => None,
    };
    Ok(match parameters {
        Some(p) => json!({"type": kind, "parameters": p}),
        None => json!({"type": kind}),
    })
}

fn parse_bypass_actors(value: &Value) -> Result<Vec<BypassActor>, ApiError> {
    let Some(items) = value.as_array() else {
        return if value.is_null() { Ok(Vec::new()) } else { Err(invalid_ruleset("bypass_actors")) };
    };
    items
        .iter()
        .map(|a| {
            let actor_type = a["actor_type"].as_str().ok_or_else(|| not_supplied("actor_type"))?;
            if !["Integration", "OrganizationAdmin", "RepositoryRole", "Team", "DeployKey", "User"]
                .contains(&actor_type)
            {
                return Err(invalid_ruleset("actor_type"));
            }
            let actor_id = a["actor_id"].as_u64();
            if actor_type == "RepositoryRole" && role_of(actor_id).is_none() {
                return Err(invalid_ruleset("actor_id"));
            }
            let bypass_mode = a["bypass_mode"].as_str().unwrap_or("always");
            if !matches!(bypass_mode, "always" | "pull_request" | "exempt") {
                return Err(invalid_ruleset("bypass_mode"));
            }
            Ok(BypassActor { actor_id, actor_type: actor_type.to_owned(), bypass_mode: bypass_mode.to_owned() })
        })
        .collect()
}

/// Applies a ruleset body (POST: every field; PUT: the ones given) to `ruleset`.
fn apply_ruleset(ruleset: &mut Ruleset, body: &Value) -> Result<(), ApiError> {
    if let Some(name) = body.get("name") {
        ruleset.name = name.as_str().filter(|n| !n.is_empty()).ok_or_else(|| invalid_ruleset("name"))?.to_owned();
    }
    if let Some(target) = body.get("target") {
        ruleset.target = target
            .as_str()
            .filter(|t| matches!(*t, "branch" | "tag" | "push"))
            .ok_or_else(|| invalid_ruleset("target"))?
            .to_owned();
    }
    if let Some(enforcement) = body.get("enforcement") {
        ruleset.enforcement = enforcement
            .as_str()
            .filter(|e| matches!(*e, "active" | "evaluate" | "disabled"))
            .ok_or_else(|| invalid_ruleset("enforcement"))?
            .to_owned();
    }
    if let Some(actors) = body.get("bypass_actors") {
        ruleset.bypass_actors = parse_bypass_actors(actors)?;
    }
    if let Some(conditions) = body.get("conditions") {
        let list = |field: &str| -> Result<Vec<String>, ApiError> {
            match &conditions["ref_name"][field] {
                Value::Null => Ok(Vec::new()),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned).ok_or_else(|| invalid_ruleset("conditions")))
                    .collect(),
                _ => Err(invalid_ruleset("conditions")),
            }
        };
        ruleset.include = list("include")?;
        ruleset.exclude = list("exclude")?;
    }
    if let Some(rules) = body.get("rules") {
        ruleset.rules = match rules {
            Value::Array(items) => items.iter().map(normalize_rule).collect::<Result<_, _>>()?,
            Value::Null => Vec::new(),
            _ => return Err(invalid_ruleset("rules")),
        };
    }
    Ok(())
}

impl Ctx<'_> {
    fn ruleset_json(&self, ruleset: &Ruleset, full: bool) -> Value {
        let admin = self.permission() >= Permission::Admin;
        let bypass = self.bypass(ruleset);
        self.urls.ruleset(self.repo(), ruleset, admin, bypass.as_str(), full)
    }
}

fn create_ruleset(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    require_ruleset_admin(ctx)?;
    let body = req.json()?;
    for field in ["name", "enforcement"] {
        if body.get(field).is_none() {
            return Err(not_supplied(field));
        }
    }
    let now = ctx.st.now();
    let mut ruleset = Ruleset {
        id: ctx.st.id(),
        name: String::new(),
        target: "branch".to_owned(),
        enforcement: "disabled".to_owned(),
        bypass_actors: Vec::new(),
        include: Vec::new(),
        exclude: Vec::new(),
        rules: Vec::new(),
        created_at: now,
        updated_at: now,
    };
    apply_ruleset(&mut ruleset, &body)?;
    if ctx.repo().rulesets.iter().any(|r| r.name == ruleset.name) {
        return Err(ApiError::validation_message("RepositoryRuleset", "Name must be unique"));
    }
    ctx.repo_mut().rulesets.push(ruleset.clone());
    Ok(Reply::json(201, ctx.ruleset_json(&ruleset, true)))
}

fn find_ruleset(ctx: &Ctx<'_>, id: &str) -> Result<Ruleset, ApiError> {
    let id = number(id)?;
    ctx.repo().rulesets.iter().find(|r| r.id == id).cloned().ok_or_else(ApiError::not_found)
}

fn list_rulesets(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    let rulesets = ctx.repo().rulesets.clone();
    let items = rulesets
        .iter()
        .filter(|r| req.param("targets").is_none_or(|t| t.split(',').any(|t| t == r.target)))
        .map(|r| ctx.ruleset_json(r, false))
        .collect();
    Ok(crate::api::paginate(ctx, req, items))
}

fn get_ruleset(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, ApiError> {
    let ruleset = find_ruleset(ctx, id)?;
    Ok(Reply::ok(ctx.ruleset_json(&ruleset, true)))
}

fn update_ruleset(ctx: &mut Ctx<'_>, req: &Incoming, id: &str) -> Result<Reply, ApiError> {
    let mut ruleset = find_ruleset(ctx, id)?;
    require_ruleset_admin(ctx)?;
    let body = req.json()?;
    apply_ruleset(&mut ruleset, &body)?;
    if ctx.repo().rulesets.iter().any(|r| r.name == ruleset.name && r.id != ruleset.id) {
        return Err(ApiError::validation_message("RepositoryRuleset", "Name must be unique"));
    }
    ruleset.updated_at = ctx.st.now();
    let stored = ctx.repo_mut().rulesets.iter_mut().find(|r| r.id == ruleset.id).ok_or_else(ApiError::not_found)?;
    *stored = ruleset.clone();
    Ok(Reply::ok(ctx.ruleset_json(&ruleset, true)))
}

fn delete_ruleset(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, ApiError> {
    let ruleset = find_ruleset(ctx, id)?;
    require_ruleset_admin(ctx)?;
    ctx.repo_mut().rulesets.retain(|r| r.id != ruleset.id);
    Ok(Reply::no_content())
}

fn rules_for_branch(ctx: &mut Ctx<'_>, req: &Incoming, branch: &str) -> Result<Reply, ApiError> {
    let full = ctx.key.clone();
    let mut items = Vec::new();
    for ruleset in ctx.rulesets_on(branch) {
        for rule in &ruleset.rules {
            let mut item = rule.clone();
            item["ruleset_source_type"] = json!("Repository");
            item["ruleset_source"] = json!(full);
            item["ruleset_id"] = json!(ruleset.id);
            items.push(item);
        }
    }
    Ok(crate::api::paginate(ctx, req, items))
}

fn list_reviews(ctx: &mut Ctx<'_>, req: &Incoming, n: &str) -> Result<Reply, ApiError> {
    let n = number(n)?;
    ctx.refresh_pulls()?;
    ctx.find_pull(n)?;
    let reviews: Vec<Review> = ctx.repo().reviews.iter().filter(|r| r.number == n).cloned().collect();
    let items = reviews.iter().map(|r| ctx.review_json(r)).collect();
    Ok(crate::api::paginate(ctx, req, items))
}

fn update_branch(ctx: &mut Ctx<'_>, req: &Incoming, n: &str) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let n = number(n)?;
    ctx.find_pull(n)?;
    let body = req.json()?;
    ctx.update_branch(n, body["expected_head_sha"].as_str())?;
    let url = format!("{}/{}/pull/{n}", ctx.urls.base, ctx.key);
    Ok(Reply::json(202, json!({"message": "Updating pull request branch.", "url": url})))
}

fn resolve_commit(ctx: &Ctx<'_>, name: &str) -> Result<Oid, ApiError> {
    let git = ctx.git()?;
    git::resolve(&git, name).ok_or_else(|| ApiError::new(404, &format!("No commit found for SHA: {name}")))
}

fn list_statuses(ctx: &mut Ctx<'_>, req: &Incoming, name: &str) -> Result<Reply, ApiError> {
    let sha = resolve_commit(ctx, name)?.to_string();
    let statuses: Vec<CommitStatus> = ctx.repo().statuses.iter().rev().filter(|s| s.sha == sha).cloned().collect();
    let items = statuses.iter().map(|s| ctx.status_json(s, true)).collect();
    Ok(crate::api::paginate(ctx, req, items))
}

fn combined_status(ctx: &mut Ctx<'_>, req: &Incoming, name: &str) -> Result<Reply, ApiError> {
    let sha = resolve_commit(ctx, name)?.to_string();
    // The latest status of each context, in the order the contexts first appeared.
    let mut latest: Vec<CommitStatus> = Vec::new();
    for status in ctx.repo().statuses.iter().filter(|s| s.sha == sha) {
        match latest.iter_mut().find(|s| s.context == status.context) {
            Some(seen) => *seen = status.clone(),
            None => latest.push(status.clone()),
        }
    }
    let state = if latest.iter().any(|s| matches!(s.state.as_str(), "error" | "failure")) {
        "failure"
    } else if latest.is_empty() || latest.iter().any(|s| s.state == "pending") {
        "pending"
    } else {
        "success"
    };
    let per_page = req.param("per_page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(100).clamp(1, 100);
    let page = req.param("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let statuses: Vec<Value> =
        latest.iter().skip((page - 1) * per_page).take(per_page).map(|s| ctx.status_json(s, false)).collect();
    let repository = ctx.repo_json()?;
    let key = ctx.key.clone();
    Ok(Reply::ok(json!({
        "state": state,
        "statuses": statuses,
        "sha": sha,
        "total_count": latest.len(),
        "repository": repository,
        "commit_url": ctx.urls.api(&format!("/repos/{key}/commits/{sha}")),
        "url": ctx.urls.api(&format!("/repos/{key}/commits/{sha}/status")),
    })))
}

fn list_check_runs(ctx: &mut Ctx<'_>, req: &Incoming, name: &str) -> Result<Reply, ApiError> {
    let sha = resolve_commit(ctx, name)?.to_string();
    let mut runs: Vec<CheckRun> = ctx
        .repo()
        .check_runs
        .iter()
        .rev()
        .filter(|r| r.head_sha == sha)
        .filter(|r| req.param("check_name").is_none_or(|n| n == r.name))
        .filter(|r| req.param("status").is_none_or(|s| s == r.status))
        .cloned()
        .collect();
    if req.param("filter").unwrap_or("latest") == "latest" {
        let mut seen = std::collections::BTreeSet::new();
        runs.retain(|r| seen.insert((r.app.clone(), r.name.clone())));
    }
    let per_page = req.param("per_page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(30).clamp(1, 100);
    let page = req.param("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let total = runs.len();
    let items: Vec<Value> =
        runs.iter().skip((page - 1) * per_page).take(per_page).map(|r| ctx.check_run_json(r)).collect();
    Ok(Reply::ok(json!({"total_count": total, "check_runs": items})))
}

fn create_check_run(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    let Some(app) = ctx.st.app_of(&ctx.actor.login).map(|a| a.slug.clone()) else {
        return Err(ApiError::new(403, "You must authenticate via a GitHub App."));
    };
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let run = ctx.create_check_run(&app, &body)?;
    Ok(Reply::created(ctx.check_run_json(&run)))
}

fn update_check_run(ctx: &mut Ctx<'_>, req: &Incoming, id: &str) -> Result<Reply, ApiError> {
    let id = number(id)?;
    let Some(app) = ctx.st.app_of(&ctx.actor.login).map(|a| a.slug.clone()) else {
        return Err(ApiError::new(403, "You must authenticate via a GitHub App."));
    };
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let now = ctx.st.now();
    let run =
        ctx.repo_mut().check_runs.iter_mut().find(|r| r.id == id && r.app == app).ok_or_else(ApiError::not_found)?;
    let mut updated = run.clone();
    apply_check_update(&mut updated, &body, now)?;
    *run = updated.clone();
    Ok(Reply::ok(ctx.check_run_json(&updated)))
}
