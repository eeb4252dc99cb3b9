//! The admin API under `/_emulator/`: set the clock, create users, tokens and repositories, act as a user (each
//! action that GitHub turns into a webhook writes its event payload), inject faults, and read the state back.
//! No authentication: it is for tests and people at a terminal.

use serde_json::{Value, json};

use crate::git;
use crate::http::ApiError;
use crate::http::{Fault, Incoming, Reply, percent_decode};
use crate::ops::App;
use crate::ops::{ACTIONS_APP, ensure_app};
use crate::ops::{Ctx, repo_path};
use crate::state::{GitHubApp, Installation, Permission, Repo};

mod verbs;

pub use verbs::RepoVerb;

pub fn handle(app: &App, req: &Incoming) -> Reply {
    route(app, req).unwrap_or_else(Reply::from)
}

fn field<'a>(body: &'a Value, name: &str) -> Result<&'a str, ApiError> {
    body[name].as_str().ok_or_else(|| ApiError::unprocessable(&format!("`{name}` (a string) is required")))
}

fn route(app: &App, req: &Incoming) -> Result<Reply, ApiError> {
    let segments: Vec<String> = req.path.trim_matches('/').split('/').skip(1).map(percent_decode).collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let body = req.json()?;
    let mut st = app.state.lock().expect("state lock");
    let reply = match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["state"]) => {
            let faults = app.faults.lock().expect("faults lock").clone();
            let mut value = serde_json::to_value(&*st).map_err(ApiError::internal)?;
            value["now"] = json!(crate::shapes::ts(st.now()));
            value["faults"] = serde_json::to_value(faults).map_err(ApiError::internal)?;
            return Ok(Reply::ok(value));
        }
        ("GET", ["clock"]) => Reply::ok(json!({"now": crate::shapes::ts(st.now()), "frozen": st.clock.is_some()})),
        ("POST", ["clock"]) => {
            if let Some(set) = body["set"].as_str() {
                st.clock = Some(
                    set.parse()
                        .map_err(|e| ApiError::unprocessable(&format!("`set`: not an RFC 3339 instant: {e}")))?,
                );
            }
            if let Some(seconds) = body["advance_seconds"].as_i64() {
                let now = st.now();
                st.clock = Some(now + jiff::SignedDuration::from_secs(seconds));
            }
            if body["follow_wall_clock"].as_bool() == Some(true) {
                st.clock = None;
            }
            Reply::ok(json!({"now": crate::shapes::ts(st.now()), "frozen": st.clock.is_some()}))
        }
        ("POST", ["users"]) => {
            let login = field(&body, "login")?;
            let mut user = st.ensure_user(login);
            // The profile name, as a user sets it in their settings (GET /user's `name`, commit author names).
            if let Some(name) = body["name"].as_str() {
                user.name = Some(name.to_owned());
                st.users.insert(login.to_owned(), user.clone());
            }
            let mut value = json!({"user": app.urls.user(&user)});
            if let Some(token) = body["token"].as_str() {
                st.tokens.insert(token.to_owned(), login.to_owned());
                value["token"] = json!(token);
            }
            Reply::json(201, value)
        }
        ("POST", ["tokens"]) => {
            let login = field(&body, "login")?;
            st.ensure_user(login);
            let token = match body["token"].as_str() {
                Some(t) => t.to_owned(),
                None => format!("ghp_emulator{:012}", st.id()),
            };
            st.tokens.insert(token.clone(), login.to_owned());
            Reply::json(201, json!({"token": token, "login": login}))
        }
        ("POST", ["repos"]) => {
            let owner = field(&body, "owner")?.to_owned();
            let name = field(&body, "name")?.to_owned();
            let key = format!("{owner}/{name}");
            if st.repos.contains_key(&key) {
                return Err(ApiError::unprocessable(&format!("{key} already exists")));
            }
            let path = repo_path(&app.dir, &key);
            let default_branch = match body["from_path"].as_str() {
                Some(source) => git::import(&path, std::path::Path::new(source))
                    .map_err(|e| ApiError::unprocessable(&e.to_string()))?,
                None => {
                    let branch = body["default_branch"].as_str().unwrap_or("main");
                    git::init_bare(&path, branch)?;
                    branch.to_owned()
                }
            };
            st.ensure_user(&owner);
            let id = st.id();
            let created_at = st.now();
            st.repos.insert(
                key.clone(),
                Repo {
                    id,
                    owner,
                    name,
                    private: body["private"].as_bool().unwrap_or(false),
                    default_branch,
                    created_at,
                    permissions: Default::default(),
                    next_number: 1,
                    pulls: Vec::new(),
                    issues: Vec::new(),
                    comments: Vec::new(),
                    deployments: Vec::new(),
                    settings: Default::default(),
                    protections: Default::default(),
                    rulesets: Vec::new(),
                    reviews: Vec::new(),
                    statuses: Vec::new(),
                    check_runs: Vec::new(),
                    review_comments: Vec::new(),
                },
            );
            let actor = st.ensure_user(&key[..key.find('/').unwrap_or(0)]);
            let mut ctx = Ctx { st: &mut st, dir: app.dir.clone(), urls: &app.urls, key: key.clone(), actor };
            let repo = ctx.repo_json()?;
            Reply::json(201, json!({"repository": repo, "clone_url": format!("{}/{key}.git", app.urls.base)}))
        }
        (method, ["repos", owner, name, rest @ ..]) => {
            let key = format!("{owner}/{name}");
            let repo = st.repos.get(&key).ok_or_else(|| ApiError::new(404, &format!("no repository {key}")))?;
            let login = body["as"].as_str().unwrap_or(&repo.owner).to_owned();
            let actor = st.ensure_user(&login);
            let mut ctx = Ctx { st: &mut st, dir: app.dir.clone(), urls: &app.urls, key, actor };
            let verb = RepoVerb::parse(method, rest, &body)?;
            verb.act(&mut ctx)?
        }
        ("POST", ["apps"]) => {
            let slug = field(&body, "slug")?.to_owned();
            if st.apps.contains_key(&slug) {
                return Err(ApiError::unprocessable(&format!("the App {slug} already exists")));
            }
            let owner = body["owner"].as_str().unwrap_or(&slug).to_owned();
            let id = body["id"].as_u64().unwrap_or_else(|| st.id());
            let github_app = GitHubApp {
                id,
                slug: slug.clone(),
                name: body["name"].as_str().unwrap_or(&slug).to_owned(),
                owner: owner.clone(),
                created_at: st.now(),
            };
            st.apps.insert(slug, github_app.clone());
            st.ensure_user(&github_app.bot_login());
            let owner = st.ensure_user(&owner);
            Reply::json(201, json!({"app": app.urls.integration(&github_app, &owner), "login": github_app.bot_login()}))
        }
        ("POST", ["apps", slug, "installations"]) => {
            // GitHub Actions is an App every GitHub has (id 15368); any other App is created first.
            let github_app = match st.apps.get(*slug).cloned() {
                Some(a) => a,
                None if *slug == ACTIONS_APP => ensure_app(&mut st, ACTIONS_APP),
                None => return Err(ApiError::new(404, &format!("no App {slug}: create it with POST /_emulator/apps"))),
            };
            let permission = Permission::parse(body["permission"].as_str().unwrap_or("write"))
                .ok_or_else(|| ApiError::unprocessable("permission: one of admin, maintain, write, triage, read"))?;
            let repositories: Vec<String> = body["repositories"]
                .as_array()
                .ok_or_else(|| ApiError::unprocessable("`repositories` (a list of OWNER/REPO) is required"))?
                .iter()
                .map(|r| r.as_str().map(str::to_owned).ok_or_else(|| ApiError::unprocessable("repositories: strings")))
                .collect::<Result<_, _>>()?;
            let login = github_app.bot_login();
            for key in &repositories {
                let repo = st.repos.get_mut(key).ok_or_else(|| ApiError::new(404, &format!("no repository {key}")))?;
                repo.permissions.insert(login.clone(), permission);
            }
            let id = st.id();
            let token = match body["token"].as_str() {
                Some(t) => t.to_owned(),
                None => format!("ghs_emulator{id:024}"),
            };
            st.tokens.insert(token.clone(), login.clone());
            st.installations.insert(
                token.clone(),
                Installation { app: github_app.slug.clone(), id, repositories: repositories.clone(), permission },
            );
            let expires_at = crate::shapes::ts(st.now() + jiff::SignedDuration::from_hours(1));
            Reply::json(
                201,
                json!({
                    "token": token,
                    "login": login,
                    "installation_id": id,
                    "expires_at": expires_at,
                    "repositories": repositories,
                    "permission": permission.role_name(),
                }),
            )
        }
        ("POST", ["faults"]) => {
            let mut fault: Fault =
                serde_json::from_value(body).map_err(|e| ApiError::unprocessable(&format!("not a fault: {e}")))?;
            fault.id = st.id();
            let id = fault.id;
            app.faults.lock().expect("faults lock").push(fault);
            Reply::json(201, json!({"id": id}))
        }
        ("GET", ["faults"]) => Reply::ok(
            serde_json::to_value(app.faults.lock().expect("faults lock").clone()).map_err(ApiError::internal)?,
        ),
        ("DELETE", ["faults"]) => {
            app.faults.lock().expect("faults lock").clear();
            Reply::no_content()
        }
        _ => return Err(ApiError::not_found()),
    };
    st.save(&app.dir).map_err(ApiError::internal)?;
    Ok(reply)
}

fn path_str(path: &std::path::Path) -> Value {
    json!(path.to_string_lossy())
}
