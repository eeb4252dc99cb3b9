//! Deterministic patch cases generated from a parsed document, for the corpus test and benchmark.
//!
//! Given a document, picks scalars, mappings and sequences at varied depths and builds single-operation
//! patches of four kinds: replace a scalar, add a key to a mapping, append to a sequence, remove a key.
//! Same document in, same cases out.

use serde_json::{Value, json};

use super::{Patch, Pointer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseKind {
    ReplaceScalar,
    AddKey,
    AppendItem,
    RemoveKey,
}

impl CaseKind {
    pub const ALL: [CaseKind; 4] =
        [CaseKind::ReplaceScalar, CaseKind::AddKey, CaseKind::AppendItem, CaseKind::RemoveKey];
    pub fn name(self) -> &'static str {
        match self {
            CaseKind::ReplaceScalar => "replace a scalar",
            CaseKind::AddKey => "add a key",
            CaseKind::AppendItem => "append an item",
            CaseKind::RemoveKey => "remove a key",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Case {
    pub kind: CaseKind,
    pub patch: Patch,
    /// The operation's path.
    pub path: String,
    /// Whether the value written is a scalar (so a minimal edit adds or changes exactly one line).
    pub scalar_value: bool,
}

/// Values written by replace cases: every type, and strings that other YAML readers could mistake.
fn replacement(i: usize) -> Value {
    match i % 10 {
        0 => json!(0),
        1 => json!("0"),
        2 => json!("yes"),
        3 => json!(false),
        4 => json!("redis-0.cache.svc"),
        5 => json!("needs: quoting # really"),
        6 => json!(null),
        7 => json!(1.5),
        8 => json!("true"),
        _ => json!("it's fine"),
    }
}

fn added(i: usize) -> (Value, bool) {
    match i % 4 {
        0 => (json!("added-value"), true),
        1 => (json!(3), true),
        2 => (json!({"enabled": false, "size": "0"}), false),
        _ => (json!(["one", "2"]), false),
    }
}

struct Found {
    scalars: Vec<(Pointer, usize)>,
    maps: Vec<(Pointer, Vec<String>)>,
    seqs: Vec<Pointer>,
}

fn walk(v: &Value, at: &Pointer, depth: usize, f: &mut Found) {
    match v {
        Value::Object(m) => {
            f.maps.push((at.clone(), m.keys().cloned().collect()));
            for (k, child) in m {
                let mut p = at.clone();
                p.push(k.clone());
                walk(child, &p, depth + 1, f);
            }
        }
        Value::Array(items) => {
            f.seqs.push(at.clone());
            for (i, child) in items.iter().enumerate() {
                let mut p = at.clone();
                p.push(i.to_string());
                walk(child, &p, depth + 1, f);
            }
        }
        _ => f.scalars.push((at.clone(), depth)),
    }
}

/// Takes at most `n` evenly spaced elements, so that every depth and region of the file gets cases.
fn spread<T: Clone>(items: &[T], n: usize) -> Vec<T> {
    if items.len() <= n {
        return items.to_vec();
    }
    (0..n).map(|i| items[i * items.len() / n].clone()).collect()
}

fn op(json: Value) -> Patch {
    serde_json::from_value(Value::Array(vec![json])).expect("generated operations are valid")
}

/// Up to `per_kind` cases of each kind for `doc`.
pub fn generate(doc: &Value, per_kind: usize) -> Vec<Case> {
    let mut f = Found { scalars: Vec::new(), maps: Vec::new(), seqs: Vec::new() };
    walk(doc, &Pointer::default(), 0, &mut f);
    let mut cases = Vec::new();
    for (i, (p, _)) in spread(&f.scalars, per_kind).into_iter().enumerate() {
        if p.is_root() {
            continue;
        }
        let path = p.to_string();
        let mut value = replacement(i);
        if doc.pointer(&path) == Some(&value) {
            value = replacement(i + 1);
        }
        cases.push(Case {
            kind: CaseKind::ReplaceScalar,
            patch: op(json!({"op": "replace", "path": path, "value": value})),
            path,
            scalar_value: true,
        });
    }
    // New keys in mappings, new items at the end of sequences: the `i`-th added value under `parent/token`.
    let add = |kind: CaseKind, parent: &Pointer, token: String, i: usize| {
        let mut q = parent.clone();
        q.push(token);
        let path = q.to_string();
        let (value, scalar_value) = added(i);
        Case { kind, patch: op(json!({"op": "add", "path": path, "value": value})), path, scalar_value }
    };
    for (i, (p, _)) in spread(&f.maps, per_kind).into_iter().enumerate() {
        cases.push(add(CaseKind::AddKey, &p, format!("drillAdded{i}"), i));
    }
    for (i, p) in spread(&f.seqs, per_kind).into_iter().enumerate() {
        cases.push(add(CaseKind::AppendItem, &p, "-".to_owned(), i));
    }
    let entries: Vec<Pointer> = f
        .maps
        .iter()
        .flat_map(|(p, keys)| {
            keys.iter().map(move |k| {
                let mut q = p.clone();
                q.push(k.clone());
                q
            })
        })
        .collect();
    for p in spread(&entries, per_kind) {
        let path = p.to_string();
        cases.push(Case {
            kind: CaseKind::RemoveKey,
            patch: op(json!({"op": "remove", "path": path})),
            path,
            scalar_value: false,
        });
    }
    cases
}

/// `values` (a Helm values file) as an Argo CD Application carries it inline: `spec.source.helm.values: |`,
/// content indented by 8; `None` for a file a literal block scalar cannot hold as it is (tabs, CRLF, or a
/// first line indented, which would need an indentation indicator). The corpus test and the benchmark of
/// embedded documents build their input with it.
pub fn argo_cd_application(values: &str) -> Option<String> {
    let first = values.lines().find(|l| !l.trim().is_empty())?;
    if first.starts_with([' ', '\t']) || values.contains('\t') || values.contains('\r') {
        return None;
    }
    let body: String =
        values.lines().map(|l| if l.trim().is_empty() { "\n".to_owned() } else { format!("        {l}\n") }).collect();
    Some(format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: app\nspec:\n  source:\n    helm:\n      values: |\n{body}  destination:\n    namespace: app\n"
    ))
}

/// Every document embedded in `text` (a YAML stream): each multi-line string holding a JSON or YAML mapping
/// or list (not a Helm template, see [`templated`]), and those inside them, with the selector that reaches it (the outer document by index when
/// the stream holds several) and its parsed value. The corpus test and benchmark edit each of them.
pub fn embedded_documents(text: &str) -> Vec<(super::DocumentSelector, Value)> {
    use super::DocumentSelector;
    fn strings(v: &Value, at: &Pointer, out: &mut Vec<(Pointer, String)>) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, c)| {
                let mut p = at.clone();
                p.push(k.clone());
                strings(c, &p, out);
            }),
            Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| {
                let mut p = at.clone();
                p.push(i.to_string());
                strings(c, &p, out);
            }),
            Value::String(s) if s.trim().contains('\n') => out.push((at.clone(), s.clone())),
            _ => {}
        }
    }
    fn inside(doc: &Value, outer: Option<&DocumentSelector>, depth: usize, out: &mut Vec<(DocumentSelector, Value)>) {
        let mut found = Vec::new();
        strings(doc, &Pointer::default(), &mut found);
        for (at, s) in found {
            let language = super::yaml::Language::of(&s);
            let value = match language {
                super::yaml::Language::Json => serde_json::from_str::<Value>(&s).ok(),
                super::yaml::Language::Yaml => {
                    super::yaml::documents(&s).ok().and_then(|d| <[Value; 1]>::try_from(d).ok()).map(|[v]| v)
                }
            };
            let Some(value) = value
                .filter(|v| {
                    matches!(v, Value::Object(m) if !m.is_empty()) || matches!(v, Value::Array(a) if !a.is_empty())
                })
                .filter(|v| !templated(v))
            else {
                continue;
            };
            let sel = DocumentSelector::Embedded { outer: outer.cloned().map(Box::new), at };
            if language == super::yaml::Language::Yaml && depth < 3 {
                inside(&value, Some(&sel), depth + 1, out);
            }
            out.push((sel, value));
        }
    }
    let Ok(docs) = super::yaml::documents(text) else { return Vec::new() };
    let mut out = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let outer = (docs.len() > 1).then_some(DocumentSelector::Index(i));
        inside(doc, outer.as_ref(), 0, &mut out);
    }
    out
}

/// Whether a YAML reading holds a mapping used as a key: what unquoted Helm template braces become
/// (`labels: {{ include "x" . | nindent 4 }}` reads as `{{"include \"x\" . | nindent 4": null}: null}`).
/// Such a string is a template, not a YAML document: it is only one once Helm renders it.
fn templated(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, c)| k.starts_with('{') || templated(c)),
        Value::Array(a) => a.iter().any(templated),
        _ => false,
    }
}

/// `text` (a JSON or YAML file) as a ConfigMap carries it: `data.<key>: |`, content indented by 4; `None`
/// for a text a literal block scalar cannot hold as it is (CRLF, or a first line indented).
pub fn config_map(key: &str, text: &str) -> Option<String> {
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    if first.starts_with([' ', '\t']) || text.contains('\r') {
        return None;
    }
    let body: String =
        text.lines().map(|l| if l.trim().is_empty() { "\n".to_owned() } else { format!("    {l}\n") }).collect();
    Some(format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: files\ndata:\n  {key}: |\n{body}"))
}

/// What happened to one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Applied, correct, minimal and native-looking.
    Exact,
    /// Refused with an explicit error (the message).
    Refused(String),
    /// Applied but wrong: a corruption or a non-minimal edit (what was wrong).
    Failed(String),
}

/// Every document of a YAML stream, or why it does not read.
type Documents = Result<Vec<serde_json::Value>, String>;

/// What [`judge`] reads from the input alone, read once for every case of one file (or one document of it): the
/// corpus tests judge dozens of cases per file, and reading the input again for each was most of their time.
pub struct Input<'a> {
    format: super::Format,
    text: &'a str,
    document: Option<&'a super::DocumentSelector>,
    /// With a selector: the chosen document's index and every document of the stream (each read may fail).
    stream: Option<Result<(usize, Documents), String>>,
    /// The value the patch applies to, read as the engine reads it, when a case first needs it.
    value: std::cell::OnceCell<Result<serde_json::Value, String>>,
}

impl<'a> Input<'a> {
    pub fn new(format: super::Format, text: &'a str, document: Option<&'a super::DocumentSelector>) -> Self {
        let stream = document.map(|selector| {
            let index = super::yaml::select_index(text, selector).map_err(|e| e.to_string())?;
            Ok((index, super::yaml::documents(text).map_err(|e| e.to_string())))
        });
        Input { format, text, document, stream, value: std::cell::OnceCell::new() }
    }

    fn value(&self) -> Result<serde_json::Value, String> {
        let read = || super::parse_value(self.format, self.text, self.document).map_err(|e| e.to_string());
        self.value.get_or_init(read).clone()
    }
}

/// Applies `case` to `input` and checks the properties the engine promises: the output parses to exactly
/// what RFC 6902 gives (1), nothing else changed and the edit is minimal (2, 4), inserted lines follow their
/// siblings' indentation (3).
///
/// `document` selects one document of a multi-document YAML stream; every other document must then read
/// exactly as before. For many cases on one input, read it once with [`Input::new`] and call [`judge_input`].
pub fn judge(format: super::Format, input: &str, document: Option<&super::DocumentSelector>, case: &Case) -> Verdict {
    judge_input(&Input::new(format, input, document), case)
}

/// [`judge`] on an input read once.
pub fn judge_input(prepared: &Input<'_>, case: &Case) -> Verdict {
    let (format, input, document) = (prepared.format, prepared.text, prepared.document);
    let output = match super::apply(format, input, &case.patch, document) {
        Ok(o) => o,
        Err(e) => return Verdict::Refused(e.to_string()),
    };
    // The edit may rename the chosen document (its `kind` or `metadata.name`): read the output by position.
    // An embedded document is read through the same selector: its outer document is never renamed.
    let embedded = matches!(document, Some(super::DocumentSelector::Embedded { .. }));
    let (mut got_document, mut before_document) = (None, None);
    if let Some(stream) = &prepared.stream {
        let (index, before) = match stream {
            Ok((i, before)) => (*i, before),
            Err(e) => return Verdict::Refused(e.clone()),
        };
        match (before, super::yaml::documents(&output)) {
            (Ok(a), Ok(b))
                if a.len() == b.len() && a.iter().zip(&b).enumerate().all(|(i, (x, y))| i == index || x == y) =>
            {
                if !embedded {
                    // The chosen document as read before the edit.
                    before_document = a.get(index).cloned();
                    got_document = b.into_iter().nth(index);
                }
            }
            (Ok(_), Ok(_)) => return Verdict::Failed("another document of the stream changed".into()),
            (_, Err(e)) => return Verdict::Failed(format!("the output does not parse: {e}")),
            (Err(e), _) => return Verdict::Refused(e.clone()),
        }
    }
    let before = match before_document.map_or_else(|| prepared.value(), Ok) {
        Ok(v) => v,
        Err(e) => return Verdict::Refused(e),
    };
    let mut want = before;
    if let Err(e) = json_patch::patch(&mut want, &case.patch.0) {
        return Verdict::Failed(format!("the engine applied a patch that RFC 6902 rejects: {e}"));
    }
    let got = match got_document {
        Some(doc) => Ok(doc),
        None => super::parse_value(format, &output, document.filter(|_| embedded)),
    };
    match got {
        Ok(got) if got == want => {}
        Ok(_) => return Verdict::Failed("the output does not parse to the RFC 6902 result".into()),
        Err(e) => return Verdict::Failed(format!("the output does not parse: {e}")),
    }
    // An embedded document keeps its language, and is edited exactly as it would be as a file of its own:
    // the same lines, comments and blank lines.
    if let Some(selector) = document.filter(|_| embedded) {
        match (super::yaml::embedded_text(input, selector), super::yaml::embedded_text(&output, selector)) {
            (Ok(Some((inner, format))), Ok(Some((after, format_after)))) => {
                // (YAML may become JSON: a mapping whose last key went is `{}`, which both read alike.)
                if format == super::Format::Json && format_after != format {
                    return Verdict::Failed(format!("the embedded document was {format} and is now {format_after}"));
                }
                if let Ok(alone) = super::apply(format, &inner, &case.patch, None)
                    && alone.trim_end_matches('\n') != after.trim_end_matches('\n')
                {
                    return Verdict::Failed(
                        "the embedded document was edited differently than the same document as a file of its own"
                            .into(),
                    );
                }
            }
            (_, Err(e)) => return Verdict::Failed(format!("the embedded document does not read any more: {e}")),
            _ => {}
        }
    }
    match line_changes(input, &output) {
        Err(e) => Verdict::Failed(e),
        Ok(ch) => minimal(format, case, &ch, input),
    }
}

struct Changes {
    deleted: usize,
    deleted_lines: Vec<String>,
    inserted: Vec<String>,
}

/// The lines that differ between `old` and `new`: everything before the first differing line and after the
/// last one is unchanged by construction, so the counts measure how far the edit reaches.
fn line_changes(old: &str, new: &str) -> Result<Changes, String> {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix =
        a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count().min(a.len().min(b.len()) - prefix);
    let strip = |l: &&str| l.trim_end_matches(['\n', '\r']).to_owned();
    let deleted_lines: Vec<String> = a[prefix..a.len() - suffix].iter().map(strip).collect();
    let inserted: Vec<String> = b[prefix..b.len() - suffix].iter().map(strip).collect();
    if deleted_lines.is_empty() && inserted.is_empty() {
        return Err("the edit changed nothing".into());
    }
    Ok(Changes { deleted: deleted_lines.len(), deleted_lines, inserted })
}

fn minimal(format: super::Format, case: &Case, ch: &Changes, input: &str) -> Verdict {
    // TOML: a key added at the top level of a file with tables goes before the first table, followed by a
    // blank line that keeps it apart from the table's header.
    let toml_gap = format == super::Format::Toml
        && ch.deleted == 0
        && ch.inserted.iter().filter(|l| l.trim().is_empty()).count() == 1;
    let ins = ch.inserted.len() - usize::from(toml_gap);
    let ok = match case.kind {
        CaseKind::ReplaceScalar => ins == 1 && ch.deleted >= 1,
        CaseKind::AddKey | CaseKind::AppendItem if case.scalar_value => {
            (ins == 1 && ch.deleted <= 1) || (ins == 2 && ch.deleted == 1)
        }
        CaseKind::AddKey | CaseKind::AppendItem => ins >= 1 && ch.deleted <= 1,
        CaseKind::RemoveKey => ins <= 1 && ch.deleted >= 1,
    };
    if !ok {
        return Verdict::Failed(format!(
            "{}: {} line(s) removed and {ins} added is not minimal",
            case.kind.name(),
            ch.deleted
        ));
    }
    // A comment after a replaced value stays where it was.
    if case.kind == CaseKind::ReplaceScalar
        && let (Some(old), Some(new)) = (ch.deleted_lines.last(), ch.inserted.last())
        && let Some(p) = old.rfind(" #")
        && !new.ends_with(&old[p..])
    {
        return Verdict::Failed(format!("the comment `{}` after the value was lost", &old[p..]));
    }
    // A line added beside its siblings must be indented like one of them.
    if matches!(case.kind, CaseKind::AddKey | CaseKind::AppendItem) && ch.deleted == 0 {
        let Some(first) = ch.inserted.iter().find(|l| !l.trim().is_empty()) else {
            return Verdict::Failed("only blank lines were added".into());
        };
        let indent = &first[..first.len() - first.trim_start().len()];
        let item = first.trim_start().starts_with('-');
        // A sibling key may also open its mapping on a sequence item's line (`- key: v`).
        let dash_line = indent.len().checked_sub(2).map(|n| format!("{}- ", &indent[..n]));
        let sibling = input.lines().any(|l| {
            let same = l.starts_with(indent) && {
                let rest = &l[indent.len()..];
                !rest.starts_with([' ', '#']) && !rest.is_empty() && rest.starts_with('-') == item
            };
            let on_dash = !item
                && dash_line.as_deref().is_some_and(|d| {
                    l.starts_with(d) && !l[d.len()..].starts_with([' ', '#', '-']) && l.len() > d.len()
                });
            same || on_dash
        });
        if !sibling {
            return Verdict::Failed(format!("the added line `{first}` is not indented like any sibling"));
        }
    }
    Verdict::Exact
}
