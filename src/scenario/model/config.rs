//! The schema of `firedrill.yml`, the repository-wide settings: the ledger branch, the limits on targets, the
//! kill switch, the statistics and the defaults for every scenario; its doc comments become the JSON Schema's
//! descriptions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::settings::{DeploySettings, Disguise, MergeSettings, Safety, ScheduleDefaults};
use crate::scenario::observe::ObserveSettings;
use crate::scenario::value::{BranchName, Duration, GithubLogin};

/// The ledger branch used when `firedrill.yml` does not name one.
pub const DEFAULT_LEDGER_BRANCH: &str = "firedrill/ledger";

/// The repository-wide settings, `firedrill.yml` at the root of the control repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "firedrill.yml")]
pub struct Config {
    /// The branch of the control repository holding the drill ledger, reports and badges.
    #[serde(default = "default_ledger_branch")]
    pub ledger_branch: BranchName,
    /// Where GitHub Pages publishes the ledger branch's `docs/` folder (Settings → Pages → Deploy from a branch:
    /// the ledger branch, `/docs`), such as `https://acme.github.io/drills/`: reports link the history page there.
    /// Absent: they link `docs/history.md` on the branch, which GitHub shows rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<String>,
    /// Target branches drills may be merged into (`*` matches any characters). Absent: any branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_branches: Option<Vec<String>>,
    /// Values allowed for scenarios' `target.environment`. Absent: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_environments: Option<Vec<String>>,
    /// GitHub logins allowed to run game-master commands such as `/drill abort`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub game_masters: Vec<GithubLogin>,
    /// Allow targets that look like production (`prod`, `production` or `live` as a word of the target's branch,
    /// environment or path). Default: refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_production: bool,
    /// What each environment is, for teams whose names are their own: the names (Argo CD destinations, Flux
    /// cluster folders, Kustomize overlays, namespaces, GitHub environments; `*` matches any characters) that are
    /// production, staging or something else. Names not listed are judged by their words (`prod`, `live`:
    /// production; `staging`, `stage`, `preprod`: staging; `dev`, `test`, `qa`…: other).
    #[serde(default, skip_serializing_if = "Environments::is_empty")]
    pub environments: Environments,
    /// The kill switch: `true` (default) runs drills; `false` starts no new drill (running ones still end and
    /// are reported); `abort` reverts every active drill now and records it as aborted. The workflow's
    /// `FIREDRILL_ENABLED` variable, when set, overrides it.
    #[serde(default, skip_serializing_if = "Enabled::is_on")]
    #[schemars(with = "EnabledSetting")]
    pub enabled: Enabled,
    /// Where [`Config::enabled`] came from, when not from this file (the `FIREDRILL_ENABLED` variable).
    #[serde(skip)]
    #[schemars(skip)]
    pub enabled_from: Option<String>,
    /// No new drill opens or merges while an issue with this label is open in the target repository.
    #[serde(default = "default_incident_label", skip_serializing_if = "is_default_incident_label")]
    pub incident_label: String,
    /// How long the last real outage took to recover from, to compare drills with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_mttr: Option<Duration>,
    /// Settings applied to every scenario that does not set them itself.
    #[serde(default, skip_serializing_if = "Defaults::is_empty")]
    pub defaults: Defaults,
    /// What `firedrill stats`, the badges and the history page cover, and the badges' colours.
    #[serde(default, skip_serializing_if = "StatsSettings::is_default")]
    pub stats: StatsSettings,
}

/// What the statistics cover, and the colours of the badges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatsSettings {
    /// How many recent drills "the last N" covers (mean and median time to recovery, their badges); the trend
    /// compares them with the N drills before.
    #[serde(default = "default_last")]
    #[schemars(range(min = 1, max = 1000))]
    pub last: u32,
    /// Time-to-recovery badges: green at or under `green`, yellow at or under `yellow`, red above.
    #[serde(default = "default_recovery_colors")]
    pub time_to_recovery: DurationColors,
    /// The days-since-the-last-drill badge: green at or under `green` days, yellow at or under `yellow`, red
    /// above.
    #[serde(default = "default_days_colors")]
    pub days_since_drill: DayColors,
    /// The drills-this-quarter badge: green with at least `green` drills, yellow with fewer but at least one,
    /// red with none.
    #[serde(default = "default_quarter_colors")]
    pub drills_this_quarter: CountColors,
}

/// The environments of `firedrill.yml`, by class (see [`Config::environments`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environments {
    /// Names of production environments: a fault that reaches one is refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub production: Vec<String>,
    /// Names of staging environments: where drills belong.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staging: Vec<String>,
    /// Names of other environments (development, test, preview): neither production nor staging.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<String>,
}

impl Environments {
    pub fn is_empty(&self) -> bool {
        self.production.is_empty() && self.staging.is_empty() && self.other.is_empty()
    }
}

/// Colour thresholds for a time: green up to `green`, yellow up to `yellow`, red above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DurationColors {
    /// Green at or under this time.
    pub green: Duration,
    /// Yellow at or under this time (and over `green`); red above.
    pub yellow: Duration,
}

/// Colour thresholds for a number of days: green up to `green`, yellow up to `yellow`, red above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DayColors {
    /// Green at or under this many days.
    pub green: u32,
    /// Yellow at or under this many days (and over `green`); red above.
    pub yellow: u32,
}

/// Colour threshold for a count: green from `green`, yellow from one, red at zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountColors {
    /// Green from this many.
    #[schemars(range(min = 1))]
    pub green: u32,
}

fn default_last() -> u32 {
    10
}
fn default_recovery_colors() -> DurationColors {
    DurationColors { green: Duration::from_hours(1), yellow: Duration::from_hours(2) }
}
fn default_days_colors() -> DayColors {
    // A drill every quarter is the habit worth keeping; a month late is a warning.
    DayColors { green: 92, yellow: 122 }
}
fn default_quarter_colors() -> CountColors {
    CountColors { green: 1 }
}

impl Default for StatsSettings {
    fn default() -> Self {
        StatsSettings {
            last: default_last(),
            time_to_recovery: default_recovery_colors(),
            days_since_drill: default_days_colors(),
            drills_this_quarter: default_quarter_colors(),
        }
    }
}

impl StatsSettings {
    pub fn is_default(&self) -> bool {
        *self == StatsSettings::default()
    }
}

fn default_ledger_branch() -> BranchName {
    BranchName::unchecked(DEFAULT_LEDGER_BRANCH)
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ledger_branch: default_ledger_branch(),
            pages: None,
            allowed_branches: None,
            allowed_environments: None,
            game_masters: Vec::new(),
            allow_production: false,
            environments: Environments::default(),
            enabled: Enabled::On,
            enabled_from: None,
            incident_label: default_incident_label(),
            baseline_mttr: None,
            defaults: Defaults::default(),
            stats: StatsSettings::default(),
        }
    }
}

impl Config {
    /// Whether drills may be merged into `branch`.
    pub fn allows_branch(&self, branch: &str) -> bool {
        self.allowed_branches.as_ref().is_none_or(|list| list.iter().any(|p| glob_match(p, branch)))
    }
    /// Whether drills may target `environment`.
    pub fn allows_environment(&self, environment: &str) -> bool {
        self.allowed_environments.as_ref().is_none_or(|list| list.iter().any(|e| e == environment))
    }

    /// Sets the kill switch from the workflow's `FIREDRILL_ENABLED` variable. Unset or empty (a repository
    /// variable that does not exist reads as empty) leaves `enabled:` of `firedrill.yml`. A value that is none
    /// of `true`, `false`, `abort` switches new drills off: a kill switch that was mistyped must still stop
    /// drills, and the refusal line names the value.
    pub fn apply_enabled_env(&mut self, value: Option<&str>) {
        let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else { return };
        let (enabled, from) = match v.to_ascii_lowercase().as_str() {
            "true" => (Enabled::On, format!("FIREDRILL_ENABLED={v}")),
            "false" => (Enabled::Off, format!("FIREDRILL_ENABLED={v}")),
            "abort" => (Enabled::Abort, format!("FIREDRILL_ENABLED={v}")),
            _ => (Enabled::Off, format!("FIREDRILL_ENABLED={v:?}, which is not true, false or abort (read as false)")),
        };
        self.enabled = enabled;
        self.enabled_from = Some(from);
    }

    /// Where the kill switch was set, for messages: `enabled: false in firedrill.yml` or the variable.
    pub fn enabled_source(&self) -> String {
        self.enabled_from.clone().unwrap_or_else(|| format!("`enabled: {}` in firedrill.yml", self.enabled.as_str()))
    }
}

/// The kill switch of `firedrill.yml` (`enabled:`) or of the workflow (`FIREDRILL_ENABLED`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "EnabledSetting", into = "EnabledSetting")]
pub enum Enabled {
    /// Drills run.
    #[default]
    On,
    /// No new drill is planned, opened or merged; running drills still end and are reported.
    Off,
    /// Every active drill is reverted (or closed) now and recorded as aborted.
    Abort,
}

/// `enabled:` as written: a boolean, or the word `abort`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
enum EnabledSetting {
    /// `true` runs drills, `false` starts none.
    Switch(bool),
    /// `abort` reverts every active drill now.
    Word(AbortWord),
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
enum AbortWord {
    #[serde(rename = "abort")]
    Abort,
}

impl From<EnabledSetting> for Enabled {
    fn from(s: EnabledSetting) -> Self {
        match s {
            EnabledSetting::Switch(true) => Enabled::On,
            EnabledSetting::Switch(false) => Enabled::Off,
            EnabledSetting::Word(AbortWord::Abort) => Enabled::Abort,
        }
    }
}

impl From<Enabled> for EnabledSetting {
    fn from(e: Enabled) -> Self {
        match e {
            Enabled::On => EnabledSetting::Switch(true),
            Enabled::Off => EnabledSetting::Switch(false),
            Enabled::Abort => EnabledSetting::Word(AbortWord::Abort),
        }
    }
}

impl Enabled {
    pub fn is_on(&self) -> bool {
        *self == Enabled::On
    }

    /// The value as written in `firedrill.yml` and `FIREDRILL_ENABLED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Enabled::On => "true",
            Enabled::Off => "false",
            Enabled::Abort => "abort",
        }
    }
}

fn default_incident_label() -> String {
    "incident".to_owned()
}
fn is_default_incident_label(l: &String) -> bool {
    *l == default_incident_label()
}

/// The words that make a branch, an environment or a path look like production.
const PRODUCTION_WORDS: [&str; 3] = ["prod", "production", "live"];

/// The words of a name, for [`looks_like_production`]: runs of ASCII letters, split where a lowercase letter
/// is followed by an uppercase one, lowercased. Digits and every other character separate words, so
/// `eu-prod2/values.yaml` has the words `eu`, `prod`, `values`, `yaml`, and `product-api` has `product`, `api`.
pub fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphabetic() {
            if prev_lower && c.is_ascii_uppercase() && !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            current.push(c.to_ascii_lowercase());
            prev_lower = c.is_ascii_lowercase();
        } else {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The production word in `name`, if one of its [`words`] is `prod`, `production` or `live` (whole words
/// only: `product`, `delivery`, `liveness` and `prodigy` are not production).
pub fn looks_like_production(name: &str) -> Option<&'static str> {
    let words = words(name);
    PRODUCTION_WORDS.into_iter().find(|p| words.iter().any(|w| w == p))
}

/// Matches `text` against `pattern`, where `*` stands for any characters.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Defaults for every scenario.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Schedule settings (everything but `cron`).
    #[serde(default)]
    pub schedule: ScheduleDefaults,
    /// Safety limits.
    #[serde(default)]
    pub safety: Safety,
    /// How merges go through the base branch's guard rails.
    #[serde(default)]
    pub merge: MergeSettings,
    /// How firedrill learns when commits go live.
    #[serde(default)]
    pub deploy: DeploySettings,
    /// Commit and pull request texts.
    #[serde(default)]
    pub disguise: Disguise,
    /// Where the team's monitoring is (Prometheus, alerts, health), for every scenario.
    #[serde(default, skip_serializing_if = "ObserveSettings::is_empty")]
    pub observe: ObserveSettings,
}

impl Defaults {
    pub fn is_empty(&self) -> bool {
        *self == Defaults::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("main", "main"));
        assert!(!glob_match("main", "mainx"));
        assert!(glob_match("env/*", "env/staging"));
        assert!(glob_match("*-staging", "eu-staging"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b*c", "aXc"));
        assert!(!glob_match("ab*ba", "aba"));
        assert!(glob_match("*", "anything"));
    }

    #[test]
    fn production_is_a_whole_word_of_the_name() {
        for name in [
            "prod",
            "production",
            "live",
            "eu-prod",
            "k8s/prod/app.yaml",
            "values-production.yaml",
            "env/live",
            "prod1",
            "eu_prod-2",
            "valuesProd.yaml",
            "PRODUCTION",
            "config/Live/db.env",
        ] {
            assert!(looks_like_production(name).is_some(), "{name}");
        }
        for name in [
            "product-api",
            "delivery",
            "liveness",
            "prodigy",
            "reproduce",
            "staging",
            "olive/values.yaml",
            "charts/products/values.yaml",
            "pre-prd",
        ] {
            assert_eq!(looks_like_production(name), None, "{name}");
        }
        assert_eq!(words("eu-prod2/valuesStaging.yaml"), ["eu", "prod", "values", "staging", "yaml"]);
    }

    #[test]
    fn the_kill_switch_variable_overrides_the_file_and_a_typo_switches_drills_off() {
        let mut c = Config::default();
        c.apply_enabled_env(Some(""));
        assert_eq!((c.enabled, c.enabled_from.as_deref()), (Enabled::On, None));
        c.apply_enabled_env(Some("false"));
        assert_eq!(c.enabled, Enabled::Off);
        assert_eq!(c.enabled_source(), "FIREDRILL_ENABLED=false");
        c.apply_enabled_env(Some("ABORT"));
        assert_eq!(c.enabled, Enabled::Abort);
        c.apply_enabled_env(Some("flase"));
        assert_eq!(c.enabled, Enabled::Off);
        assert!(c.enabled_source().contains("\"flase\", which is not true, false or abort"), "{}", c.enabled_source());
        assert_eq!(Config::default().enabled_source(), "`enabled: true` in firedrill.yml");
    }
}
