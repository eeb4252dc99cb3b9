//! Opening the drill's disguised change and merging it.

use jiff::Timestamp;

use crate::drill::state::Drill;
use crate::drill::state::Opened;
use crate::drill::step::{self, Observed};
use crate::forge::{Behind, Change, Forge, MergeOutcome, MergeResume, MergeSpec, Person};
use crate::git::FileChange;
use crate::render::run;

use super::{RunError, Runner, change_of, forge_err, simulated};

impl<F: Forge> Runner<'_, F> {
    /// Opens the drill's change, looking before creating: a change already open for the branch (an earlier
    /// run that stopped before recording it) is the one.
    pub(super) async fn open(&self, forge: &F, spec: &step::OpenSpec) -> Result<Change, RunError> {
        let fe = forge_err(forge);
        if let Some(c) = forge.find_change(&spec.branch).await.map_err(&fe)? {
            return Ok(c);
        }
        let files: Vec<FileChange> =
            spec.files.iter().map(|(path, text)| FileChange::write(path.clone(), text.clone())).collect();
        let head = forge.write_commit(&spec.base, &files, &spec.message, &spec.author, spec.at).await.map_err(&fe)?;
        forge.open_change(&spec.branch, &head, &spec.base_branch, &spec.title, &spec.body).await.map_err(&fe)
    }

    /// The method to merge `d` with first: the one given, else the scenario's preference, else a merge commit.
    pub(super) fn merge_method_of(&self, d: &Drill) -> crate::git::MergeMethod {
        self.settings
            .merge_method
            .or_else(|| self.scenario(d.scenario.as_str()).and_then(|s| s.merge.method).map(|m| m.method()))
            .unwrap_or(crate::git::MergeMethod::Merge)
    }

    /// Merges the drill's change (going on from `resume`, a merge that needed something now given); a refusal is
    /// checked against the truth (a racing run may have merged it).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn merge(
        &self,
        forge: &F,
        d: &Drill,
        o: &mut Observed,
        resume: &mut Option<Box<MergeResume>>,
        actor: &Person,
        now: Timestamp,
        lines: &mut Vec<String>,
    ) -> Result<(), RunError> {
        let Some(op) = &d.opened else { return Ok(()) };
        if self.settings.dry_run {
            o.landed = Some((simulated(), now));
            return Ok(());
        }
        let message = run::merge_message(&op.branch);
        let resumed = resume.take();
        let spec = MergeSpec { resume: resumed.as_deref(), ..self.merge_spec(d, op, &message) };
        let outcome = forge.merge_change(&change_of(op), &spec, actor, now).await.map_err(forge_err(forge))?;
        self.settle(forge, d, o, resume, outcome, lines).await
    }

    /// Brings the drill's change up to date with its base, as the merge asked (`update-branch`): it then waits
    /// for its checks (or GitHub refused, and the refusal is checked against the truth like a merge's).
    pub(super) async fn update_branch(
        &self,
        forge: &F,
        d: &Drill,
        o: &mut Observed,
        behind: &Behind,
        lines: &mut Vec<String>,
    ) -> Result<(), RunError> {
        let Some(op) = &d.opened else { return Ok(()) };
        if self.settings.dry_run {
            return Ok(());
        }
        let outcome = forge.update_branch(&change_of(op), &d.target.branch, behind).await.map_err(forge_err(forge))?;
        self.settle(forge, d, o, &mut None, outcome, lines).await
    }

    /// How the drill's change is merged: into its target branch, at the head it must still have.
    fn merge_spec<'a>(&'a self, d: &'a Drill, op: &'a Opened, message: &'a str) -> MergeSpec<'a> {
        MergeSpec {
            base: &d.target.branch,
            cut_from: &op.base,
            expected_head: d.expected_head().unwrap_or(&op.commit),
            method: self.merge_method_of(d),
            fallback: self.settings.merge_method.is_none(),
            message,
            gate: op.gate.as_ref(),
            resume: None,
        }
    }

    /// What a merge (or update-branch) came to, as the step sees it: landed, waiting, needing something, or
    /// refused, a refusal checked against the truth first.
    async fn settle(
        &self,
        forge: &F,
        d: &Drill,
        o: &mut Observed,
        resume: &mut Option<Box<MergeResume>>,
        outcome: MergeOutcome,
        lines: &mut Vec<String>,
    ) -> Result<(), RunError> {
        let Some(op) = &d.opened else { return Ok(()) };
        let refused = match outcome {
            MergeOutcome::Merged { commit, at } => {
                lines.push(run::done::merged(&d.target.branch, at, commit.short()));
                o.landed = Some((commit, at));
                return Ok(());
            }
            MergeOutcome::Waiting { reason, head } => {
                lines.push(run::done::merge_waiting(&reason));
                o.merge_waiting = Some((reason, head));
                return Ok(());
            }
            MergeOutcome::Needs { need, resume: r } => {
                o.merge_needs = Some(need);
                *resume = Some(r);
                return Ok(());
            }
            MergeOutcome::HeadMoved { expected, actual } => {
                format!("the change's head moved from {} to {}", expected.short(), actual.short())
            }
            MergeOutcome::Closed => "the change was closed before the merge".to_owned(),
            MergeOutcome::NotMergeable { reason } => reason,
        };
        let message = run::merge_message(&op.branch);
        let spec = self.merge_spec(d, op, &message);
        o.landed = forge.landed(&change_of(op), &spec).await.map_err(forge_err(forge))?;
        match &o.landed {
            Some((commit, at)) => lines.push(run::done::merged_by_another_run(&d.target.branch, *at, commit.short())),
            None => lines.push(run::done::merge_refused(&refused)),
        }
        o.merge_refused = Some(refused);
        Ok(())
    }
}
