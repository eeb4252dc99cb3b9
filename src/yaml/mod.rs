//! The one YAML layer: a positioned syntax tree (byte offsets and line/column) and the YAML 1.1/1.2 value rules.
//!
//! Both users read YAML through here: the patch engine (`patch::yaml`), which splices the original text by
//! byte offsets, and the scenario loader (`scenario::yaml`), which names the line and column of every
//! problem. What a plain scalar means — to a YAML 1.2 reader and to the YAML 1.1 readers of Helm and
//! kubectl (go-yaml v2) — is decided once, in [`scalar`].

pub mod scalar;
mod tree;

pub use scalar::Scalar;
pub use tree::{Document, Entry, Kind, MAX_DEPTH, Node, Pos, Style, SyntaxError, col_of, dash_before, parse};
