//! The ledger's index on GitHub (the emulator): a tick's read costs the same three requests whatever the number
//! of finished drills, every write keeps the index in the same commit, and a stale index is never trusted.

use firedrill::drill::event::{Event, EventKind, RecoveryHow, TargetRef};
use firedrill::forge::github::GitHubForge;
use firedrill::git::{FileChange, Identity, Repo, Token};
use firedrill::ledger::{INDEX_FILE, Index, Ledger, Write};
use jiff::Timestamp;

const BRANCH: &str = "firedrill/ledger";

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn ev(time: &str, kind: EventKind) -> Event {
    Event::new(t(time), "firedrill", "tick", kind)
}

fn planned() -> Event {
    let target = TargetRef { repo: Some("acme/shop".into()), branch: "main".into(), path: "values.yaml".into() };
    ev(
        "2026-11-23T12:00:00Z",
        EventKind::Planned {
            scenario: "redis".parse().unwrap(),
            target,
            occurrence: t("2026-11-24T09:00:00Z"),
            open_at: t("2026-11-24T08:00:00Z"),
            merge_at: t("2026-11-24T10:37:00Z"),
        },
    )
}

/// A finished drill's log: merged, recovered by a revert, reported.
fn finished(id: &str) -> Vec<Event> {
    vec![
        planned(),
        ev(
            "2026-11-24T10:37:00Z",
            EventKind::Merged { commit: firedrill::git::CommitSha::parse(&"e".repeat(40)).unwrap() },
        ),
        ev(
            "2026-11-24T11:55:00Z",
            EventKind::Recovered {
                commit: firedrill::git::CommitSha::parse(&"e".repeat(40)).unwrap(),
                how: RecoveryHow::Revert,
            },
        ),
        ev("2026-11-24T12:00:00Z", EventKind::Reported { path: format!("drills/{id}/report.md") }),
    ]
}

fn text(log: &[Event]) -> String {
    log.iter().map(|e| format!("{}\n", e.to_line())).collect()
}

/// A control repository whose ledger branch holds `finished` finished drills and one active (`active-0`),
/// written without an index, as a ledger from before the index is.
fn seed(dir: &std::path::Path, finished_drills: usize) {
    let repo = Repo::init(dir).unwrap();
    let who = Identity::new("Sam", "sam@acme.example", t("2026-11-16T12:00:00Z"));
    let main = repo.write_commit(None, &[FileChange::write("README.md", "drills\n")], "init\n", &who, &who).unwrap();
    repo.update_ref("refs/heads/main", &main, None, "test").unwrap();
    repo.set_head("refs/heads/main").unwrap();
    let mut files: Vec<FileChange> = (0..finished_drills)
        .map(|i| {
            FileChange::write(
                format!("drills/done-{i:04}-20261124T0900Z/events.jsonl"),
                text(&finished(&format!("done-{i:04}-20261124T0900Z"))),
            )
        })
        .collect();
    files.push(FileChange::write("drills/active-0-20261124T0900Z/events.jsonl", text(&[planned()])));
    let ledger = repo.write_commit(None, &files, "ledger\n", &who, &who).unwrap();
    repo.update_ref(&format!("refs/heads/{BRANCH}"), &ledger, None, "test").unwrap();
}

struct Control {
    emulator: github_emulator::Running,
    token: String,
    _state: tempfile::TempDir,
    _seed: tempfile::TempDir,
}

impl Control {
    fn new(finished_drills: usize) -> Control {
        let state = tempfile::tempdir().unwrap();
        let emulator = github_emulator::Emulator::start(github_emulator::Config::new(state.path())).unwrap();
        let seed_dir = tempfile::tempdir().unwrap();
        seed(seed_dir.path(), finished_drills);
        emulator.create_repo("acme/drills", Some(seed_dir.path()), true).unwrap();
        let token = emulator.user_with_token("sam").unwrap();
        emulator.set_permission("acme/drills", "sam", "write").unwrap();
        Control { emulator, token, _state: state, _seed: seed_dir }
    }

    /// A ledger as a new run makes it (nothing cached, requests counted from 0).
    fn ledger(&self) -> Ledger {
        let forge = GitHubForge::new(&self.emulator.url(), &Token::new(self.token.clone()), "acme/drills").unwrap();
        Ledger::github(forge, BRANCH)
    }

    /// The emulator's own copy of the control repository.
    fn repo(&self) -> Repo {
        Repo::open(&self.emulator.state_dir().join("repos/acme/drills.git")).unwrap()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn an_idle_read_costs_three_requests_whatever_the_number_of_finished_drills() {
    let rt = runtime();
    for finished_drills in [0, 20, 200] {
        let control = Control::new(finished_drills);
        // Without an index: every log is read once, and the index is folded from them.
        let ledger = control.ledger();
        let active = rt.block_on(ledger.read_active()).unwrap();
        assert!(active.rebuilt);
        assert_eq!(active.index.drills.len(), finished_drills + 1);
        assert_eq!(active.logs.keys().collect::<Vec<_>>(), ["active-0-20261124T0900Z"]);
        // The ref, the root tree (no index there), the `drills/` listing and each log.
        assert_eq!(ledger.requests(), 3 + finished_drills + 1, "{finished_drills} finished drills");
        let repaired =
            rt.block_on(ledger.repair_index(("firedrill", "firedrill@example.com"), t("2026-11-25T00:00:00Z")));
        assert!(repaired.unwrap().is_some(), "the index is written");

        // With it: the ref, the root tree, the index, and the one active drill's log.
        let ledger = control.ledger();
        let active = rt.block_on(ledger.read_active()).unwrap();
        assert!(!active.rebuilt);
        assert_eq!(active.logs.keys().collect::<Vec<_>>(), ["active-0-20261124T0900Z"]);
        assert_eq!(active.logs["active-0-20261124T0900Z"], [planned()]);
        assert_eq!(active.index.drills.len(), finished_drills + 1);
        assert_eq!(ledger.requests(), 4, "{finished_drills} finished drills");
        // Read again in the same run: cached.
        rt.block_on(ledger.read_active()).unwrap();
        assert_eq!(ledger.requests(), 4);
        // The full read still returns every log, unchanged.
        let all = rt.block_on(control.ledger().read()).unwrap();
        assert_eq!(all.logs.len(), finished_drills + 1);
    }
}

#[test]
fn every_write_keeps_the_index_in_its_commit_and_a_stale_index_is_rebuilt_from_the_logs() {
    let rt = runtime();
    let control = Control::new(3);
    let who = &firedrill::person::Person::new("firedrill", "firedrill@example.com");
    let ledger = control.ledger();
    // A write onto a ledger without an index stores one, folded from every log, in the same commit.
    let abort = ev("2026-11-24T09:30:00Z", EventKind::Aborted { reason: "a real incident".into() });
    let write = Write { events: vec![("active-0-20261124T0900Z".into(), abort.clone())], files: Vec::new() };
    let written = rt.block_on(ledger.write(&write, "abort\n", who, t("2026-11-24T09:30:00Z"))).unwrap();
    let commit = written.commit.unwrap();
    let repo = control.repo();
    let index =
        Index::parse(&String::from_utf8(repo.read_file(&commit, INDEX_FILE).unwrap().unwrap()).unwrap()).unwrap();
    assert_eq!(index.drills_tree, repo.entry_id(&commit, "drills").unwrap(), "the index names its drills/ tree");
    assert_eq!(index.drills.len(), 4);
    let summary = &index.drills["active-0-20261124T0900Z"];
    assert_eq!((summary.phase.as_str(), summary.events), ("aborted", 2));
    assert!(summary.is_active(), "aborted but not reported yet");

    // A write with the index fresh reads only the logs it appends to.
    let ledger = control.ledger();
    let report = ev("2026-11-24T09:31:00Z", EventKind::Reported { path: "drills/active-0/report.md".into() });
    let write = Write { events: vec![("active-0-20261124T0900Z".into(), report)], files: Vec::new() };
    let commit = rt.block_on(ledger.write(&write, "report\n", who, t("2026-11-24T09:31:00Z"))).unwrap().commit.unwrap();
    // The ref, the root tree, the index, the log; two trees, the commit, the ref.
    assert_eq!(ledger.requests(), 8);
    // An idle read: every drill finished, so the ref, the root tree and the index.
    let idle = control.ledger();
    let active = rt.block_on(idle.read_active()).unwrap();
    assert!(!active.rebuilt);
    assert!(active.logs.is_empty(), "every drill is finished: {:?}", active.logs.keys());
    assert_eq!(idle.requests(), 3);

    // Someone edits a log by hand, without the index: the index no longer matches the drills/ tree, so the
    // logs are read and win.
    let who_by_hand = Identity::new("Ana", "ana@acme.example", t("2026-11-24T10:00:00Z"));
    let unreported = text(&finished("done-0001-20261124T0900Z")[..3]);
    let by_hand = repo
        .write_commit(
            Some(&commit),
            &[FileChange::write("drills/done-0001-20261124T0900Z/events.jsonl", unreported)],
            "by hand\n",
            &who_by_hand,
            &who_by_hand,
        )
        .unwrap();
    repo.update_ref(&format!("refs/heads/{BRANCH}"), &by_hand, Some(&commit), "test").unwrap();
    let active = rt.block_on(control.ledger().read_active()).unwrap();
    assert!(active.rebuilt, "a stale index is not trusted");
    assert_eq!(
        active.logs.keys().collect::<Vec<_>>(),
        ["done-0001-20261124T0900Z"],
        "recovered but no longer reported"
    );
    assert_eq!(active.index.drills["done-0001-20261124T0900Z"].events, 3);
}

/// `n` ended drills of the scenario `warmup` written to the fixture's ledger through the API, as earlier drills
/// leave it (the index and the public files included).
fn seed_ended(f: &crate::github_drill::Fixture, n: usize) {
    let forge = GitHubForge::new(&f.emulator.url(), &Token::new(f.token.clone()), "acme/drills").unwrap();
    let ledger = Ledger::github(forge, BRANCH).publishing(Box::new(|ended, now| {
        let config = firedrill::scenario::Config::default();
        firedrill::render::ledger::public_files(ended, &[], &config, now, &firedrill::render::Links::default())
    }));
    let target = TargetRef { repo: Some("acme/shop".into()), branch: "main".into(), path: "values.yaml".into() };
    let commit = firedrill::git::CommitSha::parse(&"e".repeat(40)).unwrap();
    let mut events = Vec::new();
    for i in 0..n {
        let id = format!("warmup-2026{:02}{:02}T0900Z", 1 + i / 28 % 10, 1 + i % 28);
        let id = format!("{id}{}", if i >= 280 { "-b" } else { "" });
        let day = t("2026-01-01T09:00:00Z");
        let planned = EventKind::Planned {
            scenario: "warmup".parse().unwrap(),
            target: target.clone(),
            occurrence: day,
            open_at: day,
            merge_at: day,
        };
        let at = |m: i64| day.checked_add(jiff::SignedDuration::from_mins(m)).unwrap().to_string();
        for (m, kind) in [
            (0, planned),
            (1, EventKind::Merged { commit: commit.clone() }),
            (30 + i as i64 % 60, EventKind::Recovered { commit: commit.clone(), how: RecoveryHow::Revert }),
            (100, EventKind::Reported { path: format!("drills/{id}/report.md") }),
        ] {
            events.push((id.clone(), ev(&at(m), kind)));
        }
    }
    let who = firedrill::person::Person::new("firedrill", "firedrill@example.com");
    let write = Write { events, files: Vec::new() };
    rt().block_on(ledger.write(&write, "earlier drills\n", &who, t("2026-11-01T00:00:00Z"))).unwrap();
}

fn rt() -> tokio::runtime::Runtime {
    runtime()
}

/// The requests of a tick, from its last line.
fn requests(out: &str) -> usize {
    out.lines().find_map(|l| l.strip_prefix("GitHub API requests: ")).unwrap().parse().unwrap()
}

/// The public files on the ledger branch's tip, concatenated.
fn public_text(f: &crate::github_drill::Fixture) -> String {
    let control = Repo::open(&f.state.path().join("repos/acme/drills.git")).unwrap();
    let tip = control.branch_head(BRANCH).unwrap().unwrap();
    let mut all = String::new();
    for path in ["docs/index.html", "docs/history.md", "docs/stats.json", "docs/badges/days-since-drill.svg"] {
        let text = control.read_file(&tip, path).unwrap().unwrap_or_else(|| panic!("{path} is on the ledger branch"));
        all.push_str(&String::from_utf8(text).unwrap());
    }
    all
}

/// Issue 32, item 3, through the binary: while a drill runs, the public files name nothing of it; once it has
/// ended they list it; and the tick that ends it (the revert at the time limit, the report and the public files)
/// costs the same requests with 3 earlier drills in the ledger as with 300.
#[test]
fn public_files_show_only_ended_drills_and_a_report_costs_the_same_with_3_or_300_drills() {
    let mut costs = Vec::new();
    for earlier in [3, 300] {
        let f = crate::github_drill::Fixture::new();
        seed_ended(&f, earlier);
        let before = public_text(&f);
        assert!(before.contains("warmup"), "the earlier drills are public");
        let id = f.plan.drill_id.to_string();
        f.tick(f.plan.open_at);
        f.tick(f.plan.merge_at);
        // Running: the public files are byte for byte what they were before the drill opened.
        assert_eq!(public_text(&f), before, "{earlier}: the public files changed while the drill ran");
        let out = f.tick(crate::github_drill::after(f.plan.merge_at, 181));
        assert!(f.names().contains(&"reported"), "{out}");
        costs.push(requests(&out));
        // Ended: now it is listed.
        let after = public_text(&f);
        assert!(after.contains(&id) && after.contains("redis-pool-exhaustion"), "{earlier}: {after}");
    }
    let (few, many) = (costs[0], costs[1]);
    eprintln!(
        "the tick that reverts at the time limit and writes the report: {few} requests (3 earlier drills), {many} (300)"
    );
    assert!(few.abs_diff(many) <= 2, "the tick that writes the report: {few} requests with 3 drills, {many} with 300");
}
