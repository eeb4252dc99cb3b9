//! The driver every format engine shares: it checks each RFC 6902 operation against the parsed document,
//! explains refusals, lowers operations to primitive edits the engine performs as splices, and verifies the
//! result.
//!
//! # Adding a format
//!
//! Implement [`Engine`] (three required methods: `parse`, `exec`, `locate`) and call [`run`]. The smallest
//! complete example is the plain-text engine, `patch/text.rs`: its document is the list of lines, `exec`
//! turns each [`Prim`] into one [`Splice`](super::layout::Splice) of the original text, and the driver does
//! everything else — RFC 6902 semantics, located error messages with "did you mean", and the final check
//! that the edited text parses to exactly what RFC 6902 gives. Then add the format to `Format` in
//! `patch/mod.rs` and a case to the corpus test.

use serde_json::Value;

use super::{Location, Patch, PatchError, PatchErrorKind, PatchOperation, Pointer, verify};

/// Where an inserted value goes: a new key of an object, or an index of an array (`len` appends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slot {
    Key(String),
    Index(usize),
}

/// A primitive edit. The driver only asks for edits that make sense on the current document: `Replace`
/// and `Delete` paths exist, `Insert` keys are new, array indexes are resolved (never `-`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Prim {
    Replace { path: Pointer, value: Value },
    Insert { parent: Pointer, slot: Slot, value: Value },
    Delete { path: Pointer },
    Rename { parent: Pointer, from: String, to: String },
}

pub(crate) trait Engine {
    /// The parsed document (the engine's `parse_value`).
    fn parse(&self, text: &str) -> Result<Value, PatchError>;
    /// Performs one primitive as splices of `text`. `Ok(None)` means "not natively" (only for `Rename`):
    /// the driver then deletes and inserts.
    fn exec(&self, text: &str, prim: &Prim) -> Result<Option<String>, PatchError>;
    /// The byte offset of the node at `path`, if it exists.
    fn locate(&self, text: &str, path: &Pointer) -> Option<usize>;
    /// Checks of the whole edit beyond "parses to the RFC 6902 result" (YAML: the other documents of the
    /// stream are unchanged, and new plain scalars read the same to YAML 1.1 tools).
    fn check(&self, _before: &str, _after: &str) -> Result<(), PatchError> {
        Ok(())
    }
    /// What the edited text must parse to: RFC 6902's result on `before` (the parsed `text`). YAML with
    /// `allow_shared_anchor` also changes the places that share an edited anchor.
    fn expected(&self, _text: &str, before: &Value, patch: &Patch, budget: usize) -> Result<Value, PatchError> {
        verify::expected(before, patch, budget)
    }
}

/// Applies `patch` to `text` with `engine` and verifies the result. `shown` overrides the paths named in
/// errors (the text engine resolves its snippets to indexes, but errors name what the user wrote).
///
/// Each operation costs one edit of the text and an in-place update of the parsed document; the result is
/// parsed and compared once, at the end.
pub(crate) fn run(
    engine: &dyn Engine,
    text: &str,
    patch: &Patch,
    shown: Option<&[String]>,
) -> Result<String, PatchError> {
    let before = engine.parse(text)?;
    let expected = engine.expected(text, &before, patch, text.len().max(verify::MIN_BUDGET));
    // A patch over its size budget is refused before any edit: its operations could need gigabytes. Other
    // refusals of the reference wait, so that the loop below explains them at the right place.
    if let Err(e) = &expected
        && e.kind == PatchErrorKind::BadPatch
    {
        return Err(e.clone());
    }
    let mut cur = before;
    let mut out = text.to_owned();
    for (i, op) in patch.0.iter().enumerate() {
        let shown_path = shown.and_then(|s| s.get(i).cloned()).unwrap_or_else(|| verify::op_path(op));
        let prims = lower(&cur, op).map_err(|e| e.for_op(i, &shown_path))?;
        // json-patch undoes a failed operation, so `cur` is still the document before it when explaining why.
        if let Err(e) = json_patch::patch(&mut cur, std::slice::from_ref(op)) {
            return Err(diagnose(engine, &out, &cur, op, &e.kind).for_op(i, &shown_path));
        }
        out = exec_all(engine, &out, &cur, prims).map_err(|e| e.for_op(i, &shown_path))?;
    }
    let expected = expected?;
    let actual = engine.parse(&out).map_err(|e| {
        PatchError::new(
            PatchErrorKind::Verification,
            format!("refusing to write: the edited file would not parse any more ({})", e.message),
        )
        .hint("this is a limitation of the format-preserving editor; please report it with the file and the patch")
    })?;
    verify::check(&expected, &actual)?;
    engine.check(text, &out)?;
    Ok(out)
}

fn pointer(s: &impl ToString) -> Result<Pointer, PatchError> {
    Pointer::parse(&s.to_string())
}

/// The primitive edits `op` makes on `cur` (the document before it).
fn lower(cur: &Value, op: &PatchOperation) -> Result<Vec<Prim>, PatchError> {
    Ok(match op {
        PatchOperation::Add(o) => lower_add(cur, pointer(&o.path)?, o.value.clone()),
        PatchOperation::Remove(o) => vec![Prim::Delete { path: pointer(&o.path)? }],
        PatchOperation::Replace(o) => vec![Prim::Replace { path: pointer(&o.path)?, value: o.value.clone() }],
        PatchOperation::Copy(o) => {
            let v = cur.pointer(&o.from.to_string()).cloned().unwrap_or(Value::Null);
            lower_add(cur, pointer(&o.path)?, v)
        }
        PatchOperation::Move(o) => {
            let (from, path) = (pointer(&o.from)?, pointer(&o.path)?);
            if from == path {
                return Ok(Vec::new());
            }
            match (from.split_last(), path.split_last()) {
                (Some((fp, fk)), Some((tp, tk)))
                    if fp == tp
                        && cur
                            .pointer(&fp.to_string())
                            .is_some_and(|p| p.as_object().is_some_and(|m| !m.contains_key(tk))) =>
                {
                    vec![Prim::Rename { parent: fp, from: fk.to_owned(), to: tk.to_owned() }]
                }
                _ => {
                    let v = cur.pointer(&from.to_string()).cloned().unwrap_or(Value::Null);
                    let mut mid = cur.clone();
                    remove_at(&mut mid, &from);
                    let mut prims = vec![Prim::Delete { path: from }];
                    prims.extend(lower_add(&mid, path, v));
                    prims
                }
            }
        }
        PatchOperation::Test(_) => Vec::new(),
    })
}

/// Executes primitives one after the other, each on the text the previous one produced. `after` is the
/// document once they are all done (a `Rename` the engine cannot do natively takes the value from there).
pub(crate) fn exec_all(engine: &dyn Engine, text: &str, after: &Value, prims: Vec<Prim>) -> Result<String, PatchError> {
    let mut out = text.to_owned();
    for prim in prims {
        out = match engine.exec(&out, &prim)? {
            Some(t) => t,
            None => {
                let Prim::Rename { parent, from, to } = prim else {
                    return Err(PatchError::new(PatchErrorKind::Unsupported, "the engine cannot perform this edit"));
                };
                let mut renamed = parent.clone();
                renamed.push(to.clone());
                let v = after.pointer(&renamed.to_string()).cloned().unwrap_or(Value::Null);
                let mut path = parent.clone();
                path.push(from);
                let t = engine.exec(&out, &Prim::Delete { path })?.unwrap_or(out);
                engine.exec(&t, &Prim::Insert { parent, slot: Slot::Key(to), value: v })?.unwrap_or(t)
            }
        };
    }
    Ok(out)
}

/// `add` on the current document: a replace when the key exists, else an insert.
pub(crate) fn lower_add(cur: &Value, path: Pointer, value: Value) -> Vec<Prim> {
    let Some((parent, last)) = path.split_last() else {
        return vec![Prim::Replace { path, value }];
    };
    let last = last.to_owned();
    match cur.pointer(&parent.to_string()) {
        Some(Value::Object(m)) if m.contains_key(&last) => vec![Prim::Replace { path, value }],
        Some(Value::Object(_)) => vec![Prim::Insert { parent, slot: Slot::Key(last), value }],
        Some(Value::Array(a)) => {
            let i = if last == "-" { a.len() } else { Pointer::array_index(&last).unwrap_or(a.len()) };
            vec![Prim::Insert { parent, slot: Slot::Index(i), value }]
        }
        _ => Vec::new(),
    }
}

fn remove_at(doc: &mut Value, p: &Pointer) {
    let Some((parent, last)) = p.split_last() else { return };
    match doc.pointer_mut(&parent.to_string()) {
        Some(Value::Object(m)) => {
            m.shift_remove(last);
        }
        Some(Value::Array(a)) => {
            if let Some(i) = Pointer::array_index(last).filter(|&i| i < a.len()) {
                a.remove(i);
            }
        }
        _ => {}
    }
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value for a message: its JSON text, a short excerpt with secrets masked (it may come from the file).
pub(crate) fn short(v: &Value) -> String {
    crate::redact::excerpt(&v.to_string())
}

/// `did you mean …` among `candidates`, when one is close to `wanted`.
pub(crate) fn did_you_mean<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    candidates
        .map(|c| {
            let score = if c.eq_ignore_ascii_case(wanted) { 1.0 } else { strsim::jaro_winkler(c, wanted) };
            (score, c)
        })
        .filter(|(s, _)| *s >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_owned())
}

fn place(p: &Pointer) -> String {
    if p.is_root() { "the document".into() } else { format!("`{p}`") }
}

/// Explains why the reference implementation refused `op` on `cur`, pointing at the nearest node.
fn diagnose(
    engine: &dyn Engine,
    text: &str,
    cur: &Value,
    op: &PatchOperation,
    kind: &json_patch::PatchErrorKind,
) -> PatchError {
    let locate = |p: &Pointer| {
        let mut p = p.clone();
        loop {
            if let Some(at) = engine.locate(text, &p) {
                return Location::of_byte(text, at);
            }
            if p.tokens.pop().is_none() {
                return Location { line: 1, column: 1 };
            }
        }
    };
    let path = Pointer::parse(&verify::op_path(op)).unwrap_or_default();
    match (kind, op) {
        (json_patch::PatchErrorKind::TestFailed, PatchOperation::Test(t)) => {
            let actual = cur.pointer(&t.path.to_string()).map_or_else(|| "nothing".to_owned(), short);
            PatchError::new(
                PatchErrorKind::TestFailed,
                format!("`test` failed: {} is {actual}, not {}", place(&path), short(&t.value)),
            )
            .at(locate(&path))
            .hint(
                "the file does not hold the value the scenario expects; update the `test` value or drop the operation",
            )
        }
        (json_patch::PatchErrorKind::CannotMoveInsideItself, PatchOperation::Move(m)) => PatchError::new(
            PatchErrorKind::BadPatch,
            format!("cannot move `{}` into `{}`, which is inside it", m.from, m.path),
        )
        .at(locate(&path))
        .hint("move the value somewhere outside itself, or copy it first"),
        (json_patch::PatchErrorKind::InvalidFromPointer, PatchOperation::Move(m)) => {
            walk(cur, &Pointer::parse(&m.from.to_string()).unwrap_or_default(), false, "from", &locate)
        }
        (json_patch::PatchErrorKind::InvalidFromPointer, PatchOperation::Copy(c)) => {
            walk(cur, &Pointer::parse(&c.from.to_string()).unwrap_or_default(), false, "from", &locate)
        }
        (_, PatchOperation::Remove(_)) if path.is_root() => {
            PatchError::new(PatchErrorKind::BadPatch, "cannot remove the whole document")
                .at(Location { line: 1, column: 1 })
                .hint("remove keys or items inside it instead")
        }
        (_, PatchOperation::Move(m)) => {
            let mut mid = cur.clone();
            remove_at(&mut mid, &Pointer::parse(&m.from.to_string()).unwrap_or_default());
            walk(&mid, &path, true, "path", &locate)
        }
        (_, PatchOperation::Add(_) | PatchOperation::Copy(_)) => walk(cur, &path, true, "path", &locate),
        _ => walk(cur, &path, false, "path", &locate),
    }
}

/// Follows `path` in `doc` and explains the first step that fails. `add` allows a new last key and the
/// index one past the end (or `-`).
fn walk(doc: &Value, path: &Pointer, add: bool, what: &str, locate: &dyn Fn(&Pointer) -> Location) -> PatchError {
    let mut node = doc;
    let mut at = Pointer::default();
    let n = path.tokens.len();
    for (i, tok) in path.tokens.iter().enumerate() {
        let last = i + 1 == n;
        match node {
            Value::Object(m) => match m.get(tok) {
                Some(v) => node = v,
                None if last && add => break,
                None => {
                    let mut e = PatchError::new(PatchErrorKind::NotFound, format!("{} has no key `{tok}`", place(&at)))
                        .at(locate(&at));
                    e = match did_you_mean(tok, m.keys().map(String::as_str)) {
                        Some(s) => e.hint(format!("did you mean `{s}`? keys are case-sensitive")),
                        None if last => e.hint("check the spelling, or use `add` to create the key"),
                        None => e.hint(format!("check the {what}: every key above the last one must exist")),
                    };
                    return e;
                }
            },
            Value::Array(a) => {
                let idx = if add && last && tok == "-" { Some(a.len()) } else { Pointer::array_index(tok) };
                let Some(idx) = idx else {
                    return PatchError::new(
                        PatchErrorKind::NotFound,
                        format!("`{tok}` is not an index of {}, a list of {} items", place(&at), a.len()),
                    )
                    .at(locate(&at))
                    .hint(if add {
                        "use a 0-based index, or `-` to append"
                    } else {
                        "use a 0-based index"
                    });
                };
                let limit = if add && last { a.len() + 1 } else { a.len() };
                if idx >= limit {
                    return PatchError::new(
                        PatchErrorKind::NotFound,
                        format!("index {idx} is out of range: {} has {} items", place(&at), a.len()),
                    )
                    .at(locate(&at))
                    .hint(if add {
                        "indexes are 0-based; use `-` to append"
                    } else {
                        "indexes are 0-based"
                    });
                }
                match a.get(idx) {
                    Some(v) => node = v,
                    None => break,
                }
            }
            scalar => {
                return PatchError::new(
                    PatchErrorKind::NotAContainer,
                    format!("{} is a {}, not an object or a list, so it has no `{tok}`", place(&at), type_name(scalar)),
                )
                .at(locate(&at))
                .hint(format!("point the {what} at {} itself, or at a key of an object", place(&at)));
            }
        }
        at.push(tok.clone());
    }
    PatchError::new(PatchErrorKind::NotFound, format!("the {what} `{path}` cannot be used here"))
        .at(locate(path))
        .hint("check the operation's paths")
}
