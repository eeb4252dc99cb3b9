//! The report's reveal: where the fault went, its operations, the cover edits, the expected symptom and the
//! playbook.

use std::fmt::Write as _;

use serde_json::Value;

use super::links::Links;
use crate::drill::state::Drill;
use crate::render::markdown::{code, link, text};
use crate::scenario::{PatchOp, Scenario};

pub(super) fn reveal(o: &mut String, scenario: &Scenario, drill: &Drill, links: &Links) {
    let t = &scenario.target;
    let _ = writeln!(o, "## What was broken");
    let _ = writeln!(o);
    let mut place = format!("{} on branch {}", links.file(t.path.as_str(), drill), code(t.branch.as_str()));
    if let Some(repo) = &t.repo {
        let _ = write!(place, " of {}", code(repo.as_str()));
    }
    if let Some(env) = &t.environment {
        let _ = write!(place, " (environment {})", code(env));
    }
    let _ = writeln!(o, "The fault went into {place}:");
    let _ = writeln!(o);
    if let Some(v) = &scenario.running_variant {
        let others: Vec<String> = v.among.iter().filter(|n| **n != v.name).map(code).collect();
        let _ = writeln!(
            o,
            "Variant {} of the scenario's {} (picked for this drill by its id; the others: {}).",
            code(&v.name),
            v.among.len(),
            others.join(", ")
        );
        let _ = writeln!(o);
    }
    for line in operations(&scenario.fault) {
        let _ = writeln!(o, "- {line}");
    }
    let _ = writeln!(o);
    if !scenario.cover.is_empty() {
        let _ = writeln!(o, "It was disguised among these harmless edits in the same commit:");
        let _ = writeln!(o);
        for edit in &scenario.cover {
            let file = if edit.is_on_target(t) {
                "same file".to_owned()
            } else {
                format!("in {}", code(edit.file(t).as_str()))
            };
            for line in operations(&edit.patch) {
                let _ = writeln!(o, "- {line} ({file})");
            }
        }
        let _ = writeln!(o);
    }
    if !scenario.description.trim().is_empty() {
        let _ = writeln!(o, "{}", scenario.description.trim_end());
        let _ = writeln!(o);
    }
    if let Some(expect) = &scenario.expect {
        let _ = writeln!(o, "- **Expected symptom:** {}", text(&expect.symptom));
        if let Some(d) = &expect.detect_by {
            let _ = writeln!(o, "- **Expected detection:** {}", text(d));
        }
    }
    if let Some(p) = &scenario.playbook {
        let _ = writeln!(o, "- **Playbook:** {}", playbook(p));
    }
    if scenario.expect.is_some() || scenario.playbook.is_some() {
        let _ = writeln!(o);
    }
}

/// `` `/a/b`: `"10"` → `"0"` `` per changing operation; a `test` before a change gives the old value.
fn operations(ops: &[PatchOp]) -> Vec<String> {
    let mut known: Vec<(&str, &Value)> = Vec::new();
    let mut out = Vec::new();
    for op in ops {
        let path = op.path().as_str();
        let before = || known.iter().rev().find(|(p, _)| *p == path).map(|(_, v)| json(v));
        let line = match op {
            PatchOp::Test { value, .. } => {
                known.push((path, value));
                continue;
            }
            PatchOp::Replace { value, .. } | PatchOp::Add { value, .. } => match before() {
                Some(old) => format!("{}: {old} → {}", code(path), json(value)),
                None if matches!(op, PatchOp::Add { .. }) => format!("{}: added {}", code(path), json(value)),
                None => format!("{}: set to {}", code(path), json(value)),
            },
            PatchOp::Remove { .. } => match before() {
                Some(old) => format!("{}: {old} → removed", code(path)),
                None => format!("{}: removed", code(path)),
            },
            PatchOp::Move { from, .. } => format!("{}: moved from {}", code(path), code(from.as_str())),
            PatchOp::Copy { from, .. } => format!("{}: copied from {}", code(path), code(from.as_str())),
        };
        out.push(line);
    }
    out
}

fn json(v: &Value) -> String {
    code(serde_json::to_string(v).unwrap_or_default())
}

pub(super) fn playbook(p: &str) -> String {
    if p.starts_with("https://") || p.starts_with("http://") { link(p, p) } else { code(p) }
}
