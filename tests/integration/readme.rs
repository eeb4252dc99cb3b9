//! The README's command blocks. Each ```sh block (and any `bash`, `shell`, `console` block) carries a marker
//! comment right above it, `<!-- readme.rs: KIND … -->`, and each kind has its test here:
//!
//! - `demo-and-tests`: the demo runs as written (through the binary under test) and the test command is the one
//!   `.ci/run` runs;
//! - `rehearsal`: the quick start's rehearsal runs as written, against the GitHub emulator, to a green `doctor`
//!   table and a dry first drill, then through the Action's local recipe (`firedrill action --event`) to a merged
//!   drill and its report;
//! - `on-github`: the commands meant for github.com; each `firedrill` line is one the rehearsal runs (there
//!   with `--api-url` to the emulator);
//! - `dispatch`: `gh workflow run` cannot reach github.com here; its workflow file and inputs are checked
//!   against `examples/workflows/`;
//! - `not run: REASON`: blocks no test can run honestly (installs, Docker), with the reason, and a check of
//!   what they name.
//!
//! A new block without a marker, or with an unknown kind, fails `every_command_block_is_run_by_a_test_or_marked`.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{firedrill, root, run};

/// A fenced command block of a Markdown file, with the marker comment right above it.
#[derive(Debug)]
struct Block {
    line: usize,
    marker: Option<String>,
    body: String,
}

const SHELLS: [&str; 5] = ["sh", "bash", "shell", "console", "zsh"];
const KINDS: [&str; 5] = ["demo-and-tests", "rehearsal", "on-github", "dispatch", "not run:"];

/// The command blocks of `md`. A block's marker is the HTML comment ending on the last non-blank line before
/// its fence, when that comment starts with `<!-- readme.rs:`; its text is what follows, on one line.
fn command_blocks(md: &str) -> Vec<Block> {
    let lines: Vec<&str> = md.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim_start();
        if let Some(lang) = t.strip_prefix("```") {
            let lang = lang.trim();
            let start = i;
            i += 1;
            let mut body = Vec::new();
            let indent = &lines[start][..lines[start].len() - t.len()];
            while i < lines.len() && lines[i].trim() != "```" {
                body.push(lines[i].strip_prefix(indent).unwrap_or(lines[i].trim_start()));
                i += 1;
            }
            if SHELLS.contains(&lang) {
                out.push(Block { line: start + 1, marker: marker_before(&lines, start), body: body.join("\n") });
            }
        }
        i += 1;
    }
    out
}

fn marker_before(lines: &[&str], fence: usize) -> Option<String> {
    let end = (0..fence).rev().find(|&j| !lines[j].trim().is_empty())?;
    if !lines[end].trim_end().ends_with("-->") {
        return None;
    }
    let start = (0..=end).rev().find(|&j| lines[j].contains("<!--"))?;
    let comment: Vec<&str> = lines[start..=end].iter().map(|l| l.trim()).collect();
    let comment = comment.join(" ");
    let text = comment.strip_prefix("<!-- readme.rs:")?.strip_suffix("-->")?;
    Some(text.trim().to_owned())
}

/// What is wrong with the markers of `blocks`: unmarked blocks, unknown kinds, reasons missing.
fn marker_problems(blocks: &[Block]) -> Vec<String> {
    let mut problems = Vec::new();
    for b in blocks {
        match &b.marker {
            None => problems.push(format!(
                "README.md:{}: a command block without `<!-- readme.rs: KIND -->` above it: run it in \
                 tests/integration/readme.rs, or mark it `not run: WHY`",
                b.line
            )),
            Some(m) if !KINDS.iter().any(|k| m.starts_with(k)) => {
                problems.push(format!("README.md:{}: unknown marker `{m}` (known: {KINDS:?})", b.line));
            }
            Some(m) if m.starts_with("not run:") && m["not run:".len()..].split_whitespace().count() < 5 => {
                problems.push(format!("README.md:{}: `{m}`: say why it is not run", b.line));
            }
            Some(_) => {}
        }
    }
    problems
}

fn readme_blocks() -> Vec<Block> {
    command_blocks(&std::fs::read_to_string(root().join("README.md")).unwrap())
}

/// The body of the README's one block of marker kind `kind`.
fn block(kind: &str) -> String {
    let blocks = readme_blocks();
    let found: Vec<&Block> =
        blocks.iter().filter(|b| b.marker.as_deref().is_some_and(|m| m.starts_with(kind))).collect();
    assert_eq!(found.len(), 1, "one README block marked `{kind}`: {blocks:#?}");
    found[0].body.clone()
}

/// The commands of a block: its lines without comments and blank lines.
fn commands(body: &str) -> Vec<String> {
    body.lines()
        .map(|l| l.split(" # ").next().unwrap().trim().to_owned())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Shell words, for the simple lines of the README (double quotes, no escapes).
fn words(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[test]
fn every_command_block_is_run_by_a_test_or_marked() {
    let blocks = readme_blocks();
    assert!(blocks.len() >= 6, "{blocks:#?}");
    let problems = marker_problems(&blocks);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for kind in &KINDS[..4] {
        block(kind);
    }
}

#[test]
fn a_new_unmarked_or_unjustified_block_fails_the_marker_check() {
    let md = "Intro.\n\n<!-- readme.rs: rehearsal -->\n```sh\nfiredrill demo\n```\n\n  ```sh\n  firedrill status\n  ```\n\n\
              <!-- readme.rs: not run: too slow -->\n```console\n$ x\n```\n\n<!-- readme.rs: made-up -->\n```bash\ny\n```\n\n\
              ```yaml\nnot: a command block\n```\n";
    let blocks = command_blocks(md);
    assert_eq!(blocks.len(), 4, "{blocks:#?}");
    assert_eq!(blocks[1].body, "firedrill status", "an indented block is read without its indentation");
    let problems = marker_problems(&blocks);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems[0].starts_with("README.md:8: a command block without"), "{problems:#?}");
    assert!(problems[1].contains("say why"), "{problems:#?}");
    assert!(problems[2].contains("unknown marker `made-up`"), "{problems:#?}");
}

#[test]
fn the_two_commands_are_the_demo_and_the_test_command_ci_runs() {
    let cmds = commands(&block("demo-and-tests"));
    assert_eq!(cmds.len(), 2, "{cmds:?}");
    // The demo, as written, through the binary under test (`cargo run --release --` builds the same binary); its
    // folder goes to a fresh temporary one instead of the shared /tmp/drill, which other checkouts' tests use.
    let demo = words(&cmds[0]);
    let args = demo.strip_prefix(["cargo", "run", "--release", "--"].map(String::from).as_slice()).expect("cargo run");
    assert_eq!(args, ["demo", "--out", "/tmp/drill"], "{demo:?}");
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("drill");
    let (code, out, err) = run(firedrill().args(["demo", "--out"]).arg(&out_dir));
    assert_eq!(code, 0, "the demo failed:\n{out}\n{err}");
    assert!(out.contains("Time to recovery: 1 h 18 min (revert)"), "{out}");
    assert!(out_dir.join("report.md").is_file(), "{out}");
    // The test command is what CI runs (plus `--locked --no-fail-fast`), and so the one running this test.
    assert_eq!(cmds[1], "cargo nextest run --workspace");
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(ci.contains("cargo nextest run --workspace --locked --no-fail-fast"), "{ci}");
}

#[test]
fn the_blocks_not_run_name_what_exists() {
    let blocks = readme_blocks();
    let not_run: Vec<&Block> =
        blocks.iter().filter(|b| b.marker.as_deref().is_some_and(|m| m.starts_with("not run:"))).collect();
    assert_eq!(not_run.len(), 2, "{not_run:#?}");
    let version = {
        let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
        let line = manifest.lines().find(|l| l.starts_with("version = ")).unwrap().to_owned();
        line.trim_start_matches("version = ").trim_matches('"').to_owned()
    };
    for b in not_run {
        for cmd in commands(&b.body) {
            let w = words(&cmd);
            match w.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                ["cargo", "install", "cargo-nextest", "--locked"] => {}
                ["cargo", "install", "--path", path, "--locked"] => {
                    assert!(root().join(path).join("Cargo.toml").is_file(), "no crate at {path}: {cmd}");
                }
                ["docker", "run", "--rm", .., image, "validate", "scenarios"] => {
                    assert_eq!(*image, format!("ghcr.io/OWNER/firedrill:v{version}"), "the release image: {cmd}");
                }
                _ => panic!("a command the README does not run and this test does not know: {cmd}"),
            }
        }
    }
}

#[test]
fn the_commands_for_github_are_the_ones_the_rehearsal_runs() {
    let rehearsal = commands(&block("rehearsal"));
    let on_github = commands(&block("on-github"));
    assert!(on_github.len() >= 5, "{on_github:?}");
    // The rehearsal's line, without what points it at the emulator instead of github.com.
    let as_on_github = |line: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut w = words(line).into_iter();
        while let Some(x) = w.next() {
            if x == "--api-url" || x == "--identity" {
                w.next();
            } else {
                out.push(x);
            }
        }
        out
    };
    for cmd in &on_github {
        if let Some(token) = cmd.strip_prefix("export FIREDRILL_TOKEN=") {
            assert!(token.starts_with("github_pat_"), "{cmd}");
            assert!(rehearsal.iter().any(|l| l.starts_with("export FIREDRILL_TOKEN=github_pat_")), "{rehearsal:?}");
            continue;
        }
        assert!(cmd.starts_with("firedrill "), "{cmd}");
        assert!(
            rehearsal.iter().any(|l| as_on_github(l) == words(cmd)),
            "the rehearsal does not run `{cmd}`:\n{}",
            rehearsal.join("\n")
        );
    }
}

#[test]
fn the_dispatch_names_the_example_workflow_and_its_inputs() {
    let cmds = commands(&block("dispatch"));
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    let w = words(&cmds[0]);
    assert_eq!(w[..3], ["gh", "workflow", "run"], "{w:?}");
    let file = root().join("examples/workflows").join(&w[3]);
    let workflow: serde_norway::Value = serde_norway::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let inputs = &workflow["on"]["workflow_dispatch"]["inputs"];
    let mut rest = w[4..].iter();
    let mut seen = Vec::new();
    while let Some(flag) = rest.next() {
        let value = rest.next().unwrap_or_else(|| panic!("{flag} without a value: {w:?}"));
        match flag.as_str() {
            "-R" => assert!(value.contains('/'), "{value}"),
            "-f" => {
                let (key, v) = value.split_once('=').unwrap();
                let input = &inputs[key];
                assert!(input.is_mapping(), "{key} is not an input of {}", file.display());
                if let Some(options) = input["options"].as_sequence() {
                    assert!(options.iter().any(|o| o.as_str() == Some(v)), "{key}={v}: not one of {options:?}");
                }
                if key == "scenario" {
                    assert!(root().join("scenarios").join(format!("{v}.yaml")).is_file(), "no scenario {v}");
                }
                seen.push(key.to_owned());
            }
            _ => panic!("unknown flag {flag}"),
        }
    }
    assert_eq!(seen, ["scenario", "mode"]);
}

/// The `github-emulator` binary beside this test's `firedrill`, built or found up to date by cargo (a binary left
/// from an older checkout would answer with an older emulator). `cargo test --workspace --no-run` is what nextest
/// built the suite with (the emulator's own `tests/binary.rs` makes it build the real binary), so after
/// `cargo nextest run --workspace` it finds everything fresh and does nothing; `cargo build -p github-emulator`
/// would resolve the dependencies' features for that package alone and rebuild them. Cargo runs this test with
/// the package's variables set (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`...); a build script that watches one (ring's)
/// would see it changed and rebuild half the dependencies, so the child cargo runs without them.
pub(crate) fn emulator_binary() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_BIN_EXE_firedrill")).parent().unwrap().to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut build = Command::new(cargo);
    build.args(["test", "--workspace", "--no-run", "--quiet"]).current_dir(root());
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_by_cargo_for_a_crate =
            ["CARGO_PKG_", "CARGO_BIN_", "CARGO_CRATE_", "CARGO_MANIFEST_", "CARGO_PRIMARY_"]
                .iter()
                .any(|p| name.starts_with(p))
                || name == "CARGO_TARGET_TMPDIR"
                || name == "OUT_DIR";
        if set_by_cargo_for_a_crate {
            build.env_remove(&*name);
        }
    }
    let (code, out, err) = run(&mut build);
    assert_eq!(code, 0, "building the workspace's tests and github-emulator:\n{out}\n{err}");
    dir.join("github-emulator")
}

#[test]
fn the_quick_start_rehearsal_reaches_a_green_doctor_then_a_merged_drill_and_its_report() {
    let block = block("rehearsal");
    // `firedrill` and `github-emulator` on PATH, as `cargo install` would put them.
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_firedrill"), bin.path().join("firedrill")).unwrap();
    std::os::unix::fs::symlink(emulator_binary(), bin.path().join("github-emulator")).unwrap();
    let mut cmd = crate::common::TestEnv::shared().command("bash");
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
    cmd.args(["-euo", "pipefail", "-c", &block]).env("PATH", path);
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 0, "the README's block failed:\n{out}\n{err}");

    // validate, then preview: the drill's diff from the clone of the target, and nothing written.
    assert!(out.contains("1 scenario valid"), "{out}");
    assert!(out.contains("+  SERVICE__REDIS__CONNECTION_POOL__SIZE: \"0\""), "{out}");
    assert!(out.contains("Nothing was written."), "{out}");
    // The doctor table: every check ok, then the verdict.
    let table: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("CHECK")).skip(1).collect();
    let verdict = table.iter().position(|l| *l == "Ready for the first drill.").unwrap_or_else(|| panic!("{out}"));
    assert!(verdict >= 7, "{out}");
    for row in &table[..verdict] {
        let status = row.split("  ").map(str::trim).find(|c| !c.is_empty() && *c != row.split("  ").next().unwrap());
        assert_eq!(status, Some("ok"), "a check is not green: {row}\n{out}");
    }
    // The first drill, dry: what it would open, and nothing written.
    assert!(out.contains("dry run"), "{out}");
    assert!(out.contains("chore/tune-redis-pool-"), "{out}");
    // Step 6 through the Action's local recipe, as a runner runs it: the preview reads acme/shop through the API
    // (the two-repository layout), the manual run opens the drill and does not merge it at once, a scheduled
    // run merges it, and the one after Ana's revert records the recovery and writes the report.
    assert!(out.contains("read from the API of acme/shop at `main`"), "{out}");
    let run = out.rsplit("firedrill start redis-pool-exhaustion at ").next().unwrap();
    let (opening, later) = run.split_once("firedrill tick at ").unwrap_or_else(|| panic!("{out}"));
    assert!(opening.contains("planned by hand") && opening.contains("opened `chore/tune-redis-pool-"), "{opening}");
    assert!(!opening.contains("merged into main"), "merged at the instant it opened:\n{opening}");
    let (merge, recovery) = later.split_once("firedrill tick at ").unwrap_or_else(|| panic!("{out}"));
    assert!(merge.contains("merged into main"), "{merge}");
    assert!(recovery.contains("time to recovery 40 min"), "{recovery}");
    // The job summaries are files the recipe names; the last one holds the drill's report.
    let summaries: Vec<&str> =
        err.lines().filter_map(|l| l.strip_prefix("job summary (GITHUB_STEP_SUMMARY): ")).collect();
    assert_eq!(summaries.len(), 4, "{err}");
    let preview = std::fs::read_to_string(summaries[0]).unwrap();
    assert!(preview.starts_with("### firedrill preview redis-pool-exhaustion at "), "{preview}");
    let last = std::fs::read_to_string(summaries[3]).unwrap();
    assert!(last.contains("state` | recovered") && last.contains("report-path"), "{last}");
    // `firedrill report` prints it from the ledger.
    let report = out.rsplit("firedrill tick at ").next().unwrap();
    assert!(report.contains("40 min"), "{report}");
    assert!(!out.contains("github_pat_rehearsal") && !err.contains("github_pat_rehearsal"), "the token leaked");
}
