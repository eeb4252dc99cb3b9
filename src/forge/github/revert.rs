//! Reverting the drill's commit: file by file on the branch's tip; where the branch refuses the direct update, the
//! revert pull request the step asks for (opened here, merged like the drill's).

use super::*;

impl GitHubForge {
    /// GitHub has no revert endpoint: the commit is undone file by file on top of the branch's tip (each file
    /// the commit changed goes back to its first parent's version, when nobody changed it since), and the
    /// branch is moved without force. Where branch protection or a ruleset refuses that, the revert commit and
    /// GitHub's words come back ([`RevertOutcome::Refused`]): the step opens a revert pull request.
    pub(super) async fn revert_commit(&self, spec: &RevertSpec<'_>) -> Result<RevertOutcome> {
        let RevertSpec { commit, base, message, actor, at, .. } = *spec;
        let info = self.ok(Method::GET, &self.repo_path(&format!("/commits/{commit}")), None).await?;
        let parents =
            info["parents"].as_array().into_iter().flatten().map(|p| sha(&p["sha"])).collect::<Result<Vec<_>>>()?;
        let parent = parents.first().cloned().ok_or_else(|| other("cannot revert a root commit"))?;
        // What `git revert` writes for what really landed (a merge commit, a squash, a rebased commit).
        let message = match message {
            Some(m) => m.to_owned(),
            None => {
                crate::git::message::revert_message(commit, info["commit"]["message"].as_str().unwrap_or(""), &parents)
            }
        };
        let message = message.as_str();
        let files: Vec<String> = info["files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["filename"].as_str().map(str::to_owned))
            .collect();
        for _ in 0..5 {
            let tip = self
                .branch_head(base)
                .await?
                .ok_or_else(|| ForgeError::NoBranch { repo: self.describe(), branch: base.to_owned() })?;
            let mut changes = Vec::new();
            for f in &files {
                let now = self.read_file(&tip, f).await?;
                let theirs = self.read_file(commit, f).await?;
                if now != theirs {
                    // A run racing this one may have reverted it already: then that landing is the revert.
                    if let Some(landing) = self.reverted_by(commit, &parent, &files, base).await? {
                        return Ok(RevertOutcome::Landed(landing));
                    }
                    return Err(other(format!("cannot revert {}: `{f}` changed since", commit.short())));
                }
                changes.push(match self.read_file(&parent, f).await? {
                    Some(old) => FileChange::write(f.clone(), old),
                    None => FileChange::delete(f.clone()),
                });
            }
            let reverted = self.write_commit(&tip, &changes, message, actor, at).await?;
            let body = json!({"sha": reverted.to_string(), "force": false});
            let (status, v) =
                self.call(Method::PATCH, &self.repo_path(&format!("/git/refs/heads/{base}")), Some(&body)).await?;
            if status.is_success() {
                return Ok(RevertOutcome::Landed(Landing {
                    sha: reverted,
                    at,
                    message: message.to_owned(),
                    author: actor.clone(),
                    committer: actor.clone(),
                }));
            }
            // 422 "Update is not a fast forward": the branch moved; try again on the new tip. A 422 while the
            // tip is still where the revert was built is no race: branch protection or a ruleset refused the
            // direct update ("Protected branch update failed", "Repository rule violations found"). Retrying
            // cannot help: the way a colleague would go is a revert pull request, merged through the rules.
            if status != StatusCode::UNPROCESSABLE_ENTITY {
                return Err(api_error(&Method::PATCH, "git/refs", status, &v));
            }
            if self.branch_head(base).await?.as_ref() == Some(&tip) {
                let refused = v["message"].as_str().unwrap_or("no message").lines().next().unwrap_or("").trim();
                return Ok(RevertOutcome::Refused(RevertRefused {
                    reverted,
                    refused: refused.to_owned(),
                    message: message.to_owned(),
                }));
            }
        }
        Err(other(format!("`{base}` kept moving while reverting")))
    }

    /// The pull request that lands `refused.reverted` (the revert of `spec.commit`, built on `spec.base`'s tip)
    /// after GitHub refused to move the branch directly: the branch, title and body GitHub's "Revert" button
    /// gives ([`revert_pull_words`]), found again when an earlier run opened it. The step then merges it like
    /// the drill's (an approver, strict checks); while it cannot merge yet, the fault is still live.
    pub(super) async fn open_revert_pull(&self, spec: &RevertSpec<'_>, refused: &RevertRefused) -> Result<Change> {
        let RevertSpec { commit, base, .. } = *spec;
        let reverted = &refused.reverted;
        let pulls = self.ok(Method::GET, &self.repo_path(&format!("/commits/{commit}/pulls")), None).await?;
        let drill_pr = pulls.as_array().and_then(|a| a.first()).cloned().unwrap_or(Value::Null);
        let (branch, title, body) = revert_pull_words(
            drill_pr["number"].as_u64(),
            drill_pr["head"]["ref"].as_str(),
            drill_pr["title"].as_str(),
            &format!("{}/{}", self.owner, self.repo),
            commit,
            &refused.message,
        );
        // Look before creating: the revert pull request a stopped run opened. Ledgers of earlier firedrill
        // versions name it `<drill branch>-revert`.
        let earlier = drill_pr["head"]["ref"].as_str().map(|b| format!("{b}-revert"));
        let mut found = self.find_change(&branch).await?;
        if found.is_none()
            && let Some(earlier) = &earlier
        {
            found = self.find_change(earlier).await?;
        }
        if let Some(c) = found {
            return Ok(c);
        }
        // A revert branch left by a run that stopped before its pull request: ours, moved to this revert.
        if let Some(h) = self.branch_head(&branch).await?
            && h != *reverted
        {
            self.ok(
                Method::PATCH,
                &self.repo_path(&format!("/git/refs/heads/{branch}")),
                Some(&json!({"sha": reverted.to_string(), "force": true})),
            )
            .await?;
        }
        self.open_change(&branch, reverted, base, &title, &body).await
    }

    /// The first landing on `base` after `commit` at which every file of `files` is back to its version in
    /// `parent` (the commit's revert, made by a run racing this one), if the tip is there.
    pub(super) async fn reverted_by(
        &self,
        commit: &CommitSha,
        parent: &CommitSha,
        files: &[String],
        base: &str,
    ) -> Result<Option<Landing>> {
        let mut before = Vec::new();
        for f in files {
            before.push(self.read_file(parent, f).await?);
        }
        let mut first = None;
        for landing in Forge::history(self, base, commit).await? {
            let mut undone = true;
            for (f, old) in files.iter().zip(&before) {
                undone &= self.read_file(&landing.sha, f).await? == *old;
            }
            match (undone, &first) {
                (true, None) => first = Some(landing),
                (false, _) => first = None,
                (true, Some(_)) => {}
            }
        }
        Ok(first)
    }
}

/// The branch, title and body GitHub's "Revert" button gives the revert of pull request `number` (from branch
/// `head`, titled `title`) in `repo`: `revert-N-BRANCH`, `Revert "TITLE"`, `Reverts OWNER/REPO#N`. Without the
/// pull request (a commit that landed without one), `revert-SHORT`, the revert commit's subject and message.
pub(super) fn revert_pull_words(
    number: Option<u64>,
    head: Option<&str>,
    title: Option<&str>,
    repo: &str,
    commit: &CommitSha,
    message: &str,
) -> (String, String, String) {
    let branch = match (number, head) {
        (Some(n), Some(h)) => format!("revert-{n}-{h}"),
        _ => format!("revert-{}", commit.short()),
    };
    let title = match title {
        Some(t) => format!("Revert \"{t}\""),
        None => crate::git::message::subject(message),
    };
    let body = match number {
        Some(n) => format!("Reverts {repo}#{n}"),
        None => message.trim_end().to_owned(),
    };
    (branch, title, body)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_revert_pull_request_is_worded_like_githubs_revert_button() {
        let c = CommitSha::parse(&"c".repeat(40)).unwrap();
        let (branch, title, body) =
            revert_pull_words(Some(42), Some("tune-pool"), Some("Tune pool"), "acme/shop", &c, "Revert \"x\"\n");
        assert_eq!(
            (branch.as_str(), title.as_str(), body.as_str()),
            ("revert-42-tune-pool", "Revert \"Tune pool\"", "Reverts acme/shop#42")
        );
        let (branch, title, _) = revert_pull_words(None, None, None, "acme/shop", &c, "Revert \"x\"\n\nThis reverts.");
        assert_eq!((branch.as_str(), title.as_str()), ("revert-ccccccc", "Revert \"x\""));
    }
}
