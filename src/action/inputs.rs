//! The Action's inputs (`INPUT_*`) and the runner's environment (`GITHUB_*`), read from a map of variables
//! handed in, never from the process environment, so they can be tested.
//!
//! GitHub passes input `drill-token` as `INPUT_DRILL-TOKEN`: the name upper-cased, spaces turned into `_`,
//! dashes kept. An empty value is the same as an absent one (that is what an unset optional input gives).

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::Timestamp;

use crate::git::{MergeMethod, Token};

/// A bad input value: which input, what was given, what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("input `{name}`: {message}")]
pub struct InputError {
    pub name: &'static str,
    pub message: String,
}

/// What the Action does; `auto` decides from the event that started the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Validate,
    Preview,
    Tick,
    Command,
}

impl Mode {
    pub const NAMES: &'static [&'static str] = &["auto", "validate", "preview", "tick", "command"];

    pub fn parse(s: &str) -> Option<Mode> {
        Some(match s {
            "auto" => Mode::Auto,
            "validate" => Mode::Validate,
            "preview" => Mode::Preview,
            "tick" => Mode::Tick,
            "command" => Mode::Command,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::Validate => "validate",
            Mode::Preview => "preview",
            Mode::Tick => "tick",
            Mode::Command => "command",
        }
    }
}

/// The inputs of `action.yml`, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    pub command: Mode,
    /// The folder of scenario files, relative to the workspace.
    pub scenarios: PathBuf,
    /// The repository settings file; `None`: `firedrill.yml` next to the scenarios folder when present.
    pub config: Option<PathBuf>,
    /// The workflow's token, for the control repository.
    pub github_token: Option<Token>,
    /// A personal or GitHub App token for the target repository (opening and merging the drill).
    pub drill_token: Option<Token>,
    /// How drills are merged: `merge`, `squash`, `rebase`; `None`: the scenario's preference, then the first the
    /// repository allows.
    pub merge_method: Option<MergeMethod>,
    /// A second account's token that approves the drill's pull request where the base branch requires a review.
    pub approver_token: Option<Token>,
    /// The REST API root (`https://api.github.com`, a GitHub Enterprise `…/api/v3`), or `local` for plain git.
    pub api_url: Option<String>,
    pub dry_run: bool,
    /// The instant to act at; default: the clock.
    pub now: Option<Timestamp>,
    /// The scenario id for `preview` and manual runs.
    pub scenario: Option<String>,
    /// The control repository for the local forge (a path or a git URL); default: the workspace checkout.
    pub control: Option<String>,
    /// Who firedrill acts as, `Name <email>`.
    pub identity: Option<String>,
}

/// Looks `name` up the way GitHub names input variables; empty counts as absent.
pub fn input<'a>(vars: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    let key = format!("INPUT_{}", name.replace(' ', "_").to_uppercase());
    vars.get(&key).map(String::as_str).filter(|v| !v.is_empty())
}

fn text(vars: &BTreeMap<String, String>, name: &str) -> Option<String> {
    input(vars, name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// The YAML 1.2 core booleans, which is what GitHub's `inputs.*` and `with:` values give.
fn boolean(vars: &BTreeMap<String, String>, name: &'static str) -> Result<bool, InputError> {
    match text(vars, name).as_deref() {
        None => Ok(false),
        Some("true" | "True" | "TRUE") => Ok(true),
        Some("false" | "False" | "FALSE") => Ok(false),
        Some(other) => Err(InputError { name, message: format!("`{other}` is not a boolean: use `true` or `false`") }),
    }
}

/// The tokens, before anything else is parsed, so they can be masked first.
pub fn tokens(vars: &BTreeMap<String, String>) -> Vec<Token> {
    // Tokens are not trimmed: a secret is used exactly as given.
    ["github-token", "drill-token", "approver-token"].iter().filter_map(|n| input(vars, n)).map(Token::new).collect()
}

impl Inputs {
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Result<Inputs, InputError> {
        let command = match text(vars, "command") {
            None => Mode::Auto,
            Some(c) => Mode::parse(&c).ok_or_else(|| InputError {
                name: "command",
                message: format!("`{c}` is not a command: use one of {}", Mode::NAMES.join(", ")),
            })?,
        };
        let now = match text(vars, "now") {
            None => None,
            Some(n) => Some(n.parse::<Timestamp>().map_err(|e| InputError {
                name: "now",
                message: format!("`{n}` is not an RFC 3339 instant ({e}): write e.g. `2026-11-24T09:00:00Z`"),
            })?),
        };
        Ok(Inputs {
            command,
            scenarios: text(vars, "scenarios").map_or_else(|| PathBuf::from("scenarios"), PathBuf::from),
            config: text(vars, "config").map(PathBuf::from),
            github_token: input(vars, "github-token").map(Token::new),
            drill_token: input(vars, "drill-token").map(Token::new),
            approver_token: input(vars, "approver-token").map(Token::new),
            merge_method: MergeMethod::choice(text(vars, "merge-method").as_deref().unwrap_or_default()).map_err(
                |e| InputError {
                    name: "merge-method",
                    message: format!("{e}: use `merge`, `squash`, `rebase`, or leave it empty"),
                },
            )?,
            api_url: text(vars, "api-url"),
            dry_run: boolean(vars, "dry-run")?,
            now,
            scenario: text(vars, "scenario"),
            control: text(vars, "control"),
            identity: text(vars, "identity"),
        })
    }

    /// The token that acts on the target: the drill token, else the workflow's token.
    pub fn target_token(&self) -> Option<&Token> {
        self.drill_token.as_ref().or(self.github_token.as_ref())
    }

    /// The token for the control repository's ledger: the workflow's `github-token`, else `drill-token`.
    pub fn control_token(&self) -> Option<&Token> {
        self.github_token.as_ref().or(self.drill_token.as_ref())
    }
}

/// The inputs given as `NAME=VALUE` (`firedrill action --input`), by name. A token input is refused: tokens
/// come from the environment, never from arguments, which other users of the machine can read.
pub fn local_inputs(given: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in given {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(format!("--input `{}`: write NAME=VALUE, e.g. `--input command=tick`", short(pair)));
        };
        let name = name.trim().to_lowercase();
        if name.ends_with("token") {
            return Err(format!(
                "--input {name}: tokens are read from the environment (FIREDRILL_TOKEN for drill-token, \
                 FIREDRILL_CONTROL_TOKEN for github-token, FIREDRILL_APPROVER_TOKEN for approver-token), never \
                 from arguments"
            ));
        }
        if !INPUT_NAMES.contains(&name.as_str()) {
            return Err(format!(
                "--input {}: not an input of action.yml (they are {})",
                short(&name),
                INPUT_NAMES.join(", ")
            ));
        }
        out.insert(name, value.to_owned());
    }
    Ok(out)
}

/// The inputs of `action.yml` that are not tokens.
pub const INPUT_NAMES: &[&str] =
    &["command", "scenarios", "config", "merge-method", "api-url", "dry-run", "now", "scenario", "control", "identity"];

/// At most 40 characters of what was given, for an error message.
fn short(text: &str) -> String {
    text.chars().take(40).collect()
}

/// What the runner tells every step about the run (`GITHUB_*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GithubEnv {
    pub actions: bool,
    pub event_name: Option<String>,
    pub event_path: Option<PathBuf>,
    /// `owner/name` of the repository the workflow runs in (the control repository).
    pub repository: Option<String>,
    pub workspace: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub step_summary: Option<PathBuf>,
    pub api_url: Option<String>,
    pub server_url: Option<String>,
    pub actor: Option<String>,
    pub run_id: Option<String>,
}

impl GithubEnv {
    pub fn from_vars(vars: &BTreeMap<String, String>) -> GithubEnv {
        let get = |k: &str| vars.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()).map(str::to_owned);
        GithubEnv {
            actions: get("GITHUB_ACTIONS").is_some_and(|v| v == "true"),
            event_name: get("GITHUB_EVENT_NAME"),
            event_path: get("GITHUB_EVENT_PATH").map(PathBuf::from),
            repository: get("GITHUB_REPOSITORY"),
            workspace: get("GITHUB_WORKSPACE").map(PathBuf::from),
            output: get("GITHUB_OUTPUT").map(PathBuf::from),
            step_summary: get("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            api_url: get("GITHUB_API_URL"),
            server_url: get("GITHUB_SERVER_URL"),
            actor: get("GITHUB_ACTOR"),
            run_id: get("GITHUB_RUN_ID"),
        }
    }

    /// A link to this run, when the runner says where it is.
    pub fn run_url(&self) -> Option<String> {
        Some(format!(
            "{}/{}/actions/runs/{}",
            self.server_url.as_ref()?,
            self.repository.as_ref()?,
            self.run_id.as_ref()?
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn inputs_keep_dashes_and_empty_means_absent() {
        let v = vars(&[
            ("INPUT_COMMAND", "tick"),
            ("INPUT_DRILL-TOKEN", "ghp_secret"),
            ("INPUT_GITHUB-TOKEN", ""),
            ("INPUT_API-URL", "local"),
            ("INPUT_DRY-RUN", "true"),
            ("INPUT_NOW", "2026-11-24T09:00:00Z"),
            ("INPUT_SCENARIO", " redis "),
            ("INPUT_CONFIG", ""),
        ]);
        let i = Inputs::from_vars(&v).unwrap();
        assert_eq!(i.command, Mode::Tick);
        assert_eq!(i.drill_token.as_ref().map(Token::expose), Some("ghp_secret"));
        assert_eq!(i.github_token, None);
        assert_eq!(i.api_url.as_deref(), Some("local"));
        assert!(i.dry_run);
        assert_eq!(i.now, Some("2026-11-24T09:00:00Z".parse().unwrap()));
        assert_eq!(i.scenario.as_deref(), Some("redis"));
        assert_eq!(i.config, None);
        assert_eq!(i.scenarios, PathBuf::from("scenarios"));
        assert_eq!(i.target_token().map(Token::expose), Some("ghp_secret"));
        // Debug never shows a token.
        assert!(!format!("{i:?}").contains("ghp_secret"));
        assert_eq!(tokens(&v).len(), 1);
    }

    #[test]
    fn defaults_and_errors_name_the_input() {
        let i = Inputs::from_vars(&BTreeMap::new()).unwrap();
        assert_eq!((i.command, i.dry_run, i.now), (Mode::Auto, false, None));
        let e = Inputs::from_vars(&vars(&[("INPUT_DRY-RUN", "yes")])).unwrap_err();
        assert_eq!(e.to_string(), "input `dry-run`: `yes` is not a boolean: use `true` or `false`");
        let e = Inputs::from_vars(&vars(&[("INPUT_COMMAND", "merge")])).unwrap_err();
        assert!(e.to_string().contains("use one of auto, validate, preview, tick, command"), "{e}");
        let e = Inputs::from_vars(&vars(&[("INPUT_NOW", "tomorrow")])).unwrap_err();
        assert!(e.to_string().starts_with("input `now`: `tomorrow` is not an RFC 3339 instant"), "{e}");
    }

    #[test]
    fn github_env() {
        let g = GithubEnv::from_vars(&vars(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "schedule"),
            ("GITHUB_REPOSITORY", "acme/drills"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_OUTPUT", ""),
        ]));
        assert!(g.actions);
        assert_eq!(g.event_name.as_deref(), Some("schedule"));
        assert_eq!(g.output, None);
        assert_eq!(g.run_url().as_deref(), Some("https://github.com/acme/drills/actions/runs/42"));
    }
}
