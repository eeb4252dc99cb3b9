//! GitHub's JSON shapes, built from the emulator's objects: the fields and nesting follow the schemas of GitHub's
//! OpenAPI description (`simple-user`, `full-repository`, `pull-request`, `issue`, ...).

mod rails;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::state::{Comment, Deployment, DeploymentStatus, Issue, Pull, Reaction, Repo, ReviewComment, User};

/// The fields of a repository GitHub shows only to users who can push to it (and to webhooks).
pub const MERGE_SETTINGS: [&str; 11] = [
    "allow_rebase_merge",
    "allow_squash_merge",
    "allow_merge_commit",
    "allow_update_branch",
    "allow_auto_merge",
    "delete_branch_on_merge",
    "squash_merge_commit_title",
    "squash_merge_commit_message",
    "merge_commit_title",
    "merge_commit_message",
    "use_squash_pr_title_as_default",
];

/// Removes the merge settings from every repository inside `value`, as GitHub answers a reader without push access.
pub fn hide_merge_settings(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("full_name") && map.contains_key("allow_merge_commit") {
                for field in MERGE_SETTINGS {
                    map.remove(field);
                }
            }
            map.values_mut().for_each(hide_merge_settings);
        }
        Value::Array(items) => items.iter_mut().for_each(hide_merge_settings),
        _ => {}
    }
}

/// The base URL every `url` field starts with (the emulator's own address).
#[derive(Debug, Clone)]
pub struct Urls {
    pub base: String,
}

pub fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn node_id(kind: &str, id: u64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("0:{kind}{id}"))
}

impl Urls {
    pub fn api(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn user(&self, user: &User) -> Value {
        let login = &user.login;
        let u = self.api(&format!("/users/{login}"));
        json!({
            "login": login,
            "id": user.id,
            "node_id": node_id("User", user.id),
            "avatar_url": format!("{}/avatars/{login}", self.base),
            "gravatar_id": "",
            "url": u,
            "html_url": format!("{}/{login}", self.base),
            "followers_url": format!("{u}/followers"),
            "following_url": format!("{u}/following{{/other_user}}"),
            "gists_url": format!("{u}/gists{{/gist_id}}"),
            "starred_url": format!("{u}/starred{{/owner}}{{/repo}}"),
            "subscriptions_url": format!("{u}/subscriptions"),
            "organizations_url": format!("{u}/orgs"),
            "repos_url": format!("{u}/repos"),
            "events_url": format!("{u}/events{{/privacy}}"),
            "received_events_url": format!("{u}/received_events"),
            "type": user.kind,
            "user_view_type": "public",
            "site_admin": false,
        })
    }

    /// `private-user`: the authenticated user as `GET /user` describes it.
    pub fn private_user(&self, user: &User) -> Value {
        let mut v = self.user(user);
        let extra = json!({
            "name": user.name,
            "company": null,
            "blog": "",
            "location": null,
            "email": null,
            "hireable": null,
            "bio": null,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
            "private_gists": 0,
            "total_private_repos": 0,
            "owned_private_repos": 0,
            "disk_usage": 0,
            "collaborators": 0,
            "two_factor_authentication": true,
        });
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        v
    }

    /// `full-repository` (a superset of `repository` and `minimal-repository`).
    pub fn repo(&self, repo: &Repo, owner: &User, pushed_at: Timestamp, open_issues: usize) -> Value {
        let full = repo.full_name();
        let u = self.api(&format!("/repos/{full}"));
        let html = format!("{}/{full}", self.base);
        json!({
            "id": repo.id,
            "node_id": node_id("Repository", repo.id),
            "name": repo.name,
            "full_name": full,
            "private": repo.private,
            "owner": self.user(owner),
            "html_url": html,
            "description": null,
            "fork": false,
            "url": u,
            "archive_url": format!("{u}/{{archive_format}}{{/ref}}"),
            "assignees_url": format!("{u}/assignees{{/user}}"),
            "blobs_url": format!("{u}/git/blobs{{/sha}}"),
            "branches_url": format!("{u}/branches{{/branch}}"),
            "collaborators_url": format!("{u}/collaborators{{/collaborator}}"),
            "comments_url": format!("{u}/comments{{/number}}"),
            "commits_url": format!("{u}/commits{{/sha}}"),
            "compare_url": format!("{u}/compare/{{base}}...{{head}}"),
            "contents_url": format!("{u}/contents/{{+path}}"),
            "contributors_url": format!("{u}/contributors"),
            "deployments_url": format!("{u}/deployments"),
            "downloads_url": format!("{u}/downloads"),
            "events_url": format!("{u}/events"),
            "forks_url": format!("{u}/forks"),
            "git_commits_url": format!("{u}/git/commits{{/sha}}"),
            "git_refs_url": format!("{u}/git/refs{{/sha}}"),
            "git_tags_url": format!("{u}/git/tags{{/sha}}"),
            "git_url": format!("{html}.git"),
            "issue_comment_url": format!("{u}/issues/comments{{/number}}"),
            "issue_events_url": format!("{u}/issues/events{{/number}}"),
            "issues_url": format!("{u}/issues{{/number}}"),
            "keys_url": format!("{u}/keys{{/key_id}}"),
            "labels_url": format!("{u}/labels{{/name}}"),
            "languages_url": format!("{u}/languages"),
            "merges_url": format!("{u}/merges"),
            "milestones_url": format!("{u}/milestones{{/number}}"),
            "notifications_url": format!("{u}/notifications{{?since,all,participating}}"),
            "pulls_url": format!("{u}/pulls{{/number}}"),
            "releases_url": format!("{u}/releases{{/id}}"),
            "ssh_url": format!("git@localhost:{full}.git"),
            "stargazers_url": format!("{u}/stargazers"),
            "statuses_url": format!("{u}/statuses/{{sha}}"),
            "subscribers_url": format!("{u}/subscribers"),
            "subscription_url": format!("{u}/subscription"),
            "tags_url": format!("{u}/tags"),
            "teams_url": format!("{u}/teams"),
            "trees_url": format!("{u}/git/trees{{/sha}}"),
            "clone_url": format!("{html}.git"),
            "mirror_url": null,
            "hooks_url": format!("{u}/hooks"),
            "svn_url": html,
            "homepage": null,
            "language": null,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "size": 0,
            "default_branch": repo.default_branch,
            "open_issues_count": open_issues,
            "is_template": false,
            "topics": [],
            "has_issues": true,
            "has_projects": true,
            "has_wiki": true,
            "has_pages": false,
            "has_downloads": true,
            "has_discussions": false,
            "archived": false,
            "disabled": false,
            "visibility": if repo.private { "private" } else { "public" },
            "pushed_at": ts(pushed_at),
            "created_at": ts(repo.created_at),
            "updated_at": ts(pushed_at),
            "allow_rebase_merge": repo.settings.allow_rebase_merge,
            "allow_squash_merge": repo.settings.allow_squash_merge,
            "allow_merge_commit": repo.settings.allow_merge_commit,
            "allow_update_branch": repo.settings.allow_update_branch,
            "squash_merge_commit_title": repo.settings.squash_merge_commit_title,
            "squash_merge_commit_message": repo.settings.squash_merge_commit_message,
            "merge_commit_title": repo.settings.merge_commit_title,
            "merge_commit_message": repo.settings.merge_commit_message,
            "allow_auto_merge": repo.settings.allow_auto_merge,
            "delete_branch_on_merge": repo.settings.delete_branch_on_merge,
            "allow_forking": true,
            "web_commit_signoff_required": false,
            "license": null,
            "forks": 0,
            "open_issues": open_issues,
            "watchers": 0,
            "network_count": 0,
            "subscribers_count": 0,
        })
    }

    pub fn reactions_rollup(&self, url: &str, reactions: &[Reaction]) -> Value {
        let count = |c: &str| reactions.iter().filter(|r| r.content == c).count();
        json!({
            "url": url,
            "total_count": reactions.len(),
            "+1": count("+1"),
            "-1": count("-1"),
            "laugh": count("laugh"),
            "confused": count("confused"),
            "heart": count("heart"),
            "hooray": count("hooray"),
            "eyes": count("eyes"),
            "rocket": count("rocket"),
        })
    }

    pub fn pull(
        &self,
        repo: &Repo,
        repo_json: &Value,
        pr: &Pull,
        user: &User,
        merged_by: Option<&User>,
        view: &PullView,
    ) -> Value {
        let full = repo.full_name();
        let u = self.api(&format!("/repos/{full}/pulls/{}", pr.number));
        let issue_url = self.api(&format!("/repos/{full}/issues/{}", pr.number));
        let html = format!("{}/{full}/pull/{}", self.base, pr.number);
        let owner = repo_json["owner"].clone();
        let side = |r: &str, sha: &str| {
            json!({
                "label": format!("{}:{r}", repo.owner),
                "ref": r,
                "sha": sha,
                "user": owner,
                "repo": repo_json,
            })
        };
        let merged = pr.merged_at.is_some();
        json!({
            "url": u,
            "id": pr.id,
            "node_id": node_id("PullRequest", pr.id),
            "html_url": html,
            "diff_url": format!("{html}.diff"),
            "patch_url": format!("{html}.patch"),
            "issue_url": issue_url,
            "number": pr.number,
            "state": pr.state,
            "locked": false,
            "title": pr.title,
            "user": self.user(user),
            "body": pr.body,
            "created_at": ts(pr.created_at),
            "updated_at": ts(pr.updated_at),
            "closed_at": pr.closed_at.map(ts),
            "merged_at": pr.merged_at.map(ts),
            "merge_commit_sha": pr.merge_commit_sha,
            "assignee": null,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "labels": [],
            "milestone": null,
            "draft": pr.draft,
            "commits_url": format!("{u}/commits"),
            "review_comments_url": format!("{u}/comments"),
            "review_comment_url": self.api(&format!("/repos/{full}/pulls/comments{{/number}}")),
            "comments_url": format!("{issue_url}/comments"),
            "statuses_url": self.api(&format!("/repos/{full}/statuses/{}", pr.head_sha)),
            "head": side(&pr.head_ref, &pr.head_sha),
            "base": side(&pr.base_ref, &view.base_sha),
            "_links": {
                "self": {"href": u},
                "html": {"href": html},
                "issue": {"href": issue_url},
                "comments": {"href": format!("{issue_url}/comments")},
                "review_comments": {"href": format!("{u}/comments")},
                "review_comment": {"href": self.api(&format!("/repos/{full}/pulls/comments{{/number}}"))},
                "commits": {"href": format!("{u}/commits")},
                "statuses": {"href": self.api(&format!("/repos/{full}/statuses/{}", pr.head_sha))},
            },
            "author_association": view.association,
            "auto_merge": null,
            "active_lock_reason": null,
            "merged": merged,
            "mergeable": view.mergeable,
            "rebaseable": view.mergeable,
            "mergeable_state": view.mergeable_state,
            "merged_by": merged_by.map(|u| self.user(u)),
            "comments": view.comments,
            "review_comments": view.review_comments,
            "maintainer_can_modify": false,
            "commits": view.commits,
            "additions": view.additions,
            "deletions": view.deletions,
            "changed_files": view.changed_files,
        })
    }

    /// An issue; a pull request seen through the issues API carries `pull_request`.
    pub fn issue(&self, repo: &Repo, issue: &IssueLike<'_>, user: &User, comments: usize, association: &str) -> Value {
        let full = repo.full_name();
        let u = self.api(&format!("/repos/{full}/issues/{}", issue.number));
        let kind = if issue.pull.is_some() { "pull" } else { "issues" };
        let html = format!("{}/{full}/{kind}/{}", self.base, issue.number);
        let labels: Vec<Value> = issue
            .labels
            .iter()
            .map(|name| {
                let id = label_id(name);
                json!({
                    "id": id,
                    "node_id": node_id("Label", id),
                    "url": self.api(&format!("/repos/{full}/labels/{name}")),
                    "name": name,
                    "description": null,
                    "color": "ededed",
                    "default": false,
                })
            })
            .collect();
        let mut value = json!({
            "id": issue.id,
            "node_id": node_id("Issue", issue.id),
            "url": u,
            "repository_url": self.api(&format!("/repos/{full}")),
            "labels_url": format!("{u}/labels{{/name}}"),
            "comments_url": format!("{u}/comments"),
            "events_url": format!("{u}/events"),
            "html_url": html,
            "number": issue.number,
            "state": issue.state,
            "state_reason": null,
            "title": issue.title,
            "body": issue.body,
            "user": self.user(user),
            "labels": labels,
            "assignee": null,
            "assignees": [],
            "milestone": null,
            "locked": false,
            "active_lock_reason": null,
            "comments": comments,
            "closed_at": issue.closed_at.map(ts),
            "created_at": ts(issue.created_at),
            "updated_at": ts(issue.updated_at),
            "author_association": association,
            "reactions": self.reactions_rollup(&format!("{u}/reactions"), &[]),
            "timeline_url": format!("{u}/timeline"),
            "performed_via_github_app": null,
        });
        if let Some(merged_at) = issue.pull {
            let pu = self.api(&format!("/repos/{full}/pulls/{}", issue.number));
            value["pull_request"] = json!({
                "url": pu,
                "html_url": html,
                "diff_url": format!("{html}.diff"),
                "patch_url": format!("{html}.patch"),
                "merged_at": merged_at.map(ts),
            });
            value["draft"] = json!(false);
        }
        value
    }

    pub fn comment(&self, repo: &Repo, comment: &Comment, user: &User, is_pull: bool, association: &str) -> Value {
        let full = repo.full_name();
        let u = self.api(&format!("/repos/{full}/issues/comments/{}", comment.id));
        let kind = if is_pull { "pull" } else { "issues" };
        json!({
            "id": comment.id,
            "node_id": node_id("IssueComment", comment.id),
            "url": u,
            "html_url": format!("{}/{full}/{kind}/{}#issuecomment-{}", self.base, comment.number, comment.id),
            "body": comment.body,
            "user": self.user(user),
            "created_at": ts(comment.created_at),
            "updated_at": ts(comment.updated_at),
            "issue_url": self.api(&format!("/repos/{full}/issues/{}", comment.number)),
            "author_association": association,
            "reactions": self.reactions_rollup(&format!("{u}/reactions"), &comment.reactions),
            "performed_via_github_app": null,
        })
    }

    /// `pull-request-review-comment`: a comment on one line of a pull request's diff.
    pub fn review_comment(&self, repo: &Repo, comment: &ReviewComment, user: &User, association: &str) -> Value {
        let full = repo.full_name();
        let u = self.api(&format!("/repos/{full}/pulls/comments/{}", comment.id));
        let html = format!("{}/{full}/pull/{}#discussion_r{}", self.base, comment.number, comment.id);
        let pull = self.api(&format!("/repos/{full}/pulls/{}", comment.number));
        let mut value = json!({
            "url": u,
            "pull_request_review_id": comment.review_id,
            "id": comment.id,
            "node_id": node_id("PullRequestReviewComment", comment.id),
            "diff_hunk": comment.diff_hunk,
            "path": comment.path,
            "position": comment.position,
            "original_position": comment.position,
            "commit_id": comment.commit_id,
            "original_commit_id": comment.original_commit_id,
            "user": self.user(user),
            "body": comment.body,
            "created_at": ts(comment.created_at),
            "updated_at": ts(comment.updated_at),
            "html_url": html,
            "pull_request_url": pull,
            "author_association": association,
            "_links": {"self": {"href": u}, "html": {"href": html}, "pull_request": {"href": pull}},
            "reactions": self.reactions_rollup(&format!("{u}/reactions"), &comment.reactions),
            "start_line": null,
            "original_start_line": null,
            "start_side": null,
            "line": comment.line,
            "original_line": comment.line,
            "side": comment.side,
            "subject_type": "line",
        });
        // GitHub leaves `in_reply_to_id` out of a thread's first comment.
        if let Some(root) = comment.in_reply_to_id {
            value["in_reply_to_id"] = json!(root);
        }
        value
    }

    pub fn reaction(&self, reaction: &Reaction, user: &User) -> Value {
        json!({
            "id": reaction.id,
            "node_id": node_id("Reaction", reaction.id),
            "user": self.user(user),
            "content": reaction.content,
            "created_at": ts(reaction.created_at),
        })
    }

    pub fn deployment(&self, repo: &Repo, deployment: &Deployment, creator: &User) -> Value {
        let full = repo.full_name();
        let u = self.api(&format!("/repos/{full}/deployments/{}", deployment.id));
        json!({
            "url": u,
            "id": deployment.id,
            "node_id": node_id("Deployment", deployment.id),
            "sha": deployment.sha,
            "ref": deployment.git_ref,
            "task": deployment.task,
            "payload": deployment.payload,
            "original_environment": deployment.environment,
            "environment": deployment.environment,
            "description": deployment.description,
            "creator": self.user(creator),
            "created_at": ts(deployment.created_at),
            "updated_at": ts(deployment.updated_at),
            "statuses_url": format!("{u}/statuses"),
            "repository_url": self.api(&format!("/repos/{full}")),
            "transient_environment": false,
            "production_environment": deployment.environment == "production",
            "performed_via_github_app": null,
        })
    }

    pub fn deployment_status(
        &self,
        repo: &Repo,
        deployment: &Deployment,
        status: &DeploymentStatus,
        creator: &User,
    ) -> Value {
        let full = repo.full_name();
        let du = self.api(&format!("/repos/{full}/deployments/{}", deployment.id));
        json!({
            "url": format!("{du}/statuses/{}", status.id),
            "id": status.id,
            "node_id": node_id("DeploymentStatus", status.id),
            "state": status.state,
            "creator": self.user(creator),
            "description": status.description,
            "environment": status.environment,
            "target_url": status.target_url,
            "created_at": ts(status.created_at),
            "updated_at": ts(status.updated_at),
            "deployment_url": du,
            "repository_url": self.api(&format!("/repos/{full}")),
            "environment_url": status.environment_url,
            "log_url": status.log_url,
            "performed_via_github_app": null,
        })
    }
}

/// What a pull request shows beyond its stored fields (computed from the repository at answer time).
#[derive(Debug, Clone)]
pub struct PullView {
    pub base_sha: String,
    pub mergeable: Option<bool>,
    pub mergeable_state: String,
    pub association: String,
    pub comments: usize,
    pub review_comments: usize,
    pub commits: usize,
    pub additions: usize,
    pub deletions: usize,
    pub changed_files: usize,
}

/// An issue or a pull request seen as an issue.
pub struct IssueLike<'a> {
    pub id: u64,
    pub number: u64,
    pub title: &'a str,
    pub body: Option<&'a str>,
    pub labels: &'a [String],
    pub state: &'a str,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    /// `Some(merged_at)` for a pull request.
    pub pull: Option<Option<Timestamp>>,
}

impl<'a> From<&'a Issue> for IssueLike<'a> {
    fn from(i: &'a Issue) -> IssueLike<'a> {
        IssueLike {
            id: i.id,
            number: i.number,
            title: &i.title,
            body: i.body.as_deref(),
            labels: &i.labels,
            state: &i.state,
            created_at: i.created_at,
            updated_at: i.updated_at,
            closed_at: i.closed_at,
            pull: None,
        }
    }
}

impl<'a> From<&'a Pull> for IssueLike<'a> {
    fn from(p: &'a Pull) -> IssueLike<'a> {
        IssueLike {
            id: p.id + 500_000_000,
            number: p.number,
            title: &p.title,
            body: p.body.as_deref(),
            labels: &[],
            state: &p.state,
            created_at: p.created_at,
            updated_at: p.updated_at,
            closed_at: p.closed_at,
            pull: Some(p.merged_at),
        }
    }
}

fn label_id(name: &str) -> u64 {
    // A stable id per label name (FNV-1a).
    name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)) >> 20
}
