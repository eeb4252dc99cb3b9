//! Plain-text engine: a file is a list of lines.
//!
//! The parsed document of a text file is a JSON array of its lines, as strings without their line endings
//! (`\n` or `\r\n`; a final line ending does not start another line, so `"a\nb\n"` is `["a", "b"]`).
//!
//! A path is a single token (written after `/`, with `~1` for `/` and `~0` for `~`, as in every JSON
//! pointer), which is one of:
//! - a 0-based line index (digits only, as RFC 6901 writes array indexes): `/0` is the first line;
//! - `-`, the position after the last line (for `add`: append a line);
//! - any other text, a **snippet**, which must occur in exactly one line (case-sensitive). Zero matches are
//!   refused as not found, several as ambiguous, naming the lines that match; a longer snippet (or the
//!   index) fixes it.
//!
//! Snippets (in `path` and in `from`) are resolved to indexes first, operation by operation on the lines as
//! the previous operations left them; the resolved patch is then an ordinary RFC 6902 patch on the array:
//! - `replace` with a snippet replaces the whole matching line with the value;
//! - `add` with a snippet inserts the value as a new line *before* the matching line (the new line takes
//!   its index, as RFC 6902 array insertion does); `add` with `-` appends;
//! - `remove` deletes the line; `test` checks that the line equals the value; `move` and `copy` move and
//!   copy lines.
//!
//! Values must be strings without line breaks (one line per operation). Inserted lines use the file's line
//! ending; the final newline, or its absence, is kept.

use serde_json::Value;

use super::engine::{self, Engine, Prim, Slot};
use super::layout::{Splice, apply as splice, newline};
use super::{Location, Patch, PatchError, PatchErrorKind, PatchOperation, Pointer};

pub(crate) fn apply(text: &str, patch: &Patch) -> Result<String, PatchError> {
    let before = parse_value(text)?;
    let (resolved, shown) = resolve(text, &before, patch)?;
    engine::run(&TextEngine, text, &resolved, Some(&shown))
}

pub(crate) fn parse_value(text: &str) -> Result<Value, PatchError> {
    Ok(Value::Array(lines(text).iter().map(|l| Value::String(text[l.start..l.end].to_owned())).collect()))
}

struct Line {
    start: usize,
    /// The end of the content, before the line ending.
    end: usize,
    /// The start of the next line (after the line ending), or the end of the text.
    next: usize,
}

fn lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let (end, next) = match text[i..].find('\n') {
            Some(p) if p > 0 && text.as_bytes()[i + p - 1] == b'\r' => (i + p - 1, i + p + 1),
            Some(p) => (i + p, i + p + 1),
            None => (text.len(), text.len()),
        };
        out.push(Line { start: i, end, next });
        i = next;
    }
    out
}

fn op_paths(op: &PatchOperation) -> (String, Option<String>) {
    match op {
        PatchOperation::Add(o) => (o.path.to_string(), None),
        PatchOperation::Remove(o) => (o.path.to_string(), None),
        PatchOperation::Replace(o) => (o.path.to_string(), None),
        PatchOperation::Move(o) => (o.path.to_string(), Some(o.from.to_string())),
        PatchOperation::Copy(o) => (o.path.to_string(), Some(o.from.to_string())),
        PatchOperation::Test(o) => (o.path.to_string(), None),
    }
}

/// Resolves the snippets of every operation to line indexes, on the lines as the previous operations left
/// them. Returns the resolved patch and, per operation, the path as the user wrote it (for messages).
fn resolve(text: &str, before: &Value, patch: &Patch) -> Result<(Patch, Vec<String>), PatchError> {
    let mut cur = before.clone();
    let mut ops = Vec::with_capacity(patch.0.len());
    let mut shown = Vec::with_capacity(patch.0.len());
    let mut failed = false;
    for (i, op) in patch.0.iter().enumerate() {
        let (path, from) = op_paths(op);
        shown.push(path.clone());
        if failed {
            ops.push(op.clone());
            continue;
        }
        check_value(op).map_err(|e| e.for_op(i, &path))?;
        let lines: Vec<&str> = cur.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let original = i == 0;
        let mut json =
            serde_json::to_value(op).map_err(|e| PatchError::new(PatchErrorKind::BadPatch, e.to_string()))?;
        json["path"] = Value::String(resolve_path(text, &lines, &path, original).map_err(|e| e.for_op(i, &path))?);
        if let Some(from) = from {
            json["from"] = Value::String(resolve_path(text, &lines, &from, original).map_err(|e| e.for_op(i, &path))?);
        }
        let op: PatchOperation =
            serde_json::from_value(json).map_err(|e| PatchError::new(PatchErrorKind::BadPatch, e.to_string()))?;
        failed = json_patch::patch(&mut cur, std::slice::from_ref(&op)).is_err();
        ops.push(op);
    }
    Ok((Patch(ops), shown))
}

/// Values must be one line of text.
fn check_value(op: &PatchOperation) -> Result<(), PatchError> {
    let value = match op {
        PatchOperation::Add(o) => &o.value,
        PatchOperation::Replace(o) => &o.value,
        PatchOperation::Test(o) => &o.value,
        _ => return Ok(()),
    };
    match value {
        Value::String(s) if s.contains(['\n', '\r']) => Err(PatchError::new(
            PatchErrorKind::Unsupported,
            format!("the value {} holds a line break, but a value is one line of the file", engine::short(value)),
        )
        .hint("add one line per operation")),
        Value::String(_) => Ok(()),
        other => Err(PatchError::new(
            PatchErrorKind::Unsupported,
            format!(
                "the value {} is a {}, but the lines of a text file are strings",
                engine::short(other),
                engine::type_name(other)
            ),
        )
        .hint(format!("write the line as a JSON string, e.g. \"{}\"", other.to_string().replace('"', "\\\"")))),
    }
}

/// Turns a snippet token into the index of the one line holding it; indexes, `-` and deeper paths pass.
fn resolve_path(text: &str, cur: &[&str], path: &str, original: bool) -> Result<String, PatchError> {
    let mut p = Pointer::parse(path)?;
    let Some(first) = p.tokens.first() else { return Ok(path.to_owned()) };
    if first == "-" || Pointer::array_index(first).is_some() {
        return Ok(path.to_owned());
    }
    if first.is_empty() {
        return Err(PatchError::new(
            PatchErrorKind::BadPatch,
            "the snippet is empty, and every line contains the empty text",
        )
        .hint("write a snippet of the line to edit after `/`, or its 0-based index"));
    }
    // positions are reported in the input file when the lines are still those of the input
    let pos = |idx: usize, col: usize| {
        let ls = lines(text);
        match ls.get(idx) {
            Some(l) if original => Location::of_byte(text, l.start + col),
            _ => Location { line: idx + 1, column: 1 },
        }
    };
    let hits: Vec<usize> = cur.iter().enumerate().filter(|(_, l)| l.contains(first.as_str())).map(|(i, _)| i).collect();
    match hits.as_slice() {
        [i] => {
            p.tokens[0] = i.to_string();
            Ok(p.to_string())
        }
        [] => {
            let lower = first.to_lowercase();
            let near = cur.iter().position(|l| l.to_lowercase().contains(&lower));
            let e = PatchError::new(PatchErrorKind::NotFound, format!("no line contains `{first}`"));
            Err(match near {
                Some(i) => e.at(pos(i, cur[i].to_lowercase().find(&lower).unwrap_or(0))).hint(format!(
                    "snippets are case-sensitive: line {} reads `{}`",
                    i + 1,
                    cur[i]
                )),
                None => e
                    .at(Location { line: 1, column: 1 })
                    .hint("use a snippet copied from the line to edit (it must occur in exactly one line)"),
            })
        }
        many => {
            let numbers: Vec<String> = many.iter().map(|i| (i + 1).to_string()).collect();
            let listed = match numbers.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => numbers.join(""),
            };
            Err(PatchError::new(
                PatchErrorKind::Unsupported,
                format!("`{first}` occurs in {} lines ({listed}), so the edit would be ambiguous", many.len()),
            )
            .at(pos(many[0], cur[many[0]].find(first.as_str()).unwrap_or(0)))
            .hint("use a longer snippet that occurs in only one line, or the line's 0-based index"))
        }
    }
}

struct TextEngine;

impl Engine for TextEngine {
    fn parse(&self, text: &str) -> Result<Value, PatchError> {
        parse_value(text)
    }

    fn locate(&self, text: &str, path: &Pointer) -> Option<usize> {
        match path.tokens.as_slice() {
            [] => Some(0),
            [t] => lines(text).get(Pointer::array_index(t)?).map(|l| l.start),
            _ => None,
        }
    }

    fn exec(&self, text: &str, prim: &Prim) -> Result<Option<String>, PatchError> {
        let ls = lines(text);
        let index = |path: &Pointer| match path.tokens.as_slice() {
            [t] => Pointer::array_index(t).filter(|&i| i < ls.len()),
            _ => None,
        };
        let unsupported = || {
            PatchError::new(PatchErrorKind::Unsupported, "a text file is edited one line at a time")
                .at(Location { line: 1, column: 1 })
                .hint("use paths such as /0 (first line), /- (after the last line) or /some-snippet")
        };
        let nl = newline(text);
        let splices = match prim {
            Prim::Replace { path, value: Value::String(s) } => {
                let l = &ls[index(path).ok_or_else(unsupported)?];
                vec![Splice::new(l.start, l.end, s.clone())]
            }
            Prim::Insert { parent, slot: Slot::Index(i), value: Value::String(s) } if parent.is_root() => {
                match ls.get(*i) {
                    Some(l) => vec![Splice::new(l.start, l.start, format!("{s}{nl}"))],
                    None if text.is_empty() || text.ends_with('\n') => {
                        vec![Splice::new(text.len(), text.len(), format!("{s}{nl}"))]
                    }
                    None => vec![Splice::new(text.len(), text.len(), format!("{nl}{s}"))],
                }
            }
            Prim::Delete { path } => {
                let i = index(path).ok_or_else(unsupported)?;
                let l = &ls[i];
                if l.next == text.len() && l.end == text.len() && i > 0 {
                    // the last line has no line ending: take the previous one's instead
                    vec![Splice::new(ls[i - 1].end, text.len(), "")]
                } else {
                    vec![Splice::new(l.start, l.next, "")]
                }
            }
            Prim::Rename { .. } => return Ok(None),
            _ => return Err(unsupported()),
        };
        Ok(Some(splice(text, splices)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run(text: &str, ops: &str) -> Result<String, PatchError> {
        crate::patch::testing::run(apply, text, ops)
    }

    fn ok(text: &str, ops: &str) -> String {
        crate::patch::testing::ok(apply, text, ops)
    }

    const CONF: &str = "# nginx\nworker_processes 4;\nlisten 80;\nlisten 443 ssl;\n\nserver_name api.example.com;\n";

    #[test]
    fn lines_are_the_document() {
        assert_eq!(parse_value("a\r\nb\n").unwrap(), serde_json::json!(["a", "b"]));
        assert_eq!(parse_value("a\n\nb").unwrap(), serde_json::json!(["a", "", "b"]));
        assert_eq!(parse_value("").unwrap(), serde_json::json!([]));
        assert_eq!(parse_value("\n").unwrap(), serde_json::json!([""]));
    }

    #[test]
    fn snippets_pick_one_line() {
        assert_eq!(
            ok(CONF, r#"[{"op":"replace","path":"/worker_processes","value":"worker_processes 0;"}]"#),
            CONF.replace("worker_processes 4;", "worker_processes 0;")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"add","path":"/listen 443","value":"listen 8080;"}]"#),
            CONF.replace("listen 443", "listen 8080;\nlisten 443")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"remove","path":"/server_name"}]"#),
            CONF.replace("server_name api.example.com;\n", "")
        );
        assert_eq!(ok(CONF, r#"[{"op":"test","path":"/listen 80","value":"listen 80;"}]"#), CONF);
        // `/` in a snippet is written ~1
        assert_eq!(ok("a/b\nc\n", r#"[{"op":"replace","path":"/a~1b","value":"x"}]"#), "x\nc\n");
    }

    #[test]
    fn indexes_append_move_copy() {
        assert_eq!(
            ok(CONF, r##"[{"op":"replace","path":"/0","value":"# edited"}]"##),
            CONF.replace("# nginx", "# edited")
        );
        assert_eq!(ok(CONF, r#"[{"op":"add","path":"/-","value":"gzip on;"}]"#), format!("{CONF}gzip on;\n"));
        assert_eq!(ok("a\nb", r#"[{"op":"add","path":"/-","value":"c"}]"#), "a\nb\nc");
        assert_eq!(ok("", r#"[{"op":"add","path":"/-","value":"c"}]"#), "c\n");
        assert_eq!(ok("a\nb\nc\n", r#"[{"op":"move","from":"/c","path":"/0"}]"#), "c\na\nb\n");
        assert_eq!(ok("a\nb\nc\n", r#"[{"op":"copy","from":"/a","path":"/-"}]"#), "a\nb\nc\na\n");
        // snippets resolve on the lines the previous operations left
        assert_eq!(
            ok("a\nb\n", r#"[{"op":"replace","path":"/a","value":"x"},{"op":"replace","path":"/x","value":"y"}]"#),
            "y\nb\n"
        );
    }

    #[test]
    fn crlf_and_final_newline_are_kept() {
        let crlf = CONF.replace('\n', "\r\n");
        assert_eq!(
            ok(&crlf, r##"[{"op":"add","path":"/listen 80","value":"# ports"}]"##),
            crlf.replace("listen 80;", "# ports\r\nlisten 80;")
        );
        assert_eq!(ok(&crlf, r#"[{"op":"remove","path":"/listen 80"}]"#), crlf.replace("listen 80;\r\n", ""));
        assert_eq!(ok("a\r\nb", r#"[{"op":"remove","path":"/b"}]"#), "a");
        assert_eq!(ok("a\r\nb", r#"[{"op":"replace","path":"/b","value":"c"}]"#), "a\r\nc");
        assert_eq!(ok("a\r\nb", r#"[{"op":"add","path":"/-","value":"c"}]"#), "a\r\nb\r\nc");
    }

    #[test]
    fn refusals_name_the_lines() {
        let e = run(CONF, r#"[{"op":"replace","path":"/listen","value":"x"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Unsupported);
        assert_eq!(
            e.to_string(),
            "3:1: operation 0 (`/listen`): `listen` occurs in 2 lines (3 and 4), so the edit would be ambiguous\n  hint: use a longer snippet that occurs in only one line, or the line's 0-based index"
        );
        let e = run(CONF, r#"[{"op":"replace","path":"/Listen 80","value":"x"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::NotFound);
        assert_eq!(
            e.to_string(),
            "3:1: operation 0 (`/Listen 80`): no line contains `Listen 80`\n  hint: snippets are case-sensitive: line 3 reads `listen 80;`"
        );
        let e = run(CONF, r#"[{"op":"replace","path":"/nothing","value":"x"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::NotFound);
        let e = run(CONF, r#"[{"op":"replace","path":"/listen 80","value":8080}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Unsupported);
        assert!(e.to_string().contains("the value 8080 is a number, but the lines of a text file are strings"), "{e}");
        let e = run(CONF, r#"[{"op":"add","path":"/-","value":"a\nb"}]"#).unwrap_err();
        assert!(e.to_string().contains("holds a line break"), "{e}");
        let e = run(CONF, r#"[{"op":"test","path":"/listen 80","value":"listen 81;"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::TestFailed);
        assert_eq!(e.path.as_deref(), Some("/listen 80"));
        assert!(
            e.to_string().starts_with(
                "3:1: operation 0 (`/listen 80`): `test` failed: `/2` is \"listen 80;\", not \"listen 81;\""
            ),
            "{e}"
        );
        let e = run(CONF, r#"[{"op":"replace","path":"/9","value":"x"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::NotFound);
        let e = run(CONF, r#"[{"op":"replace","path":"/listen 80/x","value":"x"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::NotAContainer);
    }
}
