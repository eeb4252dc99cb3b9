//! The preflight "will anyone see it?": what, in the target repository, deploys the target file from the
//! target branch — GitHub workflows run on push, Argo CD `Application`s, Flux `Kustomization`s and
//! `HelmRelease`s — and the warning when nothing does (a fault that never deploys is a drill nobody can
//! detect).
//!
//! Pure: the caller lists the repository's files at the branch, reads the ones [`to_read`] chooses and hands
//! them over as (path, text). Nothing here reads outside what it is given.

mod filter;
pub(crate) mod gitops;
pub(crate) mod workflow;

pub use filter::{matches, selects};

/// The most files read to look for deployers (each one is a request on GitHub).
pub const MAX_READ: usize = 200;

/// The file a drill changes, and where it lands.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// Its repository path.
    pub path: &'a str,
    /// The branch the fault is merged into.
    pub branch: &'a str,
    /// The repository's default branch (what `HEAD` means to Argo CD), when known.
    pub default_branch: Option<&'a str>,
    /// The repository as `owner/name`, when known (to tell an Argo CD or Flux source that is another
    /// repository).
    pub repo: Option<&'a str>,
}

/// Something that deploys files of the repository, and whether it deploys the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployer {
    /// The file that declares it.
    pub file: String,
    /// `workflow Deploy`, `Application checkout`, `Kustomization flux-system/apps`…
    pub name: String,
    pub covers: bool,
    /// Why it does or does not, in one sentence part: `runs on push to main (no paths filter)`.
    pub why: String,
}

/// What the repository says about the target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// Every deployer found, in file order.
    pub deployers: Vec<Deployer>,
    /// Files that could not be read as what they are (`file:line:column: …`).
    pub problems: Vec<String>,
    /// Files that were worth reading but were not, because of [`MAX_READ`].
    pub unread: usize,
    /// The listing of the repository was cut short (GitHub truncates very large trees).
    pub truncated: bool,
}

impl Findings {
    pub fn covering(&self) -> impl Iterator<Item = &Deployer> {
        self.deployers.iter().filter(|d| d.covers)
    }

    /// The warning when nothing found deploys the target.
    pub fn warning(&self, target: &Target<'_>) -> Option<String> {
        if self.covering().next().is_some() {
            return None;
        }
        let mut w = format!(
            "nothing in the repository deploys {} from `{}`: add the path to a workflow's `paths`, point an Argo CD \
             Application or a Flux Kustomization at it, or set `deploy:` signals — the drill will still run, but \
             nobody may see it",
            target.path, target.branch
        );
        if self.unread > 0 || self.truncated {
            w.push_str(&format!(
                " (not every file was read: {})",
                if self.truncated { "the repository's listing was truncated".to_owned() } else { self.bound() }
            ));
        }
        Some(w)
    }

    fn bound(&self) -> String {
        format!("{} more candidate file(s) past the {MAX_READ} read", self.unread)
    }

    /// A note about the files left unread, when some were.
    pub fn limits(&self) -> Option<String> {
        match (self.truncated, self.unread) {
            (false, 0) => None,
            (true, 0) => Some("the repository's file listing was truncated: deployers may be missing".to_owned()),
            (t, _) => Some(format!(
                "{}{}: deployers may be missing",
                self.bound(),
                if t { ", and the listing was truncated" } else { "" }
            )),
        }
    }
}

/// Whether `path` may declare a deployer: a workflow, a kustomization (for the overlays an Argo CD or Flux
/// path reaches), or any other YAML file (Argo CD and Flux objects live anywhere).
pub fn worth_reading(path: &str) -> bool {
    workflow::is_workflow(path) || crate::kustomize::is_kustomization(path) || is_yaml(path)
}

fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// Which of `paths` (the repository's files) to read, workflows first, then kustomizations, then the YAML
/// files most likely to hold Argo CD or Flux objects, at most [`MAX_READ`]; and how many were left out.
pub fn to_read(paths: &[String]) -> (Vec<&str>, usize) {
    let mut wanted: Vec<&str> = paths.iter().map(String::as_str).filter(|p| worth_reading(p)).collect();
    let rank = |p: &str| -> u8 {
        let lower = p.to_ascii_lowercase();
        if workflow::is_workflow(p) {
            0
        } else if crate::kustomize::is_kustomization(p) {
            1
        } else if ["argo", "flux", "apps", "applications", "clusters", "gitops", "deploy"]
            .iter()
            .any(|w| lower.split('/').any(|seg| seg.contains(w)))
        {
            2
        } else if lower.contains("/templates/") || lower.starts_with("templates/") {
            // Helm templates rarely hold them, and are many.
            4
        } else {
            3
        }
    };
    wanted.sort_by_key(|p| (rank(p), *p));
    let unread = wanted.len().saturating_sub(MAX_READ);
    wanted.truncate(MAX_READ);
    (wanted, unread)
}

/// Reads what [`to_read`] chooses of `paths` (the repository's files at the branch; `truncated` when the
/// listing was cut short) through `read` — a file it cannot read is skipped — and finds the deployers.
pub fn look(
    paths: &[String],
    truncated: bool,
    target: &Target<'_>,
    mut read: impl FnMut(&str) -> Option<String>,
) -> Findings {
    let (chosen, unread) = to_read(paths);
    let files: Vec<(String, String)> = chosen.iter().filter_map(|p| read(p).map(|t| ((*p).to_owned(), t))).collect();
    Findings { unread, truncated, ..find(paths, &files, target) }
}

/// The repository as `owner/name` when `repo` (a scenario's `target.repo`) names a GitHub repository.
pub fn github_name(repo: Option<&crate::scenario::RepoRef>) -> Option<&str> {
    repo.filter(|r| r.kind() == crate::scenario::RepoKind::GitHub).map(|r| r.as_str())
}

/// Every deployer in `files` (read by the caller, as chosen by [`to_read`]) and whether it covers the
/// target; `paths` is the whole listing (to know where a Helm chart is).
pub fn find(paths: &[String], files: &[(String, String)], target: &Target<'_>) -> Findings {
    let mut findings = Findings::default();
    let kustomizations: Vec<crate::kustomize::Kustomization> = files
        .iter()
        .filter(|(p, _)| crate::kustomize::is_kustomization(p))
        .map(|(p, t)| crate::kustomize::Kustomization::parse(p, t))
        .collect();
    let repo = gitops::Repo { paths, kustomizations: &kustomizations, target };
    let mut objects = Vec::new();
    for (path, text) in files {
        if workflow::is_workflow(path) {
            match workflow::read(path, text, target) {
                Ok(Some(d)) => findings.deployers.push(d),
                Ok(None) => {}
                Err(problem) => findings.problems.push(problem),
            }
        } else if is_yaml(path) && gitops::mentions(text) {
            match gitops::objects(path, text) {
                Ok(found) => objects.extend(found),
                Err(problem) => findings.problems.push(problem),
            }
        }
    }
    findings.deployers.extend(objects.iter().filter_map(|o| repo.deployer(o, &objects)));
    findings
}

/// A YAML parse error as `file:line:column: message`.
fn located(file: &str, e: &crate::patch::PatchError) -> String {
    match &e.at {
        Some(at) => format!("{file}:{}:{}: {}", at.line, at.column, e.message),
        None => format!("{file}: {}", e.message),
    }
}

/// A path as written in a manifest, as a repository path: `./apps/` → `apps`, `.` → `` (the root).
pub(crate) fn normal(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.trim().split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Whether `file` is inside the folder `dir` (`""`: the root), at any depth.
pub(crate) fn under(dir: &str, file: &str) -> bool {
    dir.is_empty() || file.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

/// `dir` as people read it: `the repository root` for ``.
fn shown(dir: &str) -> &str {
    if dir.is_empty() { "the repository root" } else { dir }
}

#[cfg(test)]
mod tests;
