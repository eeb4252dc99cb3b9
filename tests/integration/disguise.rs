//! Nothing gives the drill away: the pull request's wording fits the change, a squash merge keeps the
//! disguise's commit message, and without an identity the commits are the token owner's as GitHub shows them.

use std::path::Path;

use firedrill::disguise::{ChangeKind, DisguiseVars, pool, render};
use firedrill::forge::{Forge, Person};
use serde_json::json;

use crate::common::{firedrill, root, run};
use crate::github_drill::{Fixture, after, seed_repo};

/// `git log -N --format=FORMAT` of `branch` in a bare repository, as anyone with a clone would see it.
fn git_log(bare: &Path, branch: &str, format: &str) -> String {
    let out = crate::common::git()
        .arg("--git-dir")
        .arg(bare)
        .args(["log", "-1", &format!("--format={format}"), branch])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_squash_merge_on_github_keeps_the_disguises_commit_message() {
    let f = Fixture::new();
    // The seed's disguise with a body, which a squash must keep as well as the subject.
    let path = f.dir.path().join("scenarios/redis.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let subject = "chore(checkout): tune redis pool settings for staging";
    let with_body = text.replace(
        &format!("commit_message: \"{subject}\""),
        &format!("commit_message: \"{subject}\\n\\nSlightly longer pool timeout to absorb bursts.\\n\""),
    );
    assert_ne!(with_body, text, "the seed's commit message is where this test expects it");
    std::fs::write(&path, with_body).unwrap();

    let squash = |now| {
        let (code, out, err) = f.firedrill(&["tick", "--merge-method", "squash"], now);
        assert_eq!(code, 0, "{out}\n{err}");
        out
    };
    squash(f.plan.open_at);
    let out = squash(f.plan.merge_at);
    assert!(out.contains("merged into main"), "{out}");

    let shop = f.state.path().join("repos/acme/shop.git");
    // One parent: a squash, with GitHub's one-commit default of subject, ` (#N)` and body.
    assert_eq!(git_log(&shop, "main", "%P").split_whitespace().count(), 1);
    assert_eq!(
        git_log(&shop, "main", "%B"),
        format!("{subject} (#1)\n\nSlightly longer pool timeout to absorb bursts.\n"),
        "git log shows the disguise, not \"Merge branch '…'\""
    );
    // GitHub authors a squash as the pull request's author and commits it as itself.
    assert_eq!(
        git_log(&shop, "main", "%an <%ae> / %cn"),
        format!("sam <{}+sam@users.noreply.github.com> / GitHub\n", sam_id(&f))
    );
    assert_eq!(f.emulator.repo("acme/shop").state().unwrap().pulls[0].title, subject);
    let st = f.emulator.state().unwrap();
    assert!(!st.to_string().contains("Merge branch"), "{st}");
    f.assert_openapi_valid(&[]);

    // Recovery is still judged from the squashed commit: a revert of it ends the drill.
    let revert_at = after(f.plan.merge_at, 30);
    f.emulator.set_clock(&revert_at.to_string()).unwrap();
    f.emulator.repo("acme/shop").as_user("ana").revert_pr(1, true).unwrap();
    let out = squash(after(revert_at, 1));
    assert!(out.contains("time to recovery 30 min"), "{out}");
}

/// The emulator on a fresh folder, logging every exchange to check it against GitHub's OpenAPI description.
fn logged_emulator() -> (tempfile::TempDir, github_emulator::Running) {
    let state = tempfile::tempdir().unwrap();
    let config = github_emulator::Config {
        log: Some(state.path().join("exchanges.jsonl")),
        ..github_emulator::Config::new(state.path())
    };
    let emulator = github_emulator::Emulator::start(config).unwrap();
    (state, emulator)
}

fn sam_id(f: &Fixture) -> u64 {
    f.emulator.snapshot().unwrap().users["sam"].id
}

#[test]
fn the_token_owner_is_the_person_github_shows_for_the_token() {
    let (state, emulator) = logged_emulator();
    emulator.create_repo("acme/shop", None, true).unwrap();
    // Sam set a display name in his profile; Ana never did.
    let sam = emulator.create_user("sam", Some("Sam Rivera"), Some("ghp_sam")).unwrap();
    let ana = emulator.create_user("ana", None, Some("ghp_ana")).unwrap();
    let id = |v: &serde_json::Value| v["user"]["id"].as_u64().unwrap();
    let forge = |token: &str| {
        let token = firedrill::git::Token::new(token);
        firedrill::forge::github::GitHubForge::new(&emulator.url(), &token, "acme/shop").unwrap()
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();

    let owner = rt.block_on(forge("ghp_sam").token_owner()).unwrap();
    assert_eq!(owner, Person::new("Sam Rivera", format!("{}+sam@users.noreply.github.com", id(&sam))));
    let owner = rt.block_on(forge("ghp_ana").token_owner()).unwrap();
    assert_eq!(
        owner,
        Person::new("ana", format!("{}+ana@users.noreply.github.com", id(&ana))),
        "the login without a name"
    );

    // Through the trait: GitHub knows the owner, plain git has no accounts.
    let any = firedrill::forge::any::AnyForge::GitHub(forge("ghp_sam"));
    assert_eq!(rt.block_on(Forge::token_owner(&any)).unwrap().map(|p| p.name), Some("Sam Rivera".to_owned()));
    let work = tempfile::tempdir().unwrap();
    let local = firedrill::forge::local::LocalForge::new(work.path().to_str().unwrap(), work.path(), None).unwrap();
    let local = firedrill::forge::any::AnyForge::Local(local);
    assert_eq!(rt.block_on(Forge::token_owner(&local)).unwrap(), None);

    // A token GitHub does not know is an error naming the request, and the token is nowhere in it.
    let err = rt.block_on(forge("ghp_nobody_knows_this").token_owner()).unwrap_err().to_string();
    assert!(err.contains("/user"), "{err}");
    assert!(!err.contains("ghp_nobody_knows_this"), "{err}");
    crate::emulator::assert_openapi_valid(&state.path().join("exchanges.jsonl"), &[]);
}

/// The scenario the issue was about: a port change previewed with the built-in body of a port change.
#[test]
fn a_port_change_is_worded_as_a_port_change() {
    let scenario_path = root().join("scenarios/wrong-database-port.yaml");
    let now = "2026-11-23T12:00:00Z";
    let (code, out, err) =
        run(firedrill().arg("preview").arg(&scenario_path).args(["--repo", "examples", "--now", now]));
    assert_eq!(code, 0, "{err}");

    let text = std::fs::read_to_string(&scenario_path).unwrap();
    let scenario = firedrill::scenario::load(&scenario_path, &text).unwrap();
    let plan = firedrill::drill::prepare::plan(&scenario, now.parse().unwrap()).unwrap().unwrap();
    let port = json!("5433");
    let vars = DisguiseVars::for_plan(&plan, scenario.target.path.as_str(), "main", &[("/DB_PORT", Some(&port))]);
    assert_eq!(vars.kind, ChangeKind::Port);
    // The body is shown quoted line by line; one of the port wordings is there, word for word.
    let shown: String = out
        .lines()
        .filter_map(|l| l.strip_prefix("  │ ").or(l.strip_prefix("  │")))
        .map(|l| format!("{l}\n"))
        .collect();
    let bodies: Vec<String> =
        pool::bodies(ChangeKind::Port).iter().map(|t| render(t, &vars.to_vars()).unwrap()).collect();
    assert!(bodies.contains(&shown), "not a port wording:\n{shown}");
    assert!(!out.contains("over-provisioned"), "{out}");
}

/// The emulator squashes as GitHub does with its default settings (`COMMIT_OR_PR_TITLE`, `COMMIT_MESSAGES`),
/// and a `commit_title`/`commit_message` given with the request win; an empty message leaves the title alone.
#[test]
fn the_emulator_squashes_like_github() {
    let (state, emulator) = logged_emulator();
    let seed = tempfile::tempdir().unwrap();
    seed_repo(seed.path(), &[("a.txt", "0\n".to_owned())]);
    emulator.create_repo("acme/shop", Some(seed.path()), true).unwrap();
    let token = emulator.user_with_token("sam").unwrap();
    emulator.set_permission("acme/shop", "sam", "write").unwrap();
    let pull = |branch: &str, messages: &[&str], title: &str| {
        for (i, message) in messages.iter().enumerate() {
            let content = format!("{branch} {i}\n");
            emulator.repo("acme/shop").as_user("sam").push(branch, "a.txt", Some(&content), message).unwrap();
        }
        emulator.repo("acme/shop").as_user("sam").open_pr(branch, title).unwrap().number()
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    // octocrab's client is built inside the runtime it runs in.
    let gh = rt.block_on(async {
        octocrab::OctocrabBuilder::default().base_uri(emulator.url()).unwrap().personal_token(token).build().unwrap()
    });
    let bare = state.path().join("repos/acme/shop.git");
    let squash = |number: u64, title: Option<&str>, message: Option<&str>| -> String {
        rt.block_on(async {
            let pulls = gh.pulls("acme", "shop");
            let mut merge = pulls.merge(number).method(octocrab::params::pulls::MergeMethod::Squash);
            if let Some(t) = title {
                merge = merge.title(t);
            }
            if let Some(m) = message {
                merge = merge.message(m);
            }
            merge.send().await.unwrap();
        });
        git_log(&bare, "main", "%B")
    };

    let one = pull("one", &["Tune the pool\n\nBursts need a longer timeout.\n"], "A title nobody wrote into git");
    assert_eq!(squash(one, None, None), format!("Tune the pool (#{one})\n\nBursts need a longer timeout.\n"));
    let two = pull("two", &["First step\n", "Second step\n"], "Two steps");
    assert_eq!(squash(two, None, None), format!("Two steps (#{two})\n\n* First step\n\n* Second step\n"));
    let three = pull("three", &["Whatever\n"], "Three");
    assert_eq!(squash(three, Some("Chosen title (#9)"), Some("")), "Chosen title (#9)\n");
    crate::emulator::assert_openapi_valid(&state.path().join("exchanges.jsonl"), &[]);
}

#[test]
fn without_an_identity_the_drill_and_its_timeout_revert_are_the_token_owners() {
    let f = Fixture::new();
    let tick = |now: jiff::Timestamp| {
        f.emulator.set_clock(&now.to_string()).unwrap();
        let mut cmd = firedrill();
        cmd.args(["tick", "--scenarios"])
            .arg(f.dir.path().join("scenarios"))
            .args(["--control", "acme/drills", "--api-url", &f.emulator.url(), "--now", &now.to_string(), "--workdir"])
            .arg(f.dir.path().join("work"))
            .env_remove("FIREDRILL_IDENTITY")
            .env("FIREDRILL_TOKEN", &f.token);
        let (code, out, err) = run(&mut cmd);
        assert_eq!(code, 0, "{out}\n{err}");
        out
    };
    tick(f.plan.open_at);
    tick(f.plan.merge_at);
    // The seed's limit is 3 h: firedrill reverts the fault itself.
    let out = tick(after(f.plan.merge_at, 181));
    assert!(out.contains("reverted by"), "{out}");
    let sam = format!("sam <{}+sam@users.noreply.github.com>", sam_id(&f));
    let bare = f.state.path().join("repos/acme/shop.git");
    assert_eq!(git_log(&bare, "main", "%an <%ae>"), format!("{sam}\n"), "the timeout revert");
    let drill_commit = git_log(&bare, "main^^2", "%an <%ae>");
    assert_eq!(drill_commit, format!("{sam}\n"), "the drill's commit");
    let all = crate::common::git()
        .arg("--git-dir")
        .arg(&bare)
        .args(["log", "--format=%an %ae %cn %ce", "main"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&all.stdout).contains("firedrill"), "{}", String::from_utf8_lossy(&all.stdout));
}
