//! GitHub's answers as typed structs, read with serde: only the fields firedrill decides from.

use super::*;

/// A pull request (`GET /repos/{o}/{r}/pulls/{n}`).
#[derive(Debug, Clone, serde::Deserialize)]
pub(super) struct Pull {
    /// `open` or `closed`.
    pub state: String,
    #[serde(default)]
    pub merged: Option<bool>,
    #[serde(default)]
    pub merged_at: Option<Timestamp>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    /// `null` while GitHub computes whether it can merge.
    #[serde(default)]
    pub mergeable: Option<bool>,
    #[serde(default)]
    pub mergeable_state: Option<String>,
    pub head: Ref,
}

/// One side of a pull request.
#[derive(Debug, Clone, serde::Deserialize)]
pub(super) struct Ref {
    pub sha: String,
}

impl Pull {
    /// The landing of a merged pull request (its merge commit and `merged_at`), or `None` while it is not merged.
    pub(super) fn landing(&self) -> Result<Option<(CommitSha, Timestamp)>> {
        if self.merged != Some(true) && self.merged_at.is_none() {
            return Ok(None);
        }
        let commit =
            self.merge_commit_sha.as_deref().ok_or_else(|| other("a merged pull request without its commit"))?;
        let commit = CommitSha::parse(commit).map_err(|e| other(format!("GitHub returned a bad commit id: {e}")))?;
        let at = self.merged_at.ok_or_else(|| other("a merged pull request without merged_at"))?;
        Ok(Some((commit, at)))
    }

    /// Its `mergeable_state`, `unknown` while GitHub has not computed it (`mergeable: null`).
    pub(super) fn merge_state(&self) -> String {
        match (&self.mergeable, &self.mergeable_state) {
            (None, _) | (_, None) => "unknown".to_owned(),
            (Some(_), Some(state)) => state.clone(),
        }
    }

    pub(super) fn head(&self) -> Result<CommitSha> {
        CommitSha::parse(&self.head.sha).map_err(|e| other(format!("GitHub returned a bad commit id: {e}")))
    }
}

impl GitHubForge {
    /// A pull request, typed.
    pub(super) async fn pull_request(&self, number: &str) -> Result<Pull> {
        let v = self.pull(number).await?;
        serde_json::from_value(v).map_err(|e| other(format!("GitHub's pull request #{number} did not read: {e}")))
    }
}
