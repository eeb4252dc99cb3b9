//! The report's key figures: when the fault landed and was removed, the time to recovery, the deploy and the
//! monitoring's figures, the baseline, the time limit, the first acknowledgement and the change.

use std::fmt::Write as _;

use jiff::{SignedDuration, Timestamp};

use super::ReportContext;
use super::links::{Links, change_ref};
use crate::drill::command::DrillCommand;
use crate::drill::event::{Event, EventKind, RecoveryHow};
use crate::drill::state::{Drill, human_duration};
use crate::render::facts::{chronological, offset, time_limit, timeout_revert, who};
use crate::render::markdown::{code, row, text};
use crate::scenario::Scenario;
use crate::schedule::{Zone, format_instant};

pub(super) fn key_figures(o: &mut String, scenario: &Scenario, drill: &Drill, extra: &ReportContext, links: &Links) {
    let zone = &extra.zone;
    let aborted = drill.aborted.is_some();
    let mut rows: Vec<(&str, String)> = Vec::new();
    match &drill.merged {
        Some(m) => rows.push((
            "Fault landed",
            format!("{}, merge commit {}", format_instant(m.at, zone), links.commit(&m.commit)),
        )),
        None => rows.push((
            "Fault landed",
            format!("never: the merge was planned for {}", format_instant(drill.merge_at, zone)),
        )),
    }
    if let Some((at, _)) = &drill.abandoned {
        rows.push(("Abandoned at", format_instant(*at, zone)));
    }
    if let Some(aborted) = &drill.aborted {
        rows.push(("Aborted at", format_instant(aborted.at, zone)));
    }
    if let Some((landed, how)) = &drill.recovered {
        let by_team = !aborted && matches!(how, RecoveryHow::Revert | RecoveryHow::Fix);
        rows.push((if by_team { "Recovered at" } else { "Fault removed at" }, format_instant(landed.at, zone)));
        let ttr = match (drill.time_to_recovery(), how) {
            _ if aborted => "not measured: the drill was aborted".to_owned(),
            (Some(d), RecoveryHow::Timeout) => {
                format!("{} (the time limit: the team did not recover)", human_duration(d))
            }
            (Some(d), RecoveryHow::GaveUp) => {
                format!("at least {} (the team gave up: not counted as a recovery)", human_duration(d))
            }
            (Some(d), _) => format!("**{}**", human_duration(d)),
            (None, _) => "unknown: no merge was recorded".to_owned(),
        };
        rows.push(("Time to recovery", ttr));
        let how_text = match how {
            RecoveryHow::Revert => "revert: a commit that reverts the drill's merge",
            RecoveryHow::Fix => "fix: another change that removes the fault",
            RecoveryHow::Timeout => "timeout: firedrill reverted the change",
            RecoveryHow::GaveUp => "gave up: the team asked firedrill to revert (`/drill revert`)",
        };
        rows.push(("How", how_text.to_owned()));
        rows.push((if by_team { "Recovering commit" } else { "Removed by" }, links.commit(&landed.commit)));
    }
    deploy_rows(&mut rows, scenario, drill, zone, links);
    monitoring_rows(&mut rows, drill);
    if let Some(baseline) = extra.baseline_mttr
        && drill.merged.is_some()
    {
        let measured = match &drill.recovered {
            Some((_, RecoveryHow::Revert | RecoveryHow::Fix)) if !aborted => drill.time_to_recovery(),
            _ => None,
        };
        let value = match measured {
            Some(d) => compare(d, baseline),
            None => format!("the last real outage took {}", human_duration(baseline)),
        };
        rows.push(("Baseline", value));
    }
    // With a timeout revert the rows above already say it all.
    if let Some(limit) = time_limit(drill)
        && !matches!(drill.recovered, Some((_, RecoveryHow::Timeout)))
    {
        let what = match timeout_revert(drill) {
            Some(sha) => format!("firedrill reverted the change with {}", links.commit(sha)),
            None => "the fault was left in place (auto-revert is off)".to_owned(),
        };
        rows.push(("Time limit", format!("reached after {}: {what}", human_duration(limit))));
    }
    if let Some(m) = &drill.merged {
        if let Some(ack) = first_ack(drill) {
            rows.push((
                "First acknowledged",
                format!("{} by {} (`/drill ack`)", offset(ack.time, m.at), text(&who(ack))),
            ));
        }
        let hints = drill.hints.len();
        if !scenario.hints.is_empty() || hints > 0 {
            rows.push(("Hints released", format!("{hints} of {}", scenario.hints.len().max(hints))));
        }
    }
    if let Some(opened) = &drill.opened {
        let what = match links.change(&opened.change) {
            Some(link) => format!("pull request {link} from branch {}", code(&opened.branch)),
            None if opened.change == opened.branch => format!("branch {}", code(&opened.branch)),
            None => format!("{} from branch {}", change_ref(&opened.change), code(&opened.branch)),
        };
        rows.push(("Change", format!("{what}, opened {}", format_instant(opened.at, zone))));
    }

    let _ = writeln!(o, "## Key figures");
    let _ = writeln!(o);
    let _ = writeln!(o, "| | |");
    let _ = writeln!(o, "|---|---|");
    for (k, v) in rows {
        let _ = writeln!(o, "{}", row(&[k.to_owned(), v]));
    }
    let _ = writeln!(o);
}

/// `3× faster than the last real outage: 4 h`.
pub(super) fn compare(drill: SignedDuration, baseline: SignedDuration) -> String {
    let (d, b) = (drill.as_secs_f64(), baseline.as_secs_f64());
    let last = format!("the last real outage: {}", human_duration(baseline));
    if d <= 0.0 || b <= 0.0 {
        return format!("compared with {last}");
    }
    // Within 5 % either way, a ratio such as "1.0× faster" says less than plain words.
    if b / d >= 1.05 {
        format!("{}× faster than {last}", ratio(b / d))
    } else if d / b >= 1.05 {
        format!("{}× slower than {last}", ratio(d / b))
    } else {
        format!("about as long as {last}")
    }
}

/// `3`, `1.5`, `2`: one decimal below 3, whole numbers above (a "3.1× faster" is false precision).
fn ratio(r: f64) -> String {
    let s = if r >= 3.0 { format!("{:.0}", r) } else { format!("{:.1}", r) };
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// The deploy phase's rows of the key figures: when the fault and the fix went live and the time to restore
/// service (fault live → fix live), or once why the deploy phase was not observed.
fn deploy_rows(rows: &mut Vec<(&str, String)>, scenario: &Scenario, drill: &Drill, zone: &Zone, links: &Links) {
    let Some(merged) = &drill.merged else { return };
    let nothing = drill.fault_live.is_none() && drill.fix_live.is_none();
    if nothing && drill.deploy_watch.is_none() {
        let signals: Vec<String> = scenario.deploy_signals().iter().map(|g| g.describe()).collect();
        let why = if links.base.is_none() {
            "plain git has no deploy signals (on GitHub: `deploy.signals`, the commit statuses Argo CD or Flux post, a \
             check run or GitHub deployments)"
                .to_owned()
        } else if signals.is_empty() {
            "no deploy signal is set (`deploy.signals`: the commit statuses Argo CD or Flux post, a check run or \
             GitHub deployments)"
                .to_owned()
        } else {
            format!("{} reported neither the fault's commit nor the fix's live", text(&signals.join(", ")))
        };
        rows.push(("Deploy", format!("not observed: {why}")));
        return;
    }
    let live = |l: &crate::drill::state::Live, from: Timestamp, what: &str| {
        let commit = l.commit.as_ref().map(|c| format!(" on {}", links.commit(c))).unwrap_or_default();
        format!(
            "{}, {} after {what} ({}{commit})",
            format_instant(l.at, zone),
            human_duration(l.at.duration_since(from)),
            text(&l.signal)
        )
    };
    rows.push((
        "Fault live",
        match &drill.fault_live {
            Some(l) => live(l, merged.at, "the merge"),
            None => "not observed: no deploy signal reported a commit holding the fault".to_owned(),
        },
    ));
    let Some((removal, _)) = &drill.recovered else { return };
    rows.push((
        "Fix live",
        match (&drill.fix_live, &drill.deploy_unobserved, drill.deploy_watch.as_ref().map(|(until, _)| *until)) {
            (Some(l), _, _) => live(l, removal.at, "the fault's removal"),
            (None, Some(why), _) => format!("not observed: {}", text(why)),
            (None, None, Some(until)) => {
                format!(
                    "not observed yet: firedrill asks until {} and updates this report",
                    format_instant(until, zone)
                )
            }
            (None, None, None) => "not observed".to_owned(),
        },
    ));
    if let Some(d) = drill.deploy_time_to_recovery() {
        rows.push(("Time to restore service", format!("**{}** (fault live → fix live)", human_duration(d))));
    }
}

/// What the team's monitoring saw (`observe:`), as key figures: broken, alert, restored (T+ from the landing),
/// and the times between them. Nothing when the drill observed nothing.
fn monitoring_rows(rows: &mut Vec<(&str, String)>, drill: &Drill) {
    let Some(m) = &drill.merged else { return };
    let figures = crate::metrics::DrillMetrics::of(drill);
    if let Some(at) = drill.no_effect
        && drill.broken.is_none()
    {
        rows.push(("Service broken", format!("no effect seen: the service stayed healthy up to {}", offset(at, m.at))));
    }
    if let Some(b) = drill.broken {
        rows.push(("Service broken", format!("{} (health, from Prometheus)", offset(b, m.at))));
    }
    if let Some((at, name, from)) = &drill.alert {
        rows.push(("Alert fired", format!("{} {} (from {})", offset(*at, m.at), code(name), text(from))));
    }
    match figures.time_to_detect {
        Some(crate::metrics::survival::Estimate::Exact(d)) => {
            rows.push(("Time to detect", format!("**{}** (service broken → alert fired)", human_duration(d))));
        }
        Some(crate::metrics::survival::Estimate::AtLeast(d)) => rows.push((
            "Time to detect",
            format!("at least {}: no matching alert fired before the drill ended", human_duration(d)),
        )),
        None => {}
    }
    if let Some(d) = figures.time_to_acknowledge {
        rows.push(("Time to acknowledge", format!("{} (alert fired → acknowledged)", human_duration(d))));
    }
    if let Some(r) = drill.restored {
        rows.push(("Service restored", format!("{} (health, from Prometheus)", offset(r, m.at))));
    }
    if let Some(d) = figures.health_restore {
        rows.push((
            "Time to restore service (health)",
            format!("**{}** (service broken → healthy again)", human_duration(d)),
        ));
    }
    if let Some(why) = &drill.unrestored {
        rows.push(("Service restored", format!("not observed: {}", text(why))));
    }
}

fn first_ack(drill: &Drill) -> Option<&Event> {
    chronological(drill)
        .into_iter()
        .find(|e| matches!(&e.kind, EventKind::Command { name, .. } if *name == DrillCommand::Ack))
}
