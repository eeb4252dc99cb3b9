//! `firedrill action`: run as a GitHub Action. Reads `INPUT_*`, `GITHUB_*` and the event payload, masks the
//! tokens, does what the event asks (validate, preview, tick, command), and writes the step outputs and the
//! job summary.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::Timestamp;

use super::lifecycle::{Common, render_report, runtime};
use super::{CliError, CliResult, Kind};
use crate::action::summary::{self, RunSummary};
use crate::action::workflow::{self, Annotation, Level};
use crate::action::{self as gha, ForgeChoice, GithubEnv, Inputs, Job, Outputs, Trigger};
use crate::drill::state::Drill;
use crate::forge::any::AnyForge;
use crate::render;
use crate::repo::Source;
use crate::scenario::{Config, RepoKind, Scenario};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run the Action here, as a runner would: the event payload file (`GITHUB_EVENT_PATH`). The workspace is
    /// the current folder; the outputs and the job summary go to temporary files whose paths are printed on
    /// stderr. Tokens come only from the environment: FIREDRILL_TOKEN is the `drill-token` input,
    /// FIREDRILL_CONTROL_TOKEN (else FIREDRILL_TOKEN) the `github-token`, FIREDRILL_APPROVER_TOKEN the
    /// `approver-token`.
    #[arg(long, value_name = "FILE")]
    pub event: Option<PathBuf>,
    /// With --event: the event's name (`GITHUB_EVENT_NAME`); default: guessed from the payload
    /// (`workflow_dispatch` for `inputs`, `schedule`, `issue_comment`, `pull_request`, `push`).
    #[arg(long, value_name = "NAME", requires = "event")]
    pub event_name: Option<String>,
    /// With --event: an input of `action.yml`, as `with:` gives it (`--input command=tick`); repeatable.
    /// Token inputs are refused here: they come from the environment.
    #[arg(long = "input", value_name = "NAME=VALUE", requires = "event")]
    pub inputs: Vec<String>,
    /// With --event: the repository the workflow runs in, `owner/name` (`GITHUB_REPOSITORY`: the control
    /// repository); default: GITHUB_REPOSITORY from the environment.
    #[arg(long, value_name = "OWNER/NAME", requires = "event")]
    pub repository: Option<String>,
}

/// What `firedrill action` says outside GitHub Actions, with the commands that do the same work by hand.
const OUTSIDE_ACTIONS: &str = "`firedrill action` is the GitHub Action's entry point and runs only inside GitHub \
Actions (GITHUB_ACTIONS=true is not set).
To run the Action here as a runner would, give it the event: `firedrill action --event FILE [--input NAME=VALUE]…`
(tokens from FIREDRILL_TOKEN; see docs/github-setup.md). Or run the same work with its own command:
  firedrill tick --control REPO            what a scheduled run does: open, merge, observe, report what is due
  firedrill start SCENARIO --control REPO  what a manual run of one scenario does
  firedrill preview SCENARIO --repo PATH   what a manual preview does (writes nothing)
  firedrill validate scenarios             what `command: validate` does
  firedrill command revert|abort|status --control REPO --drill ID --actor NAME";

/// Reads the process environment (or, with `--event`, builds the runner's), then runs with stdout as the log.
#[allow(clippy::print_stderr)]
pub fn run(args: Args) -> CliResult {
    if let Some(event) = &args.event {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let local = local_run(&args, event, &env).map_err(CliError::usage)?;
        // The runner hides every masked value from the log as `***`; so does this one (the tokens included).
        let tokens: Vec<String> = gha::inputs::tokens(&local.vars).iter().map(|t| t.expose().to_owned()).collect();
        let mut log = Masked { out: io::stdout(), secrets: tokens, line: Vec::new() };
        let result = run_with(&local.vars, &mut log);
        log.flush()?;
        // A run that failed has written its outputs and summary too; only an error writing them has not.
        if result.as_ref().err().is_none_or(CliError::is_shown) {
            eprintln!("outputs (GITHUB_OUTPUT): {}", local.output.display());
            eprintln!("job summary (GITHUB_STEP_SUMMARY): {}", local.summary.display());
        }
        return result;
    }
    let vars: BTreeMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with("INPUT_") || k.starts_with("GITHUB_"))
        .collect();
    // Outside a runner nothing would read the outputs, the summary or the annotations: say what to run instead.
    if !GithubEnv::from_vars(&vars).actions {
        return Err(CliError::usage(OUTSIDE_ACTIONS));
    }
    // Relative inputs (`scenarios`, `config`) and annotation paths are relative to the checkout.
    if let Some(ws) = vars.get("GITHUB_WORKSPACE").filter(|w| !w.is_empty()) {
        std::env::set_current_dir(ws).with_context(|| format!("entering GITHUB_WORKSPACE {ws}"))?;
    }
    run_with(&vars, &mut io::stdout())
}

/// The log as a runner shows it: each line written with every secret replaced by `***`.
struct Masked<W: Write> {
    out: W,
    secrets: Vec<String>,
    line: Vec<u8>,
}

impl<W: Write> Masked<W> {
    fn write_line(&mut self) -> io::Result<()> {
        let mut text = String::from_utf8_lossy(&self.line).into_owned();
        for s in self.secrets.iter().filter(|s| !s.is_empty()) {
            text = text.replace(s.as_str(), "***");
        }
        self.line.clear();
        self.out.write_all(text.as_bytes())
    }
}

impl<W: Write> Write for Masked<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            self.line.push(b);
            if b == b'\n' {
                self.write_line()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.write_line()?;
        }
        self.out.flush()
    }
}

/// A run of the Action on this machine: the runner's variables, and the files it writes.
struct LocalRun {
    vars: BTreeMap<String, String>,
    output: PathBuf,
    summary: PathBuf,
}

/// The variables a runner would set for `--event FILE` and the `--input`s, with the tokens from `env`.
fn local_run(args: &Args, event: &Path, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<LocalRun> {
    let text = std::fs::read_to_string(event).with_context(|| format!("--event {}", event.display()))?;
    let payload: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("--event {}: not JSON", event.display()))?;
    let name = match &args.event_name {
        Some(n) => n.clone(),
        None => gha::event::guess_name(&payload).with_context(|| {
            format!("--event {}: say which event it is with --event-name (e.g. workflow_dispatch)", event.display())
        })?,
    };
    let mut inputs = gha::inputs::local_inputs(&args.inputs).map_err(anyhow::Error::msg)?;
    // What action.yml's defaults give on a runner.
    let api_url = env("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".to_owned());
    inputs.entry("api-url".to_owned()).or_insert_with(|| api_url.clone());
    // A fresh folder of its own (created, never reused), kept after the run for the files to be read.
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("firedrill-action-{}-{stamp}", std::process::id()));
    std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let (output, summary) = (dir.join("output"), dir.join("summary.md"));
    let workspace = std::env::current_dir().context("the current folder")?;
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let mut set = |k: &str, v: String| vars.insert(k.to_owned(), v);
    set("GITHUB_ACTIONS", "true".to_owned());
    set("GITHUB_EVENT_NAME", name);
    set("GITHUB_EVENT_PATH", event.display().to_string());
    set("GITHUB_WORKSPACE", workspace.display().to_string());
    set("GITHUB_OUTPUT", output.display().to_string());
    set("GITHUB_STEP_SUMMARY", summary.display().to_string());
    set("GITHUB_API_URL", api_url);
    set("GITHUB_SERVER_URL", env("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".to_owned()));
    set("GITHUB_ACTOR", env("GITHUB_ACTOR").or_else(|| env("USER")).unwrap_or_else(|| "local".to_owned()));
    if let Some(repo) = args.repository.clone().or_else(|| env("GITHUB_REPOSITORY")) {
        set("GITHUB_REPOSITORY", repo);
    }
    // The tokens, as the workflow passes its secrets; never from a flag, which other users can read.
    let drill = env("FIREDRILL_TOKEN");
    for (input, token) in [
        ("drill-token", drill.clone()),
        ("github-token", env("FIREDRILL_CONTROL_TOKEN").or(drill)),
        ("approver-token", env("FIREDRILL_APPROVER_TOKEN")),
    ] {
        if let Some(t) = token {
            inputs.insert(input.to_owned(), t);
        }
    }
    for (k, v) in inputs {
        set(&format!("INPUT_{}", k.replace(' ', "_").to_uppercase()), v);
    }
    Ok(LocalRun { vars, output, summary })
}

/// The whole run over the given variables; workflow commands and the log go to `out`. The outputs and the
/// summary are written whatever happens, so a failed run still says `state=failed` and what it cost. An error
/// is shown as an annotation (its hints on lines of their own) and in the summary: what is returned has been shown.
pub fn run_with(vars: &BTreeMap<String, String>, out: &mut dyn Write) -> CliResult {
    // STEP 1: mask the tokens before anything else can print them.
    for token in gha::inputs::tokens(vars) {
        workflow::add_mask(out, token.expose())?;
    }
    let env = GithubEnv::from_vars(vars);
    let mut run = RunSummary::default();

    // STEPS 2-4: read, decide, do.
    let result = match decide_and_execute(vars, &env, &mut run, out) {
        Err(e) if !e.is_shown() => {
            // A failure is shown as an annotation and in the summary, and the step fails; the error's kind
            // decides the exit code, as for any command.
            let message = e.annotation();
            Annotation::new(Level::Error, &message).title("firedrill").write(out)?;
            run.warnings.push(message);
            Err(CliError::shown(e.kind))
        }
        result => result,
    };
    if result.as_ref().is_err_and(|e| e.kind != Kind::Refused) {
        // A refusal is not a failure: the drill's own state stays. What is known is kept (the drill, its pull request, the requests sent); the state says the run failed.
        run.outputs.state = Some(FAILED.to_owned());
        run.outputs.requests.get_or_insert(0);
        run.title = if run.title.is_empty() { "firedrill failed".to_owned() } else { format!("{}: failed", run.title) };
    }

    // STEP 5: outputs and summary.
    if let Some(path) = &env.output {
        append(path, |f| run.outputs.write(f)).with_context(|| format!("writing GITHUB_OUTPUT {}", path.display()))?;
    }
    if let Some(path) = &env.step_summary {
        let text = summary::render(&run);
        append(path, |f| f.write_all(text.as_bytes()))
            .with_context(|| format!("writing GITHUB_STEP_SUMMARY {}", path.display()))?;
    }
    result
}

/// The `state` output of a run that failed (a usage error, a scenario error, a forge or ledger failure).
pub const FAILED: &str = "failed";

/// A usage error: annotated, shown in the summary, exit code 2.
fn usage(title: &str, message: String, run: &mut RunSummary, out: &mut dyn Write) -> CliResult {
    Annotation::new(Level::Error, &message).title(title).write(out)?;
    run.warnings.push(message);
    Err(CliError::shown(Kind::Usage))
}

/// Inputs, runner environment and event, then the job. Usage errors are annotated here under their own title
/// and returned as shown; any other error is returned for [`run_with`] to show.
fn decide_and_execute(
    vars: &BTreeMap<String, String>,
    env: &GithubEnv,
    run: &mut RunSummary,
    out: &mut dyn Write,
) -> CliResult {
    // STEP 2: inputs, runner environment and event.
    let inputs = match Inputs::from_vars(vars) {
        Ok(i) => i,
        Err(e) => return usage("firedrill: invalid input", e.to_string(), run, out),
    };
    let trigger = match read_trigger(env) {
        Ok(t) => t,
        Err(e) => return usage("firedrill: event", format!("{e:#}"), run, out),
    };
    run.trigger = describe_trigger(env.event_name.as_deref(), &trigger);

    // STEP 3: decide the job.
    let actor = env.actor.clone().unwrap_or_else(|| "someone".to_owned());
    let job = match gha::plan::job(&inputs, &trigger, &actor) {
        Ok(j) => j,
        Err(e) => return usage("firedrill: usage", e, run, out),
    };

    // STEP 4: do it.
    execute(&job, &inputs, env, run, out)
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
        Trigger::Alerts(p) => format!("{name} ({} alert(s) pushed)", p.alerts.len()),
        Trigger::Ignored(_) => name.to_owned(),
    }
}

fn execute(job: &Job, inputs: &Inputs, env: &GithubEnv, run: &mut RunSummary, out: &mut dyn Write) -> CliResult {
    match job {
        Job::Nothing(why) => {
            run.title = "firedrill: nothing to do".to_owned();
            Annotation::new(Level::Notice, why.as_str()).title("firedrill").write(out)?;
            run.steps.push(("Nothing to do".to_owned(), vec![why.clone()]));
            Ok(())
        }
        Job::Validate => validate(inputs, run, out),
        Job::Preview { scenario, now } => preview(inputs, env, scenario, now.unwrap_or_else(Timestamp::now), run, out),
        Job::Tick { .. } | Job::Start { .. } | Job::Command { .. } | Job::Comment { .. } | Job::Alerts { .. } => {
            lifecycle(job, inputs, env, run, out)
        }
    }
}

/// A tick, a manual start or a drill command, through the runner. On failure the outputs still get what the
/// ledger knows about the drill and the requests sent, before the error is returned.
fn lifecycle(job: &Job, inputs: &Inputs, env: &GithubEnv, run: &mut RunSummary, out: &mut dyn Write) -> CliResult {
    let common = common(inputs, env, run, out)?;
    let mut setup = common.setup_with_tokens(
        "action",
        inputs.dry_run,
        inputs.control_token().cloned(),
        inputs.target_token().cloned(),
    )?;
    // The drill the outputs are about: of one scenario (`only`), or one drill by id.
    let (only, id) = match job {
        Job::Tick { only, .. } => (only.as_deref(), None),
        Job::Start { scenario, .. } => (Some(scenario.as_str()), None),
        Job::Command { drill, .. } => (None, Some(drill.as_str())),
        _ => (None, None),
    };
    if let Job::Tick { only: Some(id), .. } = job {
        setup.scenarios.retain(|s| s.id.as_str() == id);
        if setup.scenarios.is_empty() {
            return Err(CliError::failure(format!("there is no scenario `{id}` in {}", inputs.scenarios.display())));
        }
    }
    if let Some(id) = id {
        run.outputs.drill_id = Some(id.to_owned());
    }
    if let Job::Alerts { pushed, .. } = job {
        setup.settings.observe.pushed = pushed.alerts.clone();
    }
    let runner = setup.runner();
    // One runtime for the whole run: the GitHub client lives on the runtime it was first used on.
    let rt = runtime()?;
    let dry = super::lifecycle::dry_note(inputs.dry_run);
    let result = match job {
        Job::Tick { now, .. } => {
            let now = now.unwrap_or_else(Timestamp::now);
            run.title = format!("firedrill tick at {now}{dry}");
            rt.block_on(runner.tick(now))
        }
        Job::Start { scenario, now } => {
            let now = now.unwrap_or_else(Timestamp::now);
            run.title = format!("firedrill start {scenario} at {now}{dry}");
            rt.block_on(runner.start(scenario, now, None))
        }
        Job::Command { name, drill, actor, now } => {
            let now = now.unwrap_or_else(Timestamp::now);
            run.title = format!("firedrill command {name} by {actor} at {now}");
            let verb: crate::drill::command::DrillCommand =
                name.parse().map_err(|e| CliError::invalid(format!("the `command` input: {e}")))?;
            rt.block_on(runner.command(drill, verb, None, actor, now))
        }
        Job::Comment { repository, id, review_of, now } => {
            let now = now.unwrap_or_else(Timestamp::now);
            run.title = format!("firedrill: comment {id} in {repository}{dry}");
            rt.block_on(runner.comment(repository, *id, *review_of, now))
        }
        Job::Alerts { pushed, now } => {
            let now = now.unwrap_or_else(Timestamp::now);
            run.title = format!("firedrill: {} pushed alert(s) at {now}{dry}", pushed.alerts.len());
            rt.block_on(runner.alerts(&pushed.ignored, now))
        }
        _ => return Err(CliError::failure("not a lifecycle job")),
    };
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            // Best effort: the ledger may be what failed, and then only the request count is known.
            match rt.block_on(runner.drills()) {
                Ok(drills) => run.outputs = outputs(pick(&drills, only, id), runner.requests(), &setup),
                Err(_) => run.outputs.requests = Some(runner.requests() as u64),
            }
            return Err(e.into());
        }
    };
    write!(out, "{}", render_report(&run.title, &report))?;
    let result = super::lifecycle::outcome(&report);
    // Refusals and abandoned drills are shown in the job summary, not only in the log.
    run.warnings.extend(report.refusals.iter().map(|r| format!("refused: {r}")));
    run.warnings.extend(report.declined.iter().map(|r| format!("not obeyed: {r}")));
    run.warnings.extend(report.still_live.iter().map(|id| format!("{id}: the fault is still live: see its step")));
    let worked = report.did_anything();
    run.steps = report.steps;
    // The outputs describe the drill this run worked on: the unfinished ones are read cheaply (the index and
    // their logs); every log is read only when the run finished a drill or was asked about one.
    let mut drills = rt.block_on(runner.active_drills())?;
    if pick(&drills, only, id).is_none() && (worked || id.is_some()) {
        drills = rt.block_on(runner.drills())?;
    }
    let picked = pick(&drills, only, id);
    // The report of the drill this run is about, when it ended in this run, is where the team looks: the job
    // summary. Another drill's report written on the way (an older drill ending in the same tick) is only
    // named: the summary is about one drill, and its outputs say which.
    run.detail = summary_report(&report.reports, picked.map(|d| d.id.as_str()));
    // Every request the run sent, the re-read for these outputs included.
    run.outputs = outputs(picked, runner.requests(), &setup);
    result
}

/// The job summary's report: the one written in this run for the drill the run is about (`drill`), else
/// nothing; the other drills' reports are named by their drill, never embedded.
fn summary_report(reports: &[(String, String)], drill: Option<&str>) -> Option<String> {
    let text = reports.iter().find(|(id, _)| Some(id.as_str()) == drill).map(|(_, text)| text.clone());
    let others: Vec<&str> =
        reports.iter().filter(|(id, _)| Some(id.as_str()) != drill).map(|(id, _)| id.as_str()).collect();
    match (text, others.is_empty()) {
        (text, true) => text,
        (text, false) => {
            let named = format!("Also reported in this run (see the ledger): {}\n", others.join(", "));
            Some(text.map_or(named.clone(), |t| format!("{t}\n---\n\n{named}")))
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
        config: inputs.config.clone(),
        control,
        workdir: None,
        identity: inputs.identity.clone(),
        api_url,
        merge_method: inputs.merge_method,
        approver_token: inputs.approver_token.clone(),
    })
}

/// The drill the outputs are about: the one named, else the most recently active (of `only`'s scenario).
fn pick<'a>(drills: &'a [Drill], only: Option<&str>, id: Option<&str>) -> Option<&'a Drill> {
    if let Some(id) = id {
        return drills.iter().find(|d| d.id == id);
    }
    drills
        .iter()
        .filter(|d| only.is_none_or(|s| d.scenario.as_str() == s))
        .max_by_key(|d| (d.events.last().map(|e| e.time), d.id.clone()))
}

/// The outputs about `drill`, and the API requests the run sent.
fn outputs(drill: Option<&Drill>, requests: usize, setup: &super::lifecycle::Setup) -> Outputs {
    let requests = Some(requests as u64);
    let Some(d) = drill else {
        return Outputs { requests, ..Outputs::default() };
    };
    Outputs {
        drill_id: Some(d.id.to_string()),
        state: Some(d.phase().key().to_owned()),
        pr_number: d.opened.as_ref().and_then(|o| o.change.number()),
        // A pull request's page, where the target's forge has a web interface.
        pr_url: d.opened.as_ref().filter(|o| o.change.number().is_some()).and_then(|o| {
            let forge = setup.forges.by_repo.get(&d.target.repo)?;
            crate::forge::Forge::web_url(forge).map(|web| format!("{web}/pull/{}", o.change))
        }),
        mttr_seconds: d.team_recovery().map(|t| t.as_secs()),
        censored_seconds: d.censored().map(|t| t.as_secs()),
        report_path: d.reported.clone(),
        requests,
    }
}

/// `firedrill validate --format github` over the scenarios folder and the settings file.
fn validate(inputs: &Inputs, run: &mut RunSummary, out: &mut dyn Write) -> CliResult {
    run.title = "firedrill validate".to_owned();
    out.flush()?;
    let mut paths = vec![inputs.scenarios.clone()];
    if let Some(c) = config_path(inputs) {
        paths.push(c);
    }
    let result = super::validate::run(super::validate::Args {
        paths,
        repo: None,
        format: Some(super::validate::OutputFormat::Github),
    });
    let line = match &result {
        Ok(()) => "every scenario is valid",
        Err(e) if e.kind == Kind::Failure => return result,
        Err(_) => "problems found: see the annotations on the files",
    };
    // The problems are annotated on the files; a folder that is not there is said on stderr, as by `validate`.
    if let Err(e) = &result
        && !e.is_shown()
    {
        e.write(&mut io::stderr().lock())?;
    }
    run.steps.push((format!("Validate {}", inputs.scenarios.display()), vec![line.to_owned()]));
    result.map_err(|e| CliError::shown(e.kind))
}

/// The `config` input, else `firedrill.yml` beside the scenarios folder when there is one.
fn config_path(inputs: &Inputs) -> Option<PathBuf> {
    let path = super::lifecycle::config_path(&inputs.scenarios, inputs.config.as_deref());
    path.is_file().then_some(path)
}

/// The preview of one scenario: its target's files read from the checkout or a local repository, or, for a
/// target in another GitHub repository (the two-repository layout), through the API with the drill token, as
/// every other mode reads it. Nothing is written.
fn preview(
    inputs: &Inputs,
    env: &GithubEnv,
    id: &str,
    now: Timestamp,
    run: &mut RunSummary,
    out: &mut dyn Write,
) -> CliResult {
    run.title = format!("firedrill preview {id} at {now}");
    let mut scenario: Scenario = super::lifecycle::find_scenario(id, &inputs.scenarios)?;
    let config = super::lifecycle::load_config(&inputs.scenarios, inputs.config.as_deref())?;
    scenario.apply_defaults(&config.defaults);
    let branch = scenario.target.branch.as_str().to_owned();
    let repo = match &scenario.target.repo {
        None => PathBuf::from("."),
        Some(r) if r.kind() == RepoKind::Path => PathBuf::from(r.as_str()),
        Some(r) => {
            let common = common(inputs, env, run, out)?;
            if common.api_url.is_none() {
                return Err(CliError::failure(format!(
                    "previewing `{id}`: its target {} is a GitHub repository, and `api-url: local` reads only \
                     paths and git URLs; leave `api-url` empty to read it through the GitHub API",
                    r.as_str()
                )));
            }
            let setup = common.setup_with_tokens(
                "action",
                true,
                inputs.control_token().cloned(),
                inputs.target_token().cloned(),
            )?;
            let forge = setup
                .forges
                .by_repo
                .get(&Some(r.as_str().to_owned()))
                .with_context(|| format!("no forge for {}", r.as_str()))?;
            let result = preview_through(forge, &scenario, &config, now, run, out);
            run.outputs.requests = Some(crate::forge::Forge::requests(forge) as u64);
            return result;
        }
    };
    let source = Source::open(&repo).map_err(|e| anyhow::anyhow!("the target {}: {e}", repo.display()))?;
    let read = super::preview::source_reader(&source, &branch);
    let files = super::preview::TargetFiles::of_source(&source, &branch, &read);
    show_preview(&scenario, &config, &files, now, run, out)
}

/// The files of the target branch through `forge`'s API: one request for the head, one for the listing, one
/// for the repository's default branch, then one per file read (each read once).
fn preview_through(
    forge: &AnyForge,
    scenario: &Scenario,
    config: &Config,
    now: Timestamp,
    run: &mut RunSummary,
    out: &mut dyn Write,
) -> CliResult {
    use crate::forge::Forge as _;
    let id = scenario.id.as_str();
    let branch = scenario.target.branch.as_str();
    let rt = runtime()?;
    let head = rt
        .block_on(forge.branch_head(branch))
        .map_err(|e| {
            CliError::failure(format!("{id}: reading `{branch}` of {}: {e}", forge.describe())).hinted(e.hint())
        })?
        .ok_or_else(|| {
            CliError::invalid(format!(
                "{id}: the branch `{branch}` does not exist in {}: set `target.branch` to one of its branches",
                forge.describe()
            ))
        })?;
    let default_branch = match forge {
        AnyForge::GitHub(g) => {
            rt.block_on(g.repository()).ok().and_then(|r| r["default_branch"].as_str().map(str::to_owned))
        }
        AnyForge::Local(_) => None,
    };
    let listing = match rt.block_on(forge.list_files(&head)) {
        Ok(Some(l)) => Ok(l),
        Ok(None) => Err(format!("{} cannot list its files", forge.describe())),
        Err(e) => Err(e.to_string()),
    };
    let cache: RefCell<BTreeMap<String, crate::drill::prepare::ReadResult>> = RefCell::default();
    let read = |path: &str| -> crate::drill::prepare::ReadResult {
        if let Some(known) = cache.borrow().get(path) {
            return known.clone();
        }
        let text = match rt.block_on(forge.read_file(&head, path)) {
            Ok(Some(t)) => Ok(t),
            Ok(None) => Err((
                format!("`{path}` does not exist on branch `{branch}` of {}", forge.describe()),
                Some("check `target.path` (relative to the repository root) and `target.branch`".to_owned()),
            )),
            Err(e) => Err((e.to_string(), e.hint().map(str::to_owned))),
        };
        cache.borrow_mut().insert(path.to_owned(), text.clone());
        text
    };
    let files = super::preview::TargetFiles {
        describe: format!("API of {} at `{branch}` ({})", forge.describe(), head.short()),
        default_branch,
        listing,
        read: &read,
    };
    show_preview(scenario, config, &files, now, run, out)
}

/// The preview of `scenario` over its target's files, wherever they were read: the draft, what deploys it and
/// where it lands, refused as `firedrill preview` refuses a target production renders (see `crate::reach`).
fn show_preview(
    scenario: &Scenario,
    config: &Config,
    files: &super::preview::TargetFiles<'_>,
    now: Timestamp,
    run: &mut RunSummary,
    out: &mut dyn Write,
) -> CliResult {
    let id = scenario.id.as_str();
    let draft = crate::drill::prepare::draft(scenario, now, |path| (files.read)(path))
        .map_err(|e| anyhow::anyhow!("{id}: {e}"))?;
    let (deployed, warning) = super::preview::deployed_by_files(files, scenario);
    let reach = super::reach::of_files(files, scenario, config).map_err(|e| anyhow::anyhow!("{id}: {e}"))?;
    let tree = render::preview::reach(&reach, &config.environments, config.allow_production);
    if !config.allow_production
        && let Some(why) = reach.refusal(&config.environments)
    {
        out.write_all(format!("── Where it lands ──\n{tree}").as_bytes())?;
        Annotation::new(Level::Error, &why).title("firedrill").write(out)?;
        run.steps.push(("Preview refused".to_owned(), vec![format!("refused: {why}")]));
        return Err(CliError::shown(Kind::Invalid));
    }
    let text = render::preview::with_sections(scenario, &draft, &files.describe, None, Some(&deployed), Some(&tree));
    out.write_all(text.as_bytes())?;
    for w in reach.warnings() {
        Annotation::new(Level::Warning, &w).title("firedrill").write(out)?;
        run.warnings.push(w);
    }
    if let Some(w) = warning {
        Annotation::new(Level::Warning, &w).title("firedrill").write(out)?;
        run.warnings.push(w);
    }
    run.steps.push(("Preview (nothing is written)".to_owned(), vec![format!("drill {}", draft.drill_id)]));
    run.detail = Some(text);
    run.outputs.drill_id = Some(draft.drill_id.to_string());
    Ok(())
}
