//! One type for "a forge of either kind", so a run can hold local and GitHub targets side by side.

use jiff::Timestamp;

use super::github::GitHubForge;
use super::local::LocalForge;
use super::{
    Behind, Change, Comment, Forge, Landing, MergeOutcome, MergeSpec, Permission, Person, Reaction, Result,
    RevertOutcome, RevertRefused, RevertSpec,
};
use crate::git::{CommitSha, FileChange};
use crate::render::comment::Marker;

pub enum AnyForge {
    Local(LocalForge),
    GitHub(GitHubForge),
}

/// Forwards a call to whichever forge this is.
macro_rules! each {
    ($self:ident, $f:ident => $call:expr) => {
        match $self {
            AnyForge::Local($f) => $call,
            AnyForge::GitHub($f) => $call,
        }
    };
}

impl Forge for AnyForge {
    fn describe(&self) -> String {
        each!(self, f => f.describe())
    }
    fn requests(&self) -> usize {
        each!(self, f => f.requests())
    }
    fn web_url(&self) -> Option<String> {
        each!(self, f => f.web_url())
    }
    async fn branch_head(&self, branch: &str) -> Result<Option<CommitSha>> {
        each!(self, f => f.branch_head(branch).await)
    }
    async fn read_file(&self, commit: &CommitSha, path: &str) -> Result<Option<String>> {
        each!(self, f => f.read_file(commit, path).await)
    }
    async fn list_files(&self, commit: &CommitSha) -> Result<Option<(Vec<String>, bool)>> {
        each!(self, f => f.list_files(commit).await)
    }
    async fn write_commit(
        &self,
        parent: &CommitSha,
        files: &[FileChange],
        message: &str,
        author: &Person,
        at: Timestamp,
    ) -> Result<CommitSha> {
        each!(self, f => f.write_commit(parent, files, message, author, at).await)
    }
    async fn find_change(&self, branch: &str) -> Result<Option<Change>> {
        each!(self, f => f.find_change(branch).await)
    }
    async fn open_change(&self, branch: &str, head: &CommitSha, base: &str, title: &str, body: &str) -> Result<Change> {
        each!(self, f => f.open_change(branch, head, base, title, body).await)
    }
    async fn merge_change(
        &self,
        change: &Change,
        merge: &MergeSpec<'_>,
        actor: &Person,
        at: Timestamp,
    ) -> Result<MergeOutcome> {
        each!(self, f => f.merge_change(change, merge, actor, at).await)
    }
    async fn approve(&self, change: &Change, head: &CommitSha) -> Result<()> {
        each!(self, f => f.approve(change, head).await)
    }
    async fn update_branch(&self, change: &Change, base: &str, behind: &Behind) -> Result<MergeOutcome> {
        each!(self, f => f.update_branch(change, base, behind).await)
    }
    async fn landed(&self, change: &Change, merge: &MergeSpec<'_>) -> Result<Option<(CommitSha, Timestamp)>> {
        each!(self, f => f.landed(change, merge).await)
    }
    async fn revert(&self, spec: &RevertSpec<'_>) -> Result<RevertOutcome> {
        each!(self, f => f.revert(spec).await)
    }
    async fn open_revert_change(&self, spec: &RevertSpec<'_>, refused: &RevertRefused) -> Result<Change> {
        each!(self, f => f.open_revert_change(spec, refused).await)
    }
    async fn recent_work(&self, base: &str, head: &CommitSha) -> Result<crate::disguise::style::Recent> {
        each!(self, f => f.recent_work(base, head).await)
    }
    async fn history(&self, base: &str, after: &CommitSha) -> Result<Vec<Landing>> {
        each!(self, f => f.history(base, after).await)
    }
    async fn close_change(&self, change: &Change) -> Result<()> {
        each!(self, f => f.close_change(change).await)
    }
    fn observes_deploys(&self) -> bool {
        each!(self, f => f.observes_deploys())
    }
    async fn live_at(&self, signal: &crate::scenario::DeploySignal, commit: &CommitSha) -> Result<Option<Timestamp>> {
        each!(self, f => f.live_at(signal, commit).await)
    }
    async fn open_issue_with_label(&self, label: &str) -> Result<Option<u64>> {
        each!(self, f => f.open_issue_with_label(label).await)
    }
    async fn comments(&self, change: &Change, since: Option<Timestamp>) -> Result<Vec<Comment>> {
        each!(self, f => f.comments(change, since).await)
    }
    async fn comment(&self, id: u64) -> Result<Option<Comment>> {
        each!(self, f => f.comment(id).await)
    }
    async fn code_owners(&self, branch: &str, path: &str) -> Result<Option<crate::drill::guard::Owners>> {
        each!(self, f => f.code_owners(branch, path).await)
    }
    async fn review(&self, number: u64, id: u64) -> Result<Option<Comment>> {
        each!(self, f => f.review(number, id).await)
    }
    async fn permission(&self, login: &str) -> Result<Permission> {
        each!(self, f => f.permission(login).await)
    }
    async fn react(&self, comment: u64, reaction: Reaction) -> Result<()> {
        each!(self, f => f.react(comment, reaction).await)
    }
    fn has_issues(&self) -> bool {
        each!(self, f => f.has_issues())
    }
    async fn guard_rails(&self, branch: &str) -> Result<Option<crate::drill::guard::GuardRails>> {
        each!(self, f => f.guard_rails(branch).await)
    }
    async fn reply_in_thread(&self, change: &Change, comment: u64, body: &str) -> Result<bool> {
        each!(self, f => f.reply_in_thread(change, comment, body).await)
    }
    fn has_approver(&self) -> bool {
        each!(self, f => f.has_approver())
    }
    async fn open_issue(&self, title: &str, body: &str, marker: &Marker) -> Result<Option<String>> {
        each!(self, f => f.open_issue(title, body, marker).await)
    }
    fn is_repository(&self, full_name: &str) -> bool {
        each!(self, f => f.is_repository(full_name))
    }
    async fn post_note(&self, change: &Change, marker: &Marker, body: &str) -> Result<()> {
        each!(self, f => f.post_note(change, marker, body).await)
    }
    async fn token_owner(&self) -> Result<Option<Person>> {
        each!(self, f => Forge::token_owner(f).await)
    }
}
