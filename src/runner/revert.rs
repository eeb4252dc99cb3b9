//! The revert effects: the fault's commit reverted on the target branch (simulated under dry-run); where the branch
//! refuses that, the revert's pull request opened and merged, as the step asks; and what each came to (what
//! follows a revert that did not land is [`crate::drill::step::revert_blocked`]'s to decide).

use jiff::Timestamp;

use crate::drill::state::Drill;
use crate::drill::step::{FaultView, Removal, RevertBlocked};
use crate::forge::{
    Behind, Change, Forge, ForgeError, Landing, MergeNeed, MergeOutcome, MergeResume, MergeSpec, Person, RevertOutcome,
    RevertRefused, RevertSpec,
};
use crate::git::{CommitSha, MergeMethod};
use crate::render::run::{self, revert_hold};

use super::{Runner, simulated};

/// The revert's pull request, and the refusal that sent the revert through it.
#[derive(Clone, Copy)]
pub(super) struct Through<'a> {
    pub change: &'a Change,
    pub refused: &'a RevertRefused,
}

/// What a revert effect came to.
pub(super) enum Reverted {
    /// The branch holds the fault no more, removed by that revert (a dry run: a simulated one).
    Landed(FaultView),
    /// The branch refused the revert directly: it goes through a change request (the step's next effect).
    Refused(RevertRefused),
    /// The revert's change request, opened (or found open).
    Opened(Change),
    /// The revert's merge needs the approver's review or update-branch first (the step's next effect).
    Needs(MergeNeed),
    /// It did not land: why, and the forge's error when the run must fail with it (a revert pull request that
    /// waits is no error: the run goes on with the other drills and fails at the end).
    Blocked(RevertBlocked, Option<ForgeError>),
}

impl<F: Forge> Runner<'_, F> {
    /// How the drill's fault is reverted: on its target branch, as `actor`, with the message `git revert` writes.
    fn revert_spec<'a>(d: &'a Drill, commit: &'a CommitSha, actor: &'a Person, now: Timestamp) -> RevertSpec<'a> {
        let gate = d.opened.as_ref().and_then(|op| op.gate.as_ref());
        RevertSpec { commit, base: &d.target.branch, message: None, actor, at: now, gate }
    }

    /// Reverts the drill's fault on its branch as `actor`.
    pub(super) async fn revert(
        &self,
        forge: &F,
        d: &Drill,
        commit: &CommitSha,
        actor: &Person,
        now: Timestamp,
        lines: &mut Vec<String>,
    ) -> Reverted {
        if self.settings.dry_run {
            let message = format!("the revert of {} (dry run: not made)", commit.short());
            let landing =
                Landing { sha: simulated(), at: now, message, author: actor.clone(), committer: actor.clone() };
            return landed(landing);
        }
        match forge.revert(&Self::revert_spec(d, commit, actor, now)).await {
            Ok(RevertOutcome::Landed(l)) => {
                lines.push(run::done::reverted(l.sha.short(), l.at));
                landed(l)
            }
            Ok(RevertOutcome::Refused(r)) => Reverted::Refused(r),
            Err(e) => failed(e),
        }
    }

    /// Opens the pull request that lands the revert the branch refused (or finds the one an earlier run opened).
    pub(super) async fn open_revert_change(
        &self,
        forge: &F,
        d: &Drill,
        commit: &CommitSha,
        refused: &RevertRefused,
        actor: &Person,
        now: Timestamp,
    ) -> Reverted {
        match forge.open_revert_change(&Self::revert_spec(d, commit, actor, now), refused).await {
            Ok(c) => Reverted::Opened(c),
            Err(e) => failed(e),
        }
    }

    /// Merges the revert's pull request (going on from `resume`, a merge that needed the approver's review).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn merge_revert(
        &self,
        forge: &F,
        d: &Drill,
        through: Through<'_>,
        resume: &mut Option<Box<MergeResume>>,
        actor: &Person,
        now: Timestamp,
        lines: &mut Vec<String>,
    ) -> Reverted {
        let merged = d.merged.as_ref().map_or_else(simulated, |m| m.commit.clone());
        let Through { change, refused } = through;
        let first = refused.message.lines().next().unwrap_or("Revert");
        let resumed = resume.take();
        let spec = MergeSpec {
            base: &d.target.branch,
            cut_from: &merged,
            expected_head: &change.head,
            method: MergeMethod::Merge,
            fallback: true,
            message: first,
            gate: d.opened.as_ref().and_then(|op| op.gate.as_ref()),
            resume: resumed.as_deref(),
        };
        match forge.merge_change(change, &spec, actor, now).await {
            Ok(MergeOutcome::Needs { need, resume: r }) => {
                *resume = Some(r);
                Reverted::Needs(need)
            }
            Ok(outcome) => self.revert_merged(forge, d, through, actor, outcome, lines),
            Err(e) => failed(e),
        }
    }

    /// Brings the revert's pull request up to date with its base, as its merge asked.
    pub(super) async fn update_revert(
        &self,
        forge: &F,
        d: &Drill,
        through: Through<'_>,
        behind: &Behind,
        actor: &Person,
        lines: &mut Vec<String>,
    ) -> Reverted {
        match forge.update_branch(through.change, &d.target.branch, behind).await {
            Ok(outcome) => self.revert_merged(forge, d, through, actor, outcome, lines),
            Err(e) => failed(e),
        }
    }

    /// What the revert's pull request came to: landed, or the fault still live and why.
    fn revert_merged(
        &self,
        forge: &F,
        d: &Drill,
        Through { change, refused }: Through<'_>,
        actor: &Person,
        outcome: MergeOutcome,
        lines: &mut Vec<String>,
    ) -> Reverted {
        let reason = match outcome {
            MergeOutcome::Merged { commit, at } => {
                lines.push(run::done::reverted(commit.short(), at));
                let message = refused.message.clone();
                return landed(Landing { sha: commit, at, message, author: actor.clone(), committer: actor.clone() });
            }
            MergeOutcome::Waiting { reason, .. } => revert_hold::waits(&reason),
            MergeOutcome::NotMergeable { reason } => revert_hold::not_mergeable(&reason),
            MergeOutcome::HeadMoved { actual, .. } => revert_hold::head_moved(actual.short()),
            MergeOutcome::Closed => revert_hold::closed(),
            MergeOutcome::Needs { .. } => revert_hold::not_mergeable("its merge kept asking for more"),
        };
        let number = change.id.to_string();
        let url = forge.web_url().map(|web| format!("{web}/pull/{number}"));
        lines.push(run::result(run::revert_waiting(&d.target.branch, &number, url.as_deref(), &reason)));
        let why = revert_hold::still_live(&d.target.branch, &refused.refused, &number, &reason);
        Reverted::Blocked(RevertBlocked { why, waiting: Some((number, reason)) }, None)
    }
}

/// The fault view a landed revert leaves.
fn landed(landing: Landing) -> Reverted {
    Reverted::Landed(FaultView {
        head: landing.sha.clone(),
        holds: false,
        removal: Some(Removal { landing, back_to_before: true }),
    })
}

/// A revert step the forge failed: the fault is still live, and the run fails with the error.
fn failed(e: ForgeError) -> Reverted {
    Reverted::Blocked(RevertBlocked { why: e.to_string(), waiting: None }, Some(e))
}
