//! A drill's state: a fold over its events. Nothing here is stored; it is recomputed from the log.

use jiff::{SignedDuration, Timestamp};

use super::event::{ChangeId, Event, EventKind, RecoveryHow, TargetRef};
use crate::scenario::ScenarioId;
use crate::schedule::DrillId;
use crate::types::CommitSha;

/// Where a drill stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Scheduled; the change is not open yet.
    Planned,
    /// The change is open and waits for its merge instant.
    Opened,
    /// The fault is on the base branch: the incident is running.
    Merged,
    /// The team removed the fault (a revert or a fix): the only end that is a recovery.
    Recovered,
    /// The responders gave up (`/drill revert`) and firedrill reverted the fault: not a recovery.
    GaveUp,
    /// `safety.max_duration` passed without recovery: firedrill's revert landed, or (`auto_revert: false`) the
    /// fault was left in place and reported. Not a recovery.
    TimedOut,
    /// The game master stopped it.
    Aborted,
    /// The change could not be merged; the fault never landed.
    Abandoned,
}

impl Phase {
    pub const ALL: [Phase; 8] = [
        Phase::Planned,
        Phase::Opened,
        Phase::Merged,
        Phase::Recovered,
        Phase::GaveUp,
        Phase::TimedOut,
        Phase::Aborted,
        Phase::Abandoned,
    ];

    /// The phase named `name` ([`Phase::name`]), as the ledger's index stores it.
    pub fn parse(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The phase of a drill summed up by the ledger's index: its stored name and how the fault was removed.
    /// Indexes written before timed-out drills had a phase of their own stored `recovered` for firedrill's
    /// timeout revert: read as timed out.
    pub fn of_summary(name: &str, how: Option<RecoveryHow>) -> Option<Phase> {
        match (Phase::parse(name)?, how) {
            (Phase::Recovered, Some(RecoveryHow::Timeout)) => Some(Phase::TimedOut),
            (Phase::Recovered, Some(RecoveryHow::GaveUp)) => Some(Phase::GaveUp),
            (p, _) => Some(p),
        }
    }

    /// Whether nothing more happens to the target in this phase (the drill ended, one way or another).
    pub fn is_over(self) -> bool {
        matches!(self, Phase::Recovered | Phase::GaveUp | Phase::TimedOut | Phase::Aborted | Phase::Abandoned)
    }

    /// The phase as a machine reads it (the Action's `state` output, JSON): `planned`, `open`, `running`,
    /// `recovered`, `gave_up`, `timed_out`, `aborted`, `abandoned`.
    pub fn key(self) -> &'static str {
        match self {
            Phase::GaveUp => "gave_up",
            Phase::TimedOut => "timed_out",
            p => p.name(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Phase::Planned => "planned",
            Phase::Opened => "open",
            Phase::Merged => "running",
            Phase::Recovered => "recovered",
            Phase::TimedOut => "timed out",
            Phase::GaveUp => "gave up",
            Phase::Aborted => "aborted",
            Phase::Abandoned => "abandoned",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub at: Timestamp,
    pub branch: String,
    pub commit: CommitSha,
    pub base: CommitSha,
    pub change: ChangeId,
    /// The variant the change carries (`variants:`).
    pub variant: Option<String>,
    /// What a pull request into the base branch waits for, as read when the change was opened.
    pub gate: Option<crate::drill::guard::Gate>,
}

/// A commit seen live in the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    pub at: Timestamp,
    /// The signal that told (`status continuous-delivery/checkout`).
    pub signal: String,
    /// The commit it told of (`None` in logs written before 0.2).
    pub commit: Option<CommitSha>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landed {
    pub at: Timestamp,
    pub commit: CommitSha,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Drill {
    pub id: DrillId,
    pub scenario: ScenarioId,
    pub target: TargetRef,
    pub occurrence: Timestamp,
    pub open_at: Timestamp,
    pub merge_at: Timestamp,
    pub opened: Option<Opened>,
    pub merged: Option<Landed>,
    pub recovered: Option<(Landed, RecoveryHow)>,
    pub timed_out: Option<Timestamp>,
    /// When the fault went live (`fault_deployed`), where a deploy signal told.
    pub fault_live: Option<Live>,
    /// When the fix went live (`fix_deployed`), where a deploy signal told.
    pub fix_live: Option<Live>,
    /// Until when the deploy signals are asked whether the fix went live, and which (`deploy_watch`).
    pub deploy_watch: Option<(Timestamp, Vec<String>)>,
    /// Why the fix's deploy was not observed (`deploy_unobserved`).
    pub deploy_unobserved: Option<String>,
    /// The report was written before the last deploy event: it is written again.
    pub report_stale: bool,
    /// When the service looked broken (`broken`), from the team's monitoring.
    pub broken: Option<Timestamp>,
    /// The first matching alert in `firing` (`alert_fired`): when, its name, and where it was seen.
    pub alert: Option<(Timestamp, String, String)>,
    /// When the service was healthy again after the removal (`restored`).
    pub restored: Option<Timestamp>,
    /// When the drill was found to break nothing (`no_effect`).
    pub no_effect: Option<Timestamp>,
    /// Why the service's restoration was not observed (`unrestored`).
    pub unrestored: Option<String>,
    pub aborted: Option<(Timestamp, String, String)>,
    pub abandoned: Option<(Timestamp, String)>,
    /// When a guard rail of the base branch first held the merge back (the first `merge_waiting`).
    pub merge_waiting_since: Option<Timestamp>,
    /// firedrill's revert pull request that cannot land yet, and why (the last `revert_waiting`).
    pub revert_waiting: Option<(String, String)>,
    /// The change's head after firedrill brought it up to date with its base (the last `merge_waiting` that
    /// moved it); `None`: still the commit it opened.
    pub merge_head: Option<CommitSha>,
    /// Released hints: (index, when).
    pub hints: Vec<(usize, Timestamp)>,
    pub reported: Option<String>,
    /// The whole log, for timelines.
    pub events: Vec<Event>,
}

impl Drill {
    /// Folds a drill's log; `None` when the log has no `planned` event (not a drill yet).
    pub fn fold(id: &DrillId, events: &[Event]) -> Option<Drill> {
        let mut d = events.iter().find_map(|e| match &e.kind {
            EventKind::Planned { scenario, target, occurrence, open_at, merge_at } => Some(Drill {
                id: id.clone(),
                scenario: scenario.clone(),
                target: target.clone(),
                occurrence: *occurrence,
                open_at: *open_at,
                merge_at: *merge_at,
                opened: None,
                merged: None,
                recovered: None,
                timed_out: None,
                fault_live: None,
                fix_live: None,
                deploy_watch: None,
                deploy_unobserved: None,
                report_stale: false,
                broken: None,
                alert: None,
                restored: None,
                no_effect: None,
                unrestored: None,
                aborted: None,
                abandoned: None,
                merge_waiting_since: None,
                revert_waiting: None,
                merge_head: None,
                hints: Vec::new(),
                reported: None,
                events: events.to_vec(),
            }),
            _ => None,
        })?;
        for e in events {
            if e.kind.updates_report() && d.reported.is_some() {
                d.report_stale = true;
            }
            match &e.kind {
                EventKind::Planned { .. }
                | EventKind::Command { .. }
                | EventKind::Comment { .. }
                | EventKind::Inferred { .. }
                | EventKind::Announced { .. } => {}
                EventKind::Broken { .. } => {
                    d.broken.get_or_insert(e.time);
                }
                EventKind::AlertFired { alert, from, .. } => {
                    d.alert.get_or_insert((e.time, alert.clone(), from.clone()));
                }
                EventKind::Restored { .. } => {
                    d.restored.get_or_insert(e.time);
                }
                EventKind::NoEffect { .. } => {
                    d.no_effect.get_or_insert(e.time);
                }
                EventKind::Unrestored { reason } => {
                    d.unrestored.get_or_insert(reason.clone());
                }
                EventKind::RevertWaiting { change, reason } => {
                    d.revert_waiting = Some((change.to_string(), reason.clone()));
                }
                EventKind::MergeWaiting { head, .. } => {
                    d.merge_waiting_since.get_or_insert(e.time);
                    if let Some(h) = head {
                        d.merge_head = Some(h.clone());
                    }
                }
                EventKind::Opened { branch, commit, base, change, variant, gate } => {
                    d.opened.get_or_insert(Opened {
                        at: e.time,
                        branch: branch.clone(),
                        commit: commit.clone(),
                        base: base.clone(),
                        change: change.clone(),
                        variant: variant.clone(),
                        gate: gate.clone(),
                    });
                }
                EventKind::Merged { commit } => {
                    d.merged.get_or_insert(Landed { at: e.time, commit: commit.clone() });
                }
                EventKind::Abandoned { reason } => {
                    d.abandoned.get_or_insert((e.time, reason.clone()));
                }
                EventKind::Hint { index, .. } => d.hints.push((*index, e.time)),
                EventKind::Recovered { commit, how } => {
                    d.recovered.get_or_insert((Landed { at: e.time, commit: commit.clone() }, *how));
                }
                EventKind::Deployed { fault, fix } => {
                    let live = |at: &Timestamp| Live { at: *at, signal: "deployments".to_owned(), commit: None };
                    d.fault_live.get_or_insert(live(fault));
                    d.fix_live.get_or_insert(live(fix));
                }
                EventKind::FaultDeployed { signal, commit } => {
                    d.fault_live.get_or_insert(Live {
                        at: e.time,
                        signal: signal.clone(),
                        commit: Some(commit.clone()),
                    });
                }
                EventKind::FixDeployed { signal, commit } => {
                    d.fix_live.get_or_insert(Live { at: e.time, signal: signal.clone(), commit: Some(commit.clone()) });
                }
                EventKind::DeployWatch { until, signals } => {
                    d.deploy_watch.get_or_insert((*until, signals.clone()));
                }
                EventKind::DeployUnobserved { reason, .. } => {
                    d.deploy_unobserved.get_or_insert(reason.clone());
                }
                EventKind::TimedOut { .. } => {
                    d.timed_out.get_or_insert(e.time);
                }
                EventKind::Aborted { reason } => {
                    d.aborted.get_or_insert((e.time, e.actor.clone(), reason.clone()));
                }
                EventKind::Reported { path } => {
                    d.reported.get_or_insert(path.clone());
                    d.report_stale = false;
                }
            }
        }
        Some(d)
    }

    /// The head the drill's change must have when it is merged: the opened commit, or where firedrill moved it.
    pub fn expected_head(&self) -> Option<&CommitSha> {
        self.merge_head.as_ref().or(self.opened.as_ref().map(|op| &op.commit))
    }

    /// How long a guard rail held the merge back (from the first `merge_waiting` to the merge).
    pub fn merge_held(&self) -> Option<SignedDuration> {
        Some(self.merged.as_ref()?.at.duration_since(self.merge_waiting_since?))
    }

    pub fn phase(&self) -> Phase {
        // A fault that landed is running until it is gone, whatever else the log says: a racing run's
        // `abandoned` (its merge was refused because the other run had merged) must not hide it.
        if self.aborted.is_some() {
            Phase::Aborted
        } else if let Some((_, how)) = &self.recovered {
            match how {
                RecoveryHow::GaveUp => Phase::GaveUp,
                RecoveryHow::Timeout => Phase::TimedOut,
                RecoveryHow::Revert | RecoveryHow::Fix => Phase::Recovered,
            }
        } else if self.merged.is_some() && self.timed_out.is_some() && !self.timeout_reverts() {
            Phase::TimedOut
        } else if self.merged.is_some() {
            Phase::Merged
        } else if self.abandoned.is_some() {
            Phase::Abandoned
        } else if self.opened.is_some() {
            Phase::Opened
        } else {
            Phase::Planned
        }
    }

    /// Finished: nothing more will happen to the target. A drill timed out without auto-revert is finished
    /// too (reported as left broken), so it no longer blocks later drills on its target.
    pub fn is_resolved(&self) -> bool {
        self.phase().is_over()
    }

    /// Whether the `timed_out` event says firedrill reverts (or reverted) the fault.
    fn timeout_reverts(&self) -> bool {
        self.events.iter().any(|e| matches!(&e.kind, EventKind::TimedOut { reverted_by: Some(_) }))
    }

    /// The commands given on this drill, oldest first: (verb as recorded, who, when).
    pub fn commands(&self) -> impl Iterator<Item = (&str, &str, Timestamp)> {
        self.events.iter().filter_map(|e| match &e.kind {
            EventKind::Command { name, .. } => Some((name.as_str(), e.actor.as_str(), e.time)),
            _ => None,
        })
    }

    /// The issue that announced the drill, if one did.
    pub fn announced(&self) -> Option<&str> {
        self.events.iter().find_map(|e| match &e.kind {
            EventKind::Announced { issue } => Some(issue.as_str()),
            _ => None,
        })
    }

    /// Whether the comment `id` was already answered (by this run's predecessors or a racing one).
    pub fn answered(&self, id: u64) -> bool {
        self.events.iter().any(|e| matches!(&e.kind, EventKind::Comment { id: i, .. } if *i == id))
    }

    /// The creation time of the newest comment answered: comments are read from there on (GitHub's `since`).
    pub fn comments_since(&self) -> Option<Timestamp> {
        let answered = self.events.iter().filter(|e| matches!(e.kind, EventKind::Comment { .. })).map(|e| e.time);
        answered.max().or(self.opened.as_ref().map(|o| o.at))
    }

    /// Whether the responders spoke to firedrill on this drill (a comment with commands was answered): from then
    /// on its status comment is kept up to date where they are.
    pub fn engaged(&self) -> bool {
        self.events.iter().any(|e| matches!(e.kind, EventKind::Comment { .. }))
    }

    /// When `phase` (`ack`, `found`, `fixed`) was stamped: by the first command, else by an inference.
    pub fn stamped(&self, phase: &str) -> Option<Timestamp> {
        let command = self
            .events
            .iter()
            .filter(|e| matches!(&e.kind, EventKind::Command { name, .. } if name == phase))
            .map(|e| e.time)
            .min();
        command.or_else(|| {
            self.events
                .iter()
                .filter(|e| matches!(&e.kind, EventKind::Inferred { phase: p, .. } if p == phase))
                .map(|e| e.time)
                .min()
        })
    }

    /// When the fault and the fix went live, where both were observed.
    pub fn deployed(&self) -> Option<(Timestamp, Timestamp)> {
        Some((self.fault_live.as_ref()?.at, self.fix_live.as_ref()?.at))
    }

    /// Whether the drill ended and its report is not written yet, or was written before a deploy it shows.
    pub fn report_due(&self) -> bool {
        self.is_resolved() && (self.reported.is_none() || self.report_stale)
    }

    /// Whether firedrill still asks the deploy signals whether the fix went live.
    pub fn deploy_pending(&self) -> bool {
        self.deploy_watch.is_some() && self.fix_live.is_none() && self.deploy_unobserved.is_none()
    }

    /// The service broke during a drill that is over, and firedrill still asks the monitoring when it was healthy
    /// again (until `restored`, or `unrestored` at the end of the watch).
    pub fn restore_pending(&self) -> bool {
        self.is_resolved() && self.broken.is_some() && self.restored.is_none() && self.unrestored.is_none()
    }

    /// Time to restore service, as the users saw it: from the fault going live to the fix going live.
    pub fn deploy_time_to_recovery(&self) -> Option<SignedDuration> {
        self.deployed().map(|(fault, fix)| fix.duration_since(fault))
    }

    /// Time to recovery: from the fault's landing to the landing of the commit that removed it.
    /// The time to recovery of a drill the team recovered (their revert or fix); `None` for one that ended any
    /// other way (gave up, the time limit, aborted) or has not ended.
    pub fn team_recovery(&self) -> Option<SignedDuration> {
        match self.recovered.as_ref()? {
            (_, RecoveryHow::Revert | RecoveryHow::Fix) if self.aborted.is_none() => self.time_to_recovery(),
            _ => None,
        }
    }

    /// How long the fault was live in a drill that ended without the team's recovery (a censored observation:
    /// recovery took at least this long); `None` while it runs or when the team recovered.
    pub fn censored(&self) -> Option<SignedDuration> {
        let merged = self.merged.as_ref()?;
        if self.team_recovery().is_some() {
            return None;
        }
        let end = self
            .recovered
            .as_ref()
            .map(|(r, _)| r.at)
            .or(self.aborted.as_ref().map(|(at, ..)| *at))
            .or(self.timed_out)?;
        Some(end.duration_since(merged.at))
    }

    pub fn time_to_recovery(&self) -> Option<SignedDuration> {
        let merged = self.merged.as_ref()?;
        let (rec, _) = self.recovered.as_ref()?;
        Some(rec.at.duration_since(merged.at))
    }
}

/// `1 h 18 min`, `42 min`, `35 s`: a duration as people say it.
pub fn human_duration(d: SignedDuration) -> String {
    let secs = d.as_secs().max(0);
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn sha(c: char) -> CommitSha {
        CommitSha::parse(&c.to_string().repeat(40)).unwrap()
    }

    #[test]
    fn a_drill_folds_from_planned_to_recovered_with_its_time_to_recovery() {
        let target = TargetRef { repo: None, branch: "main".into(), path: "values.yaml".into() };
        let ev = |time: &str, kind| Event::new(t(time), "firedrill", "tick", kind);
        let log = vec![
            ev(
                "2026-11-24T09:00:00Z",
                EventKind::Planned {
                    scenario: "s".parse().unwrap(),
                    target,
                    occurrence: t("2026-11-24T09:00:00Z"),
                    open_at: t("2026-11-24T09:00:00Z"),
                    merge_at: t("2026-11-24T10:17:00Z"),
                },
            ),
            ev(
                "2026-11-24T09:00:00Z",
                EventKind::Opened {
                    branch: "b".into(),
                    commit: sha('1'),
                    base: sha('0'),
                    change: ChangeId("b".into()),
                    variant: None,
                    gate: None,
                },
            ),
            ev("2026-11-24T10:17:00Z", EventKind::Merged { commit: sha('2') }),
        ];
        let id = DrillId::parse("s-20261124T0900Z").unwrap();
        let d = Drill::fold(&id, &log).unwrap();
        assert_eq!(d.phase(), Phase::Merged);
        assert!(!d.is_resolved());
        let mut log = log;
        log.push(ev("2026-11-24T11:35:00Z", EventKind::Recovered { commit: sha('3'), how: RecoveryHow::Revert }));
        let d = Drill::fold(&id, &log).unwrap();
        assert_eq!(d.phase(), Phase::Recovered);
        assert_eq!(human_duration(d.time_to_recovery().unwrap()), "1 h 18 min");
        assert!(Drill::fold(&id, &[]).is_none());
        // firedrill's revert after the time limit is not a recovery: the drill timed out.
        let mut timed_out = log[..3].to_vec();
        timed_out.push(ev("2026-11-24T13:17:00Z", EventKind::TimedOut { reverted_by: Some(sha('3')) }));
        timed_out
            .push(ev("2026-11-24T13:17:00Z", EventKind::Recovered { commit: sha('3'), how: RecoveryHow::Timeout }));
        let d = Drill::fold(&id, &timed_out).unwrap();
        assert_eq!((d.phase(), d.phase().name(), d.phase().key()), (Phase::TimedOut, "timed out", "timed_out"));
    }

    #[test]
    fn an_index_written_before_timed_out_had_a_phase_of_its_own_is_read_as_timed_out() {
        assert_eq!(Phase::of_summary("recovered", Some(RecoveryHow::Timeout)), Some(Phase::TimedOut));
        assert_eq!(Phase::of_summary("recovered", Some(RecoveryHow::Revert)), Some(Phase::Recovered));
        assert_eq!(Phase::of_summary("gave up", Some(RecoveryHow::GaveUp)), Some(Phase::GaveUp));
        assert_eq!(Phase::of_summary("timed out", None), Some(Phase::TimedOut));
        assert_eq!(Phase::of_summary("unheard of", None), None);
    }
}
