//! Reliability of the real binary under races and crashes: concurrent ticks (2, 4, 8 processes) on both forges,
//! SIGKILL at seeded random instants followed by one normal tick, damaged and deleted drill logs, and a control
//! repository that does not exist. Trial counts grow with `FIREDRILL_SOAK_TRIALS` (a soak run).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use firedrill::drill::event::{Event, parse_log};
use firedrill::git::{CommitSha, FileChange, Identity, Repo};
use firedrill::scenario::builder::ScenarioBuilder;
use firedrill::schedule::Plan;
use jiff::Timestamp;

use crate::common::{drill_command, firedrill, run};
use crate::lifecycle::after;
use crate::support::git_http::GitHttp;

const TOKEN: &str = "ghs_reliabilityTestToken0123456789";
const VALUES: &str = "charts/checkout/values-staging.yaml";
const LEDGER: &str = "firedrill/ledger";

/// `n` trials, or as many as `$var` (else `FIREDRILL_SOAK_TRIALS`) says, for a soak run.
fn trials(var: &str, n: usize) -> usize {
    let read = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
    read(var).or_else(|| read("FIREDRILL_SOAK_TRIALS")).unwrap_or(n)
}

/// splitmix64: a seeded generator, so a failing trial can be replayed (`FIREDRILL_KILL_SEED`).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A duration drawn uniformly in `[0, span]`.
    fn within(&mut self, span: Duration) -> Duration {
        let ms = u64::try_from(span.as_millis()).unwrap().max(1);
        Duration::from_millis(self.next() % (ms + 1))
    }
}

/// Where the repositories are served from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Served {
    /// Bare repositories given as paths (pushed into in place).
    Path,
    /// The same, behind `git http-backend` over smart HTTP.
    Http,
}

/// A control repository and one or more target repositories (bare, on this machine), one scenario per target,
/// and a workspace.
struct Drill {
    /// Kept alive for the fixture's life (dropping it stops the server).
    _server: Option<GitHttp>,
    _repos: tempfile::TempDir,
    dir: tempfile::TempDir,
    /// (url, path on disk) of the control repository and of each target.
    control: (String, PathBuf),
    targets: Vec<(String, PathBuf)>,
    /// The first scenario's plan (every scenario has the seed's schedule).
    plan: Plan,
    original: String,
}

/// The seed scenario under id `id`, aimed at `repo`.
fn scenario(id: &str, repo: &str) -> String {
    ScenarioBuilder::seed().repo(repo).yaml().replacen("id: redis-pool-exhaustion\n", &format!("id: {id}\n"), 1)
}

impl Drill {
    fn new(served: Served, targets: usize) -> Drill {
        let repos = tempfile::tempdir().unwrap();
        let server = (served == Served::Http).then(|| GitHttp::start(TOKEN));
        let make = |name: &str| -> (String, PathBuf) {
            match &server {
                Some(s) => (s.url(name), s.create_repo(name)),
                None => {
                    let path = repos.path().join(format!("{name}.git"));
                    Repo::init_bare(&path).unwrap();
                    (path.display().to_string(), path)
                }
            }
        };
        let control = make("control");
        let original = std::fs::read_to_string(crate::common::root().join("examples").join(VALUES)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
        let mut made = Vec::new();
        for i in 0..targets {
            let target = make(&format!("target{i}"));
            let repo = Repo::open(&target.1).unwrap();
            let who = Identity::new("Sam Rivera", "sam@acme.example", "2026-11-16T12:00:00Z".parse().unwrap());
            let c = repo.write_commit(None, &[FileChange::write(VALUES, original.clone())], "Staging\n", &who, &who);
            repo.update_ref("refs/heads/main", &c.unwrap(), None, "test: initial commit").unwrap();
            let id = if i == 0 { "redis-pool-exhaustion".to_owned() } else { format!("redis-pool-{i}") };
            std::fs::write(dir.path().join(format!("scenarios/{id}.yaml")), scenario(&id, &target.0)).unwrap();
            made.push(target);
        }
        let text = std::fs::read_to_string(dir.path().join("scenarios/redis-pool-exhaustion.yaml")).unwrap();
        let s = firedrill::scenario::load(Path::new("redis.yaml"), &text).unwrap();
        let plan = firedrill::drill::prepare::plan(&s, "2026-11-23T12:00:00Z".parse().unwrap()).unwrap().unwrap();
        Drill { _server: server, _repos: repos, dir, control, targets: made, plan, original }
    }

    /// `firedrill ARGS --now NOW` in working folder `work`.
    fn command(&self, args: &[&str], now: Timestamp, work: &Path) -> Command {
        let mut cmd = drill_command(args, &self.dir.path().join("scenarios"), &self.control.0, &now.to_string(), work);
        cmd.env("FIREDRILL_TOKEN", TOKEN);
        cmd
    }

    /// The shared working folder every run of this fixture uses unless told otherwise.
    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn tick(&self, now: Timestamp) -> (i32, String, String) {
        run(&mut self.command(&["tick"], now, &self.work()))
    }

    fn control(&self) -> Repo {
        Repo::open(&self.control.1).unwrap()
    }

    /// The raw log of `drill` on the ledger branch, if any.
    fn log_text(&self, drill: &str) -> Option<String> {
        let control = self.control();
        let tip = control.branch_head(LEDGER).unwrap()?;
        let bytes = control.read_file(&tip, &format!("drills/{drill}/events.jsonl")).unwrap()?;
        Some(String::from_utf8(bytes).unwrap())
    }

    fn events_of(&self, drill: &str) -> Vec<Event> {
        self.log_text(drill).map(|t| parse_log(&t).unwrap()).unwrap_or_default()
    }

    fn names_of(&self, drill: &str) -> Vec<&'static str> {
        self.events_of(drill).iter().map(|e| e.kind.name()).collect()
    }

    fn names(&self) -> Vec<&'static str> {
        self.names_of(self.plan.drill_id.as_str())
    }

    /// Replaces the ledger's `drills/<drill>/events.jsonl` by hand (`None`: deletes it), as a bad edit would.
    fn damage_log(&self, drill: &str, text: Option<&str>) {
        let control = self.control();
        let tip = control.branch_head(LEDGER).unwrap().unwrap();
        let path = format!("drills/{drill}/events.jsonl");
        let change = match text {
            Some(t) => FileChange::write(path, t.to_owned()),
            None => FileChange::delete(path),
        };
        let who = Identity::new("Kim", "kim@acme.example", "2026-11-24T12:00:00Z".parse().unwrap());
        let c = control.write_commit(Some(&tip), &[change], "edit the log by hand\n", &who, &who).unwrap();
        control.update_ref(&format!("refs/heads/{LEDGER}"), &c, Some(&tip), "test: a hand edit").unwrap();
    }

    fn target(&self, i: usize) -> Repo {
        Repo::open(&self.targets[i].1).unwrap()
    }

    fn main_of(&self, i: usize) -> CommitSha {
        self.target(i).branch_head("main").unwrap().unwrap()
    }

    /// The values file on target `i`'s `main`.
    fn values(&self, i: usize) -> String {
        String::from_utf8(self.target(i).read_file(&self.main_of(i), VALUES).unwrap().unwrap()).unwrap()
    }

    /// How many commits are on target `i`'s first-parent chain of `main` (1: only the initial commit).
    fn main_length(&self, i: usize) -> usize {
        let repo = self.target(i);
        let (mut n, mut tip) = (0, Some(self.main_of(i)));
        while let Some(c) = tip {
            n += 1;
            tip = repo.commit_info(&c).unwrap().parents.first().cloned();
        }
        n
    }

    /// The branches of target `i` other than `main`.
    fn drill_branches(&self, i: usize) -> Vec<String> {
        let heads = self.targets[i].1.join("refs/heads");
        let mut out = Vec::new();
        let mut stack = vec![heads.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else if !e.file_name().to_string_lossy().ends_with(".lock") {
                    out.push(e.path().strip_prefix(&heads).unwrap().display().to_string());
                }
            }
        }
        let packed = std::fs::read_to_string(self.targets[i].1.join("packed-refs")).unwrap_or_default();
        out.extend(packed.lines().filter_map(|l| l.split_once(" refs/heads/")).map(|(_, b)| b.to_owned()));
        out.retain(|b| b != "main");
        out.sort();
        out.dedup();
        out
    }
}

/// Git lock files (`*.lock` but firedrill's own) under `dir`, outside `objects/`: a transfer killed midway
/// leaves a temporary pack there under a random name (`pack_git2_….idx.lock`), which no later write waits on
/// (and `git gc` prunes), unlike a reference's, `config`'s or `packed-refs`' lock.
fn git_locks(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                if name != "objects" {
                    stack.push(e.path());
                }
            } else if name.ends_with(".lock") && name != "firedrill.lock" {
                out.push(e.path());
            }
        }
    }
    out
}

/// Every event once: no two events of a log record the same lifecycle step.
fn assert_no_duplicate(events: &[Event]) {
    for (i, e) in events.iter().enumerate() {
        assert!(!e.already_in(&events[..i]), "event {i} ({}) is a duplicate: {events:#?}", e.kind.name());
    }
}

/// Starts `cmd` with its output captured.
fn spawn(mut cmd: Command) -> Child {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

/// Runs `n` commands at once; returns each (exit code, stdout + stderr).
fn all_at_once(cmds: impl Iterator<Item = Command>) -> Vec<(i32, String)> {
    let children: Vec<Child> = cmds.map(spawn).collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            (out.status.code().unwrap_or(-1), text)
        })
        .collect()
}

fn assert_all_succeeded(results: &[(i32, String)], what: &str) {
    for (i, (code, out)) in results.iter().enumerate() {
        assert_eq!(*code, 0, "{what}: process {i} of {} failed:\n{out}", results.len());
    }
}

/// The instant the safety timer reverts the seed drill (3 h after the merge).
fn past_deadline(plan: &Plan) -> Timestamp {
    after(plan.merge_at, 3 * 60 + 1)
}

/// `n` ticks at once at each lifecycle instant, sharing one working folder: none fails, and the drill is
/// opened, merged and reverted once, with every event once.
fn concurrent_ticks_converge(served: Served, n: usize) {
    let f = Drill::new(served, 1);
    let work = f.work();
    for (now, expected) in
        [(f.plan.open_at, &["planned", "opened"][..]), (f.plan.merge_at, &["planned", "opened", "merged"][..])]
    {
        let results = all_at_once((0..n).map(|_| f.command(&["tick"], now, &work)));
        assert_all_succeeded(&results, &format!("{served:?}, {n} ticks at {now}"));
        assert_eq!(f.names(), expected, "{served:?}, {n} ticks at {now}");
    }
    assert_eq!(f.main_length(0), 2, "{served:?}, {n}: exactly one merge landed on main");
    assert_eq!(f.drill_branches(0).len(), 1, "{served:?}, {n}: one drill branch");
    let results = all_at_once((0..n).map(|_| f.command(&["tick"], past_deadline(&f.plan), &work)));
    assert_all_succeeded(&results, &format!("{served:?}, {n} ticks past the deadline"));
    let events = f.events_of(f.plan.drill_id.as_str());
    assert_no_duplicate(&events);
    let names = f.names();
    assert_eq!(names.iter().filter(|n| **n == "recovered").count(), 1, "{names:?}");
    assert_eq!(names.last(), Some(&"reported"), "{names:?}");
    assert_eq!(f.main_length(0), 3, "{served:?}, {n}: one merge and one revert on main");
    assert_eq!(f.values(0), f.original, "the fault is reverted");
    assert!(git_locks(&work).is_empty(), "{:?}", git_locks(&work));
}

#[test]
fn concurrent_ticks_on_bare_path_repositories_never_fail_and_never_duplicate() {
    for n in [2, 4, 8] {
        concurrent_ticks_converge(Served::Path, n);
    }
}

#[test]
fn concurrent_ticks_over_smart_http_never_fail_and_never_duplicate() {
    for n in [2, 4, 8] {
        concurrent_ticks_converge(Served::Http, n);
    }
}

#[test]
fn concurrent_ticks_on_github_never_fail_and_never_duplicate() {
    for n in [2, 4, 8] {
        let f = crate::github_drill::Fixture::new();
        let work = f.dir.path().join("work");
        let tick = |now: Timestamp| {
            f.emulator.set_clock(&now.to_string()).unwrap();
            let results = all_at_once((0..n).map(|_| {
                let mut cmd = firedrill();
                cmd.arg("tick")
                    .arg("--scenarios")
                    .arg(f.dir.path().join("scenarios"))
                    .args(["--control", "acme/drills", "--api-url", &f.emulator.url(), "--now", &now.to_string()])
                    .arg("--workdir")
                    .arg(&work)
                    .args(["--identity", "Sam Rivera <sam@acme.example>"])
                    .env("FIREDRILL_TOKEN", &f.token);
                cmd
            }));
            assert_all_succeeded(&results, &format!("GitHub, {n} ticks at {now}"));
        };
        tick(f.plan.open_at);
        assert_eq!(f.names(), ["planned", "opened"]);
        tick(f.plan.merge_at);
        assert_eq!(f.names(), ["planned", "opened", "merged"], "GitHub, {n} ticks at the merge instant");
        let pulls = f.emulator.repo("acme/shop").state().unwrap().pulls;
        assert_eq!(pulls.len(), 1, "one pull request: {pulls:?}");
        assert!(pulls[0].merged_at.is_some(), "{pulls:?}");
        tick(past_deadline(&f.plan));
        let events = f.events();
        assert_no_duplicate(&events);
        let names = f.names();
        assert_eq!(names.iter().filter(|n| **n == "recovered").count(), 1, "{names:?}");
        assert_eq!(names.last(), Some(&"reported"), "{names:?}");
    }
}

/// Issue 13, item 1: two ticks at the merge instant on GitHub, where the loser's merge is refused ("not
/// mergeable"): the refusal is checked against the truth, so the drill is never recorded as abandoned.
#[test]
fn two_ticks_at_the_merge_instant_on_github_never_abandon_a_merged_fault() {
    for trial in 0..trials("FIREDRILL_MERGE_RACE_TRIALS", 12) {
        let f = crate::github_drill::Fixture::new();
        let (code, out, err) = f.firedrill(&["tick"], f.plan.open_at);
        assert_eq!(code, 0, "{out}{err}");
        f.emulator.set_clock(&f.plan.merge_at.to_string()).unwrap();
        let results = all_at_once((0..2).map(|_| {
            let mut cmd = firedrill();
            cmd.arg("tick")
                .arg("--scenarios")
                .arg(f.dir.path().join("scenarios"))
                .args(["--control", "acme/drills", "--api-url", &f.emulator.url()])
                .args(["--now", &f.plan.merge_at.to_string(), "--identity", "Sam Rivera <sam@acme.example>"])
                .env("FIREDRILL_TOKEN", &f.token);
            cmd
        }));
        assert_all_succeeded(&results, &format!("trial {trial}"));
        assert_eq!(f.names(), ["planned", "opened", "merged"], "trial {trial}: {results:?}");
    }
}

/// One trial: at each lifecycle instant a tick is killed (SIGKILL) after a random delay within the tick's
/// span, then one normal tick runs at the same instant and must succeed. At the end the fault is reverted and
/// reported, once, with no duplicate event, one merge and one revert on main, and no git lock left in the
/// working folder or the repositories. Returns how many ticks were killed before they finished.
fn kill_trial(served: Served, rng: &mut Rng, span: &mut Duration) -> usize {
    let f = Drill::new(served, 1);
    let work = f.work();
    let mut killed = 0;
    for now in [f.plan.open_at, f.plan.merge_at, past_deadline(&f.plan)] {
        let mut child = spawn(f.command(&["tick"], now, &work));
        std::thread::sleep(rng.within(*span));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        let started = Instant::now();
        let (code, out, err) = f.tick(now);
        *span = (*span).max(started.elapsed());
        assert_eq!(code, 0, "{served:?}: the tick after a kill at {now} failed:\n{out}\n{err}");
    }
    let events = f.events_of(f.plan.drill_id.as_str());
    assert_no_duplicate(&events);
    let names = f.names();
    assert_eq!(&names[..3], ["planned", "opened", "merged"], "{served:?}: {names:?}");
    assert_eq!(names.iter().filter(|n| **n == "recovered").count(), 1, "{served:?}: {names:?}");
    assert_eq!(names.last(), Some(&"reported"), "{served:?}: {names:?}");
    assert_eq!(f.values(0), f.original, "{served:?}: the fault is reverted");
    assert_eq!(f.main_length(0), 3, "{served:?}: one merge and one revert on main");
    assert!(git_locks(&work).is_empty(), "{served:?}: locks left: {:?}", git_locks(&work));
    for repo in [&f.control.1, &f.targets[0].1] {
        assert!(git_locks(repo).is_empty(), "{served:?}: locks left in {}: {:?}", repo.display(), git_locks(repo));
    }
    killed
}

#[test]
fn sigkill_at_random_points_then_one_tick_converges_in_every_trial() {
    let seed = std::env::var("FIREDRILL_KILL_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(13);
    let mut rng = Rng(seed);
    // An HTTP tick costs several `git http-backend` processes: fewer trials there keep the test under a minute.
    let counts = [
        (Served::Path, trials("FIREDRILL_KILL_TRIALS_PATH", 8)),
        (Served::Http, trials("FIREDRILL_KILL_TRIALS_HTTP", 2)),
    ];
    for (served, n) in counts {
        let mut span = Duration::from_millis(300);
        let mut killed = 0;
        for trial in 0..n {
            let started = Instant::now();
            killed += kill_trial(served, &mut rng, &mut span);
            eprintln!("{served:?} trial {trial}: {:?}, span {span:?}", started.elapsed());
        }
        eprintln!("{served:?}: {n} trials, {killed} of {} ticks killed before they finished, seed {seed}", 3 * n);
    }
}

/// Issue 13, item 4: one drill's log is damaged; the other drill still gets its safety revert, the damaged one
/// is refused by name (file, line, fix) with exit code 3, and its id is never planned again.
#[test]
fn a_damaged_log_stops_only_its_own_drill() {
    let f = Drill::new(Served::Path, 2);
    for now in [f.plan.open_at, f.plan.merge_at] {
        let (code, out, err) = f.tick(now);
        assert_eq!(code, 0, "{out}{err}");
    }
    let damaged = f.plan.drill_id.to_string();
    let other = damaged.replacen("redis-pool-exhaustion", "redis-pool-1", 1);
    assert_eq!(f.names_of(&other), ["planned", "opened", "merged"]);
    let text = f.log_text(&damaged).unwrap();
    f.damage_log(&damaged, Some(&format!("{text}{{not json\n")));

    let (code, out, err) = f.tick(past_deadline(&f.plan));
    assert_eq!(code, 3, "a refusal:\n{out}\n{err}");
    let refusal = out.lines().find(|l| l.contains("refused to act")).unwrap_or_else(|| panic!("{out}"));
    assert!(refusal.contains(&format!("drills/{damaged}/events.jsonl")), "{refusal}");
    assert!(refusal.contains("line 4"), "{refusal}");
    assert!(refusal.contains("fix: restore it from the ledger branch's history"), "{refusal}");
    // The other drill got its safety work.
    let names = f.names_of(&other);
    assert!(names.contains(&"recovered") && names.last() == Some(&"reported"), "{names:?}");
    assert_eq!(f.values(1), f.original);
    // The damaged one was left alone: its log is as damaged, its fault still on main, no second drill.
    assert_eq!(f.log_text(&damaged).unwrap(), format!("{text}{{not json\n"));
    assert_ne!(f.values(0), f.original);
    assert_eq!(f.main_length(0), 2);
    // `status` lists the other drill and names the damaged log (exit code 3).
    let (code, out, err) = run(&mut f.command(&["status"], past_deadline(&f.plan), &f.work()));
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains(&other), "{out}");
    assert!(out.contains(&format!("{damaged}: refused to read the drill: drills/{damaged}/events.jsonl")), "{out}");
    // `command` on it is refused too, naming the file.
    let mut cmd =
        f.command(&["command", "revert", "--drill", &damaged, "--actor", "kim"], past_deadline(&f.plan), &f.work());
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 3, "{out}{err}");
    assert!(err.contains(&format!("drills/{damaged}/events.jsonl")), "{err}");
}

/// A damaged drill's fault may still be on its target: no new drill lands there (a drill elsewhere may) until
/// the log is repaired.
#[test]
fn a_damaged_drill_keeps_its_target_from_new_drills() {
    let f = Drill::new(Served::Path, 2);
    for now in [f.plan.open_at, f.plan.merge_at] {
        assert_eq!(f.tick(now).0, 0);
    }
    let damaged = f.plan.drill_id.to_string();
    let text = f.log_text(&damaged).unwrap();
    f.damage_log(&damaged, Some(&format!("{text}{{not json\n")));
    let later = past_deadline(&f.plan);
    let (code, out, err) = run(&mut f.command(&["start", "redis-pool-exhaustion"], later, &f.work()));
    assert_eq!(code, 3, "{out}{err}");
    assert!(err.contains(&format!("repair drills/{damaged}/events.jsonl first")), "{err}");
    assert_eq!(f.drill_branches(0).len(), 1, "nothing new opened on the damaged drill's target");
    // The other scenario's drill ends (its safety timer), then a new one may start on that other target.
    assert_eq!(f.tick(later).0, 3);
    let after = later.checked_add(jiff::SignedDuration::from_mins(1)).unwrap();
    let (code, out, err) = run(&mut f.command(&["start", "redis-pool-1"], after, &f.work()));
    assert_eq!(code, 3, "the damaged drill is still refused:\n{out}{err}");
    assert!(out.contains("planned by hand"), "a drill on another target starts:\n{out}{err}");
}

/// Issue 13, item 4: an emptied or deleted log does not free its drill's id: the same drill is not planned,
/// opened and merged a second time.
#[test]
fn an_emptied_or_deleted_log_never_lets_the_same_drill_run_twice() {
    for damage in [Some(""), None] {
        let f = Drill::new(Served::Path, 1);
        for now in [f.plan.open_at, f.plan.merge_at] {
            assert_eq!(f.tick(now).0, 0);
        }
        let id = f.plan.drill_id.to_string();
        f.damage_log(&id, damage);
        // At the opening and the merge instants again (the drill is due then), and past the deadline.
        for now in [f.plan.open_at, f.plan.merge_at, past_deadline(&f.plan)] {
            let (code, out, err) = f.tick(now);
            assert_eq!(code, 3, "{damage:?} at {now}:\n{out}\n{err}");
            assert!(out.contains(&format!("drills/{id}/events.jsonl")), "{out}");
            assert!(!out.contains("planned ("), "{damage:?}: planned again:\n{out}");
        }
        assert_eq!(f.log_text(&id).as_deref(), damage, "nothing was appended to it");
        assert_eq!(f.main_length(0), 2, "{damage:?}: merged once");
        assert_eq!(f.drill_branches(0).len(), 1, "{damage:?}: opened once");
    }
}

/// Issue 13, item 5: a control repository that does not exist (a typo, a wrong API URL) is an error naming what
/// was tried and how to fix it; only a missing ledger branch in an existing repository means "no drills yet".
#[test]
fn a_wrong_control_repository_is_an_error_not_an_empty_ledger() {
    let f = crate::github_drill::Fixture::new();
    let now = f.plan.open_at;
    let status = |control: &str, api_url: &str, args: &[&str]| {
        let mut cmd = firedrill();
        cmd.args(args)
            .arg("--scenarios")
            .arg(f.dir.path().join("scenarios"))
            .args(["--control", control, "--api-url", api_url, "--now", &now.to_string()])
            .env("FIREDRILL_TOKEN", &f.token);
        run(&mut cmd)
    };
    let url = f.emulator.url();
    let (code, out, err) = status("acme/drills", &url, &["status"]);
    assert_eq!((code, out.as_str()), (0, "no drills yet\n"), "{err}");

    let wrong_prefix = format!("{url}/api/v3");
    for (control, api) in [("acme/nonexistent", url.as_str()), ("acme/drills", wrong_prefix.as_str())] {
        for args in [&["status"][..], &["tick", "--dry-run"][..]] {
            let (code, out, err) = status(control, api, args);
            assert_eq!(code, 1, "{args:?} {control} at {api}:\n{out}\n{err}");
            assert!(!out.contains("no drills yet") && !out.contains("planned"), "{out}");
            assert!(err.contains(&format!("the GitHub repository {control} was not found at {api}")), "{err}");
            assert!(err.contains("check the repository name"), "{err}");
            assert!(!err.contains(&f.token), "the token leaked");
        }
    }
    // A local control repository that is not there is named too.
    let missing = f.dir.path().join("nowhere.git");
    let mut cmd = firedrill();
    cmd.args(["status", "--scenarios"]).arg(f.dir.path().join("scenarios")).arg("--control").arg(&missing);
    cmd.args(["--api-url", &url]).env("FIREDRILL_TOKEN", &f.token);
    let (code, out, err) = run(&mut cmd);
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains(&missing.display().to_string()), "{err}");
}

/// Issue 13, items 6 and 7: git locks a killed run left (in the working folder and in the repositories pushed
/// into) are removed with a warning naming them, and the run goes on.
#[test]
fn stale_git_locks_left_by_a_killed_run_are_removed_with_a_warning() {
    let f = Drill::new(Served::Path, 1);
    assert_eq!(f.tick(f.plan.open_at).0, 0);
    let ledger_lock = f.control.1.join("refs/heads/firedrill/ledger.lock");
    let ledger_dir = std::fs::read_dir(f.work().join("ledger")).unwrap().next().unwrap().unwrap().path();
    let config_lock = ledger_dir.join("config.lock");
    // Older than any live git's lock: written, then dated back (instead of waiting for them to age).
    let written = std::time::SystemTime::now() - firedrill::git::lock::FOREIGN_LOCK_AGE - Duration::from_millis(200);
    for lock in [&ledger_lock, &config_lock] {
        std::fs::File::create(lock).unwrap().set_modified(written).unwrap();
    }
    let mut cmd = f.command(&["tick"], f.plan.merge_at, &f.work());
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 0, "{out}\n{err}");
    for lock in [&ledger_lock, &config_lock] {
        assert!(!lock.exists(), "{} is still there", lock.display());
        assert!(err.contains(&lock.display().to_string()), "the warning names {}:\n{err}", lock.display());
    }
    assert_eq!(f.names(), ["planned", "opened", "merged"]);
}
