//! The local target check: when the target file can be read, apply the fault and the cover edits to it
//! with the real patch engine and report any refusal at the scenario's operation.
//!
//! Reading is the caller's business (a closure), so this stays free of IO.

use std::collections::BTreeMap;

use super::ScenarioFile;
use super::diagnostic::Diagnostic;
use super::model::{PatchOp, to_patch};
use super::value::RepoPath;
use crate::patch::{self, DocumentSelector, Format, PatchError, PatchErrorKind};

impl ScenarioFile {
    /// Applies the fault, then the cover edits, to the files `read` returns, and reports every refusal.
    ///
    /// `read` gets a path in the target repository and returns its text, or `None` when it cannot be read
    /// locally. Nothing is checked when the target file itself cannot be read.
    /// With `variants`, each variant's fault is checked in turn, its problems reported at its own operations.
    pub fn check_target(&self, read: &mut dyn FnMut(&RepoPath) -> Option<String>) -> Vec<Diagnostic> {
        if self.scenario.variants.is_empty() {
            return self.check_fault_on_target("fault", read);
        }
        let mut out: Vec<Diagnostic> = Vec::new();
        for (i, v) in self.scenario.variants.iter().enumerate() {
            let one = ScenarioFile { scenario: self.scenario.with_variant(v), source: self.source.clone() };
            for d in one.check_fault_on_target(&format!("variants[{i}].fault"), read) {
                // Cover edits are checked after each variant: say a problem of theirs once.
                if !out.contains(&d) {
                    out.push(d);
                }
            }
        }
        out
    }

    /// The target check of one fault, written at `list` (`fault` or `variants[i].fault`) in the scenario.
    fn check_fault_on_target(&self, list: &str, read: &mut dyn FnMut(&RepoPath) -> Option<String>) -> Vec<Diagnostic> {
        let s = &self.scenario;
        let src = &self.source;
        let mut out = Vec::new();
        let target = &s.target.path;
        let Some(original) = read(target) else { return out };
        let format = s.target.format();
        let document = s.target.document_selector();

        // STEP 1: the fault must not be there already (said before its `test` guard refuses the value it finds),
        // must apply, and must change the file.
        let before = patch::parse_value(format, &original, document.as_ref());
        if let Ok(doc) = &before
            && s.fault_present(doc)
        {
            out.push(
                src.at_key(
                    list,
                    format!(
                        "the target already holds this value: nothing to break (the fault is already present in \
                         {target}, so its recovery could never be seen)"
                    ),
                )
                .hint("check the target file and the values the fault sets (or its `test` operations)"),
            );
            return out;
        }
        let patched = match patch::apply_with(
            format,
            &original,
            &to_patch(&s.fault),
            document.as_ref(),
            s.target.patch_options(),
        ) {
            Ok(text) => text,
            Err(e) => {
                out.push(self.refusal(list, &e, target));
                return out;
            }
        };
        if patched == original {
            out.push(
                src.at_key(list, format!("the fault changes nothing in {target}"))
                    .hint("set a value different from the current one"),
            );
            return out;
        }
        if let Ok(doc) = patch::parse_value(format, &patched, document.as_ref())
            && before.is_ok()
            && !s.fault_present(&doc)
        {
            out.push(
                src.at_key(
                    list,
                    format!("after the fault is applied to {target}, its `test` operations or set values do not hold"),
                )
                .hint("end the fault with `test` operations that describe the broken state"),
            );
        }

        // STEP 2: cover edits, each file's edits in order, the target's after the fault.
        let mut texts: BTreeMap<RepoPath, Option<String>> = BTreeMap::new();
        texts.insert(target.clone(), Some(patched));
        for (i, edit) in s.cover.iter().enumerate() {
            let file = edit.file(&s.target).clone();
            let text = texts.entry(file.clone()).or_insert_with(|| read(&file));
            let Some(current) = text.as_ref() else {
                out.push(
                    src.at_value(
                        &format!("cover[{i}].path"),
                        format!("{file} does not exist beside the target file {target}"),
                    )
                    .hint("check the path: it is relative to the target repository's root"),
                );
                continue;
            };
            let format: Format = edit.format(&s.target);
            let doc: Option<DocumentSelector> = edit.document_selector(&s.target);
            match patch::apply(format, current, &to_patch(&edit.patch), doc.as_ref()) {
                Ok(next) => *text = Some(next),
                Err(e) => out.push(self.refusal(&format!("cover[{i}].patch"), &e, &file)),
            }
        }
        out
    }

    /// A patch engine refusal, pointed at the operation it names (or at the list).
    fn refusal(&self, list: &str, e: &PatchError, file: &RepoPath) -> Diagnostic {
        let fault = list == "fault" || list.ends_with(".fault");
        let ops: &[PatchOp] = if fault {
            &self.scenario.fault
        } else {
            list.strip_prefix("cover[")
                .and_then(|r| r.split(']').next())
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| self.scenario.cover.get(i))
                .map_or(&[], |c| c.patch.as_slice())
        };
        let at = match e.op {
            Some(i) if i < ops.len() => format!("{list}[{i}]"),
            _ => list.to_owned(),
        };
        let place = match e.at {
            Some(loc) => format!("{file}:{loc}"),
            None => file.to_string(),
        };
        // A document that is not there, or a string that holds no editable document: the fault's operations
        // are fine, the field choosing the document is what to fix.
        let chooser = match (e.kind, fault) {
            (PatchErrorKind::Document, true) if self.scenario.target.document.is_some() => Some("target.document"),
            (PatchErrorKind::Embedded, true) => Some("target.embedded"),
            _ => None,
        };
        let diag = match chooser {
            Some(field) => self.source.at_value(field, ""),
            None if at == list => self.source.at_key(&at, ""),
            None => self.source.at_value(&format!("{at}.path"), ""),
        };
        let at = chooser.map_or(at, str::to_owned);
        Diagnostic { field: at, message: format!("{} (in {place})", e.message), ..diag }.with_hint(e.hint.clone())
    }
}
