//! Issue 32, item 5: the tell audit. After whole drills through the binary on the emulator (merged, then reverted
//! at the time limit directly or through a revert pull request) on merge-commit, squash-only and rebase-only
//! repositories under each value of GitHub's four message settings, every object a responder can see before the
//! reveal is checked against a list of tells, and the base branch's commits are compared, byte for byte, with what
//! GitHub's merge button, its Revert button and `git revert` write.

use firedrill::git::{CommitInfo, Repo};
use github_emulator::state::{MergeSettings, Pull};
use serde_json::json;

use crate::github_drill::{Fixture, after};

/// Words a colleague's change never holds, the scenario's id and title, and the marks of a bot.
const TELLS: [&str; 9] = [
    "drill",
    "fault",
    "chaos",
    "game day",
    "outage",
    "redis-pool-exhaustion",
    "redis connection pool drained",
    "[bot]",
    "merge branch '",
];

fn tells_in(what: &str, text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    TELLS.iter().filter(|t| lower.contains(*t)).map(|t| format!("{what}: `{t}` in {text:?}")).collect()
}

/// How the drill's fault is removed at the time limit.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Revert {
    /// firedrill moves the branch to its revert commit.
    Direct,
    /// The branch refuses direct updates: a revert pull request, merged.
    ThroughPull,
}

/// Runs one drill on a target with `settings`; returns the fixture after the revert.
fn drill(settings: &MergeSettings, revert: Revert) -> Fixture {
    let f = Fixture::new();
    f.emulator.repo("acme/shop").set_settings(settings).unwrap();
    f.tick(f.plan.open_at);
    f.tick(f.plan.merge_at);
    assert_eq!(f.names(), ["planned", "opened", "merged"], "{settings:?}");
    // The history page and everything published beside it, while the drill runs: the team's page of drills,
    // it names nothing of this one (its id, scenario, title, target or day).
    let control = Repo::open(&f.state.path().join("repos/acme/drills.git")).unwrap();
    let tip = control.branch_head("firedrill/ledger").unwrap().unwrap();
    let day = f.plan.merge_at.strftime("%Y-%m-%d").to_string();
    for path in ["docs/index.html", "docs/history.md", "docs/stats.json", "docs/badges/days-since-drill.json"] {
        // Before the team's first drill has ended, nothing is published at all.
        let Some(text) = control.read_file(&tip, path).unwrap() else { continue };
        let text = String::from_utf8(text).unwrap().to_lowercase();
        for named in
            [f.plan.drill_id.as_str(), "redis-pool-exhaustion", "redis connection pool drained", "values-staging", &day]
        {
            assert!(!text.contains(named), "{path} names `{named}` while the drill runs");
        }
    }
    if revert == Revert::ThroughPull {
        let refusal = json!({"method": "PATCH", "path": "/repos/acme/shop/git/refs/heads/main", "status": 422,
            "times": 1, "body": {"message": "Protected branch update failed for refs/heads/main.",
            "documentation_url": "https://docs.github.com/rest", "status": "422"}});
        f.emulator.inject(&refusal).unwrap();
    }
    f.tick(after(f.plan.merge_at, 181));
    assert!(f.names().contains(&"recovered") && f.names().contains(&"reported"), "{settings:?}: {:?}", f.names());
    f
}

fn shop(f: &Fixture) -> Repo {
    Repo::open(&f.state.path().join("repos/acme/shop.git")).unwrap()
}

/// The base branch's first-parent commits after the seed, oldest first.
fn landed(f: &Fixture) -> Vec<CommitInfo> {
    let repo = shop(f);
    let tip = repo.branch_head("main").unwrap().unwrap();
    let mut all = repo.recent_first_parent(&tip, 10).unwrap();
    all.pop(); // the seed commit
    all.reverse();
    all
}

/// Every object a responder sees before the reveal, as (what, text): commits on the base branch (message,
/// author, committer), branch names, pull request titles, bodies and authors, and the comments other than the
/// report (the reveal itself).
fn visible(f: &Fixture) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for c in landed(f) {
        out.push((format!("commit {}", c.sha.short()), c.message.clone()));
        out.push((format!("author of {}", c.sha.short()), format!("{} <{}>", c.author.name, c.author.email)));
        out.push((format!("committer of {}", c.sha.short()), format!("{} <{}>", c.committer.name, c.committer.email)));
    }
    let repo = f.emulator.repo("acme/shop").state().unwrap();
    for p in &repo.pulls {
        let n = p.number;
        out.push((format!("branch of #{n}"), p.head_ref.clone()));
        out.push((format!("title of #{n}"), p.title.clone()));
        out.push((format!("body of #{n}"), p.body.clone().unwrap_or_default()));
        out.push((format!("author of #{n}"), p.user.clone()));
    }
    for c in &repo.comments {
        if !c.body.contains("firedrill:report") {
            out.push((format!("comment on #{}", c.number), c.body.clone()));
        }
    }
    out
}

/// What GitHub's merge button writes for pull request `pr` under `settings` (the drill's one commit: `commit`).
fn button_merge(settings: &MergeSettings, pr: &Pull, commit: &CommitInfo, method: &str) -> String {
    let (n, title, body) = (pr.number, pr.title.as_str(), pr.body.as_deref().unwrap_or(""));
    let join = |t: String, b: &str| if b.trim().is_empty() { t } else { format!("{t}\n\n{}", b.trim_end()) };
    let (subject, commit_body) =
        commit.message.trim_end().split_once("\n\n").unwrap_or((commit.message.trim_end(), ""));
    match method {
        "merge" => match settings.merge_commit_title.as_str() {
            "MERGE_MESSAGE" => join(format!("Merge pull request #{n} from acme/{}", pr.head_ref), title),
            _ => join(
                format!("{title} (#{n})"),
                match settings.merge_commit_message.as_str() {
                    "PR_BODY" => body,
                    "PR_TITLE" => title,
                    _ => "",
                },
            ),
        },
        "squash" => {
            let t = match settings.squash_merge_commit_title.as_str() {
                "COMMIT_OR_PR_TITLE" => format!("{subject} (#{n})"),
                _ => format!("{title} (#{n})"),
            };
            let b = match settings.squash_merge_commit_message.as_str() {
                "COMMIT_MESSAGES" => commit_body,
                "PR_BODY" => body,
                _ => "",
            };
            join(t, b)
        }
        _ => commit.message.clone(),
    }
}

/// What `git revert` writes for `c` (a merge commit reverted against its first parent).
fn git_revert(c: &CommitInfo) -> String {
    let subject = c.message.split("\n\n").next().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    match c.parents.as_slice() {
        [first, _] => {
            format!("Revert \"{subject}\"\n\nThis reverts commit {}, reversing\nchanges made to {first}.\n", c.sha)
        }
        _ => format!("Revert \"{subject}\"\n\nThis reverts commit {}.\n", c.sha),
    }
}

fn audit(settings: MergeSettings, method: &str, revert: Revert) {
    let f = drill(&settings, revert);
    let what = format!("{method} {settings:?} {revert:?}");
    let seen = visible(&f);
    // Two or three commits, the pull requests with their branch, title, body and author: all looked at.
    let pulls = if revert == Revert::ThroughPull { 2 } else { 1 };
    assert!(seen.iter().filter(|(w, _)| w.starts_with("commit ")).count() >= 2, "{what}: {seen:?}");
    assert_eq!(seen.iter().filter(|(w, _)| w.starts_with("title of #")).count(), pulls, "{what}: {seen:?}");
    let found: Vec<String> = seen.iter().flat_map(|(w, t)| tells_in(w, t)).collect();
    assert!(found.is_empty(), "{what}: tells a responder sees:\n{}", found.join("\n"));

    // The base branch, against GitHub's buttons and git.
    let pulls = f.emulator.repo("acme/shop").state().unwrap().pulls;
    let repo = shop(&f);
    let drill_pr = &pulls[0];
    let drill_commit = repo.commit_info(&firedrill::git::CommitSha::parse(&drill_pr.head_sha).unwrap()).unwrap();
    let commits = landed(&f);
    let merged = &commits[0];
    assert_eq!(merged.message, button_merge(&settings, drill_pr, &drill_commit, method), "{what}: the drill's merge");
    assert_eq!(merged.parents.len(), if method == "merge" { 2 } else { 1 }, "{what}");
    match revert {
        Revert::Direct => {
            assert_eq!(commits.len(), 2, "{what}: {commits:?}");
            assert_eq!(commits[1].message, git_revert(merged), "{what}: the revert is git's own");
        }
        Revert::ThroughPull => {
            // GitHub's Revert button: branch, title, body.
            let r = &pulls[1];
            assert_eq!(r.head_ref, format!("revert-1-{}", drill_pr.head_ref), "{what}");
            assert_eq!(r.title, format!("Revert \"{}\"", drill_pr.title), "{what}");
            assert_eq!(r.body.as_deref(), Some("Reverts acme/shop#1"), "{what}");
            // Its one commit is git's revert of what landed, and it lands as the button merges it.
            let revert_commit = repo.commit_info(&firedrill::git::CommitSha::parse(&r.head_sha).unwrap()).unwrap();
            assert_eq!(revert_commit.message, git_revert(merged), "{what}: the revert pull request's commit");
            let last = commits.last().unwrap();
            assert_eq!(last.message, button_merge(&settings, r, &revert_commit, method), "{what}: the revert's merge");
        }
    }
}

fn only(method: &str) -> MergeSettings {
    MergeSettings {
        allow_merge_commit: method == "merge",
        allow_squash_merge: method == "squash",
        allow_rebase_merge: method == "rebase",
        ..MergeSettings::default()
    }
}

/// `settings` with `title` and `message` as the merge commit's title and message settings.
fn titled(settings: MergeSettings, title: &str, message: &str) -> MergeSettings {
    MergeSettings { merge_commit_title: title.to_owned(), merge_commit_message: message.to_owned(), ..settings }
}

/// `settings` with `title` and `message` as the squash commit's title and message settings.
fn squash_titled(settings: MergeSettings, title: &str, message: &str) -> MergeSettings {
    MergeSettings {
        squash_merge_commit_title: title.to_owned(),
        squash_merge_commit_message: message.to_owned(),
        ..settings
    }
}

#[test]
fn a_merge_commit_repository_shows_only_what_people_and_githubs_buttons_write() {
    audit(only("merge"), "merge", Revert::Direct);
    audit(only("merge"), "merge", Revert::ThroughPull);
    audit(titled(only("merge"), "PR_TITLE", "PR_BODY"), "merge", Revert::Direct);
    audit(titled(only("merge"), "PR_TITLE", "BLANK"), "merge", Revert::Direct);
}

#[test]
fn a_squash_only_repository_shows_only_what_people_and_githubs_buttons_write() {
    audit(only("squash"), "squash", Revert::Direct);
    audit(only("squash"), "squash", Revert::ThroughPull);
    audit(squash_titled(only("squash"), "PR_TITLE", "PR_BODY"), "squash", Revert::Direct);
    audit(squash_titled(only("squash"), "COMMIT_OR_PR_TITLE", "BLANK"), "squash", Revert::Direct);
}

#[test]
fn a_rebase_only_repository_shows_only_what_people_and_githubs_buttons_write() {
    audit(only("rebase"), "rebase", Revert::Direct);
    audit(only("rebase"), "rebase", Revert::ThroughPull);
}
