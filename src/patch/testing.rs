//! What the tests of the line and tree engines (dotenv, text, JSON, TOML) share: a JSON Patch written as text,
//! applied by the engine under test.

use super::{Patch, PatchError};

/// An engine's `apply`.
pub(super) type Apply = fn(&str, &Patch) -> Result<String, PatchError>;

/// `ops` (a JSON Patch as text) applied to `text` by `apply`.
pub(super) fn run(apply: Apply, text: &str, ops: &str) -> Result<String, PatchError> {
    let patch: Patch =
        serde_json::from_str(ops).unwrap_or_else(|e| panic!("the test's patch is not a JSON Patch: {e}"));
    apply(text, &patch)
}

/// [`run`], which must succeed.
pub(super) fn ok(apply: Apply, text: &str, ops: &str) -> String {
    run(apply, text, ops).unwrap_or_else(|e| panic!("{e}"))
}
