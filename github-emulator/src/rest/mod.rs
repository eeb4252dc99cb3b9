//! The REST API: authentication, per-repository permission, and the routing table of a repository's endpoints; the
//! handlers, by resource, answer with the status codes and shapes of GitHub's OpenAPI description.

mod actions;
mod branches;
mod checks;
mod commits;
mod deployments;
mod git;
mod issues;
mod pulls;
mod repos;
mod review_comments;
mod reviews;
mod rulesets;

use git2::Oid;
use serde_json::{Value, json};

use crate::http::{ApiError, Incoming, Reply, percent_decode};
use crate::ops::{App, Ctx};
use crate::state::Permission;

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
        ("GET", ["installation", "repositories"]) => repos::installation_repositories(app, &mut st, &token, actor, req),
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

/// One repository's endpoints (the path below `/repos/{o}/{r}`), tried in order; every arm hands over to one handler.
fn repo_route(ctx: &mut Ctx<'_>, req: &Incoming, rest: &[&str]) -> Result<Reply, ApiError> {
    let method = req.method.as_str();
    if method != "GET" {
        // Reading is allowed to everyone who sees the repository; the rest needs more (checked per handler).
        ctx.require(Permission::Read)?;
    }
    match (method, rest) {
        ("GET", []) => repos::get(ctx),
        ("PATCH", []) => repos::update(ctx, req),
        ("GET" | "PUT" | "DELETE" | "POST", ["branches", tail @ ..]) if !tail.is_empty() => {
            branches::route(ctx, req, tail)
        }
        ("GET", ["rulesets"]) => rulesets::list(ctx, req),
        ("POST", ["rulesets"]) => rulesets::create(ctx, req),
        ("GET", ["rulesets", id]) => rulesets::get(ctx, id),
        ("PUT", ["rulesets", id]) => rulesets::update(ctx, req, id),
        ("DELETE", ["rulesets", id]) => rulesets::delete(ctx, id),
        ("GET", ["rules", "branches", branch @ ..]) if !branch.is_empty() => {
            rulesets::for_branch(ctx, req, &branch.join("/"))
        }
        ("GET", ["pulls", n, "reviews"]) => reviews::list(ctx, req, n),
        ("GET", ["pulls", n, "reviews", id]) => reviews::get(ctx, number(n)?, id),
        ("POST", ["pulls", n, "reviews"]) => reviews::create(ctx, req, number(n)?),
        ("PUT", ["pulls", n, "update-branch"]) => pulls::update_branch(ctx, req, n),
        ("POST", ["statuses", sha]) => checks::create_status(ctx, req, sha),
        ("GET", ["commits", r @ .., "status"]) if !r.is_empty() => checks::combined_status(ctx, req, &r.join("/")),
        ("GET", ["commits", r @ .., "statuses"]) if !r.is_empty() => checks::list_statuses(ctx, req, &r.join("/")),
        ("GET", ["statuses", r @ ..]) if !r.is_empty() => checks::list_statuses(ctx, req, &r.join("/")),
        ("GET", ["commits", r @ .., "check-runs"]) if !r.is_empty() => checks::list_runs(ctx, req, &r.join("/")),
        ("POST", ["check-runs"]) => checks::create_run(ctx, req),
        ("GET", ["check-runs", id]) => checks::get_run(ctx, number(id)?),
        ("PATCH", ["check-runs", id]) => checks::update_run(ctx, req, id),
        ("GET", ["pulls", "comments", id]) => review_comments::get(ctx, number(id)?),
        ("PATCH", ["pulls", "comments", id]) => review_comments::edit(ctx, req, number(id)?),
        ("POST", ["pulls", "comments", id, "reactions"]) => review_comments::react(ctx, req, number(id)?),
        ("GET", ["pulls", n, "comments"]) => review_comments::list(ctx, req, number(n)?),
        ("POST", ["pulls", n, "comments"]) => review_comments::create(ctx, req, number(n)?),
        ("POST", ["pulls", n, "comments", id, "replies"]) => review_comments::reply(ctx, req, number(n)?, id),
        ("GET", ["git", "ref" | "refs", r @ ..]) if !r.is_empty() => git::get_ref(ctx, &r.join("/")),
        ("POST", ["git", "refs"]) => git::create_ref(ctx, req),
        ("PATCH", ["git", "refs", r @ ..]) if !r.is_empty() => git::update_ref(ctx, req, &r.join("/")),
        ("DELETE", ["git", "refs", r @ ..]) if !r.is_empty() => git::delete_ref(ctx, &r.join("/")),
        ("GET", ["contents", path @ ..]) => repos::contents(ctx, req, &path.join("/")),
        ("POST", ["git", "blobs"]) => git::create_blob(ctx, req),
        ("GET", ["git", "blobs", sha]) => git::get_blob(ctx, sha),
        ("POST", ["git", "trees"]) => git::create_tree(ctx, req),
        ("GET", ["git", "trees", sha]) => git::get_tree(ctx, req, sha),
        ("POST", ["git", "commits"]) => git::create_commit(ctx, req),
        ("GET", ["git", "commits", sha]) => git::get_commit(ctx, sha),
        ("GET", ["commits"]) => commits::list(ctx, req),
        ("GET", ["commits", sha, "pulls"]) => commits::pulls(ctx, req, sha),
        ("GET", ["commits", r @ ..]) if !r.is_empty() => commits::get(ctx, &r.join("/")),
        ("GET", ["pulls"]) => pulls::list(ctx, req),
        ("POST", ["pulls"]) => pulls::create(ctx, req),
        ("GET", ["pulls", n]) => pulls::get(ctx, n),
        ("PATCH", ["pulls", n]) => pulls::update(ctx, req, number(n)?),
        ("PUT", ["pulls", n, "merge"]) => pulls::merge(ctx, req, n),
        ("GET", ["pulls", n, "merge"]) => pulls::merged(ctx, number(n)?),
        ("GET", ["issues"]) => issues::list(ctx, req),
        ("POST", ["issues"]) => issues::create(ctx, req),
        ("GET", ["issues", "comments", id]) => issues::get_comment(ctx, number(id)?),
        // GitHub takes POST for PATCH (octocrab's `update_comment` sends POST).
        ("PATCH" | "POST", ["issues", "comments", id]) => issues::edit_comment(ctx, req, id),
        ("GET", ["issues", "comments", id, "reactions"]) => issues::list_reactions(ctx, req, number(id)?),
        ("POST", ["issues", "comments", id, "reactions"]) => issues::react(ctx, req, number(id)?),
        ("GET", ["issues", n]) => issues::get(ctx, number(n)?),
        ("GET", ["issues", n, "comments"]) => issues::list_comments(ctx, req, number(n)?),
        ("POST", ["issues", n, "comments"]) => issues::create_comment(ctx, req, n),
        ("GET", ["collaborators", user, "permission"]) => repos::collaborator_permission(ctx, user),
        ("POST", ["actions", "workflows", workflow, "dispatches"]) => actions::dispatch(ctx, req, workflow),
        ("GET", ["deployments"]) => deployments::list(ctx, req),
        ("POST", ["deployments"]) => deployments::create(ctx, req),
        ("GET", ["deployments", id]) => deployments::get(ctx, number(id)?),
        ("GET", ["deployments", id, "statuses"]) => deployments::list_statuses(ctx, req, number(id)?),
        ("POST", ["deployments", id, "statuses"]) => deployments::create_status(ctx, req, id),
        _ => Err(ApiError::not_found()),
    }
}

/// `per_page` (`default` when absent, at most 100) and `page` (from 1) of a list request.
fn page_of(req: &Incoming, default: usize) -> (usize, usize) {
    let per_page = req.param("per_page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(default).clamp(1, 100);
    let page = req.param("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    (per_page, page)
}

/// Answers one page of `items` with GitHub's `link` header (`per_page` up to 100, `page` from 1).
pub fn paginate(ctx: &Ctx<'_>, req: &Incoming, items: Vec<Value>) -> Reply {
    let (per_page, page) = page_of(req, 30);
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
