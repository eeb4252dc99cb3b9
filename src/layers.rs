//! The layering rule, checked on the sources: no file of a pure folder names an adapter module, in a `use`
//! (plain, grouped, nested over several lines), a full path in code or a doc link. Pure code gets the data it
//! shares with adapters from [`crate::types`].

use std::path::{Path, PathBuf};

/// The folders of `src/` whose code decides and does no IO.
const PURE: [&str; 8] = ["drill", "scenario", "render", "metrics", "schedule", "patch", "disguise", "propose"];

/// The modules that talk to the outside world (git2, octocrab, the ledger branch, the file system, Actions).
const ADAPTERS: [&str; 5] = ["forge", "git", "ledger", "action", "repo"];

/// One place a pure file names an adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Upward {
    line: usize,
    /// The adapter named.
    adapter: String,
    /// The source line, trimmed.
    text: String,
}

/// Every adapter named in `text`, a file `depth` modules below the crate root (`src/drill/step.rs`: 2;
/// `src/drill/mod.rs`: 1): paths from `crate`, and `super` chains that climb to the root.
fn upward(text: &str, depth: usize) -> Vec<Upward> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let Some(word) = ident_at(bytes, i) else {
            i += 1;
            continue;
        };
        let starts_word = i == 0 || !is_ident(bytes[i - 1]);
        if !starts_word || !(word == "crate" || word == "super") {
            i += word.len();
            continue;
        }
        // Follow `crate::` or `super::super::…` to the first name below the root.
        let mut at = i + word.len();
        let mut supers = usize::from(word == "super");
        let mut rooted = word == "crate";
        while let Some(next) = after_colons(bytes, at) {
            at = next;
            if !rooted && ident_at(bytes, next) == Some("super") {
                supers += 1;
                at = next + "super".len();
            } else {
                break;
            }
        }
        rooted |= supers >= depth && supers > 0;
        if rooted && at != i + word.len() {
            for (start, name) in first_names(bytes, at) {
                if ADAPTERS.contains(&name) {
                    let line = text[..start].matches('\n').count() + 1;
                    let text = text.lines().nth(line - 1).unwrap_or_default().trim().to_owned();
                    found.push(Upward { line, adapter: name.to_owned(), text });
                }
            }
        }
        i = at.max(i + 1);
    }
    found
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The identifier starting at `i`, if one does.
fn ident_at(bytes: &[u8], i: usize) -> Option<&str> {
    let len = bytes[i..].iter().take_while(|b| is_ident(**b)).count();
    (len > 0 && !bytes[i].is_ascii_digit()).then(|| std::str::from_utf8(&bytes[i..i + len]).unwrap_or_default())
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Where the text after `::` (spaces allowed around it) starts, when `::` follows `i`.
fn after_colons(bytes: &[u8], i: usize) -> Option<usize> {
    let i = skip_space(bytes, i);
    bytes[i..].starts_with(b"::").then(|| skip_space(bytes, i + 2))
}

/// The first name of each path at `i`: one for `name…`, one per item of a `{…}` group (nested groups and line
/// breaks included), with where each starts.
fn first_names(bytes: &[u8], i: usize) -> Vec<(usize, &str)> {
    if let Some(name) = ident_at(bytes, i) {
        return vec![(i, name)];
    }
    if bytes.get(i) != Some(&b'{') {
        return Vec::new();
    }
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut item_start = true;
    let mut j = i;
    while j < bytes.len() {
        match bytes[j] {
            b'{' => {
                depth += 1;
                item_start = depth == 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => item_start = true,
            b if b.is_ascii_whitespace() => {}
            _ if item_start && depth == 1 => {
                item_start = false;
                if let Some(name) = ident_at(bytes, j) {
                    names.push((j, name));
                    j += name.len();
                    continue;
                }
            }
            _ => {}
        }
        j += 1;
    }
    names
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn names(text: &str, depth: usize) -> Vec<(usize, String)> {
        upward(text, depth).into_iter().map(|u| (u.line, u.adapter)).collect()
    }

    #[test]
    fn no_pure_folder_names_an_adapter() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut problems = Vec::new();
        let mut read = 0;
        for folder in PURE {
            let mut files = Vec::new();
            sources(&src.join(folder), &mut files);
            assert!(!files.is_empty(), "src/{folder} holds no Rust file: is the list of pure folders out of date?");
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                let relative = file.strip_prefix(&src).unwrap();
                // `drill/mod.rs` is the module `drill`; `drill/step.rs` is `drill::step`.
                let depth = relative.components().count() - usize::from(relative.ends_with("mod.rs"));
                read += 1;
                for u in upward(&text, depth) {
                    problems.push(format!(
                        "src/{}:{}: names the adapter `{}`: {}",
                        relative.display(),
                        u.line,
                        u.adapter,
                        u.text
                    ));
                }
            }
        }
        assert!(read > 50, "only {read} files read under the pure folders");
        assert!(
            problems.is_empty(),
            "pure modules must not name an adapter (take the data from `crate::types`, or move the IO out):\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn plain_and_full_paths_are_found() {
        assert_eq!(names("use crate::git::CommitSha;\n", 2), [(1, "git".to_owned())]);
        assert_eq!(names("fn f() {}\nlet x = crate::forge::Change { .. };\n", 2), [(2, "forge".to_owned())]);
        assert_eq!(names("pub fn read(s: &crate :: repo::Source) {}", 2), [(1, "repo".to_owned())]);
        assert_eq!(names("use crate::ledger;", 2), [(1, "ledger".to_owned())]);
        assert_eq!(names("/// See [`crate::action::workflow`].", 2), [(1, "action".to_owned())]);
    }

    #[test]
    fn groups_on_one_line_and_over_several_are_found() {
        assert_eq!(names("use crate::{git::CommitSha, x};", 2), [(1, "git".to_owned())]);
        assert_eq!(names("use crate::{\n    types::Person,\n    forge::Change,\n};\n", 2), [(3, "forge".to_owned())]);
        assert_eq!(
            names("use crate::{scenario::{self, Config}, ledger::{Summary, Index}, repo};", 1),
            [(1, "ledger".to_owned()), (1, "repo".to_owned())]
        );
    }

    #[test]
    fn super_paths_count_only_when_they_reach_the_root() {
        assert_eq!(names("use super::super::git::CommitSha;", 2), [(1, "git".to_owned())]);
        assert_eq!(names("use super::{forge, x};", 1), [(1, "forge".to_owned())]);
        // One `super` from `drill/step.rs` is `drill`: its own `git` would be no adapter.
        assert!(names("use super::git::x;", 2).is_empty());
    }

    #[test]
    fn pure_modules_and_lookalikes_are_not_flagged() {
        let text = "use crate::types::{CommitSha, MergeMethod};\nuse crate::scenario::git_ref;\n\
                    let forge = 1; // the forge\nuse crate::gitops::x;\npub(crate) fn f() {}\nmycrate::git::x();\n";
        assert!(names(text, 2).is_empty(), "{:?}", upward(text, 2));
    }
}
