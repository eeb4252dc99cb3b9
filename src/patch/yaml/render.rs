//! Writing JSON values as YAML text that reads the same under YAML 1.2 and YAML 1.1 (go-yaml v2, Helm).

use serde_json::Value;

use crate::yaml::{Style, scalar};

/// How the surrounding document writes nested blocks.
#[derive(Debug, Clone, Copy)]
pub struct DocStyle {
    /// Columns between a key and the keys of its nested mapping.
    pub map_step: usize,
    /// Columns between a key and the `-` of its block sequence (0 = "indentless" sequences).
    pub seq_offset: usize,
    pub eol: &'static str,
}

/// Renders a scalar value. `prefer` is the style of the scalar being replaced (or of siblings).
pub fn scalar(v: &Value, prefer: Option<Style>, flow: bool) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number(n),
        Value::String(s) => string(s, prefer, flow),
        Value::Array(_) | Value::Object(_) => flow_value(v),
    }
}

fn number(n: &serde_json::Number) -> String {
    let s = n.to_string();
    // YAML 1.1 floats need a dot before the exponent (`1.0e+20`, not `1e20`).
    if n.is_f64() && !s.contains('.') && (s.contains('e') || s.contains('E')) {
        let (m, e) = s.split_once(['e', 'E']).unwrap_or((&s, "0"));
        let e = if e.starts_with(['-', '+']) { e.to_owned() } else { format!("+{e}") };
        return format!("{m}.0e{e}");
    }
    s
}

fn string(s: &str, prefer: Option<Style>, flow: bool) -> String {
    let printable =
        s.chars().all(|c| !c.is_control() || c == '\t') && !s.contains(['\u{feff}', '\u{85}', '\u{2028}', '\u{2029}']);
    match prefer {
        Some(Style::Single) if printable && !s.contains(['\n', '\t']) => single_quoted(s),
        Some(Style::Double) => double_quoted(s),
        _ if plain_safe(s, flow) => s.to_owned(),
        Some(Style::Single) => double_quoted(s),
        _ => double_quoted(s),
    }
}

pub fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub fn double_quoted(s: &str) -> String {
    let escaped = crate::patch::layout::escape_quoted(s, |c| match c {
        '\u{85}' => Some("\\N".to_owned()),
        '\u{2028}' => Some("\\L".to_owned()),
        '\u{2029}' => Some("\\P".to_owned()),
        '\u{feff}' => Some("\\ufeff".to_owned()),
        c if c.is_control() => Some(format!("\\x{:02x}", c as u32)),
        _ => None,
    });
    format!("\"{escaped}\"")
}

/// Whether `s` can be written as a plain scalar and still read as the same string under YAML 1.2 (core
/// schema) and YAML 1.1 (the go-yaml v2 reader of Helm and kubectl).
pub fn plain_safe(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if s.trim() != s
        || s.chars().any(|c| c.is_control() || matches!(c, '\u{feff}' | '\u{85}' | '\u{2028}' | '\u{2029}'))
    {
        return false;
    }
    let second = s.chars().nth(1);
    let starts_ok = match first {
        '-' | '?' | ':' => second.is_some_and(|c| !(c.is_whitespace() || flow && ",[]{}".contains(c))),
        ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => false,
        _ => true,
    };
    if !starts_ok || s.contains(": ") || s.contains(" #") || s.ends_with(':') || s == "-" {
        return false;
    }
    if flow && s.contains([',', '[', ']', '{', '}', ':']) {
        return false;
    }
    scalar::is_string_everywhere(s)
}

/// A compact flow rendering (`{a: 1, b: [x, y]}`) for values written inside flow collections.
pub fn flow_value(v: &Value) -> String {
    match v {
        Value::Array(items) => format!("[{}]", items.iter().map(flow_value).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter().map(|(k, v)| format!("{}: {}", key(k, true), flow_value(v))).collect::<Vec<_>>().join(", ")
        ),
        other => scalar(other, None, true),
    }
}

/// A mapping key.
pub fn key(k: &str, flow: bool) -> String {
    if plain_safe(k, flow) { k.to_owned() } else { double_quoted(k) }
}

/// What follows an indicator (`key:` or `-`) in block context: a space and an inline value, or a line
/// break and an indented block. `col` is the column of the key or the dash.
pub fn after_indicator(v: &Value, col: usize, is_item: bool, st: &DocStyle) -> String {
    let child = if is_item { col + 2 } else { col + st.map_step };
    match v {
        Value::Object(map) if !map.is_empty() => {
            let lines = map_lines(map, child, st);
            if is_item { format!(" {}", &lines[child..]) } else { format!("{}{lines}", st.eol) }
        }
        Value::Array(items) if !items.is_empty() => {
            let dash = if is_item { col + 2 } else { col + st.seq_offset };
            let lines = seq_lines(items, dash, st);
            if is_item { format!(" {}", &lines[dash..]) } else { format!("{}{lines}", st.eol) }
        }
        Value::Object(_) => " {}".into(),
        Value::Array(_) => " []".into(),
        Value::String(s) if s.contains('\n') => match literal(s, child, st) {
            Some(block) => format!(" {block}"),
            None => format!(" {}", double_quoted(s)),
        },
        other => format!(" {}", scalar(other, None, false)),
    }
}

/// Block mapping lines at column `col`, joined by the line ending, without a final one.
pub fn map_lines(map: &serde_json::Map<String, Value>, col: usize, st: &DocStyle) -> String {
    let pad = " ".repeat(col);
    map.iter()
        .map(|(k, v)| format!("{pad}{}:{}", key(k, false), after_indicator(v, col, false, st)))
        .collect::<Vec<_>>()
        .join(st.eol)
}

/// Block sequence lines with dashes at column `col`.
pub fn seq_lines(items: &[Value], col: usize, st: &DocStyle) -> String {
    let pad = " ".repeat(col);
    items.iter().map(|v| format!("{pad}-{}", after_indicator(v, col, true, st))).collect::<Vec<_>>().join(st.eol)
}

/// A literal block scalar (`|`, `|-`, `|+`) with content at column `col`, when the string allows one.
pub fn literal(s: &str, col: usize, st: &DocStyle) -> Option<String> {
    let printable = s.chars().all(|c| !c.is_control() || c == '\n');
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    // Leading blanks on the first line would need an indentation indicator; trailing blanks on lines are
    // invisible in review. Both fall back to a quoted string.
    if !printable || body.is_empty() || body.starts_with([' ', '\t']) || body.lines().any(|l| l.ends_with([' ', '\t']))
    {
        return None;
    }
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let pad = " ".repeat(col);
    let mut out = format!("|{chomp}");
    for line in body.split('\n') {
        out.push_str(st.eol);
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    for _ in 1..trailing {
        out.push_str(st.eol);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ST: DocStyle = DocStyle { map_step: 2, seq_offset: 2, eol: "\n" };

    #[test]
    fn strings_that_look_like_other_types_are_quoted() {
        for s in [
            "0",
            "10",
            "1.5",
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "n",
            "null",
            "~",
            "true",
            "0x1F",
            "0o17",
            "017",
            "1_000",
            "1:20",
            ".inf",
            "-.5",
            "2026-01-01",
            "1e3",
            "<<",
            "=",
        ] {
            assert_eq!(scalar(&json!(s), None, false), format!("\"{s}\""), "{s}");
        }
        for s in ["redis", "api-v2", "-Xmx512m", "hello world", "a#b", "/healthz", "info", "1.2.3-rc1.alpine"] {
            assert_eq!(scalar(&json!(s), None, false), s, "{s}");
        }
    }

    #[test]
    fn styles_are_kept_when_possible() {
        assert_eq!(scalar(&json!("x"), Some(Style::Single), false), "'x'");
        assert_eq!(scalar(&json!("it's"), Some(Style::Single), false), "'it''s'");
        assert_eq!(scalar(&json!("a\nb"), Some(Style::Single), false), "\"a\\nb\"");
        assert_eq!(scalar(&json!("x"), Some(Style::Double), false), "\"x\"");
        assert_eq!(scalar(&json!(0), Some(Style::Double), false), "0");
        assert_eq!(scalar(&json!(1e20), None, false), "1.0e+20");
    }

    #[test]
    fn blocks_follow_the_document_style() {
        let v = json!({"a": 1, "b": ["x", {"c": "0", "d": []}], "e": {}});
        assert_eq!(
            after_indicator(&v, 2, false, &ST),
            "\n    a: 1\n    b:\n      - x\n      - c: \"0\"\n        d: []\n    e: {}"
        );
        let indentless = DocStyle { seq_offset: 0, ..ST };
        assert_eq!(after_indicator(&json!(["x"]), 0, false, &indentless), "\n- x");
        assert_eq!(after_indicator(&json!("l1\nl2\n"), 0, false, &ST), " |\n  l1\n  l2");
    }
}
