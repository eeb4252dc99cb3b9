//! `remove`: the entry or item deleted with its whole lines (block) or with one comma (flow).

use serde_json::Value;

use super::*;
use crate::patch::{PatchError, PatchErrorKind, Pointer};
use crate::yaml::{Kind, Node, dash_before};

impl Editor<'_> {
    pub fn remove(&self, ptr: &Pointer) -> Result<Splice, PatchError> {
        if let Some((parent, token)) = ptr.split_last()
            && let Some(Kind::Map { entries, .. }) =
                self.resolve(&parent).ok().and_then(|s| s.last().map(|s| &s.node.kind))
            && !entries.iter().any(|e| key_text(&e.key) == Some(token))
            && let Some((merge, found)) = self.merged(entries, token)
        {
            return Err(self.merged_refusal(merge, found, &parent, token, false));
        }
        let steps = self.resolve_to(ptr, true)?;
        let Some(target) = steps.last() else { return Err(self.err(PatchErrorKind::NotFound, 0, "empty path")) };
        self.refuse_shared(target.node, ptr)?;
        if target.node.anchor != 0 && self.alias_count(&[target.node.anchor]) > 0 {
            let name = anchor_name(self.text, target.node).unwrap_or("?");
            return Err(self
                .err(
                    PatchErrorKind::Unsupported,
                    target.node.start,
                    format!(
                        "`{ptr}` defines the anchor `&{name}`: removing it would leave its aliases without a value"
                    ),
                )
                .hint("remove the aliases' places first, or replace the value instead"));
        }
        let parent_step = steps.len().checked_sub(2).map(|i| &steps[i]);
        let text = self.text;
        match target.link {
            Link::Root => Err(self
                .err(PatchErrorKind::Unsupported, target.node.start, "cannot remove the whole document")
                .hint("replace it with {} instead")),
            Link::Entry { parent, index, entry } => {
                let Kind::Map { flow, entries } = &parent.kind else {
                    return Err(self.err(PatchErrorKind::NotFound, parent.start, "not a mapping"));
                };
                if entry.complex {
                    return Err(self.err(
                        PatchErrorKind::Unsupported,
                        entry.key.start,
                        "the key is written in the explicit `? key` form",
                    ));
                }
                let value_end = entry.value.end.max(entry.colon + 1);
                if *flow {
                    return Ok(flow_remove(
                        entries.iter().map(|e| (e.key.start, e.value.end.max(e.colon + 1))).collect(),
                        index,
                        parent,
                    ));
                }
                if entries.len() == 1 {
                    // The mapping becomes empty: write `{}` where it was.
                    let p = parent_step.ok_or_else(|| self.err(PatchErrorKind::NotFound, parent.start, "no parent"))?;
                    return self.replace_node(p.node, p.link, &Value::Object(Default::default()));
                }
                let key_start = entry.key.start;
                if text[line_start(text, key_start)..key_start].trim().is_empty() {
                    Ok(self.delete_lines(key_start, value_end))
                } else {
                    // `- key: v` followed by more keys: pull the next key up onto the dash line.
                    let next = &entries[index + 1];
                    Ok(Splice { start: key_start, end: next.key.start, with: String::new() })
                }
            }
            Link::Item { parent, index } => {
                let Kind::Seq { flow, items } = &parent.kind else {
                    return Err(self.err(PatchErrorKind::NotFound, parent.start, "not a sequence"));
                };
                if *flow {
                    return Ok(flow_remove(items.iter().map(|i| (i.start, i.end)).collect(), index, parent));
                }
                if items.len() == 1 {
                    let p = parent_step.ok_or_else(|| self.err(PatchErrorKind::NotFound, parent.start, "no parent"))?;
                    return self.replace_node(p.node, p.link, &Value::Array(Vec::new()));
                }
                let dash = dash_before(text.as_bytes(), target.node.start);
                if !text[line_start(text, dash)..dash].trim().is_empty() {
                    return Err(self
                        .err(PatchErrorKind::Unsupported, dash, "this sequence item does not start its own line")
                        .hint("rewrite the sequence with one item per line first"));
                }
                Ok(self.delete_lines(dash, target.node.end.max(dash + 1)))
            }
        }
    }

    /// Deletes the whole lines spanning `from..to`, keeping the file's final newline (or its absence).
    pub(super) fn delete_lines(&self, from: usize, to: usize) -> Splice {
        let text = self.text;
        let start = line_start(text, from);
        let end = line_end(text, to);
        let eol_len = if text[end..].starts_with("\r\n") { 2 } else { usize::from(text[end..].starts_with('\n')) };
        if eol_len > 0 {
            Splice { start, end: end + eol_len, with: String::new() }
        } else {
            // Last line without a final newline: take the line break before it instead.
            let before = if text[..start].ends_with("\r\n") { 2 } else { usize::from(text[..start].ends_with('\n')) };
            Splice { start: start - before, end, with: String::new() }
        }
    }
}

/// Removes item `index` of a flow collection together with one comma.
pub(super) fn flow_remove(spans: Vec<(usize, usize)>, index: usize, parent: &Node) -> Splice {
    let (s, e) = spans[index];
    if spans.len() == 1 {
        Splice { start: parent.content + 1, end: parent.end - 1, with: String::new() }
    } else if index + 1 < spans.len() {
        Splice { start: s, end: spans[index + 1].0, with: String::new() }
    } else {
        Splice { start: spans[index - 1].1, end: e, with: String::new() }
    }
}
