//! Patch engine throughput on real files, per format: `cargo bench --bench corpus`.
//!
//! Generates the same deterministic cases as the corpus tests (12 of each kind per file unless
//! `FIREDRILL_CORPUS_PER_KIND` says otherwise) — Helm values and Kubernetes manifests (every document,
//! chosen by index) from `../shared/corpus/`, the same Helm values written inside Argo CD Applications
//! (`spec.source.helm.values: |`), JSON from there too, every JSON or YAML document the corpus holds in a
//! block scalar and the JSON files written into ConfigMaps, TOML from this repository's own files —
//! then times `patch::apply` alone over all of them, best of three rounds, and prints cases per second
//! with the exact/refused shares. Then the cost of one patch with N operations (N new keys added to a
//! values file), which must grow linearly with N.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use firedrill::patch::cases::{self, Verdict};
use firedrill::patch::{self, DocumentSelector, Format};

/// One case: the file's text, the document it edits (multi-document YAML), the case.
type Work = Vec<(String, Option<DocumentSelector>, cases::Case)>;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/corpus");
    let per_kind = std::env::var("FIREDRILL_CORPUS_PER_KIND").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    if shared.is_dir() {
        for (label, folder, format) in [
            ("Helm values (YAML)", "helm-values", Format::Yaml),
            ("Kubernetes manifests (YAML)", "k8s", Format::Yaml),
            ("JSON", "json", Format::Json),
        ] {
            let mut files: Vec<PathBuf> =
                std::fs::read_dir(shared.join(folder)).unwrap().map(|e| e.unwrap().path()).collect();
            files.retain(|p| Format::infer(p) == format);
            files.sort();
            measure(label, format, &files, per_kind, false);
            if folder == "helm-values" {
                measure("Helm values in Argo CD Applications (`values: |`)", format, &files, per_kind, true);
            }
        }
        embedded(&shared, per_kind);
    } else {
        println!("../shared/corpus is absent: only the TOML corpus and the scaling are measured");
    }
    let mut toml: Vec<PathBuf> =
        ["Cargo.toml", "github-emulator/Cargo.toml", "rustfmt.toml", "examples/config/staging/worker.toml"]
            .iter()
            .map(|f| root.join(f))
            .collect();
    toml.extend(std::fs::read_dir(root.join("tests/fixtures/toml")).unwrap().map(|e| e.unwrap().path()));
    measure("TOML (this repository's files)", Format::Toml, &toml, per_kind, false);
    scaling(&root.join("examples/charts/checkout/values-staging.yaml"));
}

/// `embedded`: each (YAML) file is written inside an Argo CD Application as a block scalar, and the cases
/// edit it there through an embedded selector.
fn measure(label: &str, format: Format, files: &[PathBuf], per_kind: usize, embedded: bool) {
    let mut work: Work = Vec::new();
    let mut bytes = 0;
    let inside: DocumentSelector = "#/spec/source/helm/values".parse().unwrap();
    for f in files {
        let mut text = std::fs::read_to_string(f).unwrap();
        if embedded {
            let Some(app) = cases::argo_cd_application(&text) else { continue };
            text = app;
        }
        bytes += text.len();
        let docs = match format {
            Format::Yaml if embedded => vec![patch::parse_value(format, &text, Some(&inside)).unwrap()],
            Format::Yaml => patch::yaml::documents(&text).unwrap(),
            _ => vec![patch::parse_value(format, &text, None).unwrap()],
        };
        let multi = docs.len() > 1;
        for (i, doc) in docs.iter().enumerate() {
            for c in cases::generate(doc, per_kind) {
                let selector =
                    if embedded { Some(inside.clone()) } else { multi.then_some(DocumentSelector::Index(i)) };
                work.push((text.clone(), selector, c));
            }
        }
    }
    report(label, format, files.len(), bytes, &work);
}

/// Documents embedded in block scalars: every JSON or YAML document the corpus's YAML files hold in one
/// (at any depth of `repos/` too), and the corpus's JSON files written into ConfigMaps (`data.<file>: |`).
fn embedded(shared: &Path, per_kind: usize) {
    fn deep(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                deep(&p, out);
            } else if Format::infer(&p) == Format::Yaml {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    for folder in ["helm-values", "k8s", "repos"] {
        deep(&shared.join(folder), &mut files);
    }
    let (mut work, mut bytes, mut holding): (Work, usize, usize) = (Vec::new(), 0, 0);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let found = cases::embedded_documents(&text);
        if !found.is_empty() {
            holding += 1;
            bytes += text.len();
        }
        for (selector, doc) in found {
            for c in cases::generate(&doc, per_kind) {
                work.push((text.clone(), Some(selector.clone()), c));
            }
        }
    }
    report(
        &format!("Documents embedded in the corpus's block scalars ({holding} of {} YAML files hold one)", files.len()),
        Format::Yaml,
        files.len(),
        bytes,
        &work,
    );
    let (mut work, mut bytes) = (Work::new(), 0);
    let mut json: Vec<PathBuf> = std::fs::read_dir(shared.join("json")).unwrap().map(|e| e.unwrap().path()).collect();
    json.retain(|p| Format::infer(p) == Format::Json);
    json.sort();
    let inside: DocumentSelector = "#/data/config.json".parse().unwrap();
    for f in &json {
        let Some(cm) = cases::config_map("config.json", &std::fs::read_to_string(f).unwrap()) else { continue };
        bytes += cm.len();
        let doc = patch::parse_value(Format::Yaml, &cm, Some(&inside)).unwrap();
        for c in cases::generate(&doc, per_kind) {
            work.push((cm.clone(), Some(inside.clone()), c));
        }
    }
    report("JSON files in ConfigMaps (`data.config.json: |`)", Format::Yaml, json.len(), bytes, &work);
}

/// Judges every case of `work`, then times `patch::apply` over all of them (best of three) and prints one line.
fn report(label: &str, format: Format, files: usize, bytes: usize, work: &Work) {
    let (mut exact, mut refused, mut failed) = (0, 0, 0);
    for (text, doc, case) in work {
        match cases::judge(format, text, doc.as_ref(), case) {
            Verdict::Exact => exact += 1,
            Verdict::Refused(_) => refused += 1,
            Verdict::Failed(why) => {
                failed += 1;
                println!("  judged wrong: {} {}: {why}", case.kind.name(), case.path);
            }
        }
    }
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        for (text, doc, case) in work {
            let _ = std::hint::black_box(patch::apply(format, text, &case.patch, doc.as_ref()));
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    let n = work.len();
    println!(
        "{label}: {files} files ({} KiB), {n} cases: exact {:.2}%, refused {:.2}%, failed {failed}; best of 3: {:.2} s, {:.0} cases/s, {:.2} ms/case",
        bytes / 1024,
        100.0 * exact as f64 / n.max(1) as f64,
        100.0 * refused as f64 / n.max(1) as f64,
        best,
        n as f64 / best,
        1000.0 * best / n.max(1) as f64,
    );
}

/// One patch of N `add` operations (new keys under `/env`), for growing N: the time per operation must
/// stay flat for the cost to be linear in the number of operations.
/// One patch of N `add` operations (N ≤ `patch::MAX_OPERATIONS`) per format: the time must grow linearly.
fn scaling(file: &Path) {
    let yaml = std::fs::read_to_string(file).unwrap();
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let formats: [(Format, String, &str, String); 4] = [
        (Format::Yaml, yaml, "/env", name),
        (Format::Json, "{\n  \"env\": {\n    \"A\": \"1\"\n  }\n}\n".into(), "/env", "a JSON object".into()),
        (Format::Toml, "[env]\nA = \"1\"\n".into(), "/env", "a TOML table".into()),
        (Format::Env, "A=1\n".into(), "", "a dotenv file".into()),
    ];
    for (format, text, parent, label) in formats {
        for n in [125, 250, 500, 1000] {
            let ops: Vec<serde_json::Value> = (0..n)
                .map(|i| serde_json::json!({"op": "add", "path": format!("{parent}/DRILL_KEY_{i}"), "value": format!("v{i}")}))
                .collect();
            let patch: patch::Patch = serde_json::from_value(serde_json::Value::Array(ops)).unwrap();
            let mut best = f64::MAX;
            for _ in 0..3 {
                let start = Instant::now();
                let out = patch::apply(format, &text, &patch, None).unwrap();
                best = best.min(start.elapsed().as_secs_f64());
                assert!(out.contains(&format!("DRILL_KEY_{}", n - 1)));
            }
            println!(
                "{format}, one patch of {n} adds to {label}: {:.4} s, {:.1} µs per operation (best of 3)",
                best,
                1e6 * best / n as f64
            );
        }
    }
}
