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
                let item = changed(&a[a.len() - 1], n);
                cases.push(Case {
                    kind: Kind::Append,
                    patch: json!([{"op": "add", "path": format!("{path}/-"), "value": item}]),
                    key: None,
                });
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
fn judge(before_text: &str, before: &Value, after_text: &str, case: &Case) -> Result<(), String> {
    let patch: Patch = serde_json::from_value(case.patch.clone()).map_err(|e| e.to_string())?;
    let mut expected = before.clone();
    json_patch::patch(&mut expected, &patch).map_err(|e| format!("reference refused: {e}"))?;
    let got = patch::parse_value(Format::Json, after_text, None).map_err(|e| format!("output does not parse: {e}"))?;
    if got != expected {
        return Err("output does not read as the RFC 6902 result".into());
    }
    let (del, ins) = diff_lines(before_text, after_text);
    let key_line = |lines: &[String]| case.key.as_ref().map(|k| lines.iter().any(|l| l.contains(&format!("\"{k}\""))));
    let ok = match case.kind {
        Kind::Replace => del.len() == 1 && ins.len() == 1,
        Kind::AddScalar | Kind::Append => {
            let inline = del.len() == 1 && ins.len() == 1;
            // one new line, plus at most the previous entry's line gaining a comma, indented like its neighbour
            let own_line = ins.len() == del.len() + 1
                && del.len() <= 1
                && del.iter().zip(&ins).all(|(d, i)| i.trim_end() == format!("{},", d.trim_end()))
                && after_text.lines().collect::<Vec<_>>().windows(2).any(|w| {
                    ins.last().is_some_and(|l| w[1] == l.trim_end_matches(['\r', '\n'])) && indent(w[0]) == indent(w[1])
                });
            (inline || own_line) && key_line(&ins) != Some(false)
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
            lines_gone || inline
        }
    };
    if !ok {
        return Err(format!("unexpected diff: -{del:?} +{ins:?}"));
    }
    if before_text.contains("\r\n") != after_text.contains("\r\n")
        || before_text.ends_with('\n') != after_text.ends_with('\n')
    {
        return Err("line endings or the final newline changed".into());
    }
    Ok(())
}

#[test]
#[allow(clippy::print_stderr, clippy::unwrap_used)]
fn json_corpus_is_exact_or_refused() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("SKIPPED: ../shared/corpus/json is absent; the JSON corpus test needs it beside the checkout");
        return;
    };
    let dir = shared.join("corpus/json");
    if !dir.is_dir() {
        eprintln!("SKIPPED: {} is absent", dir.display());
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no JSON files in {}", dir.display());

    let mut tally: BTreeMap<Kind, [usize; 3]> = BTreeMap::new();
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        check_file(name, &text, &mut tally, &mut failures);
        // the same file with CRLF line endings and without its final newline
        check_file(&format!("{name} (CRLF)"), &text.replace('\n', "\r\n"), &mut tally, &mut failures);
        check_file(&format!("{name} (no final newline)"), text.trim_end(), &mut tally, &mut failures);
    }
    let total: [usize; 3] = tally.values().fold([0; 3], |a, t| [a[0] + t[0], a[1] + t[1], a[2] + t[2]]);
    eprintln!("JSON corpus: {} files (each also as CRLF and without final newline)", files.len());
    for (kind, [exact, refused, failed]) in &tally {
        eprintln!("  {kind:?}: {exact} exact, {refused} refused, {failed} failed");
    }
    eprintln!("  total: {} exact, {} refused, {} failed", total[0], total[1], total[2]);
    for f in failures.iter().take(20) {
        eprintln!("FAILED {f}");
    }
    assert!(failures.is_empty(), "{} corpus cases failed (first: {})", failures.len(), failures[0]);
    assert!(total[0] > 1000, "expected well over a thousand exact cases, got {}", total[0]);
}

#[allow(clippy::print_stderr)]
fn check_file(name: &str, text: &str, tally: &mut BTreeMap<Kind, [usize; 3]>, failures: &mut Vec<String>) {
    let doc = patch::parse_value(Format::Json, text, None).unwrap_or_else(|e| panic!("{name}: {e}"));
    for case in generate(&doc) {
        let slot = tally.entry(case.kind).or_default();
        let patch: Patch = serde_json::from_value(case.patch.clone()).unwrap_or_else(|e| panic!("{e}"));
        match patch::apply(Format::Json, text, &patch, None) {
            Ok(out) => match judge(text, &doc, &out, &case) {
                Ok(()) => slot[0] += 1,
                Err(why) => {
                    slot[2] += 1;
                    failures.push(format!("{name}: {} → {why}", case.patch));
                }
            },
            Err(e) if e.kind == patch::PatchErrorKind::Verification => {
                slot[2] += 1;
                failures.push(format!("{name}: {} → {e}", case.patch));
            }
            Err(e) => {
                slot[1] += 1;
                eprintln!("refused {name}: {} → {e}", case.patch);
            }
        }
    }
}

/// The judge itself must reject what it is there to catch.
#[test]
fn judge_rejects_wrong_or_noisy_results() {
    let before = "{\n  \"a\": 1,\n  \"b\": 2\n}\n";
    let doc: Value = serde_json::from_str(before).unwrap_or_else(|e| panic!("{e}"));
    let replace = Case { kind: Kind::Replace, patch: json!([{"op": "replace", "path": "/a", "value": 5}]), key: None };
    assert!(judge(before, &doc, "{\n  \"a\": 5,\n  \"b\": 2\n}\n", &replace).is_ok());
    assert!(judge(before, &doc, "{\n  \"a\": 6,\n  \"b\": 2\n}\n", &replace).is_err(), "wrong value");
    assert!(judge(before, &doc, "{\n    \"a\": 5,\n    \"b\": 2\n}\n", &replace).is_err(), "re-indented");
    assert!(judge(before, &doc, "{\n  \"a\": 5,\n  \"b\": 2\n}", &replace).is_err(), "final newline lost");
    let add = Case {
        kind: Kind::AddScalar,
        patch: json!([{"op": "add", "path": "/c", "value": "0"}]),
        key: Some("c".into()),
    };
    assert!(judge(before, &doc, "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": \"0\"\n}\n", &add).is_ok());
    assert!(
        judge(before, &doc, "{\n  \"a\": 1,\n  \"b\": 2,\n    \"c\": \"0\"\n}\n", &add).is_err(),
        "wrong indentation"
    );
    assert!(judge(before, &doc, "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 0\n}\n", &add).is_err(), "\"0\" became 0");
    let remove = Case { kind: Kind::Remove, patch: json!([{"op": "remove", "path": "/b"}]), key: Some("b".into()) };
    assert!(judge(before, &doc, "{\n  \"a\": 1\n}\n", &remove).is_ok());
    assert!(judge(before, &doc, "{\"a\": 1}\n", &remove).is_err(), "reformatted");
}
