//! Locks: firedrill's own advisory lock on a folder it works in, and the removal of git `*.lock` files a killed
//! run left behind.
//!
//! git and libgit2 guard every reference, `config`, `packed-refs` and `shallow` with a `<file>.lock` created
//! exclusively and renamed over the file when done. A SIGKILL between the two leaves the `.lock` for ever, and
//! every later write of that file fails ("failed to lock file"). Whether its owner is gone cannot be read from
//! the file, so firedrill holds an advisory lock of its own (`firedrill.lock`, `flock`-style, released by the
//! kernel when the process dies) around all its git work in a folder: whoever holds it knows that no other
//! firedrill is writing there, so a git lock found in its working folder is stale by construction. In a
//! repository that other programs may write too (a local remote pushed into), a git lock is also required to be
//! older than [`FOREIGN_LOCK_AGE`]: git holds one for the milliseconds of a reference update.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// firedrill's own lock file, in every folder it locks.
pub const LOCK_FILE: &str = "firedrill.lock";

/// In a repository written by others too, how old a git lock must be (besides firedrill holding its own lock
/// there) to be taken for the remains of a killed process.
pub const FOREIGN_LOCK_AGE: Duration = Duration::from_secs(2);

/// A held `firedrill.lock`: released when dropped (or when the process dies, by the kernel). A private folder
/// made for one run is removed with it.
#[derive(Debug)]
pub struct Held {
    _file: File,
    dir: PathBuf,
    remove_on_drop: bool,
}

impl Held {
    /// The folder locked.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if self.remove_on_drop {
            // A private folder is a cache for one run: nobody else can use it afterwards.
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Locks `dir/firedrill.lock` (creating `dir`), retrying with a growing pause for at most `wait`. `Ok(None)`:
/// another live process still holds it; [`holder`] says which.
pub fn lock_dir(dir: &Path, wait: Duration) -> std::io::Result<Option<Held>> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path)?;
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(20);
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
                pause = (pause * 2).min(Duration::from_millis(400));
            }
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(e),
        }
    }
    // Only the holder writes who it is: opening did not truncate, so a waiter never wiped the holder's line.
    let started = jiff::Timestamp::now();
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "pid {} since {started}", std::process::id())?;
    Ok(Some(Held { _file: file, dir: dir.to_owned(), remove_on_drop: false }))
}

/// Who holds `dir/firedrill.lock`, as its holder wrote it (`pid 123 since 2026-…`).
pub fn holder(dir: &Path) -> Option<String> {
    let mut text = String::new();
    File::open(dir.join(LOCK_FILE)).ok()?.read_to_string(&mut text).ok()?;
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The working folder of one run: `root` itself when it can be locked within `wait`, else (another run holds
/// it) a private folder `root/private/<pid>-<nanos>`, locked and removed when the run ends, so concurrent runs
/// never share a git repository on disk and never wait long. Stale git locks left in the folder by a killed run
/// are removed, and so are private folders of runs that are gone.
pub fn working_folder(root: &Path, wait: Duration) -> std::io::Result<Held> {
    if let Some(held) = lock_dir(root, wait)? {
        remove_stale_git_locks(root, None);
        sweep_private(root);
        return Ok(held);
    }
    tracing::info!(
        folder = %root.display(),
        holder = holder(root).as_deref().unwrap_or("another run"),
        "the working folder is busy: this run works in a private folder"
    );
    sweep_private(root);
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let dir = root.join("private").join(format!("{}-{nanos}", std::process::id()));
    let mut held = lock_dir(&dir, Duration::ZERO)?
        .ok_or_else(|| std::io::Error::other(format!("{} is locked by another run", dir.display())))?;
    held.remove_on_drop = true;
    Ok(held)
}

/// How long a private folder must exist before a sweep may take its free lock for a dead run's (its run
/// creates it and locks it at once, but not atomically).
const PRIVATE_GRACE: Duration = Duration::from_secs(60);

/// Removes the private folders under `root/private` whose run is gone (their lock is free).
fn sweep_private(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root.join("private")) else { return };
    for entry in entries.flatten() {
        let dir = entry.path();
        let young = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_none_or(|age| age < PRIVATE_GRACE);
        if young {
            continue;
        }
        if let Ok(Some(_held)) = lock_dir(&dir, Duration::ZERO) {
            tracing::warn!(folder = %dir.display(), "removing the private working folder of a run that is gone");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// Removes every git lock file (`*.lock`, but not `firedrill.lock`) under `dir` (skipping `objects/`, where
/// git keeps no lock), with a warning naming it. Call it only while holding `dir`'s `firedrill.lock`; with
/// `min_age`, only locks at least that old are removed (a repository other programs write too). Returns the
/// paths removed.
pub fn remove_stale_git_locks(dir: &Path, min_age: Option<Duration>) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if kind.is_dir() {
                // Private folders belong to other runs, which may be alive.
                if name != "objects" && path != dir.join("private") {
                    stack.push(path);
                }
                continue;
            }
            if !name.ends_with(".lock") || name == LOCK_FILE {
                continue;
            }
            let age = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
            if let Some(min) = min_age
                && age.is_none_or(|a| a < min)
            {
                continue;
            }
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    tracing::warn!(
                        file = %path.display(),
                        age_seconds = age.map(|a| a.as_secs()),
                        "removed a stale git lock left by a run that is gone"
                    );
                    removed.push(path);
                }
                Err(e) => tracing::warn!(file = %path.display(), error = %e, "cannot remove a stale git lock"),
            }
        }
    }
    removed.sort();
    removed
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_held_folder_is_busy_for_others_and_free_once_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_dir(dir.path(), Duration::ZERO).unwrap().unwrap();
        assert!(holder(dir.path()).unwrap().starts_with(&format!("pid {} since ", std::process::id())));
        // flock locks belong to the open file: a second open in the same process is refused like another process.
        assert!(lock_dir(dir.path(), Duration::from_millis(50)).unwrap().is_none());
        drop(first);
        assert!(lock_dir(dir.path(), Duration::ZERO).unwrap().is_some());
    }

    #[test]
    fn a_busy_working_folder_gives_a_private_one_removed_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let shared = working_folder(dir.path(), Duration::ZERO).unwrap();
        assert_eq!(shared.dir(), dir.path());
        let private = working_folder(dir.path(), Duration::from_millis(30)).unwrap();
        assert!(private.dir().starts_with(dir.path().join("private")));
        let kept = private.dir().to_owned();
        assert!(kept.is_dir());
        drop(private);
        assert!(!kept.exists());
    }

    #[test]
    fn git_locks_are_removed_but_not_firedrills_nor_objects() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["config.lock", "refs/heads/firedrill/ledger.lock", "packed-refs.lock", "objects/pack/x.lock", "HEAD"]
        {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let _held = lock_dir(dir.path(), Duration::ZERO).unwrap().unwrap();
        // Too young for a repository others write.
        assert!(remove_stale_git_locks(dir.path(), Some(Duration::from_secs(3600))).is_empty());
        let removed = remove_stale_git_locks(dir.path(), None);
        let names: Vec<String> =
            removed.iter().map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string()).collect();
        assert_eq!(names, ["config.lock", "packed-refs.lock", "refs/heads/firedrill/ledger.lock"]);
        assert!(dir.path().join(LOCK_FILE).exists() && dir.path().join("objects/pack/x.lock").exists());
    }
}
