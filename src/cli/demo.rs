//! `firedrill demo`: a whole drill in a few seconds, with simulated time and no network.
//!
//! Builds a target repository from the bundled `examples/` and a control repository holding the seed
//! scenario, then runs the real lifecycle on them (the local forge, the ledger, `tick`): the change is
//! opened and merged at its planned instants, a simulated responder reverts it 1 h 18 min later, and the
//! next tick records the recovery and writes the report. Everything stays in the output folder for plain git.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};

use super::lifecycle::runtime;
use super::{CliError, CliResult};
use crate::drill::command::DrillCommand;
use crate::drill::prepare;
use crate::forge::local::LocalForge;
use crate::forge::{Forge, Person, RevertSpec};
use crate::git::{FileChange, Identity, MergeMethod, Repo};
use crate::ledger::Ledger;
use crate::runner::{Forges, Runner, Settings};
use crate::scenario;

/// The example GitOps repository, bundled so the demo runs from anywhere.
const EXAMPLES: &[(&str, &str)] = &[
    ("README.md", include_str!("../../examples/README.md")),
    ("charts/checkout/values-staging.yaml", include_str!("../../examples/charts/checkout/values-staging.yaml")),
    ("k8s/staging/checkout.yaml", include_str!("../../examples/k8s/staging/checkout.yaml")),
    ("config/staging/features.json", include_str!("../../examples/config/staging/features.json")),
    ("config/staging/database.env", include_str!("../../examples/config/staging/database.env")),
    ("config/staging/worker.toml", include_str!("../../examples/config/staging/worker.toml")),
];
/// Where the demo's report links the history page: beside it, in the folder the ledger publishes.
const DEMO_HISTORY: &str = "docs/index.html";

const SEED: &str = include_str!("../../scenarios/redis-pool-exhaustion.yaml");
const SEED_FILE: &str = "scenarios/redis-pool-exhaustion.yaml";

/// The instant the demo plans from: the seed's next occurrence after it is Tuesday 2026-11-24, 10:00 CET.
const PLAN_FROM: &str = "2026-11-23T12:00:00Z";
/// How long the simulated responders take, as in the drill that motivated firedrill.
const RESPONSE: SignedDuration = SignedDuration::from_mins(78);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to leave the repositories, the ledger and the report: an empty or absent folder, or the folder
    /// of a previous demo (replaced); default: a new folder under the system's temporary folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

fn at(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(t)
}

/// The file that marks a folder as the demo's own: running the demo again replaces such a folder, and only such
/// a folder, so re-running the README's first command works and nothing else is ever deleted.
pub const MARKER: &str = ".firedrill-demo";
const MARKER_TEXT: &str =
    "This folder was made by `firedrill demo`; running the demo again with the same --out replaces it.\n";

pub fn run(args: Args) -> CliResult {
    let out = match args.out {
        Some(o) => o,
        None => std::env::temp_dir().join(format!("firedrill-demo-{}", std::process::id())),
    };
    match prepare_out(&out) {
        Ok(()) => {}
        Err(Refused(why)) => return Err(CliError::usage(why)),
    }
    let out = std::path::absolute(&out).unwrap_or(out);
    let text = run_in(&out)?;
    std::io::stdout().lock().write_all(text.as_bytes()).context("writing to stdout")?;
    Ok(())
}

/// Why `--out` cannot be used.
struct Refused(String);

/// Makes `out` an empty folder holding only the marker: absent or empty folders are used, a previous demo's
/// folder is replaced, anything else is refused.
fn prepare_out(out: &Path) -> Result<(), Refused> {
    let shown = out.display();
    if out.exists() {
        if !out.is_dir() {
            return Err(Refused(format!("{shown} is a file, not a folder: choose another --out")));
        }
        let mut entries = std::fs::read_dir(out)
            .map_err(|e| Refused(format!("{shown} cannot be read ({e}): choose another --out")))?;
        if entries.next().is_some() {
            let marked = std::fs::read_to_string(out.join(MARKER)).is_ok_and(|t| t == MARKER_TEXT);
            if !marked {
                return Err(Refused(format!(
                    "{shown} is not empty and was not made by `firedrill demo` (it has no {MARKER} file), so the \
                     demo will not replace it: choose another --out, or an empty or absent folder"
                )));
            }
            std::fs::remove_dir_all(out)
                .map_err(|e| Refused(format!("{shown} holds a previous demo that cannot be removed ({e})")))?;
        }
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Refused(format!("{shown} cannot be created ({e}): choose another --out")))?;
    std::fs::write(out.join(MARKER), MARKER_TEXT)
        .map_err(|e| Refused(format!("{shown} cannot be written ({e}): choose another --out")))
}

/// Runs the demo in `out` and returns what to print.
pub fn run_in(out: &Path) -> anyhow::Result<String> {
    let mut log = String::new();
    let sam = Person::new("Sam Rivera", "sam@acme.example");
    let plan_from: Timestamp = PLAN_FROM.parse().context("demo start")?;
    let history_start = at(plan_from, SignedDuration::from_hours(-24 * 7));

    // The target: the example GitOps repository, one commit on `main`.
    let target_dir = out.join("target.git");
    let target = Repo::init_bare(&target_dir)?;
    let files: Vec<FileChange> = EXAMPLES.iter().map(|(p, c)| FileChange::write(*p, *c)).collect();
    let who = Identity::new(&sam.name, &sam.email, history_start);
    let root = target.write_commit(None, &files, "Staging configuration for checkout\n", &who, &who)?;
    target.update_ref("refs/heads/main", &root, None, "demo: initial commit")?;
    target.set_head("refs/heads/main")?;

    // The control repository: the seed scenario, pointed at the target, and firedrill.yml.
    let scenario_text = SEED.replacen("target:\n", &format!("target:\n  repo: {}\n", target_dir.display()), 1);
    let config_text = "# Repository-wide settings for firedrill.\nledger_branch: firedrill/ledger\nbaseline_mttr: 4h\n";
    let control_dir = out.join("control.git");
    let control = Repo::init_bare(&control_dir)?;
    let files =
        vec![FileChange::write(SEED_FILE, scenario_text.clone()), FileChange::write("firedrill.yml", config_text)];
    let c = control.write_commit(None, &files, "Add the Redis pool drill\n", &who, &who)?;
    control.update_ref("refs/heads/main", &c, None, "demo: initial commit")?;
    control.set_head("refs/heads/main")?;

    let scenario = scenario::load(Path::new(SEED_FILE), &scenario_text)
        .map_err(|d| anyhow::anyhow!("{}", d.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))?;
    let config = scenario::load_config(Path::new("firedrill.yml"), config_text)
        .map_err(|d| anyhow::anyhow!("{}", d.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))?;
    let plan = prepare::plan(&scenario, plan_from)?.context("the seed scenario has a schedule")?;
    let work = out.join(".work");
    let ledger =
        Ledger::new(&control_dir.display().to_string(), config.ledger_branch.as_str(), &work.join("ledger"), None)?;
    let repo_key = scenario.target.repo.as_ref().map(|r| r.as_str().to_owned());
    let forge = LocalForge::new(&target_dir.display().to_string(), &work.join("target"), None)?;
    let forges = Forges { by_repo: [(repo_key, forge)].into_iter().collect() };
    let scenarios = vec![scenario];
    let settings = Settings {
        actor: sam.clone(),
        actor_from_token: false,
        source: "demo".into(),
        merge_method: Some(MergeMethod::Merge),
        dry_run: false,
        baseline_mttr: config.baseline_mttr.map(|d| d.to_signed()),
        // The report sits at the top of the demo's folder, the history beside it in `docs/`.
        links: crate::render::Links { control: None, pages: Some(DEMO_HISTORY.to_owned()) },
        observe: crate::observe::Observer::default(),
    };
    let runner = Runner { scenarios: &scenarios, config: &config, ledger: &ledger, forges: &forges, settings };
    let rt = runtime()?;
    let id = plan.drill_id.to_string();

    log.push_str(&format!("firedrill demo: drill {id}, simulated time, everything in {}\n\n", out.display()));
    let tick = |now: Timestamp, what: &str, log: &mut String| -> anyhow::Result<()> {
        let report = rt.block_on(runner.tick(now))?;
        let lines: Vec<String> = report.steps.iter().flat_map(|(_, l)| l.iter().cloned()).collect();
        log.push_str(&format!("── tick at {now} ({what})\n"));
        for l in lines {
            log.push_str(&format!("   {l}\n"));
        }
        Ok(())
    };
    tick(plan.open_at, "the opening instant", &mut log)?;
    tick(plan.merge_at, "the merge instant", &mut log)?;

    let merged = rt
        .block_on(runner.drills())?
        .into_iter()
        .find(|d| d.id == id)
        .and_then(|d| d.merged)
        .context("the drill did not merge")?;
    // A responder asks for the status, a hint comes out, then Ana finds the change and reverts it.
    let ask = at(merged.at, SignedDuration::from_mins(25));
    let r = rt.block_on(runner.command(&id, DrillCommand::Status, None, "ana", ask))?;
    log.push_str(&format!("── {ask}: ana comments `/drill status`\n"));
    for l in r.steps.iter().flat_map(|(_, l)| l) {
        log.push_str(&format!("   {l}\n"));
    }
    tick(at(merged.at, SignedDuration::from_mins(35)), "a regular tick", &mut log)?;
    let revert_at = at(merged.at, RESPONSE);
    let ana = Person::new("Ana Lima", "ana@acme.example");
    let responder = LocalForge::new(&target_dir.display().to_string(), &work.join("responder"), None)?;
    let merge_sha = merged.commit.clone();
    let message = format!(
        "Revert \"tune redis pool settings\"\n\nThis reverts commit {merge_sha}: checkout cannot get Redis connections.\n"
    );
    let reverted = rt.block_on(responder.revert(&RevertSpec {
        commit: &merge_sha,
        base: "main",
        message: Some(&message),
        actor: &ana,
        at: revert_at,
        gate: None,
    }))?;
    let crate::forge::RevertOutcome::Landed(landing) = reverted else {
        anyhow::bail!("the local forge refused the responder's revert")
    };
    log.push_str(&format!("── {revert_at}: Ana Lima pushes a revert ({}) to main\n", landing.sha.short()));
    tick(at(revert_at, SignedDuration::from_mins(4)), "the next scheduled tick", &mut log)?;

    // The outcome, the timeline, the report.
    let drill = rt.block_on(runner.drills())?.into_iter().find(|d| d.id == id).context("the drill is in the ledger")?;
    log.push('\n');
    log.push_str(&crate::render::status::timeline(scenarios.first(), &drill));
    let snapshot = rt.block_on(ledger.read())?;
    let report = rt.block_on(ledger.read_drill_file(&snapshot, &id, "report.md"))?.context("the report was written")?;
    std::fs::write(out.join("report.md"), &report).context("writing report.md")?;
    // The public files as the ledger publishes them, where the report links them.
    let figures = [crate::metrics::DrillMetrics::of(&drill)];
    let now = drill.events.last().map_or(plan_from, |e| e.time);
    for (path, content) in
        crate::render::ledger::public_files(&figures, &scenarios, &config, now, &runner.settings.links)
    {
        let file = out.join(&path);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&file, content).with_context(|| format!("writing {}", file.display()))?;
    }
    // The scenario as a checked-out control repository would hold it, for `firedrill status` and `tick`.
    std::fs::create_dir_all(out.join("scenarios"))?;
    std::fs::write(out.join(SEED_FILE), &scenario_text)?;
    std::fs::write(out.join("firedrill.yml"), config_text)?;
    log.push_str(&format!(
        "\nLook around with plain git:\n  git --git-dir {t} log --oneline --first-parent main\n  git --git-dir {c} log --oneline firedrill/ledger\n  git --git-dir {c} show firedrill/ledger:drills/{id}/events.jsonl\n  less {r}\n",
        t = target_dir.display(),
        c = control_dir.display(),
        r = out.join("report.md").display(),
    ));
    Ok(log)
}
