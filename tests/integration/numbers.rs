//! The numbers people see, through the real binary: `firedrill report`, `stats` and `badge` on a drill run over
//! smart HTTP with a fixed clock; badges checked byte for byte against shields' own renderer (`badge-maker`);
//! the history page screenshotted in headless Chromium at desktop and phone widths.

use std::path::{Path, PathBuf};
use std::process::Command;

use firedrill::drill::command::DrillCommand;
use firedrill::drill::event::{Event, EventKind, RecoveryHow, TargetRef};
use firedrill::drill::state::Drill;
use firedrill::git::Identity;
use firedrill::render::{Links, ledger_artifacts};
use jiff::Timestamp;

use crate::common::{firedrill, root, run};
use crate::lifecycle::{Fixture, after};

const TOKEN: &str = "ghs_lifecycleTestToken0123456789";

/// `firedrill ARGS` on the fixture's ledger (no `--now` unless given in `args`).
pub(crate) fn on_ledger(f: &Fixture, args: &[&str]) -> (i32, String, String) {
    let mut cmd = firedrill();
    cmd.args(args)
        .arg("--scenarios")
        .arg(f.dir.path().join("scenarios"))
        .args(["--control", &f.server.url("control"), "--workdir"])
        .arg(f.dir.path().join("work-numbers"))
        .env("FIREDRILL_TOKEN", TOKEN);
    run(&mut cmd)
}

#[test]
fn report_stats_and_badges_show_the_times_the_clock_produced() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    let merge = f.main();
    // Ana reverts 1 h 18 min after the landing; the tick 4 minutes later records it.
    let revert_at = after(f.plan.merge_at, 78);
    let ana = Identity::new("Ana Lima", "ana@acme.example", revert_at);
    let revert = f.target().revert(&merge, &merge, "Revert the pool change\n", &ana, &ana).unwrap();
    f.push_to_main(&revert);
    f.tick(after(revert_at, 4));
    let id = f.plan.drill_id.to_string();

    let (code, md, err) = on_ledger(&f, &["report"]);
    assert_eq!(code, 0, "{err}");
    assert!(md.contains(&format!("drill `{id}`")) && md.contains("**Recovered in 1 h 18 min by a revert.**"), "{md}");
    assert!(md.contains("| Recover (fault gone from the branch) | T+1 h 18 min | 1 h 18 min |"), "{md}");
    assert!(md.contains("| The last real outage (baseline) |") || !md.contains("baseline_mttr"), "{md}");
    assert!(md.contains("| The previous drill of this scenario | none: this is the first |"), "{md}");
    // A local control repository has no web page: the history beside the report, in Markdown.
    assert!(md.contains("[the drill history](../../docs/history.md)"), "{md}");

    let (code, json, err) = on_ledger(&f, &["report", "--drill", &id, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["time_to_recovery"], serde_json::json!({ "seconds": 78 * 60, "at_least": false }));
    assert_eq!(v["outcome"], "recovered");
    assert_eq!(v["landed"], f.plan.merge_at.to_string());

    let now = after(revert_at, 60 * 24 * 3).to_string();
    let (code, json, err) = on_ledger(&f, &["stats", "--format", "json", "--now", &now]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["last"]["period"]["summary"]["median"]["seconds"], 78 * 60);
    assert_eq!(v["days_since_last_drill"], 3);
    let (code, md, _) = on_ledger(&f, &["stats", "--now", &now]);
    assert_eq!(code, 0);
    assert!(md.contains("| Median | 1 h 18 min | — |"), "{md}");

    let out = f.dir.path().join("badges");
    let (code, stdout, err) = on_ledger(&f, &["badge", "--out", out.to_str().unwrap(), "--now", &now]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(stdout.lines().count(), 14, "seven badges, SVG and JSON: {stdout}");
    // The local demo's git has no deploy signal: the restore-service badge says so, it does not invent a zero.
    let restore = std::fs::read_to_string(out.join("median-time-to-restore-service.json")).unwrap();
    assert!(restore.contains(r#""message": "not observed""#) && restore.contains("lightgrey"), "{restore}");
    // Nor does the time-to-detect badge: no monitoring was observed.
    let detect = std::fs::read_to_string(out.join("median-time-to-detect.json")).unwrap();
    assert!(detect.contains(r#""message": "not observed""#), "{detect}");
    let svg = std::fs::read_to_string(out.join("time-to-recovery.svg")).unwrap();
    assert!(svg.contains(r#"aria-label="time to recovery: 1 h 18 min""#), "{svg}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("time-to-recovery.json")).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"schemaVersion": 1, "label": "time to recovery", "message": "1 h 18 min", "color": "yellow"})
    );
    let days: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("days-since-drill.json")).unwrap()).unwrap();
    assert_eq!(days["message"], "3");

    let (code, _, err) = on_ledger(&f, &["report", "--drill", "nope"]);
    assert_eq!(code, 1);
    assert!(err.contains("no drill `nope` in the ledger"), "{err}");
}

#[test]
fn one_badge_from_the_command_line_and_a_wrong_colour() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("b.svg");
    let (code, _, err) =
        run(firedrill().args(["badge", "--label", "drills", "--message", "4", "--color", "blue", "--out"]).arg(&svg));
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains(r##"fill="#007ec6""##), "{text}");
    let json = dir.path().join("b.json");
    let (code, _, _) = run(firedrill().args(["badge", "--label", "drills", "--message", "4", "--out"]).arg(&json));
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read_to_string(&json).unwrap(),
        "{\n  \"schemaVersion\": 1,\n  \"label\": \"drills\",\n  \"message\": \"4\",\n  \"color\": \"lightgrey\"\n}\n"
    );
    let (code, out, err) =
        run(firedrill().args(["badge", "--message", "4", "--color", "chartreuse", "--out"]).arg(&svg));
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("`chartreuse` is not a badge colour"), "{err}");
    let (code, _, err) = run(firedrill().args(["badge", "--out"]).arg(dir.path()));
    assert_eq!(code, 2);
    assert!(err.contains("give --control"), "{err}");
}

/// A tool the test needs: present, or (outside CI) a reason to skip; under `CI=true` its absence fails.
fn require(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "{tool} is missing under CI=true: `.ci/run` installs it"
        );
        eprintln!("skipped: {tool} is not installed (`.ci/run` installs it)");
    }
    found
}

/// `badge-maker` (shields' renderer) installed once under `target/`.
fn badge_maker() -> PathBuf {
    let dir = root().join("target").join("badge-maker");
    if !dir.join("node_modules/badge-maker/package.json").is_file() {
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--no-save", "--prefix"])
            .arg(&dir)
            .arg("badge-maker@6.0.0")
            .output()
            .unwrap();
        assert!(out.status.success(), "npm install badge-maker failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    dir
}

#[test]
fn badges_match_shields_own_renderer_byte_for_byte() {
    if !require("node") || !require("npm") {
        return;
    }
    let dir = badge_maker();
    let cases: [(&str, &str, &str); 8] = [
        ("time to recovery", "1 h 18 min", "yellow"),
        ("median recovery, last 10", "≥ 3 h", "red"),
        ("mean recovery, last 10", "59 min", "brightgreen"),
        ("drills this quarter", "0", "red"),
        ("days since last drill", "never", "lightgrey"),
        ("Ünïcødé — WWW iii @@@", "Ωμέγα Привет", "e05d44"),
        ("a<b & 'c' \"d\"", "100%", "eee"),
        ("", "message only", "blue"),
    ];
    let script = dir.join("render.mjs");
    std::fs::write(
        &script,
        "import { makeBadge } from 'badge-maker'\nconst [label, message, color] = JSON.parse(process.argv[2])\n\
         process.stdout.write(makeBadge({ label, message, color, style: 'flat' }))\n",
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for (label, message, color) in cases {
        let args = serde_json::json!([label, message, color]).to_string();
        let out = Command::new("node").arg(&script).arg(&args).current_dir(&dir).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let shields = String::from_utf8(out.stdout).unwrap();
        let file = tmp.path().join("b.svg");
        let (code, _, err) = run(firedrill()
            .args(["badge", "--label", label, "--message", message, "--color", color, "--out"])
            .arg(&file));
        assert_eq!(code, 0, "{err}");
        let ours = std::fs::read_to_string(&file).unwrap();
        assert_eq!(width(&ours), width(&shields), "{label} | {message}");
        assert_eq!(ours, shields, "{label} | {message}");
    }
}

fn width(svg: &str) -> &str {
    svg.split("width=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default()
}

// --- the history page in a browser ---------------------------------------------------------------------------

/// Nine quarterly-ish drills of one scenario: recoveries getting faster, a timeout, a give-up, an abort.
fn history() -> Vec<Drill> {
    let target = TargetRef { repo: None, branch: "main".into(), path: "values.yaml".into() };
    // (day, minutes to the end, how it ended)
    let drills: [(&str, i64, &str); 9] = [
        ("2025-03-04", 240, "revert"),
        ("2025-06-03", 180, "timeout"),
        ("2025-09-02", 150, "fix"),
        ("2025-12-02", 20, "abort"),
        ("2026-03-03", 95, "revert"),
        ("2026-06-02", 50, "gave_up"),
        ("2026-08-04", 84, "fix"),
        ("2026-10-06", 78, "revert"),
        ("2026-11-24", 51, "fix"),
    ];
    drills
        .iter()
        .map(|(day, mins, end)| {
            let t0: Timestamp = format!("{day}T10:17:00Z").parse().unwrap();
            let at = |m: i64| t0.checked_add(jiff::SignedDuration::from_mins(m)).unwrap();
            let e = |m: i64, kind| Event::new(at(m), "firedrill", "tick", kind);
            let mut log = vec![
                e(
                    -60,
                    EventKind::Planned {
                        scenario: "redis".parse().unwrap(),
                        target: target.clone(),
                        occurrence: at(-77),
                        open_at: at(-45),
                        merge_at: t0,
                    },
                ),
                e(0, EventKind::Merged { commit: sha('e') }),
                e(mins / 10, EventKind::Command { name: DrillCommand::Ack.into(), args: None }),
            ];
            let recovered = |how| EventKind::Recovered { commit: sha('f'), how };
            match *end {
                "timeout" => {
                    log.push(e(*mins, EventKind::TimedOut { reverted_by: Some(sha('f')) }));
                    log.push(e(*mins, recovered(RecoveryHow::Timeout)));
                }
                "abort" => log.push(e(*mins, EventKind::Aborted { reason: "real incident".into() })),
                "gave_up" => log.push(e(*mins, recovered(RecoveryHow::GaveUp))),
                "fix" => log.push(e(*mins, recovered(RecoveryHow::Fix))),
                _ => log.push(e(*mins, recovered(RecoveryHow::Revert))),
            }
            Drill::fold(&firedrill::schedule::DrillId::new("redis", at(-77)), &log).unwrap()
        })
        .collect()
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
}

/// Screenshots `html` at `w`×`h`; returns the PNG's bytes.
fn screenshot(browser: &str, html: &Path, w: u32, h: u32) -> Vec<u8> {
    let profile = tempfile::tempdir().unwrap();
    let png = profile.path().join("shot.png");
    let out = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.path().join("profile").display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={w},{h}"))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(png.is_file(), "no screenshot:\n{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read(png).unwrap()
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let be = |i: usize| u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]);
    (be(16), be(20))
}

#[test]
fn the_history_page_renders_on_desktop_and_phone() {
    let browser = chromium();
    if browser.is_none() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "chromium is missing under CI=true: `.ci/run` installs it"
        );
        eprintln!("skipped: chromium is not installed (`.ci/run` installs it)");
        return;
    }
    let browser = browser.unwrap();
    let drills = history();
    let config = firedrill::scenario::Config { baseline_mttr: Some("4h".parse().unwrap()), ..Default::default() };
    let links = Links { control: Some("https://github.com/acme/drills".into()), pages: None };
    let files = ledger_artifacts(&drills, &[], &config, "2026-12-01T09:00:00Z".parse().unwrap(), &links);
    let page = &files.iter().find(|(p, _)| p == "docs/index.html").unwrap().1;
    let dir =
        std::env::var_os("FIREDRILL_SCREENSHOTS").map_or_else(|| tempfile::tempdir().unwrap().keep(), PathBuf::from);
    std::fs::create_dir_all(&dir).unwrap();
    let html = dir.join("index.html");
    std::fs::write(&html, page).unwrap();
    let blank = dir.join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><body style=\"margin:0;background:#fff\"></body></html>").unwrap();
    for (name, w, h) in [("desktop", 1280, 1000), ("phone", 390, 844)] {
        let shot = screenshot(browser, &html, w, h);
        std::fs::write(dir.join(format!("{name}.png")), &shot).unwrap();
        assert_eq!(png_size(&shot), (w, h), "{name}");
        // An empty page of the same size compresses to almost nothing; the drawn page cannot.
        let empty = screenshot(browser, &blank, w, h);
        assert!(
            shot.len() > 8 * empty.len(),
            "{name}: the screenshot looks blank ({} vs {} bytes)",
            shot.len(),
            empty.len()
        );
    }
}

fn sha(c: char) -> firedrill::git::CommitSha {
    firedrill::git::CommitSha::parse(&c.to_string().repeat(40)).unwrap()
}
