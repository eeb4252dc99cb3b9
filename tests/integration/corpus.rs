//! The patch engine on real files nobody here wrote, read in place from `../shared/corpus/`: Helm values
//! from public charts, and Kubernetes manifests (single- and multi-document, each document chosen the way
//! a scenario's `target.document` chooses it).
//!
//! For every file (every document), deterministic cases of four kinds (replace a scalar, add a key, append
//! an item, remove a key) at varied depths; each must be exact (correct, minimal, native-looking) or
//! explicitly refused. A single failure — an edit that applied but is wrong — fails the test. Without
//! `../shared` the tests skip; with it (or in CI) a missing corpus fails them (`common::corpus_dir`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use firedrill::patch::cases::{self, CaseKind, Verdict};
use firedrill::patch::{self, DocumentSelector, Format};
use serde_json::Value;

use crate::common;

/// Cases of each kind per file (`FIREDRILL_CORPUS_PER_KIND` raises it for a deeper local run); the
/// benchmark (`cargo bench --bench corpus`) uses the same generator.
fn per_kind() -> usize {
    std::env::var("FIREDRILL_CORPUS_PER_KIND").ok().and_then(|v| v.parse().ok()).unwrap_or(12)
}

fn yaml_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

/// Tallies per case kind: exact, refused, failed.
#[derive(Default)]
struct Tally {
    kinds: BTreeMap<CaseKind, [usize; 3]>,
    failures: Vec<String>,
    refusals: Vec<String>,
}

impl Tally {
    fn run(&mut self, name: &str, text: &str, document: Option<&DocumentSelector>, doc: &Value) {
        self.run_n(name, text, document, doc, per_kind());
    }

    fn run_n(&mut self, name: &str, text: &str, document: Option<&DocumentSelector>, doc: &Value, per_kind: usize) {
        let input = cases::Input::new(Format::Yaml, text, document);
        for case in cases::generate(doc, per_kind) {
            let slot = self.kinds.entry(case.kind).or_default();
            let at = document.map(|d| format!(" [{d}]")).unwrap_or_default();
            match cases::judge_input(&input, &case) {
                Verdict::Exact => slot[0] += 1,
                Verdict::Refused(why) => {
                    slot[1] += 1;
                    self.refusals.push(format!("{name}{at} {}: {}", case.path, why.lines().next().unwrap_or("")));
                }
                Verdict::Failed(why) => {
                    slot[2] += 1;
                    self.failures.push(format!("{name}{at} {} ({}): {why}", case.path, case.kind.name()));
                }
            }
        }
    }

    #[allow(clippy::print_stderr)]
    fn report(&self, title: &str) -> usize {
        let total: [usize; 3] = self.kinds.values().fold([0; 3], |a, t| [a[0] + t[0], a[1] + t[1], a[2] + t[2]]);
        let n = total.iter().sum::<usize>();
        eprintln!("{title}: {n} cases");
        for (kind, t) in &self.kinds {
            eprintln!("  {:<16} exact {:>5}  refused {:>4}  failed {:>3}", kind.name(), t[0], t[1], t[2]);
        }
        eprintln!(
            "  exact {:.2}%  refused {:.2}%  failed {}",
            100.0 * total[0] as f64 / n.max(1) as f64,
            100.0 * total[1] as f64 / n.max(1) as f64,
            total[2]
        );
        for r in self.refusals.iter().take(40) {
            eprintln!("  refused: {r}");
        }
        assert!(
            self.failures.is_empty(),
            "{} corrupt or non-minimal edits:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        n
    }
}

#[test]
fn helm_values_corpus_is_exact_or_refused() {
    let Some(dir) = common::corpus_dir("helm-values") else { return };
    let files = yaml_files(&dir);
    assert!(files.len() >= 50, "expected the Helm values corpus in {}", dir.display());
    let mut tally = Tally::default();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let doc = patch::parse_value(Format::Yaml, &text, None).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        tally.run(&file.file_name().unwrap().to_string_lossy(), &text, None, &doc);
    }
    let n = tally.report(&format!("Helm values: {} files", files.len()));
    assert!(n > 2000, "too few cases generated: {n}");
}

/// The same Helm values, written the way an Argo CD Application carries them inline: a literal block scalar
/// under `spec.source.helm.values`, chosen with an embedded selector. Every case must be exact in the outer
/// file too: the changed lines alone, indented into the block, every other line byte for byte. A third of
/// the cases per file (each one parses the outer and the inner document several times, so this keeps the
/// test near the plain Helm test's time; `FIREDRILL_CORPUS_PER_KIND=36` runs as many as that one).
#[test]
fn helm_values_inside_argo_cd_applications_are_exact_or_refused() {
    let Some(dir) = common::corpus_dir("helm-values") else { return };
    let files = yaml_files(&dir);
    let selector: DocumentSelector = "#/spec/source/helm/values".parse().unwrap();
    let mut tally = Tally::default();
    let mut wrapped = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let Some(app) = cases::argo_cd_application(&text) else { continue };
        wrapped += 1;
        let doc = patch::parse_value(Format::Yaml, &app, Some(&selector))
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(doc, patch::parse_value(Format::Yaml, &text, None).unwrap(), "{}", file.display());
        tally.run_n(&file.file_name().unwrap().to_string_lossy(), &app, Some(&selector), &doc, per_kind() / 3);
    }
    let n = tally.report(&format!("Helm values in Argo CD Applications: {wrapped} of {} files", files.len()));
    assert!(wrapped >= 50, "too few values files could be embedded: {wrapped}");
    assert!(n > 700, "too few cases generated: {n}");
}

/// Kubernetes manifests: every document of every file, chosen by `Kind/name` when that names exactly one
/// document (what a scenario writes in `target.document`), else by index.
#[test]
fn kubernetes_manifests_corpus_is_exact_or_refused() {
    let Some(dir) = common::corpus_dir("k8s") else { return };
    let files = yaml_files(&dir);
    assert!(files.len() >= 100, "expected the Kubernetes manifests corpus in {}", dir.display());
    let mut tally = Tally::default();
    let (mut documents, mut multi, mut by_name) = (0, 0, 0);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let docs = patch::yaml::documents(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        multi += usize::from(docs.len() > 1);
        for (i, doc) in docs.iter().enumerate() {
            if !doc.is_object() {
                continue; // an empty document (a trailing `---`)
            }
            documents += 1;
            let selector = selector_for(&docs, i);
            by_name += usize::from(matches!(selector, DocumentSelector::Named { .. }));
            // a single-document file needs no selector; exercise the selector anyway on multi-document ones
            let chosen = (docs.len() > 1).then_some(&selector);
            let read = patch::parse_value(Format::Yaml, &text, chosen).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&read, doc, "{name}: `{selector}` chose another document");
            tally.run(&name, &text, chosen, doc);
        }
    }
    let n = tally.report(&format!(
        "Kubernetes manifests: {} files, {documents} documents ({multi} multi-document files, {by_name} documents chosen by Kind/name)",
        files.len()
    ));
    assert!(multi >= 10, "expected multi-document manifests in the corpus, found {multi}");
    assert!(n > 3000, "too few cases generated: {n}");
}

fn selector_for(docs: &[Value], i: usize) -> DocumentSelector {
    let kind = docs[i].get("kind").and_then(Value::as_str);
    let name = docs[i].pointer("/metadata/name").and_then(Value::as_str);
    if let (Some(kind), Some(name)) = (kind, name) {
        let same = docs
            .iter()
            .filter(|d| {
                d.get("kind").and_then(Value::as_str) == Some(kind)
                    && d.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
            })
            .count();
        if same == 1 {
            return DocumentSelector::Named { kind: Some(kind.to_owned()), name: name.to_owned() };
        }
    }
    DocumentSelector::Index(i)
}

/// Every YAML file under `dir`, at any depth.
fn yaml_files_deep(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files_deep(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

/// The JSON and YAML documents real files hold in block scalars (a GCP service-account key in Helm values,
/// Prometheus and exporter configurations, Kustomize inline patches…): every one found in the corpus, each
/// edited through its embedded selector with every case kind. Each case must be exact — re-read in its own
/// language, and edited exactly as the same document as a file of its own — or explicitly refused.
#[test]
fn documents_embedded_in_the_corpus_are_exact_or_refused() {
    let mut files = Vec::new();
    for name in ["helm-values", "k8s", "repos"] {
        let Some(dir) = common::corpus_dir(name) else { return };
        yaml_files_deep(&dir, &mut files);
    }
    let mut tally = Tally::default();
    let (mut json, mut yaml, mut nested) = (0, 0, 0);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for (selector, doc) in cases::embedded_documents(&text) {
            let (_, chain) = selector.chain();
            nested += usize::from(chain.len() > 1);
            match patch::yaml::embedded_text(&text, &selector).unwrap_or_else(|e| panic!("{name} [{selector}]: {e}")) {
                Some((_, Format::Json)) => json += 1,
                _ => yaml += 1,
            }
            let read = patch::parse_value(Format::Yaml, &text, Some(&selector)).unwrap();
            assert_eq!(read, doc, "{name}: `{selector}` read another document");
            tally.run(&name, &text, Some(&selector), &doc);
        }
    }
    let n = tally.report(&format!(
        "Documents embedded in the corpus: {} files, {json} JSON and {yaml} YAML documents ({nested} nested)",
        files.len()
    ));
    assert!(json >= 2 && yaml >= 8, "expected the corpus's embedded documents, found {json} JSON and {yaml} YAML");
    assert!(n > 150, "too few cases generated: {n}");
}

/// The corpus's JSON files (JSON schemas indented by 2 and 4, a Renovate configuration) as a ConfigMap
/// carries them, `data.<file>: |`: every case is edited as JSON inside the block scalar, exactly as in the
/// file of its own.
#[test]
fn json_files_inside_config_maps_are_exact_or_refused() {
    let Some(dir) = common::corpus_dir("json") else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    assert!(files.len() >= 5, "expected the JSON corpus in {}", dir.display());
    let mut tally = Tally::default();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let cm = cases::config_map("config.json", &text).unwrap_or_else(|| panic!("{name} cannot be embedded"));
        let selector: DocumentSelector = "#/data/config.json".parse().unwrap();
        assert_eq!(patch::yaml::embedded_text(&cm, &selector).unwrap().map(|(_, f)| f), Some(Format::Json));
        let doc = patch::parse_value(Format::Yaml, &cm, Some(&selector)).unwrap();
        assert_eq!(doc, patch::parse_value(Format::Json, &text, None).unwrap(), "{name}");
        tally.run(&name, &cm, Some(&selector), &doc);
    }
    let n = tally.report(&format!("JSON files in ConfigMaps: {} files", files.len()));
    assert!(n > 200, "too few cases generated: {n}");
}
