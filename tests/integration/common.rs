//! Shared helpers: run the real binary in a hermetic environment.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The project root (where `Cargo.toml` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus`, when present (CI has it beside the checkout).
pub fn shared_dir() -> Option<PathBuf> {
    let p = root().join("..").join("shared");
    p.is_dir().then_some(p)
}

/// `../shared/corpus/<name>`, read in place. Skips (`None`, with a message) only on a machine without
/// `../shared` and outside CI; when `../shared` is there or `CI` is set, a missing corpus fails the test,
/// so a corpus test can never pass by skipping where it should run.
#[allow(clippy::print_stderr)]
pub fn corpus_dir(name: &str) -> Option<PathBuf> {
    let shared = root().join("..").join("shared");
    let dir = shared.join("corpus").join(name);
    if dir.is_dir() {
        return Some(dir);
    }
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    assert!(
        !shared.is_dir() && !ci,
        "{} is missing although {}: the corpus test must not skip here",
        dir.display(),
        if ci { "CI is set" } else { "../shared is present" }
    );
    eprintln!("SKIPPED: {} is absent (no ../shared beside the checkout)", dir.display());
    None
}

/// A `firedrill` command with `GITHUB_*`, `RUNNER_*`, `INPUT_*` and git's global config scrubbed.
pub fn firedrill() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_firedrill"));
    for (k, _) in std::env::vars() {
        if k.starts_with("GITHUB_")
            || k.starts_with("RUNNER_")
            || k.starts_with("INPUT_")
            || k.starts_with("FIREDRILL_")
            || k == "SSL_CERT_FILE"
        {
            cmd.env_remove(k);
        }
    }
    cmd.env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null").env("NO_COLOR", "1").env("TZ", "UTC");
    cmd.current_dir(root());
    cmd
}

/// Runs a command and returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } = cmd.output().expect("failed to start firedrill");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Writes `contents` to `dir/name`, creating parent folders, and returns the path.
/// The lines of the `── HEADING ──` section of a preview's output, up to the blank line that ends it.
pub fn section<'a>(out: &'a str, heading: &str) -> &'a str {
    out.split_once(&format!("── {heading} ──\n"))
        .and_then(|(_, rest)| rest.split_once("\n\n"))
        .map(|(s, _)| s)
        .unwrap_or_else(|| panic!("no {heading} section:\n{out}"))
}

pub fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, contents).unwrap();
    p
}
