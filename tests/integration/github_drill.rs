//! A whole drill on GitHub: the real binary with the GitHub forge and the API ledger, against the GitHub
//! emulator over real HTTP. The emulator's clock is GitHub's clock: merges and reverts land at its instants.

use std::path::Path;

use firedrill::drill::event::{EventKind, RecoveryHow, parse_log};
use firedrill::git::{FileChange, Identity, Repo};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use crate::common::{firedrill, run};

const VALUES: &str = "charts/checkout/values-staging.yaml";

pub(crate) fn seed_repo(dir: &Path, files: &[(&str, String)]) {
    crate::common::hermetic_libgit2();
    let repo = Repo::init(dir).unwrap();
    let who = Identity::new("Sam Rivera", "sam@acme.example", "2026-11-16T12:00:00Z".parse().unwrap());
    let changes: Vec<FileChange> = files.iter().map(|(p, c)| FileChange::write(*p, c.clone())).collect();
    let c = repo.write_commit(None, &changes, "Initial commit\n", &who, &who).unwrap();
    repo.update_ref("refs/heads/main", &c, None, "test").unwrap();
    repo.set_head("refs/heads/main").unwrap();
}

pub(crate) fn after(t: Timestamp, mins: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_mins(mins)).unwrap()
}

/// The emulator with `acme/shop` (the target) and `acme/drills` (the control repository), Sam's token, and a
/// workspace holding the seed scenario aimed at `acme/shop`.
pub(crate) struct Fixture {
    pub(crate) emulator: github_emulator::Running,
    pub(crate) state: tempfile::TempDir,
    _seeds: tempfile::TempDir,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) token: String,
    pub(crate) plan: firedrill::schedule::Plan,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        Fixture::with_files(&[])
    }

    /// [`Fixture::new`] with more files in `acme/shop` beside the values file.
    pub(crate) fn with_files(extra: &[(&str, &str)]) -> Fixture {
        crate::common::hermetic_libgit2();
        let state = tempfile::tempdir().unwrap();
        // Every REST exchange is logged, to be checked against GitHub's OpenAPI description.
        let config = github_emulator::Config {
            log: Some(state.path().join("exchanges.jsonl")),
            ..github_emulator::Config::new(state.path())
        };
        let emulator = github_emulator::Emulator::start(config).unwrap();
        let root = crate::common::root();
        let values = std::fs::read_to_string(root.join("examples").join(VALUES)).unwrap();
        let seeds = tempfile::tempdir().unwrap();
        let mut files = vec![(VALUES, values)];
        files.extend(extra.iter().map(|(p, t)| (*p, (*t).to_owned())));
        seed_repo(&seeds.path().join("shop"), &files);
        seed_repo(&seeds.path().join("drills"), &[("README.md", "Drills for the shop.\n".to_owned())]);
        emulator.create_repo("acme/shop", Some(&seeds.path().join("shop")), true).unwrap();
        emulator.create_repo("acme/drills", Some(&seeds.path().join("drills")), true).unwrap();
        let token = emulator.user_with_token("sam").unwrap();
        for repo in ["acme/shop", "acme/drills"] {
            emulator.set_permission(repo, "sam", "write").unwrap();
        }
        emulator.set_permission("acme/shop", "ana", "write").unwrap();

        let dir = tempfile::tempdir().unwrap();
        let text = firedrill::scenario::builder::ScenarioBuilder::seed().repo("acme/shop").yaml();
        std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
        std::fs::write(dir.path().join("scenarios/redis.yaml"), &text).unwrap();
        let scenario = firedrill::scenario::load(Path::new("redis.yaml"), &text).unwrap();
        let plan =
            firedrill::drill::prepare::plan(&scenario, "2026-11-23T12:00:00Z".parse().unwrap()).unwrap().unwrap();
        Fixture { emulator, state, _seeds: seeds, dir, token, plan }
    }

    /// `firedrill ARGS` at `now` on GitHub's clock; returns (exit code, stdout, stderr).
    pub(crate) fn firedrill(&self, args: &[&str], now: Timestamp) -> (i32, String, String) {
        self.firedrill_env(args, now, &[])
    }

    /// [`Fixture::firedrill`] with more environment variables (`FIREDRILL_ENABLED`, …).
    pub(crate) fn firedrill_env(&self, args: &[&str], now: Timestamp, env: &[(&str, &str)]) -> (i32, String, String) {
        self.emulator.set_clock(&now.to_string()).unwrap();
        let mut cmd = firedrill();
        // The drill token, unless `env` gives another.
        cmd.env("FIREDRILL_TOKEN", &self.token);
        cmd.envs(env.iter().copied());
        cmd.args(args)
            .arg("--scenarios")
            .arg(self.dir.path().join("scenarios"))
            .args([
                "--control",
                "acme/drills",
                "--api-url",
                &self.emulator.url(),
                "--now",
                &now.to_string(),
                "--workdir",
            ])
            .arg(self.dir.path().join("work"))
            .args(["--identity", "Sam Rivera <sam@acme.example>"]);
        let (code, out, err) = run(&mut cmd);
        assert!(!out.contains(&self.token) && !err.contains(&self.token), "the token leaked");
        (code, out, err)
    }

    pub(crate) fn tick(&self, now: Timestamp) -> String {
        let (code, out, err) = self.firedrill(&["tick"], now);
        assert_eq!(code, 0, "tick at {now}:\n{out}\n{err}");
        out
    }

    pub(crate) fn events(&self) -> Vec<firedrill::drill::event::Event> {
        let control = Repo::open(&self.state.path().join("repos/acme/drills.git")).unwrap();
        let Some(tip) = control.branch_head("firedrill/ledger").unwrap() else { return Vec::new() };
        let Some(log) = control.read_file(&tip, &format!("drills/{}/events.jsonl", self.plan.drill_id)).unwrap() else {
            return Vec::new();
        };
        parse_log(&String::from_utf8(log).unwrap()).unwrap()
    }

    /// Every exchange so far is valid against GitHub's OpenAPI description (when the shared tools are there).
    pub(crate) fn assert_openapi_valid(&self, extra: &[&str]) {
        crate::emulator::assert_openapi_valid(&self.state.path().join("exchanges.jsonl"), extra);
    }

    pub(crate) fn names(&self) -> Vec<&'static str> {
        self.events().iter().map(|e| e.kind.name()).collect()
    }
}

#[test]
fn a_whole_drill_on_github_recovers_with_the_emulator_clocks_time_to_recovery() {
    let f = Fixture::new();
    let (emulator, plan, token, state, dir) = (&f.emulator, &f.plan, &f.token, &f.state, &f.dir);
    let tick = |now: Timestamp| f.tick(now);

    // Before the first drill: the readiness table.
    let mut cmd = firedrill();
    cmd.args(["doctor", "--scenarios"])
        .arg(dir.path().join("scenarios"))
        .args(["--control", "acme/drills", "--api-url", &emulator.url(), "--now", "2026-11-23T12:00:00Z", "--workdir"])
        .arg(dir.path().join("work"))
        .env("FIREDRILL_TOKEN", token);
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 0, "{out}{err}");
    insta::assert_snapshot!(out.replace(&emulator.url(), "[API]"));

    let out = tick(plan.open_at);
    assert!(out.contains("opened `chore/tune-redis-pool-"), "{out}");
    let pr = &emulator.repo("acme/shop").state().unwrap().pulls[0];
    assert_eq!(pr.title, "chore(checkout): tune redis pool settings for staging", "{pr:?}");
    assert_eq!(pr.user, "sam", "the pull request is the token owner's, not a bot's: {pr:?}");

    let out = tick(plan.merge_at);
    assert!(out.contains("merged into main"), "{out}");

    // The deploy workflow rolls each commit of main out to staging some minutes after it lands.
    let deploy = |sha: &str, at: Timestamp| {
        emulator.set_clock(&at.to_string()).unwrap();
        let id = emulator.repo("acme/shop").deploy(sha, "staging").unwrap();
        emulator.repo("acme/shop").deployment_status(id, "success").unwrap();
    };
    let merge_sha = emulator.repo("acme/shop").state().unwrap().pulls[0].merge_commit_sha.clone().unwrap();
    deploy(&merge_sha, after(plan.merge_at, 10));

    // While the fault's deploy is not seen, each run asks the deploy signal (the seed's `environment: staging`:
    // GitHub deployments of the tip) once: the deployment 10 minutes after the merge is the fault going live.
    let live = tick(after(plan.merge_at, 15));
    assert!(live.contains("fault live at 2026-11-24T10:47:00Z (deployments to staging on"), "{live}");
    // Then a running drill's idle tick asks only "does the fault still hold at the tip?": the ledger (ref, tree,
    // index, the drill's log), the branch's tip and the file there, however many commits landed since; and
    // "any new comment on the pull request?" (two requests, `since` the last one answered: its conversation, and
    // the comments on lines of its diff).
    let running = tick(after(plan.merge_at, 20));
    let requests: usize =
        running.lines().find_map(|l| l.strip_prefix("GitHub API requests: ")).unwrap().parse().unwrap();
    assert_eq!(requests, 8, "{running}");

    // Ana presses "Revert" on the pull request 1 h 18 min later and merges the revert.
    let revert_at = after(plan.merge_at, 78);
    emulator.set_clock(&revert_at.to_string()).unwrap();
    let reverted = emulator.repo("acme/shop").as_user("ana").revert_pr(1, true).unwrap();
    deploy(&reverted.sha.unwrap(), after(revert_at, 5));

    let out = tick(after(revert_at, 6));
    assert!(out.contains("time to recovery 1 h 18 min"), "{out}");

    // The ledger is on the control repository's branch, written through the API.
    let st = emulator.state().unwrap();
    let control = Repo::open(&state.path().join("repos/acme/drills.git")).unwrap();
    let tip = control.branch_head("firedrill/ledger").unwrap().expect("the ledger branch exists");
    let log = control.read_file(&tip, &format!("drills/{}/events.jsonl", plan.drill_id)).unwrap().unwrap();
    let events = parse_log(&String::from_utf8(log).unwrap()).unwrap();
    let names: Vec<_> = events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(
        names,
        ["planned", "opened", "merged", "fault_deployed", "recovered", "fix_deployed", "reported"],
        "{st}"
    );
    let merged = events.iter().find(|e| e.kind.name() == "merged").unwrap();
    assert_eq!(merged.time, plan.merge_at, "GitHub's merged_at");
    let recovered = events.iter().find(|e| e.kind.name() == "recovered").unwrap();
    assert_eq!(recovered.time, revert_at, "the revert's landing");
    assert!(matches!(recovered.kind, EventKind::Recovered { how: RecoveryHow::Revert, .. }));
    // From the fault's deployment (merge + 10 min) to the fix's (revert + 5 min): 1 h 13 min.
    let at = |name: &str| events.iter().find(|e| e.kind.name() == name).unwrap().time;
    assert_eq!((at("fault_deployed"), at("fix_deployed")), (after(plan.merge_at, 10), after(revert_at, 5)));
    let report =
        String::from_utf8(control.read_file(&tip, &format!("drills/{}/report.md", plan.drill_id)).unwrap().unwrap())
            .unwrap();
    assert!(report.contains("| Time to restore service | **1 h 13 min** (fault live → fix live) |"), "{report}");
    // On GitHub the report links the pull request and the commits.
    assert!(report.contains(&format!("[#1]({}/acme/shop/pull/1)", emulator.url())), "{report}");
    // The report is where the team is: one comment on the drill's pull request, found again by its marker.
    let st = emulator.state().unwrap().to_string();
    assert_eq!(st.matches("firedrill:report").count(), 1, "{st}");
    assert!(st.contains("Time to restore service"), "the comment is the report");
    // The badges, the history page and the statistics are on the ledger branch with the report, in the folder
    // Pages publishes.
    for path in ["docs/index.html", "docs/history.md", "docs/stats.json", "docs/badges/time-to-recovery.svg"] {
        assert!(control.read_file(&tip, path).unwrap().is_some(), "{path} on the ledger branch");
    }

    // A second tick at the same instant writes nothing, and an idle tick costs a handful of requests.
    let idle = tick(after(revert_at, 6));
    let requests: usize = idle.lines().find_map(|l| l.strip_prefix("GitHub API requests: ")).unwrap().parse().unwrap();
    assert_eq!(requests, 3, "an idle tick costs the ledger ref, its tree and its index:\n{idle}");
    assert_eq!(control.branch_head("firedrill/ledger").unwrap(), Some(tip));
    f.assert_openapi_valid(&[]);
}

#[test]
fn faults_injected_at_every_step_converge_on_re_runs_without_duplicates() {
    let f = Fixture::new();
    let fault = |method: &str, path: &str, extra: serde_json::Value| {
        let mut v = json!({"method": method, "path": path, "times": 1});
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        f.emulator.inject(&v).unwrap();
    };

    let clear = || f.emulator.clear_faults().unwrap();
    // A dropped connection, once, is retried by the client and changes nothing.
    fault("POST", "/repos/acme/shop/git/refs", json!({"drop": true}));
    // Opening: the pull request cannot be created (the connection keeps dropping) after the branch was
    // pushed: the run fails. The next run finds the branch and opens the pull request, once.
    fault("POST", "/repos/acme/shop/pulls", json!({"drop": true, "times": 20}));
    let (code, out, err) = f.firedrill(&["tick"], f.plan.open_at);
    assert_ne!(code, 0, "{out}{err}");
    assert_eq!(f.names(), ["planned"]);
    clear();
    f.tick(f.plan.open_at);
    assert_eq!(f.names(), ["planned", "opened"]);

    // A secondary rate limit on a read is waited out (retry-after: 1 s).
    fault(
        "GET",
        "/repos/acme/shop/pulls/*",
        json!({"status": 403, "headers": {"retry-after": "1"}, "body": {"message": "You have exceeded a secondary rate limit"}}),
    );
    // Merging: a 502 on the merge is retried by the client; then the ledger cannot be written after the
    // merge landed, so the run fails. The next run records the merge GitHub made, with its merged_at.
    fault("PUT", "/repos/acme/shop/pulls/*/merge", json!({"status": 502, "body": {"message": "Server Error"}}));
    fault("PATCH", "/repos/acme/drills/git/refs/*", json!({"drop": true, "times": 20}));
    let (code, out, err) = f.firedrill(&["tick"], f.plan.merge_at);
    assert_ne!(code, 0, "{out}{err}");
    // The rate limit and the 502 were hit (and so consumed); only the ledger's fault is left.
    let left = f.emulator.faults().unwrap();
    let paths: Vec<&str> = left.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(paths, ["/repos/acme/drills/git/refs/*"], "{left:?}");
    clear();
    f.tick(after(f.plan.merge_at, 2));

    let pulls = f.emulator.repo("acme/shop").state().unwrap().pulls;
    assert_eq!(pulls.len(), 1, "one pull request: {pulls:?}");
    assert_eq!(pulls[0].merged_at, Some("2026-11-24T10:37:00Z".parse().unwrap()));
    assert_eq!(f.names(), ["planned", "opened", "merged"]);
    let merged = f.events().into_iter().find(|e| e.kind.name() == "merged").unwrap();
    assert_eq!(merged.time, f.plan.merge_at, "the landing GitHub recorded, not the re-run's instant");
    // The injected 403 and 502 are not in GitHub's description of those operations.
    f.assert_openapi_valid(&["--allow-undocumented-status"]);
}

/// `firedrill action` as GitHub runs it on a schedule: the environment, the inputs and the event payload.
pub(crate) fn action(f: &Fixture, now: Timestamp, work: &Path, workflow_token: &str) -> (i32, String, String, String) {
    action_on(f, now, work, workflow_token, ("schedule", r#"{"schedule": "*/10 * * * *"}"#))
}

/// `firedrill action` for the event `(name, payload)`.
pub(crate) fn action_on(
    f: &Fixture,
    now: Timestamp,
    work: &Path,
    workflow_token: &str,
    event: (&str, &str),
) -> (i32, String, String, String) {
    f.emulator.set_clock(&now.to_string()).unwrap();
    let (event_name, payload) = event;
    let event = work.join("event.json");
    std::fs::write(&event, payload).unwrap();
    let output = work.join("output.txt");
    let summary = work.join("summary.md");
    let _ = std::fs::remove_file(&output);
    let mut cmd = firedrill();
    cmd.arg("action")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_REPOSITORY", "acme/drills")
        .env("GITHUB_WORKSPACE", f.dir.path())
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("INPUT_COMMAND", "auto")
        .env("INPUT_API-URL", f.emulator.url())
        .env("INPUT_DRILL-TOKEN", &f.token)
        .env("INPUT_GITHUB-TOKEN", workflow_token)
        .env("INPUT_SCENARIOS", f.dir.path().join("scenarios"))
        .env("INPUT_IDENTITY", "Sam Rivera <sam@acme.example>")
        .env("INPUT_NOW", now.to_string())
        .current_dir(f.dir.path());
    let (code, out, err) = run(&mut cmd);
    // The token appears once, in the `::add-mask::` command that tells GitHub to hide it, and nowhere else.
    let masks: Vec<&str> = out.lines().take_while(|l| l.starts_with("::add-mask::")).collect();
    assert!(masks.contains(&format!("::add-mask::{}", f.token).as_str()), "masked first:\n{out}");
    assert_eq!(out.matches(f.token.as_str()).count(), 1, "the drill token leaked:\n{out}");
    assert!(!err.contains(&f.token), "the drill token leaked:\n{err}");
    (code, out, err, std::fs::read_to_string(&output).unwrap_or_default())
}

#[test]
fn the_action_runs_a_whole_drill_on_github_from_scheduled_events() {
    let f = Fixture::new();
    // The workflow's own token writes the ledger; the drill token (Sam's) opens and merges. Sam may only read
    // the control repository here, so a ledger write with his token would be refused.
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    f.emulator.set_permission("acme/drills", "sam", "read").unwrap();
    let work = tempfile::tempdir().unwrap();
    let action = |now: Timestamp, work: &Path| action(&f, now, work, &workflow);
    let (code, out, err, outputs) = action(f.plan.open_at, work.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(outputs.contains("state=open") && outputs.contains("pr-number=1"), "{outputs}");
    assert!(outputs.contains(&format!("pr-url={}/acme/shop/pull/1", f.emulator.url())), "{outputs}");
    let (code, out, err, outputs) = action(f.plan.merge_at, work.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(outputs.contains("state=running"), "{outputs}");

    let revert_at = after(f.plan.merge_at, 78);
    f.emulator.set_clock(&revert_at.to_string()).unwrap();
    f.emulator.repo("acme/shop").as_user("ana").revert_pr(1, true).unwrap();
    let (code, out, err, outputs) = action(after(revert_at, 9), work.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(outputs.contains("state=recovered") && outputs.contains("mttr-seconds=4680"), "{outputs}");
    assert!(outputs.contains(&format!("report-path=drills/{}/report.md", f.plan.drill_id)), "{outputs}");
    let summary = std::fs::read_to_string(work.path().join("summary.md")).unwrap();
    assert!(summary.contains("time to recovery 1 h 18 min"), "{summary}");

    // The next scheduled run changes nothing and costs a handful of requests.
    let (code, _, _, outputs) = action(after(revert_at, 19), work.path());
    assert_eq!(code, 0);
    let requests: u64 = outputs.lines().find_map(|l| l.strip_prefix("requests=")).unwrap().parse().unwrap();
    assert!(requests <= 6, "{outputs}");
    // Nothing deployed the revert: the deploy signal (the seed's environment) is still asked, for 2 hours.
    assert_eq!(f.names(), ["planned", "opened", "merged", "recovered", "deploy_watch", "reported"]);
    let pr = &f.emulator.repo("acme/shop").state().unwrap().pulls[0];
    assert_eq!(pr.user, "sam", "the drill's pull request is the drill token's");
    assert_eq!(pr.merged_by.as_deref(), Some("sam"));
    f.assert_openapi_valid(&[]);
}

#[test]
fn a_manual_run_from_workflow_dispatch_starts_the_scenario_now() {
    let f = Fixture::new();
    let work = tempfile::tempdir().unwrap();
    let now: Timestamp = "2026-11-26T14:03:00Z".parse().unwrap();
    let payload = r#"{"inputs": {"scenario": "redis-pool-exhaustion", "mode": "run"}, "ref": "refs/heads/main"}"#;
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let (code, out, err, outputs) = action_on(&f, now, work.path(), &workflow, ("workflow_dispatch", payload));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("planned by hand") && out.contains("opened `"), "{out}");
    assert!(
        outputs.contains("drill-id=redis-pool-exhaustion-20261126T1403Z") && outputs.contains("state=open"),
        "{outputs}"
    );
}

/// The exchanges GitHub (the emulator) logged so far.
pub(crate) fn exchanges(f: &Fixture) -> usize {
    std::fs::read_to_string(f.state.path().join("exchanges.jsonl")).unwrap_or_default().lines().count()
}

#[test]
fn the_requests_output_is_what_github_received_retries_and_the_final_re_read_included() {
    let f = Fixture::new();
    let workflow = f.emulator.user_with_token("github-actions").unwrap();
    f.emulator.set_permission("acme/drills", "github-actions", "write").unwrap();
    let work = tempfile::tempdir().unwrap();
    // A 502 on a ledger read and on the drill's target read: octocrab's retry layer sends each again.
    for path in ["/repos/acme/drills/git/ref/*", "/repos/acme/shop/contents/*"] {
        let fault =
            json!({"method": "GET", "path": path, "times": 1, "status": 502, "body": {"message": "Server Error"}});
        f.emulator.inject(&fault).unwrap();
    }
    for now in [f.plan.open_at, f.plan.merge_at, after(f.plan.merge_at, 5)] {
        let before = exchanges(&f);
        let (code, out, err, outputs) = action(&f, now, work.path(), &workflow);
        assert_eq!(code, 0, "{out}{err}");
        let requests: usize = outputs.lines().find_map(|l| l.strip_prefix("requests=")).unwrap().parse().unwrap();
        assert_eq!(requests, exchanges(&f) - before, "at {now}: the output and the server's log disagree:\n{outputs}");
    }
    let left = f.emulator.faults().unwrap();
    assert!(left.is_empty(), "both 502s were served (and retried): {left:?}");

    // The command line's count is the server's too.
    f.emulator
        .inject(&json!({"method": "GET", "path": "/repos/acme/drills/git/ref/*", "times": 1, "status": 503}))
        .unwrap();
    let before = exchanges(&f);
    let out = f.tick(after(f.plan.merge_at, 10));
    let requests: usize = out.lines().find_map(|l| l.strip_prefix("GitHub API requests: ")).unwrap().parse().unwrap();
    assert_eq!(requests, exchanges(&f) - before, "{out}");
}

/// Issue 19, item 4: a merge GitHub refuses (here a required review, in GitHub's words) abandons the drill
/// and never leaves the disguised pull request open: it is closed and its branch deleted.
#[test]
fn an_abandoned_merge_closes_the_pull_request_and_deletes_its_branch() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    let refusal = "At least 1 approving review is required by reviewers with write access.";
    let fault = json!({"method": "PUT", "path": "/repos/acme/shop/pulls/*/merge", "status": 405,
        "body": {"message": refusal, "documentation_url": "https://docs.github.com/rest", "status": "405"}});
    f.emulator.inject(&fault).unwrap();
    let (code, out, err) = f.firedrill(&["tick"], f.plan.merge_at);
    assert_eq!(code, 3, "an abandoned drill is a refusal:\n{out}\n{err}");
    assert!(out.contains(refusal), "{out}");
    assert_eq!(f.names(), ["planned", "opened", "abandoned", "reported"]);
    let pull = &f.emulator.repo("acme/shop").state().unwrap().pulls[0];
    assert_eq!(pull.state, "closed", "{pull:?}");
    assert!(pull.merged_at.is_none(), "{pull:?}");
    let shop = Repo::open(&f.state.path().join("repos/acme/shop.git")).unwrap();
    let branch = &pull.head_ref;
    assert_eq!(shop.branch_head(branch).unwrap(), None, "the drill's branch `{branch}` is deleted");
    f.assert_openapi_valid(&[]);
}

/// Issue 19, item 3: GitHub's 409 "Base branch was modified" is retried in the same run, never an abandon.
#[test]
fn a_base_modified_409_at_the_merge_is_retried_in_the_same_run() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    let fault = json!({"method": "PUT", "path": "/repos/acme/shop/pulls/*/merge", "status": 409,
        "body": {"message": "Base branch was modified. Review and try the merge again.",
                 "documentation_url": "https://docs.github.com/rest", "status": "409"}});
    f.emulator.inject(&fault).unwrap();
    f.tick(f.plan.merge_at);
    assert_eq!(f.names(), ["planned", "opened", "merged"]);
    assert!(f.emulator.faults().unwrap().is_empty());
}

/// Issue 19, item 5: a revert whose direct branch update GitHub refuses (422 while the branch stood still: branch
/// protection, not a race) is not retried five times: it lands through a revert pull request at once.
#[test]
fn a_revert_refused_by_a_direct_update_lands_through_a_revert_pull_request() {
    let f = Fixture::new();
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    let deadline = after(f.plan.merge_at, 181);
    let fault = json!({"method": "PATCH", "path": "/repos/acme/shop/git/refs/heads/main", "status": 422, "times": 5,
        "body": {"message": "Protected branch update failed for refs/heads/main.",
                 "documentation_url": "https://docs.github.com/rest", "status": "422"}});
    f.emulator.inject(&fault).unwrap();
    f.tick(deadline);
    let faults = f.emulator.faults().unwrap();
    assert_eq!(faults[0].times, 4, "one direct update attempt, not five: {faults:?}");
    let pulls = f.emulator.repo("acme/shop").state().unwrap().pulls;
    let revert = &pulls[1];
    // Worded like GitHub's Revert button: `revert-N-BRANCH`, `Revert "TITLE"`, `Reverts OWNER/REPO#N`.
    let drill = &pulls[0];
    assert_eq!(revert.head_ref, format!("revert-1-{}", drill.head_ref), "{revert:?}");
    assert_eq!(revert.title, format!("Revert \"{}\"", drill.title), "{revert:?}");
    assert_eq!(revert.body.as_deref(), Some("Reverts acme/shop#1"), "{revert:?}");
    assert_eq!(revert.merged_at, Some(deadline), "{revert:?}");
    assert_eq!(f.names(), ["planned", "opened", "merged", "timed_out", "recovered", "deploy_watch", "reported"]);
    f.assert_openapi_valid(&[]);
}
