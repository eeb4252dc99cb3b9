//! Shared helpers: every process a test starts runs in one hermetic environment ([`TestEnv`]), and what a test
//! needs from the machine is there or, under CI, the test fails ([`needed`]).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The project root (where `Cargo.toml` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus`, when present (CI has it beside the checkout).
pub fn shared_dir() -> Option<PathBuf> {
    let p = root().join("..").join("shared");
    p.is_dir().then_some(p)
}

/// Whether the tests run under CI (`CI` set, and not to `false`): there nothing a test needs may be missing.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// What a test needs from the machine (a tool, a shared file): `Some` when `found`; otherwise the test fails
/// under CI, or where `../shared` is present (it holds the shared tools and files, so one missing is a broken
/// setup), and anywhere else skips with `what` and how to get it printed. A test can never pass by skipping where
/// it should run.
#[allow(clippy::print_stderr)]
pub fn needed<T>(found: Option<T>, what: &str, how: &str) -> Option<T> {
    if found.is_some() {
        return found;
    }
    assert!(!in_ci(), "{what} is missing although CI is set, so the test would go unchecked: {how}");
    eprintln!("SKIPPED: {what} is missing ({how})");
    None
}

/// [`needed`] for a file or folder of `../shared`: also fails where `../shared` is present.
pub fn needed_shared(path: PathBuf, how: &str) -> Option<PathBuf> {
    let what = path.display().to_string();
    let found = path.exists().then_some(path);
    assert!(found.is_some() || shared_dir().is_none(), "{what} is missing although ../shared is present: {how}");
    needed(found, &what, how)
}

/// The program `name` on PATH, when it answers `--version`; see [`needed`].
pub fn needed_tool(name: &str, how: &str) -> Option<String> {
    let found = Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success());
    needed(found.then(|| name.to_owned()), name, how)
}

/// `../shared/corpus/<name>`, read in place; see [`needed_shared`].
pub fn corpus_dir(name: &str) -> Option<PathBuf> {
    needed_shared(root().join("..").join("shared").join("corpus").join(name), "the corpus lives in ../shared")
}

/// The one environment of every process a test starts (`firedrill`, `github-emulator`, `git`, a script running
/// them), as jj's `TestEnvironment`: the caller's environment is cleared and only this is given.
/// - `PATH`, as the test has it; `HOME` an empty folder of this environment, with an empty `.gitconfig` named by
///   `GIT_CONFIG_GLOBAL` and `XDG_CONFIG_HOME` inside it, `GIT_CONFIG_NOSYSTEM=1`: no user's or machine's git
///   configuration reaches git or libgit2;
/// - `TMPDIR` a folder of this environment (firedrill's default working folder is under it);
/// - the clock: `TZ=UTC` (firedrill's time is the `--now` each test passes, the emulator's the one it sets);
/// - the sleeper: `FIREDRILL_SIMULATED_WAITS=1`, so a wait firedrill decides (a rate limit's minute) is logged with
///   its length and not spent;
/// - `LC_ALL=C`, `NO_COLOR=1`, `GIT_TERMINAL_PROMPT=0`: the same words and no prompt on every machine.
///
/// The test process's own libgit2 (the library under test, the emulator in-process) reads no configuration either
/// once a `TestEnv` exists ([`hermetic_libgit2`]).
pub struct TestEnv {
    dir: tempfile::TempDir,
}

impl Default for TestEnv {
    fn default() -> TestEnv {
        TestEnv::new()
    }
}

impl TestEnv {
    /// A fresh environment, removed when dropped.
    pub fn new() -> TestEnv {
        TestEnv::in_dir(&std::env::temp_dir())
    }

    fn in_dir(parent: &Path) -> TestEnv {
        hermetic_libgit2();
        std::fs::create_dir_all(parent).unwrap();
        let dir = tempfile::Builder::new().prefix("firedrill-env-").tempdir_in(parent).unwrap();
        for sub in ["home/.config/git", "tmp"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        std::fs::write(dir.path().join("home/.gitconfig"), "").unwrap();
        TestEnv { dir }
    }

    /// The environment of the free helpers ([`firedrill`], [`git`]), one per test process (nextest runs each test
    /// in its own), made on first use.
    pub fn shared() -> &'static TestEnv {
        static SHARED: OnceLock<TestEnv> = OnceLock::new();
        SHARED.get_or_init(|| {
            // A static is never dropped: it lives under target/tmp, where each new one removes those left by
            // processes that ended more than an hour ago.
            let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-env");
            let stale = |e: &std::fs::DirEntry| {
                e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok())
                    > Some(std::time::Duration::from_secs(3600))
            };
            for entry in std::fs::read_dir(&parent).into_iter().flatten().flatten().filter(stale) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
            TestEnv::in_dir(&parent)
        })
    }

    /// `HOME`.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// `TMPDIR`.
    pub fn tmp(&self) -> PathBuf {
        self.dir.path().join("tmp")
    }

    /// `program` with this environment and nothing else, in the project root.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let home = self.home();
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("TMPDIR", self.tmp())
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("TZ", "UTC")
            .env("LC_ALL", "C")
            .env("NO_COLOR", "1")
            .env(firedrill::wait::SIMULATED, "1")
            .current_dir(root());
        cmd
    }

    /// The `firedrill` binary under test.
    pub fn firedrill(&self) -> Command {
        self.command(env!("CARGO_BIN_EXE_firedrill"))
    }

    /// `git`.
    pub fn git(&self) -> Command {
        self.command("git")
    }
}

/// `firedrill` in this test's [`TestEnv::shared`] environment.
pub fn firedrill() -> Command {
    TestEnv::shared().firedrill()
}

/// `git` in this test's [`TestEnv::shared`] environment.
pub fn git() -> Command {
    TestEnv::shared().git()
}

/// `firedrill ARGS` on a drill whose ledger is the git remote `control`, as Sam: with `--scenarios`, `--control`,
/// `--identity`, `--now` and `--workdir`.
pub fn drill_command(args: &[&str], scenarios: &Path, control: &str, now: &str, workdir: &Path) -> Command {
    let mut cmd = firedrill();
    cmd.args(args)
        .arg("--scenarios")
        .arg(scenarios)
        .args(["--control", control, "--identity", "Sam Rivera <sam@acme.example>", "--now", now, "--workdir"])
        .arg(workdir);
    cmd
}

/// Runs `git` (see [`git`]) in `dir` and returns its trimmed stdout; panics with stderr on failure.
pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = git().current_dir(dir).args(args).output().expect("run git");
    assert!(
        out.status.success(),
        "git {} failed in {}: {}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

/// Makes libgit2 in the test process read no system, global (`$HOME/.gitconfig`) or XDG configuration, once per
/// process, as jj's tests do: the library under test and the in-process emulator then see only each repository's
/// own configuration, whatever `HOME` holds.
#[allow(unsafe_code)]
pub fn hermetic_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for level in [
            git2::ConfigLevel::System,
            git2::ConfigLevel::XDG,
            git2::ConfigLevel::Global,
            git2::ConfigLevel::ProgramData,
        ] {
            // SAFETY: libgit2's search paths are process-wide and not synchronised; this runs once per process,
            // before the test it belongs to opens a repository (every helper that opens one calls it first).
            unsafe { git2::opts::set_search_path(level, "") }.unwrap();
        }
    });
}

/// Runs a command and returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } =
        cmd.output().unwrap_or_else(|e| panic!("failed to start {:?}: {e}", cmd.get_program()));
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// The lines of the `── HEADING ──` section of a preview's output, up to the blank line that ends it.
pub fn section<'a>(out: &'a str, heading: &str) -> &'a str {
    out.split_once(&format!("── {heading} ──\n"))
        .and_then(|(_, rest)| rest.split_once("\n\n"))
        .map(|(s, _)| s)
        .unwrap_or_else(|| panic!("no {heading} section:\n{out}"))
}

/// Writes `contents` to `dir/name`, creating parent folders, and returns the path.
pub fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, contents).unwrap();
    p
}
