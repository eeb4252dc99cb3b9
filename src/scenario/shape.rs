//! Checks a positioned YAML tree against the JSON Schema generated from the model types, collecting every
//! problem (unknown keys, missing keys, wrong types, bad values) with the position of the key or value.
//!
//! The schema is the one `firedrill schema` prints, so the committed schema and the validator cannot drift
//! apart. Values with a [`Leaf`](super::value::Leaf) type (durations, cron expressions, time zones…) are
//! checked by that type's parser, which explains what is wrong far better than a pattern could.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde_json::{Map, Value as J};

use super::diagnostic::Diagnostic;
use super::value::leaf;
use super::yaml::{Node, Pos, Scalar, Value, quote};

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A field path such as `fault[0].path`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    pub fn key(&self, k: &str) -> FieldPath {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_owned()));
        p
    }
    pub fn index(&self, i: usize) -> FieldPath {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The outcome of a shape check.
pub struct Shape<'a> {
    file: &'a str,
    defs: &'a Map<String, J>,
    pub diags: Vec<Diagnostic>,
    /// Scalars to read as strings whatever they look like (a plain `2024` where a string is expected).
    pub as_string: HashSet<usize>,
}

/// The kind of a node, in JSON Schema terms.
fn kind(node: &Node) -> &'static str {
    match &node.value {
        Value::Map(_) => "object",
        Value::Seq(_) => "array",
        Value::Scalar { .. } => match node.scalar() {
            Some(Scalar::Null) => "null",
            Some(Scalar::Bool(_)) => "boolean",
            Some(Scalar::Int(_)) => "integer",
            Some(Scalar::Float(_)) => "number",
            _ => "string",
        },
    }
}

fn types(schema: &J) -> Vec<&str> {
    match schema.get("type") {
        Some(J::String(t)) => vec![t.as_str()],
        Some(J::Array(ts)) => ts.iter().filter_map(J::as_str).collect(),
        _ => Vec::new(),
    }
}

fn alternatives(schema: &J) -> Option<&Vec<J>> {
    schema.get("anyOf").or_else(|| schema.get("oneOf")).and_then(J::as_array)
}

fn ref_name(schema: &J) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix("#/$defs/")
}

fn is_null_schema(schema: &J) -> bool {
    types(schema) == ["null"] && schema.get("$ref").is_none()
}

/// The allowed string values of an `enum`/`const` schema, or `None`.
fn allowed_strings(schema: &J) -> Option<Vec<String>> {
    if let Some(c) = schema.get("const") {
        return c.as_str().map(|s| vec![s.to_owned()]);
    }
    let values = schema.get("enum")?.as_array()?;
    values.iter().map(|v| v.as_str().map(str::to_owned)).collect()
}

pub use crate::suggest::did_you_mean;

fn backticked(items: &[String]) -> String {
    items.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

/// The first sentence of a schema description, for hints.
fn first_sentence(schema: &J) -> Option<String> {
    let d = schema.get("description")?.as_str()?.replace('\n', " ");
    let end = [d.find(". "), d.find(" ("), d.find(": ")].into_iter().flatten().min().unwrap_or(d.len());
    Some(d[..end].trim_end_matches('.').to_owned())
}

impl<'a> Shape<'a> {
    pub fn new(file: &'a str, root_schema: &'a J) -> Self {
        static EMPTY: std::sync::LazyLock<Map<String, J>> = std::sync::LazyLock::new(Map::new);
        let defs = root_schema.get("$defs").and_then(J::as_object).unwrap_or(&EMPTY);
        Shape { file, defs, diags: Vec::new(), as_string: HashSet::new() }
    }

    fn resolve<'s>(&'s self, schema: &'s J) -> &'s J {
        let mut s = schema;
        // `$ref` chains are short; the bound only guards against a cyclic schema.
        for _ in 0..16 {
            match ref_name(s).and_then(|n| self.defs.get(n)) {
                Some(target) if leaf(ref_name(s).unwrap_or_default()).is_none() => s = target,
                _ => break,
            }
        }
        s
    }

    fn error(&mut self, pos: Pos, path: &FieldPath, message: String, hint: Option<String>) {
        self.diags.push(Diagnostic::new(self.file, pos, path.to_string(), message).with_hint(hint));
    }

    /// Where to point for a problem with `node`'s value: the value itself, or its key when the value is
    /// empty (an empty value has no position of its own worth showing).
    fn value_pos(node: &Node, key_pos: Option<Pos>) -> Pos {
        match (&node.value, key_pos) {
            (Value::Scalar { text, .. }, Some(k)) if text.is_empty() => k,
            _ => node.pos,
        }
    }

    /// Describes what `schema` accepts: "a string", "a mapping", "one of yaml, json".
    fn expected(&self, schema: &J) -> String {
        if let Some(info) = ref_name(schema).and_then(leaf) {
            return info.expected.to_owned();
        }
        let schema = self.resolve(schema);
        if let Some(alts) = alternatives(schema) {
            let parts: Vec<String> = alts.iter().filter(|a| !is_null_schema(a)).map(|a| self.expected(a)).collect();
            return parts.join(" or ");
        }
        if let Some(values) = allowed_strings(schema) {
            return if values.len() == 1 {
                format!("`{}`", values[0])
            } else {
                format!("one of {}", backticked(&values))
            };
        }
        let ts: Vec<&str> = types(schema).into_iter().filter(|t| *t != "null").collect();
        let words: Vec<&str> = ts
            .iter()
            .map(|t| match *t {
                "object" => "a mapping",
                "array" => "a list",
                "string" => "a string",
                "integer" => "a whole number",
                "number" => "a number",
                "boolean" => "true or false",
                _ => "a value",
            })
            .collect();
        if words.is_empty() { "a value".into() } else { words.join(" or ") }
    }

    /// Whether `node` has the kind `schema` expects (not whether it is fully valid).
    fn accepts_kind(&self, schema: &J, node: &Node) -> bool {
        if schema.as_bool() == Some(true) {
            return true;
        }
        if ref_name(schema).and_then(leaf).is_some() {
            return matches!(node.value, Value::Scalar { .. }) && !node.is_null();
        }
        let schema = self.resolve(schema);
        if let Some(alts) = alternatives(schema) {
            return alts.iter().any(|a| self.accepts_kind(a, node));
        }
        if allowed_strings(schema).is_some() {
            return matches!(node.value, Value::Scalar { .. }) && !node.is_null();
        }
        let ts = types(schema);
        let k = kind(node);
        ts.is_empty()
            || ts.contains(&k)
            || (k == "integer" && ts.contains(&"number"))
            || (ts.contains(&"string") && matches!(k, "integer" | "number" | "boolean"))
    }

    /// Checks `node` against `schema`. `key_pos` is the position of the key holding `node`, if any.
    pub fn check(&mut self, node: &Node, schema: &J, path: &FieldPath, key_pos: Option<Pos>) {
        match schema {
            J::Bool(true) => return,
            J::Bool(false) => {
                let pos = Self::value_pos(node, key_pos);
                return self.error(pos, path, "no value is allowed here".into(), None);
            }
            _ => {}
        }
        if let Some(name) = ref_name(schema) {
            if let Some(info) = leaf(name) {
                return self.check_leaf(node, &info, path, key_pos);
            }
            let Some(target) = self.defs.get(name) else { return };
            return self.check(node, target, path, key_pos);
        }
        if let Some(alts) = alternatives(schema) {
            return self.check_union(node, alts, path, key_pos);
        }
        if let Some(values) = allowed_strings(schema) {
            return self.check_enum(node, &values, path, key_pos);
        }
        let ts = types(schema);
        let k = kind(node);
        let pos = Self::value_pos(node, key_pos);
        let coerced = ts.contains(&"string") && matches!(k, "integer" | "number" | "boolean");
        let fits = ts.is_empty() || ts.contains(&k) || coerced || (k == "integer" && ts.contains(&"number"));
        if !fits {
            return self.type_error(node, schema, path, key_pos);
        }
        match &node.value {
            Value::Map(entries) => self.check_object(node, entries, schema, path, key_pos),
            Value::Seq(items) => {
                if let Some(min) = schema.get("minItems").and_then(J::as_u64)
                    && (items.len() as u64) < min
                {
                    self.error(pos, path, format!("expected at least {min} item(s), found {}", items.len()), None);
                }
                let item_schema = schema.get("items").cloned().unwrap_or(J::Bool(true));
                for (i, item) in items.iter().enumerate() {
                    self.check(item, &item_schema, &path.index(i), None);
                }
            }
            Value::Scalar { text, .. } => {
                if coerced || k == "string" {
                    self.as_string.insert(node.id);
                    if let Some(min) = schema.get("minLength").and_then(J::as_u64)
                        && (text.chars().count() as u64) < min
                    {
                        self.error(pos, path, "the value is empty".into(), Some("write some text".into()));
                    }
                }
                if let Some(Scalar::Int(n)) = node.scalar()
                    && let Some(min) = schema.get("minimum").and_then(J::as_f64)
                    && n.as_f64().is_some_and(|v| v < min)
                {
                    self.error(pos, path, format!("expected a number of at least {min}, found {text}"), None);
                }
            }
        }
    }

    fn type_error(&mut self, node: &Node, schema: &J, path: &FieldPath, key_pos: Option<Pos>) {
        let pos = Self::value_pos(node, key_pos);
        let expected = self.expected(schema);
        let found = node.describe();
        let message = if node.is_null() {
            format!("missing value: expected {expected}")
        } else {
            format!("expected {expected}, found {found}")
        };
        let resolved = self.resolve(schema);
        let ts = types(resolved);
        let hint = match (&node.value, kind(node)) {
            (Value::Map(_), _) if ts.contains(&"string") => Some(
                "quote the text: a value starting with `{` is a YAML mapping, so write \"{{ … }}\" in quotes".into(),
            ),
            (Value::Scalar { text, .. }, "string") if ts.contains(&"boolean") => {
                match text.to_ascii_lowercase().as_str() {
                    "yes" | "on" | "y" => Some("write `true`".into()),
                    "no" | "off" | "n" => Some("write `false`".into()),
                    _ => Some("write `true` or `false`".into()),
                }
            }
            (Value::Scalar { .. }, _) if ts.contains(&"array") => {
                Some(format!("write a list: `- {}` on its own line", node.scalar_text().unwrap_or("…")))
            }
            _ => None,
        };
        self.error(pos, path, message, hint);
    }

    fn check_leaf(&mut self, node: &Node, info: &super::value::LeafInfo, path: &FieldPath, key_pos: Option<Pos>) {
        let pos = Self::value_pos(node, key_pos);
        let expected = info.expected;
        match &node.value {
            Value::Scalar { text, .. } if !node.is_null() => {
                if let Err(e) = (info.check)(text) {
                    self.error(pos, path, e.message, e.hint);
                } else {
                    self.as_string.insert(node.id);
                }
            }
            _ if node.is_null() => self.error(pos, path, format!("missing value: expected {expected}"), None),
            _ => self.error(pos, path, format!("expected {expected}, found {}", node.describe()), None),
        }
    }

    fn check_enum(&mut self, node: &Node, values: &[String], path: &FieldPath, key_pos: Option<Pos>) {
        let pos = Self::value_pos(node, key_pos);
        let text = match (&node.value, node.is_null()) {
            (Value::Scalar { text, .. }, false) => text,
            _ => {
                let expected = format!("one of {}", backticked(values));
                let message = if node.is_null() {
                    format!("missing value: expected {expected}")
                } else {
                    format!("expected {expected}, found {}", node.describe())
                };
                return self.error(pos, path, message, None);
            }
        };
        if values.iter().any(|v| v == text) {
            self.as_string.insert(node.id);
            return;
        }
        let hint = did_you_mean(text, values.iter().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
        self.error(pos, path, format!("unknown value {}: expected one of {}", quote(text), backticked(values)), hint);
    }

    fn check_union(&mut self, node: &Node, alts: &[J], path: &FieldPath, key_pos: Option<Pos>) {
        if node.is_null() && alts.iter().any(|a| self.accepts_kind(a, node) && is_null_schema(self.resolve(a))) {
            return;
        }
        let non_null: Vec<&J> = alts.iter().filter(|a| !is_null_schema(self.resolve(a))).collect();
        if let [only] = non_null.as_slice() {
            let only = (*only).clone();
            return self.check(node, &only, path, key_pos);
        }
        if let Some((tag, variants)) = self.discriminator(&non_null) {
            return self.check_tagged(node, &tag, &variants, path, key_pos);
        }
        let matching: Vec<J> = non_null.iter().filter(|a| self.accepts_kind(a, node)).map(|a| (*a).clone()).collect();
        match matching.as_slice() {
            [] => {
                let union = J::Object(Map::from_iter([("anyOf".to_owned(), J::Array(alts.to_vec()))]));
                self.type_error(node, &union, path, key_pos);
            }
            [one] => {
                let before = self.diags.len();
                self.check(node, one, path, key_pos);
                // The value matched one alternative by its kind only: say what the field takes as a whole.
                if self.diags.len() > before {
                    let union = J::Object(Map::from_iter([(
                        "anyOf".to_owned(),
                        J::Array(non_null.iter().map(|a| (*a).clone()).collect()),
                    )]));
                    let all = self.expected(&union);
                    for d in &mut self.diags[before..] {
                        d.hint.get_or_insert_with(|| format!("`{path}` takes {all}"));
                    }
                }
            }
            several => {
                let mut first_errors = None;
                for alt in several {
                    let mut sub =
                        Shape { file: self.file, defs: self.defs, diags: Vec::new(), as_string: HashSet::new() };
                    sub.check(node, alt, path, key_pos);
                    if sub.diags.is_empty() {
                        self.as_string.extend(sub.as_string);
                        return;
                    }
                    first_errors.get_or_insert(sub.diags);
                }
                self.diags.extend(first_errors.unwrap_or_default());
            }
        }
    }

    /// For a union of objects that each fix one property to a constant (serde's internally tagged enums),
    /// that property's name and the variants by tag value.
    fn discriminator(&self, alts: &[&J]) -> Option<(String, Vec<(String, J)>)> {
        let mut tag: Option<String> = None;
        let mut variants = Vec::new();
        for alt in alts {
            let alt = self.resolve(alt);
            let props = alt.get("properties")?.as_object()?;
            let (name, value) = props.iter().find_map(|(name, p)| {
                let values = allowed_strings(self.resolve(p))?;
                (values.len() == 1).then(|| (name.clone(), values[0].clone()))
            })?;
            if tag.get_or_insert_with(|| name.clone()) != &name {
                return None;
            }
            variants.push((value, alt.clone()));
        }
        Some((tag?, variants))
    }

    fn check_tagged(
        &mut self,
        node: &Node,
        tag: &str,
        variants: &[(String, J)],
        path: &FieldPath,
        key_pos: Option<Pos>,
    ) {
        let names: Vec<String> = variants.iter().map(|(n, _)| n.clone()).collect();
        if !matches!(node.value, Value::Map(_)) {
            let pos = Self::value_pos(node, key_pos);
            let message =
                format!("expected a mapping with `{tag}` (one of {}), found {}", backticked(&names), node.describe());
            return self.error(pos, path, message, None);
        }
        let Some(entry) = node.entry(tag) else {
            let message = format!("missing required key `{tag}`: expected one of {}", backticked(&names));
            return self.error(node.pos, path, message, None);
        };
        let value = entry.value.scalar_text().filter(|_| !entry.value.is_null());
        match value.and_then(|v| variants.iter().find(|(n, _)| n == v)) {
            Some((_, schema)) => self.check(node, schema, path, key_pos),
            None => {
                let pos = Self::value_pos(&entry.value, Some(entry.key.pos));
                let found = value.map_or_else(|| entry.value.describe(), |v| format!("`{v}`"));
                let hint = value
                    .and_then(|v| did_you_mean(v, names.iter().map(String::as_str)))
                    .map(|s| format!("did you mean `{s}`?"));
                self.error(
                    pos,
                    &path.key(tag),
                    format!("unknown {tag} {found}: expected one of {}", backticked(&names)),
                    hint,
                );
            }
        }
    }

    fn check_object(
        &mut self,
        node: &Node,
        entries: &[super::yaml::Entry],
        schema: &J,
        path: &FieldPath,
        key_pos: Option<Pos>,
    ) {
        let empty = Map::new();
        let props = schema.get("properties").and_then(J::as_object).unwrap_or(&empty);
        let additional = schema.get("additionalProperties");
        let required: Vec<&str> = schema
            .get("required")
            .and_then(J::as_array)
            .map(|r| r.iter().filter_map(J::as_str).collect())
            .unwrap_or_default();
        let mut seen: HashMap<String, Pos> = HashMap::new();
        let mut suggested: HashSet<String> = HashSet::new();
        for entry in entries {
            let Some(key) = entry.key.scalar_text().filter(|_| matches!(entry.key.value, Value::Scalar { .. })) else {
                self.error(entry.key.pos, path, "a key must be a plain word, not a list or mapping".into(), None);
                continue;
            };
            if let Some(first) = seen.get(key) {
                let message = format!("duplicate key `{key}` (first set on line {})", first.line);
                self.error(entry.key.pos, path, message, Some("keep only one of them".into()));
                continue;
            }
            seen.insert(key.to_owned(), entry.key.pos);
            if let Some(prop) = props.get(key) {
                self.check(&entry.value, prop, &path.key(key), Some(entry.key.pos));
                continue;
            }
            match additional {
                Some(J::Bool(false)) => {
                    let allowed: Vec<String> = props.keys().cloned().collect();
                    let unused = allowed.iter().filter(|k| !entries.iter().any(|e| e.key.scalar_text() == Some(k)));
                    let guess = did_you_mean(key, unused.map(String::as_str)).map(str::to_owned);
                    let list = format!("allowed keys here: {}", backticked(&allowed));
                    let hint = match &guess {
                        Some(g) => format!("did you mean `{g}`? {list}"),
                        None => list,
                    };
                    if let Some(g) = guess {
                        suggested.insert(g);
                    }
                    self.error(entry.key.pos, path, format!("unknown key `{key}`"), Some(hint));
                }
                Some(extra) if extra.is_object() => {
                    let extra = extra.clone();
                    self.check(&entry.value, &extra, &path.key(key), Some(entry.key.pos));
                }
                _ => {}
            }
        }
        for key in required {
            if seen.contains_key(key) || suggested.contains(key) {
                continue;
            }
            let pos = key_pos.unwrap_or(node.pos);
            let hint = props.get(key).map(|p| {
                let about = first_sentence(self.resolve(p)).or_else(|| first_sentence(p));
                match about {
                    Some(a) => format!("add `{key}: …` — {}", a.to_lowercase_first()),
                    None => format!("add `{key}: …`"),
                }
            });
            self.error(pos, path, format!("missing required key `{key}`"), hint);
        }
    }
}

trait LowerFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowerFirst for String {
    fn to_lowercase_first(&self) -> String {
        let mut chars = self.chars();
        match chars.next() {
            // Keep acronyms and code (`RFC`, `owner/name`) as they are.
            Some(c) if !chars.clone().next().is_some_and(char::is_uppercase) => {
                c.to_lowercase().collect::<String>() + chars.as_str()
            }
            _ => self.clone(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_print_dotted() {
        let p = FieldPath::default().key("fault").index(0).key("path");
        assert_eq!(p.to_string(), "fault[0].path");
    }
}
