//! The settings a scenario sets and `defaults:` of `firedrill.yml` fills in: the disguise, the schedule, the
//! safety limits, the merge through the guard rails and the deploy signals, with the defaults of each.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::scenario::value::{CronExpr, Date, Duration, TimeZoneName};

/// Safety timer used when neither the scenario nor `firedrill.yml` sets `safety.max_duration`.
pub const DEFAULT_MAX_DURATION: Duration = Duration::from_hours(4);
/// Catch-up bound used when neither the scenario nor `firedrill.yml` sets `schedule.max_lateness`.
pub const DEFAULT_MAX_LATENESS: Duration = Duration::from_hours(1);

/// How the drill's commit and pull request look. Texts are templates: `{{ scenario.id }}`-style placeholders
/// are filled in when the drill is written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Disguise {
    /// Name of the branch the change is pushed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// The commit message (first line is the subject).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_message: Option<String>,
    /// The pull request title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_title: Option<String>,
    /// The pull request description (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_body: Option<String>,
    /// The commit author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Author>,
}

impl Disguise {
    pub fn is_empty(&self) -> bool {
        *self == Disguise::default()
    }
    /// Fills every field not set here from `defaults`.
    pub fn apply_defaults(&mut self, defaults: &Disguise) {
        let fill = |mine: &mut Option<String>, theirs: &Option<String>| {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        };
        fill(&mut self.branch, &defaults.branch);
        fill(&mut self.commit_message, &defaults.commit_message);
        fill(&mut self.pr_title, &defaults.pr_title);
        fill(&mut self.pr_body, &defaults.pr_body);
        if self.author.is_none() {
            self.author.clone_from(&defaults.author);
        }
    }
}

/// A git commit author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Author {
    pub name: String,
    pub email: String,
}

/// When the drill runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// When a drill is due: five cron fields (minute hour day-of-month month day-of-week) in `timezone`.
    pub cron: CronExpr,
    /// The IANA time zone of `cron` and `blackout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "UTC"))]
    pub timezone: Option<TimeZoneName>,
    /// The merge happens at an instant drawn inside this window after each cron occurrence (the same instant
    /// on every re-run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "0s"))]
    pub window: Option<Duration>,
    /// The pull request is opened this long before the merge instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "0s"))]
    pub open_before: Option<Duration>,
    /// A missed occurrence (late or skipped scheduled run) is still run when noticed within this delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "1h"))]
    pub max_lateness: Option<Duration>,
    /// Days on which no drill starts (in `timezone`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blackout: Vec<Date>,
}

impl Schedule {
    pub fn timezone(&self) -> TimeZoneName {
        self.timezone.clone().unwrap_or_else(TimeZoneName::utc)
    }
    pub fn window(&self) -> Duration {
        self.window.unwrap_or(Duration::ZERO)
    }
    pub fn open_before(&self) -> Duration {
        self.open_before.unwrap_or(Duration::ZERO)
    }
    pub fn max_lateness(&self) -> Duration {
        self.max_lateness.unwrap_or(DEFAULT_MAX_LATENESS)
    }
    /// Fills every field not set here from `defaults`; blackout dates are merged.
    pub fn apply_defaults(&mut self, defaults: &ScheduleDefaults) {
        if self.timezone.is_none() {
            self.timezone.clone_from(&defaults.timezone);
        }
        self.window = self.window.or(defaults.window);
        self.open_before = self.open_before.or(defaults.open_before);
        self.max_lateness = self.max_lateness.or(defaults.max_lateness);
        let mut dates = defaults.blackout.clone();
        dates.extend(self.blackout.iter().copied());
        dates.sort();
        dates.dedup();
        self.blackout = dates;
    }
}

/// Schedule settings shared by every scenario (everything but `cron`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleDefaults {
    /// The IANA time zone of every scenario's `cron` and `blackout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<TimeZoneName>,
    /// The merge window after each cron occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Duration>,
    /// How long before the merge instant the pull request is opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_before: Option<Duration>,
    /// How late a missed occurrence may still be run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lateness: Option<Duration>,
    /// Days on which no drill starts; added to each scenario's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blackout: Vec<Date>,
}

/// Limits that keep the drill safe.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Safety {
    /// The drill ends this long after the merge: the fault is reverted (when `auto_revert`) and the drill is
    /// reported as timed out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "4h"))]
    pub max_duration: Option<Duration>,
    /// Whether firedrill reverts the fault itself when `max_duration` has passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = true))]
    pub auto_revert: Option<bool>,
    /// A PromQL expression (asked from `observe`'s Prometheus on every run while the fault is live) that stops
    /// the drill when true (a non-empty result, or a scalar that is not `0`): the fault is reverted at once and the drill ends
    /// `aborted`, with the reason. Production's error ratio, or staging's outage spreading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_if: Option<String>,
    /// End the drill early when `observe.health` stayed true for `observe.expect.effect_within` after the fault
    /// went live: the fault is reverted and the drill ends `aborted` ("no effect seen").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub end_if_no_effect: Option<bool>,
}

impl Safety {
    pub fn is_empty(&self) -> bool {
        *self == Safety::default()
    }
    pub fn max_duration(&self) -> Duration {
        self.max_duration.unwrap_or(DEFAULT_MAX_DURATION)
    }
    pub fn auto_revert(&self) -> bool {
        self.auto_revert.unwrap_or(true)
    }
    pub fn end_if_no_effect(&self) -> bool {
        self.end_if_no_effect.unwrap_or(false)
    }
    pub fn apply_defaults(&mut self, defaults: &Safety) {
        self.max_duration = self.max_duration.or(defaults.max_duration);
        self.auto_revert = self.auto_revert.or(defaults.auto_revert);
        if self.stop_if.is_none() {
            self.stop_if.clone_from(&defaults.stop_if);
        }
        self.end_if_no_effect = self.end_if_no_effect.or(defaults.end_if_no_effect);
    }
}

/// Default of `merge.max_wait`.
pub const DEFAULT_MERGE_MAX_WAIT: Duration = Duration::from_mins(30);

/// Default of `merge.open_for`: long enough for the required checks to run and for someone to see the pull
/// request, as they would see a colleague's.
pub const DEFAULT_MERGE_OPEN_FOR: Duration = Duration::from_mins(30);

/// How the merge goes through the base branch's guard rails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeSettings {
    /// How long after the merge instant firedrill keeps trying to merge while a required check has not passed
    /// yet (each run tries again); then the drill is abandoned and its pull request closed. At most `12h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "30m"))]
    pub max_wait: Option<Duration>,
    /// The merge method to try first: `merge` (a merge commit), `squash` or `fast-forward` (GitHub's rebase).
    /// When the repository or the branch does not allow it, firedrill takes the next one GitHub allows, in the
    /// order merge, squash, fast-forward. A method given on the command line (`--merge-method`) or as the
    /// Action's `merge-method` input is used alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<MergeMethodName>,
    /// How long the pull request of a drill started by hand (`firedrill start`, the Action's `mode: run`) stays
    /// open before its merge instant: it opens at once, like a colleague's, its required checks run, and the
    /// merge is first tried this long after (a scheduled drill opens `schedule.open_before` ahead instead).
    /// `0m` merges at the opening. At most `12h`. `firedrill start --merge-in` overrides it for one drill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "30m"))]
    pub open_for: Option<Duration>,
}

/// A merge method, as scenarios spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MergeMethodName {
    Merge,
    Squash,
    FastForward,
}

impl MergeMethodName {
    pub fn method(self) -> crate::types::MergeMethod {
        match self {
            MergeMethodName::Merge => crate::types::MergeMethod::Merge,
            MergeMethodName::Squash => crate::types::MergeMethod::Squash,
            MergeMethodName::FastForward => crate::types::MergeMethod::FastForward,
        }
    }
}

impl MergeSettings {
    pub fn is_empty(&self) -> bool {
        *self == MergeSettings::default()
    }
    pub fn max_wait(&self) -> Duration {
        self.max_wait.unwrap_or(DEFAULT_MERGE_MAX_WAIT)
    }
    pub fn open_for(&self) -> Duration {
        self.open_for.unwrap_or(DEFAULT_MERGE_OPEN_FOR)
    }
    pub fn apply_defaults(&mut self, defaults: &MergeSettings) {
        self.max_wait = self.max_wait.or(defaults.max_wait);
        self.method = self.method.or(defaults.method);
        self.open_for = self.open_for.or(defaults.open_for);
    }
}

/// Default of `deploy.watch`.
pub const DEFAULT_DEPLOY_WATCH: Duration = Duration::from_hours(2);

/// How firedrill learns when a commit of the target branch went live.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploySettings {
    /// What tells that a commit is live; the first success among them counts. Absent: the GitHub deployments of
    /// `target.environment` when it is set, else none. `[]`: none (the deploy phase is "not observed").
    /// Each entry is one of `deployments: ENVIRONMENT` (GitHub's Deployments API, as Argo CD notifications'
    /// `github.deployment` or a deploy workflow create them), `status: CONTEXT` (a commit status, as Argo CD
    /// notifications' GitHub service posts `continuous-delivery/APP` and Flux's notification-controller
    /// `kustomization/NAME/ID`; `*` matches any characters) or `check: NAME` (a check run, `*` as well).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signals: Option<Vec<DeploySignal>>,
    /// How long after the fault's removal firedrill keeps asking whether the fix went live (each run asks once
    /// per signal); then the fix's deploy is reported as not observed. At most `24h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "2h"))]
    pub watch: Option<Duration>,
}

/// One thing that tells when a commit went live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DeploySignal {
    /// A GitHub deployment of the commit to this environment with a `success` status.
    Deployments(String),
    /// A commit status of this context (`*` matches any characters) in state `success`.
    Status(String),
    /// A check run of this name (`*` matches any characters) that completed with `success`.
    Check(String),
}

impl DeploySignal {
    /// How the signal reads in events and reports: `status continuous-delivery/checkout-staging`.
    pub fn describe(&self) -> String {
        match self {
            DeploySignal::Deployments(e) => format!("deployments to {e}"),
            DeploySignal::Status(c) => format!("status {c}"),
            DeploySignal::Check(n) => format!("check {n}"),
        }
    }
}

impl DeploySettings {
    pub fn is_empty(&self) -> bool {
        *self == DeploySettings::default()
    }
    pub fn watch(&self) -> Duration {
        self.watch.unwrap_or(DEFAULT_DEPLOY_WATCH)
    }
    pub fn apply_defaults(&mut self, defaults: &DeploySettings) {
        if self.signals.is_none() {
            self.signals.clone_from(&defaults.signals);
        }
        self.watch = self.watch.or(defaults.watch);
    }
}
