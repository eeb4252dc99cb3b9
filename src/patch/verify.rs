//! The engine's safety net: an edited text is accepted only if it parses to what RFC 6902 gives.

use serde_json::Value;

use super::{Patch, PatchError, PatchErrorKind, PatchOperation, Pointer};

/// Applies `patch` to the parsed document with the reference implementation (`json-patch`), mapping its
/// failures to our error kinds. This is the meaning every engine must reproduce.
pub(crate) fn expected(before: &Value, patch: &Patch) -> Result<Value, PatchError> {
    let mut doc = before.clone();
    for (i, op) in patch.0.iter().enumerate() {
        json_patch::patch(&mut doc, std::slice::from_ref(op)).map_err(|e| {
            let kind = match e.kind {
                json_patch::PatchErrorKind::TestFailed => PatchErrorKind::TestFailed,
                _ => PatchErrorKind::NotFound,
            };
            PatchError::new(kind, reference_message(before, op, &e.kind)).for_op(i, &op_path(op))
        })?;
    }
    Ok(doc)
}

fn reference_message(_before: &Value, op: &PatchOperation, kind: &json_patch::PatchErrorKind) -> String {
    match kind {
        json_patch::PatchErrorKind::TestFailed => {
            format!("`test` failed: the value at `{}` is not the expected one", op_path(op))
        }
        other => format!("cannot {} `{}`: {other}", op_name(op), op_path(op)),
    }
}

/// Checks the edited text's parsed value against the expected one.
pub(crate) fn check(expected: &Value, actual: &Value) -> Result<(), PatchError> {
    if expected == actual {
        return Ok(());
    }
    let (path, want, got) = first_difference(expected, actual, Pointer::default());
    Err(PatchError::new(
        PatchErrorKind::Verification,
        format!(
            "refusing to write: the edited file would read differently than the patch says at `{path}` (expected {want}, would read {got})"
        ),
    )
    .hint("this is a limitation of the format-preserving editor; please report it with the file and the patch"))
}

fn first_difference(a: &Value, b: &Value, at: Pointer) -> (Pointer, String, String) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let mut p = at.clone();
                p.push(k.clone());
                match y.get(k) {
                    Some(vb) if vb == va => {}
                    Some(vb) => return first_difference(va, vb, p),
                    None => return (p, short(va), "nothing".into()),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    let mut p = at.clone();
                    p.push(k.clone());
                    return (p, "nothing".into(), short(vb));
                }
            }
            (at, short(a), short(b))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                if va != vb {
                    let mut p = at.clone();
                    p.push(i.to_string());
                    return first_difference(va, vb, p);
                }
            }
            (at, short(a), short(b))
        }
        _ => (at, short(a), short(b)),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 { format!("{}…", s.chars().take(60).collect::<String>()) } else { s }
}

pub(crate) fn op_name(op: &PatchOperation) -> &'static str {
    match op {
        PatchOperation::Add(_) => "add",
        PatchOperation::Remove(_) => "remove",
        PatchOperation::Replace(_) => "replace",
        PatchOperation::Move(_) => "move",
        PatchOperation::Copy(_) => "copy",
        PatchOperation::Test(_) => "test",
    }
}

pub(crate) fn op_path(op: &PatchOperation) -> String {
    match op {
        PatchOperation::Add(o) => o.path.to_string(),
        PatchOperation::Remove(o) => o.path.to_string(),
        PatchOperation::Replace(o) => o.path.to_string(),
        PatchOperation::Move(o) => o.path.to_string(),
        PatchOperation::Copy(o) => o.path.to_string(),
        PatchOperation::Test(o) => o.path.to_string(),
    }
}
