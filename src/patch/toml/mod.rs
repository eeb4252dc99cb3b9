//! TOML engine: `toml_edit` parses the file with the byte span of every key, value and table header; each
//! operation becomes a splice of the original text (re-serialising a `DocumentMut` would turn CRLF line
//! endings into LF and add a missing final newline), and the result is re-parsed and verified.
//!
//! The parsed document is the JSON form of the TOML data: tables (standard, dotted, implicit, inline) are
//! objects, arrays and arrays of tables are arrays. **Datetimes become strings** in RFC 3339 form, as
//! `toml_datetime` writes them (`1979-05-27T07:32:00Z`, `1979-05-27`, `07:32:00`): a `test` compares those
//! strings, and replacing a datetime with a string in that exact form keeps it a datetime (unquoted).
//! NaN and infinite floats have no JSON form: a file holding one is refused.
//!
//! - `replace` of a value splices its text only (its surrounding whitespace and comment stay); a string
//!   keeps its quote style (literal `'…'`, multi-line `"""…"""`/`'''…'''`) when the new value allows it.
//!   Replacing a `[table]` or `[[array of tables]]` with a table (or tables) edits only the keys that differ.
//! - `add` writes `key = value` on a new line after the table's last entry, with its siblings' indentation
//!   and ` = ` spacing (for a dotted table, `a.key = value`; for a table that only exists through
//!   `[a.b]` headers, a new `[a]` section). Objects and arrays are written inline (`{ k = v }`, `[1, 2]`).
//!   Arrays and inline tables get the entry inline, or on its own line in a multi-line array. Adding to an
//!   array of tables writes a new `[[name]]` section.
//! - `remove` deletes the entry's line(s); removing a table deletes its sections, the comment lines right
//!   above each header and one blank separator line.
//! - `move` to a new key of the same table renames the key in place.
//!
//! Refused, with the position: `null` (TOML has none), integers beyond 64 bits, removing the last key of a
//! dotted table or the last element of an array of tables (the key itself would vanish), and dotted keys
//! inside inline tables.

mod edit;
mod layout;
mod parse;
mod render;
#[cfg(test)]
mod tests;

use super::engine;
use super::{Patch, PatchError};
use edit::TomlEngine;
pub(crate) use parse::parse_value;

type TValue = toml_edit::Value;

pub(crate) fn apply(text: &str, patch: &Patch) -> Result<String, PatchError> {
    engine::run(&TomlEngine, text, patch, None)
}
