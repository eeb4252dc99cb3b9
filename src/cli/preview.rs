//! `firedrill preview SCENARIO --repo PATH`: the exact diff, branch, commit, pull request and times of the
//! next drill, without writing anything.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::Timestamp;

use super::{CliError, CliResult, Kind, validate};
use crate::deployers;
use crate::drill::prepare::{self, PrepareError};
use crate::kustomize;
use crate::render;
use crate::repo::Source;
use crate::scenario::{self, Diagnostic};

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

pub fn run(args: Args) -> CliResult {
    let shown = args.scenario.clone();
    let path = locate(&args.scenario, &args.scenarios)?;
    let config = super::lifecycle::load_config(&args.scenarios, args.config.as_deref())?;
    let source = match Source::open(&args.repo) {
        Ok(s) => s,
        Err(e) => return Err(CliError::usage(format!("--repo: {e}"))),
    };
    // STEP 1: the rules `validate` applies, on this scenario and the target files it would change.
    let file = match validate::read(&path).map_err(|d| vec![d]).and_then(|text| scenario::load_file(&path, &text)) {
        Ok(f) => f,
        Err(diagnostics) => return refuse(&diagnostics),
    };
    let mut diagnostics = scenario::check_set(std::slice::from_ref(&file), Some(&config));
    let (errors, unchecked) = validate::check_target(&file, Some(&source), true);
    // A preview needs the files: a target it cannot read is an error here.
    diagnostics.extend(errors.into_iter().chain(unchecked));
    if !diagnostics.is_empty() {
        scenario::sort_diagnostics(&mut diagnostics);
        return refuse(&diagnostics);
    }
    // STEP 1b: every environment that renders the target; production is refused here as in `validate`.
    let (tree, warnings) = match super::reach::of_source(&source, &file.scenario, &config) {
        Ok(reach) => {
            let tree = render::preview::reach(&reach, &config.environments, config.allow_production);
            let (refused, warnings) = super::reach::diagnostics(&file, &reach, &config);
            if !refused.is_empty() {
                std::io::stdout().lock().write_all(format!("── Where it lands ──\n{tree}\n").as_bytes())?;
                return refuse(&refused);
            }
            (tree, warnings)
        }
        Err(e) => (format!("warning: not followed: listing the files of the target branch failed: {e}\n"), Vec::new()),
    };
    // STEP 2: the draft, exactly as the drill would write it.
    let mut scenario = file.scenario;
    scenario.apply_defaults(&config.defaults);
    let branch = scenario.target.branch.as_str().to_owned();
    let now = args.now.unwrap_or_else(Timestamp::now);
    // With `variants:`, the next drill runs the variant its id picks; the next occurrences are listed.
    let variants = variant_lines(&scenario, now);
    if !scenario.variants.is_empty() {
        let id = prepare::plan(&scenario, now)
            .ok()
            .flatten()
            .map_or_else(|| crate::schedule::DrillId::new(scenario.id.as_str(), now), |p| p.drill_id);
        scenario = scenario.for_drill(id.as_str(), None).into_owned();
    }
    let draft = prepare::draft(&scenario, now, |path| {
        source.read(&branch, path).map_err(|e| (e.to_string(), e.hint().map(str::to_owned)))
    });
    let mut draft = match draft {
        Ok(d) => d,
        Err(e) => return Err(CliError::invalid(format!("{shown}: {}", crate::redact::secrets(&describe(&e))))),
    };
    // The wording fitted to the team's recent work on the branch, as the drill will write it.
    let recent = source.recent_work(&branch);
    let style = match prepare::disguise_in_style(&scenario, &draft.drill_id, draft.plan.as_ref(), now, recent.as_ref())
    {
        Ok((disguise, style)) => {
            draft.disguise = disguise;
            style
        }
        Err(e) => return Err(CliError::invalid(format!("{shown}: {}", crate::redact::secrets(&describe(&e))))),
    };
    let overlays = overlays(&source, &branch, scenario.target.path.as_str());
    let (deployed, _) = deployed_by(&source, &scenario);
    let out = render::preview::with_sections(
        &scenario,
        &draft,
        &source.describe(),
        overlays.as_deref(),
        Some(&deployed),
        Some(&tree),
    );
    let (stderr, github) = (std::io::stderr(), std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"));
    validate::write_warnings(&warnings, (true, github), &mut std::io::stdout().lock(), &mut stderr.lock())?;
    let mut stdout = std::io::stdout().lock();
    // A bot's token shows on the pull request this preview drafts: said before the first drill.
    let workflow_token = std::env::var("GITHUB_TOKEN").ok();
    if let Some(why) =
        std::env::var("FIREDRILL_TOKEN").ok().and_then(|t| render::doctor::bot_token(&t, workflow_token.as_deref()))
    {
        writeln!(stdout, "warning: {}", render::doctor::bot_warning(why)).context("writing to stdout")?;
    }
    stdout.write_all(variants.as_bytes()).context("writing to stdout")?;
    if let Some(style) = &style {
        writeln!(stdout, "Written like the team: {}.", style.describe()).context("writing to stdout")?;
    }
    stdout.write_all(out.as_bytes()).context("writing to stdout")?;
    if let Some(repo) = &scenario.target.repo {
        // The preview reads files, never an API: the branch's guard rails are `doctor`'s (and `start`'s) to read.
        writeln!(
            stdout,
            "Guard rails: not read here (no API); `firedrill doctor` reads the protection and rulesets of `{branch}` in \
             {} and says whether they let the merge and the revert through.",
            repo.as_str()
        )
        .context("writing to stdout")?;
    }
    Ok(())
}

/// How many of the next occurrences the preview names the variant of.
const VARIANT_OCCURRENCES: usize = 5;

/// `Variants: …` and the variant each of the next occurrences uses (empty without variants).
fn variant_lines(scenario: &scenario::Scenario, now: Timestamp) -> String {
    if scenario.variants.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
    let mut out = format!("Variants: {} (one per occurrence, picked by the drill id)\n", names.join(", "));
    let mut at = now;
    for _ in 0..VARIANT_OCCURRENCES {
        let Ok(Some(plan)) = prepare::plan(scenario, at) else {
            let id = crate::schedule::DrillId::new(scenario.id.as_str(), now);
            let name = scenario.variant(id.as_str()).map_or("", |v| v.name.as_str());
            out.push_str(&format!("  started by hand now ({id}): variant {name}\n"));
            break;
        };
        let name = scenario.variant(plan.drill_id.as_str()).map_or("", |v| v.name.as_str());
        out.push_str(&format!("  {} ({}): variant {name}\n", plan.occurrence, plan.drill_id));
        at = plan.occurrence + jiff::SignedDuration::from_secs(60);
    }
    out.push('\n');
    out
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

/// The most file paths listed to look for what deploys the target.
pub const MAX_LISTED: usize = 100_000;

/// The target's files at its branch, as a preview reads them wherever they are: a local source (a clone, a
/// folder) or a forge through its API (the Action's preview of a target in another repository).
pub struct TargetFiles<'a> {
    /// Where they are read, for people: `git repository ../shop`, `acme/shop at main (1a2b3c4)`.
    pub describe: String,
    /// The repository's default branch, where it says (what `HEAD` means to Argo CD).
    pub default_branch: Option<String>,
    /// Every file's path and whether the listing is whole; `Err`: why it could not be listed.
    pub listing: Result<(Vec<String>, bool), String>,
    /// A file's text; `Err`: what went wrong, and what to do about it.
    pub read: &'a dyn Fn(&str) -> crate::drill::prepare::ReadResult,
}

impl TargetFiles<'_> {
    /// The files of `source` at `branch` (at most [`MAX_LISTED`] listed), read by `read`.
    pub fn of_source<'a>(
        source: &Source,
        branch: &str,
        read: &'a dyn Fn(&str) -> crate::drill::prepare::ReadResult,
    ) -> TargetFiles<'a> {
        let listing = source
            .find_files(branch, &|_| true, MAX_LISTED)
            .map(|paths| {
                let whole = paths.len() < MAX_LISTED;
                (paths, whole)
            })
            .map_err(|e| e.to_string());
        TargetFiles { describe: source.describe(), default_branch: source.default_branch(), listing, read }
    }

    /// A file's text, `None` when it cannot be read.
    pub fn text(&self, path: &str) -> Option<String> {
        (self.read)(path).ok()
    }
}

/// How [`TargetFiles`] reads `source` at `branch`.
pub fn source_reader(source: &Source, branch: &str) -> impl Fn(&str) -> crate::drill::prepare::ReadResult {
    let (source, branch) = (source.clone(), branch.to_owned());
    move |path: &str| source.read(&branch, path).map_err(|e| (e.to_string(), e.hint().map(str::to_owned)))
}

/// The "Deployed by" section: what in the source deploys the target file from its branch (see
/// [`crate::deployers`]), and the warning when nothing does. A listing that fails says so; the rest of the
/// preview stands without it.
pub fn deployed_by(source: &Source, scenario: &scenario::Scenario) -> (String, Option<String>) {
    let read = source_reader(source, scenario.target.branch.as_str());
    deployed_by_files(&TargetFiles::of_source(source, scenario.target.branch.as_str(), &read), scenario)
}

/// [`deployed_by`] over files read wherever they are.
pub fn deployed_by_files(files: &TargetFiles<'_>, scenario: &scenario::Scenario) -> (String, Option<String>) {
    let t = &scenario.target;
    let branch = t.branch.as_str();
    let target = deployers::Target {
        path: t.path.as_str(),
        branch,
        default_branch: files.default_branch.as_deref(),
        repo: deployers::github_name(t.repo.as_ref()),
    };
    match &files.listing {
        Ok((paths, whole)) => {
            let found = deployers::look(paths, !whole, &target, |p| files.text(p));
            (render::preview::deployed_by(&found, &target), found.warning(&target))
        }
        Err(e) => (format!("not looked for: listing the files of `{branch}` failed: {e}\n"), None),
    }
}

/// Prints the problems as `validate` does (with annotations under GitHub Actions) and refuses.
fn refuse(diagnostics: &[Diagnostic]) -> CliResult {
    let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let (stdout, stderr) = (std::io::stdout(), std::io::stderr());
    validate::write_diagnostics(diagnostics, &[], (true, github), &mut stdout.lock(), &mut stderr.lock())?;
    Err(CliError::shown(Kind::Invalid))
}

/// The scenario file: `name` itself, or the file in `dir` whose id is `name`.
fn locate(name: &str, dir: &Path) -> CliResult<PathBuf> {
    if Path::new(name).is_file() {
        return Ok(PathBuf::from(name));
    }
    for path in super::lifecycle::scenario_files(dir).unwrap_or_default() {
        let found = validate::read(&path).ok().and_then(|text| scenario::load(&path, &text).ok());
        if found.is_some_and(|s| s.id.as_str() == name) {
            return Ok(path);
        }
    }
    // Not found: the lifecycle's lookup says why, with the ids it knows and a "did you mean".
    super::lifecycle::find_scenario(name, dir)?;
    Err(CliError::invalid(format!("no scenario file with the id `{name}` in {}", dir.display())))
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
