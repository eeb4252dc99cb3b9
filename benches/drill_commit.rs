//! The drill commit on repositories of 1,000, 10,000 and 100,000 files: firedrill (git2, no work tree, no
//! index) against the git command line doing the same job (clone --depth 1, edit, commit, push), in one run.
//!
//! `cargo bench --bench drill_commit` (set `FIREDRILL_BENCH_SIZES=1000,10000` to choose sizes). Needs `git`.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use firedrill::git::{FileChange, Identity, PushRef, Repo};

const TARGET: &str = "charts/checkout/values-staging.yaml";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Sam")
        .env("GIT_AUTHOR_EMAIL", "sam@acme.example")
        .env("GIT_COMMITTER_NAME", "Sam")
        .env("GIT_COMMITTER_EMAIL", "sam@acme.example")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A bare repository with `n` files in folders of 100 (plus the target file), one commit, via fast-import.
fn make_remote(dir: &Path, n: usize) {
    git(dir, &["init", "--quiet", "--bare", "--initial-branch=main", "remote.git"]);
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(dir.join("remote.git"))
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = String::new();
    input.push_str("commit refs/heads/main\ncommitter Sam <sam@acme.example> 1763294400 +0000\ndata 8\nimport\n\n");
    let values = include_str!("../examples/charts/checkout/values-staging.yaml");
    input.push_str(&format!("M 100644 inline {TARGET}\ndata {}\n{values}\n", values.len()));
    for i in 0..n {
        let body = format!("name: service-{i}\nreplicas: {}\n", i % 7);
        input.push_str(&format!(
            "M 100644 inline apps/group-{:04}/service-{i}.yaml\ndata {}\n{body}\n",
            i / 100,
            body.len()
        ));
    }
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
}

fn loose_objects(git_dir: &Path) -> usize {
    let v = git(git_dir, &["count-objects", "-v"]);
    v.lines().find_map(|l| l.strip_prefix("count: ")).unwrap().trim().parse().unwrap()
}

fn main() {
    let sizes: Vec<usize> = std::env::var("FIREDRILL_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    println!(
        "| files | firedrill: fetch | write commit | objects written | push | total | git CLI: clone --depth 1 | edit + commit | push | total | git CLI / firedrill |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let dir = tempfile::tempdir().unwrap();
        make_remote(dir.path(), n);
        let url = dir.path().join("remote.git").display().to_string();
        let values = include_str!("../examples/charts/checkout/values-staging.yaml");
        let edited = values.replace("CONNECTION_POOL__SIZE: \"10\"", "CONNECTION_POOL__SIZE: \"0\"");

        // firedrill: fetch the branch into a bare working repository, write the commit from trees, push it.
        let t0 = Instant::now();
        let work = Repo::init_bare(&dir.path().join("work.git")).unwrap();
        let base = work.fetch_branch(&url, "main", "refs/firedrill/remote/main", None, None).unwrap().unwrap();
        let t1 = Instant::now();
        let before = loose_objects(&dir.path().join("work.git"));
        let who = Identity::new("Sam", "sam@acme.example", "2026-11-24T10:00:00Z".parse().unwrap());
        let commit = work
            .write_commit(Some(&base), &[FileChange::write(TARGET, edited.clone())], "chore: tune pool\n", &who, &who)
            .unwrap();
        let t2 = Instant::now();
        let written = loose_objects(&dir.path().join("work.git")) - before;
        work.push(&url, &[PushRef::Update { commit: &commit, remote_ref: "refs/heads/fd-branch" }], None).unwrap();
        let t3 = Instant::now();

        // The git command line: shallow clone, edit the file, commit, push.
        let c0 = Instant::now();
        git(dir.path(), &["clone", "--quiet", "--depth", "1", "--branch", "main", &format!("file://{url}"), "clone"]);
        let c1 = Instant::now();
        let clone = dir.path().join("clone");
        std::fs::write(clone.join(TARGET), &edited).unwrap();
        git(&clone, &["commit", "--quiet", "-am", "chore: tune pool"]);
        let c2 = Instant::now();
        git(&clone, &["push", "--quiet", "origin", "HEAD:refs/heads/cli-branch"]);
        let c3 = Instant::now();

        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
        let (fd, cli) = (ms(t0, t3), ms(c0, c3));
        println!(
            "| {n} | {:.0} ms | {:.2} ms | {written} | {:.0} ms | {fd:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {cli:.0} ms | {:.1}× |",
            ms(t0, t1),
            ms(t1, t2),
            ms(t2, t3),
            ms(c0, c1),
            ms(c1, c2),
            ms(c2, c3),
            cli / fd
        );
    }
}
