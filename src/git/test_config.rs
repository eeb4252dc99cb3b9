//! Unit tests only: libgit2 reads no system, global (`$HOME/.gitconfig`) or XDG configuration, so a test sees
//! only its repositories' own, whatever the machine's user configured (as jj's tests make libgit2 hermetic).
//! `unsafe` for the same reason as [`super::stream`]: libgit2's process-wide options are set through C.
#![allow(unsafe_code)]

/// Empties libgit2's configuration search paths, once per process (from [`super::settings`], before the first
/// repository is opened).
pub(super) fn hermetic() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for level in [
            git2::ConfigLevel::System,
            git2::ConfigLevel::XDG,
            git2::ConfigLevel::Global,
            git2::ConfigLevel::ProgramData,
        ] {
            // SAFETY: the search paths are process-wide and unsynchronised; this runs once, before any repository
            // of the test process is opened (every `Repo` constructor calls `settings` first).
            #[allow(clippy::unwrap_used)]
            unsafe { git2::opts::set_search_path(level, "") }.unwrap();
        }
    });
}
