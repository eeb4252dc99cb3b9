//! Issues and their comments: creating and editing them as the actor, and their JSON.

use serde_json::Value;

use super::Ctx;
use crate::http::ApiError;
use crate::shapes::IssueLike;
use crate::state::{Comment, Issue, Permission, ReviewComment};

impl Ctx<'_> {
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
        self.edit(body, |repo| repo.comments.iter_mut().find(|c| c.id == id))
    }

    /// Edits the body of the comment `find` picks (404 when none) as the actor: its author, or anyone with write
    /// access. Returns (before, after).
    pub fn edit<C: Edited + Clone>(
        &mut self,
        body: &str,
        find: impl FnOnce(&mut crate::state::Repo) -> Option<&mut C>,
    ) -> Result<(C, C), ApiError> {
        let now = self.st.now();
        let actor = self.actor.login.clone();
        let may_edit_others = self.permission() >= Permission::Write;
        let comment = find(self.repo_mut()).ok_or_else(ApiError::not_found)?;
        if comment.author() != actor && !may_edit_others {
            return Err(ApiError::forbidden());
        }
        let before = comment.clone();
        comment.set_body(body, now);
        Ok((before, comment.clone()))
    }

    /// Opens issue number N (the repository's next number) as the actor; returns N.
    pub fn create_issue(&mut self, title: String, body: Option<String>, labels: Vec<String>) -> u64 {
        let now = self.st.now();
        let id = self.st.id();
        let user = self.actor.login.clone();
        let repo = self.repo_mut();
        let number = repo.next_number;
        repo.next_number += 1;
        repo.issues.push(Issue {
            id,
            number,
            title,
            body,
            user,
            labels,
            state: "open".to_owned(),
            created_at: now,
            updated_at: now,
            closed_at: None,
        });
        number
    }
}

/// A comment whose body its author (or a writer) may edit.
pub trait Edited {
    fn author(&self) -> &str;
    fn set_body(&mut self, body: &str, now: jiff::Timestamp);
}

impl Edited for Comment {
    fn author(&self) -> &str {
        &self.user
    }

    fn set_body(&mut self, body: &str, now: jiff::Timestamp) {
        body.clone_into(&mut self.body);
        self.updated_at = now;
    }
}

impl Edited for ReviewComment {
    fn author(&self) -> &str {
        &self.user
    }

    fn set_body(&mut self, body: &str, now: jiff::Timestamp) {
        body.clone_into(&mut self.body);
        self.updated_at = now;
    }
}
