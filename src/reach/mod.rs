//! What a drill can reach: every environment that renders the file a fault changes, each with the chain of
//! files that proves it, and whether that environment is production.
//!
//! Followed: Kustomize (resources, bases, components, patches, generators, transformers, up to the overlays),
//! Flux (`Kustomization.spec.path` at its `GitRepository`'s branch, `HelmRelease` charts and values,
//! `ArtifactGenerator` copies read through `ExternalArtifact`s), Argo CD (`Application` sources and
//! destinations, `ApplicationSet`s with literal `list` generators), Helm (a chart's `values.yaml` is read by every
//! release of the chart; a release's own values override it key by key), and GitHub workflows that run on push
//! with an `environment:`. Each environment is classified by its declared names ([`class::classify`]).
//!
//! Pure: the caller lists the repository's files at the branch and reads the ones [`to_read`] chooses.

pub mod class;
pub(crate) mod sources;

use serde_json::Value;

pub use class::{Class, classify};

use crate::deployers::{self, Target};
use crate::kustomize::{self, Kustomization};
use crate::scenario::Environments;

/// One name an environment is known by, and where it is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub value: String,
    /// `overlay folder`, `namespace of deploy/overlays/staging/kustomization.yaml`, `Argo CD destination
    /// namespace`…
    pub from: String,
}

/// One way the target file reaches a running environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// What renders or applies it, outwards from the target: `deploy/overlays/production/kustomization.yaml
    /// (resources: ../../bases/backend)`.
    pub chain: Vec<String>,
    /// Every name the environment is declared with.
    pub names: Vec<Name>,
    pub class: Class,
    /// The fault does not reach this environment although the file does, and why (production's values file
    /// sets every key the fault changes).
    pub spared: Option<String>,
}

impl Route {
    fn new(chain: Vec<String>, names: Vec<Name>, environments: &Environments) -> Route {
        let mut names_seen: Vec<Name> = Vec::new();
        for n in names {
            if !n.value.trim().is_empty() && !names_seen.iter().any(|m| m.value == n.value) {
                names_seen.push(n);
            }
        }
        let class = names_seen.iter().map(|n| classify(&n.value, environments)).max().unwrap_or(Class::Unknown);
        Route { chain, names: names_seen, class, spared: None }
    }

    /// The name that decided the class (the first of the most dangerous), when one did.
    pub fn decided_by(&self, environments: &Environments) -> Option<&Name> {
        if self.class == Class::Unknown {
            return None;
        }
        self.names.iter().find(|n| classify(&n.value, environments) == self.class)
    }

    /// Whether the fault lands in production through this route.
    pub fn is_production(&self) -> bool {
        self.class == Class::Production && self.spared.is_none()
    }
}

/// Everything known about where the target lands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// The target file.
    pub target: String,
    pub routes: Vec<Route>,
    /// What could not be followed, each with its reason (a warning, never silence).
    pub unknown: Vec<String>,
}

impl Reach {
    pub fn production(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter().filter(|r| r.is_production())
    }

    /// The refusal: the target reaches production, with the first chain that proves it and the fix.
    pub fn refusal(&self, environments: &Environments) -> Option<String> {
        let what = self.production_route(environments)?;
        Some(format!("{what}; {}", self.fix_or_consent()))
    }

    /// What to do about a refusal: [`Reach::fix`], or the explicit consent.
    pub fn fix_or_consent(&self) -> String {
        format!("{}, or set `allow_production: true` in firedrill.yml if this is meant", self.fix())
    }

    /// `X reaches production `name` (where the name is declared): chain`, when it does.
    pub fn production_route(&self, environments: &Environments) -> Option<String> {
        let route = self.production().next()?;
        let name = route.decided_by(environments).map_or_else(String::new, |n| format!(" `{}` ({})", n.value, n.from));
        let more = self.production().count() - 1;
        let more = if more > 0 { format!(" (and {more} more route(s) to production)") } else { String::new() };
        Some(format!("{} reaches production{name}: {}{more}", self.target, self.chain(route)))
    }

    /// A route's chain as one line: `target ← a (how) ← b (how)`.
    pub fn chain(&self, route: &Route) -> String {
        std::iter::once(self.target.as_str())
            .chain(route.chain.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ← ")
    }

    /// What to do instead: the staging-only place for the same setting, as the routes show it.
    pub fn fix(&self) -> String {
        let staging: Vec<&Route> =
            self.routes.iter().filter(|r| r.class == Class::Staging && r.spared.is_none()).collect();
        let overlay = staging.iter().find_map(|r| {
            r.chain
                .iter()
                .rev()
                .find_map(|c| c.split_once(' ').map(|(f, _)| f))
                .filter(|f| kustomize::is_kustomization(f))
        });
        if let Some(k) = overlay {
            return format!("target a patch of the staging overlay instead (a file `{k}` lists under `patches:`)");
        }
        if self.routes.iter().any(|r| r.chain.iter().any(|c| c.contains("values"))) {
            return "target the staging environment's own values file instead, or a key production's values file sets"
                .to_owned();
        }
        "target a file only staging renders".to_owned()
    }

    /// The warnings: routes to an environment of unknown kind, and what could not be followed.
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .routes
            .iter()
            .filter(|r| r.class == Class::Unknown && r.spared.is_none())
            .map(|r| {
                format!(
                    "{} reaches an environment whose kind is unknown ({}): name it under `environments:` in \
                     firedrill.yml",
                    self.target,
                    self.chain(r)
                )
            })
            .collect();
        out.extend(self.unknown.iter().cloned());
        out
    }

    /// Nothing in the repository shows an environment that renders the target (nothing deploys it from
    /// here, or what does is not followed): the drill may be unseen, and staging-only is not proven.
    pub fn unproven(&self) -> Option<String> {
        self.routes.is_empty().then(|| {
            format!(
                "nothing in the repository shows which environment renders {}: firedrill cannot prove it is \
                 staging only",
                self.target
            )
        })
    }
}

/// What the analysis reads.
pub struct Input<'a> {
    /// Every file of the repository at the branch.
    pub paths: &'a [String],
    /// The files read, as chosen by [`to_read`].
    pub files: &'a [(String, String)],
    /// The listing was cut short, or some candidate files were left unread.
    pub incomplete: Option<String>,
    pub target: Target<'a>,
    /// The JSON pointers the fault changes in the target (for a Helm values file); empty: the whole file.
    pub keys: &'a [String],
    pub environments: &'a Environments,
}

/// The most files read for the analysis (each one is a request on GitHub).
pub const MAX_READ: usize = deployers::MAX_READ;

/// Which of `paths` to read: the values files of the target's Helm chart first (to see what each environment
/// overrides), then what [`deployers::to_read`] chooses; at most [`MAX_READ`], and how many were left out.
pub fn to_read<'a>(paths: &'a [String], target: &str) -> (Vec<&'a str>, usize) {
    let mut chosen: Vec<&str> = Vec::new();
    if let Some(chart) = sources::chart_of(paths, target) {
        chosen.extend(
            paths.iter().map(String::as_str).filter(|p| sources::env_values_file(&chart, p).is_some() || *p == target),
        );
    }
    let (rest, unread) = deployers::to_read(paths);
    for p in rest {
        if !chosen.contains(&p) {
            chosen.push(p);
        }
    }
    let over = chosen.len().saturating_sub(MAX_READ);
    chosen.truncate(MAX_READ);
    (chosen, unread + over)
}

/// What was not read, for [`Input::incomplete`]: the listing cut short, or `unread` candidates left past
/// [`MAX_READ`].
pub fn incomplete(truncated: bool, unread: usize) -> Option<String> {
    match (truncated, unread) {
        (false, 0) => None,
        (true, _) => Some("the repository's file listing was truncated".to_owned()),
        (false, n) => Some(format!("{n} candidate file(s) past the {MAX_READ} read were not read")),
    }
}

/// Reads what [`to_read`] chooses through `read` and analyses the target.
pub fn look(
    paths: &[String],
    truncated: bool,
    target: Target<'_>,
    keys: &[String],
    environments: &Environments,
    mut read: impl FnMut(&str) -> Option<String>,
) -> Reach {
    let (chosen, unread) = to_read(paths, target.path);
    let files: Vec<(String, String)> = chosen.iter().filter_map(|p| read(p).map(|t| ((*p).to_owned(), t))).collect();
    let incomplete = incomplete(truncated, unread);
    analyse(&Input { paths, files: &files, incomplete, target, keys, environments })
}

/// Every route from the target to an environment.
pub fn analyse(input: &Input<'_>) -> Reach {
    let kustomizations = kustomizations(input.files);
    Repository::new(input.paths, input.files, &kustomizations, input.target, input.environments).reach(
        input.target.path,
        input.keys,
        input.incomplete.as_deref(),
    )
}

/// The kustomizations among `files`, for [`Repository::new`].
pub fn kustomizations(files: &[(String, String)]) -> Vec<Kustomization> {
    files.iter().filter(|(p, _)| kustomize::is_kustomization(p)).map(|(p, t)| Kustomization::parse(p, t)).collect()
}

/// A repository read once for many questions (`suggest` asks about every candidate file).
pub struct Repository<'a> {
    paths: &'a [String],
    /// The listing, to look paths up.
    listed: std::collections::HashSet<&'a str>,
    /// The files read, by path.
    by_path: std::collections::HashMap<&'a str, &'a str>,
    /// The workflows among them.
    workflows: Vec<&'a (String, String)>,
    kustomizations: &'a [Kustomization],
    graph: kustomize::Graph<'a>,
    objects: Vec<deployers::gitops::Object>,
    /// Files that hold Argo CD or Flux objects but could not be read, and ApplicationSets not expanded.
    problems: Vec<String>,
    /// The branch, repository and default branch every question is asked about (`path` is replaced).
    base: Target<'a>,
    environments: &'a Environments,
}

impl<'a> Repository<'a> {
    pub fn new(
        paths: &'a [String],
        files: &'a [(String, String)],
        kustomizations: &'a [Kustomization],
        base: Target<'a>,
        environments: &'a Environments,
    ) -> Repository<'a> {
        let listed: std::collections::HashSet<&str> = paths.iter().map(String::as_str).collect();
        let mut objects = Vec::new();
        let mut problems = Vec::new();
        for (path, text) in files {
            let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
            if yaml && deployers::gitops::mentions(text) && is_helm_template(&listed, path) {
                // Templated: what it makes is known only once Helm renders it (an app of apps).
                let kinds = ["Application", "ApplicationSet", "Kustomization", "HelmRelease"];
                if kinds.iter().any(|k| text.contains(&format!("kind: {k}\n"))) {
                    problems.push(format!(
                        "{path} is a Helm template that makes Argo CD or Flux objects, not rendered here: where what \
                         it makes deploys is not known"
                    ));
                }
                continue;
            }
            if yaml && !kustomize::is_kustomization(path) && deployers::gitops::mentions(text) {
                match deployers::gitops::objects(path, text) {
                    Ok(found) => objects.extend(found),
                    Err(problem) => problems.push(format!("not read: {problem}")),
                }
            }
        }
        let expanded = sources::expand_application_sets(&objects);
        objects.extend(expanded);
        let by_path = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let workflows = files.iter().filter(|(p, _)| deployers::workflow::is_workflow(p)).collect();
        let graph = kustomize::Graph::new(kustomizations);
        Repository { paths, listed, by_path, workflows, kustomizations, graph, objects, problems, base, environments }
    }

    fn text(&self, path: &str) -> Option<&str> {
        self.by_path.get(path).copied()
    }

    /// Whether `path` is in the listing.
    fn listed(&self, path: &str) -> bool {
        self.listed.contains(path)
    }

    /// The folder of the Helm chart holding `path` (the nearest folder above it with a `Chart.yaml`).
    pub fn chart_of(&self, path: &str) -> Option<String> {
        let mut dir = path;
        while let Some((up, _)) = dir.rsplit_once('/') {
            dir = up;
            if self.listed(&format!("{up}/Chart.yaml")) {
                return Some(up.to_owned());
            }
        }
        self.listed("Chart.yaml").then(String::new)
    }

    /// The routes of `path` when a fault changes `keys` of it (JSON pointers; empty: the whole file);
    /// `incomplete` says what was not read, as a warning.
    pub fn reach(&self, path: &str, keys: &[String], incomplete: Option<&str>) -> Reach {
        let target = Target { path, ..self.base };
        let repo = deployers::gitops::Repo { paths: self.paths, kustomizations: self.kustomizations, target: &target };
        let mut reach = Reach { target: path.to_owned(), ..Reach::default() };
        let cx =
            sources::Cx { repo: &repo, graph: &self.graph, all: &self.objects, environments: self.environments, keys };
        // Kustomize overlays, and what applies them.
        sources::overlays(&cx, self, &mut reach);
        // Argo CD Applications, Flux Kustomizations and HelmReleases that take the file.
        sources::deployers(&cx, self, &mut reach);
        // Flux ArtifactGenerators copying it into an ExternalArtifact.
        sources::artifacts(&cx, &mut reach);
        // A chart's per-environment values files, when no release in the repository names them.
        sources::implied_releases(&cx, self, &mut reach);
        // GitHub workflows with an environment, running on push of it.
        sources::workflows(&cx, self, &mut reach);
        // The file itself is an Argo CD or Flux object: the change lands where that object deploys.
        sources::itself(&cx, self, &mut reach);
        reach.unknown.extend(sources::unexpanded(&cx, &self.objects));
        reach.unknown.extend(self.problems.iter().cloned());
        if let Some(why) = incomplete {
            reach.unknown.push(format!("the reach of {path} may be incomplete: {why}"));
        }
        // A route that another one extends (the overlay, and the Flux Kustomization that applies it) says less.
        // Its names still count: they move to the longer routes.
        let extends = |long: &Route, short: &Route| {
            !short.chain.is_empty() && long.chain.len() > short.chain.len() && long.chain.starts_with(&short.chain)
        };
        let mut routes = std::mem::take(&mut reach.routes);
        for i in 0..routes.len() {
            let longer: Vec<usize> = (0..routes.len()).filter(|&j| extends(&routes[j], &routes[i])).collect();
            for j in &longer {
                let names = routes[i].names.clone();
                let mut merged = routes[*j].names.clone();
                merged.extend(names);
                let spared = routes[*j].spared.take();
                routes[*j] = Route::new(routes[*j].chain.clone(), merged, self.environments);
                routes[*j].spared = spared;
            }
        }
        let subsumed: Vec<bool> = routes.iter().map(|r| routes.iter().any(|other| extends(other, r))).collect();
        reach.routes = routes.into_iter().zip(subsumed).filter(|(_, gone)| !gone).map(|(r, _)| r).collect();
        reach.routes.dedup();
        reach
    }
}

/// Whether `path` is in the `templates/` folder of a Helm chart (a folder beside a `Chart.yaml`).
fn is_helm_template(listed: &std::collections::HashSet<&str>, path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    while let Some(last) = parts.pop() {
        if last == "templates" {
            let chart = parts.join("/");
            let file = if chart.is_empty() { "Chart.yaml".to_owned() } else { format!("{chart}/Chart.yaml") };
            if listed.contains(file.as_str()) {
                return true;
            }
        }
    }
    false
}

/// The JSON pointers of the target a fault changes (`path` and `from` of each operation but `test`), for every
/// variant too: a scenario is judged by the most its faults can reach.
pub fn fault_keys(s: &crate::scenario::Scenario) -> Vec<String> {
    if s.target.embedded.is_some() {
        // The pointers are inside a document held in a string: the file's own key is that string's.
        return s.target.embedded.iter().map(|p| p.as_str().to_owned()).collect();
    }
    let ops = s.fault.iter().chain(s.variants.iter().flat_map(|v| v.fault.iter()));
    let mut keys: Vec<String> = Vec::new();
    for op in ops.filter(|op| op.name() != "test") {
        for p in std::iter::once(op.path()).chain(op.from()) {
            if !keys.iter().any(|k| k == p.as_str()) {
                keys.push(p.as_str().to_owned());
            }
        }
    }
    keys
}

/// Whether the values document `doc` sets `pointer`: Helm merges mappings key by key, and any other value
/// (a list, a scalar, `null` which deletes the key) replaces what the chart's defaults hold below it.
pub fn sets(doc: &Value, pointer: &str) -> bool {
    if !doc.is_object() {
        return false;
    }
    let mut current = doc;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        match current {
            Value::Object(map) => match map.get(&token) {
                Some(v) => current = v,
                None => return false,
            },
            _ => return true,
        }
    }
    true
}

#[cfg(test)]
mod tests;
