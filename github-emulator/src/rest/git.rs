//! The Git database API: refs (`GET`/`POST`/`PATCH`/`DELETE /git/refs`), blobs, trees and commits.

use base64::Engine;
use git2::Oid;
use serde_json::{Value, json};

use super::{sha_of, str_field};
use crate::git;
use crate::guard::RefUpdate;
use crate::http::{ApiError, Incoming, Reply};
use crate::ops::{self, Ctx};
use crate::state::Permission;

fn ref_json(ctx: &Ctx<'_>, name: &str, oid: Oid, kind: &str) -> Value {
    let key = &ctx.key;
    let url = ctx.urls.api(&format!("/repos/{key}/git/{name}"));
    let object_url = ctx.urls.api(&format!("/repos/{key}/git/{}s/{oid}", kind));
    use base64::engine::general_purpose::STANDARD;
    json!({
        "ref": name,
        "node_id": STANDARD.encode(format!("0:Ref{key}:{name}")),
        "url": url,
        "object": {"type": kind, "sha": oid.to_string(), "url": object_url},
    })
}

fn full_ref(name: &str) -> String {
    if name.starts_with("refs/") { name.to_owned() } else { format!("refs/{name}") }
}

pub fn get_ref(ctx: &Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    let git = ctx.git()?;
    let full = full_ref(name);
    let reference = git.find_reference(&full).map_err(|_| ApiError::not_found())?;
    let oid = reference.target().ok_or_else(ApiError::not_found)?;
    let kind = match git.find_object(oid, None).ok().and_then(|o| o.kind()) {
        Some(git2::ObjectType::Tag) => "tag",
        _ => "commit",
    };
    Ok(Reply::ok(ref_json(ctx, &full, oid, kind)))
}

pub fn create_ref(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let name = str_field(&body, "ref", "Reference")?;
    let sha = str_field(&body, "sha", "Reference")?;
    if !name.starts_with("refs/") || name.matches('/').count() < 2 {
        return Err(ApiError::unprocessable("Reference name is invalid"));
    }
    let oid = sha_of(sha)?;
    let git = ctx.git()?;
    if git.find_object(oid, None).is_err() {
        return Err(ApiError::unprocessable("Object does not exist"));
    }
    if git.find_reference(name).is_ok() {
        return Err(ApiError::unprocessable("Reference already exists"));
    }
    if git.find_commit(oid).is_ok() {
        ctx.ref_gate(&git, name, &RefUpdate { old: None, new: Some(oid) })?;
    }
    git.reference(name, oid, false, "create ref").map_err(|_| ApiError::unprocessable("Reference name is invalid"))?;
    Ok(Reply::created(ref_json(ctx, name, oid, "commit")))
}

pub fn update_ref(ctx: &mut Ctx<'_>, req: &Incoming, name: &str) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let sha = str_field(&body, "sha", "Reference")?;
    let force = body["force"].as_bool().unwrap_or(false);
    let full = full_ref(name);
    let oid = sha_of(sha)?;
    let git = ctx.git()?;
    let current = git
        .find_reference(&full)
        .ok()
        .and_then(|r| r.target())
        .ok_or_else(|| ApiError::unprocessable("Reference does not exist"))?;
    if git.find_commit(oid).is_err() {
        return Err(ApiError::unprocessable("Object does not exist"));
    }
    if !force && current != oid && !git.graph_descendant_of(oid, current).unwrap_or(false) {
        return Err(ApiError::unprocessable("Update is not a fast forward"));
    }
    ctx.ref_gate(&git, &full, &RefUpdate { old: Some(current), new: Some(oid) })?;
    git.reference(&full, oid, true, "update ref").map_err(ApiError::git)?;
    Ok(Reply::ok(ref_json(ctx, &full, oid, "commit")))
}

pub fn delete_ref(ctx: &mut Ctx<'_>, name: &str) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let git = ctx.git()?;
    let full = full_ref(name);
    let mut reference = git.find_reference(&full).map_err(|_| ApiError::unprocessable("Reference does not exist"))?;
    ctx.ref_gate(&git, &full, &RefUpdate { old: reference.target(), new: None })?;
    reference.delete().map_err(ApiError::git)?;
    Ok(Reply::no_content())
}

pub fn create_blob(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let content = str_field(&body, "content", "Blob")?;
    let bytes = match body["encoding"].as_str().unwrap_or("utf-8") {
        "utf-8" | "utf8" => content.as_bytes().to_vec(),
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(content.replace(['\n', '\r'], ""))
            .map_err(|_| ApiError::validation("Blob", "content", "invalid"))?,
        _ => return Err(ApiError::validation("Blob", "encoding", "invalid")),
    };
    let git = ctx.git()?;
    let oid = git.blob(&bytes).map_err(ApiError::git)?;
    let url = ctx.urls.api(&format!("/repos/{}/git/blobs/{oid}", ctx.key));
    Ok(Reply::created(json!({"url": url, "sha": oid.to_string()})))
}

pub fn get_blob(ctx: &Ctx<'_>, sha: &str) -> Result<Reply, ApiError> {
    let git = ctx.git()?;
    let oid = Oid::from_str(sha).map_err(|_| ApiError::not_found())?;
    let blob = git.find_blob(oid).map_err(|_| ApiError::not_found())?;
    Ok(Reply::ok(json!({
        "content": base64::engine::general_purpose::STANDARD.encode(blob.content()),
        "encoding": "base64",
        "url": ctx.urls.api(&format!("/repos/{}/git/blobs/{oid}", ctx.key)),
        "sha": oid.to_string(),
        "size": blob.size(),
        "node_id": base64::engine::general_purpose::STANDARD.encode(format!("0:Blob{oid}")),
    })))
}

fn tree_json(ctx: &Ctx<'_>, git: &git2::Repository, oid: Oid) -> Result<Value, ApiError> {
    tree_json_of(ctx, git, oid, false)
}

/// The trees API's answer for tree `oid`: its own entries, or with `recursive` every entry below it, each
/// named by its path from that tree (GitHub: `?recursive=1`; it truncates past 100,000 entries).
fn tree_json_of(ctx: &Ctx<'_>, git: &git2::Repository, oid: Oid, recursive: bool) -> Result<Value, ApiError> {
    /// GitHub's limit for a recursive listing.
    const MAX_ENTRIES: usize = 100_000;
    let tree = git.find_tree(oid).map_err(|_| ApiError::not_found())?;
    let key = &ctx.key;
    let entry_json = |path: String, e: &git2::TreeEntry<'_>| {
        let kind = match e.kind() {
            Some(git2::ObjectType::Tree) => "tree",
            Some(git2::ObjectType::Commit) => "commit",
            _ => "blob",
        };
        let mut entry = json!({
            "path": path,
            "mode": format!("{:06o}", e.filemode()),
            "type": kind,
            "sha": e.id().to_string(),
            "url": ctx.urls.api(&format!("/repos/{key}/git/{kind}s/{}", e.id())),
        });
        if kind == "blob" {
            entry["size"] = json!(git.find_blob(e.id()).map(|b| b.size()).unwrap_or(0));
        }
        entry
    };
    let mut entries: Vec<Value> = Vec::new();
    let mut truncated = false;
    if recursive {
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
            if entries.len() >= MAX_ENTRIES {
                truncated = true;
                return git2::TreeWalkResult::Abort;
            }
            entries.push(entry_json(format!("{dir}{}", e.name().unwrap_or_default()), e));
            git2::TreeWalkResult::Ok
        })
        .map_err(ApiError::git)
        .or_else(|e| if truncated { Ok(()) } else { Err(e) })?;
    } else {
        entries = tree.iter().map(|e| entry_json(e.name().unwrap_or_default().to_owned(), &e)).collect();
    }
    Ok(json!({
        "sha": oid.to_string(),
        "url": ctx.urls.api(&format!("/repos/{key}/git/trees/{oid}")),
        "tree": entries,
        "truncated": truncated,
    }))
}

pub fn get_tree(ctx: &Ctx<'_>, req: &Incoming, sha: &str) -> Result<Reply, ApiError> {
    let git = ctx.git()?;
    let oid = git::resolve(&git, sha)
        .and_then(|c| git.find_commit(c).ok().map(|c| c.tree_id()))
        .or_else(|| Oid::from_str(sha).ok())
        .ok_or_else(ApiError::not_found)?;
    // GitHub lists recursively for any value of `recursive` (its documentation: "0", "1", "false"…).
    Ok(Reply::ok(tree_json_of(ctx, &git, oid, req.param("recursive").is_some())?))
}

pub fn create_tree(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let git = ctx.git()?;
    let base = match body["base_tree"].as_str() {
        Some(sha) => {
            let oid = sha_of(sha)?;
            git.find_tree(oid)
                .or_else(|_| git.find_commit(oid).and_then(|c| c.tree()))
                .map_err(|_| ApiError::unprocessable("base_tree is not a valid tree oid"))?
        }
        None => git::empty_tree(&git)?,
    };
    let entries = body["tree"].as_array().ok_or_else(|| ApiError::validation("Tree", "tree", "missing_field"))?;
    let mut update = git2::build::TreeUpdateBuilder::new();
    for entry in entries {
        let path = str_field(entry, "path", "Tree")?;
        let mode = match entry["mode"].as_str().unwrap_or("100644") {
            "100644" => git2::FileMode::Blob,
            "100755" => git2::FileMode::BlobExecutable,
            "040000" => git2::FileMode::Tree,
            "160000" => git2::FileMode::Commit,
            "120000" => git2::FileMode::Link,
            _ => return Err(ApiError::validation("Tree", "mode", "invalid")),
        };
        if entry.get("sha").is_some_and(Value::is_null) {
            update.remove(path);
        } else if let Some(sha) = entry["sha"].as_str() {
            let oid = sha_of(sha)?;
            if git.find_object(oid, None).is_err() {
                return Err(ApiError::unprocessable(&format!("tree.sha {sha} is not a valid blob")));
            }
            update.upsert(path, oid, mode);
        } else if let Some(content) = entry["content"].as_str() {
            let oid = git.blob(content.as_bytes()).map_err(ApiError::git)?;
            update.upsert(path, oid, mode);
        } else {
            return Err(ApiError::validation("Tree", "sha", "missing_field"));
        }
    }
    let oid = update.create_updated(&git, &base).map_err(|e| ApiError::unprocessable(e.message()))?;
    let value = tree_json(ctx, &git, oid)?;
    Ok(Reply::created(value))
}

fn person_of(value: &Value, default: &crate::git::Person) -> Result<crate::git::Person, ApiError> {
    if value.is_null() {
        return Ok(default.clone());
    }
    let name = value["name"].as_str().ok_or_else(|| ApiError::validation("Commit", "author.name", "missing_field"))?;
    let email =
        value["email"].as_str().ok_or_else(|| ApiError::validation("Commit", "author.email", "missing_field"))?;
    let when = match value["date"].as_str() {
        Some(date) => {
            date.parse::<jiff::Timestamp>().map_err(|_| ApiError::validation("Commit", "author.date", "invalid"))?
        }
        None => default.when,
    };
    Ok(crate::git::Person { name: name.to_owned(), email: email.to_owned(), when })
}

pub fn create_commit(ctx: &mut Ctx<'_>, req: &Incoming) -> Result<Reply, ApiError> {
    ctx.require(Permission::Write)?;
    let body = req.json()?;
    let message = str_field(&body, "message", "Commit")?;
    let tree = sha_of(str_field(&body, "tree", "Commit")?)?;
    let parents = body["parents"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| p.as_str().map_or_else(|| Err(ApiError::validation("Commit", "parents", "invalid")), sha_of))
                .collect::<Result<Vec<Oid>, ApiError>>()
        })
        .transpose()?
        .unwrap_or_default();
    let now = ctx.st.now();
    let default = ops::user_person(&ctx.actor, now);
    let author = person_of(&body["author"], &default)?;
    let committer = person_of(&body["committer"], &author)?;
    let git = ctx.git()?;
    // A `signature` (an ASCII-armored PGP signature) is kept in the commit; unsigned commits stay unsigned.
    let oid = git::commit(&git, tree, &parents, &author, &committer, message, body["signature"].as_str())?;
    Ok(Reply::created(ops::git_commit_json(ctx.urls, &ctx.key, &git, oid)?))
}

pub fn get_commit(ctx: &Ctx<'_>, sha: &str) -> Result<Reply, ApiError> {
    let git = ctx.git()?;
    let oid = Oid::from_str(sha).map_err(|_| ApiError::not_found())?;
    Ok(Reply::ok(ops::git_commit_json(ctx.urls, &ctx.key, &git, oid)?))
}
