//! The REST API: authentication, per-repository permission, and one arm per endpoint, answering with the status
//! codes and shapes of GitHub's OpenAPI description.

use base64::Engine;
use git2::Oid;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::git;
use crate::guard::RefUpdate;
use crate::ops::{self, Ctx};
use crate::server::{App, Incoming, Reply, percent_decode};
use crate::state::{Deployment, Issue, Permission, Reaction};

/// Serves one REST request; also returns who made it (for the rate-limit bucket).
pub fn handle(app: &App, req: &Incoming) -> (Reply, Option<String>) {
    let mut st = app.state.lock().expect("state lock");
    let Some(token) = token(req) else {
        return (ApiError::requires_authentication().into(), None);
    };
    let Some(login) = st.tokens.get(&token).cloned() else {
        return (ApiError::bad_credentials().into(), None);
    };
    let actor = st.ensure_user(&login);
    let segments: Vec<String> = req.path.trim_matches('/').split('/').map(percent_decode).collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let reply = match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["rate_limit"]) => Ok(rate_limit(app, &st, &login)),
        // An App's installation token is no user.
        ("GET", ["user"]) if st.installations.contains_key(&token) => Err(ApiError::not_accessible_by_integration()),
        ("GET", ["user"]) => Ok(Reply::ok(app.urls.private_user(&actor))),
        ("GET", ["installation", "repositories"]) => installation_repositories(app, &mut st, &token, actor, req),
        (_, ["repos", owner, name, rest @ ..]) => {
            let key = format!("{owner}/{name}");
            match st.repos.get(&key) {
                Some(repo) if st.permission(repo, Some(&login)) > Permission::None => {
                    let mut ctx = Ctx { st: &mut st, dir: app.dir.clone(), urls: &app.urls, key, actor };
                    let mut result = repo_route(&mut ctx, req, rest);
                    // GitHub shows a repository's merge settings only to those who can push to it.
                    if ctx.permission() < Permission::Write
                        && let Ok(reply) = &mut result
                        && let Some(body) = &mut reply.body
                    {
                        crate::shapes::hide_merge_settings(body);
                    }
                    if result.as_ref().is_ok_and(|r| r.status < 300)
                        && req.method != "GET"
                        && let Err(e) = ctx.st.save(&app.dir)
                    {
                        tracing::error!("cannot save the state: {e}");
                    }
                    result
                }
                _ => Err(ApiError::not_found()),
            }
        }
        _ => Err(ApiError::not_found()),
    };
    let mut reply = reply.unwrap_or_else(Reply::from);
    // GitHub tells an App's installation token which permission each endpoint accepts.
    if st.installations.contains_key(&token)
        && let Some(accepted) = accepted_permission(&req.method, &segs)
    {
        reply.headers.push(("x-accepted-github-permissions".to_owned(), accepted));
    }
    (reply, Some(login))
}

/// The permission an endpoint accepts, as GitHub's `x-accepted-github-permissions` names it (`contents=write`); the
/// repository's own metadata is `metadata=read`.
fn accepted_permission(method: &str, segs: &[&str]) -> Option<String> {
    let ["repos", _, _, rest @ ..] = segs else { return None };
    let area = match rest.first().copied() {
        None | Some("collaborators" | "branches" | "rules" | "rulesets") if method == "GET" => "metadata",
        None => "administration",
        Some("git" | "contents" | "commits" | "compare" | "merges") => "contents",
        Some("pulls") => "pull_requests",
        Some("issues") => "issues",
        Some("statuses") => "statuses",
        Some("check-runs" | "check-suites") => "checks",
        Some("deployments") => "deployments",
        Some("branches" | "rulesets" | "rules") => "administration",
        Some(_) => "metadata",
    };
    let level = if method == "GET" { "read" } else { "write" };
    Some(format!("{area}={level}"))
}

/// `GET /installation/repositories`: the repositories an installation token was granted.
fn installation_repositories(
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
    let per_page = req.param("per_page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(30).clamp(1, 100);
    let page = req.param("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let total = repositories.len();
    let page: Vec<Value> = repositories.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    Ok(Reply::ok(json!({"total_count": total, "repository_selection": "selected", "repositories": page})))
}

fn token(req: &Incoming) -> Option<String> {
    let header = req.headers.get("authorization")?.to_str().ok()?;
    let (scheme, value) = header.split_once(' ')?;
    matches!(scheme.to_ascii_lowercase().as_str(), "token" | "bearer").then(|| value.trim().to_owned())
}

fn rate_limit(app: &App, st: &crate::state::State, login: &str) -> Reply {
    let used = app.used.lock().expect("rate lock").get(login).copied().unwrap_or(0);
    let reset = st.now().as_second() + 3600;
    let core = json!({"limit": 5000, "used": used, "remaining": 5000_u64.saturating_sub(used), "reset": reset});
    let other = |limit: u64| json!({"limit": limit, "used": 0, "remaining": limit, "reset": reset});
    Reply::ok(json!({
        "resources": {
            "core": core,
            "search": other(30),
            "graphql": other(5000),
            "integration_manifest": other(5000),
            "code_search": other(10),
        },
        "rate": core,
    }))
}

fn number(text: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|_| ApiError::not_found())
}

fn str_field<'a>(body: &'a Value, field: &str, resource: &str) -> Result<&'a str, ApiError> {
    body[field].as_str().ok_or_else(|| ApiError::validation(resource, field, "missing_field"))
}

fn sha_of(text: &str) -> Result<Oid, ApiError> {
    if text.len() != 40 {
        return Err(ApiError::unprocessable(&format!("Invalid SHA: {text}")));
    }
    Oid::from_str(text).map_err(|_| ApiError::unprocessable(&format!("Invalid SHA: {text}")))
}

fn repo_route(ctx: &mut Ctx<'_>, req: &Incoming, rest: &[&str]) -> Result<Reply, ApiError> {
    let method = req.method.as_str();
    if method != "GET" {
        // Reading is allowed to everyone who sees the repository; the rest needs more (checked per arm).
        ctx.require(Permission::Read)?;
    }
    if let Some(result) = crate::rails::route(ctx, req, rest) {
        return result;
    }
    if let Some(result) = crate::review_comments::route(ctx, req, rest) {
        return result;
    }
    match (method, rest) {
        ("GET", []) => Ok(Reply::ok(ctx.repo_json_for_actor()?)),
        ("GET", ["git", "ref", r @ ..]) | ("GET", ["git", "refs", r @ ..]) if !r.is_empty() => {
            get_ref(ctx, &r.join("/"))
        }
        ("POST", ["git", "refs"]) => create_ref(ctx, req),
        ("PATCH", ["git", "refs", r @ ..]) if !r.is_empty() => update_ref(ctx, req, &r.join("/")),
        ("DELETE", ["git", "refs", r @ ..]) if !r.is_empty() => delete_ref(ctx, &r.join("/")),
        ("GET", ["contents", path @ ..]) => contents(ctx, req, &path.join("/")),
        ("POST", ["git", "blobs"]) => create_blob(ctx, req),
        ("GET", ["git", "blobs", sha]) => get_blob(ctx, sha),
        ("POST", ["git", "trees"]) => create_tree(ctx, req),
        ("GET", ["git", "trees", sha]) => get_tree(ctx, req, sha),
        ("POST", ["git", "commits"]) => create_commit(ctx, req),
        ("GET", ["git", "commits", sha]) => {
            let git = ctx.git()?;
            let oid = Oid::from_str(sha).map_err(|_| ApiError::not_found())?;
            Ok(Reply::ok(ops::git_commit_json(ctx.urls, &ctx.key, &git, oid)?))
        }
        ("GET", ["commits"]) => list_commits(ctx, req),
        ("GET", ["commits", sha, "pulls"]) => commit_pulls(ctx, req, sha),
        ("GET", ["commits", r @ ..]) if !r.is_empty() => {
            let git = ctx.git()?;
            let name = r.join("/");
            let oid = git::resolve(&git, &name)
                .ok_or_else(|| ApiError::unprocessable(&format!("No commit found for SHA: {name}")))?;
            Ok(Reply::ok(ops::commit_json(ctx.urls, ctx.st, &ctx.key, &git, oid, true)?))
        }
        ("GET", ["pulls"]) => list_pulls(ctx, req),
        ("POST", ["pulls"]) => {
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
        ("GET", ["pulls", n]) => {
            ctx.refresh_pulls()?;
            let pr = ctx.find_pull(number(n)?)?;
            Ok(Reply::ok(ctx.pull_json(&pr)?))
        }
        ("PATCH", ["pulls", n]) => update_pull(ctx, req, number(n)?),
        ("PUT", ["pulls", n, "merge"]) => {
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
                return Err(ApiError::with_docs(405, crate::guard::BASE_MODIFIED, crate::guard::MERGE_DOCS));
            }
            let method = body["merge_method"].as_str().unwrap_or("merge");
            let (_, tip, _) = ctx.merge_pull(
                number,
                body["sha"].as_str(),
                method,
                body["commit_title"].as_str(),
                body["commit_message"].as_str(),
            )?;
            Ok(Reply::ok(
                json!({"sha": tip.to_string(), "merged": true, "message": "Pull Request successfully merged"}),
            ))
        }
        ("GET", ["pulls", n, "merge"]) => {
            let pr = ctx.find_pull(number(n)?)?;
            Ok(if pr.merged_at.is_some() { Reply::no_content() } else { Reply::from(ApiError::not_found()) })
        }
        ("GET", ["issues"]) => list_issues(ctx, req),
        ("POST", ["issues"]) => create_issue(ctx, req),
        ("GET", ["issues", "comments", id]) => {
            let id = number(id)?;
            let comment = ctx.repo().comments.iter().find(|c| c.id == id).cloned().ok_or_else(ApiError::not_found)?;
            Ok(Reply::ok(ctx.comment_json(&comment)))
        }
        // GitHub takes POST for PATCH (octocrab's `update_comment` sends POST).
        ("PATCH" | "POST", ["issues", "comments", id]) => {
            ctx.require(Permission::Read)?;
            let body = req.json()?;
            let text = str_field(&body, "body", "IssueComment")?;
            let (_, after) = ctx.edit_comment(number(id)?, text)?;
            Ok(Reply::ok(ctx.comment_json(&after)))
        }
        ("GET", ["issues", "comments", id, "reactions"]) => {
            let id = number(id)?;
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
        ("POST", ["issues", "comments", id, "reactions"]) => react(ctx, req, number(id)?),
        ("GET", ["issues", n]) => Ok(Reply::ok(ctx.issue_json(number(n)?)?)),
        ("GET", ["issues", n, "comments"]) => {
            let n = number(n)?;
            ctx.issue_json(n)?;
            let since = match req.param("since") {
                Some(s) => Some(
                    s.parse::<jiff::Timestamp>()
                        .map_err(|_| ApiError::validation("IssueComment", "since", "invalid"))?,
                ),
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
        ("POST", ["issues", n, "comments"]) => {
            let body = req.json()?;
            let text = str_field(&body, "body", "IssueComment")?;
            let comment = ctx.create_comment(number(n)?, text)?;
            Ok(Reply::created(ctx.comment_json(&comment)))
        }
        ("GET", ["collaborators", user, "permission"]) => {
            let Some(user) = ctx.st.users.get(*user).cloned() else {
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
            Ok(Reply::ok(
                json!({"permission": permission.legacy(), "role_name": permission.role_name(), "user": collaborator}),
            ))
        }
        // A relay asks for a run of a workflow: GitHub answers 204 and starts it; the emulator writes the
        // `workflow_dispatch` event file the run would get.
        ("POST", ["actions", "workflows", workflow, "dispatches"]) => {
            ctx.require(Permission::Write)?;
            let body = req.json()?;
            let git_ref = str_field(&body, "ref", "WorkflowDispatch")?.to_owned();
            let inputs = match &body["inputs"] {
                Value::Null => json!({}),
                Value::Object(map) if map.len() <= 25 => Value::Object(map.clone()),
                _ => return Err(ApiError::validation("WorkflowDispatch", "inputs", "invalid")),
            };
            let git = ctx.git()?;
            let name = git_ref.strip_prefix("refs/heads/").unwrap_or(&git_ref).to_owned();
            if git::branch_tip(&git, &name).is_none() {
                return Err(ApiError::unprocessable(&format!("No ref found for: {git_ref}")));
            }
            // The run's event names the full ref whatever the request said (`main` → `refs/heads/main`), as
            // GitHub's does (`ref` in ../shared/payloads/workflow_dispatch.json).
            ctx.workflow_dispatch_event(workflow, &format!("refs/heads/{name}"), &inputs)?;
            Ok(Reply::no_content())
        }
        ("GET", ["deployments"]) => {
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
        ("POST", ["deployments"]) => create_deployment(ctx, req),
        ("GET", ["deployments", id]) => {
            let id = number(id)?;
            let d = ctx.repo().deployments.iter().find(|d| d.id == id).cloned().ok_or_else(ApiError::not_found)?;
            let creator = ctx.user(&d.creator);
            Ok(Reply::ok(ctx.urls.deployment(ctx.repo(), &d, &creator)))
        }
        ("GET", ["deployments", id, "statuses"]) => {
            let id = number(id)?;
            let d = ctx.repo().deployments.iter().find(|d| d.id == id).cloned().ok_or_else(ApiError::not_found)?;
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
        ("POST", ["deployments", id, "statuses"]) => {
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
            let d = ctx.repo().deployments.iter().find(|d| d.id == id).cloned().ok_or_else(ApiError::not_found)?;
            let creator = ctx.user(&status.creator);
            Ok(Reply::created(ctx.urls.deployment_status(ctx.repo(), &d, &status, &creator)))
        }
        _ => Err(ApiError::not_found()),
    }
}

/// Answers one page of `items` with GitHub's `link` header (`per_page` up to 100, `page` from 1).
pub fn paginate(ctx: &Ctx<'_>, req: &Incoming, items: Vec<Value>) -> Reply {
    let per_page = req.param("per_page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(30).clamp(1, 100);
    let page = req.param("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let chunk: Vec<Value> = items.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    let mut reply = Reply::ok(Value::Array(chunk));
    let link_to = |p: usize| {
        let mut params = req.params.clone();
        params.insert("page".to_owned(), p.to_string());
        params.insert("per_page".to_owned(), per_page.to_string());
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        format!("{}{}?{}", ctx.urls.base, req.path, query.join("&"))
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("<{}>; rel=\"prev\"", link_to(page - 1)));
    }
    if page < last {
        links.push(format!("<{}>; rel=\"next\"", link_to(page + 1)));
        links.push(format!("<{}>; rel=\"last\"", link_to(last)));
    }
    if page > 1 {
        links.push(format!("<{}>; rel=\"first\"", link_to(1)));
    }
    if !links.is_empty() {
        reply.headers.push(("link".to_owned(), links.join(", ")));
    }
    reply
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn ref_json(ctx: &Ctx<'_>, name: &str, oid: Oid, kind: &str) -> Value {
    let key = &ctx.key;
    let url = ctx.urls.api(&format!("/repos/{key}/git/{name}"));
    let object_url = ctx.urls.api(&format!("/repos/{key}/git/{}s/{oid}", kind));
    use base64::engine::general_purpose::STANDARD;
    json!({
        "ref": name,
        "node_id": STANDARD.encode(format!("0:Ref{key}:{name}")),
        "url": url,
        "object": {"type": kind, "sha": oid.to_string(), "url": object_url},
    })
}

fn full_ref(name: &str) -> String {
    if name.starts_with("refs/") { name.to_owned() } else { format!("refs/{name}") }
}

fn get_ref(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let git = ctx.git()?;
    let full = full_ref(name);
    let reference = git.find_reference(&full).map_err(|_| ApiError::not_found())?;
    let oid = reference.target().ok_or_else(ApiError::not_found)?;
    let kind = match git.find_object(oid, None).ok().and_then(|o| o.kind()) {
        Some(git2::ObjectType::Tag) => "tag",
        _ => "commit",
    };
    Ok(Reply::ok(ref_json(ctx, &full, oid, kind)))
}

fn create_ref(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let name = str_field(&body, "ref", "Reference")?;
    let sha = str_field(&body, "sha", "Reference")?;
    if !name.starts_with("refs/") || name.matches('/').count() < 2 {
        return Err(ApiError::unprocessable("Reference name is invalid"));
    }
    let oid = sha_of(sha)?;
    let git = ctx.git()?;
    if git.find_object(oid, None).is_err() {
        return Err(ApiError::unprocessable("Object does not exist"));
    }
    if git.find_reference(name).is_ok() {
        return Err(ApiError::unprocessable("Reference already exists"));
    }
    if git.find_commit(oid).is_ok() {
        ctx.ref_gate(&git, name, &RefUpdate { old: None, new: Some(oid) })?;
    }
    git.reference(name, oid, false, "create ref").map_err(|_| ApiError::unprocessable("Reference name is invalid"))?;
    Ok(Reply::created(ref_json(ctx, name, oid, "commit")))
}

fn update_ref(ctx: &mut Ctx<'_>, req: &Incoming, name: &str) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let sha = str_field(&body, "sha", "Reference")?;
    let force = body["force"].as_bool().unwrap_or(false);
    let full = full_ref(name);
    let oid = sha_of(sha)?;
    let git = ctx.git()?;
    let current = git
        .find_reference(&full)
        .ok()
        .and_then(|r| r.target())
        .ok_or_else(|| ApiError::unprocessable("Reference does not exist"))?;
    if git.find_commit(oid).is_err() {
        return Err(ApiError::unprocessable("Object does not exist"));
    }
    if !force && current != oid && !git.graph_descendant_of(oid, current).unwrap_or(false) {
        return Err(ApiError::unprocessable("Update is not a fast forward"));
    }
    ctx.ref_gate(&git, &full, &RefUpdate { old: Some(current), new: Some(oid) })?;
    git.reference(&full, oid, true, "update ref").map_err(ApiError::git)?;
    Ok(Reply::ok(ref_json(ctx, &full, oid, "commit")))
}

fn delete_ref(ctx: &mut Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let git = ctx.git()?;
    let full = full_ref(name);
    let mut reference = git.find_reference(&full).map_err(|_| ApiError::unprocessable("Reference does not exist"))?;
    ctx.ref_gate(&git, &full, &RefUpdate { old: reference.target(), new: None })?;
    reference.delete().map_err(ApiError::git)?;
    Ok(Reply::no_content())
}

fn contents(ctx: &Ctx<'_>, req: &Incoming, path: &str) -> Result<Reply, ApiError> {
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

fn create_blob(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let content = str_field(&body, "content", "Blob")?;
    let bytes = match body["encoding"].as_str().unwrap_or("utf-8") {
        "utf-8" | "utf8" => content.as_bytes().to_vec(),
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(content.replace(['\n', '\r'], ""))
            .map_err(|_| ApiError::validation("Blob", "content", "invalid"))?,
        _ => return Err(ApiError::validation("Blob", "encoding", "invalid")),
    };
    let git = ctx.git()?;
    let oid = git.blob(&bytes).map_err(ApiError::git)?;
    let url = ctx.urls.api(&format!("/repos/{}/git/blobs/{oid}", ctx.key));
    Ok(Reply::created(json!({"url": url, "sha": oid.to_string()})))
}

fn get_blob(ctx: &Ctx<'_>, sha: &str) -> Result<Reply, ApiError> {
    let git = ctx.git()?;
    let oid = Oid::from_str(sha).map_err(|_| ApiError::not_found())?;
    let blob = git.find_blob(oid).map_err(|_| ApiError::not_found())?;
    Ok(Reply::ok(json!({
        "content": base64::engine::general_purpose::STANDARD.encode(blob.content()),
        "encoding": "base64",
        "url": ctx.urls.api(&format!("/repos/{}/git/blobs/{oid}", ctx.key)),
        "sha": oid.to_string(),
        "size": blob.size(),
        "node_id": base64::engine::general_purpose::STANDARD.encode(format!("0:Blob{oid}")),
    })))
}

fn tree_json(ctx: &Ctx<'_>, git: &git2::Repository, oid: Oid) -> Result<Value, ApiError> {
    tree_json_of(ctx, git, oid, false)
}

/// The trees API's answer for tree `oid`: its own entries, or with `recursive` every entry below it, each
/// named by its path from that tree (GitHub: `?recursive=1`; it truncates past 100,000 entries).
fn tree_json_of(ctx: &Ctx<'_>, git: &git2::Repository, oid: Oid, recursive: bool) -> Result<Value, ApiError> {
    /// GitHub's limit for a recursive listing.
    const MAX_ENTRIES: usize = 100_000;
    let tree = git.find_tree(oid).map_err(|_| ApiError::not_found())?;
    let key = &ctx.key;
    let entry_json = |path: String, e: &git2::TreeEntry<'_>| {
        let kind = match e.kind() {
            Some(git2::ObjectType::Tree) => "tree",
            Some(git2::ObjectType::Commit) => "commit",
            _ => "blob",
        };
        let mut entry = json!({
            "path": path,
            "mode": format!("{:06o}", e.filemode()),
            "type": kind,
            "sha": e.id().to_string(),
            "url": ctx.urls.api(&format!("/repos/{key}/git/{kind}s/{}", e.id())),
        });
        if kind == "blob" {
            entry["size"] = json!(git.find_blob(e.id()).map(|b| b.size()).unwrap_or(0));
        }
        entry
    };
    let mut entries: Vec<Value> = Vec::new();
    let mut truncated = false;
    if recursive {
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
            if entries.len() >= MAX_ENTRIES {
                truncated = true;
                return git2::TreeWalkResult::Abort;
            }
            entries.push(entry_json(format!("{dir}{}", e.name().unwrap_or_default()), e));
            git2::TreeWalkResult::Ok
        })
        .map_err(ApiError::git)
        .or_else(|e| if truncated { Ok(()) } else { Err(e) })?;
    } else {
        entries = tree.iter().map(|e| entry_json(e.name().unwrap_or_default().to_owned(), &e)).collect();
    }
    Ok(json!({
        "sha": oid.to_string(),
        "url": ctx.urls.api(&format!("/repos/{key}/git/trees/{oid}")),
        "tree": entries,
        "truncated": truncated,
    }))
}

fn get_tree(ctx: &Ctx<'_>, req: &Incoming, sha: &str) -> Result<Reply, ApiError> {
    let git = ctx.git()?;
    let oid = git::resolve(&git, sha)
        .and_then(|c| git.find_commit(c).ok().map(|c| c.tree_id()))
        .or_else(|| Oid::from_str(sha).ok())
        .ok_or_else(ApiError::not_found)?;
    // GitHub lists recursively for any value of `recursive` (its documentation: "0", "1", "false"…).
    Ok(Reply::ok(tree_json_of(ctx, &git, oid, req.param("recursive").is_some())?))
}

fn create_tree(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let git = ctx.git()?;
    let base = match body["base_tree"].as_str() {
        Some(sha) => {
            let oid = sha_of(sha)?;
            git.find_tree(oid)
                .or_else(|_| git.find_commit(oid).and_then(|c| c.tree()))
                .map_err(|_| ApiError::unprocessable("base_tree is not a valid tree oid"))?
        }
        None => git::empty_tree(&git)?,
    };
    let entries = body["tree"].as_array().ok_or_else(|| ApiError::validation("Tree", "tree", "missing_field"))?;
    let mut update = git2::build::TreeUpdateBuilder::new();
    for entry in entries {
        let path = str_field(entry, "path", "Tree")?;
        let mode = match entry["mode"].as_str().unwrap_or("100644") {
            "100644" => git2::FileMode::Blob,
            "100755" => git2::FileMode::BlobExecutable,
            "040000" => git2::FileMode::Tree,
            "160000" => git2::FileMode::Commit,
            "120000" => git2::FileMode::Link,
            _ => return Err(ApiError::validation("Tree", "mode", "invalid")),
        };
        if entry.get("sha").is_some_and(Value::is_null) {
            update.remove(path);
        } else if let Some(sha) = entry["sha"].as_str() {
            let oid = sha_of(sha)?;
            if git.find_object(oid, None).is_err() {
                return Err(ApiError::unprocessable(&format!("tree.sha {sha} is not a valid blob")));
            }
            update.upsert(path, oid, mode);
        } else if let Some(content) = entry["content"].as_str() {
            let oid = git.blob(content.as_bytes()).map_err(ApiError::git)?;
            update.upsert(path, oid, mode);
        } else {
            return Err(ApiError::validation("Tree", "sha", "missing_field"));
        }
    }
    let oid = update.create_updated(&git, &base).map_err(|e| ApiError::unprocessable(e.message()))?;
    let value = tree_json(ctx, &git, oid)?;
    Ok(Reply::created(value))
}

fn person_of(value: &Value, default: &crate::git::Person) -> Result<crate::git::Person, ApiError> {
    if value.is_null() {
        return Ok(default.clone());
    }
    let name = value["name"].as_str().ok_or_else(|| ApiError::validation("Commit", "author.name", "missing_field"))?;
    let email =
        value["email"].as_str().ok_or_else(|| ApiError::validation("Commit", "author.email", "missing_field"))?;
    let when = match value["date"].as_str() {
        Some(date) => {
            date.parse::<jiff::Timestamp>().map_err(|_| ApiError::validation("Commit", "author.date", "invalid"))?
        }
        None => default.when,
    };
    Ok(crate::git::Person { name: name.to_owned(), email: email.to_owned(), when })
}

fn create_commit(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let message = str_field(&body, "message", "Commit")?;
    let tree = sha_of(str_field(&body, "tree", "Commit")?)?;
    let parents = body["parents"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| p.as_str().map_or_else(|| Err(ApiError::validation("Commit", "parents", "invalid")), sha_of))
                .collect::<Result<Vec<Oid>, ApiError>>()
        })
        .transpose()?
        .unwrap_or_default();
    let now = ctx.st.now();
    let default = ops::user_person(&ctx.actor, now);
    let author = person_of(&body["author"], &default)?;
    let committer = person_of(&body["committer"], &author)?;
    let git = ctx.git()?;
    // A `signature` (an ASCII-armored PGP signature) is kept in the commit; unsigned commits stay unsigned.
    let oid = git::commit_signed(&git, tree, &parents, &author, &committer, message, body["signature"].as_str())?;
    Ok(Reply::created(ops::git_commit_json(ctx.urls, &ctx.key, &git, oid)?))
}

fn list_commits(ctx: &Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
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

fn commit_pulls(ctx: &mut Ctx<'_>, req: &Incoming, sha: &str) -> Result<Reply, ApiError> {
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
    let mut items = Vec::new();
    for pr in &pulls {
        items.push(ctx.pull_json(pr)?);
    }
    Ok(paginate(ctx, req, items))
}

fn list_pulls(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
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
    let mut items = Vec::new();
    for pr in &pulls {
        items.push(ctx.pull_json(pr)?);
    }
    Ok(paginate(ctx, req, items))
}

fn update_pull(ctx: &mut Ctx<'_>, req: &Incoming, n: u64) -> Result<Reply, ApiError> {
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

fn list_issues(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
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

fn create_issue(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
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
    let now = ctx.st.now();
    let id = ctx.st.id();
    let actor = ctx.actor.login.clone();
    let repo = ctx.repo_mut();
    let number = repo.next_number;
    repo.next_number += 1;
    repo.issues.push(Issue {
        id,
        number,
        title,
        body: body["body"].as_str().map(str::to_owned),
        user: actor,
        labels,
        state: "open".to_owned(),
        created_at: now,
        updated_at: now,
        closed_at: None,
    });
    Ok(Reply::created(ctx.issue_json(number)?))
}

fn react(ctx: &mut Ctx<'_>, req: &Incoming, id: u64) -> Result<Reply, ApiError> {
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

fn create_deployment(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let git_ref = str_field(&body, "ref", "Deployment")?.to_owned();
    let git = ctx.git()?;
    let sha = git::resolve(&git, &git_ref)
        .ok_or_else(|| ApiError::validation_message("Deployment", &format!("No ref found for: {git_ref}")))?;
    let now = ctx.st.now();
    let id = ctx.st.id();
    let payload = match &body["payload"] {
        Value::Null => json!({}),
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| json!(s)),
        other => other.clone(),
    };
    let deployment = Deployment {
        id,
        sha: sha.to_string(),
        git_ref,
        task: body["task"].as_str().unwrap_or("deploy").to_owned(),
        environment: body["environment"].as_str().unwrap_or("production").to_owned(),
        description: body["description"].as_str().map(str::to_owned),
        payload,
        creator: ctx.actor.login.clone(),
        created_at: now,
        updated_at: now,
        statuses: Vec::new(),
    };
    ctx.repo_mut().deployments.push(deployment.clone());
    let creator = ctx.actor.clone();
    Ok(Reply::created(ctx.urls.deployment(ctx.repo(), &deployment, &creator)))
}
