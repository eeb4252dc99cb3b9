//! Issues (pull requests included, as on GitHub), their comments, and the reactions to a comment.

use serde_json::Value;

use super::{number, paginate, str_field};
use crate::http::{ApiError, Incoming, Reply};
use crate::ops::Ctx;
use crate::state::{Permission, Reaction};

pub fn get(ctx: &mut Ctx<'_>, n: u64) -> Result<Reply, ApiError> {
    Ok(Reply::ok(ctx.issue_json(n)?))
}

pub fn get_comment(ctx: &mut Ctx<'_>, id: u64) -> Result<Reply, ApiError> {
    let comment = ctx.repo().comments.iter().find(|c| c.id == id).cloned().ok_or_else(ApiError::not_found)?;
    Ok(Reply::ok(ctx.comment_json(&comment)))
}

pub fn edit_comment(ctx: &mut Ctx<'_>, req: &Incoming, id: &str) -> Result<Reply, ApiError> {
    ctx.require(Permission::Read)?;
    let body = req.json()?;
    let text = str_field(&body, "body", "IssueComment")?;
    let (_, after) = ctx.edit_comment(number(id)?, text)?;
    Ok(Reply::ok(ctx.comment_json(&after)))
}

pub fn list_reactions(ctx: &mut Ctx<'_>, req: &Incoming, id: u64) -> Result<Reply, ApiError> {
    let comment = ctx.repo().comments.iter().find(|c| c.id == id).cloned().ok_or_else(ApiError::not_found)?;
    let items = comment
        .reactions
        .iter()
        .filter(|r| req.param("content").is_none_or(|c| c == r.content))
        .map(|r| {
            let user = ctx.user(&r.user);
            ctx.urls.reaction(r, &user)
        })
        .collect();
    Ok(paginate(ctx, req, items))
}

pub fn list_comments(ctx: &mut Ctx<'_>, req: &Incoming, n: u64) -> Result<Reply, ApiError> {
    ctx.issue_json(n)?;
    let since = match req.param("since") {
        Some(s) => {
            Some(s.parse::<jiff::Timestamp>().map_err(|_| ApiError::validation("IssueComment", "since", "invalid"))?)
        }
        None => None,
    };
    let comments: Vec<_> = ctx
        .repo()
        .comments
        .iter()
        .filter(|c| c.number == n && since.is_none_or(|s| c.updated_at >= s))
        .cloned()
        .collect();
    let items = comments.iter().map(|c| ctx.comment_json(c)).collect();
    Ok(paginate(ctx, req, items))
}

pub fn create_comment(ctx: &mut Ctx<'_>, req: &Incoming, n: &str) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let text = str_field(&body, "body", "IssueComment")?;
    let comment = ctx.create_comment(number(n)?, text)?;
    Ok(Reply::created(ctx.comment_json(&comment)))
}

pub fn list(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    let state = req.param("state").unwrap_or("open");
    let labels: Vec<&str> = req
        .param("labels")
        .map(|l| l.split(',').map(str::trim).filter(|l| !l.is_empty()).collect())
        .unwrap_or_default();
    let repo = ctx.repo().clone();
    let mut numbers: Vec<(u64, jiff::Timestamp)> = repo
        .issues
        .iter()
        .filter(|i| state == "all" || i.state == state)
        .filter(|i| labels.iter().all(|l| i.labels.iter().any(|x| x == l)))
        .filter(|i| req.param("creator").is_none_or(|c| c == i.user))
        .map(|i| (i.number, i.created_at))
        .collect();
    if labels.is_empty() {
        numbers.extend(
            repo.pulls
                .iter()
                .filter(|p| state == "all" || p.state == state)
                .filter(|p| req.param("creator").is_none_or(|c| c == p.user))
                .map(|p| (p.number, p.created_at)),
        );
    }
    numbers.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    let mut items = Vec::new();
    for (n, _) in numbers {
        items.push(ctx.issue_json(n)?);
    }
    Ok(paginate(ctx, req, items))
}

pub fn create(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let title = match &body["title"] {
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(ApiError::validation("Issue", "title", "missing_field")),
    };
    let labels: Vec<String> = body["labels"]
        .as_array()
        .map(|ls| ls.iter().filter_map(|l| l.as_str().or(l["name"].as_str()).map(str::to_owned)).collect())
        .unwrap_or_default();
    // Labels are silently dropped for users who cannot triage, as GitHub does.
    let labels = if ctx.permission() >= Permission::Triage { labels } else { Vec::new() };
    let number = ctx.create_issue(title, body["body"].as_str().map(str::to_owned), labels);
    Ok(Reply::created(ctx.issue_json(number)?))
}

pub fn react(ctx: &mut Ctx<'_>, req: &Incoming, id: u64) -> Result<Reply, ApiError> {
    react_on(ctx, req, |repo| repo.comments.iter_mut().find(|c| c.id == id).map(|c| &mut c.reactions))
}

/// Adds the actor's reaction (`content`) to the reactions `find` picks out of the repository: 201 for a new one,
/// 200 with the existing one, 404 when `find` finds nothing.
pub fn react_on(
    ctx: &mut Ctx<'_>,
    req: &Incoming,
    find: impl FnOnce(&mut crate::state::Repo) -> Option<&mut Vec<Reaction>>,
) -> Result<Reply, ApiError> {
    const CONTENTS: [&str; 8] = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"];
    let body = req.json()?;
    let content = str_field(&body, "content", "Reaction")?.to_owned();
    if !CONTENTS.contains(&content.as_str()) {
        return Err(ApiError::validation("Reaction", "content", "invalid"));
    }
    let now = ctx.st.now();
    let new_id = ctx.st.id();
    let actor = ctx.actor.clone();
    let reactions = find(ctx.repo_mut()).ok_or_else(ApiError::not_found)?;
    if let Some(existing) = reactions.iter().find(|r| r.user == actor.login && r.content == content).cloned() {
        return Ok(Reply::ok(ctx.urls.reaction(&existing, &actor)));
    }
    let reaction = Reaction { id: new_id, user: actor.login.clone(), content, created_at: now };
    reactions.push(reaction.clone());
    Ok(Reply::json(201, ctx.urls.reaction(&reaction, &actor)))
}
