//! `firedrill preview`: the exact diff, pull request and times of the next drill, writing nothing.

use firedrill::git::{FileChange, Identity, Repo};

use crate::common::{firedrill, root, run};

const NOW: &str = "2026-11-23T12:00:00Z";

#[test]
fn the_seed_scenario_previews_against_the_examples_folder() {
    let (code, out, err) =
        run(firedrill().args(["preview", "scenarios/redis-pool-exhaustion.yaml", "--repo", "examples", "--now", NOW]));
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out);
}

/// Every example scenario previews, and its diff touches exactly the lines its operations change.
#[test]
fn every_example_scenario_previews_with_a_minimal_diff() {
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let (code, out, err) = run(firedrill().arg("preview").arg(&path).args(["--repo", "examples", "--now", NOW]));
        assert_eq!(code, 0, "{}: {err}", path.display());
        let text = std::fs::read_to_string(&path).unwrap();
        let scenario = firedrill::scenario::load(&path, &text).unwrap();
        let changing = scenario.fault.iter().filter(|op| op.changes()).count()
            + scenario.cover.iter().flat_map(|c| &c.patch).filter(|op| op.changes()).count();
        let removed = out.lines().filter(|l| l.starts_with('-') && !l.starts_with("---")).count();
        let added = out.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")).count();
        assert_eq!((removed, added), (changing, changing), "{}: not a minimal diff:\n{out}", path.display());
        assert!(out.ends_with("Nothing was written.\n"));
        seen += 1;
    }
    assert!(seen >= 6, "at least six example scenarios");
}

/// In a git repository the file is read at the target branch, whatever the work tree holds.
#[test]
fn a_git_repository_is_read_at_the_target_branch_not_the_work_tree() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repo::init(dir.path()).unwrap();
    let values = std::fs::read_to_string(root().join("examples/charts/checkout/values-staging.yaml")).unwrap();
    let who = Identity::new("Sam", "sam@acme.example", "2026-11-16T12:00:00Z".parse().unwrap());
    let c = repo
        .write_commit(
            None,
            &[FileChange::write("charts/checkout/values-staging.yaml", values.clone())],
            "init\n",
            &who,
            &who,
        )
        .unwrap();
    repo.update_ref("refs/heads/main", &c, None, "test").unwrap();
    // The work tree holds something else entirely; preview must not read it.
    std::fs::create_dir_all(dir.path().join("charts/checkout")).unwrap();
    std::fs::write(dir.path().join("charts/checkout/values-staging.yaml"), "env: {}\n").unwrap();
    let (code, out, err) = run(firedrill()
        .args(["preview", "scenarios/redis-pool-exhaustion.yaml", "--now", NOW, "--repo"])
        .arg(dir.path()));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("-  SERVICE__REDIS__CONNECTION_POOL__SIZE: \"10\""), "{out}");
    assert!(out.contains("(read from the git repository"), "{out}");

    // A branch that does not exist is a clear error naming the branches there are.
    let other = dir.path().join("other.yaml");
    let text = std::fs::read_to_string(root().join("scenarios/redis-pool-exhaustion.yaml"))
        .unwrap()
        .replace("branch: main", "branch: staging");
    std::fs::write(&other, text).unwrap();
    let (code, out, err) = run(firedrill().arg("preview").arg(&other).args(["--now", NOW, "--repo"]).arg(dir.path()));
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.contains("branch `staging` does not exist") && err.contains("set `target.branch` to one of: main"),
        "{err}"
    );
}

#[test]
fn a_fault_that_no_longer_applies_is_an_error_naming_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("repo/charts/checkout");
    std::fs::create_dir_all(&folder).unwrap();
    let values = std::fs::read_to_string(root().join("examples/charts/checkout/values-staging.yaml")).unwrap();
    std::fs::write(folder.join("values-staging.yaml"), values.replace("POOL__SIZE: \"10\"", "POOL__SIZE: \"12\""))
        .unwrap();
    let (code, out, err) = run(firedrill()
        .args(["preview", "scenarios/redis-pool-exhaustion.yaml", "--now", NOW, "--repo"])
        .arg(dir.path().join("repo")));
    assert_eq!((code, out.as_str()), (2, ""));
    insta::assert_snapshot!(err);
}

#[test]
fn a_github_target_is_previewed_offline_and_points_to_doctor_for_its_guard_rails() {
    let dir = tempfile::tempdir().unwrap();
    let text = firedrill::scenario::builder::ScenarioBuilder::seed().repo("acme/shop").yaml();
    std::fs::write(dir.path().join("redis.yaml"), &text).unwrap();
    let (code, out, err) =
        run(firedrill().arg("preview").arg(dir.path().join("redis.yaml")).args(["--repo", "examples", "--now", NOW]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Guard rails: not read here (no API); `firedrill doctor` reads the protection and rulesets of `main` in acme/shop"),
        "{out}"
    );
}

/// An App installation token or the workflow's own shows on the drill's pull request: preview says so, and how to
/// avoid it; a person's token gives no such warning.
#[test]
fn preview_warns_when_the_drill_token_shows_as_a_bot() {
    let preview = |env: &[(&str, &str)]| {
        let mut cmd = firedrill();
        cmd.args(["preview", "scenarios/redis-pool-exhaustion.yaml", "--repo", "examples", "--now", NOW])
            .env_remove("GITHUB_TOKEN")
            .env_remove("FIREDRILL_TOKEN")
            .envs(env.iter().copied());
        let (code, out, err) = run(&mut cmd);
        assert_eq!(code, 0, "{err}");
        out
    };
    let out = preview(&[("FIREDRILL_TOKEN", "ghs_installation")]);
    assert!(
        out.contains("warning: the drill token is a GitHub App installation token: the drill's pull request")
            && out.contains("fine-grained personal access token"),
        "{out}"
    );
    let out = preview(&[("FIREDRILL_TOKEN", "github_pat_person"), ("GITHUB_TOKEN", "github_pat_person")]);
    assert!(out.contains("warning: the drill token is the workflow's GITHUB_TOKEN"), "{out}");
    let out = preview(&[("FIREDRILL_TOKEN", "github_pat_person"), ("GITHUB_TOKEN", "ghs_workflow")]);
    assert!(!out.contains("[bot]"), "{out}");
}
