//! The README's quick start, run as written: a fresh checkout reaches a green `doctor` table and a dry first
//! drill against the GitHub emulator, with nothing but the commands the README shows.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{root, run};

/// The fenced block right after the README's `<!-- tests/integration/readme.rs runs this block … -->` line.
fn tested_block() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let (_, after) = readme.split_once("<!-- tests/integration/readme.rs runs this block").expect("the marker");
    let start = after.find("```sh\n").expect("a sh block after the marker") + "```sh\n".len();
    let end = after[start..].find("\n```").expect("the end of the block");
    after[start..start + end].to_owned()
}

/// `github-emulator` next to the firedrill binary under test, built (or found up to date) by cargo: a binary left
/// from an older checkout would answer with an older emulator.
fn emulator_binary() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_BIN_EXE_firedrill")).parent().unwrap().to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let (code, out, err) = run(Command::new(cargo)
        .args(["build", "-p", "github-emulator", "--bin", "github-emulator"])
        .current_dir(root()));
    assert_eq!(code, 0, "building github-emulator:\n{out}\n{err}");
    dir.join("github-emulator")
}

#[test]
fn the_quick_start_rehearsal_reaches_a_green_doctor_and_a_dry_first_drill() {
    let block = tested_block();
    // `firedrill` and `github-emulator` on PATH, as `cargo install` would put them.
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_firedrill"), bin.path().join("firedrill")).unwrap();
    std::os::unix::fs::symlink(emulator_binary(), bin.path().join("github-emulator")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("bash");
    cmd.args(["-euo", "pipefail", "-c", &block]).current_dir(root());
    for (k, _) in std::env::vars() {
        if k.starts_with("GITHUB_") || k.starts_with("RUNNER_") || k.starts_with("FIREDRILL_") {
            cmd.env_remove(k);
        }
    }
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
    cmd.env("PATH", path)
        .env("TMPDIR", tmp.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("NO_COLOR", "1");
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 0, "the README's block failed:\n{out}\n{err}");

    // The doctor table: every check ok, then the verdict.
    let table: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("CHECK")).skip(1).collect();
    let verdict = table.iter().position(|l| *l == "Ready for the first drill.").unwrap_or_else(|| panic!("{out}"));
    assert!(verdict >= 7, "{out}");
    for row in &table[..verdict] {
        let status = row.split("  ").map(str::trim).find(|c| !c.is_empty() && *c != row.split("  ").next().unwrap());
        assert_eq!(status, Some("ok"), "a check is not green: {row}\n{out}");
    }
    // The first drill, dry: what it would open, and nothing written.
    assert!(out.contains("dry run"), "{out}");
    assert!(out.contains("chore/tune-redis-pool-"), "{out}");
    assert!(!out.contains("github_pat_rehearsal") && !err.contains("github_pat_rehearsal"), "the token leaked");
}
