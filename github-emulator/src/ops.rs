//! The operations behind both the REST API and the admin API: each one changes the state and the bare repository
//! the way GitHub would, as a given user, and returns GitHub's JSON for the result.

use std::path::PathBuf;

use git2::{Oid, Repository};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::git::{self, Person};
use crate::shapes::{IssueLike, PullView, Urls};
use crate::state::{Comment, DeploymentStatus, Permission, Pull, Repo, State, User};

/// One request's view of the emulator: the state (locked), where repositories live, and who is acting.
pub struct Ctx<'a> {
    pub st: &'a mut State,
    pub dir: PathBuf,
    pub urls: &'a Urls,
    pub key: String,
    pub actor: User,
}

/// GitHub's own identity for the commits it makes (merges through the API, web edits).
pub fn github_committer(when: jiff::Timestamp) -> Person {
    Person { name: "GitHub".to_owned(), email: "noreply@github.com".to_owned(), when }
}

/// How GitHub signs the commits it makes for `user`: their profile name (the login until they set one) and
/// their noreply address.
pub fn user_person(user: &User, when: jiff::Timestamp) -> Person {
    let name = user.name.clone().unwrap_or_else(|| user.login.clone());
    Person { name, email: format!("{}+{}@users.noreply.github.com", user.id, user.login), when }
}

/// A commit message's body taken from pull request `pr` by a repository setting: `PR_TITLE`, `PR_BODY` or `BLANK`.
fn pr_text(setting: &str, pr: &Pull) -> String {
    match setting {
        "PR_TITLE" => pr.title.clone(),
        "PR_BODY" => pr.body.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

/// A title and a body as one message; an empty body leaves the title alone, as GitHub does.
fn join_message(title: &str, body: &str) -> String {
    if body.trim().is_empty() { title.to_owned() } else { format!("{title}\n\n{}", body.trim_end()) }
}

fn zero() -> Oid {
    Oid::ZERO_SHA1
}

pub fn repo_path(dir: &std::path::Path, key: &str) -> PathBuf {
    dir.join("repos").join(format!("{key}.git"))
}

impl Ctx<'_> {
    pub fn repo(&self) -> &Repo {
        &self.st.repos[&self.key]
    }

    pub fn repo_mut(&mut self) -> &mut Repo {
        self.st.repos.get_mut(&self.key).expect("the context's repository exists")
    }

    pub fn git(&self) -> Result<Repository, ApiError> {
        Repository::open_bare(repo_path(&self.dir, &self.key)).map_err(ApiError::git)
    }

    pub fn user(&mut self, login: &str) -> User {
        self.st.ensure_user(login)
    }

    pub fn permission(&self) -> Permission {
        self.st.permission(self.repo(), Some(&self.actor.login))
    }

    /// Whether the actor is an App's installation token (`{slug}[bot]`).
    pub fn is_integration(&self) -> bool {
        self.st.app_of(&self.actor.login).is_some()
    }

    pub fn require(&self, needed: Permission) -> Result<(), ApiError> {
        if self.permission() >= needed {
            Ok(())
        } else if self.is_integration() {
            Err(ApiError::not_accessible_by_integration())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Admin-only settings: GitHub's 403 for users below admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.require(Permission::Admin) {
            Err(_) if !self.is_integration() => Err(ApiError::new(403, "Must have admin rights to Repository.")),
            other => other,
        }
    }

    pub fn association(&self, login: &str) -> String {
        let repo = self.repo();
        if login == repo.owner {
            "OWNER".to_owned()
        } else if repo.permissions.get(login).is_some_and(|p| *p >= Permission::Write) {
            "COLLABORATOR".to_owned()
        } else {
            "NONE".to_owned()
        }
    }

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

    /// Brings the stored head of every open pull request up to its branch.
    pub fn refresh_pulls(&mut self) -> Result<(), ApiError> {
        let git = self.git()?;
        let updates: Vec<(usize, String, String)> = self
            .repo()
            .pulls
            .iter()
            .enumerate()
            .filter(|(_, p)| p.state == "open")
            .map(|(i, p)| {
                let head = git::branch_tip(&git, &p.head_ref).map_or_else(|| p.head_sha.clone(), |o| o.to_string());
                let base = git::branch_tip(&git, &p.base_ref).map_or_else(|| p.base_sha.clone(), |o| o.to_string());
                (i, head, base)
            })
            .collect();
        for (i, head, base) in updates {
            let pr = &self.repo().pulls[i];
            let (number, moved, base_ref) = (pr.number, pr.head_sha != head, pr.base_ref.clone());
            let base_moved = pr.base_sha != base;
            // A push to the head dismisses the approvals of older heads where protection says so.
            if moved && self.dismisses_stale(&base_ref) {
                for review in self.repo_mut().reviews.iter_mut().filter(|r| r.number == number) {
                    if review.state == "APPROVED" && review.commit_id != head {
                        review.state = "DISMISSED".to_owned();
                    }
                }
            }
            let pr = &mut self.repo_mut().pulls[i];
            pr.head_sha = head;
            pr.base_sha = base;
            // GitHub computes mergeability again after the base moved; until then, it does not know.
            pr.uncomputed |= base_moved;
        }
        Ok(())
    }

    pub fn find_pull(&self, number: u64) -> Result<Pull, ApiError> {
        self.repo().pulls.iter().find(|p| p.number == number).cloned().ok_or_else(ApiError::not_found)
    }

    pub fn pull_json(&mut self, pr: &Pull) -> Result<Value, ApiError> {
        let git = self.git()?;
        let repo_json = self.repo_json()?;
        let head = Oid::from_str(&pr.head_sha).map_err(ApiError::git)?;
        let base = Oid::from_str(&pr.base_sha).map_err(ApiError::git)?;
        let uncomputed = pr.state == "open" && self.repo().pulls.iter().any(|p| p.number == pr.number && p.uncomputed);
        if uncomputed && let Some(stored) = self.repo_mut().pulls.iter_mut().find(|p| p.number == pr.number) {
            // Shown once as not computed; computed by the next answer.
            stored.uncomputed = false;
        }
        let (mergeable, state) = if uncomputed {
            (None, "unknown")
        } else if pr.state == "open" {
            match git::merge_tree(&git, base, head)? {
                Some(_) if pr.draft => (Some(true), "draft"),
                Some(_) => (Some(true), self.mergeable_state(&git, pr, base)),
                None => (Some(false), "dirty"),
            }
        } else {
            (None, "unknown")
        };
        let merge_base = git.merge_base(base, head).unwrap_or(base);
        let commits = git::commits_between(&git, merge_base, head).map(|c| c.len()).unwrap_or(0);
        let (mut additions, mut deletions, mut changed_files) = (0, 0, 0);
        if let (Ok(old), Ok(new)) =
            (git.find_commit(merge_base).and_then(|c| c.tree()), git.find_commit(head).and_then(|c| c.tree()))
            && let Ok(diff) = git.diff_tree_to_tree(Some(&old), Some(&new), None)
            && let Ok(stats) = diff.stats()
        {
            additions = stats.insertions();
            deletions = stats.deletions();
            changed_files = stats.files_changed();
        }
        let comments = self.repo().comments.iter().filter(|c| c.number == pr.number).count();
        let review_comments = self.repo().review_comments.iter().filter(|c| c.number == pr.number).count();
        let view = PullView {
            base_sha: pr.base_sha.clone(),
            mergeable,
            mergeable_state: state.to_owned(),
            association: self.association(&pr.user),
            comments,
            review_comments,
            commits,
            additions,
            deletions,
            changed_files,
        };
        let user = self.user(&pr.user);
        let merged_by = pr.merged_by.clone().map(|l| self.user(&l));
        let repo = self.repo().clone();
        Ok(self.urls.pull(&repo, &repo_json, pr, &user, merged_by.as_ref(), &view))
    }

    pub fn issue_json(&mut self, number: u64) -> Result<Value, ApiError> {
        let repo = self.repo().clone();
        let comments = repo.comments.iter().filter(|c| c.number == number).count();
        if let Some(issue) = repo.issues.iter().find(|i| i.number == number) {
            let user = self.user(&issue.user);
            let association = self.association(&issue.user);
            return Ok(self.urls.issue(&repo, &IssueLike::from(issue), &user, comments, &association));
        }
        if let Some(pr) = repo.pulls.iter().find(|p| p.number == number) {
            let user = self.user(&pr.user);
            let association = self.association(&pr.user);
            return Ok(self.urls.issue(&repo, &IssueLike::from(pr), &user, comments, &association));
        }
        Err(ApiError::not_found())
    }

    pub fn comment_json(&mut self, comment: &Comment) -> Value {
        let repo = self.repo().clone();
        let user = self.user(&comment.user);
        let is_pull = repo.pulls.iter().any(|p| p.number == comment.number);
        let association = self.association(&comment.user);
        self.urls.comment(&repo, comment, &user, is_pull, &association)
    }

    /// Opens a pull request from `head` (a branch of this repository, optionally `owner:branch`) into `base`.
    pub fn open_pull(
        &mut self,
        title: &str,
        head: &str,
        base: &str,
        body: Option<String>,
        draft: bool,
    ) -> Result<Pull, ApiError> {
        let head_branch = match head.split_once(':') {
            Some((owner, branch)) if owner == self.repo().owner => branch.to_owned(),
            Some(_) => return Err(ApiError::validation("PullRequest", "head", "invalid")),
            None => head.to_owned(),
        };
        if title.trim().is_empty() {
            return Err(ApiError::validation("PullRequest", "title", "missing_field"));
        }
        let git = self.git()?;
        let base_tip =
            git::branch_tip(&git, base).ok_or_else(|| ApiError::validation("PullRequest", "base", "invalid"))?;
        let head_tip = git::branch_tip(&git, &head_branch)
            .ok_or_else(|| ApiError::validation("PullRequest", "head", "invalid"))?;
        if self.repo().pulls.iter().any(|p| p.state == "open" && p.head_ref == head_branch && p.base_ref == base) {
            let owner = self.repo().owner.clone();
            return Err(ApiError::validation_message(
                "PullRequest",
                &format!("A pull request already exists for {owner}:{head_branch}."),
            ));
        }
        if git::commits_between(&git, base_tip, head_tip)?.is_empty() {
            return Err(ApiError::validation_message(
                "PullRequest",
                &format!("No commits between {base} and {head_branch}"),
            ));
        }
        let now = self.st.now();
        let id = self.st.id();
        let repo = self.repo_mut();
        let number = repo.next_number;
        repo.next_number += 1;
        let pr = Pull {
            id,
            number,
            title: title.to_owned(),
            body,
            user: self.actor.login.clone(),
            head_ref: head_branch,
            head_sha: head_tip.to_string(),
            base_ref: base.to_owned(),
            base_sha: base_tip.to_string(),
            draft,
            state: "open".to_owned(),
            created_at: now,
            updated_at: now,
            closed_at: None,
            merged_at: None,
            merged_by: None,
            merge_commit_sha: None,
            landed: Vec::new(),
            uncomputed: true,
        };
        self.repo_mut().pulls.push(pr.clone());
        Ok(pr)
    }

    /// Merges a pull request for real: the base branch moves to a merge, squash or rebased commit.
    /// Returns (the pull request after, the new base tip, the base tip before).
    pub fn merge_pull(
        &mut self,
        number: u64,
        expected_sha: Option<&str>,
        method: &str,
        title: Option<&str>,
        message: Option<&str>,
    ) -> Result<(Pull, Oid, Oid), ApiError> {
        if !matches!(method, "merge" | "squash" | "rebase") {
            return Err(ApiError::validation("PullRequest", "merge_method", "invalid"));
        }
        self.refresh_pulls()?;
        let pr = self.find_pull(number)?;
        if pr.state != "open" {
            return Err(ApiError::with_docs(405, "Pull Request is not mergeable", crate::guard::MERGE_DOCS));
        }
        if pr.draft {
            return Err(ApiError::with_docs(405, "Pull Request is still a draft", crate::guard::MERGE_DOCS));
        }
        if let Some(sha) = expected_sha
            && sha != pr.head_sha
        {
            return Err(ApiError::with_docs(
                409,
                "Head branch was modified. Review and try the merge again.",
                crate::guard::MERGE_DOCS,
            ));
        }
        let settings = self.repo().settings.clone();
        let refusal = match method {
            "merge" if !settings.allow_merge_commit => Some("Merge commits are not allowed on this repository."),
            "squash" if !settings.allow_squash_merge => Some("Squash merges are not allowed on this repository."),
            "rebase" if !settings.allow_rebase_merge => Some("Rebase merges are not allowed on this repository."),
            _ => None,
        };
        if let Some(message) = refusal {
            return Err(ApiError::with_docs(405, message, crate::guard::MERGE_DOCS));
        }
        let git = self.git()?;
        let base = git::branch_tip(&git, &pr.base_ref).ok_or_else(|| ApiError::new(405, "Base branch was deleted"))?;
        let head = Oid::from_str(&pr.head_sha).map_err(ApiError::git)?;
        let Some(tree) = git::merge_tree(&git, base, head)? else {
            return Err(ApiError::with_docs(405, "Pull Request is not mergeable", crate::guard::MERGE_DOCS));
        };
        self.merge_gate(&git, &pr, method, base)?;
        let now = self.st.now();
        let actor = self.actor.clone();
        let author = user_person(&actor, now);
        let committer = github_committer(now);
        let owner = self.repo().owner.clone();
        let (tip, landed) = match method {
            "merge" => {
                // Without a title or message, what GitHub's button writes under the repository's settings.
                let (default_title, default_body) = match settings.merge_commit_title.as_str() {
                    "PR_TITLE" => (format!("{} (#{number})", pr.title), pr_text(&settings.merge_commit_message, &pr)),
                    _ => (format!("Merge pull request #{number} from {owner}/{}", pr.head_ref), pr.title.clone()),
                };
                let title = title.map_or(default_title, str::to_owned);
                let body = message.map_or(default_body, str::to_owned);
                let sha = git::commit(&git, tree, &[base, head], &author, &committer, &join_message(&title, &body))?;
                (sha, vec![sha])
            }
            "squash" => {
                // GitHub's defaults (`COMMIT_OR_PR_TITLE`, `COMMIT_MESSAGES`): one commit keeps its own subject
                // and body; several get the pull request's title and the list of their messages.
                let commits = git::commits_between(&git, base, head)?;
                let one = match commits.as_slice() {
                    [one] => Some(git.find_commit(*one).map_err(ApiError::git)?),
                    _ => None,
                };
                let default_title = match (settings.squash_merge_commit_title.as_str(), &one) {
                    ("COMMIT_OR_PR_TITLE", Some(c)) => {
                        format!("{} (#{number})", c.summary().ok().flatten().unwrap_or_default())
                    }
                    _ => format!("{} (#{number})", pr.title),
                };
                let default_body = match (settings.squash_merge_commit_message.as_str(), &one) {
                    ("COMMIT_MESSAGES", Some(c)) => c.body().ok().flatten().unwrap_or_default().to_owned(),
                    ("COMMIT_MESSAGES", None) => commits
                        .iter()
                        .filter_map(|c| {
                            git.find_commit(*c).ok().and_then(|c| c.summary().ok().flatten().map(|s| format!("* {s}")))
                        })
                        .collect::<Vec<_>>()
                        .join("\n\n"),
                    (other, _) => pr_text(other, &pr),
                };
                let title = title.map_or(default_title, str::to_owned);
                let body = message.map_or(default_body, str::to_owned);
                let pr_author = self.user(&pr.user);
                let text = join_message(&title, &body);
                let sha = git::commit(&git, tree, &[base], &user_person(&pr_author, now), &committer, &text)?;
                (sha, vec![sha])
            }
            _ => {
                let mut onto = base;
                let mut landed = Vec::new();
                for commit in git::commits_between(&git, git.merge_base(base, head).unwrap_or(base), head)? {
                    onto = git::cherry_pick(&git, commit, onto, &committer)?
                        .ok_or_else(|| ApiError::new(405, "This branch can't be rebased"))?;
                    landed.push(onto);
                }
                (onto, landed)
            }
        };
        git::set_branch(&git, &pr.base_ref, tip, &format!("merge pull request #{number}"))?;
        // "Automatically delete head branches": not the default branch, a protected one, or the base of another.
        let repo = self.repo();
        if repo.settings.delete_branch_on_merge
            && pr.head_ref != repo.default_branch
            && !repo.protections.contains_key(&pr.head_ref)
            && !repo.pulls.iter().any(|p| p.state == "open" && p.base_ref == pr.head_ref)
            && let Ok(mut reference) = git.find_reference(&format!("refs/heads/{}", pr.head_ref))
        {
            reference.delete().map_err(ApiError::git)?;
        }
        let repo = self.repo_mut();
        let stored = repo.pulls.iter_mut().find(|p| p.number == number).expect("found above");
        stored.state = "closed".to_owned();
        stored.merged_at = Some(now);
        stored.closed_at = Some(now);
        stored.updated_at = now;
        stored.merged_by = Some(actor.login.clone());
        stored.merge_commit_sha = Some(tip.to_string());
        stored.base_sha = base.to_string();
        stored.landed = landed.iter().map(Oid::to_string).collect();
        Ok((stored.clone(), tip, base))
    }

    /// `PUT .../pulls/N/update-branch`: merges the base into the head branch, as the actor (GitHub commits it).
    pub fn update_branch(&mut self, number: u64, expected_head: Option<&str>) -> Result<Pull, ApiError> {
        self.refresh_pulls()?;
        let pr = self.find_pull(number)?;
        if pr.state != "open" {
            return Err(ApiError::validation_message("PullRequest", "Pull request is not open."));
        }
        if let Some(sha) = expected_head
            && sha != pr.head_sha
        {
            return Err(ApiError::unprocessable("expected head sha didn't match current head ref."));
        }
        let git = self.git()?;
        let base = git::branch_tip(&git, &pr.base_ref)
            .ok_or_else(|| ApiError::unprocessable("There are no new commits on the base branch."))?;
        let head = Oid::from_str(&pr.head_sha).map_err(ApiError::git)?;
        if base == head || git.graph_descendant_of(head, base).map_err(ApiError::git)? {
            return Err(ApiError::unprocessable("There are no new commits on the base branch."));
        }
        let Some(tree) = git::merge_tree(&git, head, base)? else {
            return Err(ApiError::unprocessable("merge conflict between base and head"));
        };
        let now = self.st.now();
        let message = format!("Merge branch '{}' into {}", pr.base_ref, pr.head_ref);
        let sha =
            git::commit(&git, tree, &[head, base], &user_person(&self.actor, now), &github_committer(now), &message)?;
        git::set_branch(&git, &pr.head_ref, sha, "update branch")?;
        self.refresh_pulls()?;
        let stored = self.repo_mut().pulls.iter_mut().find(|p| p.number == number).ok_or_else(ApiError::not_found)?;
        stored.updated_at = now;
        Ok(stored.clone())
    }

    pub fn create_comment(&mut self, number: u64, body: &str) -> Result<Comment, ApiError> {
        let repo = self.repo();
        if !repo.issues.iter().any(|i| i.number == number) && !repo.pulls.iter().any(|p| p.number == number) {
            return Err(ApiError::not_found());
        }
        if body.is_empty() {
            return Err(ApiError::validation("IssueComment", "body", "missing_field"));
        }
        let now = self.st.now();
        let id = self.st.id();
        let comment = Comment {
            id,
            number,
            user: self.actor.login.clone(),
            body: body.to_owned(),
            created_at: now,
            updated_at: now,
            reactions: Vec::new(),
        };
        self.repo_mut().comments.push(comment.clone());
        Ok(comment)
    }

    /// Edits a comment; returns (before, after).
    pub fn edit_comment(&mut self, id: u64, body: &str) -> Result<(Comment, Comment), ApiError> {
        let now = self.st.now();
        let actor = self.actor.login.clone();
        let may_edit_others = self.permission() >= Permission::Write;
        let comment = self.repo_mut().comments.iter_mut().find(|c| c.id == id).ok_or_else(ApiError::not_found)?;
        if comment.user != actor && !may_edit_others {
            return Err(ApiError::forbidden());
        }
        let before = comment.clone();
        comment.body = body.to_owned();
        comment.updated_at = now;
        Ok((before, comment.clone()))
    }

    pub fn create_deployment_status(
        &mut self,
        deployment_id: u64,
        state: &str,
        description: &str,
        environment: Option<&str>,
        target_url: &str,
        environment_url: &str,
    ) -> Result<DeploymentStatus, ApiError> {
        const STATES: [&str; 7] = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"];
        if !STATES.contains(&state) {
            return Err(ApiError::validation("DeploymentStatus", "state", "invalid"));
        }
        let now = self.st.now();
        let id = self.st.id();
        let actor = self.actor.login.clone();
        let deployment =
            self.repo_mut().deployments.iter_mut().find(|d| d.id == deployment_id).ok_or_else(ApiError::not_found)?;
        let status = DeploymentStatus {
            id,
            state: state.to_owned(),
            description: description.to_owned(),
            environment: environment.unwrap_or(&deployment.environment).to_owned(),
            target_url: target_url.to_owned(),
            log_url: target_url.to_owned(),
            environment_url: environment_url.to_owned(),
            creator: actor,
            created_at: now,
            updated_at: now,
        };
        deployment.statuses.push(status.clone());
        deployment.updated_at = now;
        Ok(status)
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
        let sha = git::commit(&git, tree, &parents, &who, &who, message)?;
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

/// `git-commit` JSON (the Git database API).
pub fn git_commit_json(urls: &Urls, key: &str, repo: &Repository, sha: Oid) -> Result<Value, ApiError> {
    let commit = repo.find_commit(sha).map_err(|_| ApiError::not_found())?;
    let person = |p: Person| json!({"name": p.name, "email": p.email, "date": crate::shapes::ts(p.when)});
    let u = urls.api(&format!("/repos/{key}/git/commits/{sha}"));
    let parents: Vec<Value> = commit
        .parent_ids()
        .map(|p| {
            json!({
                "sha": p.to_string(),
                "url": urls.api(&format!("/repos/{key}/git/commits/{p}")),
                "html_url": format!("{}/{key}/commit/{p}", urls.base),
            })
        })
        .collect();
    Ok(json!({
        "sha": sha.to_string(),
        "node_id": node(sha),
        "url": u,
        "html_url": format!("{}/{key}/commit/{sha}", urls.base),
        "author": person(Person::from_signature(&commit.author())),
        "committer": person(Person::from_signature(&commit.committer())),
        "tree": {"sha": commit.tree_id().to_string(), "url": urls.api(&format!("/repos/{key}/git/trees/{}", commit.tree_id()))},
        "message": commit.message().unwrap_or_default(),
        "parents": parents,
        "verification": verification(repo, sha, &commit),
    }))
}

/// A commit's `verification`: signed commits and the ones GitHub committed (its merges) read as verified.
fn verification(repo: &Repository, sha: Oid, commit: &git2::Commit<'_>) -> Value {
    if !crate::guard::verified(repo, sha) {
        return json!({"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null});
    }
    let (signature, payload) = match repo.extract_signature(&sha, None) {
        Ok((signature, payload)) => (
            Some(String::from_utf8_lossy(&signature).into_owned()),
            Some(String::from_utf8_lossy(&payload).into_owned()),
        ),
        Err(_) => (None, None),
    };
    let when = jiff::Timestamp::from_second(commit.committer().when().seconds()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    json!({
        "verified": true,
        "reason": "valid",
        "signature": signature,
        "payload": payload,
        "verified_at": crate::shapes::ts(when),
    })
}

fn node(sha: Oid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("0:Commit{sha}"))
}

/// `commit` JSON (the commits API), with `files` and `stats` when `detailed`.
pub fn commit_json(
    urls: &Urls,
    st: &State,
    key: &str,
    repo: &Repository,
    sha: Oid,
    detailed: bool,
) -> Result<Value, ApiError> {
    let git_commit = git_commit_json(urls, key, repo, sha)?;
    let commit = repo.find_commit(sha).map_err(|_| ApiError::not_found())?;
    let user_of = |email: &str| {
        st.users
            .values()
            .find(|u| email == format!("{}+{}@users.noreply.github.com", u.id, u.login))
            .map(|u| urls.user(u))
    };
    let author = user_of(commit.author().email().unwrap_or_default());
    let committer = user_of(commit.committer().email().unwrap_or_default());
    let u = urls.api(&format!("/repos/{key}/commits/{sha}"));
    let html = format!("{}/{key}/commit/{sha}", urls.base);
    let mut value = json!({
        "url": u,
        "sha": sha.to_string(),
        "node_id": git_commit["node_id"],
        "html_url": html,
        "comments_url": format!("{u}/comments"),
        "commit": {
            "url": git_commit["url"],
            "author": git_commit["author"],
            "committer": git_commit["committer"],
            "message": git_commit["message"],
            "comment_count": 0,
            "tree": git_commit["tree"],
            "verification": git_commit["verification"],
        },
        "author": author,
        "committer": committer,
        "parents": git_commit["parents"],
    });
    if detailed {
        let files = git::changed_files(repo, sha)?;
        let (add, del) = files.iter().fold((0, 0), |(a, d), f| (a + f.additions, d + f.deletions));
        value["stats"] = json!({"total": add + del, "additions": add, "deletions": del});
        value["files"] = files
            .iter()
            .map(|f| {
                json!({
                    "sha": f.sha,
                    "filename": f.path,
                    "status": f.status,
                    "additions": f.additions,
                    "deletions": f.deletions,
                    "changes": f.additions + f.deletions,
                    "blob_url": format!("{}/{key}/blob/{sha}/{}", urls.base, f.path),
                    "raw_url": format!("{}/{key}/raw/{sha}/{}", urls.base, f.path),
                    "contents_url": urls.api(&format!("/repos/{key}/contents/{}?ref={sha}", f.path)),
                })
            })
            .collect();
    }
    Ok(value)
}
