//! A commit as GitHub shows it: `git-commit` (the Git database API) and `commit` (the commits API).

use git2::{Oid, Repository};
use serde_json::{Value, json};

use crate::git::{self, Person};
use crate::http::ApiError;
use crate::shapes::Urls;
use crate::state::State;

/// `git-commit` JSON (the Git database API).
pub fn git_commit_json(urls: &Urls, key: &str, repo: &Repository, sha: Oid) -> Result<Value, ApiError> {
    let commit = repo.find_commit(sha).map_err(|_| ApiError::not_found())?;
    let person = |p: Person| json!({"name": p.name, "email": p.email, "date": crate::shapes::ts(p.when)});
    let u = urls.api(&format!("/repos/{key}/git/commits/{sha}"));
    let parents: Vec<Value> = commit
        .parent_ids()
        .map(|p| {
            json!({
                "sha": p.to_string(),
                "url": urls.api(&format!("/repos/{key}/git/commits/{p}")),
                "html_url": format!("{}/{key}/commit/{p}", urls.base),
            })
        })
        .collect();
    Ok(json!({
        "sha": sha.to_string(),
        "node_id": node(sha),
        "url": u,
        "html_url": format!("{}/{key}/commit/{sha}", urls.base),
        "author": person(Person::from_signature(&commit.author())),
        "committer": person(Person::from_signature(&commit.committer())),
        "tree": {"sha": commit.tree_id().to_string(), "url": urls.api(&format!("/repos/{key}/git/trees/{}", commit.tree_id()))},
        "message": commit.message().unwrap_or_default(),
        "parents": parents,
        "verification": verification(repo, sha, &commit),
    }))
}

/// A commit's `verification`: signed commits and the ones GitHub committed (its merges) read as verified.
fn verification(repo: &Repository, sha: Oid, commit: &git2::Commit<'_>) -> Value {
    if !crate::guard::verified(repo, sha) {
        return json!({"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null});
    }
    let (signature, payload) = match repo.extract_signature(&sha, None) {
        Ok((signature, payload)) => (
            Some(String::from_utf8_lossy(&signature).into_owned()),
            Some(String::from_utf8_lossy(&payload).into_owned()),
        ),
        Err(_) => (None, None),
    };
    let when = jiff::Timestamp::from_second(commit.committer().when().seconds()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    json!({
        "verified": true,
        "reason": "valid",
        "signature": signature,
        "payload": payload,
        "verified_at": crate::shapes::ts(when),
    })
}

fn node(sha: Oid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("0:Commit{sha}"))
}

/// `commit` JSON (the commits API), with `files` and `stats` when `detailed`.
pub fn commit_json(
    urls: &Urls,
    st: &State,
    key: &str,
    repo: &Repository,
    sha: Oid,
    detailed: bool,
) -> Result<Value, ApiError> {
    let git_commit = git_commit_json(urls, key, repo, sha)?;
    let commit = repo.find_commit(sha).map_err(|_| ApiError::not_found())?;
    let user_of = |email: &str| {
        st.users
            .values()
            .find(|u| email == format!("{}+{}@users.noreply.github.com", u.id, u.login))
            .map(|u| urls.user(u))
    };
    let author = user_of(commit.author().email().unwrap_or_default());
    let committer = user_of(commit.committer().email().unwrap_or_default());
    let u = urls.api(&format!("/repos/{key}/commits/{sha}"));
    let html = format!("{}/{key}/commit/{sha}", urls.base);
    let mut value = json!({
        "url": u,
        "sha": sha.to_string(),
        "node_id": git_commit["node_id"],
        "html_url": html,
        "comments_url": format!("{u}/comments"),
        "commit": {
            "url": git_commit["url"],
            "author": git_commit["author"],
            "committer": git_commit["committer"],
            "message": git_commit["message"],
            "comment_count": 0,
            "tree": git_commit["tree"],
            "verification": git_commit["verification"],
        },
        "author": author,
        "committer": committer,
        "parents": git_commit["parents"],
    });
    if detailed {
        let files = git::changed_files(repo, sha)?;
        let (add, del) = files.iter().fold((0, 0), |(a, d), f| (a + f.additions, d + f.deletions));
        value["stats"] = json!({"total": add + del, "additions": add, "deletions": del});
        value["files"] = files
            .iter()
            .map(|f| {
                json!({
                    "sha": f.sha,
                    "filename": f.path,
                    "status": f.status,
                    "additions": f.additions,
                    "deletions": f.deletions,
                    "changes": f.additions + f.deletions,
                    "blob_url": format!("{}/{key}/blob/{sha}/{}", urls.base, f.path),
                    "raw_url": format!("{}/{key}/raw/{sha}/{}", urls.base, f.path),
                    "contents_url": urls.api(&format!("/repos/{key}/contents/{}?ref={sha}", f.path)),
                })
            })
            .collect();
    }
    Ok(value)
}
