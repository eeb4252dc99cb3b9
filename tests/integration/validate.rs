//! Integration tests: `firedrill validate` on the valid and invalid scenario corpora, both output formats,
//! exit codes, default paths, and the local target check against real target files.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use crate::common::{firedrill, root, run, write};

/// `firedrill validate ARGS --repo <an empty folder>`, so that no local target file is found by accident.
fn validate(args: &[&str]) -> (i32, String, String) {
    let empty = tempfile::tempdir().unwrap();
    run(firedrill().arg("validate").args(args).arg("--repo").arg(empty.path()))
}

fn corpus(kind: &str) -> PathBuf {
    root().join("tests/scenarios").join(kind)
}

/// The cases of a corpus: each top-level `*.yaml` file alone, and each folder as a whole (rules across files).
fn cases(kind: &str) -> Vec<(String, String)> {
    let mut cases: Vec<(String, String)> = std::fs::read_dir(corpus(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let rel = p.strip_prefix(root()).unwrap().to_string_lossy().into_owned();
            (name, rel)
        })
        .collect();
    cases.sort();
    cases
}

#[test]
fn the_valid_corpus_passes_as_a_folder() {
    let (code, stdout, stderr) = validate(&["tests/scenarios/valid"]);
    assert_eq!(code, 0, "{stderr}");
    // --repo is an empty folder: every target file is missing, which is said, not an error.
    assert_eq!(
        stdout,
        "4 scenarios valid (firedrill.yml valid); 4 not checked against the target files (see the notes)\n"
    );
    assert_eq!(stderr.matches(": not checked: the fault was not applied to ").count(), 4, "{stderr}");
}

#[test]
fn each_valid_file_passes_alone() {
    let cases = cases("valid");
    assert!(cases.len() >= 4);
    for (name, path) in cases {
        let (code, stdout, stderr) = validate(&[&path]);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(stdout, "1 scenario valid; 1 not checked against the target files (see the notes)\n", "{name}");
        assert!(stderr.contains("= help: pass --repo a checkout of the target repository"), "{name}: {stderr}");
    }
}

#[test]
fn each_invalid_case_fails_with_its_own_error() {
    let cases = cases("invalid");
    assert!(cases.len() >= 30);
    for (name, path) in cases {
        let (code, stdout, stderr) = validate(&[&path]);
        assert_eq!(code, 2, "{name} should be invalid: {stdout}{stderr}");
        assert!(stdout.contains(" error") && stdout.contains(" in 1 of "), "{name}: {stdout}");
        insta::assert_snapshot!(name, stderr);
    }
}

#[test]
fn github_format_prints_annotations_on_stdout() {
    let (code, stdout, stderr) = validate(&["tests/scenarios/invalid/bad-cron.yaml", "--format", "github"]);
    assert_eq!((code, stderr.as_str()), (2, ""));
    insta::assert_snapshot!(stdout, @r#"
    ::error file=tests/scenarios/invalid/bad-cron.yaml,line=10,col=9,title=firedrill validate::schedule.cron: invalid cron expression "61 * * * *": minute `61` is invalid (61 is out of range 0-59)%0Ahelp: the minute field takes 0-59, a list like `0,30` or a step like `*/15`; for example "0 * * * *"
    1 error in 1 of 1 file
    "#);
}

#[test]
fn under_github_actions_both_forms_are_printed() {
    let empty = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(firedrill()
        .args(["validate", "tests/scenarios/invalid/unknown-timezone.yaml", "--repo"])
        .arg(empty.path())
        .env("GITHUB_ACTIONS", "true"));
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "tests/scenarios/invalid/unknown-timezone.yaml:11:13: schedule.timezone: unknown time zone \"Europe/Pariss\"\n  = help: did you mean `Europe/Paris`?\n"
    );
    assert!(
        stdout.starts_with("::error file=tests/scenarios/invalid/unknown-timezone.yaml,line=11,col=13,"),
        "{stdout}"
    );
    let (_, stdout, stderr) = run(firedrill()
        .args(["validate", "tests/scenarios/invalid/unknown-timezone.yaml", "--format", "human", "--repo"])
        .arg(empty.path())
        .env("GITHUB_ACTIONS", "true"));
    assert!(!stdout.contains("::error") && stderr.contains("= help"));
}

#[test]
fn several_files_are_summed_up() {
    let (code, stdout, _) = validate(&[
        "tests/scenarios/valid/minimal.yaml",
        "tests/scenarios/invalid/many-errors.yaml",
        "tests/scenarios/invalid/bad-id.yaml",
    ]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "7 errors in 2 of 3 files\n");
}

#[test]
fn usage_errors_exit_with_2() {
    let (code, stdout, stderr) = validate(&["tests/scenarios/nope.yaml"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(stderr, "error: `tests/scenarios/nope.yaml` does not exist\n");

    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(firedrill().arg("validate").current_dir(dir.path()));
    assert_eq!(code, 2);
    assert_eq!(stderr, "error: there is no `scenarios/` folder here: pass the scenario files or folders to check\n");

    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let (code, _, stderr) = run(firedrill().args(["validate", "empty"]).current_dir(dir.path()));
    assert_eq!(code, 2);
    assert_eq!(stderr, "error: no scenario files (*.yaml, *.yml) in `empty`\n");

    let (code, _, stderr) = run(firedrill().args(["validate", "tests/scenarios/valid", "--repo", "no/such/dir"]));
    assert_eq!(code, 2, "{stderr}");
}

/// A control repository with `scenarios/` and `firedrill.yml`, checked with no arguments.
#[test]
fn defaults_to_scenarios_and_firedrill_yml() {
    let dir = tempfile::tempdir().unwrap();
    let minimal = std::fs::read_to_string(corpus("valid").join("minimal.yaml")).unwrap();
    write(dir.path(), "scenarios/minimal.yaml", &minimal);
    write(dir.path(), "scenarios/nested/other.yml", &minimal.replace("id: minimal", "id: other"));
    write(dir.path(), "scenarios/README.md", "not a scenario");
    let (code, stdout, stderr) = run(firedrill().arg("validate").current_dir(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "2 scenarios valid; 2 not checked against the target files (see the notes)\n");

    write(dir.path(), "firedrill.yml", "allowed_environments: [production]\n");
    let (code, stdout, stderr) = run(firedrill().arg("validate").current_dir(dir.path()));
    assert_eq!(code, 2);
    assert_eq!(stdout, "2 errors in 2 of 3 files\n");
    insta::assert_snapshot!(stderr, @r"
    scenarios/minimal.yaml:7:16: target.environment: environment `staging` is not allowed by firedrill.yml (allowed_environments: `production`)
      = help: use an allowed environment, or add it to `allowed_environments` in firedrill.yml
    scenarios/nested/other.yml:7:16: target.environment: environment `staging` is not allowed by firedrill.yml (allowed_environments: `production`)
      = help: use an allowed environment, or add it to `allowed_environments` in firedrill.yml
    ");
}

/// Writes `scenario.yaml` (targeting `files[0]`) and the target files into a fresh folder, and validates it
/// with `--repo` that folder.
fn check_locally(scenario: &str, files: &[(&str, &str)]) -> (i32, String, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "scenario.yaml", scenario);
    for (path, text) in files {
        write(&dir.path().join("repo"), path, text);
    }
    let (code, stdout, stderr) =
        run(firedrill().args(["validate", "scenario.yaml", "--repo", "repo"]).current_dir(dir.path()));
    (code, stdout, stderr, dir)
}

const API_JSON: &str = "{\n  \"spec\": {\n    \"replicas\": 3,\n    \"image\": \"api:1.2\"\n  }\n}\n";

fn json_scenario(fault: &str, cover: &str) -> String {
    format!("id: api\ntitle: API\ntarget:\n  path: deploy/api.json\nfault:\n{fault}{cover}")
}

#[test]
fn local_json_target_is_patched() {
    let ok = json_scenario("  - {op: replace, path: /spec/replicas, value: 0}\n", "");
    let (code, stdout, stderr, _dir) = check_locally(&ok, &[("deploy/api.json", API_JSON)]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "1 scenario valid\n", ""));

    let missing = json_scenario("  - {op: replace, path: /spec/replica, value: 0}\n", "");
    let (code, _, stderr, _dir) = check_locally(&missing, &[("deploy/api.json", API_JSON)]);
    assert_eq!(code, 2);
    // The message itself is the JSON engine's; what matters here is where it points.
    assert!(stderr.starts_with("scenario.yaml:6:25: fault[0]: "), "{stderr}");
    assert!(stderr.contains("`replica`") && stderr.contains(" (in deploy/api.json:2:"), "{stderr}");

    let already = json_scenario("  - {op: replace, path: /spec/replicas, value: 3}\n", "");
    let (code, _, stderr, _dir) = check_locally(&already, &[("deploy/api.json", API_JSON)]);
    assert_eq!(code, 2);
    insta::assert_snapshot!(stderr, @r"
    scenario.yaml:5:1: fault: the target already holds this value: nothing to break (the fault is already present in deploy/api.json, so its recovery could never be seen)
      = help: check the target file and the values the fault sets (or its `test` operations)
    ");
}

#[test]
fn local_cover_edits_are_patched_too() {
    let cover = "cover:\n  - patch:\n      - {op: replace, path: /spec/image, value: \"api:1.3\"}\n  - path: deploy/other.json\n    patch:\n      - {op: add, path: /note, value: x}\n";
    let scenario = json_scenario("  - {op: replace, path: /spec/replicas, value: 0}\n", cover);
    let (code, _, stderr, _dir) = check_locally(&scenario, &[("deploy/api.json", API_JSON)]);
    assert_eq!(code, 2);
    insta::assert_snapshot!(stderr, @r"
    scenario.yaml:10:11: cover[1].path: deploy/other.json does not exist beside the target file deploy/api.json
      = help: check the path: it is relative to the target repository's root
    ");
    let (code, _, stderr, _dir) =
        check_locally(&scenario, &[("deploy/api.json", API_JSON), ("deploy/other.json", "{\"a\": 1}\n")]);
    assert_eq!((code, stderr.as_str()), (0, ""));
}

#[test]
fn local_yaml_target_is_patched() {
    let values = "# staging values\nredis:\n  pool:\n    size: 10 # connections\n";
    let scenario = "id: redis\ntitle: Redis\ntarget:\n  path: values.yaml\nfault:\n  - op: replace\n    path: /redis/pool/size\n    value: 0\n";
    let (code, _, stderr, _dir) = check_locally(scenario, &[("values.yaml", values)]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let wrong = scenario.replace("/redis/pool/size", "/redis/pool/max");
    let (code, _, stderr, _dir) = check_locally(&wrong, &[("values.yaml", values)]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("scenario.yaml:7:11: fault[0]: "), "{stderr}");
    assert!(stderr.contains("(in values.yaml:"), "{stderr}");
}

/// A target in another repository is read only from a `--repo` given explicitly (a checkout of it); without
/// one the scenario is valid, and a note says what was not checked and how to check it.
#[test]
fn targets_in_other_repositories_are_read_only_from_an_explicit_repo() {
    let scenario = "id: api\ntitle: API\ntarget:\n  repo: acme/config\n  path: deploy/api.json\nfault:\n  - {op: replace, path: /nope, value: 0}\n";
    let (code, _, stderr, dir) = check_locally(scenario, &[("deploy/api.json", API_JSON)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.starts_with("scenario.yaml:7:25: fault[0]: the document has no key `nope`"), "{stderr}");
    let (code, stdout, stderr) = run(firedrill().args(["validate", "scenario.yaml"]).current_dir(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "1 scenario valid; 1 not checked against the target files (see the notes)\n");
    insta::assert_snapshot!(stderr, @r"
    scenario.yaml:4:9: target.repo: not checked: the fault was not applied to deploy/api.json, which is in another repository (`acme/config`)
      = help: pass --repo a checkout of the target repository (a work tree, or a bare clone read at the branch), or run `firedrill doctor`, which reads it from the target repository
    ");
    let (_, stdout, _) =
        run(firedrill().args(["validate", "scenario.yaml"]).current_dir(dir.path()).env("GITHUB_ACTIONS", "true"));
    assert!(stdout.starts_with("::notice file=scenario.yaml,line=4,col=9,"), "{stdout}");
}

#[test]
fn paths_name_the_file_as_given() {
    let (_, _, stderr) = validate(&["./tests/scenarios/invalid/bad-id.yaml"]);
    assert!(stderr.starts_with("./tests/scenarios/invalid/bad-id.yaml:1:5: id: "), "{stderr}");
}
