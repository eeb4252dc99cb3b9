//! Reading a target file from where the user keeps it: a plain folder or a git repository (git2).
//!
//! An adapter: no git2 type leaves this module.
//!
//! Nothing outside the repository is ever read. A target path is relative, has no `..` and no `.git`
//! component (in any case); a symbolic link is followed only when it ends inside the same folder and not in
//! `.git/`; only regular files up to [`MAX_FILE_BYTES`] are read. In a git repository a path is looked up in
//! the branch's tree, and a link stored there is refused (it names a file, it is not one).

pub mod walk;

use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

/// The largest file firedrill reads as a target or a scenario: configuration is far smaller, and reading and
/// patching a larger file takes seconds and gigabytes.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

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
    #[error("`{file}` is not UTF-8 text: the byte at {line}:{column} is not part of any UTF-8 character")]
    NotText { file: String, line: usize, column: usize },
    #[error("`{file}` is not read: {why}")]
    Outside { file: String, why: String },
    #[error("`{file}` is {size} bytes, more than the {limit} bytes firedrill reads")]
    TooLarge { file: String, size: u64, limit: u64 },
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
            RepoError::NotText { .. } => Some("save the file as UTF-8, or target another file"),
            RepoError::Outside { .. } => {
                Some("target a regular file of the repository itself: firedrill never reads outside it, nor in `.git/`")
            }
            RepoError::TooLarge { .. } => Some("target a smaller file: configuration files are far below this limit"),
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
            Source::Folder(root) => read_in_folder(root, file),
            Source::Git(root) => read_at_branch(root, branch, file),
        }
    }

    /// The repository's default branch, when a git repository says: the branch `origin/HEAD` names (a
    /// clone), or the one `HEAD` names in a bare repository. `None` for a folder or a work tree without it.
    pub fn default_branch(&self) -> Option<String> {
        let Source::Git(root) = self else { return None };
        let repo = git2::Repository::open(root).ok()?;
        let named = |r: &str, prefix: &str| {
            let target = repo.find_reference(r).ok()?.symbolic_target().ok()??.to_owned();
            target.strip_prefix(prefix).map(str::to_owned)
        };
        named("refs/remotes/origin/HEAD", "refs/remotes/origin/")
            .or_else(|| if repo.is_bare() { named("HEAD", "refs/heads/") } else { None })
    }

    /// The branch the repository's `HEAD` names (a work tree's checked-out branch, or a bare repository's
    /// default), when it names one.
    pub fn head_branch(&self) -> Option<String> {
        let Source::Git(root) = self else { return None };
        let repo = git2::Repository::open(root).ok()?;
        let target = repo.find_reference("HEAD").ok()?.symbolic_target().ok()??.to_owned();
        target.strip_prefix("refs/heads/").map(str::to_owned)
    }

    /// The branch scenarios for this repository target by default: the default branch its remote names (a
    /// clone's `origin/HEAD`), else the one `HEAD` names; `None` for a plain folder.
    pub fn target_branch(&self) -> Option<String> {
        self.default_branch().or_else(|| self.head_branch())
    }

    /// The branches of a git repository: its own, and a clone's `origin/*` (without `origin/HEAD`), sorted;
    /// `None` for a plain folder or a repository that cannot be read.
    pub fn branches(&self) -> Option<Vec<String>> {
        let Source::Git(root) = self else { return None };
        let repo = git2::Repository::open(root).ok()?;
        let mut out: Vec<String> = Vec::new();
        for r in repo.references().ok()?.flatten() {
            let Ok(name) = r.name() else { continue };
            let short = name.strip_prefix("refs/heads/").or_else(|| name.strip_prefix("refs/remotes/origin/"));
            if let Some(b) = short.filter(|b| *b != "HEAD") {
                out.push(b.to_owned());
            }
        }
        out.sort();
        out.dedup();
        Some(out)
    }

    /// The team's recent work on `branch`, newest first: the first-parent commits' subjects and bodies (at most
    /// [`crate::disguise::style::RECENT_LIMIT`]) and the pull request template, for the disguise to read like it.
    /// `None` for a folder or a branch that is not there.
    pub fn recent_work(&self, branch: &str) -> Option<crate::disguise::style::Recent> {
        use crate::disguise::style::{RECENT_LIMIT, Recent, Work};
        let Source::Git(root) = self else { return None };
        let repo = git2::Repository::open(root).ok()?;
        let candidates = [format!("refs/heads/{branch}"), format!("refs/remotes/origin/{branch}")];
        let mut commit =
            candidates.iter().find_map(|r| repo.find_reference(r).ok().and_then(|r| r.peel_to_commit().ok()));
        let mut work = Vec::new();
        while let Some(c) = commit.take() {
            if work.len() == RECENT_LIMIT {
                break;
            }
            let message = String::from_utf8_lossy(c.message_bytes()).into_owned();
            let (title, body) = message.split_once("\n\n").unwrap_or((message.as_str(), ""));
            work.push(Work { title: crate::git::message::subject(title), body: body.trim().to_owned() });
            commit = c.parent(0).ok();
        }
        let template = self.read(branch, ".github/pull_request_template.md").ok();
        Some(Recent { work, template, bodies: false })
    }

    /// Where `validate` reads target files: the files on disk (a work tree's, edits included), or for a bare
    /// repository, which has none, the branch's.
    pub fn open_checkout(path: &Path) -> Result<Source, RepoError> {
        match Source::open(path)? {
            Source::Git(p) if is_bare(&p) => Ok(Source::Git(p)),
            Source::Git(p) | Source::Folder(p) => Ok(Source::Folder(p)),
        }
    }
}

fn is_bare(path: &Path) -> bool {
    git2::Repository::open_bare(path).is_ok_and(|r| r.is_bare())
}

/// Why `file` may not be looked up at all: absolute, `..`, or through `.git`.
fn refuse_path(file: &str) -> Result<(), RepoError> {
    let refuse = |why: &str| Err(RepoError::Outside { file: file.to_owned(), why: why.to_owned() });
    let path = Path::new(file);
    if file.is_empty() {
        return refuse("the path is empty");
    }
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return refuse("the path is absolute"),
            Component::ParentDir => return refuse("the path goes up with `..`"),
            Component::Normal(n) if is_git_dir(n) => return refuse("the path goes through `.git`"),
            Component::CurDir | Component::Normal(_) => {}
        }
    }
    Ok(())
}

/// `.git`, in any case: git's own folder (case-insensitive file systems treat `.GIT` as the same folder).
pub fn is_git_dir(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.eq_ignore_ascii_case(".git"))
}

/// Reads `file` inside `root`, refusing anything that resolves outside it (see the module documentation).
fn read_in_folder(root: &Path, file: &str) -> Result<String, RepoError> {
    refuse_path(file)?;
    let io = |p: &Path, e: std::io::Error| RepoError::Io { file: p.display().to_string(), message: e.to_string() };
    let root = root.canonicalize().map_err(|e| io(root, e))?;
    let real = match root.join(file).canonicalize() {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(RepoError::NoFile { folder: root.display().to_string(), file: file.to_owned() });
        }
        Err(e) => return Err(io(&root.join(file), e)),
    };
    // A link may stay inside (a shared values file): what counts is where it ends.
    let Ok(inside) = real.strip_prefix(&root) else {
        return Err(RepoError::Outside {
            file: file.to_owned(),
            why: "it is a symbolic link (or goes through one) that leads outside the repository".into(),
        });
    };
    if inside.components().any(|c| is_git_dir(c.as_os_str())) {
        return Err(RepoError::Outside {
            file: file.to_owned(),
            why: "it is a symbolic link (or goes through one) into `.git`".into(),
        });
    }
    let meta = std::fs::metadata(&real).map_err(|e| io(&real, e))?;
    if !meta.is_file() {
        // A folder, a device, a FIFO (which would block the read for ever).
        return Err(RepoError::Outside { file: file.to_owned(), why: "it is not a regular file".into() });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(RepoError::TooLarge { file: file.to_owned(), size: meta.len(), limit: MAX_FILE_BYTES });
    }
    let mut bytes = Vec::new();
    // The size may change between the two calls: never read more than the limit.
    std::fs::File::open(&real)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| io(&real, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(RepoError::TooLarge { file: file.to_owned(), size: bytes.len() as u64, limit: MAX_FILE_BYTES });
    }
    text(file, bytes)
}

/// A file the user named on the command line (a scenario, a patch, the file `patch` edits): read as text, at
/// most [`MAX_FILE_BYTES`] of it.
pub fn read_named(path: &Path) -> Result<String, RepoError> {
    let file = path.display().to_string();
    let io = |e: std::io::Error| RepoError::Io { file: file.clone(), message: e.to_string() };
    let mut bytes = Vec::new();
    std::fs::File::open(path).and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        // The real size, for the message (a pipe has none: then "more than" the limit).
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len().max(bytes.len() as u64));
        return Err(RepoError::TooLarge { file, size, limit: MAX_FILE_BYTES });
    }
    text(&file, bytes)
}

/// The bytes as text, or where the first byte that is not UTF-8 is.
pub fn text(file: &str, bytes: Vec<u8>) -> Result<String, RepoError> {
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        // Valid up to there, so the position is counted in characters.
        let before = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before[before.rfind('\n').map_or(0, |i| i + 1)..].chars().count() + 1;
        RepoError::NotText { file: file.to_owned(), line, column }
    })
}

impl Source {
    /// The paths (relative to the root, `/`-separated) of every file for which `wanted` is true: in a git
    /// repository at the tip of `branch`, else on disk. Hidden folders but `.github` are skipped and symbolic
    /// links are not followed (a link is listed like a file, and [`Source::read`] refuses it when it leads
    /// out), so the walk never leaves the repository; it stops after `limit` files.
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
                        // `.github` holds the workflows; other hidden folders (`.git`) are not the repository's.
                        if kind.is_dir() && (!name.starts_with('.') || name == ".github") {
                            stack.push((entry.path(), path));
                        } else if (kind.is_file() || kind.is_symlink()) && wanted(&path) && out.len() < limit {
                            // A link is listed, never followed here: `read` decides whether it may be read.
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
    refuse_path(file)?;
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
    if entry.filemode() == 0o120000 {
        return Err(RepoError::Outside {
            file: file.to_owned(),
            why: format!("it is a symbolic link on branch `{branch}`; name the file it points to in `target.path`"),
        });
    }
    // The size from the object's header, before the blob is loaded.
    let (size, _) = repo.odb().and_then(|odb| odb.read_header(entry.id())).map_err(git)?;
    if size as u64 > MAX_FILE_BYTES {
        return Err(RepoError::TooLarge { file: file.to_owned(), size: size as u64, limit: MAX_FILE_BYTES });
    }
    let blob = repo.find_blob(entry.id()).map_err(|_| RepoError::NoFileAtBranch {
        repo: repo_name.clone(),
        branch: branch.to_owned(),
        file: file.to_owned(),
    })?;
    text(file, blob.content().to_vec())
}
