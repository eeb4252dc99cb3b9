//! `firedrill patch FILE --patch PATCH.json`: try a fault on one file, print the result or a diff.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;

use super::{CliError, CliResult};
use crate::patch::{self, DocumentSelector, Format};
use crate::render;
use crate::repo;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to edit (it is only read; the result goes to stdout).
    pub file: PathBuf,
    /// An RFC 6902 JSON Patch: a file holding a JSON array of operations, or `-` for stdin.
    #[arg(long, short = 'p', value_name = "PATCH.json")]
    pub patch: PathBuf,
    /// The file's format; inferred from its extension when absent.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["yaml", "json", "toml", "env", "text"]))]
    pub format: Option<String>,
    /// For multi-document YAML: the document to edit, by 0-based index or `Kind/name`. Followed by
    /// `#/pointer` (or alone, `#/spec/source/helm/values`): the JSON or YAML document held in that string;
    /// `#/pointer` again (`#/data/service.yaml#/body`): the document held in a string of that one.
    #[arg(long, value_name = "SEL")]
    pub document: Option<String>,
    /// Edit a YAML value whose anchor (`&name`) aliases share: every alias then reads the new value too.
    #[arg(long)]
    pub allow_shared_anchor: bool,
    /// Print a unified diff instead of the edited file.
    #[arg(long)]
    pub diff: bool,
}

fn usage(msg: impl std::fmt::Display) -> CliResult {
    Err(CliError::usage(msg))
}

pub fn run(args: Args) -> CliResult {
    let shown = args.file.display().to_string();
    let text = match repo::read_named(&args.file) {
        Ok(t) => t,
        Err(e) => return usage(format_args!("cannot read {shown}: {e}")),
    };
    let patch_text = if args.patch.as_os_str() == "-" {
        let mut s = String::new();
        let limit = repo::MAX_FILE_BYTES;
        std::io::stdin().take(limit + 1).read_to_string(&mut s).context("reading the patch from stdin")?;
        if s.len() as u64 > limit {
            return usage(format_args!("the patch on stdin is more than the {limit} bytes firedrill reads"));
        }
        s
    } else {
        match repo::read_named(&args.patch) {
            Ok(t) => t,
            Err(e) => return usage(format_args!("cannot read the patch {}: {e}", args.patch.display())),
        }
    };
    let format = match &args.format {
        Some(f) => f.parse::<Format>().map_err(CliError::invalid)?,
        None => Format::infer(&args.file),
    };
    let document = match args.document.as_deref().map(str::parse::<DocumentSelector>).transpose() {
        Ok(d) => d,
        Err(e) => return usage(e),
    };
    let result = patch::parse_patch(&patch_text)
        .map_err(|e| render::patch_error(&args.patch.display().to_string(), &worded(e)))
        .and_then(|p| {
            let options = patch::Options { allow_shared_anchor: args.allow_shared_anchor };
            patch::apply_with(format, &text, &p, document.as_ref(), options)
                .map_err(|e| render::patch_error(&shown, &worded(e)))
        });
    let edited = match result {
        Ok(e) => e,
        Err(msg) => return Err(CliError::invalid(msg)),
    };
    // `a/PATH` and `b/PATH` as git writes them: an absolute path loses its leading `/` (never `a//abs`).
    let out = if args.diff { render::diff::unified(shown.trim_start_matches('/'), &text, &edited) } else { edited };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes()).context("writing to stdout")?;
    stdout.flush().context("writing to stdout")?;
    Ok(())
}

/// A patch error whose hint speaks of this command (the patch, `--document`), not of a scenario's fields: the
/// engine's hints are worded for scenarios, where most patches come from.
fn worded(mut e: patch::PatchError) -> patch::PatchError {
    const WORDS: [(&str, &str); 8] = [
        (
            "`allow_shared_anchor: true` in the scenario's `target` (`--allow-shared-anchor` with `firedrill patch`)",
            "`--allow-shared-anchor`",
        ),
        (
            "remove `embedded` and write the fault's paths",
            "drop the `#/…` part of `--document` and write the patch's paths",
        ),
        ("`embedded` names", "the `#/…` part of `--document` names"),
        ("`embedded` is the JSON pointer", "the `#/…` part of `--document` is the JSON pointer"),
        ("split a larger edit across scenarios", "split a larger edit into several patches"),
        ("the scenario expects", "the patch expects"),
        ("the fault's", "the patch's"),
        ("the scenario", "the patch"),
    ];
    e.hint = e.hint.map(|h| WORDS.iter().fold(h, |h, (from, to)| h.replace(from, to)));
    e
}
