//! `firedrill validate`: check scenario files and `firedrill.yml`, printing every problem with file:line:column.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::Outcome;
use crate::scenario::{self, CONFIG_FILE, Config, Diagnostic, ScenarioFile};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files or folders (every *.yml and *.yaml inside, recursively; `firedrill.yml` is read as the
    /// repository settings). Default: `scenarios/`, and `firedrill.yml` when present.
    pub paths: Vec<PathBuf>,
    /// The folder target paths are relative to: for scenarios without `target.repo`, the fault and cover edits
    /// are applied to the files found there.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
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
        if !args.repo.is_dir() {
            return Err(format!("the --repo folder `{}` does not exist", args.repo.display()));
        }
        Ok(Request { config: configs.into_iter().next(), scenarios, repo: args.repo, human, github })
    }
}

/// What was checked and what was found.
struct Report {
    files: usize,
    scenarios: usize,
    with_config: bool,
    diagnostics: Vec<Diagnostic>,
}

/// Reads a file as text, or says why it cannot be checked.
fn read(path: &Path) -> Result<String, Diagnostic> {
    let file = path.display().to_string();
    let start = scenario::yaml::Pos::START;
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|_| Diagnostic::new(&file, start, "", "the file is not UTF-8 text").hint("save it as UTF-8")),
        Err(e) => Err(Diagnostic::new(&file, start, "", format!("cannot read the file: {e}"))),
    }
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

    // STEP 4: fault and cover applied to target files found locally.
    for file in loaded.iter().filter(|f| f.scenario.target.repo.is_none()) {
        let mut reader = |p: &scenario::RepoPath| std::fs::read_to_string(request.repo.join(p.as_path())).ok();
        diagnostics.extend(file.check_target(&mut reader));
    }

    scenario::sort_diagnostics(&mut diagnostics);
    Report {
        files: request.scenarios.len() + usize::from(request.config.is_some()),
        scenarios: request.scenarios.len(),
        with_config: request.config.is_some(),
        diagnostics,
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

impl Report {
    /// Problems go to `err` (human) and `out` (GitHub annotations); the summary line goes to `out`.
    fn write(&self, request: &Request, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
        for d in &self.diagnostics {
            if request.human {
                writeln!(err, "{d}")?;
            }
            if request.github {
                writeln!(out, "{}", d.github_annotation())?;
            }
        }
        writeln!(out, "{}", self.summary())
    }

    fn summary(&self) -> String {
        if self.diagnostics.is_empty() {
            let config = if self.with_config { format!(" ({CONFIG_FILE} valid)") } else { String::new() };
            return format!("{} valid{config}", plural(self.scenarios, "scenario"));
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
        Report { files: n, scenarios: n, with_config: false, diagnostics }
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
        let request = Request { config: None, scenarios: Vec::new(), repo: ".".into(), human: true, github: true };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        r.write(&request, &mut out, &mut err).ok();
        assert_eq!(String::from_utf8_lossy(&err), "a.yaml:1:1: id: bad\n");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "::error file=a.yaml,line=1,col=1,title=firedrill validate::id: bad\n1 error in 1 of 2 files\n"
        );
    }
}
