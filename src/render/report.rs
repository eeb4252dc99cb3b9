//! The drill report (`drills/<id>/report.md`): outcome, key figures, timeline, Mermaid timeline, reveal and review.
//!
//! GitHub-flavoured Markdown, deterministic (no clock is read: every instant comes from the drill's events).
//! Free text from people (command arguments, abort reasons) is escaped so it cannot break a table or inject HTML.

mod comparison;
mod figures;
mod links;
mod phases;
mod reveal;
mod review;
mod timeline;

use std::fmt::Write as _;

use jiff::SignedDuration;

use self::links::Links;
use super::facts::outcome;
use super::markdown::{code, text};
use crate::drill::state::Drill;
use crate::metrics::{DrillMetrics, Sample};
use crate::scenario::Scenario;
use crate::schedule::Zone;

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
    figures::key_figures(&mut o, scenario, drill, extra, &links);
    phases::phases(&mut o, scenario, drill);
    phases::seen_phases(&mut o, drill, &links);
    if let Some(history) = &extra.history {
        comparison::comparison(&mut o, scenario, drill, extra.baseline_mttr, history);
    }
    timeline::table(&mut o, drill, extra, &links);
    timeline::mermaid_timeline(&mut o, scenario, drill);
    reveal::reveal(&mut o, scenario, drill, &links);
    review::review(&mut o, scenario, drill);
    let _ = writeln!(o, "---");
    let _ = writeln!(o);
    let _ =
        writeln!(o, "<sub>Written by firedrill from the drill's event log (`drills/{}/events.jsonl`).</sub>", drill.id);
    o
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::figures::compare;
    use super::links::web_base;
    use super::timeline::mermaid;
    use super::*;
    use crate::drill::event::{EventKind, RecoveryHow};
    use crate::render::facts::offset;
    use crate::render::fixtures::{
        abandoned, aborted, ev, merged, recovered_by_revert, redis, seed_drill, t, timed_out,
    };
    use crate::render::markdown::row;

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
