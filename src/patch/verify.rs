//! The engine's safety net: an edited text is accepted only if it parses to what RFC 6902 gives.

use serde_json::Value;

use super::engine::short;
use super::{Patch, PatchError, PatchErrorKind, PatchOperation, Pointer};

/// Applies `patch` to the parsed document with the reference implementation (`json-patch`), mapping its
/// failures to our error kinds. This is the meaning every engine must reproduce.
///
/// The values the patch brings in (added, replaced or copied) may sum to at most `budget` bytes of JSON: a
/// few `copy` operations that each copy a value into itself double the document every time.
pub(crate) fn expected(before: &Value, patch: &Patch, budget: usize) -> Result<Value, PatchError> {
    let mut doc = before.clone();
    let mut added = 0usize;
    for (i, op) in patch.0.iter().enumerate() {
        let value = match op {
            PatchOperation::Add(o) => Some(&o.value),
            PatchOperation::Replace(o) => Some(&o.value),
            PatchOperation::Copy(o) => doc.pointer(&o.from.to_string()),
            _ => None,
        };
        if let Some(v) = value {
            added = added.saturating_add(json_size(v, budget - added.min(budget)).unwrap_or(usize::MAX));
            if added > budget {
                return Err(PatchError::new(
                    PatchErrorKind::BadPatch,
                    format!(
                        "the patch would add more than {budget} bytes to the file (the limit is the file's own size, \
                         or {MIN_BUDGET} bytes for a smaller file)"
                    ),
                )
                .for_op(i, &op_path(op))
                .hint("a fault is a small change: set or copy smaller values, and never copy a value into itself"));
            }
        }
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

/// What a patch may add to a small file, in bytes of JSON (a larger file may grow by its own size).
pub(crate) const MIN_BUDGET: usize = 1024 * 1024;

/// The length of `v` as compact JSON (a few bytes over: one separator per item is counted), or `None` as soon
/// as it exceeds `limit` (it is never built: a value copied into itself a few times is gigabytes).
pub(crate) fn json_size(v: &Value, limit: usize) -> Option<usize> {
    fn walk(v: &Value, total: &mut usize, limit: usize) -> bool {
        *total += match v {
            Value::Null => 4,
            Value::Bool(b) => 4 + usize::from(!b),
            Value::Number(n) => n.to_string().len(),
            Value::String(s) => s.len() + 2,
            Value::Array(a) => 2 + a.len(),
            Value::Object(m) => 2 + m.len() + m.keys().map(|k| k.len() + 3).sum::<usize>(),
        };
        if *total > limit {
            return false;
        }
        match v {
            Value::Array(a) => a.iter().all(|x| walk(x, total, limit)),
            Value::Object(m) => m.values().all(|x| walk(x, total, limit)),
            _ => true,
        }
    }
    let mut total = 0;
    walk(v, &mut total, limit).then_some(total)
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::patch::{Format, MAX_OPERATIONS, apply, parse_patch};

    #[test]
    fn sizes_stop_counting_past_the_limit() {
        let v = serde_json::json!({"a": [1, "xy", null, true], "b": {"c": false}});
        let exact = v.to_string().len();
        assert!(json_size(&v, usize::MAX).is_some_and(|n| (exact..exact + 4).contains(&n)));
        assert_eq!(json_size(&v, 10), None);
    }

    #[test]
    fn copies_into_themselves_are_refused_before_they_grow() {
        let ops: Vec<String> = (0..40).map(|i| format!(r#"{{"op":"copy","from":"/a","path":"/a/c{i}"}}"#)).collect();
        let patch = parse_patch(&format!("[{}]", ops.join(","))).unwrap();
        let e = apply(Format::Json, "{\"a\": {\"b\": 1}}\n", &patch, None).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::BadPatch);
        assert!(e.to_string().contains("would add more than 1048576 bytes"), "{e}");
        assert!(e.op.is_some_and(|op| op < 40), "{e:?}");
    }

    #[test]
    fn a_patch_holds_at_most_the_maximum_of_operations() {
        let ops = vec![r#"{"op":"add","path":"/k","value":1}"#; MAX_OPERATIONS + 1];
        let patch = parse_patch(&format!("[{}]", ops.join(","))).unwrap();
        let e = apply(Format::Json, "{}\n", &patch, None).unwrap_err();
        assert!(e.to_string().starts_with("the patch has 1001 operations, more than the 1000"), "{e}");
        let patch = parse_patch(&format!("[{}]", ops[..MAX_OPERATIONS].join(","))).unwrap();
        assert!(apply(Format::Json, "{}\n", &patch, None).is_ok());
    }
}
