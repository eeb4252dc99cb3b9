//! The admin verbs that act on one repository as a user (`as`, default the owner): one [`RepoVerb`] per
//! `/_emulator/repos/{o}/{r}/...` endpoint, read from the method, the path and the JSON body, and one small function
//! per verb. A field of the wrong JSON type counts as absent, as it always has. The typed client
//! ([`crate::client`]) builds the same requests from a `RepoVerb`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};

use super::path_str;
use crate::git;
use crate::http::{ApiError, Reply};
use crate::ops::{ACTIONS_APP, Ctx, ensure_app};
use crate::state::Permission;

/// One admin verb on a repository. Serialized with its name under `verb` and its path parameters beside the body's
/// fields; [`RepoVerb::request`] turns it back into the method, path and body of the HTTP admin API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verb", rename_all = "snake_case")]
pub enum RepoVerb {
    /// `PUT permissions/{login}` `{permission}`: grants `login` a permission (`admin` … `none`).
    Permission {
        login: String,
        #[serde(default, deserialize_with = "lenient")]
        permission: Option<String>,
    },
    /// `POST push` `{branch, path, content, message?, from?}`: commits one file (`content` absent deletes it) on
    /// `branch`, created from `from` (default: the default branch) when missing.
    Push {
        #[serde(default, deserialize_with = "lenient")]
        branch: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        path: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        content: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        message: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        from: Option<String>,
    },
    /// `POST revert` `{branch, sha}`: pushes the revert of `sha` onto `branch`.
    Revert {
        #[serde(default, deserialize_with = "lenient")]
        branch: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        sha: Option<String>,
    },
    /// `POST pulls` `{head, base?, title, body?}`: opens a pull request.
    OpenPull {
        #[serde(default, deserialize_with = "lenient")]
        head: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        base: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        title: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        body: Option<String>,
    },
    /// `POST pulls/{number}/merge` `{merge_method?, sha?}`.
    MergePull {
        number: u64,
        #[serde(default, deserialize_with = "lenient")]
        merge_method: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        sha: Option<String>,
    },
    /// `POST pulls/{number}/close`.
    ClosePull { number: u64 },
    /// `POST pulls/{number}/revert` `{merge?, merge_method?}`: GitHub's "Revert" button, merged at once with `merge`.
    RevertPull {
        number: u64,
        #[serde(default, deserialize_with = "lenient")]
        merge: Option<bool>,
        #[serde(default, deserialize_with = "lenient")]
        merge_method: Option<String>,
    },
    /// `POST issues` `{title, body?, labels?}`.
    OpenIssue {
        #[serde(default, deserialize_with = "lenient")]
        title: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        body: Option<String>,
        #[serde(default, deserialize_with = "strings")]
        labels: Vec<String>,
    },
    /// `POST issues/{number}/comments` `{body}`.
    Comment {
        number: u64,
        #[serde(default, deserialize_with = "lenient")]
        body: Option<String>,
    },
    /// `PATCH issues/comments/{id}` `{body}`.
    EditComment {
        id: u64,
        #[serde(default, deserialize_with = "lenient")]
        body: Option<String>,
    },
    /// `PUT settings`: the merge settings and `default_branch`, as `PATCH /repos/{o}/{r}` takes them.
    Settings {
        #[serde(flatten)]
        settings: Map<String, Value>,
    },
    /// `POST statuses/{sha}` `{state, context?, description?, target_url?}`, as the REST API takes them.
    Status {
        sha: String,
        #[serde(flatten)]
        status: Map<String, Value>,
    },
    /// `POST check-runs` `{app?, name, head_sha, status?, conclusion?, output?, details_url?}`: a check run by the
    /// App `app` (default: GitHub Actions), the other fields as the REST API takes them.
    CheckRun {
        #[serde(default, deserialize_with = "lenient")]
        app: Option<String>,
        #[serde(flatten)]
        run: Map<String, Value>,
    },
    /// `POST pulls/{number}/reviews` `{event?, body?, commit_id?}`.
    Review {
        number: u64,
        #[serde(default, deserialize_with = "lenient")]
        event: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        body: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        commit_id: Option<String>,
    },
    /// `POST pulls/{number}/comments` `{body, path?, line?, side?, commit_id?, in_reply_to?}`: a review comment
    /// (defaults: the first file the pull request changes and the first line it adds), or a reply.
    ReviewComment {
        number: u64,
        #[serde(default, deserialize_with = "lenient")]
        body: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        path: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        line: Option<u64>,
        #[serde(default, deserialize_with = "lenient")]
        side: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        commit_id: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        in_reply_to: Option<u64>,
    },
    /// `POST deployments` `{ref?, environment?, description?}`.
    Deployment {
        #[serde(rename = "ref", default, deserialize_with = "lenient")]
        git_ref: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        environment: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        description: Option<String>,
    },
    /// `POST deployments/{id}/statuses` `{state, description?, environment?, target_url?, environment_url?}`.
    DeploymentStatus {
        id: u64,
        #[serde(default, deserialize_with = "lenient")]
        state: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        description: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        environment: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        target_url: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        environment_url: Option<String>,
    },
}

/// A field of the wrong type reads as absent.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// The strings of a list (anything else in it, or a value that is no list, is left out).
fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let value = Value::deserialize(d)?;
    Ok(value.as_array().map(|l| l.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default())
}

/// A required string field, with the admin API's refusal when it is absent.
fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, ApiError> {
    value.as_deref().ok_or_else(|| ApiError::unprocessable(&format!("`{name}` (a string) is required")))
}

fn number(text: &str) -> Result<Value, ApiError> {
    text.parse::<u64>().map(Value::from).map_err(|_| ApiError::not_found())
}

impl RepoVerb {
    /// The verb of `method` and `rest` (the path below `/_emulator/repos/{o}/{r}/`), its fields from `body`.
    pub fn parse(method: &str, rest: &[&str], body: &Value) -> Result<RepoVerb, ApiError> {
        let (verb, params) = match (method, rest) {
            ("PUT", ["permissions", login]) => ("permission", json!({"login": login})),
            ("POST", ["push"]) => ("push", json!({})),
            ("POST", ["revert"]) => ("revert", json!({})),
            ("POST", ["pulls"]) => ("open_pull", json!({})),
            ("POST", ["pulls", n, "merge"]) => ("merge_pull", json!({"number": number(n)?})),
            ("POST", ["pulls", n, "close"]) => ("close_pull", json!({"number": number(n)?})),
            ("POST", ["pulls", n, "revert"]) => ("revert_pull", json!({"number": number(n)?})),
            ("POST", ["issues"]) => ("open_issue", json!({})),
            ("POST", ["issues", n, "comments"]) => ("comment", json!({"number": number(n)?})),
            ("PATCH", ["issues", "comments", id]) => ("edit_comment", json!({"id": number(id)?})),
            ("PUT", ["settings"]) => ("settings", json!({})),
            ("POST", ["statuses", sha]) => ("status", json!({"sha": sha})),
            ("POST", ["check-runs"]) => ("check_run", json!({})),
            ("POST", ["pulls", n, "reviews"]) => ("review", json!({"number": number(n)?})),
            ("POST", ["pulls", n, "comments"]) => ("review_comment", json!({"number": number(n)?})),
            ("POST", ["deployments"]) => ("deployment", json!({})),
            ("POST", ["deployments", id, "statuses"]) => ("deployment_status", json!({"id": number(id)?})),
            _ => return Err(ApiError::not_found()),
        };
        let mut fields = body.as_object().cloned().unwrap_or_default();
        fields.extend(params.as_object().cloned().unwrap_or_default());
        fields.insert("verb".to_owned(), json!(verb));
        serde_json::from_value(Value::Object(fields))
            .map_err(|e| ApiError::unprocessable(&format!("not a {verb} request: {e}")))
    }

    /// The HTTP admin request of this verb: its method, its path below `/_emulator/repos/{o}/{r}/`, and its body
    /// (absent fields left out).
    pub fn request(&self) -> (&'static str, String, Value) {
        let (method, path, params): (_, _, &[&str]) = match self {
            RepoVerb::Permission { login, .. } => ("PUT", format!("permissions/{login}"), &["login"]),
            RepoVerb::Push { .. } => ("POST", "push".to_owned(), &[]),
            RepoVerb::Revert { .. } => ("POST", "revert".to_owned(), &[]),
            RepoVerb::OpenPull { .. } => ("POST", "pulls".to_owned(), &[]),
            RepoVerb::MergePull { number, .. } => ("POST", format!("pulls/{number}/merge"), &["number"]),
            RepoVerb::ClosePull { number } => ("POST", format!("pulls/{number}/close"), &["number"]),
            RepoVerb::RevertPull { number, .. } => ("POST", format!("pulls/{number}/revert"), &["number"]),
            RepoVerb::OpenIssue { .. } => ("POST", "issues".to_owned(), &[]),
            RepoVerb::Comment { number, .. } => ("POST", format!("issues/{number}/comments"), &["number"]),
            RepoVerb::EditComment { id, .. } => ("PATCH", format!("issues/comments/{id}"), &["id"]),
            RepoVerb::Settings { .. } => ("PUT", "settings".to_owned(), &[]),
            RepoVerb::Status { sha, .. } => ("POST", format!("statuses/{sha}"), &["sha"]),
            RepoVerb::CheckRun { .. } => ("POST", "check-runs".to_owned(), &[]),
            RepoVerb::Review { number, .. } => ("POST", format!("pulls/{number}/reviews"), &["number"]),
            RepoVerb::ReviewComment { number, .. } => ("POST", format!("pulls/{number}/comments"), &["number"]),
            RepoVerb::Deployment { .. } => ("POST", "deployments".to_owned(), &[]),
            RepoVerb::DeploymentStatus { id, .. } => ("POST", format!("deployments/{id}/statuses"), &["id"]),
        };
        let mut body = match serde_json::to_value(self) {
            Ok(Value::Object(fields)) => fields,
            _ => Map::new(),
        };
        body.retain(|name, value| name != "verb" && !params.contains(&name.as_str()) && !value.is_null());
        (method, path, Value::Object(body))
    }

    /// Does what the verb says, as the context's actor.
    pub fn act(self, ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
        match self {
            RepoVerb::Permission { login, permission } => grant(ctx, &login, &permission),
            RepoVerb::Push { branch, path, content, message, from } => {
                push(ctx, &branch, &path, content, message, from)
            }
            RepoVerb::Revert { branch, sha } => revert(ctx, &branch, &sha),
            RepoVerb::OpenPull { head, base, title, body } => open_pull(ctx, &head, base, &title, body),
            RepoVerb::MergePull { number, merge_method, sha } => merge_pull(ctx, number, merge_method, sha),
            RepoVerb::ClosePull { number } => close_pull(ctx, number),
            RepoVerb::RevertPull { number, merge, merge_method } => revert_pull(ctx, number, merge, merge_method),
            RepoVerb::OpenIssue { title, body, labels } => open_issue(ctx, &title, body, labels),
            RepoVerb::Comment { number, body } => comment(ctx, number, &body),
            RepoVerb::EditComment { id, body } => edit_comment(ctx, id, &body),
            RepoVerb::Settings { settings } => {
                let settings = ctx.update_settings(&Value::Object(settings))?;
                Ok(Reply::ok(json!({"settings": settings})))
            }
            RepoVerb::Status { sha, status } => post_status(ctx, &sha, &Value::Object(status)),
            RepoVerb::CheckRun { app, run } => check_run(ctx, app, &Value::Object(run)),
            RepoVerb::Review { number, event, body, commit_id } => review(ctx, number, event, body, commit_id),
            RepoVerb::ReviewComment { number, body, path, line, side, commit_id, in_reply_to } => {
                let target = CommentTarget { path, line, side, commit_id, in_reply_to };
                review_comment(ctx, number, &body, target)
            }
            RepoVerb::Deployment { git_ref, environment, description } => {
                deployment(ctx, git_ref, environment, description)
            }
            RepoVerb::DeploymentStatus { id, state, description, environment, target_url, environment_url } => {
                let status = NewDeploymentStatus { state, description, environment, target_url, environment_url };
                deployment_status(ctx, id, status)
            }
        }
    }
}

fn grant(ctx: &mut Ctx<'_>, login: &str, permission: &Option<String>) -> Result<Reply, ApiError> {
    let permission = Permission::parse(required(permission, "permission")?)
        .ok_or_else(|| ApiError::unprocessable("permission: one of admin, maintain, write, triage, read, none"))?;
    ctx.st.ensure_user(login);
    ctx.repo_mut().permissions.insert(login.to_owned(), permission);
    Ok(Reply::ok(json!({"login": login, "permission": permission.role_name()})))
}

/// The answer of a push: the new tip, the one before, and the `push` event.
fn pushed(ctx: &mut Ctx<'_>, branch: &str, before: git2::Oid, after: git2::Oid) -> Result<Reply, ApiError> {
    let event = ctx.push_event(branch, before, after)?;
    Ok(Reply::json(
        201,
        json!({"sha": after.to_string(), "before": before.to_string(), "event_path": path_str(&event)}),
    ))
}

fn push(
    ctx: &mut Ctx<'_>,
    branch: &Option<String>,
    path: &Option<String>,
    content: Option<String>,
    message: Option<String>,
    from: Option<String>,
) -> Result<Reply, ApiError> {
    let branch = required(branch, "branch")?;
    let path = required(path, "path")?;
    let message = message.as_deref().unwrap_or("Update file");
    let (before, after) =
        ctx.push_file(branch, path, content.as_deref().map(str::as_bytes), message, from.as_deref())?;
    pushed(ctx, branch, before, after)
}

fn revert(ctx: &mut Ctx<'_>, branch: &Option<String>, sha: &Option<String>) -> Result<Reply, ApiError> {
    let branch = required(branch, "branch")?;
    let (before, after) = ctx.revert_on(branch, required(sha, "sha")?, None)?;
    pushed(ctx, branch, before, after)
}

fn open_pull(
    ctx: &mut Ctx<'_>,
    head: &Option<String>,
    base: Option<String>,
    title: &Option<String>,
    body: Option<String>,
) -> Result<Reply, ApiError> {
    let base = base.unwrap_or_else(|| ctx.repo().default_branch.clone());
    let pr = ctx.open_pull(required(title, "title")?, required(head, "head")?, &base, body, false)?;
    let event = ctx.pull_request_event("opened", &pr)?;
    let pull = ctx.pull_json(&pr)?;
    Ok(Reply::json(201, json!({"pull_request": pull, "event_path": path_str(&event)})))
}

fn merge_pull(ctx: &mut Ctx<'_>, number: u64, method: Option<String>, sha: Option<String>) -> Result<Reply, ApiError> {
    let method = method.as_deref().unwrap_or("merge");
    let (pr, tip, before) = ctx.merge_pull(number, sha.as_deref(), method, None, None)?;
    let closed = ctx.pull_request_event("closed", &pr)?;
    let push = ctx.push_event(&pr.base_ref, before, tip)?;
    Ok(Reply::ok(json!({"sha": tip.to_string(), "event_path": path_str(&closed), "push_event_path": path_str(&push)})))
}

fn close_pull(ctx: &mut Ctx<'_>, number: u64) -> Result<Reply, ApiError> {
    let now = ctx.st.now();
    let stored = ctx.repo_mut().pulls.iter_mut().find(|p| p.number == number).ok_or_else(ApiError::not_found)?;
    if stored.state == "open" {
        stored.state = "closed".to_owned();
        stored.closed_at = Some(now);
        stored.updated_at = now;
    }
    let pr = stored.clone();
    let event = ctx.pull_request_event("closed", &pr)?;
    Ok(Reply::ok(json!({"event_path": path_str(&event)})))
}

/// GitHub's "Revert" button: a branch `revert-N-HEAD` with the revert, and a pull request for it.
fn revert_pull(
    ctx: &mut Ctx<'_>,
    number: u64,
    merge: Option<bool>,
    merge_method: Option<String>,
) -> Result<Reply, ApiError> {
    let pr = ctx.find_pull(number)?;
    let merge_sha =
        pr.merge_commit_sha.clone().ok_or_else(|| ApiError::unprocessable("the pull request is not merged"))?;
    let branch = format!("revert-{}-{}", pr.number, pr.head_ref);
    let git = ctx.git()?;
    let base_tip = git::branch_tip(&git, &pr.base_ref).ok_or_else(|| ApiError::unprocessable("base branch is gone"))?;
    git::set_branch(&git, &branch, base_tip, "revert branch")?;
    let mut events = Vec::new();
    if pr.landed.len() > 1 {
        for sha in pr.landed.iter().rev() {
            ctx.revert_on(&branch, sha, None)?;
        }
    } else {
        ctx.revert_on(&branch, &merge_sha, None)?;
    }
    let title = format!("Revert \"{}\"", pr.title);
    let body_text = format!("Reverts {}#{}", ctx.key, pr.number);
    let revert_pr = ctx.open_pull(&title, &branch, &pr.base_ref, Some(body_text), false)?;
    events.push(path_str(&ctx.pull_request_event("opened", &revert_pr)?));
    let mut reply = json!({"number": revert_pr.number, "branch": branch});
    if merge.unwrap_or(false) {
        let method = merge_method.as_deref().unwrap_or("merge");
        let (merged, tip, before) = ctx.merge_pull(revert_pr.number, None, method, None, None)?;
        events.push(path_str(&ctx.pull_request_event("closed", &merged)?));
        events.push(path_str(&ctx.push_event(&merged.base_ref, before, tip)?));
        reply["sha"] = json!(tip.to_string());
    }
    let final_pr = ctx.find_pull(revert_pr.number)?;
    reply["pull_request"] = ctx.pull_json(&final_pr)?;
    let last = events.last().cloned().unwrap_or(Value::Null);
    reply["event_paths"] = Value::Array(events);
    reply["event_path"] = last;
    Ok(Reply::json(201, reply))
}

fn open_issue(
    ctx: &mut Ctx<'_>,
    title: &Option<String>,
    body: Option<String>,
    labels: Vec<String>,
) -> Result<Reply, ApiError> {
    let number = ctx.create_issue(required(title, "title")?.to_owned(), body, labels);
    Ok(Reply::json(201, json!({"issue": ctx.issue_json(number)?})))
}

fn comment(ctx: &mut Ctx<'_>, number: u64, body: &Option<String>) -> Result<Reply, ApiError> {
    let comment = ctx.create_comment(number, required(body, "body")?)?;
    let event = ctx.issue_comment_event("created", &comment, None)?;
    let value = ctx.comment_json(&comment);
    Ok(Reply::json(201, json!({"comment": value, "event_path": path_str(&event)})))
}

fn edit_comment(ctx: &mut Ctx<'_>, id: u64, body: &Option<String>) -> Result<Reply, ApiError> {
    let (before, after) = ctx.edit_comment(id, required(body, "body")?)?;
    let event = ctx.issue_comment_event("edited", &after, Some(&before))?;
    let value = ctx.comment_json(&after);
    Ok(Reply::ok(json!({"comment": value, "event_path": path_str(&event)})))
}

fn post_status(ctx: &mut Ctx<'_>, sha: &str, body: &Value) -> Result<Reply, ApiError> {
    let status = ctx.create_status(sha, body)?;
    let event = ctx.status_event(&status)?;
    Ok(Reply::json(201, json!({"status": ctx.status_json(&status, true), "event_path": path_str(&event)})))
}

fn check_run(ctx: &mut Ctx<'_>, app: Option<String>, body: &Value) -> Result<Reply, ApiError> {
    let slug = app.as_deref().unwrap_or(ACTIONS_APP);
    if slug != ACTIONS_APP && !ctx.st.apps.contains_key(slug) {
        return Err(ApiError::new(404, &format!("no App {slug}")));
    }
    let github_app = ensure_app(ctx.st, slug);
    let run = ctx.create_check_run(&github_app.slug, body)?;
    Ok(Reply::json(201, json!({"check_run": ctx.check_run_json(&run)})))
}

fn review(
    ctx: &mut Ctx<'_>,
    number: u64,
    event: Option<String>,
    body: Option<String>,
    commit_id: Option<String>,
) -> Result<Reply, ApiError> {
    let review = ctx.create_review(number, event.as_deref(), body.as_deref(), commit_id.as_deref())?;
    // A submitted review (any `event`) is a `pull_request_review.submitted`; a pending one is no event yet.
    let event = match review.submitted_at {
        Some(_) => path_str(&ctx.review_event("submitted", &review)?),
        None => Value::Null,
    };
    Ok(Reply::json(201, json!({"review": ctx.review_json(&review), "event_path": event})))
}

/// Where a review comment goes: `path` and `line` on `side` at `commit_id`, or a reply to `in_reply_to`.
struct CommentTarget {
    path: Option<String>,
    line: Option<u64>,
    side: Option<String>,
    commit_id: Option<String>,
    in_reply_to: Option<u64>,
}

fn review_comment(
    ctx: &mut Ctx<'_>,
    number: u64,
    body: &Option<String>,
    target: CommentTarget,
) -> Result<Reply, ApiError> {
    let text = required(body, "body")?;
    ctx.refresh_pulls()?;
    let comment = match target.in_reply_to {
        Some(to) => ctx.reply_to_review_comment(number, to, text)?,
        None => {
            let (path, line) = match (target.path, target.line) {
                (Some(path), Some(line)) => (path, line),
                (path, line) => {
                    let (default_path, default_line) = ctx.default_comment_target(number, path.as_deref())?;
                    (default_path, line.unwrap_or(default_line))
                }
            };
            let side = target.side.as_deref().unwrap_or("RIGHT");
            ctx.create_review_comment(number, text, target.commit_id.as_deref(), &path, line, side)?
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
    Ok(Reply::json(201, json!({"comment": value, "event_path": path_str(&event), "review_event_path": review_event})))
}

fn deployment(
    ctx: &mut Ctx<'_>,
    git_ref: Option<String>,
    environment: Option<String>,
    description: Option<String>,
) -> Result<Reply, ApiError> {
    let git = ctx.git()?;
    let git_ref = git_ref.unwrap_or_else(|| ctx.repo().default_branch.clone());
    let sha = git::resolve(&git, &git_ref).ok_or_else(|| ApiError::unprocessable("no such ref"))?;
    let environment = environment.as_deref().unwrap_or("production");
    let deployment = ctx.create_deployment(sha, git_ref, "deploy", environment, description.as_deref(), json!({}));
    let creator = ctx.actor.clone();
    Ok(Reply::json(201, json!({"deployment": ctx.urls.deployment(ctx.repo(), &deployment, &creator)})))
}

/// A deployment status as the admin verb gives it.
struct NewDeploymentStatus {
    state: Option<String>,
    description: Option<String>,
    environment: Option<String>,
    target_url: Option<String>,
    environment_url: Option<String>,
}

fn deployment_status(ctx: &mut Ctx<'_>, id: u64, status: NewDeploymentStatus) -> Result<Reply, ApiError> {
    let created = ctx.create_deployment_status(
        id,
        required(&status.state, "state")?,
        status.description.as_deref().unwrap_or(""),
        status.environment.as_deref(),
        status.target_url.as_deref().unwrap_or(""),
        status.environment_url.as_deref().unwrap_or(""),
    )?;
    let deployment = ctx.find_deployment(id)?;
    let event = ctx.deployment_status_event(&deployment, &created)?;
    let creator = ctx.actor.clone();
    let value = ctx.urls.deployment_status(ctx.repo(), &deployment, &created, &creator);
    Ok(Reply::json(201, json!({"deployment_status": value, "event_path": path_str(&event)})))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::RepoVerb;

    fn some(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    /// What the typed client sends is what the admin API reads back, for every verb.
    #[test]
    fn every_verb_reads_back_from_its_own_request() {
        let fields = |v: serde_json::Value| v.as_object().cloned().unwrap_or_default();
        let verbs = [
            RepoVerb::Permission { login: "ana".to_owned(), permission: some("write") },
            RepoVerb::Push { branch: some("main"), path: some("a.txt"), content: None, message: some("m"), from: None },
            RepoVerb::Revert { branch: some("main"), sha: some("abc") },
            RepoVerb::OpenPull { head: some("f"), base: None, title: some("T"), body: some("B") },
            RepoVerb::MergePull { number: 3, merge_method: some("squash"), sha: None },
            RepoVerb::ClosePull { number: 3 },
            RepoVerb::RevertPull { number: 1, merge: Some(true), merge_method: None },
            RepoVerb::OpenIssue { title: some("down"), body: None, labels: vec!["incident".to_owned()] },
            RepoVerb::Comment { number: 2, body: some("/drill ack") },
            RepoVerb::EditComment { id: 1001, body: some("/drill revert") },
            RepoVerb::Settings { settings: fields(json!({"allow_merge_commit": false})) },
            RepoVerb::Status { sha: "abc".to_owned(), status: fields(json!({"state": "success", "context": "ci"})) },
            RepoVerb::CheckRun { app: some("drill-ci"), run: fields(json!({"name": "ci", "head_sha": "abc"})) },
            RepoVerb::Review { number: 1, event: some("APPROVE"), body: None, commit_id: None },
            RepoVerb::ReviewComment {
                number: 1,
                body: some("why?"),
                path: some("a.txt"),
                line: Some(3),
                side: None,
                commit_id: None,
                in_reply_to: Some(7),
            },
            RepoVerb::Deployment { git_ref: some("main"), environment: some("staging"), description: None },
            RepoVerb::DeploymentStatus {
                id: 9,
                state: some("success"),
                description: None,
                environment: None,
                target_url: some("https://ci"),
                environment_url: None,
            },
        ];
        for verb in verbs {
            let (method, path, body) = verb.request();
            let rest: Vec<&str> = path.split('/').collect();
            assert_eq!(RepoVerb::parse(method, &rest, &body).ok(), Some(verb.clone()), "{method} {path} {body}");
        }
    }

    #[test]
    fn a_field_of_the_wrong_type_reads_as_absent_and_the_path_wins() {
        let body = json!({"branch": 5, "path": "a.txt", "content": null, "as": "ana"});
        let push = RepoVerb::parse("POST", &["push"], &body).ok();
        let expected = RepoVerb::Push { branch: None, path: some("a.txt"), content: None, message: None, from: None };
        assert_eq!(push, Some(expected));
        let comment = RepoVerb::parse("POST", &["issues", "2", "comments"], &json!({"number": 9, "body": "x"})).ok();
        assert_eq!(comment, Some(RepoVerb::Comment { number: 2, body: some("x") }));
        assert!(RepoVerb::parse("POST", &["issues", "two", "comments"], &json!({})).is_err_and(|e| e.status == 404));
        assert!(RepoVerb::parse("POST", &["nothing"], &json!({})).is_err_and(|e| e.status == 404));
    }
}
