//! The drill lifecycle end to end: the real `firedrill` binary against repositories served by git's own
//! `git http-backend` over smart HTTP with token auth (the control repository holds the ledger, the target
//! repository gets the fault). Time is simulated with `--now`.

use std::path::{Path, PathBuf};

use firedrill::drill::event::{EventKind, RecoveryHow, parse_log};
use firedrill::git::{CommitSha, FileChange, Identity, Repo};
use firedrill::schedule::Plan;
use jiff::{SignedDuration, Timestamp};

use crate::common::{drill_command, firedrill, run};
use crate::support::git_http::GitHttp;
use firedrill::scenario::builder::ScenarioBuilder;

const TOKEN: &str = "ghs_lifecycleTestToken0123456789";
const VALUES: &str = "charts/checkout/values-staging.yaml";

pub(crate) struct Fixture {
    pub(crate) server: GitHttp,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) plan: Plan,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        Fixture::on(GitHttp::start(TOKEN))
    }

    /// The fixture with the seed scenario as `change` makes it (its variants, say).
    pub(crate) fn with_scenario(change: impl FnOnce(ScenarioBuilder) -> ScenarioBuilder) -> Fixture {
        Fixture::on_with(GitHttp::start(TOKEN), change)
    }

    /// The fixture's repositories on `server` (which requires [`TOKEN`]).
    fn on(server: GitHttp) -> Fixture {
        Fixture::on_with(server, |b| b)
    }

    fn on_with(server: GitHttp, change: impl FnOnce(ScenarioBuilder) -> ScenarioBuilder) -> Fixture {
        let target = server.create_repo("target");
        server.create_repo("control");
        let repo = Repo::open(&target).unwrap();
        let root = crate::common::root().join("examples");
        let files: Vec<FileChange> = [VALUES, "k8s/staging/checkout.yaml", "config/staging/database.env"]
            .iter()
            .map(|p| FileChange::write(*p, std::fs::read_to_string(root.join(p)).unwrap()))
            .collect();
        let who = Identity::new("Sam Rivera", "sam@acme.example", "2026-11-16T12:00:00Z".parse().unwrap());
        let c = repo.write_commit(None, &files, "Staging configuration\n", &who, &who).unwrap();
        repo.update_ref("refs/heads/main", &c, None, "test: initial commit").unwrap();

        let dir = tempfile::tempdir().unwrap();
        let text = change(ScenarioBuilder::seed().repo(&server.url("target"))).yaml();
        std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
        std::fs::write(dir.path().join("scenarios/redis.yaml"), &text).unwrap();
        let scenario = firedrill::scenario::load(Path::new("redis.yaml"), &text).unwrap();
        let plan =
            firedrill::drill::prepare::plan(&scenario, "2026-11-23T12:00:00Z".parse().unwrap()).unwrap().unwrap();
        Fixture { server, dir, plan }
    }

    fn workdir(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `firedrill ARGS --now NOW` with the shared options and the token in the environment.
    fn firedrill(&self, args: &[&str], now: Timestamp, workdir: &str) -> (i32, String, String) {
        self.firedrill_env(args, now, workdir, &[])
    }

    /// [`Fixture::firedrill`] with more environment variables (`FIREDRILL_ENABLED`, …).
    pub(crate) fn firedrill_env(
        &self,
        args: &[&str],
        now: Timestamp,
        workdir: &str,
        env: &[(&str, &str)],
    ) -> (i32, String, String) {
        let scenarios = self.dir.path().join("scenarios");
        let control = self.server.url("control");
        let mut cmd = drill_command(args, &scenarios, &control, &now.to_string(), &self.workdir(workdir));
        cmd.envs(env.iter().copied()).env("FIREDRILL_TOKEN", TOKEN);
        run(&mut cmd)
    }

    pub(crate) fn tick(&self, now: Timestamp) -> String {
        let (code, out, err) = self.firedrill(&["tick"], now, "work");
        assert_eq!(code, 0, "tick at {now} failed:\n{out}\n{err}");
        out
    }

    pub(crate) fn target(&self) -> Repo {
        Repo::open(&self.server.repo_path("target")).unwrap()
    }

    pub(crate) fn main(&self) -> CommitSha {
        self.target().branch_head("main").unwrap().unwrap()
    }

    pub(crate) fn ledger_tip(&self) -> Option<CommitSha> {
        Repo::open(&self.server.repo_path("control")).unwrap().branch_head("firedrill/ledger").unwrap()
    }

    pub(crate) fn events(&self) -> Vec<firedrill::drill::event::Event> {
        let control = Repo::open(&self.server.repo_path("control")).unwrap();
        let tip = control.branch_head("firedrill/ledger").unwrap().unwrap();
        let bytes = control.read_file(&tip, &format!("drills/{}/events.jsonl", self.plan.drill_id)).unwrap().unwrap();
        parse_log(&String::from_utf8(bytes).unwrap()).unwrap()
    }

    pub(crate) fn names(&self) -> Vec<&'static str> {
        self.events().iter().map(|e| e.kind.name()).collect()
    }

    /// A responder's commit straight on the server's `main`.
    pub(crate) fn push_to_main(&self, commit: &CommitSha) {
        let old = self.main();
        self.target().update_ref("refs/heads/main", commit, Some(&old), "test: a user pushes").unwrap();
    }

    fn first_parent_count(&self) -> usize {
        let repo = self.target();
        let mut n = 0;
        let mut tip = Some(self.main());
        while let Some(c) = tip {
            n += 1;
            tip = repo.commit_info(&c).unwrap().parents.first().cloned();
        }
        n
    }

    /// Refuses pushes to the control repository whose commit subject contains `subject`.
    fn refuse_ledger_commits(&self, subject: &str) {
        let hook = self.server.repo_path("control").join("hooks/pre-receive");
        std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
        let script = format!(
            "#!/bin/sh\nwhile read old new ref; do\n  if git log -1 --format=%s \"$new\" | grep -q '{subject}'; then echo 'simulated crash' >&2; exit 1; fi\ndone\nexit 0\n"
        );
        std::fs::write(&hook, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

pub(crate) fn after(t: Timestamp, mins: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_mins(mins)).unwrap()
}

#[test]
fn a_whole_drill_over_smart_http_recovers_with_the_exact_time_to_recovery() {
    let f = Fixture::new();
    let base = f.main();
    assert!(f.tick(after(f.plan.open_at, -1)).contains("nothing to do"), "nothing is due a minute before the opening");

    let out = f.tick(f.plan.open_at);
    assert!(out.contains("planned") && out.contains("opened `chore/tune-redis-pool-"), "{out}");
    assert_eq!(f.main(), base, "opening does not touch main");
    let opened = f.events().into_iter().find_map(|e| match e.kind {
        EventKind::Opened { branch, commit, .. } => Some((branch, commit)),
        _ => None,
    });
    let (branch, head) = opened.unwrap();
    assert_eq!(f.target().branch_head(&branch).unwrap(), Some(head.clone()));
    let diff = f.target().read_file(&head, VALUES).unwrap().unwrap();
    assert!(String::from_utf8(diff).unwrap().contains("SERVICE__REDIS__CONNECTION_POOL__SIZE: \"0\"   # raised"));

    let out = f.tick(f.plan.merge_at);
    assert!(out.contains("merged into main"), "{out}");
    let merge = f.main();
    let info = f.target().commit_info(&merge).unwrap();
    assert_eq!(info.parents.len(), 2);
    assert_eq!(info.committer.time, f.plan.merge_at, "the merge lands at the planned instant");

    // Ana reverts on the server 1 h 18 min later; the next tick, 4 minutes after, records it.
    let revert_at = after(f.plan.merge_at, 78);
    let ana = Identity::new("Ana Lima", "ana@acme.example", revert_at);
    let revert = f.target().revert(&merge, &merge, "Revert the pool change\n", &ana, &ana).unwrap();
    f.push_to_main(&revert);
    let out = f.tick(after(revert_at, 4));
    assert!(out.contains("time to recovery 1 h 18 min"), "{out}");
    let recovered = f.events().into_iter().find(|e| e.kind.name() == "recovered").unwrap();
    assert_eq!(recovered.time, revert_at, "recovery is the revert's landing, not when firedrill noticed");
    assert_eq!(recovered.actor, "Ana Lima");
    assert!(
        matches!(recovered.kind, EventKind::Recovered { ref commit, how: RecoveryHow::Revert } if *commit == revert)
    );
    assert_eq!(f.names(), ["planned", "opened", "merged", "recovered", "reported"]);

    // A second tick at the same instant writes nothing.
    let (ledger, main) = (f.ledger_tip(), f.main());
    let again = f.tick(after(revert_at, 4));
    assert_eq!((f.ledger_tip(), f.main()), (ledger, main), "{again}");

    let (code, out, _) = f.firedrill(&["status"], after(revert_at, 5), "work");
    assert_eq!(code, 0);
    assert!(out.contains(f.plan.drill_id.as_str()) && out.contains("recovered") && out.contains("1 h 18 min"), "{out}");
}

#[test]
fn a_whole_drill_runs_over_https_once_its_certificate_authority_is_trusted() {
    let f = Fixture::on(GitHttp::start_tls(TOKEN));
    assert!(f.server.url("control").starts_with("https://127.0.0.1:"));
    let ca = f.dir.path().join("ca.pem");
    std::fs::write(&ca, f.server.ca_pem().unwrap()).unwrap();
    let trusted = [("SSL_CERT_FILE", ca.to_str().unwrap())];

    // A certificate from an authority nobody trusts: refused, said plainly, nothing written, no token shown.
    let (code, out, err) = f.firedrill(&["tick"], f.plan.open_at, "work");
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("the TLS certificate of 127.0.0.1 is not trusted"), "{err}");
    assert!(err.contains("set SSL_CERT_FILE to its PEM file"), "{err}");
    assert!(!format!("{out}{err}").contains(TOKEN));
    assert_eq!(f.ledger_tip(), None);

    // A file that holds no certificate is named, not ignored.
    let empty = f.dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let (code, _, err) =
        f.firedrill_env(&["tick"], f.plan.open_at, "work", &[("SSL_CERT_FILE", empty.to_str().unwrap())]);
    assert_eq!(code, 1);
    assert!(err.contains("empty.pem holds no certificate firedrill can use"), "{err}");

    // Trusted: the whole drill, over TLS end to end.
    let tick = |now| {
        let (code, out, err) = f.firedrill_env(&["tick"], now, "work", &trusted);
        assert_eq!(code, 0, "{out}{err}");
        out
    };
    assert!(tick(f.plan.open_at).contains("opened `chore/tune-redis-pool-"));
    assert!(tick(f.plan.merge_at).contains("merged into main"));
    let merge = f.main();
    let revert_at = after(f.plan.merge_at, 25);
    let ana = Identity::new("Ana Lima", "ana@acme.example", revert_at);
    let revert = f.target().revert(&merge, &merge, "Revert the pool change\n", &ana, &ana).unwrap();
    f.push_to_main(&revert);
    assert!(tick(after(revert_at, 2)).contains("time to recovery 25 min"));
    assert_eq!(f.names(), ["planned", "opened", "merged", "recovered", "reported"]);
    let log = f.server.requests();
    assert!(log.iter().any(|r| r.method == "POST" && r.path == "/target.git/git-receive-pack" && r.status == 200));
}

#[test]
fn a_git_server_that_stops_answering_ends_the_run_with_an_error_instead_of_hanging_it() {
    let f = Fixture::new();
    // Accepts connections, reads nothing, answers nothing.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/control.git", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let mut cmd = firedrill();
    cmd.args(["tick", "--scenarios"])
        .arg(f.dir.path().join("scenarios"))
        .args(["--control", &url, "--now", &f.plan.open_at.to_string(), "--workdir"])
        .arg(f.workdir("silent"))
        .env("FIREDRILL_TOKEN", TOKEN)
        .env("FIREDRILL_GIT_TIMEOUT", "1");
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("timed out: the server stopped answering"), "{err}");
    assert!(!format!("{out}{err}").contains(TOKEN));

    // A wrong setting is named, with what is expected.
    let mut cmd = firedrill();
    cmd.args(["tick", "--scenarios"])
        .arg(f.dir.path().join("scenarios"))
        .args(["--control", &url, "--now", &f.plan.open_at.to_string(), "--workdir"])
        .arg(f.workdir("silent"))
        .env("FIREDRILL_GIT_TIMEOUT", "soon");
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 1);
    assert!(err.contains("FIREDRILL_GIT_TIMEOUT is `soon`: expected whole seconds from 1 to 3600"), "{err}");
}

#[test]
fn a_fix_that_is_not_a_revert_counts_as_recovery() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    // Someone sets the pool to 5: not the old value, but the fault ("0") is gone.
    let main = f.main();
    let text = String::from_utf8(f.target().read_file(&main, VALUES).unwrap().unwrap()).unwrap();
    let fixed =
        text.replace("SERVICE__REDIS__CONNECTION_POOL__SIZE: \"0\"", "SERVICE__REDIS__CONNECTION_POOL__SIZE: \"5\"");
    let at = after(f.plan.merge_at, 42);
    let bo = Identity::new("Bo Chen", "bo@acme.example", at);
    let fix = f
        .target()
        .write_commit(Some(&main), &[FileChange::write(VALUES, fixed)], "Set the redis pool to 5\n", &bo, &bo)
        .unwrap();
    f.push_to_main(&fix);
    let out = f.tick(after(at, 10));
    assert!(out.contains("by a fix (Bo Chen)") && out.contains("time to recovery 42 min"), "{out}");
    let recovered = f.events().into_iter().find(|e| e.kind.name() == "recovered").unwrap();
    assert!(matches!(recovered.kind, EventKind::Recovered { how: RecoveryHow::Fix, .. }));
    assert_eq!(recovered.time, at);

    // Next week's occurrence: the scenario's precondition (`test` value "10") no longer holds, so the
    // drill is abandoned and recorded, not forced onto a file that changed.
    let next = firedrill::schedule::Plan::for_occurrence(
        "redis-pool-exhaustion",
        f.plan.occurrence.checked_add(SignedDuration::from_hours(24 * 7)).unwrap(),
        &f.plan.zone,
        SignedDuration::from_hours(2),
        SignedDuration::from_mins(45),
    );
    let (code, out, err) = f.firedrill(&["tick"], next.open_at, "work");
    assert_eq!(code, 3, "an abandoned drill is a refusal for scripts: {out}{err}");
    assert!(out.contains("abandoned") && out.contains("`test` failed"), "{out}");
}

#[test]
fn the_safety_timer_reverts_on_its_own_after_max_duration() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    assert!(f.tick(after(f.plan.merge_at, 179)).contains("auto-revert at"));
    let out = f.tick(after(f.plan.merge_at, 180));
    assert!(out.contains("→ reverted by") && out.contains("timed out at"), "{out}");
    let info = f.target().commit_info(&f.main()).unwrap();
    assert!(info.message.starts_with("Revert"), "{}", info.message);
    assert_eq!(info.author.name, "Sam Rivera");
    assert_eq!(f.names(), ["planned", "opened", "merged", "hint", "hint", "timed_out", "recovered", "reported"]);
}

#[test]
fn a_crash_between_a_push_and_its_ledger_record_is_completed_without_duplicates() {
    let f = Fixture::new();
    // The branch is pushed, then the process "dies" before recording it.
    f.refuse_ledger_commits("record opened");
    let (code, _, err) = f.firedrill(&["tick"], f.plan.open_at, "work");
    assert_ne!(code, 0, "the ledger write was refused");
    assert!(err.contains("simulated crash"), "{err}");
    assert_eq!(f.names(), ["planned"]);
    f.server.accept_pushes("control");
    f.tick(after(f.plan.open_at, 10));
    assert_eq!(f.names(), ["planned", "opened"]);

    // The merge is pushed, then the process dies before recording it.
    f.refuse_ledger_commits("record merged");
    let (code, _, _) = f.firedrill(&["tick"], f.plan.merge_at, "work");
    assert_ne!(code, 0);
    let merged = f.main();
    f.server.accept_pushes("control");
    // A fresh working folder, as on a new CI runner.
    let (code, out, err) = f.firedrill(&["tick"], after(f.plan.merge_at, 10), "other-runner");
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(f.main(), merged, "no second merge");
    assert_eq!(f.first_parent_count(), 2, "main holds the initial commit and one merge");
    let merged_event = f.events().into_iter().find(|e| e.kind.name() == "merged").unwrap();
    assert_eq!(merged_event.time, f.plan.merge_at, "the recorded landing is the real one");
    assert_eq!(f.names(), ["planned", "opened", "merged"]);
}

#[test]
fn two_ticks_racing_lose_nothing_and_duplicate_nothing() {
    let f = Fixture::new();
    let spawn = |now: Timestamp, work: &str| {
        let mut cmd = firedrill();
        cmd.args(["tick", "--scenarios"])
            .arg(f.dir.path().join("scenarios"))
            .args([
                "--control",
                &f.server.url("control"),
                "--identity",
                "Sam Rivera <sam@acme.example>",
                "--now",
                &now.to_string(),
                "--workdir",
            ])
            .arg(f.workdir(work))
            .env("FIREDRILL_TOKEN", TOKEN)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd.spawn().unwrap()
    };
    for now in [f.plan.open_at, f.plan.merge_at] {
        let a = spawn(now, "runner-a");
        let b = spawn(now, "runner-b");
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert_eq!(f.names(), ["planned", "opened", "merged"]);
    assert_eq!(f.first_parent_count(), 2, "exactly one merge landed");
}

#[test]
fn commands_revert_and_abort_drive_the_same_lifecycle() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    let id = f.plan.drill_id.to_string();
    let at = after(f.plan.merge_at, 50);
    let (code, out, err) = f.firedrill(&["command", "revert", "--drill", &id, "--actor", "ana"], at, "work");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("reverted by"), "{out}");
    assert_eq!(f.names(), ["planned", "opened", "merged", "command", "recovered", "reported"]);
    assert!(f.target().commit_info(&f.main()).unwrap().message.starts_with("Revert"));
    let (code, out, _) = f.firedrill(&["command", "abort", "--drill", &id, "--actor", "gm"], after(at, 1), "work");
    assert_eq!(code, 3, "refused: the drill is over");
    assert!(out.contains("the drill is over (gave up); nothing to abort"), "{out}");
    let (code, _, err) = f.firedrill(&["command", "status", "--drill", "nope", "--actor", "gm"], at, "work");
    assert_eq!(code, 2, "invalid input");
    assert!(err.contains("no drill `nope`"), "{err}");
}

#[test]
fn a_wrong_token_is_refused_clearly_and_no_token_is_ever_written_down() {
    let f = Fixture::new();
    let wrong = "ghp_wrongTokenThatMustNeverLeak42";
    let mut cmd = firedrill();
    cmd.args(["tick", "--scenarios"])
        .arg(f.dir.path().join("scenarios"))
        .args(["--control", &f.server.url("control"), "--now", &f.plan.open_at.to_string(), "--workdir"])
        .arg(f.workdir("work"))
        .env("FIREDRILL_TOKEN", wrong);
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 1);
    assert!(err.contains("authentication to http://") && err.contains("failed: the server refused the token"), "{err}");
    assert!(!out.contains(wrong) && !err.contains(wrong));
    // A successful run with the right token leaves it nowhere on disk either.
    f.tick(f.plan.open_at);
    for token in [TOKEN, wrong] {
        let found = grep_dir(&f.workdir("work"), token);
        assert!(found.is_empty(), "the token is written in {found:?}");
    }
}

fn grep_dir(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return hits };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            hits.extend(grep_dir(&p, needle));
        } else if std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes())) {
            hits.push(p);
        }
    }
    hits
}

#[test]
fn dry_run_plans_and_says_what_it_would_do_but_writes_nothing() {
    let f = Fixture::new();
    let (code, out, err) = f.firedrill(&["tick", "--dry-run"], f.plan.open_at, "work");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dry run") && out.contains("planned"), "{out}");
    assert!(out.contains("would open `chore/tune-redis-pool-") && out.contains("(1 file(s))"), "{out}");
    assert_eq!(f.ledger_tip(), None, "no ledger was written");
}

#[test]
fn a_drill_started_by_hand_opens_now_and_merges_after_merge_in() {
    let f = Fixture::new();
    let now: Timestamp = "2026-11-25T15:07:31Z".parse().unwrap();
    let (code, out, err) = f.firedrill(&["start", "redis-pool-exhaustion", "--merge-in", "30m"], now, "work");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("redis-pool-exhaustion-20261125T1507Z: planned by hand") && out.contains("opened `"), "{out}");
    // One drill at a time on a target.
    let (code, _, err) = f.firedrill(&["start", "redis-pool-exhaustion"], after(now, 1), "work");
    assert_eq!(code, 3, "refused by a safety rule: {err}");
    assert!(err.contains("is not resolved yet"), "{err}");
    let out = f.tick(after(now, 30));
    assert!(out.contains("merged into main"), "{out}");
}

#[test]
fn a_clone_with_a_work_tree_is_refused_with_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    Repo::init(&dir.path().join("clone")).unwrap();
    std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
    std::fs::write(dir.path().join("scenarios/redis.yaml"), ScenarioBuilder::seed().yaml()).unwrap();
    let (code, out, err) = run(firedrill()
        .args(["tick", "--now", "2026-11-24T09:52:00Z", "--scenarios"])
        .arg(dir.path().join("scenarios"))
        .arg("--control")
        .arg(dir.path().join("clone"))
        .arg("--workdir")
        .arg(dir.path().join("work")));
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("is a clone with a work tree") && err.contains("git remote get-url origin"), "{err}");
}

/// The effect lines of a run's output: what it did (or, dry, would do), without results or titles.
fn effect_lines(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix("   "))
        .filter(|l| !l.starts_with("→ ") && *l != "nothing to do")
        .map(|l| {
            // A dry run says "would record: …" of what a real run records: the same event either way.
            let l = l.strip_prefix("would record: ").or_else(|| l.strip_prefix("would ")).unwrap_or(l);
            l.strip_prefix("record: ").unwrap_or(l).to_owned()
        })
        .collect()
}

/// The effects a run carried out (a dry run: listed), as the values it logged, with what a dry run cannot know
/// masked: the ids of commits and changes it only simulated. `None`: the run stopped before its report (a refusal).
fn effect_values(path: &std::path::Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.lines().map(mask_ids).collect())
}

fn mask_ids(line: &str) -> String {
    // 40 hex digits: a commit id.
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
        if run == 40 {
            out.push_str("<commit>");
            i += 40;
        } else {
            out.extend(&chars[i..i + run.max(1)]);
            i += run.max(1);
        }
    }
    // A change's and an issue's number (a dry run's are "new").
    let mut masked = String::new();
    let mut rest = out.as_str();
    while let Some(at) = ["ChangeId(\"", "issue: \""].iter().filter_map(|p| rest.find(p).map(|i| i + p.len())).min() {
        masked.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find('"').unwrap_or(rest.len());
        masked.push_str("<id>");
        rest = &rest[end..];
    }
    masked.push_str(rest);
    masked
}

/// `ARGS --dry-run` then `ARGS` at the same instant: the same effects (the values each run logged), and the dry
/// run wrote nothing.
fn dry_then_real(f: &Fixture, args: &[&str], now: Timestamp) -> (i32, Vec<String>) {
    let (ledger, main) = (f.ledger_tip(), f.main());
    let logs = tempfile::tempdir().unwrap();
    let (dry_log, real_log) = (logs.path().join("dry"), logs.path().join("real"));
    let mut dry_args = args.to_vec();
    dry_args.push("--dry-run");
    let log = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let (dry_code, dry, dry_err) =
        f.firedrill_env(&dry_args, now, "work", &[("FIREDRILL_EFFECTS_LOG", &log(&dry_log))]);
    assert_eq!((f.ledger_tip(), f.main()), (ledger, main), "the dry run wrote something:\n{dry}{dry_err}");
    let (code, real, err) = f.firedrill_env(args, now, "work", &[("FIREDRILL_EFFECTS_LOG", &log(&real_log))]);
    assert_eq!(dry_code, code, "{dry}{dry_err}\n---\n{real}{err}");
    assert_eq!(effect_values(&dry_log), effect_values(&real_log), "dry:\n{dry}\nreal:\n{real}");
    (code, effect_lines(&real))
}

#[test]
fn a_dry_run_lists_exactly_the_effects_of_the_real_run_at_every_step() {
    let f = Fixture::new();
    // Planned and opened in one tick; then the merge; a hint; the safety timer's revert and the report.
    let (_, open) = dry_then_real(&f, &["tick"], f.plan.open_at);
    assert!(open.iter().any(|l| l.starts_with("open `chore/tune-redis-pool-")), "{open:?}");
    let (_, merge) = dry_then_real(&f, &["tick"], f.plan.merge_at);
    assert!(merge.iter().any(|l| l.starts_with("merge `")), "{merge:?}");
    let (_, hint) = dry_then_real(&f, &["tick"], after(f.plan.merge_at, 35));
    assert!(hint.iter().any(|l| l.starts_with("hint 1 released")), "{hint:?}");
    let id = f.plan.drill_id.to_string();
    let (_, ack) = dry_then_real(&f, &["command", "ack", "--drill", &id, "--actor", "ana"], after(f.plan.merge_at, 40));
    assert!(ack.iter().any(|l| l.starts_with("/drill ack by ana")), "{ack:?}");
    let (_, timeout) = dry_then_real(&f, &["tick"], after(f.plan.merge_at, 180));
    assert!(timeout.iter().any(|l| l.starts_with("revert the fault")), "{timeout:?}");
    assert!(timeout.iter().any(|l| l.starts_with("write the report")), "{timeout:?}");
    assert_eq!(f.names(), ["planned", "opened", "merged", "hint", "command", "timed_out", "recovered", "reported"]);
    let (code, again) = dry_then_real(&f, &["tick"], after(f.plan.merge_at, 181));
    assert_eq!((code, again), (0, Vec::<String>::new()), "nothing left to do");
}

#[test]
fn a_dry_run_of_start_and_a_real_one_agree_even_when_a_scheduled_drill_is_due() {
    // At the scheduled drill's opening instant, `start` plans a drill by hand on the same target: the tick it
    // runs afterwards must not plan the scheduled one too, dry or not (one drill per target).
    let f = Fixture::new();
    let (code, lines) = dry_then_real(&f, &["start", "redis-pool-exhaustion", "--merge-in", "30m"], f.plan.open_at);
    assert_eq!(code, 0);
    assert_eq!(lines.iter().filter(|l| l.starts_with("open `")).count(), 1, "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("skipped: drill") && l.contains("not resolved yet")), "{lines:?}");
    // And a second start is refused the same way, dry or not.
    let (code, _) = dry_then_real(&f, &["start", "redis-pool-exhaustion"], after(f.plan.open_at, 1));
    assert_eq!(code, 3);
}

#[test]
fn a_giving_up_revert_is_recorded_as_gave_up_and_abort_is_for_game_masters() {
    let f = Fixture::new();
    std::fs::write(f.dir.path().join("firedrill.yml"), "game_masters: [gail]\n").unwrap();
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    let id = f.plan.drill_id.to_string();
    let at = after(f.plan.merge_at, 19);
    let (code, out, err) = f.firedrill(&["command", "abort", "--drill", &id, "--actor", "kim"], at, "work");
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("refused: `/drill abort` is for game masters only (gail); kim is not one"), "{out}");
    assert_eq!(f.names(), ["planned", "opened", "merged"], "a refused command is not recorded");
    let (code, out, err) = f.firedrill(&["command", "revert", "--drill", &id, "--actor", "kim"], at, "work");
    assert_eq!(code, 0, "{out}{err}");
    let recovered = f.events().into_iter().find(|e| e.kind.name() == "recovered").unwrap();
    assert!(matches!(recovered.kind, EventKind::Recovered { how: RecoveryHow::GaveUp, .. }), "{recovered:?}");
    let (_, status, _) = f.firedrill(&["status"], after(at, 1), "work");
    assert!(status.contains("gave up") && !status.contains("recovered"), "a give-up is no recovery:\n{status}");
}

#[test]
fn a_scenario_is_named_by_id_or_by_file_everywhere_and_scenario_folders_are_read_the_same_way() {
    let f = Fixture::new();
    // A scenario in a subfolder is a scenario for `tick` as it is for `validate`.
    let nested = f.dir.path().join("scenarios/team-a");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::rename(f.dir.path().join("scenarios/redis.yaml"), nested.join("redis.yaml")).unwrap();
    let (code, out, err) = f.firedrill(&["tick", "--dry-run"], f.plan.open_at, "work");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("would open `chore/tune-redis-pool-"), "{out}");

    // A near miss lists the ids with a "did you mean", and is invalid input (exit 2).
    let (code, _, err) = f.firedrill(&["start", "redis-pool-exhaustin", "--dry-run"], f.plan.open_at, "work");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did you mean `redis-pool-exhaustion`?") && err.contains("one of the ids"), "{err}");

    // `start` takes the file as well as the id; `preview` takes the id as well as the file.
    let file = nested.join("redis.yaml");
    let (code, out, err) = f.firedrill(&["start", file.to_str().unwrap(), "--dry-run"], f.plan.open_at, "work");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("planned by hand"), "{out}");
    let examples = crate::common::root().join("examples");
    let (code, out, err) = crate::common::run(
        crate::common::firedrill()
            .args(["preview", "redis-pool-exhaustion", "--scenarios"])
            .arg(f.dir.path().join("scenarios"))
            .arg("--repo")
            .arg(&examples)
            .args(["--now", "2026-11-23T12:00:00Z"]),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("SERVICE__REDIS__CONNECTION_POOL__SIZE"), "{out}");
}
