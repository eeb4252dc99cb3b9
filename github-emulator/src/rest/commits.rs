//! The commits API: `GET /commits` (by `sha`, `path`, `since`, `until`), `GET /commits/{ref}` with its files, and
//! the pull requests of a commit.

use git2::Oid;

use super::paginate;
use super::pulls::pulls_json;
use crate::git;
use crate::http::{ApiError, Incoming, Reply};
use crate::ops::{self, Ctx};

pub fn get(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let git = ctx.git()?;
    let oid =
        git::resolve(&git, name).ok_or_else(|| ApiError::unprocessable(&format!("No commit found for SHA: {name}")))?;
    Ok(Reply::ok(ops::commit_json(ctx.urls, ctx.st, &ctx.key, &git, oid, true)?))
}

pub fn list(ctx: &Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    let git = ctx.git()?;
    let start = req.param("sha").map_or_else(|| ctx.repo().default_branch.clone(), str::to_owned);
    let Some(tip) = git::resolve(&git, &start) else {
        return if git.is_empty().unwrap_or(false) {
            Err(ApiError::new(409, "Git Repository is empty."))
        } else {
            Err(ApiError::new(404, &format!("No commit found for SHA: {start}")))
        };
    };
    let parse = |name: &str| -> Result<Option<jiff::Timestamp>, ApiError> {
        req.param(name)
            .map(|s| s.parse::<jiff::Timestamp>().map_err(|_| ApiError::validation("Commit", name, "invalid")))
            .transpose()
    };
    let (since, until) = (parse("since")?, parse("until")?);
    let mut walk = git.revwalk().map_err(ApiError::git)?;
    walk.push(tip).map_err(ApiError::git)?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME).map_err(ApiError::git)?;
    let path = req.param("path").map(|p| p.trim_matches('/')).filter(|p| !p.is_empty());
    let mut items = Vec::new();
    for oid in walk {
        let oid = oid.map_err(ApiError::git)?;
        let commit = git.find_commit(oid).map_err(ApiError::git)?;
        let when =
            jiff::Timestamp::from_second(commit.committer().when().seconds()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        if since.is_some_and(|s| when < s) || until.is_some_and(|u| when > u) {
            continue;
        }
        if let Some(path) = path
            && !git::touches(&git, oid, path)
        {
            continue;
        }
        items.push(ops::commit_json(ctx.urls, ctx.st, &ctx.key, &git, oid, false)?);
    }
    Ok(paginate(ctx, req, items))
}

pub fn pulls(ctx: &mut Ctx<'_>, req: &Incoming, sha: &str) -> Result<Reply, ApiError> {
    let git = ctx.git()?;
    let oid =
        git::resolve(&git, sha).ok_or_else(|| ApiError::unprocessable(&format!("No commit found for SHA: {sha}")))?;
    let text = oid.to_string();
    ctx.refresh_pulls()?;
    let pulls: Vec<_> = ctx
        .repo()
        .pulls
        .iter()
        .filter(|p| {
            p.merge_commit_sha.as_deref() == Some(&text)
                || p.landed.contains(&text)
                || p.head_sha == text
                || (p.state == "open"
                    && Oid::from_str(&p.head_sha)
                        .ok()
                        .is_some_and(|h| git.graph_descendant_of(h, oid).unwrap_or(false)))
        })
        .cloned()
        .collect();
    let items = pulls_json(ctx, &pulls)?;
    Ok(paginate(ctx, req, items))
}
