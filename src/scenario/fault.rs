//! "Is the fault still there?": the checks that define a fault as present, judged on the parsed target file.
//!
//! Recovery is judged from the repository's content, not from how the fault was undone, so every scenario
//! must say what "the fault is present" means. Explicit `test` operations after the last change say it;
//! otherwise it is derived from the values the operations set and the paths they remove.

use serde_json::Value;

use super::model::{PatchOp, Scenario};
use super::value::JsonPointer;

/// One condition of "the fault is present".
#[derive(Debug, Clone, PartialEq)]
pub struct FaultCheck {
    pub path: JsonPointer,
    pub expect: Expected,
}

/// What the document holds at a path while the fault is present.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// This value (numbers compare by value: `0` equals `0.0`).
    Value(Value),
    /// Nothing: the path does not exist.
    Absent,
}

impl FaultCheck {
    /// Whether this condition holds in `doc`.
    pub fn holds(&self, doc: &Value) -> bool {
        let found = doc.pointer(self.path.as_str());
        match (&self.expect, found) {
            (Expected::Absent, found) => found.is_none(),
            (Expected::Value(v), Some(f)) => same_value(v, f),
            (Expected::Value(_), None) => false,
        }
    }
}

/// JSON equality where numbers compare by value.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64().zip(y.as_f64()).is_some_and(|(x, y)| x == y),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

/// Why the fault's presence cannot be derived from its operations: the index of the operation to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Underivable {
    pub op: usize,
    pub why: &'static str,
}

/// The trailing `test` operations (after the last change), when there are any.
fn trailing_tests(ops: &[PatchOp]) -> &[PatchOp] {
    let start = ops.iter().rposition(PatchOp::changes).map_or(ops.len(), |i| i + 1);
    &ops[start..]
}

/// Derives the checks from the operations, or says which operation makes that impossible.
pub(crate) fn derive(ops: &[PatchOp]) -> Result<Vec<FaultCheck>, Underivable> {
    let tests = trailing_tests(ops);
    if !tests.is_empty() && tests.len() < ops.len() {
        return Ok(tests
            .iter()
            .filter_map(|op| match op {
                PatchOp::Test { path, value } => {
                    Some(FaultCheck { path: path.clone(), expect: Expected::Value(value.clone()) })
                }
                _ => None,
            })
            .collect());
    }
    let mut checks: Vec<FaultCheck> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        match op {
            PatchOp::Add { path, value } | PatchOp::Replace { path, value } => {
                if path.pointer().tokens.last().is_some_and(|t| t == "-") {
                    return Err(Underivable {
                        op: i,
                        why: "an `add` that appends with `-` does not say where the value ends up",
                    });
                }
                set(&mut checks, path, Expected::Value(value.clone()));
            }
            PatchOp::Remove { path } => set(&mut checks, path, Expected::Absent),
            PatchOp::Move { .. } | PatchOp::Copy { .. } => {
                return Err(Underivable { op: i, why: "a `move` or `copy` does not say which value it writes" });
            }
            PatchOp::Test { .. } => {}
        }
    }
    Ok(checks)
}

/// Records that `path` holds `expect`, folding it into a check of an ancestor when there is one.
fn set(checks: &mut Vec<FaultCheck>, path: &JsonPointer, expect: Expected) {
    checks.retain(|c| !path.contains(&c.path));
    if let Some(ancestor) = checks.iter_mut().find(|c| c.path.contains(path)) {
        let tokens = path.pointer().tokens;
        let base = ancestor.path.pointer().tokens.len();
        let mut relative = crate::patch::Pointer::default();
        for t in &tokens[base..] {
            relative.push(t.clone());
        }
        let Expected::Value(doc) = &mut ancestor.expect else { return };
        let op = match expect {
            Expected::Value(v) => json_patch::PatchOperation::Add(json_patch::AddOperation {
                path: json_patch::jsonptr::PointerBuf::parse(relative.to_string()).unwrap_or_default(),
                value: v,
            }),
            Expected::Absent => json_patch::PatchOperation::Remove(json_patch::RemoveOperation {
                path: json_patch::jsonptr::PointerBuf::parse(relative.to_string()).unwrap_or_default(),
            }),
        };
        if json_patch::patch(doc, &[op]).is_err() {
            let stale = ancestor.path.clone();
            checks.retain(|c| c.path != stale);
        }
        return;
    }
    checks.push(FaultCheck { path: path.clone(), expect });
}

impl Scenario {
    /// The conditions that together mean "the fault is present": the `test` operations after the last change
    /// when there are any, else the values set by `add`/`replace` and the paths removed by `remove` (a
    /// validated scenario always has one or the other).
    pub fn fault_check(&self) -> Vec<FaultCheck> {
        derive(&self.fault).unwrap_or_default()
    }

    /// Whether the fault is present in `doc`, the parsed target file (see [`crate::patch::parse_value`]).
    pub fn fault_present(&self, doc: &Value) -> bool {
        let checks = self.fault_check();
        !checks.is_empty() && checks.iter().all(|c| c.holds(doc))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ops(v: Value) -> Vec<PatchOp> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn trailing_tests_define_the_fault() {
        let ops = ops(json!([
            {"op": "test", "path": "/a", "value": 5},
            {"op": "replace", "path": "/a", "value": 0},
            {"op": "test", "path": "/b", "value": true}
        ]));
        let checks = derive(&ops).unwrap();
        assert_eq!(checks, [FaultCheck { path: "/b".parse().unwrap(), expect: Expected::Value(json!(true)) }]);
    }

    #[test]
    fn derived_from_changes_with_later_ops_winning() {
        let ops = ops(json!([
            {"op": "test", "path": "/pool/size", "value": 10},
            {"op": "replace", "path": "/pool/size", "value": 0},
            {"op": "add", "path": "/x", "value": {"y": 1, "z": 2}},
            {"op": "replace", "path": "/x/y", "value": 3},
            {"op": "remove", "path": "/x/z"},
            {"op": "remove", "path": "/gone"}
        ]));
        let checks = derive(&ops).unwrap();
        assert_eq!(checks.len(), 3);
        assert_eq!(checks[1], FaultCheck { path: "/x".parse().unwrap(), expect: Expected::Value(json!({"y": 3})) });
        let doc = json!({"pool": {"size": 0.0}, "x": {"y": 3}});
        assert!(checks.iter().all(|c| c.holds(&doc)));
        let healed = json!({"pool": {"size": 10}, "x": {"y": 3}});
        assert!(!checks[0].holds(&healed));
    }

    #[test]
    fn appends_moves_and_copies_need_tests() {
        assert_eq!(derive(&ops(json!([{"op": "add", "path": "/l/-", "value": 1}]))).unwrap_err().op, 0);
        assert!(derive(&ops(json!([{"op": "move", "from": "/a", "path": "/b"}]))).is_err());
        let with_test =
            ops(json!([{"op": "move", "from": "/a", "path": "/b"}, {"op": "test", "path": "/b", "value": 1}]));
        assert_eq!(derive(&with_test).unwrap().len(), 1);
    }
}
