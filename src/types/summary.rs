//! One drill's facts as the ledger's index keeps them: what listings and the status page read without the log.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::drill::event::{RecoveryHow, TargetRef};
use crate::drill::state::Drill;

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
