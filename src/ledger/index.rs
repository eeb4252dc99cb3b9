//! The ledger's index (`index.json`): each drill's facts folded from its log, so a tick reads one file, not every log.
//!
//! Pure: built from the logs ([`Index::fold`]), updated for the drills a write touches ([`Index::update`]),
//! parsed and printed. The logs stay the truth: the index names the `drills/` tree it was folded from, and an
//! index next to any other tree (a commit made without it: an older firedrill, a hand edit) is stale and is
//! rebuilt from the logs.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::drill::event::{Event, RecoveryHow, TargetRef};
use crate::drill::state::Drill;

/// Where the index lives on the ledger branch.
pub const INDEX_FILE: &str = "index.json";
/// The version of the index format; an index of another version is rebuilt (2: each ended drill's figures).
pub const INDEX_VERSION: u32 = 2;

/// Every drill of the ledger, summed up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub version: u32,
    /// The git id of the `drills/` tree the index was folded from (`None`: there was none).
    pub drills_tree: Option<String>,
    /// By drill id. Logs without a `planned` event are not drills and are left out.
    pub drills: BTreeMap<String, Summary>,
    /// The drills whose log could not be read (what was wrong, by drill id): firedrill acts on none of them,
    /// and never plans their id again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub damaged: BTreeMap<String, String>,
}

/// One drill's facts, as its log folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub scenario: String,
    pub target: TargetRef,
    /// `planned`, `open`, `running`, `recovered`, `gave up`, `timed out`, `aborted`, `abandoned` (`Phase::name`;
    /// read back with `Phase::of_summary`).
    pub phase: String,
    /// How the fault was removed, once recovered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<RecoveryHow>,
    pub occurrence: Timestamp,
    pub open_at: Timestamp,
    pub merge_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timed_out_at: Option<Timestamp>,
    /// When the fault and the fix were deployed, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployed: Option<(Timestamp, Timestamp)>,
    /// firedrill still asks the deploy signals whether the fix went live (`deploy_watch`, nothing seen yet).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deploy_pending: bool,
    /// A deploy was recorded after the report: it is written again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub report_stale: bool,
    /// firedrill still asks the monitoring when the broken service was healthy again (`Drill::restore_pending`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restore_pending: bool,
    /// The report's path, once written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported: Option<String>,
    /// How many events the log holds.
    pub events: usize,
    /// The drill's figures, once it has ended (recovered, timed out, gave up, aborted, abandoned): what the
    /// public files and the reports' comparisons are built from, without reading its log again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<crate::metrics::DrillMetrics>,
}

impl Summary {
    pub fn of(drill: &Drill) -> Summary {
        Summary {
            scenario: drill.scenario.to_string(),
            target: drill.target.clone(),
            phase: drill.phase().name().to_owned(),
            outcome: drill.recovered.as_ref().map(|(_, how)| *how),
            occurrence: drill.occurrence,
            open_at: drill.open_at,
            merge_at: drill.merge_at,
            opened_at: drill.opened.as_ref().map(|o| o.at),
            merged_at: drill.merged.as_ref().map(|m| m.at),
            recovered_at: drill.recovered.as_ref().map(|(r, _)| r.at),
            timed_out_at: drill.timed_out,
            deployed: drill.deployed(),
            deploy_pending: drill.deploy_pending(),
            report_stale: drill.report_stale,
            restore_pending: drill.restore_pending(),
            reported: drill.reported.clone(),
            events: drill.events.len(),
            ended: Some(crate::metrics::DrillMetrics::of(drill))
                .filter(|m| !matches!(m.outcome, crate::metrics::Outcome::Running | crate::metrics::Outcome::Waiting)),
        }
    }

    /// Whether a tick still has work on the drill: it is not resolved yet, or it is and its report is not
    /// written yet, or the fix's deploy is still watched for. A tick needs the full log of these drills only.
    pub fn is_active(&self) -> bool {
        let resolved = matches!(self.phase.as_str(), "recovered" | "gave up" | "timed out" | "aborted" | "abandoned");
        !resolved || self.reported.is_none() || self.deploy_pending || self.report_stale || self.restore_pending
    }
}

impl Default for Index {
    fn default() -> Index {
        Index { version: INDEX_VERSION, drills_tree: None, drills: BTreeMap::new(), damaged: BTreeMap::new() }
    }
}

impl Index {
    /// The index of `logs`, read from the `drills/` tree `drills_tree`.
    pub fn fold(logs: &BTreeMap<String, Vec<Event>>, drills_tree: Option<String>) -> Index {
        let mut index = Index { drills_tree, ..Index::default() };
        for (id, log) in logs {
            index.update(id, log);
        }
        index
    }

    /// Sums up drill `id` again from its whole `log`.
    pub fn update(&mut self, id: &str, log: &[Event]) {
        // A log under a name that is not a drill id is not a drill (the ledger only writes drill ids).
        let drill = crate::schedule::DrillId::parse(id).ok().and_then(|d| Drill::fold(&d, log));
        match drill {
            Some(drill) => self.drills.insert(id.to_owned(), Summary::of(&drill)),
            None => self.drills.remove(id),
        };
    }

    /// The figures of every drill that has ended, oldest first: all the public files show.
    pub fn ended(&self) -> Vec<crate::metrics::DrillMetrics> {
        let mut all: Vec<_> = self.drills.values().filter_map(|s| s.ended.clone()).collect();
        all.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
        all
    }

    /// Whether drill `id` was ever in the ledger (summed up, or recorded as damaged): its id is taken.
    pub fn knows(&self, id: &str) -> bool {
        self.drills.contains_key(id) || self.damaged.contains_key(id)
    }

    /// The ids of the drills a tick still has work on ([`Summary::is_active`]).
    pub fn active(&self) -> impl Iterator<Item = &str> {
        self.drills.iter().filter(|(_, s)| s.is_active()).map(|(id, _)| id.as_str())
    }

    /// Reads `index.json`; `None` when it cannot be used as is (damaged, or of another version): it is then
    /// rebuilt from the logs, which are the truth.
    pub fn parse(text: &str) -> Option<Index> {
        serde_json::from_str::<Index>(text).ok().filter(|i| i.version == INDEX_VERSION)
    }

    /// The file's text: one drill per line, so a write's diff shows the drills it touched.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{{\"version\":{},\"drills_tree\":{},\"drills\":{{",
            self.version,
            serde_json::to_string(&self.drills_tree).unwrap_or_else(|_| "null".to_owned())
        );
        for (i, (id, summary)) in self.drills.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str(&serde_json::to_string(id).unwrap_or_default());
            out.push(':');
            out.push_str(&serde_json::to_string(summary).unwrap_or_default());
        }
        out.push_str("\n}");
        if !self.damaged.is_empty() {
            out.push_str(",\"damaged\":");
            out.push_str(&serde_json::to_string(&self.damaged).unwrap_or_else(|_| "{}".to_owned()));
        }
        out.push_str("}\n");
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::drill::event::EventKind;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn planned(scenario: &str) -> Event {
        let target = TargetRef { repo: None, branch: "main".into(), path: "values.yaml".into() };
        let kind = EventKind::Planned {
            scenario: scenario.parse().unwrap(),
            target,
            occurrence: t("2026-11-24T09:00:00Z"),
            open_at: t("2026-11-24T08:00:00Z"),
            merge_at: t("2026-11-24T10:37:00Z"),
        };
        Event::new(t("2026-11-23T12:00:00Z"), "firedrill", "tick", kind)
    }

    fn ev(time: &str, kind: EventKind) -> Event {
        Event::new(t(time), "firedrill", "tick", kind)
    }

    #[test]
    fn the_index_sums_up_each_drill_and_round_trips() {
        let mut logs = BTreeMap::new();
        logs.insert("redis-20261124T0900Z".to_owned(), vec![planned("redis")]);
        logs.insert(
            "redis-20261124T1000Z".to_owned(),
            vec![
                planned("redis"),
                ev(
                    "2026-11-24T10:37:00Z",
                    EventKind::Merged { commit: crate::git::CommitSha::parse(&"e".repeat(40)).unwrap() },
                ),
                ev(
                    "2026-11-24T11:55:00Z",
                    EventKind::Recovered {
                        commit: crate::git::CommitSha::parse(&"e".repeat(40)).unwrap(),
                        how: RecoveryHow::Revert,
                    },
                ),
                ev("2026-11-24T12:00:00Z", EventKind::Reported { path: "drills/b/report.md".into() }),
            ],
        );
        logs.insert(
            "not-a-drill".to_owned(),
            vec![ev(
                "2026-11-24T10:00:00Z",
                EventKind::Merged { commit: crate::git::CommitSha::parse(&"e".repeat(40)).unwrap() },
            )],
        );
        let index = Index::fold(&logs, Some("abc".into()));
        assert_eq!(index.drills.keys().collect::<Vec<_>>(), ["redis-20261124T0900Z", "redis-20261124T1000Z"]);
        let b = &index.drills["redis-20261124T1000Z"];
        assert_eq!((b.phase.as_str(), b.outcome, b.events), ("recovered", Some(RecoveryHow::Revert), 4));
        assert_eq!(b.recovered_at, Some(t("2026-11-24T11:55:00Z")));
        assert_eq!(
            index.active().collect::<Vec<_>>(),
            ["redis-20261124T0900Z"],
            "the second is recovered and reported"
        );
        let text = index.to_text();
        assert_eq!(text.lines().count(), 4, "one drill per line:\n{text}");
        assert_eq!(Index::parse(&text), Some(index.clone()));
        assert_eq!(Index::parse("{\"version\":99,\"drills_tree\":null,\"drills\":{}}"), None);
        assert_eq!(Index::parse("{"), None);
    }

    #[test]
    fn a_resolved_drill_stays_active_until_its_report_is_written() {
        let mut log = vec![planned("redis"), ev("2026-11-24T10:00:00Z", EventKind::Aborted { reason: "real".into() })];
        let mut index = Index::fold(&BTreeMap::new(), None);
        index.update("d-20261124T0900Z", &log);
        assert!(index.drills["d-20261124T0900Z"].is_active());
        log.push(ev("2026-11-24T10:01:00Z", EventKind::Reported { path: "drills/d/report.md".into() }));
        index.update("d-20261124T0900Z", &log);
        assert!(!index.drills["d-20261124T0900Z"].is_active());
    }
}
