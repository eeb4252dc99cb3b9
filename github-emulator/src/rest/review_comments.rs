//! Pull request review comments: `GET`/`POST /pulls/{n}/comments`, `POST .../comments/{id}/replies`,
//! `GET`/`PATCH /pulls/comments/{id}` and `POST /pulls/comments/{id}/reactions`.

use serde_json::Value;

use super::issues::react_on;
use super::{number, paginate};
use crate::http::{ApiError, Incoming, Reply};
use crate::ops::{Ctx, REVIEW_COMMENT as RESOURCE};
use crate::state::{Permission, ReviewComment};

pub fn get(ctx: &mut Ctx<'_>, id: u64) -> Result<Reply, ApiError> {
    let comment = ctx.find_review_comment(id)?;
    Ok(Reply::ok(ctx.review_comment_json(&comment)))
}

pub fn edit(ctx: &mut Ctx<'_>, req: &Incoming, id: u64) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let text = body["body"].as_str().ok_or_else(|| ApiError::not_supplied("body"))?;
    let (_, after) = ctx.edit_review_comment(id, text)?;
    Ok(Reply::ok(ctx.review_comment_json(&after)))
}

pub fn react(ctx: &mut Ctx<'_>, req: &Incoming, id: u64) -> Result<Reply, ApiError> {
    react_on(ctx, req, |repo| repo.review_comments.iter_mut().find(|c| c.id == id).map(|c| &mut c.reactions))
}

pub fn reply(ctx: &mut Ctx<'_>, req: &Incoming, n: u64, id: &str) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let id = number(id)?;
    ctx.find_pull(n)?;
    let body = req.json()?;
    let text = body["body"].as_str().ok_or_else(|| ApiError::not_supplied("body"))?;
    if !ctx.repo().review_comments.iter().any(|c| c.id == id && c.number == n) {
        return Err(ApiError::not_found());
    }
    let comment = ctx.reply_to_review_comment(n, id, text)?;
    Ok(Reply::created(ctx.review_comment_json(&comment)))
}

/// `POST .../pulls/N/comments`: a comment on `line` of `path` at `commit_id`, or a reply (`in_reply_to`).
pub fn create(ctx: &mut Ctx<'_>, req: &Incoming, n: u64) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    ctx.refresh_pulls()?;
    ctx.find_pull(n)?;
    let body = req.json()?;
    let text = body["body"].as_str().ok_or_else(|| ApiError::not_supplied("body"))?;
    let comment = match &body["in_reply_to"] {
        Value::Null => {
            let commit_id = body["commit_id"].as_str().ok_or_else(|| ApiError::not_supplied("commit_id"))?;
            let path = body["path"].as_str().ok_or_else(|| ApiError::not_supplied("path"))?;
            let line = match &body["line"] {
                Value::Null => return Err(ApiError::validation(RESOURCE, "line", "missing_field")),
                value => value
                    .as_u64()
                    .filter(|l| *l > 0)
                    .ok_or_else(|| ApiError::validation(RESOURCE, "line", "invalid"))?,
            };
            let side = body["side"].as_str().unwrap_or("RIGHT");
            ctx.create_review_comment(n, text, Some(commit_id), path, line, side)?
        }
        to => {
            let to = to.as_u64().ok_or_else(|| ApiError::validation(RESOURCE, "in_reply_to", "invalid"))?;
            if !ctx.repo().review_comments.iter().any(|c| c.id == to && c.number == n) {
                return Err(ApiError::validation(RESOURCE, "in_reply_to", "invalid"));
            }
            ctx.reply_to_review_comment(n, to, text)?
        }
    };
    Ok(Reply::created(ctx.review_comment_json(&comment)))
}

/// `GET .../pulls/N/comments`: `since` (updated at or after), `sort` (`created`, `updated`), `direction` (`asc`,
/// the default, or `desc`; ignored without `sort`), paginated.
pub fn list(ctx: &mut Ctx<'_>, req: &Incoming, n: u64) -> Result<Reply, ApiError> {
    ctx.find_pull(n)?;
    let since = match req.param("since") {
        Some(s) => Some(s.parse::<jiff::Timestamp>().map_err(|_| ApiError::validation(RESOURCE, "since", "invalid"))?),
        None => None,
    };
    let sort = req.param("sort");
    if sort.is_some_and(|s| !matches!(s, "created" | "updated")) {
        return Err(ApiError::validation(RESOURCE, "sort", "invalid"));
    }
    let direction = req.param("direction");
    if direction.is_some_and(|d| !matches!(d, "asc" | "desc")) {
        return Err(ApiError::validation(RESOURCE, "direction", "invalid"));
    }
    let mut comments: Vec<ReviewComment> = ctx
        .repo()
        .review_comments
        .iter()
        .filter(|c| c.number == n && since.is_none_or(|s| c.updated_at >= s))
        .cloned()
        .collect();
    match sort {
        Some("updated") => comments.sort_by_key(|c| (c.updated_at, c.id)),
        _ => comments.sort_by_key(|c| (c.created_at, c.id)),
    }
    if sort.is_some() && direction == Some("desc") {
        comments.reverse();
    }
    let items = comments.iter().map(|c| ctx.review_comment_json(c)).collect();
    Ok(paginate(ctx, req, items))
}
