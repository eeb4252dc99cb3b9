//! Patch engine throughput on the real corpus: `cargo bench --bench corpus`.
//!
//! Generates the same deterministic cases as the corpus test (12 of each kind per file unless
//! `FIREDRILL_CORPUS_PER_KIND` says otherwise), then times `patch::apply` alone over all of them, three
//! rounds, and prints cases per second with the exact/refused shares.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Instant;

use firedrill::patch::cases::{self, Verdict};
use firedrill::patch::{self, Format};

fn main() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !shared.is_dir() {
        println!("../shared/corpus is absent: nothing to measure");
        return;
    }
    let per_kind = std::env::var("FIREDRILL_CORPUS_PER_KIND").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    for (folder, format) in [("helm-values", Format::Yaml), ("json", Format::Json)] {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(shared.join(folder)).unwrap().map(|e| e.unwrap().path()).collect();
        files.retain(|p| Format::infer(p) == format);
        files.sort();
        let mut work = Vec::new();
        let mut bytes = 0;
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            let Ok(doc) = patch::parse_value(format, &text, None) else { continue };
            bytes += text.len();
            for c in cases::generate(&doc, per_kind) {
                work.push((text.clone(), c));
            }
        }
        let (mut exact, mut refused, mut failed) = (0, 0, 0);
        for (text, case) in &work {
            match cases::judge(format, text, case) {
                Verdict::Exact => exact += 1,
                Verdict::Refused(_) => refused += 1,
                Verdict::Failed(_) => failed += 1,
            }
        }
        let mut best = f64::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            for (text, case) in &work {
                let _ = std::hint::black_box(patch::apply(format, text, &case.patch, None));
            }
            best = best.min(start.elapsed().as_secs_f64());
        }
        let n = work.len();
        println!(
            "{format}: {} files ({} KiB), {n} cases: exact {:.2}%, refused {:.2}%, failed {failed}; best of 3: {:.2} s, {:.0} cases/s, {:.2} ms/case",
            files.len(),
            bytes / 1024,
            100.0 * exact as f64 / n as f64,
            100.0 * refused as f64 / n as f64,
            best,
            n as f64 / best,
            1000.0 * best / n as f64,
        );
    }
}
