//! Git data through the REST API: blobs, trees, commits and refs, without a clone.

use super::*;

/// A tree's id and its entries as (name, object id), from the git trees API's answer.
pub(super) fn tree_entries(tree: wire::Tree) -> (String, Vec<(String, String)>) {
    let entries = tree.tree.into_iter().flatten().filter_map(|e| Some((e.path?, e.sha?))).collect();
    (tree.sha.unwrap_or_default(), entries)
}

impl GitHubForge {
    /// The names in folder `dir` at `commit` (empty when it does not exist).
    pub async fn list_dir(&self, commit: &CommitSha, dir: &str) -> Result<Vec<String>> {
        let p = self.repo_path(&format!("/contents/{}?ref={commit}", encode_path(dir)));
        let (status, v) = self.call(Method::GET, &p, None).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(Vec::new());
        }
        if !status.is_success() {
            return Err(api_error(&Method::GET, &p, status, &v));
        }
        let mut names: Vec<String> = match wire::read(v, &format!("folder {dir}"))? {
            wire::Contents::Dir(entries) => entries.into_iter().filter_map(|e| e.name).collect(),
            wire::Contents::Other(_) => Vec::new(),
        };
        names.sort();
        Ok(names)
    }

    /// Writes a commit with `files` on `parent` (or a root commit with only them when `None`).
    pub async fn write_commit_on(
        &self,
        parent: Option<&CommitSha>,
        files: &[FileChange],
        message: &str,
        author: &Person,
        at: Timestamp,
    ) -> Result<CommitSha> {
        match parent {
            Some(p) => self.write_commit(p, files, message, author, at).await,
            None => {
                let mut entries = Vec::new();
                for f in files {
                    if let FileChange::Write { path, content } = f {
                        let body = json!({"content": base64::engine::general_purpose::STANDARD.encode(content), "encoding": "base64"});
                        let blob = self.ok(Method::POST, &self.repo_path("/git/blobs"), Some(&body)).await?;
                        let blob: wire::Written = wire::read(blob, "written blob")?;
                        entries.push(json!({"path": path, "mode": "100644", "type": "blob", "sha": blob.sha}));
                    }
                }
                let tree =
                    self.ok(Method::POST, &self.repo_path("/git/trees"), Some(&json!({"tree": entries}))).await?;
                let tree: wire::Written = wire::read(tree, "written tree")?;
                let who = json!({"name": author.name, "email": author.email, "date": at.to_string()});
                let body =
                    json!({"message": message, "tree": tree.sha, "parents": [], "author": who, "committer": who});
                let commit = self.ok(Method::POST, &self.repo_path("/git/commits"), Some(&body)).await?;
                wire::commit_id(wire::read::<wire::Written>(commit, "written commit")?.sha.as_deref())
            }
        }
    }

    /// The tree of `commit` (its id) and its top-level entries as (name, object id): one request.
    pub async fn root_tree(&self, commit: &CommitSha) -> Result<(String, Vec<(String, String)>)> {
        let tree = self.ok(Method::GET, &self.repo_path(&format!("/git/trees/{commit}")), None).await?;
        Ok(tree_entries(wire::read(tree, &format!("tree of {}", commit.short()))?))
    }

    /// The content of blob `sha` (the blobs API reads files of up to 100 MB; the contents API stops at 1 MB).
    pub async fn blob(&self, sha: &str) -> Result<Vec<u8>> {
        let blob = self.ok(Method::GET, &self.repo_path(&format!("/git/blobs/{sha}")), None).await?;
        let blob: wire::Blob = wire::read(blob, &format!("blob {sha}"))?;
        let encoded: String = blob.content.unwrap_or_default().chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| other(format!("blob {sha}: bad base64 from GitHub: {e}")))
    }

    /// Writes the tree `base` (a tree id; `None`: empty) with the text files `files` written (deletions are
    /// removed), in one request; returns its id and its top-level entries.
    pub async fn write_tree(
        &self,
        base: Option<&str>,
        files: &[FileChange],
    ) -> Result<(String, Vec<(String, String)>)> {
        let entries: Vec<Value> = files
            .iter()
            .map(|f| match f {
                FileChange::Write { path, content } => {
                    json!({"path": path, "mode": "100644", "type": "blob", "content": String::from_utf8_lossy(content)})
                }
                FileChange::Delete { path } => json!({"path": path, "mode": "100644", "type": "blob", "sha": null}),
            })
            .collect();
        let mut body = json!({"tree": entries});
        if let Some(base) = base {
            body["base_tree"] = json!(base);
        }
        let tree = self.ok(Method::POST, &self.repo_path("/git/trees"), Some(&body)).await?;
        Ok(tree_entries(wire::read(tree, "written tree")?))
    }

    /// Writes a commit of tree `tree` on `parent` (a root commit when `None`).
    pub async fn write_commit_of_tree(
        &self,
        tree: &str,
        parent: Option<&CommitSha>,
        message: &str,
        author: &Person,
        at: Timestamp,
    ) -> Result<CommitSha> {
        let who = json!({"name": author.name, "email": author.email, "date": at.to_string()});
        let parents: Vec<String> = parent.iter().map(|p| p.to_string()).collect();
        let body = json!({"message": message, "tree": tree, "parents": parents, "author": who, "committer": who});
        let commit = self.ok(Method::POST, &self.repo_path("/git/commits"), Some(&body)).await?;
        wire::commit_id(wire::read::<wire::Written>(commit, "written commit")?.sha.as_deref())
    }

    /// Moves (or creates) `branch` to `commit` if it is still at `expected` (absent when `None`): a
    /// compare-and-swap. `false` when it moved meanwhile; any other refusal is an error.
    pub async fn move_branch(&self, branch: &str, commit: &CommitSha, expected: Option<&CommitSha>) -> Result<bool> {
        let (status, v) = match expected {
            None => {
                let body = json!({"ref": format!("refs/heads/{branch}"), "sha": commit.to_string()});
                self.call(Method::POST, &self.repo_path("/git/refs"), Some(&body)).await?
            }
            Some(_) => {
                let body = json!({"sha": commit.to_string(), "force": false});
                self.call(Method::PATCH, &self.repo_path(&format!("/git/refs/heads/{branch}")), Some(&body)).await?
            }
        };
        if status.is_success() {
            return Ok(true);
        }
        // 422: the ref exists already, or the update is not a fast-forward. A race only if the branch moved.
        if status == StatusCode::UNPROCESSABLE_ENTITY && self.branch_head(branch).await?.as_ref() != expected {
            return Ok(false);
        }
        Err(api_error(&Method::PATCH, "git/refs", status, &v))
    }

    pub(super) fn change_of(pr: &Value) -> Result<Change> {
        let pr: wire::PullSummary = wire::read(pr.clone(), "pull request")?;
        let head = pr.head.unwrap_or_default();
        Ok(Change {
            id: pr.number.map(|n| n.to_string().into()).ok_or_else(|| other("pull request without a number"))?,
            branch: head.name.unwrap_or_default(),
            head: wire::commit_id(head.sha.as_deref())?,
            url: pr.html_url,
        })
    }

    /// The landing time of `commit` on a branch: the `merged_at` of the pull request that landed it, else
    /// its committer date.
    pub(super) async fn landed_at(&self, commit: &wire::Commit) -> Result<Timestamp> {
        let sha = commit.sha.as_deref().unwrap_or_default();
        let (status, pulls) = self.call(Method::GET, &self.repo_path(&format!("/commits/{sha}/pulls")), None).await?;
        // An answer of another shape names no pull request: the committer date tells.
        let pulls: Vec<wire::PullLanding> =
            if status.is_success() { serde_json::from_value(pulls).unwrap_or_default() } else { Vec::new() };
        if let Some(at) =
            pulls.iter().find(|p| p.merge_commit_sha.as_deref() == Some(sha)).and_then(|p| wire::at(&p.merged_at))
        {
            return Ok(at);
        }
        let date = commit.commit.as_ref().and_then(|c| c.committer.as_ref()).and_then(|c| c.date.clone());
        wire::at(&date).ok_or_else(|| other(format!("commit {sha} has no committer date")))
    }
}
