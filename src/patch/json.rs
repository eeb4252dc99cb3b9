//! json engine (placeholder until implemented).

use serde_json::Value;

use super::{Patch, PatchError, PatchErrorKind};

pub(crate) fn apply(_text: &str, _patch: &Patch) -> Result<String, PatchError> {
    Err(PatchError::new(PatchErrorKind::Unsupported, "the json engine is not implemented yet"))
}

pub(crate) fn parse_value(_text: &str) -> Result<Value, PatchError> {
    Err(PatchError::new(PatchErrorKind::Unsupported, "the json engine is not implemented yet"))
}
