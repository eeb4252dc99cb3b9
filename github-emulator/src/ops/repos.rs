//! Repositories: their JSON (as the actor sees it), merge settings, and the admin API's direct pushes and reverts.

use git2::Oid;
use serde_json::{Value, json};

use super::{Ctx, user_person, zero};
use crate::git;
use crate::http::ApiError;
use crate::state::{MergeSettings, Permission};

fn set_flag(body: &Value, field: &str, slot: &mut bool) -> Result<(), ApiError> {
    match &body[field] {
        Value::Null => Ok(()),
        Value::Bool(on) => {
            *slot = *on;
            Ok(())
        }
        _ => Err(ApiError::validation("Repository", field, "invalid")),
    }
}

fn set_choice(body: &Value, field: &str, allowed: &[&str], slot: &mut String) -> Result<(), ApiError> {
    match &body[field] {
        Value::Null => Ok(()),
        Value::String(v) if allowed.contains(&v.as_str()) => {
            v.clone_into(slot);
            Ok(())
        }
        _ => Err(ApiError::validation("Repository", field, "invalid")),
    }
}

impl Ctx<'_> {
    pub fn repo_json(&mut self) -> Result<Value, ApiError> {
        let repo = self.repo().clone();
        let owner = self.user(&repo.owner);
        let pushed = self.pushed_at()?;
        let open = repo.issues.iter().filter(|i| i.state == "open").count()
            + repo.pulls.iter().filter(|p| p.state == "open").count();
        Ok(self.urls.repo(&repo, &owner, pushed, open))
    }

    fn pushed_at(&self) -> Result<jiff::Timestamp, ApiError> {
        let git = self.git()?;
        let created = self.repo().created_at;
        let latest = git
            .references()
            .map_err(ApiError::git)?
            .flatten()
            .filter_map(|r| r.peel_to_commit().ok().map(|c| c.committer().when().seconds()))
            .max();
        Ok(latest.and_then(|s| jiff::Timestamp::from_second(s).ok()).map_or(created, |t| t.max(created)))
    }

    /// Sets the merge settings named in `body` (absent ones stay); at least one merge method must stay allowed.
    pub fn update_settings(&mut self, body: &Value) -> Result<MergeSettings, ApiError> {
        let mut s = self.repo().settings.clone();
        set_flag(body, "allow_merge_commit", &mut s.allow_merge_commit)?;
        set_flag(body, "allow_squash_merge", &mut s.allow_squash_merge)?;
        set_flag(body, "allow_rebase_merge", &mut s.allow_rebase_merge)?;
        set_flag(body, "allow_update_branch", &mut s.allow_update_branch)?;
        set_flag(body, "delete_branch_on_merge", &mut s.delete_branch_on_merge)?;
        set_flag(body, "allow_auto_merge", &mut s.allow_auto_merge)?;
        set_choice(body, "merge_commit_title", &["MERGE_MESSAGE", "PR_TITLE"], &mut s.merge_commit_title)?;
        set_choice(body, "merge_commit_message", &["PR_TITLE", "PR_BODY", "BLANK"], &mut s.merge_commit_message)?;
        set_choice(
            body,
            "squash_merge_commit_title",
            &["COMMIT_OR_PR_TITLE", "PR_TITLE"],
            &mut s.squash_merge_commit_title,
        )?;
        set_choice(
            body,
            "squash_merge_commit_message",
            &["COMMIT_MESSAGES", "PR_BODY", "BLANK"],
            &mut s.squash_merge_commit_message,
        )?;
        if !(s.allow_merge_commit || s.allow_squash_merge || s.allow_rebase_merge) {
            return Err(ApiError::validation_message(
                "Repository",
                "Either :allow_merge_commit, :allow_squash_merge or :allow_rebase_merge must be true",
            ));
        }
        if let Some(branch) = body["default_branch"].as_str() {
            let git = self.git()?;
            if git::branch_tip(&git, branch).is_none() {
                return Err(ApiError::validation("Repository", "default_branch", "invalid"));
            }
            self.repo_mut().default_branch = branch.to_owned();
            git.set_head(&format!("refs/heads/{branch}")).map_err(ApiError::git)?;
        }
        self.repo_mut().settings = s.clone();
        Ok(s)
    }

    /// `GET /repos/{o}/{r}` as the actor sees it: with their `permissions`.
    pub fn repo_json_for_actor(&mut self) -> Result<Value, ApiError> {
        let mut value = self.repo_json()?;
        let p = self.permission();
        if self.is_integration() {
            // An App's installation token reads every flag false, whatever it was granted (seen in a ruleset proof
            // log): what an installation may do is read elsewhere (`GET /installation/repositories`, the
            // `x-accepted-github-permissions` header).
            value["permissions"] =
                json!({"admin": false, "maintain": false, "push": false, "triage": false, "pull": false});
            return Ok(value);
        }
        value["permissions"] = json!({
            "admin": p >= Permission::Admin,
            "maintain": p >= Permission::Maintain,
            "push": p >= Permission::Write,
            "triage": p >= Permission::Triage,
            "pull": p >= Permission::Read,
        });
        Ok(value)
    }

    /// Commits one file change on `branch` (created from `from`, or the default branch, when missing), as the
    /// actor. Returns (before, after); `before` is zero for a new branch.
    pub fn push_file(
        &mut self,
        branch: &str,
        path: &str,
        content: Option<&[u8]>,
        message: &str,
        from: Option<&str>,
    ) -> Result<(Oid, Oid), ApiError> {
        let git = self.git()?;
        let before = git::branch_tip(&git, branch);
        let parent = match before {
            Some(tip) => Some(tip),
            None => {
                let from = from.map_or_else(|| self.repo().default_branch.clone(), str::to_owned);
                git::resolve(&git, &from)
            }
        };
        let tree = git::tree_with(&git, parent, path, content)?;
        let now = self.st.now();
        let who = user_person(&self.actor, now);
        let parents: Vec<Oid> = parent.into_iter().collect();
        let sha = git::commit(&git, tree, &parents, &who, &who, message, None)?;
        git::set_branch(&git, branch, sha, message)?;
        Ok((before.unwrap_or_else(zero), sha))
    }

    /// Reverts `sha` on top of `branch`, as the actor. Returns (before, after).
    pub fn revert_on(&mut self, branch: &str, sha: &str, target_branch: Option<&str>) -> Result<(Oid, Oid), ApiError> {
        let git = self.git()?;
        let commit = git::resolve(&git, sha).ok_or_else(|| ApiError::unprocessable("No commit found for SHA"))?;
        let onto = git::branch_tip(&git, branch).ok_or_else(|| ApiError::unprocessable("Branch not found"))?;
        let now = self.st.now();
        let who = user_person(&self.actor, now);
        let new = git::revert(&git, commit, onto, &who)?.ok_or_else(|| ApiError::new(409, "Revert conflicts"))?;
        let target = target_branch.unwrap_or(branch);
        let before = git::branch_tip(&git, target).unwrap_or_else(zero);
        git::set_branch(&git, target, new, "revert")?;
        Ok((before, new))
    }
}
