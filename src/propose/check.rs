//! A candidate becomes a suggestion only once the patch engine has applied it: the fault (guarded by a
//! `test` of today's value) must change exactly one line, and its revert must give the file back byte for
//! byte. Anything else is dropped, with why.

use serde_json::{Value, json};

use super::families::Candidate;
use super::{RepoFile, Score, Suggestion, Unread, render};
use crate::patch::{self, Patch};
use crate::schedule::seed::fnv1a64;

/// The fault's operations: a `test` of today's value, then the `replace`.
pub fn fault_ops(pointer: &str, old: &Value, new: &Value) -> Value {
    json!([{"op": "test", "path": pointer, "value": old}, {"op": "replace", "path": pointer, "value": new}])
}

/// Applies the candidate and its revert; the suggestion, or why it was dropped.
pub fn materialize(file: &RepoFile, c: Candidate, score: Score) -> Result<Suggestion, Unread> {
    let drop = |why: String| Unread { path: format!("{} {}", c.file, c.pointer), why };
    let parse = |ops: Value| serde_json::from_value::<Patch>(ops).map_err(|e| drop(e.to_string()));
    let fault = parse(fault_ops(&c.pointer, &c.old, &c.new))?;
    let revert = parse(fault_ops(&c.pointer, &c.new, &c.old))?;
    let selector = c.selector.as_ref();
    let faulted = patch::apply(c.format, &file.text, &fault, selector).map_err(|e| drop(e.message.clone()))?;
    let reverted = patch::apply(c.format, &faulted, &revert, selector).map_err(|e| drop(e.message.clone()))?;
    if reverted != file.text {
        return Err(drop("the revert does not give the file back byte for byte".into()));
    }
    let (line, before, after) =
        one_line(&file.text, &faulted).ok_or_else(|| drop("the fault changes more than one line".into()))?;
    Ok(Suggestion {
        id: id(&c),
        family: c.family,
        symptom: render::symptom(&c),
        hints: render::hints(&c),
        mechanism: c.mechanism,
        chain: c.chain.clone(),
        file: c.file,
        format: c.format,
        selector: c.selector,
        pointer: c.pointer,
        key: c.key,
        old: c.old,
        new: c.new,
        line,
        before,
        after,
        score,
        environment: c.environment,
    })
}

/// The one line that differs (1-based), before and after; `None` when it is not exactly one.
pub fn one_line(before: &str, after: &str) -> Option<(usize, String, String)> {
    let (a, b): (Vec<&str>, Vec<&str>) = (before.split('\n').collect(), after.split('\n').collect());
    if a.len() != b.len() {
        return None;
    }
    let mut changed = a.iter().zip(&b).enumerate().filter(|(_, (x, y))| x != y);
    let (i, (x, y)) = changed.next()?;
    changed.next().is_none().then(|| (i + 1, (*x).to_owned(), (*y).to_owned()))
}

/// A stable scenario id: the family and key as a slug, and six hex digits of where the value is.
fn id(c: &Candidate) -> String {
    let hash =
        fnv1a64(format!("{}\0{:?}\0{}", c.file, c.selector.as_ref().map(ToString::to_string), c.pointer).as_bytes());
    let mut stem = crate::scenario::slugify(&format!("{} {}", c.family.slug(), c.key));
    stem.truncate(crate::scenario::ScenarioId::MAX_LEN - 7);
    format!("{}-{:06x}", stem.trim_end_matches('-'), hash >> 40)
}
