//! The JSON of GitHub's guard rails and checks: GitHub Apps (`integration`), branch protection, branches, rulesets,
//! reviews, commit statuses and check runs.

use serde_json::{Value, json};

use super::{Urls, node_id, ts};
use crate::state::{CheckRun, CommitStatus, GitHubApp, Protection, Pull, Repo, Review, Ruleset, User};

impl Urls {
    /// `integration`: a GitHub App as the checks API and the protection restrictions show it.
    pub fn integration(&self, app: &GitHubApp, owner: &User) -> Value {
        let html = format!("{}/apps/{}", self.base, app.slug);
        json!({
            "id": app.id,
            "slug": app.slug,
            "node_id": node_id("Integration", app.id),
            "client_id": format!("Iv1.{:016x}", app.id),
            "owner": self.user(owner),
            "name": app.name,
            "description": null,
            "external_url": html,
            "html_url": html,
            "created_at": ts(app.created_at),
            "updated_at": ts(app.created_at),
            "permissions": {
                "checks": "write",
                "contents": "write",
                "metadata": "read",
                "pull_requests": "write",
                "statuses": "write",
            },
            "events": [],
        })
    }

    /// `protected-branch` (also read as `branch-protection`): the features that are off are `enabled: false`,
    /// the ones that are absent (checks, reviews, restrictions) are left out, as GitHub does.
    pub fn protection(
        &self,
        repo: &Repo,
        branch: &str,
        p: &Protection,
        users: &[User],
        apps: &[(GitHubApp, User)],
    ) -> Value {
        let u = self.api(&format!("/repos/{}/branches/{branch}/protection", repo.full_name()));
        let enabled = |on: bool| json!({"enabled": on});
        let mut value = json!({
            "url": u,
            "required_signatures": {"url": format!("{u}/required_signatures"), "enabled": p.required_signatures},
            "enforce_admins": {"url": format!("{u}/enforce_admins"), "enabled": p.enforce_admins},
            "required_linear_history": enabled(p.required_linear_history),
            "allow_force_pushes": enabled(p.allow_force_pushes),
            "allow_deletions": enabled(p.allow_deletions),
            "block_creations": enabled(p.block_creations),
            "required_conversation_resolution": enabled(p.required_conversation_resolution),
            "lock_branch": enabled(p.lock_branch),
            "allow_fork_syncing": enabled(p.allow_fork_syncing),
        });
        if let Some(checks) = &p.required_status_checks {
            value["required_status_checks"] = json!({
                "url": format!("{u}/required_status_checks"),
                "strict": checks.strict,
                "contexts": checks.checks.iter().map(|c| c.context.clone()).collect::<Vec<_>>(),
                "contexts_url": format!("{u}/required_status_checks/contexts"),
                "checks": checks.checks.iter().map(|c| json!({"context": c.context, "app_id": c.app_id})).collect::<Vec<_>>(),
            });
        }
        if let Some(reviews) = &p.required_reviews {
            value["required_pull_request_reviews"] = json!({
                "url": format!("{u}/required_pull_request_reviews"),
                "dismiss_stale_reviews": reviews.dismiss_stale_reviews,
                "require_code_owner_reviews": reviews.require_code_owner_reviews,
                "required_approving_review_count": reviews.required_approving_review_count,
                "require_last_push_approval": reviews.require_last_push_approval,
            });
        }
        if p.restrictions.is_some() {
            value["restrictions"] = json!({
                "url": format!("{u}/restrictions"),
                "users_url": format!("{u}/restrictions/users"),
                "teams_url": format!("{u}/restrictions/teams"),
                "apps_url": format!("{u}/restrictions/apps"),
                "users": users.iter().map(|user| self.user(user)).collect::<Vec<_>>(),
                "teams": [],
                "apps": apps.iter().map(|(app, owner)| self.integration(app, owner)).collect::<Vec<_>>(),
            });
        }
        value
    }

    /// `branch-with-protection`; `commit` is the branch tip's `commit`.
    pub fn branch(
        &self,
        repo: &Repo,
        name: &str,
        commit: Value,
        protection: Option<&Protection>,
        ruled: bool,
    ) -> Value {
        let full = repo.full_name();
        let checks = protection.and_then(|p| p.required_status_checks.as_ref());
        let contexts: Vec<String> =
            checks.map(|c| c.checks.iter().map(|c| c.context.clone()).collect()).unwrap_or_default();
        let level = match (checks, protection) {
            (None, _) | (_, None) => "off",
            (Some(_), Some(p)) if p.enforce_admins => "everyone",
            _ => "non_admins",
        };
        json!({
            "name": name,
            "commit": commit,
            "_links": {
                "self": self.api(&format!("/repos/{full}/branches/{name}")),
                "html": format!("{}/{full}/tree/{name}", self.base),
            },
            "protected": protection.is_some() || ruled,
            "protection": {
                "enabled": protection.is_some(),
                "required_status_checks": {
                    "enforcement_level": level,
                    "contexts": contexts,
                    "checks": checks
                        .map(|c| c.checks.iter().map(|c| json!({"context": c.context, "app_id": c.app_id})).collect::<Vec<_>>())
                        .unwrap_or_default(),
                },
            },
            "protection_url": self.api(&format!("/repos/{full}/branches/{name}/protection")),
        })
    }

    /// `repository-ruleset`; `bypass_actors` only for `admin`, and the list's summary without rules when `!full`.
    pub fn ruleset(&self, repo: &Repo, ruleset: &Ruleset, admin: bool, can_bypass: &str, full: bool) -> Value {
        let name = repo.full_name();
        let mut value = json!({
            "id": ruleset.id,
            "name": ruleset.name,
            "target": ruleset.target,
            "source_type": "Repository",
            "source": name,
            "enforcement": ruleset.enforcement,
            "node_id": node_id("RepositoryRuleset", ruleset.id),
            "_links": {
                "self": {"href": self.api(&format!("/repos/{name}/rulesets/{}", ruleset.id))},
                "html": {"href": format!("{}/{name}/rules/{}", self.base, ruleset.id)},
            },
            "created_at": ts(ruleset.created_at),
            "updated_at": ts(ruleset.updated_at),
        });
        if full {
            value["current_user_can_bypass"] = json!(can_bypass);
            value["conditions"] = json!({"ref_name": {"include": ruleset.include, "exclude": ruleset.exclude}});
            value["rules"] = json!(ruleset.rules);
            if admin {
                value["bypass_actors"] = json!(ruleset.bypass_actors);
            }
        }
        value
    }

    pub fn review(&self, repo: &Repo, review: &Review, user: &User, association: &str) -> Value {
        let full = repo.full_name();
        let html = format!("{}/{full}/pull/{}#pullrequestreview-{}", self.base, review.number, review.id);
        let pull = self.api(&format!("/repos/{full}/pulls/{}", review.number));
        let mut value = json!({
            "id": review.id,
            "node_id": node_id("PullRequestReview", review.id),
            "user": self.user(user),
            "body": review.body,
            "state": review.state,
            "html_url": html,
            "pull_request_url": pull,
            "_links": {"html": {"href": html}, "pull_request": {"href": pull}},
            "commit_id": review.commit_id,
            "author_association": association,
        });
        if let Some(at) = review.submitted_at {
            value["submitted_at"] = json!(ts(at));
        }
        value
    }

    /// `status`; without `creator` it is the `simple-commit-status` of a combined status.
    pub fn status(&self, repo: &Repo, status: &CommitStatus, creator: &User, with_creator: bool) -> Value {
        let mut value = json!({
            "url": self.api(&format!("/repos/{}/statuses/{}", repo.full_name(), status.sha)),
            "avatar_url": format!("{}/avatars/{}", self.base, creator.login),
            "id": status.id,
            "node_id": node_id("StatusContext", status.id),
            "state": status.state,
            "description": status.description,
            "target_url": status.target_url,
            "context": status.context,
            "created_at": ts(status.created_at),
            "updated_at": ts(status.updated_at),
        });
        if with_creator {
            value["creator"] = self.user(creator);
        }
        value
    }

    /// `check-run`; `pull_requests` are the open pull requests whose head is the run's commit.
    pub fn check_run(&self, repo: &Repo, run: &CheckRun, app: Value, pulls: &[&Pull]) -> Value {
        let full = repo.full_name();
        let u = self.api(&format!("/repos/{full}/check-runs/{}", run.id));
        let side = |r: &str, sha: &str| json!({"ref": r, "sha": sha, "repo": {"id": repo.id, "url": self.api(&format!("/repos/{full}")), "name": repo.name}});
        let pull_requests: Vec<Value> = pulls
            .iter()
            .map(|p| {
                json!({
                    "id": p.id,
                    "number": p.number,
                    "url": self.api(&format!("/repos/{full}/pulls/{}", p.number)),
                    "head": side(&p.head_ref, &p.head_sha),
                    "base": side(&p.base_ref, &p.base_sha),
                })
            })
            .collect();
        json!({
            "id": run.id,
            "head_sha": run.head_sha,
            "node_id": node_id("CheckRun", run.id),
            "external_id": run.external_id,
            "url": u,
            "html_url": format!("{}/{full}/runs/{}", self.base, run.id),
            "details_url": run.details_url,
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": run.started_at.map(ts),
            "completed_at": run.completed_at.map(ts),
            "output": {
                "title": run.title,
                "summary": run.summary,
                "text": run.text,
                "annotations_count": 0,
                "annotations_url": format!("{u}/annotations"),
            },
            "name": run.name,
            "check_suite": {"id": run.suite_id},
            "app": app,
            "pull_requests": pull_requests,
        })
    }
}
