//! One RFC 6902 operation turned into one splice of the YAML text: the editor, its path resolution and the
//! text helpers here; each operation in its own module ([`replace`], [`add`], [`remove`]), the checks on
//! anchors, aliases and merge keys in [`anchors`].

mod add;
mod anchors;
mod remove;
mod replace;

use serde_json::Value;

use super::render::{self, DocStyle};
use crate::patch::{Location, PatchError, PatchErrorKind, Pointer};
use crate::yaml::{Document, Entry, Kind, Node, Style, col_of, dash_before};

/// Replace `text[start..end]` with `with`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    pub start: usize,
    pub end: usize,
    pub with: String,
}

/// The nodes along a resolved path, from the root.
struct Step<'a> {
    node: &'a Node,
    /// How this node hangs off its parent.
    link: Link<'a>,
}

#[derive(Clone, Copy)]
enum Link<'a> {
    Root,
    Entry { parent: &'a Node, index: usize, entry: &'a Entry },
    Item { parent: &'a Node, index: usize },
}

pub struct Editor<'t> {
    pub text: &'t str,
    pub doc: &'t Document,
    pub style: DocStyle,
    /// The document writes its nested collections in block style (at least as often as in flow style).
    prefers_block: bool,
    /// A value whose anchor aliases share may be edited (every alias then reads the new value).
    allow_shared: bool,
}

impl<'t> Editor<'t> {
    /// An editor with the habits (`Editor::habits`) already learned from an earlier version of the text: an
    /// edit does not change how the document indents, so a patch of many operations learns them once.
    pub fn with_habits(text: &'t str, doc: &'t Document, habits: (DocStyle, bool)) -> Self {
        Editor { text, doc, style: habits.0, prefers_block: habits.1, allow_shared: false }
    }

    /// The editor with `allow_shared_anchor` (see [`crate::patch::Options`]).
    pub fn allowing_shared_anchor(mut self, yes: bool) -> Self {
        self.allow_shared = yes;
        self
    }

    /// How the document indents and whether it writes nested collections in block style.
    pub fn habits(text: &str, doc: &Document) -> (DocStyle, bool) {
        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let (map_step, seq_offset) = infer_indents(text, &doc.root);
        let (mut block, mut flow) = (0usize, 0usize);
        doc.root.walk(&mut |n| match &n.kind {
            Kind::Map { flow: f, entries } if !entries.is_empty() && n.start != doc.root.start => {
                if *f {
                    flow += 1
                } else {
                    block += 1
                }
            }
            Kind::Seq { flow: f, items } if !items.is_empty() && n.start != doc.root.start => {
                if *f {
                    flow += 1
                } else {
                    block += 1
                }
            }
            _ => {}
        });
        (DocStyle { map_step, seq_offset, eol }, block > 0 && block >= flow)
    }

    /// The byte offset to point at for `ptr`: the start of its value (the first key of a block mapping), or
    /// the merge key a merged value comes from.
    pub fn locate(&self, ptr: &Pointer) -> Option<usize> {
        let mut node = &self.doc.root;
        for token in &ptr.tokens {
            match &node.kind {
                Kind::Map { entries, .. } => match entries.iter().find(|e| key_text(&e.key) == Some(token.as_str())) {
                    Some(e) => node = &e.value,
                    None => return self.merged(entries, token).map(|(merge, _)| merge.key.start),
                },
                Kind::Seq { items, .. } => node = items.get(Pointer::array_index(token)?)?,
                _ => return None,
            }
        }
        Some(node.content)
    }

    fn loc(&self, byte: usize) -> Location {
        Location::of_byte(self.text, byte)
    }

    fn err(&self, kind: PatchErrorKind, at: usize, msg: impl Into<String>) -> PatchError {
        PatchError::new(kind, msg).at(self.loc(at))
    }

    /// The node at `ptr`, when the path reaches it without an alias or a merge key and nothing else shares
    /// it (no alias of an anchor on it or above it): a node that can be rewritten on its own.
    pub fn node_at(&self, ptr: &Pointer) -> Result<&'t Node, PatchError> {
        let steps = self.resolve(ptr)?;
        let node = steps.last().map_or(&self.doc.root, |s| s.node);
        self.refuse_shared(node, ptr)?;
        Ok(node)
    }

    /// Walks `ptr` from the root; every node on the way must exist and none may be an alias.
    fn resolve(&self, ptr: &Pointer) -> Result<Vec<Step<'t>>, PatchError> {
        self.resolve_to(ptr, false)
    }

    /// [`Self::resolve`]; `alias_last`: the node at `ptr` itself may be an alias (it is replaced or removed
    /// as a whole: the other places that use the anchor keep their value).
    fn resolve_to(&self, ptr: &Pointer, alias_last: bool) -> Result<Vec<Step<'t>>, PatchError> {
        let mut steps = vec![Step { node: &self.doc.root, link: Link::Root }];
        for (depth, token) in ptr.tokens.iter().enumerate() {
            let cur = steps.last().map(|s| s.node).unwrap_or(&self.doc.root);
            let so_far = Pointer { tokens: ptr.tokens[..depth].to_vec() };
            self.refuse_alias(cur, &so_far)?;
            let next = match &cur.kind {
                Kind::Map { entries, .. } => {
                    let found = entries.iter().enumerate().find(|(_, e)| key_text(&e.key) == Some(token.as_str()));
                    match found {
                        Some((index, entry)) => {
                            Step { node: &entry.value, link: Link::Entry { parent: cur, index, entry } }
                        }
                        None => {
                            if let Some((merge, found)) = self.merged(entries, token) {
                                return Err(self.merged_refusal(merge, found, &so_far, token, true));
                            }
                            return Err(self
                                .err(PatchErrorKind::NotFound, cur.content, format!("`{so_far}` has no key `{token}`"))
                                .hint(suggest_key(entries, token)));
                        }
                    }
                }
                Kind::Seq { items, .. } => match Pointer::array_index(token).filter(|i| *i < items.len()) {
                    Some(index) => Step { node: &items[index], link: Link::Item { parent: cur, index } },
                    None => {
                        return Err(self
                            .err(
                                PatchErrorKind::NotFound,
                                cur.content,
                                format!(
                                    "`{so_far}` is a sequence of {} items and `{token}` is not one of its indexes",
                                    items.len()
                                ),
                            )
                            .hint("use a 0-based index below the length, or `-` to append with `add`"));
                    }
                },
                _ => {
                    return Err(self.err(
                        PatchErrorKind::NotAContainer,
                        cur.content,
                        format!(
                            "`{so_far}` is {}, not a mapping or a sequence, so it has no `{token}`",
                            cur.kind_name()
                        ),
                    ));
                }
            };
            steps.push(next);
        }
        if let Some(last) = steps.last()
            && !alias_last
        {
            self.refuse_alias(last.node, ptr)?;
        }
        // An edit below an anchored node would show through every alias of that anchor too.
        if !self.allow_shared {
            for (depth, step) in steps[..steps.len() - 1].iter().enumerate() {
                if step.node.anchor != 0 && self.alias_count(&[step.node.anchor]) > 0 {
                    let at = Pointer { tokens: ptr.tokens[..depth].to_vec() };
                    return Err(self.shared_refusal(step.node, step.node.anchor, &at, ptr));
                }
            }
        }
        Ok(steps)
    }
}

impl Node {
    /// Start of a block scalar's header (`|`) without its properties; other nodes: their content.
    fn content_header(&self, text: &str) -> usize {
        let mut i = self.start;
        let b = text.as_bytes();
        while i < self.content && !matches!(b[i], b'|' | b'>') {
            i += 1;
        }
        i
    }
}

fn flow_item(v: &Value, quoted: Option<Style>) -> String {
    match (v, quoted) {
        (Value::String(_), Some(style)) => render::scalar(v, Some(style), true),
        _ => render::flow_value(v),
    }
}

fn parent_is_map(n: &Node) -> bool {
    matches!(n.kind, Kind::Map { .. })
}

/// The name of the anchor written on `n` (`&name` before its content).
fn anchor_name<'a>(text: &'a str, n: &Node) -> Option<&'a str> {
    let props = &text[n.start..n.content.max(n.start)];
    let at = props.find('&')? + 1;
    let name = &props[at..];
    Some(name.split(|c: char| c.is_whitespace()).next().unwrap_or(name))
}

/// `<<`, the YAML 1.1 merge key (plain; a quoted `"<<"` is an ordinary key).
fn is_merge_key(key: &Node) -> bool {
    matches!(&key.kind, Kind::Scalar { value, style: Style::Plain } if value == "<<")
}

/// The quote style every string sibling is written in, when there are string siblings and they agree.
fn sibling_quotes<'a>(values: impl Iterator<Item = &'a Node>) -> Option<Style> {
    let mut style = None;
    for n in values {
        let Kind::Scalar { style: s, .. } = &n.kind else { continue };
        if n.reading(false) != Some(crate::yaml::Scalar::Str) || n.is_empty_scalar() {
            continue;
        }
        match (style, s.is_quoted()) {
            (_, false) => return None,
            (None, true) => style = Some(*s),
            (Some(prev), true) if prev != *s => return None,
            _ => {}
        }
    }
    style
}

/// The text of a scalar key, `None` for collection keys.
fn key_text(n: &Node) -> Option<&str> {
    n.as_scalar().map(|(v, _)| v)
}

fn suggest_key(entries: &[Entry], token: &str) -> String {
    let best = entries
        .iter()
        .filter_map(|e| key_text(&e.key))
        .map(|k| (strsim::jaro_winkler(k, token), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, k)) => format!("did you mean `{k}`? Keys are case-sensitive"),
        None => "use `add` to create a key; `replace`, `remove` and `test` need an existing one".into(),
    }
}

pub fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |p| p + 1)
}

/// The end of the line holding `at`, before its line break.
pub fn line_end(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    // A node ending exactly at a line break belongs to the line before it.
    let e = text[at..].find('\n').map_or(text.len(), |p| at + p);
    if e > 0 && text.as_bytes()[e - 1] == b'\r' && e > at { e - 1 } else { e }
}

fn content_col(text: &str, at: usize) -> usize {
    col_of(text, at)
}

/// The document's habits: how far nested mappings are indented and whether sequences under a key are
/// indented. The most common value wins; 2 and "indented" when the document has no example.
fn infer_indents(text: &str, root: &Node) -> (usize, usize) {
    let mut steps = [0usize; 9];
    let mut seq_offsets = [0usize; 9];
    fn visit(text: &str, n: &Node, steps: &mut [usize; 9], seqs: &mut [usize; 9]) {
        match &n.kind {
            Kind::Map { flow: false, entries } => {
                for e in entries {
                    let kc = col_of(text, e.key.start);
                    match &e.value.kind {
                        Kind::Map { flow: false, entries: inner } if !inner.is_empty() => {
                            let d = col_of(text, inner[0].key.start).saturating_sub(kc);
                            if (1..9).contains(&d)
                                && line_start(text, inner[0].key.start) != line_start(text, e.key.start)
                            {
                                steps[d] += 1;
                            }
                        }
                        Kind::Seq { flow: false, items } if !items.is_empty() => {
                            let dash = dash_before(text.as_bytes(), items[0].start);
                            let d = col_of(text, dash).saturating_sub(kc);
                            if d < 9 {
                                seqs[d] += 1;
                            }
                        }
                        _ => {}
                    }
                    visit(text, &e.value, steps, seqs);
                }
            }
            Kind::Seq { items, .. } => items.iter().for_each(|i| visit(text, i, steps, seqs)),
            Kind::Map { entries, .. } => entries.iter().for_each(|e| visit(text, &e.value, steps, seqs)),
            _ => {}
        }
    }
    visit(text, root, &mut steps, &mut seq_offsets);
    let step = (1..9).max_by_key(|&d| (steps[d], d == 2)).filter(|&d| steps[d] > 0).unwrap_or(2);
    let seq = (0..9).max_by_key(|&d| (seq_offsets[d], d == step)).filter(|&d| seq_offsets[d] > 0).unwrap_or(step);
    (step, seq)
}
