//! A repository: `GET`/`PATCH /repos/{o}/{r}`, a collaborator's permission, `GET /contents/{path}`, and
//! `GET /installation/repositories` (the repositories an installation token was granted).

use base64::Engine;
use serde_json::{Value, json};

use super::{encode, page_of};
use crate::git;
use crate::http::{ApiError, Incoming, Reply};
use crate::ops::{App, Ctx};
use crate::state::Permission;

pub fn get(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    Ok(Reply::ok(ctx.repo_json_for_actor()?))
}

pub fn update(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require_admin()?;
    let body = req.json()?;
    ctx.update_settings(&body)?;
    Ok(Reply::ok(ctx.repo_json_for_actor()?))
}

pub fn collaborator_permission(ctx: &mut Ctx<'_>, login: &str) -> Result<Reply, ApiError> {
    let Some(user) = ctx.st.users.get(login).cloned() else {
        return Err(ApiError::not_found());
    };
    let permission = ctx.st.permission(ctx.repo(), Some(&user.login));
    let mut collaborator = ctx.urls.user(&user);
    collaborator["role_name"] = json!(permission.role_name());
    collaborator["permissions"] = json!({
        "admin": permission >= Permission::Admin,
        "maintain": permission >= Permission::Maintain,
        "push": permission >= Permission::Write,
        "triage": permission >= Permission::Triage,
        "pull": permission >= Permission::Read,
    });
    Ok(Reply::ok(json!({"permission": permission.legacy(), "role_name": permission.role_name(), "user": collaborator})))
}

pub fn contents(ctx: &Ctx<'_>, req: &Incoming, path: &str) -> Result<Reply, ApiError> {
    let git = ctx.git()?;
    let name = req.param("ref").map_or_else(|| ctx.repo().default_branch.clone(), str::to_owned);
    let commit =
        git::resolve(&git, &name).ok_or_else(|| ApiError::new(404, &format!("No commit found for the ref {name}")))?;
    let key = &ctx.key;
    let item = |path: &str, sha: &str, kind: &str, size: usize| {
        let url = ctx.urls.api(&format!("/repos/{key}/contents/{path}?ref={}", encode(&name)));
        let git_url =
            ctx.urls.api(&format!("/repos/{key}/git/{}/{sha}", if kind == "dir" { "trees" } else { "blobs" }));
        let html = format!("{}/{key}/{}/{name}/{path}", ctx.urls.base, if kind == "dir" { "tree" } else { "blob" });
        let download = (kind == "file").then(|| format!("{}/{key}/raw/{name}/{path}", ctx.urls.base));
        json!({
            "type": kind,
            "size": size,
            "name": path.rsplit('/').next().unwrap_or(path),
            "path": path,
            "sha": sha,
            "url": url,
            "git_url": git_url,
            "html_url": html,
            "download_url": download,
            "_links": {"self": url, "git": git_url, "html": html},
        })
    };
    match git::content_at(&git, commit, path).ok_or_else(ApiError::not_found)? {
        git::Content::File { sha, bytes } => {
            let mut value = item(path.trim_matches('/'), &sha, "file", bytes.len());
            let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
            // GitHub wraps the base64 at 60 characters per line.
            let wrapped: Vec<&str> =
                encoded.as_bytes().chunks(60).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
            value["content"] = json!(format!("{}\n", wrapped.join("\n")));
            value["encoding"] = json!("base64");
            Ok(Reply::ok(value))
        }
        git::Content::Dir(entries) => {
            let prefix = path.trim_matches('/');
            let items = entries
                .iter()
                .map(|(entry, sha, kind, size)| {
                    let full = if prefix.is_empty() { entry.clone() } else { format!("{prefix}/{entry}") };
                    item(&full, sha, kind, *size)
                })
                .collect();
            Ok(Reply::ok(Value::Array(items)))
        }
    }
}

/// `GET /installation/repositories`: the repositories an installation token was granted.
pub fn installation_repositories(
    app: &App,
    st: &mut crate::state::State,
    token: &str,
    actor: crate::state::User,
    req: &Incoming,
) -> Result<Reply, ApiError> {
    let Some(installation) = st.installations.get(token).cloned() else {
        return Err(ApiError::new(
            403,
            "You must authenticate with an installation access token in order to list repositories for an installation.",
        ));
    };
    let mut repositories = Vec::new();
    let granted: Vec<String> =
        installation.repositories.iter().filter(|k| st.repos.contains_key(*k)).cloned().collect();
    for key in &granted {
        let mut ctx = Ctx { st, dir: app.dir.clone(), urls: &app.urls, key: key.clone(), actor: actor.clone() };
        let mut repo = ctx.repo_json()?;
        repo["custom_properties"] = json!({});
        if installation.permission < Permission::Write {
            crate::shapes::hide_merge_settings(&mut repo);
        }
        repositories.push(repo);
    }
    let (per_page, page) = page_of(req, 30);
    let total = repositories.len();
    let page: Vec<Value> = repositories.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    Ok(Reply::ok(json!({"total_count": total, "repository_selection": "selected", "repositories": page})))
}
