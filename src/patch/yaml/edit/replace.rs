//! `replace`: a value written in place of the old one, in the style of the node and its siblings.

use serde_json::Value;

use super::super::render;
use super::*;
use crate::patch::{PatchError, PatchErrorKind, Pointer};
use crate::yaml::{Kind, Node, Style, col_of, dash_before};

impl Editor<'_> {
    pub fn replace(&self, ptr: &Pointer, v: &Value) -> Result<Splice, PatchError> {
        if let Some((parent, token)) = ptr.split_last()
            && let Some(Kind::Map { entries, .. }) =
                self.resolve(&parent).ok().and_then(|s| s.last().map(|s| &s.node.kind))
            && !entries.iter().any(|e| key_text(&e.key) == Some(token))
            && self.merged(entries, token).is_some()
        {
            // Helm reads a key written in the mapping before a merged one: writing it here changes this
            // mapping only, which is what the patch means.
            return self.add(ptr, v);
        }
        let steps = self.resolve_to(ptr, true)?;
        let Some(target) = steps.last() else { return Err(self.err(PatchErrorKind::NotFound, 0, "empty path")) };
        self.refuse_shared(target.node, ptr)?;
        self.replace_node(target.node, target.link, v)
    }

    pub(super) fn replace_node(&self, node: &Node, link: Link<'_>, v: &Value) -> Result<Splice, PatchError> {
        if let Link::Entry { entry, .. } = link
            && entry.complex
        {
            {
                return Err(self
                    .err(
                        PatchErrorKind::Unsupported,
                        entry.key.start,
                        "the key is written in the explicit `? key` form",
                    )
                    .hint("rewrite it as a plain `key: value` entry first"));
            }
        }
        let in_flow = match link {
            Link::Entry { parent, .. } | Link::Item { parent, .. } => parent.is_flow_collection(),
            Link::Root => false,
        };
        let is_container =
            matches!(v, Value::Array(a) if !a.is_empty()) || matches!(v, Value::Object(o) if !o.is_empty());

        // A scalar replaced by a scalar: only its own text changes, in its own style where possible.
        if let Kind::Scalar { style, .. } = &node.kind {
            let style = *style;
            if !is_container {
                if matches!(style, Style::Literal | Style::Folded) {
                    if let Value::String(s) = v
                        .as_str()
                        .filter(|s| s.contains('\n'))
                        .map(|s| Value::String(s.to_owned()))
                        .as_ref()
                        .unwrap_or(&Value::Null)
                    {
                        let col = content_col(self.text, node.content);
                        if let Some(block) = render::literal(s, col, &self.style) {
                            return Ok(Splice { start: node.content_header(self.text), end: node.end, with: block });
                        }
                    }
                    return Ok(Splice {
                        start: node.content_header(self.text),
                        end: node.end,
                        with: render::scalar(v, None, in_flow),
                    });
                }
                if node.is_empty_scalar() {
                    return Ok(Splice {
                        start: node.start,
                        end: node.end,
                        with: format!(" {}", render::scalar(v, None, in_flow)),
                    });
                }
                let prefer = Some(style);
                return Ok(Splice { start: node.content, end: node.end, with: render::scalar(v, prefer, in_flow) });
            }
        }
        // Inside a flow collection, or a flow collection replaced by a collection: stay in flow style.
        if in_flow || (node.is_flow_collection() && (is_container || matches!(v, Value::Array(_) | Value::Object(_)))) {
            return Ok(Splice { start: node.content, end: node.end, with: render::flow_value(v) });
        }
        self.block_splice(node, link, v)
    }

    /// Block context: rewrites everything after the indicator (`key:` or `-`) in block style.
    pub(super) fn block_splice(&self, node: &Node, link: Link<'_>, v: &Value) -> Result<Splice, PatchError> {
        match link {
            Link::Entry { entry, .. } => {
                let col = col_of(self.text, entry.key.start);
                Ok(Splice {
                    start: entry.colon + 1,
                    end: node.end,
                    with: render::after_indicator(v, col, false, &self.style),
                })
            }
            Link::Item { .. } => {
                let dash = dash_before(self.text.as_bytes(), node.start);
                let col = col_of(self.text, dash);
                Ok(Splice { start: dash + 1, end: node.end, with: render::after_indicator(v, col, true, &self.style) })
            }
            Link::Root => {
                let with = match v {
                    Value::Object(m) if !m.is_empty() => render::map_lines(m, 0, &self.style),
                    Value::Array(a) if !a.is_empty() => render::seq_lines(a, 0, &self.style),
                    other => render::scalar(other, None, false),
                };
                Ok(Splice { start: node.start, end: node.end, with })
            }
        }
    }

    /// What follows `key:` or `-` for a new entry; a one-line string is quoted like its siblings when they
    /// all are (and a quoted string reads the same).
    pub(super) fn after_indicator(&self, v: &Value, col: usize, is_item: bool, quoted: Option<Style>) -> String {
        match (v, quoted) {
            (Value::String(s), Some(style)) if !s.contains('\n') => {
                format!(" {}", render::scalar(v, Some(style), false))
            }
            _ => render::after_indicator(v, col, is_item, &self.style),
        }
    }
}
