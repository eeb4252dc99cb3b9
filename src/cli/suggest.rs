//! `firedrill suggest PATH...`: faults proposed from a GitOps repository, ranked, each a ready scenario.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use super::Outcome;
use crate::propose::{self, Options, Proposal, render};
use crate::repo::{Source, walk};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The repository to read: a checkout or a plain folder (its root: scenario paths are relative to it).
    /// Several repositories may be given; their scenarios then name theirs in `target.repo`.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The most suggestions to give, best first.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Write each suggestion as a scenario file `<id>.yaml` in this folder (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// What to print on stdout: a Markdown listing, the scenarios as a YAML stream, or JSON for tools.
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    /// Read production-looking paths too (they are left out, and listed, otherwise).
    #[arg(long)]
    pub allow_production: bool,
    /// The branch the scenarios target (and where a bare repository is read). Default: the repository's
    /// default branch (a clone's `origin/HEAD`, else the branch `HEAD` names), `main` for a plain folder.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Write the suggestions of one family on one file as one scenario with `variants:`.
    #[arg(long)]
    pub variants: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Yaml,
    Json,
    Md,
}

#[allow(clippy::print_stderr)]
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    // The first repository's branch, for the JSON listing's top-level `branch`.
    let mut first_branch: Option<String> = None;
    // STEP 1: every repository is read and ranked on its own; the best of all are kept.
    let several = args.paths.len() > 1;
    let mut proposal = Proposal::default();
    let mut repos: Vec<Option<String>> = Vec::new();
    let mut branches: Vec<String> = Vec::new();
    for path in &args.paths {
        let repository = Source::open(path).ok();
        // Each repository's scenarios target its own default branch (where GitOps tools deploy from: Argo CD's
        // `HEAD`, Flux's default), unless --branch names one.
        let branch = args
            .branch
            .clone()
            .or_else(|| repository.as_ref().and_then(Source::target_branch))
            .unwrap_or_else(|| "main".to_owned());
        first_branch.get_or_insert_with(|| branch.clone());
        let options = Options {
            limit: args.limit,
            allow_production: args.allow_production,
            branch: branch.clone(),
            default_branch: repository.as_ref().and_then(Source::default_branch),
            ..Options::default()
        };
        if !path.is_dir() {
            eprintln!("error: `{}` is not a folder: pass the root of a repository checkout", path.display());
            return Ok(Outcome::Invalid);
        }
        let source = match Source::open_checkout(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(Outcome::Invalid);
            }
        };
        let read = walk::read_config(&source, &branch, args.allow_production)
            .with_context(|| format!("listing the files of {}", path.display()))?;
        let found = propose::propose_with(&read.files, &read.context, &options);
        let shown = |u: propose::Unread| propose::Unread {
            path: if several { format!("{}/{}", path.display(), u.path) } else { u.path },
            why: u.why,
        };
        proposal.files_read += read.files.len();
        proposal.unread.extend(read.unread.into_iter().map(shown));
        proposal.production.extend(read.production.into_iter().map(shown));
        proposal.not_config.extend(read.not_config.into_iter().map(shown));
        proposal.dropped.extend(found.dropped.into_iter().map(shown));
        proposal.not_breaking.extend(found.not_breaking.into_iter().map(shown));
        proposal.production.extend(found.production.into_iter().map(shown));
        let repo = several.then(|| path.display().to_string());
        for s in found.suggestions {
            proposal.suggestions.push(s);
            repos.push(repo.clone());
            branches.push(branch.clone());
        }
    }
    // One repository keeps its own ranking; several are ranked together by score, with the same diversity.
    let repo_of: std::collections::HashMap<String, Option<String>> =
        proposal.suggestions.iter().zip(&repos).map(|(s, r)| (s.id.clone(), r.clone())).collect();
    let branch_by_id: std::collections::HashMap<String, String> =
        proposal.suggestions.iter().zip(&branches).map(|(s, b)| (s.id.clone(), b.clone())).collect();
    if several {
        proposal.suggestions = propose::rank(std::mem::take(&mut proposal.suggestions), args.limit);
    }
    let mut scenario_texts = Vec::new();
    let mut repos_by_id: std::collections::HashMap<String, Option<String>> = std::collections::HashMap::new();
    let first_branch = first_branch.unwrap_or_else(|| "main".to_owned());
    let mut kept_branches = Vec::new();
    for s in &proposal.suggestions {
        let repo = repo_of.get(&s.id).cloned().flatten();
        let branch = branch_by_id.get(&s.id).cloned().unwrap_or_else(|| first_branch.clone());
        scenario_texts.push(with_repo(render::scenario(s, &branch), repo.as_deref()));
        repos_by_id.insert(s.id.clone(), repo);
        kept_branches.push(branch);
    }

    let mut names: Vec<String> = proposal.suggestions.iter().map(render::file_name).collect();
    if args.variants {
        (names, scenario_texts) =
            grouped(&proposal.suggestions, &scenario_texts, &repos_of(&proposal, &repos_by_id), &kept_branches);
    }

    // STEP 2: what was not read is said, never skipped silently.
    for u in &proposal.unread {
        eprintln!("note: not read: {}: {}", u.path, u.why);
    }
    for u in &proposal.production {
        eprintln!("note: left out: {}: {}", u.path, u.why);
    }
    for u in &proposal.not_config {
        eprintln!("note: not configuration: {}: {}", u.path, u.why);
    }
    if !proposal.not_breaking.is_empty() {
        eprintln!(
            "note: {} candidate(s) not proposed: nothing shows they break something that runs (listed with why)",
            proposal.not_breaking.len()
        );
    }

    // STEP 3: the scenario files.
    let out_dir = args.out.as_ref().map(|d| d.display().to_string());
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (name, text) in names.iter().zip(&scenario_texts) {
            let file = dir.join(name);
            std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
        }
        eprintln!("wrote {} scenario file(s) to {}", scenario_texts.len(), dir.display());
    }

    // STEP 4: the listing.
    let text = match args.format {
        Format::Md => render::markdown(&proposal, out_dir.as_deref()),
        Format::Yaml => scenario_texts.join("---\n"),
        Format::Json => {
            let mut v = render::json(&proposal, &first_branch);
            // The scenario of each suggestion (with `--variants`, the grouped files are the ones written).
            if let Some(list) = v.get_mut("suggestions").and_then(serde_json::Value::as_array_mut)
                && !args.variants
            {
                for (item, text) in list.iter_mut().zip(&scenario_texts) {
                    item["scenario"] = serde_json::Value::String(text.clone());
                }
            }
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
    };
    std::io::stdout().lock().write_all(text.as_bytes()).context("writing to stdout")?;
    Ok(Outcome::Ok)
}

/// A scenario of one of several repositories names it in `target.repo`.
fn with_repo(text: String, repo: Option<&str>) -> String {
    match repo {
        Some(r) => text.replacen("target:\n", &format!("target:\n  repo: {}\n", serde_json::json!(r)), 1),
        None => text,
    }
}

fn repos_of(p: &Proposal, by_id: &std::collections::HashMap<String, Option<String>>) -> Vec<Option<String>> {
    p.suggestions.iter().map(|s| by_id.get(&s.id).cloned().flatten()).collect()
}

/// `--variants`: the suggestions of one family on one file (and document) become one scenario with
/// `variants:`, placed at the rank of its best; a suggestion alone keeps its own scenario.
fn grouped(
    suggestions: &[propose::Suggestion],
    texts: &[String],
    repos: &[Option<String>],
    branches: &[String],
) -> (Vec<String>, Vec<String>) {
    let key = |i: usize| {
        let s = &suggestions[i];
        (repos[i].clone(), s.file.clone(), s.selector.as_ref().map(ToString::to_string), s.family)
    };
    let (mut names, mut out) = (Vec::new(), Vec::new());
    let mut done = std::collections::HashSet::new();
    for i in 0..suggestions.len() {
        if !done.insert(key(i)) {
            continue;
        }
        let members: Vec<usize> = (i..suggestions.len()).filter(|&j| key(j) == key(i)).collect();
        if members.len() < 2 {
            names.push(render::file_name(&suggestions[i]));
            out.push(texts[i].clone());
            continue;
        }
        let group: Vec<&propose::Suggestion> = members.iter().map(|&j| &suggestions[j]).collect();
        let (id, text) = render::variants_scenario(&group, &branches[i]);
        names.push(format!("{id}.yaml"));
        out.push(with_repo(text, repos[i].as_deref()));
    }
    (names, out)
}
