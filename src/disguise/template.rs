//! A deliberately tiny template language: `{{ name }}` placeholders filled from a fixed set of variables.
//!
//! No filters, conditions or loops: disguise texts are one-liners and short PR bodies, and every feature here
//! would be one more thing a scenario author could get wrong. Derived forms that a filter would give (a key
//! in kebab case, a file name without extension) are plain variables instead; see [`KNOWN_VARIABLES`].

use std::collections::BTreeMap;
use std::fmt;

/// Every variable a disguise template may use, with what it holds.
pub const KNOWN_VARIABLES: [(&str, &str); 12] = [
    ("scenario.id", "the scenario's id"),
    ("drill.id", "the drill's id, e.g. `redis-pool-exhaustion-20261124T1000Z`"),
    ("short_id", "6 hex characters derived from the drill id, e.g. `3fa9c1`"),
    ("date", "the merge date in the scenario's zone, YYYY-MM-DD"),
    ("target.path", "the target file's path in its repository"),
    ("target.file", "the target file's name, e.g. `values-staging.yaml`"),
    ("target.stem", "the target file's name without extension, e.g. `values-staging`"),
    ("target.dir", "the folder of the target file (empty at the top level)"),
    ("target.branch", "the branch the change is merged into"),
    ("key", "the last key the fault changes, e.g. `SERVICE__REDIS__CONNECTION_POOL__SIZE`"),
    ("key.kebab", "that key in lower kebab case, e.g. `service-redis-connection-pool-size`"),
    ("key.words", "that key as lower-case words, e.g. `service redis connection pool size`"),
];

/// The values a template is rendered with, by variable name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vars(BTreeMap<String, String>);

impl Vars {
    /// No variables.
    pub fn new() -> Vars {
        Vars::default()
    }

    /// Sets `name` to `value`, replacing any earlier value.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(name.to_owned(), value.into());
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The variable names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// Where in a template something is, counted from 1 as editors do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TemplatePos {
    /// Line within the template.
    pub line: usize,
    /// Column (in characters) within that line.
    pub column: usize,
}

impl fmt::Display for TemplatePos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What is wrong with a template.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{` with no `}}` after it.
    #[error("`{{{{` at {at} has no closing `}}}}`; write a placeholder as `{{{{ key }}}}`")]
    Unclosed {
        /// Where the `{{` is.
        at: TemplatePos,
    },
    /// `{{ }}` with nothing inside.
    #[error("empty placeholder at {at}; known placeholders: {known}")]
    Empty {
        /// Where the `{{` is.
        at: TemplatePos,
        /// The known names, comma-separated.
        known: String,
    },
    /// A name that is not a variable.
    #[error("unknown placeholder `{{{{ {name} }}}}` at {at}{}; known placeholders: {known}", did_you_mean(.suggestion.as_deref()))]
    Unknown {
        /// The name inside the braces, trimmed.
        name: String,
        /// Where the `{{` is.
        at: TemplatePos,
        /// The closest known name, if one is close.
        suggestion: Option<String>,
        /// The known names, comma-separated.
        known: String,
    },
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map(|name| format!(" (did you mean `{name}`?)")).unwrap_or_default()
}

/// One piece of a parsed template.
enum Piece<'a> {
    Text(&'a str),
    Var { name: &'a str, at: TemplatePos },
}

/// Splits a template into text and placeholders, checking only the syntax.
fn parse(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    let mut consumed = 0;
    while let Some(open) = rest.find("{{") {
        let at = position(template, consumed + open);
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let after_open = &rest[open + 2..];
        let Some(close) = after_open.find("}}") else {
            return Err(TemplateError::Unclosed { at });
        };
        let inner = &after_open[..close];
        // A `{{` inside the braces means the first one was never closed: `{{ a {{ b }}`.
        if inner.contains("{{") {
            return Err(TemplateError::Unclosed { at });
        }
        pieces.push(Piece::Var { name: inner.trim(), at });
        let advanced = open + 2 + close + 2;
        consumed += advanced;
        rest = &rest[advanced..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

/// The 1-based line and column of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> TemplatePos {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    TemplatePos { line, column: before[line_start..].chars().count() + 1 }
}

/// The error for a placeholder whose name is empty or not among `known`.
fn placeholder_error(name: &str, at: TemplatePos, known: &[&str]) -> TemplateError {
    let mut sorted = known.to_vec();
    sorted.sort_unstable();
    let list = sorted.join(", ");
    if name.is_empty() {
        return TemplateError::Empty { at, known: list };
    }
    // Typos (`kye`, `key.kebap`) are near in edit distance; truncations (`target`) share a prefix.
    let by_edits = sorted
        .iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), *k))
        .filter(|(distance, _)| *distance <= 2 && *distance < name.chars().count())
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k);
    let by_prefix = || {
        sorted
            .iter()
            .map(|k| (strsim::jaro_winkler(name, k), *k))
            .filter(|(score, _)| *score >= 0.85)
            .max_by(|(a, _), (b, _)| a.total_cmp(b))
            .map(|(_, k)| k)
    };
    let suggestion = by_edits.or_else(by_prefix).map(str::to_owned);
    TemplateError::Unknown { name: name.to_owned(), at, suggestion, known: list }
}

/// Renders `template`, replacing each `{{ name }}` with the value of `name` in `vars`.
pub fn render(template: &str, vars: &Vars) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len());
    for piece in parse(template)? {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Var { name, at } => match vars.get(name) {
                Some(value) => out.push_str(value),
                None => return Err(placeholder_error(name, at, &vars.names().collect::<Vec<_>>())),
            },
        }
    }
    Ok(out)
}

/// Checks a template's syntax and names against [`KNOWN_VARIABLES`] without rendering it (for `validate`).
pub fn check_template(template: &str) -> Result<(), TemplateError> {
    let known: Vec<&str> = KNOWN_VARIABLES.iter().map(|(name, _)| *name).collect();
    for piece in parse(template)? {
        if let Piece::Var { name, at } = piece
            && !known.contains(&name)
        {
            return Err(placeholder_error(name, at, &known));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut vars = Vars::new();
        vars.set("key", "SIZE");
        vars.set("target.file", "values.yaml");
        vars
    }

    #[test]
    fn renders_with_or_without_inner_spaces() {
        let out = render("{{key}} / {{ key }} / {{   target.file\t}} {not} } {", &vars()).unwrap();
        assert_eq!(out, "SIZE / SIZE / values.yaml {not} } {");
        assert_eq!(render("", &vars()).unwrap(), "");
        assert_eq!(render("plain\ntext", &vars()).unwrap(), "plain\ntext");
        // A value is inserted as is, never rendered again.
        let mut tricky = Vars::new();
        tricky.set("key", "{{ key }}");
        assert_eq!(render("{{ key }}", &tricky).unwrap(), "{{ key }}");
    }

    #[test]
    fn unknown_placeholders_name_themselves_and_the_known_ones() {
        let err = render("Tune {{ kye }}", &vars()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown placeholder `{{ kye }}` at line 1, column 6 (did you mean `key`?); known placeholders: key, target.file"
        );
        let err = render("a\nbb {{ nope }}", &vars()).unwrap_err();
        assert_eq!(
            err,
            TemplateError::Unknown {
                name: "nope".to_owned(),
                at: TemplatePos { line: 2, column: 4 },
                suggestion: None,
                known: "key, target.file".to_owned()
            }
        );
        assert!(matches!(render("{{ }}", &vars()), Err(TemplateError::Empty { .. })));
    }

    #[test]
    fn a_lone_opening_is_an_error() {
        let err = render("fix/{{ key", &vars()).unwrap_err();
        assert_eq!(err.to_string(), "`{{` at line 1, column 5 has no closing `}}`; write a placeholder as `{{ key }}`");
        assert!(matches!(render("{{ a {{ key }}", &vars()), Err(TemplateError::Unclosed { .. })));
    }

    #[test]
    fn check_template_uses_the_fixed_variable_set() {
        for (name, _) in KNOWN_VARIABLES {
            check_template(&format!("x {{{{ {name} }}}} y")).unwrap();
        }
        let err = check_template("{{ key.kebap }}").unwrap_err();
        assert!(err.to_string().contains("did you mean `key.kebab`?"), "{err}");
        assert!(err.to_string().ends_with("known placeholders: date, drill.id, key, key.kebab, key.words, scenario.id, short_id, target.branch, target.dir, target.file, target.path, target.stem"), "{err}");
        assert!(check_template("{{ target }}").unwrap_err().to_string().contains("did you mean `target."), "prefix");
    }
}
