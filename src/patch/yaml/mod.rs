//! YAML engine (in progress).

use serde_json::Value;

use super::{DocumentSelector, Patch, PatchError, PatchErrorKind};

pub(crate) fn apply(_text: &str, _patch: &Patch, _doc: Option<&DocumentSelector>) -> Result<String, PatchError> {
    Err(PatchError::new(PatchErrorKind::Unsupported, "the yaml engine is not implemented yet"))
}

pub(crate) fn parse_value(_text: &str, _doc: Option<&DocumentSelector>) -> Result<Value, PatchError> {
    Err(PatchError::new(PatchErrorKind::Unsupported, "the yaml engine is not implemented yet"))
}
