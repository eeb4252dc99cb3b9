//! The one orchestrator: turns what is due into effects on the forge and the ledger, step by step.
//!
//! Every entry point (`tick`, `command`, `demo`, later the Action) comes here. Each step reads the ledger,
//! decides from the drills' folded state and `now`, verifies before acting, acts, and records what it did.
//! Every effect is safe to repeat: a re-run after a crash at any point finishes the drill without
//! duplicating branches, commits or events. Under `dry_run` the same decisions are reported, not executed.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use crate::drill::due::{self, Decision};
use crate::drill::event::{Event, EventKind, RecoveryHow};
use crate::drill::prepare;
use crate::drill::state::{Drill, Phase, human_duration};
use crate::forge::{Actor, Change, Forge, ForgeError, MergeOutcome, MergeSpec};
use crate::git::{CommitSha, FileChange, MergeMethod};
use crate::ledger::{Ledger, LedgerError, Write};
use crate::scenario::Scenario;
use crate::schedule::{DrillId, Plan};

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Who firedrill acts as: the owner of the drill token (commits, merges, reverts).
    pub actor: Actor,
    /// What to write as the events' `source`: `tick`, `command`, `demo`…
    pub source: String,
    pub merge_method: MergeMethod,
    pub dry_run: bool,
    /// Where the control repository's reports are linked from, if anywhere.
    pub baseline_mttr: Option<SignedDuration>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("{target}: {error}")]
    Forge { target: String, error: ForgeError },
    #[error("no forge for the target repository {0}")]
    NoForge(String),
    #[error("{0}")]
    Drill(String),
}

/// What a run did (or, under dry-run, would do), step by step, for people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub steps: Vec<(String, Vec<String>)>,
    /// API requests the run sent (GitHub), for the summary.
    pub requests: usize,
}

impl Report {
    fn step(&mut self, title: &str) {
        self.steps.push((title.to_owned(), Vec::new()));
    }
    fn say(&mut self, line: impl Into<String>) {
        if let Some((_, lines)) = self.steps.last_mut() {
            lines.push(line.into());
        }
    }
    /// Whether any step did (or would do) something.
    pub fn did_anything(&self) -> bool {
        self.steps.iter().any(|(_, l)| !l.is_empty())
    }
}

/// The forges of the target repositories, by the scenario's `target.repo` (`None`: the control repository).
pub struct Forges<F> {
    pub by_repo: BTreeMap<Option<String>, F>,
}

impl<F: Forge> Forges<F> {
    fn get(&self, repo: Option<&String>) -> Result<&F, RunError> {
        self.by_repo
            .get(&repo.cloned())
            .ok_or_else(|| RunError::NoForge(repo.cloned().unwrap_or_else(|| "(control)".into())))
    }
}

pub struct Runner<'a, F> {
    pub scenarios: &'a [Scenario],
    pub ledger: &'a Ledger,
    pub forges: &'a Forges<F>,
    pub settings: Settings,
}

fn forge_err(f: &impl Forge) -> impl Fn(ForgeError) -> RunError + '_ {
    move |error| RunError::Forge { target: f.describe(), error }
}

impl<F: Forge> Runner<'_, F> {
    fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id.as_str() == id)
    }

    fn event(&self, time: Timestamp, kind: EventKind) -> Event {
        Event::new(time, self.settings.actor.name.clone(), self.settings.source.clone(), kind)
    }

    /// API requests sent so far by the ledger and the forges (GitHub's budget is about 1,000 an hour).
    pub fn requests(&self) -> usize {
        self.ledger.requests() + self.forges.by_repo.values().map(Forge::requests).sum::<usize>()
    }

    /// The drills in the ledger, folded.
    pub async fn drills(&self) -> Result<Vec<Drill>, RunError> {
        self.drills_with(&[]).await
    }

    /// The drills in the ledger with `unwritten` events (a dry run's) appended to their logs.
    async fn drills_with(&self, unwritten: &[(String, Event)]) -> Result<Vec<Drill>, RunError> {
        let mut logs = self.ledger.read().await?.logs;
        for (id, e) in unwritten {
            logs.entry(id.clone()).or_default().push(e.clone());
        }
        Ok(logs.iter().filter_map(|(id, log)| Drill::fold(id, log)).collect())
    }

    async fn record(&self, events: Vec<(String, Event)>, what: &str, now: Timestamp) -> Result<usize, RunError> {
        if events.is_empty() {
            return Ok(0);
        }
        let w = self
            .ledger
            .write(
                &Write { events, files: Vec::new() },
                what,
                (&self.settings.actor.name, &self.settings.actor.email),
                now,
            )
            .await?;
        Ok(w.appended)
    }

    /// Does everything that is due at `now`.
    pub async fn tick(&self, now: Timestamp) -> Result<Report, RunError> {
        let mut report = Report::default();

        // STEP 1: plan the occurrences that are due.
        report.step("plan due drills");
        let drills = self.drills().await?;
        let mut planned = Vec::new();
        for decision in due::decide(self.scenarios, &drills, now) {
            match decision {
                Decision::Plan { scenario, plan } => {
                    let s = &self.scenarios[scenario];
                    report
                        .say(format!("{}: planned (opens {}, merges {})", plan.drill_id, plan.open_at, plan.merge_at));
                    let kind = EventKind::Planned {
                        scenario: s.id.as_str().to_owned(),
                        target: due::target_of(s),
                        occurrence: plan.occurrence,
                        open_at: plan.open_at,
                        merge_at: plan.merge_at,
                    };
                    planned.push((plan.drill_id.to_string(), self.event(now, kind)));
                }
                Decision::Skip { scenario, occurrence, reason } => {
                    report.say(format!("{} at {occurrence}: skipped: {reason}", self.scenarios[scenario].id.as_str()));
                }
            }
        }
        // Under dry-run nothing is written, but the later steps still see the drills planned here, so the
        // preview shows what this tick would open.
        let unwritten = if self.settings.dry_run {
            planned
        } else {
            self.record(planned, "firedrill: plan drills", now).await?;
            Vec::new()
        };

        // STEP 2: open the changes whose opening instant has come.
        report.step("open changes");
        for d in self.drills_with(&unwritten).await?.iter().filter(|d| d.phase() == Phase::Planned && d.open_at <= now)
        {
            self.open(d, now, &mut report).await?;
        }

        // STEP 3: merge the changes whose merge instant has come.
        report.step("merge");
        for d in self.drills_with(&unwritten).await?.iter().filter(|d| d.phase() == Phase::Opened && d.merge_at <= now)
        {
            self.merge(d, now, &mut report).await?;
        }

        // STEP 4: watch running drills: recovery from content, hints, the safety timer.
        report.step("observe");
        for d in self.drills_with(&unwritten).await?.iter().filter(|d| d.phase() == Phase::Merged) {
            self.observe(d, now, &mut report).await?;
        }

        // STEP 5: report finished drills.
        report.step("report");
        for d in self.drills_with(&unwritten).await?.iter().filter(|d| d.is_resolved() && d.reported.is_none()) {
            self.write_report(d, now, &mut report).await?;
        }
        report.requests = self.requests();
        Ok(report)
    }

    fn plan_of(d: &Drill, s: &Scenario) -> Plan {
        let zone = s.schedule.as_ref().map_or_else(crate::schedule::Zone::utc, |sch| sch.timezone().zone().clone());
        Plan {
            drill_id: DrillId::parse(&d.id).unwrap_or_else(|_| DrillId::new(s.id.as_str(), d.occurrence)),
            occurrence: d.occurrence,
            open_at: d.open_at,
            merge_at: d.merge_at,
            zone,
        }
    }

    async fn open(&self, d: &Drill, now: Timestamp, report: &mut Report) -> Result<(), RunError> {
        let Some(s) = self.scenario(&d.scenario) else {
            report.say(format!("{}: abandoned: scenario `{}` no longer exists", d.id, d.scenario));
            if !self.settings.dry_run {
                self.record(
                    vec![(
                        d.id.clone(),
                        self.event(
                            now,
                            EventKind::Abandoned { reason: format!("scenario `{}` was removed", d.scenario) },
                        ),
                    )],
                    "firedrill: abandon drill",
                    now,
                )
                .await?;
            }
            return Ok(());
        };
        let forge = self.forges.get(d.target.repo.as_ref())?;
        let fe = forge_err(forge);
        // Verify: the base branch exists, the fault applies to what is there now.
        let base = forge.branch_head(&d.target.branch).await.map_err(&fe)?.ok_or_else(|| RunError::Forge {
            target: forge.describe(),
            error: ForgeError::NoBranch { repo: forge.describe(), branch: d.target.branch.clone() },
        })?;
        let mut files = BTreeMap::new();
        for path in std::iter::once(s.target.path.as_str()).chain(s.cover.iter().map(|c| c.file(&s.target).as_str())) {
            if let Some(text) = forge.read_file(&base, path).await.map_err(&fe)? {
                files.insert(path.to_owned(), text);
            }
        }
        let edits = match prepare::edits(s, |p| {
            files.get(p).cloned().ok_or_else(|| (format!("`{p}` does not exist at {}", base.short()), None))
        }) {
            Ok(e) => e,
            Err(e) => {
                report.say(format!("{}: abandoned: {e}", d.id));
                if !self.settings.dry_run {
                    self.record(
                        vec![(d.id.clone(), self.event(now, EventKind::Abandoned { reason: e.to_string() }))],
                        "firedrill: abandon drill",
                        now,
                    )
                    .await?;
                }
                return Ok(());
            }
        };
        let plan = Self::plan_of(d, s);
        let disguise =
            prepare::disguise(s, &plan.drill_id, Some(&plan), now).map_err(|e| RunError::Drill(e.to_string()))?;
        let author = match &disguise.author {
            crate::disguise::Author::Explicit { name, email } => Actor { name: name.clone(), email: email.clone() },
            crate::disguise::Author::TokenOwner => self.settings.actor.clone(),
        };
        if self.settings.dry_run {
            report.say(format!(
                "{}: would open `{}` on {} ({} file(s)): {}",
                d.id,
                disguise.branch,
                d.target.branch,
                edits.len(),
                disguise.pr_title
            ));
            return Ok(());
        }
        // Act: the commit carries the planned opening time, so a re-run writes the very same commit.
        let changes: Vec<FileChange> =
            edits.iter().map(|e| FileChange::write(e.path.clone(), e.after.clone())).collect();
        let existing = forge.find_change(&disguise.branch).await.map_err(&fe)?;
        let change = match existing {
            // Opened by an earlier run that stopped before recording it.
            Some(c) => c,
            None => {
                let head = forge
                    .write_commit(&base, &changes, &disguise.commit_message, &author, d.open_at)
                    .await
                    .map_err(&fe)?;
                forge
                    .open_change(&disguise.branch, &head, &d.target.branch, &disguise.pr_title, &disguise.pr_body)
                    .await
                    .map_err(&fe)?
            }
        };
        report.say(format!("{}: opened `{}` at {} on {}", d.id, change.branch, change.head.short(), d.target.branch));
        let kind = EventKind::Opened {
            branch: change.branch.clone(),
            commit: change.head.to_string(),
            base: base.to_string(),
            change: change.id.clone(),
        };
        self.record(vec![(d.id.clone(), self.event(now, kind))], "firedrill: record opened change", now).await?;
        Ok(())
    }

    async fn merge(&self, d: &Drill, now: Timestamp, report: &mut Report) -> Result<(), RunError> {
        let Some(opened) = &d.opened else { return Ok(()) };
        let forge = self.forges.get(d.target.repo.as_ref())?;
        let fe = forge_err(forge);
        if self.settings.dry_run {
            report.say(format!("{}: would merge `{}` into {}", d.id, opened.branch, d.target.branch));
            return Ok(());
        }
        let head = sha(&opened.commit)?;
        let cut_from = sha(&opened.base)?;
        let change = Change { id: opened.change.clone(), branch: opened.branch.clone(), head: head.clone(), url: None };
        let message = format!("Merge branch '{}'", opened.branch);
        let spec = MergeSpec {
            base: &d.target.branch,
            cut_from: &cut_from,
            expected_head: &head,
            method: self.settings.merge_method,
            message: &message,
        };
        let outcome = forge.merge_change(&change, &spec, &self.settings.actor, now).await.map_err(&fe)?;
        let (time, kind) = match outcome {
            MergeOutcome::Merged { commit, at } => {
                report.say(format!("{}: merged into {} at {at} ({})", d.id, d.target.branch, commit.short()));
                (at, EventKind::Merged { commit: commit.to_string() })
            }
            MergeOutcome::HeadMoved { expected, actual } => {
                let reason = format!("the change's head moved from {} to {}", expected.short(), actual.short());
                report.say(format!("{}: abandoned: {reason}", d.id));
                (now, EventKind::Abandoned { reason })
            }
            MergeOutcome::Closed => {
                report.say(format!("{}: abandoned: the change was closed", d.id));
                (now, EventKind::Abandoned { reason: "the change was closed before the merge".into() })
            }
            MergeOutcome::NotMergeable { reason } => {
                report.say(format!("{}: abandoned: {reason}", d.id));
                (now, EventKind::Abandoned { reason })
            }
        };
        self.record(vec![(d.id.clone(), self.event(time, kind))], "firedrill: record merge", now).await?;
        Ok(())
    }

    /// Recovery, judged from content: the first commit on the base branch after the fault in which the fault
    /// no longer holds, however it was undone. Then hints and the safety timer.
    async fn observe(&self, d: &Drill, now: Timestamp, report: &mut Report) -> Result<(), RunError> {
        let Some(merged) = &d.merged else { return Ok(()) };
        let Some(s) = self.scenario(&d.scenario) else {
            report.say(format!("{}: scenario `{}` no longer exists; cannot judge recovery", d.id, d.scenario));
            return Ok(());
        };
        let forge = self.forges.get(d.target.repo.as_ref())?;
        let fe = forge_err(forge);
        let merge_commit = sha(&merged.commit)?;
        let selector = s.target.document_selector();
        let deadline = merged.at.checked_add(s.safety.max_duration().to_signed()).unwrap_or(merged.at);
        for landing in forge.history(&d.target.branch, &merge_commit).await.map_err(&fe)? {
            let text = forge.read_file(&landing.sha, &d.target.path).await.map_err(&fe)?;
            let holds =
                text.as_deref().is_some_and(|t| prepare::fault_holds(s, t, s.target.format(), selector.as_ref()));
            if holds {
                continue;
            }
            let ours = landing.committer == format!("{} <{}>", self.settings.actor.name, self.settings.actor.email);
            let how = if ours && landing.at >= deadline && landing.message.starts_with("Revert") {
                RecoveryHow::Timeout
            } else if landing.message.starts_with("Revert")
                || landing.message.contains(&merged.commit)
                || d.opened.as_ref().is_some_and(|o| landing.message.contains(&o.commit))
                || self.back_to_before(forge, d, &landing.sha).await?
            {
                RecoveryHow::Revert
            } else {
                RecoveryHow::Fix
            };
            let ttr = human_duration(landing.at.duration_since(merged.at));
            report.say(format!(
                "{}: recovered by {} at {} ({how:?}), time to recovery {ttr}",
                d.id,
                landing.sha.short(),
                landing.at
            ));
            if !self.settings.dry_run {
                let mut events = Vec::new();
                if how == RecoveryHow::Timeout {
                    events.push((
                        d.id.clone(),
                        self.event(landing.at, EventKind::TimedOut { reverted_by: Some(landing.sha.to_string()) }),
                    ));
                }
                // The recovery is the responder's: the commit's author is the event's actor.
                let who = landing.author.split(" <").next().unwrap_or(&landing.author).to_owned();
                events.push((
                    d.id.clone(),
                    Event::new(
                        landing.at,
                        who,
                        self.settings.source.clone(),
                        EventKind::Recovered { commit: landing.sha.to_string(), how },
                    ),
                ));
                // Where the target environment has deployments: from the fault's to the fix's deployment.
                if let Some(env) = &s.target.environment {
                    let fault = forge.deployed_at(env, &merge_commit).await.map_err(&fe)?;
                    let fix = forge.deployed_at(env, &landing.sha).await.map_err(&fe)?;
                    if let (Some(fault), Some(fix)) = (fault, fix) {
                        report.say(format!("{}: deployed to {env}: fault {fault}, fix {fix}", d.id));
                        events.push((d.id.clone(), self.event(fix, EventKind::Deployed { fault, fix })));
                    }
                }
                self.record(events, "firedrill: record recovery", now).await?;
            }
            return Ok(());
        }

        // Still broken: release the hints whose time has come.
        let mut events = Vec::new();
        for (index, hint) in s.hints.iter().enumerate() {
            let due = merged.at.checked_add(hint.after.to_signed()).unwrap_or(merged.at);
            if due <= now && !d.hints.iter().any(|(i, _)| *i == index) {
                report.say(format!("{}: hint {} released", d.id, index + 1));
                events.push((d.id.clone(), self.event(now, EventKind::Hint { index, text: hint.text.clone() })));
            }
        }
        if !self.settings.dry_run {
            self.record(events, "firedrill: release hints", now).await?;
        }

        // The safety timer.
        if now < deadline {
            report.say(format!(
                "{}: running for {}; auto-revert at {deadline}",
                d.id,
                human_duration(now.duration_since(merged.at))
            ));
            return Ok(());
        }
        if !s.safety.auto_revert() {
            report.say(format!("{}: timed out (no auto-revert): the fault stays until someone removes it", d.id));
            if !self.settings.dry_run {
                self.record(
                    vec![(d.id.clone(), self.event(deadline, EventKind::TimedOut { reverted_by: None }))],
                    "firedrill: record timeout",
                    now,
                )
                .await?;
            }
            return Ok(());
        }
        if self.settings.dry_run {
            report.say(format!(
                "{}: would revert {} (max_duration {} passed)",
                d.id,
                merge_commit.short(),
                s.safety.max_duration().as_str()
            ));
            return Ok(());
        }
        let landing = self.revert_fault(d, &merge_commit, now).await?;
        report.say(format!("{}: timed out: reverted by {}", d.id, landing.sha.short()));
        let events = vec![
            (d.id.clone(), self.event(landing.at, EventKind::TimedOut { reverted_by: Some(landing.sha.to_string()) })),
            (
                d.id.clone(),
                self.event(
                    landing.at,
                    EventKind::Recovered { commit: landing.sha.to_string(), how: RecoveryHow::Timeout },
                ),
            ),
        ];
        self.record(events, "firedrill: record timeout revert", now).await?;
        Ok(())
    }

    /// Whether the target file at `commit` is exactly what it was before the drill (a revert, whatever its
    /// commit message says: GitHub's revert button lands as "Merge pull request #N").
    async fn back_to_before(&self, forge: &F, d: &Drill, commit: &CommitSha) -> Result<bool, RunError> {
        let Some(opened) = &d.opened else { return Ok(false) };
        let fe = forge_err(forge);
        let before = forge.read_file(&sha(&opened.base)?, &d.target.path).await.map_err(&fe)?;
        let now = forge.read_file(commit, &d.target.path).await.map_err(&fe)?;
        Ok(before == now)
    }

    async fn revert_fault(
        &self,
        d: &Drill,
        merge_commit: &CommitSha,
        now: Timestamp,
    ) -> Result<crate::forge::Landing, RunError> {
        let forge = self.forges.get(d.target.repo.as_ref())?;
        let message = format!(
            "Revert \"Merge branch '{}'\"\n\nThis reverts commit {merge_commit}.\n",
            d.opened.as_ref().map_or("", |o| o.branch.as_str())
        );
        forge
            .revert(merge_commit, &d.target.branch, &message, &self.settings.actor, now)
            .await
            .map_err(forge_err(forge))
    }

    async fn write_report(&self, d: &Drill, now: Timestamp, report: &mut Report) -> Result<(), RunError> {
        let scenario = self.scenario(&d.scenario);
        let repo_url = self.forges.get(d.target.repo.as_ref()).ok().and_then(Forge::web_url);
        let text = crate::render::report_markdown(scenario, d, self.settings.baseline_mttr, repo_url);
        let path = format!("drills/{}/report.md", d.id);
        report.say(format!("{}: report written to {path}", d.id));
        if self.settings.dry_run {
            return Ok(());
        }
        let event = self.event(now, EventKind::Reported { path: path.clone() });
        let w = Write { events: vec![(d.id.clone(), event)], files: vec![(d.id.clone(), "report.md".into(), text)] };
        self.ledger
            .write(&w, "firedrill: write drill report", (&self.settings.actor.name, &self.settings.actor.email), now)
            .await?;
        Ok(())
    }

    /// Starts a drill of `scenario_id` by hand at `now` (scheduled or not): planned now, opened now, merged
    /// after `merge_in` (default: an instant drawn in the scenario's window, seeded by the drill id). Then
    /// does whatever else is due, as a tick.
    pub async fn start(
        &self,
        scenario_id: &str,
        now: Timestamp,
        merge_in: Option<SignedDuration>,
    ) -> Result<Report, RunError> {
        let s = self.scenario(scenario_id).ok_or_else(|| RunError::Drill(format!("no scenario `{scenario_id}`")))?;
        let target = due::target_of(s);
        let drills = self.drills().await?;
        if let Some(d) =
            drills.iter().find(|d| !d.is_resolved() && d.target.repo == target.repo && d.target.branch == target.branch)
        {
            return Err(RunError::Drill(format!(
                "drill {} on the same target is not resolved yet ({}): one drill at a time",
                d.id,
                d.phase().name()
            )));
        }
        // The occurrence is this minute: the drill id, and so every seeded choice, is stable within it.
        let occurrence = Timestamp::from_second(now.as_second() - now.as_second().rem_euclid(60)).unwrap_or(now);
        let id = DrillId::new(s.id.as_str(), occurrence);
        let window = s.schedule.as_ref().map_or(SignedDuration::ZERO, |sc| sc.window().to_signed());
        let merge_at = match merge_in {
            Some(d) => now.checked_add(d).unwrap_or(now),
            None => crate::schedule::merge_instant(now, window, id.as_str()),
        };
        let mut report = Report::default();
        report.step("start by hand");
        report.say(format!("{id}: planned by hand (opens now, merges {merge_at})"));
        let kind =
            EventKind::Planned { scenario: s.id.as_str().to_owned(), target, occurrence, open_at: now, merge_at };
        let planned = vec![(id.to_string(), self.event(now, kind))];
        let unwritten = if self.settings.dry_run {
            planned
        } else {
            self.record(planned, "firedrill: plan a drill by hand", now).await?;
            Vec::new()
        };
        // The rest is a tick, which now sees this drill as planned and due to open.
        for d in
            self.drills_with(&unwritten).await?.iter().filter(|d| d.id == id.as_str() && d.phase() == Phase::Planned)
        {
            report.step("open changes");
            self.open(d, now, &mut report).await?;
        }
        let tick = self.tick(now).await?;
        report.steps.extend(tick.steps.into_iter().filter(|(_, lines)| !lines.is_empty()));
        report.requests = self.requests();
        Ok(report)
    }

    /// A command on one drill, by `actor` (`revert`: give up and revert now; `abort`: stop the drill;
    /// `status`: record that someone asked). Returns what was done.
    pub async fn command(&self, drill_id: &str, name: &str, actor: &str, now: Timestamp) -> Result<Report, RunError> {
        let mut report = Report::default();
        report.step(&format!("/drill {name}"));
        let drills = self.drills().await?;
        let d = drills
            .iter()
            .find(|d| d.id == drill_id)
            .ok_or_else(|| RunError::Drill(format!("no drill `{drill_id}` in the ledger")))?;
        let command = Event::new(now, actor, "command", EventKind::Command { name: name.to_owned(), args: None });
        match name {
            "status" => {
                report.say(format!("{}: {}", d.id, d.phase().name()));
                if !self.settings.dry_run {
                    self.record(vec![(d.id.clone(), command)], "firedrill: record command", now).await?;
                }
            }
            "revert" | "abort" => {
                if d.is_resolved() {
                    report.say(format!("{}: already {}; nothing to do", d.id, d.phase().name()));
                    return Ok(report);
                }
                if self.settings.dry_run {
                    report.say(format!("{}: would {name}", d.id));
                    return Ok(report);
                }
                self.record(vec![(d.id.clone(), command)], "firedrill: record command", now).await?;
                let forge = self.forges.get(d.target.repo.as_ref())?;
                if let (Some(merged), None) = (&d.merged, &d.recovered) {
                    let landing = self.revert_fault(d, &sha(&merged.commit)?, now).await?;
                    report.say(format!("{}: reverted by {}", d.id, landing.sha.short()));
                    if name == "revert" {
                        let e = Event::new(
                            landing.at,
                            actor,
                            "command",
                            EventKind::Recovered { commit: landing.sha.to_string(), how: RecoveryHow::Revert },
                        );
                        self.record(vec![(d.id.clone(), e)], "firedrill: record recovery", now).await?;
                    }
                } else if let Some(opened) = &d.opened {
                    let change = Change {
                        id: opened.change.clone(),
                        branch: opened.branch.clone(),
                        head: sha(&opened.commit)?,
                        url: None,
                    };
                    forge.close_change(&change).await.map_err(forge_err(forge))?;
                    report.say(format!("{}: closed `{}` before it was merged", d.id, opened.branch));
                }
                if name == "abort" || d.merged.is_none() {
                    let e = Event::new(now, actor, "command", EventKind::Aborted { reason: format!("/drill {name}") });
                    self.record(vec![(d.id.clone(), e)], "firedrill: record abort", now).await?;
                    report.say(format!("{}: aborted", d.id));
                }
                for d in
                    self.drills().await?.iter().filter(|x| x.id == drill_id && x.is_resolved() && x.reported.is_none())
                {
                    self.write_report(d, now, &mut report).await?;
                }
            }
            other => {
                return Err(RunError::Drill(format!("unknown command `{other}`: expected revert, abort or status")));
            }
        }
        Ok(report)
    }
}

fn sha(s: &str) -> Result<CommitSha, RunError> {
    CommitSha::parse(s).map_err(|e| RunError::Drill(format!("the ledger holds a bad commit id: {e}")))
}
