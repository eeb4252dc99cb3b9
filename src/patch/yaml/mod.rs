//! The YAML engine: RFC 6902 operations as minimal splices of the original text, each one verified.
//!
//! For every operation: the reference result comes from `json-patch` on the document as serde_norway
//! reads it; the splice comes from [`edit`] on a positioned tree from saphyr-parser; the spliced text is
//! read again by serde_norway and must give exactly the reference result, with every other document of
//! the stream unchanged. Finally every plain scalar in the changed region must read the same under
//! YAML 1.1 (Helm, kubectl) as under YAML 1.2. Anything else is refused, never written.

mod edit;
mod render;
mod tree;

use serde_json::Value;

use super::verify::{self, op_path};
use super::{DocumentSelector, Location, Patch, PatchError, PatchErrorKind, PatchOperation, Pointer};
use edit::{Editor, Splice};

pub(crate) fn apply(text: &str, patch: &Patch, selector: Option<&DocumentSelector>) -> Result<String, PatchError> {
    let values = stream_values(text)?;
    let index = select(&values, selector)?;
    let mut current = text.to_owned();
    for (i, op) in patch.0.iter().enumerate() {
        current = apply_op(&current, index, op).map_err(|e| e.for_op(i, &op_path(op)))?;
    }
    check_yaml_1_1(text, &current, index)?;
    Ok(current)
}

pub(crate) fn parse_value(text: &str, selector: Option<&DocumentSelector>) -> Result<Value, PatchError> {
    let mut values = stream_values(text)?;
    let index = select(&values, selector)?;
    Ok(values.swap_remove(index))
}

/// Applies one operation to document `index` of the stream `text`.
fn apply_op(text: &str, index: usize, op: &PatchOperation) -> Result<String, PatchError> {
    let values = stream_values(text)?;
    let docs = tree::parse(text)?;
    if docs.len() != values.len() {
        return Err(PatchError::new(
            PatchErrorKind::Unsupported,
            format!("the YAML readers disagree on the number of documents ({} and {})", docs.len(), values.len()),
        ));
    }
    let editor = Editor::new(text, &docs[index]);
    let expected = verify::expected(&values[index], &Patch(vec![op.clone()]));
    let expected = match expected {
        Ok(v) => v,
        Err(reference) => {
            // Prefer our own located error (it names line and column); fall back to the reference's words.
            return Err(locate_failure(&editor, op, &values[index]).unwrap_or(reference));
        }
    };
    let pointer = |p: &dyn ToString| Pointer::parse(&p.to_string());
    let edits: Vec<Step> = match op {
        PatchOperation::Test(_) => return Ok(text.to_owned()),
        PatchOperation::Replace(o) => vec![Step::Replace(pointer(&o.path)?, o.value.clone())],
        PatchOperation::Add(o) => vec![Step::Add(pointer(&o.path)?, o.value.clone())],
        PatchOperation::Remove(o) => vec![Step::Remove(pointer(&o.path)?)],
        PatchOperation::Copy(o) => vec![Step::Add(pointer(&o.path)?, value_at(&values[index], &o.from.to_string()))],
        PatchOperation::Move(o) => {
            if o.from == o.path {
                return Ok(text.to_owned());
            }
            vec![
                Step::Remove(pointer(&o.from)?),
                Step::Add(pointer(&o.path)?, value_at(&values[index], &o.from.to_string())),
            ]
        }
    };
    let mut out = text.to_owned();
    for step in edits {
        let docs = tree::parse(&out)?;
        let editor = Editor::new(&out, &docs[index]);
        let splice = match &step {
            Step::Replace(p, v) => editor.replace(p, v)?,
            Step::Add(p, v) => editor.add(p, v)?,
            Step::Remove(p) => editor.remove(p)?,
        };
        out = splice_text(&out, &splice);
    }
    let after = stream_values(&out).map_err(|e| {
        PatchError::new(
            PatchErrorKind::Verification,
            format!("refusing to write: the edited file would not parse ({})", e.message),
        )
        .hint("this is a limitation of the format-preserving editor; please report it with the file and the patch")
    })?;
    if after.len() != values.len() {
        return Err(PatchError::new(
            PatchErrorKind::Verification,
            "refusing to write: the edit would change the number of documents",
        ));
    }
    for (i, (b, a)) in values.iter().zip(&after).enumerate() {
        if i == index {
            verify::check(&expected, a)?;
        } else if a != b {
            return Err(PatchError::new(
                PatchErrorKind::Verification,
                format!("refusing to write: the edit would change document {i}"),
            ));
        }
    }
    Ok(out)
}

enum Step {
    Replace(Pointer, Value),
    Add(Pointer, Value),
    Remove(Pointer),
}

fn splice_text(text: &str, s: &Splice) -> String {
    let mut out = String::with_capacity(text.len() + s.with.len());
    out.push_str(&text[..s.start]);
    out.push_str(&s.with);
    out.push_str(&text[s.end..]);
    out
}

fn value_at(doc: &Value, ptr: &str) -> Value {
    doc.pointer(ptr).cloned().unwrap_or(Value::Null)
}

/// Explains why the reference implementation refused an operation, with a position.
fn locate_failure(editor: &Editor<'_>, op: &PatchOperation, doc: &Value) -> Option<PatchError> {
    let path = op_path(op);
    let ptr = Pointer::parse(&path).ok()?;
    match op {
        PatchOperation::Add(o) => editor.add(&ptr, &o.value).err(),
        PatchOperation::Test(o) => {
            let actual = doc.pointer(&path);
            let err = editor.replace(&ptr, &o.value).err();
            if err.is_some() {
                return err;
            }
            let at = find_location(editor, &ptr);
            let found = actual.map_or_else(|| "nothing".to_owned(), |v| v.to_string());
            let mut e = PatchError::new(
                PatchErrorKind::TestFailed,
                format!("`test` failed: `{path}` is {found}, not {}", o.value),
            );
            e.at = at;
            Some(e.hint(
                "the file no longer holds what the patch expects; check the `test` value against the current file",
            ))
        }
        PatchOperation::Move(o) => editor.remove(&Pointer::parse(&o.from.to_string()).ok()?).err(),
        PatchOperation::Copy(o) => editor.replace(&Pointer::parse(&o.from.to_string()).ok()?, &Value::Null).err(),
        _ => editor.remove(&ptr).err(),
    }
}

fn find_location(editor: &Editor<'_>, ptr: &Pointer) -> Option<Location> {
    editor.replace(ptr, &Value::Null).ok().map(|s| Location::of_byte(editor.text, s.start))
}

/// Every document of the stream as serde_norway reads it, converted to JSON values.
fn stream_values(text: &str) -> Result<Vec<Value>, PatchError> {
    use serde::Deserialize;
    let mut out = Vec::new();
    for de in serde_norway::Deserializer::from_str(text) {
        let v = serde_norway::Value::deserialize(de).map_err(|e| {
            let mut err = PatchError::new(PatchErrorKind::Parse, format!("the file is not valid YAML: {e}"));
            if let Some(l) = e.location() {
                err = err.at(Location { line: l.line(), column: l.column() });
            }
            err
        })?;
        out.push(to_json(v));
    }
    Ok(out)
}

fn to_json(v: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| Value::String(n.to_string()), Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let key = match to_json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => to_json(t.value),
    }
}

/// Picks the document a patch applies to.
fn select(values: &[Value], selector: Option<&DocumentSelector>) -> Result<usize, PatchError> {
    match selector {
        None if values.len() <= 1 => {
            if values.is_empty() {
                return Err(PatchError::new(PatchErrorKind::Document, "the file holds no YAML document"));
            }
            Ok(0)
        }
        None => Err(PatchError::new(
            PatchErrorKind::Document,
            format!("the file holds {} YAML documents and no document was chosen", values.len()),
        )
        .hint(format!(
            "choose one by index (0 to {}) or by `Kind/name`: {}",
            values.len() - 1,
            describe_documents(values)
        ))),
        Some(DocumentSelector::Index(i)) if *i < values.len() => Ok(*i),
        Some(DocumentSelector::Index(i)) => Err(PatchError::new(
            PatchErrorKind::Document,
            format!("document {i} does not exist: the file holds {} document(s)", values.len()),
        )
        .hint(format!("documents are counted from 0: {}", describe_documents(values)))),
        Some(sel @ DocumentSelector::Named { kind, name }) => {
            let matches: Vec<usize> = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.pointer("/metadata/name").and_then(Value::as_str) == Some(name))
                .filter(|(_, v)| kind.as_deref().is_none_or(|k| v.get("kind").and_then(Value::as_str) == Some(k)))
                .map(|(i, _)| i)
                .collect();
            match matches.as_slice() {
                [one] => Ok(*one),
                [] => Err(PatchError::new(PatchErrorKind::Document, format!("no document matches `{sel}`"))
                    .hint(format!("the file holds: {}", describe_documents(values)))),
                many => Err(PatchError::new(
                    PatchErrorKind::Document,
                    format!("{} documents match `{sel}` (indexes {many:?})", many.len()),
                )
                .hint("add the kind (`Kind/name`) or use an index")),
            }
        }
    }
}

fn describe_documents(values: &[Value]) -> String {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let kind = v.get("kind").and_then(Value::as_str);
            let name = v.pointer("/metadata/name").and_then(Value::as_str);
            match (kind, name) {
                (Some(k), Some(n)) => format!("{i} = {k}/{n}"),
                (None, Some(n)) => format!("{i} = {n}"),
                _ => format!("{i} = (unnamed)"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Plain scalars written by the edit must mean the same to YAML 1.1 readers (go-yaml v2: Helm, kubectl).
fn check_yaml_1_1(before: &str, after: &str, index: usize) -> Result<(), PatchError> {
    let prefix = before.bytes().zip(after.bytes()).take_while(|(a, b)| a == b).count();
    let suffix = before
        .bytes()
        .rev()
        .zip(after.bytes().rev())
        .take_while(|(a, b)| a == b)
        .count()
        .min(after.len() - prefix)
        .min(before.len() - prefix);
    let (from, to) = (prefix, after.len() - suffix);
    if from >= to {
        return Ok(());
    }
    let docs = tree::parse(after)?;
    let mut bad = None;
    docs[index].root.walk(&mut |n| {
        if let Some((value, tree::Style::Plain)) = n.as_scalar() {
            let touched = n.content < to && n.end > from;
            if touched && bad.is_none() && render::resolve_1_1(value) != render::resolve_1_2(value) {
                bad = Some((n.content, value.to_owned()));
            }
        }
    });
    match bad {
        Some((at, v)) => Err(PatchError::new(
            PatchErrorKind::Verification,
            format!("refusing to write: the plain value `{v}` reads differently under YAML 1.1 (Helm, kubectl) than under YAML 1.2"),
        )
        .at(Location::of_byte(after, at))
        .hint("write the value as a quoted string in the patch's target, or report this case")),
        None => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
