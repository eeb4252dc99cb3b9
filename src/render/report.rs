//! The drill report (`drills/<id>/report.md`): outcome, key figures, timeline, Mermaid timeline, reveal and review.
//!
//! GitHub-flavoured Markdown, deterministic (no clock is read: every instant comes from the drill's events).
//! Free text from people (command arguments, abort reasons) is escaped so it cannot break a table or inject HTML.

use std::fmt::Write as _;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::drill::command::{CommandName, DrillCommand};
use crate::drill::event::{Event, EventKind, RecoveryHow};
use crate::drill::state::{Drill, Phase, human_duration};
use crate::metrics::{DrillMetrics, Outcome, PHASE_COMMANDS, Sample, Stage, Trend, summarize};
use crate::scenario::{PatchOp, Scenario};
use crate::schedule::{Zone, format_instant};
use crate::types::{CommitSha, FIREDRILL_ACTOR};

/// What the report needs besides the scenario and the drill.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportContext {
    /// How long the last real outage took to recover from (`baseline_mttr` of `firedrill.yml`).
    pub baseline_mttr: Option<SignedDuration>,
    /// The web address of the target repository (`https://github.com/owner/name`), to link commits and pull
    /// requests. Any userinfo in it is dropped; addresses that are not http(s) are not linked.
    pub repo_url: Option<String>,
    /// The zone local times are shown in (the scenario's).
    pub zone: Zone,
    /// Earlier drills and the history page, for "compared with earlier drills and the baseline".
    pub history: Option<History>,
}

/// What a drill is compared with, and where all drills are.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// The counted drills before this one (every scenario), oldest first.
    pub earlier: Vec<DrillMetrics>,
    /// How many of the most recent earlier drills the comparison's median covers (`stats.last`).
    pub last_n: usize,
    /// The history page's address; without one, `docs/history.md` on the ledger branch, relative to the report
    /// (`drills/<id>/report.md`).
    pub url: Option<String>,
}

impl ReportContext {
    /// No baseline, no links, and the scenario's zone (UTC when it has no schedule).
    pub fn for_scenario(scenario: &Scenario) -> ReportContext {
        ReportContext {
            baseline_mttr: None,
            repo_url: None,
            zone: scenario.schedule.as_ref().map_or_else(Zone::utc, |s| s.timezone().zone().clone()),
            history: None,
        }
    }
}

/// The drill report in GitHub-flavoured Markdown.
pub fn markdown(scenario: &Scenario, drill: &Drill, extra: &ReportContext) -> String {
    let links = Links::new(extra.repo_url.as_deref());
    let mut o = String::new();
    let _ = writeln!(o, "# {} — drill {}", text(&scenario.title), code(&drill.id));
    let _ = writeln!(o);
    let _ = writeln!(o, "**{}.**", text(&outcome(drill)));
    let _ = writeln!(o);
    key_figures(&mut o, scenario, drill, extra, &links);
    phases(&mut o, scenario, drill);
    seen_phases(&mut o, drill, &links);
    if let Some(history) = &extra.history {
        comparison(&mut o, scenario, drill, extra.baseline_mttr, history);
    }
    timeline_table(&mut o, drill, extra, &links);
    mermaid_timeline(&mut o, scenario, drill);
    reveal(&mut o, scenario, drill, &links);
    review(&mut o, scenario, drill);
    let _ = writeln!(o, "---");
    let _ = writeln!(o);
    let _ =
        writeln!(o, "<sub>Written by firedrill from the drill's event log (`drills/{}/events.jsonl`).</sub>", drill.id);
    o
}

/// One sentence on how the drill ended (or where it stands), without Markdown: "Recovered in 1 h 18 min by a
/// revert", "Timed out after 3 h: firedrill reverted the change", "Aborted by @ana: real incident".
pub fn outcome(drill: &Drill) -> String {
    let limit = time_limit(drill);
    let limit_text = limit.map_or_else(|| "the time limit".to_owned(), human_duration);
    if drill.aborted.is_some() {
        let (by, reason) = drill
            .events
            .iter()
            .find_map(|e| match &e.kind {
                EventKind::Aborted { reason } => Some((who(e), reason.trim().to_owned())),
                _ => None,
            })
            .unwrap_or_default();
        return if reason.is_empty() { format!("Aborted by {by}") } else { format!("Aborted by {by}: {reason}") };
    }
    if let Some((_, how)) = &drill.recovered {
        let ttr = drill.time_to_recovery();
        return match (how, ttr) {
            (RecoveryHow::Timeout, _) => {
                format!(
                    "Timed out after {}: firedrill reverted the change",
                    limit.or(ttr).map_or(limit_text, human_duration)
                )
            }
            (RecoveryHow::GaveUp, Some(d)) => {
                format!("Gave up after {}: firedrill reverted the change", human_duration(d))
            }
            (RecoveryHow::GaveUp, None) => "Gave up: firedrill reverted the change".to_owned(),
            (how, ttr) => {
                let mut s = match ttr {
                    Some(d) => format!("Recovered in {} by {}", human_duration(d), how_article(*how)),
                    None => format!("Recovered by {}", how_article(*how)),
                };
                match limit {
                    Some(l) => {
                        let _ = write!(s, ", after the {} time limit", human_duration(l));
                    }
                    None if drill.timed_out.is_some() => s.push_str(", after the time limit"),
                    None => {}
                }
                s
            }
        };
    }
    if let Some((_, reason)) = &drill.abandoned {
        return format!("Abandoned: {}", reason.trim());
    }
    if drill.timed_out.is_some() {
        return if timeout_revert(drill).is_some() {
            format!("Timed out after {limit_text}: firedrill is reverting the change")
        } else {
            format!("Timed out after {limit_text}: the fault is still in place (auto-revert is off)")
        };
    }
    match drill.phase() {
        Phase::Merged => match &drill.merged {
            Some(m) => format!("Running: the fault landed at {} and is not removed yet", utc(m.at)),
            None => "Running".to_owned(),
        },
        Phase::Opened => format!("Waiting: the change is open and merges at {}", utc(drill.merge_at)),
        _ => format!("Planned: the change opens at {} and merges at {}", utc(drill.open_at), utc(drill.merge_at)),
    }
}

/// The instant the timeline counts from: the merge, or the planned merge when the fault never landed.
pub(super) fn zero(drill: &Drill) -> Timestamp {
    drill.merged.as_ref().map_or(drill.merge_at, |m| m.at)
}

/// `T+25 min`, `T-45 min`, `T+0`: where `ts` falls relative to `zero`.
pub(super) fn offset(ts: Timestamp, zero: Timestamp) -> String {
    let d = ts.duration_since(zero);
    if d.is_zero() {
        "T+0".to_owned()
    } else if d.is_negative() {
        format!("T-{}", human_duration(-d))
    } else {
        format!("T+{}", human_duration(d))
    }
}

/// Who did it: `firedrill`, `@login` for a command given on GitHub (where the actor is a login), else the name
/// as recorded (a name given on the command line, a commit author's name): never `@Ana Lima`.
pub(super) fn who(e: &Event) -> String {
    let from_github = matches!(e.source.as_str(), "action" | "comment");
    if from_github && e.actor != FIREDRILL_ACTOR && e.actor.parse::<crate::scenario::GithubLogin>().is_ok() {
        format!("@{}", e.actor)
    } else {
        e.actor.clone()
    }
}

/// The events in the order they happened (the log is in the order firedrill noticed them: a recovery is dated
/// by its commit, which can be earlier than a command recorded before it).
pub(super) fn chronological(drill: &Drill) -> Vec<&Event> {
    let mut events: Vec<&Event> = drill.events.iter().collect();
    events.sort_by_key(|e| e.time);
    events
}

/// A commit id as git abbreviates it.
pub(super) fn short<S: AsRef<str> + ?Sized>(sha: &S) -> &str {
    let sha = sha.as_ref();
    sha.get(..7).unwrap_or(sha)
}

/// How long after the merge the time limit was reached.
pub(super) fn time_limit(drill: &Drill) -> Option<SignedDuration> {
    Some(drill.timed_out?.duration_since(drill.merged.as_ref()?.at))
}

/// The commit firedrill reverted the fault with when the time limit was reached.
pub(super) fn timeout_revert(drill: &Drill) -> Option<&str> {
    drill.events.iter().find_map(|e| match &e.kind {
        EventKind::TimedOut { reverted_by } => reverted_by.as_ref().map(CommitSha::as_str),
        _ => None,
    })
}

/// The change for people, in plain text: `pull request #42` for a number, else `change <name>`.
pub(super) fn change_name(change: impl AsRef<str>) -> String {
    let change = change.as_ref();
    if is_number(change) { format!("pull request #{change}") } else { format!("change {change}") }
}

/// `pull request `#42`` (in a code span, so GitHub does not link it to an issue of the wrong repository), or
/// the change's own name.
fn change_ref(change: impl AsRef<str>) -> String {
    let change = change.as_ref();
    if is_number(change) { format!("pull request {}", code(format!("#{change}"))) } else { code(change) }
}

fn is_number(s: impl AsRef<str>) -> bool {
    let s = s.as_ref();
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn how_article(how: RecoveryHow) -> &'static str {
    match how {
        RecoveryHow::Revert => "a revert",
        RecoveryHow::Fix => "a fix",
        RecoveryHow::Timeout => "firedrill's timeout revert",
        RecoveryHow::GaveUp => "firedrill's revert after the team gave up",
    }
}

/// `2026-11-24 10:17 UTC`.
fn utc(ts: Timestamp) -> String {
    format_instant(ts, &Zone::utc())
}

// --- sections --------------------------------------------------------------------------------------------

fn key_figures(o: &mut String, scenario: &Scenario, drill: &Drill, extra: &ReportContext, links: &Links) {
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
fn compare(drill: SignedDuration, baseline: SignedDuration) -> String {
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

impl History {
    /// The most recent `last_n` earlier drills, as samples.
    pub fn recent(&self) -> Vec<Sample> {
        self.earlier[self.earlier.len().saturating_sub(self.last_n.max(1))..]
            .iter()
            .filter_map(DrillMetrics::sample)
            .collect()
    }

    /// The latest earlier drill of `scenario`.
    pub fn previous_of(&self, scenario: &str) -> Option<&DrillMetrics> {
        self.earlier.iter().rev().find(|d| d.scenario == scenario)
    }
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

/// The incident as the team lived it, where the monitoring saw any of it: merged → live → broken → alert fired
/// → acknowledged → identified → fix merged → fix live → restored, each with when (T+ from the landing) and
/// what told.
fn seen_phases(o: &mut String, drill: &Drill, links: &Links) {
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
fn phases(o: &mut String, scenario: &Scenario, drill: &Drill) {
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

/// "Compared with earlier drills and the baseline": this drill's time beside the previous drill of the same
/// scenario, the median of recent drills, and the last real outage; then the link to the history page.
fn comparison(o: &mut String, scenario: &Scenario, drill: &Drill, baseline: Option<SignedDuration>, h: &History) {
    use super::stats::{estimate, trend};
    let me = DrillMetrics::of(drill);
    let _ = writeln!(o, "## Compared with earlier drills and the baseline");
    let _ = writeln!(o);
    let samples = h.recent();
    let median = summarize(&samples).median;
    let previous = h.previous_of(scenario.id.as_str());
    let mine = me.time_to_recovery;
    let versus = |other| match (mine, Trend::between(mine, other)) {
        (None, _) => String::new(),
        (_, Trend::Unclear) => String::new(),
        (_, Trend::Same) => " — about the same".to_owned(),
        (_, t) => format!(" — this drill was {}", trend(t)),
    };
    let _ = writeln!(o, "| | Time to recovery |");
    let _ = writeln!(o, "|---|---|");
    let this = match me.outcome {
        Outcome::Recovered | Outcome::GaveUp | Outcome::TimedOut => {
            format!("**{}** ({})", estimate(mine), me.outcome.name())
        }
        other => format!("not counted ({})", other.name()),
    };
    let _ = writeln!(o, "{}", row(&["This drill".to_owned(), this]));
    match previous {
        Some(p) => {
            let _ = writeln!(
                o,
                "{}",
                row(&[
                    format!("The previous drill of this scenario ({})", p.date.strftime("%Y-%m-%d")),
                    format!("{}{}", estimate(p.time_to_recovery), versus(p.time_to_recovery)),
                ])
            );
        }
        None => {
            let _ = writeln!(
                o,
                "{}",
                row(&["The previous drill of this scenario".to_owned(), "none: this is the first".to_owned()])
            );
        }
    }
    if samples.is_empty() {
        let _ =
            writeln!(o, "{}", row(&["Median of earlier drills".to_owned(), "no earlier drill counted yet".to_owned()]));
    } else {
        let censored = samples.iter().filter(|s| s.censored).count();
        let what = match censored {
            0 => format!("Median of the last {} earlier drills", samples.len()),
            c => format!("Median of the last {} earlier drills ({c} censored)", samples.len()),
        };
        let _ = writeln!(o, "{}", row(&[what, format!("{}{}", estimate(median), versus(median))]));
    }
    if let Some(b) = baseline {
        let other = Some(crate::metrics::Estimate::Exact(b));
        let _ = writeln!(
            o,
            "{}",
            row(&["The last real outage (baseline)".to_owned(), format!("{}{}", human_duration(b), versus(other))])
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Times marked `≥` are lower bounds: a drill that timed out or that the team gave up on had not recovered \
         by then. Medians are Kaplan–Meier estimates that count such drills for what they are."
    );
    let _ = writeln!(o);
    // Without an address, the history beside the report on the ledger branch, as a Markdown file (rendered
    // where it is browsed; `index.html` would show as its source).
    let url = h.url.clone().unwrap_or_else(|| format!("../../{}", super::ledger::public(super::ledger::HISTORY_MD)));
    let _ = writeln!(o, "All drills, the statistics and the trend: {}.", link("the drill history", &url));
    let _ = writeln!(o);
}

fn first_ack(drill: &Drill) -> Option<&Event> {
    chronological(drill)
        .into_iter()
        .find(|e| matches!(&e.kind, EventKind::Command { name, .. } if *name == DrillCommand::Ack))
}

fn timeline_table(o: &mut String, drill: &Drill, extra: &ReportContext, links: &Links) {
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

fn mermaid_timeline(o: &mut String, scenario: &Scenario, drill: &Drill) {
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

fn reveal(o: &mut String, scenario: &Scenario, drill: &Drill, links: &Links) {
    let t = &scenario.target;
    let _ = writeln!(o, "## What was broken");
    let _ = writeln!(o);
    let mut place = format!("{} on branch {}", links.file(t.path.as_str(), drill), code(t.branch.as_str()));
    if let Some(repo) = &t.repo {
        let _ = write!(place, " of {}", code(repo.as_str()));
    }
    if let Some(env) = &t.environment {
        let _ = write!(place, " (environment {})", code(env));
    }
    let _ = writeln!(o, "The fault went into {place}:");
    let _ = writeln!(o);
    if let Some(v) = &scenario.running_variant {
        let others: Vec<String> = v.among.iter().filter(|n| **n != v.name).map(code).collect();
        let _ = writeln!(
            o,
            "Variant {} of the scenario's {} (picked for this drill by its id; the others: {}).",
            code(&v.name),
            v.among.len(),
            others.join(", ")
        );
        let _ = writeln!(o);
    }
    for line in operations(&scenario.fault) {
        let _ = writeln!(o, "- {line}");
    }
    let _ = writeln!(o);
    if !scenario.cover.is_empty() {
        let _ = writeln!(o, "It was disguised among these harmless edits in the same commit:");
        let _ = writeln!(o);
        for edit in &scenario.cover {
            let file = if edit.is_on_target(t) {
                "same file".to_owned()
            } else {
                format!("in {}", code(edit.file(t).as_str()))
            };
            for line in operations(&edit.patch) {
                let _ = writeln!(o, "- {line} ({file})");
            }
        }
        let _ = writeln!(o);
    }
    if !scenario.description.trim().is_empty() {
        let _ = writeln!(o, "{}", scenario.description.trim_end());
        let _ = writeln!(o);
    }
    if let Some(expect) = &scenario.expect {
        let _ = writeln!(o, "- **Expected symptom:** {}", text(&expect.symptom));
        if let Some(d) = &expect.detect_by {
            let _ = writeln!(o, "- **Expected detection:** {}", text(d));
        }
    }
    if let Some(p) = &scenario.playbook {
        let _ = writeln!(o, "- **Playbook:** {}", playbook(p));
    }
    if scenario.expect.is_some() || scenario.playbook.is_some() {
        let _ = writeln!(o);
    }
}

/// `` `/a/b`: `"10"` → `"0"` `` per changing operation; a `test` before a change gives the old value.
fn operations(ops: &[PatchOp]) -> Vec<String> {
    let mut known: Vec<(&str, &Value)> = Vec::new();
    let mut out = Vec::new();
    for op in ops {
        let path = op.path().as_str();
        let before = || known.iter().rev().find(|(p, _)| *p == path).map(|(_, v)| json(v));
        let line = match op {
            PatchOp::Test { value, .. } => {
                known.push((path, value));
                continue;
            }
            PatchOp::Replace { value, .. } | PatchOp::Add { value, .. } => match before() {
                Some(old) => format!("{}: {old} → {}", code(path), json(value)),
                None if matches!(op, PatchOp::Add { .. }) => format!("{}: added {}", code(path), json(value)),
                None => format!("{}: set to {}", code(path), json(value)),
            },
            PatchOp::Remove { .. } => match before() {
                Some(old) => format!("{}: {old} → removed", code(path)),
                None => format!("{}: removed", code(path)),
            },
            PatchOp::Move { from, .. } => format!("{}: moved from {}", code(path), code(from.as_str())),
            PatchOp::Copy { from, .. } => format!("{}: copied from {}", code(path), code(from.as_str())),
        };
        out.push(line);
    }
    out
}

fn json(v: &Value) -> String {
    code(serde_json::to_string(v).unwrap_or_default())
}

fn playbook(p: &str) -> String {
    if p.starts_with("https://") || p.starts_with("http://") { link(p, p) } else { code(p) }
}

fn review(o: &mut String, scenario: &Scenario, drill: &Drill) {
    let Some(landed) = drill.merged.as_ref().map(|m| utc(m.at)) else {
        // Nothing reached the team: what is left to review is why the drill did not happen.
        let _ = writeln!(o, "## Follow-up");
        let _ = writeln!(o);
        let _ = writeln!(o, "The fault never landed, so there is no response to review.");
        let _ = writeln!(o);
        let _ =
            writeln!(o, "- Why did the merge not happen: was the pull request closed, changed, or blocked by a rule?");
        let _ = writeln!(o, "- Did someone see through the disguise? What gave it away?");
        let _ = writeln!(o);
        let _ = writeln!(o, "- [ ] Fix what stopped the merge (disguise, permissions, branch protection).");
        let _ = writeln!(o, "- [ ] Schedule the drill again.");
        let _ = writeln!(o);
        return;
    };
    let _ = writeln!(o, "## Post-incident review");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "_To fill in together, blameless, while memories are fresh. The timeline above has the facts; write down what people saw, thought and did._"
    );
    let _ = writeln!(o);

    let _ = writeln!(o, "### Detection");
    let _ = writeln!(o);
    let _ = writeln!(o, "- How was the problem noticed: an alert, a dashboard, a user report, by chance?");
    let _ = writeln!(o, "- How long after the fault landed ({landed}) did someone start looking?");
    if let Some(d) = scenario.expect.as_ref().and_then(|e| e.detect_by.as_deref()) {
        let _ = writeln!(o, "- It should have been detected by {}. Was it? If not, why not?", text(d));
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "### Diagnosis");
    let _ = writeln!(o);
    let _ =
        writeln!(o, "- How was the suspicious change found? Which logs, dashboards, diffs or deploy history helped?");
    let _ = writeln!(o, "- How long did it take, and what led the team astray?");
    if !drill.hints.is_empty() {
        let _ = writeln!(
            o,
            "- {} hint(s) were released. Which one helped, and what would have made it unnecessary?",
            drill.hints.len()
        );
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "### Reproduction");
    let _ = writeln!(o);
    let _ = writeln!(o, "- Was the failure reproduced before acting on it? Where, and how long did that take?");
    let _ = writeln!(o);

    let _ = writeln!(o, "### Fix");
    let _ = writeln!(o);
    match &drill.recovered {
        _ if drill.aborted.is_some() => {
            let _ = writeln!(
                o,
                "- How far had the team got? What would the fix have been, and who could have approved it?"
            );
        }
        Some((_, RecoveryHow::Revert)) => {
            let _ =
                writeln!(o, "- The change was reverted. What made revert the right call, and how sure was the team?");
        }
        Some((_, RecoveryHow::Fix)) => {
            let _ = writeln!(o, "- The fault was fixed forward instead of reverted. Why? Was it riskier?");
        }
        _ => {
            let _ =
                writeln!(o, "- What would the fix have been: a revert, or a fix forward? Who could have approved it?");
        }
    }
    let _ = writeln!(o, "- How long from finding the cause to having the fix merged?");
    let _ = writeln!(o);

    let _ = writeln!(o, "### Deploy");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "- How long from the fix being merged to the service being healthy again? What slowed the rollout?"
    );
    let _ = writeln!(o);

    let _ = writeln!(o, "### What went well");
    let _ = writeln!(o);
    let _ = writeln!(o, "- What should the team keep doing next time?");
    let _ = writeln!(o);
    let _ = writeln!(o, "### What to improve");
    let _ = writeln!(o);
    let _ = writeln!(o, "- What cost the most time? What was missing: access, dashboards, alerts, knowledge?");
    let _ = writeln!(o);

    let _ = writeln!(o, "### Action items");
    let _ = writeln!(o);
    let _ = writeln!(o, "- [ ] Alerting: would an alert have caught this sooner? Add or tune it.");
    match &scenario.playbook {
        Some(p) => {
            let _ = writeln!(o, "- [ ] Update the playbook ({}) with what was learned.", playbook(p));
        }
        None => {
            let _ = writeln!(o, "- [ ] Write a playbook for this failure, and link it from the scenario's `playbook`.");
        }
    }
    let _ = writeln!(o, "- [ ] Make changes like this one easier to spot in review (checks, ownership, diff tooling).");
    let _ = writeln!(o, "- [ ] Schedule the next drill.");
    let _ = writeln!(o);
}

// --- Markdown and Mermaid helpers ------------------------------------------------------------------------

/// Links into the target repository's web pages, when its address is known.
struct Links {
    base: Option<String>,
}

impl Links {
    fn new(url: Option<&str>) -> Links {
        Links { base: url.and_then(web_base) }
    }

    /// `` [`7c1e2d9`](…/commit/7c1e2d9…) ``, or the short id alone.
    fn commit(&self, sha: impl AsRef<str>) -> String {
        let sha = sha.as_ref();
        match &self.base {
            Some(base) if is_hex(sha) => link(&code(short(sha)), &format!("{base}/commit/{sha}")),
            _ => code(short(sha)),
        }
    }

    /// `[#42](…/pull/42)` when the change is a pull request number and there is an address.
    fn change(&self, change: impl AsRef<str>) -> Option<String> {
        let change = change.as_ref();
        let base = self.base.as_ref()?;
        is_number(change).then(|| link(&format!("#{change}"), &format!("{base}/pull/{change}")))
    }

    /// The target file, linked as it was right after the merge when possible.
    fn file(&self, path: &str, drill: &Drill) -> String {
        match (&self.base, &drill.merged) {
            (Some(base), Some(m)) if is_hex(&m.commit) => {
                link(&code(path), &format!("{base}/blob/{}/{}", m.commit, path.trim_start_matches('/')))
            }
            _ => code(path),
        }
    }
}

/// `https://github.com/o/r` from a repository address: userinfo (a token) dropped, `.git` and `/` trimmed.
/// `None` for anything that is not http(s), which has no web pages to link to.
fn web_base(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    if !matches!(scheme, "https" | "http") {
        return None;
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(host_end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let path = path.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    (!host.is_empty()).then(|| format!("{scheme}://{host}{path}"))
}

fn is_hex(s: impl AsRef<str>) -> bool {
    let s = s.as_ref();
    s.len() >= 7 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A Markdown link; the address is percent-encoded where Markdown would end it.
fn link(label: &str, url: &str) -> String {
    let url = url.replace(' ', "%20").replace('(', "%28").replace(')', "%29").replace('<', "%3C").replace('>', "%3E");
    format!("[{label}]({url})")
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

/// Inline text from people: one line, no raw HTML.
fn text(s: &str) -> String {
    one_line(s).replace('<', "&lt;")
}

/// A code span that survives backticks in its content.
fn code(s: impl AsRef<str>) -> String {
    let s = one_line(s.as_ref());
    if s.contains('`') { format!("`` {s} ``") } else { format!("`{s}`") }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A table row; `|` inside cells is escaped (GitHub applies this before inline parsing, code spans included).
fn row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
    format!("| {} |", cells.join(" | "))
}

/// Text for a Mermaid `timeline`. Its lexer ends a period at `:` or `#`, a section at `:`, and `%%` starts a
/// comment; Mermaid decodes `#58;`-style entity codes after parsing, so those characters (and the HTML ones)
/// are written as entity codes. `#` itself is encoded, so text cannot smuggle in entities of its own.
fn mermaid(s: &str) -> String {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(super) mod tests {
    use std::path::Path;

    use super::*;
    use crate::drill::event::TargetRef;

    pub(crate) fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    pub(crate) fn redis() -> Scenario {
        crate::scenario::load(
            Path::new("scenarios/redis-pool-exhaustion.yaml"),
            include_str!("../../scenarios/redis-pool-exhaustion.yaml"),
        )
        .unwrap()
    }

    /// A drill of the seed scenario on 2026-11-24: planned at the 10:00 Berlin occurrence, opened 09:32 UTC,
    /// merged 10:17 UTC, then `more` events.
    pub(crate) fn seed_drill(day: &str, more: Vec<Event>) -> Drill {
        let at = |hm: &str| t(&format!("{day}T{hm}:00Z"));
        let target =
            TargetRef { repo: None, branch: "main".into(), path: "charts/checkout/values-staging.yaml".into() };
        let id = format!("redis-pool-exhaustion-{}T0900Z", day.replace('-', ""));
        let mut log = vec![
            Event::new(
                at("09:00"),
                "firedrill",
                "tick",
                EventKind::Planned {
                    scenario: "redis-pool-exhaustion".parse().unwrap(),
                    target,
                    occurrence: at("09:00"),
                    open_at: at("09:32"),
                    merge_at: at("10:17"),
                },
            ),
            Event::new(
                at("09:32"),
                "firedrill",
                "tick",
                EventKind::Opened {
                    branch: "chore/tune-redis-pool-4f2a".into(),
                    commit: crate::types::CommitSha::parse("5d1c0b7e2a9f4c3b8d6e1f0a7b2c9d4e8f1a3b5c").unwrap(),
                    base: crate::types::CommitSha::parse("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567").unwrap(),
                    change: crate::drill::event::ChangeId("42".into()),
                    variant: None,
                    gate: None,
                },
            ),
        ];
        log.extend(more);
        Drill::fold(&crate::schedule::DrillId::parse(&id).unwrap(), &log).unwrap()
    }

    pub(crate) fn ev(time: &str, actor: &str, source: &str, kind: EventKind) -> Event {
        Event::new(t(time), actor, source, kind)
    }

    pub(crate) fn merged(time: &str) -> Event {
        ev(
            time,
            "firedrill",
            "tick",
            EventKind::Merged {
                commit: crate::types::CommitSha::parse("7c1e2d9a0b3f5e6d7c8b9a0f1e2d3c4b5a6f7e8d").unwrap(),
            },
        )
    }

    pub(crate) fn recovered_by_revert(day: &str) -> Drill {
        let at = |hm: &str| format!("{day}T{hm}:00Z");
        seed_drill(
            day,
            vec![
                merged(&at("10:17")),
                ev(&at("10:22"), "ana", "comment", EventKind::Command { name: DrillCommand::Ack.into(), args: None }),
                ev(
                    &at("10:42"),
                    "ben",
                    "comment",
                    EventKind::Command { name: DrillCommand::Status.into(), args: None },
                ),
                ev(
                    &at("10:47"),
                    "firedrill",
                    "tick",
                    EventKind::Hint {
                        index: 0,
                        text:
                            "Errors started right after a deploy. What changed in the checkout service's configuration?"
                                .into(),
                    },
                ),
                ev(
                    &at("11:35"),
                    "Ana Lima",
                    "tick",
                    EventKind::Recovered {
                        commit: crate::types::CommitSha::parse("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432").unwrap(),
                        how: RecoveryHow::Revert,
                    },
                ),
            ],
        )
    }

    pub(crate) fn timed_out(day: &str) -> Drill {
        let at = |hm: &str| format!("{day}T{hm}:00Z");
        let revert = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4";
        let hint = |index: usize, text: &str| EventKind::Hint { index, text: text.into() };
        seed_drill(
            day,
            vec![
                merged(&at("10:17")),
                ev(&at("10:47"), "firedrill", "tick", hint(0, "Errors started right after a deploy.")),
                ev(
                    &at("11:05"),
                    "ben",
                    "comment",
                    EventKind::Command { name: DrillCommand::Status.into(), args: None },
                ),
                ev(&at("11:17"), "firedrill", "tick", hint(1, "Look at how the service talks to Redis.")),
                ev(
                    &at("13:17"),
                    "firedrill",
                    "tick",
                    EventKind::TimedOut { reverted_by: Some(crate::types::CommitSha::parse(revert).unwrap()) },
                ),
                ev(
                    &at("13:17"),
                    "firedrill",
                    "tick",
                    EventKind::Recovered {
                        commit: crate::types::CommitSha::parse(revert).unwrap(),
                        how: RecoveryHow::Timeout,
                    },
                ),
            ],
        )
    }

    pub(crate) fn aborted(day: &str) -> Drill {
        let at = |hm: &str| format!("{day}T{hm}:00Z");
        seed_drill(
            day,
            vec![
                merged(&at("10:17")),
                ev(&at("10:25"), "ana", "comment", EventKind::Command { name: DrillCommand::Ack.into(), args: None }),
                ev(&at("10:37"), "ana", "comment", EventKind::Aborted { reason: "real incident".into() }),
                ev(
                    &at("10:38"),
                    "firedrill",
                    "tick",
                    EventKind::Recovered {
                        commit: crate::types::CommitSha::parse("b1946ac92492d2347c6235b4d2611184c0ffee00").unwrap(),
                        how: RecoveryHow::Revert,
                    },
                ),
            ],
        )
    }

    pub(crate) fn abandoned(day: &str) -> Drill {
        seed_drill(
            day,
            vec![ev(
                &format!("{day}T10:17:00Z"),
                "firedrill",
                "tick",
                EventKind::Abandoned { reason: "the pull request was closed before the merge".into() },
            )],
        )
    }

    const DAY: &str = "2026-11-24";

    fn ctx(scenario: &Scenario) -> ReportContext {
        ReportContext {
            baseline_mttr: Some(SignedDuration::from_hours(4)),
            repo_url: Some("https://x-access-token:s3cr3t@github.com/acme/checkout-config.git".into()),
            ..ReportContext::for_scenario(scenario)
        }
    }

    #[test]
    fn recovered_by_a_revert() {
        let s = redis();
        let report = markdown(&s, &recovered_by_revert(DAY), &ctx(&s));
        assert!(!report.contains("s3cr3t"));
        insta::assert_snapshot!(report);
    }

    #[test]
    fn timed_out_with_auto_revert() {
        let s = redis();
        insta::assert_snapshot!(markdown(&s, &timed_out(DAY), &ctx(&s)));
    }

    #[test]
    fn aborted_by_the_game_master() {
        let s = redis();
        insta::assert_snapshot!(markdown(&s, &aborted(DAY), &ReportContext::for_scenario(&s)));
    }

    #[test]
    fn abandoned_before_the_merge() {
        let s = redis();
        insta::assert_snapshot!(markdown(&s, &abandoned(DAY), &ctx(&s)));
    }

    #[test]
    fn outcomes_read_as_sentences() {
        assert_eq!(outcome(&recovered_by_revert(DAY)), "Recovered in 1 h 18 min by a revert");
        assert_eq!(outcome(&timed_out(DAY)), "Timed out after 3 h: firedrill reverted the change");
        assert_eq!(outcome(&aborted(DAY)), "Aborted by @ana: real incident");
        // A name given on the command line is not a GitHub login.
        let mut log = aborted(DAY).events;
        for e in &mut log {
            if e.actor == "ana" {
                (e.actor, e.source) = ("Ana Lima".into(), "command".into());
            }
        }
        let id = crate::schedule::DrillId::parse("redis-pool-exhaustion-20261124T0900Z").unwrap();
        assert_eq!(outcome(&Drill::fold(&id, &log).unwrap()), "Aborted by Ana Lima: real incident");
        assert_eq!(outcome(&abandoned(DAY)), "Abandoned: the pull request was closed before the merge");
        let mut log = seed_drill(DAY, vec![merged("2026-11-24T10:17:00Z")]).events;
        log.push(ev("2026-11-24T13:17:00Z", "firedrill", "tick", EventKind::TimedOut { reverted_by: None }));
        let still_broken = Drill::fold(&id, &log).unwrap();
        assert_eq!(outcome(&still_broken), "Timed out after 3 h: the fault is still in place (auto-revert is off)");
        log.push(ev(
            "2026-11-24T13:40:00Z",
            "ana",
            "tick",
            EventKind::Recovered {
                commit: crate::types::CommitSha::parse("abc1234000000000000000000000000000000000").unwrap(),
                how: RecoveryHow::Fix,
            },
        ));
        let fixed_late = Drill::fold(&id, &log).unwrap();
        assert_eq!(outcome(&fixed_late), "Recovered in 3 h 23 min by a fix, after the 3 h time limit");
        let running = seed_drill("2026-11-24", vec![merged("2026-11-24T10:17:00Z")]);
        assert_eq!(outcome(&running), "Running: the fault landed at 2026-11-24 10:17 UTC and is not removed yet");
    }

    #[test]
    fn baselines_compare_in_plain_words() {
        let m = SignedDuration::from_mins;
        assert_eq!(compare(m(78), m(240)), "3× faster than the last real outage: 4 h");
        assert_eq!(compare(m(160), m(240)), "1.5× faster than the last real outage: 4 h");
        assert_eq!(compare(m(360), m(240)), "1.5× slower than the last real outage: 4 h");
        assert_eq!(compare(m(235), m(240)), "about as long as the last real outage: 4 h");
    }

    #[test]
    fn people_text_cannot_break_the_markdown_or_the_mermaid() {
        assert_eq!(mermaid("10:17 #1 %% <b>"), "10#58;17 #35;1 #37;#37; #60;b#62;");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(row(&["a|b".into(), text("x\n<script>")]), "| a\\|b | x &lt;script> |");
        assert_eq!(web_base("https://u:tok@github.com/o/r.git/"), Some("https://github.com/o/r".into()));
        assert_eq!(web_base("git@github.com:o/r.git"), None);
        assert_eq!(offset(t("2026-11-24T09:32:00Z"), t("2026-11-24T10:17:00Z")), "T-45 min");
    }
}
