//! A stateful stand-in for GitHub served over real HTTP: the REST API with the shapes of GitHub's OpenAPI
//! description, real bare git repositories (git2) served over smart HTTP by `git http-backend`, and an admin API
//! under `/_emulator/` to drive it from tests or by hand ([`client`] types it). See `README.md` next to this crate.
#![recursion_limit = "512"]

mod admin;
pub mod client;
mod events;
mod git;
mod guard;
mod http;
mod ops;
mod rest;
mod server;
mod shapes;
mod smart_http;
pub mod state;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use serde_json::Value;

pub use admin::RepoVerb;
pub use client::RepoAdmin;
pub use http::{ApiError, Fault};

/// How to run an emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The state folder: `state.json`, `repos/OWNER/REPO.git`, `events/`.
    pub state_dir: PathBuf,
    /// Repositories to import (with their history) when absent: (`OWNER/REPO`, local path).
    pub seeds: Vec<(String, PathBuf)>,
    /// Write every REST exchange as one JSON line here.
    pub log: Option<PathBuf>,
    /// The seeds (`OWNER/REPO`) created private, like a control repository that responders must not read.
    pub private: Vec<String>,
}

impl Config {
    pub fn new(state_dir: impl Into<PathBuf>) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_dir: state_dir.into(),
            seeds: Vec::new(),
            log: None,
            private: Vec::new(),
        }
    }
}

/// The entry point: [`Emulator::start`].
pub struct Emulator;

impl Emulator {
    /// Binds, loads (or creates) the state, imports the seeds and serves on a runtime of its own, so callers may
    /// block (git2, `git`) while it answers.
    pub fn start(config: Config) -> anyhow::Result<Running> {
        std::fs::create_dir_all(config.state_dir.join("repos"))
            .with_context(|| format!("cannot create the state folder {}", config.state_dir.display()))?;
        // Absolute, so the event paths it hands out work from any working directory.
        let config = Config { state_dir: config.state_dir.canonicalize()?, ..config };
        let git_home = config.state_dir.join("git-home");
        std::fs::create_dir_all(&git_home)?;
        let listener = std::net::TcpListener::bind(config.listen)
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let log = match &config.log {
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("cannot open the log {}", path.display()))?,
            )),
            None => None,
        };
        let app = Arc::new(ops::App {
            dir: config.state_dir.clone(),
            urls: shapes::Urls { base: format!("http://{addr}") },
            state: Mutex::new(state::State::load(&config.state_dir)?),
            faults: Mutex::new(Vec::new()),
            log,
            used: Mutex::new(Default::default()),
            requests: AtomicU64::new(1),
            git_home,
        });
        let mut running = Running { app: Arc::clone(&app), addr, stop: None, thread: None };
        for (key, path) in &config.seeds {
            key.split_once('/').with_context(|| format!("--seed {key}: expected OWNER/REPO=PATH"))?;
            if !app.state.lock().expect("state lock").repos.contains_key(key) {
                let started = std::time::Instant::now();
                tracing::info!("seeding {key} from {}", path.display());
                let private = config.private.iter().any(|p| p == key);
                running
                    .create_repo(key, Some(path), private)
                    .with_context(|| format!("cannot seed {key} from {}", path.display()))?;
                let visibility = if private { "private" } else { "public" };
                tracing::info!("seeded {key} ({visibility}) in {:.1} s", started.elapsed().as_secs_f64());
            }
        }
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let router = axum::Router::new().fallback(server::handle).with_state(Arc::clone(&app));
        let thread = std::thread::Builder::new().name("github-emulator".to_owned()).spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::error!("cannot serve: {e}");
                        return;
                    }
                };
                let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                    let _ = stop_rx.await;
                });
                if let Err(e) = serve.await {
                    tracing::error!("server stopped: {e}");
                }
            });
        })?;
        running.stop = Some(stop_tx);
        running.thread = Some(thread);
        Ok(running)
    }
}

/// A running emulator; dropping it stops it.
pub struct Running {
    app: Arc<ops::App>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// `http://127.0.0.1:PORT` — the REST root (octocrab's `base_uri`).
    pub fn url(&self) -> String {
        self.app.urls.base.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The smart HTTP URL of a repository: `http://127.0.0.1:PORT/OWNER/REPO.git`.
    pub fn git_url(&self, repo: &str) -> String {
        format!("{}/{repo}.git", self.app.urls.base)
    }

    pub fn state_dir(&self) -> &Path {
        &self.app.dir
    }

    /// Calls the admin API in-process (same verbs as `/_emulator/...` over HTTP); an error carries GitHub's body.
    pub fn admin(&self, method: &str, path: &str, body: &Value) -> Result<Value, ApiError> {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let request = http::Incoming {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            params: Default::default(),
            headers: Default::default(),
            body: serde_json::to_vec(body).unwrap_or_default().into(),
        };
        let reply = admin::handle(&self.app, &request);
        let value = reply.body.unwrap_or(Value::Null);
        if reply.status >= 400 { Err(ApiError { status: reply.status, body: value }) } else { Ok(value) }
    }

    /// Stops serving and waits for the server thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop_now();
    }
}
