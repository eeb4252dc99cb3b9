//! Writing TOML values: strings in the quote style they had (basic, literal, multi-line), keys bare or
//! quoted, and JSON values as TOML (objects and arrays inline).

use std::ops::Range;

use serde_json::Value;

use super::TValue;
use crate::patch::layout::newline;
use crate::patch::{Location, PatchError, PatchErrorKind, Pointer};

/// Escapes `s` for the inside of a basic string (`"…"`).
pub(super) fn escape(s: &str) -> String {
    crate::patch::layout::escape_quoted(s, |c| match c {
        '\u{8}' => Some("\\b".to_owned()),
        '\u{c}' => Some("\\f".to_owned()),
        c if c.is_control() => Some(format!("\\u{:04X}", c as u32)),
        _ => None,
    })
}

pub(super) fn basic(s: &str) -> String {
    format!("\"{}\"", escape(s))
}

pub(super) fn key_repr(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_owned()
    } else {
        basic(k)
    }
}

/// Whether every line break in `s` is the file's own (`nl`), so it can be written raw in a multi-line string.
pub(super) fn native_breaks(s: &str, nl: &str) -> bool {
    if nl == "\n" {
        return !s.contains('\r');
    }
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, &c)| match c {
        b'\n' => i > 0 && b[i - 1] == b'\r',
        b'\r' => b.get(i + 1) == Some(&b'\n'),
        _ => true,
    })
}

/// A string in the quote style of `old` (the raw text of the value it replaces) when `s` allows it.
pub(super) fn render_string(s: &str, old: &str, nl: &str) -> String {
    let plain = |extra: &[char]| s.chars().all(|c| c == '\t' || extra.contains(&c) || !c.is_control());
    let native = native_breaks(s, nl);
    for delim in ["'''", "\"\"\""] {
        let Some(rest) = old.strip_prefix(delim) else { continue };
        // a line break right after the opening delimiter is not part of the value: keep it, and add one
        // when the value itself starts with a line break
        let lead = if rest.starts_with("\r\n") {
            "\r\n"
        } else if rest.starts_with('\n') || s.starts_with(['\r', '\n']) {
            if nl == "\r\n" { "\r\n" } else { "\n" }
        } else {
            ""
        };
        if delim == "'''" && native && plain(&['\n', '\r']) && !s.contains("'''") && !s.ends_with('\'') {
            return format!("'''{lead}{s}'''");
        }
        if delim == "\"\"\"" {
            // the file's own line breaks stay raw; any other (a lone `\n` in a CRLF file) is escaped
            let body = s.split(nl).map(escape).collect::<Vec<_>>().join(nl);
            return format!("\"\"\"{lead}{body}\"\"\"");
        }
    }
    if old.starts_with('\'') && !old.starts_with("'''") && plain(&[]) && !s.contains('\'') {
        return format!("'{s}'");
    }
    basic(s)
}

/// The TOML form of a JSON value, or what makes it impossible.
pub(super) fn to_toml(v: &Value) -> Result<TValue, String> {
    Ok(match v {
        Value::Null => return Err("null, and TOML has no null".into()),
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into(),
            (None, _) if n.is_u64() => return Err(format!("{n}, larger than TOML's 64-bit integers")),
            (None, Some(f)) => f.into(),
            (None, None) => return Err(format!("{n}, which TOML cannot hold")),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(a) => {
            let mut arr = toml_edit::Array::new();
            for x in a {
                arr.push(to_toml(x)?);
            }
            TValue::Array(arr)
        }
        Value::Object(m) => {
            let mut t = toml_edit::InlineTable::new();
            for (k, x) in m {
                t.insert(k, to_toml(x)?);
            }
            TValue::InlineTable(t)
        }
    })
}

pub(super) fn render(text: &str, at: usize, path: &Pointer, v: &Value) -> Result<String, PatchError> {
    match v {
        Value::String(s) => Ok(basic(s)),
        v => to_toml(v).map(|t| t.to_string()).map_err(|why| {
            PatchError::new(PatchErrorKind::Unsupported, format!("`{path}` cannot be set to {why}"))
                .at(Location::of_byte(text, at))
                .hint(
                    "remove the key instead, or use a value TOML can hold (a string, number, boolean, array or table)",
                )
        }),
    }
}

/// The text replacing the value `old`.
pub(super) fn render_replacement(
    text: &str,
    old: &TValue,
    span: &Range<usize>,
    path: &Pointer,
    v: &Value,
) -> Result<String, PatchError> {
    match (old, v) {
        (TValue::String(_), Value::String(s)) => Ok(render_string(s, &text[span.clone()], newline(text))),
        (TValue::Datetime(_), Value::String(s))
            if s.parse::<toml_edit::Datetime>().is_ok_and(|d| d.to_string() == *s) =>
        {
            Ok(s.clone())
        }
        _ => render(text, span.start, path, v),
    }
}
