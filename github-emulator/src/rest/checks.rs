//! Commit statuses (`POST /statuses/{sha}`, the combined status, the list) and check runs (made by GitHub Apps:
//! `POST /check-runs`, `GET`/`PATCH /check-runs/{id}`, a commit's list).

use git2::Oid;
use serde_json::{Value, json};

use super::{number, page_of, paginate};
use crate::git;
use crate::http::{ApiError, Incoming, Reply};
use crate::ops::{Ctx, apply_check_update};
use crate::state::{CheckRun, CommitStatus, Permission};

pub fn create_status(ctx: &mut Ctx<'_>, req: &Incoming, sha: &str) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let status = ctx.create_status(sha, &body)?;
    Ok(Reply::created(ctx.status_json(&status, true)))
}

pub fn get_run(ctx: &mut Ctx<'_>, id: u64) -> Result<Reply, ApiError> {
    let run = ctx.repo().check_runs.iter().find(|r| r.id == id).cloned().ok_or_else(ApiError::not_found)?;
    Ok(Reply::ok(ctx.check_run_json(&run)))
}

fn resolve_commit(ctx: &Ctx<'_>, name: &str) -> Result<Oid, ApiError> {
    let git = ctx.git()?;
    git::resolve(&git, name).ok_or_else(|| ApiError::new(404, &format!("No commit found for SHA: {name}")))
}

pub fn list_statuses(ctx: &mut Ctx<'_>, req: &Incoming, name: &str) -> Result<Reply, ApiError> {
    let sha = resolve_commit(ctx, name)?.to_string();
    let statuses: Vec<CommitStatus> = ctx.repo().statuses.iter().rev().filter(|s| s.sha == sha).cloned().collect();
    let items = statuses.iter().map(|s| ctx.status_json(s, true)).collect();
    Ok(paginate(ctx, req, items))
}

pub fn combined_status(ctx: &mut Ctx<'_>, req: &Incoming, name: &str) -> Result<Reply, ApiError> {
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
    let (per_page, page) = page_of(req, 100);
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

pub fn list_runs(ctx: &mut Ctx<'_>, req: &Incoming, name: &str) -> Result<Reply, ApiError> {
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
    let (per_page, page) = page_of(req, 30);
    let total = runs.len();
    let items: Vec<Value> =
        runs.iter().skip((page - 1) * per_page).take(per_page).map(|r| ctx.check_run_json(r)).collect();
    Ok(Reply::ok(json!({"total_count": total, "check_runs": items})))
}

pub fn create_run(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    let Some(app) = ctx.st.app_of(&ctx.actor.login).map(|a| a.slug.clone()) else {
        return Err(ApiError::new(403, "You must authenticate via a GitHub App."));
    };
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let run = ctx.create_check_run(&app, &body)?;
    Ok(Reply::created(ctx.check_run_json(&run)))
}

pub fn update_run(ctx: &mut Ctx<'_>, req: &Incoming, id: &str) -> Result<Reply, ApiError> {
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
