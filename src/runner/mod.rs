//! The one executor: reads the ledger, asks the forge what [`crate::drill::step`] needs, and carries out the
//! effects it decides. No rule lives here.
//!
//! Every entry point (`tick`, `start`, `command`, `demo`, the Action) comes here. For each drill the runner
//! gathers an observation, calls `step`, executes the effects in order (forge actions, then one ledger commit
//! for the events), feeds the results back into the observation and calls `step` again until the drill has
//! nothing left to do. Under `dry_run` the same rounds run with simulated results and nothing is written, so a
//! dry run lists exactly the effects a real run at the same instant carries out.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use crate::drill::command::DrillCommand;
use crate::drill::due::{self, Decision};
use crate::drill::event::{Event, EventKind, TargetRef};
use crate::drill::state::{Drill, Phase};
use crate::drill::step::{
    self, Base, CommentIn, Context, Effect, FaultView, Observed, Received, Removal, Reply, Standing,
};
use crate::forge::{Change, Comment, Forge, ForgeError, Landing, MergeOutcome, MergeSpec, Person};
use crate::git::{CommitSha, FileChange, MergeMethod};
use crate::ledger::{Damage, Ledger, LedgerError, Write};
use crate::render::run::{self, RunReport};
use crate::scenario::{Config, Scenario};
use crate::schedule::DrillId;

pub use crate::render::run::RunReport as Report;

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Who firedrill acts as: the owner of the drill token (commits, merges, reverts).
    pub actor: Person,
    /// No identity was given: on a forge that knows the token's owner (GitHub), act as them, as GitHub shows
    /// them, so nothing in `git log` gives the drill away; `actor` is the fallback.
    pub actor_from_token: bool,
    /// What to write as the events' `source`: `tick`, `command`, `action`, `demo`…
    pub source: String,
    pub merge_method: MergeMethod,
    pub dry_run: bool,
    /// How long the last real outage took, for the reports.
    pub baseline_mttr: Option<SignedDuration>,
    /// Where the control repository and the history page are on the web, for links in reports and badges.
    pub links: crate::render::Links,
}

/// The ledger as `status` shows it ([`Runner::overview`]).
#[derive(Debug, Clone)]
pub struct Overview {
    /// The drills with work left (unresolved, or not reported yet), folded from their whole logs.
    pub active: Vec<Drill>,
    /// The ledger as read, shared with the ledger's cache: the index's summaries are borrowed from it.
    read: std::sync::Arc<crate::ledger::Active>,
}

impl Overview {
    /// The ledger tip read (`None`: no ledger yet).
    pub fn tip(&self) -> Option<&CommitSha> {
        self.read.tip.as_ref()
    }

    /// The drills whose log cannot be read (or is gone while the index lists it), by drill id.
    pub fn damaged(&self) -> &BTreeMap<String, Damage> {
        &self.read.damaged
    }

    /// Every other drill, as the index sums it up: (drill id, summary), by drill id.
    pub fn finished(&self) -> impl Iterator<Item = (&str, &crate::ledger::Summary)> {
        (self.read.index.drills.iter())
            .filter(|(id, _)| !self.read.logs.contains_key(*id) && !self.read.damaged.contains_key(*id))
            .map(|(id, s)| (id.as_str(), s))
    }
}

/// What went wrong, by kind: the kind decides the exit code.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("{target}: {error}")]
    Forge { target: String, error: ForgeError },
    #[error("no forge for the target repository {0}")]
    NoForge(String),
    /// The request names something that is not there (a drill, a scenario): invalid input.
    #[error("{0}")]
    Invalid(String),
    /// A safety rule or the drill's state refused the request.
    #[error("refused: {0}")]
    Refused(String),
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
    pub config: &'a Config,
    pub ledger: &'a Ledger,
    pub forges: &'a Forges<F>,
    pub settings: Settings,
}

fn forge_err(f: &impl Forge) -> impl Fn(ForgeError) -> RunError + '_ {
    move |error| RunError::Forge { target: f.describe(), error }
}

/// A commit id standing for one that a dry run would have written.
fn simulated() -> CommitSha {
    CommitSha::parse(&"0".repeat(40)).unwrap_or_else(|_| unreachable!("40 zeros are a commit id"))
}

impl<F: Forge> Runner<'_, F> {
    fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id.as_str() == id)
    }

    fn context(&self) -> Context<'_> {
        Context { config: self.config, actor: &self.settings.actor }
    }

    /// API requests sent so far by the ledger and the forges (GitHub's budget is about 1,000 an hour).
    pub fn requests(&self) -> usize {
        self.ledger.requests() + self.forges.by_repo.values().map(Forge::requests).sum::<usize>()
    }

    /// The drills in the ledger, folded (every log is read).
    pub async fn drills(&self) -> Result<Vec<Drill>, RunError> {
        Ok(fold(self.ledger.read().await?.logs, &[]))
    }

    /// What `status` lists, read as a tick reads the ledger ([`Ledger::read_active`]): the drills with work
    /// left folded from their logs, every other drill from the index's summary (no log read for it), and the
    /// drills whose log cannot be read (or is gone while the index lists it). A stale or missing index is
    /// folded from every log first, so the summaries never disagree with the logs; a summary whose phase this
    /// firedrill does not know counts as work left, so its log is read, not its summary trusted.
    pub async fn overview(&self) -> Result<Overview, RunError> {
        let read = self.ledger.read_active().await?;
        Ok(Overview { active: fold(read.logs.clone(), &[]), read })
    }

    /// Drill `id` folded from its whole log at the tip `overview` read (for its timeline); `Ok(None)`: the
    /// ledger has no such drill.
    pub async fn drill(&self, overview: &Overview, id: &str) -> Result<Option<Drill>, RunError> {
        if let Some(d) = overview.active.iter().find(|d| d.id.as_str() == id) {
            return Ok(Some(d.clone()));
        }
        if let Some(damage) = overview.damaged().get(id) {
            return Err(RunError::Refused(damage.to_string()));
        }
        let Ok(drill_id) = DrillId::parse(id) else { return Ok(None) };
        match self.ledger.read_log_at(overview.tip(), id).await? {
            Some(Ok(log)) => Ok(Drill::fold(&drill_id, &log)),
            Some(Err(damage)) => Err(RunError::Refused(damage.to_string())),
            None => Ok(None),
        }
    }

    /// The unfinished drills (and the finished ones not reported yet), with `unwritten` events appended, and
    /// every drill id of the ledger: what a tick needs, read from the ledger's index and the logs of those
    /// drills only, so an idle tick costs the same with 10 or 10,000 drills in the ledger.
    async fn active_with(
        &self,
        unwritten: &[(DrillId, Event)],
    ) -> Result<(Vec<Drill>, std::collections::BTreeSet<DrillId>, Vec<(Damage, Option<TargetRef>)>), RunError> {
        let active = self.ledger.read_active().await?;
        // A damaged or deleted log keeps its drill's id taken: the same drill is never planned twice.
        let mut known: std::collections::BTreeSet<DrillId> = (active.index.drills.keys())
            .chain(active.index.damaged.keys())
            .chain(active.damaged.keys())
            .filter_map(|id| DrillId::parse(id).ok())
            .collect();
        known.extend(unwritten.iter().map(|(id, _)| id.clone()));
        // Where a damaged drill may have its fault, as the index last knew it (`None`: unknown).
        let damaged = active
            .damaged
            .values()
            .cloned()
            .map(|d| {
                let target = active.index.drills.get(&d.drill).map(|s| s.target.clone());
                (d, target)
            })
            .collect();
        Ok((fold(active.logs.clone(), unwritten), known, damaged))
    }

    /// The drills a tick still has work on (see [`Runner::active_with`]).
    pub async fn active_drills(&self) -> Result<Vec<Drill>, RunError> {
        Ok(self.active_with(&[]).await?.0)
    }

    /// Appends events as one ledger commit (nothing under dry-run).
    async fn record(&self, events: Vec<(DrillId, Event)>, now: Timestamp) -> Result<(), RunError> {
        if events.is_empty() || self.settings.dry_run {
            return Ok(());
        }
        let names: Vec<&str> = events.iter().map(|(_, e)| e.kind.name()).collect();
        let what = format!("firedrill: record {}", names.join(", "));
        let events = events.into_iter().map(|(id, e)| (id.to_string(), e)).collect();
        self.ledger.write(&Write { events, ..Write::default() }, &what, &self.settings.actor, now).await?;
        Ok(())
    }

    /// Does everything that is due at `now`.
    pub async fn tick(&self, now: Timestamp) -> Result<RunReport, RunError> {
        self.tick_with(now, Vec::new(), RunReport::default()).await
    }

    /// A tick that also sees `pending` events (planned by this run but, under dry-run, not written).
    async fn tick_with(
        &self,
        now: Timestamp,
        mut pending: Vec<(DrillId, Event)>,
        mut report: RunReport,
    ) -> Result<RunReport, RunError> {
        // STEP 1: plan the occurrences that are due.
        report.step("plan due drills");
        let (drills, known, damaged) = self.active_with(&pending).await?;
        // A drill whose log cannot be read is left alone (what was done is unknown); every other drill is driven.
        for (damage, _) in &damaged {
            report.refusals.push(format!("{}: refused to act on the drill: {damage}", damage.drill));
        }
        let mut planned = Vec::new();
        for decision in due::decide_known(self.scenarios, &drills, &|id| known.contains(id), now) {
            match decision {
                Decision::Plan { scenario, plan } => {
                    // A damaged drill may still have its fault on its target: nothing new lands there (anywhere,
                    // when the index does not say where) until its log is repaired. The kill switch plans
                    // nothing. Either way: one refusal line per drill that would have been planned.
                    let why = damaged_block(&damaged, &due::target_of(&self.scenarios[scenario]))
                        .or_else(|| step::switched_off(self.config));
                    if let Some(why) = why {
                        report.say(format!("{}: not planned: {why}", plan.drill_id));
                        report.refusals.push(format!("{}: {why}", plan.drill_id));
                        continue;
                    }
                    let kind = due::planned_event(&self.scenarios[scenario], &plan);
                    report
                        .say(format!("{}: planned (opens {}, merges {})", plan.drill_id, plan.open_at, plan.merge_at));
                    planned.push((plan.drill_id.clone(), self.event(now, "firedrill", kind)));
                }
                Decision::Skip { scenario, occurrence, reason } => {
                    report.say(format!("{} at {occurrence}: skipped: {reason}", self.scenarios[scenario].id.as_str()));
                }
            }
        }
        self.record(planned.clone(), now).await?;
        if self.settings.dry_run {
            pending.extend(planned);
        }

        // STEP 2: drive every drill that is not finished, oldest first.
        for d in self.active_with(&pending).await?.0 {
            if d.is_resolved() && d.reported.is_some() {
                continue;
            }
            self.drive(d, Vec::new(), Vec::new(), now, &mut report).await?;
        }
        report.requests = self.requests();
        Ok(report)
    }

    fn event(&self, time: Timestamp, actor: &str, kind: EventKind) -> Event {
        Event::new(time, actor, self.settings.source.clone(), kind)
    }

    /// The `reported` event of drill `id`, written with its report.
    fn reported(&self, id: &DrillId, now: Timestamp) -> Event {
        self.event(now, "firedrill", EventKind::Reported { path: report_path(id) })
    }

    /// Rounds of gather → step → execute for one drill, until it has nothing left to do. `commands` come from
    /// the command line; `named` are comments an event named (they are read with the drill's other new ones).
    async fn drive(
        &self,
        mut d: Drill,
        commands: Vec<Received>,
        named: Vec<Comment>,
        now: Timestamp,
        report: &mut RunReport,
    ) -> Result<Drill, RunError> {
        let s = self.scenario(d.scenario.as_str());
        let forge = self.forges.get(d.target.repo.as_ref())?;
        let dry = self.settings.dry_run;
        let mut o = Observed { commands, issues: forge.has_issues(), ..Observed::default() };
        let mut lines: Vec<String> = Vec::new();
        self.read_comments(forge, &d, named, &mut o).await?;
        let logged = d.events.len();
        // Answers to this run's commands, for the status comment (and a reveal asked for).
        let mut answers: Vec<Reply> = Vec::new();
        self.gather(forge, &d, s, now, &mut o).await?;
        let actor = self.actor_for(forge, &d, s, &o, now).await;
        let cx = Context { config: self.config, actor: &actor };
        // Each round moves the drill at least one step; the lifecycle has fewer steps than this.
        for _ in 0..12 {
            let phase = d.phase();
            let effects = step::step(&d, s, &cx, &o, now);
            o.commands.clear();
            o.comments.clear();
            o.first_reply = None;
            let acts = effects.iter().any(Effect::acts);
            let mut events = Vec::new();
            for e in &effects {
                lines.push(run::effect(e, &d, s, dry));
                match e {
                    Effect::Open(spec) => {
                        let change = if dry {
                            Change { id: "new".into(), branch: spec.branch.clone(), head: simulated(), url: None }
                        } else {
                            self.open(forge, spec).await?
                        };
                        if !dry {
                            lines.push(run::result(format!(
                                "opened `{}` at {} on {}",
                                change.branch,
                                change.head.short(),
                                spec.base_branch
                            )));
                        }
                        o.opened = Some(change);
                    }
                    Effect::Merge { .. } => self.merge(forge, &d, &mut o, &actor, now, &mut lines).await?,
                    Effect::Revert { commit, .. } => {
                        let branch = d.opened.as_ref().map_or("", |op| op.branch.as_str());
                        let message = run::revert_message(branch, commit.as_str());
                        let landing = if dry {
                            Landing {
                                sha: simulated(),
                                at: now,
                                message,
                                author: actor.clone(),
                                committer: actor.clone(),
                            }
                        } else {
                            let l = forge
                                .revert(commit, &d.target.branch, &message, &actor, now)
                                .await
                                .map_err(forge_err(forge))?;
                            lines.push(run::result(format!("reverted by {} at {}", l.sha.short(), l.at)));
                            l
                        };
                        o.fault = Some(FaultView {
                            head: landing.sha.clone(),
                            holds: false,
                            removal: Some(Removal { landing, back_to_before: true }),
                        });
                    }
                    Effect::Announce { title, body } => {
                        let marker = announce_marker(&d.id);
                        o.announced = if dry {
                            Some("new".to_owned())
                        } else {
                            forge.open_issue(title, body, &marker).await.map_err(forge_err(forge))?
                        };
                        if let (false, Some(n)) = (dry, &o.announced) {
                            lines.push(run::result(format!("opened issue #{n}")));
                        }
                    }
                    Effect::Close { .. } => {
                        if let (false, Some(op)) = (dry, &d.opened) {
                            forge.close_change(&change_of(op)).await.map_err(forge_err(forge))?;
                        }
                        o.closed = true;
                    }
                    Effect::Append { time, actor, kind } => {
                        if let EventKind::Abandoned { reason } = kind {
                            report.refusals.push(format!("{}: abandoned: {reason}", d.id));
                        }
                        events.push((d.id.clone(), self.event(*time, actor, kind.clone())));
                    }
                    Effect::WriteReport => {
                        if let Some(text) = self.write_report(forge, &d, s, now).await? {
                            report.reports.push(text);
                        }
                    }
                    Effect::Reply(r) => {
                        // The answer itself, under the effect line that announced it.
                        lines.pop();
                        lines.push(run::reply(r, &d, s, Some(now)));
                        answers.push(r.clone());
                    }
                    Effect::Refuse(why) => report.refusals.push(format!("{}: {why}", d.id)),
                    Effect::Decline(why) => report.declined.push(format!("{}: {why}", d.id)),
                    Effect::Note(_) => {}
                }
            }
            // One ledger commit for the round's events; then the drill is what the log now says.
            let mut log = d.events.clone();
            log.extend(events.iter().map(|(_, e)| e.clone()));
            self.record(events, now).await?;
            if let Some(next) = Drill::fold(&d.id, &log) {
                d = next;
            }
            if effects.contains(&Effect::WriteReport) {
                // The report was written with its `reported` event.
                let mut log = d.events.clone();
                log.push(self.reported(&d.id, now));
                d = Drill::fold(&d.id, &log).unwrap_or(d);
            }
            // Another round only when the forge was acted on or the drill moved on: a recorded command or
            // hint alone changes nothing the next decision depends on.
            if !acts || (!effects.iter().any(Effect::acts_on_forge) && d.phase() == phase) {
                break;
            }
            if d.phase() != phase {
                self.gather(forge, &d, s, now, &mut o).await?;
            }
        }
        if !dry {
            self.answer(forge, &d, s, logged, &answers, now).await?;
        }
        if !lines.is_empty() {
            report.step(d.id.to_string());
            for l in lines {
                report.say(l);
            }
        }
        Ok(d)
    }

    /// Who firedrill acts as on this drill's forge: the configured identity, or the drill token's owner as the
    /// forge shows them. Asked only when this drill may write (open, merge, revert) or judge whose commit removed
    /// the fault, so an idle tick costs nothing more. A forge that cannot say (plain git, a GitHub App token,
    /// which `GET /user` refuses) gets the fallback, with a warning: safety work never waits on a name.
    async fn actor_for(&self, forge: &F, d: &Drill, s: Option<&Scenario>, o: &Observed, now: Timestamp) -> Person {
        let fallback = self.settings.actor.clone();
        if !self.settings.actor_from_token {
            return fallback;
        }
        let due = |at: Timestamp| at <= now;
        let needed = match d.phase() {
            Phase::Planned => due(d.open_at),
            Phase::Opened => due(d.merge_at),
            Phase::Merged => {
                let deadline = d.merged.as_ref().zip(s).map(|(m, s)| step::deadline(m.at, s));
                o.fault.as_ref().is_some_and(|f| !f.holds)
                    || !o.commands.is_empty()
                    || !o.comments.is_empty()
                    || deadline.is_some_and(due)
            }
            _ => false,
        };
        if !needed {
            return fallback;
        }
        match forge.token_owner().await {
            Ok(Some(owner)) => owner,
            Ok(None) => fallback,
            Err(e) => {
                tracing::warn!(
                    "cannot tell who owns the drill token ({e}); acting as {fallback}: set `identity` to choose"
                );
                fallback
            }
        }
    }

    /// The comments on the drill's change not answered yet (and `named` ones an event pointed at), parsed,
    /// with their authors' standing; each command comment gets 👀 as it is received. One request per unfinished
    /// drill, plus one per author of a command.
    async fn read_comments(&self, forge: &F, d: &Drill, named: Vec<Comment>, o: &mut Observed) -> Result<(), RunError> {
        let fe = forge_err(forge);
        let Some(op) = &d.opened else { return Ok(()) };
        let mut all = named;
        // A finished drill reads only what an event named (a `/drill reveal`); a running one, everything new.
        if !d.is_resolved() {
            let mut places = vec![change_of(op)];
            places.extend(d.announced().map(issue_change));
            for place in &places {
                for c in forge.comments(place, d.comments_since()).await.map_err(&fe)? {
                    if !all.iter().any(|x| x.id == c.id) {
                        all.push(c);
                    }
                }
            }
        }
        all.sort_by_key(|c| (c.created_at, c.id));
        let mut standing: BTreeMap<String, Standing> = BTreeMap::new();
        for c in all {
            // Older than the drill, on another change, or firedrill's own: not for this drill.
            let here = c.on == op.change.as_str() || d.announced() == Some(c.on.as_str());
            if c.created_at < op.at || !here || c.body.contains("<!-- firedrill:") {
                continue;
            }
            let parsed = crate::drill::command::parse_comment(&c.body);
            let after_merge = d.merged.as_ref().is_some_and(|m| c.created_at >= m.at);
            if o.first_reply.is_none() && after_merge && !c.bot {
                o.first_reply = Some((c.by.clone(), c.created_at));
            }
            if parsed.is_empty() || d.answered(c.id) {
                continue;
            }
            let who = match standing.get(&c.by) {
                Some(s) => s.clone(),
                None if c.bot => Standing::Bot,
                None => Standing::Permission(forge.permission(&c.by).await.map_err(&fe)?),
            };
            standing.insert(c.by.clone(), who.clone());
            if !self.settings.dry_run {
                forge.react(c.id, "eyes").await.map_err(&fe)?;
            }
            o.comments.push(CommentIn {
                id: c.id,
                by: c.by,
                at: c.created_at,
                standing: who,
                // GitHub sets `updated_at` to `created_at` until the comment is edited.
                edited: c.updated_at > c.created_at,
                commands: parsed
                    .into_iter()
                    .map(|p| p.map(|p| (p.command, p.args)).map_err(|e| e.to_string()))
                    .collect(),
            });
        }
        Ok(())
    }

    /// Where responders are: 🚀 or 😕 on each comment answered in this run, the status comment brought up to
    /// date once they have spoken to firedrill, and the reveal when a game master asked for it.
    async fn answer(
        &self,
        forge: &F,
        d: &Drill,
        s: Option<&Scenario>,
        logged: usize,
        answers: &[Reply],
        now: Timestamp,
    ) -> Result<(), RunError> {
        let fe = forge_err(forge);
        let Some(op) = &d.opened else { return Ok(()) };
        let new = d.events.get(logged..).unwrap_or_default();
        for e in new {
            if let EventKind::Comment { id, refused } = &e.kind {
                forge.react(*id, if refused.is_empty() { "rocket" } else { "confused" }).await.map_err(&fe)?;
            }
        }
        let change = change_of(op);
        // The status lives on the announcement where there is one. Otherwise, until the responders speak to
        // firedrill, the pull request must look like any other: no status comment.
        let changed = new.iter().any(|e| !matches!(e.kind, EventKind::Reported { .. }));
        let place = match d.announced() {
            Some(issue) => Some(issue_change(issue)),
            None => d.engaged().then(|| change.clone()),
        };
        if let Some(place) = place
            && (changed || !answers.is_empty())
        {
            let text = run::status_comment(d, now, answers);
            forge.post_note(&place, run::STATUS_MARKER, &text).await.map_err(&fe)?;
        }
        if d.is_resolved() && answers.contains(&Reply::Reveal) {
            let text = run::reply(&Reply::Reveal, d, s, Some(now));
            forge.post_note(&change, run::REVEAL_MARKER, &format!("```text\n{text}\n```")).await.map_err(&fe)?;
        }
        Ok(())
    }

    /// Asks the forge what `step` needs for the drill's phase (and nothing else: an idle tick stays cheap).
    async fn gather(
        &self,
        forge: &F,
        d: &Drill,
        s: Option<&Scenario>,
        now: Timestamp,
        o: &mut Observed,
    ) -> Result<(), RunError> {
        let fe = forge_err(forge);
        let Some(s) = s else { return Ok(()) };
        // A real incident stops a fault about to land; asked only then (and not when the kill switch already
        // stops it), so idle ticks cost nothing more.
        let about_to_land = match d.phase() {
            Phase::Planned => now >= d.open_at && o.opened.is_none(),
            Phase::Opened => now >= d.merge_at && o.landed.is_none(),
            _ => false,
        };
        if about_to_land && self.config.enabled.is_on() {
            o.incident = forge.open_issue_with_label(&self.config.incident_label).await.map_err(&fe)?;
        }
        match d.phase() {
            Phase::Planned if o.base.is_none() => {
                let head = forge.branch_head(&d.target.branch).await.map_err(&fe)?;
                let mut files = Vec::new();
                if let Some(head) = &head {
                    let paths = std::iter::once(s.target.path.as_str())
                        .chain(s.cover.iter().map(|c| c.file(&s.target).as_str()));
                    for path in paths {
                        if files.iter().any(|(p, _)| p == path) {
                            continue;
                        }
                        files.push((path.to_owned(), forge.read_file(head, path).await.map_err(&fe)?));
                    }
                }
                o.base = Some(Base { head, files });
            }
            Phase::Merged => {
                let Some(merged) = &d.merged else { return Ok(()) };
                if merged.commit == simulated() {
                    // A dry run's merge: the fault would be on the branch now.
                    o.fault = Some(FaultView { head: simulated(), holds: true, removal: None });
                    return Ok(());
                }
                let head = forge.branch_head(&d.target.branch).await.map_err(&fe)?.ok_or_else(|| RunError::Forge {
                    target: forge.describe(),
                    error: ForgeError::NoBranch { repo: forge.describe(), branch: d.target.branch.clone() },
                })?;
                // One read answers the idle question; history is walked only once the fault is gone.
                let at_head = forge.read_file(&head, &d.target.path).await.map_err(&fe)?;
                let holds = step::fault_holds(s, at_head.as_deref());
                let mut view = FaultView { head: head.clone(), holds, removal: None };
                if !holds {
                    let mut landings = Vec::new();
                    for l in forge.history(&d.target.branch, &merged.commit).await.map_err(&fe)? {
                        let text = forge.read_file(&l.sha, &d.target.path).await.map_err(&fe)?;
                        let holds = step::fault_holds(s, text.as_deref());
                        landings.push((l, holds));
                    }
                    if let Some(landing) = step::removal_of(landings) {
                        let back_to_before = match &d.opened {
                            Some(op) => {
                                let before = forge.read_file(&op.base, &d.target.path).await.map_err(&fe)?;
                                let after = forge.read_file(&landing.sha, &d.target.path).await.map_err(&fe)?;
                                before == after
                            }
                            None => false,
                        };
                        if let Some(env) = &s.target.environment {
                            let fault = forge.deployed_at(env, &merged.commit).await.map_err(&fe)?;
                            let fix = forge.deployed_at(env, &landing.sha).await.map_err(&fe)?;
                            o.deployed = fault.zip(fix);
                        }
                        view.removal = Some(Removal { landing, back_to_before });
                    }
                }
                o.fault = Some(view);
            }
            _ => {}
        }
        Ok(())
    }

    /// Opens the drill's change, looking before creating: a change already open for the branch (an earlier
    /// run that stopped before recording it) is the one.
    async fn open(&self, forge: &F, spec: &step::OpenSpec) -> Result<Change, RunError> {
        let fe = forge_err(forge);
        if let Some(c) = forge.find_change(&spec.branch).await.map_err(&fe)? {
            return Ok(c);
        }
        let files: Vec<FileChange> =
            spec.files.iter().map(|(path, text)| FileChange::write(path.clone(), text.clone())).collect();
        let head = forge.write_commit(&spec.base, &files, &spec.message, &spec.author, spec.at).await.map_err(&fe)?;
        forge.open_change(&spec.branch, &head, &spec.base_branch, &spec.title, &spec.body).await.map_err(&fe)
    }

    /// Merges the drill's change; a refusal is checked against the truth (a racing run may have merged it).
    async fn merge(
        &self,
        forge: &F,
        d: &Drill,
        o: &mut Observed,
        actor: &Person,
        now: Timestamp,
        lines: &mut Vec<String>,
    ) -> Result<(), RunError> {
        let Some(op) = &d.opened else { return Ok(()) };
        if self.settings.dry_run {
            o.landed = Some((simulated(), now));
            return Ok(());
        }
        let fe = forge_err(forge);
        let change = change_of(op);
        let message = run::merge_message(&op.branch);
        let spec = MergeSpec {
            base: &d.target.branch,
            cut_from: &op.base,
            expected_head: d.expected_head().unwrap_or(&op.commit),
            method: self.settings.merge_method,
            message: &message,
        };
        let refused = match forge.merge_change(&change, &spec, actor, now).await.map_err(&fe)? {
            MergeOutcome::Merged { commit, at } => {
                lines.push(run::result(format!("merged into {} at {at} ({})", d.target.branch, commit.short())));
                o.landed = Some((commit, at));
                return Ok(());
            }
            MergeOutcome::Waiting { reason, head } => {
                lines.push(run::result(format!("not merged yet: {reason}")));
                o.merge_waiting = Some((reason, head));
                return Ok(());
            }
            MergeOutcome::HeadMoved { expected, actual } => {
                format!("the change's head moved from {} to {}", expected.short(), actual.short())
            }
            MergeOutcome::Closed => "the change was closed before the merge".to_owned(),
            MergeOutcome::NotMergeable { reason } => reason,
        };
        o.landed = forge.landed(&change, &spec).await.map_err(&fe)?;
        match &o.landed {
            Some((commit, at)) => lines.push(run::result(format!(
                "merged into {} at {at} ({}) by a run racing this one",
                d.target.branch,
                commit.short()
            ))),
            None => lines.push(run::result(format!("not merged: {refused}"))),
        }
        o.merge_refused = Some(refused);
        Ok(())
    }

    /// The drill's report (with the comparison against earlier drills), the badges, the history page and the
    /// statistics, in one ledger commit with the `reported` event; then the report is posted on the drill's
    /// change, where the team is. Returns the report's Markdown.
    async fn write_report(
        &self,
        forge: &F,
        d: &Drill,
        s: Option<&Scenario>,
        now: Timestamp,
    ) -> Result<Option<String>, RunError> {
        if self.settings.dry_run {
            return Ok(None);
        }
        let mut drills = self.drills().await?;
        match drills.iter_mut().find(|x| x.id == d.id) {
            Some(x) => *x = d.clone(),
            None => drills.push(d.clone()),
        }
        let links = &self.settings.links;
        let text = crate::render::drill_report(s, d, &drills, self.config, links, forge.web_url());
        let event = self.reported(&d.id, now);
        let w = Write {
            events: vec![(d.id.to_string(), event)],
            files: vec![(d.id.to_string(), "report.md".into(), text.clone())],
            shared: crate::render::ledger_artifacts(&drills, self.scenarios, self.config, now, links),
        };
        self.ledger.write(&w, "firedrill: write drill report", &self.settings.actor, now).await?;
        if let Some(op) = &d.opened {
            forge.post_note(&change_of(op), REPORT_MARKER, &text).await.map_err(forge_err(forge))?;
        }
        if let Some(issue) = d.announced() {
            forge.post_note(&issue_change(issue), REPORT_MARKER, &text).await.map_err(forge_err(forge))?;
        }
        Ok(Some(text))
    }

    /// Starts a drill of `scenario` by hand at `now` (scheduled or not): planned now, opened now, merged after
    /// `merge_in` (default: an instant drawn in the scenario's window, seeded by the drill id). Then does
    /// whatever else is due, as a tick that sees this drill.
    pub async fn start(
        &self,
        scenario: &str,
        now: Timestamp,
        merge_in: Option<SignedDuration>,
    ) -> Result<RunReport, RunError> {
        let s = self.scenario(scenario).ok_or_else(|| RunError::Invalid(self.no_scenario(scenario)))?;
        let drills = self.drills().await?;
        if let Some(why) = damaged_block(&self.active_with(&[]).await?.2, &due::target_of(s)) {
            return Err(RunError::Refused(why));
        }
        let plan = step::start(s, &drills, &self.context(), now, merge_in).map_err(RunError::Refused)?;
        let mut report = RunReport::default();
        report.step("start by hand");
        report.say(format!("{}: planned by hand (opens now, merges {})", plan.drill_id, plan.merge_at));
        let kind = due::planned_event(s, &plan);
        let planned = vec![(plan.drill_id.clone(), self.event(now, "firedrill", kind))];
        self.record(planned.clone(), now).await?;
        let pending = if self.settings.dry_run { planned } else { Vec::new() };
        self.tick_with(now, pending, report).await
    }

    /// "no scenario `x`" with the ids there are, for a name that matches none.
    pub fn no_scenario(&self, name: &str) -> String {
        let ids: Vec<&str> = self.scenarios.iter().map(|s| s.id.as_str()).collect();
        let guess = crate::suggest::did_you_mean(name, ids.iter().copied())
            .map(|g| format!(" (did you mean `{g}`?)"))
            .unwrap_or_default();
        format!("no scenario `{name}`{guess}; the scenarios are: {}", ids.join(", "))
    }

    /// A command on one drill by `actor` at `now`: the same rules as a comment on the drill's pull request.
    pub async fn command(
        &self,
        drill_id: &str,
        command: DrillCommand,
        args: Option<String>,
        actor: &str,
        now: Timestamp,
    ) -> Result<RunReport, RunError> {
        if let Some(damage) = self.ledger.read().await?.damaged.get(drill_id) {
            return Err(RunError::Refused(damage.to_string()));
        }
        let drills = self.drills().await?;
        let Some(d) = drills.into_iter().find(|d| d.id.as_str() == drill_id) else {
            return Err(RunError::Invalid(format!(
                "no drill `{drill_id}` in the ledger (see `firedrill status` for the drill ids)"
            )));
        };
        let mut report = RunReport::default();
        let received = Received { command, args, by: actor.to_owned(), at: now };
        self.drive(d, vec![received], Vec::new(), now, &mut report).await?;
        report.requests = self.requests();
        Ok(report)
    }

    /// A comment an event named (`issue_comment`, or a relay's `workflow_dispatch`): read back through the API
    /// by its id in `repository` (nothing else the event says is trusted) and handled on the drill whose
    /// change it is on, together with any other new comments there. Anything else is ignored, with the reason.
    pub async fn comment(&self, repository: &str, id: u64, now: Timestamp) -> Result<RunReport, RunError> {
        let mut report = RunReport::default();
        report.step(format!("comment {id} in {repository}"));
        let Some((key, forge)) = self.forges.by_repo.iter().find(|(_, f)| f.is_repository(repository)) else {
            report.say(format!("ignored: {repository} is not the target of any scenario"));
            return Ok(report);
        };
        let Some(c) = forge.comment(id).await.map_err(forge_err(forge))? else {
            report.say("ignored: there is no such comment (deleted?)".to_owned());
            return Ok(report);
        };
        if crate::drill::command::parse_comment(&c.body).is_empty() {
            report.say("ignored: no `/drill` command in it".to_owned());
            return Ok(report);
        }
        let drills = self.drills().await?;
        let found = drills
            .into_iter()
            .find(|d| d.target.repo == *key && d.opened.as_ref().is_some_and(|op| op.change.as_str() == c.on));
        let Some(d) = found else {
            report.say(format!("ignored: #{} is not a drill's pull request", c.on));
            return Ok(report);
        };
        self.drive(d, Vec::new(), vec![c], now, &mut report).await?;
        report.requests = self.requests();
        Ok(report)
    }
}

/// The logs read from the ledger, with `unwritten` events (a dry run's) appended, folded into drills. A log
/// under a name that is not a drill id is not a drill (the ledger only writes drill ids).
fn fold(logs: BTreeMap<String, Vec<Event>>, unwritten: &[(DrillId, Event)]) -> Vec<Drill> {
    let mut by_id: BTreeMap<DrillId, Vec<Event>> =
        logs.into_iter().filter_map(|(id, log)| Some((DrillId::parse(&id).ok()?, log))).collect();
    for (id, e) in unwritten {
        by_id.entry(id.clone()).or_default().push(e.clone());
    }
    by_id.iter().filter_map(|(id, log)| Drill::fold(id, log)).collect()
}

/// Why nothing new may land on `target` while a drill's log is damaged: its fault may still be there (on its
/// target as the index last knew it; anywhere, when the index does not say).
fn damaged_block(damaged: &[(Damage, Option<TargetRef>)], target: &TargetRef) -> Option<String> {
    let (damage, _) = damaged.iter().find(|(_, t)| t.as_ref().is_none_or(|t| due::same_target(t, target)))?;
    Some(format!(
        "the log of drill {} is damaged and its fault may still be in place: repair {} first",
        damage.drill,
        damage.path()
    ))
}

/// The change a drill opened, as the forge names it.
fn change_of(op: &crate::drill::state::Opened) -> Change {
    Change { id: op.change.to_string(), branch: op.branch.clone(), head: op.commit.clone(), url: None }
}

/// The announcement issue of a drill, as a place to comment on.
fn issue_change(number: &str) -> Change {
    Change { id: number.to_owned(), branch: String::new(), head: simulated(), url: None }
}

/// The hidden marker of a drill's announcement issue: a hash of the drill id, which names the scenario.
fn announce_marker(id: &DrillId) -> String {
    format!("firedrill:announce:{}", crate::disguise::short_id(id))
}

/// The hidden marker of the report comment on a drill's change, so a re-run edits it instead of posting twice.
pub const REPORT_MARKER: &str = "firedrill:report";

/// Where a drill's report lives on the ledger branch.
pub fn report_path(id: &DrillId) -> String {
    format!("drills/{id}/report.md")
}
