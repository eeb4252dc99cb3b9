//! `firedrill demo`: README command number one. A whole drill, simulated time, no network.

use firedrill::git::Repo;

use crate::common::{firedrill, run};

#[test]
fn the_demo_runs_a_whole_drill_and_leaves_everything_for_plain_git() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let (code, stdout, stderr) = run(firedrill().arg("demo").arg("--out").arg(&out));
    assert_eq!(code, 0, "{stderr}");
    let shown = stdout.replace(&out.display().to_string(), "[OUT]");
    insta::assert_snapshot!(shown);

    // The repositories tell the same story to plain git.
    let target = Repo::open(&out.join("target.git")).unwrap();
    let main = target.branch_head("main").unwrap().unwrap();
    let revert = target.commit_info(&main).unwrap();
    assert_eq!(revert.author.name, "Ana Lima");
    let merge = target.commit_info(&revert.parents[0]).unwrap();
    assert_eq!(merge.parents.len(), 2);
    assert_eq!(revert.committer.time.duration_since(merge.committer.time), jiff::SignedDuration::from_mins(78));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Recovered in 1 h 18 min by a revert"), "{report}");
    // Its link to the history leads to a page that is there.
    assert!(report.contains("[the drill history](docs/index.html)"), "{report}");
    let page = std::fs::read_to_string(out.join("docs/index.html")).unwrap();
    assert!(page.contains("<h1>Outage drills</h1>"), "{page}");

    // The folder it leaves is a valid control checkout: `status` reads the same ledger.
    let (code, status, err) = run(firedrill()
        .args(["status", "--now", "2026-11-24T12:00:00Z", "--scenarios"])
        .arg(out.join("scenarios"))
        .arg("--control")
        .arg(out.join("control.git"))
        .arg("--workdir")
        .arg(dir.path().join("work")));
    assert_eq!(code, 0, "{err}");
    assert!(status.contains("recovered") && status.contains("1 h 18 min"), "{status}");

    // The README's first command, run again: the previous demo's folder is replaced, and the story is the same.
    std::fs::write(out.join("notes.txt"), "left over\n").unwrap();
    let (code, again, stderr) = run(firedrill().arg("demo").arg("--out").arg(&out));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(again, stdout, "a second demo tells the same story");
    assert!(!out.join("notes.txt").exists(), "the previous demo folder was replaced, not added to");
    assert!(out.join("report.md").is_file());
}

#[test]
fn the_demo_never_replaces_a_folder_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thesis.tex"), "precious\n").unwrap();
    let (code, stdout, stderr) = run(firedrill().arg("demo").arg("--out").arg(dir.path()));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let shown = stderr.replace(&dir.path().display().to_string(), "[OUT]");
    insta::assert_snapshot!(shown, @"error: [OUT] is not empty and was not made by `firedrill demo` (it has no .firedrill-demo file), so the demo will not replace it: choose another --out, or an empty or absent folder");
    assert_eq!(std::fs::read_to_string(dir.path().join("thesis.tex")).unwrap(), "precious\n");

    // A marker with other words in it is not the demo's either.
    std::fs::write(dir.path().join(".firedrill-demo"), "mine\n").unwrap();
    let (code, _, _) = run(firedrill().arg("demo").arg("--out").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(dir.path().join("thesis.tex").is_file());
}
