//! What the ledger branch publishes, in its [`PUBLIC_DIR`] folder: the badges, the history page (`index.html`, and
//! `history.md`, which GitHub renders), and `stats.json`. Only drills that have ended are in them: nothing there
//! names, counts or dates a drill in progress, and they change only when a drill ends.

use jiff::Timestamp;

use super::badge::{Badge, Color};
use super::history::{self, PageLinks};
use super::stats::{self, estimate};
use crate::drill::state::Drill;
use crate::metrics::{DrillMetrics, Estimate, Outcome, Stats};
use crate::scenario::{Config, Scenario, StatsSettings};

/// The folder of the ledger branch that is public: what GitHub Pages publishes ("Deploy from a branch", the
/// ledger branch, folder `/docs`). The logs and the index beside it are never published.
pub const PUBLIC_DIR: &str = "docs";

/// `path` inside [`PUBLIC_DIR`].
pub fn public(path: &str) -> String {
    format!("{PUBLIC_DIR}/{path}")
}

/// Where the ledger's files can be reached from outside, to link them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// The control repository's web address, such as `https://github.com/acme/drills` (any userinfo in it is
    /// dropped). Without it, nothing is linked and no badge line is suggested.
    pub control: Option<String>,
    /// Where the history page is published (GitHub Pages), when it is.
    pub pages: Option<String>,
}

impl Links {
    /// The web address of the control repository without userinfo, `.git` or trailing `/`; `None` unless http(s).
    fn web(&self) -> Option<String> {
        let url = self.control.as_deref()?.trim();
        let (scheme, rest) = url.split_once("://")?;
        if !matches!(scheme, "https" | "http") {
            return None;
        }
        let host_end = rest.find('/').unwrap_or(rest.len());
        let (authority, path) = rest.split_at(host_end);
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let path = path.trim_end_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        Some(format!("{scheme}://{host}{path}"))
    }

    /// The raw address of `path` on the ledger `branch`: `raw.githubusercontent.com` for github.com (the host
    /// shields.io fetches endpoint JSON from), `…/raw/…` elsewhere (GitHub Enterprise, other forges).
    pub fn raw(&self, branch: &str, path: &str) -> Option<String> {
        let web = self.web()?;
        Some(match web.strip_prefix("https://github.com/") {
            Some(repo) => format!("https://raw.githubusercontent.com/{repo}/refs/heads/{branch}/{path}"),
            None => format!("{web}/raw/refs/heads/{branch}/{path}"),
        })
    }

    /// The page of `path` on the ledger `branch`, as the forge shows it.
    pub fn blob(&self, branch: &str, path: &str) -> Option<String> {
        Some(format!("{}/blob/{branch}/{path}", self.web()?))
    }

    /// The history page's address: GitHub Pages when set, else `history.md` on the branch, which GitHub shows
    /// rendered (`index.html` there would show as its HTML source).
    pub fn history(&self, branch: &str) -> Option<String> {
        self.pages.clone().or_else(|| self.blob(branch, &public(HISTORY_MD)))
    }
}

/// `https://img.shields.io/endpoint?url=…` for an endpoint JSON at `json_url`.
pub fn shields_endpoint(json_url: &str) -> String {
    let mut encoded = String::new();
    for b in json_url.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("https://img.shields.io/endpoint?url={encoded}")
}

/// The badges, by file name (without extension): last time to recovery, mean and median over the last N, the
/// median time to restore service and to detect, drills this quarter, days since the last drill.
pub fn badges(stats: &Stats, settings: &StatsSettings) -> Vec<(&'static str, Badge)> {
    let n = stats.last_n;
    let ttr = |e: Option<Estimate>| match e {
        Some(e) => (estimate(Some(e)), recovery_color(e, settings)),
        None => ("none yet".to_owned(), Color::Named("lightgrey")),
    };
    let (last, last_color) = ttr(stats.latest().and_then(|d| d.time_to_recovery));
    let (median, median_color) = ttr(stats.last.summary.median);
    let (mean, mean_color) = ttr(stats.last.summary.mean);
    let (restore, restore_color) = match stats.restore.median {
        Some(e) => (estimate(Some(e)), recovery_color(e, settings)),
        None => ("not observed".to_owned(), Color::Named("lightgrey")),
    };
    let (detect, detect_color) = match stats.detect.median {
        Some(e) => (estimate(Some(e)), recovery_color(e, settings)),
        None => ("not observed".to_owned(), Color::Named("lightgrey")),
    };
    let quarter = stats.this_quarter;
    let q = settings.drills_this_quarter;
    let quarter_color = match quarter {
        0 => Color::Named("red"),
        n if n >= q.green as usize => Color::Named("brightgreen"),
        _ => Color::Named("yellow"),
    };
    let days = &settings.days_since_drill;
    let (since, since_color) = match stats.days_since_last {
        None => ("never".to_owned(), Color::Named("lightgrey")),
        Some(d) if d <= i64::from(days.green) => (d.to_string(), Color::Named("brightgreen")),
        Some(d) if d <= i64::from(days.yellow) => (d.to_string(), Color::Named("yellow")),
        Some(d) => (d.to_string(), Color::Named("red")),
    };
    vec![
        ("time-to-recovery", Badge::new("time to recovery", last, last_color)),
        ("median-time-to-recovery", Badge::new(format!("median recovery, last {n}"), median, median_color)),
        ("mean-time-to-recovery", Badge::new(format!("mean recovery, last {n}"), mean, mean_color)),
        (
            "median-time-to-restore-service",
            Badge::new(format!("median restore service, last {n}"), restore, restore_color),
        ),
        ("median-time-to-detect", Badge::new(format!("median time to detect, last {n}"), detect, detect_color)),
        ("drills-this-quarter", Badge::new("drills this quarter", quarter.to_string(), quarter_color)),
        ("days-since-drill", Badge::new("days since last drill", since, since_color)),
    ]
}

/// Green at or under the green threshold, yellow at or under the yellow one, red above. A lower bound is never
/// green: the team had not recovered by then.
fn recovery_color(e: Estimate, settings: &StatsSettings) -> Color {
    let t = e.value().as_secs().max(0).unsigned_abs();
    let c = settings.time_to_recovery;
    if t <= c.green.as_secs() && !e.is_bound() {
        Color::Named("brightgreen")
    } else if t <= c.yellow.as_secs() {
        Color::Named("yellow")
    } else {
        Color::Named("red")
    }
}

/// README lines for the badges: (badge, Markdown with the raw SVG; the shields endpoint form as an alternative).
pub fn badge_lines(badges: &[(&str, Badge)], branch: &str, links: &Links) -> Vec<(String, String)> {
    badges
        .iter()
        .filter_map(|(name, b)| {
            let svg = links.raw(branch, &public(&format!("badges/{name}.svg")))?;
            let line = match links.history(branch) {
                Some(h) => format!("[![{}]({svg})]({h})", b.label),
                None => format!("![{}]({svg})", b.label),
            };
            Some((b.label.clone(), line))
        })
        .collect()
}

/// The history in Markdown (the statistics `firedrill stats` prints), beside `index.html`: the page GitHub shows
/// rendered where the ledger is not published with Pages.
pub const HISTORY_MD: &str = "history.md";

/// The public files of `drills` ([`public_files`] over their figures).
pub fn ledger_artifacts(
    drills: &[Drill],
    scenarios: &[Scenario],
    config: &Config,
    now: Timestamp,
    links: &Links,
) -> Vec<(String, String)> {
    let metrics: Vec<DrillMetrics> = drills.iter().map(DrillMetrics::of).collect();
    public_files(&metrics, scenarios, config, now, links)
}

/// Everything public on the ledger branch, as (path on the branch, content), all in [`PUBLIC_DIR`]:
/// `badges/<name>.svg` and `badges/<name>.json` (shields endpoint) for each badge, `index.html` (the history
/// page), `history.md` and `stats.json`. Only the drills of `drills` that have ended are counted: one still
/// waiting or running is left out entirely. Pure: the same drills, settings and `now` give the same bytes.
pub fn public_files(
    drills: &[DrillMetrics],
    scenarios: &[Scenario],
    config: &Config,
    now: Timestamp,
    links: &Links,
) -> Vec<(String, String)> {
    let ended: Vec<DrillMetrics> =
        drills.iter().filter(|d| !matches!(d.outcome, Outcome::Running | Outcome::Waiting)).cloned().collect();
    let stats = Stats::of_metrics(ended, config.stats.last as usize, config.baseline_mttr.map(|d| d.to_signed()), now);
    let badges = badges(&stats, &config.stats);
    let branch = config.ledger_branch.as_str();
    let mut out = Vec::new();
    for (name, b) in &badges {
        out.push((public(&format!("badges/{name}.svg")), b.svg()));
        out.push((public(&format!("badges/{name}.json")), b.endpoint_json()));
    }
    let page_links = PageLinks {
        report: links.web().map(|w| format!("{w}/blob/{branch}")),
        badges: badge_lines(&badges, branch, links),
    };
    out.push((public("index.html"), history::page(&stats, scenarios, &page_links)));
    out.push((public(HISTORY_MD), stats::markdown(&stats)));
    out.push((public("stats.json"), stats::json(&stats)));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(super) mod tests {
    use super::*;
    use crate::drill::event::{EventKind, RecoveryHow};
    use crate::render::report::tests::{
        abandoned, aborted, ev, merged, recovered_by_revert, redis, seed_drill, timed_out,
    };
    use crate::scenario::Duration;

    /// The seed drill of 2026-11-24 with every phase stamped: ack at T+5, found T+25, fixed T+48, the fix landed
    /// T+51, deployed T+1 h 18 min; one hint.
    pub(crate) fn with_phases() -> Drill {
        let at = |hm: &str| format!("2026-11-24T{hm}:00Z");
        let cmd = |hm: &str, who: &str, name: &str| {
            ev(&at(hm), who, "comment", EventKind::Command { name: name.into(), args: None })
        };
        seed_drill(
            "2026-11-24",
            vec![
                merged(&at("10:17")),
                cmd("10:22", "ana", "ack"),
                cmd("10:42", "ben", "found"),
                ev(&at("10:47"), "firedrill", "tick", EventKind::Hint { index: 0, text: "What changed?".into() }),
                cmd("11:05", "ben", "fixed"),
                ev(
                    &at("11:08"),
                    "Ben Okafor",
                    "tick",
                    EventKind::Recovered {
                        commit: crate::types::CommitSha::parse("4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f").unwrap(),
                        how: RecoveryHow::Fix,
                    },
                ),
                ev(
                    &at("11:40"),
                    "firedrill",
                    "tick",
                    EventKind::Deployed { fault: at("10:19").parse().unwrap(), fix: at("11:35").parse().unwrap() },
                ),
            ],
        )
    }

    /// A ledger over two quarters: every outcome, the last drill with all its phases.
    pub(crate) fn ledger() -> Vec<Drill> {
        let gave_up = {
            let at = |hm: &str| format!("2026-10-20T{hm}:00Z");
            seed_drill(
                "2026-10-20",
                vec![
                    merged(&at("10:17")),
                    ev(&at("11:07"), "ana", "comment", EventKind::Command { name: "revert".into(), args: None }),
                    ev(
                        &at("11:07"),
                        "firedrill",
                        "tick",
                        EventKind::Recovered {
                            commit: crate::types::CommitSha::parse("aa11bb22cc33dd44000000000000000000000000").unwrap(),
                            how: RecoveryHow::GaveUp,
                        },
                    ),
                ],
            )
        };
        vec![
            timed_out("2026-08-04"),
            recovered_by_revert("2026-09-01"),
            aborted("2026-10-06"),
            gave_up,
            abandoned("2026-11-10"),
            with_phases(),
        ]
    }

    pub(crate) fn config() -> Config {
        let mut c = Config { baseline_mttr: Some(Duration::from_hours(4)), ..Config::default() };
        c.stats.last = 3;
        c
    }

    pub(crate) const NOW: &str = "2026-12-01T09:00:00Z";

    fn links() -> Links {
        Links { control: Some("https://x-access-token:s3cr3t@github.com/acme/drills.git".into()), pages: None }
    }

    #[test]
    fn every_artifact_is_snapshot() {
        let files = ledger_artifacts(&ledger(), &[redis()], &config(), NOW.parse().unwrap(), &links());
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(names.len(), 17, "{names:?}");
        assert!(names.iter().all(|n| n.starts_with("docs/")), "{names:?}");
        for (path, content) in &files {
            assert!(!content.contains("s3cr3t"), "{path}");
            insta::assert_snapshot!(path.replace('/', "__"), content);
        }
    }

    #[test]
    fn endpoint_json_holds_exactly_what_shields_accepts() {
        let files = ledger_artifacts(&ledger(), &[], &config(), NOW.parse().unwrap(), &Links::default());
        for (path, content) in files.iter().filter(|(p, _)| p.ends_with(".json") && p.starts_with("docs/badges/")) {
            let v: serde_json::Value = serde_json::from_str(content).unwrap();
            let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["color", "label", "message", "schemaVersion"], "{path}");
            assert_eq!(v["schemaVersion"], 1);
            assert!(!v["message"].as_str().unwrap().is_empty(), "{path}");
        }
    }

    #[test]
    fn the_page_makes_no_request_of_any_kind() {
        let files = ledger_artifacts(&ledger(), &[redis()], &config(), NOW.parse().unwrap(), &links());
        let page = &files.iter().find(|(p, _)| p == "docs/index.html").unwrap().1;
        for banned in ["<script", "<link", "@import", "url(http", "src=\"http", "<img", "<iframe", "@font-face"] {
            assert!(!page.contains(banned), "{banned}");
        }
        assert!(page.contains("prefers-color-scheme: dark") && page.contains("width=device-width"));
        assert!(page.contains("class=\"baseline\""), "the baseline is drawn");
    }

    #[test]
    fn colours_follow_the_thresholds_and_bounds_are_never_green() {
        let s = StatsSettings::default();
        let m = |x| jiff::SignedDuration::from_mins(x);
        assert_eq!(recovery_color(Estimate::Exact(m(60)), &s), Color::Named("brightgreen"));
        assert_eq!(recovery_color(Estimate::AtLeast(m(30)), &s), Color::Named("yellow"));
        assert_eq!(recovery_color(Estimate::Exact(m(78)), &s), Color::Named("yellow"));
        assert_eq!(recovery_color(Estimate::AtLeast(m(180)), &s), Color::Named("red"));
    }

    #[test]
    fn links_to_raw_files_and_the_shields_endpoint() {
        let l = links();
        let raw = l.raw("firedrill/ledger", "badges/time-to-recovery.json").unwrap();
        assert_eq!(
            raw,
            "https://raw.githubusercontent.com/acme/drills/refs/heads/firedrill/ledger/badges/time-to-recovery.json"
        );
        assert_eq!(
            shields_endpoint(&raw),
            "https://img.shields.io/endpoint?url=https%3A%2F%2Fraw.githubusercontent.com%2Facme%2Fdrills%2Frefs%2Fheads%2Ffiredrill%2Fledger%2Fbadges%2Ftime-to-recovery.json"
        );
        let ghe = Links { control: Some("https://git.acme.example/ops/drills".into()), pages: None };
        assert_eq!(ghe.raw("l", "a.svg").unwrap(), "https://git.acme.example/ops/drills/raw/refs/heads/l/a.svg");
        assert_eq!(Links { control: Some("/srv/git/drills.git".into()), pages: None }.raw("l", "a"), None);
    }

    #[test]
    fn stats_in_markdown() {
        let c = config();
        let stats = Stats::new(&ledger(), 3, c.baseline_mttr.map(|d| d.to_signed()), NOW.parse().unwrap());
        insta::assert_snapshot!(stats::markdown(&stats));
    }

    #[test]
    fn the_report_gains_phases_and_the_comparison() {
        let drills = ledger();
        let last = drills.last().unwrap();
        let figures: Vec<DrillMetrics> = drills.iter().map(DrillMetrics::of).collect();
        let report = crate::render::drill_report(Some(&redis()), last, &figures, &config(), &links(), None);
        insta::assert_snapshot!(report);
        let json = crate::render::report_json(last, &figures, &config(), &links());
        insta::assert_snapshot!(json);
    }
}
