//! The `github-emulator` binary as a person (or firedrill's README rehearsal) starts it: it announces its address,
//! answers over HTTP, stops cleanly on SIGTERM, and refuses bad arguments by name.
//!
//! Being an integration test of this package, it also makes `cargo test --workspace` (and nextest) build the real
//! binary with the workspace's features, so firedrill's tests that start it find it built.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_github-emulator");

fn state_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn it_announces_its_address_answers_and_stops_on_sigterm() {
    let state = state_dir();
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--state"])
        .arg(state.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {line:?}"));
    let addr = url.strip_prefix("http://").unwrap().trim_end_matches('/');

    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET /rate_limit HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.lines().next().unwrap_or_default();
    assert!(status.starts_with("HTTP/1.1 "), "{answer}");
    assert!(answer.contains("\r\n\r\n{"), "a JSON body, as GitHub answers: {answer}");

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "SIGTERM stops it cleanly");
}

#[test]
fn bad_arguments_are_refused_by_name_most_with_the_usage_line() {
    for (args, says, usage) in [
        (&["--listen", "127.0.0.1:0"][..], "--state DIR is required", true),
        (&["--state", "x", "--bogus"][..], "unknown argument --bogus", true),
        (&["--state", "x", "--seed", "shop"][..], "--seed shop: expected OWNER/REPO=PATH", false),
        (&["--state", "x", "--private", "acme/shop"][..], "--private acme/shop: no --seed acme/shop=PATH", true),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.contains("usage: github-emulator --listen"), usage, "{args:?}: {err}");
    }
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).starts_with("usage: github-emulator"));
}
