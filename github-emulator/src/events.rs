//! Webhook payloads as GitHub delivers them (`pull_request`, `push`, `issue_comment`, `deployment_status`, `status`,
//! `pull_request_review_comment`, `pull_request_review`, `workflow_dispatch`), written to files under `DIR/events/`
//! so a test can hand one to a program as `GITHUB_EVENT_PATH`.

use std::path::PathBuf;

use git2::Oid;
use serde_json::{Value, json};

use crate::http::ApiError;
use crate::ops::Ctx;
use crate::shapes::ts;
use crate::state::{Comment, Deployment, DeploymentStatus, Pull, Review, ReviewComment};

impl Ctx<'_> {
    /// Writes `payload` as the next event file and returns its path.
    pub fn write_event(&mut self, name: &str, payload: &Value) -> Result<PathBuf, ApiError> {
        self.st.events_written += 1;
        let dir = self.dir.join("events");
        std::fs::create_dir_all(&dir).map_err(ApiError::internal)?;
        // `EVENT.ACTION.NNNN.json`: the name says what it is (and `gh-openapi-check --webhook auto` reads it).
        let path = dir.join(format!("{name}.{:04}.json", self.st.events_written));
        std::fs::write(&path, serde_json::to_vec_pretty(payload).map_err(ApiError::internal)?)
            .map_err(ApiError::internal)?;
        Ok(path)
    }

    fn sender(&self) -> Value {
        self.urls.user(&self.actor)
    }

    fn webhook_repo(&mut self) -> Result<Value, ApiError> {
        let mut repo = self.repo_json()?;
        if let Some(map) = repo.as_object_mut() {
            for extra in ["network_count", "subscribers_count"] {
                map.remove(extra);
            }
            map.insert("custom_properties".to_owned(), json!({}));
        }
        Ok(repo)
    }

    /// A `workflow_dispatch` run of `workflow` (a file name under `.github/workflows/`) on `git_ref`.
    pub fn workflow_dispatch_event(
        &mut self,
        workflow: &str,
        git_ref: &str,
        inputs: &Value,
    ) -> Result<PathBuf, ApiError> {
        let payload = json!({
            "inputs": inputs,
            "ref": git_ref,
            "repository": self.webhook_repo()?,
            "sender": self.sender(),
            "workflow": format!(".github/workflows/{workflow}"),
        });
        self.write_event("workflow_dispatch", &payload)
    }

    /// A pull request as webhooks show it: with the repositories' custom properties (the REST one has none).
    fn webhook_pull(&mut self, pr: &Pull) -> Result<Value, ApiError> {
        let mut pull_request = self.pull_json(pr)?;
        for side in ["head", "base"] {
            pull_request[side]["repo"]["custom_properties"] = json!({});
        }
        Ok(pull_request)
    }

    pub fn pull_request_event(&mut self, action: &str, pr: &Pull) -> Result<PathBuf, ApiError> {
        let pull_request = self.webhook_pull(pr)?;
        let payload = json!({
            "action": action,
            "number": pr.number,
            "pull_request": pull_request,
            "repository": self.webhook_repo()?,
            "sender": self.sender(),
        });
        self.write_event(&format!("pull_request.{action}"), &payload)
    }

    pub fn issue_comment_event(
        &mut self,
        action: &str,
        comment: &Comment,
        before: Option<&Comment>,
    ) -> Result<PathBuf, ApiError> {
        let issue = self.issue_json(comment.number)?;
        let comment_json = self.comment_json(comment);
        let mut payload = json!({
            "action": action,
            "issue": issue,
            "comment": comment_json,
            "repository": self.webhook_repo()?,
            "sender": self.sender(),
        });
        if let Some(before) = before {
            payload["changes"] = json!({"body": {"from": before.body}});
        }
        self.write_event(&format!("issue_comment.{action}"), &payload)
    }

    /// `pull_request_review_comment` (`created`): the comment, its pull request, the repository, the sender.
    pub fn review_comment_event(&mut self, action: &str, comment: &ReviewComment) -> Result<PathBuf, ApiError> {
        let pr = self.find_pull(comment.number)?;
        let payload = json!({
            "action": action,
            "comment": self.review_comment_json(comment),
            "pull_request": self.webhook_pull(&pr)?,
            "repository": self.webhook_repo()?,
            "sender": self.sender(),
        });
        self.write_event(&format!("pull_request_review_comment.{action}"), &payload)
    }

    /// `pull_request_review` (`submitted`). Webhooks spell the review's `state` in lower case (`approved`,
    /// `changes_requested`, `commented`) and an empty body as null.
    pub fn review_event(&mut self, action: &str, review: &Review) -> Result<PathBuf, ApiError> {
        let pr = self.find_pull(review.number)?;
        let mut review_json = self.review_json(review);
        review_json["state"] = json!(review.state.to_lowercase());
        if review.body.is_empty() {
            review_json["body"] = Value::Null;
        }
        review_json["submitted_at"] = json!(review.submitted_at.map(ts));
        let payload = json!({
            "action": action,
            "review": review_json,
            "pull_request": self.webhook_pull(&pr)?,
            "repository": self.webhook_repo()?,
            "sender": self.sender(),
        });
        self.write_event(&format!("pull_request_review.{action}"), &payload)
    }

    pub fn deployment_status_event(
        &mut self,
        deployment: &Deployment,
        status: &DeploymentStatus,
    ) -> Result<PathBuf, ApiError> {
        let repo = self.repo().clone();
        let creator = self.user(&deployment.creator);
        let status_creator = self.user(&status.creator);
        let payload = json!({
            "action": "created",
            "deployment_status": self.urls.deployment_status(&repo, deployment, status, &status_creator),
            "deployment": self.urls.deployment(&repo, deployment, &creator),
            "repository": self.webhook_repo()?,
            "sender": self.sender(),
        });
        self.write_event("deployment_status.created", &payload)
    }

    /// A `status` event: a commit status was posted (as Argo CD notifications or Flux's notification-controller
    /// post them), with the commit and the branches whose tip it is, as GitHub sends it.
    pub fn status_event(&mut self, status: &crate::state::CommitStatus) -> Result<PathBuf, ApiError> {
        let git = self.git()?;
        let branches: Vec<Value> = git
            .branches(Some(git2::BranchType::Local))
            .map_err(ApiError::git)?
            .filter_map(|b| b.ok())
            .filter_map(|(b, _)| {
                let tip = b.get().target()?.to_string();
                let name = b.name().ok()??.to_owned();
                (tip == status.sha).then(|| json!({"name": name, "commit": {"sha": tip}, "protected": false}))
            })
            .collect();
        let key = self.key.clone();
        let base = self.urls.base.clone();
        let commit = json!({"sha": status.sha, "url": format!("{base}/{key}/commit/{}", status.sha)});
        let payload = json!({
            "id": status.id,
            "sha": status.sha,
            "name": key,
            "target_url": status.target_url,
            "context": status.context,
            "description": status.description,
            "state": status.state,
            "commit": commit,
            "branches": branches,
            "created_at": crate::shapes::ts(status.created_at),
            "updated_at": crate::shapes::ts(status.updated_at),
            "repository": self.webhook_repo()?,
            "sender": self.sender(),
        });
        self.write_event("status", &payload)
    }

    /// A `push` of `branch` from `before` to `after` (zero `before` = a new branch).
    pub fn push_event(&mut self, branch: &str, before: Oid, after: Oid) -> Result<PathBuf, ApiError> {
        let git = self.git()?;
        let commits = if before.is_zero() { vec![after] } else { crate::git::commits_between(&git, before, after)? };
        let key = self.key.clone();
        let base = self.urls.base.clone();
        let commit_json = |oid: Oid| -> Result<Value, ApiError> {
            let commit = git.find_commit(oid).map_err(ApiError::git)?;
            let files = crate::git::changed_files(&git, oid)?;
            let pick =
                |status: &str| files.iter().filter(|f| f.status == status).map(|f| f.path.clone()).collect::<Vec<_>>();
            let person = |sig: git2::Signature<'_>| json!({"name": sig.name().unwrap_or_default(), "email": sig.email().unwrap_or_default(), "username": sig.name().unwrap_or_default()});
            Ok(json!({
                "id": oid.to_string(),
                "tree_id": commit.tree_id().to_string(),
                "distinct": true,
                "message": commit.message().unwrap_or_default(),
                "timestamp": ts(jiff::Timestamp::from_second(commit.committer().when().seconds()).unwrap_or(jiff::Timestamp::UNIX_EPOCH)),
                "url": format!("{base}/{key}/commit/{oid}"),
                "author": person(commit.author()),
                "committer": person(commit.committer()),
                "added": pick("added"),
                "removed": pick("removed"),
                "modified": pick("modified"),
            }))
        };
        let commits_json = commits.iter().map(|c| commit_json(*c)).collect::<Result<Vec<_>, _>>()?;
        let head_commit = commit_json(after)?;
        let mut repository = self.webhook_repo()?;
        let created = self.repo().created_at.as_second();
        let pushed = self.st.now().as_second();
        repository["created_at"] = json!(created);
        repository["pushed_at"] = json!(pushed);
        repository["owner"]["name"] = repository["owner"]["login"].clone();
        repository["owner"]["email"] = Value::Null;
        repository["stargazers"] = json!(0);
        repository["master_branch"] = repository["default_branch"].clone();
        let email = format!("{}+{}@users.noreply.github.com", self.actor.id, self.actor.login);
        let payload = json!({
            "ref": format!("refs/heads/{branch}"),
            "before": before.to_string(),
            "after": after.to_string(),
            "repository": repository,
            "pusher": {"name": self.actor.login, "email": email},
            "sender": self.sender(),
            "created": before.is_zero(),
            "deleted": false,
            "forced": false,
            "base_ref": null,
            "compare": format!("{base}/{key}/compare/{}...{}", &before.to_string()[..12], &after.to_string()[..12]),
            "commits": commits_json,
            "head_commit": head_commit,
        });
        self.write_event("push", &payload)
    }
}
