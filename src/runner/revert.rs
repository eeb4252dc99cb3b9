//! The revert effect: the fault's commit reverted on the target branch (simulated under dry-run), and the
//! fault view that leaves.

use jiff::Timestamp;

use crate::drill::state::Drill;
use crate::drill::step::{FaultView, Removal};
use crate::forge::{Forge, Landing, Person};
use crate::git::CommitSha;
use crate::render::run;

use super::{RunError, Runner, forge_err, simulated};

impl<F: Forge> Runner<'_, F> {
    /// Reverts the drill's fault on its branch as `actor`; the branch then holds the fault no more, removed by
    /// that revert (a dry run: a simulated one).
    pub(super) async fn revert(
        &self,
        forge: &F,
        d: &Drill,
        commit: &CommitSha,
        actor: &Person,
        now: Timestamp,
        lines: &mut Vec<String>,
    ) -> Result<FaultView, RunError> {
        let branch = d.opened.as_ref().map_or("", |op| op.branch.as_str());
        let message = run::revert_message(branch, commit.as_str());
        let landing = if self.settings.dry_run {
            Landing { sha: simulated(), at: now, message, author: actor.clone(), committer: actor.clone() }
        } else {
            let l = forge.revert(commit, &d.target.branch, &message, actor, now).await.map_err(forge_err(forge))?;
            lines.push(run::result(format!("reverted by {} at {}", l.sha.short(), l.at)));
            l
        };
        Ok(FaultView {
            head: landing.sha.clone(),
            holds: false,
            removal: Some(Removal { landing, back_to_before: true }),
        })
    }
}
