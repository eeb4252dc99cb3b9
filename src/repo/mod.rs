//! Reading a target file from where the user keeps it: a plain folder or a git repository (git2).
//!
//! An adapter: no git2 type leaves this module.

use std::path::{Path, PathBuf};

/// Where target files are read from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A plain folder: files are read from disk.
    Folder(PathBuf),
    /// A git repository: files are read at a branch's commit, whatever the work tree holds.
    Git(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("{path} does not exist or is not a folder")]
    Missing { path: String },
    #[error("branch `{branch}` does not exist in the git repository {repo}")]
    NoBranch { repo: String, branch: String, hint: String },
    #[error("`{file}` does not exist on branch `{branch}` of {repo}")]
    NoFileAtBranch { repo: String, branch: String, file: String },
    #[error("`{file}` does not exist in {folder}")]
    NoFile { folder: String, file: String },
    #[error("`{file}` is not UTF-8 text")]
    NotText { file: String },
    #[error("reading the git repository {repo} failed: {message}")]
    Git { repo: String, message: String },
    #[error("reading {file} failed: {message}")]
    Io { file: String, message: String },
}

impl RepoError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&str> {
        match self {
            RepoError::NoBranch { hint, .. } => Some(hint),
            RepoError::NoFileAtBranch { .. } => {
                Some("check `target.path` (relative to the repository root) and `target.branch`")
            }
            RepoError::NoFile { .. } => Some("check `target.path`: it is relative to the folder given with --repo"),
            _ => None,
        }
    }
}

impl Source {
    /// A git repository when `path` is one (its work tree or bare), a folder otherwise.
    pub fn open(path: &Path) -> Result<Source, RepoError> {
        if !path.is_dir() {
            return Err(RepoError::Missing { path: path.display().to_string() });
        }
        // Only the folder itself: a plain folder inside some other repository stays a folder.
        let flags = git2::RepositoryOpenFlags::NO_SEARCH;
        match git2::Repository::open_ext(path, flags, std::iter::empty::<&std::ffi::OsStr>()) {
            Ok(_) => Ok(Source::Git(path.to_path_buf())),
            Err(_) => Ok(Source::Folder(path.to_path_buf())),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Source::Folder(p) => format!("folder {}", p.display()),
            Source::Git(p) => format!("git repository {}", p.display()),
        }
    }

    /// The text of `file` (relative to the root); in a git repository, at the tip of `branch`.
    pub fn read(&self, branch: &str, file: &str) -> Result<String, RepoError> {
        match self {
            Source::Folder(root) => {
                let p = root.join(file);
                let bytes = std::fs::read(&p).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => {
                        RepoError::NoFile { folder: root.display().to_string(), file: file.to_owned() }
                    }
                    _ => RepoError::Io { file: p.display().to_string(), message: e.to_string() },
                })?;
                String::from_utf8(bytes).map_err(|_| RepoError::NotText { file: file.to_owned() })
            }
            Source::Git(root) => read_at_branch(root, branch, file),
        }
    }
}

impl Source {
    /// The paths (relative to the root, `/`-separated) of every file for which `wanted` is true: in a git
    /// repository at the tip of `branch`, else on disk. Hidden folders (`.git`) are skipped and symbolic
    /// links are not followed, so the walk never leaves the repository; it stops after `limit` files.
    pub fn find_files(
        &self,
        branch: &str,
        wanted: &dyn Fn(&str) -> bool,
        limit: usize,
    ) -> Result<Vec<String>, RepoError> {
        let mut out = Vec::new();
        match self {
            Source::Folder(root) => {
                let mut stack = vec![(root.clone(), String::new())];
                while let Some((dir, prefix)) = stack.pop() {
                    let entries = std::fs::read_dir(&dir)
                        .map_err(|e| RepoError::Io { file: dir.display().to_string(), message: e.to_string() })?;
                    for entry in entries.flatten() {
                        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
                        let Ok(kind) = entry.file_type() else { continue };
                        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
                        if kind.is_dir() && !name.starts_with('.') {
                            stack.push((entry.path(), path));
                        } else if kind.is_file() && wanted(&path) && out.len() < limit {
                            out.push(path);
                        }
                    }
                }
            }
            Source::Git(root) => {
                let repo_name = root.display().to_string();
                let git = |e: git2::Error| RepoError::Git { repo: repo_name.clone(), message: e.message().to_owned() };
                let repo = git2::Repository::open(root).map_err(git)?;
                let candidates = [format!("refs/heads/{branch}"), format!("refs/remotes/origin/{branch}")];
                let Some(commit) =
                    candidates.iter().find_map(|r| repo.find_reference(r).ok().and_then(|r| r.peel_to_commit().ok()))
                else {
                    // `read` explains a missing branch; here it simply holds no files.
                    return Ok(out);
                };
                let tree = commit.tree().map_err(git)?;
                tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
                    if entry.kind() == Some(git2::ObjectType::Blob)
                        && let Ok(name) = entry.name()
                    {
                        let path = format!("{dir}{name}");
                        if wanted(&path) && out.len() < limit {
                            out.push(path);
                        }
                    }
                    if out.len() >= limit { git2::TreeWalkResult::Abort } else { git2::TreeWalkResult::Ok }
                })
                .map_err(git)?;
            }
        }
        out.sort();
        Ok(out)
    }
}

fn read_at_branch(root: &Path, branch: &str, file: &str) -> Result<String, RepoError> {
    let repo_name = root.display().to_string();
    let git = |e: git2::Error| RepoError::Git { repo: repo_name.clone(), message: e.message().to_owned() };
    let repo = git2::Repository::open(root).map_err(git)?;
    let candidates = [format!("refs/heads/{branch}"), format!("refs/remotes/origin/{branch}")];
    let commit = candidates.iter().find_map(|r| repo.find_reference(r).ok().and_then(|r| r.peel_to_commit().ok()));
    let Some(commit) = commit else {
        let branches: Vec<String> = repo
            .branches(Some(git2::BranchType::Local))
            .map(|it| {
                it.filter_map(Result::ok).filter_map(|(b, _)| b.name().ok().flatten().map(str::to_owned)).collect()
            })
            .unwrap_or_default();
        let hint = if branches.is_empty() {
            "the repository has no branches yet".to_owned()
        } else {
            format!("set `target.branch` to one of: {}", branches.join(", "))
        };
        return Err(RepoError::NoBranch { repo: repo_name, branch: branch.to_owned(), hint });
    };
    let tree = commit.tree().map_err(git)?;
    let entry = tree.get_path(Path::new(file)).map_err(|_| RepoError::NoFileAtBranch {
        repo: repo_name.clone(),
        branch: branch.to_owned(),
        file: file.to_owned(),
    })?;
    let blob = repo.find_blob(entry.id()).map_err(|_| RepoError::NoFileAtBranch {
        repo: repo_name.clone(),
        branch: branch.to_owned(),
        file: file.to_owned(),
    })?;
    String::from_utf8(blob.content().to_vec()).map_err(|_| RepoError::NotText { file: file.to_owned() })
}
