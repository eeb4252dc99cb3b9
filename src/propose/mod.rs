//! Faults proposed from a team's own GitOps repository (`firedrill suggest`): pure analysis.
//!
//! The flow: the repository adapter lists and reads the repository's configuration files (the same bounds as
//! `validate`: nothing outside the folder, no links out, no `.git`, size-capped UTF-8) and [`walk`] says which
//! are wanted and parses each document with the patch engine's parsers; [`index`] finds who reads what (workloads,
//! the ConfigMaps and Kustomize generators they use, the Helm templates of a chart); [`families`]
//! recognises a breakable value from its key *and* its value; [`score`] ranks the candidates with printed
//! reasons; [`check`] turns the best ones into faults with the patch engine and keeps only those whose diff
//! is one line and whose revert gives the file back byte for byte; [`render`] writes each as a scenario
//! file that `validate` and `preview` accept, and the listing people read.

pub mod chain;
pub mod check;
pub mod families;
pub mod index;
pub mod render;
pub mod score;
pub mod template;
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
    /// The repository's default branch, when known (Argo CD's `HEAD` and Flux's default follow it).
    pub default_branch: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limit: 20,
            allow_production: false,
            branch: "main".to_owned(),
            environments: crate::scenario::Environments::default(),
            default_branch: None,
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
    /// For a document embedded in an Argo CD Application: the source's `path` (a chart folder of this
    /// repository, when it is one).
    pub source: Option<String>,
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
    /// How the break shows (a runtime break, a failed sync, a stalled rollout).
    pub mechanism: chain::Mechanism,
    /// The chain of the repository's files that shows it breaks, in one line.
    pub chain: String,
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
    /// Candidates not proposed because nothing shows they break something that runs, with why.
    pub not_breaking: Vec<Unread>,
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
        b.total
            .cmp(&a.total)
            .then_with(|| score::routine(cb).cmp(&score::routine(ca)))
            .then_with(|| ca.file.cmp(&cb.file))
            .then_with(|| ca.pointer.cmp(&cb.pointer))
    });
    let by_path: std::collections::HashMap<&str, &RepoFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    let paths: Vec<String> =
        files.iter().map(|f| f.path.clone()).chain(context.iter().map(|(p, _)| p.clone())).collect();
    let texts: Vec<(String, String)> =
        files.iter().map(|f| (f.path.clone(), f.text.clone())).chain(context.iter().cloned()).collect();
    let base = crate::deployers::Target {
        path: "",
        branch: &options.branch,
        default_branch: options.default_branch.as_deref(),
        repo: None,
    };
    let kustomizations = crate::reach::kustomizations(&texts);
    let repository = crate::reach::Repository::new(&paths, &texts, &kustomizations, base, &options.environments);
    // A file's reach is the same for every key but in a Helm chart's values (key by key): asked once.
    let mut reaches: std::collections::HashMap<(String, String), crate::reach::Reach> =
        std::collections::HashMap::new();
    let mut proposal = Proposal::default();
    let mut seen = std::collections::HashSet::new();
    let mut unproven = Vec::new();
    let mut ranked = Ranked::new(options.limit);
    // Best first; a candidate whose chain makes its impact smaller goes back in line at its exact score.
    let mut queue: std::collections::BinaryHeap<(i32, u8, std::cmp::Reverse<usize>)> =
        std::collections::BinaryHeap::new();
    let mut slots: Vec<Option<(Score, families::Candidate, bool)>> = Vec::new();
    for (i, (score, candidate)) in candidates.into_iter().enumerate() {
        queue.push((score.total, score::routine(&candidate), std::cmp::Reverse(i)));
        slots.push(Some((score, candidate, false)));
    }
    // A candidate of a family the top already holds three times waits, unjudged, for a second pass: judging
    // it (its reach, its chain, the patch engine) costs time it may never need.
    let mut later: Vec<usize> = Vec::new();
    let mut second_pass = false;
    loop {
        let Some((_, _, std::cmp::Reverse(i))) = queue.pop() else {
            if second_pass || later.is_empty() || ranked.full() {
                break;
            }
            second_pass = true;
            for i in later.drain(..) {
                if let Some((score, candidate, _)) = &slots[i] {
                    queue.push((score.total, score::routine(candidate), std::cmp::Reverse(i)));
                }
            }
            continue;
        };
        if ranked.full() {
            break;
        }
        if !second_pass && slots[i].as_ref().is_some_and(|(_, c, proven)| !proven && ranked.capped(c.family)) {
            later.push(i);
            continue;
        }
        let Some((mut score, mut candidate, proven)) = slots[i].take() else { continue };
        let Some(file) = by_path.get(candidate.file.as_str()) else { continue };
        let key =
            if repository.chart_of(&candidate.file).is_some() { candidate.pointer.clone() } else { String::new() };
        let keys = match &candidate.selector {
            Some(DocumentSelector::Embedded { at, .. }) => vec![at.to_string()],
            _ => vec![candidate.pointer.clone()],
        };
        let reach = reaches
            .entry((candidate.file.clone(), key))
            .or_insert_with(|| repository.reach(&candidate.file, &keys, None));
        if !proven {
            if !seen.insert((candidate.file.clone(), format!("{:?}", candidate.selector), candidate.pointer.clone())) {
                continue;
            }
            if !options.allow_production
                && let Some(what) = reach.production_route(&options.environments)
            {
                proposal
                    .production
                    .push(Unread { path: candidate.file.clone(), why: format!("{}: {what}", candidate.pointer) });
                continue;
            }
            let Some(doc) = file.docs.iter().find(|d| d.selector == candidate.selector) else { continue };
            let cx = chain::Context { file, doc, index: &index, reach };
            match chain::prove(&candidate, &cx) {
                Ok(proof) => {
                    candidate.mechanism = proof.mechanism;
                    candidate.chain = proof.chain;
                    candidate.symptom = proof.symptom;
                    if let Some(new) = proof.new {
                        candidate.new = new;
                    }
                    let before = score.total;
                    score = score::with_impact(score, proof.mechanism);
                    if score.total < before {
                        queue.push((score.total, score::routine(&candidate), std::cmp::Reverse(i)));
                        slots[i] = Some((score, candidate, true));
                        continue;
                    }
                }
                Err(why) => {
                    let path = format!("{} {}", candidate.file, candidate.pointer);
                    proposal.not_breaking.push(Unread { path, why });
                    continue;
                }
            }
        }
        if !staging_only(reach) {
            unproven.push((score, candidate));
            continue;
        }
        score.add(3, "environment: the reach analysis shows it lands in staging only");
        match check::materialize(file, candidate, score) {
            Ok(s) => ranked.offer(s),
            Err(dropped) => proposal.dropped.push(dropped),
        }
    }
    // Then the places whose environment firedrill cannot name, best first.
    for (score, candidate) in unproven {
        if ranked.full() {
            break;
        }
        let Some(file) = by_path.get(candidate.file.as_str()) else { continue };
        match check::materialize(file, candidate, score) {
            Ok(s) => ranked.offer(s),
            Err(dropped) => proposal.dropped.push(dropped),
        }
    }
    proposal.suggestions = ranked.finish();
    proposal
}

/// How many suggestions of one family the top ten may hold when other families are there.
pub const MAX_PER_FAMILY_IN_TOP: usize = 3;
/// The top the diversity rule applies to.
pub const TOP: usize = 10;

/// Suggestions kept in the order offered, with at most [`MAX_PER_FAMILY_IN_TOP`] of a family among the first
/// [`TOP`]: one more of a family already there three times waits until the top is full (or nothing else comes).
#[derive(Debug)]
pub struct Ranked {
    limit: usize,
    top: Vec<Suggestion>,
    waiting: Vec<Suggestion>,
    rest: Vec<Suggestion>,
    /// Suggestions looked at (a bound on the work when one family is all there is).
    offered: usize,
}

impl Ranked {
    pub fn new(limit: usize) -> Ranked {
        Ranked { limit, top: Vec::new(), waiting: Vec::new(), rest: Vec::new(), offered: 0 }
    }

    /// Enough is known: the top is full and the limit reached, or far more than the limit was looked at.
    pub fn full(&self) -> bool {
        let kept = self.top.len() + self.rest.len();
        (self.top.len() >= TOP.min(self.limit) && kept >= self.limit)
            || self.offered >= self.limit.saturating_mul(20).max(200)
    }

    /// The top is not full and already holds [`MAX_PER_FAMILY_IN_TOP`] of `family`.
    pub fn capped(&self, family: Family) -> bool {
        self.top.len() < TOP.min(self.limit)
            && self.top.iter().filter(|t| t.family == family).count() >= MAX_PER_FAMILY_IN_TOP
    }

    pub fn offer(&mut self, s: Suggestion) {
        self.offered += 1;
        if self.top.len() < TOP.min(self.limit) {
            let same = self.top.iter().filter(|t| t.family == s.family).count();
            if same < MAX_PER_FAMILY_IN_TOP {
                self.top.push(s);
                return;
            }
            self.waiting.push(s);
            return;
        }
        self.rest.push(s);
    }

    fn settle(&mut self, waiting: Vec<Suggestion>) {
        let mut waiting = waiting.into_iter();
        // Nothing else came: the top takes what waited, in order.
        while self.top.len() < TOP.min(self.limit) {
            let Some(s) = waiting.next() else { break };
            self.top.push(s);
        }
        let mut rest: Vec<Suggestion> = waiting.collect();
        rest.append(&mut self.rest);
        self.rest = rest;
    }

    pub fn finish(mut self) -> Vec<Suggestion> {
        let waiting = std::mem::take(&mut self.waiting);
        self.settle(waiting);
        // Within the top and after it, by score (the chain may have made an impact exact), the most routine first.
        let order = |a: &Suggestion, b: &Suggestion| b.score.total.cmp(&a.score.total);
        self.top.sort_by(order);
        self.rest.sort_by(order);
        let mut out = self.top;
        out.append(&mut self.rest);
        out.truncate(self.limit);
        out
    }
}

/// Several repositories' suggestions in one ranking: by score, then the same diversity rule.
pub fn rank(mut suggestions: Vec<Suggestion>, limit: usize) -> Vec<Suggestion> {
    suggestions.sort_by_key(|s| std::cmp::Reverse(s.score.total));
    let mut ranked = Ranked::new(limit);
    for s in suggestions {
        ranked.offer(s);
    }
    ranked.finish()
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
