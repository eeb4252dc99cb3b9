//! The book and the README: every relative link and `#anchor` in `README.md`, `docs/*.md` and the emulator's
//! README resolves, every page is in `docs/SUMMARY.md`, and the responders' guide gives no drill away.
//!
//! Anchors are computed the way mdBook 0.5 makes heading ids (`mdbook-html`'s `id_from_content`: the heading's
//! text, trimmed and lowercased, letters, digits, `_` and `-` kept, whitespace turned into `-`, everything else
//! dropped; a repeated id gets `-1`, `-2`, …), which is also how GitHub names the headings of a README.
//! `{{#include FILE}}` and `{{#include FILE:ANCHOR}}` are expanded first, as mdBook does, so the headings an
//! included file brings are anchors of the page that includes it.

use std::collections::{BTreeSet, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::common::root;

/// One Markdown file, read and with its includes expanded.
struct Page {
    path: PathBuf,
    text: String,
}

fn read_page(path: &Path) -> Page {
    let raw = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Page { path: path.to_owned(), text: expand_includes(path, &raw) }
}

/// mdBook's `{{#include PATH}}` and `{{#include PATH:ANCHOR}}` (the lines between `ANCHOR: NAME` and
/// `ANCHOR_END: NAME`, without them), relative to the including file.
fn expand_includes(path: &Path, text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{#include ") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").map(|e| start + e).expect("an unterminated {{#include");
        let arg = rest[start + "{{#include ".len()..end].trim();
        let (file, anchor) = match arg.rsplit_once(':') {
            Some((f, a)) if !a.is_empty() && !a.contains('/') => (f, Some(a)),
            _ => (arg, None),
        };
        let included = path.parent().unwrap().join(file);
        let content = std::fs::read_to_string(&included)
            .unwrap_or_else(|e| panic!("{}: {{{{#include {arg}}}}}: {}: {e}", path.display(), included.display()));
        match anchor {
            None => out.push_str(&content),
            Some(name) => {
                let lines: Vec<&str> = content.lines().collect();
                let open = lines.iter().position(|l| l.contains(&format!("ANCHOR: {name}")));
                let close = lines.iter().position(|l| l.contains(&format!("ANCHOR_END: {name}")));
                let (Some(open), Some(close)) = (open, close) else {
                    panic!("{}: {{{{#include {arg}}}}}: no anchor `{name}` in {}", path.display(), included.display())
                };
                for l in &lines[open + 1..close] {
                    out.push_str(l);
                    out.push('\n');
                }
            }
        }
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The lines of `text` outside fenced code blocks, with their 1-based numbers.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<String> = None;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let marker: String = t.chars().take_while(|c| *c == '`' || *c == '~').collect();
        if marker.len() >= 3 {
            match &fence {
                None => {
                    fence = Some(marker);
                    continue;
                }
                Some(open) if marker.starts_with(open.as_str()) && t.trim_end() == marker => {
                    fence = None;
                    continue;
                }
                Some(_) => {}
            }
        }
        if fence.is_none() {
            out.push((i + 1, line));
        }
    }
    out
}

/// `line` with its inline code spans removed (a run of N backticks up to the next run of exactly N).
fn without_code_spans(line: &str) -> String {
    let b = line.as_bytes();
    let (mut out, mut i) = (String::new(), 0);
    while i < b.len() {
        if b[i] == b'`' {
            let n = b[i..].iter().take_while(|c| **c == b'`').count();
            let mut j = i + n;
            let mut closed = None;
            while j < b.len() {
                if b[j] == b'`' {
                    let m = b[j..].iter().take_while(|c| **c == b'`').count();
                    if m == n {
                        closed = Some(j + m);
                        break;
                    }
                    j += m;
                } else {
                    j += 1;
                }
            }
            match closed {
                Some(after) => {
                    out.push_str("CODE");
                    i = after;
                }
                None => {
                    out.push_str(&line[i..i + n]);
                    i += n;
                }
            }
        } else {
            let ch = line[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The heading ids of a page, as mdBook (and GitHub) make them.
fn anchors(text: &str) -> HashSet<String> {
    let mut used = HashSet::new();
    for (_, line) in prose_lines(text) {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let id = slug(&heading_text(line[hashes..].trim().trim_end_matches('#').trim()));
        let mut unique = id.clone();
        let mut n = 1;
        while !used.insert(unique.clone()) {
            unique = format!("{id}-{n}");
            n += 1;
        }
    }
    used
}

/// The text of a heading's inline Markdown: code spans keep their content, links their text, emphasis markers go.
fn heading_text(md: &str) -> String {
    let mut out = String::new();
    let mut chars = md.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' | '*' => {}
            ']' if chars.peek() == Some(&'(') => {
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            '[' => {}
            '!' if chars.peek() == Some(&'[') => {}
            _ => out.push(c),
        }
    }
    out
}

/// mdBook's `id_from_content`.
fn slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// The destinations of the inline links and images of a page (`[text](dest)`, `![alt](dest "title")`), with
/// their line numbers; code blocks and code spans are not looked at.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose_lines(text) {
        let line = without_code_spans(line);
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let mut depth = 0;
            let end = after
                .char_indices()
                .find(|(_, c)| match c {
                    '(' => {
                        depth += 1;
                        false
                    }
                    ')' if depth == 0 => true,
                    ')' => {
                        depth -= 1;
                        false
                    }
                    _ => false,
                })
                .map_or(after.len(), |(e, _)| e);
            let dest = after[..end].split_whitespace().next().unwrap_or("").trim_matches(['<', '>']);
            out.push((n, dest.to_owned()));
            rest = &after[end.min(after.len())..];
        }
    }
    out
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// Every broken relative link and anchor of `pages`, as `file:line: dest: why`. Links leaving `top` (the
/// repository) are broken too: they resolve nowhere in a clone.
fn broken_links(top: &Path, pages: &[Page]) -> Vec<String> {
    let mut broken = Vec::new();
    for page in pages {
        let here = page.path.parent().unwrap();
        let shown = page.path.strip_prefix(top).unwrap_or(&page.path).display().to_string();
        for (line, dest) in links(&page.text) {
            if dest.is_empty()
                || dest.contains("://")
                || dest.starts_with("mailto:")
                || dest.contains("{{")
                || dest.starts_with("//")
            {
                continue;
            }
            let (file, fragment) = match dest.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (dest.as_str(), None),
            };
            let target = if file.is_empty() { page.path.clone() } else { normalize(&here.join(file)) };
            if !target.starts_with(top) {
                broken.push(format!("{shown}:{line}: {dest}: leaves the repository"));
                continue;
            }
            if !target.exists() {
                broken.push(format!("{shown}:{line}: {dest}: {} does not exist", target.display()));
                continue;
            }
            let Some(fragment) = fragment else { continue };
            if target.extension().is_none_or(|e| e != "md") {
                continue;
            }
            let text = if target == page.path { page.text.clone() } else { read_page(&target).text };
            if !anchors(&text).contains(fragment) {
                broken.push(format!("{shown}:{line}: {dest}: no heading makes the anchor #{fragment}"));
            }
        }
    }
    broken
}

/// README.md, every `docs/*.md` and the emulator's README.
fn checked_pages() -> Vec<Page> {
    let root = root();
    let mut paths = vec![root.join("README.md"), root.join("github-emulator/README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    paths.extend(docs);
    paths.iter().map(|p| read_page(p)).collect()
}

#[test]
fn every_relative_link_and_anchor_in_the_readme_and_the_book_resolves() {
    let pages = checked_pages();
    assert!(pages.len() >= 15, "README, the emulator's README and the book's pages: {}", pages.len());
    let broken = broken_links(&root(), &pages);
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_link_checker_finds_a_missing_file_a_missing_anchor_and_a_link_out_of_the_repository() {
    let top = tempfile::tempdir().unwrap();
    let docs = top.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(top.path().join("code.rs"), "fn main() {}\n").unwrap();
    std::fs::write(
        docs.join("a.md"),
        "# Page A\n\n## The `/drill` verbs\n\n## Again\n\n## Again\n\n```sh\n[not](a-link.md) in a code block\n```\n\
         Fine: [b](b.md#bs-heading), [self](#the-drill-verbs), [twice](#again-1), [code](../code.rs#L1),\n\
         `[code span](nowhere.md)`, [web](https://example.com/x.md).\n\
         Broken: [gone](gone.md), [anchor](b.md#nope), [self](#again-2), [out](../../elsewhere.md).\n",
    )
    .unwrap();
    std::fs::write(docs.join("b.md"), "# B\n\n## B's heading\n\n{{#include part.txt:piece}}\n").unwrap();
    std::fs::write(docs.join("part.txt"), "before\nANCHOR: piece\n## Included\nANCHOR_END: piece\nafter\n").unwrap();
    let pages = vec![read_page(&docs.join("a.md")), read_page(&docs.join("b.md"))];
    assert!(anchors(&pages[1].text).contains("included"), "an included heading is an anchor of the page");
    let broken = broken_links(top.path(), &pages);
    let dests: Vec<&str> = broken.iter().map(|b| b.split(": ").nth(1).unwrap()).collect();
    assert_eq!(dests, ["gone.md", "b.md#nope", "#again-2", "../../elsewhere.md"], "{broken:#?}");
    assert!(broken[0].starts_with("docs/a.md:14: gone.md: "), "{broken:#?}");
}

#[test]
fn headings_make_the_anchors_mdbook_makes() {
    let ids = anchors(
        "# Running drills\n## `firedrill patch`: try a fault on a file\n### The image, tested as GitHub runs it\n\
         ## A tick's cost as the ledger and the branch grow (`cargo bench --bench tick_cost`)\n\
         ## The responders' channel: `/drill` comments\n## [Linked](x.md) *emphasis*\n## Numbers\n## Numbers\n",
    );
    for id in [
        "running-drills",
        "firedrill-patch-try-a-fault-on-a-file",
        "the-image-tested-as-github-runs-it",
        "a-ticks-cost-as-the-ledger-and-the-branch-grow-cargo-bench---bench-tick_cost",
        "the-responders-channel-drill-comments",
        "linked-emphasis",
        "numbers",
        "numbers-1",
    ] {
        assert!(ids.contains(id), "{id} not in {ids:?}");
    }
}

#[test]
fn every_page_of_the_book_is_in_its_summary() {
    let docs = root().join("docs");
    let summary = std::fs::read_to_string(docs.join("SUMMARY.md")).unwrap();
    let listed: BTreeSet<String> = links(&summary).into_iter().map(|(_, d)| d).collect();
    let pages: BTreeSet<String> = std::fs::read_dir(&docs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n != "SUMMARY.md")
        .collect();
    assert_eq!(listed, pages, "docs/SUMMARY.md and the pages in docs/ differ");
    let book = std::fs::read_to_string(docs.join("book.toml")).unwrap();
    assert!(book.contains("src = \".\""), "the book's source is docs/ itself:\n{book}");
}

// --- the responders' guide gives no drill away --------------------------------------------------------------

/// Pointer segments that name the shape of a Kubernetes object (and are ordinary English: "pull requests"), not
/// a drill's answer; the whole pointer is still one.
const STRUCTURE: [&str; 7] = ["spec", "template", "containers", "path", "resources", "requests", "limits"];

/// Every string of a scenario that would tell responders what a drill breaks: its id and title, the target
/// file (path and name), each fault and cover path (whole, and its telling segments) and value, the disguise's
/// texts (branch prefix, commit message, title, body lines, author), hints, the expected symptom, the
/// announcement and the description's lines. Values shorter than 3 characters (`0`, `10`) are left out: they
/// cannot be told from ordinary text.
fn answers(scenario: &serde_norway::Value) -> BTreeSet<String> {
    use serde_norway::Value;
    fn leaves(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::Bool(b) => out.push(b.to_string()),
            Value::Sequence(s) => s.iter().for_each(|v| leaves(v, out)),
            Value::Mapping(m) => m.values().for_each(|v| leaves(v, out)),
            _ => {}
        }
    }
    fn ops(v: &Value, paths: &mut Vec<String>, values: &mut Vec<String>) {
        match v {
            Value::Sequence(s) => s.iter().for_each(|v| ops(v, paths, values)),
            Value::Mapping(m) => {
                for (k, v) in m {
                    match k.as_str() {
                        Some("path" | "from") => leaves(v, paths),
                        Some("value") => leaves(v, values),
                        _ => ops(v, paths, values),
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    let field = |name: &str| &scenario[name];
    leaves(field("id"), &mut out);
    leaves(field("title"), &mut out);
    let (mut paths, mut values) = (Vec::new(), Vec::new());
    ops(field("fault"), &mut paths, &mut values);
    ops(field("cover"), &mut paths, &mut values);
    for pointer in &paths {
        out.push(pointer.clone());
        if !pointer.starts_with('/') {
            // A file (a cover edit's own `path`): the whole path and its name, not its folders (`staging`).
            out.push(pointer.rsplit('/').next().unwrap().to_owned());
            continue;
        }
        for segment in pointer.split('/') {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            if segment.len() >= 4 && !STRUCTURE.contains(&segment.as_str()) {
                out.push(segment);
            }
        }
    }
    out.extend(values);
    if let Some(path) = scenario["target"]["path"].as_str() {
        out.push(path.to_owned());
        out.push(path.rsplit('/').next().unwrap().to_owned());
    }
    let mut prose = Vec::new();
    for name in ["disguise", "hints", "expect", "announce", "description"] {
        leaves(field(name), &mut prose);
    }
    for text in prose {
        // A branch template's fixed part (`chore/tune-x-{{ short_id }}` → `chore/tune-x`).
        let fixed = text.split("{{").next().unwrap().trim().trim_end_matches(['-', '/', '_']);
        out.push(fixed.to_owned());
        out.extend(text.lines().map(|l| l.trim().trim_start_matches("- ").to_owned()).filter(|l| l.len() >= 12));
    }
    out.into_iter().map(|s| s.trim().to_lowercase()).filter(|s| s.chars().count() >= 3).collect()
}

/// The answers of `scenarios` that `page` contains, as `scenario: "answer"`. An answer made of word characters
/// (`DB_PORT`, `5432`, `96Mi`) counts as a whole word only; any other answer anywhere.
fn leaks(page: &str, scenarios: &[(String, serde_norway::Value)]) -> Vec<String> {
    let page = page.to_lowercase();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut found = Vec::new();
    for (name, scenario) in scenarios {
        for answer in answers(scenario) {
            let whole_word = answer.chars().all(|c| word(c) || c == '.' || c == '-');
            let hit = page.match_indices(&answer).any(|(i, m)| {
                !whole_word
                    || (!page[..i].chars().next_back().is_some_and(word)
                        && !page[i + m.len()..].chars().next().is_some_and(word))
            });
            if hit {
                found.push(format!("{name}: {answer:?}"));
            }
        }
    }
    found
}

/// Every scenario file (a YAML mapping with a `fault`) under `scenarios/` and `examples/`.
fn repository_scenarios() -> Vec<(String, serde_norway::Value)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("scenarios"), &mut files);
    walk(&root().join("examples"), &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            // Multi-document manifests under examples/ are no scenarios; a scenario is one mapping with a fault.
            let v: serde_norway::Value = serde_norway::from_str(&text).ok()?;
            v.get("fault")?;
            Some((p.strip_prefix(root()).unwrap().display().to_string(), v))
        })
        .collect()
}

#[test]
fn the_responders_guide_names_no_scenario_fault_file_or_disguise() {
    let scenarios = repository_scenarios();
    assert!(scenarios.len() >= 9, "the scenarios of scenarios/ and examples/: {:?}", scenarios.len());
    let guide = std::fs::read_to_string(root().join("docs/responders.md")).unwrap();
    let found = leaks(&guide, &scenarios);
    assert!(found.is_empty(), "docs/responders.md gives drills away:\n{}", found.join("\n"));
}

#[test]
fn the_leak_check_finds_a_fault_path_a_value_a_file_name_and_a_disguise_title() {
    let scenarios = repository_scenarios();
    let seed = scenarios.iter().find(|(n, _)| n.ends_with("redis-pool-exhaustion.yaml")).unwrap();
    let answers = answers(&seed.1);
    for expected in [
        "redis-pool-exhaustion",
        "/env/service__redis__connection_pool__size",
        "service__redis__connection_pool__size",
        "values-staging.yaml",
        "chore(checkout): tune redis pool settings for staging",
        "chore/tune-redis-pool",
    ] {
        assert!(answers.contains(expected), "{expected} is not among {answers:?}");
    }
    let one = std::slice::from_ref(seed);
    for page in [
        "Look at SERVICE__REDIS__CONNECTION_POOL__SIZE first.",
        "It lands in values-staging.yaml.",
        "The PR says chore(checkout): tune redis pool settings for staging.",
        "The timeout goes to 300 ms.",
        "A branch named chore/tune-redis-pool-abc123.",
    ] {
        assert!(!leaks(page, one).is_empty(), "not caught: {page}");
    }
    // Words and short numbers of ordinary prose are not answers.
    assert_eq!(leaks("Step 1: wait 10 minutes, then a pull request merges into staging.", one), Vec::<String>::new());
    // A number inside a longer one is not the number.
    let worker = scenarios.iter().find(|(n, _)| n.ends_with("wrong-database-port.yaml")).unwrap();
    assert!(leaks("port 54321", std::slice::from_ref(worker)).is_empty());
    assert!(!leaks("port 5432.", std::slice::from_ref(worker)).is_empty());
}

#[test]
fn the_anchors_computed_here_are_the_heading_ids_mdbook_wrote() {
    // `.ci/run` builds the book (`mdbook build docs`, into target/book) before the tests.
    let book = root().join("target/book");
    let index = book.join("index.html");
    if crate::common::needed(index.is_file().then_some(()), "the book (target/book)", "mdbook build docs").is_none() {
        return;
    }
    let mut compared = 0;
    for page in checked_pages().iter().filter(|p| p.path.parent() == Some(&root().join("docs"))) {
        let name = page.path.file_stem().unwrap().to_string_lossy();
        if name == "SUMMARY" {
            continue;
        }
        let html = std::fs::read_to_string(book.join(format!("{name}.html"))).unwrap();
        let written: HashSet<String> = html
            .match_indices("<h")
            .filter_map(|(i, _)| {
                let rest = &html[i + 2..];
                rest.chars().next().filter(|c| ('1'..='6').contains(c))?;
                let rest = rest[1..].strip_prefix(" id=\"")?;
                Some(rest[..rest.find('"')?].to_owned())
            })
            .collect();
        assert_eq!(anchors(&page.text), written, "docs/{name}.md: the checker's anchors and mdBook's heading ids");
        compared += 1;
    }
    assert!(compared >= 14, "{compared} pages compared");
}
