//! The admin API, typed, for tests: [`Running`]'s methods for users, tokens, repositories, the clock, Apps and
//! faults, [`RepoAdmin`] for the verbs on one repository (a [`RepoVerb`] each), typed answers, and the state read
//! back as the emulator's own [`State`]. Each method builds the same request as `/_emulator/...` over HTTP and hands
//! it to [`Running::admin`].
//!
//! ```no_run
//! # fn main() -> Result<(), github_emulator::ApiError> {
//! # let emu = github_emulator::Emulator::start(github_emulator::Config::new("state")).unwrap();
//! let shop = emu.repo("acme/shop");
//! shop.as_user("ana").push("fix", "README.md", Some("# shop\n"), "docs")?;
//! let opened = shop.as_user("ana").open_pr("fix", "Fix the readme")?;
//! let merged = shop.merge_pr(opened.number(), Some("squash"))?;
//! assert_eq!(shop.state()?.pulls[0].merge_commit_sha.as_deref(), Some(merged.sha.as_str()));
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::Running;
use crate::admin::RepoVerb;
use crate::http::{ApiError, Fault};
use crate::state::{MergeSettings, Repo, State};

fn typed<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| ApiError::internal(format!("an admin answer of another shape: {e}")))
}

impl Running {
    /// Creates `login` (if needed) and a token bound to it; returns the token.
    pub fn user_with_token(&self, login: &str) -> Result<String, ApiError> {
        let value = self.admin("POST", "/_emulator/tokens", &json!({"login": login}))?;
        Ok(value["token"].as_str().unwrap_or_default().to_owned())
    }

    /// Creates `login` with a profile `name` (GitHub's `name`, the author name of the commits GitHub makes for
    /// them) and, when given, a `token` bound to them; answers `{user, token?}`.
    pub fn create_user(&self, login: &str, name: Option<&str>, token: Option<&str>) -> Result<Value, ApiError> {
        self.admin("POST", "/_emulator/users", &json!({"login": login, "name": name, "token": token}))
    }

    /// Creates `owner/name`, empty or imported from a local repository.
    pub fn create_repo(&self, full_name: &str, from_path: Option<&Path>, private: bool) -> Result<Value, ApiError> {
        let (owner, name) = full_name.split_once('/').unwrap_or((full_name, ""));
        self.admin(
            "POST",
            "/_emulator/repos",
            &json!({"owner": owner, "name": name, "from_path": from_path, "private": private}),
        )
    }

    pub fn set_permission(&self, repo: &str, login: &str, permission: &str) -> Result<Value, ApiError> {
        self.repo(repo).act(RepoVerb::Permission { login: login.to_owned(), permission: Some(permission.to_owned()) })
    }

    /// Freezes the clock at an RFC 3339 instant.
    pub fn set_clock(&self, instant: &str) -> Result<Value, ApiError> {
        self.admin("POST", "/_emulator/clock", &json!({"set": instant}))
    }

    pub fn advance_clock(&self, seconds: i64) -> Result<Value, ApiError> {
        self.admin("POST", "/_emulator/clock", &json!({"advance_seconds": seconds}))
    }

    /// Creates the GitHub App `slug` named `name`; answers `{app, login}`.
    pub fn create_app(&self, slug: &str, name: &str) -> Result<Value, ApiError> {
        self.admin("POST", "/_emulator/apps", &json!({"slug": slug, "name": name}))
    }

    /// Installs the App `slug` on `repositories` with `permission`; returns the installation token.
    pub fn install_app(&self, slug: &str, repositories: &[&str], permission: &str) -> Result<String, ApiError> {
        let body = json!({"repositories": repositories, "permission": permission});
        let made = self.admin("POST", &format!("/_emulator/apps/{slug}/installations"), &body)?;
        Ok(made["token"].as_str().unwrap_or_default().to_owned())
    }

    /// Arms a fault (see [`Fault`]).
    pub fn inject(&self, fault: &Value) -> Result<Value, ApiError> {
        self.admin("POST", "/_emulator/faults", fault)
    }

    /// The faults still armed.
    pub fn faults(&self) -> Result<Vec<Fault>, ApiError> {
        typed(self.admin("GET", "/_emulator/faults", &Value::Null)?)
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) -> Result<(), ApiError> {
        self.admin("DELETE", "/_emulator/faults", &Value::Null).map(drop)
    }

    /// Every object, as JSON (`now` and the armed `faults` too).
    pub fn state(&self) -> Result<Value, ApiError> {
        self.admin("GET", "/_emulator/state", &Value::Null)
    }

    /// Every object, typed.
    pub fn snapshot(&self) -> Result<State, ApiError> {
        typed(self.state()?)
    }

    /// The admin verbs on `owner/name`, acting as its owner until [`RepoAdmin::as_user`].
    pub fn repo(&self, full_name: &str) -> RepoAdmin<'_> {
        RepoAdmin { emu: self, repo: full_name.to_owned(), actor: None }
    }
}

/// The admin verbs on one repository, as one user (`as`; the owner by default).
#[derive(Clone)]
pub struct RepoAdmin<'a> {
    emu: &'a Running,
    repo: String,
    actor: Option<String>,
}

impl RepoAdmin<'_> {
    /// The same verbs, acting as `login`.
    pub fn as_user(&self, login: &str) -> Self {
        RepoAdmin { actor: Some(login.to_owned()), ..self.clone() }
    }

    /// Sends `verb` as the admin API's HTTP request; answers its JSON.
    pub fn act(&self, verb: RepoVerb) -> Result<Value, ApiError> {
        let (method, path, mut body) = verb.request();
        if let (Some(actor), Some(fields)) = (&self.actor, body.as_object_mut()) {
            fields.insert("as".to_owned(), json!(actor));
        }
        self.emu.admin(method, &format!("/_emulator/repos/{}/{path}", self.repo), &body)
    }

    fn send<T: DeserializeOwned>(&self, verb: RepoVerb) -> Result<T, ApiError> {
        typed(self.act(verb)?)
    }

    /// The repository as the emulator holds it.
    pub fn state(&self) -> Result<Repo, ApiError> {
        let mut state = self.emu.snapshot()?;
        state.repos.remove(&self.repo).ok_or_else(|| ApiError::new(404, &format!("no repository {}", self.repo)))
    }

    /// Commits `content` (`None` deletes the file) at `path` on `branch`, created from the default branch.
    pub fn push(&self, branch: &str, path: &str, content: Option<&str>, message: &str) -> Result<Pushed, ApiError> {
        self.send(RepoVerb::Push {
            branch: Some(branch.to_owned()),
            path: Some(path.to_owned()),
            content: content.map(str::to_owned),
            message: Some(message.to_owned()),
            from: None,
        })
    }

    /// Pushes the revert of `sha` onto `branch`.
    pub fn revert_commit(&self, branch: &str, sha: &str) -> Result<Pushed, ApiError> {
        self.send(RepoVerb::Revert { branch: Some(branch.to_owned()), sha: Some(sha.to_owned()) })
    }

    /// Opens a pull request from `head` into the default branch.
    pub fn open_pr(&self, head: &str, title: &str) -> Result<PullOpened, ApiError> {
        self.send(RepoVerb::OpenPull {
            head: Some(head.to_owned()),
            base: None,
            title: Some(title.to_owned()),
            body: None,
        })
    }

    /// Merges pull request `number` (`merge_method`: `merge`, the default, `squash` or `rebase`).
    pub fn merge_pr(&self, number: u64, merge_method: Option<&str>) -> Result<Merged, ApiError> {
        self.send(RepoVerb::MergePull { number, merge_method: merge_method.map(str::to_owned), sha: None })
    }

    /// Closes pull request `number` unmerged; answers the `pull_request.closed` event's path.
    pub fn close_pr(&self, number: u64) -> Result<PathBuf, ApiError> {
        self.send::<EventPath>(RepoVerb::ClosePull { number }).map(|e| e.event_path)
    }

    /// GitHub's "Revert" button on pull request `number`; with `merge`, the revert pull request is merged at once.
    pub fn revert_pr(&self, number: u64, merge: bool) -> Result<PullReverted, ApiError> {
        self.send(RepoVerb::RevertPull { number, merge: Some(merge), merge_method: None })
    }

    /// Opens an issue with `labels`.
    pub fn open_issue(&self, title: &str, body: Option<&str>, labels: &[&str]) -> Result<IssueOpened, ApiError> {
        self.send(RepoVerb::OpenIssue {
            title: Some(title.to_owned()),
            body: body.map(str::to_owned),
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
        })
    }

    /// Comments on issue or pull request `number`.
    pub fn comment(&self, number: u64, body: &str) -> Result<Commented, ApiError> {
        self.send(RepoVerb::Comment { number, body: Some(body.to_owned()) })
    }

    /// Edits comment `id` (an `issue_comment.edited` event with `changes`).
    pub fn edit_comment(&self, id: u64, body: &str) -> Result<Commented, ApiError> {
        self.send(RepoVerb::EditComment { id, body: Some(body.to_owned()) })
    }

    /// Sets every merge setting to `settings` (as `PATCH /repos/{o}/{r}` takes them); answers them as stored.
    pub fn set_settings(&self, settings: &MergeSettings) -> Result<MergeSettings, ApiError> {
        let settings = match serde_json::to_value(settings) {
            Ok(Value::Object(fields)) => fields,
            _ => Map::new(),
        };
        self.send::<SettingsSet>(RepoVerb::Settings { settings }).map(|s| s.settings)
    }

    /// Posts a commit status on `sha` (a `status` event): `state`, then `context`, `description`, `target_url` when
    /// given.
    pub fn status(&self, sha: &str, state: &str, fields: &[(&str, &str)]) -> Result<StatusPosted, ApiError> {
        let mut status = Map::new();
        status.insert("state".to_owned(), json!(state));
        status.extend(fields.iter().map(|(k, v)| ((*k).to_owned(), json!(v))));
        self.send(RepoVerb::Status { sha: sha.to_owned(), status })
    }

    /// Makes a check run `name` on `head_sha` as GitHub Actions, with `fields` (`status`, `conclusion`,
    /// `details_url`) as the checks API takes them. Answers the check run's JSON.
    pub fn check_run(&self, name: &str, head_sha: &str, fields: &[(&str, &str)]) -> Result<Value, ApiError> {
        let mut run = Map::new();
        run.insert("name".to_owned(), json!(name));
        run.insert("head_sha".to_owned(), json!(head_sha));
        run.extend(fields.iter().map(|(k, v)| ((*k).to_owned(), json!(v))));
        let made: Value = self.send(RepoVerb::CheckRun { app: None, run })?;
        Ok(made["check_run"].clone())
    }

    /// Reviews pull request `number` (`event`: `APPROVE`, `REQUEST_CHANGES`, `COMMENT`, or `None` for pending).
    pub fn review(&self, number: u64, event: Option<&str>, body: Option<&str>) -> Result<Reviewed, ApiError> {
        self.send(RepoVerb::Review {
            number,
            event: event.map(str::to_owned),
            body: body.map(str::to_owned),
            commit_id: None,
        })
    }

    /// A review comment on pull request `number`, on the first line its first changed file adds.
    pub fn review_comment(&self, number: u64, body: &str) -> Result<Commented, ApiError> {
        self.send(RepoVerb::ReviewComment {
            number,
            body: Some(body.to_owned()),
            path: None,
            line: None,
            side: None,
            commit_id: None,
            in_reply_to: None,
        })
    }

    /// A deployment of `git_ref` to `environment`; answers its id.
    pub fn deploy(&self, git_ref: &str, environment: &str) -> Result<u64, ApiError> {
        let made: Value = self.send(RepoVerb::Deployment {
            git_ref: Some(git_ref.to_owned()),
            environment: Some(environment.to_owned()),
            description: None,
        })?;
        made["deployment"]["id"].as_u64().ok_or_else(|| ApiError::internal(format!("no deployment id: {made}")))
    }

    /// A status `state` of deployment `id` (a `deployment_status` event).
    pub fn deployment_status(&self, id: u64, state: &str) -> Result<PathBuf, ApiError> {
        let verb = RepoVerb::DeploymentStatus {
            id,
            state: Some(state.to_owned()),
            description: None,
            environment: None,
            target_url: None,
            environment_url: None,
        };
        self.send::<EventPath>(verb).map(|e| e.event_path)
    }
}

/// An answer that tells of one webhook event: where its payload was written.
#[derive(Debug, Clone, Deserialize)]
struct EventPath {
    event_path: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
struct SettingsSet {
    settings: MergeSettings,
}

/// A push (or a revert pushed): the new tip, the one before, and the `push` event.
#[derive(Debug, Clone, Deserialize)]
pub struct Pushed {
    pub sha: String,
    pub before: String,
    pub event_path: PathBuf,
}

/// An opened pull request (GitHub's JSON) and its `pull_request.opened` event.
#[derive(Debug, Clone, Deserialize)]
pub struct PullOpened {
    pub pull_request: Value,
    pub event_path: PathBuf,
}

impl PullOpened {
    pub fn number(&self) -> u64 {
        self.pull_request["number"].as_u64().unwrap_or_default()
    }
}

/// A merge: the base branch's new tip, the `pull_request.closed` and `push` events.
#[derive(Debug, Clone, Deserialize)]
pub struct Merged {
    pub sha: String,
    pub event_path: PathBuf,
    pub push_event_path: PathBuf,
}

/// GitHub's "Revert" button: the revert pull request (`number`, on `branch`), the merge's tip when merged, and the
/// events in order.
#[derive(Debug, Clone, Deserialize)]
pub struct PullReverted {
    pub number: u64,
    pub branch: String,
    pub sha: Option<String>,
    pub pull_request: Value,
    pub event_paths: Vec<PathBuf>,
}

/// An opened issue (GitHub's JSON).
#[derive(Debug, Clone, Deserialize)]
pub struct IssueOpened {
    pub issue: Value,
}

impl IssueOpened {
    pub fn number(&self) -> u64 {
        self.issue["number"].as_u64().unwrap_or_default()
    }
}

/// A comment (an issue comment or a review comment, GitHub's JSON) and its event.
#[derive(Debug, Clone, Deserialize)]
pub struct Commented {
    pub comment: Value,
    pub event_path: PathBuf,
}

impl Commented {
    pub fn id(&self) -> u64 {
        self.comment["id"].as_u64().unwrap_or_default()
    }
}

/// A review (GitHub's JSON) and its `pull_request_review.submitted` event (none for a pending review).
#[derive(Debug, Clone, Deserialize)]
pub struct Reviewed {
    pub review: Value,
    pub event_path: Option<PathBuf>,
}

impl Reviewed {
    pub fn id(&self) -> u64 {
        self.review["id"].as_u64().unwrap_or_default()
    }
}

/// A commit status (GitHub's JSON) and its `status` event.
#[derive(Debug, Clone, Deserialize)]
pub struct StatusPosted {
    pub status: Value,
    pub event_path: PathBuf,
}
