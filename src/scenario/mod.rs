//! Drill scenarios and `firedrill.yml`: the typed model, its JSON Schema, and loading that reports every
//! problem with the file, line and column of the key or value at fault.
//!
//! Loading goes in three passes over one positioned YAML tree ([`yaml`]):
//! 1. the shape, against the JSON Schema generated from the model ([`shape`]): unknown keys, missing keys,
//!    wrong types, and each scalar value through its own parser ([`value`]);
//! 2. typed deserialisation of the checked tree into [`Scenario`] or [`Config`];
//! 3. the rules no schema can say ([`rules`]): a fault that changes something and can be recognised later,
//!    cover edits that leave it alone, values YAML 1.1 tools would misread, and so on.
//!
//! Rules across files ([`check_set`]) and the local target check ([`ScenarioFile::check_target`]) come on top.

pub mod builder;
mod diagnostic;
mod fault;
mod model;
mod observe;
mod rules;
mod shape;
mod source;
mod target;
mod value;
mod variant;
pub mod yaml;

use std::path::Path;
use std::sync::LazyLock;

pub use diagnostic::{Diagnostic, sort as sort_diagnostics};
pub use fault::{Expected, FaultCheck, same_value};
pub use model::{
    Announce, Author, Config, CountColors, CoverEdit, DEFAULT_DEPLOY_WATCH, DEFAULT_LEDGER_BRANCH,
    DEFAULT_MAX_DURATION, DEFAULT_MAX_LATENESS, DEFAULT_MERGE_MAX_WAIT, DEFAULT_MERGE_OPEN_FOR, DayColors, Defaults,
    DeploySettings, DeploySignal, Disguise, DocumentSpec, DurationColors, Enabled, Environments, Expect, Hint,
    MergeSettings, NamedDocument, PatchOp, Safety, Scenario, Schedule, ScheduleDefaults, StatsSettings, Target,
    glob_match, looks_like_production, to_patch, words,
};
pub use observe::{DEFAULT_EFFECT_WITHIN, ObserveAuth, ObserveExpect, ObserveSettings, PROMETHEUS_URL_ENV};
pub use source::Source;
pub use value::{
    BranchName, CronExpr, Date, Duration, GithubLogin, JsonPointer, RepoKind, RepoPath, RepoRef, ScenarioId,
    TimeZoneName, ValueError, slugify,
};
pub use variant::Variant;

use shape::{FieldPath, Shape};
use yaml::Pos;

/// The name of the repository-wide settings file.
pub const CONFIG_FILE: &str = "firedrill.yml";

static SCENARIO_SCHEMA: LazyLock<serde_json::Value> = LazyLock::new(|| schema_value(schemars::schema_for!(Scenario)));
static CONFIG_SCHEMA: LazyLock<serde_json::Value> = LazyLock::new(|| schema_value(schemars::schema_for!(Config)));

fn schema_value(schema: schemars::Schema) -> serde_json::Value {
    schema.to_value()
}

/// The JSON Schema of scenario files (what `firedrill schema` prints).
pub fn scenario_schema() -> &'static serde_json::Value {
    &SCENARIO_SCHEMA
}

/// The JSON Schema of `firedrill.yml` (what `firedrill schema --config` prints).
pub fn config_schema() -> &'static serde_json::Value {
    &CONFIG_SCHEMA
}

/// A scenario with the source it was loaded from, so that later checks can point into the file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioFile {
    pub scenario: Scenario,
    pub source: Source,
}

/// Loads one scenario file. `path` is only used to name the file in diagnostics.
pub fn load(path: &Path, text: &str) -> Result<Scenario, Vec<Diagnostic>> {
    load_file(path, text).map(|f| f.scenario)
}

/// Loads one scenario file, keeping its source for [`check_set`] and [`ScenarioFile::check_target`].
pub fn load_file(path: &Path, text: &str) -> Result<ScenarioFile, Vec<Diagnostic>> {
    let (scenario, source) = load_typed::<Scenario>(path, text, scenario_schema())?;
    let mut diags = rules::check_scenario(&source, &scenario);
    if diags.is_empty() {
        return Ok(ScenarioFile { scenario, source });
    }
    diagnostic::sort(&mut diags);
    Err(diags)
}

/// Loads `firedrill.yml`.
pub fn load_config(path: &Path, text: &str) -> Result<Config, Vec<Diagnostic>> {
    let (config, source) = load_typed::<Config>(path, text, config_schema())?;
    let mut diags = rules::check_config(&source, &config);
    if diags.is_empty() {
        return Ok(config);
    }
    diagnostic::sort(&mut diags);
    Err(diags)
}

/// Rules across scenario files: unique ids, and (with a config) allowed branches and environments, and
/// hints released before the drill's end once defaults are applied.
pub fn check_set(files: &[ScenarioFile], config: Option<&Config>) -> Vec<Diagnostic> {
    let mut diags = rules::check_set(files, config);
    diagnostic::sort(&mut diags);
    diags
}

/// Passes 1 and 2: the YAML, its shape, and the typed value.
fn load_typed<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
    schema: &serde_json::Value,
) -> Result<(T, Source), Vec<Diagnostic>> {
    let file = path.display().to_string();
    let one = |pos: Pos, message: String, hint: &str| Err(vec![Diagnostic::new(&file, pos, "", message).hint(hint)]);
    let mut documents = match yaml::parse(text) {
        Ok(docs) => docs,
        Err(e) => {
            let hint = e.hint.as_deref().unwrap_or(
                "check the indentation, and quote values that contain `: ` or start with `{`, `[`, `*`, `&` or `!`",
            );
            return one(e.pos, format!("invalid YAML: {}", e.message), hint);
        }
    };
    if documents.len() > 1 {
        return one(documents[1].pos, "the file holds several YAML documents".into(), "put one scenario per file");
    }
    let Some(root) = documents.pop().filter(|d| !d.is_null()) else {
        return one(Pos::START, "the file is empty".into(), "start from an example in docs/scenarios.md");
    };
    let mut shape = Shape::new(&file, schema);
    shape.check(&root, schema, &FieldPath::default(), None);
    if !shape.diags.is_empty() {
        let mut diags = shape.diags;
        diagnostic::sort(&mut diags);
        return Err(diags);
    }
    let json = root.to_json(&shape.as_string);
    match serde_json::from_value::<T>(json) {
        Ok(value) => Ok((value, Source { file, root })),
        // The shape check accepts only what deserialises; this is a safety net, not a user path.
        Err(e) => {
            one(Pos::START, format!("the file does not match the model: {e}"), "please report this as a firedrill bug")
        }
    }
}

#[cfg(test)]
mod tests;
