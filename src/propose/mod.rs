//! Faults proposed from a team's own GitOps repository (`firedrill suggest`): pure analysis.
//!
//! The flow: [`walk`] lists and reads the repository's configuration files through [`crate::repo::Source`]
//! (the same bounds as `validate`: nothing outside the folder, no links out, no `.git`, size-capped UTF-8)
//! and parses each document with the patch engine's parsers; [`index`] finds who reads what (workloads,
//! the ConfigMaps and Kustomize generators they use, the Helm templates of a chart); [`families`]
//! recognises a breakable value from its key *and* its value; [`score`] ranks the candidates with printed
//! reasons; [`check`] turns the best ones into faults with the patch engine and keeps only those whose diff
//! is one line and whose revert gives the file back byte for byte; [`render`] writes each as a scenario
//! file that `validate` and `preview` accept, and the listing people read.

pub mod check;
pub mod families;
pub mod index;
pub mod render;
pub mod score;
pub mod walk;

use serde_json::Value;

use crate::patch::{DocumentSelector, Format};

pub use families::Family;
pub use score::Score;

/// What `suggest` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// The most suggestions to return (after ranking).
    pub limit: usize,
    /// Read production-looking paths too (the safety rules refuse them otherwise).
    pub allow_production: bool,
    /// The branch the scenarios target (and, in a bare repository, where files are read).
    pub branch: String,
    /// The team's own environment names (`environments:` of `firedrill.yml`), for the reach analysis.
    pub environments: crate::scenario::Environments,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limit: 20,
            allow_production: false,
            branch: "main".to_owned(),
            environments: crate::scenario::Environments::default(),
        }
    }
}

/// One configuration file read from the repository.
#[derive(Debug, Clone)]
pub struct RepoFile {
    /// Its path from the repository root, `/`-separated.
    pub path: String,
    pub format: Format,
    pub text: String,
    /// Its documents, parsed (one for every format but multi-document YAML).
    pub docs: Vec<Doc>,
}

/// One document of a file, as the patch engine reads it.
#[derive(Debug, Clone)]
pub struct Doc {
    /// How a scenario names it (`None`: the only document of the file).
    pub selector: Option<DocumentSelector>,
    pub value: Value,
    /// `kind` and `metadata.name`, for Kubernetes objects.
    pub kind: Option<String>,
    pub name: Option<String>,
    /// For a document embedded in a string (Argo CD `helm.values: |`): the outer document's kind.
    pub embedded_in: Option<String>,
}

/// A file that was not read, and why (nothing is refused silently).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    pub path: String,
    pub why: String,
}

/// A fault found in the repository: where, what, and how it ranks.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub id: String,
    pub family: Family,
    pub file: String,
    pub format: Format,
    pub selector: Option<DocumentSelector>,
    /// The JSON pointer it changes (relative to the embedded document for embedded values).
    pub pointer: String,
    /// The key people know it by (an env entry's `name`, else the pointer's last key).
    pub key: String,
    pub old: Value,
    pub new: Value,
    /// The 1-based line it changes, and that line before and after.
    pub line: usize,
    pub before: String,
    pub after: String,
    pub symptom: String,
    /// Hints in increasing strength.
    pub hints: Vec<String>,
    pub score: Score,
    /// `staging` when the path or namespace says so.
    pub environment: Option<String>,
}

/// Everything `suggest` found.
#[derive(Debug, Default)]
pub struct Proposal {
    /// Ranked, best first.
    pub suggestions: Vec<Suggestion>,
    /// Configuration files read.
    pub files_read: usize,
    /// Files that could not be read, with why.
    pub unread: Vec<Unread>,
    /// Production-looking files, and candidates a production environment renders, left out (without
    /// `--allow-production`), with why.
    pub production: Vec<Unread>,
    /// Files read that configure nothing (JSON Schemas): no fault is looked for in them.
    pub not_config: Vec<Unread>,
    /// Candidates the patch engine could not turn into a clean one-line fault and revert, with why.
    pub dropped: Vec<Unread>,
}

/// Proposes faults from files already read: index, recognise, rank, then check the best in rank order until
/// `limit` of them are clean faults.
pub fn propose(files: &[RepoFile], options: &Options) -> Proposal {
    propose_with(files, &[], options)
}

/// [`propose`], judging each candidate by where it lands ([`crate::reach`]) with `context` (files read but not
/// proposed from: the production-looking ones) beside `files`: a candidate production renders is left out and
/// listed with its chain; candidates proven to land only in staging come first, the others (environments of
/// unknown kind) only when there are not enough of those.
pub fn propose_with(files: &[RepoFile], context: &[(String, String)], options: &Options) -> Proposal {
    let index = index::Index::build(files);
    let mut candidates: Vec<(Score, families::Candidate)> =
        files.iter().flat_map(|f| families::find(f, &index)).map(|c| (score::score(&c, &index), c)).collect();
    candidates.sort_by(|(a, ca), (b, cb)| {
        b.total.cmp(&a.total).then_with(|| ca.file.cmp(&cb.file)).then_with(|| ca.pointer.cmp(&cb.pointer))
    });
    let by_path: std::collections::HashMap<&str, &RepoFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    let paths: Vec<String> =
        files.iter().map(|f| f.path.clone()).chain(context.iter().map(|(p, _)| p.clone())).collect();
    let texts: Vec<(String, String)> =
        files.iter().map(|f| (f.path.clone(), f.text.clone())).chain(context.iter().cloned()).collect();
    let base = crate::deployers::Target { path: "", branch: &options.branch, default_branch: None, repo: None };
    let kustomizations = crate::reach::kustomizations(&texts);
    let repository = crate::reach::Repository::new(&paths, &texts, &kustomizations, base, &options.environments);
    // A file's reach is the same for every key but in a Helm chart's values (key by key): asked once.
    let mut reaches: std::collections::HashMap<(String, String), crate::reach::Reach> =
        std::collections::HashMap::new();
    let mut proposal = Proposal::default();
    let mut seen = std::collections::HashSet::new();
    let mut unproven = Vec::new();
    for (score, candidate) in candidates {
        if proposal.suggestions.len() >= options.limit {
            break;
        }
        if !seen.insert((candidate.file.clone(), format!("{:?}", candidate.selector), candidate.pointer.clone())) {
            continue;
        }
        let Some(file) = by_path.get(candidate.file.as_str()) else { continue };
        let key =
            if repository.chart_of(&candidate.file).is_some() { candidate.pointer.clone() } else { String::new() };
        let reach = reaches
            .entry((candidate.file.clone(), key))
            .or_insert_with(|| repository.reach(&candidate.file, std::slice::from_ref(&candidate.pointer), None));
        if !options.allow_production
            && let Some(what) = reach.production_route(&options.environments)
        {
            proposal
                .production
                .push(Unread { path: candidate.file.clone(), why: format!("{}: {what}", candidate.pointer) });
            continue;
        }
        if !staging_only(reach) {
            unproven.push((score, candidate));
            continue;
        }
        match check::materialize(file, candidate, score) {
            Ok(s) => proposal.suggestions.push(s),
            Err(dropped) => proposal.dropped.push(dropped),
        }
    }
    // Then the places whose environment firedrill cannot name, best first.
    for (score, candidate) in unproven {
        if proposal.suggestions.len() >= options.limit {
            break;
        }
        let Some(file) = by_path.get(candidate.file.as_str()) else { continue };
        match check::materialize(file, candidate, score) {
            Ok(s) => proposal.suggestions.push(s),
            Err(dropped) => proposal.dropped.push(dropped),
        }
    }
    proposal
}

/// Whether every environment the fault reaches is named and none is production, and one is staging.
fn staging_only(reach: &crate::reach::Reach) -> bool {
    use crate::reach::Class;
    let live: Vec<&crate::reach::Route> = reach.routes.iter().filter(|r| r.spared.is_none()).collect();
    live.iter().any(|r| r.class == Class::Staging)
        && live.iter().all(|r| matches!(r.class, Class::Staging | Class::Other))
}

/// The words of a key (`SERVICE__REDIS__POOL_SIZE`, `redisPoolSize` → `redis`, `pool`, `size`).
pub(crate) fn words(key: &str) -> Vec<String> {
    crate::disguise::key_words(key)
}

/// Whether a path or namespace names a staging environment.
pub(crate) fn looks_like_staging(name: &str) -> bool {
    crate::scenario::words(name).iter().any(|w| matches!(w.as_str(), "staging" | "stage" | "stg"))
}

/// A JSON pointer segment, escaped.
pub(crate) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
