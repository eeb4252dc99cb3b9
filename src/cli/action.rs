//! `firedrill action`: run as a GitHub Action. Reads `INPUT_*`, `GITHUB_*` and the event payload, masks the
//! tokens, does what the event asks (validate, preview, tick, command), and writes the step outputs and the
//! job summary.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use jiff::Timestamp;

use super::Outcome;
use super::lifecycle::{Common, render_report, runtime};
use crate::action::summary::{self, RunSummary};
use crate::action::workflow::{self, Annotation, Level};
use crate::action::{self as gha, ForgeChoice, GithubEnv, Inputs, Job, Outputs, Trigger};
use crate::drill::state::Drill;
use crate::render;
use crate::repo::Source;
use crate::scenario::{self, RepoKind, Scenario};

#[derive(Debug, clap::Args)]
pub struct Args {}

/// Reads the process environment, then runs with stdout as the log.
pub fn run(_args: Args) -> anyhow::Result<Outcome> {
    let vars: BTreeMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with("INPUT_") || k.starts_with("GITHUB_"))
        .collect();
    // Relative inputs (`scenarios`, `config`) and annotation paths are relative to the checkout.
    if let Some(ws) = vars.get("GITHUB_WORKSPACE").filter(|w| !w.is_empty()) {
        std::env::set_current_dir(ws).with_context(|| format!("entering GITHUB_WORKSPACE {ws}"))?;
    }
    run_with(&vars, &mut io::stdout())
}

/// The whole run over the given variables; workflow commands and the log go to `out`.
pub fn run_with(vars: &BTreeMap<String, String>, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    // STEP 1: mask the tokens before anything else can print them.
    for token in gha::inputs::tokens(vars) {
        workflow::add_mask(out, token.expose())?;
    }

    // STEP 2: inputs, runner environment and event.
    let inputs = match Inputs::from_vars(vars) {
        Ok(i) => i,
        Err(e) => {
            Annotation::new(Level::Error, e.to_string()).title("firedrill: invalid input").write(out)?;
            return Ok(Outcome::Usage);
        }
    };
    let env = GithubEnv::from_vars(vars);
    let trigger = match read_trigger(&env) {
        Ok(t) => t,
        Err(e) => {
            Annotation::new(Level::Error, format!("{e:#}")).title("firedrill: event").write(out)?;
            return Ok(Outcome::Usage);
        }
    };

    // STEP 3: decide the job.
    let actor = env.actor.clone().unwrap_or_else(|| "someone".to_owned());
    let job = match gha::plan::job(&inputs, &trigger, &actor) {
        Ok(j) => j,
        Err(e) => {
            Annotation::new(Level::Error, e).title("firedrill: usage").write(out)?;
            return Ok(Outcome::Usage);
        }
    };
    let mut run =
        RunSummary { trigger: describe_trigger(env.event_name.as_deref(), &trigger), ..RunSummary::default() };

    // STEP 4: do it. A failure is shown as an annotation and in the summary, and the step fails.
    let outcome = match execute(&job, &inputs, &env, &mut run, out) {
        Ok(o) => o,
        Err(e) => {
            let message = format!("{e:#}");
            Annotation::new(Level::Error, &message).title("firedrill").write(out)?;
            if run.title.is_empty() {
                run.title = "firedrill failed".to_owned();
            }
            run.warnings.push(message);
            // Exit code 1, as for any command that fails.
            Outcome::Invalid
        }
    };

    // STEP 5: outputs and summary.
    if let Some(path) = &env.output {
        append(path, |f| run.outputs.write(f)).with_context(|| format!("writing GITHUB_OUTPUT {}", path.display()))?;
    }
    if let Some(path) = &env.step_summary {
        let text = summary::render(&run);
        append(path, |f| f.write_all(text.as_bytes()))
            .with_context(|| format!("writing GITHUB_STEP_SUMMARY {}", path.display()))?;
    }
    Ok(outcome)
}

fn append(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    write(&mut f)?;
    f.flush()
}

/// The trigger from `GITHUB_EVENT_NAME` and the payload file (none: an explicit `command` decides alone).
fn read_trigger(env: &GithubEnv) -> anyhow::Result<Trigger> {
    let Some(name) = env.event_name.as_deref() else {
        return Ok(Trigger::Ignored("GITHUB_EVENT_NAME is not set: not running in GitHub Actions".to_owned()));
    };
    let payload = match &env.event_path {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading GITHUB_EVENT_PATH {}", p.display()))?;
            serde_json::from_str(&text).with_context(|| format!("GITHUB_EVENT_PATH {} is not JSON", p.display()))?
        }
        None => serde_json::Value::Null,
    };
    Ok(gha::event::parse(name, &payload)?)
}

fn describe_trigger(name: Option<&str>, trigger: &Trigger) -> String {
    let name = name.unwrap_or("(no event)");
    match trigger {
        Trigger::Tick => name.to_owned(),
        Trigger::Dispatch(d) => match &d.scenario {
            Some(s) => format!("{name} ({s})"),
            None => name.to_owned(),
        },
        Trigger::Command(c) => format!("{name} (comment {} by {} on #{})", c.id, c.author, c.issue),
        Trigger::Observe(o) => format!("{name} ({})", o.what),
        Trigger::Ignored(_) => name.to_owned(),
    }
}

fn execute(
    job: &Job,
    inputs: &Inputs,
    env: &GithubEnv,
    run: &mut RunSummary,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    match job {
        Job::Nothing(why) => {
            run.title = "firedrill: nothing to do".to_owned();
            Annotation::new(Level::Notice, why.as_str()).title("firedrill").write(out)?;
            run.steps.push(("Nothing to do".to_owned(), vec![why.clone()]));
            Ok(Outcome::Ok)
        }
        Job::Validate => validate(inputs, run, out),
        Job::Preview { scenario, now } => preview(inputs, scenario, now.unwrap_or_else(Timestamp::now), run, out),
        Job::Tick { now, only } => {
            let now = now.unwrap_or_else(Timestamp::now);
            let common = common(inputs, env, run, out)?;
            let mut setup = common.setup_with_tokens(
                "action",
                inputs.dry_run,
                inputs.control_token().cloned(),
                inputs.target_token().cloned(),
            )?;
            if let Some(id) = only {
                setup.scenarios.retain(|s| s.id.as_str() == id);
                if setup.scenarios.is_empty() {
                    bail!("there is no scenario `{id}` in {}", inputs.scenarios.display());
                }
            }
            let runner = setup.runner();
            // One runtime for the whole run: the GitHub client lives on the runtime it was first used on.
            let rt = runtime()?;
            let report = rt.block_on(runner.tick(now))?;
            let dry = if inputs.dry_run { " (dry run: nothing is written)" } else { "" };
            run.title = format!("firedrill tick at {now}{dry}");
            write!(out, "{}", render_report(&run.title, &report))?;
            run.steps = report.steps;
            let drills = rt.block_on(runner.drills())?;
            // Every request the run sent, the re-read for these outputs included.
            run.outputs = outputs(pick(&drills, only.as_deref(), None), runner.requests(), &setup);
            Ok(Outcome::Ok)
        }
        Job::Start { scenario, now } => {
            let now = now.unwrap_or_else(Timestamp::now);
            let common = common(inputs, env, run, out)?;
            let setup = common.setup_with_tokens(
                "action",
                inputs.dry_run,
                inputs.control_token().cloned(),
                inputs.target_token().cloned(),
            )?;
            let runner = setup.runner();
            let rt = runtime()?;
            let report = rt.block_on(runner.start(scenario, now, None))?;
            let dry = if inputs.dry_run { " (dry run: nothing is written)" } else { "" };
            run.title = format!("firedrill start {scenario} at {now}{dry}");
            write!(out, "{}", render_report(&run.title, &report))?;
            run.steps = report.steps;
            let drills = rt.block_on(runner.drills())?;
            run.outputs = outputs(pick(&drills, Some(scenario.as_str()), None), runner.requests(), &setup);
            Ok(Outcome::Ok)
        }
        Job::Command { name, drill, actor, now } => {
            let now = now.unwrap_or_else(Timestamp::now);
            let common = common(inputs, env, run, out)?;
            let setup = common.setup_with_tokens(
                "action",
                inputs.dry_run,
                inputs.control_token().cloned(),
                inputs.target_token().cloned(),
            )?;
            let runner = setup.runner();
            let rt = runtime()?;
            let report = rt.block_on(runner.command(drill, name, actor, now))?;
            run.title = format!("firedrill command {name} by {actor} at {now}");
            write!(out, "{}", render_report(&run.title, &report))?;
            run.steps = report.steps;
            let drills = rt.block_on(runner.drills())?;
            run.outputs = outputs(pick(&drills, None, Some(drill)), runner.requests(), &setup);
            Ok(Outcome::Ok)
        }
    }
}

/// Which forge the lifecycle runs on, and the lifecycle options for it. On GitHub the control repository is
/// the one the workflow runs in (`GITHUB_REPOSITORY`, reached through the API) unless `control` names another;
/// scenarios whose `target.repo` is `owner/name` get the GitHub forge, paths and git URLs the local one.
fn common(inputs: &Inputs, env: &GithubEnv, run: &mut RunSummary, out: &mut dyn Write) -> anyhow::Result<Common> {
    let (control, api_url) = match gha::forge_for(inputs.api_url.as_deref()) {
        ForgeChoice::Local => {
            // The ledger lives in the repository the workflow runs in, unless `control` names another one.
            let control = inputs.control.clone().unwrap_or_else(|| match (&env.server_url, &env.repository) {
                (Some(server), Some(repo)) => format!("{}/{repo}.git", server.trim_end_matches('/')),
                _ => ".".to_owned(),
            });
            (control, None)
        }
        ForgeChoice::GitHub { api_url } => {
            let control = inputs.control.clone().or_else(|| env.repository.clone()).with_context(|| {
                "no control repository: GITHUB_REPOSITORY is not set and the `control` input is empty".to_owned()
            })?;
            if inputs.drill_token.is_none() {
                // Merges made with the workflow's token start no deploy workflow, and its pull requests are
                // authored by github-actions[bot], which gives the drill away.
                let w = "only the workflow's GITHUB_TOKEN is set: drills merged with it start no deploy workflow \
                         and their pull requests are authored by github-actions[bot]; set the `drill-token` input";
                Annotation::new(Level::Warning, w).title("firedrill").write(out)?;
                run.warnings.push(w.to_owned());
            }
            (control, Some(api_url))
        }
    };
    Ok(Common {
        scenarios: inputs.scenarios.clone(),
        control,
        workdir: None,
        identity: inputs.identity.clone(),
        api_url,
        merge_method: "merge".to_owned(),
    })
}

/// The drill the outputs are about: the one named, else the most recently active (of `only`'s scenario).
fn pick<'a>(drills: &'a [Drill], only: Option<&str>, id: Option<&str>) -> Option<&'a Drill> {
    if let Some(id) = id {
        return drills.iter().find(|d| d.id == id);
    }
    drills
        .iter()
        .filter(|d| only.is_none_or(|s| d.scenario == s))
        .max_by_key(|d| (d.events.last().map(|e| e.time), d.id.clone()))
}

/// The outputs about `drill`, and the API requests the run sent.
fn outputs(drill: Option<&Drill>, requests: usize, setup: &super::lifecycle::Setup) -> Outputs {
    let requests = Some(requests as u64);
    let Some(d) = drill else {
        return Outputs { requests, ..Outputs::default() };
    };
    Outputs {
        drill_id: Some(d.id.clone()),
        state: Some(d.phase().name().to_owned()),
        pr_number: d.opened.as_ref().and_then(|o| o.change.parse().ok()),
        // A pull request's page, where the target's forge has a web interface.
        pr_url: d.opened.as_ref().filter(|o| o.change.parse::<u64>().is_ok()).and_then(|o| {
            let forge = setup.forges.by_repo.get(&d.target.repo)?;
            crate::forge::Forge::web_url(forge).map(|web| format!("{web}/pull/{}", o.change))
        }),
        mttr_seconds: d.time_to_recovery().map(|t| t.as_secs()),
        report_path: d.reported.clone(),
        requests,
    }
}

/// `firedrill validate --format github` over the scenarios folder and the settings file.
fn validate(inputs: &Inputs, run: &mut RunSummary, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    run.title = "firedrill validate".to_owned();
    out.flush()?;
    let mut paths = vec![inputs.scenarios.clone()];
    if let Some(c) = config_path(inputs) {
        paths.push(c);
    }
    let outcome = super::validate::run(super::validate::Args {
        paths,
        repo: PathBuf::from("."),
        format: Some(super::validate::OutputFormat::Github),
    })?;
    let line = match outcome {
        Outcome::Ok => "every scenario is valid".to_owned(),
        _ => "problems found: see the annotations on the files".to_owned(),
    };
    run.steps.push((format!("Validate {}", inputs.scenarios.display()), vec![line]));
    Ok(outcome)
}

/// The `config` input, else `firedrill.yml` beside the scenarios folder when there is one.
fn config_path(inputs: &Inputs) -> Option<PathBuf> {
    inputs.config.clone().or_else(|| {
        let beside = inputs.scenarios.parent().unwrap_or(Path::new("")).join(scenario::CONFIG_FILE);
        beside.is_file().then_some(beside)
    })
}

/// The preview of one scenario whose target files are here (the checkout) or in a local repository.
fn preview(
    inputs: &Inputs,
    id: &str,
    now: Timestamp,
    run: &mut RunSummary,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    run.title = format!("firedrill preview {id} at {now}");
    let mut scenarios = super::lifecycle::load_scenarios(&inputs.scenarios)?;
    let Some(pos) = scenarios.iter().position(|s| s.id.as_str() == id) else {
        let known = scenarios.iter().map(|s| s.id.as_str().to_owned()).collect::<Vec<_>>().join(", ");
        bail!("there is no scenario `{id}` in {} (there are: {known})", inputs.scenarios.display());
    };
    let mut scenario: Scenario = scenarios.swap_remove(pos);
    if let Some(path) = config_path(inputs) {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let config = scenario::load_config(&path, &text)
            .map_err(|d| anyhow::anyhow!("{}", d.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))?;
        scenario.apply_defaults(&config.defaults);
    }
    let repo = match &scenario.target.repo {
        None => PathBuf::from("."),
        Some(r) if r.kind() == RepoKind::Path => PathBuf::from(r.as_str()),
        Some(r) => bail!(
            "previewing `{id}` needs its target {} read through a forge, which the Action cannot do yet; \
             run `firedrill preview` on a checkout of the target",
            r.as_str()
        ),
    };
    let source = Source::open(&repo).map_err(|e| anyhow::anyhow!("the target {}: {e}", repo.display()))?;
    let branch = scenario.target.branch.as_str().to_owned();
    let draft = crate::drill::prepare::draft(&scenario, now, |path| {
        source.read(&branch, path).map_err(|e| (e.to_string(), e.hint().map(str::to_owned)))
    })
    .map_err(|e| anyhow::anyhow!("{id}: {e}"))?;
    let text = render::preview::render(&scenario, &draft, &source.describe());
    out.write_all(text.as_bytes())?;
    run.steps.push(("Preview (nothing is written)".to_owned(), vec![format!("drill {}", draft.drill_id)]));
    run.detail = Some(text);
    run.outputs.drill_id = Some(draft.drill_id.to_string());
    Ok(Outcome::Ok)
}
