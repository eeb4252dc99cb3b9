//! One RFC 6902 operation turned into one splice of the YAML text.

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

    /// When `token` is not a key of this mapping but comes from one of its merge keys (`<<: *defaults`):
    /// that merge entry and the merged mapping's entry for `token`.
    fn merged(&self, entries: &'t [Entry], token: &str) -> Option<(&'t Entry, &'t Entry)> {
        for merge in entries.iter().filter(|e| is_merge_key(&e.key)) {
            let sources: Vec<&Node> = match &merge.value.kind {
                Kind::Seq { items, .. } => items.iter().collect(),
                _ => vec![&merge.value],
            };
            for src in sources {
                let target = match src.kind {
                    Kind::Alias(id) => self.anchored(id)?,
                    _ => src,
                };
                if let Kind::Map { entries: inner, .. } = &target.kind {
                    if let Some(found) = inner.iter().find(|e| key_text(&e.key) == Some(token)) {
                        return Some((merge, found));
                    }
                    if let Some(deeper) = self.merged(inner, token) {
                        return Some((merge, deeper.1));
                    }
                }
            }
        }
        None
    }

    /// The node that defines anchor `id`.
    fn anchored(&self, id: usize) -> Option<&'t Node> {
        let mut found = None;
        self.doc.root.walk(&mut |n| {
            if n.anchor == id && found.is_none() {
                found = Some(n);
            }
        });
        found
    }

    /// The refusal for a path that goes through (or removes) a key a mapping takes from a merge key.
    fn merged_refusal(&self, merge: &Entry, found: &Entry, so_far: &Pointer, token: &str, through: bool) -> PatchError {
        let merge_text = self.text[merge.key.start..merge.value.end.max(merge.colon + 1)].trim_end();
        let place = if so_far.is_root() { "the top-level mapping".to_owned() } else { format!("`{so_far}`") };
        let what = if through { "editing inside it" } else { "removing it" };
        let mut own = so_far.clone();
        own.push(token.to_owned());
        let hint = if through {
            format!(
                "replace `{own}` as a whole: that writes `{token}` into {place} itself and overrides the merged value there only"
            )
        } else {
            format!(
                "replace `{own}` instead (that overrides the merged value in {place} only), or edit the anchored mapping at line {} by its own path",
                self.loc(found.key.start).line
            )
        };
        self.err(
            PatchErrorKind::Unsupported,
            merge.key.start,
            format!(
                "`{token}` in {place} comes from the merge key `{merge_text}` (defined at line {}); {what} would change every mapping that merges it",
                self.loc(found.key.start).line
            ),
        )
        .hint(hint)
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

    /// Refuses a path that goes on below an alias (`so_far`): the way through is to replace the alias
    /// itself, which writes the value in place of `*name` there only.
    fn refuse_alias(&self, n: &Node, so_far: &Pointer) -> Result<(), PatchError> {
        if let Kind::Alias(_) = n.kind {
            let alias = &self.text[n.start..n.end];
            return Err(self
                .err(
                    PatchErrorKind::Unsupported,
                    n.start,
                    format!("`{so_far}` is the alias `{alias}`: the path goes on inside the value it shares with the anchor `&{}`", &alias[1..]),
                )
                .hint(format!(
                    "replace `{so_far}` as a whole (the whole new value): firedrill writes it there in place of `{alias}`, and the other places that use `&{}` keep theirs",
                    &alias[1..]
                )));
        }
        Ok(())
    }

    /// The refusal for editing the node at `at` (or `ptr` below it), whose anchor `id` aliases share: the
    /// places that would change with it, and the two ways through.
    fn shared_refusal(&self, node: &Node, id: usize, at: &Pointer, ptr: &Pointer) -> PatchError {
        let name = self.anchored(id).and_then(|a| anchor_name(self.text, a)).unwrap_or("?");
        // The places that read the edited value: below each alias, and below each mapping that merges the
        // anchor without a key of its own there.
        let mut places = if node.anchor == id { self.shared_places(ptr) } else { Vec::new() };
        if places.is_empty() {
            places = self.alias_places(id);
        }
        let listed: Vec<String> = places
            .iter()
            .take(6)
            .map(|(p, merge, byte)| {
                let how = if *merge { " (merged with `<<`)" } else { "" };
                format!("`{p}`{how} at line {}", self.loc(*byte).line)
            })
            .collect();
        let more = if places.len() > 6 { format!(" and {} more", places.len() - 6) } else { String::new() };
        let place = if at.is_root() { "the document".to_owned() } else { format!("`{at}`") };
        let one = places.first().map(|(q, _, _)| {
            format!("; or, to change one of those places only, patch it by its own path (such as `{q}`): the value is written there, and the others keep theirs")
        });
        self.err(
            PatchErrorKind::Unsupported,
            node.start,
            format!(
                "{place} {} the anchor `&{name}`: editing it would change {} other place(s) too, which read it through an alias: {}{more}",
                if node.anchor == id { "has" } else { "holds" },
                places.len(),
                listed.join(", ")
            ),
        )
        .hint(format!(
            "to change all of them, allow it: `allow_shared_anchor: true` in the scenario's `target` (`--allow-shared-anchor` with `firedrill patch`){}",
            one.unwrap_or_default()
        ))
    }

    /// Where the aliases of anchor `id` sit: the alias's own path, or for a merge key (`<<: *name`) the path
    /// of the mapping that merges it (`true`), with the alias's byte offset.
    pub fn alias_places(&self, id: usize) -> Vec<(Pointer, bool, usize)> {
        fn visit(n: &Node, at: &mut Pointer, id: usize, out: &mut Vec<(Pointer, bool, usize)>) {
            match &n.kind {
                Kind::Alias(a) if *a == id => out.push((at.clone(), false, n.start)),
                Kind::Map { entries, .. } => {
                    for e in entries {
                        if is_merge_key(&e.key) {
                            let sources: Vec<&Node> = match &e.value.kind {
                                Kind::Seq { items, .. } => items.iter().collect(),
                                _ => vec![&e.value],
                            };
                            for s in sources {
                                if matches!(s.kind, Kind::Alias(a) if a == id) {
                                    out.push((at.clone(), true, s.start));
                                }
                            }
                            continue;
                        }
                        let Some(k) = key_text(&e.key) else { continue };
                        at.push(k.to_owned());
                        visit(&e.value, at, id, out);
                        at.tokens.pop();
                    }
                }
                Kind::Seq { items, .. } => {
                    for (i, item) in items.iter().enumerate() {
                        at.push(i.to_string());
                        visit(item, at, id, out);
                        at.tokens.pop();
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        visit(&self.doc.root, &mut Pointer::default(), id, &mut out);
        out
    }

    /// With `allow_shared_anchor`, the other paths an edit at `ptr` changes: for each anchored node on the
    /// way (or at `ptr`) that aliases share, the same place below each alias, and below each mapping that
    /// merges it and has no key of its own there. What a reader of the edited file sees, to verify it by.
    pub fn shared_paths(&self, ptr: &Pointer) -> Vec<Pointer> {
        self.shared_places(ptr).into_iter().map(|(p, _, _)| p).collect()
    }

    /// [`Self::shared_paths`] with, for each, whether it is merged (`<<`) and the alias's byte offset.
    fn shared_places(&self, ptr: &Pointer) -> Vec<(Pointer, bool, usize)> {
        let mut out = Vec::new();
        let mut node = &self.doc.root;
        for depth in 0..=ptr.tokens.len() {
            if node.anchor != 0 {
                let rest = &ptr.tokens[depth..];
                for (place, merge, byte) in self.alias_places(node.anchor) {
                    if merge {
                        let own = self.node_plain(&place).is_some_and(|m| match (&m.kind, rest.first()) {
                            (Kind::Map { entries, .. }, Some(k)) => entries.iter().any(|e| key_text(&e.key) == Some(k)),
                            _ => true,
                        });
                        if own {
                            continue;
                        }
                    }
                    let mut q = place;
                    q.tokens.extend(rest.iter().cloned());
                    out.push((q, merge, byte));
                }
            }
            let Some(token) = ptr.tokens.get(depth) else { break };
            let next = match &node.kind {
                Kind::Map { entries, .. } => entries.iter().find(|e| key_text(&e.key) == Some(token)).map(|e| &e.value),
                Kind::Seq { items, .. } => Pointer::array_index(token).and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        out
    }

    /// The path of the first alias strictly above the node at `ptr` (the path goes on inside the value the
    /// alias shares), when there is one.
    pub fn alias_above(&self, ptr: &Pointer) -> Option<Pointer> {
        let mut node = &self.doc.root;
        for (depth, token) in ptr.tokens.iter().enumerate() {
            if let Kind::Alias(_) = node.kind {
                return Some(Pointer { tokens: ptr.tokens[..depth].to_vec() });
            }
            node = match &node.kind {
                Kind::Map { entries, .. } => &entries.iter().find(|e| key_text(&e.key) == Some(token))?.value,
                Kind::Seq { items, .. } => items.get(Pointer::array_index(token)?)?,
                _ => return None,
            };
        }
        None
    }

    /// The node at `ptr` by plain keys and indexes (no aliases, no merge keys).
    fn node_plain(&self, ptr: &Pointer) -> Option<&'t Node> {
        let mut node = &self.doc.root;
        for token in &ptr.tokens {
            node = match &node.kind {
                Kind::Map { entries, .. } => &entries.iter().find(|e| key_text(&e.key) == Some(token))?.value,
                Kind::Seq { items, .. } => items.get(Pointer::array_index(token)?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Refuses to rewrite the node at `ptr` when its anchor (or one inside it) is used by an alias, unless
    /// shared anchors are allowed, or when it carries a tag.
    fn refuse_shared(&self, n: &Node, ptr: &Pointer) -> Result<(), PatchError> {
        let mut defined = Vec::new();
        n.walk(&mut |m| {
            if m.anchor != 0 {
                defined.push(m.anchor);
            }
        });
        if let Some(&id) = defined.iter().find(|&&id| self.alias_count(&[id]) > 0)
            && (!self.allow_shared || n.anchor != id)
        {
            // An anchor inside the node would be overwritten: its aliases would lose their value.
            return Err(self.shared_refusal(n, id, ptr, ptr));
        }
        if n.tagged() {
            return Err(self.err(PatchErrorKind::Unsupported, n.start, "this node has an explicit YAML tag").hint(
                "tagged values are refused because the tag decides how the new value is read; remove the tag first",
            ));
        }
        Ok(())
    }

    /// How many aliases in the document refer to one of `anchors`.
    fn alias_count(&self, anchors: &[usize]) -> usize {
        let mut used = 0;
        if !anchors.is_empty() {
            self.doc.root.walk(&mut |m| {
                if let Kind::Alias(id) = m.kind {
                    used += usize::from(anchors.contains(&id));
                }
            });
        }
        used
    }

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

    fn replace_node(&self, node: &Node, link: Link<'_>, v: &Value) -> Result<Splice, PatchError> {
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
    fn block_splice(&self, node: &Node, link: Link<'_>, v: &Value) -> Result<Splice, PatchError> {
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
    fn delete_lines(&self, from: usize, to: usize) -> Splice {
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

/// Removes item `index` of a flow collection together with one comma.
fn flow_remove(spans: Vec<(usize, usize)>, index: usize, parent: &Node) -> Splice {
    let (s, e) = spans[index];
    if spans.len() == 1 {
        Splice { start: parent.content + 1, end: parent.end - 1, with: String::new() }
    } else if index + 1 < spans.len() {
        Splice { start: s, end: spans[index + 1].0, with: String::new() }
    } else {
        Splice { start: spans[index - 1].1, end: e, with: String::new() }
    }
}

impl Editor<'_> {
    /// What follows `key:` or `-` for a new entry; a one-line string is quoted like its siblings when they
    /// all are (and a quoted string reads the same).
    fn after_indicator(&self, v: &Value, col: usize, is_item: bool, quoted: Option<Style>) -> String {
        match (v, quoted) {
            (Value::String(s), Some(style)) if !s.contains('\n') => {
                format!(" {}", render::scalar(v, Some(style), false))
            }
            _ => render::after_indicator(v, col, is_item, &self.style),
        }
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
