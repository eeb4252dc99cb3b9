//! The event that started the workflow (`GITHUB_EVENT_NAME` and the JSON at `GITHUB_EVENT_PATH`), as what
//! firedrill should do about it.

use jiff::Timestamp;
use serde_json::Value;

/// What a workflow run asks firedrill to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A scheduled run: do whatever is due.
    Tick,
    /// A manual run (`workflow_dispatch`).
    Dispatch(Dispatch),
    /// A comment on an issue or pull request that may hold `/drill` commands.
    Command(Comment),
    /// Something happened on a repository (a pull request closed or merged, a push): look for recovery now.
    Observe(Observe),
    /// Alert notifications relayed as a `repository_dispatch` (its `client_payload`): recorded on the drills
    /// whose window and `observe.alerts` they match, then whatever else is due.
    Alerts(crate::observe::push::Pushed),
    /// An event firedrill has nothing to do for; the reason is shown in the log.
    Ignored(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchMode {
    /// Act now (for one scenario when `scenario` is given).
    Run,
    /// Show what the scenario would do; write nothing.
    Preview,
}

/// The inputs of a manual run that firedrill reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch {
    pub scenario: Option<String>,
    pub mode: DispatchMode,
    pub now: Option<Timestamp>,
    /// A drill command given by hand (`revert`, `abort`, `status`), with the drill it is about.
    pub command: Option<String>,
    pub drill: Option<String>,
    /// A comment relayed from the target repository (`comment-repository`, `comment-id`): only its id and where
    /// it is are taken from the dispatch; the comment itself is read back through the API.
    pub comment: Option<(String, u64)>,
    /// With `comment`: it is a review's body, on this pull request (`review-of`).
    pub review_of: Option<u64>,
}

/// A new comment. The body is data: it is parsed, never run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub body: String,
    pub author: String,
    /// The issue or pull request number.
    pub issue: u64,
    pub is_pr: bool,
    /// The repository it was made in (`owner/name`): the drill's target when the workflow runs there.
    pub repository: Option<String>,
    /// A review's body (`pull_request_review` submitted, "Review changes → Comment"), not a comment: the number of
    /// the pull request it reviews, where it is read back.
    pub review_of: Option<u64>,
}

/// A repository event that can show a drill's recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observe {
    /// `owner/name`.
    pub repository: Option<String>,
    /// For people: `pull request #3 closed (merged)`, `push to refs/heads/main`.
    pub what: String,
    pub pull_request: Option<u64>,
    pub merged: bool,
    pub git_ref: Option<String>,
    pub after: Option<String>,
}

/// A payload that lacks what its event must have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {event} event payload {message}")]
pub struct EventError {
    pub event: String,
    pub message: String,
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Reads the `workflow_dispatch` input `name`: GitHub sends strings, booleans and numbers as they were typed.
fn dispatch_input(v: &Value, name: &str) -> Option<String> {
    let s = match v.pointer(&format!("/inputs/{name}"))? {
        Value::String(s) => s.trim().to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// At most 60 characters of an input, for an error message (inputs are anyone's text).
fn short(text: &str) -> String {
    text.chars().take(60).collect()
}

/// `owner/name` as GitHub spells repositories.
fn is_repository_name(text: &str) -> bool {
    let ok = |part: &str| {
        !part.is_empty() && part.len() <= 100 && part.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    text.split_once('/').is_some_and(|(o, n)| ok(o) && ok(n))
}

/// The event a payload is of, from the fields only that event has; `None` when it does not say (a scheduled
/// run's payload may be `{}`: name it).
pub fn guess_name(payload: &Value) -> Option<String> {
    let has = |p: &str| payload.pointer(p).is_some();
    let name = if has("/schedule") {
        "schedule"
    } else if has("/inputs") || (has("/workflow") && has("/ref")) {
        "workflow_dispatch"
    } else if has("/review") {
        "pull_request_review"
    } else if has("/comment") {
        if has("/pull_request") { "pull_request_review_comment" } else { "issue_comment" }
    } else if has("/pull_request") {
        "pull_request"
    } else if has("/ref") && has("/after") {
        "push"
    } else {
        return None;
    };
    Some(name.to_owned())
}

/// Turns an event into a trigger. `payload` is `Value::Null` when there is no event file.
pub fn parse(event_name: &str, payload: &Value) -> Result<Trigger, EventError> {
    let err = |message: String| EventError { event: event_name.to_owned(), message };
    let repository = str_at(payload, "/repository/full_name").map(str::to_owned);
    match event_name {
        // A scheduled run's file has only `schedule` (older runners) or a few more fields; neither matters.
        "schedule" => Ok(Trigger::Tick),
        "workflow_dispatch" => {
            let mode = match dispatch_input(payload, "mode").as_deref() {
                None | Some("run") => DispatchMode::Run,
                Some("preview") => DispatchMode::Preview,
                Some(other) => return Err(err(format!("has input mode `{other}`: use `run` or `preview`"))),
            };
            let now = match dispatch_input(payload, "now") {
                None => None,
                Some(n) => Some(n.parse::<Timestamp>().map_err(|e| {
                    err(format!(
                        "has input now `{n}`, which is not an RFC 3339 instant ({e}): write e.g. 2026-11-24T09:00:00Z"
                    ))
                })?),
            };
            let comment = match (dispatch_input(payload, "comment-repository"), dispatch_input(payload, "comment-id")) {
                (None, None) => None,
                (Some(repo), Some(id)) => {
                    let id = id.parse::<u64>().map_err(|_| {
                        err(format!("has input comment-id `{}`, which is not a comment id (a number)", short(&id)))
                    })?;
                    if !is_repository_name(&repo) {
                        return Err(err(format!(
                            "has input comment-repository `{}`, which is not an owner/name",
                            short(&repo)
                        )));
                    }
                    Some((repo, id))
                }
                _ => return Err(err("has only one of comment-repository and comment-id: a relay sends both".into())),
            };
            let review_of = match dispatch_input(payload, "review-of") {
                None => None,
                Some(n) => Some(n.parse::<u64>().map_err(|_| {
                    err(format!("has input review-of `{}`, which is not a pull request number", short(&n)))
                })?),
            };
            if review_of.is_some() && comment.is_none() {
                return Err(err("has review-of without comment-repository and comment-id".into()));
            }
            Ok(Trigger::Dispatch(Dispatch {
                review_of,
                scenario: dispatch_input(payload, "scenario"),
                mode,
                now,
                command: dispatch_input(payload, "command"),
                drill: dispatch_input(payload, "drill"),
                comment,
            }))
        }
        "issue_comment" | "pull_request_review_comment" => {
            // A comment on a line of the diff (a review comment), where responders look at the suspicious change,
            // is the same command channel as the conversation's comments.
            let review = event_name == "pull_request_review_comment";
            let action = str_at(payload, "/action").unwrap_or("");
            if action != "created" {
                let what = if review { "a review comment" } else { "a comment" };
                return Ok(Trigger::Ignored(format!("{what} was {action}: only new comments are commands")));
            }
            let id = payload
                .pointer("/comment/id")
                .and_then(Value::as_u64)
                .ok_or_else(|| err("has no comment.id".into()))?;
            let body = str_at(payload, "/comment/body").unwrap_or("").to_owned();
            let author =
                str_at(payload, "/comment/user/login").ok_or_else(|| err("has no comment.user.login".into()))?;
            let (pointer, field) =
                if review { ("/pull_request/number", "pull_request") } else { ("/issue/number", "issue") };
            let issue = payload
                .pointer(pointer)
                .and_then(Value::as_u64)
                .ok_or_else(|| err(format!("has no {field}.number")))?;
            let is_pr = review || payload.pointer("/issue/pull_request").is_some_and(|p| !p.is_null());
            Ok(Trigger::Command(Comment {
                id,
                body,
                author: author.to_owned(),
                issue,
                is_pr,
                repository,
                review_of: None,
            }))
        }
        // A review submitted: its line comments arrive as their own events; a body with `/drill` lines is a command
        // like any comment's; otherwise the run looks at the pull request.
        "pull_request_review" => {
            let number = payload
                .pointer("/pull_request/number")
                .and_then(Value::as_u64)
                .ok_or_else(|| err("has no pull_request.number".into()))?;
            let action = str_at(payload, "/action").unwrap_or("");
            let body = str_at(payload, "/review/body").unwrap_or("");
            if action == "submitted" && !crate::drill::command::parse_comment(body).is_empty() {
                let id = payload
                    .pointer("/review/id")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| err("has no review.id".into()))?;
                let author =
                    str_at(payload, "/review/user/login").ok_or_else(|| err("has no review.user.login".into()))?;
                return Ok(Trigger::Command(Comment {
                    id,
                    body: body.to_owned(),
                    author: author.to_owned(),
                    issue: number,
                    is_pr: true,
                    repository,
                    review_of: Some(number),
                }));
            }
            Ok(Trigger::Observe(Observe {
                repository,
                what: format!("a review of pull request #{number} {action}"),
                pull_request: Some(number),
                merged: false,
                git_ref: str_at(payload, "/pull_request/base/ref").map(str::to_owned),
                after: None,
            }))
        }
        "pull_request" | "pull_request_target" => {
            let action = str_at(payload, "/action").unwrap_or("");
            let number = payload
                .pointer("/pull_request/number")
                .or_else(|| payload.pointer("/number"))
                .and_then(Value::as_u64)
                .ok_or_else(|| err("has no pull_request.number".into()))?;
            let merged = payload.pointer("/pull_request/merged").and_then(Value::as_bool).unwrap_or(false);
            let what = format!("pull request #{number} {action}{}", if merged { " (merged)" } else { "" });
            Ok(Trigger::Observe(Observe {
                repository,
                what,
                pull_request: Some(number),
                merged,
                git_ref: str_at(payload, "/pull_request/base/ref").map(str::to_owned),
                after: str_at(payload, "/pull_request/merge_commit_sha").map(str::to_owned),
            }))
        }
        "push" => {
            let git_ref = str_at(payload, "/ref").ok_or_else(|| err("has no ref".into()))?;
            Ok(Trigger::Observe(Observe {
                repository,
                what: format!("push to {git_ref}"),
                pull_request: None,
                merged: false,
                git_ref: Some(git_ref.to_owned()),
                after: str_at(payload, "/after").map(str::to_owned),
            }))
        }
        // What Argo CD, Flux or a deploy workflow report back: a commit went live. The run asks the drill's deploy
        // signals at once (the payload only says which commit; the API is asked, not the payload believed).
        "status" | "deployment_status" | "check_run" => {
            let (label, name_at, state_at, sha_at): (&str, &str, &[&str], &str) = match event_name {
                "status" => ("status", "/context", &["/state"], "/sha"),
                "deployment_status" => {
                    ("deployment to", "/deployment/environment", &["/deployment_status/state"], "/deployment/sha")
                }
                _ => (
                    "check run",
                    "/check_run/name",
                    &["/check_run/conclusion", "/check_run/status"],
                    "/check_run/head_sha",
                ),
            };
            let state = state_at.iter().find_map(|p| str_at(payload, p)).unwrap_or("?");
            let what = format!("{label} {} {state}", str_at(payload, name_at).unwrap_or("?"));
            let sha = str_at(payload, sha_at);
            let what = match sha {
                Some(sha) => format!("{what} on {}", sha.get(..7).unwrap_or(sha)),
                None => what,
            };
            Ok(Trigger::Observe(Observe {
                repository,
                what,
                pull_request: None,
                merged: false,
                git_ref: None,
                after: sha.map(str::to_owned),
            }))
        }
        // A relay (Alertmanager's webhook, a Grafana contact point, a PagerDuty subscription) hands the alert
        // notification over as `client_payload` (or under its `alert` key: GitHub takes at most 10 top-level keys).
        "repository_dispatch" => {
            let kind = str_at(payload, "/action").unwrap_or("");
            let Some(body) = payload.get("client_payload").filter(|b| !b.is_null()) else {
                return Ok(Trigger::Ignored(format!(
                    "the repository_dispatch `{}` carries no client_payload",
                    short(kind)
                )));
            };
            let shaped = ["alerts", "event", "alert"].iter().any(|k| body.get(k).is_some());
            if !shaped {
                return Ok(Trigger::Ignored(format!(
                    "the repository_dispatch `{}` carries no alert notification (`alerts`, `event` or `alert` in client_payload)",
                    short(kind)
                )));
            }
            crate::observe::push::parse(body).map(Trigger::Alerts).map_err(|why| err(format!("client_payload: {why}")))
        }
        other => Ok(Trigger::Ignored(format!("firedrill does nothing on `{other}` events"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::print_stderr)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_gitops_tools_report_back_asks_for_a_run_naming_the_commit() {
        let sha = "0c9c2e41d2f94f9b9c41bebc1984d67a00000001";
        let cases = [
            (
                "status",
                json!({"sha": sha, "context": "continuous-delivery/checkout", "state": "success"}),
                "status continuous-delivery/checkout success on 0c9c2e4",
            ),
            (
                "deployment_status",
                json!({"deployment": {"sha": sha, "environment": "staging"}, "deployment_status": {"state": "success"}}),
                "deployment to staging success on 0c9c2e4",
            ),
            (
                "check_run",
                json!({"check_run": {"name": "deploy", "status": "completed", "conclusion": "success", "head_sha": sha}}),
                "check run deploy success on 0c9c2e4",
            ),
            (
                "check_run",
                json!({"check_run": {"name": "deploy", "status": "in_progress", "conclusion": null}}),
                "check run deploy in_progress",
            ),
        ];
        for (name, payload, what) in cases {
            let Trigger::Observe(o) = parse(name, &payload).unwrap() else { panic!("{name}") };
            assert_eq!(o.what, what);
            assert_eq!(o.after.is_some(), what.contains(" on "), "{name}");
        }
    }

    #[test]
    fn a_review_comment_is_a_command_on_its_pull_request_and_a_review_looks_at_it() {
        let payload = json!({"action": "created", "comment": {"id": 77, "body": "/drill ack", "user": {"login": "ana"}},
            "pull_request": {"number": 3}, "repository": {"full_name": "acme/shop"}});
        let Trigger::Command(c) = parse("pull_request_review_comment", &payload).unwrap() else { panic!() };
        assert_eq!((c.id, c.issue, c.is_pr, c.author.as_str()), (77, 3, true, "ana"));
        let edited = json!({"action": "edited", "comment": {"id": 77}});
        assert!(matches!(parse("pull_request_review_comment", &edited).unwrap(), Trigger::Ignored(_)));
        let review = json!({"action": "submitted", "review": {"id": 9}, "pull_request": {"number": 3},
            "repository": {"full_name": "acme/shop"}});
        let Trigger::Observe(o) = parse("pull_request_review", &review).unwrap() else { panic!() };
        assert_eq!(o.pull_request, Some(3));
        // A review whose body holds `/drill` lines ("Review changes → Comment") is a command, read back as a review.
        let commanding = json!({"action": "submitted", "pull_request": {"number": 3},
            "review": {"id": 9, "body": "Looks odd.\n/drill ack", "user": {"login": "ana"}},
            "repository": {"full_name": "acme/shop"}});
        let Trigger::Command(c) = parse("pull_request_review", &commanding).unwrap() else { panic!() };
        assert_eq!((c.id, c.issue, c.review_of, c.author.as_str()), (9, 3, Some(3), "ana"));
        // Only when submitted: an edited or dismissed review is not read again.
        let edited = json!({"action": "edited", "pull_request": {"number": 3},
            "review": {"id": 9, "body": "/drill ack", "user": {"login": "ana"}}});
        assert!(matches!(parse("pull_request_review", &edited).unwrap(), Trigger::Observe(_)));
    }

    #[test]
    fn repository_dispatch_carries_pushed_alerts_in_its_client_payload() {
        let body = serde_json::json!({"version": "4", "alerts": [
            {"status": "firing", "labels": {"alertname": "CheckoutErrors"}, "startsAt": "2026-11-24T10:19:31Z", "fingerprint": "f1"}]});
        for payload in [
            serde_json::json!({"action": "alert", "client_payload": body.clone()}),
            serde_json::json!({"action": "alert", "client_payload": {"alert": body.clone()}}),
        ] {
            let Trigger::Alerts(p) = parse("repository_dispatch", &payload).unwrap() else { panic!("not alerts") };
            assert_eq!(p.alerts[0].name, "CheckoutErrors");
        }
        let other = serde_json::json!({"action": "deploy", "client_payload": {"env": "staging"}});
        assert!(matches!(parse("repository_dispatch", &other).unwrap(), Trigger::Ignored(_)));
        let bad = serde_json::json!({"action": "alert", "client_payload": {"alerts": "many"}});
        let e = parse("repository_dispatch", &bad).unwrap_err().to_string();
        assert_eq!(e, "the repository_dispatch event payload client_payload: `alerts` is not a list");
    }

    #[test]
    fn schedule_is_a_tick_whatever_the_file_holds() {
        assert_eq!(parse("schedule", &Value::Null).unwrap(), Trigger::Tick);
        assert_eq!(parse("schedule", &json!({"schedule": "*/10 * * * *"})).unwrap(), Trigger::Tick);
    }

    #[test]
    fn dispatch_inputs() {
        let t = parse(
            "workflow_dispatch",
            &json!({"inputs": {"scenario": "redis", "mode": "preview", "now": "2026-11-24T09:00:00Z"}}),
        )
        .unwrap();
        let Trigger::Dispatch(d) = t else { panic!("{t:?}") };
        assert_eq!(d.scenario.as_deref(), Some("redis"));
        assert_eq!(d.mode, DispatchMode::Preview);
        assert_eq!(d.now, Some("2026-11-24T09:00:00Z".parse().unwrap()));
        let e = parse("workflow_dispatch", &json!({"inputs": {"mode": "go"}})).unwrap_err();
        assert_eq!(e.to_string(), "the workflow_dispatch event payload has input mode `go`: use `run` or `preview`");
        let e = parse("workflow_dispatch", &json!({"inputs": {"now": "soon"}})).unwrap_err();
        assert!(e.to_string().contains("now `soon`, which is not an RFC 3339 instant"), "{e}");
    }

    #[test]
    fn comments_need_their_ids_and_edits_are_ignored() {
        let e = parse("issue_comment", &json!({"action": "created", "comment": {"body": "/drill"}})).unwrap_err();
        assert_eq!(e.to_string(), "the issue_comment event payload has no comment.id");
        let t = parse("issue_comment", &json!({"action": "edited"})).unwrap();
        assert!(matches!(t, Trigger::Ignored(_)), "{t:?}");
        assert!(matches!(parse("release", &Value::Null).unwrap(), Trigger::Ignored(_)));
    }

    /// Every payload in `../shared/payloads`, as GitHub sends them.
    #[test]
    fn every_shared_payload() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/payloads");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("skipped: {} is absent", dir.display());
            return;
        };
        let mut names: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        let mut seen = Vec::new();
        for path in names {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let event = file.split('.').next().unwrap();
            let payload: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let t = parse(event, &payload).unwrap_or_else(|e| panic!("{file}: {e}"));
            let shown = match &t {
                Trigger::Tick => "tick".to_owned(),
                Trigger::Dispatch(d) => format!("dispatch {:?} command={:?}", d.mode, d.command),
                Trigger::Command(c) => {
                    format!("comment {} by {} on #{} pr={} body={:?}", c.id, c.author, c.issue, c.is_pr, c.body)
                }
                Trigger::Observe(o) => format!("observe {} in {:?}", o.what, o.repository),
                Trigger::Alerts(p) => format!("alerts {}", p.alerts.len()),
                Trigger::Ignored(r) => format!("ignored: {r}"),
            };
            seen.push(format!("{file}: {shown}"));
        }
        if seen.is_empty() {
            eprintln!("skipped: no payloads in {}", dir.display());
            return;
        }
        let text = seen.join("\n");
        for expected in [
            "issue_comment.created.json: comment ",
            "issue_comment.created.on-pr.derived.json: comment ",
            "pr=true body=\"/drill revert\"",
            "pull_request.closed.merged.derived.json: observe pull request #",
            "closed (merged)",
            "pull_request.opened.json: observe pull request #",
            "push.json: observe push to refs/heads/master",
            "schedule.derived.json: tick",
            "schedule.minimal.json: tick",
            "workflow_dispatch.json: dispatch Run command=None",
            "workflow_dispatch.with-inputs.derived.json: dispatch Run command=Some(\"revert\")",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert!(text.contains("issue_comment.created.json: comment") && text.contains("pr=false"), "{text}");
    }
}
