//! dotenv engine: `KEY=value` lines, edited line by line.
//!
//! The file is read the way common loaders read it: blank lines and `#` comment lines are skipped; an entry
//! is `KEY=value` with an optional `export ` prefix; a value is unquoted (it ends before a ` #` comment,
//! surrounding blanks trimmed), 'single-quoted' (literal) or "double-quoted" (`\n`, `\r`, `\t`, `\"` and
//! `\\` are escapes; other backslashes are kept). Quoted values may span lines. There is no `$VAR`
//! interpolation. When a key is defined twice, the last definition wins, like most loaders.
//!
//! The parsed document is a JSON object of strings, and paths are `/KEY` only (deeper paths are refused,
//! values being strings). Patch values must be strings: `8080` is refused with a hint to write `"8080"`.
//!
//! - `replace` rewrites the value only, keeping its quoting where the new value allows it (an unquoted value
//!   gets single quotes only when it needs them: blanks, `#`, quotes, `$`; double quotes when it also holds
//!   a `'` or a line break), and any inline comment.
//! - `add` appends `KEY=value` at the end of the file, with `export ` when every entry has it and the
//!   file's quoting when every entry shares one; adding an existing key replaces its value.
//! - `remove` deletes the entry's line(s); `move` to a new key renames the key in place.
//!
//! Editing a key the file defines more than once is refused, naming both lines.

use serde_json::{Map, Value};

use super::engine::{self, Engine, Prim, Slot};
use super::layout::{Splice, apply as splice, eol, line_start, newline, next_line};
use super::{Location, Patch, PatchError, PatchErrorKind, PatchOperation, Pointer};

pub(crate) fn apply(text: &str, patch: &Patch) -> Result<String, PatchError> {
    let entries = parse_entries(text)?;
    for (i, op) in patch.0.iter().enumerate() {
        let (path, value) = match op {
            PatchOperation::Add(o) => (o.path.to_string(), &o.value),
            PatchOperation::Replace(o) => (o.path.to_string(), &o.value),
            PatchOperation::Test(o) => (o.path.to_string(), &o.value),
            _ => continue,
        };
        if !value.is_string() {
            let key = Pointer::parse(&path)?.tokens.first().cloned().unwrap_or_default();
            let at = entries.iter().rev().find(|e| e.key == key).map_or(0, |e| e.key_start);
            let example = match value {
                Value::Number(_) | Value::Bool(_) => format!("\"{value}\""),
                _ => "\"text\"".into(),
            };
            return Err(PatchError::new(
                PatchErrorKind::Unsupported,
                format!(
                    "the value for `{key}` is a {} ({}), but dotenv values are strings",
                    engine::type_name(value),
                    engine::short(value)
                ),
            )
            .at(Location::of_byte(text, at))
            .hint(format!("write the value as a JSON string, e.g. {example}"))
            .for_op(i, &path));
        }
    }
    engine::run(&EnvEngine, text, patch, None)
}

pub(crate) fn parse_value(text: &str) -> Result<Value, PatchError> {
    let mut map = Map::new();
    for e in parse_entries(text)? {
        map.insert(e.key, Value::String(e.value));
    }
    Ok(Value::Object(map))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

#[derive(Debug)]
struct Entry {
    key: String,
    line_start: usize,
    key_start: usize,
    key_end: usize,
    value_start: usize,
    value_end: usize,
    quote: Quote,
    value: String,
    /// The start of the line after the entry (its value may span lines).
    next: usize,
    export: bool,
}

fn parse_error(text: &str, at: usize, msg: impl Into<String>, hint: &str) -> PatchError {
    PatchError::new(PatchErrorKind::Parse, msg).at(Location::of_byte(text, at)).hint(hint.to_owned())
}

fn parse_entries(text: &str) -> Result<Vec<Entry>, PatchError> {
    let mut entries = Vec::new();
    // a byte-order mark is not part of the first key (it stays in the file)
    let mut i = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    while i < text.len() {
        let line_start = i;
        let end = eol(text, i);
        let line = &text[i..end];
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            i = next_line(text, i);
            continue;
        }
        let mut at = i + (line.len() - t.len());
        let export = t.strip_prefix("export").is_some_and(|r| r.starts_with([' ', '\t']));
        if export {
            at += "export".len();
            at += text[at..end].len() - text[at..end].trim_start().len();
        }
        let Some(eq) = text[at..end].find('=').map(|p| at + p) else {
            return Err(parse_error(
                text,
                at,
                format!("line {} is not a `KEY=value` entry", Location::of_byte(text, at).line),
                "write `KEY=value`, or make the line a comment with `#`",
            ));
        };
        let key = text[at..eq].trim_end();
        if key.is_empty() || key.contains([' ', '\t', '"', '\'']) {
            return Err(parse_error(
                text,
                at,
                format!("`{}` is not a valid key", crate::redact::excerpt(&text[at..eq])),
                "keys are letters, digits and `_`, without blanks",
            ));
        }
        let key_end = at + key.len();
        let mut vs = eq + 1;
        vs += text[vs..end].len() - text[vs..end].trim_start_matches([' ', '\t']).len();
        let (quote, value, ve) = match text.as_bytes().get(vs) {
            Some(b'"') => {
                let b = text.as_bytes();
                let mut j = vs + 1;
                let mut out = String::new();
                let mut lit = j;
                loop {
                    match b.get(j) {
                        None => {
                            return Err(parse_error(
                                text,
                                vs,
                                format!("the double-quoted value of `{key}` is never closed"),
                                "add the closing `\"` (write `\\\"` for a quote inside the value)",
                            ));
                        }
                        Some(b'\\') => {
                            out.push_str(&text[lit..j]);
                            match b.get(j + 1) {
                                Some(b'n') => out.push('\n'),
                                Some(b'r') => out.push('\r'),
                                Some(b't') => out.push('\t'),
                                Some(b'"') => out.push('"'),
                                Some(b'\\') => out.push('\\'),
                                _ => out.push('\\'),
                            }
                            j += if matches!(b.get(j + 1), Some(b'n' | b'r' | b't' | b'"' | b'\\')) { 2 } else { 1 };
                            lit = j;
                        }
                        Some(b'"') => {
                            out.push_str(&text[lit..j]);
                            break;
                        }
                        Some(_) => j += 1,
                    }
                }
                (Quote::Double, out.replace("\r\n", "\n"), j + 1)
            }
            Some(b'\'') => {
                let Some(close) = text[vs + 1..].find('\'').map(|p| vs + 1 + p) else {
                    return Err(parse_error(
                        text,
                        vs,
                        format!("the single-quoted value of `{key}` is never closed"),
                        "add the closing `'` (a single-quoted value cannot hold a `'`: use double quotes)",
                    ));
                };
                (Quote::Single, text[vs + 1..close].replace("\r\n", "\n"), close + 1)
            }
            _ => {
                let raw = &text[vs..end];
                let cut = raw.find(" #").into_iter().chain(raw.find("\t#")).min().unwrap_or(raw.len());
                let v = raw[..cut].trim_end();
                (Quote::None, v.to_owned(), vs + v.len())
            }
        };
        let rest_end = eol(text, ve);
        let rest = text[ve..rest_end].trim_start_matches([' ', '\t']);
        if !rest.is_empty()
            && !(rest.starts_with('#') && (quote == Quote::None || rest.len() < text[ve..rest_end].len()))
        {
            return Err(parse_error(
                text,
                ve,
                format!("unexpected text after the quoted value of `{key}`"),
                "quote the whole value, or separate a comment with ` #`",
            ));
        }
        entries.push(Entry {
            key: key.to_owned(),
            line_start,
            key_start: at,
            key_end,
            value_start: vs,
            value_end: ve,
            quote,
            value,
            next: next_line(text, ve),
            export,
        });
        i = next_line(text, ve);
    }
    Ok(entries)
}

/// Writes `s` for a value that was quoted `old` way.
fn render(s: &str, old: Quote) -> String {
    let single_ok = !s.contains(['\'', '\n', '\r']);
    let double =
        || format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").replace('\r', "\\r"));
    match old {
        Quote::None if !s.contains([' ', '\t', '#', '"', '\'', '\n', '\r', '$', '`']) => s.to_owned(),
        Quote::None | Quote::Single if single_ok => format!("'{s}'"),
        _ => double(),
    }
}

fn valid_key(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

struct EnvEngine;

impl EnvEngine {
    /// The one entry named `key`, refusing a key defined several times.
    fn entry<'a>(text: &str, entries: &'a [Entry], key: &str) -> Result<Option<&'a Entry>, PatchError> {
        let hits: Vec<&Entry> = entries.iter().filter(|e| e.key == key).collect();
        if hits.len() > 1 {
            let lines: Vec<String> =
                hits.iter().map(|e| Location::of_byte(text, e.key_start).line.to_string()).collect();
            return Err(PatchError::new(
                PatchErrorKind::Unsupported,
                format!(
                    "`{key}` is defined {} times (lines {}), so the edit would be ambiguous",
                    hits.len(),
                    lines.join(" and ")
                ),
            )
            .at(Location::of_byte(text, hits[0].key_start))
            .hint(format!("remove the extra definitions of `{key}` first (loaders use the last one)")));
        }
        Ok(hits.first().copied())
    }

    fn key_of(path: &Pointer) -> Result<&str, PatchError> {
        match path.tokens.as_slice() {
            [k] => Ok(k),
            _ => Err(PatchError::new(
                PatchErrorKind::Unsupported,
                "a dotenv file can only be edited one `/KEY` at a time",
            )
            .hint("use paths such as /DATABASE_URL")),
        }
    }

    fn check_key(text: &str, key: &str) -> Result<(), PatchError> {
        if valid_key(key) {
            return Ok(());
        }
        Err(PatchError::new(PatchErrorKind::BadPatch, format!("`{key}` is not a valid dotenv key"))
            .at(Location::of_byte(text, text.len()))
            .hint("keys start with a letter or `_` and hold letters, digits, `_`, `.` or `-`"))
    }
}

impl Engine for EnvEngine {
    fn parse(&self, text: &str) -> Result<Value, PatchError> {
        parse_value(text)
    }

    fn locate(&self, text: &str, path: &Pointer) -> Option<usize> {
        match path.tokens.as_slice() {
            [] => Some(0),
            [k] => parse_entries(text).ok()?.iter().rev().find(|e| &e.key == k).map(|e| e.key_start),
            _ => None,
        }
    }

    fn exec(&self, text: &str, prim: &Prim) -> Result<Option<String>, PatchError> {
        let entries = parse_entries(text)?;
        let missing = |key: &str| {
            PatchError::new(PatchErrorKind::NotFound, format!("`{key}` is not defined in the file"))
                .at(Location { line: 1, column: 1 })
        };
        let splices = match prim {
            Prim::Replace { path, value } => {
                let key = Self::key_of(path)?;
                let e = Self::entry(text, &entries, key)?.ok_or_else(|| missing(key))?;
                let s = value.as_str().unwrap_or_default();
                vec![Splice::new(e.value_start, e.value_end, render(s, e.quote))]
            }
            Prim::Insert { parent, slot: Slot::Key(key), value } if parent.is_root() => {
                Self::check_key(text, key)?;
                let s = value.as_str().unwrap_or_default();
                let all = |q: Quote| !entries.is_empty() && entries.iter().all(|e| e.quote == q);
                let quote = if all(Quote::Double) {
                    Quote::Double
                } else if all(Quote::Single) {
                    Quote::Single
                } else {
                    Quote::None
                };
                let export = if !entries.is_empty() && entries.iter().all(|e| e.export) { "export " } else { "" };
                let eq = entries.last().map_or("=", |e| &text[e.key_end..e.value_start]);
                let line = format!("{export}{key}{eq}{}", render(s, quote));
                let nl = newline(text);
                if text.is_empty() {
                    vec![Splice::new(0, 0, format!("{line}{nl}"))]
                } else if text.ends_with('\n') {
                    vec![Splice::new(text.len(), text.len(), format!("{line}{nl}"))]
                } else {
                    vec![Splice::new(text.len(), text.len(), format!("{nl}{line}"))]
                }
            }
            Prim::Delete { path } => {
                let key = Self::key_of(path)?;
                let e = Self::entry(text, &entries, key)?.ok_or_else(|| missing(key))?;
                if e.next == text.len() && !text.ends_with('\n') && e.line_start > 0 {
                    // the last line has no newline: take the previous line's ending instead
                    let prev_end = eol(text, line_start(text, e.line_start - 1));
                    vec![Splice::new(prev_end, text.len(), "")]
                } else {
                    vec![Splice::new(e.line_start, e.next, "")]
                }
            }
            Prim::Rename { from, to, .. } => {
                Self::check_key(text, to)?;
                let e = Self::entry(text, &entries, from)?.ok_or_else(|| missing(from))?;
                vec![Splice::new(e.key_start, e.key_end, to.clone())]
            }
            Prim::Insert { .. } => {
                return Err(PatchError::new(
                    PatchErrorKind::Unsupported,
                    "a dotenv file can only be edited one `/KEY` at a time",
                )
                .at(Location { line: 1, column: 1 })
                .hint("use paths such as /DATABASE_URL, and string values"));
            }
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

    const ENV: &str = "# database\nDB_HOST=db.internal\nDB_PORT=5432 # default port\n\nexport API_KEY='abc def'\nGREETING=\"hello\\nworld\"\nEMPTY=\n";

    #[test]
    fn reads_every_value_as_a_string() {
        let v = parse_value(ENV).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"DB_HOST": "db.internal", "DB_PORT": "5432", "API_KEY": "abc def", "GREETING": "hello\nworld", "EMPTY": ""})
        );
        let v = parse_value("A=1\nA=2\n").unwrap();
        assert_eq!(v, serde_json::json!({"A": "2"}));
        let v = parse_value("CERT=\"line1\r\nline2\"\r\nB=x#y\r\n").unwrap();
        assert_eq!(v, serde_json::json!({"CERT": "line1\nline2", "B": "x#y"}));
    }

    #[test]
    fn replace_keeps_quoting_and_comments() {
        assert_eq!(ok(ENV, r#"[{"op":"replace","path":"/DB_PORT","value":"0"}]"#), ENV.replace("5432 #", "0 #"));
        assert_eq!(ok(ENV, r#"[{"op":"replace","path":"/API_KEY","value":"x"}]"#), ENV.replace("'abc def'", "'x'"));
        assert_eq!(
            ok(ENV, r#"[{"op":"replace","path":"/GREETING","value":"a \"b\""}]"#),
            ENV.replace("\"hello\\nworld\"", "\"a \\\"b\\\"\"")
        );
        // unquoted values get quotes only when they need them
        assert_eq!(
            ok(ENV, r#"[{"op":"replace","path":"/DB_HOST","value":"a b"}]"#),
            ENV.replace("db.internal", "'a b'")
        );
        assert_eq!(
            ok(ENV, r#"[{"op":"replace","path":"/DB_HOST","value":"it's"}]"#),
            ENV.replace("db.internal", "\"it's\"")
        );
        assert_eq!(ok(ENV, r#"[{"op":"replace","path":"/DB_HOST","value":""}]"#), ENV.replace("db.internal", ""));
        assert_eq!(
            ok(ENV, r#"[{"op":"replace","path":"/API_KEY","value":"l1\nl2"}]"#),
            ENV.replace("'abc def'", "\"l1\\nl2\"")
        );
        assert_eq!(ok(ENV, r#"[{"op":"replace","path":"/EMPTY","value":"x"}]"#), ENV.replace("EMPTY=", "EMPTY=x"));
    }

    #[test]
    fn add_appends_and_follows_habits() {
        assert_eq!(ok(ENV, r#"[{"op":"add","path":"/NEW","value":"1"}]"#), format!("{ENV}NEW=1\n"));
        assert_eq!(ok(ENV, r#"[{"op":"add","path":"/DB_PORT","value":"1"}]"#), ENV.replace("5432 #", "1 #"));
        assert_eq!(
            ok("export A=1\nexport B=2", r#"[{"op":"add","path":"/C","value":"3"}]"#),
            "export A=1\nexport B=2\nexport C=3"
        );
        assert_eq!(ok("A=\"1\"\r\n", r#"[{"op":"add","path":"/C","value":"3"}]"#), "A=\"1\"\r\nC=\"3\"\r\n");
        assert_eq!(ok("A = 1\n", r#"[{"op":"add","path":"/C","value":"x y"}]"#), "A = 1\nC = 'x y'\n");
        assert_eq!(ok("", r#"[{"op":"add","path":"/C","value":"3"}]"#), "C=3\n");
    }

    #[test]
    fn remove_move_copy_test() {
        assert_eq!(ok(ENV, r#"[{"op":"remove","path":"/DB_HOST"}]"#), ENV.replace("DB_HOST=db.internal\n", ""));
        assert_eq!(ok("A=1\r\nB=2", r#"[{"op":"remove","path":"/B"}]"#), "A=1");
        assert_eq!(ok("A=1\r\nB=2\r\n", r#"[{"op":"remove","path":"/A"}]"#), "B=2\r\n");
        assert_eq!(
            ok(ENV, r#"[{"op":"move","from":"/DB_HOST","path":"/DATABASE_HOST"}]"#),
            ENV.replace("DB_HOST=", "DATABASE_HOST=")
        );
        assert_eq!(
            ok(ENV, r#"[{"op":"move","from":"/DB_HOST","path":"/DB_PORT"}]"#),
            ENV.replace("DB_HOST=db.internal\n", "").replace("5432 #", "db.internal #")
        );
        assert_eq!(ok(ENV, r#"[{"op":"copy","from":"/DB_PORT","path":"/PORT"}]"#), format!("{ENV}PORT=5432\n"));
        assert_eq!(ok(ENV, r#"[{"op":"test","path":"/DB_PORT","value":"5432"}]"#), ENV);
        // multi-line values are replaced and removed whole
        let cert = "A=1\nCERT=\"-----BEGIN\nabc\n-----END\"\nB=2\n";
        assert_eq!(ok(cert, r#"[{"op":"remove","path":"/CERT"}]"#), "A=1\nB=2\n");
        assert_eq!(ok(cert, r#"[{"op":"replace","path":"/CERT","value":"x"}]"#), "A=1\nCERT=\"x\"\nB=2\n");
    }

    #[test]
    fn refusals() {
        let e = run(ENV, r#"[{"op":"replace","path":"/DB_PORT","value":0}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Unsupported);
        assert_eq!(
            e.to_string(),
            "3:1: operation 0 (`/DB_PORT`): the value for `DB_PORT` is a number (0), but dotenv values are strings\n  hint: write the value as a JSON string, e.g. \"0\""
        );
        let e = run("A=1\nB=2\nA=3\n", r#"[{"op":"replace","path":"/A","value":"0"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Unsupported);
        assert!(e.to_string().starts_with("1:1: operation 0 (`/A`): `A` is defined 2 times (lines 1 and 3)"), "{e}");
        let e = run(ENV, r#"[{"op":"add","path":"/DB_HOST/x","value":"0"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::NotAContainer);
        assert!(e.to_string().starts_with("2:1: operation 0 (`/DB_HOST/x`): `/DB_HOST` is a string"), "{e}");
        let e = run(ENV, r#"[{"op":"replace","path":"/DB_POTR","value":"0"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::NotFound);
        assert_eq!(
            e.to_string(),
            "1:1: operation 0 (`/DB_POTR`): the document has no key `DB_POTR`\n  hint: did you mean `DB_PORT`? keys are case-sensitive"
        );
        let e = run(ENV, r#"[{"op":"add","path":"/BAD KEY","value":"0"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::BadPatch);
        let e = run("A=1\nB='x\n", r#"[]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Parse);
        assert!(e.to_string().starts_with("2:3: the single-quoted value of `B` is never closed"), "{e}");
        let e = run("A=1\nnot an entry\n", r#"[]"#).unwrap_err();
        assert!(e.to_string().starts_with("2:1: line 2 is not a `KEY=value` entry"), "{e}");
        let bom = ok("\u{feff}A=1\n", r#"[{"op":"replace","path":"/A","value":"2"}]"#);
        assert_eq!(bom, "\u{feff}A=2\n");
        let e = run("A=\"x\" y\n", r#"[]"#).unwrap_err();
        assert!(e.to_string().starts_with("1:6: unexpected text after the quoted value of `A`"), "{e}");
    }
}
