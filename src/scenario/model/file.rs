//! The schema of scenario files (`scenarios/*.yaml`): the drill's target, fault, cover edits, hints and what
//! responders should notice; its doc comments become the JSON Schema's descriptions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::config::Defaults;
use super::settings::{DeploySettings, DeploySignal, Disguise, MergeSettings, Safety, Schedule};
use crate::patch::{DocumentSelector, Format};
use crate::scenario::observe::ObserveSettings;
use crate::scenario::value::{BranchName, Duration, JsonPointer, RepoPath, RepoRef, ScenarioId};

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
    pub variants: Vec<crate::scenario::variant::Variant>,
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
    pub running_variant: Option<crate::scenario::variant::Running>,
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
