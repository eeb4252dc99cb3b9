//! `add`: a new entry of a mapping or item of a sequence, written as its siblings are (block or flow,
//! indentation, quotes).

use serde_json::Value;

use super::super::render;
use super::*;
use crate::patch::{PatchError, PatchErrorKind, Pointer};
use crate::yaml::{Kind, col_of, dash_before};

impl Editor<'_> {
    pub fn add(&self, ptr: &Pointer, v: &Value) -> Result<Splice, PatchError> {
        let Some((parent_ptr, token)) = ptr.split_last() else {
            let steps = self.resolve(ptr)?;
            return self.replace_node(steps[0].node, Link::Root, v);
        };
        let steps = self.resolve(&parent_ptr)?;
        let Some(parent) = steps.last().map(|s| s.node) else {
            return Err(self.err(PatchErrorKind::NotFound, 0, "empty path"));
        };
        let eol = self.style.eol;
        let parent_link = steps.last().map_or(Link::Root, |s| s.link);
        let in_block = match parent_link {
            Link::Entry { parent: p, .. } | Link::Item { parent: p, .. } => !p.is_flow_collection(),
            Link::Root => false,
        };
        let empty_flow = matches!(&parent.kind, Kind::Map { flow: true, entries } if entries.is_empty())
            || matches!(&parent.kind, Kind::Seq { flow: true, items } if items.is_empty());
        if empty_flow && in_block && self.prefers_block && (token == "-" || token == "0" || parent_is_map(parent)) {
            // `resources: {}` in a block-style file: the first entry is written in block style, like its
            // neighbours, instead of `resources: {cpu: 1}`.
            self.refuse_shared(parent, &parent_ptr)?;
            let mut filled = match &parent.kind {
                Kind::Map { .. } => Value::Object(Default::default()),
                _ => Value::Array(Vec::new()),
            };
            match &mut filled {
                Value::Object(m) => {
                    m.insert(token.to_owned(), v.clone());
                }
                Value::Array(a) => a.push(v.clone()),
                _ => {}
            }
            return self.block_splice(parent, parent_link, &filled);
        }
        match &parent.kind {
            Kind::Map { flow, entries } => {
                if entries.iter().any(|e| key_text(&e.key) == Some(token)) {
                    return self.replace(ptr, v);
                }
                let quoted = sibling_quotes(entries.iter().filter(|e| !is_merge_key(&e.key)).map(|e| &e.value));
                if *flow {
                    let item = format!("{}: {}", render::key(token, true), flow_item(v, quoted));
                    return Ok(match entries.last() {
                        Some(last) => Splice {
                            start: last.value.end.max(last.colon + 1),
                            end: last.value.end.max(last.colon + 1),
                            with: format!(", {item}"),
                        },
                        None => Splice { start: parent.content + 1, end: parent.end - 1, with: item },
                    });
                }
                let Some(last) = entries.last() else {
                    return Err(self.err(PatchErrorKind::Unsupported, parent.start, "empty block mapping"));
                };
                let col = col_of(self.text, entries[0].key.start);
                let at = line_end(self.text, last.value.end.max(last.colon + 1));
                let line = format!(
                    "{}{}:{}",
                    " ".repeat(col),
                    render::key(token, false),
                    self.after_indicator(v, col, false, quoted)
                );
                Ok(Splice { start: at, end: at, with: format!("{eol}{line}") })
            }
            Kind::Seq { flow, items } => {
                let index = if token == "-" {
                    items.len()
                } else {
                    match Pointer::array_index(token).filter(|i| *i <= items.len()) {
                        Some(i) => i,
                        None => {
                            return Err(self
                                .err(
                                    PatchErrorKind::NotFound,
                                    parent.content,
                                    format!("`{parent_ptr}` has {} items; cannot add at `{token}`", items.len()),
                                )
                                .hint("use an index up to the length, or `-` to append"));
                        }
                    }
                };
                if *flow {
                    let item = flow_item(v, sibling_quotes(items.iter()));
                    return Ok(if items.is_empty() {
                        Splice { start: parent.content + 1, end: parent.end - 1, with: item }
                    } else if index == items.len() {
                        let end = items[index - 1].end;
                        Splice { start: end, end, with: format!(", {item}") }
                    } else {
                        let s = items[index].start;
                        Splice { start: s, end: s, with: format!("{item}, ") }
                    });
                }
                let Some(first) = items.first() else {
                    return Err(self.err(PatchErrorKind::Unsupported, parent.start, "empty block sequence"));
                };
                let dash0 = dash_before(self.text.as_bytes(), first.start);
                let col = col_of(self.text, dash0);
                let quoted = sibling_quotes(items.iter());
                let line = format!("{}-{}", " ".repeat(col), self.after_indicator(v, col, true, quoted));
                if index == items.len() {
                    let at = line_end(self.text, items[index - 1].end);
                    Ok(Splice { start: at, end: at, with: format!("{eol}{line}") })
                } else {
                    let dash = dash_before(self.text.as_bytes(), items[index].start);
                    let ls = line_start(self.text, dash);
                    if self.text[ls..dash].trim() != "" {
                        return Err(self
                            .err(PatchErrorKind::Unsupported, dash, "this sequence item does not start its own line")
                            .hint("append with `-` instead, or rewrite the sequence with one item per line"));
                    }
                    Ok(Splice { start: ls, end: ls, with: format!("{line}{eol}") })
                }
            }
            _ => Err(self
                .err(
                    PatchErrorKind::NotAContainer,
                    parent.content,
                    format!(
                        "cannot add `{token}`: `{parent_ptr}` is {}, not a mapping or a sequence",
                        parent.kind_name()
                    ),
                )
                .hint("add the parent first, or point the path at an existing mapping")),
        }
    }
}
