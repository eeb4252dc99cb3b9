//! The scenario view of a YAML file: aliases expanded, every node numbered, positions kept for messages.
//!
//! Built from the one positioned tree in [`crate::yaml`], so that every later check — shape, values,
//! cross-field rules, the local target check — can name the line and column of the key or value it is about,
//! and reads plain scalars by the same rules as the patch engine.

use std::collections::HashMap;

use crate::yaml::{self as tree, Kind};
pub use crate::yaml::{Pos, Scalar, SyntaxError};

/// Alias expansion can make a tiny file enormous ("billion laughs"); scenario files are small.
const MAX_NODES: usize = 100_000;

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
            (Some("bool" | "int" | "float"), _) | (None, Style::Plain) => crate::yaml::scalar::core(text),
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

struct Builder {
    next_id: usize,
    /// The expanded copy of every anchored node seen so far in the document.
    anchors: HashMap<usize, Node>,
}

impl Builder {
    fn id(&mut self, pos: Pos) -> Result<usize, SyntaxError> {
        self.next_id += 1;
        if self.next_id > MAX_NODES {
            return Err(SyntaxError {
                pos,
                message: format!("the file has more than {MAX_NODES} values (after expanding aliases)"),
                hint: Some("write the values out instead of repeating aliases".into()),
            });
        }
        Ok(self.next_id)
    }

    /// A deep copy of an anchored node for an alias, with fresh ids and the alias's position at the top.
    fn copy(&mut self, node: &Node, pos: Option<Pos>) -> Result<Node, SyntaxError> {
        let at = pos.unwrap_or(node.pos);
        let value = match &node.value {
            Value::Scalar { .. } => node.value.clone(),
            Value::Seq(items) => Value::Seq(items.iter().map(|n| self.copy(n, None)).collect::<Result<_, _>>()?),
            Value::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|e| Ok(Entry { key: self.copy(&e.key, None)?, value: self.copy(&e.value, None)? }))
                    .collect::<Result<_, SyntaxError>>()?,
            ),
        };
        Ok(Node { id: self.id(at)?, pos: at, value })
    }

    fn node(&mut self, n: &tree::Node) -> Result<Node, SyntaxError> {
        refuse_tag(n)?;
        let value = match &n.kind {
            Kind::Alias(anchor) => {
                let Some(target) = self.anchors.get(anchor).cloned() else {
                    return Err(SyntaxError {
                        pos: n.pos,
                        message: "alias to an unknown anchor".into(),
                        hint: Some("define the anchor (`&name`) before the alias (`*name`)".into()),
                    });
                };
                return self.copy(&target, Some(n.pos));
            }
            Kind::Scalar { value, style } => {
                refuse_huge_integer(n, value, *style)?;
                let style = match style {
                    tree::Style::Plain => Style::Plain,
                    s if s.is_quoted() => Style::Quoted,
                    _ => Style::Block,
                };
                Value::Scalar { text: value.clone(), style, tag: n.tag.clone() }
            }
            Kind::Seq { items, .. } => Value::Seq(items.iter().map(|i| self.node(i)).collect::<Result<_, _>>()?),
            Kind::Map { entries, .. } => Value::Map(
                entries
                    .iter()
                    .map(|e| Ok(Entry { key: self.node(&e.key)?, value: self.node(&e.value)? }))
                    .collect::<Result<_, SyntaxError>>()?,
            ),
        };
        let node = Node { id: self.id(n.pos)?, pos: n.pos, value };
        if n.anchor != 0 {
            self.anchors.insert(n.anchor, node.clone());
        }
        Ok(node)
    }
}

/// The tags a scenario may use: YAML's own. Any other (`!evil`, `!vault`) asks the reader for a type it does
/// not have; a reader that honoured it would read something else than firedrill does.
const CORE_TAGS: [&str; 7] = ["str", "int", "float", "bool", "null", "map", "seq"];

fn refuse_tag(n: &tree::Node) -> Result<(), SyntaxError> {
    match n.tag.as_deref() {
        Some(tag) if !CORE_TAGS.contains(&tag) => Err(SyntaxError {
            pos: n.pos,
            message: format!(
                "the tag `{}` is not one firedrill reads (only YAML's own, such as `!!str`)",
                crate::redact::excerpt(tag)
            ),
            hint: Some("remove the tag; to keep a value that starts with `!` as text, quote it".into()),
        }),
        _ => Ok(()),
    }
}

/// An integer with more digits than 64 bits hold would silently become a float (`1.0e+42`): refused.
fn refuse_huge_integer(n: &tree::Node, text: &str, style: tree::Style) -> Result<(), SyntaxError> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let integer = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let plain = style == tree::Style::Plain && n.tag.as_deref().is_none_or(|t| t == "int");
    if integer && plain && matches!(crate::yaml::scalar::core(text), Scalar::Float(_)) {
        return Err(SyntaxError {
            pos: n.pos,
            message: format!(
                "the integer {} is too large: it would be read as the float {}, losing its digits",
                quote(text),
                text.parse::<f64>().map_or_else(|_| "?".into(), |f| format!("{f:e}"))
            ),
            hint: Some(format!(
                "quote it if it is text (\"{text}\"), or use an integer between {} and {}",
                i64::MIN,
                u64::MAX
            )),
        });
    }
    Ok(())
}

/// Parses `text` into one tree per YAML document. Stops at the first syntax error.
pub fn parse(text: &str) -> Result<Vec<Node>, SyntaxError> {
    let mut b = Builder { next_id: 0, anchors: HashMap::new() };
    tree::parse(text)?
        .iter()
        .map(|d| {
            b.anchors.clear();
            b.node(&d.root)
        })
        .collect()
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
