//! Argo CD and Flux objects kept in the repository: which of its files each one syncs, from which branch.

use serde_json::Value;

use super::{Deployer, Target, located, normal, shown, under};
use crate::kustomize::{self, Kustomization};

/// The cheap test before parsing: the API groups of Argo CD and Flux.
pub fn mentions(text: &str) -> bool {
    text.contains("argoproj.io") || text.contains("toolkit.fluxcd.io") || text.contains("source.extensions.fluxcd.io")
}

/// One Argo CD or Flux object of a file.
#[derive(Debug, Clone)]
pub struct Object {
    pub file: String,
    pub api: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub spec: Value,
}

/// The Argo CD and Flux objects of `file` (every document of the stream); a file that is not YAML is an
/// error naming its line and column.
pub fn objects(file: &str, text: &str) -> Result<Vec<Object>, String> {
    let docs = crate::patch::yaml::documents(text).map_err(|e| located(file, &e))?;
    Ok(docs
        .into_iter()
        .filter_map(|d| {
            let api = d.get("apiVersion")?.as_str()?.to_owned();
            let group = api.split('/').next().unwrap_or_default();
            // Flux 2.7's ArtifactGenerator is in `source.extensions.fluxcd.io`.
            if group != "argoproj.io"
                && !group.ends_with(".toolkit.fluxcd.io")
                && group != "source.extensions.fluxcd.io"
            {
                return None;
            }
            let meta = d.get("metadata");
            let text = |k: &str| meta.and_then(|m| m.get(k)).and_then(Value::as_str).map(str::to_owned);
            Some(Object {
                file: file.to_owned(),
                kind: d.get("kind")?.as_str()?.to_owned(),
                name: text("name").unwrap_or_else(|| "(unnamed)".to_owned()),
                namespace: text("namespace"),
                spec: d.get("spec").cloned().unwrap_or(Value::Null),
                api,
            })
        })
        .collect())
}

/// What the objects are judged against: the repository's listing, its kustomizations, the target.
pub struct Repo<'a> {
    pub paths: &'a [String],
    pub kustomizations: &'a [Kustomization],
    pub target: &'a Target<'a>,
}

/// Whether something is taken from the right place: `Ok(note)` or `Err(why not)`.
pub(crate) type Judged = Result<String, String>;

impl Repo<'_> {
    /// `o` as a deployer, when it is one (an Argo CD `Application` or `ApplicationSet`, a Flux
    /// `Kustomization` or `HelmRelease`); `all` holds every object found, for Flux's `GitRepository`s.
    pub fn deployer(&self, o: &Object, all: &[Object]) -> Option<Deployer> {
        let group = o.api.split('/').next().unwrap_or_default();
        let (covers, why) = match (group, o.kind.as_str()) {
            ("argoproj.io", "Application") => self.application(o),
            ("argoproj.io", "ApplicationSet") => (
                false,
                format!(
                    "ApplicationSet {} generates Applications that are not expanded here: check by hand whether one \
                     syncs {}",
                    o.name, self.target.path
                ),
            ),
            ("kustomize.toolkit.fluxcd.io", "Kustomization") => self.flux_kustomization(o, all),
            ("helm.toolkit.fluxcd.io", "HelmRelease") => self.helm_release(o, all),
            _ => return None,
        };
        Some(Deployer { file: o.file.clone(), name: format!("{} {}", o.kind, o.name), covers, why })
    }

    /// An Argo CD Application: any of its sources (`spec.source`, `spec.sources[]`) that syncs the target.
    fn application(&self, o: &Object) -> (bool, String) {
        let sources: Vec<&Value> = match (o.spec.get("source"), o.spec.get("sources").and_then(Value::as_array)) {
            (_, Some(list)) if !list.is_empty() => list.iter().collect(),
            (Some(s), _) => vec![s],
            _ => return (false, format!("Application {} has no source", o.name)),
        };
        let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        // `$name/…` in valueFiles: the source whose `ref` is `name`, when it is this repository at the branch.
        let refs = |name: &str| -> Option<Judged> {
            let s = sources.iter().find(|s| str_of(s, "ref").as_deref() == Some(name))?;
            Some(self.repo_url(str_of(s, "repoURL").as_deref()).and_then(|_| self.argo_revision(s)))
        };
        let mut reasons = Vec::new();
        for s in &sources {
            let Some(path) = str_of(s, "path") else {
                // A chart from a Helm repository; its values may still come from here through `$ref`. (A
                // source with only `ref:` has no files of its own.)
                if let Some(chart) = str_of(s, "chart") {
                    if let Some(why) = self.ref_values(s, &refs) {
                        return (true, format!("Application {} {why}", o.name));
                    }
                    reasons.push(format!("installs chart {chart} from a Helm repository"));
                }
                continue;
            };
            let dir = normal(&path);
            let from = self.repo_url(str_of(s, "repoURL").as_deref()).and_then(|n| Ok((n, self.argo_revision(s)?)));
            let judged = from.and_then(|(repo_note, revision)| {
                self.argo_path(s, &dir, &refs)
                    .map(|how| format!("{revision}{repo_note}{how}"))
                    .map_err(|why| format!("{revision}, {why}"))
            });
            match judged {
                Ok(how) => return (true, format!("Application {} syncs {} {how}", o.name, shown(&dir))),
                Err(why) => reasons.push(format!("syncs {} {why}", shown(&dir))),
            }
        }
        if reasons.is_empty() {
            reasons.push("has no source from this repository".to_owned());
        }
        (false, format!("Application {} {}", o.name, reasons.join("; ")))
    }

    /// `HEAD` or no revision: the default branch; a branch name must be the target branch.
    pub(crate) fn argo_revision(&self, source: &Value) -> Judged {
        let rev = source.get("targetRevision").and_then(Value::as_str).map(str::trim).unwrap_or_default();
        let branch = self.target.branch;
        if rev.is_empty() || rev == "HEAD" {
            return match self.target.default_branch {
                Some(d) if d == branch => Ok(format!("from HEAD (the default branch, `{branch}`)")),
                Some(d) => Err(format!("from HEAD, the default branch `{d}`, not `{branch}`")),
                None => Ok(format!("from HEAD (assumed to be `{branch}`: the default branch is not known here)")),
            };
        }
        let name = rev.strip_prefix("refs/heads/").unwrap_or(rev);
        if name == branch { Ok(format!("from `{name}`")) } else { Err(format!("from `{rev}`, not `{branch}`")) }
    }

    /// Whether `url` is this repository: `Ok(note)` (empty when known to be), `Err` when it is another.
    pub(crate) fn repo_url(&self, url: Option<&str>) -> Judged {
        let Some(url) = url.filter(|u| !u.is_empty()) else { return Ok(String::new()) };
        let Some(repo) = self.target.repo else {
            return Ok(format!(" (assuming {url} is this repository)"));
        };
        let tail = url.trim_end_matches('/').trim_end_matches(".git").to_ascii_lowercase();
        let repo = repo.to_ascii_lowercase();
        if tail.ends_with(&format!("/{repo}")) || tail.ends_with(&format!(":{repo}")) {
            Ok(String::new())
        } else {
            Err(format!("from {url}, another repository"))
        }
    }

    /// Whether the Argo CD source at `dir` reads the target: a Kustomize folder through its kustomization, a
    /// Helm chart through its values files, a plain folder by its manifests (subfolders with `recurse`).
    fn argo_path(&self, source: &Value, dir: &str, refs: &dyn Fn(&str) -> Option<Judged>) -> Judged {
        let target = self.target.path;
        if let Some(k) = self.kustomize_dir(dir) {
            return k;
        }
        let helm = source.get("helm");
        if helm.is_some() || self.is_chart(dir) {
            let files: Vec<String> = strings(helm.and_then(|h| h.get("valueFiles")))
                .iter()
                .filter_map(|f| match f.strip_prefix('$') {
                    Some(r) => {
                        let (name, rest) = r.split_once('/')?;
                        refs(name)?.ok().map(|_| normal(rest))
                    }
                    None => Some(normal(&format!("{dir}/{f}"))),
                })
                .collect();
            return helm_reads(dir, &files, target, "helm.valueFiles");
        }
        let recurse = source.pointer("/directory/recurse").and_then(Value::as_bool).unwrap_or(false);
        let parent = target.rsplit_once('/').map_or("", |(d, _)| d);
        if !is_manifest(target) && under(dir, target) {
            return Err(format!("and a plain folder applies only .yaml, .yml and .json files, not {target}"));
        }
        match (parent == dir, under(dir, target), recurse) {
            (true, _, _) => Ok(", which holds it".to_owned()),
            (false, true, true) => Ok(", which holds it (directory.recurse)".to_owned()),
            (false, true, false) => {
                Err(format!("which holds {target} in a subfolder, but without `directory.recurse: true`"))
            }
            _ => Err(format!("which does not hold {target}")),
        }
    }

    /// The values of a chart from a Helm repository taken from this one through `$ref/…` in valueFiles.
    fn ref_values(&self, source: &Value, refs: &dyn Fn(&str) -> Option<Judged>) -> Option<String> {
        let target = self.target.path;
        strings(source.pointer("/helm/valueFiles")).into_iter().find_map(|f| {
            let (name, rest) = f.strip_prefix('$')?.split_once('/')?;
            let note = refs(name)?.ok()?;
            (normal(rest) == target).then(|| format!("reads {target} as values of its chart ({f}, {note})"))
        })
    }

    /// `Some` when `dir` is a Kustomize folder: whether its kustomization reaches the target, and how.
    fn kustomize_dir(&self, dir: &str) -> Option<Judged> {
        self.kustomizations.iter().find(|k| k.dir == dir)?;
        let target = self.target.path;
        Some(match kustomize::reaches(self.kustomizations, dir, target) {
            Some(hops) if hops.is_empty() => Ok(", whose kustomization it is".to_owned()),
            Some(hops) => Ok(format!(", whose kustomization reaches it (via {})", kustomize::via(&hops))),
            None => Err(format!("a Kustomize folder whose kustomization does not reach {target}")),
        })
    }

    fn is_chart(&self, dir: &str) -> bool {
        let chart = if dir.is_empty() { "Chart.yaml".to_owned() } else { format!("{dir}/Chart.yaml") };
        self.paths.contains(&chart)
    }

    /// A Flux Kustomization: `spec.path` (default `./`) of its `sourceRef`, at that GitRepository's branch.
    fn flux_kustomization(&self, o: &Object, all: &[Object]) -> (bool, String) {
        let label = format!("Kustomization {}", o.name);
        // An ExternalArtifact (Flux 2.7): what an ArtifactGenerator of the repository copied into it, followed by
        // the same reading as the reach analysis.
        if o.spec.pointer("/sourceRef/kind").and_then(Value::as_str) == Some("ExternalArtifact") {
            return self.through_external_artifact(o, all, &label);
        }
        let source = match self.flux_source(o, o.spec.get("sourceRef"), all) {
            Ok(note) => note,
            Err(why) => return (false, format!("{label} {why}")),
        };
        let dir = normal(o.spec.get("path").and_then(Value::as_str).unwrap_or("./"));
        let target = self.target.path;
        let judged = match self.kustomize_dir(&dir) {
            Some(k) => k,
            // Without a kustomization, Flux generates one with every manifest under the path.
            None if under(&dir, target) && is_manifest(target) => {
                Ok(", which holds it (Flux applies every manifest under its path)".to_owned())
            }
            None if under(&dir, target) => Err(format!("whose manifests do not include {target} (not YAML or JSON)")),
            None => Err(format!("which does not hold {target}")),
        };
        match judged {
            Ok(how) => (true, format!("{label} applies {} {source}{how}", shown(&dir))),
            Err(why) => (false, format!("{label} applies {} {source}, {why}", shown(&dir))),
        }
    }

    /// A Flux Kustomization whose source is an ExternalArtifact: it applies the target when an ArtifactGenerator
    /// of the repository copies the target (from this branch) into the part of the artifact it applies.
    fn through_external_artifact(&self, o: &Object, all: &[Object], label: &str) -> (bool, String) {
        let artifact = o.spec.pointer("/sourceRef/name").and_then(Value::as_str).unwrap_or_default();
        let graph = kustomize::Graph::new(self.kustomizations);
        let environments = crate::scenario::Environments::default();
        let cx = crate::reach::sources::Cx { repo: self, graph: &graph, all, environments: &environments, keys: &[] };
        match crate::reach::sources::external_artifact_chain(&cx, o) {
            Some(chain) => {
                // The hops before the Kustomization's own, outwards from the target: how the artifact holds it.
                let via: Vec<&str> = std::iter::once(self.target.path)
                    .chain(chain.iter().take(chain.len().saturating_sub(1)).map(String::as_str))
                    .collect();
                (true, format!("{label} applies ExternalArtifact {artifact}, which holds {}", via.join(" ← ")))
            }
            None => (
                false,
                format!(
                    "{label} applies ExternalArtifact {artifact}, and no ArtifactGenerator of this repository copies \
                     {} from `{}` into what it applies",
                    self.target.path, self.target.branch
                ),
            ),
        }
    }

    /// A Flux HelmRelease: a chart at a path of a GitRepository, and its `valuesFiles` (paths in the source).
    fn helm_release(&self, o: &Object, all: &[Object]) -> (bool, String) {
        let label = format!("HelmRelease {}", o.name);
        let Some(chart) = o.spec.pointer("/chart/spec") else {
            return (false, format!("{label} takes its chart through `chartRef`, which is not followed here"));
        };
        let source_ref = chart.get("sourceRef");
        let kind = source_ref.and_then(|s| s.get("kind")).and_then(Value::as_str).unwrap_or_default();
        let name = chart.get("chart").and_then(Value::as_str).unwrap_or_default();
        if kind != "GitRepository" {
            return (false, format!("{label} installs chart {name} from a {kind}, not from this repository's files"));
        }
        let source = match self.flux_source(o, source_ref, all) {
            Ok(note) => note,
            Err(why) => return (false, format!("{label} {why}")),
        };
        let dir = normal(name);
        let files: Vec<String> = strings(chart.get("valuesFiles")).iter().map(|f| normal(f)).collect();
        match helm_reads(&dir, &files, self.target.path, "valuesFiles") {
            Ok(how) => (true, format!("{label} installs the chart {} {source}{how}", shown(&dir))),
            Err(why) => (false, format!("{label} installs the chart {} {source}, {why}", shown(&dir))),
        }
    }

    /// The Flux source `reference` of `o` when it is a GitRepository of this repository at the target branch:
    /// `Ok("from `main`")`; unknown (not in the repository) is assumed to match, and said.
    pub(crate) fn flux_source(&self, o: &Object, reference: Option<&Value>, all: &[Object]) -> Judged {
        let field = |k: &str| reference.and_then(|r| r.get(k)).and_then(Value::as_str);
        let (kind, name) = (field("kind").unwrap_or("GitRepository"), field("name").unwrap_or_default());
        if kind != "GitRepository" {
            return Err(format!("takes its files from the {kind} {name}, not from this repository's branches"));
        }
        let namespace = field("namespace").map(str::to_owned).or_else(|| o.namespace.clone());
        let branch = self.target.branch;
        let found = all.iter().find(|g| {
            g.kind == "GitRepository"
                && g.api.starts_with("source.toolkit.fluxcd.io/")
                && g.name == name
                && (namespace.is_none() || g.namespace.is_none() || g.namespace == namespace)
        });
        let Some(git) = found else {
            return Ok(format!(
                "from GitRepository {name} (not in this repository: its branch is unknown, assumed to be `{branch}`)"
            ));
        };
        let url = git.spec.get("url").and_then(Value::as_str);
        let repo_note = self.repo_url(url).map_err(|why| format!("from GitRepository {name}: {why}"))?;
        let r = git.spec.get("ref");
        let at = |k: &str| r.and_then(|r| r.get(k)).and_then(Value::as_str);
        // Flux reads the `master` branch when the GitRepository names no ref.
        let named = match (at("branch"), at("tag").or(at("semver")).or(at("commit")).or(at("name"))) {
            (_, Some(other)) => {
                return Err(format!("from GitRepository {name} at `{other}`, not the branch `{branch}`"));
            }
            (Some(b), None) => b,
            (None, None) => "master",
        };
        if named == branch {
            Ok(format!("from GitRepository {name} (`{named}`, in {}){repo_note}", git.file))
        } else {
            Err(format!("from GitRepository {name}, which follows `{named}`, not `{branch}` ({})", git.file))
        }
    }
}

/// Whether a Helm chart at `dir` with the values files `files` (repository paths) reads `target`: a listed
/// values file (inside the chart or not), the chart's own `values.yaml`, `Chart.yaml`, its templates and
/// subcharts. Another file of the chart's folder is read by nothing.
fn helm_reads(dir: &str, files: &[String], target: &str, field: &str) -> Judged {
    if files.iter().any(|f| f == target) {
        return Ok(format!(", with {target} in its {field}"));
    }
    let inside = |p: &str| if dir.is_empty() { p.to_owned() } else { format!("{dir}/{p}") };
    if target == inside("values.yaml") || target == inside("Chart.yaml") {
        return Ok(format!(", whose chart includes {target}"));
    }
    if under(&inside("templates"), target) || under(&inside("charts"), target) {
        return Ok(format!(", whose chart renders {target}"));
    }
    if under(dir, target) {
        return Err(format!("a Helm chart that does not read {target}: it is not in its {field}"));
    }
    Err(format!("a Helm chart whose {field} do not include {target}"))
}

/// The files kubectl, Argo CD and Flux apply from a folder.
pub(crate) fn is_manifest(path: &str) -> bool {
    [".yaml", ".yml", ".json"].iter().any(|e| path.ends_with(e))
}

pub(crate) fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}
