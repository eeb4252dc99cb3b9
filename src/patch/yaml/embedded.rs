//! Documents inside YAML: the JSON or YAML document held in a literal block scalar (Argo CD's
//! `spec.source.helm.values: |`, an ExternalSecret's JSON `config: |`), patched in its own language and
//! written back into the block scalar line for line.
//!
//! The block scalar's content lines map one to one to the embedded document's lines (a literal scalar keeps
//! every line break), so the embedded document is patched as a file of its own — with the JSON engine when
//! it is JSON (it starts with `{` or `[` and parses as JSON), else with the YAML engine — and only the lines
//! it changed are re-indented into the outer text; the header (`|`, `|-`, `|2+`…), the lines it did not
//! change and any trailing blank lines stay byte for byte. A selector may go on into a document embedded in
//! the embedded one (`#/data/service.yaml#/body`): each level is patched this way from the inside out.
//!
//! Then the guard: the new embedded text must read, in the language it was written in, as exactly what
//! RFC 6902 gives (JSON is re-read as JSON: YAML written into it fails here), and the outer stream is read
//! again: every other document, and every other value of this one, must be unchanged, and the string must
//! hold exactly the patched embedded document.

use serde_json::Value;

use super::edit::Editor;
use super::{parse_tree, select, stream_values};
use crate::patch::{DocumentSelector, Location, Options, Patch, PatchError, PatchErrorKind, Pointer, json, verify};
use crate::yaml::{Kind, Style};

/// The language of an embedded document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Json,
    Yaml,
}

impl Language {
    /// JSON when the text starts with `{` or `[` and parses as JSON; YAML otherwise (JSON is YAML too, but
    /// a JSON consumer reads it: an edit must stay JSON).
    pub fn of(text: &str) -> Language {
        let t = text.trim_start();
        if (t.starts_with('{') || t.starts_with('[')) && serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok() {
            Language::Json
        } else {
            Language::Yaml
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Language::Json => "JSON",
            Language::Yaml => "YAML",
        }
    }

    fn parse(self, text: &str) -> Result<Value, PatchError> {
        match self {
            Language::Json => json::parse_value(text),
            Language::Yaml => super::parse_value(text, None),
        }
    }

    fn apply(self, text: &str, patch: &Patch, options: Options) -> Result<String, PatchError> {
        match self {
            Language::Json => json::apply(text, patch),
            Language::Yaml => super::apply(text, patch, None, options),
        }
    }
}

/// Applies `patch` to the document embedded at `chain` (outermost string first) of the chosen document.
pub(crate) fn apply(
    text: &str,
    patch: &Patch,
    outer: Option<&DocumentSelector>,
    chain: &[&Pointer],
    options: Options,
) -> Result<String, PatchError> {
    let Some((at, deeper)) = chain.split_first() else {
        return super::apply(text, patch, outer, options);
    };
    let at: &Pointer = at;
    let values = stream_values(text)?;
    let index = select(&values, outer)?;
    let value = embedded_string(&values[index], at)?;
    let block = Block::find(text, index, at, value)?;

    let inner = &block.value;
    let language = Language::of(inner);
    let patched = if deeper.is_empty() {
        language.apply(inner, patch, options)
    } else if language == Language::Json {
        Err(PatchError::new(
            PatchErrorKind::Embedded,
            format!("the document embedded at `{at}` is JSON: its strings are on one line, so no document is embedded in them as a block scalar"),
        )
        .hint("end the selector at this JSON document, and point the patch's paths into it"))
    } else {
        apply(inner, patch, None, deeper, options)
    }
    .map_err(|e| block.relocate(e))?;
    // The guard, whatever engine wrote the text: it reads in its own language as the patch says.
    guard(language, at, inner, &patched, deeper.is_empty().then_some(patch))?;
    let out = block.write_back(text, &patched);

    // The outer stream again: only this string changed, and it holds exactly the patched document.
    let after =
        stream_values(&out).map_err(|e| refused(format!("the file would not parse any more ({})", e.message)))?;
    if after.len() != values.len() {
        return Err(refused("the edit would change the number of documents".into()));
    }
    for (i, (b, a)) in values.iter().zip(&after).enumerate() {
        if i != index && a != b {
            return Err(refused(format!("the edit would change document {i}")));
        }
    }
    let mut doc = after[index].clone();
    match doc.pointer_mut(&at.to_string()) {
        // Trailing line breaks are the block scalar's chomping, not the document's.
        Some(Value::String(s)) if s.trim_end_matches('\n') == patched.trim_end_matches('\n') => {
            guard(language, at, inner, s, None)?;
            *s = inner.clone();
        }
        _ => return Err(refused(format!("the string at `{at}` would not hold the patched document"))),
    }
    if doc != values[index] {
        return Err(refused(format!("the edit would change more of the document than the string at `{at}`")));
    }
    Ok(out)
}

/// Checks that `after`, the new text of the document embedded at `at`, still parses in `language` and,
/// for the innermost document (`patch` given), reads as RFC 6902 says `patch` makes of `before`.
fn guard(language: Language, at: &Pointer, before: &str, after: &str, patch: Option<&Patch>) -> Result<(), PatchError> {
    let read = language.parse(after).map_err(|e| {
        refused(format!(
            "the {} document embedded at `{at}` would not be valid {} any more ({})",
            language.name(),
            language.name(),
            e.message
        ))
    })?;
    if let Some(patch) = patch {
        let expected = verify::expected(&language.parse(before)?, patch, before.len().max(verify::MIN_BUDGET))?;
        verify::check(&expected, &read).map_err(|e| refused(format!("inside `{at}`: {}", e.message)))?;
    }
    Ok(())
}

/// The embedded document at `chain`, parsed in its language: what the fault's `test` operations and
/// recovery are judged on.
pub(crate) fn parse_value(
    text: &str,
    outer: Option<&DocumentSelector>,
    chain: &[&Pointer],
) -> Result<Value, PatchError> {
    let (inner, language) = text_at(text, outer, chain)?;
    let at = chain.last().copied().cloned().unwrap_or_default();
    language.parse(&inner).map_err(|e| wrap(&at, e))
}

/// The text of the document embedded at `chain` and its language.
pub(crate) fn text_at(
    text: &str,
    outer: Option<&DocumentSelector>,
    chain: &[&Pointer],
) -> Result<(String, Language), PatchError> {
    let values = stream_values(text)?;
    let index = select(&values, outer)?;
    let mut inner = String::new();
    let mut doc = values[index].clone();
    for (depth, at) in chain.iter().enumerate() {
        inner = embedded_string(&doc, at)?.to_owned();
        if depth + 1 < chain.len() {
            doc = if Language::of(&inner) == Language::Json {
                Value::Null // a JSON document holds no block scalar: `embedded_string` says so next
            } else {
                super::parse_value(&inner, None).map_err(|e| wrap(at, e))?
            };
        }
    }
    let language = Language::of(&inner);
    Ok((inner, language))
}

fn wrap(at: &Pointer, e: PatchError) -> PatchError {
    PatchError::new(e.kind, format!("the document embedded at `{at}`: {}", e.message))
        .hint("`embedded` names a string holding a JSON or YAML document, such as Argo CD's `spec.source.helm.values`")
}

/// The string at `at`, or why it is not one that holds a document.
fn embedded_string<'v>(doc: &'v Value, at: &Pointer) -> Result<&'v str, PatchError> {
    match doc.pointer(&at.to_string()) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(PatchError::new(
            PatchErrorKind::Embedded,
            format!("the string at `{at}` is empty: there is no embedded document to patch"),
        )
        .hint("write the embedded document's keys into the file first, or patch another file")),
        Some(v @ (Value::Object(_) | Value::Array(_))) => Err(PatchError::new(
            PatchErrorKind::Embedded,
            format!(
                "`{at}` is {}, not a string holding a YAML document",
                if v.is_object() { "a mapping" } else { "a list" }
            ),
        )
        .hint(format!(
            "this is plain YAML (like Argo CD's `valuesObject` or a Flux HelmRelease's `spec.values`): remove \
             `embedded` and write the fault's paths from the document's root, such as `{at}/…`"
        ))),
        Some(v) => Err(PatchError::new(
            PatchErrorKind::Embedded,
            format!("`{at}` is {}, not a string holding a YAML document", super::engine::type_name(v)),
        )
        .hint("`embedded` names a string holding a YAML document, such as `/spec/source/helm/values`")),
        None => Err(PatchError::new(PatchErrorKind::Embedded, format!("the document has no `{at}`")).hint(
            "`embedded` is the JSON pointer of the string that holds the YAML document, such as \
             `/spec/source/helm/values` in an Argo CD Application",
        )),
    }
}

fn refused(why: String) -> PatchError {
    PatchError::new(PatchErrorKind::Verification, format!("refusing to write: {why}"))
        .hint("this is a limitation of the embedded-document editor; please report it with the file and the patch")
}

/// A literal block scalar and how its lines map to the embedded document's.
struct Block {
    /// The embedded document: the scalar's value.
    value: String,
    /// Byte ranges of the content lines (without their line break), one per line of the value.
    lines: Vec<(usize, usize)>,
    /// The content indentation.
    indent: usize,
    /// The 1-based line of the first content line.
    first_line: usize,
    /// Lines end with `\r\n`.
    crlf: bool,
}

impl Block {
    fn find(text: &str, index: usize, at: &Pointer, value: &str) -> Result<Block, PatchError> {
        let docs = parse_tree(text)?;
        let doc = &docs[index];
        let editor = Editor::with_habits(text, doc, Editor::habits(text, doc));
        let node = editor.node_at(at)?;
        let here = Location::of_byte(text, node.start);
        let style = match &node.kind {
            Kind::Scalar { style, .. } => *style,
            _ => Style::Plain,
        };
        if style != Style::Literal {
            let (what, hint) = match style {
                Style::Folded => (
                    "a folded block scalar (`>`): its line breaks are folded into spaces",
                    "write the embedded document as a literal block scalar (`|`), as Argo CD's examples do",
                ),
                _ => (
                    "a string on one line",
                    "firedrill edits an embedded document written as a literal block scalar (`|`): rewrite the string that way first",
                ),
            };
            return Err(PatchError::new(PatchErrorKind::Embedded, format!("`{at}` is {what}")).at(here).hint(hint));
        }
        let crlf = text.contains("\r\n");
        // The content starts on the line after the header (`|`, `|-`, `|2`… and any comment).
        let mut start = text[node.start..].find('\n').map_or(text.len(), |i| node.start + i + 1);
        let first_line = text[..start].matches('\n').count() + 1;
        let body = value.trim_end_matches('\n');
        let mut lines = Vec::new();
        for _ in body.split('\n') {
            let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let content_end = if crlf && text[..end].ends_with('\r') { end - 1 } else { end };
            lines.push((start, content_end));
            start = (end + 1).min(text.len());
        }
        let raw = |i: usize| &text[lines[i].0..lines[i].1];
        let mut indent = None;
        let odd = |i: usize| {
            PatchError::new(
                PatchErrorKind::Unsupported,
                format!("line {} of the block scalar at `{at}` is not indented like the others", i + 1),
            )
            .at(Location { line: first_line + i, column: 1 })
            .hint("indent every line of the embedded document with spaces (no tabs) at the same level")
        };
        for (i, line) in body.split('\n').enumerate() {
            let r = raw(i);
            if line.is_empty() {
                if !r.bytes().all(|b| b == b' ') {
                    return Err(odd(i));
                }
                continue;
            }
            let n = *indent.get_or_insert(r.len().saturating_sub(line.len()));
            if r.len() != n + line.len() || !r[..n].bytes().all(|b| b == b' ') || &r[n..] != line {
                return Err(odd(i));
            }
        }
        Ok(Block { value: value.to_owned(), lines, indent: indent.unwrap_or(0), first_line, crlf })
    }

    /// The line breaks the scalar's chomping keeps after the last content line.
    fn chomped(&self) -> &str {
        &self.value[self.value.trim_end_matches('\n').len()..]
    }

    /// An error inside the embedded document, pointed at the outer file's line and column.
    fn relocate(&self, mut e: PatchError) -> PatchError {
        if let Some(loc) = e.at {
            e.at = Some(Location { line: loc.line + self.first_line - 1, column: loc.column + self.indent });
        }
        e
    }

    /// The outer text with the lines the patch changed replaced by the patched ones, indented.
    fn write_back(&self, text: &str, patched: &str) -> String {
        let old: Vec<&str> = self.value.trim_end_matches('\n').split('\n').collect();
        // The patched text's own blank lines at the end (the engine left them) stay lines of the block; the
        // final line breaks the scalar's chomping gives are not lines.
        let body = match patched.strip_suffix(self.chomped()) {
            Some(body) if !self.chomped().is_empty() => body,
            _ => patched.trim_end_matches('\n'),
        };
        let new: Vec<&str> = body.split('\n').collect();
        let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
        let room = old.len().min(new.len()) - prefix;
        let suffix = old.iter().rev().zip(new.iter().rev()).take(room).take_while(|(a, b)| a == b).count();
        let pad = " ".repeat(self.indent);
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let middle: Vec<String> = new[prefix..new.len() - suffix]
            .iter()
            .map(|l| if l.is_empty() { String::new() } else { format!("{pad}{l}") })
            .collect();
        // The changed lines' span in the outer text: from the first changed line to the last one (an
        // insertion between two lines is an empty span at the start of the next line).
        let (from, to) = if prefix + suffix < old.len() {
            (self.lines[prefix].0, self.lines[old.len() - suffix - 1].1)
        } else if prefix < old.len() {
            (self.lines[prefix].0, self.lines[prefix].0)
        } else {
            (self.lines[old.len() - 1].1, self.lines[old.len() - 1].1)
        };
        let mut with = middle.join(eol);
        if prefix + suffix == old.len() && !middle.is_empty() {
            // Pure insertion: new whole lines before line `prefix`, or after the last line.
            with = if prefix < old.len() { format!("{with}{eol}") } else { format!("{eol}{with}") };
        } else if middle.is_empty() && prefix + suffix < old.len() {
            // Pure deletion: take the line break of the last deleted line too (or the one before, at the end).
            return if old.len() - suffix < old.len() {
                splice(text, from, self.lines[old.len() - suffix].0, "")
            } else if prefix > 0 {
                splice(text, self.lines[prefix - 1].1, to, "")
            } else {
                splice(text, from, to, "")
            };
        }
        splice(text, from, to, &with)
    }
}

fn splice(text: &str, from: usize, to: usize, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..from]);
    out.push_str(with);
    out.push_str(&text[to..]);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::patch::parse_patch;

    const APP: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: checkout-staging # the staging copy
spec:
  source:
    chart: checkout
    helm:
      values: |
        # tuned in INC-231
        redis:
          pool:
            size: 10

        replicaCount: 2
  destination:
    namespace: checkout
";

    fn at(p: &str) -> Pointer {
        Pointer::parse(p).unwrap()
    }

    fn run(text: &str, patch: &str, p: &str) -> Result<String, PatchError> {
        apply(text, &parse_patch(patch).unwrap(), None, &[&at(p)], Options::default())
    }

    #[test]
    fn a_replace_inside_the_block_scalar_changes_one_line() {
        let out =
            run(APP, r#"[{"op":"replace","path":"/redis/pool/size","value":0}]"#, "/spec/source/helm/values").unwrap();
        assert_eq!(out, APP.replace("            size: 10", "            size: 0"));
        let inner = parse_value(&out, None, &[&at("/spec/source/helm/values")]).unwrap();
        assert_eq!(inner.pointer("/redis/pool/size"), Some(&Value::from(0)));
    }

    #[test]
    fn an_added_key_is_indented_into_the_block_and_the_rest_stays() {
        let out = run(APP, r#"[{"op":"add","path":"/redis/pool/timeout","value":"1ms"}]"#, "/spec/source/helm/values")
            .unwrap();
        assert_eq!(out, APP.replace("            size: 10\n", "            size: 10\n            timeout: 1ms\n"));
        let out = run(APP, r#"[{"op":"add","path":"/debug","value":true}]"#, "/spec/source/helm/values").unwrap();
        assert_eq!(out, APP.replace("        replicaCount: 2\n", "        replicaCount: 2\n        debug: true\n"));
    }

    #[test]
    fn a_removed_key_takes_its_lines() {
        let out = run(APP, r#"[{"op":"remove","path":"/replicaCount"}]"#, "/spec/source/helm/values").unwrap();
        // the blank line before it stays, as it does when the same document is a file of its own
        assert_eq!(out, APP.replace("        replicaCount: 2\n", ""));
        let out = run(APP, r#"[{"op":"remove","path":"/redis"}]"#, "/spec/source/helm/values").unwrap();
        assert_eq!(out, APP.replace("        redis:\n          pool:\n            size: 10\n", ""));
    }

    /// The Application with its values written under `header`, indented by `indent`.
    fn app(header: &str, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let block = "# tuned in INC-231\nredis:\n  pool:\n    size: 10\n\nreplicaCount: 2\n";
        let block: String =
            block.lines().map(|l| if l.is_empty() { "\n".to_owned() } else { format!("{pad}{l}\n") }).collect();
        format!("spec:\n  source:\n    helm:\n      values: {header}\n{block}  destination: {{}}\n")
    }

    #[test]
    fn chomping_and_indentation_indicators_are_kept() {
        for (header, indent) in [("|", 8), ("|-", 8), ("|+", 8), ("|2", 8), ("|4-", 10), ("|1+", 7)] {
            let text = app(header, indent);
            let before = parse_value(&text, None, &[&at("/spec/source/helm/values")]).unwrap();
            let out = run(&text, r#"[{"op":"replace","path":"/replicaCount","value":0}]"#, "/spec/source/helm/values")
                .unwrap_or_else(|e| panic!("{header}: {e}"));
            assert_eq!(out, text.replace("replicaCount: 2", "replicaCount: 0"), "{header}");
            let after = parse_value(&out, None, &[&at("/spec/source/helm/values")]).unwrap();
            assert_eq!(after.get("redis"), before.get("redis"), "{header}");
            assert_eq!(after.get("replicaCount"), Some(&Value::from(0)), "{header}");
        }
    }

    #[test]
    fn the_guard_refuses_yaml_written_into_json() {
        // What the YAML engine alone wrote before embedded JSON was edited as JSON: valid YAML, not JSON.
        let before = "{\n  \"caData\": \"x\"\n}\n";
        let yamlish = "{\n  \"caData\": \"x\", serverName: \"kubernetes.default\"\n}\n";
        let patch = parse_patch(r#"[{"op":"add","path":"/serverName","value":"kubernetes.default"}]"#).unwrap();
        let e = guard(Language::Json, &at("/config"), before, yamlish, Some(&patch)).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Verification);
        assert!(e.message.contains("would not be valid JSON any more"), "{e}");
        // Valid JSON that reads differently from the patch is refused too.
        let wrong = "{\n  \"caData\": \"x\",\n  \"serverName\": \"other\"\n}\n";
        let e = guard(Language::Json, &at("/config"), before, wrong, Some(&patch)).unwrap_err();
        assert!(e.message.contains("inside `/config`"), "{e}");
        let right = "{\n  \"caData\": \"x\",\n  \"serverName\": \"kubernetes.default\"\n}\n";
        assert!(guard(Language::Json, &at("/config"), before, right, Some(&patch)).is_ok());
    }

    #[test]
    fn languages_are_told_apart() {
        assert_eq!(Language::of("{\"a\": 1}\n"), Language::Json);
        assert_eq!(Language::of("\n  [1, 2]\n"), Language::Json);
        // a flow mapping that is not JSON, and YAML that starts like JSON, are YAML
        assert_eq!(Language::of("{a: 1}\n"), Language::Yaml);
        assert_eq!(Language::of("[a, b]\nc: 1\n"), Language::Yaml);
        assert_eq!(Language::of("a: 1\n"), Language::Yaml);
    }

    #[test]
    fn a_document_inside_an_embedded_document() {
        let text = "data:\n  template: |\n    webhook:\n      body: |\n        {\n          \"state\": \"success\"\n        }\n    other: 1\n";
        let sel: DocumentSelector = "#/data/template#/webhook/body".parse().unwrap();
        assert_eq!(sel, "#/data/template|#/webhook/body".parse().unwrap());
        assert_eq!(sel.to_string(), "#/data/template#/webhook/body");
        let (base, chain) = sel.chain();
        assert_eq!((base, chain.len()), (None, 2));
        let patch = parse_patch(r#"[{"op":"add","path":"/target_url","value":"u"}]"#).unwrap();
        let out = crate::patch::apply(crate::patch::Format::Yaml, text, &patch, Some(&sel)).unwrap();
        assert_eq!(out, text.replace("\"success\"\n", "\"success\",\n          \"target_url\": \"u\"\n"));
        let read = crate::patch::parse_value(crate::patch::Format::Yaml, &out, Some(&sel)).unwrap();
        assert_eq!(read, serde_json::json!({"state": "success", "target_url": "u"}));
        // errors point into the outer file through both levels
        let patch = parse_patch(r#"[{"op":"replace","path":"/nope","value":1}]"#).unwrap();
        let e = crate::patch::apply(crate::patch::Format::Yaml, text, &patch, Some(&sel)).unwrap_err();
        assert_eq!(e.at, Some(Location { line: 5, column: 9 }), "{e}");
        // nothing is embedded in a JSON document's one-line strings
        let sel: DocumentSelector = "#/data/template#/webhook/body#/state".parse().unwrap();
        let e = crate::patch::apply(crate::patch::Format::Yaml, text, &patch, Some(&sel)).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Embedded, "{e}");
        assert!("#a".parse::<DocumentSelector>().is_err());
        // a `#` inside a key stays in the key
        assert_eq!(
            "#/data/a#b".parse::<DocumentSelector>().unwrap(),
            DocumentSelector::Embedded { outer: None, at: at("/data/a#b") }
        );
    }

    #[test]
    fn crlf_files_keep_their_line_breaks() {
        let text = APP.replace('\n', "\r\n");
        let out = run(&text, r#"[{"op":"add","path":"/debug","value":true}]"#, "/spec/source/helm/values").unwrap();
        assert_eq!(out, text.replace("replicaCount: 2\r\n", "replicaCount: 2\r\n        debug: true\r\n"));
    }

    #[test]
    fn errors_point_into_the_outer_file() {
        let e = run(APP, r#"[{"op":"replace","path":"/redis/pol/size","value":0}]"#, "/spec/source/helm/values")
            .unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::NotFound, "{e}");
        // at `/redis`'s first key, `pool:` on line 12 of the outer file, column 11
        assert_eq!(e.at, Some(Location { line: 12, column: 11 }), "{e}");
        assert!(e.hint.as_deref().unwrap_or_default().contains("pool"), "{e}");
    }

    #[test]
    fn what_is_not_a_literal_block_scalar_is_refused_with_the_way_out() {
        let e = run(APP, "[]", "/spec/source/helm").unwrap_err();
        assert!(e.message.contains("is a mapping") && e.hint.unwrap().contains("remove `embedded`"));
        let e = run(APP, "[]", "/spec/source/helm/valuez").unwrap_err();
        assert!(e.message.contains("has no `/spec/source/helm/valuez`"), "{e}");
        let folded = APP.replace("values: |", "values: >");
        let e = run(&folded, "[]", "/spec/source/helm/values").unwrap_err();
        assert!(e.message.contains("folded"), "{e}");
        let e = run("a: 'x: 1'\n", "[]", "/a").unwrap_err();
        assert!(e.message.contains("one line"), "{e}");
        let e = run("a: |\n  \n", "[]", "/a").unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
    }

    #[test]
    fn the_other_documents_of_the_stream_stay_and_a_selector_picks_the_outer_one() {
        let text = format!("kind: Namespace\nmetadata:\n  name: checkout\n---\n{APP}");
        let outer = DocumentSelector::Named { kind: Some("Application".into()), name: "checkout-staging".into() };
        let patch = parse_patch(r#"[{"op":"replace","path":"/replicaCount","value":3}]"#).unwrap();
        let out = apply(&text, &patch, Some(&outer), &[&at("/spec/source/helm/values")], Options::default()).unwrap();
        assert_eq!(out, text.replace("replicaCount: 2", "replicaCount: 3"));
        let sel: DocumentSelector = "Application/checkout-staging#/spec/source/helm/values".parse().unwrap();
        assert_eq!(
            sel,
            DocumentSelector::Embedded { outer: Some(Box::new(outer)), at: at("/spec/source/helm/values") }
        );
        assert_eq!(sel.to_string(), "Application/checkout-staging#/spec/source/helm/values");
        assert_eq!(crate::patch::apply(crate::patch::Format::Yaml, &text, &patch, Some(&sel)).unwrap(), out);
    }
}
