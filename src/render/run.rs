//! What a run says: the effects it takes (worded "would …" under `--dry-run`), their results, the answers to
//! commands, and the commit messages firedrill writes. Pure, snapshot-tested.

use std::fmt::Write as _;

use jiff::Timestamp;

use super::comment::Marker;
use super::instant;
use crate::drill::command::DrillCommand;
use crate::drill::event::{EventKind, RecoveryHow};
use crate::drill::state::{Drill, human_duration};
use crate::drill::step::{Effect, Note, Place, Reply, RevertWhy};
use crate::scenario::Scenario;
use crate::types::FIREDRILL_ACTOR;

/// What a run did (or, under dry-run, would do), section by section, for people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// (title, lines): "plan due drills", then one section per drill that had something to do or say.
    pub steps: Vec<(String, Vec<String>)>,
    /// API requests the run sent (GitHub), for the summary.
    pub requests: usize,
    /// Requests the run sent to Prometheus (`observe:`).
    pub prometheus_requests: usize,
    /// What safety rules refused in this run, and drills abandoned by it (exit code 3).
    pub refusals: Vec<String>,
    /// The reports written in this run (Markdown), each with its drill's id: the job summary shows the one of
    /// the drill the run is about.
    pub reports: Vec<(String, String)>,
    /// Commands in comments that were not obeyed, and why (shown, but not a failure of the run).
    pub declined: Vec<String>,
    /// Drills whose fault firedrill had to remove and could not yet (its revert pull request waits): the run
    /// fails (exit 1); the step of each drill says why.
    pub still_live: Vec<String>,
    /// Every effect the run carried out (under dry-run: listed), in order, with its drill's id: the values a dry
    /// run and a real run at the same instant share.
    pub effects: Vec<(String, Effect)>,
}

impl RunReport {
    pub fn step(&mut self, title: impl Into<String>) {
        self.steps.push((title.into(), Vec::new()));
    }
    pub fn say(&mut self, line: impl Into<String>) {
        if let Some((_, lines)) = self.steps.last_mut() {
            lines.push(line.into());
        }
    }
    /// Whether any step did (or would do) something.
    pub fn did_anything(&self) -> bool {
        self.steps.iter().any(|(_, l)| !l.is_empty())
    }
    /// The effect lines of the run, without results: what a dry run and a real run at the same instant share.
    pub fn effect_lines(&self) -> Vec<String> {
        self.steps
            .iter()
            .flat_map(|(_, lines)| lines.iter())
            .filter(|l| !l.starts_with(RESULT))
            .map(|l| {
                let l = l.strip_prefix(DRY_RECORD).or_else(|| l.strip_prefix("would ")).unwrap_or(l);
                l.strip_prefix(RECORD).unwrap_or(l).to_owned()
            })
            .collect()
    }
}

/// The prefix of a result line (what an executed effect produced).
pub const RESULT: &str = "→ ";

/// How a line about a ledger event starts when the event alone is not the sentence.
const RECORD: &str = "record: ";

/// How a dry run says what it would write to the ledger.
const DRY_RECORD: &str = "would record: ";

/// The report of a run as numbered steps.
pub fn report(title: &str, report: &RunReport) -> String {
    let mut out = format!("{title}\n");
    for (i, (step, lines)) in report.steps.iter().enumerate() {
        let _ = writeln!(out, "{}. {step}", i + 1);
        if lines.is_empty() {
            out.push_str("   nothing to do\n");
        }
        for l in lines {
            let _ = writeln!(out, "   {l}");
        }
    }
    // A refusal is listed at the end only when no step said it already.
    let said = |r: &str| {
        let why = r.split_once(": ").map_or(r, |(_, why)| why);
        report.steps.iter().flat_map(|(_, lines)| lines).any(|l| l.contains(why))
    };
    for r in report.refusals.iter().filter(|r| !said(r)) {
        let _ = writeln!(out, "refused: {r}");
    }
    for r in &report.declined {
        let _ = writeln!(out, "not obeyed: {r}");
    }
    for id in &report.still_live {
        let _ = writeln!(out, "failed: {id}: the fault is still live, firedrill's revert has not landed (above)");
    }
    if report.requests > 0 {
        let _ = writeln!(out, "GitHub API requests: {}", report.requests);
    }
    if report.prometheus_requests > 0 {
        let _ = writeln!(out, "Prometheus requests: {}", report.prometheus_requests);
    }
    out
}

/// One effect, as the run lists it: the same words in a dry run and a real run, a dry run saying what it would
/// do ("would merge …") and what it would record ("would record: abandoned: …"), never "would" before a fact.
pub fn effect(e: &Effect, d: &Drill, s: Option<&Scenario>, dry_run: bool) -> String {
    if let (true, Effect::Append { time, kind, actor }) = (dry_run, e) {
        let text = record(kind, *time, actor, d);
        return format!("{DRY_RECORD}{}", text.strip_prefix(RECORD).unwrap_or(&text));
    }
    let would = if dry_run && e.acts() { "would " } else { "" };
    let text = match e {
        Effect::Open(spec) => {
            format!("open `{}` on {} ({} file(s)): {}", spec.branch, spec.base_branch, spec.files.len(), spec.title)
        }
        Effect::Merge { branch, into } => format!("merge `{branch}` into {into}"),
        Effect::Approve { change, head } => {
            format!("approve #{change} at {} with the approver's token (a review is required)", head.short())
        }
        Effect::UpdateBranch { change, into, behind } => {
            let name = match &d.opened {
                Some(op) if op.change == *change => format!("`{}`", op.branch),
                _ => format!("#{change}"),
            };
            format!("bring {name} up to date with {into} (GitHub refused the merge: {})", behind.refused)
        }
        Effect::OpenRevertChange { refused, .. } => format!(
            "land the revert through a pull request: `{}` refused the revert {} directly ({})",
            d.target.branch,
            refused.reverted.short(),
            refused.refused
        ),
        Effect::MergeRevert { change } => format!("merge the revert pull request #{change} into {}", d.target.branch),
        Effect::Revert { commit, why } => {
            let why = match why {
                RevertWhy::Timeout => format!(
                    "max_duration {} passed",
                    s.map_or_else(|| "?".to_owned(), |s| s.safety.max_duration().as_str().to_owned())
                ),
                RevertWhy::GaveUp => "the responders gave up".to_owned(),
                RevertWhy::Abort => "the drill was aborted".to_owned(),
            };
            format!("revert the fault ({}): {why}", commit.short())
        }
        Effect::Close { branch } => format!("close `{branch}` without merging and delete the branch"),
        Effect::CloseLeftover { branch } => {
            format!("close `{branch}` if an earlier run opened it and stopped before recording it")
        }
        Effect::Announce { title, .. } => format!("announce the incident: open the issue \"{title}\""),
        Effect::Append { time, kind, actor } => record(kind, *time, actor, d),
        Effect::WriteReport => format!("write the report to drills/{}/report.md", d.id),
        Effect::Reply(r) => reply(r, d, s, None),
        Effect::Refuse(why) => format!("refused: {why}"),
        Effect::Decline(why) => format!("not obeyed: {why}"),
        Effect::Note(n) => note(n),
        Effect::React { comment, reaction } => format!("react {} to comment {comment}", reaction.as_str()),
        Effect::AnswerInThread { comment, .. } => format!("answer comment {comment} in its thread"),
        Effect::PostStatus { on, .. } => format!("post the responders' status on {}", place(on)),
        Effect::PostReveal => "post the reveal on the pull request".to_owned(),
        Effect::PostRevertBlocked { on, .. } => format!("say on {} that the fault is still live", place(on)),
    };
    format!("{would}{text}")
}

fn place(on: &Place) -> String {
    match on {
        Place::Change => "the pull request".to_owned(),
        Place::Issue(n) => format!("issue #{n}"),
    }
}

fn record(kind: &EventKind, time: Timestamp, actor: &str, d: &Drill) -> String {
    match kind {
        EventKind::Planned { open_at, merge_at, .. } => {
            format!("planned (opens {}, merges {})", instant(*open_at), instant(*merge_at))
        }
        EventKind::Opened { branch, .. } => format!("record: opened `{branch}`"),
        EventKind::Merged { .. } => format!("record: merged into {} at {}", d.target.branch, instant(time)),
        EventKind::MergeWaiting { reason, .. } => format!("merge waiting: {reason}; tried again on the next run"),
        EventKind::RevertWaiting { change, reason } => {
            format!("revert pull request #{change} {reason}; the fault is still live, tried again on the next run")
        }
        // A refusal was said on the line before: the drill ends, the reason is not said twice.
        EventKind::Abandoned { reason } if reason.starts_with("refused: ") => {
            "abandoned: the drill ends here, refused as said above".to_owned()
        }
        EventKind::Abandoned { reason } => format!("abandoned: {reason}"),
        EventKind::Command { name, .. } => format!("record: /drill {name} by {actor} at {}", instant(time)),
        // A hint asked for by a command: its text is the answer printed under it, said once.
        EventKind::Hint { index, .. } if actor != FIREDRILL_ACTOR => {
            format!("record: hint {} released to {actor}", index + 1)
        }
        EventKind::Hint { index, text } => format!("hint {} released: {text}", index + 1),
        EventKind::Comment { id, refused } if refused.is_empty() => format!("record: comment {id} answered"),
        EventKind::Comment { id, refused } => {
            format!("record: comment {id} answered, not obeyed: {}", refused.join("; "))
        }
        EventKind::Inferred { phase, from } => {
            format!("record: `{phase}` inferred at {} from {from}", instant(time))
        }
        EventKind::Announced { issue } => format!("record: announced in issue #{issue}"),
        EventKind::Broken { from } => {
            let after = d.merged.as_ref().map(|m| human_duration(time.duration_since(m.at))).unwrap_or_default();
            format!("service broken at {time} ({from}): {after} after the merge")
        }
        EventKind::AlertFired { alert, labels, from, .. } => {
            let detect = d.broken.map(|b| format!(": time to detect {}", human_duration(time.duration_since(b))));
            format!(
                "alert {alert} fired at {time} ({from}, {}){}",
                crate::observe::describe_labels(labels),
                detect.unwrap_or_default()
            )
        }
        EventKind::Restored { from } => {
            let restore =
                d.broken.map(|b| format!(": time to restore service {}", human_duration(time.duration_since(b))));
            format!("service restored at {time} ({from}){}", restore.unwrap_or_default())
        }
        EventKind::Unrestored { reason } => format!("the service's restoration was not observed: {reason}"),
        EventKind::NoEffect { within } => {
            format!("no effect seen: the service stayed healthy for {within} after the fault went live")
        }
        EventKind::Recovered { how, .. } => {
            let ttr = d.merged.as_ref().map(|m| human_duration(time.duration_since(m.at))).unwrap_or_default();
            let time = instant(time);
            // Only the team's own revert or fix is a recovery; firedrill's revert ends the drill without one.
            match how {
                RecoveryHow::Revert => format!("recovered at {time} by a revert ({actor}): time to recovery {ttr}"),
                RecoveryHow::Fix => format!("recovered at {time} by a fix ({actor}): time to recovery {ttr}"),
                RecoveryHow::Timeout => {
                    format!("not recovered: the time limit ended it after {ttr}; firedrill's revert landed at {time}")
                }
                RecoveryHow::GaveUp => {
                    format!("gave up after {ttr} ({actor}): firedrill's revert landed at {time}; not a recovery")
                }
            }
        }
        EventKind::Deployed { fault, fix } => {
            format!("deployed: the fault at {}, the fix at {}", instant(*fault), instant(*fix))
        }
        EventKind::FaultDeployed { signal, commit } => {
            let after = d.merged.as_ref().map(|m| human_duration(time.duration_since(m.at))).unwrap_or_default();
            format!("fault live at {} ({signal} on {}): {after} after the merge", instant(time), commit.short())
        }
        EventKind::FixDeployed { signal, commit } => {
            let restore = d.fault_live.as_ref().map(|l| human_duration(time.duration_since(l.at)));
            let restore = restore.map(|r| format!(": time to restore service {r}")).unwrap_or_default();
            format!("fix live at {} ({signal} on {}){restore}", instant(time), commit.short())
        }
        EventKind::DeployWatch { until, signals } => {
            format!("watching {} for the fix's deploy until {}", signals.join(", "), instant(*until))
        }
        EventKind::DeployUnobserved { reason, .. } => format!("the fix's deploy was not observed: {reason}"),
        EventKind::TimedOut { reverted_by: Some(_) } => {
            format!("timed out at {}: the fault was reverted", instant(time))
        }
        EventKind::TimedOut { reverted_by: None } => {
            format!("timed out at {}: auto-revert is off, the fault stays until someone removes it", instant(time))
        }
        EventKind::Aborted { reason } => format!("aborted by {actor}: {reason}"),
        EventKind::Reported { path } => format!("record: report at {path}"),
    }
}

fn note(n: &Note) -> String {
    match n {
        Note::Running { since, deadline, auto_revert: true } => {
            format!("running since {}; auto-revert at {}", instant(*since), instant(*deadline))
        }
        Note::Running { since, deadline, auto_revert: false } => format!(
            "running since {}; left broken at {}: auto-revert is off, the drill ends as timed out",
            instant(*since),
            instant(*deadline)
        ),
        Note::WaitingToMerge { at } => format!("open; merges at {}", instant(*at)),
        Note::WaitingToOpen { at } => format!("planned; opens at {}", instant(*at)),
        Note::Reach(text) => text.clone(),
        Note::ScenarioMissing => {
            "the scenario file is gone: recovery cannot be judged from content; restore the scenario or \
             `firedrill command abort`"
                .to_owned()
        }
    }
}

/// What a result of an executed effect says.
pub fn result(text: impl std::fmt::Display) -> String {
    format!("{RESULT}{text}")
}

/// The results of executed effects, as a run prints them (each under the effect that produced it).
pub mod done {
    use jiff::Timestamp;

    use super::{instant, result};

    pub fn opened(branch: &str, head: &str, base: &str) -> String {
        result(format!("opened `{branch}` at {head} on {base}"))
    }
    pub fn merged(into: &str, at: Timestamp, commit: &str) -> String {
        result(format!("merged into {into} at {} ({commit})", instant(at)))
    }
    pub fn merged_by_another_run(into: &str, at: Timestamp, commit: &str) -> String {
        result(format!("merged into {into} at {} ({commit}) by a run racing this one", instant(at)))
    }
    pub fn merge_waiting(reason: &str) -> String {
        result(format!("not merged yet: {reason}"))
    }
    pub fn merge_refused(refused: &str) -> String {
        result(format!("not merged: {refused}"))
    }
    pub fn reverted(commit: &str, at: Timestamp) -> String {
        result(format!("reverted by {commit} at {}", instant(at)))
    }
    pub fn opened_issue(number: &str) -> String {
        result(format!("opened issue #{number}"))
    }
    pub fn closed_leftover(branch: &str) -> String {
        result(format!("closed `{branch}`, left open by a run that stopped"))
    }
    pub fn deploy_unread(why: &str) -> String {
        format!("deploy signal not read (counted as not seen yet; the drill goes on): {why}")
    }
    pub fn planned(drill: &str, open_at: Timestamp, merge_at: Timestamp) -> String {
        format!("{drill}: planned (opens {}, merges {})", instant(open_at), instant(merge_at))
    }
    pub fn planned_by_hand(drill: &str, merge_at: Timestamp) -> String {
        format!("{drill}: planned by hand (opens now, merges {})", instant(merge_at))
    }
    pub fn not_planned(drill: &str, why: &str) -> String {
        format!("{drill}: not planned: {why}")
    }
    pub fn skipped(scenario: &str, occurrence: Timestamp, reason: &str) -> String {
        format!("{scenario} at {}: skipped: {reason}", instant(occurrence))
    }
}

/// firedrill's revert that went through a pull request (the branch refuses direct updates) and cannot land yet:
/// which one (with its page, where the forge has one), and why, from GitHub's state.
/// Why firedrill's revert pull request has not landed, from what its merge came to; and the whole account for the
/// team ([`revert_hold::still_live`]).
pub mod revert_hold {
    pub fn waits(reason: &str) -> String {
        format!("waits for its merge: {reason}")
    }
    pub fn not_mergeable(reason: &str) -> String {
        format!(
            "cannot be merged: {reason}; add the drill token's user or App to the bypass list of the branch's \
             protection or ruleset, or merge the revert pull request by hand"
        )
    }
    pub fn head_moved(actual: &str) -> String {
        format!("has a commit pushed to it ({actual}): review and merge it by hand")
    }
    pub fn closed() -> String {
        "was closed: merge the revert by hand, or reopen it".to_owned()
    }
    /// The fault is still live on `base`: GitHub refused the direct update (`refused`), and the revert pull
    /// request `change` has not landed, `reason` (one of the above).
    pub fn still_live(base: &str, refused: &str, change: &str, reason: &str) -> String {
        format!(
            "the fault is still live on `{base}`: GitHub refused to move the branch to the revert (422 {refused}), \
             and the revert pull request #{change} {reason}; firedrill tries again on every run"
        )
    }
}

pub fn revert_waiting(branch: &str, change: &str, url: Option<&str>, reason: &str) -> String {
    let page = url.map(|u| format!(" ({u})")).unwrap_or_default();
    format!(
        "the fault is still live on `{branch}`: firedrill's revert pull request #{change} {reason}{page}; tried \
         again on the next run"
    )
}

/// The answer to a command, for whoever asked. Never names the fault or the scenario before the end.
pub fn reply(r: &Reply, d: &Drill, s: Option<&Scenario>, now: Option<Timestamp>) -> String {
    match r {
        Reply::Help => {
            let mut o = "commands:".to_owned();
            for c in DrillCommand::ALL {
                let _ = write!(o, "\n  /drill {:<7} {}", c.verb(), c.summary());
            }
            o
        }
        Reply::Status => status(d, now),
        Reply::Hint(i, text) => format!("hint {}: {text}", i + 1),
        Reply::NoHintLeft => "no hint left: every hint of this drill has been released".to_owned(),
        Reply::Reveal => match s {
            Some(s) => {
                let mut o = format!("the drill was: {}", s.title);
                if !s.description.trim().is_empty() {
                    let _ = write!(o, "\n{}", s.description.trim_end());
                }
                let _ = write!(o, "\nfault in `{}`:", s.target.path.as_str());
                for op in &s.fault {
                    let _ = write!(o, "\n  {} {}", op.name(), op.path().as_str());
                }
                if let Some(e) = &s.expect {
                    let _ = write!(o, "\nexpected symptom: {}", e.symptom);
                }
                o
            }
            None => format!("the scenario `{}` is no longer in the control repository", d.scenario),
        },
    }
}

/// `/drill status`: phase, elapsed time, hints released so far (with their text).
pub fn status(d: &Drill, now: Option<Timestamp>) -> String {
    let mut o = format!("drill {}: {}", d.id, d.phase().name());
    if let (Some(m), Some(now)) = (&d.merged, now)
        && !d.is_resolved()
    {
        let _ = write!(o, ", running for {}", human_duration(now.duration_since(m.at)));
    }
    for e in &d.events {
        if let EventKind::Hint { index, text } = &e.kind {
            let _ = write!(o, "\nhint {} ({}): {text}", index + 1, instant(e.time));
        }
    }
    o
}

/// The hidden marker of a drill's status comment on its pull request: found again, edited, never duplicated.
pub const STATUS_MARKER: &Marker = &Marker::Status;

/// The hidden marker of the reveal comment (`/drill reveal`, after the end).
pub const REVEAL_MARKER: &Marker = &Marker::Reveal;

/// The hidden marker of the note that says a revert did not land.
pub const REVERT_BLOCKED_MARKER: &Marker = &Marker::RevertBlocked;

/// The note that says firedrill's revert did not land (`why`: the forge's words): never silent, updated on every
/// run where the team is.
pub fn revert_blocked(branch: &str, why: &str) -> String {
    format!(
        "**The fault is still live on `{branch}`.** firedrill could not revert it:\n\n> {}\n\nfiredrill tries again on \
         every run; revert the merge by hand to end it now.",
        why.replace('\n', " ")
    )
}

/// The status comment on a drill's pull request, for responders: the phase, the time since the fault landed,
/// the phases stamped, the hints released with their text, the commands taken, and the answers to the commands
/// of this run. It never names the scenario, the drill id or the fault before the end.
pub fn status_comment(d: &Drill, now: Timestamp, answers: &[Reply]) -> String {
    let mut o = String::from("### Drill status\n\n");
    let state = match (&d.merged, d.is_resolved()) {
        (Some(m), false) => format!("**running** for {}", human_duration(now.duration_since(m.at))),
        (None, false) => "**not started yet**".to_owned(),
        (_, true) => format!("**over** ({}): the report follows", d.phase().name()),
    };
    let _ = writeln!(o, "State: {state}\n");
    if let Some(m) = &d.merged {
        let stamp = |phase: DrillCommand| match d.stamped(phase) {
            Some(t) => format!("{} after {}", clock(t), human_duration(t.duration_since(m.at))),
            None => "—".to_owned(),
        };
        let _ = writeln!(o, "| detected | identified | fix ready |\n|---|---|---|");
        let _ = writeln!(
            o,
            "| {} | {} | {} |\n",
            stamp(DrillCommand::Ack),
            stamp(DrillCommand::Found),
            stamp(DrillCommand::Fixed)
        );
    }
    section(&mut o, "Hints released", d, |e| match &e.kind {
        EventKind::Hint { index, text } => {
            Some(format!("{}. ({}) {}", index + 1, clock(e.time), super::markdown::line(text)))
        }
        _ => None,
    });
    section(&mut o, "Commands taken", d, |e| match &e.kind {
        EventKind::Command { name, .. } => Some(format!("- {} `/drill {name}` by {}", clock(e.time), login(&e.actor))),
        _ => None,
    });
    for r in answers {
        let answer = match r {
            Reply::Status | Reply::Reveal => continue,
            Reply::Help => {
                let lines: Vec<String> =
                    DrillCommand::ALL.iter().map(|c| format!("- `/drill {}`: {}", c.verb(), c.summary())).collect();
                format!("the commands:\n{}", lines.join("\n"))
            }
            Reply::Hint(i, _) => format!("hint {} is released (above)", i + 1),
            Reply::NoHintLeft => "every hint has been released".to_owned(),
        };
        for line in answer.lines() {
            let _ = writeln!(o, "> {line}");
        }
        o.push('\n');
    }
    o.push_str("<sub>`/drill help` lists the commands.</sub>");
    o
}

/// A titled list of the drill's events that `line` words, when there is any.
fn section(o: &mut String, title: &str, d: &Drill, line: impl Fn(&crate::drill::event::Event) -> Option<String>) {
    let lines: Vec<String> = d.events.iter().filter_map(line).collect();
    if !lines.is_empty() {
        let _ = writeln!(o, "**{title}**\n\n{}\n", lines.join("\n"));
    }
}

/// `10:05 UTC`: an instant on the status comment.
fn clock(t: Timestamp) -> String {
    t.strftime("%H:%M UTC").to_string()
}

/// A login as it may follow an `@` (anything else is dropped: names come from the forge, not the comment).
fn login(who: &str) -> String {
    who.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '[' | ']')).collect()
}

/// The message of the drill's merge commit where firedrill merges itself (plain git): what `git merge` writes.
pub fn merge_message(branch: &str) -> String {
    format!("Merge branch '{branch}'")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_every_command() {
        let d = crate::render::fixtures::recovered_by_revert("2026-11-24");
        insta::assert_snapshot!(reply(&Reply::Help, &d, None, None));
    }

    #[test]
    fn status_shows_released_hints_and_never_the_fault() {
        let d = crate::render::fixtures::recovered_by_revert("2026-11-24");
        let text = status(&d, None);
        insta::assert_snapshot!(text);
        assert!(!text.contains("POOL"), "{text}");
    }

    #[test]
    fn a_running_drill_says_whether_the_deadline_reverts_or_leaves_the_fault() {
        let (since, deadline) = ("2026-11-24T10:00:00Z".parse().unwrap(), "2026-11-24T13:00:00Z".parse().unwrap());
        assert_eq!(
            note(&Note::Running { since, deadline, auto_revert: true }),
            "running since 2026-11-24T10:00:00Z; auto-revert at 2026-11-24T13:00:00Z"
        );
        let off = note(&Note::Running { since, deadline, auto_revert: false });
        assert_eq!(
            off,
            "running since 2026-11-24T10:00:00Z; left broken at 2026-11-24T13:00:00Z: auto-revert is off, the drill \
             ends as timed out"
        );
        assert!(!off.contains("auto-revert at"), "{off}");
    }

    #[test]
    fn a_dry_run_says_what_it_would_record_and_instants_stop_at_the_second() {
        let d = crate::render::fixtures::recovered_by_revert("2026-11-24");
        let at: Timestamp = "2026-11-24T05:11:56.353786897Z".parse().unwrap();
        let append = |kind| Effect::Append { time: at, actor: "firedrill".into(), kind };
        let effects = [
            Effect::Refuse("branch `live` looks like production".into()),
            append(EventKind::Abandoned { reason: "refused: branch `live` looks like production".into() }),
            append(EventKind::DeployUnobserved { what: "fix".into(), reason: "no signal within 2h".into() }),
            append(EventKind::Hint { index: 0, text: "Look at the pool.".into() }),
            append(EventKind::TimedOut { reverted_by: None }),
            Effect::Note(Note::Running { since: at, deadline: at, auto_revert: true }),
        ];
        let mut dry = RunReport::default();
        let mut real = RunReport::default();
        dry.step("redis-20261124T0900Z");
        real.step("redis-20261124T0900Z");
        for e in &effects {
            dry.say(effect(e, &d, None, true));
            real.say(effect(e, &d, None, false));
        }
        for r in [&mut dry, &mut real] {
            r.refusals.push("redis-20261124T0900Z: branch `live` looks like production".into());
        }
        let text = format!("{}\n{}", report("dry", &dry), report("real", &real));
        insta::assert_snapshot!(text);
        assert!(!text.contains("would abandoned") && !text.contains("would the fix"), "{text}");
        assert!(!text.contains(".353786897"), "{text}");
        assert_eq!(dry.effect_lines(), real.effect_lines());
        assert_eq!(report("real", &real).matches("looks like production").count(), 1);
    }

    #[test]
    fn messages_read_like_git() {
        assert_eq!(merge_message("chore/x"), "Merge branch 'chore/x'");
    }

    #[test]
    fn a_run_report_numbers_its_steps_and_lists_refusals() {
        let mut r = RunReport::default();
        r.step("plan due drills");
        r.step("redis-20261124T0900Z");
        r.say("would merge `chore/x` into main");
        r.say(result("merged"));
        r.refusals.push("branch `main` is not in allowed_branches".into());
        insta::assert_snapshot!(report("firedrill tick", &r));
        assert_eq!(r.effect_lines(), vec!["merge `chore/x` into main".to_owned()]);
    }
}
