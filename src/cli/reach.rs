//! The reach analysis ([`crate::reach`]) of a scenario's target, read from a local source, and what
//! `validate` and `preview` say of it.

use crate::reach::{self, Reach};
use crate::repo::Source;
use crate::scenario::{Config, Diagnostic, Scenario, ScenarioFile};

/// The most file paths listed to follow what renders the target.
const MAX_LISTED: usize = 100_000;

/// Where the target of `s` lands, read from `source` at the target branch; `Err` says why it
/// could not be listed.
pub fn of_source(source: &Source, s: &Scenario, config: &Config) -> Result<Reach, String> {
    let branch = s.target.branch.as_str();
    let paths = source.find_files(branch, &|_| true, MAX_LISTED).map_err(|e| e.to_string())?;
    let truncated = paths.len() >= MAX_LISTED;
    let default_branch = source.default_branch();
    let target = crate::deployers::Target {
        path: s.target.path.as_str(),
        branch,
        default_branch: default_branch.as_deref(),
        repo: crate::deployers::github_name(s.target.repo.as_ref()),
    };
    let keys = reach::fault_keys(s);
    Ok(reach::look(&paths, truncated, target, &keys, &config.environments, |p| source.read(branch, p).ok()))
}

/// The refusal (an error at `target.path`) when the target reaches production and `allow_production` is not
/// set, and the warnings: what could not be followed, environments of unknown kind, production allowed.
pub fn diagnostics(file: &ScenarioFile, reach: &Reach, config: &Config) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let src = &file.source;
    let envs = &config.environments;
    let mut errors = Vec::new();
    let mut warnings: Vec<Diagnostic> = reach.warnings().into_iter().map(|w| src.at_value("target.path", w)).collect();
    if let Some(what) = reach.production_route(envs) {
        if config.allow_production {
            warnings.push(
                src.at_value("target.path", format!("{what}; allowed by `allow_production: true` in firedrill.yml")),
            );
        } else {
            errors.push(src.at_value("target.path", what).hint(reach.fix_or_consent()));
        }
    }
    (errors, warnings)
}
