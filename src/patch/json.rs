//! JSON engine: a small position-aware JSON reader gives the byte span of every value, member key and
//! separator; each operation becomes a splice of the original text, so every byte outside the edited node
//! (key order, spacing, indentation, CRLF line endings, the final newline or its absence) stays as it was.
//!
//! - `replace` splices the value's span. Scalars are written compactly; an object or array is written
//!   pretty, with the file's indent unit at the node's depth, when it replaces a multi-line container or
//!   sits in a multi-line container, and compact (with the file's `, ` / `: ` spacing) otherwise.
//! - `add` to an object appends the member after the last one: on its own line with its siblings'
//!   indentation in a multi-line object, or as `, "k": v` in a single-line one. Adding an existing key
//!   replaces its value (RFC 6902). `add` to an array inserts at the index (or appends for `-`).
//! - `remove` deletes the member or item with its comma (and its line, when it has one of its own);
//!   removing the only entry leaves `{}` or `[]`.
//! - `move` within one object to a new key renames the key in place; other moves are a remove and an add.
//!
//! A leading byte-order mark is read past and kept. Duplicate keys are read the way serde_json reads them
//! (the last one wins), and editing through a duplicated key is refused.

use serde_json::Value;

use super::engine::{self, Engine, Prim, Slot};
use super::layout::{self, Layout, Seq, Splice, line_indent};
use super::{Location, Patch, PatchError, PatchErrorKind, Pointer};

pub(crate) fn apply(text: &str, patch: &Patch) -> Result<String, PatchError> {
    engine::run(&JsonEngine, text, patch, None)
}

pub(crate) fn parse_value(text: &str) -> Result<Value, PatchError> {
    // a byte-order mark is not JSON, but editors on Windows write one: read past it (it stays in the file)
    serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text)).map_err(|e| {
        let full = e.to_string();
        let msg = full.rfind(" at line ").map_or(full.as_str(), |i| &full[..i]);
        PatchError::new(PatchErrorKind::Parse, format!("the file is not valid JSON: {msg}"))
            .at(Location { line: e.line(), column: e.column().max(1) })
            .hint("fix the JSON syntax at that position (JSON allows no comments and no trailing commas)")
    })
}

// ---------------------------------------------------------------------------------------------------------
// The positioned tree.

#[derive(Debug)]
struct Node {
    start: usize,
    end: usize,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Scalar,
    Object(Vec<Member>),
    Array(Vec<Node>),
}

#[derive(Debug)]
struct Member {
    key: String,
    key_start: usize,
    key_end: usize,
    value: Node,
}

impl Node {
    fn is_multi_line(&self, text: &str) -> bool {
        text[self.start..self.end].contains('\n')
    }

    fn is_empty_or_scalar(&self) -> bool {
        match &self.kind {
            Kind::Scalar => true,
            Kind::Object(m) => m.is_empty(),
            Kind::Array(a) => a.is_empty(),
        }
    }

    fn seq(&self) -> Seq {
        let elems = match &self.kind {
            Kind::Scalar => Vec::new(),
            Kind::Object(ms) => ms.iter().map(|m| (m.key_start, m.value.end)).collect(),
            Kind::Array(items) => items.iter().map(|n| (n.start, n.end)).collect(),
        };
        Seq { open: self.start, close: self.end.saturating_sub(1), elems, comment: None }
    }
}

struct Reader<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), usize> {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.i)
        }
    }

    fn string(&mut self) -> Result<(), usize> {
        self.eat(b'"')?;
        loop {
            match self.b.get(self.i) {
                None => return Err(self.i),
                Some(b'\\') => self.i += 2,
                Some(b'"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(_) => self.i += 1,
            }
        }
    }

    fn value(&mut self) -> Result<Node, usize> {
        let start = self.i;
        match self.b.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let key_start = self.i;
                        self.string()?;
                        let key_end = self.i;
                        let key =
                            serde_json::from_str::<String>(&self.src[key_start..key_end]).map_err(|_| key_start)?;
                        self.ws();
                        self.eat(b':')?;
                        self.ws();
                        let value = self.value()?;
                        members.push(Member { key, key_start, key_end, value });
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.i),
                        }
                    }
                }
                Ok(Node { start, end: self.i, kind: Kind::Object(members) })
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        items.push(self.value()?);
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.i),
                        }
                    }
                }
                Ok(Node { start, end: self.i, kind: Kind::Array(items) })
            }
            Some(b'"') => {
                self.string()?;
                Ok(Node { start, end: self.i, kind: Kind::Scalar })
            }
            Some(_) => {
                while matches!(self.b.get(self.i), Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
                {
                    self.i += 1;
                }
                if self.i == start {
                    return Err(start);
                }
                Ok(Node { start, end: self.i, kind: Kind::Scalar })
            }
            None => Err(self.i),
        }
    }
}

fn parse_tree(text: &str) -> Result<Node, PatchError> {
    let bom = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let mut r = Reader { src: text, b: text.as_bytes(), i: bom };
    let fail = |at: usize| {
        PatchError::new(PatchErrorKind::Parse, "the file is not valid JSON")
            .at(Location::of_byte(text, at))
            .hint("fix the JSON syntax at that position")
    };
    r.ws();
    let root = r.value().map_err(fail)?;
    r.ws();
    if r.i != text.len() {
        return Err(fail(r.i));
    }
    Ok(root)
}

/// The index of the member named `key`, refusing a key the object holds more than once.
fn member_index(text: &str, members: &[Member], key: &str, at: &Pointer) -> Result<Option<usize>, PatchError> {
    let hits: Vec<usize> = members.iter().enumerate().filter(|(_, m)| m.key == key).map(|(i, _)| i).collect();
    if hits.len() > 1 {
        let lines: Vec<String> =
            hits.iter().map(|&i| Location::of_byte(text, members[i].key_start).line.to_string()).collect();
        let place = if at.is_root() { "the top-level object".to_owned() } else { format!("`{at}`") };
        return Err(PatchError::new(
            PatchErrorKind::Unsupported,
            format!(
                "key `{key}` appears {} times in {place} (lines {}), so the edit would be ambiguous",
                hits.len(),
                lines.join(" and ")
            ),
        )
        .at(Location::of_byte(text, members[hits[0]].key_start))
        .hint("remove the duplicate key from the file first: JSON readers disagree on which one wins"));
    }
    Ok(hits.first().copied())
}

/// The chain of nodes from the root to `path` (inclusive).
fn resolve<'a>(root: &'a Node, text: &str, path: &Pointer) -> Result<Vec<&'a Node>, PatchError> {
    let mut chain = vec![root];
    let mut at = Pointer::default();
    for tok in &path.tokens {
        let node = chain[chain.len() - 1];
        let next = match &node.kind {
            Kind::Object(ms) => member_index(text, ms, tok, &at)?.map(|i| &ms[i].value),
            Kind::Array(items) => Pointer::array_index(tok).and_then(|i| items.get(i)),
            Kind::Scalar => None,
        };
        let Some(next) = next else {
            return Err(PatchError::new(PatchErrorKind::NotFound, format!("`{path}` does not exist in the file"))
                .at(Location::of_byte(text, node.start)));
        };
        at.push(tok.clone());
        chain.push(next);
    }
    Ok(chain)
}

/// Where to point at for `path`: the key of a member, the start of an item.
fn find(root: &Node, path: &Pointer) -> Option<usize> {
    let mut node = root;
    let mut pos = root.start;
    for tok in &path.tokens {
        match &node.kind {
            Kind::Object(ms) => {
                let m = ms.iter().rev().find(|m| &m.key == tok)?;
                pos = m.key_start;
                node = &m.value;
            }
            Kind::Array(items) => {
                node = items.get(Pointer::array_index(tok)?)?;
                pos = node.start;
            }
            Kind::Scalar => return None,
        }
    }
    Some(pos)
}

// ---------------------------------------------------------------------------------------------------------
// Style and rendering.

/// How this file writes JSON, learned from its own text.
struct Style {
    nl: &'static str,
    unit: String,
    colon: String,
    comma: String,
    pad: String,
}

impl Style {
    fn detect(text: &str, root: &Node) -> Style {
        let mut st = Style {
            nl: layout::newline(text),
            unit: String::new(),
            colon: String::new(),
            comma: String::new(),
            pad: String::new(),
        };
        let (mut colon, mut comma, mut pad, mut unit) = (None, None, None, None);
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            let seq = n.seq();
            match &n.kind {
                Kind::Scalar => continue,
                Kind::Object(ms) => {
                    if colon.is_none()
                        && let Some(m) = ms.first()
                    {
                        colon = Some(text[m.key_end..m.value.start].to_owned()).filter(|s| !s.contains('\n'));
                    }
                    stack.extend(ms.iter().rev().map(|m| &m.value));
                }
                Kind::Array(items) => stack.extend(items.iter().rev()),
            }
            if !seq.multi_line(text) {
                let (p, c) = seq.inline_spacing(text);
                pad = pad.or(p);
                comma = comma.or(c);
            } else if unit.is_none() && seq.own_lines(text) {
                let child = line_indent(text, seq.elems[0].0);
                unit = child.strip_prefix(line_indent(text, seq.open)).filter(|u| !u.is_empty()).map(str::to_owned);
            }
        }
        st.colon = colon.unwrap_or_else(|| ": ".into());
        st.comma = comma.unwrap_or_else(|| " ".into());
        st.pad = pad.unwrap_or_default();
        st.unit = unit.unwrap_or_else(|| "  ".into());
        st
    }

    /// The style to use inside `node`: its own spacing where it shows one, else the file's.
    fn within(&self, text: &str, node: &Node) -> Style {
        let seq = node.seq();
        let mut st = Style {
            nl: self.nl,
            unit: self.unit.clone(),
            colon: self.colon.clone(),
            comma: self.comma.clone(),
            pad: self.pad.clone(),
        };
        if let Kind::Object(ms) = &node.kind
            && let Some(m) = ms.first()
        {
            let c = &text[m.key_end..m.value.start];
            if !c.contains('\n') {
                st.colon = c.to_owned();
            }
        }
        if !seq.multi_line(text) {
            let (p, c) = seq.inline_spacing(text);
            if let Some(p) = p {
                st.pad = p;
            }
            if let Some(c) = c {
                st.comma = c;
            }
        }
        st
    }
}

fn quote(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// Renders `v` as JSON text: pretty (one entry per line, `base` being the indentation of the line the value
/// starts on) or compact.
fn render(v: &Value, st: &Style, base: &str, pretty: bool) -> String {
    let (open, close, entries): (&str, &str, Vec<(Option<&str>, &Value)>) = match v {
        Value::Object(m) if !m.is_empty() => ("{", "}", m.iter().map(|(k, v)| (Some(k.as_str()), v)).collect()),
        Value::Array(a) if !a.is_empty() => ("[", "]", a.iter().map(|v| (None, v)).collect()),
        Value::Object(_) => return "{}".into(),
        Value::Array(_) => return "[]".into(),
        scalar => return scalar.to_string(),
    };
    let inner = format!("{base}{}", st.unit);
    let parts: Vec<String> = entries
        .into_iter()
        .map(|(k, v)| {
            let key = k.map(|k| format!("{}{}", quote(k), st.colon)).unwrap_or_default();
            format!("{key}{}", render(v, st, &inner, pretty))
        })
        .collect();
    if pretty {
        let sep = format!(",{}{inner}", st.nl);
        format!("{open}{nl}{inner}{}{nl}{base}{close}", parts.join(&sep), nl = st.nl)
    } else {
        format!("{open}{pad}{}{pad}{close}", parts.join(&format!(",{}", st.comma)), pad = st.pad)
    }
}

// ---------------------------------------------------------------------------------------------------------
// The engine.

struct JsonEngine;

impl Engine for JsonEngine {
    fn parse(&self, text: &str) -> Result<Value, PatchError> {
        parse_value(text)
    }

    fn locate(&self, text: &str, path: &Pointer) -> Option<usize> {
        find(&parse_tree(text).ok()?, path)
    }

    fn exec(&self, text: &str, prim: &Prim) -> Result<Option<String>, PatchError> {
        let root = parse_tree(text)?;
        let file = Style::detect(text, &root);
        let splices = match prim {
            Prim::Replace { path, value } => {
                let chain = resolve(&root, text, path)?;
                let node = chain[chain.len() - 1];
                let pretty = if !node.is_empty_or_scalar() {
                    node.is_multi_line(text)
                } else if chain.len() >= 2 {
                    chain[chain.len() - 2].seq().own_lines(text)
                } else {
                    text.trim().contains('\n')
                };
                let st = if node.is_empty_or_scalar() { file } else { file.within(text, node) };
                vec![Splice::new(node.start, node.end, render(value, &st, line_indent(text, node.start), pretty))]
            }
            Prim::Insert { parent, slot, value } => {
                let chain = resolve(&root, text, parent)?;
                let node = chain[chain.len() - 1];
                let st = file.within(text, node);
                let seq = node.seq();
                let (idx, key) = match (slot, &node.kind) {
                    (Slot::Key(k), Kind::Object(ms)) => (ms.len(), Some(k.as_str())),
                    (Slot::Index(i), Kind::Array(_)) => (*i, None),
                    _ => return Err(mismatch(text, node.start, parent)),
                };
                let entry = |l: Layout| {
                    let key = key.map(|k| format!("{}{}", quote(k), st.colon)).unwrap_or_default();
                    match l {
                        Layout::Line(indent) => format!("{key}{}", render(value, &st, indent, true)),
                        Layout::Inline => format!("{key}{}", render(value, &st, "", false)),
                    }
                };
                seq.insert(text, idx, st.nl, &st.unit, &st.comma, &st.pad, &entry)
            }
            Prim::Delete { path } => {
                let Some((parent, last)) = path.split_last() else {
                    return Err(mismatch(text, root.start, path));
                };
                let chain = resolve(&root, text, &parent)?;
                let node = chain[chain.len() - 1];
                let idx = match &node.kind {
                    Kind::Object(ms) => member_index(text, ms, last, &parent)?,
                    Kind::Array(items) => Pointer::array_index(last).filter(|&i| i < items.len()),
                    Kind::Scalar => None,
                };
                let Some(idx) = idx else { return Err(mismatch(text, node.start, path)) };
                node.seq().remove(text, idx)
            }
            Prim::Rename { parent, from, to } => {
                let chain = resolve(&root, text, parent)?;
                let node = chain[chain.len() - 1];
                let Kind::Object(ms) = &node.kind else { return Ok(None) };
                let Some(i) = member_index(text, ms, from, parent)? else { return Ok(None) };
                vec![Splice::new(ms[i].key_start, ms[i].key_end, quote(to))]
            }
        };
        Ok(Some(layout::apply(text, splices)))
    }
}

fn mismatch(text: &str, at: usize, path: &Pointer) -> PatchError {
    PatchError::new(PatchErrorKind::Verification, format!("the engine lost track of `{path}` while editing"))
        .at(Location::of_byte(text, at))
        .hint("this is a limitation of the format-preserving editor; please report it with the file and the patch")
}

// ---------------------------------------------------------------------------------------------------------

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

    const DOC: &str = "{\n  \"name\": \"api\",\n  \"replicas\": 3,\n  \"pool\": {\n    \"size\": \"10\",\n    \"tags\": [\"a\", \"b\"]\n  },\n  \"list\": [\n    1,\n    2\n  ]\n}\n";

    #[test]
    fn replace_scalar_changes_only_that_scalar() {
        let out = ok(DOC, r#"[{"op":"replace","path":"/replicas","value":0}]"#);
        assert_eq!(out, DOC.replace("\"replicas\": 3", "\"replicas\": 0"));
        // a string stays a string: "0" is not 0
        let out = ok(DOC, r#"[{"op":"replace","path":"/pool/size","value":"0"}]"#);
        assert_eq!(out, DOC.replace("\"size\": \"10\"", "\"size\": \"0\""));
        let out = ok(DOC, r#"[{"op":"replace","path":"/pool/tags/1","value":null}]"#);
        assert_eq!(out, DOC.replace("\"b\"]", "null]"));
    }

    #[test]
    fn replace_with_containers_follows_the_layout() {
        let out = ok(DOC, r#"[{"op":"replace","path":"/replicas","value":{"min":1,"max":[2,3]}}]"#);
        assert_eq!(
            out,
            DOC.replace(
                "\"replicas\": 3",
                "\"replicas\": {\n    \"min\": 1,\n    \"max\": [\n      2,\n      3\n    ]\n  }"
            )
        );
        // an inline array stays inline
        let out = ok(DOC, r#"[{"op":"replace","path":"/pool/tags","value":["x","y","z"]}]"#);
        assert_eq!(out, DOC.replace("[\"a\", \"b\"]", "[\"x\", \"y\", \"z\"]"));
        let inline = "{\"a\": {\"b\": 1}, \"c\": [1, 2]}";
        assert_eq!(
            ok(inline, r#"[{"op":"replace","path":"/a","value":{"x":{"y":[]}}}]"#),
            "{\"a\": {\"x\": {\"y\": []}}, \"c\": [1, 2]}"
        );
    }

    #[test]
    fn add_member_is_one_line_in_multi_line_objects() {
        let out = ok(DOC, r#"[{"op":"add","path":"/pool/timeout","value":"5s"}]"#);
        assert_eq!(out, DOC.replace("\"b\"]\n  },", "\"b\"],\n    \"timeout\": \"5s\"\n  },"));
        let out = ok(DOC, r#"[{"op":"add","path":"/extra","value":true}]"#);
        assert_eq!(out, DOC.replace("    2\n  ]\n}", "    2\n  ],\n  \"extra\": true\n}"));
        // adding an existing key replaces it
        let out = ok(DOC, r#"[{"op":"add","path":"/replicas","value":5}]"#);
        assert_eq!(out, DOC.replace("\"replicas\": 3", "\"replicas\": 5"));
    }

    #[test]
    fn add_to_single_line_and_empty_containers() {
        assert_eq!(ok("{\"a\": 1}", r#"[{"op":"add","path":"/b","value":"x"}]"#), "{\"a\": 1, \"b\": \"x\"}");
        assert_eq!(ok("{ \"a\":1 }", r#"[{"op":"add","path":"/b","value":[1,2]}]"#), "{ \"a\":1, \"b\":[ 1, 2 ] }");
        assert_eq!(ok("{\"a\": {}}", r#"[{"op":"add","path":"/a/k","value":1}]"#), "{\"a\": {\"k\": 1}}");
        assert_eq!(
            ok("{\n  \"a\": [\n  ]\n}\n", r#"[{"op":"add","path":"/a/-","value":1}]"#),
            "{\n  \"a\": [\n    1\n  ]\n}\n"
        );
    }

    #[test]
    fn add_to_arrays_at_index_and_end() {
        let out = ok(DOC, r#"[{"op":"add","path":"/list/0","value":0}]"#);
        assert_eq!(out, DOC.replace("[\n    1,", "[\n    0,\n    1,"));
        let out = ok(DOC, r#"[{"op":"add","path":"/list/-","value":3}]"#);
        assert_eq!(out, DOC.replace("    2\n  ]", "    2,\n    3\n  ]"));
        let out = ok(DOC, r#"[{"op":"add","path":"/pool/tags/1","value":"m"}]"#);
        assert_eq!(out, DOC.replace("[\"a\", \"b\"]", "[\"a\", \"m\", \"b\"]"));
        let out = ok(DOC, r#"[{"op":"add","path":"/pool/tags/2","value":"c"}]"#);
        assert_eq!(out, DOC.replace("[\"a\", \"b\"]", "[\"a\", \"b\", \"c\"]"));
        let out = ok(DOC, r#"[{"op":"add","path":"/list/-","value":{"k":"v"}}]"#);
        assert_eq!(out, DOC.replace("    2\n  ]", "    2,\n    {\n      \"k\": \"v\"\n    }\n  ]"));
    }

    #[test]
    fn remove_deletes_the_line_and_fixes_commas() {
        let out = ok(DOC, r#"[{"op":"remove","path":"/replicas"}]"#);
        assert_eq!(out, DOC.replace("  \"replicas\": 3,\n", ""));
        let out = ok(DOC, r#"[{"op":"remove","path":"/list"}]"#);
        assert_eq!(out, DOC.replace("  },\n  \"list\": [\n    1,\n    2\n  ]\n", "  }\n"));
        let out = ok(DOC, r#"[{"op":"remove","path":"/pool/tags/0"}]"#);
        assert_eq!(out, DOC.replace("[\"a\", \"b\"]", "[\"b\"]"));
        let out = ok(DOC, r#"[{"op":"remove","path":"/pool/tags/1"}]"#);
        assert_eq!(out, DOC.replace("[\"a\", \"b\"]", "[\"a\"]"));
        assert_eq!(ok("{\"a\": {\"b\": 1}}", r#"[{"op":"remove","path":"/a/b"}]"#), "{\"a\": {}}");
    }

    #[test]
    fn move_copy_and_test() {
        // a move inside one object renames the key in place
        let out = ok(DOC, r#"[{"op":"move","from":"/replicas","path":"/count"}]"#);
        assert_eq!(out, DOC.replace("\"replicas\"", "\"count\""));
        let out = ok(DOC, r#"[{"op":"move","from":"/pool/size","path":"/size"}]"#);
        let v = parse_value(&out).unwrap();
        assert_eq!(v["size"], "10");
        assert!(v["pool"].get("size").is_none());
        let out = ok(DOC, r#"[{"op":"copy","from":"/name","path":"/pool/name"}]"#);
        assert_eq!(parse_value(&out).unwrap()["pool"]["name"], "api");
        let out =
            ok(DOC, r#"[{"op":"test","path":"/replicas","value":3},{"op":"replace","path":"/replicas","value":1}]"#);
        assert_eq!(out, DOC.replace("\"replicas\": 3", "\"replicas\": 1"));
    }

    #[test]
    fn crlf_and_missing_final_newline_are_kept() {
        let crlf = DOC.replace('\n', "\r\n");
        let out = ok(&crlf, r#"[{"op":"add","path":"/pool/timeout","value":{"s":1}}]"#);
        assert_eq!(
            out,
            crlf.replace("\"b\"]\r\n  },", "\"b\"],\r\n    \"timeout\": {\r\n      \"s\": 1\r\n    }\r\n  },")
        );
        let out = ok(&crlf, r#"[{"op":"remove","path":"/name"}]"#);
        assert_eq!(out, crlf.replace("  \"name\": \"api\",\r\n", ""));
        let bare = DOC.trim_end();
        let out = ok(bare, r#"[{"op":"add","path":"/z","value":1}]"#);
        assert!(out.ends_with("],\n  \"z\": 1\n}"), "{out}");
    }

    #[test]
    fn tabs_and_four_spaces_are_detected() {
        let tabs = "{\n\t\"a\": {\n\t\t\"b\": 1\n\t}\n}";
        assert_eq!(
            ok(tabs, r#"[{"op":"add","path":"/a/c","value":{"d":2}}]"#),
            "{\n\t\"a\": {\n\t\t\"b\": 1,\n\t\t\"c\": {\n\t\t\t\"d\": 2\n\t\t}\n\t}\n}"
        );
        let four = "{\n    \"a\": 1\n}\n";
        assert_eq!(
            ok(four, r#"[{"op":"add","path":"/b","value":[1]}]"#),
            "{\n    \"a\": 1,\n    \"b\": [\n        1\n    ]\n}\n"
        );
    }

    #[test]
    fn refusals_name_the_position() {
        let e = run(DOC, r#"[{"op":"replace","path":"/pool/sise","value":1}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::NotFound);
        assert_eq!(
            e.to_string(),
            "4:3: operation 0 (`/pool/sise`): `/pool` has no key `sise`\n  hint: did you mean `size`? keys are case-sensitive"
        );
        let e = run(DOC, r#"[{"op":"add","path":"/replicas/x","value":1}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::NotAContainer);
        assert!(
            e.to_string()
                .starts_with("3:3: operation 0 (`/replicas/x`): `/replicas` is a number, not an object or a list"),
            "{e}"
        );
        let e = run(DOC, r#"[{"op":"add","path":"/list/5","value":1}]"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "8:3: operation 0 (`/list/5`): index 5 is out of range: `/list` has 2 items\n  hint: indexes are 0-based; use `-` to append"
        );
        let e =
            run(DOC, r#"[{"op":"replace","path":"/name","value":"x"},{"op":"test","path":"/replicas","value":"3"}]"#)
                .unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::TestFailed);
        assert!(
            e.to_string().starts_with("3:3: operation 1 (`/replicas`): `test` failed: `/replicas` is 3, not \"3\""),
            "{e}"
        );
        let e = run("{\"a\": 1,\n \"a\": 2}", r#"[{"op":"replace","path":"/a","value":3}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Unsupported);
        assert!(
            e.to_string().starts_with(
                "1:2: operation 0 (`/a`): key `a` appears 2 times in the top-level object (lines 1 and 2)"
            ),
            "{e}"
        );
        let e = run("{\"a\": 1,}", r#"[]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Parse);
        assert!(e.to_string().starts_with("1:9: the file is not valid JSON: trailing comma"), "{e}");
    }

    #[test]
    fn root_and_whole_document_edits() {
        assert_eq!(ok("[1, 2]\n", r#"[{"op":"add","path":"/-","value":3}]"#), "[1, 2, 3]\n");
        assert_eq!(ok("  3  ", r#"[{"op":"replace","path":"","value":"x"}]"#), "  \"x\"  ");
        let e = run("{}", r#"[{"op":"remove","path":""}]"#).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::BadPatch);
    }

    #[test]
    fn keys_with_escapes_and_unicode() {
        let text = "{\n  \"a/b\": 1,\n  \"t~x\": \"é\",\n  \"\\u0041\": 2\n}";
        assert_eq!(
            ok(text, r#"[{"op":"replace","path":"/a~1b","value":2}]"#),
            text.replace("\"a/b\": 1", "\"a/b\": 2")
        );
        assert_eq!(
            ok(text, r#"[{"op":"replace","path":"/A","value":3}]"#),
            text.replace("\"\\u0041\": 2", "\"\\u0041\": 3")
        );
        assert_eq!(ok(text, r#"[{"op":"replace","path":"/t~0x","value":"ü"}]"#), text.replace("\"é\"", "\"ü\""));
    }

    #[test]
    fn a_byte_order_mark_is_kept() {
        let text = "\u{feff}{\n  \"a\": 1\n}\n";
        assert_eq!(ok(text, r#"[{"op":"replace","path":"/a","value":2}]"#), "\u{feff}{\n  \"a\": 2\n}\n");
    }
}
