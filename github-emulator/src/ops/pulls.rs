//! Pull requests: opening, refreshing against their branches, merging for real (merge, squash, rebase), updating
//! the head with the base, and GitHub's `pull-request` JSON.

use git2::Oid;
use serde_json::Value;

use super::{Ctx, github_committer, user_person};
use crate::git;
use crate::http::ApiError;
use crate::shapes::PullView;
use crate::state::Pull;

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

impl Ctx<'_> {
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
                let sha =
                    git::commit(&git, tree, &[base, head], &author, &committer, &join_message(&title, &body), None)?;
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
                let sha = git::commit(&git, tree, &[base], &user_person(&pr_author, now), &committer, &text, None)?;
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
        let sha = git::commit(
            &git,
            tree,
            &[head, base],
            &user_person(&self.actor, now),
            &github_committer(now),
            &message,
            None,
        )?;
        git::set_branch(&git, &pr.head_ref, sha, "update branch")?;
        self.refresh_pulls()?;
        let stored = self.repo_mut().pulls.iter_mut().find(|p| p.number == number).ok_or_else(ApiError::not_found)?;
        stored.updated_at = now;
        Ok(stored.clone())
    }
}
