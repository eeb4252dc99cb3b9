//! What the editor checks on shared YAML: values reached through merge keys (`<<: *defaults`), paths that
//! go on below an alias, and values whose anchor aliases elsewhere share (refused unless allowed).

use super::*;
use crate::patch::{PatchError, PatchErrorKind, Pointer};
use crate::yaml::{Entry, Kind, Node};

impl<'t> Editor<'t> {
    /// When `token` is not a key of this mapping but comes from one of its merge keys (`<<: *defaults`):
    /// that merge entry and the merged mapping's entry for `token`.
    pub(super) fn merged(&self, entries: &'t [Entry], token: &str) -> Option<(&'t Entry, &'t Entry)> {
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
    pub(super) fn anchored(&self, id: usize) -> Option<&'t Node> {
        let mut found = None;
        self.doc.root.walk(&mut |n| {
            if n.anchor == id && found.is_none() {
                found = Some(n);
            }
        });
        found
    }

    /// The refusal for a path that goes through (or removes) a key a mapping takes from a merge key.
    pub(super) fn merged_refusal(
        &self,
        merge: &Entry,
        found: &Entry,
        so_far: &Pointer,
        token: &str,
        through: bool,
    ) -> PatchError {
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

    /// Refuses a path that goes on below an alias (`so_far`): the way through is to replace the alias
    /// itself, which writes the value in place of `*name` there only.
    pub(super) fn refuse_alias(&self, n: &Node, so_far: &Pointer) -> Result<(), PatchError> {
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
    pub(super) fn shared_refusal(&self, node: &Node, id: usize, at: &Pointer, ptr: &Pointer) -> PatchError {
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
    pub(super) fn shared_places(&self, ptr: &Pointer) -> Vec<(Pointer, bool, usize)> {
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
    pub(super) fn node_plain(&self, ptr: &Pointer) -> Option<&'t Node> {
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
    pub(super) fn refuse_shared(&self, n: &Node, ptr: &Pointer) -> Result<(), PatchError> {
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
    pub(super) fn alias_count(&self, anchors: &[usize]) -> usize {
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
}
