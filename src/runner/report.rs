//! Writing a drill's report: the report, badges, history page and statistics in one ledger commit with the
//! `reported` event, then posted where the team is.

use jiff::Timestamp;

use crate::drill::event::{Event, EventKind};
use crate::drill::state::Drill;
use crate::forge::Forge;
use crate::ledger::Write;
use crate::render::comment::Marker;
use crate::scenario::Scenario;
use crate::schedule::DrillId;
use crate::types::FIREDRILL_ACTOR;

use super::{RunError, Runner, change_of, forge_err, issue_change};

impl<F: Forge> Runner<'_, F> {
    /// The `reported` event of drill `id`, written with its report.
    pub(super) fn reported(&self, id: &DrillId, now: Timestamp) -> Event {
        self.event(now, FIREDRILL_ACTOR, EventKind::Reported { path: report_path(id) })
    }

    /// The drill's report (with the comparison against earlier drills, whose figures the ledger's index holds), in
    /// one ledger commit with the `reported` event (the public files follow in that commit: the ledger rebuilds
    /// them); then the report is posted on the drill's change, where the team is. Returns the report's Markdown.
    /// No log but the drill's own is read: the cost does not grow with the ledger.
    pub(super) async fn write_report(
        &self,
        forge: &F,
        d: &Drill,
        s: Option<&Scenario>,
        now: Timestamp,
    ) -> Result<Option<String>, RunError> {
        if self.settings.dry_run {
            return Ok(None);
        }
        let read = self.ledger.read_active().await?;
        let mut drills = read.index.ended();
        drills.retain(|m| m.id != d.id.as_str());
        drills.push(crate::metrics::DrillMetrics::of(d));
        let links = &self.settings.links;
        let text = crate::render::drill_report(s, d, &drills, self.config, links, forge.web_url());
        let event = self.reported(&d.id, now);
        let w = Write {
            events: vec![(d.id.to_string(), event)],
            files: vec![(d.id.to_string(), "report.md".into(), text.clone())],
        };
        self.ledger.write(&w, "firedrill: write drill report", &self.settings.actor, now).await?;
        if let Some(op) = &d.opened {
            forge.post_note(&change_of(op), REPORT_MARKER, &text).await.map_err(forge_err(forge))?;
        }
        if let Some(issue) = d.announced() {
            forge.post_note(&issue_change(issue), REPORT_MARKER, &text).await.map_err(forge_err(forge))?;
        }
        Ok(Some(text))
    }
}

/// The hidden marker of the report comment on a drill's change, so a re-run edits it instead of posting twice.
pub const REPORT_MARKER: &Marker = &Marker::Report;

/// Where a drill's report lives on the ledger branch.
pub fn report_path(id: &DrillId) -> String {
    format!("drills/{id}/report.md")
}
