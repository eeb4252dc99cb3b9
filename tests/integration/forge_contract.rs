//! The forge contract: the same cases against every forge (the local forge over git's smart HTTP server,
//! the GitHub forge over the GitHub emulator), so the lifecycle can rely on one behaviour.

use firedrill::forge::{Forge, MergeOutcome, MergeSpec, Person, RevertOutcome, RevertSpec};
use firedrill::git::{CommitSha, FileChange, MergeMethod};
use jiff::Timestamp;

const FILE: &str = "charts/checkout/values-staging.yaml";

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn sam() -> Person {
    Person::new("Sam Rivera", "sam@acme.example")
}

/// The cases. `main` holds `FILE` with the examples' content when this starts.
pub async fn contract<F: Forge>(forge: &F) {
    let values = std::fs::read_to_string(crate::common::root().join("examples").join(FILE)).unwrap();

    // Reading.
    let base = forge.branch_head("main").await.unwrap().expect("main exists");
    assert_eq!(forge.branch_head("no-such-branch").await.unwrap(), None);
    assert_eq!(forge.read_file(&base, FILE).await.unwrap().as_deref(), Some(values.as_str()));
    assert_eq!(forge.read_file(&base, "no/such/file.yaml").await.unwrap(), None);

    // Writing the drill commit changes exactly one file, with the given author and time.
    let faulted = values.replace("POOL__SIZE: \"10\"", "POOL__SIZE: \"0\"");
    let at = t("2026-11-24T09:52:00Z");
    let head = forge
        .write_commit(&base, &[FileChange::write(FILE, faulted.clone())], "chore: tune pool\n", &sam(), at)
        .await
        .unwrap();
    let again = forge
        .write_commit(&base, &[FileChange::write(FILE, faulted.clone())], "chore: tune pool\n", &sam(), at)
        .await
        .unwrap();
    assert_eq!(head, again, "the same commit twice is the same object");
    assert_eq!(forge.read_file(&head, FILE).await.unwrap().as_deref(), Some(faulted.as_str()));

    // Opening is idempotent: a second open finds the first.
    assert_eq!(forge.find_change("chore/tune-pool").await.unwrap(), None);
    let change = forge.open_change("chore/tune-pool", &head, "main", "Tune the pool", "Body").await.unwrap();
    let twice = forge.open_change("chore/tune-pool", &head, "main", "Tune the pool", "Body").await.unwrap();
    assert_eq!((twice.id.as_str(), &twice.head), (change.id.as_str(), &head));
    assert_eq!(forge.find_change("chore/tune-pool").await.unwrap().map(|c| c.head), Some(head.clone()));

    // A merge guarded on another head is refused as "head moved", and nothing lands.
    let wrong = base.clone();
    fn spec<'a>(cut_from: &'a CommitSha, expected: &'a CommitSha) -> MergeSpec<'a> {
        MergeSpec {
            base: "main",
            cut_from,
            expected_head: expected,
            method: MergeMethod::Merge,
            fallback: false,
            message: "Merge branch 'chore/tune-pool'",
            gate: None,
            resume: None,
        }
    }
    let moved = forge.merge_change(&change, &spec(&base, &wrong), &sam(), t("2026-11-24T10:37:00Z")).await.unwrap();
    assert!(matches!(moved, MergeOutcome::HeadMoved { .. }), "{moved:?}");
    assert_eq!(forge.branch_head("main").await.unwrap(), Some(base.clone()));

    // The merge lands the fault; merging again reports the same landing.
    let MergeOutcome::Merged { commit: merge, at: landed } =
        forge.merge_change(&change, &spec(&base, &head), &sam(), t("2026-11-24T10:37:00Z")).await.unwrap()
    else {
        panic!("not merged")
    };
    assert_eq!(forge.branch_head("main").await.unwrap(), Some(merge.clone()));
    assert_eq!(forge.read_file(&merge, FILE).await.unwrap().as_deref(), Some(faulted.as_str()));
    let MergeOutcome::Merged { commit: merge2, at: landed2 } =
        forge.merge_change(&change, &spec(&base, &head), &sam(), t("2026-11-24T10:40:00Z")).await.unwrap()
    else {
        panic!("not merged")
    };
    assert_eq!((merge2, landed2), (merge.clone(), landed));

    // History after the merge is empty; a revert lands on main and undoes the file.
    assert!(forge.history("main", &merge).await.unwrap().is_empty());
    let revert = forge
        .revert(&RevertSpec {
            commit: &merge,
            base: "main",
            message: Some("Revert the pool change\n"),
            actor: &sam(),
            at: t("2026-11-24T11:55:00Z"),
            gate: None,
        })
        .await
        .unwrap();
    let RevertOutcome::Landed(revert) = revert else { panic!("a branch without rules took the revert: {revert:?}") };
    let history = forge.history("main", &merge).await.unwrap();
    assert_eq!(history.iter().map(|l| &l.sha).collect::<Vec<_>>(), [&revert.sha]);
    assert_eq!(forge.read_file(&revert.sha, FILE).await.unwrap().as_deref(), Some(values.as_str()));
    // A second revert (a run racing the first) finds that landing and lands nothing more.
    let again = forge
        .revert(&RevertSpec {
            commit: &merge,
            base: "main",
            message: Some("Revert the pool change\n"),
            actor: &sam(),
            at: t("2026-11-24T11:56:00Z"),
            gate: None,
        })
        .await
        .unwrap();
    let RevertOutcome::Landed(again) = again else { panic!("{again:?}") };
    assert_eq!(again.sha, revert.sha);
    assert_eq!(forge.history("main", &merge).await.unwrap().len(), 1);

    // A closed change cannot be merged.
    let head2 = forge
        .write_commit(&revert.sha, &[FileChange::write(FILE, faulted)], "chore: again\n", &sam(), at)
        .await
        .unwrap();
    let change2 = forge.open_change("chore/again", &head2, "main", "Again", "Body").await.unwrap();
    forge.close_change(&change2).await.unwrap();
    let cut = revert.sha.clone();
    let spec2 = MergeSpec {
        base: "main",
        cut_from: &cut,
        expected_head: &head2,
        method: MergeMethod::Merge,
        fallback: false,
        message: "Merge",
        gate: None,
        resume: None,
    };
    let closed = forge.merge_change(&change2, &spec2, &sam(), t("2026-11-24T12:00:00Z")).await.unwrap();
    assert_eq!(closed, MergeOutcome::Closed);
    forge.post_note(&change, &firedrill::render::comment::Marker::Status, "Status: recovered").await.unwrap();
    forge.post_note(&change, &firedrill::render::comment::Marker::Status, "Status: reported").await.unwrap();
}

#[test]
fn the_local_forge_keeps_the_contract_over_smart_http() {
    use crate::support::git_http::GitHttp;
    let token = "contract-token-123";
    let server = GitHttp::start(token);
    let path = server.create_repo("target");
    let repo = firedrill::git::Repo::open(&path).unwrap();
    let values = std::fs::read_to_string(crate::common::root().join("examples").join(FILE)).unwrap();
    let who = firedrill::git::Identity::new("Sam", "sam@acme.example", t("2026-11-16T12:00:00Z"));
    let c = repo.write_commit(None, &[FileChange::write(FILE, values)], "init\n", &who, &who).unwrap();
    repo.update_ref("refs/heads/main", &c, None, "test").unwrap();
    let work = tempfile::tempdir().unwrap();
    let forge = firedrill::forge::local::LocalForge::new(
        &server.url("target"),
        work.path(),
        Some(firedrill::git::Token::new(token)),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(contract(&forge));

    // Opening is one push: its own negotiation reads the branch, nothing lists the remote first.
    rt.block_on(async {
        let base = forge.branch_head("main").await.unwrap().unwrap();
        let at = t("2026-11-24T10:00:00Z");
        let next =
            forge.write_commit(&base, &[FileChange::write("notes.md", "x\n")], "notes\n", &sam(), at).await.unwrap();
        server.clear_requests();
        forge.open_change("chore/notes", &next, "main", "Notes", "").await.unwrap();
        let sent: Vec<(String, String, u16)> =
            server.requests().into_iter().map(|r| (r.method, r.path, r.status)).collect();
        let expected = [
            ("GET", "/target.git/info/refs?service=git-receive-pack", 401),
            ("GET", "/target.git/info/refs?service=git-receive-pack", 200),
            ("POST", "/target.git/git-receive-pack", 200),
        ];
        assert_eq!(sent, expected.map(|(m, p, s)| (m.to_owned(), p.to_owned(), s)));

        // A branch that holds another commit is not taken over, not even when the drill's commit descends
        // from it (a push would fast-forward it).
        let later =
            forge.write_commit(&next, &[FileChange::write("notes.md", "y\n")], "more\n", &sam(), at).await.unwrap();
        let err = forge.open_change("chore/notes", &later, "main", "Notes", "").await.unwrap_err().to_string();
        assert!(err.contains("branch `chore/notes` already exists") && err.contains(next.short()), "{err}");
        assert_eq!(forge.find_change("chore/notes").await.unwrap().map(|c| c.head), Some(next));
    });
}

#[test]
fn the_github_forge_keeps_the_contract_against_the_emulator() {
    let state = tempfile::tempdir().unwrap();
    let emulator = github_emulator::Emulator::start(github_emulator::Config::new(state.path())).unwrap();
    emulator.set_clock("2026-11-24T09:00:00Z").unwrap();
    // The target: a repository whose `main` holds the examples' values file.
    let seed = tempfile::tempdir().unwrap();
    let repo = firedrill::git::Repo::init(seed.path()).unwrap();
    let values = std::fs::read_to_string(crate::common::root().join("examples").join(FILE)).unwrap();
    let who = firedrill::git::Identity::new("Sam", "sam@acme.example", t("2026-11-16T12:00:00Z"));
    let c = repo.write_commit(None, &[FileChange::write(FILE, values)], "init\n", &who, &who).unwrap();
    repo.update_ref("refs/heads/main", &c, None, "test").unwrap();
    repo.set_head("refs/heads/main").unwrap();
    emulator.create_repo("acme/shop", Some(seed.path()), true).unwrap();
    let token = emulator.user_with_token("sam").unwrap();
    emulator.set_permission("acme/shop", "sam", "write").unwrap();
    let forge =
        firedrill::forge::github::GitHubForge::new(&emulator.url(), &firedrill::git::Token::new(token), "acme/shop")
            .unwrap();
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(contract(&forge));
    assert!(forge.requests() > 20, "requests are counted: {}", forge.requests());
}
