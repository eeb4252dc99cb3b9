//! Pull request review comments (on one line of a pull request's diff, and the replies in their threads): the
//! operations behind the REST and admin APIs. A comment made on its own belongs to an implicit review of state
//! `COMMENTED`, as on GitHub.

use git2::{Oid, Repository};
use serde_json::Value;

use super::Ctx;
use crate::git;
use crate::http::ApiError;
use crate::state::{Pull, Review, ReviewComment};

pub const RESOURCE: &str = "PullRequestReviewComment";

impl Ctx<'_> {
    pub fn review_comment_json(&mut self, comment: &ReviewComment) -> Value {
        let user = self.user(&comment.user);
        let association = self.association(&comment.user);
        self.urls.review_comment(self.repo(), comment, &user, &association)
    }

    pub fn find_review_comment(&self, id: u64) -> Result<ReviewComment, ApiError> {
        self.repo().review_comments.iter().find(|c| c.id == id).cloned().ok_or_else(ApiError::not_found)
    }

    /// A comment by the actor on `line` of `path` (on `side`, `RIGHT` or `LEFT`) of pull request `number`'s diff
    /// at `commit_id` (default: the head). A path or line outside the diff is taken, with a one-line hunk.
    pub fn create_review_comment(
        &mut self,
        number: u64,
        body: &str,
        commit_id: Option<&str>,
        path: &str,
        line: u64,
        side: &str,
    ) -> Result<ReviewComment, ApiError> {
        if body.is_empty() {
            return Err(ApiError::validation(RESOURCE, "body", "missing_field"));
        }
        if path.is_empty() {
            return Err(ApiError::validation(RESOURCE, "path", "missing_field"));
        }
        if !matches!(side, "RIGHT" | "LEFT") {
            return Err(ApiError::validation(RESOURCE, "side", "invalid"));
        }
        let pr = self.find_pull(number)?;
        let git = self.git()?;
        let commit = match commit_id {
            Some(sha) => Oid::from_str(sha).ok().filter(|oid| part_of(&git, &pr, *oid)).ok_or_else(|| {
                ApiError::validation_field_message(
                    RESOURCE,
                    "commit_id",
                    "invalid",
                    "commit_id is not part of the pull request",
                )
            })?,
            None => Oid::from_str(&pr.head_sha).map_err(ApiError::git)?,
        };
        let base = Oid::from_str(&pr.base_sha).map_err(ApiError::git)?;
        let (diff_hunk, position) = locate(&git, base, commit, path, line, side)
            .unwrap_or_else(|| (one_line_hunk(&git, base, commit, path, line, side), 1));
        let commit_id = commit.to_string();
        let review_id = self.implicit_review(number, &commit_id);
        let now = self.st.now();
        let comment = ReviewComment {
            id: self.st.id(),
            number,
            review_id: Some(review_id),
            user: self.actor.login.clone(),
            body: body.to_owned(),
            path: path.to_owned(),
            line,
            side: side.to_owned(),
            commit_id: commit_id.clone(),
            original_commit_id: commit_id,
            diff_hunk,
            position,
            in_reply_to_id: None,
            created_at: now,
            updated_at: now,
            reactions: Vec::new(),
        };
        self.repo_mut().review_comments.push(comment.clone());
        Ok(comment)
    }

    /// A reply by the actor in the thread of comment `to` (a reply to a reply joins the thread's first comment,
    /// as on GitHub): same path, line and hunk, `in_reply_to_id` set.
    pub fn reply_to_review_comment(&mut self, number: u64, to: u64, body: &str) -> Result<ReviewComment, ApiError> {
        if body.is_empty() {
            return Err(ApiError::validation(RESOURCE, "body", "missing_field"));
        }
        let parent = self.find_review_comment(to)?;
        if parent.number != number {
            return Err(ApiError::not_found());
        }
        let root = parent.in_reply_to_id.unwrap_or(parent.id);
        let review_id = self.implicit_review(number, &parent.commit_id);
        let now = self.st.now();
        let comment = ReviewComment {
            id: self.st.id(),
            review_id: Some(review_id),
            user: self.actor.login.clone(),
            body: body.to_owned(),
            in_reply_to_id: Some(root),
            created_at: now,
            updated_at: now,
            reactions: Vec::new(),
            ..parent
        };
        self.repo_mut().review_comments.push(comment.clone());
        Ok(comment)
    }

    /// Edits a review comment (its author, or anyone with write access); returns (before, after).
    pub fn edit_review_comment(&mut self, id: u64, body: &str) -> Result<(ReviewComment, ReviewComment), ApiError> {
        if body.is_empty() {
            return Err(ApiError::validation(RESOURCE, "body", "missing_field"));
        }
        self.edit(body, |repo| repo.review_comments.iter_mut().find(|c| c.id == id))
    }

    /// The `COMMENTED` review GitHub makes for a comment posted on its own; returns its id.
    fn implicit_review(&mut self, number: u64, commit_id: &str) -> u64 {
        let review = Review {
            id: self.st.id(),
            number,
            user: self.actor.login.clone(),
            body: String::new(),
            state: "COMMENTED".to_owned(),
            commit_id: commit_id.to_owned(),
            submitted_at: Some(self.st.now()),
        };
        let id = review.id;
        self.repo_mut().reviews.push(review);
        id
    }

    /// Where the admin API comments when not told: `path` (default: the first file the pull request changes) and
    /// the first line its diff adds (else the first line it shows, else 1).
    pub fn default_comment_target(&self, number: u64, path: Option<&str>) -> Result<(String, u64), ApiError> {
        let pr = self.find_pull(number)?;
        let git = self.git()?;
        let head = Oid::from_str(&pr.head_sha).map_err(ApiError::git)?;
        let base = Oid::from_str(&pr.base_sha).map_err(ApiError::git)?;
        let diff = pull_diff(&git, base, head, path).map_err(ApiError::git)?;
        let index = match path {
            Some(path) => diff.deltas().position(|d| delta_path(&d).as_deref() == Some(path)),
            None => (diff.deltas().len() > 0).then_some(0),
        };
        let Some(index) = index else {
            return match path {
                Some(path) => Ok((path.to_owned(), 1)),
                None => Err(ApiError::unprocessable("the pull request changes no file: give `path` and `line`")),
            };
        };
        let delta_path = diff.get_delta(index).and_then(|d| delta_path(&d)).unwrap_or_default();
        let mut first_shown = None;
        if let Ok(Some(patch)) = git2::Patch::from_diff(&diff, index) {
            for h in 0..patch.num_hunks() {
                for l in 0..patch.num_lines_in_hunk(h).unwrap_or(0) {
                    let Ok(line) = patch.line_in_hunk(h, l) else { continue };
                    if let Some(new) = line.new_lineno() {
                        if line.origin() == '+' {
                            return Ok((delta_path, u64::from(new)));
                        }
                        first_shown.get_or_insert(u64::from(new));
                    }
                }
            }
        }
        Ok((delta_path, first_shown.unwrap_or(1)))
    }
}

/// Whether `commit` is one of the pull request's commits (its head or an ancestor of it past the merge base).
fn part_of(git: &Repository, pr: &Pull, commit: Oid) -> bool {
    let (Ok(head), Ok(base)) = (Oid::from_str(&pr.head_sha), Oid::from_str(&pr.base_sha)) else { return false };
    if commit == head {
        return true;
    }
    let merge_base = git.merge_base(base, head).unwrap_or(base);
    git.find_commit(commit).is_ok()
        && git.graph_descendant_of(head, commit).unwrap_or(false)
        && commit != merge_base
        && !git.graph_descendant_of(merge_base, commit).unwrap_or(false)
}

fn delta_path(delta: &git2::DiffDelta<'_>) -> Option<String> {
    delta.new_file().path().or_else(|| delta.old_file().path()).map(|p| p.to_string_lossy().into_owned())
}

/// The pull request's diff at `commit`: from the merge base with `base` to `commit`, three lines of context.
fn pull_diff<'r>(
    git: &'r Repository,
    base: Oid,
    commit: Oid,
    path: Option<&str>,
) -> Result<git2::Diff<'r>, git2::Error> {
    let merge_base = git.merge_base(base, commit).unwrap_or(base);
    let old = git.find_commit(merge_base)?.tree()?;
    let new = git.find_commit(commit)?.tree()?;
    let mut options = git2::DiffOptions::new();
    options.context_lines(3);
    if let Some(path) = path {
        options.pathspec(path).disable_pathspec_match(true);
    }
    git.diff_tree_to_tree(Some(&old), Some(&new), Some(&mut options))
}

/// The hunk of `path`'s diff from its header down to `line` on `side`, and the line's `position` (lines below the
/// file's first `@@`, later hunk headers counted); `None` when the diff does not show that line.
fn locate(git: &Repository, base: Oid, commit: Oid, path: &str, line: u64, side: &str) -> Option<(String, u64)> {
    let diff = pull_diff(git, base, commit, Some(path)).ok()?;
    let index = diff.deltas().position(|d| delta_path(&d).as_deref() == Some(path))?;
    let patch = git2::Patch::from_diff(&diff, index).ok()??;
    let mut position = 0;
    for h in 0..patch.num_hunks() {
        let (hunk, count) = patch.hunk(h).ok()?;
        if h > 0 {
            position += 1;
        }
        let mut text = String::from_utf8_lossy(hunk.header()).trim_end().to_owned();
        for l in 0..count {
            let shown = patch.line_in_hunk(h, l).ok()?;
            let origin = shown.origin();
            if !matches!(origin, '+' | '-' | ' ') {
                continue; // "\ No newline at end of file"
            }
            position += 1;
            text.push('\n');
            text.push(origin);
            text.push_str(String::from_utf8_lossy(shown.content()).trim_end_matches(['\n', '\r']));
            let number = if side == "LEFT" {
                shown.old_lineno().filter(|_| origin != '+')
            } else {
                shown.new_lineno().filter(|_| origin != '-')
            };
            if number.map(u64::from) == Some(line) {
                return Some((text, position));
            }
        }
    }
    None
}

/// A one-line hunk for a line the diff does not show: the line's text at `commit` (`LEFT`: at the merge base).
fn one_line_hunk(git: &Repository, base: Oid, commit: Oid, path: &str, line: u64, side: &str) -> String {
    let at = if side == "LEFT" { git.merge_base(base, commit).unwrap_or(base) } else { commit };
    let text = match git::content_at(git, at, path) {
        Some(git::Content::File { bytes, .. }) => usize::try_from(line)
            .ok()
            .and_then(|l| l.checked_sub(1))
            .and_then(|l| String::from_utf8_lossy(&bytes).lines().nth(l).map(str::to_owned))
            .unwrap_or_default(),
        _ => String::new(),
    };
    format!("@@ -{line},1 +{line},1 @@\n {text}")
}
