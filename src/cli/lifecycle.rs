//! What the commands on drills share: their arguments ([`Common`], [`At`], [`Act`]), loading scenarios and
//! settings, building the ledger and the forges, and printing a run's report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use jiff::Timestamp;

use super::{CliError, CliResult, Kind};
use crate::forge::Person;
use crate::forge::any::AnyForge;
use crate::forge::github::GitHubForge;
use crate::forge::local::LocalForge;
use crate::git::{MergeMethod, Token, lock};
use crate::ledger::Ledger;
use crate::runner::{Forges, Report, Runner, Settings};
use crate::scenario::{self, Config, RepoKind, Scenario};

#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// The folder of scenario files.
    #[arg(long, value_name = "DIR", default_value = "scenarios")]
    pub scenarios: PathBuf,
    /// The control repository whose ledger branch holds the drills' state: a path, a git URL, or a GitHub
    /// repository as `owner/name` (reached through the API).
    #[arg(long, value_name = "PATH|URL|OWNER/NAME")]
    pub control: String,
    /// The repository settings file. Default: `firedrill.yml` at the root of the control repository, which is
    /// the folder holding the scenarios folder.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Working folder for fetched repositories (default: a folder under the system's temporary folder).
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// Who firedrill acts as, `Name <email>`. Default: $FIREDRILL_IDENTITY, else on GitHub the drill token's
    /// owner as GitHub shows them (`GET /user`), else `firedrill <firedrill@localhost>`.
    #[arg(long, value_name = "NAME <EMAIL>")]
    pub identity: Option<String>,
    /// The GitHub API, for repositories named `owner/name` (GitHub Enterprise: `https://HOST/api/v3`).
    /// Default: $GITHUB_API_URL, or https://api.github.com.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// How drills are merged: merge (a merge commit), squash, fast-forward, or auto: the scenario's
    /// `merge.method`, else the first method the repository and the branch allow of merge, squash, fast-forward.
    // `std::option::Option`: clap's own handling of `Option` would not parse `auto` (the default) to `None`.
    #[arg(long, value_name = "METHOD", default_value = "auto", value_parser = merge_method())]
    pub merge_method: std::option::Option<MergeMethod>,
    /// A second account's token that approves the drill's pull request (and firedrill's revert pull request)
    /// when the base branch requires an approving review: the Action's `approver-token` input, else
    /// $FIREDRILL_APPROVER_TOKEN. Never an argument, never logged.
    #[arg(skip)]
    pub approver_token: Option<Token>,
}

/// `--now`: the instant a command acts at or describes. Each command words its help for itself, with
/// `#[command(mut_arg("now", |a| a.help(…)))]`.
#[derive(Debug, Clone, clap::Args)]
pub struct At {
    /// The instant to act at (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<Timestamp>,
}

impl At {
    /// The instant given, else now.
    pub fn now(&self) -> Timestamp {
        self.now.unwrap_or_else(Timestamp::now)
    }
}

/// `--now` and `--dry-run` of the commands that act on drills: `tick`, `start`, `command`, `observe`.
#[derive(Debug, Clone, clap::Args)]
pub struct Act {
    #[command(flatten)]
    pub at: At,
    /// Print what would be done; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl Act {
    /// The setup of `common` for the command `source` (writing nothing on a dry run), and the instant to act at.
    pub fn setup(&self, common: &Common, source: &str) -> CliResult<(Setup, Timestamp)> {
        Ok((common.setup(source, self.dry_run)?, self.at.now()))
    }

    /// Prints the run's report under `title`, which says so when the run was dry.
    pub fn print(&self, title: &str, report: &Report) -> CliResult {
        print_report(&format!("{title}{}", dry_note(self.dry_run)), report)
    }
}

/// What the title of a dry run's report adds.
pub fn dry_note(dry_run: bool) -> &'static str {
    if dry_run { " (dry run: nothing is written)" } else { "" }
}

/// Everything a lifecycle command needs, loaded and checked.
pub struct Setup {
    pub scenarios: Vec<Scenario>,
    pub config: Config,
    pub ledger: Ledger,
    pub forges: Forges<AnyForge>,
    pub settings: Settings,
    /// The working folder, locked for this run (released, and removed when private, when the setup is dropped).
    _workdir: Option<lock::Held>,
}

/// How long a run waits for another run sharing its working folder before it takes a private one.
const WORKDIR_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The working folder of this run under `root`, locked on first use (see [`lock::working_folder`]): no two
/// runs ever use the same git repositories on disk, and what a killed run left there is cleared.
/// `--merge-method`: clap lists and checks the words (its error names them), [`MergeMethod::choice`] reads them.
fn merge_method() -> impl clap::builder::TypedValueParser<Value = Option<MergeMethod>> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(["auto", "merge", "squash", "fast-forward"])
        .try_map(|word: String| MergeMethod::choice(&word))
}

fn work_folder<'h>(held: &'h mut Option<lock::Held>, root: &Path) -> anyhow::Result<&'h Path> {
    if held.is_none() {
        let folder = lock::working_folder(root, WORKDIR_WAIT)
            .with_context(|| format!("cannot lock the working folder {} (--workdir)", root.display()))?;
        *held = Some(folder);
    }
    held.as_ref().map(lock::Held::dir).context("the working folder is locked")
}

/// An API URL with `user:password@` would carry a secret into every log line and error that names the URL:
/// firedrill authenticates with the token, so the URL is refused before it is used anywhere.
fn refuse_userinfo(api_url: &str) -> CliResult {
    let shown = crate::git::redact_url(api_url);
    if shown == api_url {
        return Ok(());
    }
    Err(CliError::invalid(format!(
        "the GitHub API URL `{shown}` holds a user name or password before `@`: firedrill authenticates with \
         the token (FIREDRILL_TOKEN), never with credentials in the URL; remove them"
    )))
}

/// `Name <email>` into the person firedrill acts as.
pub fn parse_identity(s: &str) -> CliResult<Person> {
    Person::parse(s).map_err(|e| CliError::invalid(format!("identity {e}")))
}

/// Whether `path` is a repository settings file rather than a scenario.
pub fn is_config(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n == scenario::CONFIG_FILE || n == "firedrill.yaml")
}

/// The one answer to "which files are scenarios": every `*.yml`/`*.yaml` under `dir`, recursively, in a stable
/// order, skipping hidden entries and settings files. `validate`, `tick`, `start`, `preview` and the Action all
/// ask here.
pub fn scenario_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
        entries.sort();
        for path in entries {
            if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
                continue;
            }
            if path.is_dir() {
                walk(&path, out)?;
            } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| e == "yaml" || e == "yml")
                && !is_config(&path)
            {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    Ok(out)
}

/// The one answer to "where is `firedrill.yml`": the file given, else the root of the control repository,
/// which is the folder holding the scenarios folder (`scenarios/../firedrill.yml`).
pub fn config_path(scenarios_dir: &Path, explicit: Option<&Path>) -> PathBuf {
    match explicit {
        Some(p) => p.to_path_buf(),
        None => scenarios_dir.parent().unwrap_or(Path::new("")).join(scenario::CONFIG_FILE),
    }
}

/// The scenarios of a folder, or every problem found.
pub fn load_scenarios(dir: &Path) -> CliResult<Vec<Scenario>> {
    let paths = scenario_files(dir)
        .map_err(|e| CliError::invalid(format!("cannot read the scenarios folder {}: {e}", dir.display())))?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        match scenario::load(&p, &text) {
            Ok(s) => out.push(s),
            Err(d) => problems.extend(d.iter().map(ToString::to_string)),
        }
    }
    if !problems.is_empty() {
        return Err(CliError::invalid(format!(
            "invalid scenarios (run `firedrill validate`):\n{}",
            problems.join("\n")
        )));
    }
    Ok(out)
}

/// The one answer to "which scenario does NAME mean": a scenario file's path, or the id of a scenario in
/// `dir`. No match lists the ids, with a "did you mean" for a near miss.
pub fn find_scenario(name: &str, dir: &Path) -> CliResult<Scenario> {
    let as_path = Path::new(name);
    if as_path.is_file() {
        let text = std::fs::read_to_string(as_path).with_context(|| format!("reading {name}"))?;
        return scenario::load(as_path, &text).map_err(|d| {
            let lines: Vec<String> = d.iter().map(ToString::to_string).collect();
            CliError::invalid(format!(
                "{name} is not a valid scenario (run `firedrill validate {name}`):\n{}",
                lines.join("\n")
            ))
        });
    }
    let mut all = load_scenarios(dir)?;
    if let Some(i) = all.iter().position(|s| s.id.as_str() == name) {
        return Ok(all.swap_remove(i));
    }
    let ids: Vec<&str> = all.iter().map(|s| s.id.as_str()).collect();
    let guess = crate::suggest::did_you_mean(name, ids.iter().copied())
        .map(|g| format!(" (did you mean `{g}`?)"))
        .unwrap_or_default();
    Err(CliError::invalid(format!(
        "no scenario `{name}`{guess}: give a scenario file or one of the ids in {}: {}",
        dir.display(),
        if ids.is_empty() { "(none)".to_owned() } else { ids.join(", ") }
    )))
}

/// `firedrill.yml` as [`config_path`] finds it; absent (and not given explicitly) means the defaults.
pub fn load_config(scenarios_dir: &Path, explicit: Option<&Path>) -> CliResult<Config> {
    let path = config_path(scenarios_dir, explicit);
    if !path.is_file() {
        if explicit.is_some() {
            return Err(CliError::invalid(format!("the settings file {} does not exist", path.display())));
        }
        return Ok(Config::default());
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    scenario::load_config(&path, &text).map_err(|d| {
        CliError::invalid(format!(
            "{} is invalid:\n{}",
            path.display(),
            d.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        ))
    })
}

/// A stable folder name for a repository URL inside the working folder.
fn slot(url: &str) -> String {
    let h = crate::schedule::seed::fnv1a64(url.as_bytes());
    let tail: String = url
        .rsplit(['/', '\\'])
        .find(|s| !s.is_empty())
        .unwrap_or("repo")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
        .collect();
    format!("{tail}-{h:016x}")
}

/// Where a scenario's `target.repo` is, for the local forge.
fn resolve_repo(repo: &str, kind: RepoKind) -> anyhow::Result<String> {
    match kind {
        RepoKind::Url => Ok(repo.to_owned()),
        RepoKind::Path => {
            let expanded = match repo.strip_prefix("~/") {
                Some(rest) => PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(rest),
                None => PathBuf::from(repo),
            };
            let path = std::path::absolute(&expanded).unwrap_or(expanded);
            // firedrill pushes to repositories as a forge would, and git cannot push into a clone's work tree.
            if let Ok(r) = crate::git::Repo::open(&path)
                && !r.is_bare()
            {
                bail!(
                    "{} is a clone with a work tree: firedrill pushes branches and merges the way a forge does, \
                     so give it the repository the clone came from (`git remote get-url origin`), a bare \
                     repository, or a GitHub `owner/name`",
                    path.display()
                );
            }
            Ok(path.display().to_string())
        }
        RepoKind::GitHub => {
            bail!("target.repo `{repo}` is a GitHub repository; the local forge needs a path or a git URL")
        }
    }
}

impl Common {
    pub fn setup(&self, source: &str, dry_run: bool) -> CliResult<Setup> {
        // Tokens come only from the environment: never from arguments, which other users can read.
        // FIREDRILL_TOKEN opens and merges drills; FIREDRILL_CONTROL_TOKEN (else the same) writes the ledger.
        let env = |name: &str| std::env::var(name).ok().filter(|t| !t.is_empty()).map(Token::new);
        let token = env("FIREDRILL_TOKEN");
        let control = env("FIREDRILL_CONTROL_TOKEN").or_else(|| token.clone());
        self.setup_with_tokens(source, dry_run, control, token)
    }

    /// [`Common::setup`] with one token for everything.
    pub fn setup_with_token(&self, source: &str, dry_run: bool, token: Option<Token>) -> CliResult<Setup> {
        self.setup_with_tokens(source, dry_run, token.clone(), token)
    }

    /// [`Common::setup`] with the tokens given (the Action reads them from its inputs): `control_token` for the
    /// ledger (in the Action, the workflow's GITHUB_TOKEN), `target_token` for opening and merging drills (a
    /// personal or GitHub App token, so that merges start deploy workflows and pull requests look human).
    pub fn setup_with_tokens(
        &self,
        source: &str,
        dry_run: bool,
        control_token: Option<Token>,
        token: Option<Token>,
    ) -> CliResult<Setup> {
        let mut scenarios = load_scenarios(&self.scenarios)?;
        let mut config = load_config(&self.scenarios, self.config.as_deref())?;
        // The kill switch the workflow passes from a repository variable, flipped without a commit.
        config.apply_enabled_env(std::env::var("FIREDRILL_ENABLED").ok().as_deref());
        for s in &mut scenarios {
            s.apply_defaults(&config.defaults);
        }
        // Without an identity, firedrill acts as the drill token's owner where the forge can say who that is.
        let given =
            self.identity.clone().or_else(|| std::env::var("FIREDRILL_IDENTITY").ok().filter(|i| !i.is_empty()));
        let actor_from_token = given.is_none();
        let actor = parse_identity(given.as_deref().unwrap_or("firedrill <firedrill@localhost>"))?;
        let api_url = self
            .api_url
            .clone()
            .or_else(|| std::env::var("GITHUB_API_URL").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "https://api.github.com".to_owned());
        refuse_userinfo(&api_url)?;
        let github = |repo: &str, token: Option<&Token>| -> CliResult<GitHubForge> {
            let token = token
                .ok_or_else(|| CliError::failure(format!("{repo} is a GitHub repository: set FIREDRILL_TOKEN")))?;
            let approver = self
                .approver_token
                .clone()
                .or_else(|| std::env::var("FIREDRILL_APPROVER_TOKEN").ok().filter(|t| !t.is_empty()).map(Token::new));
            Ok(GitHubForge::new(&api_url, token, repo)?.with_approver(approver))
        };
        let root = self.workdir.clone().unwrap_or_else(|| std::env::temp_dir().join("firedrill-work"));
        // Locked on first use only: a run on GitHub alone clones nothing.
        let mut held = None;
        let control_kind = self.control.parse::<scenario::RepoRef>().map(|r| r.kind()).unwrap_or(RepoKind::Path);
        let ledger = match control_kind {
            RepoKind::GitHub => {
                Ledger::github(github(&self.control, control_token.as_ref())?, config.ledger_branch.as_str())
            }
            kind => {
                let control = resolve_repo(&self.control, kind)?;
                let dir = work_folder(&mut held, &root)?.join("ledger").join(slot(&control));
                Ledger::new(&control, config.ledger_branch.as_str(), &dir, control_token.clone())?
            }
        };
        let mut by_repo = BTreeMap::new();
        for s in &scenarios {
            let key = s.target.repo.as_ref().map(|r| r.as_str().to_owned());
            if by_repo.contains_key(&key) {
                continue;
            }
            // A target without `repo` is the control repository itself.
            let (repo, kind) = match &s.target.repo {
                Some(r) => (r.as_str().to_owned(), r.kind()),
                None => (self.control.clone(), control_kind),
            };
            let forge = match kind {
                RepoKind::GitHub => AnyForge::GitHub(github(&repo, token.as_ref())?),
                kind => {
                    let url = resolve_repo(&repo, kind)?;
                    let dir = work_folder(&mut held, &root)?.join("repos").join(slot(&url));
                    AnyForge::Local(LocalForge::new(&url, &dir, token.clone())?)
                }
            };
            by_repo.insert(key, forge);
        }
        let merge_method = self.merge_method;
        let baseline_mttr = config.baseline_mttr.map(|d| d.to_signed());
        // Links in reports and badges point at the control repository's web pages, where it has them.
        let links = crate::render::Links {
            control: match control_kind {
                RepoKind::GitHub => github(&self.control, control_token.as_ref()).ok().and_then(|f| {
                    use crate::forge::Forge as _;
                    f.web_url()
                }),
                _ => None,
            },
            pages: config.pages.clone(),
        };
        // The public files are rebuilt with the ledger's writes, from the figures of the drills that have ended.
        let ledger = {
            let (scenarios, config, links) = (scenarios.clone(), config.clone(), links.clone());
            ledger.publishing(Box::new(move |ended, now| {
                crate::render::ledger::public_files(ended, &scenarios, &config, now, &links)
            }))
        };
        let settings = Settings {
            actor,
            actor_from_token,
            source: source.to_owned(),
            merge_method,
            dry_run,
            baseline_mttr,
            links,
            observe: crate::observe::Observer::default(),
        };
        Ok(Setup { scenarios, config, ledger, forges: Forges { by_repo }, settings, _workdir: held })
    }
}

impl Setup {
    /// The runner over this setup's scenarios, ledger and forges.
    pub fn runner(&self) -> Runner<'_, AnyForge> {
        Runner {
            scenarios: &self.scenarios,
            config: &self.config,
            ledger: &self.ledger,
            forges: &self.forges,
            settings: self.settings.clone(),
        }
    }
}

/// Prints a run's report under `title` on stdout; the run is refused (exit 3) when a safety rule refused
/// something or a drill was abandoned in this run.
pub fn print_report(title: &str, report: &Report) -> CliResult {
    use std::io::Write as _;
    std::io::stdout().lock().write_all(render_report(title, report).as_bytes()).context("writing to stdout")?;
    if let Some(path) = std::env::var_os(EFFECTS_LOG) {
        let text: String = report.effects.iter().map(|(drill, e)| format!("{drill}\t{e:?}\n")).collect();
        std::fs::write(&path, text)
            .with_context(|| format!("writing the effects to {}", Path::new(&path).display()))?;
    }
    outcome(report)
}

/// Where a run writes the effects it carried out (under `--dry-run`: listed) as values, one `DRILL<TAB>EFFECT`
/// a line: what the tests compare a dry run with a real one on. Internal, not for users.
pub const EFFECTS_LOG: &str = "FIREDRILL_EFFECTS_LOG";

/// The result of a run that did not fail, whose report has said everything: a fault still live fails it (exit
/// 1), a refusal refuses it (exit 3).
pub fn outcome(report: &Report) -> CliResult {
    if !report.still_live.is_empty() {
        Err(CliError::shown(Kind::Failure))
    } else if report.refusals.is_empty() {
        Ok(())
    } else {
        Err(CliError::shown(Kind::Refused))
    }
}

/// The report of a run as numbered steps.
pub fn render_report(title: &str, report: &Report) -> String {
    crate::render::run::report(title, report)
}

/// A current-thread runtime for the async lifecycle.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")
}
