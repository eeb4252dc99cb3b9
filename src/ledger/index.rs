//! The ledger's index (`index.json`): each drill's facts folded from its log, so a tick reads one file, not every log.
//!
//! Pure: built from the logs ([`Index::fold`]), updated for the drills a write touches ([`Index::update`]),
//! parsed and printed. The logs stay the truth: the index names the `drills/` tree it was folded from, and an
//! index next to any other tree (a commit made without it: an older firedrill, a hand edit) is stale and is
//! rebuilt from the logs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::drill::event::Event;
use crate::drill::state::Drill;
pub use crate::types::Summary;

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
    use jiff::Timestamp;

    use super::*;
    use crate::drill::event::{EventKind, RecoveryHow, TargetRef};

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
