//! `firedrill validate`: check scenario files and `firedrill.yml`, printing every problem with file:line:column.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::Outcome;
use crate::action::workflow::{self, Level};
use crate::repo::{self, RepoError, Source};
use crate::scenario::{self, CONFIG_FILE, Config, Diagnostic, RepoPath, ScenarioFile};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files or folders (every *.yml and *.yaml inside, recursively; `firedrill.yml` is read as the
    /// repository settings). Default: `scenarios/`, and `firedrill.yml` when present.
    pub paths: Vec<PathBuf>,
    /// A checkout of the target repository (default: the current folder, for scenarios without
    /// `target.repo`): the fault and cover edits are applied to the files found there. A bare repository is
    /// read at each scenario's branch.
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// How to print problems [default: human, plus github under GitHub Actions].
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// `file:line:col: field: message` with a help line, on stderr.
    Human,
    /// GitHub Actions `::error` workflow commands, on stdout.
    Github,
}

/// The arguments, resolved: which files to read and how to report.
#[derive(Debug)]
struct Request {
    config: Option<PathBuf>,
    scenarios: Vec<PathBuf>,
    repo: PathBuf,
    /// `--repo` was given: scenarios with `target.repo` are checked against it too.
    repo_given: bool,
    human: bool,
    github: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let request = match Request::from_args(args) {
        Ok(r) => r,
        Err(message) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {message}");
            }
            return Ok(Outcome::Usage);
        }
    };
    let report = check(&request);
    let (stdout, stderr) = (io::stdout(), io::stderr());
    report.write(&request, &mut stdout.lock(), &mut stderr.lock())?;
    Ok(if report.diagnostics.is_empty() { Outcome::Ok } else { Outcome::Invalid })
}

impl Request {
    fn from_args(args: Args) -> Result<Request, String> {
        let (human, github) = match args.format {
            Some(OutputFormat::Human) => (true, false),
            Some(OutputFormat::Github) => (false, true),
            None => (true, std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")),
        };
        let paths = if args.paths.is_empty() {
            let default = PathBuf::from("scenarios");
            if !default.is_dir() {
                return Err("there is no `scenarios/` folder here: pass the scenario files or folders to check".into());
            }
            let config = super::lifecycle::config_path(&default, None);
            let mut paths = vec![default];
            if config.is_file() {
                paths.push(config);
            }
            paths
        } else {
            args.paths
        };
        let mut files = Vec::new();
        for path in &paths {
            if path.is_dir() {
                files.extend(
                    super::lifecycle::scenario_files(path)
                        .map_err(|e| format!("cannot read the folder `{}`: {e}", path.display()))?,
                );
                // A folder given to check may be a repository root: its settings file is checked too.
                files.extend([CONFIG_FILE, "firedrill.yaml"].iter().map(|n| path.join(n)).filter(|c| c.is_file()));
            } else if path.is_file() {
                files.push(path.clone());
            } else {
                return Err(format!("`{}` does not exist", path.display()));
            }
        }
        let mut seen = std::collections::HashSet::new();
        files.retain(|f| seen.insert(f.canonicalize().unwrap_or_else(|_| f.clone())));
        let (configs, scenarios): (Vec<PathBuf>, Vec<PathBuf>) =
            files.into_iter().partition(|f| super::lifecycle::is_config(f));
        if configs.len() > 1 {
            let list = configs.iter().map(|c| format!("`{}`", c.display())).collect::<Vec<_>>().join(", ");
            return Err(format!("several repository settings files: {list}; check one at a time"));
        }
        if scenarios.is_empty() && configs.is_empty() {
            let list = paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ");
            return Err(format!("no scenario files (*.yaml, *.yml) in {list}"));
        }
        let repo_given = args.repo.is_some();
        let repo = args.repo.unwrap_or_else(|| PathBuf::from("."));
        if !repo.is_dir() {
            return Err(format!("the --repo folder `{}` does not exist", repo.display()));
        }
        Ok(Request { config: configs.into_iter().next(), scenarios, repo, repo_given, human, github })
    }
}

/// What was checked and what was found.
struct Report {
    files: usize,
    scenarios: usize,
    with_config: bool,
    diagnostics: Vec<Diagnostic>,
    /// What could not be checked, and how to check it (notes: the scenarios are still valid).
    unchecked: Vec<Diagnostic>,
    /// What the scenarios are valid with, but should know: where the target's reach could not be followed.
    warnings: Vec<Diagnostic>,
}

/// Reads a scenario or settings file as text (at most [`repo::MAX_FILE_BYTES`]), or says why it cannot be
/// checked, at the first byte that is not UTF-8 when that is why.
pub(super) fn read(path: &Path) -> Result<String, Diagnostic> {
    let file = path.display().to_string();
    repo::read_named(path).map_err(|e| match e {
        RepoError::NotText { line, column, .. } => Diagnostic::new(
            &file,
            scenario::yaml::Pos { line, column },
            "",
            "the file is not UTF-8 text: this byte is not part of any UTF-8 character",
        )
        .hint("save the file as UTF-8"),
        RepoError::TooLarge { size, limit, .. } => Diagnostic::new(
            &file,
            scenario::yaml::Pos::START,
            "",
            format!("the file is {size} bytes, more than the {limit} bytes firedrill reads"),
        )
        .hint("a scenario is a few dozen lines: check that this is the file you meant"),
        other => Diagnostic::new(&file, scenario::yaml::Pos::START, "", format!("cannot read the file: {other}")),
    })
}

/// The local target check of one scenario: its fault and cover edits applied to the files `source` holds.
/// Returns the problems, and what could not be checked (a missing file, a target in another repository).
///
/// `validate` and `preview` both run it, so they refuse the same scenarios; `preview`, which needs the
/// files, passes `required` and gets an error where `validate` gets a note.
pub(super) fn check_target(
    file: &ScenarioFile,
    source: Option<&Source>,
    required: bool,
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let s = &file.scenario;
    let src = &file.source;
    let target = &s.target.path;
    let how = "pass --repo a checkout of the target repository (a work tree, or a bare clone read at the branch), \
               or run `firedrill doctor`, which reads it from the target repository";
    let tests = if s.fault.iter().any(|op| op.name() == "test") { ", nor its `test` operations" } else { "" };
    let Some(source) = source else {
        let repo = s.target.repo.as_ref().map_or_else(String::new, |r| format!(" (`{}`)", r.as_str()));
        let note = src.at_value(
            "target.repo",
            format!("not checked: the fault was not applied to {target}{tests}, which is in another repository{repo}"),
        );
        return (Vec::new(), vec![note.hint(how)]);
    };
    let branch = s.target.branch.as_str();
    let mut errors = Vec::new();
    let target_text = match source.read(branch, target.as_str()) {
        Ok(text) => text,
        Err(e @ (RepoError::NoFile { .. } | RepoError::NoFileAtBranch { .. } | RepoError::NoBranch { .. }))
            if !required =>
        {
            let note =
                src.at_value("target.path", format!("not checked: the fault was not applied to {target}{tests}: {e}"));
            return (Vec::new(), vec![note.hint(how)]);
        }
        Err(e) => {
            return (
                vec![src.at_value("target.path", e.to_string()).with_hint(e.hint().map(str::to_owned))],
                Vec::new(),
            );
        }
    };
    // Cover files are read up front, so that a refused read is reported at its own `cover[i].path`.
    let mut texts: std::collections::HashMap<RepoPath, Option<String>> = std::collections::HashMap::new();
    texts.insert(target.clone(), Some(target_text));
    for (i, edit) in s.cover.iter().enumerate() {
        let path = edit.file(&s.target);
        if texts.contains_key(path) {
            continue;
        }
        let text = match source.read(branch, path.as_str()) {
            Ok(text) => Some(text),
            Err(RepoError::NoFile { .. } | RepoError::NoFileAtBranch { .. }) => None,
            Err(e) => {
                errors.push(
                    src.at_value(&format!("cover[{i}].path"), e.to_string()).with_hint(e.hint().map(str::to_owned)),
                );
                continue;
            }
        };
        texts.insert(path.clone(), text);
    }
    if !errors.is_empty() {
        return (errors, Vec::new());
    }
    errors.extend(file.check_target(&mut |p: &RepoPath| texts.get(p).cloned().flatten()));
    (errors, Vec::new())
}

fn check(request: &Request) -> Report {
    let mut diagnostics = Vec::new();

    // STEP 1: the repository settings, whose defaults apply to every scenario.
    let config: Option<Config> = request.config.as_deref().and_then(|path| {
        let loaded = read(path).map_err(|d| vec![d]).and_then(|text| scenario::load_config(path, &text));
        loaded.map_err(|d| diagnostics.extend(d)).ok()
    });

    // STEP 2: each scenario on its own.
    let mut loaded: Vec<ScenarioFile> = Vec::new();
    for path in &request.scenarios {
        match read(path).map_err(|d| vec![d]).and_then(|text| scenario::load_file(path, &text)) {
            Ok(file) => loaded.push(file),
            Err(d) => diagnostics.extend(d),
        }
    }

    // STEP 3: rules across files.
    diagnostics.extend(scenario::check_set(&loaded, config.as_ref()));

    // STEP 4: fault and cover applied to the target files found in --repo (a scenario with `target.repo`
    // only when --repo names a checkout of it).
    let mut unchecked = Vec::new();
    let mut warnings = Vec::new();
    let source = Source::open_checkout(&request.repo).ok();
    // The branches of the repository --repo names, when it is a git repository: `target.branch` must be one of
    // them. Only when --repo is given: a checkout that validates its own scenarios (the Action's, a shallow one)
    // may hold only the branch it was checked out at.
    let branches = Source::open(&request.repo)
        .ok()
        .filter(|_| request.repo_given)
        .and_then(|s| s.branches().map(|b| (b, s.target_branch())));
    let defaults = Config::default();
    for file in &loaded {
        let local = file.scenario.target.repo.is_none() || request.repo_given;
        let source = source.as_ref().filter(|_| local);
        if let Some((branches, default)) = branches.as_ref().filter(|_| local)
            && let Some(missing) = missing_branch(file, branches, default.as_deref(), &request.repo)
        {
            diagnostics.push(missing);
            continue;
        }
        let (errors, notes) = check_target(file, source, false);
        // STEP 5: what renders the target, when it could be read: production refused (see `crate::reach`).
        if let Some(source) = source.filter(|_| errors.is_empty() && notes.is_empty()) {
            let (refused, warned) = check_reach(file, source, config.as_ref().unwrap_or(&defaults));
            diagnostics.extend(refused);
            warnings.extend(warned);
        }
        diagnostics.extend(errors);
        unchecked.extend(notes);
    }

    scenario::sort_diagnostics(&mut diagnostics);
    scenario::sort_diagnostics(&mut unchecked);
    scenario::sort_diagnostics(&mut warnings);
    Report {
        files: request.scenarios.len() + usize::from(request.config.is_some()),
        scenarios: request.scenarios.len(),
        with_config: request.config.is_some(),
        diagnostics,
        unchecked,
        warnings,
    }
}

/// An error at `target.branch` when the repository at `repo` has no such branch, naming its default branch.
fn missing_branch(
    file: &ScenarioFile,
    branches: &[String],
    default: Option<&str>,
    repo: &std::path::Path,
) -> Option<Diagnostic> {
    let branch = file.scenario.target.branch.as_str();
    if branches.is_empty() || branches.iter().any(|b| b == branch) {
        return None;
    }
    let hint = match default {
        Some(d) => format!("the repository's default branch is `{d}`: write `branch: {d}` under `target:`"),
        None => format!("write one of its branches under `target:` ({})", branches.join(", ")),
    };
    Some(
        file.source
            .at_value(
                "target.branch",
                format!("the branch `{branch}` does not exist in the git repository {}", repo.display()),
            )
            .hint(hint),
    )
}

/// The reach of one scenario's target in `source` ([`super::reach`]): the refusal, and the warnings.
pub(super) fn check_reach(file: &ScenarioFile, source: &Source, config: &Config) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    match super::reach::of_source(source, &file.scenario, config) {
        Ok(reach) => super::reach::diagnostics(file, &reach, config),
        Err(e) => (
            Vec::new(),
            vec![file.source.at_value(
                "target.path",
                format!(
                    "what renders {} was not followed: listing the repository failed: {e}",
                    file.scenario.target.path
                ),
            )],
        ),
    }
}

/// Writes problems (human form to `err`, GitHub annotations to `out`) and notes about what was not checked.
pub(super) fn write_diagnostics(
    diagnostics: &[Diagnostic],
    notes: &[Diagnostic],
    (human, github): (bool, bool),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    for (d, level) in diagnostics.iter().map(|d| (d, Level::Error)).chain(notes.iter().map(|d| (d, Level::Notice))) {
        if human {
            writeln!(err, "{d}")?;
        }
        if github {
            writeln!(out, "{}", workflow::diagnostic(d, level))?;
        }
    }
    Ok(())
}

/// Writes warnings: `warning: file:line:col: …` to `err`, `::warning` annotations to `out`.
pub(super) fn write_warnings(
    warnings: &[Diagnostic],
    (human, github): (bool, bool),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    for d in warnings {
        if human {
            writeln!(err, "warning: {d}")?;
        }
        if github {
            writeln!(out, "{}", workflow::diagnostic(d, Level::Warning))?;
        }
    }
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

impl Report {
    /// Problems go to `err` (human) and `out` (GitHub annotations); the summary line goes to `out`.
    fn write(&self, request: &Request, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
        let notes: &[Diagnostic] = if self.diagnostics.is_empty() { &self.unchecked } else { &[] };
        write_diagnostics(&self.diagnostics, notes, (request.human, request.github), out, err)?;
        write_warnings(&self.warnings, (request.human, request.github), out, err)?;
        writeln!(out, "{}", self.summary())
    }

    fn summary(&self) -> String {
        if self.diagnostics.is_empty() {
            let config = if self.with_config { format!(" ({CONFIG_FILE} valid)") } else { String::new() };
            let unchecked = match self.unchecked.len() {
                0 => String::new(),
                n => format!("; {n} not checked against the target files (see the notes)"),
            };
            return format!("{} valid{config}{unchecked}", plural(self.scenarios, "scenario"));
        }
        let mut bad: Vec<&str> = self.diagnostics.iter().map(|d| d.file.as_str()).collect();
        bad.dedup();
        format!("{} in {} of {}", plural(self.diagnostics.len(), "error"), bad.len(), plural(self.files, "file"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(n: usize, files: &[&str]) -> Report {
        let diagnostics = files.iter().map(|f| Diagnostic::new(*f, scenario::yaml::Pos::START, "id", "bad")).collect();
        Report { files: n, scenarios: n, with_config: false, diagnostics, unchecked: Vec::new(), warnings: Vec::new() }
    }

    #[test]
    fn summaries() {
        assert_eq!(report(3, &[]).summary(), "3 scenarios valid");
        assert_eq!(report(1, &[]).summary(), "1 scenario valid");
        assert_eq!(report(3, &["a", "a"]).summary(), "2 errors in 1 of 3 files");
        assert_eq!(report(1, &["a"]).summary(), "1 error in 1 of 1 file");
    }

    #[test]
    fn writes_both_forms() {
        let r = report(2, &["a.yaml"]);
        let request = Request {
            config: None,
            scenarios: Vec::new(),
            repo: ".".into(),
            repo_given: false,
            human: true,
            github: true,
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        r.write(&request, &mut out, &mut err).ok();
        assert_eq!(String::from_utf8_lossy(&err), "a.yaml:1:1: id: bad\n");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "::error file=a.yaml,line=1,col=1,title=firedrill validate::id: bad\n1 error in 1 of 2 files\n"
        );
    }
}
