//! Branches and classic branch protection: `GET /branches/{b}`, `GET`/`PUT`/`DELETE .../protection` and
//! `.../protection/required_signatures` (admins only; others are told the protection does not exist).

use git2::Oid;
use serde_json::{Value, json};

use crate::git;
use crate::http::{ApiError, Incoming, Reply};
use crate::ops::Ctx;
use crate::state::{Permission, Protection, RequiredCheck, RequiredChecks, RequiredReviews, Restrictions};

/// `/branches/{branch}`, `.../protection` and `.../protection/required_signatures` (branch names may hold `/`).
pub fn route(ctx: &mut Ctx<'_>, req: &Incoming, tail: &[&str]) -> Result<Reply, ApiError> {
    let method = req.method.as_str();
    let (name, sub): (Vec<&str>, &[&str]) = match tail {
        [name @ .., "protection", "required_signatures"] => (name.to_vec(), &["required_signatures"]),
        [name @ .., "protection"] => (name.to_vec(), &["protection"]),
        name => (name.to_vec(), &[]),
    };
    if name.is_empty() {
        return Err(ApiError::not_found());
    }
    let branch = name.join("/");
    match (method, sub) {
        ("GET", []) => get_branch(ctx, &branch),
        ("GET", ["protection"]) => get_protection(ctx, &branch),
        ("PUT", ["protection"]) => put_protection(ctx, req, &branch),
        ("DELETE", ["protection"]) => delete_protection(ctx, &branch),
        (_, ["required_signatures"]) => required_signatures(ctx, method, &branch),
        _ => Err(ApiError::not_found()),
    }
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
fn parse_protection(body: &Value, before: Option<&Protection>) -> Result<Protection, ApiError> {
    for field in ["required_status_checks", "enforce_admins", "required_pull_request_reviews", "restrictions"] {
        if body.get(field).is_none() {
            return Err(ApiError::not_supplied(field));
        }
    }
    let checks = &body["required_status_checks"];
    let required_status_checks = if checks.is_null() {
        None
    } else {
        let strict = checks["strict"].as_bool().ok_or_else(|| ApiError::not_supplied("strict"))?;
        if checks.get("contexts").is_none() {
            return Err(ApiError::not_supplied("contexts"));
        }
        let listed: Vec<RequiredCheck> = match checks["checks"].as_array() {
            Some(items) => items
                .iter()
                .map(|c| {
                    let context = c["context"].as_str().ok_or_else(|| ApiError::not_supplied("context"))?;
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
            return Err(ApiError::not_supplied("users"));
        }
        if restrictions.get("teams").is_none() {
            return Err(ApiError::not_supplied("teams"));
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
