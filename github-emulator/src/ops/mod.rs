//! The operations behind both the REST API and the admin API: each one changes the state and the bare repository
//! the way GitHub would, as a given user, and returns GitHub's JSON for the result.

mod checks;
mod commits;
mod ctx;
mod deployments;
mod issues;
mod pulls;
mod repos;
mod review_comments;

use git2::Oid;

use crate::git::Person;
use crate::state::User;

pub use checks::{ACTIONS_APP, apply_check_update, ensure_app};
pub use commits::{commit_json, git_commit_json};
pub use ctx::{App, Ctx, repo_path};
pub use review_comments::RESOURCE as REVIEW_COMMENT;

/// GitHub's own identity for the commits it makes (merges through the API, web edits).
pub fn github_committer(when: jiff::Timestamp) -> Person {
    Person { name: "GitHub".to_owned(), email: "noreply@github.com".to_owned(), when }
}

/// How GitHub signs the commits it makes for `user`: their profile name (the login until they set one) and
/// their noreply address.
pub fn user_person(user: &User, when: jiff::Timestamp) -> Person {
    let name = user.name.clone().unwrap_or_else(|| user.login.clone());
    Person { name, email: format!("{}+{}@users.noreply.github.com", user.id, user.login), when }
}

fn zero() -> Oid {
    Oid::ZERO_SHA1
}
