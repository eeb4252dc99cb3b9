//! Opening a drill on repositories of growing size and history: firedrill's local forge (a fresh working
//! copy, as on every CI runner: read the base branch's tip, read the target file, write the commit from trees,
//! push the branch) against the git command line doing the same job (clone --depth 1, edit, commit, push),
//! over a local path and over smart HTTP (`git http-backend`), with each side's peak memory.
//!
//! `cargo bench --bench drill_commit`. `FIREDRILL_BENCH_SIZES=1000,10000,100000` (files, at 1 commit) and
//! `FIREDRILL_BENCH_HISTORIES=5000,20000` (commits, at 1,000 files) choose the cases. Needs `git` and
//! `/usr/bin/time`. `FIREDRILL_BENCH_RUNS` (default 5) pairs are run per case, alternated, and the medians shown,
//! with the HTTP requests each side sent (the server's log). Each firedrill run is a child process (this binary with `--open`), so its peak resident
//! memory is its own.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "../tests/integration/common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tests/integration/support/git_http.rs"]
mod git_http;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use firedrill::forge::Forge as _;
use firedrill::forge::local::LocalForge;
use firedrill::git::{FileChange, Token};

const TARGET: &str = "charts/checkout/values-staging.yaml";
const TOKEN: &str = "bench-token";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = common::git().args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `args` under `/usr/bin/time`: (milliseconds, peak resident KiB).
fn timed(dir: &Path, program: &str, args: &[&str]) -> (f64, u64) {
    let stats = dir.join("time.txt");
    let t = Instant::now();
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&stats)
        .arg(program)
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Sam")
        .env("GIT_AUTHOR_EMAIL", "sam@acme.example")
        .env("GIT_COMMITTER_NAME", "Sam")
        .env("GIT_COMMITTER_EMAIL", "sam@acme.example")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    assert!(status.success(), "{program} {args:?}");
    let kib = std::fs::read_to_string(&stats).unwrap().trim().lines().last().unwrap().parse().unwrap();
    (ms, kib)
}

/// Fills bare repository `git_dir` with `files` files in folders of 100 (plus the target file) and `commits`
/// commits on `main`, each after the first changing one file, via fast-import.
fn fill(git_dir: &Path, files: usize, commits: usize) {
    let mut child =
        common::git().args(["fast-import", "--quiet"]).current_dir(git_dir).stdin(Stdio::piped()).spawn().unwrap();
    let mut input = String::new();
    input.push_str("commit refs/heads/main\ncommitter Sam <sam@acme.example> 1763294400 +0000\ndata 8\nimport\n\n");
    let values = include_str!("../examples/charts/checkout/values-staging.yaml");
    input.push_str(&format!("M 100644 inline {TARGET}\ndata {}\n{values}\n", values.len()));
    for i in 0..files {
        let body = format!("name: service-{i}\nreplicas: {}\n", i % 7);
        input.push_str(&format!(
            "M 100644 inline apps/group-{:04}/service-{i}.yaml\ndata {}\n{body}\n",
            i / 100,
            body.len()
        ));
    }
    for c in 1..commits {
        let i = c % files.max(1);
        let body = format!("name: service-{i}\nreplicas: {}\nrevision: {c}\n", i % 7);
        input.push_str(&format!(
            "commit refs/heads/main\ncommitter Sam <sam@acme.example> {} +0000\ndata 7\nchange\n\nM 100644 inline apps/group-{:04}/service-{i}.yaml\ndata {}\n{body}\n",
            1763294400 + c,
            i / 100,
            body.len()
        ));
    }
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    // Packed, as a served repository is.
    git(git_dir, &["repack", "-adq"]);
}

/// The child process: opens a drill on `url` in the fresh working copy `workdir`.
fn open(url: &str, workdir: &Path) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let forge = LocalForge::new(url, workdir, Some(Token::new(TOKEN))).unwrap();
        let tip = forge.branch_head("main").await.unwrap().unwrap();
        let values = forge.read_file(&tip, TARGET).await.unwrap().unwrap();
        let edited = values.replace("CONNECTION_POOL__SIZE: \"10\"", "CONNECTION_POOL__SIZE: \"0\"");
        let who = firedrill::forge::Person::new("Sam", "sam@acme.example");
        let at = "2026-11-24T10:00:00Z".parse().unwrap();
        let commit = forge
            .write_commit(&tip, &[FileChange::write(TARGET, edited)], "chore: tune pool\n", &who, at)
            .await
            .unwrap();
        forge.open_change("fd-branch", &commit, "main", "chore: tune pool", "").await.unwrap();
    });
}

struct Side {
    ms: f64,
    kib: u64,
}

fn firedrill_side(dir: &Path, url: &str) -> Side {
    let stats = dir.join("fd-time.txt");
    // Timed from outside, process start included, as the git CLI's commands are.
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&stats)
        .arg(std::env::current_exe().unwrap())
        .args(["--open", url])
        .arg(dir.join("fd-work.git"))
        .output()
        .unwrap();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let kib = std::fs::read_to_string(&stats).unwrap().trim().lines().last().unwrap().parse().unwrap();
    Side { ms, kib }
}

fn cli_side(dir: &Path, url: &str) -> Side {
    let edited = include_str!("../examples/charts/checkout/values-staging.yaml")
        .replace("CONNECTION_POOL__SIZE: \"10\"", "CONNECTION_POOL__SIZE: \"0\"");
    let (clone_ms, a) = timed(dir, "git", &["clone", "--quiet", "--depth", "1", "--branch", "main", url, "clone"]);
    let clone = dir.join("clone");
    let t = Instant::now();
    std::fs::write(clone.join(TARGET), edited).unwrap();
    let edit_ms = t.elapsed().as_secs_f64() * 1000.0;
    let (commit_ms, b) = timed(&clone, "git", &["commit", "--quiet", "-am", "chore: tune pool"]);
    let (push_ms, c) = timed(&clone, "git", &["push", "--quiet", "origin", "HEAD:refs/heads/cli-branch"]);
    Side { ms: clone_ms + edit_ms + commit_ms + push_ms, kib: a.max(b).max(c) }
}

fn list(var: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(var)
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--open") {
        open(&args[i + 1], Path::new(&args[i + 2]));
        return;
    }
    let mut cases: Vec<(usize, usize)> =
        list("FIREDRILL_BENCH_SIZES", &[1_000, 10_000, 100_000]).into_iter().map(|n| (n, 1)).collect();
    cases.extend(list("FIREDRILL_BENCH_HISTORIES", &[5_000, 20_000]).into_iter().map(|h| (1_000, h)));
    let runs = list("FIREDRILL_BENCH_RUNS", &[5]).first().copied().unwrap_or(5).max(1);
    println!(
        "| files | commits | transport | firedrill | requests | peak RSS | git CLI (clone --depth 1 + commit + push) | requests | peak RSS | git CLI / firedrill |"
    );
    println!("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for (files, commits) in cases {
        let server = git_http::GitHttp::start(TOKEN);
        let bare = server.create_repo("target");
        fill(&bare, files, commits);
        let http = server.url("target").replacen("http://", &format!("http://{}:{TOKEN}@", git_http::USER), 1);
        for (transport, fd_url, cli_url) in [
            ("path", bare.display().to_string(), format!("file://{}", bare.display())),
            ("smart HTTP", server.url("target"), http),
        ] {
            let (mut fd_runs, mut cli_runs) = (Vec::new(), Vec::new());
            let (mut fd_requests, mut cli_requests) = (0, 0);
            for _ in 0..runs {
                let dir = tempfile::tempdir().unwrap();
                // Alternate the two sides; each starts from nothing on its side.
                server.clear_requests();
                fd_runs.push(firedrill_side(dir.path(), &fd_url));
                fd_requests = server.requests().len();
                server.clear_requests();
                cli_runs.push(cli_side(dir.path(), &cli_url));
                cli_requests = server.requests().len();
                for branch in ["fd-branch", "cli-branch"] {
                    let _ = common::git()
                        .args(["update-ref", "-d", &format!("refs/heads/{branch}")])
                        .current_dir(&bare)
                        .status();
                }
            }
            let (fd, cli) = (median(&mut fd_runs), median(&mut cli_runs));
            println!(
                "| {files} | {commits} | {transport} | {:.0} ms | {fd_requests} | {:.0} MiB | {:.0} ms | {cli_requests} | {:.0} MiB | {:.1}× |",
                fd.ms,
                fd.kib as f64 / 1024.0,
                cli.ms,
                cli.kib as f64 / 1024.0,
                cli.ms / fd.ms
            );
        }
    }
}

/// The run of median time (its own peak memory with it).
fn median(runs: &mut [Side]) -> Side {
    runs.sort_by(|a, b| a.ms.total_cmp(&b.ms));
    let mid = &runs[runs.len() / 2];
    Side { ms: mid.ms, kib: mid.kib }
}
