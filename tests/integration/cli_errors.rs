//! What people see when a command fails, through the binary: `error: …`, then each hint the error knows as
//! `hint: …` on stderr, and the exit code of the error's kind; under GitHub Actions the hints are lines of the
//! error annotation. Never a token.

use serde_json::json;

use crate::common::{firedrill, run};
use crate::github_drill::{Fixture, action_on};

/// A GitHub App installation on both repositories that may only read them: GitHub names the permission a
/// write needs (`x-accepted-github-permissions`).
fn reader_token(f: &Fixture) -> String {
    f.emulator.admin("POST", "/_emulator/apps", &json!({"slug": "drill-bot", "name": "Drill Bot"})).unwrap();
    let body = json!({"repositories": ["acme/shop", "acme/drills"], "permission": "read"});
    let made = f.emulator.admin("POST", "/_emulator/apps/drill-bot/installations", &body).unwrap();
    made["token"].as_str().unwrap().to_owned()
}

const PERMISSION_HINT: &str =
    "hint: give the token the permission GitHub named (fine-grained tokens and Apps: repository permissions)";

#[test]
fn cli_error_a_forge_error_says_its_hint_on_stderr_and_exits_1() {
    let f = Fixture::new();
    let token = reader_token(&f);
    let (code, out, err) = f.firedrill_env(&["tick"], f.plan.open_at, &[("FIREDRILL_TOKEN", &token)]);
    assert_eq!(code, 1, "{out}{err}");
    let lines: Vec<&str> = err.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("error: ")).unwrap_or_else(|| panic!("no error line:\n{err}"));
    assert!(lines[at].contains("GitHub answered 403") && lines[at].contains("contents=write"), "{err}");
    assert_eq!(lines[at + 1..], [PERMISSION_HINT], "the hint follows the error on a line of its own:\n{err}");
    assert!(!out.contains(&token) && !err.contains(&token), "the token leaked");
}

#[test]
fn cli_error_under_github_actions_the_hint_is_part_of_the_error_annotation() {
    let f = Fixture::new();
    let token = reader_token(&f);
    let work = tempfile::tempdir().unwrap();
    let (code, out, err, outputs) = action_on(&f, f.plan.open_at, work.path(), &token, ("schedule", "{}"));
    assert_eq!(code, 1, "{out}{err}");
    let annotation = out.lines().find(|l| l.starts_with("::error ")).unwrap_or_else(|| panic!("no annotation:\n{out}"));
    assert!(annotation.contains("GitHub answered 403"), "{annotation}");
    // Workflow commands escape only `%`, CR and LF in the message: the hint is the annotation's last line.
    assert!(annotation.ends_with(&format!("%0A{PERMISSION_HINT}")), "{annotation}");
    assert!(outputs.contains("state=failed"), "{outputs}");
    // The job summary shows the error with its hint too.
    let summary = std::fs::read_to_string(work.path().join("summary.md")).unwrap();
    assert!(summary.contains(PERMISSION_HINT), "{summary}");
    assert_eq!(out.matches(&token).count(), 1, "the token is in its `::add-mask::` line only:\n{out}");
}

#[test]
fn cli_error_a_git_error_says_its_hint_on_stderr_and_exits_1() {
    let f = crate::lifecycle::Fixture::new();
    let wrong = "ghp_wrongTokenForTheHintTest0042";
    let mut cmd = firedrill();
    cmd.args(["tick", "--scenarios"])
        .arg(f.dir.path().join("scenarios"))
        .args(["--control", &f.server.url("control"), "--now", &f.plan.open_at.to_string(), "--workdir"])
        .arg(f.dir.path().join("work"))
        .env("FIREDRILL_TOKEN", wrong);
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 1, "{out}{err}");
    let tail: Vec<&str> = err.lines().skip_while(|l| !l.starts_with("error: ")).collect();
    assert_eq!(tail.len(), 2, "one error line and one hint:\n{err}");
    assert!(
        tail[0].contains("authentication to http://") && tail[0].ends_with("the server refused the token"),
        "{err}"
    );
    assert_eq!(tail[1], "hint: check that the token is valid, not expired, and has access to this repository");
    assert!(!out.contains(wrong) && !err.contains(wrong), "the token leaked");
}

#[test]
fn cli_error_invalid_input_and_usage_exit_2_said_once() {
    let f = crate::lifecycle::Fixture::new();
    let scenarios = f.dir.path().join("scenarios");
    let control = f.server.url("control");
    let base = |args: &[&str]| {
        let mut cmd = firedrill();
        cmd.args(args)
            .arg("--scenarios")
            .arg(&scenarios)
            .args(["--control", &control, "--workdir"])
            .arg(f.dir.path().join("work"))
            .env("FIREDRILL_TOKEN", "ghs_lifecycleTestToken0123456789");
        run(&mut cmd)
    };
    // A scenario that is not there: invalid input, with the ids it knows.
    let (code, _, err) = base(&["start", "no-such-scenario"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error: no scenario `no-such-scenario`"), "{err}");
    assert!(!err.contains("hint:"), "{err}");
    // A usage error said by the command itself, once.
    let (code, _, err) = run(firedrill().args(["badge", "--out"]).arg(f.dir.path().join("badges")));
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.matches("error: ").count(), 1, "{err}");
    assert!(err.starts_with("error: give --control"), "{err}");
}
