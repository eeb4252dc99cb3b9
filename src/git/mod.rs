//! The git layer: a small domain wrapper over git2 for what a drill needs (fetch, commit, merge, revert, push).
//!
//! An adapter: no git2 type appears in a public signature. Everything works on object ids and trees, never on
//! a work tree or an index, so writing a commit costs the depth of the changed paths, not the size of the
//! repository. No function reads the clock: identities carry their times. Tokens travel only through the
//! credentials callback: never into remote configuration, reflogs, errors or logs.

mod error;
pub mod lock;
pub mod message;
mod remote;
mod stream;
mod types;

use std::collections::BTreeSet;
use std::path::Path;

pub use error::{GitError, redact_url};
pub use remote::UNSHALLOW;
use types::ToOid as _;
pub use types::{CommitInfo, CommitSha, FileChange, Identity, InvalidCommitSha, MergeMethod, PushRef, Token};

/// Result of the git layer.
pub type Result<T, E = GitError> = std::result::Result<T, E>;

/// A local git repository (bare or with a work tree; the work tree is never touched).
pub struct Repo {
    repo: git2::Repository,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo").field("path", &self.repo.path()).finish()
    }
}

impl Repo {
    /// Opens the repository at `path` (its work tree, its `.git` folder, or a bare repository). Parent folders
    /// are not searched.
    pub fn open(path: &Path) -> Result<Repo> {
        settings();
        let flags = git2::RepositoryOpenFlags::NO_SEARCH;
        git2::Repository::open_ext(path, flags, std::iter::empty::<&std::ffi::OsStr>())
            .map(|repo| Repo { repo })
            .map_err(|e| GitError::NotARepository { path: path.display().to_string(), message: e.message().to_owned() })
    }

    /// Creates (or reopens) a bare repository at `path`: the usual shape for firedrill's own working copies.
    /// git's template folder is not copied (its sample hooks and description are of no use to a working copy
    /// nobody runs hooks in, and creating those dozen files was most of the cost of a fresh one).
    pub fn init_bare(path: &Path) -> Result<Repo> {
        settings();
        let mut options = git2::RepositoryInitOptions::new();
        options.bare(true).external_template(false);
        git2::Repository::init_opts(path, &options)
            .map(|repo| Repo { repo })
            .map_err(|e| GitError::CannotCreate { path: path.display().to_string(), message: e.message().to_owned() })
    }

    /// Creates (or reopens) a repository with a work tree at `path`.
    pub fn init(path: &Path) -> Result<Repo> {
        settings();
        git2::Repository::init(path)
            .map(|repo| Repo { repo })
            .map_err(|e| GitError::CannotCreate { path: path.display().to_string(), message: e.message().to_owned() })
    }

    /// The repository's git folder (`.git`, or the bare repository itself).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// Whether the repository has no work tree (as a server's copy has).
    pub fn is_bare(&self) -> bool {
        self.repo.is_bare()
    }

    /// Whether the repository is a shallow copy (fetched with a depth): older history is missing.
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// The commit at the tip of local branch `branch` (`main`, not `refs/heads/main`), if the branch exists.
    pub fn branch_head(&self, branch: &str) -> Result<Option<CommitSha>> {
        self.ref_target(&branch_ref(branch)?)
    }

    /// The commit a full reference name (`refs/heads/main`, `refs/remotes/origin/main`) points to, if it
    /// exists. Annotated tags are peeled to their commit.
    pub fn ref_target(&self, refname: &str) -> Result<Option<CommitSha>> {
        check_ref_name(refname)?;
        let reference = match self.repo.find_reference(refname) {
            Ok(r) => r,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(GitError::storage(&e)),
        };
        let commit = reference.peel_to_commit().map_err(|e| GitError::storage(&e))?;
        Ok(Some(types::sha_of(commit.id())))
    }

    /// The content of file `path` at `commit`, or `None` when the commit has no such file. A folder at that
    /// path is an error.
    pub fn read_file(&self, commit: &CommitSha, path: &str) -> Result<Option<Vec<u8>>> {
        check_path(path)?;
        let tree = self.find_commit(commit)?.tree().map_err(|e| GitError::storage(&e))?;
        let entry = match tree.get_path(Path::new(path)) {
            Ok(entry) => entry,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(GitError::storage(&e)),
        };
        if entry.kind() != Some(git2::ObjectType::Blob) {
            return Err(GitError::InvalidPath { path: path.to_owned(), reason: format!("it is a folder at {commit}") });
        }
        let blob = self.repo.find_blob(entry.id()).map_err(|e| GitError::storage(&e))?;
        Ok(Some(blob.content().to_vec()))
    }

    /// The parents, author, committer and message of `commit`.
    pub fn commit_info(&self, commit: &CommitSha) -> Result<CommitInfo> {
        commit_info(&self.find_commit(commit)?)
    }

    /// Writes a commit whose tree is `parent`'s tree with `changes` applied (an empty tree when `parent` is
    /// `None`), and returns its id. Moves no reference: publish it with [`Repo::update_ref`] or [`Repo::push`].
    ///
    /// Only the trees on the changed paths are rewritten (`git2::build::TreeUpdateBuilder`); every other entry
    /// keeps its object id. No work tree, no index: the cost depends on the depth of the paths, not on the size
    /// of the repository. A path may appear once; deleting a missing file is a [`GitError::NotFound`].
    pub fn write_commit(
        &self,
        parent: Option<&CommitSha>,
        changes: &[FileChange],
        message: &str,
        author: &Identity,
        committer: &Identity,
    ) -> Result<CommitSha> {
        let storage = |e: git2::Error| GitError::storage(&e);
        let parent = parent.map(|p| self.find_commit(p)).transpose()?;
        let baseline = match &parent {
            Some(c) => c.tree().map_err(storage)?,
            None => {
                let empty = self.repo.treebuilder(None).and_then(|b| b.write()).map_err(storage)?;
                self.repo.find_tree(empty).map_err(storage)?
            }
        };
        check_changes(changes)?;
        let mut update = git2::build::TreeUpdateBuilder::new();
        for change in changes {
            let path = change.path();
            let existing = existing_entry(&baseline, path)?;
            match change {
                FileChange::Write { content, .. } => {
                    let mode = match existing {
                        Some((git2::ObjectType::Blob, mode)) if mode == i32::from(git2::FileMode::BlobExecutable) => {
                            git2::FileMode::BlobExecutable
                        }
                        Some((git2::ObjectType::Blob, _)) | None => git2::FileMode::Blob,
                        Some(_) => return Err(invalid(path, "a folder (or submodule) is there")),
                    };
                    let blob = self.repo.blob(content).map_err(storage)?;
                    update.upsert(path, blob, mode);
                }
                FileChange::Delete { .. } => match existing {
                    Some((git2::ObjectType::Blob, _)) => {
                        update.remove(path);
                    }
                    Some(_) => return Err(invalid(path, "it is a folder: delete its files one by one")),
                    None => return Err(GitError::NotFound { what: format!("file `{path}` in the parent commit") }),
                },
            }
        }
        let tree_id = update.create_updated(&self.repo, &baseline).map_err(storage)?;
        let tree = self.repo.find_tree(tree_id).map_err(storage)?;
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        self.commit(&tree, &parents, message, author, committer)
    }

    /// Points local reference `name` (a full name, `refs/heads/...`) at `new` if it still holds `expected_old`
    /// (`None`: only if it does not exist yet), atomically. Otherwise fails with [`GitError::RefMoved`].
    pub fn update_ref(
        &self,
        name: &str,
        new: &CommitSha,
        expected_old: Option<&CommitSha>,
        log_message: &str,
    ) -> Result<()> {
        check_ref_name(name)?;
        self.find_commit(new)?;
        let result = match expected_old {
            None => self.repo.reference(name, new.oid(), false, log_message),
            Some(old) => self.repo.reference_matching(name, new.oid(), true, old.oid(), log_message),
        };
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::Exists | git2::ErrorCode::Modified | git2::ErrorCode::NotFound
                ) =>
            {
                Err(GitError::RefMoved {
                    name: name.to_owned(),
                    expected: expected_old.cloned(),
                    actual: self.ref_target(name)?,
                })
            }
            Err(e) => Err(GitError::storage(&e)),
        }
    }

    /// Lands `head` on `base` in memory (no work tree, no index file) and returns the new tip of base:
    /// a merge commit with parents (base, head), a squash commit with parent base, or `head` itself for a
    /// fast-forward. Moves no reference. When `head` is already contained in `base`, returns `base`
    /// unchanged: there is nothing to merge. `author` is used for merge and squash commits.
    ///
    /// The merge base must be present locally: in a shallow copy whose history stops above it, libgit2 merges
    /// without a base and reports conflicts on every file both sides changed. Fetch enough history first.
    pub fn merge(
        &self,
        base: &CommitSha,
        head: &CommitSha,
        method: MergeMethod,
        message: &str,
        author: &Identity,
        committer: &Identity,
    ) -> Result<CommitSha> {
        let base_commit = self.find_commit(base)?;
        let head_commit = self.find_commit(head)?;
        if self.is_ancestor(head, base)? {
            return Ok(base.clone());
        }
        let parents = match method {
            MergeMethod::FastForward => {
                return if self.is_ancestor(base, head)? {
                    Ok(head.clone())
                } else {
                    Err(GitError::NotFastForward { base: base.clone(), head: head.clone() })
                };
            }
            MergeMethod::Merge => vec![&base_commit, &head_commit],
            MergeMethod::Squash => vec![&base_commit],
        };
        let index = self.repo.merge_commits(&base_commit, &head_commit, None).map_err(|e| GitError::storage(&e))?;
        let tree = self.write_merged(index)?;
        self.commit(&tree, &parents, message, author, committer)
    }

    /// Writes a commit on top of `onto` that undoes `commit` (in memory, like [`Repo::merge`]); a merge commit
    /// is reverted against its first parent, as forges revert a merged change request. Moves no reference.
    pub fn revert(
        &self,
        commit: &CommitSha,
        onto: &CommitSha,
        message: &str,
        author: &Identity,
        committer: &Identity,
    ) -> Result<CommitSha> {
        let reverted = self.find_commit(commit)?;
        let onto_commit = self.find_commit(onto)?;
        let mainline = if reverted.parent_count() > 1 { 1 } else { 0 };
        let index =
            self.repo.revert_commit(&reverted, &onto_commit, mainline, None).map_err(|e| GitError::storage(&e))?;
        let tree = self.write_merged(index)?;
        if tree.id() == onto_commit.tree_id() {
            return Err(GitError::NothingToRevert { commit: commit.clone(), onto: onto.clone() });
        }
        self.commit(&tree, &[&onto_commit], message, author, committer)
    }

    /// The commits on the first-parent chain from `after` (exclusive) to `tip` (inclusive), oldest first: what
    /// landed on a branch since `after`. Empty when `tip == after`; [`GitError::NotInHistory`] when `after` is
    /// not on that chain (a commit reached only through a second parent does not count).
    pub fn first_parent_history(&self, tip: &CommitSha, after: &CommitSha) -> Result<Vec<CommitInfo>> {
        let stop = after.oid();
        let mut commits = Vec::new();
        let mut current = self.find_commit(tip)?;
        while current.id() != stop {
            commits.push(commit_info(&current)?);
            // A root commit, or the boundary of a shallow copy, ends the chain.
            current = match current.parent(0) {
                Ok(parent) => parent,
                Err(_) => return Err(GitError::NotInHistory { commit: after.clone(), tip: tip.clone() }),
            };
        }
        commits.reverse();
        Ok(commits)
    }

    /// The last `n` commits of the first-parent chain ending at `tip`, newest first (fewer where it is shorter,
    /// or cut by a shallow copy).
    pub fn recent_first_parent(&self, tip: &CommitSha, n: usize) -> Result<Vec<CommitInfo>> {
        let mut out = Vec::new();
        let mut current = Some(self.find_commit(tip)?);
        while let Some(c) = current.take() {
            if out.len() == n {
                break;
            }
            out.push(commit_info(&c)?);
            current = c.parent(0).ok();
        }
        Ok(out)
    }

    /// Whether `ancestor` is reachable from `descendant` (a commit is its own ancestor), like
    /// `git merge-base --is-ancestor`.
    pub fn is_ancestor(&self, ancestor: &CommitSha, descendant: &CommitSha) -> Result<bool> {
        if ancestor == descendant {
            return Ok(true);
        }
        self.find_commit(ancestor)?;
        self.find_commit(descendant)?;
        self.repo.graph_descendant_of(descendant.oid(), ancestor.oid()).map_err(|e| GitError::storage(&e))
    }

    /// The names of the entries of folder `dir` at `commit` (empty when the folder does not exist), sorted.
    pub fn list_dir(&self, commit: &CommitSha, dir: &str) -> Result<Vec<String>> {
        check_path(dir)?;
        let tree = self.find_commit(commit)?.tree().map_err(|e| GitError::storage(&e))?;
        let entry = match tree.get_path(Path::new(dir)) {
            Ok(entry) => entry,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(GitError::storage(&e)),
        };
        let Ok(sub) = self.repo.find_tree(entry.id()) else {
            return Err(GitError::InvalidPath { path: dir.to_owned(), reason: format!("it is a file at {commit}") });
        };
        let mut names: Vec<String> = sub.iter().filter_map(|e| e.name().ok().map(str::to_owned)).collect();
        names.sort();
        Ok(names)
    }

    /// The path of every file (blob) at `commit`, sorted; links and submodules are left out.
    pub fn list_files(&self, commit: &CommitSha) -> Result<Vec<String>> {
        let tree = self.find_commit(commit)?.tree().map_err(|e| GitError::storage(&e))?;
        let mut out = Vec::new();
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
            if e.kind() == Some(git2::ObjectType::Blob)
                && e.filemode() != 0o120000
                && let Ok(name) = e.name()
            {
                out.push(format!("{dir}{name}"));
            }
            git2::TreeWalkResult::Ok
        })
        .map_err(|e| GitError::storage(&e))?;
        out.sort();
        Ok(out)
    }

    /// The object id of whatever `path` holds at `commit` (a file's blob, a folder's tree), if anything.
    pub fn entry_id(&self, commit: &CommitSha, path: &str) -> Result<Option<String>> {
        check_path(path)?;
        let tree = self.find_commit(commit)?.tree().map_err(|e| GitError::storage(&e))?;
        match tree.get_path(Path::new(path)) {
            Ok(entry) => Ok(Some(entry.id().to_string())),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(GitError::storage(&e)),
        }
    }

    /// For each folder directly in `dir` at `commit`, the content of its file `name`, by folder name, sorted
    /// (folders without that file, and files in `dir`, are skipped; empty when `dir` does not exist).
    ///
    /// One walk of `dir`: linear in its entries. Looking each `<folder>/<name>` up by path instead re-reads
    /// the listing of `dir` every time, which is quadratic with thousands of folders.
    pub fn read_each(&self, commit: &CommitSha, dir: &str, name: &str) -> Result<Vec<(String, Vec<u8>)>> {
        check_path(dir)?;
        check_path(name)?;
        let storage = |e: git2::Error| GitError::storage(&e);
        let tree = self.find_commit(commit)?.tree().map_err(storage)?;
        let entry = match tree.get_path(Path::new(dir)) {
            Ok(entry) => entry,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(storage(e)),
        };
        let Ok(folder) = self.repo.find_tree(entry.id()) else {
            return Err(GitError::InvalidPath { path: dir.to_owned(), reason: format!("it is a file at {commit}") });
        };
        let mut out = Vec::with_capacity(folder.len());
        for sub in folder.iter().filter(|e| e.kind() == Some(git2::ObjectType::Tree)) {
            let Ok(sub_name) = sub.name() else { continue };
            let sub_tree = self.repo.find_tree(sub.id()).map_err(storage)?;
            let Some(file) = sub_tree.get_name(name).filter(|f| f.kind() == Some(git2::ObjectType::Blob)) else {
                continue;
            };
            let blob = self.repo.find_blob(file.id()).map_err(storage)?;
            out.push((sub_name.to_owned(), blob.content().to_vec()));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Points `HEAD` at `refname` (e.g. `refs/heads/main`), so clones check that branch out.
    pub fn set_head(&self, refname: &str) -> Result<()> {
        check_ref_name(refname)?;
        self.repo.set_head(refname).map_err(|e| GitError::storage(&e))
    }

    fn find_commit(&self, sha: &CommitSha) -> Result<git2::Commit<'_>> {
        self.repo.find_commit(sha.oid()).map_err(|e| match e.code() {
            git2::ErrorCode::NotFound => GitError::NotFound { what: format!("commit {sha}") },
            _ => GitError::storage(&e),
        })
    }

    /// The tree of a merge or revert result, or the conflicting paths.
    fn write_merged(&self, mut index: git2::Index) -> Result<git2::Tree<'_>> {
        if index.has_conflicts() {
            let conflicts = index.conflicts().map_err(|e| GitError::storage(&e))?;
            let mut paths = BTreeSet::new();
            for conflict in conflicts {
                let conflict = conflict.map_err(|e| GitError::storage(&e))?;
                let entry = conflict.our.or(conflict.their).or(conflict.ancestor);
                if let Some(entry) = entry {
                    paths.insert(String::from_utf8_lossy(&entry.path).into_owned());
                }
            }
            return Err(GitError::Conflict { paths: paths.into_iter().collect() });
        }
        let id = index.write_tree_to(&self.repo).map_err(|e| GitError::storage(&e))?;
        self.repo.find_tree(id).map_err(|e| GitError::storage(&e))
    }

    fn commit(
        &self,
        tree: &git2::Tree<'_>,
        parents: &[&git2::Commit<'_>],
        message: &str,
        author: &Identity,
        committer: &Identity,
    ) -> Result<CommitSha> {
        let author = signature(author)?;
        let committer = signature(committer)?;
        let id =
            self.repo.commit(None, &author, &committer, message, tree, parents).map_err(|e| GitError::storage(&e))?;
        Ok(types::sha_of(id))
    }
}

/// libgit2's process-wide settings, set before the first repository is opened (every fetch and push starts
/// from one):
/// - an object is not hashed again each time it is read. git itself checks an object's id when it arrives (a
///   fetched pack is indexed and verified) and not on every read; libgit2's default re-hashed every read with
///   collision-detecting SHA-1, a sixth of `status` over 10,000 drills (its 4.6 MB index read once);
/// - the network streams of [`stream`] (`TCP_NODELAY`, bounded waits, TLS through rustls).
fn settings() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        git2::opts::strict_hash_verification(false);
        stream::install();
    });
}

fn invalid(path: &str, reason: &str) -> GitError {
    GitError::InvalidPath { path: path.to_owned(), reason: reason.to_owned() }
}

/// `refs/heads/<branch>`, checked.
fn branch_ref(branch: &str) -> Result<String> {
    let name = format!("refs/heads/{branch}");
    if branch.starts_with("refs/") || !git2::Reference::is_valid_name(&name) {
        return Err(GitError::InvalidRefName { name: branch.to_owned() });
    }
    Ok(name)
}

fn check_ref_name(name: &str) -> Result<()> {
    if name.starts_with("refs/") && git2::Reference::is_valid_name(name) {
        Ok(())
    } else {
        Err(GitError::InvalidRefName { name: name.to_owned() })
    }
}

/// A repository-relative path git can store: `a/b.yaml`, no empty, `.`, `..` or `.git` component.
fn check_path(path: &str) -> Result<()> {
    let reason = if path.is_empty() {
        Some("it is empty")
    } else if path.contains('\0') {
        Some("it contains a NUL byte")
    } else if path.starts_with('/') {
        Some("it must be relative to the repository root")
    } else if path.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
        Some("it has an empty, `.` or `..` component")
    } else if path.split('/').any(|c| c.eq_ignore_ascii_case(".git")) {
        Some("git does not store `.git` folders")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(invalid(path, reason)),
        None => Ok(()),
    }
}

/// Every path valid, none twice, none both a file and a folder of another.
fn check_changes(changes: &[FileChange]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for change in changes {
        check_path(change.path())?;
        if !seen.insert(change.path()) {
            return Err(invalid(change.path(), "it is changed twice in the same commit"));
        }
    }
    for change in changes {
        let as_folder = format!("{}/", change.path());
        if let Some(inner) = seen.range(as_folder.as_str()..).next().filter(|p| p.starts_with(&as_folder)) {
            return Err(invalid(change.path(), &format!("`{inner}` is also changed, which needs it to be a folder")));
        }
    }
    Ok(())
}

/// The kind and mode of what `baseline` holds at `path`; an error when a parent folder of it is a file.
fn existing_entry(baseline: &git2::Tree<'_>, path: &str) -> Result<Option<(git2::ObjectType, i32)>> {
    match baseline.get_path(Path::new(path)) {
        Ok(entry) => Ok(Some((entry.kind().unwrap_or(git2::ObjectType::Any), entry.filemode()))),
        Err(e) if e.code() == git2::ErrorCode::NotFound => {
            // Either the path is new, or a parent of it is a file (which cannot hold it).
            let mut prefix_end = 0;
            while let Some(slash) = path[prefix_end..].find('/') {
                let prefix = &path[..prefix_end + slash];
                match baseline.get_path(Path::new(prefix)) {
                    Ok(entry) if entry.kind() != Some(git2::ObjectType::Tree) => {
                        return Err(invalid(path, &format!("`{prefix}` is a file, not a folder")));
                    }
                    Ok(_) => prefix_end += slash + 1,
                    Err(_) => break,
                }
            }
            Ok(None)
        }
        Err(e) => Err(GitError::storage(&e)),
    }
}

fn signature(who: &Identity) -> Result<git2::Signature<'static>> {
    let time = git2::Time::new(who.time.as_second(), 0);
    git2::Signature::new(&who.name, &who.email, &time).map_err(|e| GitError::InvalidIdentity {
        name: who.name.clone(),
        email: who.email.clone(),
        message: e.message().to_owned(),
    })
}

fn identity(sig: &git2::Signature<'_>) -> Result<Identity> {
    let when = sig.when();
    let time = jiff::Timestamp::from_second(when.seconds())
        .map_err(|e| GitError::Storage { message: format!("a commit has an impossible time: {e}") })?;
    Ok(Identity {
        name: String::from_utf8_lossy(sig.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(sig.email_bytes()).into_owned(),
        time,
    })
}

fn commit_info(commit: &git2::Commit<'_>) -> Result<CommitInfo> {
    Ok(CommitInfo {
        sha: types::sha_of(commit.id()),
        parents: commit.parent_ids().map(types::sha_of).collect(),
        author: identity(&commit.author())?,
        committer: identity(&commit.committer())?,
        message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commit_shas() {
        let upper = "ABCDEF0123456789ABCDEF0123456789ABCDEF01";
        let sha = CommitSha::parse(upper).expect("valid");
        assert_eq!(sha.as_str(), upper.to_ascii_lowercase());
        assert_eq!(sha.short(), "abcdef0");
        assert_eq!(format!("{sha:?}"), format!("CommitSha({})", upper.to_ascii_lowercase()));
        for bad in ["", "abc", &"g".repeat(40), &"a".repeat(41), &"a".repeat(64)] {
            assert!(CommitSha::parse(bad).is_err(), "{bad}");
        }
        let json = serde_json::to_string(&sha).expect("serializes");
        assert_eq!(json, format!("\"{}\"", sha.as_str()));
        assert_eq!(serde_json::from_str::<CommitSha>(&json).expect("deserializes"), sha);
        assert!(serde_json::from_str::<CommitSha>("\"nope\"").is_err());
    }

    #[test]
    fn token_debug_is_redacted() {
        let token = Token::new("ghp_dont_print_me");
        assert_eq!(format!("{token:?}"), "Token(***)");
        assert_eq!(format!("{:?}", Some(&token)), "Some(Token(***))");
        assert_eq!(token.expose(), "ghp_dont_print_me");
    }

    #[test]
    fn rejects_unusable_paths() {
        for bad in ["", "/abs", "a//b", "a/", "./a", "a/../b", ".git/config", "x/.GIT/y", "nul\0"] {
            assert!(matches!(check_path(bad), Err(GitError::InvalidPath { .. })), "{bad:?}");
        }
        for good in ["a", "a/b.yaml", ".github/workflows/x.yml", "dir.d/.env"] {
            assert!(check_path(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn rejects_overlapping_changes() {
        let twice = [FileChange::write("a", "1"), FileChange::delete("a")];
        assert!(matches!(check_changes(&twice), Err(GitError::InvalidPath { .. })));
        let file_and_folder = [FileChange::write("a/b", "1"), FileChange::write("a", "2")];
        let err = check_changes(&file_and_folder).expect_err("a is both");
        assert!(err.to_string().contains("`a/b` is also changed"), "{err}");
        let fine = [FileChange::write("a", "1"), FileChange::write("a.b/c", "2"), FileChange::write("ab/c", "3")];
        assert!(check_changes(&fine).is_ok());
    }

    #[test]
    fn branch_names_are_checked() {
        assert_eq!(branch_ref("main").expect("valid"), "refs/heads/main");
        assert_eq!(branch_ref("drill/redis-pool").expect("valid"), "refs/heads/drill/redis-pool");
        for bad in ["", "a..b", "refs/heads/main", "a b", "a~1", "-x/"] {
            assert!(branch_ref(bad).is_err(), "{bad}");
        }
    }
}
