//! `firedrill doctor`: is everything ready for the first drill? A readiness table, checked before any write.

use std::io::Write;

use anyhow::Context;
use jiff::SignedDuration;

use super::lifecycle::{At, Common, runtime};
use super::{CliError, CliResult, Kind};
use crate::drill::{due, guard, prepare, step};
use crate::forge::Forge;
use crate::forge::any::AnyForge;
use crate::git::MergeMethod;
use crate::scenario::Enabled;

#[derive(Debug, clap::Args)]
#[command(mut_arg("now", |a| a.help("The instant to plan from (RFC 3339); default: now")))]
pub struct Args {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub at: At,
}

/// GitHub disables scheduled workflows of public repositories after this long without activity.
const SCHEDULE_PAUSE: SignedDuration = SignedDuration::from_hours(60 * 24);

use crate::render::doctor::{Row, Status};

/// What kind of token this is, from GitHub's documented prefixes.
fn token_kind(token: &str) -> (&'static str, Status) {
    match token.get(..4) {
        _ if token.starts_with("github_pat_") => ("fine-grained personal access token", Status::Ok),
        Some("ghp_") => ("classic personal access token", Status::Ok),
        Some("ghs_") => ("GitHub App installation token (or the workflow's GITHUB_TOKEN)", Status::Ok),
        Some("gho_") => ("OAuth token", Status::Ok),
        // Not one of GitHub's documented prefixes (an older or an Enterprise token): GitHub accepted it, since a
        // rejected token is said before this.
        _ => ("a token without one of GitHub's documented prefixes", Status::Ok),
    }
}

pub fn run(args: Args) -> CliResult {
    let setup = args.common.setup("doctor", true)?;
    let now = args.at.now();
    let rt = runtime()?;
    let mut rows = Vec::new();
    let mut row = |check: String, status: Status, detail: String| rows.push(Row { check, status, detail });

    // The token: which kind, and whether it is the workflow's own (merges with it start no workflow).
    match std::env::var("FIREDRILL_TOKEN").ok().filter(|t| !t.is_empty()) {
        None => row(
            "token".into(),
            Status::Warn,
            "FIREDRILL_TOKEN is not set: only unauthenticated git remotes work".into(),
        ),
        Some(t) => {
            // A token GitHub rejects explains every later failure: it is the first and only row.
            let github = setup.forges.by_repo.values().find_map(|f| match f {
                AnyForge::GitHub(g) => Some(g),
                _ => None,
            });
            if let Some(g) = github
                && let Ok(Some(message)) = rt.block_on(g.token_rejected())
            {
                let out = crate::render::doctor::table(&[crate::render::doctor::token_rejected(&message)]);
                std::io::stdout().lock().write_all(out.as_bytes()).context("writing to stdout")?;
                return Err(CliError::shown(Kind::Invalid));
            }
            let (kind, status) = token_kind(&t);
            if std::env::var("GITHUB_TOKEN").ok().as_deref() == Some(t.as_str()) {
                row(
                    "token".into(),
                    Status::Warn,
                    "this is the workflow's GITHUB_TOKEN: its merges start no deploy workflow and its pull requests are \
                     authored by github-actions[bot]; give a personal or GitHub App token as drill-token"
                        .into(),
                );
            } else {
                row("token".into(), status, kind.into());
            }
        }
    }
    // A bot's token shows on everything the drill makes: said before the first drill, with the way out.
    let workflow_token = std::env::var("GITHUB_TOKEN").ok();
    if let Some(why) = std::env::var("FIREDRILL_TOKEN")
        .ok()
        .and_then(|t| crate::render::doctor::bot_token(&t, workflow_token.as_deref()))
    {
        row("author".into(), Status::Warn, crate::render::doctor::bot_warning(why));
    }
    // The kill switch: off or abort is said before anything else about drills.
    match setup.config.enabled {
        Enabled::On => row("kill switch".into(), Status::Ok, "drills are on".into()),
        Enabled::Off => row(
            "kill switch".into(),
            Status::Warn,
            format!("drills are switched off by {}: no new drill starts", setup.config.enabled_source()),
        ),
        Enabled::Abort => row(
            "kill switch".into(),
            Status::Warn,
            format!("{}: the next run reverts every active drill", setup.config.enabled_source()),
        ),
    }
    let ledger = rt.block_on(setup.ledger.read());
    match ledger {
        Ok(s) => row("ledger".into(), Status::Ok, format!("{} ({} drill(s))", setup.ledger.describe(), s.logs.len())),
        Err(e) => row("ledger".into(), Status::Fail, format!("{}: {e}", setup.ledger.describe())),
    }

    for s in &setup.scenarios {
        let id = s.id.as_str();
        let key = s.target.repo.as_ref().map(|r| r.as_str().to_owned());
        let Some(forge) = setup.forges.by_repo.get(&key) else { continue };
        let branch = s.target.branch.as_str();
        // What `HEAD` means to Argo CD, from the repository GitHub describes (no request of its own).
        let mut default_branch: Option<String> = None;
        // The limits of firedrill.yml, as `tick` and `start` check them where the fault lands.
        match step::limits(&setup.config, &due::target_of(s), s.target.environment.as_deref()) {
            Some(why) => row(format!("{id}: limits"), Status::Fail, why),
            None => row(format!("{id}: limits"), Status::Ok, "within the limits of firedrill.yml".into()),
        }
        if let AnyForge::GitHub(g) = forge {
            let label = &setup.config.incident_label;
            match rt.block_on(g.open_issue_with_label(label)) {
                Ok(None) => row(format!("{id}: incident"), Status::Ok, format!("no open issue labelled `{label}`")),
                Ok(Some(n)) => row(
                    format!("{id}: incident"),
                    Status::Warn,
                    format!("issue #{n} labelled `{label}` is open in {}: no drill opens or merges", g.describe()),
                ),
                Err(e) => row(format!("{id}: incident"), Status::Warn, format!("could not list issues: {e}")),
            }
            match rt.block_on(g.token_permission()) {
                Ok((login, role)) => {
                    let can_write = matches!(role.as_str(), "admin" | "maintain" | "write");
                    row(
                        format!("{id}: permission"),
                        if can_write { Status::Ok } else { Status::Fail },
                        if can_write {
                            format!("{login} can {role} {}", g.describe())
                        } else {
                            format!("{login} has `{role}` on {}: opening and merging need write", g.describe())
                        },
                    );
                }
                Err(e) => row(
                    format!("{id}: permission"),
                    Status::Warn,
                    format!("could not read the token's permission: {e}"),
                ),
            }
            if setup.settings.actor_from_token && s.disguise.author.is_none() {
                match rt.block_on(g.token_owner()) {
                    Ok(owner) => {
                        row(format!("{id}: identity"), Status::Ok, format!("drill commits are signed by {owner}"))
                    }
                    Err(crate::forge::ForgeError::NoTokenUser(why)) => {
                        row(format!("{id}: identity"), Status::Fail, why)
                    }
                    Err(e) => {
                        row(format!("{id}: identity"), Status::Warn, format!("cannot tell who owns the token: {e}"))
                    }
                }
            }
            match rt.block_on(g.repository()) {
                Ok(repo) => {
                    default_branch = repo["default_branch"].as_str().map(str::to_owned);
                    let (status, text) = merge_method_row(&repo, setup.settings.merge_method, s, &g.describe());
                    row(format!("{id}: merge method"), status, text);
                    if repo["private"].as_bool() == Some(false)
                        && let Ok(Some(plan)) = prepare::plan(s, now)
                        && plan.merge_at.duration_since(now) > SCHEDULE_PAUSE
                    {
                        row(
                            format!("{id}: schedule"),
                            Status::Warn,
                            "the next drill is more than 60 days away and GitHub pauses scheduled workflows of public \
                             repositories after 60 days without activity: re-enable the workflow or run it by hand"
                                .into(),
                        );
                    }
                }
                Err(e) => row(format!("{id}: repository"), Status::Fail, e.to_string()),
            }
            // The guard rails of the target branch: what each does to the merge and to the revert.
            let means = guard::Means { method: setup.settings.merge_method, approver: g.has_approver() };
            match rt.block_on(Forge::guard_rails(g, branch)) {
                Ok(Some(mut rails)) => {
                    // A code owner's review: who owns the drill's file, and whether the approver is one of them.
                    if rails.gate().code_owners && g.has_approver() {
                        rails.owners =
                            rt.block_on(Forge::code_owners(g, branch, s.target.path.as_str())).ok().flatten();
                    }
                    let verdicts = guard::verdicts(&rails, means);
                    if verdicts.is_empty() {
                        row(
                            format!("{id}: guard rails"),
                            Status::Ok,
                            format!("`{branch}` has no branch protection and no ruleset"),
                        );
                    }
                    for v in verdicts {
                        // Rules that cannot be read fail: "Ready" would be a guess, and the merge would find out.
                        let (status, detail) = match (v.blocks, v.unsure) {
                            (guard::Blocks::Unknown, _) => (Status::Fail, format!("cannot be read: {}", v.how)),
                            (_, true) => (Status::Warn, format!("blocks {}: {}", v.blocks.word(), v.how)),
                            (guard::Blocks::Neither, false) => (Status::Ok, format!("blocks neither: {}", v.how)),
                            (b, false) => (Status::Fail, format!("blocks {}: {}", b.word(), v.how)),
                        };
                        row(format!("{id}: {}", v.rule), status, detail);
                    }
                }
                Ok(None) => {}
                Err(e) => row(format!("{id}: guard rails"), Status::Warn, format!("could not read them: {e}")),
            }
        }
        let head = match rt.block_on(forge.branch_head(branch)) {
            Ok(Some(h)) => {
                row(format!("{id}: branch"), Status::Ok, format!("{branch} of {} at {}", forge.describe(), h.short()));
                h
            }
            Ok(None) => {
                row(format!("{id}: branch"), Status::Fail, format!("{branch} does not exist in {}", forge.describe()));
                continue;
            }
            Err(e) => {
                row(format!("{id}: branch"), Status::Fail, format!("{}: {e}", forge.describe()));
                continue;
            }
        };
        let mut files = std::collections::BTreeMap::new();
        for path in std::iter::once(s.target.path.as_str()).chain(s.cover.iter().map(|c| c.file(&s.target).as_str())) {
            if let Ok(Some(text)) = rt.block_on(forge.read_file(&head, path)) {
                files.insert(path.to_owned(), text);
            }
        }
        match prepare::edits(s, |p| {
            files.get(p).cloned().ok_or_else(|| (format!("`{p}` does not exist on {branch}"), None))
        }) {
            Ok(edits) => {
                let changed: usize = edits
                    .iter()
                    .map(|e| {
                        crate::render::diff::unified(&e.path, &e.before, &e.after)
                            .lines()
                            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
                            .count()
                    })
                    .sum();
                row(
                    format!("{id}: fault"),
                    Status::Ok,
                    format!("applies to {}: {changed} line(s) change", s.target.path.as_str()),
                );
            }
            Err(e) => row(format!("{id}: fault"), Status::Fail, e.to_string()),
        }
        for (check, status, detail) in
            deploy_rows(&rt, forge, &head, s, default_branch.as_deref(), &files, &setup.config)
        {
            row(format!("{id}: {check}"), status, detail);
        }
        match prepare::plan(s, now) {
            Ok(Some(plan)) => row(
                format!("{id}: next drill"),
                Status::Ok,
                format!("merges {}", crate::schedule::format_instant(plan.merge_at, &plan.zone)),
            ),
            Ok(None) => row(format!("{id}: next drill"), Status::Ok, "no schedule: started by hand".into()),
            Err(e) => row(format!("{id}: next drill"), Status::Fail, e.to_string()),
        }
        for (check, status, detail) in rt.block_on(super::doctor_observe::rows(s, now)) {
            row(format!("{id}: {check}"), status, detail);
        }
    }

    let out = crate::render::doctor::table(&rows);
    let failed = rows.iter().filter(|r| r.status == Status::Fail).count();
    std::io::stdout().lock().write_all(out.as_bytes()).context("writing to stdout")?;
    if failed > 0 { Err(CliError::shown(Kind::Invalid)) } else { Ok(()) }
}

/// What deploys the target file from its branch ([`crate::deployers`]): `deployed by`, ok naming each deployer
/// that covers it, or a warning (the drill runs, but nobody may see the fault); `deploy files`, a warning per
/// file that could not be read as what it is. On GitHub: one request for the listing (the recursive trees
/// API), then one per file read (at most [`crate::deployers::MAX_READ`]; the target's text is reused).
fn deploy_rows(
    rt: &tokio::runtime::Runtime,
    forge: &AnyForge,
    head: &crate::git::CommitSha,
    s: &crate::scenario::Scenario,
    default_branch: Option<&str>,
    read: &std::collections::BTreeMap<String, String>,
    config: &crate::scenario::Config,
) -> Vec<(&'static str, Status, String)> {
    let t = &s.target;
    let target = crate::deployers::Target {
        path: t.path.as_str(),
        branch: t.branch.as_str(),
        default_branch,
        repo: crate::deployers::github_name(t.repo.as_ref()),
    };
    let (paths, whole) = match rt.block_on(forge.list_files(head)) {
        Ok(Some(listing)) => listing,
        Ok(None) => return Vec::new(),
        Err(e) => return vec![("deployed by", Status::Warn, format!("could not list the files of {}: {e}", t.branch))],
    };
    // Each file is read once for both questions (a request each on GitHub).
    let cache: std::cell::RefCell<std::collections::BTreeMap<String, Option<String>>> =
        std::cell::RefCell::new(read.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect());
    let fetch = |p: &str| -> Option<String> {
        if let Some(known) = cache.borrow().get(p) {
            return known.clone();
        }
        let text = rt.block_on(forge.read_file(head, p)).ok().flatten();
        cache.borrow_mut().insert(p.to_owned(), text.clone());
        text
    };
    let found = crate::deployers::look(&paths, !whole, &target, fetch);
    let keys = crate::reach::fault_keys(s);
    let reach = crate::reach::look(&paths, !whole, target, &keys, &config.environments, fetch);
    let mut rows = reach_rows(&reach, config);
    // Nothing deploys the target: the `deployed by` warning below says so already, and is the cause.
    if found.warning(&target).is_some() && reach.unproven().is_some() {
        rows.retain(|(_, status, detail)| !(*status == Status::Warn && reach.unproven().as_deref() == Some(detail)));
    }
    let limits = found.limits().map(|l| format!(" ({l})")).unwrap_or_default();
    match found.warning(&target) {
        Some(w) => {
            let why: Vec<String> = found.deployers.iter().map(|d| format!("{}: {}", d.file, d.why)).collect();
            let why = if why.is_empty() { String::new() } else { format!(" — found: {}", why.join("; ")) };
            rows.push(("deployed by", Status::Warn, format!("{w}{why}")));
        }
        None => {
            let covering: Vec<String> = found.covering().map(|d| format!("{}: {}", d.file, d.why)).collect();
            rows.push(("deployed by", Status::Ok, format!("{}{limits}", covering.join("; "))));
        }
    }
    rows.extend(found.problems.into_iter().map(|p| ("deploy files", Status::Warn, format!("not read: {p}"))));
    rows
}

/// `reaches`: FAIL when the target reaches production (unless `allow_production`), a warning per environment
/// of unknown kind or mechanism not followed, else OK naming each environment.
fn reach_rows(reach: &crate::reach::Reach, config: &crate::scenario::Config) -> Vec<(&'static str, Status, String)> {
    let envs = &config.environments;
    let mut rows = Vec::new();
    match (reach.production_route(envs), config.allow_production) {
        (Some(what), false) => rows.push(("reaches", Status::Fail, format!("{what}; {}", reach.fix_or_consent()))),
        (Some(what), true) => {
            rows.push(("reaches", Status::Warn, format!("{what}; allowed by `allow_production: true`")));
        }
        (None, _) => {
            let shown: Vec<String> = reach
                .routes
                .iter()
                .map(|r| {
                    let name = r.decided_by(envs).map_or_else(String::new, |n| format!(" `{}`", n.value));
                    let spared =
                        r.spared.as_ref().map_or_else(String::new, |why| format!(" (not by the fault: {why})"));
                    format!("{}{name}{spared}", r.class.word())
                })
                .collect();
            match reach.unproven() {
                Some(w) => rows.push(("reaches", Status::Warn, w)),
                None => rows.push(("reaches", Status::Ok, format!("only {}", shown.join(", ")))),
            }
        }
    }
    rows.extend(reach.warnings().into_iter().map(|w| ("reaches", Status::Warn, w)));
    rows
}

/// The merge method a drill of `s` will use in `repo` (GitHub's `allow_*` settings, shown only to tokens that
/// can push), or why the one given cannot be used.
fn merge_method_row(
    repo: &serde_json::Value,
    given: Option<MergeMethod>,
    s: &crate::scenario::Scenario,
    name: &str,
) -> (Status, String) {
    let field = |m: MergeMethod| match m {
        MergeMethod::Merge => "allow_merge_commit",
        MergeMethod::Squash => "allow_squash_merge",
        MergeMethod::FastForward => "allow_rebase_merge",
    };
    let word = |m: MergeMethod| match m {
        MergeMethod::Merge => "`merge`",
        MergeMethod::Squash => "`squash`",
        MergeMethod::FastForward => "`rebase`",
    };
    let allowed = |m: MergeMethod| repo[field(m)].as_bool();
    if let Some(m) = given {
        return match allowed(m) {
            Some(true) => (Status::Ok, format!("{} is allowed in {name}", word(m))),
            Some(false) => (
                Status::Fail,
                format!(
                    "{name} disables {}: set the Action's `merge-method` input (or --merge-method) to a method it \
                     allows, or leave it empty and firedrill takes the first one allowed",
                    field(m)
                ),
            ),
            None => (Status::Warn, format!("{} given; {name} does not show its merge settings to this token", word(m))),
        };
    }
    let order = MergeMethod::in_turn_from(s.merge.method.map_or(MergeMethod::Merge, |m| m.method()));
    match order.iter().find(|m| allowed(**m) != Some(false)) {
        Some(m) if allowed(*m) == Some(true) => (
            Status::Ok,
            format!("drills are merged with {}: the first of merge, squash, rebase that {name} allows", word(*m)),
        ),
        Some(_) => (
            Status::Ok,
            format!(
                "{name} does not show its merge settings to this token: firedrill tries merge, squash, fast-forward in turn"
            ),
        ),
        None => (Status::Fail, format!("{name} allows no merge method")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_kinds_follow_githubs_prefixes() {
        assert_eq!(token_kind("github_pat_11AB").0, "fine-grained personal access token");
        assert_eq!(token_kind("ghp_abc").0, "classic personal access token");
        assert_eq!(token_kind("ghs_abc").1, Status::Ok);
        assert_eq!(token_kind("whatever").1, Status::Ok);
    }
}
