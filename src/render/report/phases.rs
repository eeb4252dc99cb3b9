//! The report's phases: the incident as the monitoring and the team saw it, and the phase table with the hints.

use std::fmt::Write as _;

use jiff::Timestamp;

use super::links::Links;
use crate::drill::command::DrillCommand;
use crate::drill::event::{EventKind, RecoveryHow};
use crate::drill::state::{Drill, human_duration};
use crate::metrics::{DrillMetrics, PHASE_COMMANDS, Stage};
use crate::render::facts::{chronological, offset, who};
use crate::render::markdown::{code, row, text};
use crate::scenario::Scenario;

/// The incident as the team lived it, where the monitoring saw any of it: merged → live → broken → alert fired
/// → acknowledged → identified → fix merged → fix live → restored, each with when (T+ from the landing) and
/// what told.
pub(super) fn seen_phases(o: &mut String, drill: &Drill, links: &Links) {
    let Some(m) = &drill.merged else { return };
    if drill.broken.is_none() && drill.alert.is_none() && drill.restored.is_none() && drill.no_effect.is_none() {
        return;
    }
    let command = |name: DrillCommand| {
        chronological(drill).into_iter().find(|e| match &e.kind {
            EventKind::Command { name: n, .. } => *n == name,
            EventKind::Inferred { phase, .. } => *phase == name,
            _ => false,
        })
    };
    let by = |name: DrillCommand| {
        command(name).map(|e| match &e.kind {
            EventKind::Inferred { from, .. } => (e.time, format!("inferred from {}", text(from))),
            _ => (e.time, format!("`/drill {name}` by {}", text(&who(e)))),
        })
    };
    let team_fix = drill.recovered.as_ref().filter(|(_, how)| matches!(how, RecoveryHow::Revert | RecoveryHow::Fix));
    let rows: Vec<(&str, Option<(Timestamp, String)>)> = vec![
        ("Fault merged", Some((m.at, format!("merge commit {}", links.commit(&m.commit))))),
        ("Fault live", drill.fault_live.as_ref().map(|l| (l.at, text(&l.signal)))),
        (
            "Service broken",
            drill
                .broken
                .map(|b| (b, "health false (Prometheus)".to_owned()))
                .or_else(|| drill.no_effect.map(|t| (t, "no effect seen: health stayed true".to_owned()))),
        ),
        (
            "Alert fired",
            drill.alert.as_ref().map(|(at, name, from)| (*at, format!("{} (from {})", code(name), text(from)))),
        ),
        ("Acknowledged", by(DrillCommand::Ack)),
        ("Identified", by(DrillCommand::Found)),
        ("Fix merged", team_fix.map(|(l, _)| (l.at, format!("commit {}", links.commit(&l.commit))))),
        ("Fix live", drill.fix_live.as_ref().map(|l| (l.at, text(&l.signal)))),
        ("Restored", drill.restored.map(|r| (r, "health true again (Prometheus)".to_owned()))),
    ];
    let _ = writeln!(o, "## As the team saw it");
    let _ = writeln!(o);
    let _ = writeln!(o, "| Phase | At | Source |");
    let _ = writeln!(o, "|---|---|---|");
    for (phase, seen) in rows {
        let (at, source) = match seen {
            Some((t, source)) => (offset(t, m.at), source),
            None => ("not observed".to_owned(), "—".to_owned()),
        };
        let _ = writeln!(o, "{}", row(&[phase.to_owned(), at, source]));
    }
    let _ = writeln!(o);
}

/// The phase table: when each stage of the incident ended (T+ from the landing) and how long it took, and the
/// hints used. Stages come from `/drill ack`, `/drill found`, `/drill fixed`, the recovery and the deployment.
pub(super) fn phases(o: &mut String, scenario: &Scenario, drill: &Drill) {
    if drill.merged.is_none() {
        return;
    }
    let m = DrillMetrics::of(drill);
    let _ = writeln!(o, "## Phases");
    let _ = writeln!(o);
    let _ = writeln!(o, "| Phase | Ended | Took | Marked by |");
    let _ = writeln!(o, "|---|---|---|---|");
    for (stage, at, took) in m.phases.durations() {
        let command = PHASE_COMMANDS.iter().find(|(_, s)| *s == stage).map(|(c, _)| *c);
        let (name, source) = match (stage, command) {
            (_, Some(c)) => (stage_title(stage), format!("`/drill {c}`")),
            (Stage::Recover, _) => (stage_title(stage), "the commit that removed the fault landed".to_owned()),
            _ => match &drill.fix_live {
                Some(l) => (stage_title(stage), text(&l.signal)),
                None => (stage_title(stage), "not observed".to_owned()),
            },
        };
        let at = at.map_or_else(|| "not recorded".to_owned(), |t| format!("T+{}", human_duration(t)));
        let took = took.map_or_else(|| "—".to_owned(), human_duration);
        let _ = writeln!(o, "{}", row(&[name.to_owned(), at, took, source]));
    }
    let _ = writeln!(o);
    let total = scenario.hints.len().max(m.hints_used);
    let _ = match m.hints_used {
        0 if total == 0 => writeln!(o, "Hints used: none (the scenario has none)."),
        0 => writeln!(o, "Hints used: none of {total}."),
        n => writeln!(o, "Hints used: {n} of {total}."),
    };
    let _ = writeln!(o);
}

fn stage_title(stage: Stage) -> &'static str {
    match stage {
        Stage::Detect => "Detect",
        Stage::Identify => "Identify the change",
        Stage::Fix => "Fix ready",
        Stage::Recover => "Recover (fault gone from the branch)",
        Stage::Deploy => "Deploy the fix",
    }
}
