//! Decide, then do: one drill's state, its scenario, the settings, what the forge shows and `now` → the effects
//! to carry out. Pure: every rule of the incident phase lives here, and the runner only executes.
//!
//! The runner calls [`step`] in rounds: it gathers an [`Observed`] for the drill, executes the effects, folds the
//! events it appended into the drill, feeds the results of forge actions back into the observation, and calls
//! [`step`] again until nothing is left to do. Every rule is therefore idempotent: the same state and the same
//! observation give the same effects, so a re-run after a crash at any point picks up where the last one
//! stopped, and a dry run lists exactly what a real run at the same instant would do.

use jiff::{SignedDuration, Timestamp};

use super::command::DrillCommand;
use super::event::{EventKind, RecoveryHow, TargetRef};
use super::prepare;
use super::state::{Drill, Phase, human_duration};
use crate::scenario::{Config, Scenario};
use crate::schedule::{DrillId, Plan};
use crate::types::{Change, CommitSha, FIREDRILL_ACTOR, Landing, Permission, Person};

/// The settings a decision depends on.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub config: &'a Config,
    /// Who firedrill acts as (the drill token's owner): its own commits are recognised by this identity.
    pub actor: &'a Person,
    /// The forge can tell when a commit went live (commit statuses, check runs, deployments): the deploy
    /// signals are asked there, and nowhere else.
    pub deploys: bool,
}

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
    /// Revert the fault's merge on the base branch.
    Revert { commit: CommitSha, why: RevertWhy },
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
}

impl Effect {
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
                | Effect::Revert { .. }
                | Effect::Close { .. }
                | Effect::CloseLeftover { .. }
                | Effect::Announce { .. }
                | Effect::WriteReport
        )
    }
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

/// The decision for one drill at `now`.
pub fn step(d: &Drill, s: Option<&Scenario>, cx: &Context<'_>, o: &Observed, now: Timestamp) -> Vec<Effect> {
    let mut out = Vec::new();
    // A stop (revert or abort) given now, or recorded by an earlier run that did not get to carry it out.
    let stop = commands(d, s, cx, o, now, &mut out)
        .or_else(|| pending_stop(d))
        .or_else(|| kill_switch_abort(d, cx, now, &mut out))
        .or_else(|| monitor_abort(d, s, o, now, &mut out));
    let c = stop.as_ref().map(|(c, _)| *c);
    match d.phase() {
        Phase::Planned => planned(d, s, cx, o, now, c, &mut out),
        Phase::Opened => opened(d, s, cx, o, now, c, &mut out),
        Phase::Merged => running(d, s, cx, o, now, stop, &mut out),
        Phase::Recovered | Phase::GaveUp | Phase::TimedOut | Phase::Aborted | Phase::Abandoned => {
            settled(d, s, o, now, &mut out)
        }
    }
    if d.report_due() {
        out.push(Effect::WriteReport);
    }
    out
}

fn append(out: &mut Vec<Effect>, time: Timestamp, actor: &str, kind: EventKind) {
    out.push(Effect::Append { time, actor: actor.to_owned(), kind });
}

/// The commands received in this run (the command line's, then the comments'): checked, recorded, answered.
/// Returns a stop asked for (`revert` or `abort`), which the phase rules carry out.
fn commands(
    d: &Drill,
    s: Option<&Scenario>,
    cx: &Context<'_>,
    o: &Observed,
    now: Timestamp,
    out: &mut Vec<Effect>,
) -> Option<(DrillCommand, String)> {
    let mut stop = None;
    let mut hints_released: Vec<usize> = d.hints.iter().map(|(i, _)| *i).collect();
    for r in &o.commands {
        match refusal(d, cx, r) {
            Some(why) => out.push(Effect::Refuse(why)),
            None => obey(r, s, now, &mut hints_released, &mut stop, out),
        }
    }
    for c in o.comments.iter().filter(|c| !d.answered(c.id)) {
        let mut refused = Vec::new();
        match not_obeyed(c) {
            Some(why) => refused.push(why),
            None => {
                for command in &c.commands {
                    let (command, args) = match command {
                        Ok(x) => x.clone(),
                        Err(why) => {
                            refused.push(why.clone());
                            continue;
                        }
                    };
                    let r = Received { command, args, by: c.by.clone(), at: c.at };
                    match refusal(d, cx, &r) {
                        Some(why) => refused.push(why),
                        None => obey(&r, s, now, &mut hints_released, &mut stop, out),
                    }
                }
            }
        }
        for why in &refused {
            out.push(Effect::Decline(format!("comment {} by {}: {why}", c.id, c.by)));
        }
        append(out, c.at, &c.by, EventKind::Comment { id: c.id, refused });
    }
    stop
}

/// Why none of a comment's commands is obeyed, whatever they are.
fn not_obeyed(c: &CommentIn) -> Option<String> {
    match &c.standing {
        Standing::Bot => return Some(format!("{} is a bot: commands are taken from people only", c.by)),
        Standing::Trusted => {}
        Standing::Permission(p) if p.can_write() => {}
        Standing::Permission(Permission::NoAccess) => {
            return Some(format!("{} has no access to the repository; commands need write access (or more)", c.by));
        }
        Standing::Permission(p) => {
            return Some(format!(
                "{} has {p} permission on the repository; commands need write access (or more)",
                c.by
            ));
        }
    }
    c.edited.then(|| "the comment was edited; commands are read from new comments only: post a new one".to_owned())
}

/// Carries out one command that may be obeyed: records it, answers it, and notes a stop.
fn obey(
    r: &Received,
    s: Option<&Scenario>,
    now: Timestamp,
    hints_released: &mut Vec<usize>,
    stop: &mut Option<(DrillCommand, String)>,
    out: &mut Vec<Effect>,
) {
    let record = EventKind::Command { name: r.command.into(), args: r.args.clone() };
    match r.command {
        DrillCommand::Help => out.push(Effect::Reply(Reply::Help)),
        DrillCommand::Status => {
            append(out, r.at, &r.by, record);
            out.push(Effect::Reply(Reply::Status));
        }
        DrillCommand::Reveal => out.push(Effect::Reply(Reply::Reveal)),
        DrillCommand::Ack | DrillCommand::Found | DrillCommand::Fixed => append(out, r.at, &r.by, record),
        DrillCommand::Hint => {
            append(out, r.at, &r.by, record);
            // The first hint not released yet (by an earlier command or by its `after:` time).
            let next = s.and_then(|s| {
                s.hints.iter().enumerate().find(|(i, _)| !hints_released.contains(i)).map(|(i, h)| (i, h.text.clone()))
            });
            match next {
                Some((index, text)) => {
                    append(out, r.at, &r.by, EventKind::Hint { index, text: text.clone() });
                    out.push(Effect::Reply(Reply::Hint(index, text)));
                    hints_released.push(index);
                }
                None => out.push(Effect::Reply(Reply::NoHintLeft)),
            }
        }
        DrillCommand::Revert | DrillCommand::Abort => {
            append(out, r.at.min(now), &r.by, record);
            *stop = Some((r.command, r.by.clone()));
        }
    }
}

/// Why a command cannot be obeyed now, if it cannot.
fn refusal(d: &Drill, cx: &Context<'_>, r: &Received) -> Option<String> {
    let verb = r.command.verb();
    if r.command.game_masters_only()
        && !cx.config.game_masters.is_empty()
        && !cx.config.game_masters.iter().any(|g| g.as_str().eq_ignore_ascii_case(&r.by))
    {
        let gms: Vec<&str> = cx.config.game_masters.iter().map(|g| g.as_str()).collect();
        return Some(format!("`/drill {verb}` is for game masters only ({}); {} is not one", gms.join(", "), r.by));
    }
    let resolved = d.is_resolved();
    match r.command {
        DrillCommand::Reveal if !resolved => {
            Some("`/drill reveal` shows the answer after the drill ends; the drill is still on".to_owned())
        }
        DrillCommand::Revert | DrillCommand::Abort if resolved => {
            Some(format!("the drill is over ({}); nothing to {verb}", d.phase().name()))
        }
        DrillCommand::Ack | DrillCommand::Found | DrillCommand::Fixed | DrillCommand::Hint
            if d.phase() != Phase::Merged =>
        {
            Some(format!("`/drill {verb}` is for a running drill; this one is {}", d.phase().name()))
        }
        _ => None,
    }
}

/// The safety limits of `firedrill.yml` that apply to landing a fault on `target` of `environment`, checked
/// where the action happens (starting, opening and merging), not only by `validate`.
pub fn limits(c: &Config, target: &TargetRef, environment: Option<&str>) -> Option<String> {
    let branch = target.branch.as_str();
    if !c.allow_production {
        let named = [("branch", Some(branch)), ("environment", environment), ("path", Some(target.path.as_str()))];
        for (what, name) in named {
            let Some(name) = name else { continue };
            if let Some(word) = crate::scenario::looks_like_production(name) {
                return Some(format!(
                    "{what} `{name}` looks like production (the word `{word}`); set `allow_production: true` in \
                     firedrill.yml if it is not"
                ));
            }
        }
    }
    if !c.allows_branch(branch) {
        let allowed = c.allowed_branches.as_deref().unwrap_or_default().join(", ");
        return Some(format!("branch `{branch}` is not in allowed_branches ({allowed}) of firedrill.yml"));
    }
    if let Some(env) = environment
        && !c.allows_environment(env)
    {
        let allowed = c.allowed_environments.as_deref().unwrap_or_default().join(", ");
        return Some(format!("environment `{env}` is not in allowed_environments ({allowed}) of firedrill.yml"));
    }
    None
}

/// Why no new fault may land now (opening or merging a drill), if it may not: the limits of `firedrill.yml`
/// (the scenario gives the environment, where it is known), the kill switch, an open incident.
fn new_fault_refusal(d: &Drill, s: Option<&Scenario>, cx: &Context<'_>, o: &Observed) -> Option<String> {
    limits(cx.config, &d.target, s.and_then(|s| s.target.environment.as_deref()))
        .or_else(|| o.reach_refusal.clone().filter(|_| !cx.config.allow_production))
        .or_else(|| switched_off(cx.config))
        .or_else(|| o.watch.already_broken.clone())
        .or_else(|| {
            o.incident.map(|n| {
                format!(
                    "issue #{n} labelled `{}` is open in the target repository: no drill during a real incident",
                    cx.config.incident_label
                )
            })
        })
}

/// Why the kill switch stops new drills, if it does (`enabled: false`, or `abort`: which also stops them).
pub fn switched_off(c: &Config) -> Option<String> {
    (!c.enabled.is_on())
        .then(|| format!("drills are switched off by {}: no new drill opens or merges", c.enabled_source()))
}

/// What the kill switch's `abort` records on an active drill: an `abort` command by firedrill (so a later run
/// carries it out even if the switch is flipped back meanwhile), and the stop to carry out now.
fn kill_switch_abort(
    d: &Drill,
    cx: &Context<'_>,
    now: Timestamp,
    out: &mut Vec<Effect>,
) -> Option<(DrillCommand, String)> {
    if cx.config.enabled != crate::scenario::Enabled::Abort || d.is_resolved() {
        return None;
    }
    let kind = EventKind::Command { name: DrillCommand::Abort.into(), args: Some(KILL_SWITCH.to_owned()) };
    append(out, now, FIREDRILL_ACTOR, kind);
    Some((DrillCommand::Abort, FIREDRILL_ACTOR.to_owned()))
}

/// What the monitoring stops a running drill for, recorded as an `abort` command by firedrill with the reason (so a
/// later run carries it out even if Prometheus cannot be reached then): `safety.stop_if` true, or no effect seen
/// within `effect_within` with `safety.end_if_no_effect`.
fn monitor_abort(
    d: &Drill,
    s: Option<&Scenario>,
    o: &Observed,
    now: Timestamp,
    out: &mut Vec<Effect>,
) -> Option<(DrillCommand, String)> {
    let s = s?;
    if d.phase() != Phase::Merged || !o.fault.as_ref().is_some_and(|f| f.holds) {
        return None;
    }
    let reason = match (&o.watch.stop, &o.watch.no_effect) {
        (Some(why), _) => why.clone(),
        (None, Some((at, within))) if s.safety.end_if_no_effect() && d.broken.is_none() && o.watch.broken.is_none() => {
            if d.no_effect.is_none() {
                append(out, *at, FIREDRILL_ACTOR, EventKind::NoEffect { within: within.clone() });
            }
            format!(
                "no effect seen: the service stayed healthy for {within} after the fault went live (`safety.end_if_no_effect`)"
            )
        }
        _ => return None,
    };
    let kind = EventKind::Command { name: DrillCommand::Abort.into(), args: Some(reason) };
    append(out, now, FIREDRILL_ACTOR, kind);
    Some((DrillCommand::Abort, FIREDRILL_ACTOR.to_owned()))
}

/// What the monitoring saw, recorded once each at the instants it saw them: the service broken, the alert fired,
/// no effect, and (once the fault is gone) the service restored.
fn watched(d: &Drill, o: &Observed, out: &mut Vec<Effect>) {
    let w = &o.watch;
    let no_effect_now = out.iter().any(|e| matches!(e, Effect::Append { kind: EventKind::NoEffect { .. }, .. }));
    if let (None, Some((at, from))) = (d.broken, &w.broken) {
        append(out, *at, FIREDRILL_ACTOR, EventKind::Broken { from: from.clone() });
    }
    if let (None, Some(a)) = (&d.alert, &w.alert) {
        let kind = EventKind::AlertFired {
            alert: a.name.clone(),
            labels: a.labels.clone(),
            from: a.from.clone(),
            fingerprint: a.fingerprint.clone(),
        };
        append(out, a.at, FIREDRILL_ACTOR, kind);
    }
    if let (None, None, None, Some((at, within))) = (d.no_effect, d.broken, &w.broken, &w.no_effect)
        && !no_effect_now
    {
        append(out, *at, FIREDRILL_ACTOR, EventKind::NoEffect { within: within.clone() });
    }
    if let (None, Some((at, from))) = (d.restored, &w.restored)
        && (d.broken.is_some() || w.broken.is_some())
    {
        append(out, *at, FIREDRILL_ACTOR, EventKind::Restored { from: from.clone() });
    }
}

/// The argument of the `abort` recorded by the kill switch, and the reason its drills are aborted for.
pub const KILL_SWITCH: &str = "kill switch";

/// The reason an abort is recorded with: the kill switch's, or the command's.
fn abort_reason(d: &Drill, cx: &Context<'_>, command: String) -> String {
    // A stop firedrill recorded itself from the monitoring (`safety.stop_if`, `end_if_no_effect`) gives its reason.
    if let Some(reason) = d.events.iter().find_map(|e| match &e.kind {
        EventKind::Command { name, args: Some(a) }
            if *name == DrillCommand::Abort && e.actor == FIREDRILL_ACTOR && a != KILL_SWITCH =>
        {
            Some(a.clone())
        }
        _ => None,
    }) {
        return reason;
    }
    let by_switch = cx.config.enabled == crate::scenario::Enabled::Abort
        || d.events.iter().any(
            |e| matches!(&e.kind, EventKind::Command { name, args: Some(a) } if *name == DrillCommand::Abort && a == KILL_SWITCH),
        );
    if by_switch { KILL_SWITCH.to_owned() } else { command }
}

fn abandon(out: &mut Vec<Effect>, now: Timestamp, reason: String) {
    append(out, now, FIREDRILL_ACTOR, EventKind::Abandoned { reason });
}

fn planned(
    d: &Drill,
    s: Option<&Scenario>,
    cx: &Context<'_>,
    o: &Observed,
    now: Timestamp,
    stop: Option<DrillCommand>,
    out: &mut Vec<Effect>,
) {
    if let Some(c) = stop {
        let reason = abort_reason(d, cx, format!("/drill {c} before the change was opened"));
        append(out, now, FIREDRILL_ACTOR, EventKind::Aborted { reason });
        return;
    }
    if d.open_at > now {
        out.push(Effect::Note(Note::WaitingToOpen { at: d.open_at }));
        return;
    }
    let Some(s) = s else {
        return abandon(out, now, format!("scenario `{}` was removed", d.scenario));
    };
    // The limits, the kill switch, a real incident; and, before anything is opened, a token with nobody to act as
    // or guard rails that would hold the fault (it could land but not be removed, or not land at all).
    let unopened = o.opened.is_none();
    let refusal = new_fault_refusal(d, Some(s), cx, o)
        .or_else(|| o.identity_refusal.clone().filter(|_| unopened))
        .or_else(|| {
            let why = o.guard_refusal.as_ref().filter(|_| unopened)?;
            Some(format!("the guard rails of `{}` would hold the drill: {why}", d.target.branch))
        });
    if let Some(why) = refusal {
        out.push(Effect::Refuse(why.clone()));
        close_leftover(d, s, o, now, out);
        return abandon(out, now, format!("refused: {why}"));
    }
    // The change is open (this run opened it, or an earlier run did and stopped before recording it).
    if let (Some(c), Some(base)) = (&o.opened, o.base.as_ref().and_then(|b| b.head.clone())) {
        let kind = EventKind::Opened {
            branch: c.branch.clone(),
            commit: c.head.clone(),
            base,
            change: c.id.clone(),
            variant: s.variant_name().map(str::to_owned),
            gate: o.gate.clone(),
        };
        return append(out, now, FIREDRILL_ACTOR, kind);
    }
    let Some(base) = &o.base else { return };
    let Some(head) = &base.head else {
        return abandon(out, now, format!("branch `{}` does not exist", d.target.branch));
    };
    let edits = prepare::edits(s, |p| {
        base.files
            .iter()
            .find(|(path, _)| path == p)
            .and_then(|(_, text)| text.clone())
            .ok_or_else(|| (format!("`{p}` does not exist at {}", head.short()), None))
    });
    let edits = match edits {
        Ok(e) => e,
        Err(e) => return abandon(out, now, e.to_string()),
    };
    let plan = plan_of(d, s);
    let disguise = match prepare::disguise_in_style(s, &plan.drill_id, Some(&plan), now, base.recent.as_ref()) {
        Ok((x, _)) => x,
        Err(e) => return abandon(out, now, e.to_string()),
    };
    let author = match disguise.author {
        crate::disguise::Author::Explicit { name, email } => Person::new(name, email),
        crate::disguise::Author::TokenOwner => cx.actor.clone(),
    };
    if let Some(note) = &o.reach_note {
        out.push(Effect::Note(Note::Reach(note.clone())));
    }
    out.push(Effect::Open(Box::new(OpenSpec {
        branch: disguise.branch,
        base_branch: d.target.branch.clone(),
        base: head.clone(),
        files: edits.into_iter().map(|e| (e.path, e.after)).collect(),
        message: disguise.commit_message,
        author,
        at: d.open_at,
        title: disguise.pr_title,
        body: disguise.pr_body,
    })));
}

/// On a refusal before the opening is recorded: the branch an earlier run of this drill would have opened (the
/// disguise is the same on every run), to close what it may have left open.
fn close_leftover(d: &Drill, s: &Scenario, o: &Observed, now: Timestamp, out: &mut Vec<Effect>) {
    if o.opened.is_some() || o.closed {
        return;
    }
    let plan = plan_of(d, s);
    if let Ok(disguise) = prepare::disguise(s, &plan.drill_id, Some(&plan), now) {
        out.push(Effect::CloseLeftover { branch: disguise.branch });
    }
}

/// The plan a drill was made from, as the disguise needs it.
pub fn plan_of(d: &Drill, s: &Scenario) -> Plan {
    let zone = s.schedule.as_ref().map_or_else(crate::schedule::Zone::utc, |sch| sch.timezone().zone().clone());
    Plan { drill_id: d.id.clone(), occurrence: d.occurrence, open_at: d.open_at, merge_at: d.merge_at, zone }
}

fn opened(
    d: &Drill,
    s: Option<&Scenario>,
    cx: &Context<'_>,
    o: &Observed,
    now: Timestamp,
    stop: Option<DrillCommand>,
    out: &mut Vec<Effect>,
) {
    let Some(op) = &d.opened else { return };
    // Never leave the disguised pull request open when the drill ends before its merge (closing also deletes its
    // branch while it is still the drill's).
    let close = |out: &mut Vec<Effect>| {
        if !o.closed {
            out.push(Effect::Close { branch: op.branch.clone() });
        }
    };
    // The truth first: a change on the base branch is merged, whatever this run's merge attempt said.
    if let Some((commit, at)) = &o.landed {
        return append(out, *at, FIREDRILL_ACTOR, EventKind::Merged { commit: commit.clone() });
    }
    if let Some(c) = stop {
        close(out);
        let reason = abort_reason(d, cx, format!("/drill {c} before the merge"));
        return append(out, now, FIREDRILL_ACTOR, EventKind::Aborted { reason });
    }
    if let Some(reason) = &o.merge_refused {
        // Anyone could approve and merge the fault later, unwatched, with no safety timer.
        close(out);
        return abandon(out, now, reason.clone());
    }
    if let Some((reason, head)) = &o.merge_waiting {
        // The gate may still open: try again on the next run, up to `merge.max_wait` after it first held.
        let max_wait = s.map_or(crate::scenario::DEFAULT_MERGE_MAX_WAIT, |s| s.merge.max_wait());
        let since = d.merge_waiting_since.unwrap_or(now);
        if now >= since.checked_add(max_wait.to_signed()).unwrap_or(Timestamp::MAX) {
            close(out);
            let waited = crate::drill::state::human_duration(now.duration_since(since));
            return abandon(out, now, format!("the merge waited {waited} (`merge.max_wait`) and {reason}"));
        }
        append(out, now, FIREDRILL_ACTOR, EventKind::MergeWaiting { reason: reason.clone(), head: head.clone() });
        return;
    }
    if d.merge_at > now {
        out.push(Effect::Note(Note::WaitingToMerge { at: d.merge_at }));
        return;
    }
    if let Some(why) = new_fault_refusal(d, s, cx, o) {
        out.push(Effect::Refuse(why.clone()));
        close(out);
        return abandon(out, now, format!("refused: {why}"));
    }
    if let Some(note) = &o.reach_note {
        out.push(Effect::Note(Note::Reach(note.clone())));
    }
    out.push(Effect::Merge { branch: op.branch.clone(), into: d.target.branch.clone() });
}

/// The instant the safety timer fires.
pub fn deadline(merged_at: Timestamp, s: &Scenario) -> Timestamp {
    // Durations are bounded by validation; saturate rather than wrap for anything that slips through.
    merged_at.checked_add(s.safety.max_duration().to_signed()).unwrap_or(Timestamp::MAX)
}

/// The stop (revert or abort) recorded in the log of an unresolved drill: not carried out yet.
fn pending_stop(d: &Drill) -> Option<(DrillCommand, String)> {
    if d.is_resolved() {
        return None;
    }
    d.commands()
        .filter_map(|(name, by, _)| match name.command() {
            Some(stop @ (DrillCommand::Revert | DrillCommand::Abort)) => Some((stop, by.to_owned())),
            _ => None,
        })
        .last()
}

fn running(
    d: &Drill,
    s: Option<&Scenario>,
    cx: &Context<'_>,
    o: &Observed,
    now: Timestamp,
    stop: Option<(DrillCommand, String)>,
    out: &mut Vec<Effect>,
) {
    let Some(merged) = &d.merged else { return };
    // Detected: the first responder's comment after the merge, where nobody said `/drill ack`.
    let acked_now = out.iter().any(
        |e| matches!(e, Effect::Append { kind: EventKind::Command { name, .. }, .. } if *name == DrillCommand::Ack),
    );
    if let Some((by, at)) = &o.first_reply
        && *at >= merged.at
        && d.stamped(DrillCommand::Ack).is_none()
        && !acked_now
    {
        let from = format!("the first comment on the pull request, by {by}");
        append(out, *at, by, EventKind::Inferred { phase: DrillCommand::Ack.into(), from });
    }
    let Some(s) = s else {
        out.push(Effect::Note(Note::ScenarioMissing));
        return;
    };
    let Some(fault) = &o.fault else { return };
    let deadline = deadline(merged.at, s);

    if !fault.holds {
        let Some(removal) = &fault.removal else { return };
        let l = &removal.landing;
        let ours = l.committer == *cx.actor;
        let reverts = l.message.starts_with("Revert")
            || l.message.contains(merged.commit.as_str())
            || d.opened.as_ref().is_some_and(|op| l.message.contains(op.commit.as_str()))
            || removal.back_to_before;
        match stop {
            // Aborted: the fault is gone (reverted by firedrill or anyone); the drill ends as aborted.
            Some((DrillCommand::Abort, by)) => {
                let reason = abort_reason(d, cx, "/drill abort".to_owned());
                append(out, l.at.max(merged.at), &by, EventKind::Aborted { reason });
                return;
            }
            Some((_, by)) if ours => {
                let kind = EventKind::Recovered { commit: l.sha.clone(), how: RecoveryHow::GaveUp };
                append(out, l.at, &by, kind);
                return;
            }
            _ => {}
        }
        let how = if ours && l.at >= deadline && reverts {
            append(out, l.at, FIREDRILL_ACTOR, EventKind::TimedOut { reverted_by: Some(l.sha.clone()) });
            RecoveryHow::Timeout
        } else if reverts {
            RecoveryHow::Revert
        } else {
            RecoveryHow::Fix
        };
        // The recovery is the responder's: the commit's author is the event's actor.
        append(out, l.at, &l.author.name, EventKind::Recovered { commit: l.sha.clone(), how });
        fault_live(d, merged.at, o, out);
        watched(d, o, out);
        if let Some(seen) = &o.fix_live {
            append(out, seen.at.max(l.at), FIREDRILL_ACTOR, fix_deployed(seen));
        } else if cx.deploys && !s.deploy_signals().is_empty() {
            // Asked on every run until the fix is seen live, or `deploy.watch` after the removal.
            let until = l.at.checked_add(s.deploy.watch().to_signed()).unwrap_or(Timestamp::MAX);
            let signals = s.deploy_signals().iter().map(|g| g.describe()).collect();
            append(out, l.at, FIREDRILL_ACTOR, EventKind::DeployWatch { until, signals });
        }
        return;
    }
    fault_live(d, merged.at, o, out);
    watched(d, o, out);

    // Still broken. A stop asked for is carried out first.
    if let Some((c, _)) = stop {
        let why = if c == DrillCommand::Abort { RevertWhy::Abort } else { RevertWhy::GaveUp };
        out.push(Effect::Revert { commit: merged.commit.clone(), why });
        return;
    }
    if now >= deadline {
        if s.safety.auto_revert() {
            out.push(Effect::Revert { commit: merged.commit.clone(), why: RevertWhy::Timeout });
        } else {
            append(out, deadline, FIREDRILL_ACTOR, EventKind::TimedOut { reverted_by: None });
        }
        return;
    }
    // The briefing: an issue where the team can talk to firedrill, opened while the fault is live.
    if let Some(a) = &s.announce
        && d.announced().is_none()
        && o.issues
    {
        match &o.announced {
            Some(issue) => append(out, now, FIREDRILL_ACTOR, EventKind::Announced { issue: issue.clone() }),
            None => out.push(Effect::Announce { title: a.issue.clone(), body: announcement(a) }),
        }
    }
    // Hints whose time has come (never one due after the deadline: the drill ends first), once each: not one
    // released before, nor one a `/drill hint` of this run released.
    let asked: Vec<usize> = out
        .iter()
        .filter_map(|e| match e {
            Effect::Append { kind: EventKind::Hint { index, .. }, .. } => Some(*index),
            _ => None,
        })
        .collect();
    for (index, hint) in s.hints.iter().enumerate() {
        let due = merged.at.checked_add(hint.after.to_signed()).unwrap_or(Timestamp::MAX);
        let released = d.hints.iter().any(|(i, _)| *i == index) || asked.contains(&index);
        if due <= now && due < deadline && !released {
            append(out, now, FIREDRILL_ACTOR, EventKind::Hint { index, text: hint.text.clone() });
        }
    }
    out.push(Effect::Note(Note::Running { since: merged.at, deadline, auto_revert: s.safety.auto_revert() }));
}

/// The fault went live, as a deploy signal told (once; never before the merge).
fn fault_live(d: &Drill, merged_at: Timestamp, o: &Observed, out: &mut Vec<Effect>) {
    if let (None, Some(seen)) = (&d.fault_live, &o.fault_live) {
        let kind = EventKind::FaultDeployed { signal: seen.signal.clone(), commit: seen.commit.clone() };
        append(out, seen.at.max(merged_at), FIREDRILL_ACTOR, kind);
    }
}

fn fix_deployed(seen: &Seen) -> EventKind {
    EventKind::FixDeployed { signal: seen.signal.clone(), commit: seen.commit.clone() }
}

/// A finished drill whose fix's deploy is still watched for: recorded when a signal tells, given up on at the
/// end of `deploy.watch`.
fn settled(d: &Drill, s: Option<&Scenario>, o: &Observed, now: Timestamp, out: &mut Vec<Effect>) {
    if d.merged.is_some() {
        watched(d, o, out);
    }
    // The restoration is asked for up to `deploy.watch` after the fault's removal (or the drill's end).
    if d.restore_pending() && o.watch.restored.is_none() {
        let end = d.recovered.as_ref().map(|(l, _)| l.at).or(d.aborted.as_ref().map(|a| a.at)).unwrap_or(now);
        let watch = s.map_or(crate::scenario::DEFAULT_DEPLOY_WATCH, |s| s.deploy.watch());
        let until = end.checked_add(watch.to_signed()).unwrap_or(Timestamp::MAX);
        if now >= until {
            let reason = format!("health was not true again within {} of the fault's removal", watch.as_str());
            append(out, until, FIREDRILL_ACTOR, EventKind::Unrestored { reason });
        }
    }
    let (Some((until, signals)), true) = (&d.deploy_watch, d.deploy_pending()) else { return };
    let removed_at = d.recovered.as_ref().map_or(now, |(l, _)| l.at);
    if let Some(seen) = &o.fix_live {
        append(out, seen.at.max(removed_at), FIREDRILL_ACTOR, fix_deployed(seen));
    } else if now >= *until {
        // The signals the watch was recorded with: what was asked, whatever the scenario says now.
        let watched = human_duration(until.duration_since(removed_at));
        let reason = format!(
            "no deploy signal ({}) reported a commit holding the removal within {watched} of it",
            signals.join(", ")
        );
        append(out, *until, FIREDRILL_ACTOR, EventKind::DeployUnobserved { what: "fix".to_owned(), reason });
    }
}

/// The body of the issue announcing a drill: the scenario's words, else a neutral note; and how to use it.
fn announcement(a: &crate::scenario::Announce) -> String {
    let text =
        a.body.as_deref().map(str::trim_end).filter(|b| !b.is_empty()).unwrap_or(
            "Something is wrong on staging since a few minutes ago. Please investigate and keep notes here.",
        );
    format!("{text}\n\n`/drill help` in a comment here lists what firedrill can do for you.")
}

/// Whether the fault holds in `text` (the target file's content at some commit).
pub fn fault_holds(s: &Scenario, text: Option<&str>) -> bool {
    let selector = s.target.document_selector();
    text.is_some_and(|t| prepare::fault_holds(s, t, s.target.format(), selector.as_ref()))
}

/// Of the landings after the fault (oldest first, with whether the fault holds after each), the one after
/// which the fault stayed gone up to the last: a fault removed, re-introduced and removed again was recovered
/// by the last removal.
pub fn removal_of<T>(landings: Vec<(T, bool)>) -> Option<T> {
    let mut found = None;
    for (l, holds) in landings {
        if holds {
            found = None;
        } else if found.is_none() {
            found = Some(l);
        }
    }
    found
}

/// A drill planned by hand now (`firedrill start`), or why not: the same "one drill per target" rule as the
/// scheduler, so a dry run and a real run agree.
pub fn start(
    s: &Scenario,
    drills: &[Drill],
    cx: &Context<'_>,
    now: Timestamp,
    merge_in: Option<SignedDuration>,
) -> Result<Plan, String> {
    let target = super::due::target_of(s);
    if let Some(d) = drills.iter().find(|d| !d.is_resolved() && super::due::same_target(&d.target, &target)) {
        return Err(format!(
            "drill {} on the same target is not resolved yet ({}): one drill at a time",
            d.id,
            d.phase().name()
        ));
    }
    if let Some(why) = limits(cx.config, &target, s.target.environment.as_deref()).or_else(|| switched_off(cx.config)) {
        return Err(why);
    }
    // The occurrence is this minute: the drill id, and so every seeded choice, is stable within it.
    let occurrence = Timestamp::from_second(now.as_second() - now.as_second().rem_euclid(60)).unwrap_or(now);
    let id = DrillId::new(s.id.as_str(), occurrence);
    if drills.iter().any(|d| d.id == id) {
        return Err(format!("drill {id} was already started this minute"));
    }
    // The pull request stays open `merge.open_for` (its checks run, people see it), then the merge instant is
    // drawn in the scenario's window, if it has one.
    let window = s.schedule.as_ref().map_or(SignedDuration::ZERO, |sc| sc.window().to_signed());
    let merge_at = match merge_in {
        Some(d) => now.checked_add(d).unwrap_or(now),
        None => {
            let opened_for = now.checked_add(s.merge.open_for().to_signed()).unwrap_or(now);
            crate::schedule::merge_instant(opened_for, window, id.as_str())
        }
    };
    let zone = s.schedule.as_ref().map_or_else(crate::schedule::Zone::utc, |sch| sch.timezone().zone().clone());
    Ok(Plan { drill_id: id, occurrence, open_at: now, merge_at, zone })
}

#[cfg(test)]
#[path = "step_tests.rs"]
mod tests;
