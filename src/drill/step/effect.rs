//! What a decision comes to: the effects the runner carries out (or, under `--dry-run`, lists), in order.

use super::*;

/// Why firedrill reverts the fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevertWhy {
    /// `safety.max_duration` passed.
    Timeout,
    /// The responders gave up (`/drill revert`).
    GaveUp,
    /// The game master aborted the drill.
    Abort,
}

/// What to open: the commit and the change request, all decided before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSpec {
    pub branch: String,
    /// The base branch and the commit the change is cut from.
    pub base_branch: String,
    pub base: CommitSha,
    /// (path, new text) of every file the commit changes.
    pub files: Vec<(String, String)>,
    pub message: String,
    pub author: Person,
    /// The commit's time: the planned opening instant, so a re-run writes the very same commit.
    pub at: Timestamp,
    pub title: String,
    pub body: String,
}

/// Something the runner does. Effects are listed (and, under `--dry-run`, only listed) in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Write the drill's commit, push its branch and open the change (looking before creating).
    Open(Box<OpenSpec>),
    /// Merge the opened change at `now`, if its head is still the drill's commit.
    Merge { branch: String, into: String },
    /// The approver reviews the opened change at `head` (a review is required): the merge is sent again after.
    Approve { change: ChangeId, head: CommitSha },
    /// Bring the opened change up to date with `into` (a strict branch refused the merge as behind): its
    /// required checks then run again, and the merge waits for them.
    UpdateBranch { change: ChangeId, into: String, behind: Behind },
    /// Revert the fault's merge on the base branch.
    Revert { commit: CommitSha, why: RevertWhy },
    /// The base branch refused the revert directly: open the change request that lands it (looking before
    /// creating), as a colleague would.
    OpenRevertChange { commit: CommitSha, refused: RevertRefused },
    /// Merge the revert's change request into the base branch.
    MergeRevert { change: ChangeId },
    /// Close the change without merging it, and delete its branch while it is still at the drill's commit.
    Close { branch: String },
    /// A drill refused before its opening was recorded: close the change an earlier run may have opened for
    /// `branch` and stopped before recording (a crash, a kill), so that it is never left open for anyone to merge.
    CloseLeftover { branch: String },
    /// Open the issue that announces the incident (looking before creating).
    Announce { title: String, body: String },
    /// Append an event to the drill's log.
    Append { time: Timestamp, actor: String, kind: EventKind },
    /// Write the drill's report to the ledger (with its `reported` event).
    WriteReport,
    /// Answer whoever gave a command (printed; on GitHub, a comment).
    Reply(Reply),
    /// A safety rule or a state refused something: why (shown in the output and the job summary; exit code 3).
    Refuse(String),
    /// A comment's command was not obeyed: why (answered on the comment and shown in the job summary, but not
    /// a failure of the run: anyone may comment).
    Decline(String),
    /// Nothing to do now, and why: said, not done.
    Note(Note),
    /// React to a comment: 👀 as it is received, 🚀 once answered, 😕 when a command in it was not obeyed.
    React { comment: u64, reaction: Reaction },
    /// Answer a comment in its own thread, where it was written on a line of the diff (the forge knows which;
    /// elsewhere nothing is posted): the responders' status after `answers`, and why `refused` were not obeyed.
    AnswerInThread { comment: u64, answers: Vec<Reply>, refused: Vec<String> },
    /// Post (or bring up to date) the responders' status note at `on`, after `answers`.
    PostStatus { on: Place, answers: Vec<Reply> },
    /// Post the reveal (the fault and how the drill went) on the drill's change: a game master asked for it.
    PostReveal,
    /// Say at `on` that firedrill's revert did not land: the fault is still live, and why (best effort).
    PostRevertBlocked { on: Place, why: String },
}

impl Effect {
    /// Whether a real run's output lists the effect: a reaction or a note is seen where it is posted (a dry run
    /// lists every effect); a revert that waits is said by the revert's own result.
    pub fn listed(&self) -> bool {
        !matches!(
            self,
            Effect::React { .. }
                | Effect::AnswerInThread { .. }
                | Effect::PostStatus { .. }
                | Effect::PostReveal
                | Effect::PostRevertBlocked { .. }
                | Effect::Append { kind: EventKind::RevertWaiting { .. }, .. }
        )
    }

    /// Whether the effect changes something (as opposed to saying something).
    pub fn acts(&self) -> bool {
        !matches!(self, Effect::Note(_) | Effect::Reply(_) | Effect::Refuse(_) | Effect::Decline(_))
    }

    /// Whether the effect writes to the forge or the report (and so changes what the next round sees).
    pub fn acts_on_forge(&self) -> bool {
        matches!(
            self,
            Effect::Open(_)
                | Effect::Merge { .. }
                | Effect::Approve { .. }
                | Effect::UpdateBranch { .. }
                | Effect::Revert { .. }
                | Effect::OpenRevertChange { .. }
                | Effect::MergeRevert { .. }
                | Effect::Close { .. }
                | Effect::CloseLeftover { .. }
                | Effect::Announce { .. }
                | Effect::WriteReport
        )
    }
}

pub use crate::types::Reaction;

/// Where a note about a drill goes: where the team is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The drill's change (its pull request).
    Change,
    /// The issue announcing the incident (its number).
    Issue(String),
}

/// An answer to a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Status,
    Help,
    /// The hint just released (index, text).
    Hint(usize, String),
    NoHintLeft,
    Reveal,
}

/// A remark about a drill that is waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// Running since `since`; reverted at `deadline` when auto-revert is on.
    Running { since: Timestamp, deadline: Timestamp, auto_revert: bool },
    /// Opened; merges at the instant.
    WaitingToMerge { at: Timestamp },
    /// Planned; opens at the instant.
    WaitingToOpen { at: Timestamp },
    /// The scenario of a running drill is gone: recovery cannot be judged from content.
    ScenarioMissing,
    /// Where the fault lands, said as it goes ahead: production allowed, or what could not be proven.
    Reach(String),
}
