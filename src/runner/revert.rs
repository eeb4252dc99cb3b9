//! The revert effect: the fault's commit reverted on the target branch (simulated under dry-run), and the
//! fault view that leaves; or, when it did not land, why (what follows is
//! [`crate::drill::step::revert_blocked`]'s to decide).

use jiff::Timestamp;

use crate::drill::state::Drill;
use crate::drill::step::{FaultView, Removal, RevertBlocked};
use crate::forge::{Forge, ForgeError, Landing, Person, RevertSpec};
use crate::git::CommitSha;
use crate::render::run;

use super::{RunError, Runner, simulated};

/// What a revert came to.
pub(super) enum Reverted {
    /// The branch holds the fault no more, removed by that revert (a dry run: a simulated one).
    Landed(FaultView),
    /// It did not land: why, and the forge's error when the run must fail with it (a revert pull request that
    /// waits is no error: the run goes on with the other drills and fails at the end).
    Blocked(RevertBlocked, Option<ForgeError>),
}

impl<F: Forge> Runner<'_, F> {
    /// Reverts the drill's fault on its branch as `actor`. A revert through a pull request that cannot land yet
    /// leaves the fault live; the run's output says why (a numbered step, and a failure of the run), and the
    /// next run tries again.
    pub(super) async fn revert(
        &self,
        forge: &F,
        d: &Drill,
        commit: &CommitSha,
        actor: &Person,
        now: Timestamp,
        lines: &mut Vec<String>,
    ) -> Result<Reverted, RunError> {
        let gate = d.opened.as_ref().and_then(|op| op.gate.as_ref());
        let landing = if self.settings.dry_run {
            let message = format!("the revert of {} (dry run: not made)", commit.short());
            Landing { sha: simulated(), at: now, message, author: actor.clone(), committer: actor.clone() }
        } else {
            // No message of firedrill's own: the forge writes what `git revert` writes for the commit that landed.
            let spec = RevertSpec { commit, base: &d.target.branch, message: None, actor, at: now, gate };
            match forge.revert(&spec).await {
                Ok(l) => {
                    lines.push(run::done::reverted(l.sha.short(), l.at));
                    l
                }
                Err(ForgeError::RevertWaiting { change, reason, detail }) => {
                    let url = forge.web_url().map(|web| format!("{web}/pull/{change}"));
                    lines.push(run::result(run::revert_waiting(&d.target.branch, &change, url.as_deref(), &reason)));
                    let blocked = RevertBlocked { why: detail, waiting: Some((change, reason)) };
                    return Ok(Reverted::Blocked(blocked, None));
                }
                Err(e) => return Ok(Reverted::Blocked(RevertBlocked { why: e.to_string(), waiting: None }, Some(e))),
            }
        };
        Ok(Reverted::Landed(FaultView {
            head: landing.sha.clone(),
            holds: false,
            removal: Some(Removal { landing, back_to_before: true }),
        }))
    }
}
