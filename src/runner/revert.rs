//! The revert effect: the fault's commit reverted on the target branch (simulated under dry-run), and the
//! fault view that leaves.

use jiff::Timestamp;

use crate::drill::state::Drill;
use crate::drill::step::{FaultView, Removal};
use crate::forge::{Forge, Landing, Person};
use crate::git::CommitSha;
use crate::render::run;
use crate::types::FIREDRILL_ACTOR;

use super::{RunError, Runner, forge_err, simulated};

impl<F: Forge> Runner<'_, F> {
    /// Reverts the drill's fault on its branch as `actor`; the branch then holds the fault no more, removed by
    /// that revert (a dry run: a simulated one). `None`: the revert went through a pull request that cannot land
    /// yet; the fault is still live, the run's output says why (a numbered step, and a failure of the run), the
    /// timeline records it and the team is told where they are; the next run tries again.
    pub(super) async fn revert(
        &self,
        forge: &F,
        d: &Drill,
        commit: &CommitSha,
        actor: &Person,
        now: Timestamp,
        lines: &mut Vec<String>,
    ) -> Result<Option<FaultView>, RunError> {
        let gate = d.opened.as_ref().and_then(|op| op.gate.as_ref());
        let landing = if self.settings.dry_run {
            let message = format!("the revert of {} (dry run: not made)", commit.short());
            Landing { sha: simulated(), at: now, message, author: actor.clone(), committer: actor.clone() }
        } else {
            // No message of firedrill's own: the forge writes what `git revert` writes for the commit that landed.
            let l = match forge.revert(commit, &d.target.branch, None, actor, now, gate).await {
                Ok(l) => l,
                Err(e) => {
                    // A revert pull request that cannot land yet is on the timeline (once per reason), where
                    // `status` reads it: the fault is live past the safety timer, and why.
                    self.say_still_live(forge, d, &e).await;
                    let crate::forge::ForgeError::RevertWaiting { change, reason, .. } = e else {
                        return Err(forge_err(forge)(e));
                    };
                    let kind = crate::drill::event::EventKind::RevertWaiting {
                        change: crate::drill::event::ChangeId(change.clone()),
                        reason: reason.clone(),
                    };
                    let event = self.event(now, FIREDRILL_ACTOR, kind);
                    if !event.already_in(&d.events) {
                        self.record(vec![(d.id.clone(), event)], now).await?;
                    }
                    let url = forge.web_url().map(|web| format!("{web}/pull/{change}"));
                    lines.push(run::result(run::revert_waiting(&d.target.branch, &change, url.as_deref(), &reason)));
                    return Ok(None);
                }
            };
            lines.push(run::done::reverted(l.sha.short(), l.at));
            l
        };
        Ok(Some(FaultView {
            head: landing.sha.clone(),
            holds: false,
            removal: Some(Removal { landing, back_to_before: true }),
        }))
    }

    /// A revert that did not land is never silent: where the team is (the announcement issue, else the drill's
    /// pull request), one note, updated on every run, says the fault is still live and why. Best effort: the
    /// run fails with the revert's error whatever happens here.
    async fn say_still_live(&self, forge: &F, d: &Drill, error: &crate::forge::ForgeError) {
        let Some(op) = &d.opened else { return };
        let place = match d.announced() {
            Some(issue) => super::issue_change(issue),
            None => super::change_of(op),
        };
        let text = format!(
            "**The fault is still live on `{}`.** firedrill could not revert it:\n\n> {}\n\nfiredrill tries again on \
             every run; revert the merge by hand to end it now.",
            d.target.branch,
            error.to_string().replace('\n', " ")
        );
        if let Err(e) = forge.post_note(&place, REVERT_BLOCKED_MARKER, &text).await {
            tracing::warn!("could not post that the fault is still live: {e}");
        }
    }
}

/// The hidden marker of the note that says a revert did not land.
const REVERT_BLOCKED_MARKER: &str = "firedrill:revert-blocked";
