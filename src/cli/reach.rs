//! The reach analysis ([`crate::reach`]) of a scenario's target, read from a local source, and what
//! `validate` and `preview` say of it.

use super::preview::TargetFiles;
use crate::reach::{self, Reach};
use crate::repo::Source;
use crate::scenario::{Config, Diagnostic, Scenario, ScenarioFile};

/// Where the target of `s` lands, read from `source` at the target branch; `Err` says why it
/// could not be listed.
pub fn of_source(source: &Source, s: &Scenario, config: &Config) -> Result<Reach, String> {
    let branch = s.target.branch.as_str();
    let read = super::preview::source_reader(source, branch);
    of_files(&TargetFiles::of_source(source, branch, &read), s, config)
}

/// [`of_source`] over files read wherever they are (a forge's API included).
pub fn of_files(files: &TargetFiles<'_>, s: &Scenario, config: &Config) -> Result<Reach, String> {
    let (paths, whole) = files.listing.as_ref().map_err(Clone::clone)?;
    let target = crate::deployers::Target {
        path: s.target.path.as_str(),
        branch: s.target.branch.as_str(),
        default_branch: files.default_branch.as_deref(),
        repo: crate::deployers::github_name(s.target.repo.as_ref()),
    };
    let keys = reach::fault_keys(s);
    Ok(reach::look(paths, !whole, target, &keys, &config.environments, |p| files.text(p)))
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
