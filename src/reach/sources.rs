//! The mechanisms that carry a file to an environment, one function each; see [`super`].

use serde_json::Value;

use super::{Name, Reach, Repository, Route, sets};
use crate::deployers::gitops::{Object, Repo, strings};
use crate::deployers::{self, normal, under};
use crate::kustomize::{Graph, Hop, Kustomization};
use crate::scenario::Environments;

/// What every mechanism needs.
pub struct Cx<'a> {
    pub repo: &'a Repo<'a>,
    pub graph: &'a Graph<'a>,
    pub all: &'a [Object],
    pub environments: &'a Environments,
    pub keys: &'a [String],
}

impl Cx<'_> {
    fn target(&self) -> &str {
        self.repo.target.path
    }

    fn route(&self, chain: Vec<String>, names: Vec<Name>) -> Route {
        Route::new(chain, names, self.environments)
    }
}

fn name(value: &str, from: impl Into<String>) -> Name {
    Name { value: value.trim().to_owned(), from: from.into() }
}

/// The chain of a Kustomize path, outwards: the last hop (the one naming the target) first.
fn links(hops: &[Hop]) -> Vec<String> {
    hops.iter().rev().map(|h| format!("{} ({}: {})", h.file, h.field, h.written)).collect()
}

/// The names of a Kustomize overlay: each folder of its path and its `namespace:`.
fn overlay_names(dir: &str, k: Option<&Kustomization>) -> Vec<Name> {
    let mut out: Vec<Name> =
        dir.split('/').filter(|s| !s.is_empty()).map(|s| name(s, format!("overlay folder {dir}"))).collect();
    if let Some(ns) = k.and_then(|k| k.namespace.as_deref()) {
        out.push(name(ns, format!("namespace of {}", k.map_or("", |k| k.file.as_str()))));
    }
    out
}

/// The folders holding `file`, as names (Flux objects are applied in the cluster whose folder holds them:
/// `clusters/production/apps.yaml`).
fn folder_names(file: &str) -> Vec<Name> {
    let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
    dir.split('/').filter(|s| !s.is_empty()).map(|s| name(s, format!("folder of {file}"))).collect()
}

fn text<'v>(v: &'v Value, pointer: &str) -> Option<&'v str> {
    v.pointer(pointer).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

fn is_argo_app(o: &Object) -> bool {
    o.api.starts_with("argoproj.io/") && o.kind == "Application"
}

fn is_flux(o: &Object, group: &str, kind: &str) -> bool {
    o.api.starts_with(&format!("{group}/")) && o.kind == kind
}

fn is_deployer(o: &Object) -> bool {
    is_argo_app(o)
        || is_flux(o, "kustomize.toolkit.fluxcd.io", "Kustomization")
        || is_flux(o, "helm.toolkit.fluxcd.io", "HelmRelease")
}

/// The names an Argo CD or Flux object declares for where it deploys.
fn object_names(o: &Object) -> Vec<Name> {
    let mut out = Vec::new();
    if is_argo_app(o) {
        let d = "/destination";
        for (p, from) in [
            (format!("{d}/name"), "Argo CD destination cluster"),
            (format!("{d}/namespace"), "Argo CD destination namespace"),
            (format!("{d}/server"), "Argo CD destination server"),
        ] {
            if let Some(v) = text(&o.spec, &p) {
                out.push(name(v, from));
            }
        }
        if let Some(p) = text(&o.spec, "/project").filter(|p| *p != "default") {
            out.push(name(p, "Argo CD project"));
        }
        out.push(name(&o.name, "Application name"));
    } else {
        if let Some(ns) = text(&o.spec, "/targetNamespace") {
            out.push(name(ns, format!("{} targetNamespace", o.kind)));
        }
        if let Some(ns) = o.namespace.as_deref().filter(|n| *n != "flux-system") {
            out.push(name(ns, format!("{} namespace", o.kind)));
        }
        if let Some(secret) = text(&o.spec, "/kubeConfig/secretRef/name") {
            out.push(name(secret, "kubeConfig secret of the target cluster"));
        }
        if let Some(r) = text(&o.spec, "/releaseName") {
            out.push(name(r, "HelmRelease releaseName"));
        }
        out.push(name(&o.name, format!("{} name", o.kind)));
    }
    out.extend(folder_names(&o.file));
    out
}

/// Where the object at `file` is applied: one entry per Kustomize overlay that includes its file (a HelmRelease
/// in `apps/base/` applied by each cluster's overlay), each with its link and names; none when no overlay does.
fn places(cx: &Cx<'_>, file: &str) -> Vec<(Vec<String>, Vec<Name>)> {
    cx.graph
        .affected(file)
        .into_iter()
        .map(|a| {
            let k = cx.repo.kustomizations.iter().find(|k| k.dir == a.overlay);
            let mut chain = links(&a.via);
            if chain.is_empty() {
                chain.push(format!("{} (the overlay itself)", a.overlay));
            }
            (chain, overlay_names(&a.overlay, k))
        })
        .collect()
}

/// The folders an Argo CD Application or Flux object takes its files from, as repository paths.
fn object_dirs(o: &Object) -> Vec<String> {
    if is_argo_app(o) {
        let sources: Vec<&Value> = match (o.spec.get("source"), o.spec.get("sources").and_then(Value::as_array)) {
            (_, Some(list)) if !list.is_empty() => list.iter().collect(),
            (Some(s), _) => vec![s],
            _ => Vec::new(),
        };
        return sources.iter().filter_map(|s| s.get("path").and_then(Value::as_str)).map(normal).collect();
    }
    if is_flux(o, "kustomize.toolkit.fluxcd.io", "Kustomization") {
        return vec![normal(text(&o.spec, "/path").unwrap_or("./"))];
    }
    if is_flux(o, "helm.toolkit.fluxcd.io", "HelmRelease") {
        return text(&o.spec, "/chart/spec/chart").map(normal).into_iter().collect();
    }
    Vec::new()
}

/// Kustomize overlays that reach the target: a route each, unless an Argo CD or Flux object of the repository
/// applies that overlay (then the object's route says where, or why it does not take the target's branch).
pub fn overlays(cx: &Cx<'_>, repo: &Repository<'_>, reach: &mut Reach) {
    for a in cx.graph.affected(cx.target()) {
        let appliers: Vec<&Object> =
            cx.all.iter().filter(|o| is_deployer(o) && object_dirs(o).contains(&a.overlay)).collect();
        let judged: Vec<deployers::Deployer> = appliers.iter().filter_map(|o| cx.repo.deployer(o, cx.all)).collect();
        if judged.iter().any(|d| d.covers) {
            continue;
        }
        let k = repo.kustomizations.iter().find(|k| k.dir == a.overlay);
        let mut route = cx.route(links(&a.via), overlay_names(&a.overlay, k));
        if !judged.is_empty() {
            let why: Vec<String> = judged.iter().map(|d| format!("{} ({})", d.why, d.file)).collect();
            route.spared =
                Some(format!("the overlay is deployed only by what does not take this branch: {}", why.join("; ")));
        }
        reach.routes.push(route);
    }
}

/// Argo CD Applications (and those expanded from ApplicationSets), Flux Kustomizations and HelmReleases that
/// take the target from the target's branch.
pub fn deployers(cx: &Cx<'_>, repo: &Repository<'_>, reach: &mut Reach) {
    let target = cx.target();
    // A Kustomization of an ExternalArtifact is followed by [`artifacts`], through the generator's copies.
    let of_artifact = |o: &Object| text(&o.spec, "/sourceRef/kind") == Some("ExternalArtifact");
    for o in cx.all.iter().filter(|o| is_deployer(o) && !of_artifact(o)) {
        let Some(d) = cx.repo.deployer(o, cx.all) else { continue };
        if !d.covers {
            continue;
        }
        let mut chain = Vec::new();
        let mut names = object_names(o);
        for dir in object_dirs(o) {
            if let Some(hops) = cx.graph.reaches(&dir, target) {
                chain.extend(links(&hops));
                names.extend(overlay_names(&dir, repo.kustomizations.iter().find(|k| k.dir == dir)));
                break;
            }
        }
        chain.push(format!("{} ({})", o.file, d.why));
        let spared = helm_spared(cx, repo, o);
        let at = places(cx, &o.file);
        if at.is_empty() {
            let mut route = cx.route(chain.clone(), names.clone());
            route.spared = spared.clone();
            reach.routes.push(route);
        }
        for (link, more) in at {
            let mut route = cx.route([chain.clone(), link].concat(), [names.clone(), more].concat());
            route.spared = spared.clone();
            reach.routes.push(route);
        }
    }
}

/// The folder of the Helm chart holding `target` (the nearest folder above it with a `Chart.yaml`).
pub fn chart_of(paths: &[String], target: &str) -> Option<String> {
    let mut dir = target;
    while let Some((up, _)) = dir.rsplit_once('/') {
        dir = up;
        if paths.iter().any(|p| *p == format!("{up}/Chart.yaml")) {
            return Some(up.to_owned());
        }
    }
    paths.iter().any(|p| p == "Chart.yaml").then(String::new)
}

fn inside(dir: &str, p: &str) -> String {
    if dir.is_empty() { p.to_owned() } else { format!("{dir}/{p}") }
}

/// The environment a values file of the chart at `chart` is named for: `values-prod.yaml`, `values.staging.yml`,
/// `prod-values.yaml`, `values/prod.yaml`, `envs/prod.yaml`.
pub fn env_values_file(chart: &str, path: &str) -> Option<String> {
    let rest = if chart.is_empty() { path } else { path.strip_prefix(chart)?.strip_prefix('/')? };
    let stem = rest.strip_suffix(".yaml").or_else(|| rest.strip_suffix(".yml"))?;
    let env = match stem.split_once('/') {
        Some((folder, env)) if ["values", "envs", "environments", "env"].contains(&folder) && !env.contains('/') => env,
        Some(_) => return None,
        None => ["values-", "values_", "values."]
            .iter()
            .find_map(|p| stem.strip_prefix(p))
            .or_else(|| ["-values", "_values", ".values"].iter().find_map(|s| stem.strip_suffix(s)))?,
    };
    (!env.is_empty() && env != "schema").then(|| env.to_owned())
}

/// A values document as Helm reads it (the first YAML document; `None` when it is not YAML).
fn values_doc(text: &str) -> Option<Value> {
    crate::patch::yaml::documents(text).ok()?.into_iter().next()
}

/// The keys of the target none of `overrides` sets: empty when every key the fault changes is overridden.
fn not_overridden<'k>(keys: &'k [String], overrides: &[(String, Value)]) -> Vec<&'k str> {
    keys.iter().filter(|k| !overrides.iter().any(|(_, doc)| sets(doc, k))).map(String::as_str).collect()
}

fn spared_by(keys: &[String], overrides: &[(String, Value)]) -> Option<String> {
    if keys.is_empty() || overrides.is_empty() || !not_overridden(keys, overrides).is_empty() {
        return None;
    }
    let setters: Vec<&str> = overrides
        .iter()
        .filter(|(_, doc)| keys.iter().any(|k| sets(doc, k)))
        .map(|(label, _)| label.as_str())
        .collect();
    Some(format!("{} set(s) {} there, over the chart's default", setters.join(" and "), keys.join(", ")))
}

/// For a release of a chart the target is a values file of: whether that release's later values (its other
/// values files, its inline values) set every key the fault changes, so the fault does not reach it.
fn helm_spared(cx: &Cx<'_>, repo: &Repository<'_>, o: &Object) -> Option<String> {
    let target = cx.target();
    let chart = repo.chart_of(target)?;
    let mut files: Vec<String> = Vec::new();
    let mut inline: Vec<(String, Value)> = Vec::new();
    if is_argo_app(o) {
        let sources: Vec<&Value> = match (o.spec.get("source"), o.spec.get("sources").and_then(Value::as_array)) {
            (_, Some(list)) if !list.is_empty() => list.iter().collect(),
            (Some(s), _) => vec![s],
            _ => Vec::new(),
        };
        let source =
            sources.into_iter().find(|s| s.get("path").and_then(Value::as_str).map(normal) == Some(chart.clone()))?;
        for f in strings(source.pointer("/helm/valueFiles")) {
            // `$ref/…` names another source's files: its path is relative to that repository's root.
            files.push(match f.strip_prefix('$') {
                Some(r) => normal(r.split_once('/').map_or("", |(_, p)| p)),
                None => normal(&inside(&chart, &f)),
            });
        }
        if let Some(doc) = text(source, "/helm/values").and_then(values_doc) {
            inline.push((format!("{} helm.values", o.file), doc));
        }
        if let Some(doc) = source.pointer("/helm/valuesObject").filter(|v| v.is_object()) {
            inline.push((format!("{} helm.valuesObject", o.file), doc.clone()));
        }
    } else if is_flux(o, "helm.toolkit.fluxcd.io", "HelmRelease") {
        files = strings(o.spec.pointer("/chart/spec/valuesFiles")).iter().map(|f| normal(f)).collect();
        if let Some(doc) = o.spec.get("values").filter(|v| v.is_object()) {
            inline.push((format!("{} spec.values", o.file), doc.clone()));
        }
    } else {
        return None;
    }
    // Helm reads the chart's values.yaml, then each values file in order, then the inline values.
    let later: Vec<String> = if target == inside(&chart, "values.yaml") {
        files.into_iter().filter(|f| f != target).collect()
    } else {
        let at = files.iter().position(|f| f == target)?;
        files.into_iter().skip(at + 1).collect()
    };
    let mut overrides: Vec<(String, Value)> =
        later.into_iter().filter_map(|f| repo.text(&f).and_then(values_doc).map(|d| (f, d))).collect();
    overrides.extend(inline);
    spared_by(cx.keys, &overrides)
}

/// A chart's values files named for an environment (`values-prod.yaml`) that no Argo CD or Flux object of the
/// repository names: each stands for a release of the chart in that environment, with the chart's defaults
/// under it.
pub fn implied_releases(cx: &Cx<'_>, repo: &Repository<'_>, reach: &mut Reach) {
    let target = cx.target();
    let Some(chart) = repo.chart_of(target) else { return };
    let defaults = inside(&chart, "values.yaml");
    let rendered = target == inside(&chart, "Chart.yaml")
        || under(&inside(&chart, "templates"), target)
        || under(&inside(&chart, "charts"), target);
    for file in repo.paths {
        let Some(env) = env_values_file(&chart, file) else { continue };
        let base = file.rsplit('/').next().unwrap_or(file);
        if cx.all.iter().any(|o| is_deployer(o) && o.spec.to_string().contains(base)) {
            continue;
        }
        let from = format!("the name of {file}");
        let how = format!(
            "{file} (a release of the chart {} with these values, by its name)",
            if chart.is_empty() { "at the root" } else { &chart }
        );
        if target == file.as_str() {
            reach.routes.push(cx.route(vec![how], vec![name(&env, from)]));
        } else if target == defaults || rendered {
            let mut route = cx.route(vec![how], vec![name(&env, from)]);
            if target == defaults {
                let overrides: Vec<(String, Value)> =
                    repo.text(file).and_then(values_doc).map(|d| (file.clone(), d)).into_iter().collect();
                route.spared = spared_by(cx.keys, &overrides);
            }
            reach.routes.push(route);
        }
    }
}

/// GitHub workflows that run on push of the target to its branch, by the environments of their jobs.
pub fn workflows(cx: &Cx<'_>, repo: &Repository<'_>, reach: &mut Reach) {
    for (path, text) in repo.workflows.iter().copied() {
        let Ok(Some(d)) = deployers::workflow::read(path, text, cx.repo.target) else { continue };
        if !d.covers {
            continue;
        }
        let Some(doc) = values_doc(text) else { continue };
        for (job, spec) in doc.get("jobs").and_then(Value::as_object).into_iter().flatten() {
            let env = match spec.get("environment") {
                Some(Value::String(s)) => s.clone(),
                Some(v) => match v.get("name").and_then(Value::as_str) {
                    Some(s) => s.to_owned(),
                    None => continue,
                },
                None => continue,
            };
            let chain = vec![format!("{path} (job {job} of {}, which {})", d.name, d.why)];
            reach.routes.push(cx.route(chain, vec![name(&env, format!("GitHub environment of job {job}"))]));
        }
    }
}

/// The target holds Argo CD or Flux objects itself (an Application's `helm.values`, a HelmRelease's
/// `values`): the change lands wherever they deploy.
pub fn itself(cx: &Cx<'_>, _repo: &Repository<'_>, reach: &mut Reach) {
    let target = cx.target();
    // A Flux object deploys where it is applied, which the file's other routes already say; an Argo CD
    // Application names its destination itself.
    let applied = !reach.routes.is_empty();
    for o in cx.all.iter().filter(|o| o.file == target && is_deployer(o) && (is_argo_app(o) || !applied)) {
        let chain = vec![format!("the {} {} this file defines", o.kind, o.name)];
        let at = places(cx, &o.file);
        if at.is_empty() {
            reach.routes.push(cx.route(chain.clone(), object_names(o)));
        }
        for (link, more) in at {
            reach.routes.push(cx.route([chain.clone(), link].concat(), [object_names(o), more].concat()));
        }
    }
}

/// Flux 2.7 ArtifactGenerators that copy the target (from a GitRepository of this repository at its branch)
/// into an ExternalArtifact, and the Flux Kustomizations that apply that artifact: a Kustomization's path in
/// the artifact is mapped back to the repository folder it was copied from, and followed there (its
/// kustomization's references are relative, so they hold in both).
pub fn artifacts(cx: &Cx<'_>, reach: &mut Reach) {
    for g in cx.all.iter().filter(|o| is_flux(o, "source.extensions.fluxcd.io", "ArtifactGenerator")) {
        for art in g.spec.get("artifacts").and_then(Value::as_array).into_iter().flatten() {
            let Some(artifact) = art.get("name").and_then(Value::as_str) else { continue };
            for ks in cx.all.iter().filter(|o| applies_artifact(o, artifact)) {
                if let Some(chain) = generator_chain(cx, g, art, ks) {
                    reach.routes.push(cx.route(chain, object_names(ks)));
                }
            }
        }
    }
}

/// How the Flux Kustomization `ks`, whose source is an ExternalArtifact, applies the target: the chain through
/// an ArtifactGenerator of the repository that copies it into that artifact, when one does. What "Deployed by"
/// says of such a Kustomization, from the same reading as [`artifacts`].
pub(crate) fn external_artifact_chain(cx: &Cx<'_>, ks: &Object) -> Option<Vec<String>> {
    let artifact = text(&ks.spec, "/sourceRef/name")?;
    if !applies_artifact(ks, artifact) {
        return None;
    }
    cx.all.iter().filter(|o| is_flux(o, "source.extensions.fluxcd.io", "ArtifactGenerator")).find_map(|g| {
        g.spec
            .get("artifacts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|a| a.get("name").and_then(Value::as_str) == Some(artifact))
            .find_map(|art| generator_chain(cx, g, art, ks))
    })
}

/// Whether `o` is a Flux Kustomization that applies the ExternalArtifact `artifact`.
fn applies_artifact(o: &Object, artifact: &str) -> bool {
    let named = |k: &str| o.spec.pointer(&format!("/sourceRef/{k}")).and_then(Value::as_str);
    is_flux(o, "kustomize.toolkit.fluxcd.io", "Kustomization")
        && named("kind") == Some("ExternalArtifact")
        && named("name") == Some(artifact)
}

/// The chain from the target through the artifact `art` of the generator `g` (copying it from a GitRepository
/// of this repository at its branch) to the Kustomization `ks` that applies it, when the target gets there.
fn generator_chain(cx: &Cx<'_>, g: &Object, art: &Value, ks: &Object) -> Option<Vec<String>> {
    let target = cx.target();
    let artifact = art.get("name").and_then(Value::as_str)?;
    let sources = g.spec.get("sources").and_then(Value::as_array).cloned().unwrap_or_default();
    // The copies of this repository's files: (`from` pattern without its `@alias/`, `to`, as written).
    let copies: Vec<(String, String, String)> = art
        .get("copy")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|copy| {
            let from = copy.get("from").and_then(Value::as_str)?;
            let to = copy.get("to").and_then(Value::as_str)?;
            let (alias, pattern) = from.strip_prefix('@')?.split_once('/')?;
            let source = sources.iter().find(|s| s.get("alias").and_then(Value::as_str) == Some(alias))?;
            cx.repo.flux_source(g, Some(source), cx.all).ok()?;
            Some((pattern.to_owned(), to.to_owned(), from.to_owned()))
        })
        .collect();
    if !copies.iter().any(|(pattern, _, _)| deployers::matches(pattern, target)) {
        return None;
    }
    // Each cluster's folder holds its own generator of the same artifact: a Kustomization takes the one beside
    // it when there is one.
    let folder = |f: &str| f.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
    let beside = |o: &Object| folder(&o.file) == folder(&ks.file);
    let makes = |o: &Object| {
        o.spec
            .get("artifacts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|a| a.get("name").and_then(Value::as_str) == Some(artifact))
    };
    let generators = cx.all.iter().filter(|o| is_flux(o, "source.extensions.fluxcd.io", "ArtifactGenerator"));
    if !beside(g) && generators.filter(|o| makes(o)).any(beside) {
        return None;
    }
    let path = normal(text(&ks.spec, "/path").unwrap_or("./"));
    let (mut chain, how) = through_artifact(cx, &copies, &path)?;
    chain.push(format!("{} (ArtifactGenerator {} copies {how} of ExternalArtifact {artifact})", g.file, g.name));
    chain.push(format!(
        "{} (Kustomization {} applies {} of ExternalArtifact {artifact})",
        ks.file,
        ks.name,
        shown(&path)
    ));
    Some(chain)
}

/// Whether the artifact folder `path` (a Flux Kustomization's `spec.path`) reaches the target through
/// `copies`: the Kustomize chain (in repository paths) and the copy that carries it, when it does.
fn through_artifact(cx: &Cx<'_>, copies: &[(String, String, String)], path: &str) -> Option<(Vec<String>, String)> {
    let target = cx.target();
    for (pattern, to, from) in copies {
        let dest = normal(to.strip_prefix("@artifact")?);
        let fixed: Vec<&str> = pattern.split('/').take_while(|s| !s.contains(['*', '?', '['])).collect();
        let origin = fixed.join("/");
        // The folder of the repository that `path` of the artifact was copied from.
        let rest = if dest.is_empty() {
            Some(path)
        } else if path == dest {
            Some("")
        } else {
            path.strip_prefix(&format!("{dest}/"))
        };
        if let Some(rest) = rest {
            let dir = normal(&format!("{origin}/{rest}"));
            if let Some(hops) = cx.graph.reaches(&dir, target) {
                return Some((links(&hops), format!("{from} to {to}")));
            }
            if cx.repo.kustomizations.iter().all(|k| k.dir != dir)
                && deployers::matches(pattern, target)
                && (under(&dir, target) || dir.is_empty())
            {
                return Some((Vec::new(), format!("{from} to {to}")));
            }
        }
        // The path holds the whole copy: every manifest copied is applied.
        if deployers::matches(pattern, target)
            && let Some(at) = copied_to(pattern, to, target)
            && (under(path, &at) || path == at)
            && cx.repo.kustomizations.iter().all(|k| k.dir != origin)
        {
            return Some((Vec::new(), format!("{from} to {to}")));
        }
    }
    None
}

fn shown(dir: &str) -> &str {
    if dir.is_empty() { "the root" } else { dir }
}

/// Where `target`, matched by the copy pattern `pattern`, lands in the artifact (`to` is `@artifact/…`): under a
/// folder `to` (ending in `/`, or for a pattern with wildcards) with its path below the pattern's fixed folders.
fn copied_to(pattern: &str, to: &str, target: &str) -> Option<String> {
    let dest = to.strip_prefix("@artifact")?.trim_start_matches('/');
    let fixed: Vec<&str> = pattern.split('/').take_while(|s| !s.contains(['*', '?', '['])).collect();
    let wild = fixed.len() < pattern.split('/').count();
    if !wild && !to.ends_with('/') {
        return Some(normal(dest));
    }
    let prefix = if wild { fixed.join("/") } else { pattern.rsplit_once('/').map_or("", |(d, _)| d).to_owned() };
    let rest = if prefix.is_empty() { target } else { target.strip_prefix(&prefix)?.trim_start_matches('/') };
    Some(normal(&format!("{dest}/{rest}")))
}

/// ApplicationSets with literal `list` generators, as the Applications they make (`{{key}}`, `{{ .key }}` and
/// `{{.values.key}}` replaced from each element).
pub fn expand_application_sets(objects: &[Object]) -> Vec<Object> {
    let mut out = Vec::new();
    for o in objects.iter().filter(|o| o.api.starts_with("argoproj.io/") && o.kind == "ApplicationSet") {
        let Some(template) = o.spec.get("template") else { continue };
        for g in o.spec.get("generators").and_then(Value::as_array).into_iter().flatten() {
            for (i, el) in g.pointer("/list/elements").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let t = render(template, el);
                out.push(Object {
                    file: o.file.clone(),
                    api: o.api.clone(),
                    kind: "Application".to_owned(),
                    name: text(&t, "/metadata/name").map_or_else(|| format!("{}[{i}]", o.name), str::to_owned),
                    namespace: text(&t, "/metadata/namespace").map(str::to_owned).or_else(|| o.namespace.clone()),
                    spec: t.get("spec").cloned().unwrap_or(Value::Null),
                });
            }
        }
    }
    out
}

fn render(v: &Value, el: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(fill(s, el)),
        Value::Array(items) => Value::Array(items.iter().map(|i| render(i, el)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), render(v, el))).collect()),
        other => other.clone(),
    }
}

/// `s` with each `{{ key }}` it can resolve from the generator's element replaced.
fn fill(s: &str, el: &Value) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else { break };
        let inner = rest[start + 2..start + len].trim().trim_start_matches('.');
        let pointer = format!("/{}", inner.replace('.', "/"));
        out.push_str(&rest[..start]);
        match el.pointer(&pointer) {
            Some(Value::String(v)) => out.push_str(v),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => out.push_str(&v.to_string()),
            _ => out.push_str(&rest[start..start + len + 2]),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// ApplicationSets whose generators are not expanded here (git, cluster, matrix…) and whose template could
/// sync the target: a warning each.
pub fn unexpanded(cx: &Cx<'_>, objects: &[Object]) -> Vec<String> {
    let target = cx.target();
    let mut out = Vec::new();
    for o in objects.iter().filter(|o| o.api.starts_with("argoproj.io/") && o.kind == "ApplicationSet") {
        let kinds: Vec<String> = o
            .spec
            .get("generators")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|g| g.as_object()?.keys().find(|k| *k != "list" && *k != "selector").cloned())
            .collect();
        if kinds.is_empty() {
            continue;
        }
        let paths: Vec<String> = ["/template/spec/source/path"]
            .iter()
            .filter_map(|p| text(&o.spec, p).map(str::to_owned))
            .chain(
                o.spec
                    .pointer("/template/spec/sources")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.get("path").and_then(Value::as_str).map(str::to_owned)),
            )
            .collect();
        let could = paths.iter().any(|p| {
            let fixed = p.split("{{").next().unwrap_or_default();
            let dir = normal(fixed.rsplit_once('/').map_or(if p.contains("{{") { "" } else { fixed }, |(d, _)| {
                if p.contains("{{") { d } else { p.as_str() }
            }));
            under(&dir, target) || dir == target
        });
        if could {
            out.push(format!(
                "{}: ApplicationSet {} makes Applications with a `{}` generator, which is not expanded here: if one \
                 of them syncs {target}, its environment is not known",
                o.file,
                o.name,
                kinds.join("`, `")
            ));
        }
    }
    out
}
