//! `firedrill preview SCENARIO --repo PATH`: the exact diff, branch, commit, pull request and times of the
//! next drill, without writing anything.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use jiff::Timestamp;

use super::Outcome;
use crate::drill::prepare::{self, PrepareError};
use crate::kustomize;
use crate::render;
use crate::repo::Source;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario: a scenario file, or the id of a scenario in the scenarios folder.
    pub scenario: String,
    /// The folder of scenario files (to find a scenario by id, and `firedrill.yml` beside it).
    #[arg(long, value_name = "DIR", default_value = "scenarios")]
    pub scenarios: PathBuf,
    /// The repository settings file. Default: `firedrill.yml` beside the scenarios folder.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the target files are: a git repository (read at the target branch) or a plain folder.
    #[arg(long, value_name = "PATH")]
    pub repo: PathBuf,
    /// The instant to plan from (RFC 3339, e.g. 2026-11-24T08:00:00Z); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<Timestamp>,
}

#[allow(clippy::print_stderr)]
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let shown = args.scenario.clone();
    let mut scenario = match super::lifecycle::find_scenario(&args.scenario, &args.scenarios) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(super::outcome_of(&e));
        }
    };
    let config = super::lifecycle::load_config(&args.scenarios, args.config.as_deref())?;
    scenario.apply_defaults(&config.defaults);
    let source = match Source::open(&args.repo) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: --repo: {e}");
            return Ok(Outcome::Usage);
        }
    };
    let branch = scenario.target.branch.as_str().to_owned();
    let now = args.now.unwrap_or_else(Timestamp::now);
    let draft = prepare::draft(&scenario, now, |path| {
        source.read(&branch, path).map_err(|e| (e.to_string(), e.hint().map(str::to_owned)))
    });
    let draft = match draft {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {shown}: {}", describe(&e));
            return Ok(Outcome::Invalid);
        }
    };
    let overlays = overlays(&source, &branch, scenario.target.path.as_str());
    let out = render::preview::with_overlays(&scenario, &draft, &source.describe(), overlays.as_deref());
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes()).context("writing to stdout")?;
    Ok(Outcome::Ok)
}

/// The most kustomization files read to say which overlays the target reaches.
const MAX_KUSTOMIZATIONS: usize = 2_000;

/// The Kustomize overlays `target` reaches, from every kustomization file of the source. `None` (nothing to
/// say) when none reaches it and no kustomization sits in a folder above it: a file outside any Kustomize
/// tree (a Helm values file) is not expected to be referenced. The listing failing also gives `None`: the
/// rest of the preview is right without this line.
fn overlays(source: &Source, branch: &str, target: &str) -> Option<Vec<kustomize::Affected>> {
    let files = source.find_files(branch, &kustomize::is_kustomization, MAX_KUSTOMIZATIONS).ok()?;
    let all: Vec<kustomize::Kustomization> = files
        .iter()
        .filter_map(|f| source.read(branch, f).ok().map(|text| kustomize::Kustomization::parse(f, &text)))
        .collect();
    let found = kustomize::affected(&all, target);
    let inside = all.iter().any(|k| k.dir.is_empty() || target.starts_with(&format!("{}/", k.dir)));
    (!found.is_empty() || inside).then_some(found)
}

fn describe(e: &PrepareError) -> String {
    match e {
        PrepareError::Read { hint: Some(h), .. } => format!("{e}\n  hint: {h}"),
        PrepareError::Patch { path, what, error } => {
            format!("the {what} does not apply:\n  {}", render::patch_error(path, error).replace('\n', "\n  "))
        }
        other => other.to_string(),
    }
}
