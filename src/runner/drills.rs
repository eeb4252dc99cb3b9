//! The drills as the ledger holds them: read and folded (for `status` and for a tick), and the one ledger commit
//! that records a round's events.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::drill::event::{Event, TargetRef};
use crate::drill::state::Drill;
use crate::forge::Forge;
use crate::git::CommitSha;
use crate::ledger::{Damage, Write};
use crate::schedule::DrillId;

use super::{RunError, Runner};

/// The ledger as `status` shows it ([`Runner::overview`]).
#[derive(Debug, Clone)]
pub struct Overview {
    /// The drills with work left (unresolved, or not reported yet), folded from their whole logs.
    pub active: Vec<Drill>,
    /// The ledger as read, shared with the ledger's cache: the index's summaries are borrowed from it.
    read: std::sync::Arc<crate::ledger::Active>,
}

impl Overview {
    /// The ledger tip read (`None`: no ledger yet).
    pub fn tip(&self) -> Option<&CommitSha> {
        self.read.tip.as_ref()
    }

    /// The drills whose log cannot be read (or is gone while the index lists it), by drill id.
    pub fn damaged(&self) -> &BTreeMap<String, Damage> {
        &self.read.damaged
    }

    /// Every other drill, as the index sums it up: (drill id, summary), by drill id.
    pub fn finished(&self) -> impl Iterator<Item = (&str, &crate::ledger::Summary)> {
        (self.read.index.drills.iter())
            .filter(|(id, _)| !self.read.logs.contains_key(*id) && !self.read.damaged.contains_key(*id))
            .map(|(id, s)| (id.as_str(), s))
    }
}

impl<F: Forge> Runner<'_, F> {
    /// The drills in the ledger, folded (every log is read).
    pub async fn drills(&self) -> Result<Vec<Drill>, RunError> {
        Ok(fold(self.ledger.read().await?.logs, &[]))
    }

    /// What `status` lists, read as a tick reads the ledger ([`Ledger::read_active`]): the drills with work
    /// left folded from their logs, every other drill from the index's summary (no log read for it), and the
    /// drills whose log cannot be read (or is gone while the index lists it). A stale or missing index is
    /// folded from every log first, so the summaries never disagree with the logs; a summary whose phase this
    /// firedrill does not know counts as work left, so its log is read, not its summary trusted.
    pub async fn overview(&self) -> Result<Overview, RunError> {
        let read = self.ledger.read_active().await?;
        Ok(Overview { active: fold(read.logs.clone(), &[]), read })
    }

    /// Drill `id` folded from its whole log at the tip `overview` read (for its timeline); `Ok(None)`: the
    /// ledger has no such drill.
    pub async fn drill(&self, overview: &Overview, id: &str) -> Result<Option<Drill>, RunError> {
        if let Some(d) = overview.active.iter().find(|d| d.id.as_str() == id) {
            return Ok(Some(d.clone()));
        }
        if let Some(damage) = overview.damaged().get(id) {
            return Err(RunError::Refused(damage.to_string()));
        }
        let Ok(drill_id) = DrillId::parse(id) else { return Ok(None) };
        match self.ledger.read_log_at(overview.tip(), id).await? {
            Some(Ok(log)) => Ok(Drill::fold(&drill_id, &log)),
            Some(Err(damage)) => Err(RunError::Refused(damage.to_string())),
            None => Ok(None),
        }
    }

    /// The unfinished drills (and the finished ones not reported yet), with `unwritten` events appended, and
    /// every drill id of the ledger: what a tick needs, read from the ledger's index and the logs of those
    /// drills only, so an idle tick costs the same with 10 or 10,000 drills in the ledger.
    pub(super) async fn active_with(
        &self,
        unwritten: &[(DrillId, Event)],
    ) -> Result<(Vec<Drill>, std::collections::BTreeSet<DrillId>, Vec<(Damage, Option<TargetRef>)>), RunError> {
        let active = self.ledger.read_active().await?;
        // A damaged or deleted log keeps its drill's id taken: the same drill is never planned twice.
        let mut known: std::collections::BTreeSet<DrillId> = (active.index.drills.keys())
            .chain(active.index.damaged.keys())
            .chain(active.damaged.keys())
            .filter_map(|id| DrillId::parse(id).ok())
            .collect();
        known.extend(unwritten.iter().map(|(id, _)| id.clone()));
        // Where a damaged drill may have its fault, as the index last knew it (`None`: unknown).
        let damaged = active
            .damaged
            .values()
            .cloned()
            .map(|d| {
                let target = active.index.drills.get(&d.drill).map(|s| s.target.clone());
                (d, target)
            })
            .collect();
        Ok((fold(active.logs.clone(), unwritten), known, damaged))
    }

    /// The drills a tick still has work on (see [`Runner::active_with`]).
    pub async fn active_drills(&self) -> Result<Vec<Drill>, RunError> {
        Ok(self.active_with(&[]).await?.0)
    }

    /// Appends events as one ledger commit (nothing under dry-run).
    pub(super) async fn record(&self, events: Vec<(DrillId, Event)>, now: Timestamp) -> Result<(), RunError> {
        if events.is_empty() || self.settings.dry_run {
            return Ok(());
        }
        let names: Vec<&str> = events.iter().map(|(_, e)| e.kind.name()).collect();
        let what = format!("firedrill: record {}", names.join(", "));
        let events = events.into_iter().map(|(id, e)| (id.to_string(), e)).collect();
        self.ledger.write(&Write { events, ..Write::default() }, &what, &self.settings.actor, now).await?;
        Ok(())
    }
}

/// The logs read from the ledger, with `unwritten` events (a dry run's) appended, folded into drills. A log
/// under a name that is not a drill id is not a drill (the ledger only writes drill ids).
fn fold(logs: BTreeMap<String, Vec<Event>>, unwritten: &[(DrillId, Event)]) -> Vec<Drill> {
    let mut by_id: BTreeMap<DrillId, Vec<Event>> =
        logs.into_iter().filter_map(|(id, log)| Some((DrillId::parse(&id).ok()?, log))).collect();
    for (id, e) in unwritten {
        by_id.entry(id.clone()).or_default().push(e.clone());
    }
    by_id.iter().filter_map(|(id, log)| Drill::fold(id, log)).collect()
}
