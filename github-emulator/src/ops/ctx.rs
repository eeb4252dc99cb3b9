//! The handler context: [`App`], what the whole server shares (state, faults, log, counters), and [`Ctx`], one
//! request's view of it (the locked state, one repository, the acting user) with the permission checks every
//! handler starts with.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use git2::Repository;

use crate::http::{ApiError, Fault};
use crate::shapes::Urls;
use crate::state::{Permission, Repo, State, User};

/// What every request shares: where the state lives, the state itself, armed faults, the exchange log and the
/// rate-limit counters.
pub struct App {
    pub dir: PathBuf,
    pub urls: Urls,
    pub state: Mutex<State>,
    pub faults: Mutex<Vec<Fault>>,
    pub log: Option<Mutex<std::fs::File>>,
    pub used: Mutex<BTreeMap<String, u64>>,
    pub requests: AtomicU64,
    pub git_home: PathBuf,
}

/// One request's view of the emulator: the state (locked), where repositories live, and who is acting.
pub struct Ctx<'a> {
    pub st: &'a mut State,
    pub dir: PathBuf,
    pub urls: &'a Urls,
    pub key: String,
    pub actor: User,
}

pub fn repo_path(dir: &std::path::Path, key: &str) -> PathBuf {
    dir.join("repos").join(format!("{key}.git"))
}

impl Ctx<'_> {
    pub fn repo(&self) -> &Repo {
        &self.st.repos[&self.key]
    }

    pub fn repo_mut(&mut self) -> &mut Repo {
        self.st.repos.get_mut(&self.key).expect("the context's repository exists")
    }

    pub fn git(&self) -> Result<Repository, ApiError> {
        Repository::open_bare(repo_path(&self.dir, &self.key)).map_err(ApiError::git)
    }

    pub fn user(&mut self, login: &str) -> User {
        self.st.ensure_user(login)
    }

    pub fn permission(&self) -> Permission {
        self.st.permission(self.repo(), Some(&self.actor.login))
    }

    /// Whether the actor is an App's installation token (`{slug}[bot]`).
    pub fn is_integration(&self) -> bool {
        self.st.app_of(&self.actor.login).is_some()
    }

    pub fn require(&self, needed: Permission) -> Result<(), ApiError> {
        if self.permission() >= needed {
            Ok(())
        } else if self.is_integration() {
            Err(ApiError::not_accessible_by_integration())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Admin-only settings: GitHub's 403 for users below admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.require(Permission::Admin) {
            Err(_) if !self.is_integration() => Err(ApiError::new(403, "Must have admin rights to Repository.")),
            other => other,
        }
    }

    pub fn association(&self, login: &str) -> String {
        let repo = self.repo();
        if login == repo.owner {
            "OWNER".to_owned()
        } else if repo.permissions.get(login).is_some_and(|p| *p >= Permission::Write) {
            "COLLABORATOR".to_owned()
        } else {
            "NONE".to_owned()
        }
    }
}
