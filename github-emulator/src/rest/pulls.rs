//! Pull requests: list, open, read, edit, merge (`PUT .../merge`), whether merged, and update-branch.

use serde_json::{Value, json};

use super::{number, paginate, str_field};
use crate::guard::{BASE_MODIFIED, MERGE_DOCS};
use crate::http::{ApiError, Incoming, Reply};
use crate::ops::Ctx;
use crate::state::{Permission, Pull};

/// GitHub's JSON of each pull request in `pulls`.
pub fn pulls_json(ctx: &mut Ctx<'_>, pulls: &[Pull]) -> Result<Vec<Value>, ApiError> {
    pulls.iter().map(|pr| ctx.pull_json(pr)).collect()
}

pub fn create(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let title = str_field(&body, "title", "PullRequest")?;
    let head = str_field(&body, "head", "PullRequest")?;
    let base = str_field(&body, "base", "PullRequest")?;
    let pr = ctx.open_pull(
        title,
        head,
        base,
        body["body"].as_str().map(str::to_owned),
        body["draft"].as_bool().unwrap_or(false),
    )?;
    Ok(Reply::created(ctx.pull_json(&pr)?))
}

pub fn get(ctx: &mut Ctx<'_>, n: &str) -> Result<Reply, ApiError> {
    ctx.refresh_pulls()?;
    let pr = ctx.find_pull(number(n)?)?;
    Ok(Reply::ok(ctx.pull_json(&pr)?))
}

pub fn merge(ctx: &mut Ctx<'_>, req: &Incoming, n: &str) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    ctx.refresh_pulls()?;
    let number = number(n)?;
    // The base moved and nobody has seen the pull request since: GitHub is still recomputing it, and a merge
    // sent now races that move. GitHub answers 405 (not the 409 its description lists); a retry goes through.
    if let Some(stored) = ctx.repo_mut().pulls.iter_mut().find(|p| p.number == number && p.state == "open")
        && stored.uncomputed
    {
        stored.uncomputed = false;
        return Err(ApiError::with_docs(405, BASE_MODIFIED, MERGE_DOCS));
    }
    let method = body["merge_method"].as_str().unwrap_or("merge");
    let (_, tip, _) = ctx.merge_pull(
        number,
        body["sha"].as_str(),
        method,
        body["commit_title"].as_str(),
        body["commit_message"].as_str(),
    )?;
    Ok(Reply::ok(json!({"sha": tip.to_string(), "merged": true, "message": "Pull Request successfully merged"})))
}

pub fn merged(ctx: &Ctx<'_>, n: u64) -> Result<Reply, ApiError> {
    let pr = ctx.find_pull(n)?;
    Ok(if pr.merged_at.is_some() { Reply::no_content() } else { Reply::from(ApiError::not_found()) })
}

pub fn list(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.refresh_pulls()?;
    let state = req.param("state").unwrap_or("open");
    if !matches!(state, "open" | "closed" | "all") {
        return Err(ApiError::validation("PullRequest", "state", "invalid"));
    }
    let owner = ctx.repo().owner.clone();
    let head = req.param("head").map(|h| match h.split_once(':') {
        Some((o, b)) => (o.to_owned(), b.to_owned()),
        None => (h.to_owned(), String::new()),
    });
    let pulls: Vec<_> = ctx
        .repo()
        .pulls
        .iter()
        .rev()
        .filter(|p| state == "all" || p.state == state)
        .filter(|p| req.param("base").is_none_or(|b| b == p.base_ref))
        .filter(|p| head.as_ref().is_none_or(|(o, b)| *o == owner && (b.is_empty() || *b == p.head_ref)))
        .cloned()
        .collect();
    let items = pulls_json(ctx, &pulls)?;
    Ok(paginate(ctx, req, items))
}

pub fn update(ctx: &mut Ctx<'_>, req: &Incoming, n: u64) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    ctx.refresh_pulls()?;
    let pr = ctx.find_pull(n)?;
    let now = ctx.st.now();
    if let Some(state) = body["state"].as_str()
        && !matches!(state, "open" | "closed")
    {
        return Err(ApiError::validation("PullRequest", "state", "invalid"));
    }
    if pr.merged_at.is_some() && body["state"].as_str() == Some("open") {
        return Err(ApiError::validation_message(
            "PullRequest",
            "state cannot be changed. The pull request has been merged.",
        ));
    }
    let stored = ctx.repo_mut().pulls.iter_mut().find(|p| p.number == n).ok_or_else(ApiError::not_found)?;
    if let Some(title) = body["title"].as_str() {
        stored.title = title.to_owned();
    }
    if body.get("body").is_some() {
        stored.body = body["body"].as_str().map(str::to_owned);
    }
    if let Some(base) = body["base"].as_str() {
        stored.base_ref = base.to_owned();
    }
    match body["state"].as_str() {
        Some("closed") if stored.state == "open" => {
            stored.state = "closed".to_owned();
            stored.closed_at = Some(now);
        }
        Some("open") if stored.state == "closed" => {
            stored.state = "open".to_owned();
            stored.closed_at = None;
        }
        _ => {}
    }
    stored.updated_at = now;
    let pr = stored.clone();
    Ok(Reply::ok(ctx.pull_json(&pr)?))
}

pub fn update_branch(ctx: &mut Ctx<'_>, req: &Incoming, n: &str) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let n = number(n)?;
    ctx.find_pull(n)?;
    let body = req.json()?;
    ctx.update_branch(n, body["expected_head_sha"].as_str())?;
    let url = format!("{}/{}/pull/{n}", ctx.urls.base, ctx.key);
    Ok(Reply::json(202, json!({"message": "Updating pull request branch.", "url": url})))
}
