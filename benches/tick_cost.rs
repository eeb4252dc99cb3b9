//! What a tick costs as the ledger and the base branch grow: `status` on plain git, from the index (as it runs)
//! and from every log folded (as it ran before the index), against git itself listing and reading the same
//! files, and where the indexed `status` spends its time; the statistics rebuilt when a drill ends (every log
//! folded); a tick's ledger read on GitHub (requests and time) against the ledger's size; and the requests
//! `Forge::history` sends on GitHub against the commits landed since the fault (what recovery detection walks
//! today).
//!
//! `cargo bench --bench tick_cost`. `FIREDRILL_BENCH_DRILLS=1000,10000` (plain git) and
//! `FIREDRILL_BENCH_GITHUB_DRILLS=0,20,200,2000` and `FIREDRILL_BENCH_COMMITS=50,200` choose the cases.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use firedrill::drill::event::{Event, EventKind, RecoveryHow, TargetRef};
use firedrill::drill::state::Drill;
use firedrill::forge::Forge as _;
use firedrill::forge::github::GitHubForge;
use firedrill::git::{CommitSha, FileChange, Identity, Repo, Token};
use firedrill::ledger::{INDEX_FILE, Index, Ledger};
use firedrill::render::status::{Row, table};
use jiff::Timestamp;

const BRANCH: &str = "firedrill/ledger";

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn log(id: &str, i: usize) -> Vec<Event> {
    let ev = |time: &str, kind| Event::new(t(time), "firedrill", "tick", kind);
    let target = TargetRef { repo: None, branch: "main".into(), path: "charts/checkout/values-staging.yaml".into() };
    vec![
        ev(
            "2026-11-23T12:00:00Z",
            EventKind::Planned {
                scenario: format!("scenario-{}", i % 7).parse().unwrap(),
                target,
                occurrence: t("2026-11-24T09:00:00Z"),
                open_at: t("2026-11-24T08:00:00Z"),
                merge_at: t("2026-11-24T10:37:00Z"),
            },
        ),
        ev(
            "2026-11-24T08:00:00Z",
            EventKind::Opened {
                branch: format!("chore/tune-{i}"),
                commit: sha('c'),
                base: sha('b'),
                change: firedrill::drill::event::ChangeId(format!("chore/tune-{i}")),
                variant: None,
                gate: None,
            },
        ),
        ev("2026-11-24T10:37:00Z", EventKind::Merged { commit: sha('e') }),
        ev("2026-11-24T11:55:00Z", EventKind::Recovered { commit: sha('f'), how: RecoveryHow::Revert }),
        ev("2026-11-24T12:00:00Z", EventKind::Reported { path: format!("drills/{id}/report.md") }),
    ]
}

/// A repository at `dir` whose ledger branch holds `n` finished drills (log and report each) and their index.
fn ledger_repo(dir: &Path, n: usize, bare: bool) -> CommitSha {
    let repo = if bare { Repo::init_bare(dir).unwrap() } else { Repo::init(dir).unwrap() };
    let who = Identity::new("firedrill", "firedrill@example.com", t("2026-11-24T12:00:00Z"));
    let main = repo.write_commit(None, &[FileChange::write("README.md", "drills\n")], "init\n", &who, &who).unwrap();
    repo.update_ref("refs/heads/main", &main, None, "bench").unwrap();
    repo.set_head("refs/heads/main").unwrap();
    let mut logs = BTreeMap::new();
    let mut files = Vec::new();
    for i in 0..n {
        let id = format!("scenario-{}-{i:05}-20261124T0900Z", i % 7);
        let events = log(&id, i);
        files.push(FileChange::write(
            format!("drills/{id}/events.jsonl"),
            events.iter().map(|e| format!("{}\n", e.to_line())).collect::<String>(),
        ));
        files.push(FileChange::write(format!("drills/{id}/report.md"), format!("# Drill {id}\n\nRecovered.\n")));
        logs.insert(id, events);
    }
    let without = repo.write_commit(None, &files, "ledger\n", &who, &who).unwrap();
    let index = Index::fold(&logs, repo.entry_id(&without, "drills").unwrap());
    files.push(FileChange::write(INDEX_FILE, index.to_text()));
    let tip = repo.write_commit(None, &files, "ledger\n", &who, &who).unwrap();
    repo.update_ref(&format!("refs/heads/{BRANCH}"), &tip, None, "bench").unwrap();
    let status = Command::new("git").args(["repack", "-adq"]).current_dir(repo.git_dir()).status().unwrap();
    assert!(status.success());
    tip
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn list(var: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(var)
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

/// Best of `runs`, in milliseconds.
fn best(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let t0 = Instant::now();
            f();
            ms(t0)
        })
        .fold(f64::INFINITY, f64::min)
}

/// The `status` table of a ledger read as `firedrill status` reads it: the drills with work left folded from
/// their logs, every other drill from the index's summary.
fn status_from_the_index(ledger: &Ledger, rt: &tokio::runtime::Runtime) -> String {
    let active = rt.block_on(ledger.read_active()).unwrap();
    assert!(!active.rebuilt, "the index is fresh");
    let drills: Vec<Drill> = (active.logs.iter())
        .filter_map(|(id, l)| Drill::fold(&firedrill::schedule::DrillId::parse(id).ok()?, l))
        .collect();
    let mut rows: Vec<_> = drills.iter().map(|d| (None, Row::from(d))).collect();
    rows.extend(
        (active.index.drills.iter())
            .filter(|(id, _)| !active.logs.contains_key(*id))
            .filter_map(|(id, s)| Row::summed(id, s))
            .map(|row| (None, row)),
    );
    table(&rows, t("2026-11-25T00:00:00Z"))
}

/// A ledger of `n` finished drills in a bare repository (`control.git` in `dir`), and its tip.
struct PlainLedger {
    n: usize,
    dir: tempfile::TempDir,
    tip: CommitSha,
}

impl PlainLedger {
    fn control(&self) -> std::path::PathBuf {
        self.dir.path().join("control.git")
    }
}

/// The plain git ledgers of every size, built before anything is timed. Building one writes tens of thousands
/// of loose objects that `git repack -d` then deletes; ext4 allocates inodes slowly for a while after such a
/// mass deletion (`recently_deleted`), which would bill the fresh working copies timed right after it (every
/// `Ledger::new` creates a repository) for the bench's own set-up. Hence the pause.
fn plain_ledgers() -> Vec<PlainLedger> {
    let ledgers: Vec<PlainLedger> = list("FIREDRILL_BENCH_DRILLS", &[1_000, 10_000])
        .into_iter()
        .map(|n| {
            let dir = tempfile::tempdir().unwrap();
            let tip = ledger_repo(&dir.path().join("control.git"), n, true);
            PlainLedger { n, dir, tip }
        })
        .collect();
    if !ledgers.is_empty() {
        std::thread::sleep(std::time::Duration::from_secs(35));
    }
    ledgers
}

fn plain_git(ledgers: &[PlainLedger], rt: &tokio::runtime::Runtime) {
    println!("\n### `status` on plain git (a local bare ledger, a fresh working copy each run; best of 3)\n");
    println!(
        "| drills | every log: read + fold + table | `status` from the index: read + table | `firedrill status` \
         (the binary, from the index) | git: ls-tree -r + cat-file --batch |"
    );
    println!("|---:|---:|---:|---:|---:|");
    let mut parts = Vec::new();
    for ledger in ledgers {
        let (n, control, tip, dir) = (ledger.n, ledger.control(), &ledger.tip, &ledger.dir);
        let url = control.display().to_string();
        let fd = best(3, || {
            // A fresh working copy each time, as on a CI runner.
            let work = tempfile::tempdir().unwrap();
            let ledger = Ledger::new(&url, BRANCH, work.path(), None).unwrap();
            let snapshot = rt.block_on(ledger.read()).unwrap();
            let drills: Vec<Drill> = snapshot
                .logs
                .iter()
                .filter_map(|(id, l)| Drill::fold(&firedrill::schedule::DrillId::parse(id).ok()?, l))
                .collect();
            let rows: Vec<_> = drills.iter().map(|d| (None, Row::from(d))).collect();
            let table = table(&rows, t("2026-11-25T00:00:00Z"));
            assert_eq!(drills.len(), n);
            assert!(table.len() > n);
        });
        let indexed = best(3, || {
            let work = tempfile::tempdir().unwrap();
            let ledger = Ledger::new(&url, BRANCH, work.path(), None).unwrap();
            assert_eq!(status_from_the_index(&ledger, rt).lines().count(), n + 1);
        });
        let scenarios = dir.path().join("scenarios");
        std::fs::create_dir_all(&scenarios).unwrap();
        let binary = best(3, || {
            let work = tempfile::tempdir().unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_firedrill"))
                .args(["status", "--now", "2026-11-25T00:00:00Z", "--control", &url, "--scenarios"])
                .arg(&scenarios)
                .arg("--workdir")
                .arg(work.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(out.stdout.iter().filter(|b| **b == b'\n').count(), n + 1);
        });
        let git = best(3, || {
            let listing = Command::new("git")
                .args(["ls-tree", "-r", "--format=%(objectname)", tip.as_str(), "drills"])
                .current_dir(&control)
                .output()
                .unwrap();
            let mut cat = Command::new("git")
                .args(["cat-file", "--batch"])
                .current_dir(&control)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            // Fed from another thread: git answers while it reads, and a full pipe would block both sides.
            let mut stdin = cat.stdin.take().unwrap();
            let feed = std::thread::spawn(move || {
                use std::io::Write as _;
                stdin.write_all(&listing.stdout).unwrap();
            });
            let out = cat.wait_with_output().unwrap();
            feed.join().unwrap();
            assert!(out.stdout.len() > n * 100);
        });
        println!("| {n} | {fd:.0} ms | {indexed:.0} ms | {binary:.0} ms | {git:.0} ms |");
        parts.push((n, status_parts(&control, &url, tip, rt)));
    }
    println!("\nWhere `status` from the index spends its time (best of 3):\n");
    println!("| drills | `index.json` | fetch the tip | read `index.json` | parse it | `read_active` | table |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for (n, p) in parts {
        println!(
            "| {n} | {:.1} MB | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms |",
            p[0] / 1e6,
            p[1],
            p[2],
            p[3],
            p[4],
            p[5]
        );
    }
}

/// The parts of `status` from the index, each timed alone: the index's size (bytes), fetching the ledger's tip
/// into a fresh working copy, reading `index.json` from it, parsing it, `read_active` (all three), rendering.
/// What a drill's end costs on top of its report at `n` drills: every log read and folded (the statistics
/// need each drill's commands and hints, which the index does not hold), then the badges, history page and
/// `stats.json` rendered from them (`ledger_artifacts`).
fn statistics(ledgers: &[PlainLedger], rt: &tokio::runtime::Runtime) {
    println!("\n### The statistics rebuilt when a drill ends, on plain git (best of 3)\n");
    println!("| drills | read + fold every log | badges, `index.html`, `stats.json` from the folded drills |");
    println!("|---:|---:|---:|");
    for ledger in ledgers {
        let n = ledger.n;
        let url = ledger.control().display().to_string();
        let mut drills = Vec::new();
        let read = best(3, || {
            let work = tempfile::tempdir().unwrap();
            let ledger = Ledger::new(&url, BRANCH, work.path(), None).unwrap();
            let logs = rt.block_on(ledger.read()).unwrap().logs;
            drills = (logs.iter())
                .filter_map(|(id, l)| Drill::fold(&firedrill::schedule::DrillId::parse(id).ok()?, l))
                .collect::<Vec<Drill>>();
        });
        let config = firedrill::scenario::Config::default();
        let links = firedrill::render::Links::default();
        let render = best(3, || {
            let files = firedrill::render::ledger_artifacts(&drills, &[], &config, t("2026-11-25T00:00:00Z"), &links);
            let stats = firedrill::render::ledger::public("stats.json");
            assert!(files.iter().any(|(path, text)| *path == stats && text.len() > n * 100));
        });
        println!("| {n} | {read:.0} ms | {render:.0} ms |");
    }
}

fn status_parts(control: &Path, url: &str, tip: &CommitSha, rt: &tokio::runtime::Runtime) -> [f64; 6] {
    let repo = Repo::open(control).unwrap();
    let text = String::from_utf8(repo.read_file(tip, INDEX_FILE).unwrap().unwrap()).unwrap();
    let fetch = best(3, || {
        let work = tempfile::tempdir().unwrap();
        let fresh = Repo::init_bare(work.path()).unwrap();
        fresh.fetch_branch(url, BRANCH, "refs/firedrill/ledger", Some(std::num::NonZeroU32::MIN), None).unwrap();
    });
    let read = best(3, || {
        assert_eq!(repo.read_file(tip, INDEX_FILE).unwrap().unwrap().len(), text.len());
    });
    let parse = best(3, || {
        assert!(Index::parse(&text).is_some());
    });
    let read_active = best(3, || {
        let work = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(url, BRANCH, work.path(), None).unwrap();
        assert!(!rt.block_on(ledger.read_active()).unwrap().rebuilt);
    });
    let index = Index::parse(&text).unwrap();
    let render = best(3, || {
        let rows: Vec<_> =
            index.drills.iter().filter_map(|(id, s)| Row::summed(id, s)).map(|row| (None, row)).collect();
        assert!(table(&rows, t("2026-11-25T00:00:00Z")).len() > index.drills.len());
    });
    [text.len() as f64, fetch, read, parse, read_active, render]
}

fn github(rt: &tokio::runtime::Runtime) {
    println!("\n### A tick's ledger read on GitHub (the emulator over HTTP), every drill finished\n");
    println!("| drills | `read_active` (a tick's read): requests | time | `read` (every log): requests | time |");
    println!("|---:|---:|---:|---:|---:|");
    for n in list("FIREDRILL_BENCH_GITHUB_DRILLS", &[0, 20, 200, 2_000]) {
        let state = tempfile::tempdir().unwrap();
        let emulator = github_emulator::Emulator::start(github_emulator::Config::new(state.path())).unwrap();
        let seed = tempfile::tempdir().unwrap();
        ledger_repo(seed.path(), n, false);
        emulator.create_repo("acme/drills", Some(seed.path()), true).unwrap();
        let token = Token::new(emulator.user_with_token("sam").unwrap());
        emulator.set_permission("acme/drills", "sam", "write").unwrap();
        let ledger = || Ledger::github(GitHubForge::new(&emulator.url(), &token, "acme/drills").unwrap(), BRANCH);
        let a = ledger();
        let t0 = Instant::now();
        let active = rt.block_on(a.read_active()).unwrap();
        let active_ms = ms(t0);
        assert!(!active.rebuilt && active.logs.is_empty() && active.index.drills.len() == n);
        let r = ledger();
        let t0 = Instant::now();
        assert_eq!(rt.block_on(r.read()).unwrap().logs.len(), n);
        let read_ms = ms(t0);
        println!("| {n} | {} | {active_ms:.0} ms | {} | {read_ms:.0} ms |", a.requests(), r.requests());
    }
}

fn history(rt: &tokio::runtime::Runtime) {
    println!("\n### `Forge::history` on GitHub against commits landed since the fault (an active drill's walk)\n");
    println!("| commits since the fault | requests | time |");
    println!("|---:|---:|---:|");
    for n in list("FIREDRILL_BENCH_COMMITS", &[50, 200]) {
        let state = tempfile::tempdir().unwrap();
        let emulator = github_emulator::Emulator::start(github_emulator::Config::new(state.path())).unwrap();
        let seed = tempfile::tempdir().unwrap();
        let repo = Repo::init(seed.path()).unwrap();
        let who = Identity::new("Sam", "sam@acme.example", t("2026-11-24T10:00:00Z"));
        let fault =
            repo.write_commit(None, &[FileChange::write("values.yaml", "pool: 0\n")], "fault\n", &who, &who).unwrap();
        let mut tip = fault.clone();
        for i in 0..n {
            let change = FileChange::write(format!("notes/{i}.md"), "x\n");
            tip = repo.write_commit(Some(&tip), &[change], &format!("change {i}\n"), &who, &who).unwrap();
        }
        repo.update_ref("refs/heads/main", &tip, None, "bench").unwrap();
        repo.set_head("refs/heads/main").unwrap();
        emulator.create_repo("acme/shop", Some(seed.path()), true).unwrap();
        let token = Token::new(emulator.user_with_token("sam").unwrap());
        emulator.set_permission("acme/shop", "sam", "write").unwrap();
        let forge = GitHubForge::new(&emulator.url(), &token, "acme/shop").unwrap();
        let t0 = Instant::now();
        assert_eq!(rt.block_on(forge.history("main", &fault)).unwrap().len(), n);
        println!("| {n} | {} | {:.0} ms |", forge.requests(), ms(t0));
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let ledgers = plain_ledgers();
    plain_git(&ledgers, &rt);
    statistics(&ledgers, &rt);
    github(&rt);
    history(&rt);
}

fn sha(c: char) -> firedrill::git::CommitSha {
    firedrill::git::CommitSha::parse(&c.to_string().repeat(40)).unwrap()
}
