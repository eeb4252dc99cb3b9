//! Reading TOML: the file as the JSON form of its data (datetimes as RFC 3339 strings), and the navigation
//! from a JSON pointer to the tables, arrays of tables and values that hold it, with their byte spans.

use std::ops::Range;

use serde_json::{Map, Number, Value};
use toml_edit::{ArrayOfTables, Document, Item, Table};

use super::TValue;
use crate::patch::{Location, PatchError, PatchErrorKind, Pointer};

pub(crate) fn parse_value(text: &str) -> Result<Value, PatchError> {
    let doc = parse_doc(text)?;
    table_json(text, doc.as_table())
}

pub(super) fn parse_doc(text: &str) -> Result<Document<String>, PatchError> {
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

pub(super) fn table_json(text: &str, t: &Table) -> Result<Value, PatchError> {
    let mut m = Map::new();
    for (k, item) in t.iter() {
        m.insert(k.to_owned(), item_json(text, item)?);
    }
    Ok(Value::Object(m))
}

pub(super) fn item_json(text: &str, item: &Item) -> Result<Value, PatchError> {
    match item {
        Item::None => Ok(Value::Null),
        Item::Value(v) => value_json(text, v),
        Item::Table(t) => table_json(text, t),
        Item::ArrayOfTables(a) => Ok(Value::Array(a.iter().map(|t| table_json(text, t)).collect::<Result<_, _>>()?)),
    }
}

pub(super) fn value_json(text: &str, v: &TValue) -> Result<Value, PatchError> {
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

#[derive(Clone, Copy)]
pub(super) enum Node<'a> {
    Table(&'a Table),
    Aot(&'a ArrayOfTables),
    Value(&'a TValue),
}

pub(super) fn item_node(item: &Item) -> Option<Node<'_>> {
    match item {
        Item::Table(t) => Some(Node::Table(t)),
        Item::ArrayOfTables(a) => Some(Node::Aot(a)),
        Item::Value(v) => Some(Node::Value(v)),
        Item::None => None,
    }
}

pub(super) fn child<'a>(node: Node<'a>, tok: &str) -> Option<Node<'a>> {
    match node {
        Node::Table(t) => t.get(tok).and_then(item_node),
        Node::Aot(a) => a.get(Pointer::array_index(tok)?).map(Node::Table),
        Node::Value(TValue::Array(a)) => a.get(Pointer::array_index(tok)?).map(Node::Value),
        Node::Value(TValue::InlineTable(t)) => t.get(tok).map(Node::Value),
        Node::Value(_) => None,
    }
}

/// The nodes from the root to `path` (inclusive): `chain[i]` is the parent of `path.tokens[i]`.
pub(super) fn chain<'a>(root: &'a Table, path: &Pointer) -> Option<Vec<Node<'a>>> {
    let mut out = vec![Node::Table(root)];
    for tok in &path.tokens {
        out.push(child(out[out.len() - 1], tok)?);
    }
    Some(out)
}

pub(super) fn key_span(parent: Node<'_>, tok: &str) -> Option<Range<usize>> {
    match parent {
        Node::Table(t) => t.key(tok)?.span(),
        Node::Value(TValue::InlineTable(t)) => t.key(tok)?.span(),
        _ => None,
    }
}

pub(super) fn is_header(t: &Table) -> bool {
    !t.is_dotted() && !t.is_implicit()
}

pub(super) fn node_start(node: Node<'_>) -> Option<usize> {
    match node {
        Node::Table(t) if is_header(t) => t.span().map(|s| s.start),
        Node::Aot(a) => a.get(0)?.span().map(|s| s.start),
        Node::Value(v) => v.span().map(|s| s.start),
        Node::Table(_) => None,
    }
}
