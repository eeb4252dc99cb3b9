//! The YAML engine: RFC 6902 operations as minimal splices of the original text, on the shared driver.
//!
//! The reference result comes from `json-patch` on the document as serde_norway reads it, with merge keys
//! (`<<: *defaults`) applied the way Helm and kubectl apply them; each splice comes from [`edit`] on the
//! positioned tree of [`crate::yaml`]. The edited text is read again by serde_norway and must give exactly
//! the reference result, with every other document of the stream unchanged, and every plain scalar in the
//! changed region must read the same under YAML 1.1 (Helm, kubectl) as under YAML 1.2. Anything else is
//! refused, never written.

mod edit;
mod embedded;
mod render;

use serde_json::Value;

use std::cell::RefCell;

use super::engine::{self, Engine, Prim, Slot};
use super::{DocumentSelector, Location, Options, Patch, PatchError, PatchErrorKind, Pointer};
use crate::yaml::{self as tree, scalar};
use edit::{Editor, Splice};
pub use embedded::Language;

pub(crate) fn apply(
    text: &str,
    patch: &Patch,
    selector: Option<&DocumentSelector>,
    options: Options,
) -> Result<String, PatchError> {
    if let Some(sel @ DocumentSelector::Embedded { .. }) = selector {
        let (outer, chain) = sel.chain();
        return embedded::apply(text, patch, outer, &chain, options);
    }
    let values = stream_values(text)?;
    let index = select(&values, selector)?;
    let parsed = RefCell::new(Some((text.to_owned(), values.clone())));
    let engine =
        YamlEngine { index, before: values, trees: RefCell::new(None), parsed, habits: RefCell::new(None), options };
    engine::run(&engine, text, patch, None)
}

pub(crate) fn parse_value(text: &str, selector: Option<&DocumentSelector>) -> Result<Value, PatchError> {
    if let Some(sel @ DocumentSelector::Embedded { .. }) = selector {
        let (outer, chain) = sel.chain();
        return embedded::parse_value(text, outer, &chain);
    }
    let mut values = stream_values(text)?;
    let index = select(&values, selector)?;
    Ok(values.swap_remove(index))
}

/// The text of the document embedded where `selector` says (`#/pointer`, possibly nested), and the format
/// it is written in (JSON or YAML); `None` for a selector that embeds nothing.
pub fn embedded_text(text: &str, selector: &DocumentSelector) -> Result<Option<(String, super::Format)>, PatchError> {
    let (outer, chain) = selector.chain();
    if chain.is_empty() {
        return Ok(None);
    }
    let (inner, language) = embedded::text_at(text, outer, &chain)?;
    let format = match language {
        embedded::Language::Json => super::Format::Json,
        embedded::Language::Yaml => super::Format::Yaml,
    };
    Ok(Some((inner, format)))
}

/// Every document of a YAML stream, as Helm and kubectl read them (merge keys applied).
pub fn documents(text: &str) -> Result<Vec<Value>, PatchError> {
    stream_values(text)
}

/// The position in the stream of the document `selector` chooses.
pub fn select_index(text: &str, selector: &DocumentSelector) -> Result<usize, PatchError> {
    select(&stream_values(text)?, Some(selector))
}

/// The YAML engine on the shared driver. It keeps the last positioned tree and the last parsed stream, so
/// that an operation parses the text once and the final check reads the result once.
struct YamlEngine {
    index: usize,
    /// Every document of the stream before the patch.
    before: Vec<Value>,
    trees: RefCell<Option<(String, Vec<tree::Document>)>>,
    parsed: RefCell<Option<(String, Vec<Value>)>>,
    /// The document's indentation habits, learned from the first text the engine edits.
    habits: RefCell<Option<(render::DocStyle, bool)>>,
    options: Options,
}

impl YamlEngine {
    fn with_editor<R>(&self, text: &str, f: impl FnOnce(&Editor<'_>) -> R) -> Result<R, PatchError> {
        let mut cache = self.trees.borrow_mut();
        if cache.as_ref().is_none_or(|(t, _)| t != text) {
            let docs = parse_tree(text)?;
            if docs.len() != self.before.len() {
                return Err(PatchError::new(
                    PatchErrorKind::Unsupported,
                    format!(
                        "the YAML readers disagree on the number of documents ({} and {})",
                        docs.len(),
                        self.before.len()
                    ),
                ));
            }
            *cache = Some((text.to_owned(), docs));
        }
        let (_, docs) = cache.as_ref().ok_or_else(|| PatchError::new(PatchErrorKind::Parse, "no document"))?;
        let doc = &docs[self.index];
        let habits = *self.habits.borrow_mut().get_or_insert_with(|| Editor::habits(text, doc));
        Ok(f(&Editor::with_habits(text, doc, habits).allowing_shared_anchor(self.options.allow_shared_anchor)))
    }

    fn stream(&self, text: &str) -> Result<Vec<Value>, PatchError> {
        let mut cache = self.parsed.borrow_mut();
        if let Some((t, v)) = cache.as_ref()
            && t == text
        {
            return Ok(v.clone());
        }
        let values = stream_values(text)?;
        *cache = Some((text.to_owned(), values.clone()));
        Ok(values)
    }
}

impl YamlEngine {
    /// An edit inside the value an alias shares (`three: *defaults`, editing `/three/project`) changes that
    /// place only: the alias is replaced by the whole edited value, written out, and the anchor and its
    /// other aliases stay. `None` when the edit goes through no alias.
    fn through_alias(&self, text: &str, prim: &Prim) -> Result<Option<Prim>, PatchError> {
        let path = match prim {
            Prim::Replace { path, .. } | Prim::Delete { path } => path.clone(),
            Prim::Insert { parent, .. } | Prim::Rename { parent, .. } => {
                let mut p = parent.clone();
                p.push(String::new());
                p
            }
        };
        let Some(alias) = self.with_editor(text, |editor| editor.alias_above(&path))? else { return Ok(None) };
        if matches!(prim, Prim::Rename { .. }) {
            return Err(PatchError::new(PatchErrorKind::Unsupported, "rename through an alias"));
        }
        let mut doc = self.stream(text)?.swap_remove(self.index);
        let edited = match prim {
            Prim::Replace { path, value } => doc.pointer_mut(&path.to_string()).map(|v| *v = value.clone()),
            Prim::Delete { path } => {
                path.split_last().and_then(|(parent, key)| match doc.pointer_mut(&parent.to_string())? {
                    Value::Object(m) => m.shift_remove(key).map(drop),
                    Value::Array(a) => {
                        let i = Pointer::array_index(key).filter(|i| *i < a.len())?;
                        a.remove(i);
                        Some(())
                    }
                    _ => None,
                })
            }
            Prim::Insert { parent, slot, value } => match (doc.pointer_mut(&parent.to_string()), slot) {
                (Some(Value::Object(m)), Slot::Key(k)) => {
                    m.insert(k.clone(), value.clone());
                    Some(())
                }
                (Some(Value::Array(a)), Slot::Index(i)) if *i <= a.len() => {
                    a.insert(*i, value.clone());
                    Some(())
                }
                _ => None,
            },
            Prim::Rename { .. } => None,
        };
        match (edited, doc.pointer(&alias.to_string())) {
            (Some(()), Some(value)) => Ok(Some(Prim::Replace { path: alias, value: value.clone() })),
            _ => Ok(None),
        }
    }

    fn eol(&self, text: &str) -> &'static str {
        if text.contains("\r\n") { "\r\n" } else { "\n" }
    }
}

/// Updates `docs` for `splice` when it appends whole lines holding one new entry (or item) to the block
/// collection at `parent` of document `index`: the new lines are parsed on their own, and every node after
/// them moves down. `None` (and the caller parses again) for any other edit.
fn insert_lines(
    docs: &mut [tree::Document],
    index: usize,
    parent: &Pointer,
    text: &str,
    splice: &Splice,
    eol: &str,
) -> Option<()> {
    use tree::Kind;
    if splice.start != splice.end || !splice.with.starts_with(eol) {
        return None;
    }
    let body = &splice.with[eol.len()..];
    let at = splice.start;
    // whole lines only: the insertion point ends a line
    if !(text[at..].starts_with(eol) || at == text.len()) {
        return None;
    }
    let delta = splice.with.len();
    let lines = splice.with.matches('\n').count();
    let snippet = tree::parse(body).ok()?;
    let [snippet] = <[tree::Document; 1]>::try_from(snippet).ok()?;
    let mut path: Vec<&str> = parent.tokens.iter().map(String::as_str).collect();
    path.reverse();
    // Shift everything after the insertion point, in every document.
    for (i, doc) in docs.iter_mut().enumerate() {
        if i >= index {
            shift(&mut doc.root, at, delta, lines);
        }
    }
    // The new child, moved to where its text now lies: the lines after the insertion point's.
    let line = text[..at].matches('\n').count() + 1;
    let mut child = snippet.root;
    move_node(&mut child, at + eol.len(), line);
    // Attach it and stretch its ancestors.
    let new_end = child.end;
    let mut node = &mut docs[index].root;
    loop {
        if node.end <= at {
            node.end = new_end;
        }
        let Some(tok) = path.pop() else { break };
        node = match &mut node.kind {
            Kind::Map { entries, .. } => &mut entries.iter_mut().find(|e| key_is(&e.key, tok))?.value,
            Kind::Seq { items, .. } => items.get_mut(tok.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    if node.end <= at {
        node.end = new_end;
    }
    match (&mut node.kind, child.kind) {
        (Kind::Map { flow: false, entries }, Kind::Map { entries: new, .. }) if new.len() == 1 => entries.extend(new),
        (Kind::Seq { flow: false, items }, Kind::Seq { items: new, .. }) if new.len() == 1 => items.extend(new),
        _ => return None,
    }
    Some(())
}

fn key_is(key: &tree::Node, tok: &str) -> bool {
    matches!(&key.kind, tree::Kind::Scalar { value, .. } if value == tok)
}

/// Moves a node parsed on its own (offsets from 0, lines from 1) to byte `base` and line `line + 1`.
fn move_node(n: &mut tree::Node, base: usize, line: usize) {
    n.start += base;
    n.content += base;
    n.end += base;
    n.pos.line += line;
    match &mut n.kind {
        tree::Kind::Seq { items, .. } => items.iter_mut().for_each(|i| move_node(i, base, line)),
        tree::Kind::Map { entries, .. } => entries.iter_mut().for_each(|e| {
            e.colon += base;
            move_node(&mut e.key, base, line);
            move_node(&mut e.value, base, line);
        }),
        _ => {}
    }
}

/// Shifts every node that starts after `at` by `delta` bytes and `lines` lines.
fn shift(n: &mut tree::Node, at: usize, delta: usize, lines: usize) {
    if n.end <= at {
        return;
    }
    if n.start > at {
        n.start += delta;
        n.content += delta;
        n.pos.line += lines;
    }
    n.end += delta;
    match &mut n.kind {
        tree::Kind::Seq { items, .. } => items.iter_mut().for_each(|i| shift(i, at, delta, lines)),
        tree::Kind::Map { entries, .. } => entries.iter_mut().for_each(|e| {
            if e.colon > at {
                e.colon += delta;
            }
            shift(&mut e.key, at, delta, lines);
            shift(&mut e.value, at, delta, lines);
        }),
        _ => {}
    }
}

impl Engine for YamlEngine {
    fn parse(&self, text: &str) -> Result<Value, PatchError> {
        let mut values = self.stream(text)?;
        if values.len() != self.before.len() {
            return Err(PatchError::new(
                PatchErrorKind::Verification,
                "refusing to write: the edit would change the number of documents",
            ));
        }
        Ok(values.swap_remove(self.index))
    }

    fn exec(&self, text: &str, prim: &Prim) -> Result<Option<String>, PatchError> {
        if let Some(prim) = self.through_alias(text, prim)? {
            return self.exec(text, &prim);
        }
        let splice = self.with_editor(text, |editor| match prim {
            Prim::Replace { path, value } => editor.replace(path, value),
            Prim::Insert { parent, slot, value } => {
                let mut path = parent.clone();
                path.push(match slot {
                    Slot::Key(k) => k.clone(),
                    Slot::Index(i) => i.to_string(),
                });
                editor.add(&path, value)
            }
            Prim::Delete { path } => editor.remove(path),
            Prim::Rename { .. } => Err(PatchError::new(PatchErrorKind::Unsupported, "rename")),
        })?;
        if matches!(prim, Prim::Rename { .. }) {
            return Ok(None);
        }
        let splice = splice?;
        let out = splice_text(text, &splice);
        // Keep the tree for the next operation without parsing the whole file again, when the edit is new
        // lines appended to a block collection (the bulk case: many keys added by one patch).
        let mut cache = self.trees.borrow_mut();
        let updated = match (prim, cache.as_mut()) {
            (Prim::Insert { parent, .. }, Some((_, docs))) => {
                insert_lines(docs, self.index, parent, text, &splice, self.eol(text)).is_some()
            }
            _ => false,
        };
        if updated {
            #[cfg(debug_assertions)]
            if let (Some((_, docs)), Ok(fresh)) = (cache.as_ref(), parse_tree(&out)) {
                debug_assert!(docs == &fresh, "the incrementally updated tree differs from a fresh parse");
            }
            if let Some((t, _)) = cache.as_mut() {
                t.clone_from(&out);
            }
        } else {
            *cache = None;
        }
        Ok(Some(out))
    }

    fn locate(&self, text: &str, path: &Pointer) -> Option<usize> {
        self.with_editor(text, |editor| editor.locate(path)).ok().flatten()
    }

    fn expected(&self, text: &str, before: &Value, patch: &Patch, budget: usize) -> Result<Value, PatchError> {
        if !self.options.allow_shared_anchor {
            return super::verify::expected(before, patch, budget);
        }
        // Every alias of an edited anchor reads the new value too: the same operation at each of their places.
        let mut ops = Vec::new();
        for op in &patch.0 {
            ops.push(op.clone());
            let path = Pointer::parse(&super::verify::op_path(op))?;
            let places = self.with_editor(text, |editor| editor.shared_paths(&path))?;
            for place in places {
                let mut v =
                    serde_json::to_value(op).map_err(|e| PatchError::new(PatchErrorKind::BadPatch, e.to_string()))?;
                match (op, v.as_object_mut()) {
                    (
                        super::PatchOperation::Add(_)
                        | super::PatchOperation::Replace(_)
                        | super::PatchOperation::Remove(_),
                        Some(o),
                    ) => {
                        o.insert("path".into(), Value::String(place.to_string()));
                    }
                    _ => continue,
                }
                ops.push(
                    serde_json::from_value(v).map_err(|e| PatchError::new(PatchErrorKind::BadPatch, e.to_string()))?,
                );
            }
        }
        super::verify::expected(before, &Patch(ops), budget)
    }

    fn check(&self, before: &str, after: &str) -> Result<(), PatchError> {
        let values = self.stream(after)?;
        for (i, (b, a)) in self.before.iter().zip(&values).enumerate() {
            if i != self.index && a != b {
                return Err(PatchError::new(
                    PatchErrorKind::Verification,
                    format!("refusing to write: the edit would change document {i}"),
                ));
            }
        }
        check_yaml_1_1(before, after, self.index)
    }
}

fn splice_text(text: &str, s: &Splice) -> String {
    let mut out = String::with_capacity(text.len() + s.with.len());
    out.push_str(&text[..s.start]);
    out.push_str(&s.with);
    out.push_str(&text[s.end..]);
    out
}

/// The positioned tree of every document of the stream.
fn parse_tree(text: &str) -> Result<Vec<tree::Document>, PatchError> {
    tree::parse(text).map_err(|e| {
        PatchError::new(
            PatchErrorKind::Parse,
            format!("the file is not valid YAML: {}", crate::redact::secrets(&e.message)),
        )
        .at(Location { line: e.pos.line, column: e.pos.column })
    })
}

/// Every document of the stream as serde_norway reads it, converted to JSON values.
fn stream_values(text: &str) -> Result<Vec<Value>, PatchError> {
    use serde::Deserialize;
    let mut out = Vec::new();
    for de in serde_norway::Deserializer::from_str(text) {
        let mut v = serde_norway::Value::deserialize(de).map_err(|e| {
            let mut err = PatchError::new(
                PatchErrorKind::Parse,
                format!("the file is not valid YAML: {}", crate::redact::secrets(&e.to_string())),
            );
            if let Some(l) = e.location() {
                err = err.at(Location { line: l.line(), column: l.column() });
            }
            err
        })?;
        // Helm and kubectl read through merge keys: judge every edit by what they read.
        v.apply_merge().map_err(|e| {
            PatchError::new(PatchErrorKind::Parse, format!("the file has a merge key (`<<`) YAML readers refuse: {e}"))
                .hint("a merge key takes an alias to a mapping (`<<: *defaults`) or a list of them")
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
        // The embedded document lives in a string of the outer one: the stream's document is the outer one.
        Some(DocumentSelector::Embedded { outer, .. }) => select(values, outer.as_deref()),
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

/// The documents of a stream for a hint: `0 = Deployment/api, 1 = Service/api`, the first few only.
fn describe_documents(values: &[Value]) -> String {
    const SHOWN: usize = 8;
    let more = match values.len().saturating_sub(SHOWN) {
        0 => String::new(),
        n => format!(", and {n} more"),
    };
    let names: Vec<String> = values
        .iter()
        .take(SHOWN)
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
        .map(|d| crate::redact::excerpt(&d))
        .collect();
    format!("{}{more}", names.join(", "))
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
    let docs = parse_tree(after)?;
    let mut bad = None;
    docs[index].root.walk(&mut |n| {
        if let Some((value, tree::Style::Plain)) = n.as_scalar() {
            let touched = n.content < to && n.end > from;
            if touched && bad.is_none() && scalar::ambiguous(value) {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod embedded_tests;
