//! Where TOML text goes: the entries and `[section]`s of a table by byte range, the comment block above a
//! header, and the splices that delete lines or insert one after another.

use std::ops::Range;

use toml_edit::{Item, Table};

use super::parse::is_header;
use crate::patch::layout::{Splice, eol, line_start, next_line};

/// The (leaf key span, value span) of the table's entry that ends last, through dotted sub-tables.
pub(super) fn last_kv(t: &Table) -> Option<(Range<usize>, Range<usize>)> {
    t.iter()
        .filter_map(|(k, item)| match item {
            Item::Value(v) => Some((t.key(k)?.span()?, v.span()?)),
            Item::Table(st) if st.is_dotted() => last_kv(st),
            _ => None,
        })
        .max_by_key(|(_, v)| v.end)
}

/// Every entry line of a dotted table, as (leaf key span, value span).
pub(super) fn all_kvs(t: &Table, out: &mut Vec<(Range<usize>, Range<usize>)>) {
    for (k, item) in t.iter() {
        match item {
            Item::Value(v) => {
                if let (Some(ks), Some(vs)) = (t.key(k).and_then(|k| k.span()), v.span()) {
                    out.push((ks, vs));
                }
            }
            Item::Table(st) if st.is_dotted() => all_kvs(st, out),
            _ => {}
        }
    }
}

/// The sections (header line to the end of its last entry's line) of a header or implicit table and of all
/// its descendant tables.
pub(super) fn sections(text: &str, t: &Table, out: &mut Vec<Range<usize>>) {
    if is_header(t)
        && let Some(span) = t.span()
    {
        let end = last_kv(t).map_or(span.end, |(_, v)| v.end.max(span.end));
        out.push(line_start(text, span.start)..next_line(text, end));
    }
    for (_, item) in t.iter() {
        match item {
            Item::Table(st) if !st.is_dotted() => sections(text, st, out),
            Item::ArrayOfTables(a) => a.iter().for_each(|el| sections(text, el, out)),
            _ => {}
        }
    }
}

/// Moves a line start up over the comment lines directly above it.
pub(super) fn block_start(text: &str, mut s: usize) -> usize {
    while s > 0 {
        let prev = line_start(text, s - 1);
        if text[prev..s].trim_start().starts_with('#') {
            s = prev;
        } else {
            break;
        }
    }
    s
}

pub(super) fn is_blank_line(text: &str, start: usize) -> bool {
    start < text.len() && text[start..eol(text, start)].trim().is_empty()
}

/// Splices deleting `ranges` (whole lines): overlapping ranges are merged first, and when the last one
/// ends the file without a final newline, the line ending before it goes instead, so the absence of a
/// final newline is kept.
pub(super) fn delete_ranges(text: &str, mut ranges: Vec<Range<usize>>) -> Vec<Splice> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    if let Some(last) = merged.last_mut()
        && last.end == text.len()
        && !text.ends_with('\n')
        && last.start > 0
    {
        last.start = eol(text, line_start(text, last.start - 1));
    }
    merged.into_iter().map(|r| Splice::new(r.start, r.end, "")).collect()
}

/// A section with the comments right above its header and one blank separator line.
pub(super) fn section_range(text: &str, r: &Range<usize>) -> Range<usize> {
    let mut s = block_start(text, r.start);
    let mut e = r.end;
    if s > 0 && is_blank_line(text, line_start(text, s - 1)) {
        s = line_start(text, s - 1);
    } else if is_blank_line(text, e) {
        e = next_line(text, e);
    }
    s..e
}

/// Inserts `line` as a new line after the line holding `pos`.
pub(super) fn line_after(text: &str, pos: usize, line: &str, nl: &str) -> Splice {
    let at = next_line(text, pos);
    if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        Splice::new(at, at, format!("{nl}{line}"))
    } else {
        Splice::new(at, at, format!("{line}{nl}"))
    }
}
