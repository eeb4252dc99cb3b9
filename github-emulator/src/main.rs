//! `github-emulator --listen ADDR --state DIR [--seed OWNER/REPO=PATH]... [--private OWNER/REPO]... [--log FILE]`:
//! parse, start, wait for SIGTERM or ctrl-c.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use github_emulator::{Config, Emulator};

const USAGE: &str = "usage: github-emulator --listen 127.0.0.1:PORT --state DIR [--seed OWNER/REPO=PATH]... \
                     [--private OWNER/REPO]... [--log FILE]";

fn parse(mut args: impl Iterator<Item = String>) -> anyhow::Result<Config> {
    let mut config = Config::new(PathBuf::new());
    let mut state = None;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--listen" => config.listen = value("--listen")?.parse().context("--listen: expected IP:PORT")?,
            "--state" => state = Some(PathBuf::from(value("--state")?)),
            "--log" => config.log = Some(PathBuf::from(value("--log")?)),
            "--seed" => {
                let seed = value("--seed")?;
                let (repo, path) =
                    seed.split_once('=').with_context(|| format!("--seed {seed}: expected OWNER/REPO=PATH"))?;
                if !repo.contains('/') {
                    bail!("--seed {seed}: expected OWNER/REPO=PATH");
                }
                config.seeds.push((repo.to_owned(), PathBuf::from(path)));
            }
            "--private" => {
                let repo = value("--private")?;
                if !repo.contains('/') {
                    bail!("--private {repo}: expected OWNER/REPO (a repository given with --seed)");
                }
                config.private.push(repo);
            }
            "-h" | "--help" => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    config.state_dir = state.with_context(|| format!("--state DIR is required\n{USAGE}"))?;
    if let Some(p) = config.private.iter().find(|p| !config.seeds.iter().any(|(s, _)| s == *p)) {
        bail!("--private {p}: no --seed {p}=PATH to make private\n{USAGE}");
    }
    Ok(config)
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = parse(std::env::args().skip(1))?;
    let running = Emulator::start(config)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // Listen for SIGTERM before announcing the address, so a supervisor that stops us at once is obeyed.
    let mut term =
        runtime.block_on(async { tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) })?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {}", running.url())?;
    stdout.flush()?;
    runtime.block_on(async {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    });
    running.shutdown();
    Ok(())
}
