//! `firedrill status` on a real ledger: the table it prints from the index (finished drills) and the active logs
//! is, byte for byte, the table of every log folded, with a fresh, stale or missing index and damaged logs; and
//! on GitHub it reads only the index and the logs of the drills with work left.

use std::path::Path;

use firedrill::drill::event::{ChangeId, Event, EventKind, RecoveryHow, TargetRef};
use firedrill::drill::state::Drill;
use firedrill::git::{CommitSha, FileChange, Identity, Repo};
use firedrill::ledger::Ledger;
use firedrill::render::status::{Row, table};
use firedrill::scenario::builder::ScenarioBuilder;
use firedrill::schedule::DrillId;
use jiff::Timestamp;

use crate::common::{firedrill, run};

const BRANCH: &str = "firedrill/ledger";
const NOW: &str = "2026-11-24T10:59:00Z";

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn sha(c: char) -> CommitSha {
    CommitSha::parse(&c.to_string().repeat(40)).unwrap()
}

/// The log of a drill of `scenario` on `day` (`2026-11-03`): planned, then each of `steps` in order.
fn log(scenario: &str, day: &str, steps: &[&str]) -> (String, Vec<Event>) {
    let at = |hm: &str| t(&format!("{day}T{hm}:00Z"));
    let ev = |hm: &str, kind| Event::new(at(hm), "firedrill", "tick", kind);
    let target = TargetRef { repo: None, branch: "main".into(), path: "values.yaml".into() };
    let occurrence = at("09:00");
    let id = DrillId::new(scenario, occurrence).to_string();
    let planned = EventKind::Planned {
        scenario: scenario.parse().unwrap(),
        target,
        occurrence,
        open_at: at("09:30"),
        merge_at: at("10:17"),
    };
    let mut events = vec![ev("08:00", planned)];
    for step in steps {
        let recovered = |how| EventKind::Recovered { commit: sha('f'), how };
        events.push(match *step {
            "opened" => ev(
                "09:30",
                EventKind::Opened {
                    branch: "chore/x".into(),
                    commit: sha('c'),
                    base: sha('b'),
                    change: ChangeId("7".into()),
                    variant: None,
                    gate: None,
                },
            ),
            "merged" => ev("10:17", EventKind::Merged { commit: sha('e') }),
            "timed out, reverting" => ev("13:17", EventKind::TimedOut { reverted_by: Some(sha('a')) }),
            "timed out, kept" => ev("13:17", EventKind::TimedOut { reverted_by: None }),
            "reverted" => ev("11:35", recovered(RecoveryHow::Revert)),
            "fixed" => ev("14:02", recovered(RecoveryHow::Fix)),
            "gave up" => ev("11:00", recovered(RecoveryHow::GaveUp)),
            "timeout revert" => ev("13:18", recovered(RecoveryHow::Timeout)),
            "aborted" => ev("10:30", EventKind::Aborted { reason: "a real incident".into() }),
            "abandoned" => ev("10:17", EventKind::Abandoned { reason: "the change was closed".into() }),
            "revert held" => ev(
                "13:18",
                EventKind::RevertWaiting {
                    change: ChangeId("8".into()),
                    reason: "waits for its merge: the required check `deploy-staging` has not passed yet".into(),
                },
            ),
            "reported" => ev("15:00", EventKind::Reported { path: format!("drills/{id}/report.md") }),
            other => panic!("unknown step {other}"),
        });
    }
    (id, events)
}

/// Drills in every phase, finished and reported or not, one of a scenario whose file is gone.
fn drills() -> Vec<(String, Vec<Event>)> {
    let s = "redis-pool-exhaustion";
    vec![
        log(s, "2026-11-24", &["opened"]),
        log(s, "2026-12-01", &[]),
        log(s, "2026-11-23", &["opened", "merged"]),
        log(s, "2026-11-22", &["opened", "merged", "timed out, reverting"]),
        log(s, "2026-11-21", &["opened", "merged", "timed out, kept"]),
        log(s, "2026-11-20", &["opened", "merged", "timed out, kept", "reported"]),
        log(s, "2026-11-19", &["opened", "merged", "reverted"]),
        log(s, "2026-11-18", &["opened", "merged", "reverted", "reported"]),
        log(s, "2026-11-17", &["opened", "merged", "timed out, kept", "fixed", "reported"]),
        log(s, "2026-11-16", &["opened", "merged", "gave up", "reported"]),
        log(s, "2026-11-15", &["opened", "merged", "timed out, reverting", "timeout revert", "reported"]),
        log(s, "2026-11-14", &["opened", "merged", "aborted", "reported"]),
        log(s, "2026-11-13", &["opened", "aborted"]),
        log(s, "2026-11-12", &["opened", "abandoned", "reported"]),
        log(s, "2026-11-10", &["opened", "merged", "revert held"]),
        log("retired-scenario", "2026-11-11", &["opened", "merged", "reverted", "reported"]),
    ]
}

fn text(log: &[Event]) -> String {
    log.iter().map(|e| format!("{}\n", e.to_line())).collect()
}

/// A bare control repository at `dir/control.git` whose ledger branch holds `logs`, written by hand (no index),
/// and the scenario in it and in `dir/scenarios`.
fn control(dir: &Path, logs: &[(String, Vec<Event>)]) -> Repo {
    let repo = Repo::init_bare(&dir.join("control.git")).unwrap();
    let who = Identity::new("Sam", "sam@acme.example", t("2026-11-16T12:00:00Z"));
    let scenario = ScenarioBuilder::seed().yaml();
    let files = [FileChange::write("scenarios/redis.yaml", scenario.as_str())];
    let main = repo.write_commit(None, &files, "init\n", &who, &who).unwrap();
    repo.update_ref("refs/heads/main", &main, None, "test").unwrap();
    repo.set_head("refs/heads/main").unwrap();
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::write(dir.join("scenarios/redis.yaml"), scenario).unwrap();
    let files: Vec<FileChange> =
        logs.iter().map(|(id, log)| FileChange::write(format!("drills/{id}/events.jsonl"), text(log))).collect();
    let ledger = repo.write_commit(None, &files, "ledger\n", &who, &who).unwrap();
    repo.update_ref(&format!("refs/heads/{BRANCH}"), &ledger, None, "test").unwrap();
    repo
}

/// A hand commit on the ledger branch that writes `files`.
fn hand_commit(repo: &Repo, files: &[FileChange]) {
    let who = Identity::new("Sam", "sam@acme.example", t("2026-11-24T11:00:00Z"));
    let tip = repo.branch_head(BRANCH).unwrap().unwrap();
    let next = repo.write_commit(Some(&tip), files, "by hand\n", &who, &who).unwrap();
    repo.update_ref(&format!("refs/heads/{BRANCH}"), &next, Some(&tip), "test").unwrap();
}

fn ledger(dir: &Path) -> (Ledger, tempfile::TempDir) {
    let work = tempfile::tempdir().unwrap();
    (Ledger::new(&dir.join("control.git").display().to_string(), BRANCH, work.path(), None).unwrap(), work)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// What `status` printed before the index: every log read and folded, the table of all of them, then each
/// damaged log named.
fn every_log_folded(dir: &Path) -> String {
    let (ledger, _work) = ledger(dir);
    let snapshot = runtime().block_on(ledger.read()).unwrap();
    let drills: Vec<Drill> =
        snapshot.logs.iter().filter_map(|(id, log)| Drill::fold(&DrillId::parse(id).ok()?, log)).collect();
    let scenario = firedrill::scenario::load(
        Path::new("redis.yaml"),
        &std::fs::read_to_string(dir.join("scenarios/redis.yaml")).unwrap(),
    )
    .unwrap();
    let rows: Vec<_> = drills
        .iter()
        .map(|d| ((d.scenario.as_str() == scenario.id.as_str()).then_some(&scenario), Row::from(d)))
        .collect();
    let mut out = table(&rows, t(NOW));
    for damage in snapshot.damaged.values() {
        out.push_str(&format!("{}: refused to read the drill: {damage}\n", damage.drill));
    }
    out
}

fn status(dir: &Path, more: &[&str]) -> (i32, String, String) {
    let work = tempfile::tempdir().unwrap();
    run(firedrill()
        .args(["status", "--now", NOW, "--scenarios"])
        .arg(dir.join("scenarios"))
        .arg("--control")
        .arg(dir.join("control.git"))
        .arg("--workdir")
        .arg(work.path())
        .args(more))
}

/// Whether the ledger's tip holds an index folded from its very `drills/` tree.
fn index_is_fresh(repo: &Repo) -> bool {
    let tip = repo.branch_head(BRANCH).unwrap().unwrap();
    let text = repo.read_file(&tip, firedrill::ledger::INDEX_FILE).unwrap();
    let index = text.and_then(|b| firedrill::ledger::Index::parse(&String::from_utf8(b).unwrap()));
    index.is_some_and(|i| i.drills_tree == repo.entry_id(&tip, "drills").unwrap())
}

fn repair(dir: &Path) {
    let (ledger, _work) = ledger(dir);
    let commit = runtime().block_on(ledger.repair_index(("firedrill", "firedrill@example.com"), t(NOW))).unwrap();
    assert!(commit.is_some(), "the index was missing or stale, so it is written");
}

#[test]
fn status_from_the_index_prints_what_every_log_folded_prints() {
    let dir = tempfile::tempdir().unwrap();
    let repo = control(dir.path(), &drills());

    // No index yet (a ledger from before it): every log is read to fold one.
    let expected = every_log_folded(dir.path());
    let (code, out, err) = status(dir.path(), &[]);
    assert_eq!((code, out.as_str()), (0, expected.as_str()), "{err}");
    insta::assert_snapshot!("status_every_phase", out);

    // A fresh index: the finished drills come from it.
    repair(dir.path());
    assert!(index_is_fresh(&repo));
    let (code, again, err) = status(dir.path(), &[]);
    assert_eq!((code, again.as_str()), (0, expected.as_str()), "{err}");

    // A finished drill's log damaged by hand: the index is stale, every log is read, the damage is named.
    let (finished, _) = log("redis-pool-exhaustion", "2026-11-18", &[]);
    hand_commit(&repo, &[FileChange::write(format!("drills/{finished}/events.jsonl"), "{\"not\": an event\n")]);
    let (active, _) = log("redis-pool-exhaustion", "2026-11-23", &[]);
    hand_commit(&repo, &[FileChange::write(format!("drills/{active}/events.jsonl"), "\n")]);
    assert!(!index_is_fresh(&repo));
    let damaged = every_log_folded(dir.path());
    assert!(damaged.contains(&format!("{finished}: refused to read the drill: drills/{finished}/events.jsonl")));
    assert!(damaged.contains(&format!("{active}: refused to read the drill: drills/{active}/events.jsonl")));
    let (code, out, err) = status(dir.path(), &[]);
    assert_eq!((code, out.as_str()), (3, damaged.as_str()), "{err}");

    // The index written next to the damaged logs records them: still named, still exit 3, without reading them.
    repair(dir.path());
    assert!(index_is_fresh(&repo));
    let (code, out, err) = status(dir.path(), &[]);
    assert_eq!((code, out.as_str()), (3, damaged.as_str()), "{err}");

    // A finished drill's log deleted by hand: `status` used to drop it silently; the index still lists it, so it
    // is named (its id stays taken), with exit 3, like a damaged log.
    let (deleted, _) = log("retired-scenario", "2026-11-11", &[]);
    hand_commit(&repo, &[FileChange::delete(format!("drills/{deleted}/events.jsonl"))]);
    let (code, out, err) = status(dir.path(), &[]);
    assert_eq!(code, 3, "{err}");
    let named = format!(
        "{deleted}: refused to read the drill: drills/{deleted}/events.jsonl on the ledger branch is damaged: it is \
         missing, although the ledger's index lists the drill (it was deleted)"
    );
    assert!(out.contains(&named), "{out}");
    assert!(!every_log_folded(dir.path()).contains(&deleted), "every log folded never knew it");
    assert_eq!(out.lines().filter(|l| l.starts_with(&deleted)).count(), 1, "named, not listed:\n{out}");

    // One drill's timeline reads its log, finished or not; a damaged one is refused.
    let (reported, _) = log("redis-pool-exhaustion", "2026-11-16", &[]);
    let (code, out, err) = status(dir.path(), &["--drill", &reported]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("Redis connection pool drained\nDrill {reported}: gave up\n")), "{out}");
    let (code, _, err) = status(dir.path(), &["--drill", &finished]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(&format!("drills/{finished}/events.jsonl on the ledger branch is damaged")), "{err}");
}

/// The requests `status` sends to GitHub for a ledger of `finished` reported drills and one running drill
/// (its index fresh): (method and path of each, the table printed).
fn github_status(finished: usize) -> (Vec<String>, String) {
    let state = tempfile::tempdir().unwrap();
    let exchanges = state.path().join("exchanges.jsonl");
    let config = github_emulator::Config { log: Some(exchanges.clone()), ..github_emulator::Config::new(state.path()) };
    let emulator = github_emulator::Emulator::start(config).unwrap();
    let seed = tempfile::tempdir().unwrap();
    let mut logs: Vec<(String, Vec<Event>)> = (1..=finished)
        .map(|i| {
            let day = t("2026-01-01T00:00:00Z").checked_add(jiff::SignedDuration::from_hours(24 * i as i64)).unwrap();
            log("redis-pool-exhaustion", &day.strftime("%Y-%m-%d").to_string(), &["merged", "reverted", "reported"])
        })
        .collect();
    logs.push(log("redis-pool-exhaustion", "2026-11-24", &["opened", "merged"]));
    control(seed.path(), &logs);
    // The index, written as firedrill writes it.
    repair(seed.path());
    emulator.create_repo("acme/drills", Some(&seed.path().join("control.git")), true).unwrap();
    let token = emulator.user_with_token("sam").unwrap();
    emulator.set_permission("acme/drills", "sam", "write").unwrap();
    std::fs::write(&exchanges, "").unwrap();
    let work = tempfile::tempdir().unwrap();
    let (code, out, err) = run(firedrill()
        .args(["status", "--now", NOW, "--control", "acme/drills", "--api-url", &emulator.url(), "--scenarios"])
        .arg(seed.path().join("scenarios"))
        .arg("--workdir")
        .arg(work.path())
        .env("FIREDRILL_TOKEN", &token));
    assert_eq!(code, 0, "{out}{err}");
    let sent = std::fs::read_to_string(&exchanges)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            // Object ids differ between ledgers; the shape of each request does not.
            let path: Vec<&str> = (v["path"].as_str().unwrap().split('/'))
                .map(|s| if s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()) { "{id}" } else { s })
                .collect();
            format!("{} {}", v["method"].as_str().unwrap(), path.join("/"))
        })
        .collect();
    (sent, out)
}

#[test]
fn status_on_github_reads_the_index_and_the_active_logs_only() {
    let (few, few_table) = github_status(3);
    let (many, many_table) = github_status(40);
    assert_eq!(many_table.lines().count(), 42, "every drill is listed:\n{many_table}");
    assert_eq!(few_table.lines().count(), 5, "{few_table}");
    // The same requests whatever the number of finished drills: no finished drill's log is read.
    assert_eq!(few, many);
    let logs: Vec<&String> = many.iter().filter(|r| r.contains("events.jsonl")).collect();
    assert_eq!(logs, ["GET /repos/acme/drills/contents/drills/redis-pool-exhaustion-20261124T0900Z/events.jsonl"]);
    assert_eq!(
        many[..3],
        [
            "GET /repos/acme/drills/git/ref/heads/firedrill/ledger",
            "GET /repos/acme/drills/git/trees/{id}",
            "GET /repos/acme/drills/git/blobs/{id}"
        ],
        "the ref, the root tree, the index"
    );
    assert_eq!(many.len(), 4, "{many:#?}");
}
