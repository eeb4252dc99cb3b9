//! Who reads a value: the workloads of the repository, the ConfigMaps and Secrets they use, the Kustomize
//! generators and overlays that turn files into those, and the Helm templates that read a chart's values.
//!
//! A value's blast radius is the number of workloads found reading it. Where the readers live outside the
//! repository (a values file for a chart kept elsewhere), the index says it does not know.

use std::collections::{BTreeSet, HashMap};

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
}

/// A Helm template that renders a workload: its file and its text.
#[derive(Debug, Clone)]
struct Template {
    chart: String,
    file: String,
    text: String,
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
    templates: Vec<Template>,
    /// Numeric `targetPort`s of Services, with the Service.
    pub target_ports: HashMap<i64, String>,
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
            if super::walk::is_template(&f.path, &f.text)
                && WORKLOAD_KINDS.iter().any(|k| f.text.contains(&format!("kind: {k}")))
            {
                index.templates.push(Template { chart: String::new(), file: f.path.clone(), text: f.text.clone() });
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
        let Some(kind) = doc.kind.as_deref() else { return };
        if WORKLOAD_KINDS.contains(&kind) {
            let mut reads = BTreeSet::new();
            collect_reads(&doc.value, &mut reads, 0);
            let name = doc.name.clone().unwrap_or_default();
            self.workloads.push(Workload { id: format!("{kind}/{name}"), file: file.to_owned(), reads });
        }
        if kind == "Service" {
            for port in doc.value.pointer("/spec/ports").and_then(Value::as_array).into_iter().flatten() {
                if let Some(p) = port.get("targetPort").and_then(Value::as_i64) {
                    let name = doc.name.clone().unwrap_or_default();
                    self.target_ports.insert(p, format!("Service/{name}"));
                }
            }
        }
    }

    /// The workloads reading a ConfigMap or Secret named `name`.
    fn reading(&self, name: &str) -> Vec<String> {
        self.readers_of.get(name).cloned().unwrap_or_default()
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
            return Readers::Unknown { why: format!("the clients of Service {name} are not traced") };
        }
        if let Some(generators) = self.generated.get(file) {
            let mut workloads: Vec<String> = generators.iter().flat_map(|g| self.reading(g)).collect();
            workloads.sort();
            workloads.dedup();
            let via = format!("Kustomize generator {}", generators.join(", "));
            return Readers::Known { workloads, via };
        }
        if doc.embedded_in.is_some() {
            return Readers::Unknown {
                why: "the inline values of an Argo CD Application, for a chart kept outside this repository".into(),
            };
        }
        if looks_like_values(file) {
            let Some(chart) = deepest_above(&self.charts, file) else {
                return Readers::Unknown { why: "a Helm values file whose chart is not in this repository".into() };
            };
            let workloads = self.template_readers(&chart, pointer);
            let where_ = if chart.is_empty() { "the chart at the root".to_owned() } else { format!("chart {chart}") };
            return Readers::Known { workloads, via: format!("the templates of {where_}") };
        }
        Readers::Unknown { why: "no workload, ConfigMap or generator in this repository names this file".into() }
    }

    /// The workload templates of `chart` that use `.Values.<pointer>` (or a map above it, such as
    /// `toYaml .Values.env`).
    fn template_readers(&self, chart: &str, pointer: &str) -> Vec<String> {
        let segments: Vec<String> =
            pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect();
        let prefixes: Vec<String> =
            (1..=segments.len()).rev().map(|n| format!(".Values.{}", segments[..n].join("."))).collect();
        self.templates
            .iter()
            .filter(|t| t.chart == chart)
            .filter(|t| prefixes.iter().any(|p| mentions(&t.text, p)))
            .map(|t| t.file.clone())
            .collect()
    }
}

/// `text` uses `.Values.a.b` as a whole path (not `.Values.a.bc`).
fn mentions(text: &str, path: &str) -> bool {
    text.match_indices(path)
        .any(|(i, _)| text[i + path.len()..].chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_')))
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
