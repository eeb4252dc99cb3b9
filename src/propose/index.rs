//! Who reads a value: the workloads of the repository, the ConfigMaps and Secrets they use, the Kustomize
//! generators and overlays that turn files into those, and the Helm templates that read a chart's values.
//!
//! A value's blast radius is the number of workloads found reading it. Where the readers live outside the
//! repository (a values file for a chart kept elsewhere), the index says it does not know.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::{Doc, RepoFile};
use crate::kustomize::{self, Kustomization};

/// The kinds that run pods.
pub const WORKLOAD_KINDS: [&str; 8] =
    ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "Pod", "Rollout"];

/// A workload manifest and the configuration objects it reads.
#[derive(Debug, Clone)]
pub struct Workload {
    /// `Kind/name`.
    pub id: String,
    pub file: String,
    /// Names of the ConfigMaps and Secrets it reads (envFrom, valueFrom, volumes, projected).
    pub reads: BTreeSet<String>,
    pub namespace: Option<String>,
    /// The pod template's labels (what Services select).
    pub labels: BTreeMap<String, String>,
    pub containers: Vec<Container>,
}

/// One container of a workload: where it listens and what checks it.
#[derive(Debug, Clone, Default)]
pub struct Container {
    /// The JSON pointer of the container in its document (`/spec/template/spec/containers/0`).
    pub at: String,
    pub name: String,
    /// `ports:` as (name, containerPort).
    pub ports: Vec<(Option<String>, i64)>,
    /// `command:` then `args:`.
    pub args: Vec<String>,
    /// `env:` entries with a literal value.
    pub env: Vec<(String, String)>,
    pub probes: Vec<Probe>,
}

/// A readiness, liveness or startup probe of a container.
#[derive(Debug, Clone)]
pub struct Probe {
    /// `readinessProbe`, `livenessProbe`, `startupProbe`.
    pub kind: String,
    /// The port it checks (`httpGet`, `tcpSocket` or `grpc`): a number or a port name.
    pub port: Option<Value>,
}

/// A Service: what it selects and where it sends.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub file: String,
    pub namespace: Option<String>,
    pub selector: BTreeMap<String, String>,
    /// `(name, port, targetPort)`; `targetPort` is a number or a port name (the `port` when absent).
    pub ports: Vec<(Option<String>, i64, Value)>,
}

/// A Helm template: its chart, file and text, and whether Helm renders it in a release (a test hook does not).
#[derive(Debug, Clone)]
pub struct Template {
    pub chart: String,
    pub file: String,
    pub text: String,
    /// It makes a workload (a kind that runs pods).
    pub workload: bool,
    /// A `helm test` hook (under `templates/tests/`, or annotated `helm.sh/hook: test`): never part of a
    /// running release.
    pub test: bool,
}

/// An address a workload or ConfigMap calls (`productcatalogservice:3550`, `http://cart:7070/x`).
#[derive(Debug, Clone)]
pub struct Call {
    pub host: String,
    pub port: Option<i64>,
    /// Who calls it: `Deployment/frontend (PRODUCT_CATALOG_SERVICE_ADDR)`.
    pub by: String,
}

/// Who reads a value, and through what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readers {
    /// These workloads (possibly none), found through `via`.
    Known { workloads: Vec<String>, via: String },
    /// The readers are not in this repository (`why`).
    Unknown { why: String },
}

/// The repository's reading relations.
#[derive(Debug, Default)]
pub struct Index {
    pub workloads: Vec<Workload>,
    /// Generator name for each file a Kustomize `configMapGenerator`/`secretGenerator` turns into one.
    generated: HashMap<String, Vec<String>>,
    /// How many overlays reach each file a kustomization references (computed once: `affected` follows
    /// every chain, and is asked for every candidate).
    overlays: HashMap<String, usize>,
    /// The workloads reading each ConfigMap or Secret name.
    readers_of: HashMap<String, Vec<String>>,
    /// Folders holding a `Chart.yaml`.
    charts: Vec<String>,
    pub templates: Vec<Template>,
    /// Each chart's own `values.yaml` (its defaults), by chart folder.
    chart_values: HashMap<String, Value>,
    pub services: Vec<Service>,
    /// Addresses written in env values and ConfigMaps (who calls whom).
    pub calls: Vec<Call>,
}

impl Index {
    pub fn build(files: &[RepoFile]) -> Index {
        let mut index = Index::default();
        for f in files {
            if kustomize::is_kustomization(&f.path) {
                let k = Kustomization::parse(&f.path, &f.text);
                for r in &k.refs {
                    // `configMapGenerator (search-config) envs`: the generator's name is in parentheses.
                    if let Some(name) = r.field.split_once('(').and_then(|(_, rest)| rest.split_once(')')) {
                        index.generated.entry(r.path.clone()).or_default().push(name.0.to_owned());
                    }
                }
            }
            if f.path.rsplit('/').next() == Some("Chart.yaml") {
                index.charts.push(dir_of(&f.path).to_owned());
            }
            if super::walk::is_template(&f.path, &f.text) && f.docs.is_empty() {
                let workload = WORKLOAD_KINDS.iter().any(|k| f.text.contains(&format!("kind: {k}")));
                let test = f.path.split('/').collect::<Vec<_>>().windows(2).any(|w| w == ["templates", "tests"])
                    || is_test_hook(&f.text);
                index.templates.push(Template {
                    chart: String::new(),
                    file: f.path.clone(),
                    text: f.text.clone(),
                    workload,
                    test,
                });
            }
            if f.path.rsplit('/').next() == Some("values.yaml")
                && let [doc] = f.docs.as_slice()
            {
                index.chart_values.insert(dir_of(&f.path).to_owned(), doc.value.clone());
            }
            for doc in &f.docs {
                index.add_doc(&f.path, doc);
            }
        }
        let mut kustomizations = Vec::new();
        for f in files.iter().filter(|f| kustomize::is_kustomization(&f.path)) {
            kustomizations.push(Kustomization::parse(&f.path, &f.text));
        }
        let referenced: BTreeSet<&str> = kustomizations.iter().flat_map(|k| &k.refs).map(|r| r.path.as_str()).collect();
        let graph = kustomize::Graph::new(&kustomizations);
        for path in referenced {
            let n = graph.affected(path).len();
            index.overlays.insert(path.to_owned(), n);
        }
        for w in &index.workloads {
            for name in &w.reads {
                index.readers_of.entry(name.clone()).or_default().push(w.id.clone());
            }
        }
        // Each template belongs to the deepest chart folder above it.
        let charts = index.charts.clone();
        for t in &mut index.templates {
            t.chart = deepest_above(&charts, &t.file).unwrap_or_default();
        }
        index
    }

    fn add_doc(&mut self, file: &str, doc: &Doc) {
        let Some(kind) = doc.kind.as_deref().filter(|_| doc.embedded_in.is_none()) else { return };
        let name = doc.name.clone().unwrap_or_default();
        let namespace = doc.value.pointer("/metadata/namespace").and_then(Value::as_str).map(str::to_owned);
        if WORKLOAD_KINDS.contains(&kind) {
            let mut reads = BTreeSet::new();
            collect_reads(&doc.value, &mut reads, 0);
            let id = format!("{kind}/{name}");
            let (pod, labels) = pod_spec(kind);
            let labels = strings_map(doc.value.pointer(labels));
            let mut containers = Vec::new();
            for list in ["containers", "initContainers"] {
                let at = format!("{pod}/{list}");
                for (i, c) in doc.value.pointer(&at).and_then(Value::as_array).into_iter().flatten().enumerate() {
                    let container = container(&format!("{at}/{i}"), c);
                    for (env, value) in &container.env {
                        self.calls.extend(calls_in(value, &format!("{id} ({env})")));
                    }
                    containers.push(container);
                }
            }
            self.workloads.push(Workload { id, file: file.to_owned(), reads, namespace, labels, containers });
        } else if kind == "ConfigMap" {
            for (key, value) in doc.value.get("data").and_then(Value::as_object).into_iter().flatten() {
                if let Some(v) = value.as_str() {
                    self.calls.extend(calls_in(v, &format!("ConfigMap/{name} ({key})")));
                }
            }
        } else if kind == "Service" {
            let mut ports = Vec::new();
            for port in doc.value.pointer("/spec/ports").and_then(Value::as_array).into_iter().flatten() {
                let Some(number) = port.get("port").and_then(Value::as_i64) else { continue };
                let pname = port.get("name").and_then(Value::as_str).map(str::to_owned);
                let target = port.get("targetPort").cloned().unwrap_or(Value::from(number));
                ports.push((pname, number, target));
            }
            let selector = strings_map(doc.value.pointer("/spec/selector"));
            self.services.push(Service { name, file: file.to_owned(), namespace, selector, ports });
        }
    }

    /// The workloads reading a ConfigMap or Secret named `name`.
    pub fn reading(&self, name: &str) -> Vec<String> {
        self.readers_of.get(name).cloned().unwrap_or_default()
    }

    /// The workload of `doc` in `file`, when it is one.
    pub fn workload(&self, file: &str, doc: &Doc) -> Option<&Workload> {
        let id = format!("{}/{}", doc.kind.as_deref()?, doc.name.as_deref().unwrap_or_default());
        self.workloads.iter().find(|w| w.file == file && w.id == id)
    }

    /// The workload named by `id` (`Deployment/api`, or `Deployment/api (2)` for an overlay's copy).
    pub fn workload_by_id(&self, id: &str) -> Option<&Workload> {
        let id = id.split(" (").next().unwrap_or(id);
        self.workloads.iter().find(|w| w.id == id)
    }

    /// The Services whose selector picks the pods of `w` (every selector label on the pod, namespaces alike),
    /// nearest first: those of its own file, else of its folder, else anywhere (one per name).
    pub fn services_of(&self, w: &Workload) -> Vec<&Service> {
        let all: Vec<&Service> = self
            .services
            .iter()
            .filter(|s| !s.selector.is_empty() && s.selector.iter().all(|(k, v)| w.labels.get(k) == Some(v)))
            .filter(|s| s.namespace.is_none() || w.namespace.is_none() || s.namespace == w.namespace)
            .collect();
        let same_file: Vec<&Service> = all.iter().copied().filter(|s| s.file == w.file).collect();
        let same_dir: Vec<&Service> = all.iter().copied().filter(|s| dir_of(&s.file) == dir_of(&w.file)).collect();
        let mut near = if !same_file.is_empty() {
            same_file
        } else if !same_dir.is_empty() {
            same_dir
        } else {
            all
        };
        let mut names = BTreeSet::new();
        near.retain(|s| names.insert(s.name.clone()));
        near
    }

    /// The workloads a Service selects (those whose nearest matching Services include it).
    pub fn selected_by(&self, s: &Service) -> Vec<&Workload> {
        self.workloads
            .iter()
            .filter(|w| !s.selector.is_empty() && s.selector.iter().all(|(k, v)| w.labels.get(k) == Some(v)))
            .filter(|w| self.services_of(w).iter().any(|x| x.name == s.name && x.file == s.file))
            .collect()
    }

    /// The Service named `name` in `file`.
    pub fn service(&self, file: &str, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.file == file && s.name == name)
    }

    /// The chart folder holding a values file, when the chart is in the repository.
    pub fn chart_of(&self, file: &str) -> Option<String> {
        deepest_above(&self.charts, file)
    }

    /// Whether `chart` (a folder) is a chart of this repository.
    pub fn has_chart(&self, chart: &str) -> bool {
        self.charts.iter().any(|c| c == chart)
    }

    /// The chart's own default values.
    pub fn chart_defaults(&self, chart: &str) -> Option<&Value> {
        self.chart_values.get(chart)
    }

    /// Where the templates of `chart` render `.Values.<pointer>` (the exact key, or a map above it used whole):
    /// each template and line, leaving out test hooks and branches the values switch off (`{{ if
    /// .Values.x.enabled }}` with `x.enabled` false). `values` are the release's values (over the chart's
    /// defaults).
    pub fn renders(&self, chart: &str, pointer: &str, values: &Value) -> Vec<(&Template, String)> {
        let segments: Vec<String> =
            pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect();
        if segments.is_empty() {
            return Vec::new();
        }
        let exact = format!(".Values.{}", segments.join("."));
        let above: Vec<String> =
            (1..segments.len()).rev().map(|n| format!(".Values.{}", segments[..n].join("."))).collect();
        let defaults = self.chart_values.get(chart);
        let lookup = |path: &str| super::template::lookup(path, values, defaults);
        let mut out = Vec::new();
        for t in self.templates.iter().filter(|t| t.chart == chart && !t.test) {
            if !t.text.contains(".Values.") {
                continue;
            }
            for (at, line) in super::template::rendered_mentions(&t.text, &lookup) {
                let hit =
                    mentions_exact(&t.text[at..], &exact) || above.iter().any(|p| mentions_whole(&t.text[at..], p));
                if hit && !out.iter().any(|(o, l): &(&Template, String)| o.file == t.file && *l == line) {
                    out.push((t, line));
                }
            }
        }
        out
    }

    /// How many Kustomize overlays reach `file` (0 when it is in no Kustomize tree).
    pub fn overlays(&self, file: &str) -> usize {
        self.overlays.get(file).copied().unwrap_or(0)
    }

    /// Who reads the value at `pointer` of `doc` in `file`.
    pub fn readers(&self, file: &str, doc: &Doc, pointer: &str) -> Readers {
        let kind = doc.kind.as_deref().unwrap_or_default();
        let name = doc.name.clone().unwrap_or_default();
        if WORKLOAD_KINDS.contains(&kind) {
            let id = format!("{kind}/{name}");
            let overlays = self.overlays(file);
            let via = if overlays > 1 {
                format!("its own manifest, rendered by {overlays} Kustomize overlays")
            } else {
                "its own manifest".to_owned()
            };
            let workloads =
                if overlays > 1 { (1..=overlays).map(|i| format!("{id} ({i})")).collect() } else { vec![id] };
            return Readers::Known { workloads, via };
        }
        if matches!(kind, "ConfigMap" | "Secret") {
            return Readers::Known { workloads: self.reading(&name), via: format!("{kind} {name}") };
        }
        if kind == "Service" {
            let selected: Vec<String> = self
                .service(file, &name)
                .map(|s| self.selected_by(s).iter().map(|w| w.id.clone()).collect())
                .unwrap_or_default();
            if selected.is_empty() {
                return Readers::Unknown { why: format!("the clients of Service {name} are not traced") };
            }
            return Readers::Known { workloads: selected, via: format!("Service {name}") };
        }
        if let Some(generators) = self.generated.get(file) {
            let mut workloads: Vec<String> = generators.iter().flat_map(|g| self.reading(g)).collect();
            workloads.sort();
            workloads.dedup();
            let via = format!("Kustomize generator {}", generators.join(", "));
            return Readers::Known { workloads, via };
        }
        if let Some((chart, values_at, whose)) = self.release_values(doc, pointer) {
            return match chart {
                Some(chart) => {
                    let workloads = self.template_readers(&chart, &values_at, &release_values(doc, pointer));
                    Readers::Known { workloads, via: format!("{whose}, the templates of chart {chart}") }
                }
                None => Readers::Unknown { why: format!("{whose}, for a chart kept outside this repository") },
            };
        }
        if looks_like_values(file) {
            let Some(chart) = deepest_above(&self.charts, file) else {
                return Readers::Unknown { why: "a Helm values file whose chart is not in this repository".into() };
            };
            let workloads = self.template_readers(&chart, pointer, &doc.value);
            let where_ = if chart.is_empty() { "the chart at the root".to_owned() } else { format!("chart {chart}") };
            return Readers::Known { workloads, via: format!("the templates of {where_}") };
        }
        Readers::Unknown { why: "no workload, ConfigMap or generator in this repository names this file".into() }
    }

    /// For a value inside a release's own values (Flux `HelmRelease.spec.values`, Argo CD `helm.valuesObject`
    /// or inline `helm.values`): the chart folder when it is in this repository, the pointer inside the values,
    /// and whose values they are.
    pub fn release_values(&self, doc: &Doc, pointer: &str) -> Option<(Option<String>, String, String)> {
        let name = doc.name.clone().unwrap_or_default();
        let local = |path: &str| {
            let p = path.trim_start_matches("./").trim_end_matches('/').to_owned();
            self.has_chart(&p).then_some(p)
        };
        if let Some(outer) = &doc.embedded_in {
            let chart = doc.source.as_deref().and_then(local);
            return Some((chart, pointer.to_owned(), format!("the inline values of an Argo CD {outer}")));
        }
        match doc.kind.as_deref()? {
            "HelmRelease" => {
                let rest = pointer.strip_prefix("/spec/values")?;
                let chart = doc.value.pointer("/spec/chart/spec/chart").and_then(Value::as_str).and_then(local);
                Some((chart, rest.to_owned(), format!("the values of HelmRelease {name}")))
            }
            "Application" => {
                for source in ["/spec/source", "/spec/sources/0", "/spec/sources/1"] {
                    if let Some(rest) = pointer.strip_prefix(&format!("{source}/helm/valuesObject")) {
                        let path = doc.value.pointer(&format!("{source}/path")).and_then(Value::as_str);
                        return Some((
                            path.and_then(local),
                            rest.to_owned(),
                            format!("the values of Argo CD Application {name}"),
                        ));
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// The workload templates of `chart` that render `.Values.<pointer>` in an enabled branch.
    fn template_readers(&self, chart: &str, pointer: &str, values: &Value) -> Vec<String> {
        let mut files: Vec<String> = self
            .renders(chart, pointer, values)
            .into_iter()
            .filter(|(t, _)| t.workload)
            .map(|(t, _)| t.file.clone())
            .collect();
        files.dedup();
        files
    }
}

/// The values document a release value lives in (a HelmRelease's `spec.values`, or the document itself).
fn release_values(doc: &Doc, pointer: &str) -> Value {
    let at = ["/spec/values", "/spec/source/helm/valuesObject", "/spec/sources/0/helm/valuesObject"]
        .into_iter()
        .find(|p| pointer.starts_with(p));
    at.and_then(|p| doc.value.pointer(p).cloned()).unwrap_or_else(|| doc.value.clone())
}

/// `text` starts with `.Values.a.b` as a whole path (not `.Values.a.bc`).
fn mentions_exact(text: &str, path: &str) -> bool {
    text.starts_with(path) && text[path.len()..].chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
}

/// `text` starts with `.Values.a` used whole (`toYaml .Values.env`), not a key below it (`.Values.env.x`).
fn mentions_whole(text: &str, path: &str) -> bool {
    text.starts_with(path)
        && text[path.len()..].chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'))
}

/// A `helm test` hook: annotated `helm.sh/hook: test` (or the old `test-success`/`test-failure`).
fn is_test_hook(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l.starts_with("helm.sh/hook:") && l.split(':').nth(1).is_some_and(|v| v.contains("test"))
            || l.starts_with("\"helm.sh/hook\":") && l.contains("test")
    })
}

/// Where a kind keeps its pod spec, and its pod labels.
fn pod_spec(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "Pod" => ("/spec", "/metadata/labels"),
        "CronJob" => ("/spec/jobTemplate/spec/template/spec", "/spec/jobTemplate/spec/template/metadata/labels"),
        _ => ("/spec/template/spec", "/spec/template/metadata/labels"),
    }
}

fn strings_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str().map(str::to_owned).or_else(|| Some(v.to_string()))?)))
        .collect()
}

fn container(at: &str, c: &Value) -> Container {
    let strings = |key: &str| -> Vec<String> {
        c.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let mut args = strings("command");
    args.extend(strings("args"));
    let ports = c
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let n = p.get("containerPort").and_then(Value::as_i64)?;
            Some((p.get("name").and_then(Value::as_str).map(str::to_owned), n))
        })
        .collect();
    let env = c
        .get("env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e.get("name")?.as_str()?.to_owned(), e.get("value")?.as_str()?.to_owned())))
        .collect();
    let mut probes = Vec::new();
    for kind in ["readinessProbe", "livenessProbe", "startupProbe"] {
        let Some(p) = c.get(kind) else { continue };
        let port = ["httpGet", "tcpSocket", "grpc"].iter().find_map(|h| p.get(*h).and_then(|h| h.get("port")).cloned());
        probes.push(Probe { kind: kind.to_owned(), port });
    }
    let name = c.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
    Container { at: at.to_owned(), name, ports, args, env, probes }
}

/// The addresses in a string: `host:port`, `scheme://host[:port]/…` (a host is a DNS name or a single label).
pub fn calls_in(s: &str, by: &str) -> Vec<Call> {
    let mut out = Vec::new();
    for word in s.split([' ', ',', ';', '"', '\'']).filter(|w| !w.is_empty()) {
        let rest = word.split_once("://").map_or(word, |(_, r)| r);
        let hostport = rest.split('/').next().unwrap_or_default();
        let hostport = hostport.rsplit_once('@').map_or(hostport, |(_, h)| h);
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => match p.parse::<i64>() {
                Ok(n) => (h, Some(n)),
                Err(_) => continue,
            },
            None if word.contains("://") => (hostport, None),
            None => continue,
        };
        let dns = !host.is_empty()
            && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            && host.bytes().any(|b| b.is_ascii_alphabetic());
        if dns {
            out.push(Call { host: host.to_owned(), port, by: by.to_owned() });
        }
    }
    out
}

/// A Helm values file by name: `values.yaml`, `values-staging.yaml`, `staging-values.yaml`, `values/x.yaml`.
pub fn looks_like_values(file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.starts_with("values") || name.contains("-values.") || name.contains("_values.") || file.contains("/values/")
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// The deepest of `dirs` that holds `file` (`""` is the root).
fn deepest_above(dirs: &[String], file: &str) -> Option<String> {
    dirs.iter().filter(|d| d.is_empty() || file.starts_with(&format!("{d}/"))).max_by_key(|d| d.len()).cloned()
}

/// The ConfigMaps and Secrets a pod spec reads.
fn collect_reads(v: &Value, out: &mut BTreeSet<String>, depth: usize) {
    if depth > crate::yaml::MAX_DEPTH {
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let name = match k.as_str() {
                    "configMapRef" | "configMapKeyRef" | "configMap" | "secretRef" | "secretKeyRef" => {
                        child.get("name").and_then(Value::as_str)
                    }
                    "secret" => child.get("secretName").and_then(Value::as_str),
                    _ => None,
                };
                if let Some(n) = name {
                    out.insert(n.to_owned());
                }
                collect_reads(child, out, depth + 1);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_reads(i, out, depth + 1)),
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::patch::Format;

    fn file(path: &str, text: &str) -> RepoFile {
        let template = super::super::walk::is_template(path, text);
        let format = Format::infer(std::path::Path::new(path));
        let docs = if template { Vec::new() } else { super::super::walk::parse(format, text).unwrap() };
        RepoFile { path: path.to_owned(), format, text: text.to_owned(), docs }
    }

    /// Blast radius counts the templates that render the exact key in an enabled branch: not a sibling
    /// (`cartService.name` for `cartService.resources`), not a test hook, not a switched-off branch.
    #[test]
    fn only_rendering_templates_read_a_value() {
        let values = "cartService:\n  name: cart\n  resources:\n    limits:\n      memory: 256Mi\nredis:\n  \
                      enabled: false\n  tag: \"7.2\"\n";
        let files = vec![
            file("chart/Chart.yaml", "apiVersion: v2\nname: shop\nversion: 1.0.0\n"),
            file("chart/values.yaml", values),
            file(
                "chart/templates/cart.yaml",
                "kind: Deployment\nspec:\n  resources:\n{{ toYaml .Values.cartService.resources | indent 4 }}\n",
            ),
            file(
                "chart/templates/frontend.yaml",
                "kind: Deployment\nenv:\n  - value: {{ .Values.cartService.name }}\n",
            ),
            file(
                "chart/templates/tests/cart.yaml",
                "kind: Pod\nx: {{ .Values.cartService.resources.limits.memory }}\n",
            ),
            file(
                "chart/templates/hook.yaml",
                "kind: Job\nmetadata:\n  annotations:\n    helm.sh/hook: test\nx: {{ .Values.cartService.resources }}\n",
            ),
            file(
                "chart/templates/redis.yaml",
                "{{- if .Values.redis.enabled }}\nkind: Deployment\nimage: redis:{{ .Values.redis.tag }}\n{{- end }}\n",
            ),
        ];
        let index = Index::build(&files);
        let doc = &files[1].docs[0];
        let readers = |p: &str| match index.readers("chart/values.yaml", doc, p) {
            Readers::Known { workloads, .. } => workloads,
            Readers::Unknown { why } => panic!("{why}"),
        };
        assert_eq!(readers("/cartService/resources/limits/memory"), vec!["chart/templates/cart.yaml".to_owned()]);
        assert_eq!(readers("/cartService/name"), vec!["chart/templates/frontend.yaml".to_owned()]);
        assert!(readers("/redis/tag").is_empty(), "a switched-off branch renders nothing");
    }

    /// A Service is matched to the workloads its selector picks, nearest first, never by port number.
    #[test]
    fn services_are_matched_by_selector_nearest_first() {
        let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    metadata:\n      \
                      labels:\n        app: api\n    spec:\n      containers:\n        - name: api\n          ports:\n            \
                      - name: http\n              containerPort: 8080\n";
        let svc = |name: &str| {
            format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: api\n  ports:\n    - \
                 port: 80\n      targetPort: http\n"
            )
        };
        let other = "apiVersion: v1\nkind: Service\nmetadata:\n  name: other\nspec:\n  selector:\n    app: other\n  ports:\n    \
                     - port: 80\n      targetPort: 8080\n";
        let files = vec![
            file("a/api.yaml", deploy),
            file("a/svc.yaml", &svc("api")),
            file("b/svc.yaml", &svc("api-copy")),
            file("a/other.yaml", other),
        ];
        let index = Index::build(&files);
        let w = &index.workloads[0];
        let names: Vec<&str> = index.services_of(w).iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["api"]);
        assert_eq!(w.containers[0].ports, vec![(Some("http".to_owned()), 8080)]);
    }
}
