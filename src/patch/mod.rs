//! Format-preserving RFC 6902 patches: edit the text of a config file, never re-serialise it.
//!
//! Every format engine works the same way: parse the text with a parser that knows positions, turn each
//! operation into a splice of the original text, then re-parse the result and check that it means exactly
//! what RFC 6902 gives on the parsed input (see [`verify`]). A splice that fails that check is refused,
//! never written.

pub mod cases;
mod engine;
mod env;
mod json;
mod layout;
mod pointer;
#[cfg(test)]
mod testing;
mod text;
mod toml;
mod verify;
pub mod yaml;

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use json_patch::{Patch, PatchOperation};
pub use pointer::Pointer;

/// The file formats the patch engine edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Yaml,
    Json,
    Toml,
    Env,
    Text,
}

impl Format {
    pub const ALL: [Format; 5] = [Format::Yaml, Format::Json, Format::Toml, Format::Env, Format::Text];

    /// Infers the format from a file name: `.yaml`/`.yml`, `.json`, `.toml`, `.env`/`*.env`/`.env.*`,
    /// anything else is plain text.
    pub fn infer(path: &Path) -> Format {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
        match ext.as_str() {
            "yaml" | "yml" => Format::Yaml,
            "json" => Format::Json,
            "toml" => Format::Toml,
            "env" => Format::Env,
            _ if name == ".env" || name.starts_with(".env.") => Format::Env,
            _ => Format::Text,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Toml => "toml",
            Format::Env => "env",
            Format::Text => "text",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s || (s == "yml" && *f == Format::Yaml) || (s == "dotenv" && *f == Format::Env))
            .ok_or_else(|| format!("unknown format `{s}`: expected one of yaml, json, toml, env, text"))
    }
}

/// Which document of a multi-document YAML stream a patch applies to, or the document embedded in a
/// string of one (Argo CD's `spec.source.helm.values: |`), or in a string of an embedded one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentSelector {
    /// 0-based position in the stream.
    Index(usize),
    /// The document whose `kind` (when given) and `metadata.name` match.
    Named { kind: Option<String>, name: String },
    /// The JSON or YAML document held in the string at `at` of the `outer` document (or of the only one):
    /// the patch's paths are relative to that embedded document. Written `Kind/name#/pointer` (or
    /// `#/pointer`); `outer` may itself be embedded: `#/data/service.yaml#/templates/0/body` is the
    /// document held at `/templates/0/body` of the YAML document held at `/data/service.yaml`.
    Embedded { outer: Option<Box<DocumentSelector>>, at: Pointer },
}

impl DocumentSelector {
    /// `outer` followed by the embedded documents of `chain`: `/a/b` or `/a/b#/c` (each `#/` enters the
    /// document held in the string before it; `|#/` is read the same; a `#` not followed by `/` is part of
    /// a key).
    pub fn embedded(outer: Option<DocumentSelector>, chain: &str) -> Result<DocumentSelector, String> {
        let mut sel = outer;
        for (i, part) in chain.split("#/").enumerate() {
            let part = if i == 0 { part.to_owned() } else { format!("/{part}") };
            let part = part.strip_suffix('|').unwrap_or(&part).trim();
            let at = Pointer::parse(part).map_err(|e| {
                format!(
                    "bad embedded document `#{part}` in `{chain}`: {} (e.g. `#/spec/source/helm/values`)",
                    e.message
                )
            })?;
            if at.is_root() {
                return Err(format!(
                    "bad embedded document `#{part}` in `{chain}`: expected the JSON pointer of a string, such as `#/spec/source/helm/values`"
                ));
            }
            sel = Some(DocumentSelector::Embedded { outer: sel.map(Box::new), at });
        }
        sel.ok_or_else(|| "empty embedded document selector".to_owned())
    }

    /// The document of the stream (`None`: the only one) and the strings to enter from it, outermost first.
    pub fn chain(&self) -> (Option<&DocumentSelector>, Vec<&Pointer>) {
        match self {
            DocumentSelector::Embedded { outer, at } => {
                let (base, mut chain) = match outer.as_deref() {
                    Some(o) => o.chain(),
                    None => (None, Vec::new()),
                };
                chain.push(at);
                (base, chain)
            }
            other => (Some(other), Vec::new()),
        }
    }
}

impl std::str::FromStr for DocumentSelector {
    type Err = String;
    /// `2`, `Deployment/api`, or `api` (any kind); any of them (or nothing) followed by `#/pointer` for the
    /// document embedded in the string at that pointer, and `#/pointer` again for one embedded in that one.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some((outer, chain)) = s.split_once('#') {
            let outer = if outer.trim().is_empty() { None } else { Some(outer.parse()?) };
            return DocumentSelector::embedded(outer, chain);
        }
        if s.is_empty() {
            return Err("empty document selector: expected an index such as `1` or `Kind/name`".into());
        }
        if let Ok(i) = s.parse::<usize>() {
            return Ok(DocumentSelector::Index(i));
        }
        Ok(match s.split_once('/') {
            Some((kind, name)) if !kind.is_empty() && !name.is_empty() => {
                DocumentSelector::Named { kind: Some(kind.to_owned()), name: name.to_owned() }
            }
            Some(_) => return Err(format!("bad document selector `{s}`: expected `Kind/name`, `name` or an index")),
            None => DocumentSelector::Named { kind: None, name: s.to_owned() },
        })
    }
}

impl fmt::Display for DocumentSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocumentSelector::Index(i) => write!(f, "{i}"),
            DocumentSelector::Named { kind: Some(k), name } => write!(f, "{k}/{name}"),
            DocumentSelector::Named { kind: None, name } => write!(f, "{name}"),
            DocumentSelector::Embedded { outer: Some(o), at } => write!(f, "{o}#{at}"),
            DocumentSelector::Embedded { outer: None, at } => write!(f, "#{at}"),
        }
    }
}

/// A position in the patched file: 1-based line, 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// The location of the character at byte offset `byte` of `text`.
    pub fn of_byte(text: &str, byte: usize) -> Location {
        let byte = byte.min(text.len());
        let before = &text[..byte];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location { line, column: before[line_start..].chars().count() + 1 }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Why a patch was not applied. Nothing is written when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct PatchError {
    /// Index of the failing operation in the patch, when one operation is to blame.
    pub op: Option<usize>,
    /// The JSON pointer of that operation.
    pub path: Option<String>,
    /// The nearest position in the input file.
    pub at: Option<Location>,
    pub kind: PatchErrorKind,
    /// One sentence: what happened, naming the value or key involved.
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<String>,
}

/// The broad reason for a refusal; decides wording and lets tests tell refusals apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchErrorKind {
    /// The input file does not parse in its format.
    Parse,
    /// The patch itself is malformed (bad JSON, bad pointer, unknown op).
    BadPatch,
    /// The path does not exist (or an array index is out of range).
    NotFound,
    /// The parent is not a container the operation can edit (a scalar, a string…).
    NotAContainer,
    /// A `test` operation did not hold.
    TestFailed,
    /// The edit would go through a YAML alias or anchor, tags, or another construct the engine refuses.
    Unsupported,
    /// The document selector matches no document (or several).
    Document,
    /// The string an embedded document is read from is missing, is not a string, or is not written so that
    /// it can be edited in place (a literal block scalar).
    Embedded,
    /// The engine produced text that did not re-parse to the expected value: refused, never written.
    Verification,
}

impl PatchError {
    pub fn new(kind: PatchErrorKind, message: impl Into<String>) -> Self {
        PatchError { op: None, path: None, at: None, kind, message: message.into(), hint: None }
    }
    pub fn at(mut self, at: Location) -> Self {
        self.at = Some(at);
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// Attaches the operation index and path, unless already set by a deeper layer.
    pub fn for_op(mut self, op: usize, path: &str) -> Self {
        self.op.get_or_insert(op);
        self.path.get_or_insert_with(|| path.to_owned());
        self
    }

    fn render(&self) -> String {
        let mut s = String::new();
        if let Some(at) = self.at {
            s.push_str(&format!("{at}: "));
        }
        if let (Some(op), Some(path)) = (self.op, &self.path) {
            s.push_str(&format!("operation {op} (`{path}`): "));
        }
        s.push_str(&self.message);
        if let Some(h) = &self.hint {
            s.push_str(&format!("\n  hint: {h}"));
        }
        s
    }
}

/// The most operations one patch may hold: a fault is a one-line change, and each operation costs time.
pub const MAX_OPERATIONS: usize = 1000;

/// What an edit may reach beyond the value it names; the default is nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// A YAML value with an anchor (`&name`) that aliases (`*name`) share may be edited: every alias then
    /// reads the new value too, and the result is verified that way.
    pub allow_shared_anchor: bool,
}

/// Applies `patch` to `text` in `format`, returning the edited text.
///
/// The result is verified: parsing it gives exactly what RFC 6902 gives on the parsed input, and for YAML
/// the selected document is the only one that changed.
pub fn apply(
    format: Format,
    text: &str,
    patch: &Patch,
    document: Option<&DocumentSelector>,
) -> Result<String, PatchError> {
    apply_with(format, text, patch, document, Options::default())
}

/// [`apply`] with [`Options`].
pub fn apply_with(
    format: Format,
    text: &str,
    patch: &Patch,
    document: Option<&DocumentSelector>,
    options: Options,
) -> Result<String, PatchError> {
    if patch.0.len() > MAX_OPERATIONS {
        return Err(PatchError::new(
            PatchErrorKind::BadPatch,
            format!("the patch has {} operations, more than the {MAX_OPERATIONS} firedrill applies", patch.0.len()),
        )
        .hint("a fault is a small change: keep to a few operations (split a larger edit across scenarios)"));
    }
    if document.is_some() && format != Format::Yaml {
        return Err(PatchError::new(
            PatchErrorKind::Document,
            format!("a document selector only applies to YAML, and this file is {format}"),
        )
        .hint("remove `document`, or set `format: yaml` if the file is YAML"));
    }
    match format {
        Format::Yaml => yaml::apply(text, patch, document, options),
        Format::Json => json::apply(text, patch),
        Format::Toml => toml::apply(text, patch),
        Format::Env => env::apply(text, patch),
        Format::Text => text::apply(text, patch),
    }
}

/// Parses `text` in `format` into the JSON value RFC 6902 operations are judged against (for YAML, the
/// selected document). This is the "parsed document" of the scenario reference.
pub fn parse_value(
    format: Format,
    text: &str,
    document: Option<&DocumentSelector>,
) -> Result<serde_json::Value, PatchError> {
    match format {
        Format::Yaml => yaml::parse_value(text, document),
        Format::Json => json::parse_value(text),
        Format::Toml => toml::parse_value(text),
        Format::Env => env::parse_value(text),
        Format::Text => text::parse_value(text),
    }
}

/// Parses a patch from its JSON text (an array of RFC 6902 operations).
pub fn parse_patch(json: &str) -> Result<Patch, PatchError> {
    serde_json::from_str::<Patch>(json).map_err(|e| {
        PatchError::new(PatchErrorKind::BadPatch, format!("the patch is not a valid RFC 6902 JSON Patch: {e}"))
            .hint("a patch is a JSON array such as [{\"op\": \"replace\", \"path\": \"/a/b\", \"value\": 0}]")
    })
}
