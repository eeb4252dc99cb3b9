//! Which parts of a Helm template a release renders: `{{ if .Values.x.enabled }}` … `{{ end }}` blocks are
//! followed with the release's values, so a value read only in a switched-off branch (a disabled TLS port, an
//! HPA that is off) counts for nothing. Pure.
//!
//! Conditions firedrill can judge are a values path (`.Values.tls.enabled`), its negation (`not …`) and the
//! same in parentheses; `with .Values.x` renders when `x` is set. Any other condition (`and`, `eq`, an
//! `include`) is taken as rendered: the analysis never hides a reader it cannot rule out.

use serde_json::Value;

/// The value at a values path (`tls.enabled`, from `.Values.tls.enabled`): in the release's values, else in
/// the chart's defaults. `None` when neither sets it.
pub fn lookup<'v>(path: &str, values: &'v Value, defaults: Option<&'v Value>) -> Option<&'v Value> {
    let get = |root: &'v Value| {
        path.split('.').filter(|s| !s.is_empty()).try_fold(root, |v, key| v.as_object().and_then(|m| m.get(key)))
    };
    get(values).or_else(|| defaults.and_then(get))
}

/// Helm's truth: `false`, `0`, `""`, an empty list or map, and a missing value are false.
pub fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(m)) => !m.is_empty(),
    }
}

/// One open block: whether its current branch renders (`None`: not known, so rendered).
struct Frame {
    on: Option<bool>,
    /// Some branch of this `if` chain was already taken (for `else` and `else if`).
    taken: Option<bool>,
}

/// The byte offsets of every `.Values.` a release renders (in an action that outputs or scopes a value, inside
/// branches the values switch on), each with its line, trimmed.
pub fn rendered_mentions<'v>(text: &str, lookup: &dyn Fn(&str) -> Option<&'v Value>) -> Vec<(usize, String)> {
    let judge = |cond: &str| condition(cond, lookup);
    let mut stack: Vec<Frame> = Vec::new();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| from + i) {
        let Some(close) = text[open..].find("}}").map(|i| open + i) else { break };
        let inner = text[open + 2..close].trim_matches(|c: char| c == '-' || c.is_whitespace());
        let (word, rest) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        let live = stack.iter().all(|f| f.on != Some(false));
        match word {
            "if" => {
                let on = judge(rest);
                stack.push(Frame { on, taken: on });
            }
            "else" => {
                if let Some(f) = stack.last_mut() {
                    let cond = rest.strip_prefix("if").map(str::trim);
                    let on = match (f.taken, cond) {
                        (Some(true), _) => Some(false),
                        (Some(false), None) => Some(true),
                        (Some(false), Some(c)) => judge(c),
                        (None, _) => None,
                    };
                    f.taken = match (f.taken, on) {
                        (Some(a), Some(b)) => Some(a || b),
                        _ => None,
                    };
                    f.on = on;
                }
            }
            "with" => {
                if live {
                    mentions(text, open, close, &mut out);
                }
                let on = judge(rest);
                stack.push(Frame { on, taken: on });
            }
            "range" | "define" | "block" => stack.push(Frame { on: None, taken: None }),
            "end" => {
                stack.pop();
            }
            _ => {
                if live {
                    mentions(text, open, close, &mut out);
                }
            }
        }
        from = close + 2;
    }
    out
}

fn mentions(text: &str, open: usize, close: usize, out: &mut Vec<(usize, String)>) {
    let line_start = text[..open].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[close..].find('\n').map_or(text.len(), |i| close + i);
    let line = text[line_start..line_end].trim().to_owned();
    for (i, _) in text[open..close].match_indices(".Values.") {
        out.push((open + i, line.clone()));
    }
}

/// Whether a condition holds, when it is one firedrill can judge.
fn condition<'v>(cond: &str, lookup: &dyn Fn(&str) -> Option<&'v Value>) -> Option<bool> {
    let c = cond.trim().trim_start_matches('(').trim_end_matches(')').trim();
    let (negated, c) = match c.strip_prefix("not ") {
        Some(rest) => (true, rest.trim().trim_start_matches('(').trim_end_matches(')').trim()),
        None => (false, c),
    };
    let path = c.strip_prefix(".Values.")?;
    if path.is_empty() || !path.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-') {
        return None;
    }
    Some(truthy(lookup(path)) != negated)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    /// podinfo's deployment: `tls.port` is rendered only when `tls.enabled`; `hpa.enabled` switches `replicas`
    /// off; an `else` branch renders when its `if` does not.
    #[test]
    fn switched_off_branches_render_nothing() {
        let text = "spec:\n  {{- if not .Values.hpa.enabled }}\n  replicas: {{ .Values.replicaCount }}\n  {{- end }}\n\
                    {{- if .Values.tls.enabled }}\n  - --secure-port={{ .Values.tls.port }}\n{{- else }}\n  \
                    - --plain={{ .Values.plain }}\n{{- end }}\n{{- if and .Values.a .Values.b }}\n  x: {{ .Values.c }}\n\
                    {{- end }}\n";
        let values = json!({"hpa": {"enabled": true}, "tls": {"enabled": false, "port": 9899}, "replicaCount": 1});
        let f = |p: &str| lookup(p, &values, None);
        let lines: Vec<String> = rendered_mentions(text, &f).into_iter().map(|(_, l)| l).collect();
        assert_eq!(lines, vec!["- --plain={{ .Values.plain }}".to_owned(), "x: {{ .Values.c }}".to_owned()]);
        let on = json!({"hpa": {"enabled": false}, "tls": {"enabled": true}});
        let f = |p: &str| lookup(p, &on, None);
        let lines: Vec<String> = rendered_mentions(text, &f).into_iter().map(|(_, l)| l).collect();
        assert!(lines.contains(&"replicas: {{ .Values.replicaCount }}".to_owned()), "{lines:?}");
        assert!(lines.contains(&"- --secure-port={{ .Values.tls.port }}".to_owned()), "{lines:?}");
    }

    #[test]
    fn defaults_fill_what_the_release_does_not_set() {
        let values = json!({"a": {"b": 1}});
        let defaults = json!({"a": {"c": true}, "d": ""});
        assert_eq!(lookup("a.b", &values, Some(&defaults)), Some(&json!(1)));
        assert_eq!(lookup("a.c", &values, Some(&defaults)), Some(&json!(true)));
        assert!(!truthy(lookup("d", &values, Some(&defaults))));
        assert!(!truthy(lookup("missing.key", &values, Some(&defaults))));
    }
}
