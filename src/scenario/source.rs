//! A loaded file's tree, used to point diagnostics at the key or value of a field path.

use super::diagnostic::Diagnostic;
use super::shape::{FieldPath, Seg};
use super::yaml::{Node, Pos, Value};

/// A file's name and positioned YAML tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub file: String,
    pub(crate) root: Node,
}

/// Parses `fault[0].path` into a field path (keys of the models never contain `.` or `[`).
pub(crate) fn field(path: &str) -> FieldPath {
    let mut segs = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, indexes) = part.split_once('[').map_or((part, ""), |(k, rest)| (k, rest));
        if !key.is_empty() {
            segs.push(Seg::Key(key.to_owned()));
        }
        for index in indexes.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                segs.push(Seg::Index(i));
            }
        }
    }
    FieldPath(segs)
}

impl Source {
    /// The node at `path`, with the position of the key holding it, as deep as the path exists.
    fn find(&self, path: &FieldPath) -> (&Node, Option<Pos>, bool) {
        let mut node = &self.root;
        let mut key_pos = None;
        for seg in &path.0 {
            let next = match (seg, &node.value) {
                (Seg::Key(k), Value::Map(_)) => node.entry(k).map(|e| (&e.value, Some(e.key.pos))),
                (Seg::Index(i), Value::Seq(items)) => items.get(*i).map(|n| (n, None)),
                _ => None,
            };
            match next {
                Some((n, k)) => {
                    node = n;
                    key_pos = k;
                }
                None => return (node, key_pos, false),
            }
        }
        (node, key_pos, true)
    }

    /// The position of the value at `path` (its key when the value is empty; the nearest existing parent's
    /// key when the field is absent).
    pub fn value_pos(&self, path: &str) -> Pos {
        let (node, key_pos, found) = self.find(&field(path));
        match (&node.value, key_pos) {
            (_, Some(k)) if !found => k,
            (Value::Scalar { text, .. }, Some(k)) if text.is_empty() => k,
            _ => node.pos,
        }
    }

    /// The position of the key of the field at `path` (the value's position for list items and the root).
    pub fn key_pos(&self, path: &str) -> Pos {
        let (node, key_pos, _) = self.find(&field(path));
        key_pos.unwrap_or(node.pos)
    }

    /// The node at `path`, if it exists.
    pub(crate) fn node(&self, path: &str) -> Option<&Node> {
        let (node, _, found) = self.find(&field(path));
        found.then_some(node)
    }

    /// A diagnostic about the value at `path`.
    pub fn at_value(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(&self.file, self.value_pos(path), path, message)
    }

    /// A diagnostic about the key at `path`.
    pub fn at_key(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(&self.file, self.key_pos(path), path, message)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn finds_positions_by_field_path() {
        let root = super::super::yaml::parse("a:\n  b:\n    - x: 1\n    - y:\n").unwrap().remove(0);
        let src = Source { file: "f.yaml".into(), root };
        assert_eq!(field("a.b[1].y").to_string(), "a.b[1].y");
        assert_eq!(src.value_pos("a.b[0].x"), Pos { line: 3, column: 10 });
        assert_eq!(src.key_pos("a.b[0].x"), Pos { line: 3, column: 7 });
        assert_eq!(src.value_pos("a.b[1].y"), Pos { line: 4, column: 7 });
        assert_eq!(src.value_pos("a.b[0].missing"), Pos { line: 3, column: 7 });
        assert_eq!(src.key_pos("a"), Pos { line: 1, column: 1 });
    }
}
