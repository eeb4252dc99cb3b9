//! The GitHub emulator end to end, over real TCP: octocrab's typed models read every answer the GitHub forge
//! relies on, merges are real git merges, errors have GitHub's statuses, git travels over smart HTTP, state
//! survives a restart, and every logged exchange and webhook payload validates against GitHub's OpenAPI description.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use github_emulator::{Config, Emulator, Running};
use octocrab::models::repos::{DeploymentStatusState, Object};
use octocrab::models::{self, reactions::ReactionContent};
use octocrab::params::{self, repos::Reference};
use octocrab::{Octocrab, OctocrabBuilder};
use serde_json::{Value, json};

use crate::common::{git, git_in, needed_shared};

const REPO: &str = "acme/app";
const VALUES: &str = "deploy/values.yaml";

/// A running emulator with a seeded repository, its owner's token and a log of every REST exchange.
struct Harness {
    emu: Running,
    token: String,
    log: PathBuf,
    _state: tempfile::TempDir,
    _seed: tempfile::TempDir,
}

impl Harness {
    fn start() -> Harness {
        crate::common::hermetic_libgit2();
        let state = tempfile::tempdir().unwrap();
        let seed = tempfile::tempdir().unwrap();
        seed_repository(seed.path());
        let log = state.path().join("exchanges.jsonl");
        let mut config = Config::new(state.path().join("state"));
        config.seeds.push((REPO.to_owned(), seed.path().to_path_buf()));
        config.log = Some(log.clone());
        let emu = Emulator::start(config).unwrap();
        emu.set_clock("2026-03-02T09:00:00Z").unwrap();
        let token = emu.user_with_token("acme").unwrap();
        Harness { emu, token, log, _state: state, _seed: seed }
    }

    fn client(&self, token: &str) -> Octocrab {
        client(&self.emu.url(), token)
    }

    fn owner(&self) -> Octocrab {
        self.client(&self.token)
    }

    fn admin(&self, method: &str, path: &str, body: Value) -> Value {
        self.emu.admin(method, path, &body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }
}

fn client(url: &str, token: &str) -> Octocrab {
    OctocrabBuilder::default()
        .base_uri(url)
        .unwrap()
        .personal_token(token.to_owned())
        .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
        .build()
        .unwrap()
}

/// POSTs `body` to `url` with `token` through octocrab (as a workflow's `curl` would); returns the status.
pub(crate) fn post_json(url: &str, token: &str, body: &Value) -> u16 {
    let (base, path) = url.split_at(url.find("/repos/").unwrap());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async { client(base, token)._post(path, Some(body)).await.unwrap().status().as_u16() })
}

fn seed_repository(dir: &Path) {
    git_in(dir, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::create_dir_all(dir.join("deploy")).unwrap();
    std::fs::write(dir.join(VALUES), "replicas: 3\nredis:\n  pool: 10\n").unwrap();
    std::fs::write(dir.join("README.md"), "# app\n").unwrap();
    git_in(dir, &["add", "."]);
    let ident = ["-c", "user.name=Ada", "-c", "user.email=ada@example.com"];
    git_in(dir, &[&ident[..], &["commit", "--quiet", "-m", "initial", "--date", "2026-03-01T08:00:00Z"]].concat());
    std::fs::write(dir.join("README.md"), "# app\n\nServes things.\n").unwrap();
    git_in(dir, &[&ident[..], &["commit", "--quiet", "-am", "readme", "--date", "2026-03-01T09:00:00Z"]].concat());
}

/// `../shared/tools/bin/gh-openapi-check`, GitHub's OpenAPI description as a checker; see [`needed_shared`].
fn checker() -> Option<PathBuf> {
    needed_shared(
        crate::common::root().join("../shared/tools/bin/gh-openapi-check"),
        "the OpenAPI check is one of the shared tools in ../shared/tools/bin",
    )
}

/// Validates every logged exchange against GitHub's OpenAPI description; panics with the checker's report.
pub(crate) fn assert_openapi_valid(log: &Path, extra: &[&str]) {
    assert_openapi_valid_except(log, extra, |_| false);
}

/// Like [`assert_openapi_valid`], leaving out the exchanges whose *request* a test broke on purpose (the checker
/// validates requests too); the test asserts those answers itself.
fn assert_openapi_valid_except(log: &Path, extra: &[&str], deliberate: impl Fn(&Value) -> bool) {
    let Some(checker) = checker() else { return };
    let kept: Vec<String> = std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .filter(|line| !deliberate(&serde_json::from_str::<Value>(line).unwrap()))
        .map(str::to_owned)
        .collect();
    let log = log.with_extension("checked.jsonl");
    std::fs::write(&log, kept.join("\n")).unwrap();
    let out = std::process::Command::new(checker).args(extra).arg("-q").arg(&log).output().unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprintln!("gh-openapi-check {}: {}", log.display(), report.lines().last().unwrap_or(""));
    assert!(out.status.success(), "gh-openapi-check found invalid exchanges:\n{report}");
    assert!(report.contains(" 0 invalid"), "{report}");
}

/// Validates webhook payload files (`EVENT.ACTION.N.json`) with `gh-openapi-check --webhook auto`.
pub(crate) fn assert_webhooks_valid(paths: &[PathBuf]) {
    let Some(checker) = checker() else { return };
    assert!(!paths.is_empty());
    let out = std::process::Command::new(checker).args(["--webhook", "auto"]).args(paths).output().unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "webhook payloads do not validate:\n{report}");
}

fn sha_of(reference: &models::repos::Ref) -> String {
    match &reference.object {
        Object::Commit { sha, .. } | Object::Tag { sha, .. } => sha.clone(),
        other => panic!("unexpected ref object {other:?}"),
    }
}

fn status_of(error: &octocrab::Error) -> u16 {
    match error {
        octocrab::Error::GitHub { source, .. } => source.status_code.as_u16(),
        other => panic!("expected a GitHub error, got {other:?}"),
    }
}

#[tokio::test]
async fn octocrab_models_read_every_answer_the_forge_uses() {
    let h = Harness::start();
    let octo = h.owner();
    let repos = octo.repos("acme", "app");

    let repo: models::Repository = repos.get().await.unwrap();
    assert_eq!(repo.default_branch.as_deref(), Some("main"));
    assert_eq!(repo.full_name.as_deref(), Some(REPO));

    // The drill commit without a clone: file at the base, blob, tree on base_tree, commit, ref.
    let main = repos.get_ref(&Reference::Branch("main".into())).await.unwrap();
    let base = sha_of(&main);
    let mut content = repos.get_content().path(VALUES).r#ref(&base).send().await.unwrap();
    let text = content.take_items()[0].decoded_content().unwrap();
    assert_eq!(text, "replicas: 3\nredis:\n  pool: 10\n");
    let blob: models::git::CreatedBlob = octo
        .post("/repos/acme/app/git/blobs", Some(&json!({"content": text.replace("10", "0"), "encoding": "utf-8"})))
        .await
        .unwrap();
    let base_commit: models::commits::GitCommitObject =
        octo.get(format!("/repos/acme/app/git/commits/{base}"), None::<&()>).await.unwrap();
    let tree: models::git::GitTree = octo
        .post(
            "/repos/acme/app/git/trees",
            Some(&json!({"base_tree": base_commit.tree.sha, "tree": [{"path": VALUES, "mode": "100644", "type": "blob", "sha": blob.sha}]})),
        )
        .await
        .unwrap();
    assert!(tree.tree.iter().any(|e| e.path == "README.md"), "base_tree entries are kept");
    let commit: models::commits::GitCommitObject = octo
        .post(
            "/repos/acme/app/git/commits",
            Some(&json!({
                "message": "Tune the redis pool",
                "tree": tree.sha,
                "parents": [base],
                "author": {"name": "Grace", "email": "grace@example.com", "date": "2026-03-02T08:30:00Z"},
            })),
        )
        .await
        .unwrap();
    assert_eq!(commit.author.date.unwrap().to_rfc3339(), "2026-03-02T08:30:00+00:00");
    let created = repos.create_ref(&Reference::Branch("tune-pool".into()), &commit.sha).await.unwrap();
    assert_eq!(sha_of(&created), commit.sha);
    let again = repos.create_ref(&Reference::Branch("tune-pool".into()), &commit.sha).await.unwrap_err();
    assert_eq!(status_of(&again), 422);
    let moved: models::repos::Ref = octo
        .patch("/repos/acme/app/git/refs/heads/tune-pool", Some(&json!({"sha": commit.sha, "force": false})))
        .await
        .unwrap();
    assert_eq!(sha_of(&moved), commit.sha);

    // Pull request: create, find by head, get, merge (squash) at the clock's instant.
    let pulls = octo.pulls("acme", "app");
    let pr = pulls.create("Tune the redis pool", "tune-pool", "main").body("Smaller pool.").send().await.unwrap();
    assert_eq!(pr.number, 1);
    let found = pulls.list().state(params::State::Open).head("acme:tune-pool").send().await.unwrap();
    assert_eq!(found.items.len(), 1);
    let fetched = pulls.get(1).await.unwrap();
    assert_eq!(fetched.mergeable, Some(true));
    assert_eq!(fetched.head.sha, commit.sha);
    h.emu.set_clock("2026-03-02T10:15:00Z").unwrap();
    let merge = pulls.merge(1).sha(commit.sha.clone()).method(params::pulls::MergeMethod::Squash).send().await.unwrap();
    assert!(merge.merged);
    let merged = pulls.get(1).await.unwrap();
    assert_eq!(merged.merged_at.unwrap().to_rfc3339(), "2026-03-02T10:15:00+00:00");
    let new_main = sha_of(&repos.get_ref(&Reference::Branch("main".into())).await.unwrap());
    assert_eq!(Some(new_main.clone()), merge.sha);
    let mut after = repos.get_content().path(VALUES).r#ref("main").send().await.unwrap();
    assert!(after.take_items()[0].decoded_content().unwrap().contains("pool: 0"));

    // History: commits touching the file, pagination with `link`, commit by ref, pull requests of a commit.
    let page = repos.list_commits().sha("main").path(VALUES).per_page(1).send().await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].sha, new_main);
    assert!(page.next.is_some(), "the link header announces the next page");
    let all = repos.list_commits().sha("main").send().await.unwrap();
    assert_eq!(all.items.len(), 3);
    let by_ref = octo.commits("acme", "app").get("main").await.unwrap();
    assert_eq!(by_ref.files.as_ref().unwrap()[0].filename, VALUES);
    let landing = repos.list_pulls(new_main.clone()).send().await.unwrap();
    assert_eq!(landing.items[0].number, 1);

    // A second pull request, closed without merging; the branch is deleted.
    let side = h.admin(
        "POST",
        "/_emulator/repos/acme/app/push",
        json!({"branch": "side", "path": "x.txt", "content": "x", "message": "x"}),
    );
    assert!(side["sha"].is_string());
    let second = pulls.create("Side", "side", "main").send().await.unwrap();
    let closed = pulls.update(second.number).state(params::pulls::State::Closed).send().await.unwrap();
    assert_eq!(closed.state, Some(models::IssueState::Closed));
    repos.delete_ref(&Reference::Branch("side".into())).await.unwrap();

    // Issues, comments (with since), edits and reactions.
    let issues = octo.issues("acme", "app");
    let issue = issues.create("Drill log").labels(vec!["drill".to_owned()]).send().await.unwrap();
    let listed = issues.list().labels(&["drill".to_owned()]).state(params::State::All).send().await.unwrap();
    assert_eq!(listed.items.iter().map(|i| i.number).collect::<Vec<_>>(), vec![issue.number]);
    let comment = issues.create_comment(1, "/drill status").await.unwrap();
    h.emu.advance_clock(60).unwrap();
    let later = issues.create_comment(1, "second").await.unwrap();
    let since: Vec<models::issues::Comment> =
        octo.get("/repos/acme/app/issues/1/comments?since=2026-03-02T10:15:30Z", None::<&()>).await.unwrap();
    assert_eq!(since.iter().map(|c| c.id).collect::<Vec<_>>(), vec![later.id]);
    // octocrab's `update_comment` sends POST (which GitHub also takes); the documented verb is PATCH.
    let edited: models::issues::Comment = octo
        .patch(
            format!("/repos/acme/app/issues/comments/{}", comment.id),
            Some(&json!({"body": "/drill status (edited)"})),
        )
        .await
        .unwrap();
    assert_eq!(edited.body.as_deref(), Some("/drill status (edited)"));
    let reaction = issues.create_comment_reaction(comment.id, ReactionContent::Eyes).await.unwrap();
    assert_eq!(reaction.content, ReactionContent::Eyes);

    // Permissions, deployments and their statuses, rate limit.
    h.emu.user_with_token("bob").unwrap();
    h.emu.set_permission(REPO, "bob", "maintain").unwrap();
    // GitHub answers the legacy `permission` as admin/write/read/none, which octocrab 0.54's `RepoPermission`
    // (pull/push/...) cannot read, so this one is read as JSON: the forge must not use the typed call either.
    let permission: Value = octo.get("/repos/acme/app/collaborators/bob/permission", None::<&()>).await.unwrap();
    assert_eq!(
        (permission["permission"].as_str(), permission["role_name"].as_str()),
        (Some("write"), Some("maintain"))
    );
    let collaborator: models::Collaborator = serde_json::from_value(permission["user"].clone()).unwrap();
    assert_eq!(collaborator.author.login, "bob");
    let deployment = repos.deployments().create("main").environment("staging").send().await.unwrap();
    assert_eq!(deployment.sha, new_main);
    let status =
        repos.deployments().statuses(deployment.id).create(DeploymentStatusState::Success).send().await.unwrap();
    assert_eq!(status.state, DeploymentStatusState::Success);
    let deployments = repos.deployments().list().environment("staging").send().await.unwrap();
    assert_eq!(deployments.items.len(), 1);
    let statuses = repos.deployments().statuses(deployment.id).list().send().await.unwrap();
    assert_eq!(statuses.items.len(), 1);
    let limits = octo.ratelimit().get().await.unwrap();
    assert_eq!(limits.rate.limit, 5000);

    assert_openapi_valid(&h.log, &[]);
}

#[tokio::test]
async fn merges_are_real_and_refuse_like_github() {
    let h = Harness::start();
    let octo = h.owner();
    let pulls = octo.pulls("acme", "app");
    // Two branches changing the same line: the first merges, the second then conflicts.
    for (branch, pool) in [("a", "1"), ("b", "2")] {
        h.admin(
            "POST",
            "/_emulator/repos/acme/app/push",
            json!({"branch": branch, "path": VALUES, "content": format!("replicas: 3\nredis:\n  pool: {pool}\n"), "message": branch}),
        );
    }
    let a = pulls.create("A", "a", "main").send().await.unwrap();
    let b = pulls.create("B", "b", "main").send().await.unwrap();
    let wrong = pulls.merge(a.number).sha("0".repeat(40)).send().await.unwrap_err();
    assert_eq!(status_of(&wrong), 409, "head moved");
    let bad_method: Result<models::pulls::Merge, _> =
        octo.put(format!("/repos/acme/app/pulls/{}/merge", a.number), Some(&json!({"merge_method": "octopus"}))).await;
    assert_eq!(status_of(&bad_method.unwrap_err()), 422);
    let merged = pulls.merge(a.number).method(params::pulls::MergeMethod::Merge).send().await.unwrap();
    let merge_commit: models::commits::GitCommitObject =
        octo.get(format!("/repos/acme/app/git/commits/{}", merged.sha.clone().unwrap()), None::<&()>).await.unwrap();
    assert_eq!(merge_commit.parents.len(), 2, "a real merge commit");
    // The base moved: GitHub shows it has not computed the other pull request yet, once, then the conflict.
    assert_eq!(pulls.get(b.number).await.unwrap().mergeable, None);
    assert_eq!(pulls.get(b.number).await.unwrap().mergeable, Some(false));
    let conflict = pulls.merge(b.number).send().await.unwrap_err();
    assert_eq!(status_of(&conflict), 405, "conflicting");
    let twice = pulls.merge(a.number).send().await.unwrap_err();
    assert_eq!(status_of(&twice), 405, "already merged");
    let duplicate = pulls.create("B again", "b", "main").send().await.unwrap_err();
    assert_eq!(status_of(&duplicate), 422);

    // Rebase: each commit replayed on main, the pull request lists them all.
    h.admin(
        "POST",
        "/_emulator/repos/acme/app/push",
        json!({"branch": "c", "path": "c1.txt", "content": "1", "message": "c1"}),
    );
    h.admin(
        "POST",
        "/_emulator/repos/acme/app/push",
        json!({"branch": "c", "path": "c2.txt", "content": "2", "message": "c2"}),
    );
    let c = pulls.create("C", "c", "main").send().await.unwrap();
    let rebased = pulls.merge(c.number).method(params::pulls::MergeMethod::Rebase).send().await.unwrap();
    let page = octo.repos("acme", "app").list_commits().sha("main").per_page(2).send().await.unwrap();
    assert_eq!(page.items[0].sha, rebased.sha.unwrap());
    assert_eq!(page.items[0].parents.len(), 1);

    // Not a fast forward without force; fine with it.
    let old = page.items[1].sha.clone();
    let refused: Result<models::repos::Ref, _> =
        octo.patch("/repos/acme/app/git/refs/heads/main", Some(&json!({"sha": "b".repeat(40)}))).await;
    assert_eq!(status_of(&refused.unwrap_err()), 422);
    h.admin(
        "POST",
        "/_emulator/repos/acme/app/push",
        json!({"branch": "d", "path": "d.txt", "content": "d", "message": "d", "from": old}),
    );
    let d = sha_of(&octo.repos("acme", "app").get_ref(&Reference::Branch("d".into())).await.unwrap());
    let not_ff: Result<models::repos::Ref, _> =
        octo.patch("/repos/acme/app/git/refs/heads/main", Some(&json!({"sha": d}))).await;
    assert_eq!(status_of(&not_ff.unwrap_err()), 422);
    let forced: models::repos::Ref =
        octo.patch("/repos/acme/app/git/refs/heads/main", Some(&json!({"sha": d, "force": true}))).await.unwrap();
    assert_eq!(sha_of(&forced), d);

    assert_openapi_valid_except(&h.log, &[], |exchange| exchange["request_body"]["merge_method"] == "octopus");
}

#[tokio::test]
async fn tokens_and_permissions_answer_401_403_404() {
    let h = Harness::start();
    let bad = h.client("not-a-token");
    let err = bad.repos("acme", "app").get().await.unwrap_err();
    assert_eq!(status_of(&err), 401);
    let raw = bad._get(format!("{}/repos/acme/app", h.emu.url())).await.unwrap();
    assert_eq!(raw.status().as_u16(), 401);
    let body: Value = serde_json::from_str(&bad.body_to_string(raw).await.unwrap()).unwrap();
    assert_eq!(body["message"], "Bad credentials");
    assert_eq!(body["documentation_url"], "https://docs.github.com/rest");

    let reader = h.emu.user_with_token("reader").unwrap();
    let reader = h.client(&reader);
    reader.repos("acme", "app").get().await.unwrap();
    let err = reader.repos("acme", "app").create_ref(&Reference::Branch("x".into()), "a".repeat(40)).await.unwrap_err();
    assert_eq!(status_of(&err), 403, "read access only");

    h.emu.create_repo("acme/secret", None, true).unwrap();
    let err = reader.repos("acme", "secret").get().await.unwrap_err();
    assert_eq!(status_of(&err), 404, "private repositories are invisible");
    h.emu.set_permission("acme/secret", "reader", "read").unwrap();
    reader.repos("acme", "secret").get().await.unwrap();
    let err = reader.pulls("acme", "app").get(99).await.unwrap_err();
    assert_eq!(status_of(&err), 404);

    let raw = h.owner()._get(format!("{}/repos/acme/app", h.emu.url())).await.unwrap();
    for header in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-used",
        "x-ratelimit-resource",
        "x-github-request-id",
    ] {
        assert!(raw.headers().contains_key(header), "{header} is missing");
    }
    // GitHub's description lists 401 on few operations, though every one answers it.
    assert_openapi_valid(&h.log, &["--allow-undocumented-status"]);
}

#[tokio::test]
async fn injected_faults_hit_the_next_matching_requests() {
    let h = Harness::start();
    let octo = h.owner();
    h.emu
        .inject(&json!({
            "method": "GET",
            "path": "/repos/acme/app/pulls*",
            "times": 2,
            "status": 403,
            "body": {"message": "You have exceeded a secondary rate limit.", "documentation_url": "https://docs.github.com/rest"},
            "headers": {"retry-after": "7", "x-ratelimit-remaining": "0"},
        }))
        .unwrap();
    for _ in 0..2 {
        let raw = octo._get(format!("{}/repos/acme/app/pulls", h.emu.url())).await.unwrap();
        assert_eq!(raw.status().as_u16(), 403);
        assert_eq!(raw.headers()["retry-after"], "7");
        let remaining: Vec<_> = raw.headers().get_all("x-ratelimit-remaining").iter().collect();
        assert_eq!(remaining, ["0"], "the fault's header replaces the default");
    }
    octo.pulls("acme", "app").list().send().await.unwrap();

    h.emu.inject(&json!({"path": "/repos/acme/app", "status": 502, "body": {"message": "Server Error"}})).unwrap();
    let err = octo.repos("acme", "app").get().await.unwrap_err();
    assert_eq!(status_of(&err), 502);

    h.emu.inject(&json!({"path": "/repos/acme/app", "delay_ms": 300})).unwrap();
    let started = Instant::now();
    octo.repos("acme", "app").get().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));

    h.emu.inject(&json!({"path": "/repos/acme/app", "drop": true})).unwrap();
    assert!(octo.repos("acme", "app").get().await.is_err(), "the connection was dropped");
    octo.repos("acme", "app").get().await.unwrap();
    assert_eq!(h.emu.state().unwrap()["faults"], json!([]));
    // Injected answers are logged like the others; a 502 is undocumented but GitHub's proxies answer it.
    assert_openapi_valid(&h.log, &["--allow-undocumented-status"]);
}

#[test]
fn git_fetches_shallow_and_pushes_over_smart_http_with_a_token() {
    let h = Harness::start();
    let work = tempfile::tempdir().unwrap();
    let url = h.emu.git_url(REPO).replace("http://", &format!("http://x-access-token:{}@", h.token));
    let clone = work.path().join("app");
    let out = git().args(["clone", "--quiet", "--depth", "1", &url]).arg(&clone).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(git_in(&clone, &["rev-list", "--count", "HEAD"]), "1", "shallow");
    std::fs::write(clone.join("new.txt"), "pushed\n").unwrap();
    git_in(&clone, &["add", "new.txt"]);
    git_in(
        &clone,
        &["-c", "user.name=Ada", "-c", "user.email=ada@example.com", "commit", "--quiet", "-m", "push over http"],
    );
    let pushed = git_in(&clone, &["rev-parse", "HEAD"]);
    git_in(&clone, &["push", "--quiet", "origin", "HEAD:refs/heads/pushed"]);
    let state_repo = git2::Repository::open_bare(h.emu.state_dir().join("repos/acme/app.git")).unwrap();
    assert_eq!(state_repo.refname_to_id("refs/heads/pushed").unwrap().to_string(), pushed);

    // A reader may fetch but not push; a wrong token is refused.
    let reader = h.emu.user_with_token("reader").unwrap();
    let reader_url = h.emu.git_url(REPO).replace("http://", &format!("http://x-access-token:{reader}@"));
    let out = git().current_dir(&clone).args(["push", &reader_url, "HEAD:refs/heads/nope"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("403"), "{}", String::from_utf8_lossy(&out.stderr));
    let wrong_url = h.emu.git_url(REPO).replace("http://", "http://x-access-token:wrong@");
    let out = git().current_dir(&clone).args(["push", &wrong_url, "HEAD:refs/heads/nope"]).output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Authentication failed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn state_survives_a_restart_on_the_same_folder() {
    let state = tempfile::tempdir().unwrap();
    let seed = tempfile::tempdir().unwrap();
    seed_repository(seed.path());
    let mut config = Config::new(state.path());
    config.seeds.push((REPO.to_owned(), seed.path().to_path_buf()));
    let emu = Emulator::start(config.clone()).unwrap();
    emu.set_clock("2026-03-02T09:00:00Z").unwrap();
    let token = emu.user_with_token("acme").unwrap();
    emu.admin(
        "POST",
        "/_emulator/repos/acme/app/push",
        &json!({"branch": "f", "path": "f.txt", "content": "f", "message": "f"}),
    )
    .unwrap();
    let opened = emu.admin("POST", "/_emulator/repos/acme/app/pulls", &json!({"head": "f", "title": "F"})).unwrap();
    let number = opened["pull_request"]["number"].as_u64().unwrap();
    emu.shutdown();

    let emu = Emulator::start(config).unwrap();
    let state = emu.state().unwrap();
    assert_eq!(state["clock"], "2026-03-02T09:00:00Z");
    assert_eq!(state["tokens"][&token], "acme");
    assert_eq!(state["repos"][REPO]["pulls"][0]["number"], number);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let pr = client(&emu.url(), &token).pulls("acme", "app").get(number).await.unwrap();
        assert_eq!(pr.head.ref_field, "f");
    });
}

#[test]
fn admin_actions_write_webhook_payloads_github_would_send() {
    let h = Harness::start();
    let bob = "bob";
    h.emu.user_with_token(bob).unwrap();
    h.emu.set_permission(REPO, bob, "write").unwrap();
    let event = |value: &Value, key: &str| {
        let path = PathBuf::from(value[key].as_str().unwrap_or_else(|| panic!("no {key} in {value}")));
        assert!(path.is_absolute() && path.exists(), "{}", path.display());
        serde_json::from_slice::<Value>(&std::fs::read(path).unwrap()).unwrap()
    };
    let push = h.admin(
        "POST",
        "/_emulator/repos/acme/app/push",
        json!({"as": "acme", "branch": "drill", "path": VALUES, "content": "replicas: 3\nredis:\n  pool: 0\n", "message": "Tune"}),
    );
    assert_eq!(event(&push, "event_path")["created"], true);
    let opened = h.admin("POST", "/_emulator/repos/acme/app/pulls", json!({"head": "drill", "title": "Tune"}));
    assert_eq!(event(&opened, "event_path")["action"], "opened");
    h.emu.set_clock("2026-03-02T10:00:00Z").unwrap();
    let merged = h.admin("POST", "/_emulator/repos/acme/app/pulls/1/merge", json!({"merge_method": "squash"}));
    let closed = event(&merged, "event_path");
    assert_eq!(closed["pull_request"]["merged"], true);
    assert_eq!(closed["pull_request"]["merged_at"], "2026-03-02T10:00:00Z");
    assert_eq!(event(&merged, "push_event_path")["ref"], "refs/heads/main");
    let comment =
        h.admin("POST", "/_emulator/repos/acme/app/issues/1/comments", json!({"as": bob, "body": "/drill ack"}));
    let created = event(&comment, "event_path");
    assert_eq!(created["comment"]["body"], "/drill ack");
    assert_eq!(created["issue"]["pull_request"]["merged_at"], "2026-03-02T10:00:00Z");
    let id = comment["comment"]["id"].as_u64().unwrap();
    let edited = h.admin(
        "PATCH",
        &format!("/_emulator/repos/acme/app/issues/comments/{id}"),
        json!({"as": bob, "body": "/drill hint"}),
    );
    assert_eq!(event(&edited, "event_path")["changes"]["body"]["from"], "/drill ack");
    h.emu.set_clock("2026-03-02T10:42:00Z").unwrap();
    let revert = h.admin("POST", "/_emulator/repos/acme/app/pulls/1/revert", json!({"as": bob, "merge": true}));
    assert_eq!(revert["pull_request"]["merged"], true);
    let main = git2::Repository::open_bare(h.emu.state_dir().join("repos/acme/app.git")).unwrap();
    let tip = main.find_reference("refs/heads/main").unwrap().peel_to_commit().unwrap();
    let values = tip.tree().unwrap().get_path(Path::new(VALUES)).unwrap().to_object(&main).unwrap();
    assert_eq!(values.as_blob().unwrap().content(), b"replicas: 3\nredis:\n  pool: 10\n", "reverted for real");
    let deployment = h.admin("POST", "/_emulator/repos/acme/app/deployments", json!({"environment": "staging"}));
    let deployment_id = deployment["deployment"]["id"].as_u64().unwrap();
    let status = h.admin(
        "POST",
        &format!("/_emulator/repos/acme/app/deployments/{deployment_id}/statuses"),
        json!({"state": "success", "target_url": "https://ci.example.com/1"}),
    );
    assert_eq!(event(&status, "event_path")["deployment_status"]["state"], "success");
    h.admin("POST", "/_emulator/repos/acme/app/revert", json!({"branch": "main", "sha": tip.id().to_string()}));
    // Every payload written, in order: push, opened, closed, push, comment created, edited, the revert's opened,
    // closed and push, deployment status, the direct revert's push.
    let mut events: Vec<PathBuf> =
        std::fs::read_dir(h.emu.state_dir().join("events")).unwrap().map(|e| e.unwrap().path()).collect();
    events.sort();
    assert_eq!(events.len(), 11, "{events:?}");
    assert_webhooks_valid(&events);
    for (example, prefix) in [
        ("push.json", "push."),
        ("pull_request.opened.json", "pull_request.opened."),
        ("pull_request.closed.merged.derived.json", "pull_request.closed."),
        ("issue_comment.created.on-pr.derived.json", "issue_comment.created."),
    ] {
        let ours = events.iter().find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix)).unwrap();
        assert_same_fields_as_real_example(example, ours);
    }
}

/// Every field of GitHub's real example (`../shared/payloads/`) is in ours too, except where ours is null or empty
/// (no assignee, no labels) and the organization/installation parts a user repository does not have.
fn assert_same_fields_as_real_example(example: &str, file: &Path) {
    let path = crate::common::root().join("../shared/payloads").join(example);
    let Some(path) = needed_shared(path, "GitHub's real webhook payloads live in ../shared/payloads") else { return };
    let real = std::fs::read(&path).unwrap();
    let real: Value = serde_json::from_slice(&real).unwrap();
    let ours: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let mut missing = Vec::new();
    compare_fields(&real, &ours, "", &mut missing);
    missing.retain(|f| !["installation", "organization", "enterprise"].iter().any(|skip| f.starts_with(skip)));
    assert!(missing.is_empty(), "{} lacks fields of {example}: {missing:?}", file.display());
}

fn compare_fields(real: &Value, ours: &Value, at: &str, missing: &mut Vec<String>) {
    match (real, ours) {
        (Value::Object(real), Value::Object(ours)) => {
            for (key, value) in real {
                let here = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
                match ours.get(key) {
                    None => missing.push(here),
                    Some(mine) => compare_fields(value, mine, &here, missing),
                }
            }
        }
        (Value::Array(real), Value::Array(ours)) => {
            if let (Some(first), Some(mine)) = (real.first(), ours.first()) {
                compare_fields(first, mine, &format!("{at}[]"), missing);
            }
        }
        _ => {}
    }
}

// Guard rails: merge settings, branch protection, rulesets, reviews, statuses and check runs, each refused with
// GitHub's status and message, then let through.

/// Sends `method path` through octocrab; returns GitHub's status and JSON body (null when empty).
async fn send(octo: &Octocrab, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let response = match method {
        "GET" => octo._get(path).await,
        "POST" => octo._post(path, body.as_ref()).await,
        "PUT" => octo._put(path, body.as_ref()).await,
        "PATCH" => octo._patch(path, body.as_ref()).await,
        "DELETE" => octo._delete(path, body.as_ref()).await,
        other => panic!("no verb {other}"),
    }
    .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = response.status().as_u16();
    let text = octo.body_to_string(response).await.unwrap();
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

/// Asserts a refusal: the status and GitHub's exact `message`.
async fn refused(octo: &Octocrab, method: &str, path: &str, body: Option<Value>, status: u16, message: &str) -> Value {
    let (got, answer) = send(octo, method, path, body).await;
    assert_eq!((got, answer["message"].as_str()), (status, Some(message)), "{method} {path}: {answer}");
    answer
}

/// Asserts a success status; returns the body.
async fn ok(octo: &Octocrab, method: &str, path: &str, body: Option<Value>, status: u16) -> Value {
    let (got, answer) = send(octo, method, path, body).await;
    assert_eq!(got, status, "{method} {path}: {answer}");
    answer
}

impl Harness {
    /// A user with a token and `permission` on the repository; returns their client.
    fn member(&self, login: &str, permission: &str) -> Octocrab {
        let token = self.emu.user_with_token(login).unwrap();
        self.emu.set_permission(REPO, login, permission).unwrap();
        self.client(&token)
    }

    /// Commits one file on `branch` as `login` (admin API); returns the new tip.
    fn push_as(&self, login: &str, branch: &str, path: &str, content: &str) -> String {
        let pushed = self.admin(
            "POST",
            "/_emulator/repos/acme/app/push",
            json!({"as": login, "branch": branch, "path": path, "content": content, "message": format!("{branch}: {path}")}),
        );
        pushed["sha"].as_str().unwrap().to_owned()
    }

    /// `login` pushes a branch with one commit and opens a pull request into main; returns its number and head.
    async fn pull_request(&self, octo: &Octocrab, login: &str, branch: &str) -> (u64, String) {
        let head = self.push_as(login, branch, &format!("{branch}.txt"), branch);
        let pr = octo.pulls("acme", "app").create(branch, branch, "main").send().await.unwrap();
        (pr.number, head)
    }
}

/// `PUT .../protection`'s body: the four fields GitHub requires, plus `extra`.
fn protection_body(checks: Value, reviews: Value, restrictions: Value, enforce_admins: bool, extra: Value) -> Value {
    let mut body = json!({
        "required_status_checks": checks,
        "enforce_admins": enforce_admins,
        "required_pull_request_reviews": reviews,
        "restrictions": restrictions,
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}

fn reviews(count: u64, dismiss_stale: bool) -> Value {
    json!({"required_approving_review_count": count, "dismiss_stale_reviews": dismiss_stale, "require_code_owner_reviews": false})
}

fn pull_request_rule(count: u64) -> Value {
    json!({"type": "pull_request", "parameters": {
        "required_approving_review_count": count,
        "dismiss_stale_reviews_on_push": false,
        "require_code_owner_review": false,
        "require_last_push_approval": false,
        "required_review_thread_resolution": false,
    }})
}

const PROTECTION: &str = "/repos/acme/app/branches/main/protection";

#[tokio::test]
async fn merge_settings_refuse_disallowed_methods_and_show_only_to_pushers() {
    let h = Harness::start();
    let owner = h.owner();
    let reader = h.member("rita", "read");
    let bob = h.member("bob", "write");

    // GitHub shows the merge settings to those who can push only.
    let seen = ok(&reader, "GET", "/repos/acme/app", None, 200).await;
    assert!(seen.get("allow_merge_commit").is_none() && seen.get("delete_branch_on_merge").is_none(), "{seen}");
    assert_eq!(seen["permissions"]["push"], false);
    let seen = ok(&bob, "GET", "/repos/acme/app", None, 200).await;
    assert_eq!((seen["allow_merge_commit"].as_bool(), seen["allow_squash_merge"].as_bool()), (Some(true), Some(true)));

    let settings = json!({"allow_merge_commit": false, "allow_rebase_merge": false, "delete_branch_on_merge": true});
    refused(&bob, "PATCH", "/repos/acme/app", Some(settings.clone()), 403, "Must have admin rights to Repository.")
        .await;
    let repo = ok(&owner, "PATCH", "/repos/acme/app", Some(settings), 200).await;
    assert_eq!(
        (
            repo["allow_merge_commit"].as_bool(),
            repo["allow_rebase_merge"].as_bool(),
            repo["allow_squash_merge"].as_bool()
        ),
        (Some(false), Some(false), Some(true))
    );
    assert_eq!(repo["delete_branch_on_merge"], true);
    let none_left = json!({"allow_squash_merge": false});
    let answer = refused(&owner, "PATCH", "/repos/acme/app", Some(none_left), 422, "Validation Failed").await;
    assert!(answer["errors"][0]["message"].as_str().unwrap().contains("must be true"), "{answer}");

    let (number, _) = h.pull_request(&bob, "bob", "feature").await;
    let merge = format!("/repos/acme/app/pulls/{number}/merge");
    for (method, message) in [
        ("merge", "Merge commits are not allowed on this repository."),
        ("rebase", "Rebase merges are not allowed on this repository."),
    ] {
        refused(&bob, "PUT", &merge, Some(json!({"merge_method": method})), 405, message).await;
    }
    ok(&bob, "PUT", &merge, Some(json!({"merge_method": "squash"})), 200).await;
    let (status, _) = send(&bob, "GET", "/repos/acme/app/git/ref/heads/feature", None).await;
    assert_eq!(status, 404, "delete_branch_on_merge deleted the head branch");

    ok(&owner, "PATCH", "/repos/acme/app", Some(json!({"allow_squash_merge": false, "allow_merge_commit": true})), 200)
        .await;
    let (number, _) = h.pull_request(&bob, "bob", "second").await;
    refused(
        &bob,
        "PUT",
        &format!("/repos/acme/app/pulls/{number}/merge"),
        Some(json!({"merge_method": "squash"})),
        405,
        "Squash merges are not allowed on this repository.",
    )
    .await;
    assert_openapi_valid(&h.log, &[]);
}

#[tokio::test]
async fn classic_protection_is_for_admins_and_reads_back_in_githubs_shapes() {
    let h = Harness::start();
    let owner = h.owner();
    let bob = h.member("bob", "write");
    let reader = h.member("rita", "read");

    let branch = ok(&reader, "GET", "/repos/acme/app/branches/main", None, 200).await;
    assert_eq!(branch["protected"], false);
    assert_eq!(branch["protection"]["required_status_checks"]["enforcement_level"], "off");
    refused(&owner, "GET", PROTECTION, None, 404, "Branch not protected").await;

    let body = protection_body(
        json!({"strict": true, "contexts": ["ci"]}),
        reviews(2, true),
        json!({"users": ["bob"], "teams": []}),
        false,
        json!({"required_linear_history": true, "allow_force_pushes": false, "allow_deletions": false}),
    );
    refused(&bob, "PUT", PROTECTION, Some(body.clone()), 403, "Must have admin rights to Repository.").await;
    let put = ok(&owner, "PUT", PROTECTION, Some(body), 200).await;
    assert_eq!(put["required_status_checks"]["contexts"], json!(["ci"]));
    assert_eq!(put["required_status_checks"]["checks"], json!([{"context": "ci", "app_id": null}]));
    assert_eq!(put["required_pull_request_reviews"]["required_approving_review_count"], 2);
    assert_eq!(put["restrictions"]["users"][0]["login"], "bob");
    assert_eq!(
        (put["enforce_admins"]["enabled"].as_bool(), put["required_linear_history"]["enabled"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(put["required_signatures"]["enabled"], false);
    let got = ok(&owner, "GET", PROTECTION, None, 200).await;
    assert_eq!(got, put);
    // Reading protection needs admin: GitHub tells the others it is not there.
    refused(&bob, "GET", PROTECTION, None, 404, "Not Found").await;

    let branch = ok(&reader, "GET", "/repos/acme/app/branches/main", None, 200).await;
    assert_eq!(branch["protected"], true);
    assert_eq!(branch["protection"]["enabled"], true);
    assert_eq!(branch["protection"]["required_status_checks"]["enforcement_level"], "non_admins");
    assert_eq!(branch["protection"]["required_status_checks"]["contexts"], json!(["ci"]));
    assert!(branch["protection_url"].as_str().unwrap().ends_with(PROTECTION));

    let signatures = format!("{PROTECTION}/required_signatures");
    let on = ok(&owner, "POST", &signatures, None, 200).await;
    assert_eq!(on["enabled"], true);
    assert_eq!(ok(&owner, "GET", &signatures, None, 200).await["enabled"], true);
    assert_eq!(ok(&owner, "GET", PROTECTION, None, 200).await["required_signatures"]["enabled"], true);
    ok(&owner, "DELETE", &signatures, None, 204).await;
    assert_eq!(ok(&owner, "GET", &signatures, None, 200).await["enabled"], false);

    ok(&owner, "DELETE", PROTECTION, None, 204).await;
    refused(&owner, "GET", PROTECTION, None, 404, "Branch not protected").await;
    assert_eq!(ok(&reader, "GET", "/repos/acme/app/branches/main", None, 200).await["protected"], false);
    assert_openapi_valid(&h.log, &[]);
}

#[tokio::test]
async fn required_reviews_gate_merges_and_authors_cannot_approve_their_own() {
    let h = Harness::start();
    let owner = h.owner();
    let bob = h.member("bob", "write");
    let dave = h.member("dave", "write");
    let rita = h.member("rita", "read");
    ok(
        &owner,
        "PUT",
        PROTECTION,
        Some(protection_body(Value::Null, reviews(1, true), Value::Null, true, json!({}))),
        200,
    )
    .await;

    let (number, head) = h.pull_request(&bob, "bob", "feature").await;
    let merge = format!("/repos/acme/app/pulls/{number}/merge");
    let review = format!("/repos/acme/app/pulls/{number}/reviews");
    let pull = format!("/repos/acme/app/pulls/{number}");
    let one = "At least 1 approving review is required by reviewers with write access.";
    refused(&bob, "PUT", &merge, None, 405, one).await;
    // enforce_admins binds the owner too.
    let answer = refused(&owner, "PUT", &merge, None, 405, one).await;
    assert_eq!(answer["documentation_url"], "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request");
    assert_eq!(answer["status"], "405", "GitHub's status is a string");
    assert_eq!(ok(&bob, "GET", &pull, None, 200).await["mergeable_state"], "blocked");

    let own = refused(&bob, "POST", &review, Some(json!({"event": "APPROVE"})), 422, "Unprocessable Entity").await;
    assert_eq!(own["errors"], json!(["Review Can not approve your own pull request"]));
    // A reader's approval does not count.
    let approved = ok(&rita, "POST", &review, Some(json!({"event": "APPROVE", "body": "lgtm"})), 200).await;
    assert_eq!((approved["state"].as_str(), approved["commit_id"].as_str()), (Some("APPROVED"), Some(head.as_str())));
    refused(&bob, "PUT", &merge, None, 405, one).await;
    ok(&dave, "POST", &review, Some(json!({"event": "APPROVE"})), 200).await;
    assert_eq!(ok(&bob, "GET", &pull, None, 200).await["mergeable_state"], "clean");

    // dismiss_stale_reviews: a new push dismisses the approval of the old head.
    h.push_as("bob", "feature", "more.txt", "more");
    assert_eq!(ok(&bob, "GET", &pull, None, 200).await["mergeable_state"], "blocked");
    let listed = ok(&bob, "GET", &review, None, 200).await;
    let states: Vec<&str> = listed.as_array().unwrap().iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["DISMISSED", "DISMISSED"]);
    refused(&bob, "PUT", &merge, None, 405, one).await;
    ok(&dave, "POST", &review, Some(json!({"event": "APPROVE"})), 200).await;
    let merged = ok(&bob, "PUT", &merge, None, 200).await;
    assert_eq!(merged["merged"], true);

    // Two approvals: the plural message.
    ok(
        &owner,
        "PUT",
        PROTECTION,
        Some(protection_body(Value::Null, reviews(2, false), Value::Null, false, json!({}))),
        200,
    )
    .await;
    let (number, _) = h.pull_request(&bob, "bob", "second").await;
    let merge = format!("/repos/acme/app/pulls/{number}/merge");
    ok(&dave, "POST", &format!("/repos/acme/app/pulls/{number}/reviews"), Some(json!({"event": "APPROVE"})), 200).await;
    refused(
        &bob,
        "PUT",
        &merge,
        None,
        405,
        "At least 2 approving reviews are required by reviewers with write access.",
    )
    .await;
    // Without enforce_admins the owner merges anyway.
    ok(&owner, "PUT", &merge, None, 200).await;
    assert_openapi_valid(&h.log, &[]);
}

#[tokio::test]
async fn required_checks_gate_merges_on_statuses_and_check_runs() {
    let h = Harness::start();
    let owner = h.owner();
    let bob = h.member("bob", "write");
    let checks = json!({"strict": false, "contexts": ["ci", "build"]});
    ok(&owner, "PUT", PROTECTION, Some(protection_body(checks, Value::Null, Value::Null, true, json!({}))), 200).await;

    let (number, head) = h.pull_request(&bob, "bob", "feature").await;
    let merge = format!("/repos/acme/app/pulls/{number}/merge");
    let pull = format!("/repos/acme/app/pulls/{number}");
    let statuses = format!("/repos/acme/app/statuses/{head}");
    refused(&bob, "PUT", &merge, None, 405, "2 of 2 required status checks are expected.").await;

    let status = |state: &str, context: &str| Some(json!({"state": state, "context": context, "description": "CI"}));
    let posted = ok(&bob, "POST", &statuses, status("pending", "ci"), 201).await;
    assert_eq!((posted["creator"]["login"].as_str(), posted["state"].as_str()), (Some("bob"), Some("pending")));
    // Check runs come from Apps only; the admin API posts one as GitHub Actions.
    let run = json!({"name": "build", "head_sha": head, "status": "in_progress"});
    refused(
        &bob,
        "POST",
        "/repos/acme/app/check-runs",
        Some(run.clone()),
        403,
        "You must authenticate via a GitHub App.",
    )
    .await;
    let run = h.admin("POST", "/_emulator/repos/acme/app/check-runs", run);
    let run_id = run["check_run"]["id"].as_u64().unwrap();
    assert_eq!(run["check_run"]["app"]["slug"], "github-actions");
    ok(&bob, "POST", &statuses, status("success", "ci"), 201).await;
    refused(&bob, "PUT", &merge, None, 405, "1 of 2 required status checks are in progress.").await;
    h.admin(
        "POST",
        "/_emulator/repos/acme/app/check-runs",
        json!({"name": "build", "head_sha": head, "conclusion": "failure"}),
    );
    refused(&bob, "PUT", &merge, None, 405, "1 of 2 required status checks have not succeeded: 1 failing.").await;
    assert_eq!(ok(&bob, "GET", &pull, None, 200).await["mergeable_state"], "blocked");
    ok(&bob, "POST", &statuses, status("error", "ci"), 201).await;
    refused(&bob, "PUT", &merge, None, 405, "2 of 2 required status checks have not succeeded: 2 failing.").await;

    // What the statuses and checks APIs show.
    let combined = ok(&bob, "GET", &format!("/repos/acme/app/commits/{head}/status"), None, 200).await;
    assert_eq!((combined["state"].as_str(), combined["total_count"].as_u64()), (Some("failure"), Some(1)));
    assert_eq!(combined["statuses"][0]["state"], "error");
    let listed = ok(&bob, "GET", &format!("/repos/acme/app/commits/{head}/statuses"), None, 200).await;
    let states: Vec<&str> = listed.as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["error", "success", "pending"], "newest first");
    let runs = ok(&bob, "GET", "/repos/acme/app/commits/feature/check-runs", None, 200).await;
    assert_eq!(
        (runs["total_count"].as_u64(), runs["check_runs"][0]["conclusion"].as_str()),
        (Some(1), Some("failure"))
    );
    assert_eq!(runs["check_runs"][0]["pull_requests"][0]["number"], number);
    let all = ok(&bob, "GET", "/repos/acme/app/commits/feature/check-runs?filter=all", None, 200).await;
    assert_eq!(all["total_count"], 2);
    assert_eq!(
        ok(&bob, "GET", &format!("/repos/acme/app/check-runs/{run_id}"), None, 200).await["status"],
        "in_progress"
    );

    ok(&bob, "POST", &statuses, status("success", "ci"), 201).await;
    h.admin(
        "POST",
        "/_emulator/repos/acme/app/check-runs",
        json!({"name": "build", "head_sha": head, "conclusion": "success"}),
    );
    // A check that is not required and fails leaves the pull request mergeable but unstable.
    ok(&bob, "POST", &statuses, status("failure", "lint"), 201).await;
    assert_eq!(ok(&bob, "GET", &pull, None, 200).await["mergeable_state"], "unstable");
    ok(&bob, "PUT", &merge, None, 200).await;
    // The refused check-run POST is GitHub's real 403, which its description does not list.
    assert_openapi_valid(&h.log, &["--allow-undocumented-status"]);
}

#[tokio::test]
async fn strict_checks_want_an_up_to_date_head_and_update_branch_merges_the_base_in() {
    let h = Harness::start();
    let owner = h.owner();
    let bob = h.member("bob", "write");
    let checks = json!({"strict": true, "contexts": ["ci"]});
    ok(&owner, "PUT", PROTECTION, Some(protection_body(checks, Value::Null, Value::Null, false, json!({}))), 200).await;
    let (number, head) = h.pull_request(&bob, "bob", "feature").await;
    let ci =
        |sha: &str| (format!("/repos/acme/app/statuses/{sha}"), Some(json!({"state": "success", "context": "ci"})));
    let (path, body) = ci(&head);
    ok(&bob, "POST", &path, body, 201).await;
    let merge = format!("/repos/acme/app/pulls/{number}/merge");
    let pull = format!("/repos/acme/app/pulls/{number}");
    let update = format!("/repos/acme/app/pulls/{number}/update-branch");
    assert_eq!(ok(&bob, "GET", &pull, None, 200).await["mergeable_state"], "clean");
    refused(&bob, "PUT", &update, None, 422, "There are no new commits on the base branch.").await;

    let base = h.push_as("acme", "main", "elsewhere.txt", "moved on");
    // GitHub recomputes after the base moved: `unknown` (with `mergeable: null`) once, then `behind`.
    let computing = ok(&bob, "GET", &pull, None, 200).await;
    assert_eq!((computing["mergeable"].clone(), computing["mergeable_state"].as_str()), (Value::Null, Some("unknown")));
    assert_eq!(ok(&bob, "GET", &pull, None, 200).await["mergeable_state"], "behind");
    // Every check is expected again, even green on the old head: GitHub never says "not up to date" over REST.
    refused(&bob, "PUT", &merge, None, 405, "1 of 1 required status checks are expected.").await;
    let wrong = Some(json!({"expected_head_sha": "0".repeat(40)}));
    refused(&bob, "PUT", &update, wrong, 422, "expected head sha didn't match current head ref.").await;
    let accepted = ok(&bob, "PUT", &update, Some(json!({"expected_head_sha": head})), 202).await;
    assert_eq!(accepted["message"], "Updating pull request branch.");
    assert!(accepted["url"].as_str().unwrap().ends_with(&format!("/acme/app/pull/{number}")));

    // The new head has no results yet: blocked until its check passes there.
    let updated = ok(&bob, "GET", &pull, None, 200).await;
    assert_eq!(updated["mergeable_state"], "blocked");
    let (path, body) = ci(updated["head"]["sha"].as_str().unwrap());
    ok(&bob, "POST", &path, body, 201).await;
    assert_eq!(ok(&bob, "GET", &pull, None, 200).await["mergeable_state"], "clean");
    let new_head = updated["head"]["sha"].as_str().unwrap().to_owned();
    let commit = ok(&bob, "GET", &format!("/repos/acme/app/git/commits/{new_head}"), None, 200).await;
    let parents: Vec<&str> = commit["parents"].as_array().unwrap().iter().map(|p| p["sha"].as_str().unwrap()).collect();
    assert_eq!(parents, [head.as_str(), base.as_str()], "the base merged into the head");
    assert_eq!(commit["message"], "Merge branch 'main' into feature");
    assert_eq!(
        (commit["author"]["name"].as_str(), commit["committer"]["email"].as_str()),
        (Some("bob"), Some("noreply@github.com"))
    );
    assert_eq!(commit["verification"]["verified"], true, "GitHub signs the merges it makes");
    ok(&bob, "PUT", &merge, None, 200).await;
    assert_openapi_valid(&h.log, &[]);
}

#[tokio::test]
async fn restrictions_and_linear_history_refuse_merges() {
    let h = Harness::start();
    let owner = h.owner();
    let bob = h.member("bob", "write");
    let dave = h.member("dave", "write");
    let body = protection_body(
        Value::Null,
        Value::Null,
        json!({"users": ["dave"], "teams": [], "apps": []}),
        false,
        json!({"required_linear_history": true}),
    );
    ok(&owner, "PUT", PROTECTION, Some(body), 200).await;
    let (number, _) = h.pull_request(&bob, "bob", "feature").await;
    let merge = format!("/repos/acme/app/pulls/{number}/merge");
    let squash = Some(json!({"merge_method": "squash"}));
    let not_listed = "You're not authorized to push to this branch. Visit \
                      https://docs.github.com/articles/about-protected-branches for more information.";
    refused(&bob, "PUT", &merge, squash.clone(), 405, not_listed).await;
    refused(
        &dave,
        "PUT",
        &merge,
        Some(json!({"merge_method": "merge"})),
        405,
        "Merge commits are not allowed on this branch.",
    )
    .await;
    ok(&dave, "PUT", &merge, squash, 200).await;
    assert_openapi_valid(&h.log, &[]);
}

#[tokio::test]
async fn rulesets_gate_merges_unless_the_actor_may_bypass() {
    let h = Harness::start();
    let owner = h.owner();
    let bob = h.member("bob", "write");
    let rita = h.member("rita", "read");
    let ruleset = json!({
        "name": "main",
        "target": "branch",
        "enforcement": "active",
        "bypass_actors": [{"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}],
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [
            pull_request_rule(1),
            {"type": "required_status_checks", "parameters": {
                "required_status_checks": [{"context": "ci"}],
                "strict_required_status_checks_policy": false,
            }},
        ],
    });
    let (status, _) = send(&bob, "POST", "/repos/acme/app/rulesets", Some(ruleset.clone())).await;
    assert_eq!(status, 404, "only admins write rulesets");
    let created = ok(&owner, "POST", "/repos/acme/app/rulesets", Some(ruleset), 201).await;
    let id = created["id"].as_u64().unwrap();
    assert_eq!((created["source"].as_str(), created["current_user_can_bypass"].as_str()), (Some(REPO), Some("always")));

    // Readers see the ruleset, without its bypass list.
    let listed = ok(&rita, "GET", "/repos/acme/app/rulesets", None, 200).await;
    assert_eq!(listed[0]["id"], id);
    let seen = ok(&bob, "GET", &format!("/repos/acme/app/rulesets/{id}"), None, 200).await;
    assert!(seen.get("bypass_actors").is_none(), "{seen}");
    assert_eq!(seen["current_user_can_bypass"], "never");
    assert_eq!(
        ok(&owner, "GET", &format!("/repos/acme/app/rulesets/{id}"), None, 200).await["bypass_actors"][0]["actor_id"],
        5
    );
    let rules = ok(&rita, "GET", "/repos/acme/app/rules/branches/main", None, 200).await;
    let types: Vec<&str> = rules.as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["pull_request", "required_status_checks"]);
    assert_eq!(
        (rules[0]["ruleset_id"].as_u64(), rules[0]["ruleset_source_type"].as_str()),
        (Some(id), Some("Repository"))
    );
    assert_eq!(rules[0]["parameters"]["required_approving_review_count"], 1);
    assert_eq!(ok(&rita, "GET", "/repos/acme/app/rules/branches/other", None, 200).await, json!([]));

    let (number, _) = h.pull_request(&bob, "bob", "feature").await;
    let merge = format!("/repos/acme/app/pulls/{number}/merge");
    refused(
        &bob,
        "PUT",
        &merge,
        None,
        405,
        "Repository rule violations found\n\nAt least 1 approving review is required by reviewers with write access.\n\n\
         1 of 1 required status checks are expected.\n\n",
    )
    .await;
    assert_eq!(
        ok(&bob, "GET", &format!("/repos/acme/app/pulls/{number}"), None, 200).await["mergeable_state"],
        "blocked"
    );
    // The admin role bypasses.
    ok(&owner, "PUT", &merge, None, 200).await;

    // `evaluate` rulesets do not enforce (nor show in the branch's rules).
    ok(&owner, "PUT", &format!("/repos/acme/app/rulesets/{id}"), Some(json!({"enforcement": "evaluate"})), 200).await;
    assert_eq!(ok(&rita, "GET", "/repos/acme/app/rules/branches/main", None, 200).await, json!([]));
    let (number, _) = h.pull_request(&bob, "bob", "second").await;
    ok(&bob, "PUT", &format!("/repos/acme/app/pulls/{number}/merge"), None, 200).await;

    // A merge queue only refuses.
    let queue = json!({
        "name": "queue",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["refs/heads/main"], "exclude": []}},
        "rules": [{"type": "merge_queue", "parameters": {
            "check_response_timeout_minutes": 60, "grouping_strategy": "ALLGREEN", "max_entries_to_build": 5,
            "max_entries_to_merge": 5, "merge_method": "SQUASH", "min_entries_to_merge": 1,
            "min_entries_to_merge_wait_minutes": 5,
        }}],
    });
    let queue_id = ok(&owner, "POST", "/repos/acme/app/rulesets", Some(queue), 201).await["id"].as_u64().unwrap();
    let (number, _) = h.pull_request(&bob, "bob", "third").await;
    let merge = format!("/repos/acme/app/pulls/{number}/merge");
    refused(
        &bob,
        "PUT",
        &merge,
        None,
        405,
        "Repository rule violations found\n\nChanges must be made through the merge queue\n\n",
    )
    .await;
    ok(&owner, "DELETE", &format!("/repos/acme/app/rulesets/{queue_id}"), None, 204).await;
    ok(&bob, "PUT", &merge, None, 200).await;
    assert_eq!(ok(&rita, "GET", "/repos/acme/app/rulesets", None, 200).await.as_array().unwrap().len(), 1);
    assert_openapi_valid(&h.log, &[]);
}

#[tokio::test]
async fn ref_updates_meet_classic_protection_and_rulesets() {
    let h = Harness::start();
    let owner = h.owner();
    let bob = h.member("bob", "write");
    let main = sha_of(&owner.repos("acme", "app").get_ref(&Reference::Branch("main".into())).await.unwrap());
    let ahead = h.push_as("bob", "ahead", "a.txt", "a");
    let update = |sha: &str, force: bool| Some(json!({"sha": sha, "force": force}));
    let failed = "Protected branch update failed for refs/heads/main.";
    let main_ref = "/repos/acme/app/git/refs/heads/main";

    // Classic: a branch that requires reviews takes no direct update, except from an admin it does not bind.
    ok(
        &owner,
        "PUT",
        PROTECTION,
        Some(protection_body(Value::Null, reviews(1, false), Value::Null, false, json!({}))),
        200,
    )
    .await;
    refused(&bob, "PATCH", main_ref, update(&ahead, false), 422, failed).await;
    ok(&owner, "PATCH", main_ref, update(&ahead, false), 200).await;
    // Force pushes and deletions bind admins too.
    refused(&owner, "PATCH", main_ref, update(&main, true), 422, failed).await;
    refused(&owner, "DELETE", main_ref, None, 422, "Cannot delete this protected branch").await;
    // A move that is no fast forward is still refused as before when forced is not asked.
    refused(&owner, "PATCH", main_ref, update(&main, false), 422, "Update is not a fast forward").await;

    // Required signatures: commits made through the API without a signature are unsigned.
    let body = protection_body(Value::Null, Value::Null, Value::Null, false, json!({"required_linear_history": true}));
    ok(&owner, "PUT", PROTECTION, Some(body), 200).await;
    ok(&owner, "POST", &format!("{PROTECTION}/required_signatures"), None, 200).await;
    let tree = ok(&bob, "GET", &format!("/repos/acme/app/git/commits/{ahead}"), None, 200).await["tree"]["sha"].clone();
    let commit = |parents: Value, signature: Option<&str>| {
        let mut body = json!({"message": "direct", "tree": tree, "parents": parents});
        if let Some(signature) = signature {
            body["signature"] = json!(signature);
        }
        Some(body)
    };
    let unsigned = ok(&bob, "POST", "/repos/acme/app/git/commits", commit(json!([ahead]), None), 201).await;
    assert_eq!(unsigned["verification"]["verified"], false);
    refused(&bob, "PATCH", main_ref, update(unsigned["sha"].as_str().unwrap(), false), 422, failed).await;
    let signature = "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----";
    let signed = ok(&bob, "POST", "/repos/acme/app/git/commits", commit(json!([ahead]), Some(signature)), 201).await;
    assert_eq!(signed["verification"]["verified"], true);
    let signed = signed["sha"].as_str().unwrap().to_owned();
    ok(&bob, "PATCH", main_ref, update(&signed, false), 200).await;
    // Linear history: no merge commits.
    let side = h.push_as("bob", "side", "s.txt", "s");
    let merge =
        ok(&bob, "POST", "/repos/acme/app/git/commits", commit(json!([signed, side]), Some(signature)), 201).await;
    refused(&bob, "PATCH", main_ref, update(merge["sha"].as_str().unwrap(), false), 422, failed).await;
    ok(&owner, "DELETE", PROTECTION, None, 204).await;

    // Rulesets: one line per violated rule, unless the actor bypasses on pushes.
    let ruleset = json!({
        "name": "releases",
        "enforcement": "active",
        "bypass_actors": [{"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}],
        "conditions": {"ref_name": {"include": ["refs/heads/release/*"], "exclude": ["refs/heads/release/old"]}},
        "rules": [pull_request_rule(0), {"type": "non_fast_forward"}, {"type": "deletion"}],
    });
    ok(&owner, "POST", "/repos/acme/app/rulesets", Some(ruleset), 201).await;
    for branch in ["release/1", "release/old"] {
        let body = Some(json!({"ref": format!("refs/heads/{branch}"), "sha": main}));
        ok(&bob, "POST", "/repos/acme/app/git/refs", body, 201).await;
    }
    let release = "/repos/acme/app/git/refs/heads/release/1";
    refused(
        &bob,
        "PATCH",
        release,
        update(&ahead, false),
        422,
        "Repository rule violations found\n\nChanges must be made through a pull request.\n\n",
    )
    .await;
    // Back to main's parent: no fast forward.
    let parent =
        ok(&bob, "GET", &format!("/repos/acme/app/git/commits/{main}"), None, 200).await["parents"][0]["sha"].clone();
    refused(
        &bob,
        "PATCH",
        release,
        update(parent.as_str().unwrap(), true),
        422,
        "Repository rule violations found\n\nChanges must be made through a pull request.\n\nCannot force-push to this branch\n\n",
    )
    .await;
    refused(
        &bob,
        "DELETE",
        release,
        None,
        422,
        "Repository rule violations found\n\nCannot delete this protected branch.\n\n",
    )
    .await;
    ok(&bob, "PATCH", "/repos/acme/app/git/refs/heads/release/old", update(&ahead, false), 200).await;
    ok(&owner, "PATCH", release, update(&ahead, false), 200).await;
    ok(&owner, "DELETE", release, None, 204).await;

    // Restricted creations, and required checks on the commit a branch would point to.
    let locked = json!({
        "name": "locked",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["refs/heads/locked/**"], "exclude": []}},
        "rules": [
            {"type": "creation"},
            {"type": "required_status_checks", "parameters": {
                "required_status_checks": [{"context": "ci"}],
                "strict_required_status_checks_policy": false,
            }},
        ],
    });
    ok(&owner, "POST", "/repos/acme/app/rulesets", Some(locked), 201).await;
    let create = Some(json!({"ref": "refs/heads/locked/a", "sha": ahead}));
    refused(
        &bob,
        "POST",
        "/repos/acme/app/git/refs",
        create.clone(),
        422,
        "Repository rule violations found\n\nCannot create ref due to creations being restricted.\n\n\
         1 of 1 required status checks are expected.\n\n",
    )
    .await;
    assert_openapi_valid(&h.log, &[]);
}

#[tokio::test]
async fn app_installation_tokens_act_as_their_bot() {
    let h = Harness::start();
    let owner = h.owner();
    let app = h.admin("POST", "/_emulator/apps", json!({"slug": "drill-ci", "name": "Drill CI"}));
    let app_id = app["app"]["id"].as_u64().unwrap();
    assert_eq!(app["login"], "drill-ci[bot]");
    let installed = h.admin(
        "POST",
        "/_emulator/apps/drill-ci/installations",
        json!({"repositories": [REPO], "permission": "write"}),
    );
    let token = installed["token"].as_str().unwrap();
    assert!(token.starts_with("ghs_"), "{token}");
    let bot = h.client(token);

    refused(&bot, "GET", "/user", None, 403, "Resource not accessible by integration").await;
    let repos = ok(&bot, "GET", "/installation/repositories", None, 200).await;
    assert_eq!((repos["total_count"].as_u64(), repos["repositories"][0]["full_name"].as_str()), (Some(1), Some(REPO)));
    let (status, _) = send(&owner, "GET", "/installation/repositories", None).await;
    assert_eq!(status, 403, "a user's token has no installation");
    let body = protection_body(
        json!({"strict": false, "contexts": ["lint"], "checks": [{"context": "lint", "app_id": app_id}]}),
        Value::Null,
        Value::Null,
        true,
        json!({}),
    );
    refused(&bot, "PUT", PROTECTION, Some(body.clone()), 403, "Resource not accessible by integration").await;
    ok(&owner, "PUT", PROTECTION, Some(body), 200).await;

    let bob = h.member("bob", "write");
    let (number, head) = h.pull_request(&bob, "bob", "feature").await;
    let merge = format!("/repos/acme/app/pulls/{number}/merge");
    // The required check must come from the App: a status of the same name from someone else does not count.
    ok(
        &bob,
        "POST",
        &format!("/repos/acme/app/statuses/{head}"),
        Some(json!({"state": "success", "context": "lint"})),
        201,
    )
    .await;
    refused(&bob, "PUT", &merge, None, 405, "1 of 1 required status checks are expected.").await;
    let run = ok(
        &bot,
        "POST",
        "/repos/acme/app/check-runs",
        Some(json!({"name": "lint", "head_sha": head, "status": "in_progress"})),
        201,
    )
    .await;
    assert_eq!((run["app"]["id"].as_u64(), run["status"].as_str()), (Some(app_id), Some("in_progress")));
    let done = Some(json!({"status": "completed", "conclusion": "success"}));
    let done = ok(&bot, "PATCH", &format!("/repos/acme/app/check-runs/{}", run["id"]), done, 200).await;
    assert_eq!(done["conclusion"], "success");
    ok(&bob, "PUT", &merge, None, 200).await;

    // An Integration bypass lets the bot push where a ruleset stops everyone else.
    ok(&owner, "DELETE", PROTECTION, None, 204).await;
    let ruleset = json!({
        "name": "bot pushes",
        "enforcement": "active",
        "bypass_actors": [{"actor_id": app_id, "actor_type": "Integration", "bypass_mode": "always"}],
        "conditions": {"ref_name": {"include": ["~ALL"], "exclude": []}},
        "rules": [{"type": "update", "parameters": {"update_allows_fetch_and_merge": false}}],
    });
    ok(&owner, "POST", "/repos/acme/app/rulesets", Some(ruleset), 201).await;
    let ahead = h.push_as("bob", "ahead", "b.txt", "b");
    let update = Some(json!({"sha": ahead, "force": false}));
    let main_ref = "/repos/acme/app/git/refs/heads/main";
    refused(
        &bob,
        "PATCH",
        main_ref,
        update.clone(),
        422,
        "Repository rule violations found\n\nCannot update this protected ref.\n\n",
    )
    .await;
    let moved = ok(&bot, "PATCH", main_ref, update, 200).await;
    assert_eq!(moved["object"]["sha"], ahead);
    assert_openapi_valid(&h.log, &[]);
}

#[tokio::test]
async fn admin_shortcuts_set_settings_statuses_and_reviews() {
    let h = Harness::start();
    let bob = h.member("bob", "write");
    h.member("dave", "write");
    let settings = h.admin("PUT", "/_emulator/repos/acme/app/settings", json!({"allow_merge_commit": false}));
    assert_eq!(settings["settings"]["allow_merge_commit"], false);
    let (number, head) = h.pull_request(&bob, "bob", "feature").await;
    let status = h.admin(
        "POST",
        &format!("/_emulator/repos/acme/app/statuses/{head}"),
        json!({"as": "dave", "state": "success", "context": "ci"}),
    );
    assert_eq!(status["status"]["creator"]["login"], "dave");
    let review = h.admin(
        "POST",
        &format!("/_emulator/repos/acme/app/pulls/{number}/reviews"),
        json!({"as": "dave", "event": "APPROVE"}),
    );
    assert_eq!(review["review"]["state"], "APPROVED");
    let own = h.emu.admin(
        "POST",
        &format!("/_emulator/repos/acme/app/pulls/{number}/reviews"),
        &json!({"as": "bob", "event": "APPROVE"}),
    );
    assert_eq!(own.unwrap_err().status, 422);
    let reviews = ok(&bob, "GET", &format!("/repos/acme/app/pulls/{number}/reviews"), None, 200).await;
    assert_eq!(reviews.as_array().unwrap().len(), 1);
    let combined = ok(&bob, "GET", &format!("/repos/acme/app/commits/{head}/status"), None, 200).await;
    assert_eq!(combined["state"], "success");
    assert_openapi_valid(&h.log, &[]);
}

// Pull request review comments: on a line of the diff, replies in the thread, listed with `since`, edited,
// reacted to, each in an implicit COMMENTED review; the admin API writes their webhook payloads.

/// bob pushes `drill` (the pool goes from 10 to 0, line 3 of VALUES) and opens pull request 1; returns its head.
async fn suspicious_change(h: &Harness, bob: &Octocrab) -> String {
    let head = h.push_as("bob", "drill", VALUES, "replicas: 3\nredis:\n  pool: 0\n");
    let pr = bob.pulls("acme", "app").create("Tune the pool", "drill", "main").send().await.unwrap();
    assert_eq!(pr.number, 1);
    head
}

#[tokio::test]
async fn review_comments_sit_on_a_diff_line_and_thread_list_edit_and_react() {
    let h = Harness::start();
    let bob = h.member("bob", "write");
    let ana = h.member("ana", "write");
    let head = suspicious_change(&h, &bob).await;
    let pulls = ana.pulls("acme", "app");

    // A comment on the changed line (octocrab's typed call), read back in the full shape.
    let issue_comment = ana.issues("acme", "app").create_comment(1, "/drill status").await.unwrap();
    let created = pulls.create_comment(1, "Why zero?", &head, VALUES, 3).await.unwrap();
    assert_ne!(created.id, issue_comment.id, "review comment ids do not collide with issue comment ids");
    let first: models::pulls::Comment = pulls.comment(created.id).get().await.unwrap();
    assert_eq!((first.body.as_str(), first.path.as_str(), first.line), ("Why zero?", VALUES, Some(3)));
    assert_eq!(first.user.as_ref().unwrap().login, "ana");
    assert_eq!((first.commit_id.as_str(), first.original_commit_id.as_str()), (head.as_str(), head.as_str()));
    assert!(first.diff_hunk.starts_with("@@ -1,3 +1,3 @@"), "{}", first.diff_hunk);
    assert!(first.diff_hunk.ends_with("\n-  pool: 10\n+  pool: 0"), "{}", first.diff_hunk);
    assert_eq!(first.position, Some(4));
    assert_eq!(first.in_reply_to_id, None);
    assert!(created.pull_request_url.ends_with("/repos/acme/app/pulls/1"));
    assert_eq!(first.created_at.to_rfc3339(), "2026-03-02T09:00:00+00:00");
    let raw = ok(&ana, "GET", &format!("/repos/acme/app/pulls/comments/{}", created.id), None, 200).await;
    assert_eq!((raw["side"].as_str(), raw["user"]["type"].as_str()), (Some("RIGHT"), Some("User")));
    assert!(raw.get("in_reply_to_id").is_none(), "a thread's first comment has no in_reply_to_id");

    // Replies: the replies endpoint, and `in_reply_to` (a reply to a reply joins the thread's first comment).
    h.emu.advance_clock(60).unwrap();
    let reply = bob.pulls("acme", "app").reply_to_comment(1, created.id, "Redis is gone in staging").await.unwrap();
    assert_eq!(reply.in_reply_to_id, Some(created.id));
    let nested = ok(
        &ana,
        "POST",
        "/repos/acme/app/pulls/1/comments",
        // The description requires `commit_id` and `path` even beside `in_reply_to`.
        Some(json!({"body": "It is not", "in_reply_to": reply.id.0, "commit_id": head, "path": VALUES})),
        201,
    )
    .await;
    assert_eq!(nested["in_reply_to_id"], created.id.0);
    assert_eq!((nested["path"].as_str(), nested["line"].as_u64()), (Some(VALUES), Some(3)));

    // Listing: all in order; `since` (updated at or after); sort and direction; pages with a `link` header.
    let all = pulls.list_comments(Some(1)).send().await.unwrap();
    assert_eq!(
        all.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![created.id, reply.id, models::CommentId(nested["id"].as_u64().unwrap())]
    );
    let since: Vec<models::pulls::Comment> =
        ana.get("/repos/acme/app/pulls/1/comments?since=2026-03-02T09:00:30Z", None::<&()>).await.unwrap();
    assert_eq!(since.len(), 2);
    assert!(since.iter().all(|c| c.id != created.id));
    let newest: Vec<Value> =
        ana.get("/repos/acme/app/pulls/1/comments?sort=created&direction=desc", None::<&()>).await.unwrap();
    assert_eq!(newest[2]["id"], created.id.0);
    let page = pulls.list_comments(Some(1)).per_page(2).send().await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.next.is_some(), "the link header announces the next page");

    // Editing moves updated_at, so `since` finds the edited comment again.
    h.emu.advance_clock(60).unwrap();
    let edited = pulls.comment(created.id).update("Why zero? Redis needs a pool.").await.unwrap();
    assert_eq!(edited.body, "Why zero? Redis needs a pool.");
    assert_eq!(edited.updated_at.to_rfc3339(), "2026-03-02T09:02:00+00:00");
    let since = pulls.list_comments(Some(1)).since(edited.updated_at).send().await.unwrap();
    assert_eq!(since.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![created.id]);

    // Reactions: 201 for a new one, 200 for the same again.
    let reaction = pulls.create_comment_reaction(created.id, ReactionContent::Eyes).await.unwrap();
    assert_eq!(reaction.content, ReactionContent::Eyes);
    let path = format!("/repos/acme/app/pulls/comments/{}/reactions", created.id);
    let again = ok(&ana, "POST", &path, Some(json!({"content": "eyes"})), 200).await;
    assert_eq!(again["id"], reaction.id.0);
    ok(&bob, "POST", &path, Some(json!({"content": "+1"})), 201).await;
    let counted = ok(&ana, "GET", &format!("/repos/acme/app/pulls/comments/{}", created.id), None, 200).await;
    assert_eq!(
        (counted["reactions"]["total_count"].as_u64(), counted["reactions"]["eyes"].as_u64()),
        (Some(2), Some(1))
    );

    // Each comment made its own COMMENTED review; a COMMENT review with a body still works beside them.
    let review = ok(
        &bob,
        "POST",
        "/repos/acme/app/pulls/1/reviews",
        Some(json!({"event": "COMMENT", "body": "Looking into it"})),
        200,
    )
    .await;
    assert_eq!((review["state"].as_str(), review["body"].as_str()), (Some("COMMENTED"), Some("Looking into it")));
    let reviews = pulls.list_reviews(1).send().await.unwrap();
    assert_eq!(reviews.items.len(), 4);
    assert_eq!(Some(reviews.items[0].id), first.pull_request_review_id);
    assert!(reviews.items.iter().all(|r| r.state == Some(models::pulls::ReviewState::Commented)));
    let pull = pulls.get(1).await.unwrap();
    assert_eq!(pull.review_comments, Some(3));
    assert_openapi_valid(&h.log, &[]);
}

#[tokio::test]
async fn review_comments_refuse_like_github() {
    let h = Harness::start();
    let bob = h.member("bob", "write");
    let carol = h.member("carol", "read");
    let head = suspicious_change(&h, &bob).await;
    let comments = "/repos/acme/app/pulls/1/comments";
    let answer = refused(
        &bob,
        "POST",
        comments,
        Some(json!({"commit_id": head, "path": VALUES, "line": 3})),
        422,
        "Invalid request.\n\n\"body\" wasn't supplied.",
    )
    .await;
    assert!(answer["documentation_url"].is_string());
    let answer = refused(
        &bob,
        "POST",
        comments,
        Some(json!({"body": "x", "commit_id": head, "path": VALUES})),
        422,
        "Validation Failed",
    )
    .await;
    assert_eq!(answer["errors"][0]["field"], "line");
    let answer = refused(
        &bob,
        "POST",
        comments,
        Some(json!({"body": "", "commit_id": head, "path": VALUES, "line": 3})),
        422,
        "Validation Failed",
    )
    .await;
    assert_eq!(answer["errors"][0]["field"], "body");
    let main = sha_of(&bob.repos("acme", "app").get_ref(&Reference::Branch("main".into())).await.unwrap());
    let answer = refused(
        &bob,
        "POST",
        comments,
        Some(json!({"body": "x", "commit_id": main, "path": VALUES, "line": 3})),
        422,
        "Validation Failed",
    )
    .await;
    assert_eq!(answer["errors"][0]["message"], "commit_id is not part of the pull request");
    refused(
        &carol,
        "POST",
        comments,
        Some(json!({"body": "x", "commit_id": head, "path": VALUES, "line": 3})),
        403,
        "Resource not accessible by personal access token",
    )
    .await;
    refused(&bob, "GET", "/repos/acme/app/pulls/comments/999999", None, 404, "Not Found").await;
    refused(
        &bob,
        "POST",
        "/repos/acme/app/pulls/1/comments/999999/replies",
        Some(json!({"body": "x"})),
        404,
        "Not Found",
    )
    .await;
    refused(&bob, "GET", "/repos/acme/app/pulls/9/comments", None, 404, "Not Found").await;
    // A path outside the diff is taken, with a one-line hunk of that line.
    let outside = ok(
        &bob,
        "POST",
        comments,
        Some(json!({"body": "and this?", "commit_id": head, "path": "README.md", "line": 3})),
        201,
    )
    .await;
    assert_eq!(outside["diff_hunk"], "@@ -3,1 +3,1 @@\n Serves things.");
    // Only the author, or someone with write access, edits a comment.
    let path = format!("/repos/acme/app/pulls/comments/{}", outside["id"]);
    refused(
        &carol,
        "PATCH",
        &path,
        Some(json!({"body": "mine now"})),
        403,
        "Resource not accessible by personal access token",
    )
    .await;
    refused(&bob, "POST", &format!("{path}/reactions"), Some(json!({"content": "shrug"})), 422, "Validation Failed")
        .await;
    assert_openapi_valid_except(&h.log, &["--allow-undocumented-status"], |exchange| {
        exchange["request_body"].get("body").is_none() && exchange["request_body"].get("commit_id").is_some()
            || exchange["request_body"]["content"] == "shrug"
    });
}

#[tokio::test]
async fn admin_review_comments_and_reviews_write_their_webhook_payloads() {
    let h = Harness::start();
    let bob = h.member("bob", "write");
    h.member("ana", "write");
    let head = suspicious_change(&h, &bob).await;
    let event = |value: &Value, key: &str| {
        let path = PathBuf::from(value[key].as_str().unwrap_or_else(|| panic!("no {key} in {value}")));
        assert!(path.is_absolute() && path.exists(), "{}", path.display());
        (path.clone(), serde_json::from_slice::<Value>(&std::fs::read(path).unwrap()).unwrap())
    };
    // No path or line: the first line the pull request adds.
    let made = h.admin("POST", "/_emulator/repos/acme/app/pulls/1/comments", json!({"as": "ana", "body": "Why zero?"}));
    let (file, payload) = event(&made, "event_path");
    assert!(file.file_name().unwrap().to_string_lossy().starts_with("pull_request_review_comment.created."));
    assert_eq!(payload["action"], "created");
    assert_eq!((payload["comment"]["path"].as_str(), payload["comment"]["line"].as_u64()), (Some(VALUES), Some(3)));
    assert_eq!(payload["comment"]["commit_id"], head);
    assert_eq!(payload["comment"]["user"]["login"], "ana");
    assert_eq!(payload["pull_request"]["number"], 1);
    assert_eq!(payload["sender"]["login"], "ana");
    let (file, review) = event(&made, "review_event_path");
    assert!(file.file_name().unwrap().to_string_lossy().starts_with("pull_request_review.submitted."));
    assert_eq!(
        (review["review"]["state"].as_str(), review["review"]["id"].as_u64()),
        (Some("commented"), payload["comment"]["pull_request_review_id"].as_u64())
    );
    let id = made["comment"]["id"].as_u64().unwrap();
    let reply = h.admin(
        "POST",
        "/_emulator/repos/acme/app/pulls/1/comments",
        json!({"as": "bob", "body": "Redis is gone", "in_reply_to": id}),
    );
    assert_eq!(event(&reply, "event_path").1["comment"]["in_reply_to_id"], id);
    let on_line = h.admin(
        "POST",
        "/_emulator/repos/acme/app/pulls/1/comments",
        json!({"as": "ana", "body": "replicas?", "path": VALUES, "line": 1}),
    );
    assert_eq!(on_line["comment"]["diff_hunk"], "@@ -1,3 +1,3 @@\n replicas: 3");
    let submitted = h.admin(
        "POST",
        "/_emulator/repos/acme/app/pulls/1/reviews",
        json!({"as": "ana", "event": "COMMENT", "body": "/drill hint"}),
    );
    let (file, payload) = event(&submitted, "event_path");
    assert!(file.file_name().unwrap().to_string_lossy().starts_with("pull_request_review.submitted."));
    assert_eq!(
        (payload["action"].as_str(), payload["review"]["body"].as_str()),
        (Some("submitted"), Some("/drill hint"))
    );
    assert_eq!(payload["review"]["state"], "commented");
    let listed = ok(&bob, "GET", "/repos/acme/app/pulls/1/comments", None, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 3);
    let mut events: Vec<PathBuf> =
        std::fs::read_dir(h.emu.state_dir().join("events")).unwrap().map(|e| e.unwrap().path()).collect();
    events.sort();
    // The push, each comment with its implicit review, the COMMENT review.
    assert_eq!(events.len(), 8, "{events:?}");
    assert_webhooks_valid(&events);
    assert_openapi_valid(&h.log, &[]);
}

#[tokio::test]
async fn git_pushes_meet_branch_protection_and_rulesets() {
    let h = Harness::start();
    let owner = h.owner();
    let bob_token = h.emu.user_with_token("bob").unwrap();
    h.emu.set_permission(REPO, "bob", "write").unwrap();
    ok(
        &owner,
        "PUT",
        PROTECTION,
        Some(protection_body(Value::Null, reviews(1, false), Value::Null, false, json!({}))),
        200,
    )
    .await;
    let work = tempfile::tempdir().unwrap();
    let url = |token: &str| h.emu.git_url(REPO).replace("http://", &format!("http://x-access-token:{token}@"));
    let clone = work.path().join("app");
    let out = git().args(["clone", "--quiet", &url(&bob_token)]).arg(&clone).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ident = ["-c", "user.name=Bob", "-c", "user.email=bob@example.com"];
    std::fs::write(clone.join("direct.txt"), "direct\n").unwrap();
    git_in(&clone, &["add", "direct.txt"]);
    git_in(&clone, &[&ident[..], &["commit", "--quiet", "-m", "direct to main"]].concat());
    let push =
        |token: &str, args: &[&str]| git().current_dir(&clone).args(["push", &url(token)]).args(args).output().unwrap();

    // A writer's push to a branch that requires reviews is declined with GitHub's GH006 lines.
    let out = push(&bob_token, &["HEAD:refs/heads/main"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("remote: error: GH006: Protected branch update failed for refs/heads/main."), "{stderr}");
    assert!(
        stderr.contains("remote: error: At least 1 approving review is required by reviewers with write access."),
        "{stderr}"
    );
    assert!(stderr.contains("protected branch hook declined"), "{stderr}");
    // The owner is an admin that protection does not bind, except for force pushes.
    let out = push(&h.token, &["HEAD:refs/heads/main"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = push(&h.token, &["--force", "HEAD~1:refs/heads/main"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("Cannot force-push to this protected branch"), "{stderr}");
    // A rewritten commit the repository does not hold yet: git itself refuses the move that is no fast forward.
    git_in(&clone, &[&ident[..], &["commit", "--quiet", "--amend", "-m", "rewritten"]].concat());
    let out = push(&h.token, &["--force", "HEAD:refs/heads/main"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("non-fast-forward"), "{stderr}");
    let out = push(&h.token, &[":refs/heads/main"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("Cannot delete this protected branch"), "{stderr}");

    // A ruleset: GH013 and one `- ` line per rule; other branches are free.
    let ruleset = json!({
        "name": "releases",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["refs/heads/release/**"], "exclude": []}},
        "rules": [pull_request_rule(0), {"type": "deletion"}],
    });
    ok(&owner, "POST", "/repos/acme/app/rulesets", Some(ruleset), 201).await;
    assert!(push(&bob_token, &["HEAD~1:refs/heads/release/v1"]).status.success(), "creating is not updating");
    let out = push(&bob_token, &["HEAD:refs/heads/release/v1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("remote: error: GH013: Repository rule violations found for refs/heads/release/v1."),
        "{stderr}"
    );
    assert!(stderr.contains("remote: - Changes must be made through a pull request."), "{stderr}");
    assert!(push(&bob_token, &["HEAD:refs/heads/topic"]).status.success());
    let state_repo = git2::Repository::open_bare(h.emu.state_dir().join("repos/acme/app.git")).unwrap();
    let release = state_repo.refname_to_id("refs/heads/release/v1").unwrap();
    assert_eq!(release.to_string(), git_in(&clone, &["rev-parse", "HEAD~1"]), "the refused push moved nothing");
}
