//! Opening the drill's disguised change and merging it.

use jiff::Timestamp;

use crate::drill::state::Drill;
use crate::drill::step::{self, Observed};
use crate::forge::{Change, Forge, MergeOutcome, MergeSpec, Person};
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

    /// Merges the drill's change; a refusal is checked against the truth (a racing run may have merged it).
    pub(super) async fn merge(
        &self,
        forge: &F,
        d: &Drill,
        o: &mut Observed,
        actor: &Person,
        now: Timestamp,
        lines: &mut Vec<String>,
    ) -> Result<(), RunError> {
        let Some(op) = &d.opened else { return Ok(()) };
        if self.settings.dry_run {
            o.landed = Some((simulated(), now));
            return Ok(());
        }
        let fe = forge_err(forge);
        let change = change_of(op);
        let message = run::merge_message(&op.branch);
        let spec = MergeSpec {
            base: &d.target.branch,
            cut_from: &op.base,
            expected_head: d.expected_head().unwrap_or(&op.commit),
            method: self.merge_method_of(d),
            fallback: self.settings.merge_method.is_none(),
            message: &message,
            gate: op.gate.as_ref(),
        };
        let refused = match forge.merge_change(&change, &spec, actor, now).await.map_err(&fe)? {
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
            MergeOutcome::HeadMoved { expected, actual } => {
                format!("the change's head moved from {} to {}", expected.short(), actual.short())
            }
            MergeOutcome::Closed => "the change was closed before the merge".to_owned(),
            MergeOutcome::NotMergeable { reason } => reason,
        };
        o.landed = forge.landed(&change, &spec).await.map_err(&fe)?;
        match &o.landed {
            Some((commit, at)) => lines.push(run::done::merged_by_another_run(&d.target.branch, *at, commit.short())),
            None => lines.push(run::done::merge_refused(&refused)),
        }
        o.merge_refused = Some(refused);
        Ok(())
    }
}
