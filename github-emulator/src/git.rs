//! The bare repositories behind the emulator: every git object GitHub's API shows is read from or written to a
//! real repository with git2, so clients that fetch over smart HTTP see exactly what the REST API reports.

use std::path::Path;

use git2::{Oid, Repository, Signature, Time};
use jiff::Timestamp;

use crate::http::ApiError;

/// Someone in a commit: name, email and when.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub when: Timestamp,
}

impl Person {
    pub fn signature(&self) -> Result<Signature<'static>, ApiError> {
        Signature::new(&self.name, &self.email, &Time::new(self.when.as_second(), 0)).map_err(ApiError::git)
    }

    pub fn from_signature(sig: &Signature<'_>) -> Person {
        Person {
            name: sig.name().unwrap_or_default().to_owned(),
            email: sig.email().unwrap_or_default().to_owned(),
            when: Timestamp::from_second(sig.when().seconds()).unwrap_or(Timestamp::UNIX_EPOCH),
        }
    }
}

pub fn init_bare(path: &Path, default_branch: &str) -> Result<Repository, ApiError> {
    let mut opts = git2::RepositoryInitOptions::new();
    opts.bare(true).initial_head(default_branch).mkpath(true);
    Repository::init_opts(path, &opts).map_err(ApiError::git)
}

/// Imports every branch and tag of the local repository at `source` into the bare repository at `path`; returns
/// the default branch (the source's current branch, or `main`).
pub fn import(path: &Path, source: &Path) -> anyhow::Result<String> {
    let from =
        Repository::open(source).map_err(|e| anyhow::anyhow!("{}: not a git repository: {e}", source.display()))?;
    let branch = from
        .head()
        .ok()
        .and_then(|h| h.shorthand().ok().map(str::to_owned))
        .filter(|b| b != "HEAD")
        .unwrap_or_else(|| "main".to_owned());
    // Fast: git's own local clone copies the object files as they are (no packing), seconds less on a large
    // repository. Without a `git` that can do it, the objects are fetched through git2, with its progress.
    if clone_bare(source, path) {
        let repo = Repository::open_bare(path)?;
        let _ = repo.remote_delete("origin");
        repo.set_head(&format!("refs/heads/{branch}"))?;
        return Ok(branch);
    }
    let repo = init_bare(path, &branch).map_err(|e| anyhow::anyhow!("{e}"))?;
    let source_url = source.canonicalize()?.to_string_lossy().into_owned();
    let mut remote = repo.remote_anonymous(&source_url)?;
    // A large repository takes seconds: its progress is logged about once a second (objects, then deltas).
    let started = std::time::Instant::now();
    let mut last = started;
    let mut callbacks = git2::RemoteCallbacks::new();
    callbacks.transfer_progress(|p| {
        let now = std::time::Instant::now();
        if now.duration_since(last) >= std::time::Duration::from_secs(1) {
            last = now;
            tracing::info!(
                "seeding from {}: {}/{} objects, {}/{} deltas, {:.1} MB, {:.0} s",
                source.display(),
                p.received_objects(),
                p.total_objects(),
                p.indexed_deltas(),
                p.total_deltas(),
                p.received_bytes() as f64 / 1e6,
                now.duration_since(started).as_secs_f64()
            );
        }
        true
    });
    let mut options = git2::FetchOptions::new();
    options.remote_callbacks(callbacks);
    remote.fetch(&["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"], Some(&mut options), None)?;
    repo.set_head(&format!("refs/heads/{branch}"))?;
    Ok(branch)
}

/// `git clone --bare --no-hardlinks SOURCE PATH` (no system or global git configuration): every branch and tag,
/// the objects copied; false (and nothing left at `path`) when it fails.
fn clone_bare(source: &Path, path: &Path) -> bool {
    let ok = std::process::Command::new("git")
        .args(["clone", "--bare", "--no-hardlinks", "--quiet", "--"])
        .arg(source)
        .arg(path)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let _ = std::fs::remove_dir_all(path);
    }
    ok
}

/// Resolves a branch, tag, full ref or commit sha to a commit.
pub fn resolve(repo: &Repository, name: &str) -> Option<Oid> {
    let candidates = [name.to_owned(), format!("refs/heads/{name}"), format!("refs/tags/{name}")];
    for candidate in candidates {
        if let Ok(reference) = repo.find_reference(&candidate)
            && let Ok(commit) = reference.peel_to_commit()
        {
            return Some(commit.id());
        }
    }
    if name.len() >= 4 && name.chars().all(|c| c.is_ascii_hexdigit()) {
        return repo.revparse_single(name).ok().and_then(|o| o.peel_to_commit().ok()).map(|c| c.id());
    }
    None
}

pub fn branch_tip(repo: &Repository, branch: &str) -> Option<Oid> {
    repo.find_reference(&format!("refs/heads/{branch}")).ok().and_then(|r| r.target())
}

/// A blob at `path` in `commit`, or the entries of a folder.
pub enum Content {
    File { sha: String, bytes: Vec<u8> },
    Dir(Vec<(String, String, String, usize)>),
}

pub fn content_at(repo: &Repository, commit: Oid, path: &str) -> Option<Content> {
    let tree = repo.find_commit(commit).ok()?.tree().ok()?;
    let path = path.trim_matches('/');
    let object =
        if path.is_empty() { tree.into_object() } else { tree.get_path(Path::new(path)).ok()?.to_object(repo).ok()? };
    if let Some(blob) = object.as_blob() {
        return Some(Content::File { sha: blob.id().to_string(), bytes: blob.content().to_vec() });
    }
    let tree = object.as_tree()?;
    let entries = tree
        .iter()
        .map(|e| {
            let kind = match e.kind() {
                Some(git2::ObjectType::Tree) => "dir",
                _ => "file",
            };
            let size = e.to_object(repo).ok().and_then(|o| o.as_blob().map(|b| b.size())).unwrap_or(0);
            (e.name().unwrap_or_default().to_owned(), e.id().to_string(), kind.to_owned(), size)
        })
        .collect();
    Some(Content::Dir(entries))
}

/// The files a commit changed against its first parent: (path, status, additions, deletions, blob sha).
pub fn changed_files(repo: &Repository, commit: Oid) -> Result<Vec<FileChange>, ApiError> {
    let commit = repo.find_commit(commit).map_err(ApiError::git)?;
    let new_tree = commit.tree().map_err(ApiError::git)?;
    let old_tree = commit.parent(0).ok().and_then(|p| p.tree().ok());
    let mut diff = repo.diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), None).map_err(ApiError::git)?;
    diff.find_similar(None).map_err(ApiError::git)?;
    let mut out = Vec::new();
    for (index, delta) in diff.deltas().enumerate() {
        let status = match delta.status() {
            git2::Delta::Added => "added",
            git2::Delta::Deleted => "removed",
            git2::Delta::Renamed => "renamed",
            _ => "modified",
        };
        let file = if delta.status() == git2::Delta::Deleted { delta.old_file() } else { delta.new_file() };
        let path = file.path().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
        let (mut additions, mut deletions) = (0, 0);
        if let Ok(Some(patch)) = git2::Patch::from_diff(&diff, index)
            && let Ok((_, add, del)) = patch.line_stats()
        {
            additions = add;
            deletions = del;
        }
        out.push(FileChange { path, status: status.to_owned(), additions, deletions, sha: file.id().to_string() });
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: String,
    pub status: String,
    pub additions: usize,
    pub deletions: usize,
    pub sha: String,
}

/// Whether `commit` changed `path` (a file or a folder) against its first parent.
pub fn touches(repo: &Repository, commit: Oid, path: &str) -> bool {
    let path = path.trim_matches('/');
    let Ok(commit) = repo.find_commit(commit) else { return false };
    let entry = |c: &git2::Commit<'_>| c.tree().ok().and_then(|t| t.get_path(Path::new(path)).ok().map(|e| e.id()));
    let new = entry(&commit);
    let old = commit.parent(0).ok().and_then(|p| entry(&p));
    new != old
}

/// Writes a commit object (no ref moves), carrying `signature` (a `gpgsig` header) when given.
pub fn commit(
    repo: &Repository,
    tree: Oid,
    parents: &[Oid],
    author: &Person,
    committer: &Person,
    message: &str,
    signature: Option<&str>,
) -> Result<Oid, ApiError> {
    let tree = repo.find_tree(tree).map_err(|_| ApiError::unprocessable("Tree SHA does not exist"))?;
    let parents = parents
        .iter()
        .map(|p| {
            repo.find_commit(*p)
                .map_err(|_| ApiError::unprocessable("Parent SHA does not exist or is not a commit object"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    match signature {
        None => repo
            .commit(None, &author.signature()?, &committer.signature()?, message, &tree, &parent_refs)
            .map_err(ApiError::git),
        Some(signature) => {
            let buffer = repo
                .commit_create_buffer(&author.signature()?, &committer.signature()?, message, &tree, &parent_refs)
                .map_err(ApiError::git)?;
            let content = std::str::from_utf8(&buffer).map_err(ApiError::internal)?;
            repo.commit_signed(content, signature, None).map_err(ApiError::git)
        }
    }
}

/// The tree of `base` with `path` set to `content` (or removed when `None`).
pub fn tree_with(repo: &Repository, base: Option<Oid>, path: &str, content: Option<&[u8]>) -> Result<Oid, ApiError> {
    let base_tree = match base {
        Some(commit) => repo.find_commit(commit).and_then(|c| c.tree()).map_err(ApiError::git)?,
        None => empty_tree(repo)?,
    };
    let mut update = git2::build::TreeUpdateBuilder::new();
    match content {
        Some(bytes) => {
            let blob = repo.blob(bytes).map_err(ApiError::git)?;
            update.upsert(path, blob, git2::FileMode::Blob);
        }
        None => {
            update.remove(path);
        }
    }
    update.create_updated(repo, &base_tree).map_err(ApiError::git)
}

pub fn empty_tree(repo: &Repository) -> Result<git2::Tree<'_>, ApiError> {
    let oid = repo.treebuilder(None).and_then(|b| b.write()).map_err(ApiError::git)?;
    repo.find_tree(oid).map_err(ApiError::git)
}

/// The tree of merging `theirs` into `ours`; `None` on conflicts.
pub fn merge_tree(repo: &Repository, ours: Oid, theirs: Oid) -> Result<Option<Oid>, ApiError> {
    let ours = repo.find_commit(ours).map_err(ApiError::git)?;
    let theirs = repo.find_commit(theirs).map_err(ApiError::git)?;
    let mut index = repo.merge_commits(&ours, &theirs, None).map_err(ApiError::git)?;
    if index.has_conflicts() {
        return Ok(None);
    }
    index.write_tree_to(repo).map(Some).map_err(ApiError::git)
}

/// The commits reachable from `head` but not from `base`, oldest first.
pub fn commits_between(repo: &Repository, base: Oid, head: Oid) -> Result<Vec<Oid>, ApiError> {
    let mut walk = repo.revwalk().map_err(ApiError::git)?;
    walk.push(head).map_err(ApiError::git)?;
    walk.hide(base).map_err(ApiError::git)?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).map_err(ApiError::git)?;
    walk.collect::<Result<Vec<_>, _>>().map_err(ApiError::git)
}

/// Replays `commit` onto `onto` (cherry-pick); `None` on conflicts. Keeps the author, sets the committer.
pub fn cherry_pick(repo: &Repository, commit: Oid, onto: Oid, committer: &Person) -> Result<Option<Oid>, ApiError> {
    let picked = repo.find_commit(commit).map_err(ApiError::git)?;
    let onto_commit = repo.find_commit(onto).map_err(ApiError::git)?;
    let mut index = repo.cherrypick_commit(&picked, &onto_commit, 0, None).map_err(ApiError::git)?;
    if index.has_conflicts() {
        return Ok(None);
    }
    let tree = index.write_tree_to(repo).map_err(ApiError::git)?;
    let author = Person::from_signature(&picked.author());
    self::commit(repo, tree, &[onto], &author, committer, picked.message().unwrap_or_default(), None).map(Some)
}

/// A commit on top of `onto` that undoes `commit`; `None` on conflicts.
pub fn revert(repo: &Repository, commit: Oid, onto: Oid, who: &Person) -> Result<Option<Oid>, ApiError> {
    let reverted = repo.find_commit(commit).map_err(ApiError::git)?;
    let onto_commit = repo.find_commit(onto).map_err(ApiError::git)?;
    let mainline = if reverted.parent_count() > 1 { 1 } else { 0 };
    let mut index = repo.revert_commit(&reverted, &onto_commit, mainline, None).map_err(ApiError::git)?;
    if index.has_conflicts() {
        return Ok(None);
    }
    let tree = index.write_tree_to(repo).map_err(ApiError::git)?;
    let summary = reverted.summary().ok().flatten().unwrap_or_default().to_owned();
    let message = format!("Revert \"{summary}\"\n\nThis reverts commit {commit}.\n");
    self::commit(repo, tree, &[onto], who, who, &message, None).map(Some)
}

/// Moves (or creates) `refs/heads/{branch}` to `to`.
pub fn set_branch(repo: &Repository, branch: &str, to: Oid, message: &str) -> Result<(), ApiError> {
    repo.reference(&format!("refs/heads/{branch}"), to, true, message).map(|_| ()).map_err(ApiError::git)
}
