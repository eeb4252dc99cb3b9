//! The typed scenario and `firedrill.yml` models; their doc comments become the JSON Schema descriptions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::observe::ObserveSettings;
use super::value::{
    BranchName, CronExpr, Date, Duration, GithubLogin, JsonPointer, RepoPath, RepoRef, ScenarioId, TimeZoneName,
};
use crate::patch::{DocumentSelector, Format};

/// Safety timer used when neither the scenario nor `firedrill.yml` sets `safety.max_duration`.
pub const DEFAULT_MAX_DURATION: Duration = Duration::from_hours(4);
/// Catch-up bound used when neither the scenario nor `firedrill.yml` sets `schedule.max_lateness`.
pub const DEFAULT_MAX_LATENESS: Duration = Duration::from_hours(1);
/// The ledger branch used when `firedrill.yml` does not name one.
pub const DEFAULT_LEDGER_BRANCH: &str = "firedrill/ledger";

/// An outage drill: which file to break, how, when, and how to keep it safe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "firedrill scenario")]
pub struct Scenario {
    /// Unique identifier of the scenario: a slug of lowercase letters, digits and `-`. Drill ids derive from it.
    pub id: ScenarioId,
    /// A short title for reports and the game master (responders never see it before the reveal).
    pub title: String,
    /// What the drill is about: shown in the report's reveal.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The file the fault is written into.
    pub target: Target,
    /// The breaking change: RFC 6902 JSON Patch operations on the target file, applied in order. At least one
    /// must change something. `test` operations after the last change define "the fault is present"; without
    /// them it is derived from the values the operations set (and the paths they remove). Absent when
    /// `variants` gives the faults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fault: Vec<PatchOp>,
    /// Several faults of one family, in place of `fault`: each occurrence uses one, picked by the drill id's
    /// seed (the same on every re-run); `preview` shows which, the report's reveal names it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<super::variant::Variant>,
    /// Innocuous edits shipped in the same commit, so that the fault is not the only change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cover: Vec<CoverEdit>,
    /// How the commit and the pull request look. Every text may use placeholders such as `{{ scenario.id }}`.
    #[serde(default, skip_serializing_if = "Disguise::is_empty")]
    pub disguise: Disguise,
    /// When the drill runs. Absent: only when started by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// Limits that keep the drill safe.
    #[serde(default, skip_serializing_if = "Safety::is_empty")]
    pub safety: Safety,
    /// How the merge goes through the base branch's guard rails (required checks, an out-of-date branch).
    #[serde(default, skip_serializing_if = "MergeSettings::is_empty")]
    pub merge: MergeSettings,
    /// How firedrill learns when the fault and the fix went live in the environment (Argo CD's or Flux's
    /// commit statuses, check runs, GitHub deployments), for the deploy phase and the time to restore service.
    #[serde(default, skip_serializing_if = "DeploySettings::is_empty")]
    pub deploy: DeploySettings,
    /// What the team's own monitoring says: Prometheus, the alerts, what healthy means (docs/observe.md).
    #[serde(default, skip_serializing_if = "ObserveSettings::is_empty")]
    pub observe: ObserveSettings,
    /// Hints released to responders (on `/drill hint`, or once their delay has passed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<Hint>,
    /// What responders should notice, for the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// The playbook responders should follow: a URL or a path in the control repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook: Option<String>,
    /// Where the incident is announced at the merge instant, in neutral words (a briefing, not the answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announce: Option<Announce>,
    /// The variant this copy of the scenario runs, once one is picked for a drill ([`Scenario::with_variant`]);
    /// never read from a file.
    #[serde(skip)]
    #[schemars(skip)]
    pub running_variant: Option<super::variant::Running>,
}

/// The announcement of a drill: an issue opened in the target repository at the merge instant, where the
/// `/drill` commands work as on the pull request and the report is posted at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Announce {
    /// The issue's title, as an alert or a colleague would put it: `Staging: checkout errors`.
    pub issue: String,
    /// The issue's body (Markdown); default: a short neutral note and the `/drill` commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// The file the fault is written into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The repository holding the file: `owner/name` on GitHub, a git URL or a local path. Absent: the
    /// repository holding the scenarios.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<RepoRef>,
    /// The branch the deployment watches; the drill's pull request is merged into it.
    #[serde(default = "BranchName::main")]
    pub branch: BranchName,
    /// The file's path from the repository root.
    pub path: RepoPath,
    /// The file's format. Absent: inferred from the file name (`.yaml`/`.yml`, `.json`, `.toml`, `.env`,
    /// anything else is text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// For a YAML file with several documents (`---`): which one to patch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentSpec>,
    /// For a JSON or YAML document held in a string of the file, such as an Argo CD Application's
    /// `spec.source.helm.values: |`: the JSON pointer of that string. The fault's paths are then relative to
    /// the embedded document (`/replicaCount`), which is edited in place inside the block scalar, in its own
    /// language (JSON stays JSON). For a document embedded in the embedded one, add `#` and the pointer
    /// inside it: `/data/service.yaml#/template/body`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedded: Option<JsonPointer>,
    /// Allow the fault to edit a YAML value whose anchor (`&name`) aliases (`*name`) elsewhere share: every
    /// one of those places then changes with it. Without it such an edit is refused, naming the places.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_shared_anchor: bool,
    /// The environment this file deploys to (a free label such as `staging`), checked against
    /// `allowed_environments` of `firedrill.yml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

impl Target {
    /// The format given, or the one inferred from the path.
    pub fn format(&self) -> Format {
        self.format.unwrap_or_else(|| Format::infer(self.path.as_path()))
    }
    /// The document the fault edits: `document`'s choice, or the document embedded at `embedded` in it.
    pub fn document_selector(&self) -> Option<DocumentSelector> {
        let outer = self.document.as_ref().map(DocumentSpec::to_selector);
        match &self.embedded {
            // `JsonPointer` checked the syntax; a `#` goes on into a document embedded in the embedded one.
            Some(at) => DocumentSelector::embedded(outer.clone(), at.as_str())
                .ok()
                .or_else(|| Some(DocumentSelector::Embedded { outer: outer.map(Box::new), at: at.pointer() })),
            None => outer,
        }
    }
    /// How far the fault's edit may reach (see [`crate::patch::Options`]).
    pub fn patch_options(&self) -> crate::patch::Options {
        crate::patch::Options { allow_shared_anchor: self.allow_shared_anchor }
    }
}

/// Which document of a multi-document YAML file: its 0-based index, or its `kind` and `metadata.name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum DocumentSpec {
    /// The 0-based position of the document in the file.
    Index(usize),
    /// The document with this `metadata.name` (and `kind`, when given).
    Named(NamedDocument),
}

/// A document found by its Kubernetes-style `kind` and `metadata.name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedDocument {
    /// The document's `kind`, such as `Deployment`. Absent: any kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The document's `metadata.name`.
    pub name: String,
}

impl DocumentSpec {
    pub fn to_selector(&self) -> DocumentSelector {
        match self {
            DocumentSpec::Index(i) => DocumentSelector::Index(*i),
            DocumentSpec::Named(n) => DocumentSelector::Named { kind: n.kind.clone(), name: n.name.clone() },
        }
    }
}

/// One RFC 6902 operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "lowercase", deny_unknown_fields)]
pub enum PatchOp {
    /// Adds `value` at `path` (inserting into a list at an index, or appending with `-`).
    Add {
        /// Where to add: a JSON pointer such as `/redis/pool/size`.
        path: JsonPointer,
        /// The value to add (any YAML value).
        value: serde_json::Value,
    },
    /// Removes the value at `path`.
    Remove {
        /// What to remove: a JSON pointer such as `/redis/pool/size`.
        path: JsonPointer,
    },
    /// Replaces the value at `path` with `value`.
    Replace {
        /// What to replace: a JSON pointer such as `/redis/pool/size`.
        path: JsonPointer,
        /// The new value (any YAML value).
        value: serde_json::Value,
    },
    /// Moves the value at `from` to `path`.
    Move {
        /// What to move: a JSON pointer.
        from: JsonPointer,
        /// Where to move it: a JSON pointer.
        path: JsonPointer,
    },
    /// Copies the value at `from` to `path`.
    Copy {
        /// What to copy: a JSON pointer.
        from: JsonPointer,
        /// Where to copy it: a JSON pointer.
        path: JsonPointer,
    },
    /// Checks that the value at `path` equals `value`; changes nothing.
    Test {
        /// What to check: a JSON pointer such as `/redis/pool/size`.
        path: JsonPointer,
        /// The value it must have.
        value: serde_json::Value,
    },
}

impl PatchOp {
    pub fn name(&self) -> &'static str {
        match self {
            PatchOp::Add { .. } => "add",
            PatchOp::Remove { .. } => "remove",
            PatchOp::Replace { .. } => "replace",
            PatchOp::Move { .. } => "move",
            PatchOp::Copy { .. } => "copy",
            PatchOp::Test { .. } => "test",
        }
    }
    pub fn path(&self) -> &JsonPointer {
        match self {
            PatchOp::Add { path, .. }
            | PatchOp::Remove { path }
            | PatchOp::Replace { path, .. }
            | PatchOp::Move { path, .. }
            | PatchOp::Copy { path, .. }
            | PatchOp::Test { path, .. } => path,
        }
    }
    pub fn from(&self) -> Option<&JsonPointer> {
        match self {
            PatchOp::Move { from, .. } | PatchOp::Copy { from, .. } => Some(from),
            _ => None,
        }
    }
    /// Whether the operation changes the document (everything but `test`).
    pub fn changes(&self) -> bool {
        !matches!(self, PatchOp::Test { .. })
    }
}

/// Turns operations into the patch engine's type.
pub fn to_patch(ops: &[PatchOp]) -> crate::patch::Patch {
    let ops = ops
        .iter()
        .map(|op| {
            use json_patch as jp;
            let ptr = |p: &JsonPointer| jp::jsonptr::PointerBuf::parse(p.as_str()).unwrap_or_default();
            match op {
                PatchOp::Add { path, value } => {
                    jp::PatchOperation::Add(jp::AddOperation { path: ptr(path), value: value.clone() })
                }
                PatchOp::Remove { path } => jp::PatchOperation::Remove(jp::RemoveOperation { path: ptr(path) }),
                PatchOp::Replace { path, value } => {
                    jp::PatchOperation::Replace(jp::ReplaceOperation { path: ptr(path), value: value.clone() })
                }
                PatchOp::Move { from, path } => {
                    jp::PatchOperation::Move(jp::MoveOperation { from: ptr(from), path: ptr(path) })
                }
                PatchOp::Copy { from, path } => {
                    jp::PatchOperation::Copy(jp::CopyOperation { from: ptr(from), path: ptr(path) })
                }
                PatchOp::Test { path, value } => {
                    jp::PatchOperation::Test(jp::TestOperation { path: ptr(path), value: value.clone() })
                }
            }
        })
        .collect();
    json_patch::Patch(ops)
}

/// An innocuous edit shipped in the same commit as the fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverEdit {
    /// The file to edit, in the target repository. Absent: the target file itself (applied after the fault).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<RepoPath>,
    /// The file's format. Absent: inferred from the file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// For a multi-document YAML file: which document to patch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentSpec>,
    /// RFC 6902 operations on that file. They must not touch what the fault changes.
    pub patch: Vec<PatchOp>,
}

impl CoverEdit {
    /// Whether this edit is on the target file.
    pub fn is_on_target(&self, target: &Target) -> bool {
        self.path.as_ref().is_none_or(|p| *p == target.path)
    }
    /// The file this edit changes.
    pub fn file<'a>(&'a self, target: &'a Target) -> &'a RepoPath {
        self.path.as_ref().unwrap_or(&target.path)
    }
    /// The format given, inherited from the target (same file), or inferred from the path.
    pub fn format(&self, target: &Target) -> Format {
        match (&self.format, &self.path) {
            (Some(f), _) => *f,
            (None, None) => target.format(),
            (None, Some(p)) if *p == target.path => target.format(),
            (None, Some(p)) => Format::infer(p.as_path()),
        }
    }
    /// The document given, or the target's when this edit is on the target file.
    pub fn document_selector(&self, target: &Target) -> Option<DocumentSelector> {
        match &self.document {
            Some(d) => Some(d.to_selector()),
            None if self.is_on_target(target) => target.document_selector(),
            None => None,
        }
    }
}

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

/// A hint for responders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    /// Released this long after the merge (or earlier, on `/drill hint`).
    pub after: Duration,
    /// The hint (Markdown).
    pub text: String,
}

/// What responders should notice, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The visible symptom, such as "checkout API returns 503".
    pub symptom: String,
    /// How it should be detected, such as "alert RedisPoolExhausted within 5 minutes".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detect_by: Option<String>,
}

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

impl Scenario {
    /// Fills every schedule, safety and disguise setting not set in the scenario from `defaults`.
    pub fn apply_defaults(&mut self, defaults: &Defaults) {
        if let Some(s) = &mut self.schedule {
            s.apply_defaults(&defaults.schedule);
        }
        self.safety.apply_defaults(&defaults.safety);
        self.merge.apply_defaults(&defaults.merge);
        self.deploy.apply_defaults(&defaults.deploy);
        self.disguise.apply_defaults(&defaults.disguise);
        self.observe.apply_defaults(&defaults.observe);
    }

    /// What tells when a commit of the target went live: `deploy.signals`, else the deployments of
    /// `target.environment` where it is set.
    pub fn deploy_signals(&self) -> Vec<DeploySignal> {
        match (&self.deploy.signals, &self.target.environment) {
            (Some(signals), _) => signals.clone(),
            (None, Some(env)) => vec![DeploySignal::Deployments(env.clone())],
            (None, None) => Vec::new(),
        }
    }

    /// The fault as a patch for [`crate::patch::apply`].
    pub fn fault_patch(&self) -> crate::patch::Patch {
        to_patch(&self.fault)
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
