//! The text of `firedrill preview`: what a drill would write and when, before anything is written.

use std::fmt::Write as _;

use crate::deployers::{self, Findings};
use crate::disguise::Author;
use crate::drill::prepare::Draft;
use crate::kustomize::Affected;
use crate::reach::{Class, Reach};
use crate::scenario::{Environments, Scenario};
use crate::schedule::format_instant;

use super::diff;

/// Renders a preview of `draft` for `scenario`; `source` describes where the target files were read.
pub fn render(scenario: &Scenario, draft: &Draft, source: &str) -> String {
    with_overlays(scenario, draft, source, None)
}

/// [`render`], plus the Kustomize overlays the target file reaches: `None` when the repository holds no
/// kustomization (nothing is said), an empty list when none of them references the file.
pub fn with_overlays(scenario: &Scenario, draft: &Draft, source: &str, overlays: Option<&[Affected]>) -> String {
    with_sections(scenario, draft, source, overlays, None, None)
}

/// [`with_overlays`], plus what deploys the target file (the text of [`deployed_by`]) when it was looked for.
pub fn with_sections(
    scenario: &Scenario,
    draft: &Draft,
    source: &str,
    overlays: Option<&[Affected]>,
    deployed_by: Option<&str>,
    reach: Option<&str>,
) -> String {
    let mut o = String::new();
    let t = &scenario.target;
    let _ = writeln!(o, "Scenario  {} — {}", scenario.id.as_str(), scenario.title);
    if let Some(v) = &scenario.running_variant {
        let _ = writeln!(o, "Variant   {} (of {}: the one the next drill's id picks)", v.name, v.among.join(", "));
    }
    let repo = t.repo.as_ref().map_or_else(|| "this repository".to_owned(), |r| r.as_str().to_owned());
    let _ = writeln!(o, "Target    {} @ {} in {repo} (read from the {source})", t.path.as_str(), t.branch.as_str());
    if let Some(doc) = &t.document {
        let _ = writeln!(o, "Document  {}", doc.to_selector());
    }
    if let Some(at) = &t.embedded {
        let _ = writeln!(
            o,
            "Embedded  the YAML document in the string at {} (the fault's paths are inside it)",
            at.as_str()
        );
    }
    match overlays {
        None => {}
        Some([]) => {
            let _ = writeln!(o, "Affects   no kustomization in the repository references this file");
        }
        Some(list) => {
            for (i, a) in list.iter().enumerate() {
                let _ = writeln!(o, "{}{}", if i == 0 { "Affects   " } else { "          " }, overlay(a));
            }
        }
    }
    let _ = writeln!(o);

    let _ =
        writeln!(o, "── The commit ({} file{}) ──", draft.edits.len(), if draft.edits.len() == 1 { "" } else { "s" });
    for e in &draft.edits {
        let d = diff::unified(&e.path, &e.before, &e.after);
        if d.is_empty() {
            let _ = writeln!(o, "(no change to {})", e.path);
        } else {
            o.push_str(&d);
        }
    }
    let _ = writeln!(o);

    let d = &draft.disguise;
    let _ = writeln!(o, "── The pull request ──");
    let _ = writeln!(o, "Branch    {}", d.branch);
    let _ = writeln!(o, "Author    {}", author(&d.author));
    let _ = writeln!(o, "Commit    {}", indent_rest(&d.commit_message, 10));
    let _ = writeln!(o, "Title     {}", d.pr_title);
    let _ = writeln!(o, "Body");
    for line in d.pr_body.lines() {
        let _ = writeln!(o, "  │ {line}");
    }
    let _ = writeln!(o);

    if let Some(section) = deployed_by {
        let _ = writeln!(o, "── Deployed by ──");
        o.push_str(section);
    }
    let signals: Vec<String> = scenario.deploy_signals().iter().map(|g| g.describe()).collect();
    if signals.is_empty() {
        let _ = writeln!(
            o,
            "Live      not observed: no deploy signal (`deploy.signals`), so the report has no fault live, fix live \
             or time to restore service"
        );
    } else {
        let _ = writeln!(
            o,
            "Live      asked of {} (GitHub); the fix's deploy is watched for {} after the removal",
            signals.join(", "),
            scenario.deploy.watch().as_str()
        );
    }
    let _ = writeln!(o);
    if let Some(section) = reach {
        let _ = writeln!(o, "── Where it lands ──");
        o.push_str(section);
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "── When ──");
    let _ = writeln!(o, "Drill id  {}", draft.drill_id);
    match (&draft.plan, &scenario.schedule) {
        (Some(p), Some(s)) => {
            let opened = if s.open_before().is_zero() {
                "opened at the merge".to_owned()
            } else {
                format!("opened {} before", s.open_before().as_str())
            };
            let _ = writeln!(
                o,
                "Schedule  `{}` in {}, merge window {}, {opened}",
                s.cron.as_str(),
                p.zone.name(),
                s.window().as_str()
            );
            let _ = writeln!(o, "Occurs    {}", format_instant(p.occurrence, &p.zone));
            let _ = writeln!(o, "Opens     {}", format_instant(p.open_at, &p.zone));
            let _ = writeln!(o, "Merges    {}", format_instant(p.merge_at, &p.zone));
            let safety = &scenario.safety;
            let limit = p.merge_at.checked_add(safety.max_duration().to_signed()).unwrap_or(p.merge_at);
            let action =
                if safety.auto_revert() { "reverted by firedrill" } else { "reported as timed out (no auto-revert)" };
            let _ = writeln!(o, "Deadline  {} — {action} if not recovered", format_instant(limit, &p.zone));
        }
        _ => {
            let _ = writeln!(
                o,
                "Schedule  none: this drill runs only when started by hand (`firedrill start {}`)",
                scenario.id.as_str()
            );
            let open_for = scenario.merge.open_for();
            let merges = if open_for.is_zero() {
                "Merges    at the opening (`merge.open_for: 0m`)".to_owned()
            } else {
                format!(
                    "Merges    {} after it opens (`merge.open_for`), once its required checks pass",
                    crate::drill::state::human_duration(open_for.to_signed())
                )
            };
            let _ = writeln!(o, "Opens     when started\n{merges}");
        }
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "Nothing was written.");
    o
}

/// What deploys the target: one line per deployer that covers it; else the warning, then why each deployer
/// found does not; then the files that could not be read as deployers, and the bound on reading.
pub fn deployed_by(found: &Findings, target: &deployers::Target<'_>) -> String {
    let mut o = String::new();
    for d in found.covering() {
        let _ = writeln!(o, "{}: {}", d.file, d.why);
    }
    if let Some(w) = found.warning(target) {
        let _ = writeln!(o, "warning: {w}");
        if found.deployers.is_empty() {
            let _ = writeln!(o, "  (no workflow on push, Argo CD Application or Flux Kustomization/HelmRelease found)");
        }
        for d in &found.deployers {
            let _ = writeln!(o, "  {}: {}", d.file, d.why);
        }
    }
    for p in &found.problems {
        let _ = writeln!(o, "not read: {p}");
    }
    if let Some(l) = found.limits() {
        let _ = writeln!(o, "note: {l}");
    }
    o
}

/// Every environment the target reaches, as a tree: the environment, its kind and the name that says so, then
/// the chain from the target outwards; spared routes say why; then the warnings.
pub fn reach(r: &Reach, environments: &Environments, allow_production: bool) -> String {
    let mut o = String::new();
    if let Some(w) = r.unproven() {
        let _ = writeln!(o, "warning: {w}");
    }
    for route in &r.routes {
        let name = match route.decided_by(environments) {
            Some(n) => format!("`{}`, {}", n.value, n.from),
            None if route.names.is_empty() => "no name declared".to_owned(),
            None => {
                let names: Vec<String> = route.names.iter().map(|n| format!("`{}`", n.value)).collect();
                format!("named {}: none says which environment", names.join(", "))
            }
        };
        let verdict = match (&route.spared, route.class) {
            (Some(why), _) => format!(" — not reached by the fault: {why}"),
            (None, Class::Production) if allow_production => " — allowed by `allow_production: true`".to_owned(),
            (None, Class::Production) => " — REFUSED: production".to_owned(),
            (None, Class::Unknown) => " — warning: name it under `environments:` in firedrill.yml".to_owned(),
            (None, _) => String::new(),
        };
        let _ = writeln!(o, "{} ({name}){verdict}", route.class.word());
        let _ = writeln!(o, "    {}", r.target);
        for link in &route.chain {
            let _ = writeln!(o, "    ← {link}");
        }
    }
    for w in &r.unknown {
        let _ = writeln!(o, "warning: {w}");
    }
    o
}

/// `overlays/staging (via overlays/staging/kustomization.yaml resources: ../../base → …)`.
fn overlay(a: &Affected) -> String {
    let name = if a.overlay.is_empty() { "the repository root" } else { a.overlay.as_str() };
    if a.via.is_empty() {
        return format!("{name} (the file is its kustomization)");
    }
    format!("{name} (via {})", crate::kustomize::via(&a.via))
}

fn author(a: &Author) -> String {
    match a {
        Author::TokenOwner => "the owner of the drill token (no `disguise.author` set)".to_owned(),
        Author::Explicit { name, email } => format!("{name} <{email}>"),
    }
}

/// Indents every line after the first by `n` spaces, so multi-line messages line up in the preview.
fn indent_rest(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .enumerate()
        .map(|(i, l)| if i == 0 || l.is_empty() { l.to_owned() } else { format!("{pad}{l}") })
        .collect::<Vec<_>>()
        .join("\n")
}
