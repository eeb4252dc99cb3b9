//! The report's timeline: the table of every event (UTC, local time, T+, what, who) and the Mermaid timeline.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::ReportContext;
use super::links::{Links, change_ref};
use crate::drill::command::{CommandName, DrillCommand};
use crate::drill::event::{Event, EventKind, RecoveryHow};
use crate::drill::state::{Drill, human_duration};
use crate::render::facts::{chronological, is_number, offset, outcome, utc, who, zero};
use crate::render::markdown::{code, one_line, row, text};
use crate::scenario::Scenario;
use crate::schedule::Zone;

pub(super) fn table(o: &mut String, drill: &Drill, extra: &ReportContext, links: &Links) {
    let zone = &extra.zone;
    let local = !zone.is_utc();
    let zero = zero(drill);
    let _ = writeln!(o, "## Timeline");
    let _ = writeln!(o);
    if drill.merged.is_some() {
        let _ = writeln!(o, "T+0 is the merge that landed the fault ({}).", utc(zero));
    } else {
        let _ = writeln!(o, "T+0 is the planned merge ({}); the fault never landed.", utc(zero));
    }
    let _ = writeln!(o);
    if local {
        let _ = writeln!(o, "| Time (UTC) | Local ({}) | T | What happened | Who |", zone.name());
        let _ = writeln!(o, "|---|---|---|---|---|");
    } else {
        let _ = writeln!(o, "| Time (UTC) | T | What happened | Who |");
        let _ = writeln!(o, "|---|---|---|---|");
    }
    for e in chronological(drill) {
        let mut cells = vec![clock(e.time, &TimeZone::UTC, true)];
        if local {
            cells.push(local_clock(e.time, zone));
        }
        cells.push(offset(e.time, zero));
        cells.push(what(e, drill, links));
        cells.push(text(&who(e)));
        let _ = writeln!(o, "{}", row(&cells));
    }
    let _ = writeln!(o);
}

/// What an event means, for the timeline table.
fn what(e: &Event, drill: &Drill, links: &Links) -> String {
    match &e.kind {
        EventKind::Planned { open_at, merge_at, .. } => {
            format!(
                "Drill planned: the change opens at {} and merges at {}",
                short_clock(*open_at, e.time),
                short_clock(*merge_at, e.time)
            )
        }
        EventKind::Opened { branch, change, .. } => match links.change(change) {
            Some(link) => format!("Pull request {link} opened from branch {}", code(branch)),
            None if change == branch => format!("Change opened on branch {}", code(branch)),
            None => format!("{} opened from branch {}", capitalize(&change_ref(change)), code(branch)),
        },
        EventKind::Merged { commit } if drill.merge_held().is_some_and(|h| h.as_secs() > 0) => format!(
            "**Fault landed**: the change was merged as {}, {} after the branch's guard rails first held it",
            links.commit(commit),
            human_duration(drill.merge_held().unwrap_or_default())
        ),
        EventKind::Merged { commit } => format!("**Fault landed**: the change was merged as {}", links.commit(commit)),
        EventKind::MergeWaiting { reason, .. } => format!("Merge waiting: {}", text(reason)),
        EventKind::RevertWaiting { change, reason } => {
            format!("**Revert held**: the revert pull request #{change} {}; the fault stayed live", text(reason))
        }
        EventKind::Abandoned { reason } => format!("**Abandoned**: {}", text(reason)),
        EventKind::Command { name, args } => {
            let command = match args.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                Some(args) => format!("/drill {name} {args}"),
                None => format!("/drill {name}"),
            };
            format!("Command {}", code(&command))
        }
        EventKind::Comment { refused, .. } if refused.is_empty() => "Comment answered".to_owned(),
        EventKind::Comment { refused, .. } => format!("Comment answered; not obeyed: {}", text(&refused.join("; "))),
        EventKind::Inferred { phase, from } => format!("{} (inferred from {})", stage_name(phase), text(from)),
        EventKind::Broken { from } => format!("**Service broken**: {}", text(from)),
        EventKind::AlertFired { alert, labels, from, .. } => {
            format!(
                "**Alert fired**: {} {} (from {})",
                code(alert),
                code(crate::observe::describe_labels(labels)),
                text(from)
            )
        }
        EventKind::Restored { from } => format!("**Service restored**: {}", text(from)),
        EventKind::Unrestored { reason } => format!("Service restoration not observed: {}", text(reason)),
        EventKind::NoEffect { within } => {
            format!("**No effect seen**: the service stayed healthy for {} after the fault went live", text(within))
        }
        EventKind::Announced { issue } => format!("Incident announced in issue #{}", text(issue)),
        EventKind::Hint { index, text: hint } => format!("Hint {} released: {}", index + 1, text(hint)),
        EventKind::Recovered { commit, how: RecoveryHow::Revert } if drill.aborted.is_some() => {
            format!("**Fault removed**: the merge was reverted by {}", links.commit(commit))
        }
        EventKind::Recovered { commit, how: RecoveryHow::Fix } if drill.aborted.is_some() => {
            format!("**Fault removed**: fixed by {}", links.commit(commit))
        }
        EventKind::Recovered { commit, how } => match how {
            RecoveryHow::Revert => format!("**Recovered**: the merge was reverted by {}", links.commit(commit)),
            RecoveryHow::Fix => format!("**Recovered**: the fault was fixed by {}", links.commit(commit)),
            RecoveryHow::Timeout | RecoveryHow::GaveUp => {
                format!("**Fault removed**: firedrill's revert {} landed", links.commit(commit))
            }
        },
        EventKind::TimedOut { reverted_by } => {
            let after =
                drill.merged.as_ref().map(|m| format!(" after {}", human_duration(e.time.duration_since(m.at))));
            match reverted_by {
                Some(sha) => format!(
                    "**Time limit reached**{}: firedrill reverts the change ({})",
                    after.unwrap_or_default(),
                    links.commit(sha)
                ),
                None => {
                    format!("**Time limit reached**{}: the fault stays (auto-revert is off)", after.unwrap_or_default())
                }
            }
        }
        EventKind::Aborted { reason } if reason.trim().is_empty() => "**Aborted**".to_owned(),
        EventKind::Aborted { reason } => format!("**Aborted**: {}", text(reason)),
        EventKind::Reported { path } => format!("Report written to {}", code(path)),
        EventKind::Deployed { fault, fix } => format!(
            "**Fix deployed**: the fault reached the environment at {} UTC, the fix at {} UTC",
            fault.strftime("%H:%M"),
            fix.strftime("%H:%M")
        ),
        EventKind::FaultDeployed { signal, commit } => {
            format!("**Fault live**: {} reported {} live", text(signal), links.commit(commit))
        }
        EventKind::FixDeployed { signal, commit } => {
            format!("**Fix live**: {} reported {} live", text(signal), links.commit(commit))
        }
        EventKind::DeployWatch { until, signals } => format!(
            "firedrill watches {} for the fix's deploy until {} UTC",
            text(&signals.join(", ")),
            until.strftime("%H:%M")
        ),
        EventKind::DeployUnobserved { reason, .. } => format!("The fix's deploy was not observed: {}", text(reason)),
    }
}

pub(super) fn mermaid_timeline(o: &mut String, scenario: &Scenario, drill: &Drill) {
    let zero = zero(drill);
    let _ = writeln!(o, "```mermaid");
    let _ = writeln!(o, "timeline");
    let _ = writeln!(o, "  title {}", mermaid(&format!("{} — {}", scenario.title, lowercase_first(&outcome(drill)))));
    // Sections follow the lifecycle, not the clock: everything before the fault landed, the incident itself
    // (up to the recovery, abort or time limit), and what came after.
    let (mut landed, mut ended) = (false, false);
    let mut lines: Vec<(&str, String, Vec<String>)> = Vec::new();
    for e in chronological(drill) {
        landed |= matches!(e.kind, EventKind::Merged { .. });
        let section = match (landed, ended) {
            (_, true) => "Afterwards",
            (true, false) => "Incident",
            (false, false) => "Preparation",
        };
        ended |=
            matches!(e.kind, EventKind::Recovered { .. } | EventKind::Aborted { .. } | EventKind::Abandoned { .. })
                || (matches!(e.kind, EventKind::TimedOut { .. }) && drill.recovered.is_none());
        let period = offset(e.time, zero);
        let label = format!("{} ({})", mermaid_label(e, drill), short_clock(e.time, e.time));
        match lines.last_mut() {
            Some((s, p, labels)) if *s == section && *p == period => labels.push(label),
            _ => lines.push((section, period, vec![label])),
        }
    }
    let mut current = "";
    for (s, period, labels) in lines {
        if s != current {
            let _ = writeln!(o, "  section {}", mermaid(s));
            current = s;
        }
        let events: String = labels.iter().map(|l| format!(" : {}", mermaid(l))).collect();
        let _ = writeln!(o, "    {}{events}", mermaid(&period));
    }
    let _ = writeln!(o, "```");
    let _ = writeln!(o);
}

/// The incident phase a stamp stands for.
fn stage_name(phase: &CommandName) -> &str {
    match phase.command() {
        Some(DrillCommand::Ack) => "Detected",
        Some(DrillCommand::Found) => "Suspicious change identified",
        Some(DrillCommand::Fixed) => "Fix ready",
        _ => phase.as_str(),
    }
}

/// A few words per event for the Mermaid boxes.
fn mermaid_label(e: &Event, drill: &Drill) -> String {
    match &e.kind {
        EventKind::Recovered { .. } if drill.aborted.is_some() => "Fault removed".to_owned(),
        EventKind::Planned { .. } => "Drill planned".to_owned(),
        EventKind::Opened { change, .. } if is_number(change) => format!("Pull request #{change} opened"),
        EventKind::Opened { .. } => "Change opened".to_owned(),
        EventKind::Merged { .. } => "Fault landed".to_owned(),
        EventKind::MergeWaiting { .. } => "Merge waiting".to_owned(),
        EventKind::RevertWaiting { .. } => "Revert held".to_owned(),
        EventKind::Abandoned { .. } => "Abandoned".to_owned(),
        EventKind::Command { name, .. } => format!("/drill {name} by {}", who(e)),
        EventKind::Hint { index, .. } => format!("Hint {} released", index + 1),
        EventKind::Comment { .. } => "Comment answered".to_owned(),
        EventKind::Inferred { phase, .. } => stage_name(phase).to_owned(),
        EventKind::Announced { .. } => "Incident announced".to_owned(),
        EventKind::Broken { .. } => "Service broken".to_owned(),
        EventKind::AlertFired { alert, .. } => format!("Alert {alert} fired"),
        EventKind::Restored { .. } => "Service restored".to_owned(),
        EventKind::Unrestored { .. } => "Restoration not observed".to_owned(),
        EventKind::NoEffect { .. } => "No effect seen".to_owned(),
        EventKind::Recovered { how: RecoveryHow::Revert, .. } => "Recovered by a revert".to_owned(),
        EventKind::Recovered { how: RecoveryHow::Fix, .. } => "Recovered by a fix".to_owned(),
        EventKind::Recovered { how: RecoveryHow::Timeout | RecoveryHow::GaveUp, .. } => {
            "firedrill's revert landed".to_owned()
        }
        EventKind::TimedOut { .. } => "Time limit reached".to_owned(),
        EventKind::Aborted { .. } => format!("Aborted by {}", who(e)),
        EventKind::Reported { .. } => "Report written".to_owned(),
        EventKind::Deployed { .. } => "Fix deployed".to_owned(),
        EventKind::FaultDeployed { .. } => "Fault live".to_owned(),
        EventKind::FixDeployed { .. } => "Fix live".to_owned(),
        EventKind::DeployWatch { .. } => "Watching the fix's deploy".to_owned(),
        EventKind::DeployUnobserved { .. } => "Fix's deploy not observed".to_owned(),
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

/// Text for a Mermaid `timeline`. Its lexer ends a period at `:` or `#`, a section at `:`, and `%%` starts a
/// comment; Mermaid decodes `#58;`-style entity codes after parsing, so those characters (and the HTML ones)
/// are written as entity codes. `#` itself is encoded, so text cannot smuggle in entities of its own.
pub(super) fn mermaid(s: &str) -> String {
    let mut out = String::new();
    for c in one_line(s).chars() {
        match c {
            '#' | ':' | '%' | ';' | '<' | '>' | '"' | '`' | '{' | '}' | '&' | '\\' => {
                let _ = write!(out, "#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// `2026-11-24 10:17` in `tz` (seconds only when not zero); with `date`, the day is shown.
fn clock(ts: Timestamp, tz: &TimeZone, date: bool) -> String {
    let seconds = ts.as_second().rem_euclid(60) != 0;
    let pattern = match (date, seconds) {
        (true, false) => "%Y-%m-%d %H:%M",
        (true, true) => "%Y-%m-%d %H:%M:%S",
        (false, false) => "%H:%M",
        (false, true) => "%H:%M:%S",
    };
    ts.to_zoned(tz.clone()).strftime(pattern).to_string()
}

/// `11:17 CET`, with `(+1 day)` when the local date is not the UTC date.
fn local_clock(ts: Timestamp, zone: &Zone) -> String {
    let local = ts.to_zoned(zone.time_zone().clone());
    let days = (local.date() - ts.to_zoned(TimeZone::UTC).date()).get_days();
    let clock = format!("{} {}", clock(ts, zone.time_zone(), false), local.strftime("%Z"));
    match days {
        0 => clock,
        d => format!("{clock} ({d:+} day)"),
    }
}

/// `10:17 UTC` when on the same UTC day as `near`, else `2026-11-25 10:17 UTC`.
fn short_clock(ts: Timestamp, near: Timestamp) -> String {
    let same_day = ts.to_zoned(TimeZone::UTC).date() == near.to_zoned(TimeZone::UTC).date();
    format!("{} UTC", clock(ts, &TimeZone::UTC, !same_day))
}
