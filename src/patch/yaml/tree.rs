//! A YAML syntax tree with byte positions, built from saphyr-parser's events.
//!
//! The tree records where every node's text lies so that edits can splice the original text; values
//! themselves are judged by an independent parser (serde_norway) in `verify`, never by this tree.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::patch::{Location, PatchError, PatchErrorKind};

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Single,
    Double,
    Literal,
    Folded,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Scalar {
        value: String,
        style: Style,
    },
    Seq {
        flow: bool,
        items: Vec<Node>,
    },
    Map {
        flow: bool,
        entries: Vec<Entry>,
    },
    /// An alias (`*name`) to the anchor with this id.
    Alias(usize),
}

/// A node and where its text lies, in byte offsets of the whole stream.
#[derive(Debug, Clone)]
pub struct Node {
    /// Start of the node's properties (anchor, tag) or, without them, of its content. For block scalars
    /// this is the `|`/`>` header.
    pub start: usize,
    /// Start of the content: the first character of a scalar (its quote, for quoted ones), the `[`/`{` of a
    /// flow collection, the first key or dash of a block collection, the first content line of a block scalar.
    pub content: usize,
    /// End (exclusive) of the node's last character; trailing blank lines of block scalars are excluded.
    pub end: usize,
    /// Anchor id defined on this node (0 = none).
    pub anchor: usize,
    pub tagged: bool,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
    /// Byte offset of the `:` after the key.
    pub colon: usize,
    /// `? key` style: refused for edits.
    pub complex: bool,
}

#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
}

impl Node {
    pub fn is_flow_collection(&self) -> bool {
        matches!(self.kind, Kind::Seq { flow: true, .. } | Kind::Map { flow: true, .. })
    }
    /// A `key:` with nothing after it (an implicit null), which occupies no text.
    pub fn is_empty_scalar(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { style: Style::Plain, .. }) && self.content == self.end
    }
    pub fn as_scalar(&self) -> Option<(&str, Style)> {
        match &self.kind {
            Kind::Scalar { value, style } => Some((value, *style)),
            _ => None,
        }
    }
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar { .. } if self.is_empty_scalar() => "an empty value (null)",
            Kind::Scalar { .. } => "a scalar",
            Kind::Seq { .. } => "a sequence",
            Kind::Map { .. } => "a mapping",
            Kind::Alias(_) => "an alias",
        }
    }
    /// Calls `f` on this node and every node below it (keys included).
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Node)) {
        f(self);
        match &self.kind {
            Kind::Seq { items, .. } => items.iter().for_each(|n| n.walk(f)),
            Kind::Map { entries, .. } => entries.iter().for_each(|e| {
                e.key.walk(f);
                e.value.walk(f);
            }),
            _ => {}
        }
    }
}

/// Byte offsets for saphyr's character indexes.
struct Offsets {
    /// `None` when the text is ASCII and indexes are offsets.
    table: Option<Vec<usize>>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let table = (!text.is_ascii()).then(|| text.char_indices().map(|(b, _)| b).collect());
        Offsets { table, len: text.len() }
    }
    fn byte(&self, char_index: usize) -> usize {
        match &self.table {
            None => char_index.min(self.len),
            Some(t) => t.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

enum Frame {
    Seq { start: usize, anchor: usize, tagged: bool, flow: bool, items: Vec<Node> },
    Map { start: usize, anchor: usize, tagged: bool, flow: bool, keys: Vec<Node>, entries: Vec<Entry> },
}

/// Parses a YAML stream into documents with positions.
pub fn parse(text: &str) -> Result<Vec<Document>, PatchError> {
    let offsets = Offsets::new(text);
    let bytes = text.as_bytes();
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;

    for event in Parser::new_from_str(text) {
        let (event, span): (Event, Span) = event.map_err(|e| {
            let m = e.marker();
            PatchError::new(PatchErrorKind::Parse, format!("the file is not valid YAML: {}", e.info()))
                .at(Location { line: m.line(), column: m.col() + 1 })
        })?;
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                root = None;
                continue;
            }
            Event::DocumentEnd => {
                let root = root.take().unwrap_or_else(|| empty_scalar(start));
                docs.push(Document { root });
                continue;
            }
            Event::Alias(id) => Node { start, content: start, end, anchor: 0, tagged: false, kind: Kind::Alias(id) },
            Event::Scalar(value, style, anchor, tag) => {
                let content = skip_properties(bytes, start, end, anchor != 0, tag.is_some());
                let (style, node_start, end) = match style {
                    ScalarStyle::Plain => (Style::Plain, start, end),
                    // A quoted scalar's span can run on over blanks and a comment: end at its closing quote.
                    ScalarStyle::SingleQuoted => (Style::Single, start, quoted_end(bytes, content, end)),
                    ScalarStyle::DoubleQuoted => (Style::Double, start, quoted_end(bytes, content, end)),
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        let s = if style == ScalarStyle::Literal { Style::Literal } else { Style::Folded };
                        // saphyr's span starts at the content; the header (`|-`, `>`) and any properties
                        // before it sit earlier, on the key's line.
                        let header = block_scalar_header(text, start);
                        let mut end = end;
                        while end > start && bytes[end - 1].is_ascii_whitespace() {
                            end -= 1;
                        }
                        (s, header, end)
                    }
                };
                let content = if matches!(style, Style::Literal | Style::Folded) { start } else { content };
                Node {
                    start: node_start,
                    content,
                    end,
                    anchor,
                    tagged: tag.is_some(),
                    kind: Kind::Scalar { value: value.into_owned(), style },
                }
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                // The span may run past the indicator (`{ `), so look at the first character after the
                // properties instead.
                let after_props = skip_properties(bytes, start, end, anchor != 0, tag.is_some());
                let flow = matches!(bytes.get(after_props), Some(b'[' | b'{'));
                let is_seq = matches!(event, Event::SequenceStart(..));
                stack.push(if is_seq {
                    Frame::Seq { start, anchor, tagged: tag.is_some(), flow, items: Vec::new() }
                } else {
                    Frame::Map { start, anchor, tagged: tag.is_some(), flow, keys: Vec::new(), entries: Vec::new() }
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { start: s, anchor, tagged, flow, items }) => {
                    let (content, end) = if flow {
                        // The end event's span can run on over blanks and a comment: stop at the bracket.
                        (content_after_props(bytes, s, b'['), start + 1)
                    } else {
                        let first = items.first().map_or(s, |i| dash_before(bytes, i.start));
                        let last = items.last().map_or(s, |i| i.end);
                        (first, last)
                    };
                    let start = if anchor == 0 && !tagged { content } else { s };
                    Node { start, content, end, anchor, tagged, kind: Kind::Seq { flow, items } }
                }
                _ => return Err(unbalanced(start)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map { start: s, anchor, tagged, flow, entries, .. }) => {
                    let (content, end) = if flow {
                        (content_after_props(bytes, s, b'{'), start + 1)
                    } else {
                        let first = entries.first().map_or(s, |e| e.key.start);
                        let last = entries.last().map_or(s, |e| e.value.end.max(e.colon + 1));
                        (first, last)
                    };
                    let start = if anchor == 0 && !tagged { content } else { s };
                    Node { start, content, end, anchor, tagged, kind: Kind::Map { flow, entries } }
                }
                _ => return Err(unbalanced(start)),
            },
        };
        attach(&mut stack, &mut root, node, bytes)?;
    }
    Ok(docs)
}

/// saphyr guarantees balanced events; should it ever not, refuse rather than guess.
fn unbalanced(at: usize) -> PatchError {
    PatchError::new(PatchErrorKind::Parse, format!("the YAML parser reported an unbalanced collection at byte {at}"))
}

fn empty_scalar(at: usize) -> Node {
    Node {
        start: at,
        content: at,
        end: at,
        anchor: 0,
        tagged: false,
        kind: Kind::Scalar { value: String::new(), style: Style::Plain },
    }
}

fn attach(stack: &mut [Frame], root: &mut Option<Node>, node: Node, bytes: &[u8]) -> Result<(), PatchError> {
    match stack.last_mut() {
        None => *root = Some(node),
        Some(Frame::Seq { items, .. }) => items.push(node),
        Some(Frame::Map { keys, entries, .. }) => {
            if let Some(key) = keys.pop() {
                let colon = find_colon(bytes, key.end);
                let mut value = node;
                if value.is_empty_scalar() {
                    // An implicit null is reported at the colon; place it just after.
                    value.start = colon + 1;
                    value.content = colon + 1;
                    value.end = colon + 1;
                }
                let complex = is_complex_key(bytes, key.start);
                entries.push(Entry { key, value, colon, complex });
            } else {
                keys.push(node);
            }
        }
    }
    Ok(())
}

/// The byte offset of the `:` that follows a key ending at `key_end`.
fn find_colon(bytes: &[u8], key_end: usize) -> usize {
    let mut i = key_end;
    while i < bytes.len() {
        match bytes[i] {
            b':' => return i,
            // `? key` forms may have the colon on a later line; stop at anything else but blanks.
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            _ => break,
        }
    }
    key_end.saturating_sub(1)
}

fn is_complex_key(bytes: &[u8], key_start: usize) -> bool {
    let mut i = key_start;
    while i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    i > 0 && bytes[i - 1] == b'?'
}

/// The end (after the closing quote) of a quoted scalar starting at `open`; `fallback` if none is found.
fn quoted_end(bytes: &[u8], open: usize, fallback: usize) -> usize {
    let Some(&quote) = bytes.get(open) else { return fallback };
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    fallback
}

/// Skips `&anchor` and `!tag` properties (and the blanks after them) from `start`.
fn skip_properties(bytes: &[u8], start: usize, end: usize, anchor: bool, tag: bool) -> usize {
    if !anchor && !tag {
        return start;
    }
    let mut i = start;
    loop {
        if i < bytes.len() && (bytes[i] == b'&' || bytes[i] == b'!') {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
        } else {
            break;
        }
    }
    i.min(end.max(i))
}

fn content_after_props(bytes: &[u8], start: usize, open: u8) -> usize {
    let mut i = start;
    while i < bytes.len() && bytes[i] != open {
        i += 1;
    }
    i
}

/// For a block sequence item starting at `item_start`, the offset of its `-` indicator.
pub fn dash_before(bytes: &[u8], item_start: usize) -> usize {
    let mut i = item_start;
    while i > 0 {
        let b = bytes[i - 1];
        if b == b'-' {
            return i - 1;
        }
        if !b.is_ascii_whitespace() {
            break;
        }
        i -= 1;
    }
    item_start
}

/// The header (`|`, `>-`, `|2+`…) of a block scalar whose content starts at `content`.
fn block_scalar_header(text: &str, content: usize) -> usize {
    let bytes = text.as_bytes();
    // Back to the end of the previous non-blank line.
    let mut i = content;
    while i > 0 && bytes[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    let line_start = text[..i].rfind('\n').map_or(0, |p| p + 1);
    let line = &text[line_start..i];
    // Drop a trailing comment, then the header is the last token that starts with `|` or `>`.
    let code = match line.find(" #") {
        Some(p) => &line[..p],
        None => line,
    };
    let code = code.trim_end();
    match code.rfind(['|', '>']) {
        Some(p) => {
            // Include properties written before the header (`&a |`).
            let mut s = line_start + p;
            let before = text[line_start..s].trim_end();
            if let Some(tok_start) = before.rfind(' ').map(|x| x + 1).or(Some(0)) {
                let tok = &before[tok_start..];
                if tok.starts_with('&') || tok.starts_with('!') {
                    s = line_start + tok_start;
                }
            }
            s
        }
        None => content,
    }
}

pub fn col_of(text: &str, byte: usize) -> usize {
    let line_start = text[..byte].rfind('\n').map_or(0, |p| p + 1);
    text[line_start..byte].chars().count()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn slice<'a>(text: &'a str, n: &Node) -> &'a str {
        &text[n.start..n.end]
    }

    #[test]
    fn positions_of_scalars_collections_and_block_scalars() {
        let text = "a: 1 # c\nb:\n  c: \"x\"\n  e:\n    - 1\n    - two\n  f: [1, 2]\n  g: |-\n    lit\n\nz: &x é\n";
        let docs = parse(text).unwrap();
        let Kind::Map { entries, flow: false } = &docs[0].root.kind else { panic!() };
        assert_eq!(slice(text, &entries[0].value), "1");
        let Kind::Map { entries: b, .. } = &entries[1].value.kind else { panic!() };
        assert_eq!(slice(text, &entries[1].value), "c: \"x\"\n  e:\n    - 1\n    - two\n  f: [1, 2]\n  g: |-\n    lit");
        assert_eq!(slice(text, &b[0].value), "\"x\"");
        assert_eq!(slice(text, &b[1].value), "- 1\n    - two");

        assert_eq!(slice(text, &b[2].value), "[1, 2]");
        assert_eq!(slice(text, &b[3].value), "|-\n    lit");
        assert_eq!(slice(text, &entries[2].value), "&x é");
        assert_eq!(&text[entries[2].value.content..entries[2].value.end], "é");
        assert_eq!(entries[2].value.anchor, 1);
    }

    #[test]
    fn implicit_null_sits_after_the_colon() {
        let text = "a:\nb: 1\n";
        let docs = parse(text).unwrap();
        let Kind::Map { entries, .. } = &docs[0].root.kind else { panic!() };
        assert!(entries[0].value.is_empty_scalar());
        assert_eq!(entries[0].value.start, 2);
    }

    #[test]
    fn multi_document_streams() {
        let docs = parse("a: 1\n---\nb: 2\n---\n").unwrap();
        assert_eq!(docs.len(), 3);
    }
}
