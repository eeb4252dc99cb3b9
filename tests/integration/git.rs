//! The git layer against real repositories and git's own smart HTTP server (`git http-backend`, token auth),
//! checked with the plain git command line as an independent oracle.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use firedrill::git::{CommitSha, FileChange, GitError, Identity, MergeMethod, PushRef, Repo, Token};

use crate::common::git_in;
use crate::support::git_http::GitHttp;

/// Distinctive enough that finding it anywhere means it leaked.
const SECRET: &str = "fdtok_S3CR3T_6f1d9a2c7b";
const WRONG: &str = "fdtok_WR0NG_0a8e77f3d1";
const TRACKING: &str = "refs/remotes/origin/main";

fn token() -> Token {
    Token::new(SECRET)
}

fn dana(second: i64) -> Identity {
    Identity::new("Dana Ops", "dana@example.com", jiff::Timestamp::from_second(1_700_000_000 + second).expect("time"))
}

fn bot(second: i64) -> Identity {
    Identity::new(
        "firedrill",
        "firedrill@example.com",
        jiff::Timestamp::from_second(1_700_000_000 + second).expect("time"),
    )
}

/// Writes a chain of commits on `branch` (one per change list) and returns their ids, oldest first.
fn seed(repo: &Repo, branch: &str, commits: &[Vec<FileChange>]) -> Vec<CommitSha> {
    let refname = format!("refs/heads/{branch}");
    let mut tip = repo.branch_head(branch).expect("read branch");
    let mut made = Vec::new();
    for (i, changes) in commits.iter().enumerate() {
        let n = i64::try_from(made.len()).expect("small") * 60;
        let sha =
            repo.write_commit(tip.as_ref(), changes, &format!("commit {i}\n"), &dana(n), &dana(n)).expect("write");
        repo.update_ref(&refname, &sha, tip.as_ref(), "seed").expect("move branch");
        tip = Some(sha.clone());
        made.push(sha);
    }
    made
}

fn values(pool: u32) -> FileChange {
    FileChange::write("charts/api/values.yaml", format!("redis:\n  pool: {pool}\n"))
}

/// A server with repository `target` holding `n` commits on main; returns the server and the commits.
fn server_with_history(n: usize) -> (GitHttp, Vec<CommitSha>) {
    let server = GitHttp::start(SECRET);
    let path = server.create_repo("target");
    let remote = Repo::open(&path).expect("open served repository");
    let commits: Vec<Vec<FileChange>> = (0..n)
        .map(|i| vec![values(u32::try_from(i).expect("small") + 1), FileChange::write(format!("notes/{i}.md"), "x")])
        .collect();
    let made = seed(&remote, "main", &commits);
    (server, made)
}

fn local() -> (tempfile::TempDir, Repo) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let repo = Repo::init_bare(&dir.path().join("work.git")).expect("init bare");
    (dir, repo)
}

fn rev_parse(git_dir: &Path, rev: &str) -> String {
    git_in(git_dir, &["rev-parse", rev])
}

/// `git ls-tree -r -t` as path -> (mode, type, id).
fn ls_tree(git_dir: &Path, commit: &CommitSha) -> BTreeMap<String, (String, String, String)> {
    git_in(git_dir, &["ls-tree", "-r", "-t", commit.as_str()])
        .lines()
        .map(|line| {
            let (meta, path) = line.split_once('\t').expect("ls-tree line");
            let mut meta = meta.split(' ').map(str::to_owned);
            let entry = (meta.next().expect("mode"), meta.next().expect("type"), meta.next().expect("id"));
            (path.to_owned(), entry)
        })
        .collect()
}

fn read(repo: &Repo, commit: &CommitSha, path: &str) -> Option<String> {
    repo.read_file(commit, path).expect("read file").map(|b| String::from_utf8(b).expect("utf-8"))
}

#[test]
fn the_server_starts_fast_and_asks_for_the_token() {
    let started = Instant::now();
    let server = GitHttp::start(SECRET);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(50), "server took {elapsed:?} to start");
    server.create_repo("target");

    // Plain HTTP without credentials: 401 with a Basic challenge.
    use std::io::{Read, Write};
    let addr = server.url("target").trim_start_matches("http://").split('/').next().expect("host").to_owned();
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .write_all(
            b"GET /target.git/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("WWW-Authenticate: Basic realm=\"git\""), "{answer}");

    // git's own client, with the token, clones the empty repository through it.
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = server.url("target").replace("http://", &format!("http://x-access-token:{SECRET}@"));
    let out =
        server.git().current_dir(dir.path()).args(["clone", "--quiet", &url, "clone"]).output().expect("git clone");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // git's client asks anonymously first (twice, as it happens), then sends the token.
    let log = server.requests();
    let first_ok = log.iter().position(|r| r.status == 200).expect("an answered request");
    assert!(first_ok > 0 && log[..first_ok].iter().all(|r| r.status == 401), "{log:?}");
    assert!(log[first_ok..].iter().all(|r| r.status == 200), "{log:?}");
    assert!(log.iter().any(|r| r.method == "POST" && r.path == "/target.git/git-upload-pack"), "{log:?}");
}

#[test]
fn fetches_a_branch_over_smart_http_with_the_token() {
    let (server, commits) = server_with_history(3);
    let (_dir, repo) = local();
    server.clear_requests();

    let tip = repo.fetch_branch(&server.url("target"), "main", TRACKING, None, Some(&token())).expect("fetch");
    assert_eq!(tip.as_ref(), commits.last());
    assert_eq!(repo.ref_target(TRACKING).expect("ref"), tip);
    assert_eq!(read(&repo, &commits[2], "charts/api/values.yaml").as_deref(), Some("redis:\n  pool: 3\n"));
    assert_eq!(read(&repo, &commits[0], "notes/2.md"), None);
    assert!(!repo.is_shallow());
    assert_eq!(git_in(repo.git_dir(), &["rev-list", "--count", TRACKING]), "3");
    // libgit2 truncates FETCH_HEAD on every fetch even when told not to write it: it stays empty.
    let fetch_head = std::fs::read_to_string(repo.git_dir().join("FETCH_HEAD")).unwrap_or_default();
    assert_eq!(fetch_head, "", "FETCH_HEAD is not written");

    // ref advertisement (401, then with the token) and one upload-pack exchange.
    let log = server.requests();
    let summary: Vec<(&str, &str, u16)> = log.iter().map(|r| (r.method.as_str(), r.path.as_str(), r.status)).collect();
    assert_eq!(
        summary,
        [
            ("GET", "/target.git/info/refs?service=git-upload-pack", 401),
            ("GET", "/target.git/info/refs?service=git-upload-pack", 200),
            ("POST", "/target.git/git-upload-pack", 200),
        ]
    );

    // Fetching again when nothing changed downloads nothing and keeps the tip.
    server.clear_requests();
    let again = repo.fetch_branch(&server.url("target"), "main", TRACKING, None, Some(&token())).expect("fetch again");
    assert_eq!(again, tip);
    assert!(server.requests().iter().all(|r| r.method == "GET"), "{:?}", server.requests());
}

#[test]
fn a_missing_branch_fetches_as_none_and_clears_the_stale_ref() {
    let (server, commits) = server_with_history(1);
    let (_dir, repo) = local();
    let url = server.url("target");
    let into = "refs/remotes/origin/drill";
    assert_eq!(repo.fetch_branch(&url, "drill", into, None, Some(&token())).expect("fetch"), None);

    // The branch appears, is fetched, then is deleted on the server: the local ref goes too.
    let served = Repo::open(&server.repo_path("target")).expect("open");
    served.update_ref("refs/heads/drill", &commits[0], None, "test").expect("create");
    assert_eq!(repo.fetch_branch(&url, "drill", into, None, Some(&token())).expect("fetch"), Some(commits[0].clone()));
    git_in(&server.repo_path("target"), &["update-ref", "-d", "refs/heads/drill"]);
    assert_eq!(repo.fetch_branch(&url, "drill", into, None, Some(&token())).expect("fetch"), None);
    assert_eq!(repo.ref_target(into).expect("ref"), None);
}

#[test]
fn a_shallow_fetch_over_http_brings_one_commit() {
    let (server, commits) = server_with_history(5);
    let (_dir, repo) = local();
    let url = server.url("target");
    let one = NonZeroU32::new(1);

    let tip = repo.fetch_branch(&url, "main", TRACKING, one, Some(&token())).expect("shallow fetch").expect("branch");
    assert_eq!(&tip, &commits[4]);
    assert!(repo.is_shallow());
    let shallow = std::fs::read_to_string(repo.git_dir().join("shallow")).expect("shallow file");
    assert_eq!(shallow.trim(), tip.as_str());
    assert_eq!(git_in(repo.git_dir(), &["rev-list", "--count", TRACKING]), "1");
    assert_eq!(read(&repo, &tip, "charts/api/values.yaml").as_deref(), Some("redis:\n  pool: 5\n"));
    // History before the boundary is not there: the walk says so instead of inventing an answer.
    assert!(matches!(repo.first_parent_history(&tip, &commits[0]), Err(GitError::NotInHistory { .. })));

    // A later shallow fetch brings the new tip on top of what is there.
    let served = Repo::open(&server.repo_path("target")).expect("open");
    let newer = seed(&served, "main", &[vec![values(6)]]);
    let tip = repo.fetch_branch(&url, "main", TRACKING, one, Some(&token())).expect("fetch").expect("branch");
    assert_eq!(tip, newer[0]);
    assert_eq!(read(&repo, &tip, "charts/api/values.yaml").as_deref(), Some("redis:\n  pool: 6\n"));
}

#[test]
fn a_shallow_copy_is_deepened_then_unshallowed_over_http() {
    let (server, commits) = server_with_history(9);
    let (_dir, repo) = local();
    let url = server.url("target");
    let fetch = |depth| repo.fetch_branch(&url, "main", TRACKING, Some(depth), Some(&token())).expect("fetch");
    assert_eq!(fetch(NonZeroU32::MIN).as_ref(), Some(&commits[8]));
    assert!(matches!(repo.first_parent_history(&commits[8], &commits[4]), Err(GitError::NotInHistory { .. })));
    fetch(NonZeroU32::new(5).expect("not zero"));
    assert_eq!(git_in(repo.git_dir(), &["rev-list", "--count", TRACKING]), "5");
    // A handle that read the boundary commit keeps it parentless: walk with a fresh one.
    let reopened = Repo::open(repo.git_dir()).expect("reopen");
    let walked = reopened.first_parent_history(&commits[8], &commits[4]).expect("reachable now");
    assert_eq!(walked.iter().map(|c| c.sha.clone()).collect::<Vec<_>>(), commits[5..].to_vec());
    assert!(repo.is_shallow());
    fetch(firedrill::git::UNSHALLOW);
    assert!(!repo.is_shallow(), "the rest of the history is there");
    assert_eq!(git_in(repo.git_dir(), &["rev-list", "--count", TRACKING]), "9");
}

#[test]
fn a_local_path_is_read_in_place_without_copying_anything() {
    let (server, commits) = server_with_history(5);
    let (_dir, repo) = local();
    let path = server.repo_path("target");
    for depth in [None, NonZeroU32::new(1)] {
        let tip = repo
            .fetch_branch(path.to_str().expect("utf-8 path"), "main", TRACKING, depth, None)
            .expect("fetch from a path")
            .expect("branch");
        assert_eq!(&tip, &commits[4]);
    }
    assert!(!repo.is_shallow(), "the whole history is readable");
    assert_eq!(loose_objects(repo.git_dir()), 0, "nothing copied");
    assert!(std::fs::read_dir(repo.git_dir().join("objects/pack")).expect("pack folder").next().is_none());
    // git itself reads the borrowed objects (objects/info/alternates, as `git clone --shared` writes it).
    assert_eq!(git_in(repo.git_dir(), &["rev-list", "--count", TRACKING]), "5");
    let alternates = std::fs::read_to_string(repo.git_dir().join("objects/info/alternates")).expect("alternates");
    assert_eq!(alternates.lines().count(), 1, "listed once: {alternates}");
    assert_eq!(repo.first_parent_history(&commits[4], &commits[0]).expect("walk").len(), 4);
    assert!(server.requests().is_empty());
    // A branch the repository does not have is none, and a missing folder is a missing repository.
    assert_eq!(repo.fetch_branch(path.to_str().expect("utf-8"), "nope", TRACKING, None, None).expect("fetch"), None);
    assert!(matches!(
        repo.fetch_branch("/definitely/not/here.git", "main", TRACKING, None, None),
        Err(GitError::NotFound { .. })
    ));
}

#[test]
fn a_wrong_token_fails_fast_after_a_bounded_number_of_requests() {
    let (server, commits) = server_with_history(1);
    let (_dir, repo) = local();
    let url = server.url("target");

    server.clear_requests();
    let started = Instant::now();
    let err = repo.fetch_branch(&url, "main", TRACKING, None, Some(&Token::new(WRONG))).expect_err("refused");
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert!(matches!(&err, GitError::AuthFailed { url: u, token_given: true } if *u == url), "{err:?}");
    let log = server.requests();
    // One anonymous request, one with the token, then firedrill stops (libgit2 alone would replay 15 times).
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.iter().all(|r| r.status == 401));

    // Pushing with it stops the same way.
    server.clear_requests();
    let push = [PushRef::Update { commit: &commits[0], remote_ref: "refs/heads/other" }];
    repo.fetch_branch(server.repo_path("target").to_str().expect("path"), "main", TRACKING, None, None).expect("fetch");
    let err = repo.push(&url, &push, Some(&Token::new(WRONG))).expect_err("refused");
    assert!(matches!(err, GitError::AuthFailed { token_given: true, .. }), "{err:?}");
    assert_eq!(server.requests().len(), 2, "{:?}", server.requests());
}

#[test]
fn a_missing_token_is_an_auth_failure_after_one_request() {
    let (server, _) = server_with_history(1);
    let (_dir, repo) = local();
    server.clear_requests();
    let err = repo.fetch_branch(&server.url("target"), "main", TRACKING, None, None).expect_err("refused");
    assert!(matches!(err, GitError::AuthFailed { token_given: false, .. }), "{err:?}");
    assert!(err.to_string().contains("no token was given"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn an_unknown_repository_is_not_found() {
    let server = GitHttp::start(SECRET);
    let (_dir, repo) = local();
    let err = repo.fetch_branch(&server.url("nope"), "main", TRACKING, None, Some(&token())).expect_err("missing");
    assert!(matches!(&err, GitError::NotFound { what } if what.contains("nope.git")), "{err:?}");
    let missing = server.root().join("missing.git");
    let err = repo.fetch_branch(missing.to_str().expect("path"), "main", TRACKING, None, None).expect_err("missing");
    assert!(matches!(&err, GitError::NotFound { what } if what.contains("missing.git")), "{err:?}");
}

#[test]
fn pushes_a_new_branch_then_a_fast_forward() {
    let (server, commits) = server_with_history(2);
    let (_dir, repo) = local();
    let url = server.url("target");
    let base =
        repo.fetch_branch(&url, "main", TRACKING, NonZeroU32::new(1), Some(&token())).expect("fetch").expect("main");

    let drill =
        repo.write_commit(Some(&base), &[values(0)], "Tune redis pool\n", &dana(600), &dana(600)).expect("commit");
    repo.push(&url, &[PushRef::Update { commit: &drill, remote_ref: "refs/heads/tune-redis" }], Some(&token()))
        .expect("push new branch");
    let served = server.repo_path("target");
    assert_eq!(rev_parse(&served, "refs/heads/tune-redis"), drill.as_str());
    assert_eq!(rev_parse(&served, "refs/heads/main"), commits[1].as_str(), "main untouched");
    assert_eq!(git_in(&served, &["show", "tune-redis:charts/api/values.yaml"]), "redis:\n  pool: 0");

    // Fast-forward main to the drill commit (what a fast-forward merge pushes).
    repo.push(&url, &[PushRef::Update { commit: &drill, remote_ref: "refs/heads/main" }], Some(&token()))
        .expect("fast-forward");
    assert_eq!(rev_parse(&served, "refs/heads/main"), drill.as_str());
    // Pushing what is already there is fine (an idempotent re-run).
    repo.push(&url, &[PushRef::Update { commit: &drill, remote_ref: "refs/heads/main" }], Some(&token()))
        .expect("same commit again");
}

#[test]
fn a_non_fast_forward_push_is_rejected() {
    let (server, _) = server_with_history(2);
    let (_dir, repo) = local();
    let url = server.url("target");
    let base = repo.fetch_branch(&url, "main", TRACKING, None, Some(&token())).expect("fetch").expect("main");
    let ours = repo.write_commit(Some(&base), &[values(0)], "ours\n", &bot(900), &bot(900)).expect("commit");

    // Someone else lands a commit first: our push is a lost compare-and-swap.
    let served = Repo::open(&server.repo_path("target")).expect("open");
    let theirs = seed(&served, "main", &[vec![values(42)]]);
    let update = [PushRef::Update { commit: &ours, remote_ref: "refs/heads/main" }];
    let err = repo.push(&url, &update, Some(&token())).expect_err("not a fast-forward");
    assert!(
        matches!(&err, GitError::PushRejected { refname, reason } if refname == "refs/heads/main" && reason.contains("non-fast-forward")),
        "{err:?}"
    );
    assert_eq!(rev_parse(&server.repo_path("target"), "refs/heads/main"), theirs[0].as_str());

    // Also when the other commit is known locally (fetched into another ref): still refused.
    repo.fetch_branch(&url, "main", "refs/remotes/origin/latest", None, Some(&token())).expect("fetch");
    let err = repo.push(&url, &update, Some(&token())).expect_err("diverged");
    assert!(matches!(err, GitError::PushRejected { .. }), "{err:?}");
    // Rebuilt on the new tip, it goes through.
    let retry = repo.write_commit(Some(&theirs[0]), &[values(0)], "ours\n", &bot(960), &bot(960)).expect("commit");
    repo.push(&url, &[PushRef::Update { commit: &retry, remote_ref: "refs/heads/main" }], Some(&token()))
        .expect("push");
}

#[test]
fn a_hook_rejection_is_a_push_rejected_with_the_reason() {
    let (server, _) = server_with_history(1);
    let (_dir, repo) = local();
    let url = server.url("target");
    let base = repo.fetch_branch(&url, "main", TRACKING, None, Some(&token())).expect("fetch").expect("main");
    let drill = repo.write_commit(Some(&base), &[values(0)], "x\n", &dana(60), &dana(60)).expect("commit");
    server.reject_pushes("target", "drills are paused this week");
    server.clear_requests();

    let err = repo
        .push(&url, &[PushRef::Update { commit: &drill, remote_ref: "refs/heads/drill" }], Some(&token()))
        .expect_err("hook declines");
    let GitError::PushRejected { refname, reason } = &err else { panic!("{err:?}") };
    assert_eq!(refname, "refs/heads/drill");
    assert!(reason.contains("pre-receive hook declined"), "{reason}");
    assert!(reason.contains("drills are paused this week"), "{reason}");
    // The server answered 200: the rejection is only in the per-reference report.
    assert!(server.requests().iter().all(|r| r.status != 401 || r.method == "GET"), "{:?}", server.requests());
    assert!(server.requests().iter().any(|r| r.method == "POST" && r.status == 200));
    let out =
        server.git().args(["--git-dir"]).arg(server.repo_path("target")).args(["branch", "--list", "drill"]).output();
    assert!(out.expect("git branch").stdout.is_empty(), "the branch was not created");

    server.accept_pushes("target");
    repo.push(&url, &[PushRef::Update { commit: &drill, remote_ref: "refs/heads/drill" }], Some(&token()))
        .expect("push");
}

#[test]
fn deletes_a_remote_branch() {
    let (server, commits) = server_with_history(1);
    let (_dir, repo) = local();
    let url = server.url("target");
    repo.fetch_branch(&url, "main", TRACKING, None, Some(&token())).expect("fetch");
    repo.push(&url, &[PushRef::Update { commit: &commits[0], remote_ref: "refs/heads/drill" }], Some(&token()))
        .expect("create");
    repo.push(&url, &[PushRef::Delete { remote_ref: "refs/heads/drill" }], Some(&token())).expect("delete");
    assert_eq!(git_in(&server.repo_path("target"), &["for-each-ref", "--format=%(refname)"]), "refs/heads/main");
}

#[test]
fn a_large_push_is_sent_chunked_and_arrives_whole() {
    let (server, _) = server_with_history(1);
    let (_dir, repo) = local();
    let url = server.url("target");
    let base = repo.fetch_branch(&url, "main", TRACKING, None, Some(&token())).expect("fetch").expect("main");
    // Incompressible content, so the pack is larger than libgit2's buffer.
    let mut state = 0x2545_f491_u32;
    let noise: Vec<u8> = (0..3_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect();
    let big = repo
        .write_commit(Some(&base), &[FileChange::write("blob.bin", noise)], "big\n", &dana(1), &dana(1))
        .expect("commit");
    server.clear_requests();
    repo.push(&url, &[PushRef::Update { commit: &big, remote_ref: "refs/heads/big" }], Some(&token())).expect("push");
    assert!(server.requests().iter().any(|r| r.method == "POST" && r.chunked), "{:?}", server.requests());
    assert_eq!(git_in(&server.repo_path("target"), &["cat-file", "-s", "big:blob.bin"]), "3000000");
    git_in(&server.repo_path("target"), &["fsck", "--no-progress"]);
}

#[test]
fn pushes_to_a_local_path_with_the_same_rules() {
    let (server, commits) = server_with_history(2);
    let (_dir, repo) = local();
    let path = server.repo_path("target");
    let url = path.to_str().expect("utf-8 path");
    let base = repo.fetch_branch(url, "main", TRACKING, None, None).expect("fetch").expect("main");
    let next = repo.write_commit(Some(&base), &[values(9)], "next\n", &dana(1), &dana(1)).expect("commit");
    repo.push(url, &[PushRef::Update { commit: &next, remote_ref: "refs/heads/main" }], None).expect("fast-forward");
    assert_eq!(rev_parse(&path, "main"), next.as_str());
    let stale = repo.write_commit(Some(&commits[1]), &[values(8)], "stale\n", &dana(2), &dana(2)).expect("commit");
    let err =
        repo.push(url, &[PushRef::Update { commit: &stale, remote_ref: "refs/heads/main" }], None).expect_err("nff");
    assert!(matches!(err, GitError::PushRejected { .. }), "{err:?}");
    assert_eq!(rev_parse(&path, "main"), next.as_str());
}

#[test]
fn write_commit_changes_exactly_the_given_files() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let git_dir = dir.path().join("big.git");
    let repo = Repo::init_bare(&git_dir).expect("init");
    // A tree with folders, many files and an executable script, made by git itself.
    let mut files: Vec<(String, String)> =
        (0..40).map(|i| (format!("apps/app{}/config/{i}.yaml", i % 5), format!("n: {i}\n"))).collect();
    files.push(("charts/api/values.yaml".into(), "redis:\n  pool: 10\n".into()));
    files.push(("charts/api/templates/deploy.yaml".into(), "kind: Deployment\n".into()));
    files.push(("charts/web/values.yaml".into(), "replicas: 2\n".into()));
    files.push(("README.md".into(), "# staging\n".into()));
    let parent = import(&git_dir, &files, &[("scripts/deploy.sh", "#!/bin/sh\necho deploy\n")]);
    let refs_before = git_in(&git_dir, &["for-each-ref"]);
    assert_eq!(loose_objects(&git_dir), 0, "fast-import wrote a pack");

    let changes = [
        FileChange::write("charts/api/values.yaml", "redis:\n  pool: 0\n"),
        FileChange::write("charts/api/extra/new.yaml", "new: true\n"),
        FileChange::delete("charts/web/values.yaml"),
        FileChange::write("scripts/deploy.sh", "#!/bin/sh\necho deploy now\n"),
    ];
    let commit = repo
        .write_commit(Some(&parent), &changes, "Tune the redis pool\n\nLess idle connections.\n", &dana(0), &bot(3600))
        .expect("write commit");

    let before = ls_tree(&git_dir, &parent);
    let after = ls_tree(&git_dir, &commit);
    let touched =
        ["charts/api/values.yaml", "charts/api/extra/new.yaml", "charts/web/values.yaml", "scripts/deploy.sh"];
    let touched_folders = ["charts", "charts/api", "charts/api/extra", "charts/web", "scripts"];
    for (path, entry) in &before {
        if !touched.contains(&path.as_str()) && !touched_folders.contains(&path.as_str()) {
            assert_eq!(after.get(path), Some(entry), "{path} must keep its object id");
        }
    }
    assert_eq!(after.len(), before.len() - 2 + 2, "one file and its folder gone, one file and its folder added");
    assert!(!after.contains_key("charts/web"), "an emptied folder disappears");
    assert_eq!(after["scripts/deploy.sh"].0, "100755", "an executable stays executable");
    assert_eq!(after["charts/api/extra/new.yaml"].0, "100644");
    assert_ne!(after["charts/api/values.yaml"].2, before["charts/api/values.yaml"].2);
    assert_eq!(git_in(&git_dir, &["show", &format!("{commit}:charts/api/values.yaml")]), "redis:\n  pool: 0");
    // Same parent, author and committer as asked; no reference moved; no index or work tree appeared.
    assert_eq!(git_in(&git_dir, &["rev-parse", &format!("{commit}^")]), parent.as_str());
    let header = git_in(&git_dir, &["cat-file", "commit", commit.as_str()]);
    assert!(header.contains("\nauthor Dana Ops <dana@example.com> 1700000000 +0000\n"), "{header}");
    assert!(header.contains("\ncommitter firedrill <firedrill@example.com> 1700003600 +0000\n"), "{header}");
    assert!(header.ends_with("Tune the redis pool\n\nLess idle connections."), "{header}");
    assert_eq!(git_in(&git_dir, &["for-each-ref"]), refs_before);
    assert!(!git_dir.join("index").exists());
    // Objects written: 3 blobs, the 5 trees on the changed paths (root, charts, charts/api, charts/api/extra,
    // scripts) and the commit. The 40 files under apps/ were never read: the cost follows the paths' depth.
    assert_eq!(loose_objects(&git_dir), 9, "objects written");
    git_in(&git_dir, &["fsck", "--no-progress", "--strict", commit.as_str()]);

    assert_eq!(repo.list_dir(&commit, "charts/api").expect("list"), ["extra", "templates", "values.yaml"]);
    assert_eq!(repo.list_dir(&commit, "charts/web").expect("an emptied folder"), Vec::<String>::new());
    assert!(matches!(repo.list_dir(&commit, "README.md"), Err(GitError::InvalidPath { .. })));
    // Each folder's file, in one walk (`charts/web` was emptied, so it is gone).
    let each: Vec<(String, String)> = repo
        .read_each(&commit, "charts", "values.yaml")
        .expect("read each")
        .into_iter()
        .map(|(name, bytes)| (name, String::from_utf8(bytes).expect("utf-8")))
        .collect();
    let oracle = git_in(&git_dir, &["show", &format!("{commit}:charts/api/values.yaml")]);
    assert_eq!(each, [("api".to_owned(), format!("{oracle}\n"))]);
    assert_eq!(repo.read_each(&commit, "nowhere", "values.yaml").expect("a missing folder"), Vec::new());
    assert!(matches!(repo.read_each(&commit, "README.md", "x"), Err(GitError::InvalidPath { .. })));
    repo.set_head("refs/heads/drill").expect("HEAD may name a branch that does not exist yet");
    assert_eq!(git_in(&git_dir, &["symbolic-ref", "HEAD"]), "refs/heads/drill");

    let info = repo.commit_info(&commit).expect("info");
    assert_eq!(info.parents, vec![parent.clone()]);
    assert_eq!(info.author, dana(0));
    assert_eq!(info.committer, bot(3600));
}

/// How many loose objects `git count-objects` sees.
fn loose_objects(git_dir: &Path) -> usize {
    let counts = git_in(git_dir, &["count-objects", "-v"]);
    let count = counts.lines().find_map(|l| l.strip_prefix("count: ")).expect("count line");
    count.parse().expect("a number")
}

/// Writes one commit on `main` with git fast-import: (path, content) files and executable scripts.
fn import(git_dir: &Path, files: &[(String, String)], scripts: &[(&str, &str)]) -> CommitSha {
    let mut stream =
        String::from("commit refs/heads/main\ncommitter Seed <seed@example.com> 1600000000 +0000\ndata 5\nseed\n");
    for (path, content) in files {
        stream.push_str(&format!("M 100644 inline {path}\ndata {}\n{content}\n", content.len()));
    }
    for (path, content) in scripts {
        stream.push_str(&format!("M 100755 inline {path}\ndata {}\n{content}\n", content.len()));
    }
    let mut child = crate::common::git()
        .current_dir(git_dir)
        .args(["-c", "fastimport.unpackLimit=0", "fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("git fast-import");
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(stream.as_bytes()).expect("feed fast-import");
    assert!(child.wait().expect("fast-import").success());
    CommitSha::parse(&rev_parse(git_dir, "refs/heads/main")).expect("sha")
}

#[test]
fn write_commit_refuses_changes_that_cannot_apply() {
    let (_dir, repo) = local();
    let root = repo
        .write_commit(
            None,
            &[FileChange::write("a/b.yaml", "x: 1\n"), FileChange::write("c", "c\n")],
            "root\n",
            &dana(0),
            &dana(0),
        )
        .expect("a root commit");
    assert_eq!(repo.commit_info(&root).expect("info").parents, vec![]);

    let err = repo.write_commit(Some(&root), &[FileChange::delete("missing.yaml")], "m", &dana(1), &dana(1));
    assert!(matches!(err, Err(GitError::NotFound { .. })), "{err:?}");
    let err = repo.write_commit(Some(&root), &[FileChange::write("c/d", "x")], "m", &dana(1), &dana(1));
    assert!(matches!(&err, Err(GitError::InvalidPath { reason, .. }) if reason.contains("`c` is a file")), "{err:?}");
    let err = repo.write_commit(Some(&root), &[FileChange::write("a", "x")], "m", &dana(1), &dana(1));
    assert!(matches!(err, Err(GitError::InvalidPath { .. })), "{err:?}");
    let err = repo.write_commit(Some(&root), &[FileChange::delete("a")], "m", &dana(1), &dana(1));
    assert!(matches!(err, Err(GitError::InvalidPath { .. })), "{err:?}");
    let err = repo.write_commit(Some(&root), &[FileChange::write("../escape", "x")], "m", &dana(1), &dana(1));
    assert!(matches!(err, Err(GitError::InvalidPath { .. })), "{err:?}");
    let unknown = CommitSha::parse(&"1".repeat(40)).expect("sha");
    let err = repo.write_commit(Some(&unknown), &[FileChange::write("x", "x")], "m", &dana(1), &dana(1));
    assert!(matches!(err, Err(GitError::NotFound { .. })), "{err:?}");
    let bad = Identity::new("Eve <evil>", "e@example.com", dana(0).time);
    let err = repo.write_commit(Some(&root), &[FileChange::write("x", "x")], "m", &bad, &dana(1));
    assert!(matches!(err, Err(GitError::InvalidIdentity { .. })), "{err:?}");
}

/// main: base0 (a, b) -> base1 (b changed); drill branch from base0 changes a.
struct Diverged {
    _dir: tempfile::TempDir,
    repo: Repo,
    base0: CommitSha,
    base1: CommitSha,
    head: CommitSha,
}

fn diverged() -> Diverged {
    let (dir, repo) = local();
    let a = "one\ntwo\nthree\n";
    let base = seed(&repo, "main", &[vec![FileChange::write("a.yaml", a), FileChange::write("b.yaml", "b: 1\n")]]);
    repo.update_ref("refs/heads/drill", &base[0], None, "branch").expect("branch");
    let head = seed(&repo, "drill", &[vec![FileChange::write("a.yaml", "one\nTWO\nthree\n")]]);
    let base1 = seed(&repo, "main", &[vec![FileChange::write("b.yaml", "b: 2\n")]]);
    Diverged { _dir: dir, repo, base0: base[0].clone(), base1: base1[0].clone(), head: head[0].clone() }
}

#[test]
fn merges_with_each_method() {
    let d = diverged();
    let git_dir = d.repo.git_dir().to_path_buf();

    let merge =
        d.repo.merge(&d.base1, &d.head, MergeMethod::Merge, "Merge drill\n", &dana(7), &bot(7200)).expect("merge");
    let info = d.repo.commit_info(&merge).expect("info");
    assert_eq!(info.parents, vec![d.base1.clone(), d.head.clone()]);
    assert_eq!(info.committer, bot(7200));
    assert_eq!(read(&d.repo, &merge, "a.yaml").as_deref(), Some("one\nTWO\nthree\n"));
    assert_eq!(read(&d.repo, &merge, "b.yaml").as_deref(), Some("b: 2\n"));
    // The same tree git's own merge computes.
    let oracle = git_in(&git_dir, &["merge-tree", "--write-tree", d.base1.as_str(), d.head.as_str()]);
    assert_eq!(rev_parse(&git_dir, &format!("{merge}^{{tree}}")), oracle);

    let squash =
        d.repo.merge(&d.base1, &d.head, MergeMethod::Squash, "Drill (#1)\n", &dana(7), &bot(7200)).expect("squash");
    assert_eq!(d.repo.commit_info(&squash).expect("info").parents, vec![d.base1.clone()]);
    assert_eq!(rev_parse(&git_dir, &format!("{squash}^{{tree}}")), oracle);

    let err = d.repo.merge(&d.base1, &d.head, MergeMethod::FastForward, "", &dana(7), &bot(7)).expect_err("diverged");
    assert!(matches!(err, GitError::NotFastForward { .. }), "{err:?}");
    let ff = d.repo.merge(&d.base0, &d.head, MergeMethod::FastForward, "", &dana(7), &bot(7)).expect("fast-forward");
    assert_eq!(ff, d.head);

    // A merge commit even when a fast-forward were possible, like a forge's merge button.
    let no_ff = d.repo.merge(&d.base0, &d.head, MergeMethod::Merge, "Merge\n", &dana(7), &bot(7)).expect("merge");
    assert_eq!(d.repo.commit_info(&no_ff).expect("info").parents, vec![d.base0.clone(), d.head.clone()]);

    // Already merged: nothing to do, for every method.
    for method in [MergeMethod::Merge, MergeMethod::Squash, MergeMethod::FastForward] {
        assert_eq!(d.repo.merge(&merge, &d.head, method, "again", &dana(8), &bot(8)).expect("no-op"), merge);
    }
    assert!(d.repo.is_ancestor(&d.base0, &merge).expect("ancestry"));
    assert!(d.repo.is_ancestor(&merge, &merge).expect("ancestry"));
    assert!(!d.repo.is_ancestor(&d.head, &d.base1).expect("ancestry"));
    assert!(!d.repo.is_ancestor(&d.head, &squash).expect("a squash does not contain the head"));
}

#[test]
fn a_merge_conflict_names_the_paths() {
    let d = diverged();
    let clash = seed(&d.repo, "main", &[vec![FileChange::write("a.yaml", "one\n2\nthree\n")]]);
    let err = d.repo.merge(&clash[0], &d.head, MergeMethod::Merge, "m", &dana(1), &dana(1)).expect_err("conflict");
    assert!(matches!(&err, GitError::Conflict { paths } if paths == &["a.yaml"]), "{err:?}");
    let err = d.repo.merge(&clash[0], &d.head, MergeMethod::Squash, "m", &dana(1), &dana(1)).expect_err("conflict");
    assert!(matches!(err, GitError::Conflict { .. }), "{err:?}");
}

#[test]
fn revert_undoes_a_commit_on_top_of_later_ones() {
    let d = diverged();
    let merged = d.repo.merge(&d.base1, &d.head, MergeMethod::Squash, "Drill\n", &dana(1), &bot(1)).expect("squash");
    d.repo.update_ref("refs/heads/main", &merged, Some(&d.base1), "land").expect("land");
    let later = seed(&d.repo, "main", &[vec![FileChange::write("c.yaml", "c: 1\n")]]);
    assert_eq!(d.repo.branch_head("main").expect("main"), Some(later[0].clone()));

    let revert = d.repo.revert(&merged, &later[0], "Revert \"Drill\"\n", &dana(2), &dana(2)).expect("revert");
    let info = d.repo.commit_info(&revert).expect("info");
    assert_eq!(info.parents, vec![later[0].clone()]);
    assert_eq!(read(&d.repo, &revert, "a.yaml").as_deref(), Some("one\ntwo\nthree\n"));
    assert_eq!(read(&d.repo, &revert, "b.yaml").as_deref(), Some("b: 2\n"));
    assert_eq!(read(&d.repo, &revert, "c.yaml").as_deref(), Some("c: 1\n"));

    // Undone already: reverting again changes nothing.
    let err = d.repo.revert(&merged, &revert, "again", &dana(3), &dana(3)).expect_err("nothing to revert");
    assert!(matches!(err, GitError::NothingToRevert { .. }), "{err:?}");

    // A merge commit is reverted against its first parent.
    let merge = d.repo.merge(&d.base1, &d.head, MergeMethod::Merge, "Merge\n", &dana(4), &bot(4)).expect("merge");
    let undo = d.repo.revert(&merge, &merge, "Revert merge\n", &dana(5), &dana(5)).expect("revert merge");
    let git_dir = d.repo.git_dir();
    assert_eq!(rev_parse(git_dir, &format!("{undo}^{{tree}}")), rev_parse(git_dir, &format!("{}^{{tree}}", d.base1)));

    // Someone changed the same line since: a conflict, not a guess.
    let fixed = seed(&d.repo, "main", &[vec![FileChange::write("a.yaml", "one\nfixed\nthree\n")]]);
    let err = d.repo.revert(&merged, &fixed[0], "r", &dana(6), &dana(6)).expect_err("conflict");
    assert!(matches!(&err, GitError::Conflict { paths } if paths == &["a.yaml"]), "{err:?}");
}

#[test]
fn first_parent_history_lists_what_landed_after_a_commit() {
    let (_dir, repo) = local();
    let start = seed(&repo, "main", &[vec![FileChange::write("f", "0")], vec![FileChange::write("f", "1")]]);
    repo.update_ref("refs/heads/side", &start[1], None, "branch").expect("branch");
    let side = seed(&repo, "side", &[vec![FileChange::write("s", "1")], vec![FileChange::write("s", "2")]]);
    let main2 = seed(&repo, "main", &[vec![FileChange::write("f", "2")]]);
    let merge =
        repo.merge(&main2[0], &side[1], MergeMethod::Merge, "Merge side\n", &dana(5000), &bot(5000)).expect("merge");
    repo.update_ref("refs/heads/main", &merge, Some(&main2[0]), "merge").expect("land");
    let last = seed(&repo, "main", &[vec![FileChange::write("f", "3")]]);

    let history = repo.first_parent_history(&last[0], &start[1]).expect("history");
    let shas: Vec<&CommitSha> = history.iter().map(|c| &c.sha).collect();
    assert_eq!(shas, [&main2[0], &merge, &last[0]], "oldest first, second parents skipped");
    assert_eq!(history[1].committer.time, bot(5000).time, "landing time of the merge");
    assert_eq!(history[1].parents, vec![main2[0].clone(), side[1].clone()]);
    assert_eq!(history[1].message, "Merge side\n");

    assert_eq!(repo.first_parent_history(&last[0], &last[0]).expect("empty"), vec![]);
    let err = repo.first_parent_history(&last[0], &side[0]).expect_err("only via a second parent");
    assert!(matches!(err, GitError::NotInHistory { .. }), "{err:?}");
    let oracle =
        git_in(repo.git_dir(), &["rev-list", "--first-parent", "--reverse", &format!("{}..{}", start[1], last[0])]);
    assert_eq!(oracle.lines().collect::<Vec<_>>(), shas.iter().map(|s| s.as_str()).collect::<Vec<_>>());
}

#[test]
fn update_ref_is_a_compare_and_swap() {
    let (_dir, repo) = local();
    let c = seed(&repo, "main", &[vec![FileChange::write("f", "0")], vec![FileChange::write("f", "1")]]);
    let name = "refs/heads/firedrill/ledger";

    repo.update_ref(name, &c[0], None, "create").expect("create");
    let err = repo.update_ref(name, &c[1], None, "create again").expect_err("exists");
    assert!(matches!(&err, GitError::RefMoved { expected: None, actual: Some(a), .. } if *a == c[0]), "{err:?}");
    repo.update_ref(name, &c[1], Some(&c[0]), "advance").expect("advance");
    let err = repo.update_ref(name, &c[0], Some(&c[0]), "stale").expect_err("moved");
    assert!(
        matches!(&err, GitError::RefMoved { expected: Some(e), actual: Some(a), .. } if *e == c[0] && *a == c[1]),
        "{err:?}"
    );
    assert_eq!(repo.ref_target(name).expect("ref"), Some(c[1].clone()));
    let err = repo.update_ref("refs/heads/gone", &c[1], Some(&c[0]), "missing").expect_err("absent");
    assert!(matches!(err, GitError::RefMoved { actual: None, .. }), "{err:?}");
    let err = repo.update_ref("main", &c[1], None, "short name").expect_err("full names only");
    assert!(matches!(err, GitError::InvalidRefName { .. }), "{err:?}");
}

#[test]
fn tokens_never_leak_into_errors_logs_or_the_repository() {
    let (server, commits) = server_with_history(2);
    let (_dir, repo) = local();
    let url = server.url("target");
    let with_userinfo = url.replace("http://", &format!("http://x-access-token:{SECRET}@"));
    let logs = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink = Arc::clone(&logs);
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || Capture(Arc::clone(&sink)))
        .finish();

    let mut errors: Vec<GitError> = Vec::new();
    tracing::subscriber::with_default(subscriber, || {
        let base = repo.fetch_branch(&url, "main", TRACKING, NonZeroU32::new(1), Some(&token())).expect("fetch");
        let base = base.expect("main");
        let drill = repo.write_commit(Some(&base), &[values(0)], "x\n", &dana(1), &dana(1)).expect("commit");
        repo.push(&url, &[PushRef::Update { commit: &drill, remote_ref: "refs/heads/drill" }], Some(&token()))
            .expect("push");
        errors.push(repo.fetch_branch(&url, "main", TRACKING, None, Some(&Token::new(WRONG))).expect_err("wrong"));
        errors.push(
            repo.push(&url, &[PushRef::Delete { remote_ref: "refs/heads/drill" }], Some(&Token::new(WRONG)))
                .expect_err("wrong"),
        );
        // A URL that carries the token itself (as people paste them).
        if let Err(e) = repo.fetch_branch(&with_userinfo, "nope", "refs/x/y", None, Some(&Token::new(WRONG))) {
            errors.push(e);
        }
        errors.push(
            repo.fetch_branch(&with_userinfo.replace("target", "missing"), "main", TRACKING, None, None)
                .expect_err("404"),
        );
        let closed = "http://x-access-token:".to_owned() + SECRET + "@127.0.0.1:9/r.git";
        errors.push(repo.fetch_branch(&closed, "main", TRACKING, None, Some(&token())).expect_err("nothing listens"));
        errors.push(
            repo.push(&url, &[PushRef::Update { commit: &commits[0], remote_ref: "refs/heads/main" }], Some(&token()))
                .expect_err("nff"),
        );
        server.reject_pushes("target", &format!("leaky hook says {SECRET}"));
        errors.push(
            repo.push(&url, &[PushRef::Update { commit: &drill, remote_ref: "refs/heads/other" }], Some(&token()))
                .expect_err("hook"),
        );
    });

    assert!(errors.iter().any(|e| matches!(e, GitError::Transport { .. })), "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| matches!(e, GitError::PushRejected { reason, .. } if reason.contains("leaky hook says ***")))
    );
    for err in &errors {
        for text in [err.to_string(), format!("{err:?}"), err.hint().unwrap_or_default().to_owned()] {
            assert!(!text.contains(SECRET) && !text.contains(WRONG), "token in error: {text}");
        }
    }
    let logs = String::from_utf8(logs.lock().expect("logs").clone()).expect("utf-8 logs");
    assert!(logs.contains("fetching") && logs.contains("pushing"), "the capture works: {logs}");
    assert!(!logs.contains(SECRET) && !logs.contains(WRONG), "token in logs: {logs}");
    assert!(!format!("{:?}", token()).contains(SECRET));
    // Nowhere in the local repository: config, reflogs, refs, shallow file...
    for file in walk(repo.git_dir()) {
        let bytes = std::fs::read(&file).expect("read repository file");
        let found = bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes());
        assert!(!found, "token in {}", file.display());
    }
    assert!(!std::fs::read_to_string(repo.git_dir().join("config")).expect("config").contains("127.0.0.1"));
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}
