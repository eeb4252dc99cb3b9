//! A YAML tree that remembers where every key and value starts, built from saphyr-parser events.
//!
//! Scenario files are read into this tree first, so that every later check — shape, values, cross-field
//! rules, the local target check — can name the line and column of the key or value it is about.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Alias expansion can make a tiny file enormous ("billion laughs"); scenario files are small.
const MAX_NODES: usize = 100_000;
/// Every later pass walks the tree recursively; real configuration is never this deep.
const MAX_DEPTH: usize = 128;

/// A position in a text file: 1-based line, 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// The first character of a file.
    pub const START: Pos = Pos { line: 1, column: 1 };

    fn of(span: &Span) -> Pos {
        Pos { line: span.start.line().max(1), column: span.start.col() + 1 }
    }
}

/// How a scalar was written: decides whether `0` is a number or the string "0".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Block,
}

/// One node of the tree, with the position where its value starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Unique within one tree (alias copies get fresh ids).
    pub id: usize,
    pub pos: Pos,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar { text: String, style: Style, tag: Option<String> },
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A mapping entry; the key is a node too, so errors about a key point at the key.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// What a plain scalar means under the YAML 1.2 core schema (quoted and block scalars are strings).
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(serde_json::Number),
    Float(f64),
    Str,
}

/// A YAML syntax problem, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

impl Node {
    /// The text of a mapping key or scalar; `None` for lists and mappings.
    pub fn scalar_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The resolved meaning of a scalar; lists and mappings give `None`.
    pub fn scalar(&self) -> Option<Scalar> {
        let Value::Scalar { text, style, tag } = &self.value else { return None };
        Some(match (tag.as_deref(), style) {
            (Some("str"), _) => Scalar::Str,
            (Some("null"), _) => Scalar::Null,
            (Some("bool" | "int" | "float"), _) | (None, Style::Plain) => resolve_plain(text),
            _ => Scalar::Str,
        })
    }

    pub fn is_null(&self) -> bool {
        self.scalar() == Some(Scalar::Null)
    }

    /// The entries of a mapping, or `None`.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The first entry whose key is `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries()?.iter().find(|e| e.key.scalar_text() == Some(key))
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The items of a list, or `None`.
    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// A short description of what was found, for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Map(_) => "a mapping".into(),
            Value::Seq(_) => "a list".into(),
            Value::Scalar { text, .. } => match self.scalar() {
                Some(Scalar::Null) if text.is_empty() => "an empty value".into(),
                Some(Scalar::Null) => format!("null (`{text}`)"),
                Some(Scalar::Bool(_)) => format!("the boolean `{text}`"),
                Some(Scalar::Int(_) | Scalar::Float(_)) => format!("the number `{text}`"),
                _ => format!("the string {}", quote(text)),
            },
        }
    }

    /// The value as JSON. Scalars whose id is in `as_string` are taken as their text whatever they look
    /// like (a plain `2024` where a string is expected); every other scalar follows the core schema.
    pub fn to_json(&self, as_string: &std::collections::HashSet<usize>) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.scalar_text().unwrap_or_default().to_owned(), e.value.to_json(as_string)))
                    .collect(),
            ),
            Value::Seq(items) => J::Array(items.iter().map(|n| n.to_json(as_string)).collect()),
            Value::Scalar { text, .. } if as_string.contains(&self.id) => J::String(text.clone()),
            Value::Scalar { text, .. } => match self.scalar() {
                Some(Scalar::Null) => J::Null,
                Some(Scalar::Bool(b)) => J::Bool(b),
                Some(Scalar::Int(n)) => J::Number(n),
                Some(Scalar::Float(f)) => {
                    serde_json::Number::from_f64(f).map_or_else(|| J::String(text.clone()), J::Number)
                }
                _ => J::String(text.clone()),
            },
        }
    }
}

/// Quotes a string for a message: `"like this"`, with control characters escaped and long values cut.
pub fn quote(s: &str) -> String {
    const MAX: usize = 60;
    let mut cut: String = s.chars().take(MAX).collect();
    if cut.len() < s.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(text: &str) -> Scalar {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "true" | "True" | "TRUE" => return Scalar::Bool(true),
        "false" | "False" | "FALSE" => return Scalar::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        _ => {}
    }
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits(unsigned, 10) {
        if let Ok(i) = text.parse::<i64>() {
            return Scalar::Int(i.into());
        }
        if let Ok(u) = text.trim_start_matches('+').parse::<u64>() {
            return Scalar::Int(u.into());
        }
        return text.parse::<f64>().map_or(Scalar::Str, Scalar::Float);
    }
    for (prefix, radix) in [("0x", 16), ("0o", 8)] {
        if let Some(rest) = text.strip_prefix(prefix)
            && digits(rest, radix)
        {
            return u64::from_str_radix(rest, radix).map_or(Scalar::Str, |u| Scalar::Int(u.into()));
        }
    }
    if is_core_float(unsigned) {
        return text.parse::<f64>().map_or(Scalar::Str, Scalar::Float);
    }
    Scalar::Str
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` without a sign.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let all_digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => all_digits(int) && all_digits(frac) && !(int.is_empty() && frac.is_empty()),
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

enum Frame {
    Seq { pos: Pos, anchor: usize, items: Vec<Node> },
    Map { pos: Pos, anchor: usize, entries: Vec<Entry>, key: Option<Node> },
}

struct Builder {
    next_id: usize,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    documents: Vec<Node>,
}

impl Builder {
    fn id(&mut self) -> Result<usize, String> {
        self.next_id += 1;
        if self.next_id > MAX_NODES {
            return Err(format!("the file has more than {MAX_NODES} values (after expanding aliases)"));
        }
        Ok(self.next_id)
    }

    /// A deep copy of an anchored node for an alias, with fresh ids and the alias's position at the top.
    fn copy(&mut self, node: &Node, pos: Option<Pos>) -> Result<Node, String> {
        let value = match &node.value {
            Value::Scalar { .. } => node.value.clone(),
            Value::Seq(items) => Value::Seq(items.iter().map(|n| self.copy(n, None)).collect::<Result<_, _>>()?),
            Value::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|e| Ok(Entry { key: self.copy(&e.key, None)?, value: self.copy(&e.value, None)? }))
                    .collect::<Result<_, String>>()?,
            ),
        };
        Ok(Node { id: self.id()?, pos: pos.unwrap_or(node.pos), value })
    }

    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some(k) => entries.push(Entry { key: k, value: node }),
                None => *key = Some(node),
            },
            None => self.documents.push(node),
        }
    }
}

/// Parses `text` into one tree per YAML document. Stops at the first syntax error.
pub fn parse(text: &str) -> Result<Vec<Node>, SyntaxError> {
    let mut b = Builder { next_id: 0, stack: Vec::new(), anchors: HashMap::new(), documents: Vec::new() };
    let mut last = Pos::START;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| SyntaxError {
            pos: Pos { line: e.marker().line().max(1), column: e.marker().col() + 1 },
            message: e.info().to_owned(),
        })?;
        let pos = Pos::of(&span);
        last = pos;
        let fail = |message: String| SyntaxError { pos, message };
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    _ => Style::Block,
                };
                // Only the core schema tags (`!!str`, `!!int`…) mean something here; others are kept so the
                // checks can refuse them.
                let tag = tag.map(|t| {
                    if t.is_yaml_core_schema() { t.suffix.clone() } else { format!("{}{}", t.handle, t.suffix) }
                });
                let node = Node {
                    id: b.id().map_err(fail)?,
                    pos,
                    value: Value::Scalar { text: value.into_owned(), style, tag },
                };
                b.finish(node, anchor);
            }
            Event::SequenceStart(..) | Event::MappingStart(..) if b.stack.len() >= MAX_DEPTH => {
                return Err(fail(format!("lists and mappings are nested more than {MAX_DEPTH} levels deep")));
            }
            Event::SequenceStart(anchor, _) => b.stack.push(Frame::Seq { pos, anchor, items: Vec::new() }),
            Event::MappingStart(anchor, _) => b.stack.push(Frame::Map { pos, anchor, entries: Vec::new(), key: None }),
            Event::SequenceEnd | Event::MappingEnd => {
                let (node_pos, anchor, value) = match b.stack.pop() {
                    Some(Frame::Seq { pos, anchor, items }) => (pos, anchor, Value::Seq(items)),
                    Some(Frame::Map { pos, anchor, entries, .. }) => (pos, anchor, Value::Map(entries)),
                    None => return Err(fail("unbalanced end of a list or mapping".into())),
                };
                // A block mapping's event starts at its first key; that is where we want to point anyway.
                let node = Node { id: b.id().map_err(fail)?, pos: node_pos, value };
                b.finish(node, anchor);
            }
            Event::Alias(anchor) => {
                let Some(target) = b.anchors.get(&anchor).cloned() else {
                    return Err(fail("alias to an unknown anchor".into()));
                };
                let node = b.copy(&target, Some(pos)).map_err(fail)?;
                b.finish(node, 0);
            }
            Event::DocumentStart(_) => b.anchors.clear(),
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    if !b.stack.is_empty() {
        return Err(SyntaxError { pos: last, message: "unexpected end of file inside a list or mapping".into() });
    }
    Ok(b.documents)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Node {
        parse(text).unwrap().remove(0)
    }

    #[test]
    fn positions_point_at_keys_and_values() {
        let root = doc("a: 1\nb:\n  c: \"x\"\n  d:\n    - 3\n    - é: 4\n");
        let b = root.entry("b").unwrap();
        assert_eq!(b.key.pos, Pos { line: 2, column: 1 });
        let c = b.value.entry("c").unwrap();
        assert_eq!((c.key.pos, c.value.pos), (Pos { line: 3, column: 3 }, Pos { line: 3, column: 6 }));
        let d = b.value.get("d").unwrap().items().unwrap();
        assert_eq!(d[0].pos, Pos { line: 5, column: 7 });
        assert_eq!(d[1].entry("é").unwrap().value.pos, Pos { line: 6, column: 10 });
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let root = doc("a: 0\nb: '0'\nc: yes\nd: ~\ne: 1.5\nf: 0x1F\ng: !!str 12\nh: 1e3\ni: 1.2.3\nj:\n");
        let get = |k: &str| root.get(k).unwrap().scalar().unwrap();
        assert_eq!(get("a"), Scalar::Int(0.into()));
        assert_eq!(get("b"), Scalar::Str);
        assert_eq!(get("c"), Scalar::Str);
        assert_eq!(get("d"), Scalar::Null);
        assert_eq!(get("e"), Scalar::Float(1.5));
        assert_eq!(get("f"), Scalar::Int(31.into()));
        assert_eq!(get("g"), Scalar::Str);
        assert_eq!(get("h"), Scalar::Float(1000.0));
        assert_eq!(get("i"), Scalar::Str);
        assert_eq!(get("j"), Scalar::Null);
    }

    #[test]
    fn aliases_are_copied_with_fresh_ids() {
        let root = doc("a: &x {b: 1}\nc: *x\n");
        let (a, c) = (root.get("a").unwrap(), root.get("c").unwrap());
        assert_eq!(a.to_json(&Default::default()), c.to_json(&Default::default()));
        assert_ne!(a.id, c.id);
        assert_eq!(c.pos.line, 2);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(parse(&text).is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text: String = (0..300).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
        assert!(parse(&text).unwrap_err().message.contains("nested more than 128 levels"));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: 1\n b: 2\n").unwrap_err();
        assert_eq!(err.pos.line, 2);
        assert!(parse("a: [1, 2\n").is_err());
    }
}
