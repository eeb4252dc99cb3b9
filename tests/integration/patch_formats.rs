//! The JSON engine on real files nobody here wrote: `../shared/corpus/json/` (JSON schemas, a Renovate
//! config). For every file, deterministic patches of five kinds (replace a scalar, add a scalar key to an
//! object, add an object, append to an array, remove a key); each result must parse to what RFC 6902 gives
//! (`json_patch`) and change only the expected lines. A wrong result fails; an explicit refusal is counted.

use std::collections::BTreeMap;

use firedrill::patch::{self, Format, Patch};
use serde_json::{Value, json};
use similar::{ChangeTag, TextDiff};

use crate::common;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Replace,
    AddScalar,
    AddObject,
    Append,
    Remove,
}

struct Case {
    kind: Kind,
    patch: Value,
    /// The key added or removed, for the line checks.
    key: Option<String>,
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Every node of `v` with its JSON pointer, depth first, in document order.
fn nodes<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a Value)>) {
    out.push((at.clone(), v));
    match v {
        Value::Object(m) => m.iter().for_each(|(k, c)| nodes(c, format!("{at}/{}", escape(k)), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| nodes(c, format!("{at}/{i}"), out)),
        _ => {}
    }
}

/// A different value of the same type (and, every third string, a number in its place).
fn changed(v: &Value, n: usize) -> Value {
    match v {
        Value::String(_) if n % 3 == 2 => json!(n),
        Value::String(s) => json!(format!("{s}-drill")),
        Value::Number(x) => x.as_i64().map_or_else(|| json!(x.as_f64().unwrap_or(0.0) * 2.0 + 0.5), |i| json!(i + 1)),
        Value::Bool(b) => json!(!b),
        _ => json!("drill"),
    }
}

fn generate(doc: &Value) -> Vec<Case> {
    let mut all = Vec::new();
    nodes(doc, String::new(), &mut all);
    let mut cases = Vec::new();
    for (n, (path, v)) in all.iter().enumerate() {
        match v {
            Value::Object(m) => {
                let key = format!("drillKey{n}");
                cases.push(Case {
                    kind: Kind::AddScalar,
                    patch: json!([{"op": "add", "path": format!("{path}/{key}"), "value": if n % 2 == 0 { json!(0) } else { json!("0") }}]),
                    key: Some(key.clone()),
                });
                if n % 5 == 0 {
                    cases.push(Case {
                        kind: Kind::AddObject,
                        patch: json!([{"op": "add", "path": format!("{path}/{key}"), "value": {"enabled": false, "ports": [80, 443]}}]),
                        key: Some(key),
                    });
                }
                if m.len() >= 2 {
                    let (k, _) = m.iter().nth(n % m.len()).unwrap_or_else(|| unreachable!());
                    cases.push(Case {
                        kind: Kind::Remove,
                        patch: json!([{"op": "remove", "path": format!("{path}/{}", escape(k))}]),
                        key: Some(k.clone()),
                    });
                }
            }
            Value::Array(a) if !a.is_empty() => {
                if a[a.len() - 1].is_object() {
                    // an array of objects gets an object (a new [[table]] in TOML)
                    let key = format!("drillKey{n}");
                    cases.push(Case {
                        kind: Kind::AddObject,
                        patch: json!([{"op": "add", "path": format!("{path}/-"), "value": { key.clone(): n }}]),
                        key: Some(key),
                    });
                } else {
                    let item = changed(&a[a.len() - 1], n);
                    cases.push(Case {
                        kind: Kind::Append,
                        patch: json!([{"op": "add", "path": format!("{path}/-"), "value": item}]),
                        key: None,
                    });
                }
            }
            Value::Array(_) => {}
            scalar if !path.is_empty() => {
                cases.push(Case {
                    kind: Kind::Replace,
                    patch: json!([{"op": "replace", "path": path, "value": changed(scalar, n)}]),
                    key: None,
                });
            }
            _ => {}
        }
    }
    cases
}

/// The lines the diff removed and the lines it added.
fn diff_lines(before: &str, after: &str) -> (Vec<String>, Vec<String>) {
    let (mut del, mut ins) = (Vec::new(), Vec::new());
    for change in TextDiff::from_lines(before, after).iter_all_changes() {
        match change.tag() {
            ChangeTag::Delete => del.push(change.value().to_owned()),
            ChangeTag::Insert => ins.push(change.value().to_owned()),
            ChangeTag::Equal => {}
        }
    }
    (del, ins)
}

fn indent(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// `Ok(())` when `after` is the right result with only the expected lines changed.
fn judge(format: Format, before_text: &str, before: &Value, after_text: &str, case: &Case) -> Result<(), String> {
    let patch: Patch = serde_json::from_value(case.patch.clone()).map_err(|e| e.to_string())?;
    let mut expected = before.clone();
    json_patch::patch(&mut expected, &patch).map_err(|e| format!("reference refused: {e}"))?;
    let got = patch::parse_value(format, after_text, None).map_err(|e| format!("output does not parse: {e}"))?;
    if got != expected {
        return Err("output does not read as the RFC 6902 result".into());
    }
    let (del, ins) = diff_lines(before_text, after_text);
    let quoted = |k: &str| if format == Format::Json { format!("\"{k}\"") } else { k.to_owned() };
    let key_line = |lines: &[String]| case.key.as_ref().map(|k| lines.iter().any(|l| l.contains(&quoted(k))));
    let strip = |l: &str| l.trim_end_matches(['\r', '\n']).to_owned();
    // the previous entry's line gains a comma (JSON) or, at the end of a file without a final newline, a
    // line ending
    let neighbour_fix =
        |d: &String, i: &String| i.trim_end() == format!("{},", d.trim_end()) || (strip(i) == strip(d) && i != d);
    let nonblank = |v: &[String]| v.iter().filter(|l| !l.trim().is_empty()).count();
    // a multi-line string spans its lines, plus the line break TOML allows after the opening delimiter
    let lines_of = |v: Option<&Value>| v.and_then(Value::as_str).map_or(1, |s| s.matches('\n').count() + 2);
    let ok = match case.kind {
        // one line, or the lines of a multi-line string
        Kind::Replace => {
            let path = case.patch[0]["path"].as_str().unwrap_or_default();
            let (old, new) = (lines_of(before.pointer(path)), lines_of(case.patch[0].get("value")));
            // (`\` line continuations make a multi-line string's text longer than its value)
            (del.len() == 1 && ins.len() == 1) || (old > 2 && !del.is_empty() && (1..=new).contains(&ins.len()))
        }
        Kind::AddScalar | Kind::Append => {
            let inline = del.len() == 1 && ins.len() == 1;
            // one new line, plus at most the previous entry's line fixed, indented like its neighbour
            let own_line = ins.len() == del.len() + 1
                && del.len() <= 1
                && del.iter().zip(&ins).all(|(d, i)| neighbour_fix(d, i))
                && after_text
                    .lines()
                    .collect::<Vec<_>>()
                    .windows(2)
                    .any(|w| ins.last().is_some_and(|l| w[1] == strip(l)) && indent(w[0]) == indent(w[1]));
            // TOML: a new `[table]` or `[[array]]` section (header and entry), or a first top-level key,
            // with a blank separator line
            let section = format == Format::Toml
                && del.len() <= 1
                && del.iter().all(|d| ins.iter().any(|i| neighbour_fix(d, i)))
                && match nonblank(&ins) - del.len() {
                    1 => true,
                    2 => ins.iter().filter(|l| l.trim_start().starts_with('[')).count() == 1,
                    _ => false,
                };
            (inline || own_line || section) && key_line(&ins) != Some(false)
        }
        // a single-line container changes its one line; a multi-line one gains the rendered lines
        Kind::AddObject => del.len() <= 1 && ins.len() >= del.len().max(1) && key_line(&ins) == Some(true),
        Kind::Remove => {
            // the member's lines go, and at most the neighbour's line loses its comma
            let lines_gone = ins.len() <= 1
                && del.len() > ins.len()
                && key_line(&del) == Some(true)
                && ins.iter().all(|i| {
                    del.iter().any(|d| d.trim_end().trim_end_matches(',') == i.trim_end().trim_end_matches(','))
                });
            // or a single-line container loses the entry
            let inline = del.len() == 1 && ins.len() == 1;
            // TOML: an inline table written over several lines becomes one line without the entry
            let folded = format == Format::Toml && ins.len() == 1 && del.len() > 1 && key_line(&del) == Some(true);
            lines_gone || inline || folded
        }
    };
    if !ok {
        return Err(format!("unexpected diff: -{del:?} +{ins:?}"));
    }
    let crlf_changed = after_text.contains('\n') && before_text.contains("\r\n") != after_text.contains("\r\n");
    if crlf_changed || (!after_text.is_empty() && before_text.ends_with('\n') != after_text.ends_with('\n')) {
        return Err("line endings or the final newline changed".into());
    }
    Ok(())
}

/// Tallies per kind (exact, refused, failed), with the failures and refusals explained.
#[derive(Default)]
struct Corpus {
    tally: BTreeMap<Kind, [usize; 3]>,
    failures: Vec<String>,
    refusals: Vec<String>,
}

impl Corpus {
    /// Runs every case on `text`, on its CRLF twin, and on it without its final newline.
    fn check(&mut self, format: Format, name: &str, text: &str) {
        self.check_one(format, name, text);
        if !text.contains('\r') {
            self.check_one(format, &format!("{name} (CRLF)"), &text.replace('\n', "\r\n"));
        }
        if text.ends_with('\n') {
            self.check_one(format, &format!("{name} (no final newline)"), text.trim_end());
        }
    }

    fn check_one(&mut self, format: Format, name: &str, text: &str) {
        let doc = patch::parse_value(format, text, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        for case in generate(&doc) {
            let slot = self.tally.entry(case.kind).or_default();
            let patch: Patch = serde_json::from_value(case.patch.clone()).unwrap_or_else(|e| panic!("{e}"));
            match patch::apply(format, text, &patch, None) {
                Ok(out) => match judge(format, text, &doc, &out, &case) {
                    Ok(()) => slot[0] += 1,
                    Err(why) => {
                        slot[2] += 1;
                        self.failures.push(format!("{name}: {} → {why}", case.patch));
                    }
                },
                Err(e) if e.kind == patch::PatchErrorKind::Verification => {
                    slot[2] += 1;
                    self.failures.push(format!("{name}: {} → {e}", case.patch));
                }
                Err(e) => {
                    slot[1] += 1;
                    self.refusals.push(format!("{name}: {} → {e}", case.patch));
                }
            }
        }
    }

    /// Prints the tallies and returns the totals (exact, refused, failed).
    #[allow(clippy::print_stderr)]
    fn report(&self, title: &str) -> [usize; 3] {
        let total = self.tally.values().fold([0; 3], |a, t| [a[0] + t[0], a[1] + t[1], a[2] + t[2]]);
        eprintln!("{title}");
        for (kind, [exact, refused, failed]) in &self.tally {
            eprintln!("  {kind:?}: {exact} exact, {refused} refused, {failed} failed");
        }
        eprintln!("  total: {} exact, {} refused, {} failed", total[0], total[1], total[2]);
        for r in self.refusals.iter().take(10) {
            eprintln!("refused {r}");
        }
        for f in self.failures.iter().take(usize::MAX) {
            eprintln!("FAILED {f}");
        }
        total
    }
}

#[test]
#[allow(clippy::print_stderr, clippy::unwrap_used)]
fn json_corpus_is_exact_or_refused() {
    let Some(dir) = common::corpus_dir("json") else { return };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no JSON files in {}", dir.display());

    let mut corpus = Corpus::default();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        corpus.check(Format::Json, file.file_name().and_then(|n| n.to_str()).unwrap_or_default(), &text);
    }
    let [exact, _, failed] = corpus.report(&format!(
        "JSON corpus: {} files (each also with CRLF line endings and without its final newline)",
        files.len()
    ));
    assert_eq!(failed, 0, "{} corpus cases failed (first: {})", corpus.failures.len(), corpus.failures[0]);
    assert!(exact > 1000, "expected well over a thousand exact cases, got {exact}");
}

/// The judge itself must reject what it is there to catch.
#[test]
fn judge_rejects_wrong_or_noisy_results() {
    let before = "{\n  \"a\": 1,\n  \"b\": 2\n}\n";
    let doc: Value = serde_json::from_str(before).unwrap_or_else(|e| panic!("{e}"));
    let replace = Case { kind: Kind::Replace, patch: json!([{"op": "replace", "path": "/a", "value": 5}]), key: None };
    assert!(judge(Format::Json, before, &doc, "{\n  \"a\": 5,\n  \"b\": 2\n}\n", &replace).is_ok());
    assert!(judge(Format::Json, before, &doc, "{\n  \"a\": 6,\n  \"b\": 2\n}\n", &replace).is_err(), "wrong value");
    assert!(judge(Format::Json, before, &doc, "{\n    \"a\": 5,\n    \"b\": 2\n}\n", &replace).is_err(), "re-indented");
    assert!(
        judge(Format::Json, before, &doc, "{\n  \"a\": 5,\n  \"b\": 2\n}", &replace).is_err(),
        "final newline lost"
    );
    let add = Case {
        kind: Kind::AddScalar,
        patch: json!([{"op": "add", "path": "/c", "value": "0"}]),
        key: Some("c".into()),
    };
    assert!(judge(Format::Json, before, &doc, "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": \"0\"\n}\n", &add).is_ok());
    assert!(
        judge(Format::Json, before, &doc, "{\n  \"a\": 1,\n  \"b\": 2,\n    \"c\": \"0\"\n}\n", &add).is_err(),
        "wrong indentation"
    );
    assert!(
        judge(Format::Json, before, &doc, "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 0\n}\n", &add).is_err(),
        "\"0\" became 0"
    );
    let remove = Case { kind: Kind::Remove, patch: json!([{"op": "remove", "path": "/b"}]), key: Some("b".into()) };
    assert!(judge(Format::Json, before, &doc, "{\n  \"a\": 1\n}\n", &remove).is_ok());
    assert!(judge(Format::Json, before, &doc, "{\"a\": 1}\n", &remove).is_err(), "reformatted");
}

/// The same cases on real TOML files that live in this repository, read in place: the project's own
/// `Cargo.toml`s, `rustfmt.toml`, the example config, `Cargo.lock` (hundreds of `[[package]]` tables), and
/// the fixtures in `tests/fixtures/toml/` (inline tables, dotted keys, nested arrays of tables, comments).
/// `FIREDRILL_TOML_CORPUS` adds a folder searched recursively for `*.toml` (for a deeper local run, e.g.
/// `FIREDRILL_TOML_CORPUS=~/.cargo/registry/src cargo nextest run --test integration toml_corpus`).
#[test]
#[allow(clippy::print_stderr)]
fn toml_corpus_is_exact_or_refused() {
    let root = common::root();
    let mut files: Vec<std::path::PathBuf> = [
        "Cargo.toml",
        "github-emulator/Cargo.toml",
        "rustfmt.toml",
        "examples/config/staging/worker.toml",
        "Cargo.lock",
    ]
    .iter()
    .map(|f| root.join(f))
    .collect();
    let mut stack = vec![root.join("tests/fixtures/toml")];
    if let Some(extra) = std::env::var_os("FIREDRILL_TOML_CORPUS") {
        stack.push(extra.into());
    }
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if p.is_dir() {
                stack.push(p);
            } else if name.ends_with(".toml") || name == "Cargo.toml.orig" {
                files.push(p);
            }
        }
    }
    let mut corpus = Corpus::default();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        // Cargo.lock alone would give thousands of cases of one shape: its first 300 lines are plenty.
        let text =
            if file.ends_with("Cargo.lock") { text.split_inclusive('\n').take(300).collect::<String>() } else { text };
        corpus.check(Format::Toml, &file.display().to_string(), &text);
    }
    let [exact, _, failed] = corpus.report(&format!("TOML corpus: {} files", files.len()));
    assert_eq!(failed, 0, "{} TOML corpus cases failed (first: {})", corpus.failures.len(), corpus.failures[0]);
    assert!(exact > 500, "expected hundreds of exact TOML cases, got {exact}");
}
