//! The hostile corpus (`tests/hostile/cases/`): scenario files written to read outside the repository, exhaust
//! memory or slip past the checks. Each one goes through `validate` and `preview`, as a person and as the
//! Action would run them, and must be refused with exit code 2 and a `file:line:column`, in a bounded
//! message that never holds the secrets seeded in the environment, in `.git/config` and outside the
//! repository. The messages are snapshots (`tests/hostile/snapshots/`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{firedrill, root, run};

/// A fake token, seeded everywhere a careless read could find it.
const TOKEN: &str = "ghp_HOSTILEfake0123456789abcdefABCDEF0123";
/// The same token as git stores it for an `http.extraheader` (base64 of `x-access-token:TOKEN`).
const HEADER: &str = "eC1hY2Nlc3MtdG9rZW46Z2hwX0hPU1RJTEVmYWtlMDEyMzQ1Njc4OWFiY2RlZkFCQ0RFRjAxMjM=";
/// No refusal needs more than this many bytes of output.
const MAX_OUTPUT: usize = 4096;

fn cases_dir() -> PathBuf {
    root().join("tests/hostile/cases")
}

/// The target repository: `tests/hostile/repo/` committed in a fresh git work tree, with what git cannot
/// hold added around it: a token in `.git/config`, links out of the repository and into `.git`, a named
/// pipe, an 11 MB file, and a secret file beside the repository.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    copy_dir(&root().join("tests/hostile/repo"), &repo);
    let git = |args: &[&str]| {
        let status = crate::common::git().args(args).current_dir(&repo).status().unwrap();
        assert!(status.success(), "git {args:?}");
    };
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.yaml"), format!("token: {TOKEN}\n")).unwrap();
    // Links and the large file are committed too (git stores a link as the path it points to), so that
    // `preview`, which reads the branch, meets them as well as `validate`, which reads the work tree.
    let deploy = repo.join("deploy");
    std::os::unix::fs::symlink("/proc/self/environ", deploy.join("env.txt")).unwrap();
    std::os::unix::fs::symlink("../../outside/secret.yaml", deploy.join("outside.yaml")).unwrap();
    std::os::unix::fs::symlink("../.git/config", deploy.join("config.txt")).unwrap();
    let line = "a: 1\n";
    std::fs::write(deploy.join("huge.yaml"), line.repeat(11 * 1024 * 1024 / line.len() + 1)).unwrap();
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init"]);
    git(&["config", "http.extraheader", &format!("AUTHORIZATION: basic {HEADER}")]);
    git(&["config", "remote.origin.url", &format!("https://x-access-token:{TOKEN}@github.com/acme/shop.git")]);
    let status = Command::new("mkfifo").arg(deploy.join("pipe.yaml")).status().unwrap();
    assert!(status.success());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// `firedrill ARGS` with the token in the environment, as a runner holds it.
fn hostile(args: &[&str], action: bool) -> (i32, String, String) {
    let mut cmd = firedrill();
    cmd.args(args).env("GITHUB_TOKEN", TOKEN).env("FIREDRILL_TOKEN", TOKEN).env("HOSTILE_SECRET", TOKEN);
    if action {
        cmd.env("GITHUB_ACTIONS", "true");
    }
    run(&mut cmd)
}

/// Checks one run's refusal and returns its stderr with the fixture's folder replaced by `[fixture]`.
fn refused(name: &str, what: &str, (code, stdout, stderr): (i32, String, String), fixture: &Path) -> String {
    let all = format!("{stdout}{stderr}");
    assert_eq!(code, 2, "{name}: {what} should refuse with exit code 2:\n{all}");
    for secret in [TOKEN, HEADER, "HOSTILEfake"] {
        assert!(!all.contains(secret), "{name}: {what} printed a secret:\n{all}");
    }
    assert!(all.len() <= MAX_OUTPUT, "{name}: {what} printed {} bytes:\n{all}", all.len());
    let file = format!("tests/hostile/cases/{name}.yaml:");
    let located = stderr.lines().any(|l| {
        l.strip_prefix(&file).and_then(|rest| rest.split_once(": ")).is_some_and(|(pos, _)| {
            let (line, column) = pos.split_once(':').unwrap_or(("", ""));
            line.parse::<usize>().is_ok() && column.parse::<usize>().is_ok()
        })
    });
    assert!(located, "{name}: {what} names no {file}line:column:\n{stderr}");
    stderr.replace(&fixture.display().to_string(), "[fixture]")
}

#[test]
fn every_hostile_scenario_is_refused_by_validate_and_preview_without_leaking() {
    let fixture = fixture();
    let repo = fixture.path().join("repo");
    let repo = repo.to_str().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 20, "the hostile corpus shrank: {names:?}");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/hostile/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    let _guard = settings.bind_to_scope();
    for name in &names {
        let file = format!("tests/hostile/cases/{name}.yaml");
        let validate = ["validate", file.as_str(), "--repo", repo];
        let human = refused(name, "validate", hostile(&validate, false), fixture.path());
        let (code, stdout, stderr) = hostile(&validate, true);
        refused(name, "validate under GitHub Actions", (code, stdout.clone(), stderr), fixture.path());
        let annotation = format!("::error file={file},line=");
        assert!(stdout.lines().any(|l| l.starts_with(&annotation)), "{name}: no annotation:\n{stdout}");
        let preview = ["preview", file.as_str(), "--repo", repo, "--scenarios", "tests/hostile/cases"];
        let previewed = refused(name, "preview", hostile(&preview, false), fixture.path());
        let (code, stdout, stderr) = hostile(&preview, true);
        refused(name, "preview under GitHub Actions", (code, stdout.clone(), stderr), fixture.path());
        assert!(stdout.lines().any(|l| l.starts_with(&annotation)), "{name}: no preview annotation:\n{stdout}");
        insta::assert_snapshot!(name.as_str(), format!("validate:\n{human}\npreview:\n{previewed}"));
    }
}

/// `preview` on a plain folder (not a git repository) reads files from disk, so it meets the links itself.
#[test]
fn preview_of_a_plain_folder_refuses_links_out_of_it() {
    let fixture = fixture();
    let plain = fixture.path().join("plain");
    std::fs::create_dir_all(plain.join("deploy")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", plain.join("deploy/env.txt")).unwrap();
    let file = "tests/hostile/cases/symlink-to-proc-environ.yaml";
    let args = ["preview", file, "--scenarios", "tests/hostile/cases", "--repo", plain.to_str().unwrap()];
    let stderr = refused("symlink-to-proc-environ", "preview", hostile(&args, false), fixture.path());
    assert!(stderr.contains("a symbolic link (or goes through one) that leads outside the repository"), "{stderr}");
}

/// A link that stays inside the repository is followed: shared values files are often linked.
#[test]
fn a_link_inside_the_repository_that_stays_inside_is_followed() {
    let fixture = fixture();
    let repo = fixture.path().join("repo");
    std::os::unix::fs::symlink("values.yaml", repo.join("deploy/linked.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("linked.yaml");
    std::fs::write(
        &scenario,
        "id: linked\ntitle: Linked\ntarget:\n  path: deploy/linked.yaml\nfault:\n  - {op: replace, path: /replicas, value: 0}\n",
    )
    .unwrap();
    let (code, stdout, stderr) =
        run(firedrill().arg("validate").arg(&scenario).arg("--repo").arg(&repo).env("HOSTILE_SECRET", TOKEN));
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "1 scenario valid\n", ""));
}

/// A password in `--api-url` would reach every `-vv` log line and error naming the URL: refused first.
#[test]
fn an_api_url_with_credentials_is_refused_before_it_reaches_a_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
    let url = format!("https://kim:{TOKEN}@127.0.0.1:9/api/v3");
    let (code, stdout, stderr) = run(firedrill()
        .args(["-vv", "status", "--control", "acme/drills", "--api-url", &url])
        .env("FIREDRILL_TOKEN", "not-the-secret")
        .current_dir(dir.path()));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(!format!("{stdout}{stderr}").contains(TOKEN), "{stdout}{stderr}");
    insta::assert_snapshot!(stderr, @"error: the GitHub API URL `https://127.0.0.1:9/api/v3` holds a user name or password before `@`: firedrill authenticates with the token (FIREDRILL_TOKEN), never with credentials in the URL; remove them");
}
