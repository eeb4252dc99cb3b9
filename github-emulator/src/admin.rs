//! The admin API under `/_emulator/`: set the clock, create users, tokens and repositories, act as a user (each
//! action that GitHub turns into a webhook writes its event payload), inject faults, and read the state back.
//! No authentication: it is for tests and people at a terminal.

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::git;
use crate::ops::{Ctx, repo_path};
use crate::rails::{ACTIONS_APP, ensure_app};
use crate::server::{App, Fault, Incoming, Reply, percent_decode};
use crate::state::{GitHubApp, Installation, Permission, Repo};

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
            act(&mut ctx, method, rest, &body)?
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

/// The verbs that act on one repository as a user (`as`, default the owner).
fn act(ctx: &mut Ctx<'_>, method: &str, rest: &[&str], body: &Value) -> Result<Reply, ApiError> {
    let number = |s: &str| s.parse::<u64>().map_err(|_| ApiError::not_found());
    match (method, rest) {
        ("PUT", ["permissions", login]) => {
            let permission = Permission::parse(field(body, "permission")?).ok_or_else(|| {
                ApiError::unprocessable("permission: one of admin, maintain, write, triage, read, none")
            })?;
            ctx.st.ensure_user(login);
            ctx.repo_mut().permissions.insert((*login).to_owned(), permission);
            Ok(Reply::ok(json!({"login": login, "permission": permission.role_name()})))
        }
        ("POST", ["push"]) => {
            let branch = field(body, "branch")?;
            let path = field(body, "path")?;
            let content = body["content"].as_str().map(str::as_bytes);
            let message = body["message"].as_str().unwrap_or("Update file");
            let (before, after) = ctx.push_file(branch, path, content, message, body["from"].as_str())?;
            let event = ctx.push_event(branch, before, after)?;
            Ok(Reply::json(
                201,
                json!({"sha": after.to_string(), "before": before.to_string(), "event_path": path_str(&event)}),
            ))
        }
        ("POST", ["revert"]) => {
            let branch = field(body, "branch")?;
            let (before, after) = ctx.revert_on(branch, field(body, "sha")?, None)?;
            let event = ctx.push_event(branch, before, after)?;
            Ok(Reply::json(
                201,
                json!({"sha": after.to_string(), "before": before.to_string(), "event_path": path_str(&event)}),
            ))
        }
        ("POST", ["pulls"]) => {
            let base = body["base"].as_str().map_or_else(|| ctx.repo().default_branch.clone(), str::to_owned);
            let pr = ctx.open_pull(
                field(body, "title")?,
                field(body, "head")?,
                &base,
                body["body"].as_str().map(str::to_owned),
                false,
            )?;
            let event = ctx.pull_request_event("opened", &pr)?;
            let pull = ctx.pull_json(&pr)?;
            Ok(Reply::json(201, json!({"pull_request": pull, "event_path": path_str(&event)})))
        }
        ("POST", ["pulls", n, "merge"]) => {
            let method = body["merge_method"].as_str().unwrap_or("merge");
            let (pr, tip, before) = ctx.merge_pull(number(n)?, body["sha"].as_str(), method, None, None)?;
            let closed = ctx.pull_request_event("closed", &pr)?;
            let push = ctx.push_event(&pr.base_ref, before, tip)?;
            Ok(Reply::ok(
                json!({"sha": tip.to_string(), "event_path": path_str(&closed), "push_event_path": path_str(&push)}),
            ))
        }
        ("POST", ["pulls", n, "close"]) => {
            let n = number(n)?;
            let now = ctx.st.now();
            let stored = ctx.repo_mut().pulls.iter_mut().find(|p| p.number == n).ok_or_else(ApiError::not_found)?;
            if stored.state == "open" {
                stored.state = "closed".to_owned();
                stored.closed_at = Some(now);
                stored.updated_at = now;
            }
            let pr = stored.clone();
            let event = ctx.pull_request_event("closed", &pr)?;
            Ok(Reply::ok(json!({"event_path": path_str(&event)})))
        }
        ("POST", ["pulls", n, "revert"]) => {
            // GitHub's "Revert" button: a branch `revert-N-HEAD` with the revert, and a pull request for it.
            let pr = ctx.find_pull(number(n)?)?;
            let merge =
                pr.merge_commit_sha.clone().ok_or_else(|| ApiError::unprocessable("the pull request is not merged"))?;
            let branch = format!("revert-{}-{}", pr.number, pr.head_ref);
            let git = ctx.git()?;
            let base_tip =
                git::branch_tip(&git, &pr.base_ref).ok_or_else(|| ApiError::unprocessable("base branch is gone"))?;
            git::set_branch(&git, &branch, base_tip, "revert branch")?;
            let mut events = Vec::new();
            if pr.landed.len() > 1 {
                for sha in pr.landed.iter().rev() {
                    ctx.revert_on(&branch, sha, None)?;
                }
            } else {
                ctx.revert_on(&branch, &merge, None)?;
            }
            let title = format!("Revert \"{}\"", pr.title);
            let body_text = format!("Reverts {}#{}", ctx.key, pr.number);
            let base = pr.base_ref.clone();
            let revert_pr = ctx.open_pull(&title, &branch, &base, Some(body_text), false)?;
            events.push(path_str(&ctx.pull_request_event("opened", &revert_pr)?));
            let mut reply = json!({"number": revert_pr.number, "branch": branch});
            if body["merge"].as_bool().unwrap_or(false) {
                let method = body["merge_method"].as_str().unwrap_or("merge");
                let (merged, tip, before) = ctx.merge_pull(revert_pr.number, None, method, None, None)?;
                events.push(path_str(&ctx.pull_request_event("closed", &merged)?));
                events.push(path_str(&ctx.push_event(&merged.base_ref, before, tip)?));
                reply["sha"] = json!(tip.to_string());
            }
            let final_pr = ctx.find_pull(revert_pr.number)?;
            reply["pull_request"] = ctx.pull_json(&final_pr)?;
            reply["event_paths"] = Value::Array(events.clone());
            reply["event_path"] = events.last().cloned().unwrap_or(Value::Null);
            Ok(Reply::json(201, reply))
        }
        ("POST", ["issues"]) => {
            let now = ctx.st.now();
            let id = ctx.st.id();
            let actor = ctx.actor.login.clone();
            let labels = body["labels"]
                .as_array()
                .map(|l| l.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            let repo = ctx.repo_mut();
            let n = repo.next_number;
            repo.next_number += 1;
            repo.issues.push(crate::state::Issue {
                id,
                number: n,
                title: field(body, "title")?.to_owned(),
                body: body["body"].as_str().map(str::to_owned),
                user: actor,
                labels,
                state: "open".to_owned(),
                created_at: now,
                updated_at: now,
                closed_at: None,
            });
            Ok(Reply::json(201, json!({"issue": ctx.issue_json(n)?})))
        }
        ("POST", ["issues", n, "comments"]) => {
            let comment = ctx.create_comment(number(n)?, field(body, "body")?)?;
            let event = ctx.issue_comment_event("created", &comment, None)?;
            let value = ctx.comment_json(&comment);
            Ok(Reply::json(201, json!({"comment": value, "event_path": path_str(&event)})))
        }
        ("PATCH", ["issues", "comments", id]) => {
            let (before, after) = ctx.edit_comment(number(id)?, field(body, "body")?)?;
            let event = ctx.issue_comment_event("edited", &after, Some(&before))?;
            let value = ctx.comment_json(&after);
            Ok(Reply::ok(json!({"comment": value, "event_path": path_str(&event)})))
        }
        ("PUT", ["settings"]) => {
            let settings = ctx.update_settings(body)?;
            Ok(Reply::ok(json!({"settings": settings})))
        }
        ("POST", ["statuses", sha]) => {
            let status = ctx.create_status(
                sha,
                body["state"].as_str(),
                body["context"].as_str(),
                body["description"].as_str(),
                body["target_url"].as_str(),
            )?;
            let event = ctx.status_event(&status)?;
            Ok(Reply::json(201, json!({"status": ctx.status_json(&status, true), "event_path": path_str(&event)})))
        }
        ("POST", ["check-runs"]) => {
            let slug = body["app"].as_str().unwrap_or(ACTIONS_APP);
            if slug != ACTIONS_APP && !ctx.st.apps.contains_key(slug) {
                return Err(ApiError::new(404, &format!("no App {slug}")));
            }
            let github_app = ensure_app(ctx.st, slug);
            let run = ctx.create_check_run(&github_app.slug, body)?;
            Ok(Reply::json(201, json!({"check_run": ctx.check_run_json(&run)})))
        }
        ("POST", ["pulls", n, "reviews"]) => {
            let review = ctx.create_review(
                number(n)?,
                body["event"].as_str(),
                body["body"].as_str(),
                body["commit_id"].as_str(),
            )?;
            // A submitted review (any `event`) is a `pull_request_review.submitted`; a pending one is no event yet.
            let event = match review.submitted_at {
                Some(_) => path_str(&ctx.review_event("submitted", &review)?),
                None => Value::Null,
            };
            Ok(Reply::json(201, json!({"review": ctx.review_json(&review), "event_path": event})))
        }
        ("POST", ["pulls", n, "comments"]) => {
            // A review comment as `as`: on `path` and `line` (defaults: the first file the pull request changes
            // and the first line it adds), or a reply in the thread of `in_reply_to`.
            let n = number(n)?;
            let text = field(body, "body")?;
            ctx.refresh_pulls()?;
            let comment = match body["in_reply_to"].as_u64() {
                Some(to) => ctx.reply_to_review_comment(n, to, text)?,
                None => {
                    let (path, line) = match (body["path"].as_str(), body["line"].as_u64()) {
                        (Some(path), Some(line)) => (path.to_owned(), line),
                        (path, line) => {
                            let (default_path, default_line) = ctx.default_comment_target(n, path)?;
                            (default_path, line.unwrap_or(default_line))
                        }
                    };
                    let side = body["side"].as_str().unwrap_or("RIGHT");
                    ctx.create_review_comment(n, text, body["commit_id"].as_str(), &path, line, side)?
                }
            };
            let event = ctx.review_comment_event("created", &comment)?;
            // GitHub also tells of the implicit review the comment made.
            let review = ctx.repo().reviews.iter().find(|r| Some(r.id) == comment.review_id).cloned();
            let review_event = match review {
                Some(review) => path_str(&ctx.review_event("submitted", &review)?),
                None => Value::Null,
            };
            let value = ctx.review_comment_json(&comment);
            Ok(Reply::json(
                201,
                json!({"comment": value, "event_path": path_str(&event), "review_event_path": review_event}),
            ))
        }
        ("POST", ["deployments"]) => {
            let git = ctx.git()?;
            let git_ref = body["ref"].as_str().map_or_else(|| ctx.repo().default_branch.clone(), str::to_owned);
            let sha = git::resolve(&git, &git_ref).ok_or_else(|| ApiError::unprocessable("no such ref"))?;
            let now = ctx.st.now();
            let id = ctx.st.id();
            let deployment = crate::state::Deployment {
                id,
                sha: sha.to_string(),
                git_ref,
                task: "deploy".to_owned(),
                environment: body["environment"].as_str().unwrap_or("production").to_owned(),
                description: body["description"].as_str().map(str::to_owned),
                payload: json!({}),
                creator: ctx.actor.login.clone(),
                created_at: now,
                updated_at: now,
                statuses: Vec::new(),
            };
            ctx.repo_mut().deployments.push(deployment.clone());
            let creator = ctx.actor.clone();
            Ok(Reply::json(201, json!({"deployment": ctx.urls.deployment(ctx.repo(), &deployment, &creator)})))
        }
        ("POST", ["deployments", id, "statuses"]) => {
            let id = number(id)?;
            let status = ctx.create_deployment_status(
                id,
                field(body, "state")?,
                body["description"].as_str().unwrap_or(""),
                body["environment"].as_str(),
                body["target_url"].as_str().unwrap_or(""),
                body["environment_url"].as_str().unwrap_or(""),
            )?;
            let deployment =
                ctx.repo().deployments.iter().find(|d| d.id == id).cloned().ok_or_else(ApiError::not_found)?;
            let event = ctx.deployment_status_event(&deployment, &status)?;
            let creator = ctx.actor.clone();
            let value = ctx.urls.deployment_status(ctx.repo(), &deployment, &status, &creator);
            Ok(Reply::json(201, json!({"deployment_status": value, "event_path": path_str(&event)})))
        }
        _ => Err(ApiError::not_found()),
    }
}
