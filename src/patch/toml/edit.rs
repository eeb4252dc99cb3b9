//! The TOML engine's edits: `replace`, `add`, `remove` and `move` as splices of the original text, with the
//! refusals (null, integers beyond 64 bits, keys that would vanish).

use serde_json::Value;
use toml_edit::{Item, Table};

use super::TValue;
use super::layout::{all_kvs, block_start, delete_ranges, is_blank_line, last_kv, line_after, section_range, sections};
use super::parse::{Node, chain, child, is_header, key_span, node_start, parse_doc, parse_value, table_json};
use super::render::{key_repr, render, render_replacement};
use crate::patch::engine::{self, Engine, Prim, Slot};
use crate::patch::layout::{self, Layout, Seq, Splice, line_indent, line_start, newline, next_line};
use crate::patch::{Location, PatchError, PatchErrorKind, Pointer};

pub(super) struct TomlEngine;

pub(super) fn lost(text: &str, path: &Pointer) -> PatchError {
    PatchError::new(PatchErrorKind::Verification, format!("the engine lost track of `{path}` while editing"))
        .at(Location::of_byte(text, 0))
        .hint("this is a limitation of the format-preserving editor; please report it with the file and the patch")
}

pub(super) fn unsupported(text: &str, at: usize, msg: String, hint: &str) -> PatchError {
    PatchError::new(PatchErrorKind::Unsupported, msg).at(Location::of_byte(text, at)).hint(hint.to_owned())
}

/// `a.b."c d"`: the header path of a table (array-of-tables indexes dropped).
pub(super) fn header_path(path: &Pointer, chain: &[Node<'_>]) -> String {
    path.tokens
        .iter()
        .enumerate()
        .filter(|(i, _)| !matches!(chain[*i], Node::Aot(_)))
        .map(|(_, t)| key_repr(t))
        .collect::<Vec<_>>()
        .join(".")
}

pub(super) fn table_seq(node: &TValue) -> Option<Seq> {
    let span = node.span()?;
    let elems = match node {
        TValue::Array(a) => a.iter().map(|v| v.span().map(|s| (s.start, s.end))).collect::<Option<Vec<_>>>()?,
        TValue::InlineTable(t) => {
            t.iter().map(|(k, v)| Some((t.key(k)?.span()?.start, v.span()?.end))).collect::<Option<Vec<_>>>()?
        }
        _ => return None,
    };
    Some(Seq { open: span.start, close: span.end - 1, elems, comment: Some(b'#') })
}

impl TomlEngine {
    /// Replacing a table or an array of tables: only the entries that differ are edited.
    fn sync(&self, text: &str, path: &Pointer, chain: &[Node<'_>], value: &Value) -> Result<Vec<Prim>, PatchError> {
        let target = chain[chain.len() - 1];
        let old = match target {
            Node::Table(t) => table_json(text, t)?,
            Node::Aot(a) => Value::Array(a.iter().map(|t| table_json(text, t)).collect::<Result<_, _>>()?),
            Node::Value(_) => return Ok(Vec::new()),
        };
        let sub = |k: &str| {
            let mut p = path.clone();
            p.push(k);
            p
        };
        let mut prims = Vec::new();
        match (target, &old, value) {
            (Node::Table(_), Value::Object(o), Value::Object(n)) => {
                prims.extend(o.keys().filter(|k| !n.contains_key(*k)).map(|k| Prim::Delete { path: sub(k) }));
                for (k, v) in n {
                    match o.get(k) {
                        Some(ov) if ov == v => {}
                        Some(_) => prims.push(Prim::Replace { path: sub(k), value: v.clone() }),
                        None => prims.push(Prim::Insert {
                            parent: path.clone(),
                            slot: Slot::Key(k.clone()),
                            value: v.clone(),
                        }),
                    }
                }
            }
            (Node::Aot(_), Value::Array(o), Value::Array(n)) if !n.is_empty() && n.iter().all(Value::is_object) => {
                for (i, (ov, nv)) in o.iter().zip(n).enumerate() {
                    if ov != nv {
                        prims.push(Prim::Replace { path: sub(&i.to_string()), value: nv.clone() });
                    }
                }
                for i in (n.len()..o.len()).rev() {
                    prims.push(Prim::Delete { path: sub(&i.to_string()) });
                }
                for (i, nv) in n.iter().enumerate().skip(o.len()) {
                    prims.push(Prim::Insert { parent: path.clone(), slot: Slot::Index(i), value: nv.clone() });
                }
            }
            _ => {
                let at = node_start(target).unwrap_or(0);
                let Some((parent, key)) = path.split_last() else {
                    return Err(unsupported(
                        text,
                        0,
                        "a TOML document is a table, so it can only be replaced by an object".into(),
                        "replace keys inside the document instead",
                    ));
                };
                if matches!(chain[chain.len() - 2], Node::Aot(_)) {
                    return Err(unsupported(
                        text,
                        at,
                        format!(
                            "`{path}` is a [[table]] of an array of tables, so it can only be replaced by an object"
                        ),
                        "write the new element as a JSON object",
                    ));
                }
                prims.push(Prim::Delete { path: path.clone() });
                prims.push(Prim::Insert { parent, slot: Slot::Key(key.to_owned()), value: value.clone() });
            }
        }
        Ok(prims)
    }

    fn insert(
        &self,
        text: &str,
        root: &Table,
        parent: &Pointer,
        slot: &Slot,
        value: &Value,
    ) -> Result<Vec<Splice>, PatchError> {
        let nl = newline(text);
        let ch = chain(root, parent).ok_or_else(|| lost(text, parent))?;
        let node = ch[ch.len() - 1];
        let here = node_start(node).unwrap_or(0);
        let mut target = parent.clone();
        match slot {
            Slot::Key(k) => target.push(k.clone()),
            Slot::Index(i) => target.push(i.to_string()),
        }
        match (node, slot) {
            (Node::Table(t), Slot::Key(k)) => {
                let rendered = render(text, here, &target, value)?;
                let kv = last_kv(t);
                let eq = kv
                    .as_ref()
                    .map(|(k, v)| &text[k.end..v.start])
                    .filter(|e| e.trim() == "=" && !e.contains('\n'))
                    .unwrap_or(" = ");
                let key = key_repr(k);
                if ch.len() > 1 && t.is_dotted() {
                    // a dotted table lives in its section's lines: `a.b.key = value`
                    let section = ch.iter().rposition(|n| matches!(n, Node::Table(t) if !t.is_dotted())).unwrap_or(0);
                    let prefix: Vec<String> = parent.tokens[section..].iter().map(|t| key_repr(t)).collect();
                    let Some((ks, vs)) = kv else { return Err(lost(text, parent)) };
                    let line = format!("{}{}.{key}{eq}{rendered}", line_indent(text, ks.start), prefix.join("."));
                    return Ok(vec![line_after(text, vs.end, &line, nl)]);
                }
                if ch.len() > 1 && t.is_implicit() {
                    // no section of its own yet: open one before its first sub-table
                    let mut secs = Vec::new();
                    sections(text, t, &mut secs);
                    let Some(first) = secs.iter().map(|r| r.start).min() else { return Err(lost(text, parent)) };
                    let s = block_start(text, first);
                    let header = header_path(parent, &ch);
                    return Ok(vec![Splice::new(s, s, format!("[{header}]{nl}{key}{eq}{rendered}{nl}{nl}"))]);
                }
                match kv {
                    Some((ks, vs)) => {
                        let line = format!("{}{key}{eq}{rendered}", line_indent(text, ks.start));
                        Ok(vec![line_after(text, vs.end, &line, nl)])
                    }
                    None if ch.len() > 1 => {
                        let span = t.span().ok_or_else(|| lost(text, parent))?;
                        let line = format!("{}{key}{eq}{rendered}", line_indent(text, span.start));
                        Ok(vec![line_after(text, span.end, &line, nl)])
                    }
                    None => {
                        // a root without entries: before the first section, or at the end of a file of comments
                        let mut secs = Vec::new();
                        for (_, item) in t.iter() {
                            match item {
                                Item::Table(st) if !st.is_dotted() => sections(text, st, &mut secs),
                                Item::ArrayOfTables(a) => a.iter().for_each(|el| sections(text, el, &mut secs)),
                                _ => {}
                            }
                        }
                        let line = format!("{key}{eq}{rendered}");
                        Ok(match secs.iter().map(|r| r.start).min() {
                            Some(first) => {
                                let s = block_start(text, first);
                                vec![Splice::new(s, s, format!("{line}{nl}{nl}"))]
                            }
                            None if text.is_empty() || text.ends_with('\n') => {
                                vec![Splice::new(text.len(), text.len(), format!("{line}{nl}"))]
                            }
                            None => vec![Splice::new(text.len(), text.len(), format!("{nl}{line}"))],
                        })
                    }
                }
            }
            (Node::Aot(a), Slot::Index(i)) => {
                let Value::Object(m) = value else {
                    return Err(unsupported(
                        text,
                        here,
                        format!(
                            "`{parent}` is an array of tables, which can only hold tables, not a {}",
                            engine::type_name(value)
                        ),
                        "add a JSON object, or replace the whole array",
                    ));
                };
                let eq = a
                    .iter()
                    .filter_map(last_kv)
                    .map(|(k, v)| &text[k.end..v.start])
                    .find(|e| e.trim() == "=" && !e.contains('\n'))
                    .unwrap_or(" = ");
                let mut element = format!("[[{}]]{nl}", header_path(parent, &ch));
                for (k, v) in m {
                    let mut p = target.clone();
                    p.push(k.clone());
                    element.push_str(&format!("{}{eq}{}{nl}", key_repr(k), render(text, here, &p, v)?));
                }
                let header_start = |el: &Table| el.span().map(|s| line_start(text, s.start));
                let separated =
                    a.iter().filter_map(header_start).any(|s| s > 0 && is_blank_line(text, line_start(text, s - 1)));
                let sep = if separated { nl } else { "" };
                if let Some(el) = a.get(*i) {
                    let s = block_start(text, header_start(el).ok_or_else(|| lost(text, parent))?);
                    return Ok(vec![Splice::new(s, s, format!("{element}{sep}"))]);
                }
                let mut secs = Vec::new();
                if let Some(last) = a.get(a.len().saturating_sub(1)) {
                    sections(text, last, &mut secs);
                }
                let end = secs.iter().map(|r| r.end).max().ok_or_else(|| lost(text, parent))?;
                if end == text.len() && !text.ends_with('\n') {
                    let element = element.strip_suffix(nl).unwrap_or(&element);
                    return Ok(vec![Splice::new(end, end, format!("{nl}{sep}{element}"))]);
                }
                Ok(vec![Splice::new(end, end, format!("{sep}{element}"))])
            }
            (Node::Value(v @ (TValue::Array(_) | TValue::InlineTable(_))), _) => {
                let seq = table_seq(v).ok_or_else(|| {
                    unsupported(
                        text,
                        here,
                        format!("`{parent}` holds dotted keys inside an inline table, which the engine does not edit"),
                        "write the inline table's keys without dots, or edit it by hand",
                    )
                })?;
                let (pad, comma) = seq.inline_spacing(text);
                let is_table = matches!(v, TValue::InlineTable(_));
                let pad = pad.unwrap_or_else(|| if is_table { " ".into() } else { String::new() });
                let comma = comma.unwrap_or_else(|| " ".into());
                let rendered = render(text, here, &target, value)?;
                let (idx, entry) = match (slot, v) {
                    (Slot::Key(k), TValue::InlineTable(t)) => (t.len(), format!("{} = {rendered}", key_repr(k))),
                    (Slot::Index(i), TValue::Array(_)) => (*i, rendered),
                    _ => return Err(lost(text, parent)),
                };
                let entry_for = |_: Layout| entry.clone();
                Ok(seq.insert(text, idx, nl, "    ", &comma, &pad, &entry_for))
            }
            _ => Err(lost(text, parent)),
        }
    }

    fn delete(&self, text: &str, root: &Table, path: &Pointer) -> Result<Vec<Splice>, PatchError> {
        let Some((parent, tok)) = path.split_last() else { return Err(lost(text, path)) };
        let ch = chain(root, &parent).ok_or_else(|| lost(text, path))?;
        let pnode = ch[ch.len() - 1];
        let target = child(pnode, tok).ok_or_else(|| lost(text, path))?;
        let at = key_span(pnode, tok).map(|s| s.start).or_else(|| node_start(target)).unwrap_or(0);
        match pnode {
            Node::Table(pt) => {
                if ch.len() > 1 && !is_header(pt) && pt.iter().count() == 1 {
                    return Err(unsupported(
                        text,
                        at,
                        format!(
                            "`{tok}` is the last key of `{parent}`, which has no [header] of its own, so removing it would remove `{parent}` too"
                        ),
                        "remove the parent instead, or replace it with {}",
                    ));
                }
                match target {
                    Node::Value(v) => {
                        let ks = key_span(pnode, tok).ok_or_else(|| lost(text, path))?;
                        let vs = v.span().ok_or_else(|| lost(text, path))?;
                        let line = line_start(text, ks.start)..next_line(text, vs.end);
                        Ok(delete_ranges(text, std::iter::once(line).collect()))
                    }
                    Node::Table(t) if t.is_dotted() => {
                        let mut kvs = Vec::new();
                        all_kvs(t, &mut kvs);
                        Ok(delete_ranges(
                            text,
                            kvs.iter().map(|(k, v)| line_start(text, k.start)..next_line(text, v.end)).collect(),
                        ))
                    }
                    Node::Table(t) => {
                        let mut secs = Vec::new();
                        sections(text, t, &mut secs);
                        Ok(delete_ranges(text, secs.iter().map(|r| section_range(text, r)).collect()))
                    }
                    Node::Aot(a) => {
                        let mut secs = Vec::new();
                        a.iter().for_each(|el| sections(text, el, &mut secs));
                        Ok(delete_ranges(text, secs.iter().map(|r| section_range(text, r)).collect()))
                    }
                }
            }
            Node::Aot(a) => {
                if a.len() == 1 {
                    return Err(unsupported(
                        text,
                        at,
                        format!(
                            "`{path}` is the only [[table]] of `{parent}`, and TOML cannot write an empty array of tables this way"
                        ),
                        &format!("replace `{parent}` with [] instead"),
                    ));
                }
                let Node::Table(el) = target else { return Err(lost(text, path)) };
                let mut secs = Vec::new();
                sections(text, el, &mut secs);
                Ok(delete_ranges(text, secs.iter().map(|r| section_range(text, r)).collect()))
            }
            Node::Value(v) => {
                let seq = table_seq(v).ok_or_else(|| {
                    unsupported(
                        text,
                        at,
                        format!("`{parent}` holds dotted keys inside an inline table, which the engine does not edit"),
                        "write the inline table's keys without dots, or edit it by hand",
                    )
                })?;
                let idx = match v {
                    TValue::Array(_) => Pointer::array_index(tok),
                    TValue::InlineTable(t) => t.iter().position(|(k, _)| k == tok),
                    _ => None,
                };
                let idx = idx.filter(|&i| i < seq.elems.len()).ok_or_else(|| lost(text, path))?;
                Ok(seq.remove(text, idx))
            }
        }
    }
}

impl Engine for TomlEngine {
    fn parse(&self, text: &str) -> Result<Value, PatchError> {
        parse_value(text)
    }

    fn locate(&self, text: &str, path: &Pointer) -> Option<usize> {
        let doc = parse_doc(text).ok()?;
        let ch = chain(doc.as_table(), path)?;
        let Some((_, last)) = path.split_last() else { return Some(0) };
        key_span(ch[ch.len() - 2], last).map(|s| s.start).or_else(|| node_start(ch[ch.len() - 1])).or(Some(0))
    }

    fn exec(&self, text: &str, prim: &Prim) -> Result<Option<String>, PatchError> {
        let doc = parse_doc(text)?;
        let root = doc.as_table();
        let splices = match prim {
            Prim::Replace { path, value } => {
                let ch = chain(root, path).ok_or_else(|| lost(text, path))?;
                match ch[ch.len() - 1] {
                    Node::Value(v) => {
                        let span = v.span().ok_or_else(|| lost(text, path))?;
                        vec![Splice::new(span.start, span.end, render_replacement(text, v, &span, path, value)?)]
                    }
                    Node::Table(_) | Node::Aot(_) => {
                        let prims = self.sync(text, path, &ch, value)?;
                        return engine::exec_all(self, text, &Value::Null, prims).map(Some);
                    }
                }
            }
            Prim::Insert { parent, slot, value } => self.insert(text, root, parent, slot, value)?,
            Prim::Delete { path } => self.delete(text, root, path)?,
            Prim::Rename { parent, from, to } => {
                let ch = chain(root, parent).ok_or_else(|| lost(text, parent))?;
                let pnode = ch[ch.len() - 1];
                let is_value = matches!(child(pnode, from), Some(Node::Value(_)));
                match key_span(pnode, from) {
                    Some(ks) if is_value => vec![Splice::new(ks.start, ks.end, key_repr(to))],
                    _ => return Ok(None),
                }
            }
        };
        Ok(Some(layout::apply(text, splices)))
    }
}
