//! The history page (`index.html` on the ledger branch): every drill and the time-to-recovery trend.
//!
//! One self-contained file, ready for GitHub Pages: no script, no external font, stylesheet or image, no
//! request of any kind. The chart is inline SVG styled by the page's CSS, so it follows the dark mode of
//! `prefers-color-scheme`; the table scrolls sideways on a phone instead of squeezing the page.

use std::fmt::Write as _;

use jiff::SignedDuration;

use super::markdown::xml;
use super::stats::{counted, estimate, period_sentences};
use crate::drill::state::human_duration;
use crate::metrics::{Estimate, Outcome, Stage, Stats};
use crate::scenario::Scenario;

/// What the page links to, besides the drills.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLinks {
    /// Each drill's report (`drills/<id>/report.md`), by drill id, as an address.
    pub report: Option<String>,
    /// README lines for the badges: (badge name, Markdown line).
    pub badges: Vec<(String, String)>,
}

const STYLE: &str = r#"
:root { color-scheme: light dark; --bg: #fff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --card: #f6f8fa;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --accent: #0969da; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --card: #151b23;
    --ok: #3fb950; --bad: #f85149; --warn: #d29922; --accent: #4493f8; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; } h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
p, li { color: var(--fg); } .muted { color: var(--muted); font-size: 0.875rem; }
a { color: var(--accent); }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: 0.5rem; }
.figure { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.75rem; }
.figure b { display: block; font-size: 1.25rem; } .figure span { color: var(--muted); font-size: 0.8rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: 0.875rem; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--muted); font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; }
.recovered { color: var(--ok); } .timed-out, .gave-up { color: var(--bad); } .aborted, .abandoned, .running,
.waiting { color: var(--muted); }
svg.chart { width: 100%; height: auto; display: block; }
.chart .axis { stroke: var(--line); } .chart .grid { stroke: var(--line); stroke-dasharray: 2 3; }
.chart text { fill: var(--muted); font-size: 11px; font-family: inherit; }
.chart .trend { fill: none; stroke: var(--accent); stroke-width: 2; }
.chart .point { fill: var(--accent); } .chart .censored { fill: var(--bg); stroke: var(--bad); stroke-width: 2; }
.chart .baseline { stroke: var(--warn); stroke-width: 2; stroke-dasharray: 6 4; }
.chart text.baseline-label { fill: var(--warn); }
@media (max-width: 600px) {
  /* The chart shrinks with the screen: its text is enlarged in chart units to stay readable. */
  .chart text { font-size: 22px; } .chart .mid { display: none; }
  .chart .point, .chart .censored { r: 9; }
}
code { font-size: 0.8rem; background: var(--card); padding: 0.1rem 0.3rem; border-radius: 4px; word-break: break-all; }
"#;

/// The whole page.
pub fn page(stats: &Stats, scenarios: &[Scenario], links: &PageLinks) -> String {
    let mut o = String::new();
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // Belt and braces: even if a browser found something to fetch, the page forbids it.
    o.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         img-src data:\">\n",
    );
    o.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n<title>Outage drills — firedrill</title>\n");
    let _ = writeln!(o, "<style>{STYLE}</style>\n</head>\n<body>\n<main>");
    o.push_str("<h1>Outage drills</h1>\n");
    let _ = writeln!(
        o,
        "<p class=\"muted\">Updated {}. Time to recovery: from the fault's landing to the landing of the commit \
         that removed it.</p>",
        stats.now.strftime("%Y-%m-%d %H:%M UTC")
    );
    figures(&mut o, stats);
    o.push_str("<h2>Time to recovery, drill after drill</h2>\n");
    o.push_str(&chart(stats));
    let n = stats.last_n;
    if stats.last.summary.count > 0 {
        let _ = writeln!(
            o,
            "<p>{}</p>",
            xml(&period_sentences(&stats.last, &format!("the {n} drills before"), stats.baseline))
        );
    }
    o.push_str(
        "<p class=\"muted\">Hollow red points are drills that timed out or that the team gave up on: not recovered \
         after that long, so their time is a lower bound (≥). Medians are Kaplan–Meier estimates that count them \
         as such; aborted and abandoned drills are listed but not counted.</p>\n",
    );
    table(&mut o, stats, scenarios, links);
    if !links.badges.is_empty() {
        o.push_str("<h2>Badges for a README</h2>\n<ul>\n");
        for (name, line) in &links.badges {
            let _ = writeln!(o, "<li>{}: <code>{}</code></li>", xml(name), xml(line));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("<p class=\"muted\">Written by firedrill from the drill ledger.</p>\n</main>\n</body>\n</html>\n");
    o
}

fn figures(o: &mut String, stats: &Stats) {
    let n = stats.last_n;
    let s = &stats.last.summary;
    let mut cards = vec![
        (estimate(stats.latest().and_then(|d| d.time_to_recovery)), "last time to recovery".to_owned()),
        (estimate(s.median), format!("median, last {n}")),
        (estimate(s.mean), format!("mean, last {n}")),
        (stats.this_quarter.to_string(), "drills this quarter".to_owned()),
        (stats.days_since_last.map_or_else(|| "—".to_owned(), |d| d.to_string()), "days since the last drill".into()),
    ];
    if let Some(median) = stats.restore.median {
        cards.push((
            estimate(Some(median)),
            format!("median time to restore service ({} observed)", stats.restore.count),
        ));
    }
    if let Some(median) = stats.detect.median {
        cards.push((estimate(Some(median)), format!("median time to detect ({} observed)", stats.detect.count)));
    }
    if let Some(b) = stats.baseline {
        cards.push((human_duration(b), "the last real outage".to_owned()));
    }
    o.push_str("<div class=\"figures\">\n");
    for (value, what) in cards {
        let _ = writeln!(o, "<div class=\"figure\"><b>{}</b><span>{}</span></div>", xml(&value), xml(&what));
    }
    o.push_str("</div>\n");
}

fn table(o: &mut String, stats: &Stats, scenarios: &[Scenario], links: &PageLinks) {
    o.push_str("<h2>Every drill</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>Date</th><th>Scenario</th>");
    o.push_str("<th>Outcome</th><th>Time to recovery</th><th>Detect</th><th>Identify</th><th>Fix</th>");
    o.push_str("<th>Deploy</th><th>Restore service</th><th>Hints</th></tr></thead>\n<tbody>\n");
    for d in stats.drills.iter().rev() {
        let class = d.outcome.name().replace(' ', "-");
        // The scenario's title when its file is still there (drill ids already name the scenario's id).
        let name = scenarios.iter().find(|s| s.id.as_str() == d.scenario).map_or(d.scenario.as_str(), |s| &s.title);
        let scenario = match &links.report {
            Some(base) => format!(
                "<a href=\"{}\">{}</a>",
                xml(&format!("{}/drills/{}/report.md", base.trim_end_matches('/'), d.id)),
                xml(name)
            ),
            None => xml(name),
        };
        let outcome = match d.outcome {
            Outcome::Recovered if d.after_limit => "recovered, after the time limit".to_owned(),
            Outcome::Aborted | Outcome::Abandoned => format!("{} (not counted)", d.outcome.name()),
            o => o.name().to_owned(),
        };
        let stage = |s: Stage| d.phases.get(s).map_or_else(|| "—".to_owned(), human_duration);
        let _ = writeln!(
            o,
            "<tr><td class=\"num\">{}</td><td>{scenario}</td><td class=\"{class}\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            d.date.strftime("%Y-%m-%d"),
            xml(&outcome),
            xml(&estimate(d.time_to_recovery)),
            stage(Stage::Detect),
            stage(Stage::Identify),
            stage(Stage::Fix),
            stage(Stage::Deploy),
            d.restore.map_or_else(|| "—".to_owned(), human_duration),
            d.hints_used
        );
    }
    if stats.drills.is_empty() {
        o.push_str("<tr><td colspan=\"10\">No drill yet.</td></tr>\n");
    }
    o.push_str("</tbody>\n</table></div>\n");
    let _ = writeln!(
        o,
        "<p class=\"muted\">Counted over the last {} drills: {}. Detect, identify and fix are times since the fault \
         landed, from <code>/drill ack</code>, <code>/drill found</code> and <code>/drill fixed</code>.</p>",
        stats.last_n,
        xml(&counted(&stats.last.summary))
    );
}

/// Chart geometry: a 640 × 260 view box, scaled to the page's width.
const W: f64 = 640.0;
const H: f64 = 260.0;
const LEFT: f64 = 76.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 32.0;
const BOTTOM: f64 = 44.0;

/// The trend chart: one point per counted drill (oldest left), the baseline as a dashed line.
pub fn chart(stats: &Stats) -> String {
    let points: Vec<(&str, Estimate, jiff::Timestamp)> =
        stats.drills.iter().filter_map(|d| d.time_to_recovery.map(|t| (d.id.as_str(), t, d.date))).collect();
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"Time to recovery of each drill{}\">",
        stats.baseline.map_or_else(String::new, |b| format!(", with the baseline of {}", human_duration(b)))
    );
    let longest = points.iter().map(|(_, t, _)| t.value()).chain(stats.baseline).max().unwrap_or_default();
    let (step, top) = axis(longest);
    let y = |d: SignedDuration| TOP + (H - TOP - BOTTOM) * (1.0 - d.as_secs_f64() / top.as_secs_f64());
    // Horizontal grid lines with their labels.
    let mut tick = SignedDuration::ZERO;
    while tick <= top {
        let yy = y(tick);
        let class = if tick.is_zero() { "axis" } else { "grid" };
        let _ = write!(
            o,
            "<line class=\"{class}\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            yy + 4.0,
            if tick.is_zero() { "0".to_owned() } else { human_duration(tick) }
        );
        tick += step;
    }
    if points.is_empty() {
        let _ = write!(
            o,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">No drill counted yet</text>",
            (LEFT + W - RIGHT) / 2.0,
            (TOP + H - BOTTOM) / 2.0
        );
    }
    let span = W - LEFT - RIGHT;
    #[allow(clippy::cast_precision_loss)] // a handful of drills
    let x = |i: usize| {
        if points.len() <= 1 { LEFT + span / 2.0 } else { LEFT + span * i as f64 / (points.len() - 1) as f64 }
    };
    if points.len() > 1 {
        let path: Vec<String> =
            points.iter().enumerate().map(|(i, (_, t, _))| format!("{:.1},{:.1}", x(i), y(t.value()))).collect();
        let _ = write!(o, "<polyline class=\"trend\" points=\"{}\"/>", path.join(" "));
    }
    if let Some(b) = stats.baseline {
        let yy = y(b);
        let _ = write!(
            o,
            "<line class=\"baseline\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/>\
             <text class=\"baseline-label\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">baseline: the real outage, {}</text>",
            W - RIGHT,
            W - RIGHT,
            yy - 6.0,
            human_duration(b)
        );
    }
    // Date labels: first, last, and a few between, so that they never overlap.
    let every = points.len().div_ceil(6).max(1);
    for (i, (id, t, date)) in points.iter().enumerate() {
        let (cx, cy) = (x(i), y(t.value()));
        let class = if t.is_bound() { "censored" } else { "point" };
        let _ = write!(
            o,
            "<circle class=\"{class}\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"5\"><title>{}: {}</title></circle>",
            xml(id),
            xml(&estimate(Some(*t)))
        );
        let (first, last) = (i == 0, i + 1 == points.len());
        // A regular label too close to the last one would overlap it.
        let clear = last || x(points.len() - 1) - cx >= 100.0;
        if (i % every == 0 && clear) || last {
            // The ends are anchored inwards so they stay inside the chart; dates in between give way on a phone.
            let (anchor, class) = match (first, last) {
                (true, true) => ("middle", ""),
                (true, false) => ("start", ""),
                (false, true) => ("end", ""),
                (false, false) => ("middle", " class=\"mid\""),
            };
            let _ = write!(
                o,
                "<text{class} x=\"{cx:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                H - BOTTOM + 26.0,
                date.strftime("%Y-%m-%d")
            );
        }
    }
    o.push_str("</svg>\n");
    o
}

/// A tick step and the axis top for values up to `longest`: 15 min, 30 min, 1 h, 2 h… steps, 4 to 8 of them.
fn axis(longest: SignedDuration) -> (SignedDuration, SignedDuration) {
    let steps = [15, 30, 60, 120, 240, 480, 960, 1440].map(SignedDuration::from_mins);
    let longest = longest.max(SignedDuration::from_mins(30));
    let step = steps.iter().copied().find(|s| longest.as_secs() <= s.as_secs() * 6).unwrap_or(steps[7]);
    let count = (longest.as_secs() + step.as_secs() - 1) / step.as_secs();
    (step, SignedDuration::from_secs(step.as_secs() * count.max(1)))
}
