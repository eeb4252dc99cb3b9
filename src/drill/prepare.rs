//! From a scenario to the exact drill it would write: the edited files, the disguise and the plan.
//!
//! Pure: files are read through a closure, `now` is a parameter. `preview` prints a [`Draft`]; the lifecycle
//! writes the same draft, so what the game master previews is what lands.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::disguise::{DisguiseError, DisguiseSpec, DisguiseVars, ResolvedDisguise};
use crate::patch::{self, Format, PatchError};
use crate::scenario::{PatchOp, Scenario, to_patch};
use crate::schedule::{self, DrillId, Plan, ScheduleError, Zone};

/// One file the drill's commit changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    pub path: String,
    pub format: Format,
    pub before: String,
    pub after: String,
}

/// Everything the drill would write, computed without writing.
#[derive(Debug, Clone)]
pub struct Draft {
    /// `None` for a scenario without a schedule (run by hand only); the draft then uses `now`.
    pub plan: Option<Plan>,
    pub drill_id: DrillId,
    pub disguise: ResolvedDisguise,
    /// The target file first, then the files cover edits touch, in order of first appearance.
    pub edits: Vec<FileEdit>,
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("cannot read `{path}`: {message}")]
    Read { path: String, message: String, hint: Option<String> },
    #[error("the {what} does not apply to `{path}`: {error}")]
    Patch { path: String, what: String, error: Box<PatchError> },
    #[error("the cover edits undo the fault on `{path}`")]
    CoverUndoesFault { path: String },
    /// The fault is there before anything is written: the drill would open an empty change and "hold" at once.
    #[error("the target already holds this value: nothing to break (`{path}` is as the fault would leave it)")]
    AlreadyPresent { path: String },
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error("the disguise cannot be written: {0}")]
    Disguise(#[from] DisguiseError),
}

/// A target file's text, or why it cannot be read (message, hint).
pub type ReadResult = Result<String, (String, Option<String>)>;

/// The fault and cover edits applied to the files `read` returns.
pub fn edits(scenario: &Scenario, mut read: impl FnMut(&str) -> ReadResult) -> Result<Vec<FileEdit>, PrepareError> {
    let target = &scenario.target;
    let mut files: BTreeMap<String, usize> = BTreeMap::new();
    let mut out: Vec<FileEdit> = Vec::new();
    let mut load = |path: &str, format: Format, out: &mut Vec<FileEdit>| -> Result<usize, PrepareError> {
        if let Some(i) = files.get(path) {
            return Ok(*i);
        }
        let text = read(path).map_err(|(message, hint)| PrepareError::Read { path: path.to_owned(), message, hint })?;
        out.push(FileEdit { path: path.to_owned(), format, before: text.clone(), after: text });
        files.insert(path.to_owned(), out.len() - 1);
        Ok(out.len() - 1)
    };

    let target_path = target.path.as_str();
    let i = load(target_path, target.format(), &mut out)?;
    let selector = target.document_selector();
    // Said before the patch's own `test` guard would refuse it for the value it finds.
    if fault_holds(scenario, &out[i].before, out[i].format, selector.as_ref()) {
        return Err(PrepareError::AlreadyPresent { path: target_path.to_owned() });
    }
    out[i].after = patch::apply_with(
        out[i].format,
        &out[i].before,
        &scenario.fault_patch(),
        selector.as_ref(),
        target.patch_options(),
    )
    .map_err(|error| PrepareError::Patch {
        path: target_path.to_owned(),
        what: "fault".into(),
        error: Box::new(error),
    })?;
    if out[i].after == out[i].before {
        return Err(PrepareError::AlreadyPresent { path: target_path.to_owned() });
    }

    for (n, cover) in scenario.cover.iter().enumerate() {
        let path = cover.file(target).as_str().to_owned();
        let i = load(&path, cover.format(target), &mut out)?;
        let selector = cover.document_selector(target);
        out[i].after = patch::apply(out[i].format, &out[i].after, &to_patch(&cover.patch), selector.as_ref()).map_err(
            |error| PrepareError::Patch { path: path.clone(), what: format!("cover edit {n}"), error: Box::new(error) },
        )?;
    }

    // The cover must leave the fault in place, or recovery could never be judged.
    if !fault_holds(scenario, &out[0].after, out[0].format, selector.as_ref()) {
        return Err(PrepareError::CoverUndoesFault { path: target_path.to_owned() });
    }
    Ok(out)
}

/// Whether the fault is present in `text`: every value the fault sets (and every path it removes) is as the
/// fault left it. This is how recovery is judged later: the fault no longer holds.
pub fn fault_holds(
    scenario: &Scenario,
    text: &str,
    format: Format,
    selector: Option<&patch::DocumentSelector>,
) -> bool {
    let Ok(doc) = patch::parse_value(format, text, selector) else { return false };
    scenario.fault_check().iter().all(|check| check.holds(&doc))
}

/// The next planned drill at or after `now` (or, without a schedule, a drill that would start `now`).
pub fn plan(scenario: &Scenario, now: Timestamp) -> Result<Option<Plan>, PrepareError> {
    let Some(s) = &scenario.schedule else { return Ok(None) };
    let zone = s.timezone();
    let plan = schedule::next_plan(
        s.cron.cron(),
        zone.zone(),
        s.window().to_signed(),
        s.open_before().to_signed(),
        scenario.id.as_str(),
        now,
    )?;
    Ok(Some(plan))
}

/// The whole draft: edits, plan and the disguise resolved for that drill.
pub fn draft(scenario: &Scenario, now: Timestamp, read: impl FnMut(&str) -> ReadResult) -> Result<Draft, PrepareError> {
    let edits = edits(scenario, read)?;
    let plan = plan(scenario, now)?;
    let drill_id = plan.as_ref().map_or_else(|| DrillId::new(scenario.id.as_str(), now), |p| p.drill_id.clone());
    let disguise = disguise(scenario, &drill_id, plan.as_ref(), now)?;
    Ok(Draft { plan, drill_id, disguise, edits })
}

/// The disguise of one drill: the scenario's templates, or the built-in wordings seeded by the drill id.
pub fn disguise(
    scenario: &Scenario,
    drill_id: &DrillId,
    plan: Option<&Plan>,
    now: Timestamp,
) -> Result<ResolvedDisguise, PrepareError> {
    Ok(disguise_in_style(scenario, drill_id, plan, now, None)?.0)
}

/// [`disguise`] with the built-in title and body fitted to the team's `recent` work (see
/// [`crate::disguise::style`]), and the style read from it.
pub fn disguise_in_style(
    scenario: &Scenario,
    drill_id: &DrillId,
    plan: Option<&Plan>,
    now: Timestamp,
    recent: Option<&crate::disguise::style::Recent>,
) -> Result<(ResolvedDisguise, Option<crate::disguise::style::Style>), PrepareError> {
    let d = &scenario.disguise;
    let spec = DisguiseSpec {
        branch: d.branch.clone(),
        commit_message: d.commit_message.clone(),
        pr_title: d.pr_title.clone(),
        pr_body: d.pr_body.clone(),
        author: d.author.as_ref().map(|a| crate::disguise::AuthorSpec { name: a.name.clone(), email: a.email.clone() }),
    };
    // Where each changing operation writes and what: the key and the kind of change the wording fits.
    let changes: Vec<(&str, Option<&serde_json::Value>)> = scenario
        .fault
        .iter()
        .filter(|op| op.changes())
        .map(|op| match op {
            PatchOp::Add { path, value } | PatchOp::Replace { path, value } => (path.as_str(), Some(value)),
            other => (other.path().as_str(), None),
        })
        .collect();
    let vars = match plan {
        Some(p) => DisguiseVars::for_plan(p, scenario.target.path.as_str(), scenario.target.branch.as_str(), &changes),
        None => {
            let zone = scenario.schedule.as_ref().map_or_else(Zone::utc, |s| s.timezone().zone().clone());
            let p = Plan { drill_id: drill_id.clone(), occurrence: now, open_at: now, merge_at: now, zone };
            DisguiseVars::for_plan(&p, scenario.target.path.as_str(), scenario.target.branch.as_str(), &changes)
        }
    };
    Ok(spec.resolve_in_style(&vars, recent)?)
}
