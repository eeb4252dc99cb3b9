//! Every text firedrill writes for humans: diffs, previews, error lines. Pure functions, snapshot-tested.

pub mod diff;
pub mod preview;

use crate::patch::PatchError;

/// `file:line:col: message` (+ hint lines) for a patch error in `file`.
pub fn patch_error(file: &str, err: &PatchError) -> String {
    match err.at {
        Some(_) => format!("{file}:{err}"),
        None => format!("{file}: {err}"),
    }
}
