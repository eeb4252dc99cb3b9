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

    // It never overwrites a folder that holds something.
    let (code, _, err) = run(firedrill().arg("demo").arg("--out").arg(&out));
    assert_eq!(code, 1);
    assert!(err.contains("is not empty"), "{err}");
}
