//! What the runner observed for one decision: what the forge, the comments and the monitoring showed about a drill.

use super::*;

/// What the forge showed about one drill, gathered by the runner for this decision (and updated with the
/// results of the actions taken in this run).
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// For a drill about to open: the base branch's tip and the files read there (`None`: absent).
    pub base: Option<Base>,
    /// For a drill about to open: why the base branch's guard rails would block its merge or its revert (see
    /// [`crate::drill::guard::refusal`]); `None`: they let it through, or the forge has none.
    pub guard_refusal: Option<String>,
    /// For a drill about to open or merge: the fault would reach production through what renders its target
    /// (see [`crate::reach`]), and the chain that proves it; asked only then, and not with `allow_production`.
    pub reach_refusal: Option<String>,
    /// For a drill about to open or merge: what the run should say of where the fault lands although it goes
    /// ahead (production allowed by `allow_production`, environments of unknown kind, what was not followed).
    pub reach_note: Option<String>,
    /// For a drill about to open: what a pull request into the base branch waits for (required checks, a code
    /// owner's review), recorded with the opening; `None` where the forge has no guard rails.
    pub gate: Option<crate::drill::guard::Gate>,
    /// For a drill about to open: why firedrill has nobody to act as (a GitHub App token without `identity`).
    pub identity_refusal: Option<String>,
    /// The change firedrill opened in this run (or found already open for the drill's branch).
    pub opened: Option<Change>,
    /// A merge attempted in this run did not go through, and why.
    pub merge_refused: Option<String>,
    /// A merge attempted in this run was held back by a guard rail that may still give way (a required check
    /// not passed yet, the branch just brought up to date): why, and the change's new head if firedrill moved it.
    pub merge_waiting: Option<(String, Option<CommitSha>)>,
    /// A merge attempted in this run (of the drill's change, or of the revert's) needs something firedrill can
    /// give before it is sent again (the approver's review, the branch brought up to date).
    pub merge_needs: Option<crate::types::MergeNeed>,
    /// firedrill's revert in this run was refused by the base branch directly: it goes through a change request.
    pub revert_refused: Option<crate::types::RevertRefused>,
    /// The change request that lands firedrill's revert (opened in this run, or found open from an earlier one).
    pub revert_change: Option<Change>,
    /// The change is on the base branch: its landing (from a merge in this run, or the truth looked up after a
    /// refused merge: a racing run may have merged it).
    pub landed: Option<(CommitSha, Timestamp)>,
    /// For a running drill: the fault at the base branch's tip.
    pub fault: Option<FaultView>,
    /// The first success of a deploy signal on a commit that holds the fault (asked while the fault's deploy
    /// is pending: at the branch's tip while the fault holds there, or the last commit holding it once removed).
    pub fault_live: Option<Seen>,
    /// The first success of a deploy signal on a commit that holds the fault's removal (the branch's tip).
    pub fix_live: Option<Seen>,
    /// The deploy signals were asked in this run (once per signal and run, whatever the rounds).
    pub deploy_asked: bool,
    /// A deploy signal that could not be read in this run, and why (it counts as not seen).
    pub deploy_unread: Option<String>,
    /// The change was closed in this run.
    pub closed: bool,
    /// The forge has issues (where a drill can be announced); plain git has none.
    pub issues: bool,
    /// The issue announcing the incident, opened (or found) in this run.
    pub announced: Option<String>,
    /// Commands given on the command line for this drill in this run, in order.
    pub commands: Vec<Received>,
    /// An open issue labelled `incident_label` in the target repository (its number). Asked only when the drill
    /// is about to open or merge, so an idle tick costs nothing more; `None`: none open, or not asked.
    pub incident: Option<u64>,
    /// Comments with `/drill` lines on the drill's pull request that were not answered yet, oldest first.
    pub comments: Vec<CommentIn>,
    /// The first comment on the drill's pull request after the merge by someone other than firedrill or a
    /// bot (who, when): what "detected" is inferred from when nobody said `/drill ack`.
    pub first_reply: Option<(String, Timestamp)>,
    /// What the team's monitoring showed about the drill in this run (`observe:`).
    pub watch: Watch,
}

/// Why firedrill's revert did not land, as the forge said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevertBlocked {
    /// The forge's words, for the team.
    pub why: String,
    /// The revert went through a pull request that cannot land yet: its number, and why from GitHub's state.
    pub waiting: Option<(String, String)>,
}

/// What the team's monitoring showed in this run: Prometheus' answers and pushed alerts, already judged against
/// the drill's window by [`crate::observe`] (see the runner's `watch`).
#[derive(Debug, Clone, Default)]
pub struct Watch {
    /// Prometheus was asked (or could not be) in this run: once per run, whatever the rounds.
    pub asked: bool,
    /// The first instant `health` was false after the merge, and what told.
    pub broken: Option<(Timestamp, String)>,
    /// The first matching alert in `firing` in the drill's window.
    pub alert: Option<crate::observe::AlertSeen>,
    /// The first instant `health` was true again after the removal (and after `broken`), and what told.
    pub restored: Option<(Timestamp, String)>,
    /// `health` was read and stayed true from the fault's going live to `effect_within` after it.
    pub no_effect: Option<(Timestamp, String)>,
    /// `safety.stop_if` is true now: why the drill must stop.
    pub stop: Option<String>,
    /// The preflight health check was made in this run (once, whatever the rounds).
    pub preflight_asked: bool,
    /// For a drill about to open or merge: `health` is false now (`staging is already broken: …`).
    pub already_broken: Option<String>,
    /// What could not be read (Prometheus down, a variable unset): said in the run, and the drill goes on.
    pub unread: Vec<String>,
}

/// A commit a deploy signal reported live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub at: Timestamp,
    /// The signal, as `DeploySignal::describe` says it.
    pub signal: String,
    pub commit: CommitSha,
}

/// Who wrote a comment, as far as obeying it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// The command line: whoever runs firedrill can already push to the repositories it acts on.
    Trusted,
    /// A bot account: never obeyed (two bots answering each other would never stop).
    Bot,
    /// A person with this permission on the target repository, as GitHub's collaborator-permission API names
    /// it: it sees team and organisation access, which a comment's `author_association` does not.
    Permission(Permission),
}

/// A comment holding `/drill` lines, not answered yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentIn {
    pub id: u64,
    pub by: String,
    /// When it was written (not when firedrill saw it): the instant its commands stamp.
    pub at: Timestamp,
    pub standing: Standing,
    /// It was changed after it was written: commands are read from new comments only, so an edit cannot
    /// re-run one or slip one in under an old time.
    pub edited: bool,
    /// Its commands in order, each parsed or why the line is not a command.
    pub commands: Vec<Result<(DrillCommand, Option<String>), String>>,
}

/// The base branch before opening.
#[derive(Debug, Clone)]
pub struct Base {
    pub head: Option<CommitSha>,
    /// The target file and the cover files, as read at `head`.
    pub files: Vec<(String, Option<String>)>,
    /// The team's recent work on the branch, which the disguise is fitted to (`None`: not read).
    pub recent: Option<crate::disguise::style::Recent>,
}

/// The fault at the tip of the base branch.
#[derive(Debug, Clone)]
pub struct FaultView {
    pub head: CommitSha,
    pub holds: bool,
    /// When it does not hold: the first landing after which the fault stayed gone up to the tip.
    pub removal: Option<Removal>,
}

/// The commit that removed the fault, with what is needed to tell how.
#[derive(Debug, Clone)]
pub struct Removal {
    pub landing: Landing,
    /// The target file is exactly what it was before the drill (a revert, whatever its message says: GitHub's
    /// Revert button lands as "Merge pull request #N").
    pub back_to_before: bool,
}

/// A command for this drill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub command: DrillCommand,
    pub args: Option<String>,
    /// Who gave it (a login on GitHub, a name on the command line).
    pub by: String,
    /// When it was given (a comment's creation time, not when firedrill saw it).
    pub at: Timestamp,
}
