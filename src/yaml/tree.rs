//! The positioned YAML tree, built from saphyr-parser's events: byte offsets for splicing, line/column for messages.
//!
//! Aliases stay aliases here (`Kind::Alias`): the patch engine must see them to refuse edits through
//! them, and the scenario loader expands them itself.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::scalar::{self, Scalar};

/// Every pass over the tree is recursive; real configuration is never this deep.
pub const MAX_DEPTH: usize = 128;

/// A position in a text file: 1-based line, 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// The first character of a file.
    pub const START: Pos = Pos { line: 1, column: 1 };

    fn of(span: &Span) -> Pos {
        Pos { line: span.start.line().max(1), column: span.start.col() + 1 }
    }
}

/// A YAML syntax problem, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
    /// How to fix it, when the reader knows better than "check the syntax".
    pub hint: Option<String>,
}

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Single,
    Double,
    Literal,
    Folded,
}

impl Style {
    pub fn is_quoted(self) -> bool {
        matches!(self, Style::Single | Style::Double)
    }
    pub fn is_block(self) -> bool {
        matches!(self, Style::Literal | Style::Folded)
    }
}

#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Start of the node's properties (anchor, tag) or, without them, of its content. For block scalars
    /// this is the `|`/`>` header.
    pub start: usize,
    /// Start of the content: the first character of a scalar (its quote, for quoted ones), the `[`/`{` of a
    /// flow collection, the first key or dash of a block collection, the first content line of a block scalar.
    pub content: usize,
    /// End (exclusive) of the node's last character; trailing blank lines of block scalars are excluded.
    pub end: usize,
    /// Where the parser reports the node (its properties or content; a block mapping's first key).
    pub pos: Pos,
    /// Anchor id defined on this node (0 = none).
    pub anchor: usize,
    /// An explicit tag: the suffix for the core schema's (`!!str` is `str`), else handle and suffix.
    pub tag: Option<String>,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
    /// Byte offset of the `:` after the key.
    pub colon: usize,
    /// `? key` style: refused for edits.
    pub complex: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Node,
}

impl Node {
    pub fn tagged(&self) -> bool {
        self.tag.is_some()
    }
    /// What a reader makes of this scalar under YAML 1.2 (`yaml11`: false) or YAML 1.1 (`yaml11`: true),
    /// honouring core-schema tags; `None` for collections and aliases.
    pub fn reading(&self, yaml11: bool) -> Option<Scalar> {
        let Kind::Scalar { value, style } = &self.kind else { return None };
        let resolve = |v: &str| if yaml11 { scalar::yaml11(v) } else { scalar::core(v) };
        Some(match (self.tag.as_deref(), style) {
            (Some("str"), _) => Scalar::Str,
            (Some("null"), _) => Scalar::Null,
            (Some("bool" | "int" | "float"), _) | (None, Style::Plain) => resolve(value),
            _ => Scalar::Str,
        })
    }
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

struct Open {
    start: usize,
    pos: Pos,
    anchor: usize,
    tag: Option<String>,
    flow: bool,
}

enum Frame {
    Seq { open: Open, items: Vec<Node> },
    Map { open: Open, keys: Vec<Node>, entries: Vec<Entry> },
}

fn tag_name(tag: Option<&saphyr_parser::Tag>) -> Option<String> {
    // Only the core schema tags (`!!str`, `!!int`…) mean something to the readers; others are kept whole so
    // that callers can refuse them.
    tag.map(|t| if t.is_yaml_core_schema() { t.suffix.clone() } else { format!("{}{}", t.handle, t.suffix) })
}

/// Parses a YAML stream into documents with positions. Stops at the first syntax error.
pub fn parse(text: &str) -> Result<Vec<Document>, SyntaxError> {
    let offsets = Offsets::new(text);
    let bytes = text.as_bytes();
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut last = Pos::START;

    for event in Parser::new_from_str(text) {
        let (event, span): (Event, Span) = event.map_err(|e| SyntaxError {
            pos: Pos { line: e.marker().line().max(1), column: e.marker().col() + 1 },
            message: e.info().to_owned(),
            hint: None,
        })?;
        let pos = Pos::of(&span);
        last = pos;
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                root = None;
                continue;
            }
            Event::DocumentEnd => {
                let root = root.take().unwrap_or_else(|| empty_scalar(start, pos));
                docs.push(Document { root });
                continue;
            }
            Event::Alias(id) => Node { start, content: start, end, pos, anchor: 0, tag: None, kind: Kind::Alias(id) },
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
                    pos,
                    anchor,
                    tag: tag_name(tag.as_deref()),
                    kind: Kind::Scalar { value: value.into_owned(), style },
                }
            }
            Event::SequenceStart(..) | Event::MappingStart(..) if stack.len() >= MAX_DEPTH => {
                return Err(SyntaxError {
                    pos,
                    message: format!("lists and mappings are nested more than {MAX_DEPTH} levels deep"),
                    hint: None,
                });
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                // The span may run past the indicator (`{ `), so look at the first character after the
                // properties instead.
                let after_props = skip_properties(bytes, start, end, anchor != 0, tag.is_some());
                let is_seq = matches!(event, Event::SequenceStart(..));
                // saphyr reports an indentless block sequence (`key:` then `- item` at the key's column) at
                // its first item, which may itself be `[`: a sequence that is a mapping's value and follows
                // a dash is that block sequence.
                let indentless = is_seq
                    && matches!(stack.last(), Some(Frame::Map { .. }))
                    && dash_before(bytes, after_props) != after_props;
                let flow = !indentless && bytes.get(after_props) == Some(if is_seq { &b'[' } else { &b'{' });
                let open = Open { start, pos, anchor, tag: tag_name(tag.as_deref()), flow };
                stack.push(if is_seq {
                    Frame::Seq { open, items: Vec::new() }
                } else {
                    Frame::Map { open, keys: Vec::new(), entries: Vec::new() }
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { open: Open { start: s, pos, anchor, tag, flow }, items }) => {
                    let (content, end) = if flow {
                        // The end event's span can run on over blanks, comments and line breaks (to the end
                        // of the file): find the closing bracket itself.
                        let open = content_after_props(bytes, s, b'[');
                        (open, flow_end(bytes, open))
                    } else {
                        let first = items.first().map_or(s, |i| dash_before(bytes, i.start));
                        let last = items.last().map_or(s, |i| i.end);
                        (first, last)
                    };
                    let start = if anchor == 0 && tag.is_none() { content } else { s };
                    Node { start, content, end, pos, anchor, tag, kind: Kind::Seq { flow, items } }
                }
                _ => return Err(unbalanced(pos)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map { open: Open { start: s, pos, anchor, tag, flow }, entries, .. }) => {
                    let (content, end) = if flow {
                        let open = content_after_props(bytes, s, b'{');
                        (open, flow_end(bytes, open))
                    } else {
                        let first = entries.first().map_or(s, |e| e.key.start);
                        let last = entries.last().map_or(s, |e| e.value.end.max(e.colon + 1));
                        (first, last)
                    };
                    let start = if anchor == 0 && tag.is_none() { content } else { s };
                    Node { start, content, end, pos, anchor, tag, kind: Kind::Map { flow, entries } }
                }
                _ => return Err(unbalanced(pos)),
            },
        };
        attach(&mut stack, &mut root, node, bytes);
    }
    if !stack.is_empty() {
        return Err(SyntaxError {
            pos: last,
            message: "unexpected end of file inside a list or mapping".into(),
            hint: None,
        });
    }
    Ok(docs)
}

/// saphyr guarantees balanced events; should it ever not, refuse rather than guess.
fn unbalanced(pos: Pos) -> SyntaxError {
    SyntaxError { pos, message: "unbalanced end of a list or mapping".into(), hint: None }
}

fn empty_scalar(at: usize, pos: Pos) -> Node {
    Node {
        start: at,
        content: at,
        end: at,
        pos,
        anchor: 0,
        tag: None,
        kind: Kind::Scalar { value: String::new(), style: Style::Plain },
    }
}

fn attach(stack: &mut [Frame], root: &mut Option<Node>, node: Node, bytes: &[u8]) {
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

/// The end (after the closing bracket) of the flow collection whose opening bracket is at `open`, skipping
/// quoted scalars and comments.
fn flow_end(bytes: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b'"' | b'\'' if !is_plain_char(bytes[i - 1]) => i = quoted_end(bytes, i, bytes.len()) - 1,
            b'#' if i > open && matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// A quote after one of these is part of a plain scalar (`it's`), not the start of a quoted one.
fn is_plain_char(b: u8) -> bool {
    !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',' | b':')
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
    fn a_flow_collection_ends_at_its_bracket_even_at_the_end_of_the_file() {
        for text in ["spec:\n  egress:\n  - {}\n", "a: [1, \"]\", '}'] # ]\n\n", "a: {b: [x]}"] {
            let docs = parse(text).unwrap();
            let Kind::Map { entries, .. } = &docs[0].root.kind else { panic!() };
            let last = entries.last().unwrap();
            let end = last.value.end;
            assert!(matches!(&text[end - 1..end], "}" | "]"), "{text:?}: ends at {end}");
        }
    }

    #[test]
    fn multi_document_streams() {
        let docs = parse("a: 1\n---\nb: 2\n---\n").unwrap();
        assert_eq!(docs.len(), 3);
    }
}
