//! The patch engine on real files nobody here wrote: `../shared/corpus/` (Helm values from public charts).
//!
//! For every file, deterministic cases of four kinds (replace a scalar, add a key, append an item, remove a
//! key) at varied depths; each must be exact (correct, minimal, native-looking) or explicitly refused.
//! A single failure — an edit that applied but is wrong — fails the test.

use std::collections::BTreeMap;

use firedrill::patch::cases::{self, CaseKind, Verdict};
use firedrill::patch::{self, Format};

use crate::common;

/// Cases of each kind per file (`FIREDRILL_CORPUS_PER_KIND` raises it for a deeper local run); the
/// benchmark (`cargo bench --bench corpus`) uses the same generator.
fn per_kind() -> usize {
    std::env::var("FIREDRILL_CORPUS_PER_KIND").ok().and_then(|v| v.parse().ok()).unwrap_or(12)
}

#[test]
fn helm_values_corpus_is_exact_or_refused() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("SKIPPED: ../shared/corpus is absent; the corpus test needs it beside the checkout");
        return;
    };
    let dir = shared.join("corpus/helm-values");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 50, "expected the Helm values corpus in {}", dir.display());

    let mut tally: BTreeMap<CaseKind, [usize; 3]> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut refusals = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let doc = patch::parse_value(Format::Yaml, &text, None).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for case in cases::generate(&doc, per_kind()) {
            let slot = tally.entry(case.kind).or_default();
            match cases::judge(Format::Yaml, &text, &case) {
                Verdict::Exact => slot[0] += 1,
                Verdict::Refused(why) => {
                    slot[1] += 1;
                    refusals.push(format!(
                        "{} {}: {}",
                        file.file_name().unwrap().to_string_lossy(),
                        case.path,
                        why.lines().next().unwrap_or("")
                    ));
                }
                Verdict::Failed(why) => {
                    slot[2] += 1;
                    failures.push(format!("{} {} ({}): {why}", file.display(), case.path, case.kind.name()));
                }
            }
        }
    }
    let total: [usize; 3] = tally.values().fold([0; 3], |a, t| [a[0] + t[0], a[1] + t[1], a[2] + t[2]]);
    let n = total.iter().sum::<usize>();
    eprintln!("{} files, {n} cases", files.len());
    for (kind, t) in &tally {
        eprintln!("  {:<16} exact {:>5}  refused {:>4}  failed {:>3}", kind.name(), t[0], t[1], t[2]);
    }
    eprintln!(
        "  exact {:.2}%  refused {:.2}%  failed {}",
        100.0 * total[0] as f64 / n as f64,
        100.0 * total[1] as f64 / n as f64,
        total[2]
    );
    for r in refusals.iter().take(40) {
        eprintln!("  refused: {r}");
    }
    assert!(failures.is_empty(), "{} corrupt or non-minimal edits:\n{}", failures.len(), failures.join("\n"));
    assert!(n > 2000, "too few cases generated: {n}");
}
