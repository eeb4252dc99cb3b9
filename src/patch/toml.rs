//! TOML engine: `toml_edit` parses the file with the byte span of every key, value and table header; each
//! operation becomes a splice of the original text (re-serialising a `DocumentMut` would turn CRLF line
//! endings into LF and add a missing final newline), and the result is re-parsed and verified.
//!
//! The parsed document is the JSON form of the TOML data: tables (standard, dotted, implicit, inline) are
//! objects, arrays and arrays of tables are arrays. **Datetimes become strings** in RFC 3339 form, as
//! `toml_datetime` writes them (`1979-05-27T07:32:00Z`, `1979-05-27`, `07:32:00`): a `test` compares those
//! strings, and replacing a datetime with a string in that exact form keeps it a datetime (unquoted).
//! NaN and infinite floats have no JSON form: a file holding one is refused.
//!
//! - `replace` of a value splices its text only (its surrounding whitespace and comment stay); a string
//!   keeps its quote style (literal `'…'`, multi-line `"""…"""`/`'''…'''`) when the new value allows it.
//!   Replacing a `[table]` or `[[array of tables]]` with a table (or tables) edits only the keys that differ.
//! - `add` writes `key = value` on a new line after the table's last entry, with its siblings' indentation
//!   and ` = ` spacing (for a dotted table, `a.key = value`; for a table that only exists through
//!   `[a.b]` headers, a new `[a]` section). Objects and arrays are written inline (`{ k = v }`, `[1, 2]`).
//!   Arrays and inline tables get the entry inline, or on its own line in a multi-line array. Adding to an
//!   array of tables writes a new `[[name]]` section.
//! - `remove` deletes the entry's line(s); removing a table deletes its sections, the comment lines right
//!   above each header and one blank separator line.
//! - `move` to a new key of the same table renames the key in place.
//!
//! Refused, with the position: `null` (TOML has none), integers beyond 64 bits, removing the last key of a
//! dotted table or the last element of an array of tables (the key itself would vanish), and dotted keys
//! inside inline tables.

use std::ops::Range;

use serde_json::{Map, Number, Value};
use toml_edit::{ArrayOfTables, Document, Item, Table};

use super::engine::{self, Engine, Prim, Slot};
use super::layout::{self, Layout, Seq, Splice, eol, line_indent, line_start, newline, next_line};
use super::{Location, Patch, PatchError, PatchErrorKind, Pointer};

type TValue = toml_edit::Value;

pub(crate) fn apply(text: &str, patch: &Patch) -> Result<String, PatchError> {
    engine::run(&TomlEngine, text, patch, None)
}

pub(crate) fn parse_value(text: &str) -> Result<Value, PatchError> {
    let doc = parse_doc(text)?;
    table_json(text, doc.as_table())
}

fn parse_doc(text: &str) -> Result<Document<String>, PatchError> {
    Document::parse(text.to_owned()).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        PatchError::new(
            PatchErrorKind::Parse,
            format!("the file is not valid TOML: {}", crate::redact::secrets(e.message().trim_end())),
        )
        .at(Location::of_byte(text, at))
        .hint("fix the TOML syntax at that position")
    })
}

fn table_json(text: &str, t: &Table) -> Result<Value, PatchError> {
    let mut m = Map::new();
    for (k, item) in t.iter() {
        m.insert(k.to_owned(), item_json(text, item)?);
    }
    Ok(Value::Object(m))
}

fn item_json(text: &str, item: &Item) -> Result<Value, PatchError> {
    match item {
        Item::None => Ok(Value::Null),
        Item::Value(v) => value_json(text, v),
        Item::Table(t) => table_json(text, t),
        Item::ArrayOfTables(a) => Ok(Value::Array(a.iter().map(|t| table_json(text, t)).collect::<Result<_, _>>()?)),
    }
}

fn value_json(text: &str, v: &TValue) -> Result<Value, PatchError> {
    Ok(match v {
        TValue::String(s) => Value::String(s.value().clone()),
        TValue::Integer(i) => Value::from(*i.value()),
        TValue::Float(f) => match Number::from_f64(*f.value()) {
            Some(n) => Value::Number(n),
            None => {
                let span = v.span().unwrap_or(0..0);
                return Err(PatchError::new(
                    PatchErrorKind::Unsupported,
                    format!(
                        "the float `{}` is not a finite number, which JSON cannot represent",
                        crate::redact::excerpt(&text[span.clone()])
                    ),
                )
                .at(Location::of_byte(text, span.start))
                .hint("the engine needs every value in JSON form; edit this file by hand or with the text format"));
            }
        },
        TValue::Boolean(b) => Value::Bool(*b.value()),
        TValue::Datetime(d) => Value::String(d.value().to_string()),
        TValue::Array(a) => Value::Array(a.iter().map(|x| value_json(text, x)).collect::<Result<_, _>>()?),
        TValue::InlineTable(t) => {
            let mut m = Map::new();
            for (k, x) in t.iter() {
                m.insert(k.to_owned(), value_json(text, x)?);
            }
            Value::Object(m)
        }
    })
}

// ---------------------------------------------------------------------------------------------------------
// Navigation.

#[derive(Clone, Copy)]
enum Node<'a> {
    Table(&'a Table),
    Aot(&'a ArrayOfTables),
    Value(&'a TValue),
}

fn item_node(item: &Item) -> Option<Node<'_>> {
    match item {
        Item::Table(t) => Some(Node::Table(t)),
        Item::ArrayOfTables(a) => Some(Node::Aot(a)),
        Item::Value(v) => Some(Node::Value(v)),
        Item::None => None,
    }
}

fn child<'a>(node: Node<'a>, tok: &str) -> Option<Node<'a>> {
    match node {
        Node::Table(t) => t.get(tok).and_then(item_node),
        Node::Aot(a) => a.get(Pointer::array_index(tok)?).map(Node::Table),
        Node::Value(TValue::Array(a)) => a.get(Pointer::array_index(tok)?).map(Node::Value),
        Node::Value(TValue::InlineTable(t)) => t.get(tok).map(Node::Value),
        Node::Value(_) => None,
    }
}

/// The nodes from the root to `path` (inclusive): `chain[i]` is the parent of `path.tokens[i]`.
fn chain<'a>(root: &'a Table, path: &Pointer) -> Option<Vec<Node<'a>>> {
    let mut out = vec![Node::Table(root)];
    for tok in &path.tokens {
        out.push(child(out[out.len() - 1], tok)?);
    }
    Some(out)
}

fn key_span(parent: Node<'_>, tok: &str) -> Option<Range<usize>> {
    match parent {
        Node::Table(t) => t.key(tok)?.span(),
        Node::Value(TValue::InlineTable(t)) => t.key(tok)?.span(),
        _ => None,
    }
}

fn is_header(t: &Table) -> bool {
    !t.is_dotted() && !t.is_implicit()
}

fn node_start(node: Node<'_>) -> Option<usize> {
    match node {
        Node::Table(t) if is_header(t) => t.span().map(|s| s.start),
        Node::Aot(a) => a.get(0)?.span().map(|s| s.start),
        Node::Value(v) => v.span().map(|s| s.start),
        Node::Table(_) => None,
    }
}

/// The (leaf key span, value span) of the table's entry that ends last, through dotted sub-tables.
fn last_kv(t: &Table) -> Option<(Range<usize>, Range<usize>)> {
    t.iter()
        .filter_map(|(k, item)| match item {
            Item::Value(v) => Some((t.key(k)?.span()?, v.span()?)),
            Item::Table(st) if st.is_dotted() => last_kv(st),
            _ => None,
        })
        .max_by_key(|(_, v)| v.end)
}

/// Every entry line of a dotted table, as (leaf key span, value span).
fn all_kvs(t: &Table, out: &mut Vec<(Range<usize>, Range<usize>)>) {
    for (k, item) in t.iter() {
        match item {
            Item::Value(v) => {
                if let (Some(ks), Some(vs)) = (t.key(k).and_then(|k| k.span()), v.span()) {
                    out.push((ks, vs));
                }
            }
            Item::Table(st) if st.is_dotted() => all_kvs(st, out),
            _ => {}
        }
    }
}

/// The sections (header line to the end of its last entry's line) of a header or implicit table and of all
/// its descendant tables.
fn sections(text: &str, t: &Table, out: &mut Vec<Range<usize>>) {
    if is_header(t)
        && let Some(span) = t.span()
    {
        let end = last_kv(t).map_or(span.end, |(_, v)| v.end.max(span.end));
        out.push(line_start(text, span.start)..next_line(text, end));
    }
    for (_, item) in t.iter() {
        match item {
            Item::Table(st) if !st.is_dotted() => sections(text, st, out),
            Item::ArrayOfTables(a) => a.iter().for_each(|el| sections(text, el, out)),
            _ => {}
        }
    }
}

/// Moves a line start up over the comment lines directly above it.
fn block_start(text: &str, mut s: usize) -> usize {
    while s > 0 {
        let prev = line_start(text, s - 1);
        if text[prev..s].trim_start().starts_with('#') {
            s = prev;
        } else {
            break;
        }
    }
    s
}

fn is_blank_line(text: &str, start: usize) -> bool {
    start < text.len() && text[start..eol(text, start)].trim().is_empty()
}

/// Splices deleting `ranges` (whole lines): overlapping ranges are merged first, and when the last one
/// ends the file without a final newline, the line ending before it goes instead, so the absence of a
/// final newline is kept.
fn delete_ranges(text: &str, mut ranges: Vec<Range<usize>>) -> Vec<Splice> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    if let Some(last) = merged.last_mut()
        && last.end == text.len()
        && !text.ends_with('\n')
        && last.start > 0
    {
        last.start = eol(text, line_start(text, last.start - 1));
    }
    merged.into_iter().map(|r| Splice::new(r.start, r.end, "")).collect()
}

/// A section with the comments right above its header and one blank separator line.
fn section_range(text: &str, r: &Range<usize>) -> Range<usize> {
    let mut s = block_start(text, r.start);
    let mut e = r.end;
    if s > 0 && is_blank_line(text, line_start(text, s - 1)) {
        s = line_start(text, s - 1);
    } else if is_blank_line(text, e) {
        e = next_line(text, e);
    }
    s..e
}

/// Inserts `line` as a new line after the line holding `pos`.
fn line_after(text: &str, pos: usize, line: &str, nl: &str) -> Splice {
    let at = next_line(text, pos);
    if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        Splice::new(at, at, format!("{nl}{line}"))
    } else {
        Splice::new(at, at, format!("{line}{nl}"))
    }
}

// ---------------------------------------------------------------------------------------------------------
// Rendering.

/// Escapes `s` for the inside of a basic string (`"…"`).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn basic(s: &str) -> String {
    format!("\"{}\"", escape(s))
}

fn key_repr(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_owned()
    } else {
        basic(k)
    }
}

/// Whether every line break in `s` is the file's own (`nl`), so it can be written raw in a multi-line string.
fn native_breaks(s: &str, nl: &str) -> bool {
    if nl == "\n" {
        return !s.contains('\r');
    }
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, &c)| match c {
        b'\n' => i > 0 && b[i - 1] == b'\r',
        b'\r' => b.get(i + 1) == Some(&b'\n'),
        _ => true,
    })
}

/// A string in the quote style of `old` (the raw text of the value it replaces) when `s` allows it.
fn render_string(s: &str, old: &str, nl: &str) -> String {
    let plain = |extra: &[char]| s.chars().all(|c| c == '\t' || extra.contains(&c) || !c.is_control());
    let native = native_breaks(s, nl);
    for delim in ["'''", "\"\"\""] {
        let Some(rest) = old.strip_prefix(delim) else { continue };
        // a line break right after the opening delimiter is not part of the value: keep it, and add one
        // when the value itself starts with a line break
        let lead = if rest.starts_with("\r\n") {
            "\r\n"
        } else if rest.starts_with('\n') || s.starts_with(['\r', '\n']) {
            if nl == "\r\n" { "\r\n" } else { "\n" }
        } else {
            ""
        };
        if delim == "'''" && native && plain(&['\n', '\r']) && !s.contains("'''") && !s.ends_with('\'') {
            return format!("'''{lead}{s}'''");
        }
        if delim == "\"\"\"" {
            // the file's own line breaks stay raw; any other (a lone `\n` in a CRLF file) is escaped
            let body = s.split(nl).map(escape).collect::<Vec<_>>().join(nl);
            return format!("\"\"\"{lead}{body}\"\"\"");
        }
    }
    if old.starts_with('\'') && !old.starts_with("'''") && plain(&[]) && !s.contains('\'') {
        return format!("'{s}'");
    }
    basic(s)
}

/// The TOML form of a JSON value, or what makes it impossible.
fn to_toml(v: &Value) -> Result<TValue, String> {
    Ok(match v {
        Value::Null => return Err("null, and TOML has no null".into()),
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into(),
            (None, _) if n.is_u64() => return Err(format!("{n}, larger than TOML's 64-bit integers")),
            (None, Some(f)) => f.into(),
            (None, None) => return Err(format!("{n}, which TOML cannot hold")),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(a) => {
            let mut arr = toml_edit::Array::new();
            for x in a {
                arr.push(to_toml(x)?);
            }
            TValue::Array(arr)
        }
        Value::Object(m) => {
            let mut t = toml_edit::InlineTable::new();
            for (k, x) in m {
                t.insert(k, to_toml(x)?);
            }
            TValue::InlineTable(t)
        }
    })
}

fn render(text: &str, at: usize, path: &Pointer, v: &Value) -> Result<String, PatchError> {
    match v {
        Value::String(s) => Ok(basic(s)),
        v => to_toml(v).map(|t| t.to_string()).map_err(|why| {
            PatchError::new(PatchErrorKind::Unsupported, format!("`{path}` cannot be set to {why}"))
                .at(Location::of_byte(text, at))
                .hint(
                    "remove the key instead, or use a value TOML can hold (a string, number, boolean, array or table)",
                )
        }),
    }
}

/// The text replacing the value `old`.
fn render_replacement(
    text: &str,
    old: &TValue,
    span: &Range<usize>,
    path: &Pointer,
    v: &Value,
) -> Result<String, PatchError> {
    match (old, v) {
        (TValue::String(_), Value::String(s)) => Ok(render_string(s, &text[span.clone()], newline(text))),
        (TValue::Datetime(_), Value::String(s))
            if s.parse::<toml_edit::Datetime>().is_ok_and(|d| d.to_string() == *s) =>
        {
            Ok(s.clone())
        }
        _ => render(text, span.start, path, v),
    }
}

// ---------------------------------------------------------------------------------------------------------
// The engine.

struct TomlEngine;

fn lost(text: &str, path: &Pointer) -> PatchError {
    PatchError::new(PatchErrorKind::Verification, format!("the engine lost track of `{path}` while editing"))
        .at(Location::of_byte(text, 0))
        .hint("this is a limitation of the format-preserving editor; please report it with the file and the patch")
}

fn unsupported(text: &str, at: usize, msg: String, hint: &str) -> PatchError {
    PatchError::new(PatchErrorKind::Unsupported, msg).at(Location::of_byte(text, at)).hint(hint.to_owned())
}

/// `a.b."c d"`: the header path of a table (array-of-tables indexes dropped).
fn header_path(path: &Pointer, chain: &[Node<'_>]) -> String {
    path.tokens
        .iter()
        .enumerate()
        .filter(|(i, _)| !matches!(chain[*i], Node::Aot(_)))
        .map(|(_, t)| key_repr(t))
        .collect::<Vec<_>>()
        .join(".")
}

fn table_seq(node: &TValue) -> Option<Seq> {
    let span = node.span()?;
    let elems = match node {
        TValue::Array(a) => a.iter().map(|v| v.span().map(|s| (s.start, s.end))).collect::<Option<Vec<_>>>()?,
        TValue::InlineTable(t) => {
            t.iter().map(|(k, v)| Some((t.key(k)?.span()?.start, v.span()?.end))).collect::<Option<Vec<_>>>()?
        }
        _ => return None,
    };
    Some(Seq { open: span.start, close: span.end - 1, elems, comment: Some(b'#') })
}

impl TomlEngine {
    /// Replacing a table or an array of tables: only the entries that differ are edited.
    fn sync(&self, text: &str, path: &Pointer, chain: &[Node<'_>], value: &Value) -> Result<Vec<Prim>, PatchError> {
        let target = chain[chain.len() - 1];
        let old = match target {
            Node::Table(t) => table_json(text, t)?,
            Node::Aot(a) => Value::Array(a.iter().map(|t| table_json(text, t)).collect::<Result<_, _>>()?),
            Node::Value(_) => return Ok(Vec::new()),
        };
        let sub = |k: &str| {
            let mut p = path.clone();
            p.push(k);
            p
        };
        let mut prims = Vec::new();
        match (target, &old, value) {
            (Node::Table(_), Value::Object(o), Value::Object(n)) => {
                prims.extend(o.keys().filter(|k| !n.contains_key(*k)).map(|k| Prim::Delete { path: sub(k) }));
                for (k, v) in n {
                    match o.get(k) {
                        Some(ov) if ov == v => {}
                        Some(_) => prims.push(Prim::Replace { path: sub(k), value: v.clone() }),
                        None => prims.push(Prim::Insert {
                            parent: path.clone(),
                            slot: Slot::Key(k.clone()),
                            value: v.clone(),
                        }),
                    }
                }
            }
            (Node::Aot(_), Value::Array(o), Value::Array(n)) if !n.is_empty() && n.iter().all(Value::is_object) => {
                for (i, (ov, nv)) in o.iter().zip(n).enumerate() {
                    if ov != nv {
                        prims.push(Prim::Replace { path: sub(&i.to_string()), value: nv.clone() });
                    }
                }
                for i in (n.len()..o.len()).rev() {
                    prims.push(Prim::Delete { path: sub(&i.to_string()) });
                }
                for (i, nv) in n.iter().enumerate().skip(o.len()) {
                    prims.push(Prim::Insert { parent: path.clone(), slot: Slot::Index(i), value: nv.clone() });
                }
            }
            _ => {
                let at = node_start(target).unwrap_or(0);
                let Some((parent, key)) = path.split_last() else {
                    return Err(unsupported(
                        text,
                        0,
                        "a TOML document is a table, so it can only be replaced by an object".into(),
                        "replace keys inside the document instead",
                    ));
                };
                if matches!(chain[chain.len() - 2], Node::Aot(_)) {
                    return Err(unsupported(
                        text,
                        at,
                        format!(
                            "`{path}` is a [[table]] of an array of tables, so it can only be replaced by an object"
                        ),
                        "write the new element as a JSON object",
                    ));
                }
                prims.push(Prim::Delete { path: path.clone() });
                prims.push(Prim::Insert { parent, slot: Slot::Key(key.to_owned()), value: value.clone() });
            }
        }
        Ok(prims)
    }

    fn insert(
        &self,
        text: &str,
        root: &Table,
        parent: &Pointer,
        slot: &Slot,
        value: &Value,
    ) -> Result<Vec<Splice>, PatchError> {
        let nl = newline(text);
        let ch = chain(root, parent).ok_or_else(|| lost(text, parent))?;
        let node = ch[ch.len() - 1];
        let here = node_start(node).unwrap_or(0);
        let mut target = parent.clone();
        match slot {
            Slot::Key(k) => target.push(k.clone()),
            Slot::Index(i) => target.push(i.to_string()),
        }
        match (node, slot) {
            (Node::Table(t), Slot::Key(k)) => {
                let rendered = render(text, here, &target, value)?;
                let kv = last_kv(t);
                let eq = kv
                    .as_ref()
                    .map(|(k, v)| &text[k.end..v.start])
                    .filter(|e| e.trim() == "=" && !e.contains('\n'))
                    .unwrap_or(" = ");
                let key = key_repr(k);
                if ch.len() > 1 && t.is_dotted() {
                    // a dotted table lives in its section's lines: `a.b.key = value`
                    let section = ch.iter().rposition(|n| matches!(n, Node::Table(t) if !t.is_dotted())).unwrap_or(0);
                    let prefix: Vec<String> = parent.tokens[section..].iter().map(|t| key_repr(t)).collect();
                    let Some((ks, vs)) = kv else { return Err(lost(text, parent)) };
                    let line = format!("{}{}.{key}{eq}{rendered}", line_indent(text, ks.start), prefix.join("."));
                    return Ok(vec![line_after(text, vs.end, &line, nl)]);
                }
                if ch.len() > 1 && t.is_implicit() {
                    // no section of its own yet: open one before its first sub-table
                    let mut secs = Vec::new();
                    sections(text, t, &mut secs);
                    let Some(first) = secs.iter().map(|r| r.start).min() else { return Err(lost(text, parent)) };
                    let s = block_start(text, first);
                    let header = header_path(parent, &ch);
                    return Ok(vec![Splice::new(s, s, format!("[{header}]{nl}{key}{eq}{rendered}{nl}{nl}"))]);
                }
                match kv {
                    Some((ks, vs)) => {
                        let line = format!("{}{key}{eq}{rendered}", line_indent(text, ks.start));
                        Ok(vec![line_after(text, vs.end, &line, nl)])
                    }
                    None if ch.len() > 1 => {
                        let span = t.span().ok_or_else(|| lost(text, parent))?;
                        let line = format!("{}{key}{eq}{rendered}", line_indent(text, span.start));
                        Ok(vec![line_after(text, span.end, &line, nl)])
                    }
                    None => {
                        // a root without entries: before the first section, or at the end of a file of comments
                        let mut secs = Vec::new();
                        for (_, item) in t.iter() {
                            match item {
                                Item::Table(st) if !st.is_dotted() => sections(text, st, &mut secs),
                                Item::ArrayOfTables(a) => a.iter().for_each(|el| sections(text, el, &mut secs)),
                                _ => {}
                            }
                        }
                        let line = format!("{key}{eq}{rendered}");
                        Ok(match secs.iter().map(|r| r.start).min() {
                            Some(first) => {
                                let s = block_start(text, first);
                                vec![Splice::new(s, s, format!("{line}{nl}{nl}"))]
                            }
                            None if text.is_empty() || text.ends_with('\n') => {
                                vec![Splice::new(text.len(), text.len(), format!("{line}{nl}"))]
                            }
                            None => vec![Splice::new(text.len(), text.len(), format!("{nl}{line}"))],
                        })
                    }
                }
            }
            (Node::Aot(a), Slot::Index(i)) => {
                let Value::Object(m) = value else {
                    return Err(unsupported(
                        text,
                        here,
                        format!(
                            "`{parent}` is an array of tables, which can only hold tables, not a {}",
                            engine::type_name(value)
                        ),
                        "add a JSON object, or replace the whole array",
                    ));
                };
                let eq = a
                    .iter()
                    .filter_map(last_kv)
                    .map(|(k, v)| &text[k.end..v.start])
                    .find(|e| e.trim() == "=" && !e.contains('\n'))
                    .unwrap_or(" = ");
                let mut element = format!("[[{}]]{nl}", header_path(parent, &ch));
                for (k, v) in m {
                    let mut p = target.clone();
                    p.push(k.clone());
                    element.push_str(&format!("{}{eq}{}{nl}", key_repr(k), render(text, here, &p, v)?));
                }
                let header_start = |el: &Table| el.span().map(|s| line_start(text, s.start));
                let separated =
                    a.iter().filter_map(header_start).any(|s| s > 0 && is_blank_line(text, line_start(text, s - 1)));
                let sep = if separated { nl } else { "" };
                if let Some(el) = a.get(*i) {
                    let s = block_start(text, header_start(el).ok_or_else(|| lost(text, parent))?);
                    return Ok(vec![Splice::new(s, s, format!("{element}{sep}"))]);
                }
                let mut secs = Vec::new();
                if let Some(last) = a.get(a.len().saturating_sub(1)) {
                    sections(text, last, &mut secs);
                }
                let end = secs.iter().map(|r| r.end).max().ok_or_else(|| lost(text, parent))?;
                if end == text.len() && !text.ends_with('\n') {
                    let element = element.strip_suffix(nl).unwrap_or(&element);
                    return Ok(vec![Splice::new(end, end, format!("{nl}{sep}{element}"))]);
                }
                Ok(vec![Splice::new(end, end, format!("{sep}{element}"))])
            }
            (Node::Value(v @ (TValue::Array(_) | TValue::InlineTable(_))), _) => {
                let seq = table_seq(v).ok_or_else(|| {
                    unsupported(
                        text,
                        here,
                        format!("`{parent}` holds dotted keys inside an inline table, which the engine does not edit"),
                        "write the inline table's keys without dots, or edit it by hand",
                    )
                })?;
                let (pad, comma) = seq.inline_spacing(text);
                let is_table = matches!(v, TValue::InlineTable(_));
                let pad = pad.unwrap_or_else(|| if is_table { " ".into() } else { String::new() });
                let comma = comma.unwrap_or_else(|| " ".into());
                let rendered = render(text, here, &target, value)?;
                let (idx, entry) = match (slot, v) {
                    (Slot::Key(k), TValue::InlineTable(t)) => (t.len(), format!("{} = {rendered}", key_repr(k))),
                    (Slot::Index(i), TValue::Array(_)) => (*i, rendered),
                    _ => return Err(lost(text, parent)),
                };
                let entry_for = |_: Layout| entry.clone();
                Ok(seq.insert(text, idx, nl, "    ", &comma, &pad, &entry_for))
            }
            _ => Err(lost(text, parent)),
        }
    }

    fn delete(&self, text: &str, root: &Table, path: &Pointer) -> Result<Vec<Splice>, PatchError> {
        let Some((parent, tok)) = path.split_last() else { return Err(lost(text, path)) };
        let ch = chain(root, &parent).ok_or_else(|| lost(text, path))?;
        let pnode = ch[ch.len() - 1];
        let target = child(pnode, tok).ok_or_else(|| lost(text, path))?;
        let at = key_span(pnode, tok).map(|s| s.start).or_else(|| node_start(target)).unwrap_or(0);
        match pnode {
            Node::Table(pt) => {
                if ch.len() > 1 && !is_header(pt) && pt.iter().count() == 1 {
                    return Err(unsupported(
                        text,
                        at,
                        format!(
                            "`{tok}` is the last key of `{parent}`, which has no [header] of its own, so removing it would remove `{parent}` too"
                        ),
                        "remove the parent instead, or replace it with {}",
                    ));
                }
                match target {
                    Node::Value(v) => {
                        let ks = key_span(pnode, tok).ok_or_else(|| lost(text, path))?;
                        let vs = v.span().ok_or_else(|| lost(text, path))?;
                        let line = line_start(text, ks.start)..next_line(text, vs.end);
                        Ok(delete_ranges(text, std::iter::once(line).collect()))
                    }
                    Node::Table(t) if t.is_dotted() => {
                        let mut kvs = Vec::new();
                        all_kvs(t, &mut kvs);
                        Ok(delete_ranges(
                            text,
                            kvs.iter().map(|(k, v)| line_start(text, k.start)..next_line(text, v.end)).collect(),
                        ))
                    }
                    Node::Table(t) => {
                        let mut secs = Vec::new();
                        sections(text, t, &mut secs);
                        Ok(delete_ranges(text, secs.iter().map(|r| section_range(text, r)).collect()))
                    }
                    Node::Aot(a) => {
                        let mut secs = Vec::new();
                        a.iter().for_each(|el| sections(text, el, &mut secs));
                        Ok(delete_ranges(text, secs.iter().map(|r| section_range(text, r)).collect()))
                    }
                }
            }
            Node::Aot(a) => {
                if a.len() == 1 {
                    return Err(unsupported(
                        text,
                        at,
                        format!(
                            "`{path}` is the only [[table]] of `{parent}`, and TOML cannot write an empty array of tables this way"
                        ),
                        &format!("replace `{parent}` with [] instead"),
                    ));
                }
                let Node::Table(el) = target else { return Err(lost(text, path)) };
                let mut secs = Vec::new();
                sections(text, el, &mut secs);
                Ok(delete_ranges(text, secs.iter().map(|r| section_range(text, r)).collect()))
            }
            Node::Value(v) => {
                let seq = table_seq(v).ok_or_else(|| {
                    unsupported(
                        text,
                        at,
                        format!("`{parent}` holds dotted keys inside an inline table, which the engine does not edit"),
                        "write the inline table's keys without dots, or edit it by hand",
                    )
                })?;
                let idx = match v {
                    TValue::Array(_) => Pointer::array_index(tok),
                    TValue::InlineTable(t) => t.iter().position(|(k, _)| k == tok),
                    _ => None,
                };
                let idx = idx.filter(|&i| i < seq.elems.len()).ok_or_else(|| lost(text, path))?;
                Ok(seq.remove(text, idx))
            }
        }
    }
}

impl Engine for TomlEngine {
    fn parse(&self, text: &str) -> Result<Value, PatchError> {
        parse_value(text)
    }

    fn locate(&self, text: &str, path: &Pointer) -> Option<usize> {
        let doc = parse_doc(text).ok()?;
        let ch = chain(doc.as_table(), path)?;
        let Some((_, last)) = path.split_last() else { return Some(0) };
        key_span(ch[ch.len() - 2], last).map(|s| s.start).or_else(|| node_start(ch[ch.len() - 1])).or(Some(0))
    }

    fn exec(&self, text: &str, prim: &Prim) -> Result<Option<String>, PatchError> {
        let doc = parse_doc(text)?;
        let root = doc.as_table();
        let splices = match prim {
            Prim::Replace { path, value } => {
                let ch = chain(root, path).ok_or_else(|| lost(text, path))?;
                match ch[ch.len() - 1] {
                    Node::Value(v) => {
                        let span = v.span().ok_or_else(|| lost(text, path))?;
                        vec![Splice::new(span.start, span.end, render_replacement(text, v, &span, path, value)?)]
                    }
                    Node::Table(_) | Node::Aot(_) => {
                        let prims = self.sync(text, path, &ch, value)?;
                        return engine::exec_all(self, text, &Value::Null, prims).map(Some);
                    }
                }
            }
            Prim::Insert { parent, slot, value } => self.insert(text, root, parent, slot, value)?,
            Prim::Delete { path } => self.delete(text, root, path)?,
            Prim::Rename { parent, from, to } => {
                let ch = chain(root, parent).ok_or_else(|| lost(text, parent))?;
                let pnode = ch[ch.len() - 1];
                let is_value = matches!(child(pnode, from), Some(Node::Value(_)));
                match key_span(pnode, from) {
                    Some(ks) if is_value => vec![Splice::new(ks.start, ks.end, key_repr(to))],
                    _ => return Ok(None),
                }
            }
        };
        Ok(Some(layout::apply(text, splices)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run(text: &str, ops: &str) -> Result<String, PatchError> {
        apply(text, &serde_json::from_str(ops).unwrap())
    }

    fn ok(text: &str, ops: &str) -> String {
        run(text, ops).unwrap_or_else(|e| panic!("{e}"))
    }

    const CONF: &str = r#"# service config
title = "api" # shown in logs
port = 8080
tags = ["a", "b"]
limits = { cpu = 2, mem = "1Gi" }

[database]
  host = 'db.internal'
  pool.size = 10
  started = 1979-05-27T07:32:00Z

# replicas
[[replica]]
name = "r1"

[[replica]]
name = "r2"

[cache.redis]
url = "redis://cache"
"#;

    #[test]
    fn reads_toml_as_json() {
        let v = parse_value(CONF).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "title": "api", "port": 8080, "tags": ["a", "b"], "limits": {"cpu": 2, "mem": "1Gi"},
                "database": {"host": "db.internal", "pool": {"size": 10}, "started": "1979-05-27T07:32:00Z"},
                "replica": [{"name": "r1"}, {"name": "r2"}],
                "cache": {"redis": {"url": "redis://cache"}}
            })
        );
        let e = parse_value("a = nan\n").unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Unsupported);
        assert!(e.to_string().starts_with("1:5: the float `nan` is not a finite number"), "{e}");
        let e = parse_value("a = \n").unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Parse);
        assert!(e.to_string().starts_with("1:5: the file is not valid TOML"), "{e}");
    }

    #[test]
    fn replace_keeps_decor_and_quotes() {
        assert_eq!(ok(CONF, r#"[{"op":"replace","path":"/port","value":0}]"#), CONF.replace("port = 8080", "port = 0"));
        assert_eq!(ok(CONF, r#"[{"op":"replace","path":"/title","value":"0"}]"#), CONF.replace("\"api\" #", "\"0\" #"));
        assert_eq!(
            ok(CONF, r#"[{"op":"replace","path":"/database/host","value":"x"}]"#),
            CONF.replace("'db.internal'", "'x'")
        );
        // a literal string cannot hold a quote: basic string then
        assert_eq!(
            ok(CONF, r#"[{"op":"replace","path":"/database/host","value":"it's"}]"#),
            CONF.replace("'db.internal'", "\"it's\"")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"replace","path":"/database/pool/size","value":0}]"#),
            CONF.replace("size = 10", "size = 0")
        );
        assert_eq!(ok(CONF, r#"[{"op":"replace","path":"/tags/1","value":"c"}]"#), CONF.replace("\"b\"]", "\"c\"]"));
        assert_eq!(
            ok(CONF, r#"[{"op":"replace","path":"/limits/mem","value":"0"}]"#),
            CONF.replace("\"1Gi\"", "\"0\"")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"replace","path":"/replica/1/name","value":"r9"}]"#),
            CONF.replace("\"r2\"", "\"r9\"")
        );
        // a datetime stays a datetime
        assert_eq!(
            ok(CONF, r#"[{"op":"replace","path":"/database/started","value":"2001-01-01T00:00:00Z"}]"#),
            CONF.replace("1979-05-27T07:32:00Z", "2001-01-01T00:00:00Z")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"replace","path":"/port","value":{"http":80,"tls":[443]}}]"#),
            CONF.replace("port = 8080", "port = { http = 80, tls = [443] }")
        );
        assert_eq!(ok("s = '''\nx'''\n", r#"[{"op":"replace","path":"/s","value":"a\nb"}]"#), "s = '''\na\nb'''\n");
        assert_eq!(
            ok("s = \"\"\"x\"\"\"\n", r#"[{"op":"replace","path":"/s","value":"a\"\nb"}]"#),
            "s = \"\"\"a\\\"\nb\"\"\"\n"
        );
    }

    #[test]
    fn add_writes_native_lines() {
        assert_eq!(
            ok(CONF, r#"[{"op":"add","path":"/database/timeout","value":"5s"}]"#),
            CONF.replace("07:32:00Z\n", "07:32:00Z\n  timeout = \"5s\"\n")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"add","path":"/debug","value":false}]"#),
            CONF.replace("\"1Gi\" }\n", "\"1Gi\" }\ndebug = false\n")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"add","path":"/database/pool/min","value":1}]"#),
            CONF.replace("size = 10\n", "size = 10\n  pool.min = 1\n")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"add","path":"/replica/0/zone","value":"a"}]"#),
            CONF.replace("\"r1\"\n", "\"r1\"\nzone = \"a\"\n")
        );
        assert_eq!(ok(CONF, r#"[{"op":"add","path":"/tags/-","value":"c"}]"#), CONF.replace("\"b\"]", "\"b\", \"c\"]"));
        assert_eq!(ok(CONF, r#"[{"op":"add","path":"/tags/0","value":"z"}]"#), CONF.replace("[\"a\"", "[\"z\", \"a\""));
        assert_eq!(
            ok(CONF, r#"[{"op":"add","path":"/limits/gpu","value":0}]"#),
            CONF.replace("\"1Gi\" }", "\"1Gi\", gpu = 0 }")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"add","path":"/cache/ttl","value":60}]"#),
            CONF.replace("[cache.redis]", "[cache]\nttl = 60\n\n[cache.redis]")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"add","path":"/replica/-","value":{"name":"r3","weight":2}}]"#),
            CONF.replace("\"r2\"\n", "\"r2\"\n\n[[replica]]\nname = \"r3\"\nweight = 2\n")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"add","path":"/replica/0","value":{"name":"r0"}}]"#),
            CONF.replace("# replicas\n[[replica]]", "[[replica]]\nname = \"r0\"\n\n# replicas\n[[replica]]")
        );
        assert_eq!(ok(CONF, r#"[{"op":"add","path":"/port","value":1}]"#), CONF.replace("port = 8080", "port = 1"));
        assert_eq!(ok("[a]\n", r#"[{"op":"add","path":"/x","value":"1"}]"#), "x = \"1\"\n\n[a]\n");
        assert_eq!(ok("[a]\n", r#"[{"op":"add","path":"/a/k","value":[]}]"#), "[a]\nk = []\n");
        assert_eq!(
            ok("a = [\n    1,\n    2,\n]\n", r#"[{"op":"add","path":"/a/-","value":3}]"#),
            "a = [\n    1,\n    2,\n    3,\n]\n"
        );
        assert_eq!(
            ok("a = [\n  1, # one\n  2 # two\n]\n", r#"[{"op":"add","path":"/a/-","value":3}]"#),
            "a = [\n  1, # one\n  2, # two\n  3\n]\n"
        );
        assert_eq!(
            ok("\"my key\" = 1\n", r#"[{"op":"add","path":"/a.b","value":2}]"#),
            "\"my key\" = 1\n\"a.b\" = 2\n"
        );
    }

    #[test]
    fn remove_deletes_lines_and_sections() {
        assert_eq!(ok(CONF, r#"[{"op":"remove","path":"/port"}]"#), CONF.replace("port = 8080\n", ""));
        assert_eq!(
            ok(CONF, r#"[{"op":"remove","path":"/database/host"}]"#),
            CONF.replace("  host = 'db.internal'\n", "")
        );
        assert_eq!(ok(CONF, r#"[{"op":"remove","path":"/tags/0"}]"#), CONF.replace("[\"a\", \"b\"]", "[\"b\"]"));
        assert_eq!(ok(CONF, r#"[{"op":"remove","path":"/limits/cpu"}]"#), CONF.replace("cpu = 2, ", ""));
        assert_eq!(
            ok(CONF, r#"[{"op":"remove","path":"/replica/1"}]"#),
            CONF.replace("\n[[replica]]\nname = \"r2\"\n", "")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"remove","path":"/replica"}]"#),
            CONF.replace("\n# replicas\n[[replica]]\nname = \"r1\"\n\n[[replica]]\nname = \"r2\"\n", "")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"remove","path":"/cache"}]"#),
            CONF.replace("\n[cache.redis]\nurl = \"redis://cache\"\n", "")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"remove","path":"/database"}]"#),
            CONF.replace(
                "\n[database]\n  host = 'db.internal'\n  pool.size = 10\n  started = 1979-05-27T07:32:00Z\n",
                ""
            )
        );
        assert_eq!(ok("a = 1\nb = 2", r#"[{"op":"remove","path":"/b"}]"#), "a = 1");
    }

    #[test]
    fn move_replace_tables_and_test() {
        assert_eq!(
            ok(CONF, r#"[{"op":"move","from":"/port","path":"/listen"}]"#),
            CONF.replace("port = 8080", "listen = 8080")
        );
        // replacing a [table] edits only the keys that differ
        assert_eq!(
            ok(CONF, r#"[{"op":"replace","path":"/cache/redis","value":{"url":"redis://other"}}]"#),
            CONF.replace("redis://cache", "redis://other")
        );
        assert_eq!(
            ok(CONF, r#"[{"op":"replace","path":"/replica","value":[{"name":"r1"},{"name":"r2","w":1}]}]"#),
            CONF.replace("\"r2\"\n", "\"r2\"\nw = 1\n")
        );
        let out = ok(CONF, r#"[{"op":"replace","path":"/cache","value":"off"}]"#);
        assert_eq!(parse_value(&out).unwrap()["cache"], "off");
        assert_eq!(ok(CONF, r#"[{"op":"test","path":"/database/started","value":"1979-05-27T07:32:00Z"}]"#), CONF);
        let out = ok(CONF, r#"[{"op":"copy","from":"/limits","path":"/database/limits"}]"#);
        assert!(out.contains("  limits = { cpu = 2, mem = \"1Gi\" }\n"), "{out}");
    }

    #[test]
    fn crlf_and_missing_final_newline_are_kept() {
        let crlf = CONF.replace('\n', "\r\n");
        assert_eq!(
            ok(&crlf, r#"[{"op":"add","path":"/database/timeout","value":"5s"}]"#),
            crlf.replace("07:32:00Z\r\n", "07:32:00Z\r\n  timeout = \"5s\"\r\n")
        );
        assert_eq!(
            ok(&crlf, r#"[{"op":"remove","path":"/cache"}]"#),
            crlf.replace("\r\n[cache.redis]\r\nurl = \"redis://cache\"\r\n", "")
        );
        assert_eq!(
            ok(&crlf, r#"[{"op":"add","path":"/replica/-","value":{"name":"r3"}}]"#),
            crlf.replace("\"r2\"\r\n", "\"r2\"\r\n\r\n[[replica]]\r\nname = \"r3\"\r\n")
        );
        let bare = "[a]\nx = 1";
        assert_eq!(ok(bare, r#"[{"op":"add","path":"/a/y","value":2}]"#), "[a]\nx = 1\ny = 2");
        assert_eq!(ok("[a]\nx = 1\n\n[b]\ny = 2", r#"[{"op":"remove","path":"/b"}]"#), "[a]\nx = 1");
        assert_eq!(ok("[[t]]\nx = 1", r#"[{"op":"add","path":"/t/-","value":{"x":2}}]"#), "[[t]]\nx = 1\n[[t]]\nx = 2");
    }

    #[test]
    fn removing_the_last_sections_keeps_a_missing_final_newline() {
        let text = "[a]\nx = 1\n\n[lints.rust]\ny = 2\n\n[lints.rust.idioms]\nlevel = \"warn\"";
        assert_eq!(ok(text, r#"[{"op":"remove","path":"/lints"}]"#), "[a]\nx = 1");
        let text = "[lints]\nw = 1\n\n[lints.rust]\ny = 2\n\n[lints.rust.idioms]\nlevel = \"warn\"";
        assert_eq!(ok(&text.replace('\n', "\r\n"), r#"[{"op":"remove","path":"/lints/rust"}]"#), "[lints]\r\nw = 1");
    }

    #[test]
    fn multi_line_strings_keep_the_files_line_breaks() {
        let crlf = "d = \"\"\"\r\nline one\r\nline two\"\"\"\r\nx = 1\r\n";
        assert_eq!(parse_value(crlf).unwrap()["d"], "line one\r\nline two");
        assert_eq!(
            ok(crlf, r#"[{"op":"replace","path":"/d","value":"one\r\n\"two\""}]"#),
            "d = \"\"\"\r\none\r\n\\\"two\\\"\"\"\"\r\nx = 1\r\n"
        );
        let lit = "d = \'\'\'\r\nline one\r\n\'\'\'\r\n";
        assert_eq!(ok(lit, r#"[{"op":"replace","path":"/d","value":"a\r\nb"}]"#), "d = \'\'\'\r\na\r\nb\'\'\'\r\n");
        // a lone line feed in a CRLF file is escaped rather than written raw
        assert_eq!(
            ok(crlf, r#"[{"op":"replace","path":"/d","value":"a\nb"}]"#),
            "d = \"\"\"\r\na\\nb\"\"\"\r\nx = 1\r\n"
        );
    }

    #[test]
    fn refusals() {
        let e = run(CONF, r#"[{"op":"replace","path":"/port","value":null}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Unsupported);
        assert_eq!(
            e.to_string(),
            "3:8: operation 0 (`/port`): `/port` cannot be set to null, and TOML has no null\n  hint: remove the key instead, or use a value TOML can hold (a string, number, boolean, array or table)"
        );
        let e = run(CONF, r#"[{"op":"replace","path":"/database/hots","value":"x"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::NotFound);
        assert_eq!(
            e.to_string(),
            "7:2: operation 0 (`/database/hots`): `/database` has no key `hots`\n  hint: did you mean `host`? keys are case-sensitive"
        );
        let e = run(CONF, r#"[{"op":"add","path":"/port/x","value":1}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::NotAContainer);
        assert!(e.to_string().starts_with("3:1: operation 0 (`/port/x`): `/port` is a number"), "{e}");
        let e = run("a.b = 1\n", r#"[{"op":"remove","path":"/a/b"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Unsupported);
        assert!(e.to_string().starts_with("1:3: operation 0 (`/a/b`): `b` is the last key of `/a`"), "{e}");
        let e = run("[[t]]\nx = 1\n", r#"[{"op":"remove","path":"/t/0"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Unsupported);
        assert!(e.to_string().contains("hint: replace `/t` with [] instead"), "{e}");
        let e = run(CONF, r#"[{"op":"add","path":"/replica/-","value":"r3"}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Unsupported);
        assert!(e.to_string().starts_with("13:1: operation 0 (`/replica/-`): `/replica` is an array of tables"), "{e}");
        let e = run(CONF, r#"[{"op":"add","path":"/big","value":18446744073709551615}]"#).unwrap_err();
        assert!(e.to_string().contains("larger than TOML's 64-bit integers"), "{e}");
    }
}
