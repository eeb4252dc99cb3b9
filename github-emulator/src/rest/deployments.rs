//! Deployments and their statuses: `GET`/`POST /deployments`, `GET /deployments/{id}`, `GET`/`POST .../statuses`.

use serde_json::{Value, json};

use super::{number, paginate, str_field};
use crate::git;
use crate::http::{ApiError, Incoming, Reply};
use crate::ops::Ctx;
use crate::state::{Deployment, Permission};

pub fn list(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    let deployments: Vec<Deployment> = ctx
        .repo()
        .deployments
        .iter()
        .rev()
        .filter(|d| req.param("environment").is_none_or(|e| e == d.environment))
        .filter(|d| req.param("sha").is_none_or(|s| s == d.sha))
        .filter(|d| req.param("ref").is_none_or(|r| r == d.git_ref))
        .filter(|d| req.param("task").is_none_or(|t| t == d.task))
        .cloned()
        .collect();
    let repo = ctx.repo().clone();
    let items = deployments
        .iter()
        .map(|d| {
            let creator = ctx.user(&d.creator);
            ctx.urls.deployment(&repo, d, &creator)
        })
        .collect();
    Ok(paginate(ctx, req, items))
}

pub fn get(ctx: &mut Ctx<'_>, id: u64) -> Result<Reply, ApiError> {
    let d = ctx.find_deployment(id)?;
    let creator = ctx.user(&d.creator);
    Ok(Reply::ok(ctx.urls.deployment(ctx.repo(), &d, &creator)))
}

pub fn list_statuses(ctx: &mut Ctx<'_>, req: &Incoming, id: u64) -> Result<Reply, ApiError> {
    let d = ctx.find_deployment(id)?;
    let repo = ctx.repo().clone();
    let items = d
        .statuses
        .iter()
        .rev()
        .map(|s| {
            let creator = ctx.user(&s.creator);
            ctx.urls.deployment_status(&repo, &d, s, &creator)
        })
        .collect();
    Ok(paginate(ctx, req, items))
}

pub fn create_status(ctx: &mut Ctx<'_>, req: &Incoming, id: &str) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let id = number(id)?;
    let body = req.json()?;
    let state = str_field(&body, "state", "DeploymentStatus")?;
    let target = body["target_url"].as_str().or(body["log_url"].as_str()).unwrap_or("");
    let status = ctx.create_deployment_status(
        id,
        state,
        body["description"].as_str().unwrap_or(""),
        body["environment"].as_str(),
        target,
        body["environment_url"].as_str().unwrap_or(""),
    )?;
    let d = ctx.find_deployment(id)?;
    let creator = ctx.user(&status.creator);
    Ok(Reply::created(ctx.urls.deployment_status(ctx.repo(), &d, &status, &creator)))
}

pub fn create(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let git_ref = str_field(&body, "ref", "Deployment")?.to_owned();
    let git = ctx.git()?;
    let sha = git::resolve(&git, &git_ref)
        .ok_or_else(|| ApiError::validation_message("Deployment", &format!("No ref found for: {git_ref}")))?;
    let payload = match &body["payload"] {
        Value::Null => json!({}),
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| json!(s)),
        other => other.clone(),
    };
    let deployment = ctx.create_deployment(
        sha,
        git_ref,
        body["task"].as_str().unwrap_or("deploy"),
        body["environment"].as_str().unwrap_or("production"),
        body["description"].as_str(),
        payload,
    );
    let creator = ctx.actor.clone();
    Ok(Reply::created(ctx.urls.deployment(ctx.repo(), &deployment, &creator)))
}
