//! Text helpers shared by the engines: line arithmetic, splices, and the layout of comma-separated sequences
//! (JSON objects and arrays, TOML arrays and inline tables).

/// Replace `start..end` of the text by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Splice {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

impl Splice {
    pub(crate) fn new(start: usize, end: usize, text: impl Into<String>) -> Splice {
        Splice { start, end, text: text.into() }
    }
}

/// Applies splices given against the same original text (overlapping deletions are merged; insertions
/// at one offset keep their order).
pub(crate) fn apply(text: &str, mut splices: Vec<Splice>) -> String {
    splices.sort_by_key(|s| (s.start, s.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for s in splices {
        let start = s.start.max(pos);
        out.push_str(&text[pos..start]);
        out.push_str(&s.text);
        pos = s.end.max(pos);
    }
    out.push_str(&text[pos..]);
    out
}

/// `s` with `"`, `\`, line breaks and tabs escaped as TOML's basic strings and YAML's double-quoted scalars
/// both write them; `other` gives the format's own escape of any other character that needs one.
pub(crate) fn escape_quoted(s: &str, other: impl Fn(char) -> Option<String>) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => match other(c) {
                Some(escaped) => out.push_str(&escaped),
                None => out.push(c),
            },
        }
    }
    out
}

/// The file's line ending: `\r\n` when its first line ends so, else `\n`.
pub(crate) fn newline(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

pub(crate) fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// The leading spaces and tabs of the line holding `pos`.
pub(crate) fn line_indent(text: &str, pos: usize) -> &str {
    let s = line_start(text, pos);
    let rest = &text[s..];
    let n = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &text[s..s + n]
}

/// Whether only spaces and tabs precede `pos` on its line.
pub(crate) fn starts_line(text: &str, pos: usize) -> bool {
    text[line_start(text, pos)..pos].bytes().all(|b| b == b' ' || b == b'\t')
}

/// The offset of the line ending (`\r\n` or `\n`) of the line holding `pos`, or the end of the text.
pub(crate) fn eol(text: &str, pos: usize) -> usize {
    match text[pos..].find('\n') {
        Some(i) if i > 0 && text.as_bytes()[pos + i - 1] == b'\r' => pos + i - 1,
        Some(i) => pos + i,
        None => text.len(),
    }
}

/// The start of the line after the one holding `pos` (or the end of the text).
pub(crate) fn next_line(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1)
}

/// How a new entry is laid out: on a line of its own with this indentation, or inline.
pub(crate) enum Layout<'a> {
    Line(&'a str),
    Inline,
}

/// A bracketed, comma-separated sequence: `open` and `close` are the offsets of the brackets, `elems` the
/// spans of the entries (from a member's key to its value's end), `comment` the comment character.
pub(crate) struct Seq {
    pub open: usize,
    pub close: usize,
    pub elems: Vec<(usize, usize)>,
    pub comment: Option<u8>,
}

impl Seq {
    fn skip(&self, text: &str, mut i: usize) -> usize {
        let b = text.as_bytes();
        while i < b.len() {
            match b[i] {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                c if Some(c) == self.comment => i = next_line(text, i),
                _ => break,
            }
        }
        i
    }

    /// The offset of the comma after entry `idx`, if there is one.
    pub(crate) fn comma_after(&self, text: &str, idx: usize) -> Option<usize> {
        let i = self.skip(text, self.elems[idx].1);
        (i < self.close && text.as_bytes()[i] == b',').then_some(i)
    }

    /// The padding inside the brackets and the spacing after the first comma, as written (for a
    /// single-line sequence with entries).
    pub(crate) fn inline_spacing(&self, text: &str) -> (Option<String>, Option<String>) {
        let Some(first) = self.elems.first() else { return (None, None) };
        let pad = Some(text[self.open + 1..first.0].to_owned());
        let comma = self.elems.get(1).and_then(|second| {
            let c = self.comma_after(text, 0)?;
            Some(text[c + 1..second.0].to_owned()).filter(|w| w.trim().is_empty())
        });
        (pad, comma)
    }

    pub(crate) fn multi_line(&self, text: &str) -> bool {
        text[self.open..self.close].contains('\n')
    }

    /// Multi-line, and every entry starts a line of its own.
    pub(crate) fn own_lines(&self, text: &str) -> bool {
        self.multi_line(text) && !self.elems.is_empty() && self.elems.iter().all(|e| starts_line(text, e.0))
    }

    /// Nothing but blanks or a comment follows `pos` on its line, and the closing bracket is further down.
    fn rest_blank(&self, text: &str, pos: usize) -> bool {
        let end = eol(text, pos);
        let rest = text[pos..end].trim_start_matches([' ', '\t']);
        end < self.close && (rest.is_empty() || self.comment.is_some_and(|c| rest.as_bytes()[0] == c))
    }

    /// Splices inserting an entry at position `idx` (`render` writes the entry for the layout chosen).
    /// `comma` is the spacing after a comma and `pad` the padding inside brackets, for inline layouts.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert(
        &self,
        text: &str,
        idx: usize,
        nl: &str,
        unit: &str,
        comma: &str,
        pad: &str,
        render: &dyn Fn(Layout) -> String,
    ) -> Vec<Splice> {
        let len = self.elems.len();
        if len == 0 {
            if self.multi_line(text) {
                let indent = format!("{}{unit}", line_indent(text, self.open));
                let entry = render(Layout::Line(&indent));
                return vec![Splice::new(self.open + 1, self.open + 1, format!("{nl}{indent}{entry}"))];
            }
            return vec![Splice::new(self.open + 1, self.close, format!("{pad}{}{pad}", render(Layout::Inline)))];
        }
        if self.own_lines(text) {
            if idx < len {
                let s = self.elems[idx].0;
                let indent = line_indent(text, s);
                let at = line_start(text, s);
                return vec![Splice::new(at, at, format!("{indent}{},{nl}", render(Layout::Line(indent))))];
            }
            let (last_start, last_end) = self.elems[len - 1];
            let indent = line_indent(text, last_start);
            let entry = render(Layout::Line(indent));
            let trailing = self.comma_after(text, len - 1);
            let after = trailing.map_or(last_end, |c| c + 1);
            if self.rest_blank(text, after) {
                let at = eol(text, after);
                return match trailing {
                    Some(_) => vec![Splice::new(at, at, format!("{nl}{indent}{entry},"))],
                    None => {
                        vec![Splice::new(last_end, last_end, ","), Splice::new(at, at, format!("{nl}{indent}{entry}"))]
                    }
                };
            }
            let comma = if trailing.is_some() { "" } else { "," };
            return vec![Splice::new(after, after, format!("{comma}{nl}{indent}{entry}"))];
        }
        if idx < len {
            let s = self.elems[idx].0;
            let sep = (idx > 0)
                .then(|| self.comma_after(text, idx - 1))
                .flatten()
                .map(|c| &text[c + 1..s])
                .filter(|w| !w.contains('\n') && w.trim().is_empty())
                .unwrap_or(comma);
            return vec![Splice::new(s, s, format!("{},{sep}", render(Layout::Inline)))];
        }
        let e = self.elems[len - 1].1;
        vec![Splice::new(e, e, format!(",{comma}{}", render(Layout::Inline)))]
    }

    /// Splices removing entry `idx` with its comma (and its line, when it has one of its own).
    pub(crate) fn remove(&self, text: &str, idx: usize) -> Vec<Splice> {
        let len = self.elems.len();
        let (s, e) = self.elems[idx];
        if len == 1 {
            return vec![Splice::new(self.open + 1, self.close, "")];
        }
        if self.own_lines(text) {
            let comma = self.comma_after(text, idx);
            let after = comma.map_or(e, |c| c + 1);
            if self.rest_blank(text, after) {
                let mut v = vec![Splice::new(line_start(text, s), next_line(text, after), "")];
                if idx == len - 1
                    && comma.is_none()
                    && let Some(c) = self.comma_after(text, idx - 1)
                {
                    v.push(Splice::new(c, c + 1, ""));
                }
                return v;
            }
        }
        if idx + 1 < len {
            vec![Splice::new(s, self.elems[idx + 1].0, "")]
        } else {
            vec![Splice::new(self.elems[idx - 1].1, e, "")]
        }
    }
}
