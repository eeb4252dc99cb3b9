//! The events of a drill, as stored one per line in the ledger (`drills/<drill-id>/events.jsonl`).
//!
//! The log is append-only; a drill's state is a fold over it ([`super::state`]), never stored separately.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::scenario::ScenarioId;
use crate::types::CommitSha;

/// The version of the event format, written in every line.
pub const FORMAT_VERSION: u32 = 1;

/// One line of a drill's event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Format version ([`FORMAT_VERSION`]).
    pub v: u32,
    /// When it happened (for recoveries: when the recovering commit landed, not when firedrill noticed).
    pub time: Timestamp,
    /// Who did it: `firedrill`, a user name, or the author of a commit.
    pub actor: String,
    /// What produced it: `tick`, `command`, `demo`…
    pub source: String,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Where the fault goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRef {
    /// The target repository as the scenario names it (`None`: the control repository).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    pub branch: String,
    pub path: String,
}

/// How a forge names a change request: a pull request's number on GitHub, the pushed branch on the local forge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChangeId(pub String);

impl ChangeId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The pull request number, where the forge numbers its changes.
    pub fn number(&self) -> Option<u64> {
        self.0.parse().ok()
    }
}

impl AsRef<str> for ChangeId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<String> for ChangeId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl std::fmt::Display for ChangeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How the fault was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryHow {
    /// A commit that reverts the drill's merge.
    Revert,
    /// Any other change that removes the fault (a fix, another value).
    Fix,
    /// firedrill reverted it after `safety.max_duration`.
    Timeout,
    /// The responders gave up (`/drill revert`) and firedrill reverted it: not a recovery for statistics.
    GaveUp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum EventKind {
    /// The drill is scheduled: what, where and when.
    Planned { scenario: ScenarioId, target: TargetRef, occurrence: Timestamp, open_at: Timestamp, merge_at: Timestamp },
    /// The change was opened: the branch, its commit, the base it was cut from, the change request; with
    /// `variants:`, the variant whose fault it carries.
    Opened {
        branch: String,
        commit: CommitSha,
        base: CommitSha,
        change: ChangeId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variant: Option<String>,
        /// What a pull request into the base branch waits for, as preflight read it (required checks, a code
        /// owner's review): later merges decide GitHub's refusals from it. Absent in older logs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gate: Option<crate::drill::guard::Gate>,
    },
    /// The fault landed on the base branch.
    Merged { commit: CommitSha },
    /// The merge instant came but a guard rail of the base branch held the merge back (a required check not
    /// passed yet, the branch brought up to date with its base): the merge is tried again on every run, up to
    /// `merge.max_wait` after the first of these. `head`: the change's new head, when firedrill moved it
    /// (`update-branch`), which the merge must now expect.
    MergeWaiting {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        head: Option<CommitSha>,
    },
    /// The change could not be merged (closed, head moved, conflict): the drill ends here.
    Abandoned { reason: String },
    /// firedrill's revert could not land directly (the branch's guard rails refuse direct updates) and its pull
    /// request cannot merge yet: which one, and why, from GitHub's state. The fault is still live; every run tries
    /// again and says so. Recorded when the reason changes.
    RevertWaiting { change: ChangeId, reason: String },
    /// A responder's or game master's command.
    Command {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        args: Option<String>,
    },
    /// A comment holding `/drill` commands was answered: its id, so that neither a re-run nor a second tick
    /// (nor the `issue_comment` run and the tick that both saw it) handles it again, and what in it was not
    /// obeyed, and why. The event's time is the comment's creation.
    Comment {
        id: u64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        refused: Vec<String>,
    },
    /// A phase stamped from what the repository shows where no command stamped it: `ack` (detect) from the first
    /// responder's comment on the drill's pull request. `from` says what it was inferred from.
    Inferred { phase: String, from: String },
    /// The incident was announced: the issue opened in the target repository (its number).
    Announced { issue: String },
    /// A hint was released.
    Hint { index: usize, text: String },
    /// The fault is gone from the base branch: which commit removed it (its landing time is the event time).
    Recovered { commit: CommitSha, how: RecoveryHow },
    /// Written by firedrill before 0.2 (read, never written now): when the fault and the recovery were deployed,
    /// from the target environment's deployment statuses.
    Deployed { fault: Timestamp, fix: Timestamp },
    /// The fault went live: the first success of a deploy signal (`deploy.signals`) on a commit of the target
    /// branch that holds the fault (the event time is the success's). `signal`: which one, as
    /// `DeploySignal::describe` says it; `commit`: the commit it was reported on.
    FaultDeployed { signal: String, commit: CommitSha },
    /// The fix went live: the first success of a deploy signal on a commit that holds the fault's removal.
    FixDeployed { signal: String, commit: CommitSha },
    /// Recorded with the recovery when deploy signals are set: firedrill asks them whether the fix went live
    /// until `until`, then records `deploy_unobserved`.
    DeployWatch { until: Timestamp, signals: Vec<String> },
    /// A deploy the signals were asked about was not seen (`what`: `fix`), and why.
    DeployUnobserved { what: String, reason: String },
    /// The service looked broken: `observe.health` first false after the fault landed (the event time is the
    /// instant Prometheus saw it). `from`: what told.
    Broken { from: String },
    /// The first alert matching `observe.alerts` in `firing` (the event time is when it started firing): the
    /// automatic "detected". `from`: `prometheus` (its `ALERTS`), `alertmanager`, `grafana` or `pagerduty` (a
    /// pushed notification, with its fingerprint).
    AlertFired {
        alert: String,
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        labels: std::collections::BTreeMap<String, String>,
        from: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fingerprint: Option<String>,
    },
    /// The service was healthy again after the fault's removal: `observe.health` true again (the instant
    /// Prometheus saw it).
    Restored { from: String },
    /// `observe.health` did not turn true again within `deploy.watch` of the fault's removal: firedrill stops
    /// asking (the event time is the end of the watch).
    Unrestored { reason: String },
    /// `observe.health` stayed true for `observe.expect.effect_within` after the fault went live (the event time is
    /// the end of that delay): the drill broke nothing anyone could see.
    NoEffect { within: String },
    /// `safety.max_duration` passed without recovery.
    TimedOut {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reverted_by: Option<CommitSha>,
    },
    /// Stopped by the game master (or a real incident); the fault is reverted if it had landed.
    Aborted { reason: String },
    /// The report was written.
    Reported { path: String },
}

impl EventKind {
    /// The event's name as written in the log.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Planned { .. } => "planned",
            EventKind::Opened { .. } => "opened",
            EventKind::Merged { .. } => "merged",
            EventKind::MergeWaiting { .. } => "merge_waiting",
            EventKind::RevertWaiting { .. } => "revert_waiting",
            EventKind::Abandoned { .. } => "abandoned",
            EventKind::Command { .. } => "command",
            EventKind::Comment { .. } => "comment",
            EventKind::Inferred { .. } => "inferred",
            EventKind::Announced { .. } => "announced",
            EventKind::Hint { .. } => "hint",
            EventKind::Recovered { .. } => "recovered",
            EventKind::Deployed { .. } => "deployed",
            EventKind::FaultDeployed { .. } => "fault_deployed",
            EventKind::FixDeployed { .. } => "fix_deployed",
            EventKind::DeployWatch { .. } => "deploy_watch",
            EventKind::DeployUnobserved { .. } => "deploy_unobserved",
            EventKind::Broken { .. } => "broken",
            EventKind::AlertFired { .. } => "alert_fired",
            EventKind::Restored { .. } => "restored",
            EventKind::NoEffect { .. } => "no_effect",
            EventKind::Unrestored { .. } => "unrestored",
            EventKind::TimedOut { .. } => "timed_out",
            EventKind::Aborted { .. } => "aborted",
            EventKind::Reported { .. } => "reported",
        }
    }

    /// Whether the report, once written, must be written again after this event (a deploy, or what the monitoring
    /// saw, learnt later).
    pub fn updates_report(&self) -> bool {
        matches!(
            self,
            EventKind::FaultDeployed { .. }
                | EventKind::FixDeployed { .. }
                | EventKind::DeployUnobserved { .. }
                | EventKind::Broken { .. }
                | EventKind::AlertFired { .. }
                | EventKind::Restored { .. }
                | EventKind::Unrestored { .. }
        )
    }

    /// Whether the log may hold this event more than once (commands do; lifecycle steps happen once).
    pub fn repeatable(&self) -> bool {
        matches!(self, EventKind::Command { .. })
    }
}

impl Event {
    pub fn new(time: Timestamp, actor: impl Into<String>, source: impl Into<String>, kind: EventKind) -> Event {
        Event { v: FORMAT_VERSION, time, actor: actor.into(), source: source.into(), kind }
    }

    /// Whether `self` is already in `log`: the same lifecycle step (or, for hints, the same hint) was recorded.
    /// Appending is idempotent on this, so a re-run never duplicates a step.
    pub fn already_in(&self, log: &[Event]) -> bool {
        match &self.kind {
            EventKind::Hint { index, .. } => {
                log.iter().any(|e| matches!(&e.kind, EventKind::Hint { index: i, .. } if i == index))
            }
            EventKind::Comment { id, .. } => {
                log.iter().any(|e| matches!(&e.kind, EventKind::Comment { id: i, .. } if i == id))
            }
            EventKind::Inferred { phase, .. } => {
                log.iter().any(|e| matches!(&e.kind, EventKind::Inferred { phase: p, .. } if p == phase))
            }
            // Each new reason (or head) is recorded; the same wait seen again on the next run is not.
            EventKind::MergeWaiting { .. } => {
                log.iter().rev().find(|e| e.kind.name() == "merge_waiting").is_some_and(|e| e.kind == self.kind)
            }
            EventKind::RevertWaiting { .. } => {
                log.iter().rev().find(|e| e.kind.name() == "revert_waiting").is_some_and(|e| e.kind == self.kind)
            }
            // The report is written again when the deploy of the fix is seen (or given up on) after it.
            EventKind::Reported { .. } => {
                log.iter().rev().take_while(|e| !e.kind.updates_report()).any(|e| e.kind.name() == "reported")
            }
            k if k.repeatable() => log.iter().any(|e| e == self),
            k => log.iter().any(|e| e.kind.name() == k.name()),
        }
    }

    /// One JSON line (without the line break).
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Parses an event log; a line that does not parse is an error naming its line number.
pub fn parse_log(text: &str) -> Result<Vec<Event>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let e: Event = serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1))?;
            if e.v > FORMAT_VERSION {
                return Err(format!("line {}: event format version {} is newer than this firedrill ({FORMAT_VERSION}); upgrade firedrill", i + 1, e.v));
            }
            Ok(e)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_with_a_version_and_a_tag() {
        let e = Event::new(
            "2026-11-24T10:17:00Z".parse().unwrap(),
            "firedrill",
            "tick",
            EventKind::Merged { commit: CommitSha::parse(&"a".repeat(40)).unwrap() },
        );
        let line = e.to_line();
        assert_eq!(
            line,
            r#"{"v":1,"time":"2026-11-24T10:17:00Z","actor":"firedrill","source":"tick","event":"merged","data":{"commit":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}"#
        );
        assert_eq!(parse_log(&format!("{line}\n")).unwrap(), vec![e]);
        assert!(parse_log("{\"v\":9}\n").is_err());
    }

    #[test]
    fn steps_are_recorded_once_commands_many_times() {
        let t: Timestamp = "2026-11-24T10:17:00Z".parse().unwrap();
        let merged = Event::new(
            t,
            "firedrill",
            "tick",
            EventKind::Merged { commit: CommitSha::parse(&"a".repeat(40)).unwrap() },
        );
        let log = vec![merged.clone()];
        let again = Event::new(
            t,
            "firedrill",
            "tick",
            EventKind::Merged { commit: CommitSha::parse(&"b".repeat(40)).unwrap() },
        );
        assert!(again.already_in(&log));
        let cmd = Event::new(t, "ana", "command", EventKind::Command { name: "status".into(), args: None });
        assert!(!cmd.already_in(&log));
    }
}
