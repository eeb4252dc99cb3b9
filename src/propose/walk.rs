//! Which of a repository's files `suggest` reads, and what each one read holds: the files wanted, the
//! production-looking ones left out (and listed) unless allowed as the safety rules say, each file parsed into
//! documents or listed with why not. Pure: the repository adapter lists and reads the files (within
//! `validate`'s bounds) and hands each text here.

use serde_json::Value;

use super::{Doc, RepoFile, Unread};
use crate::patch::{self, DocumentSelector, Format};

/// The most files one `suggest` lists: far above a GitOps repository, and a bound on time and memory.
pub const MAX_FILES: usize = 50_000;

/// What the walk found: the files read and parsed, and the ones that were not.
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<RepoFile>,
    pub unread: Vec<Unread>,
    pub production: Vec<Unread>,
    /// Files read that configure nothing (JSON Schemas), with why: no fault is looked for in them.
    pub not_config: Vec<Unread>,
    /// The production-looking files' text: no fault is looked for in them, but they say what renders the others
    /// (the production overlay that includes a base, production's values file over a chart's defaults).
    pub context: Vec<(String, String)>,
}

/// Whether `suggest` looks at this path: YAML, JSON, TOML and dotenv files (by name, as the patch engine
/// infers formats). Charts' `templates/` are read too, as text, to see which values they use.
pub fn wanted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    // Package managers' manifests and lock files configure a build, not a running service.
    let build =
        matches!(name, "package.json" | "package-lock.json" | "pnpm-lock.yaml" | "composer.json" | "composer.lock")
            || (name.starts_with("tsconfig") && name.ends_with(".json"));
    !build && !matches!(patch::Format::infer(std::path::Path::new(path)), Format::Text)
}

/// Why `path` is left out of the analysis when production may not be read: it looks like production (the word
/// that says so). Its text is still read, as context.
pub fn production(path: &str, allow_production: bool) -> Option<Unread> {
    if allow_production {
        return None;
    }
    let word = crate::scenario::looks_like_production(path)?;
    Some(Unread {
        path: path.to_owned(),
        why: format!("looks like production (the word `{word}`); pass --allow-production to read it"),
    })
}

impl Walk {
    /// Files one [`file`] each: the configuration files, those that configure nothing and those not read.
    pub fn add(&mut self, result: Result<Option<RepoFile>, Unread>) {
        match result {
            Ok(Some(file)) => match describes_only(&file) {
                Some(why) => self.not_config.push(Unread { path: file.path, why }),
                None => self.files.push(file),
            },
            Ok(None) => {}
            Err(unread) => self.unread.push(unread),
        }
    }
}

/// Why a file configures nothing, when it does not: a JSON Schema (a chart's `values.schema.json`) describes
/// what values may be, and its `default`s and `examples` are documentation; changing one breaks nothing.
pub fn describes_only(file: &RepoFile) -> Option<String> {
    let [doc] = file.docs.as_slice() else { return None };
    let schema = doc.value.get("$schema").and_then(Value::as_str).filter(|s| s.contains("json-schema.org"));
    let named = file.path.ends_with(".schema.json") || file.path.ends_with(".schema.yaml");
    let shaped = doc.value.get("properties").is_some_and(Value::is_object) && doc.value.get("type").is_some();
    match (schema, named && shaped) {
        (Some(s), _) => Some(format!("a JSON Schema (`$schema: {s}`): it describes values and configures nothing")),
        (None, true) => Some(
            "a JSON Schema (named `*.schema.json`, with `properties`): it describes values and configures nothing"
                .to_owned(),
        ),
        _ => None,
    }
}

/// Parses one file read (or why it could not be read). `Ok(None)`: a Helm template (kept for the index as text,
/// no documents).
pub fn file(path: &str, text: Result<String, String>) -> Result<Option<RepoFile>, Unread> {
    let text = text.map_err(|why| Unread { path: path.to_owned(), why })?;
    let format = Format::infer(std::path::Path::new(path));
    let template = is_template(path, &text);
    let docs = if template { Ok(Vec::new()) } else { parse(format, &text) };
    match docs {
        Ok(docs) => Ok(Some(RepoFile { path: path.to_owned(), format, text, docs })),
        Err(e) => {
            let at = e.at.map_or_else(String::new, |l| format!(" (at {}:{})", l.line, l.column));
            Err(Unread { path: path.to_owned(), why: format!("not parsed{at}: {}", first_line(&e.message)) })
        }
    }
}

/// A Helm template: under a `templates/` folder, or a YAML file with `{{` actions (not YAML until rendered).
pub fn is_template(path: &str, text: &str) -> bool {
    path.split('/').any(|s| s == "templates") || (path.ends_with(".tpl")) || text.contains("{{")
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

/// The documents of a file, each with how a scenario selects it; Argo CD Applications' inline Helm values
/// (`spec.source.helm.values: |`) are documents of their own.
pub fn parse(format: Format, text: &str) -> Result<Vec<Doc>, patch::PatchError> {
    let values = match format {
        Format::Yaml => patch::yaml::documents(text)?,
        other => vec![patch::parse_value(other, text, None)?],
    };
    let named = |v: &Value| {
        // A Kubernetes object says its `apiVersion`; a values file's own `kind:` setting is not one.
        let kind = v.get("kind").and_then(Value::as_str).filter(|_| v.get("apiVersion").is_some()).map(str::to_owned);
        let name = v.pointer("/metadata/name").and_then(Value::as_str).map(str::to_owned);
        (kind, name)
    };
    let names: Vec<(Option<String>, Option<String>)> = values.iter().map(named).collect();
    let multi = values.len() > 1;
    let mut docs = Vec::new();
    for (i, value) in values.into_iter().enumerate() {
        let (kind, name) = names[i].clone();
        // A document is named by kind and name when that is unique in the file (it reads better in a
        // scenario, and survives documents being reordered); by index otherwise.
        let unique = kind.is_some() && name.is_some() && names.iter().filter(|n| **n == names[i]).count() == 1;
        let selector = match (&kind, &name) {
            (Some(k), Some(n)) if multi && unique => {
                Some(DocumentSelector::Named { kind: Some(k.clone()), name: n.clone() })
            }
            _ if multi => Some(DocumentSelector::Index(i)),
            _ => None,
        };
        if kind.as_deref() == Some("Application") {
            for source in ["/spec/source", "/spec/sources/0", "/spec/sources/1"] {
                let at = &format!("{source}/helm/values");
                if !value.pointer(at).is_some_and(Value::is_string) {
                    continue;
                }
                let path = value.pointer(&format!("{source}/path")).and_then(Value::as_str).map(str::to_owned);
                let Ok(pointer) = patch::Pointer::parse(at) else { continue };
                let inner = DocumentSelector::Embedded { outer: selector.clone().map(Box::new), at: pointer };
                if let Ok(embedded) = patch::parse_value(Format::Yaml, text, Some(&inner)) {
                    docs.push(Doc {
                        selector: Some(inner),
                        value: embedded,
                        kind: None,
                        name: None,
                        embedded_in: kind.clone(),
                        source: path,
                    });
                }
            }
        }
        docs.push(Doc { selector, value, kind, name, embedded_in: None, source: None });
    }
    Ok(docs)
}
