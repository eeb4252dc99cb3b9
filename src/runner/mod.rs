//! The one executor: reads the ledger, asks the forge what [`crate::drill::step`] needs, and carries out the
//! effects it decides. What to write is never decided here: the plans come from [`crate::drill::due`], every
//! other write is an effect of `drill::step` (or of `step::answer`, `step::revert_blocked`); what is left here
//! is what to ask the forge for, so that an idle tick stays cheap.
//!
//! Every entry point (`tick`, `start`, `command`, `demo`, the Action) comes here. For each drill the runner
//! gathers an observation, calls `step`, executes the effects in order (forge actions, then one ledger commit
//! for the events), feeds the results back into the observation and calls `step` again until the drill has
//! nothing left to do. Under `dry_run` the same rounds run with simulated results and nothing is written, so a
//! dry run lists exactly the effects a real run at the same instant carries out.

mod comments;
mod drills;
mod gather;
mod merge;
mod observe;
mod report;
mod revert;
mod tick;

use revert::{Reverted, Through};

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use crate::drill::event::{Event, EventKind};
use crate::drill::state::Drill;
use crate::drill::step::{self, Context, Effect, Observed, Received, Reply};
use crate::forge::{Change, Comment, Forge, ForgeError, Person};
use crate::git::{CommitSha, MergeMethod};
use crate::ledger::{Ledger, LedgerError};
use crate::render::comment::Marker;
use crate::render::run::{self, RunReport};
use crate::scenario::{Config, Scenario};
use crate::schedule::DrillId;

pub use crate::render::run::RunReport as Report;
pub use drills::Overview;
pub use report::{REPORT_MARKER, report_path};

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
    /// The merge method given (`--merge-method`, the Action's `merge-method`); `None`: the scenario's preference,
    /// then the first one GitHub allows.
    pub merge_method: Option<MergeMethod>,
    pub dry_run: bool,
    /// How long the last real outage took, for the reports.
    pub baseline_mttr: Option<SignedDuration>,
    /// Where the control repository and the history page are on the web, for links in reports and badges.
    pub links: crate::render::Links,
    /// The team's monitoring: Prometheus' request counter and the alerts pushed to this run (`observe:`).
    pub observe: crate::observe::Observer,
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
        Context { config: self.config, actor: &self.settings.actor, deploys: false }
    }

    /// API requests sent so far by the ledger and the forges (GitHub's budget is about 1,000 an hour).
    pub fn requests(&self) -> usize {
        self.ledger.requests() + self.forges.by_repo.values().map(Forge::requests).sum::<usize>()
    }

    fn event(&self, time: Timestamp, actor: &str, kind: EventKind) -> Event {
        Event::new(time, actor, self.settings.source.clone(), kind)
    }

    /// Feeds what a revert effect came to back into the observation; a revert that did not land is followed at once
    /// by what the step decides for it ([`step::revert_blocked`]: the team told where they are, a revert pull
    /// request that waits recorded once per reason). `true`: the fault is still live past what should have ended
    /// it (the run goes on with the other drills and fails at the end).
    #[allow(clippy::too_many_arguments)]
    async fn reverted(
        &self,
        forge: &F,
        d: &Drill,
        s: Option<&Scenario>,
        r: Reverted,
        o: &mut Observed,
        now: Timestamp,
        lines: &mut Vec<String>,
        report: &mut RunReport,
    ) -> Result<bool, RunError> {
        let mut not_landed = None;
        match r {
            Reverted::Landed(view) => o.fault = Some(view),
            Reverted::Refused(refused) => o.revert_refused = Some(refused),
            Reverted::Opened(change) => o.revert_change = Some(change),
            Reverted::Needs(need) => o.merge_needs = Some(need),
            Reverted::Blocked(blocked, error) => not_landed = Some((blocked, error)),
        }
        let Some((blocked, error)) = not_landed else { return Ok(false) };
        for e in step::revert_blocked(d, &blocked, now) {
            self.list(&e, d, s, lines, report);
            match &e {
                Effect::Append { time, actor, kind } => {
                    let event = self.event(*time, actor, kind.clone());
                    if !event.already_in(&d.events) {
                        self.record(vec![(d.id.clone(), event)], now).await?;
                    }
                }
                _ => self.post(forge, d, s, now, &e).await?,
            }
        }
        if let Some(error) = error {
            return Err(forge_err(forge)(error));
        }
        report.still_live.push(d.id.to_string());
        Ok(true)
    }

    /// An effect as the run lists it: every effect among the run's values (what `--dry-run` and the real run
    /// share), and in the output those a real run says (all of them, in a dry run).
    fn list(&self, e: &Effect, d: &Drill, s: Option<&Scenario>, lines: &mut Vec<String>, report: &mut RunReport) {
        let dry = self.settings.dry_run;
        if dry || e.listed() {
            lines.push(run::effect(e, d, s, dry));
        }
        report.effects.push((d.id.to_string(), e.clone()));
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
        // With `variants:`, this drill runs the one it opened with, or else the one its id picks.
        let recorded = d.opened.as_ref().and_then(|o| o.variant.as_deref());
        let picked = self.scenario(d.scenario.as_str()).map(|s| s.for_drill(d.id.as_str(), recorded));
        let s = picked.as_deref();
        let forge = self.forges.get(d.target.repo.as_ref())?;
        let dry = self.settings.dry_run;
        let mut o = Observed { commands, issues: forge.has_issues(), ..Observed::default() };
        let mut lines: Vec<String> = Vec::new();
        self.read_comments(forge, &d, named, &mut o).await?;
        // The events this run appends to the drill start here.
        let logged = d.events.len();
        // Answers to this run's commands, for the status comment (and a reveal asked for).
        let mut answers: Vec<Reply> = Vec::new();
        self.gather(forge, &d, s, now, &mut o).await?;
        let (actor, no_identity) = self.actor_for(forge, &d, s, &o, now).await;
        o.identity_refusal = no_identity;
        let cx = Context { config: self.config, actor: &actor, deploys: forge.observes_deploys() };
        // Each round moves the drill at least one step; the lifecycle has fewer steps than this.
        let mut still_live = false;
        // Where a merge that needed something (the approver's review) stopped, for the merge sent after it.
        let mut resume = None;
        for _ in 0..12 {
            let phase = d.phase();
            let effects = step::step(&d, s, &cx, &o, now);
            o.commands.clear();
            o.comments.clear();
            o.first_reply = None;
            // What a merge needed is the step's to give in this round (or to drop): asked once.
            o.merge_needs = None;
            let acts = effects.iter().any(Effect::acts);
            let mut events = Vec::new();
            for e in &effects {
                self.list(e, &d, s, &mut lines, report);
                match e {
                    Effect::Open(spec) => {
                        let change = if dry {
                            Change { id: "new".into(), branch: spec.branch.clone(), head: simulated(), url: None }
                        } else {
                            self.open(forge, spec).await?
                        };
                        if !dry {
                            lines.push(run::done::opened(&change.branch, change.head.short(), &spec.base_branch));
                        }
                        o.opened = Some(change);
                    }
                    Effect::Merge { .. } => {
                        self.merge(forge, &d, &mut o, &mut resume, &actor, now, &mut lines).await?;
                    }
                    Effect::Approve { change, head } => {
                        if !dry {
                            let c = Change { id: change.clone(), branch: String::new(), head: head.clone(), url: None };
                            forge.approve(&c, head).await.map_err(forge_err(forge))?;
                        }
                    }
                    Effect::UpdateBranch { change, behind, .. } => {
                        match (o.revert_change.clone(), o.revert_refused.clone()) {
                            // The revert's pull request, where the revert goes through one; else the drill's.
                            (Some(c), Some(refused)) if c.id == *change => {
                                let through = Through { change: &c, refused: &refused };
                                let r = self.update_revert(forge, &d, through, behind, &actor, &mut lines).await;
                                still_live |= self.reverted(forge, &d, s, r, &mut o, now, &mut lines, report).await?;
                            }
                            _ => self.update_branch(forge, &d, &mut o, behind, &mut lines).await?,
                        }
                    }
                    Effect::Revert { commit, .. } => {
                        let r = self.revert(forge, &d, commit, &actor, now, &mut lines).await;
                        still_live |= self.reverted(forge, &d, s, r, &mut o, now, &mut lines, report).await?;
                    }
                    Effect::OpenRevertChange { commit, refused } => {
                        let r = self.open_revert_change(forge, &d, commit, refused, &actor, now).await;
                        still_live |= self.reverted(forge, &d, s, r, &mut o, now, &mut lines, report).await?;
                    }
                    Effect::MergeRevert { .. } => {
                        if let (Some(change), Some(refused)) = (o.revert_change.clone(), o.revert_refused.clone()) {
                            let through = Through { change: &change, refused: &refused };
                            let r = self.merge_revert(forge, &d, through, &mut resume, &actor, now, &mut lines).await;
                            still_live |= self.reverted(forge, &d, s, r, &mut o, now, &mut lines, report).await?;
                        }
                    }
                    Effect::Announce { title, body } => {
                        let marker = announce_marker(&d.id);
                        o.announced = if dry {
                            Some("new".to_owned())
                        } else {
                            forge.open_issue(title, body, &marker).await.map_err(forge_err(forge))?
                        };
                        if let (false, Some(n)) = (dry, &o.announced) {
                            lines.push(run::done::opened_issue(n));
                        }
                    }
                    Effect::Close { .. } => {
                        if let (false, Some(op)) = (dry, &d.opened) {
                            forge.close_change(&change_of(op)).await.map_err(forge_err(forge))?;
                        }
                        o.closed = true;
                    }
                    Effect::CloseLeftover { branch } => {
                        if !dry && let Some(change) = forge.find_change(branch).await.map_err(forge_err(forge))? {
                            forge.close_change(&change).await.map_err(forge_err(forge))?;
                            lines.push(run::done::closed_leftover(branch));
                        }
                        o.closed = true;
                    }
                    Effect::Append { time, actor, kind } => {
                        // An abandon that follows a refusal of this round is that refusal, counted once.
                        let refused_now = effects.iter().any(|e| matches!(e, Effect::Refuse(_)));
                        if let (EventKind::Abandoned { reason }, false) = (kind, refused_now) {
                            report.refusals.push(format!("{}: abandoned: {reason}", d.id));
                        }
                        // A step the log already holds (the same merge wait seen again) costs no ledger write.
                        let event = self.event(*time, actor, kind.clone());
                        if !event.already_in(&d.events) {
                            events.push((d.id.clone(), event));
                        }
                    }
                    Effect::WriteReport => {
                        if let Some(text) = self.write_report(forge, &d, s, now).await? {
                            report.reports.push((d.id.to_string(), text));
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
                    Effect::React { .. }
                    | Effect::AnswerInThread { .. }
                    | Effect::PostStatus { .. }
                    | Effect::PostReveal
                    | Effect::PostRevertBlocked { .. } => self.post(forge, &d, s, now, e).await?,
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
            if still_live {
                break;
            }
            // Another round only when the forge was acted on or the drill moved on: a recorded command or
            // hint alone changes nothing the next decision depends on.
            // (A deploy seen after the report makes it stale: one more round writes it again.)
            if !acts || (!effects.iter().any(Effect::acts_on_forge) && d.phase() == phase && !d.report_stale) {
                break;
            }
            if d.phase() != phase {
                self.gather(forge, &d, s, now, &mut o).await?;
            }
        }
        // Where responders are, once the drill has moved as far as it goes in this run.
        for e in step::answer(&d, d.events.get(logged..).unwrap_or_default(), &answers) {
            self.list(&e, &d, s, &mut lines, report);
            self.post(forge, &d, s, now, &e).await?;
        }
        if let Some(why) = &o.deploy_unread {
            lines.push(run::done::deploy_unread(why));
        }
        for why in &o.watch.unread {
            lines.push(format!("monitoring not read (the drill and its safety timer go on): {why}"));
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
    /// Who firedrill acts as for `d` in this run; and, for a drill about to open with a token that has no user
    /// (a GitHub App's) and no identity or `disguise.author` to act as instead, why it must not open.
    async fn actor_for(
        &self,
        forge: &F,
        d: &Drill,
        s: Option<&Scenario>,
        o: &Observed,
        now: Timestamp,
    ) -> (Person, Option<String>) {
        let fallback = self.settings.actor.clone();
        if !self.settings.actor_from_token {
            return (fallback, None);
        }
        if !step::acts_as_someone(d, s, o, now) {
            return (fallback, None);
        }
        match forge.token_owner().await {
            Ok(Some(owner)) => (owner, None),
            Ok(None) => (fallback, None),
            Err(ForgeError::NoTokenUser(why)) if step::needs_a_person(d, s) => (fallback, Some(why)),
            Err(e) => {
                tracing::warn!(
                    "cannot tell who owns the drill token ({e}); acting as {fallback}: set `identity` to choose"
                );
                (fallback, None)
            }
        }
    }
}

/// The change a drill opened, as the forge names it.
fn change_of(op: &crate::drill::state::Opened) -> Change {
    Change { id: op.change.clone(), branch: op.branch.clone(), head: op.commit.clone(), url: None }
}

/// The announcement issue of a drill, as a place to comment on.
fn issue_change(number: &str) -> Change {
    Change { id: number.into(), branch: String::new(), head: simulated(), url: None }
}

/// The hidden marker of a drill's announcement issue: a hash of the drill id, which names the scenario.
fn announce_marker(id: &DrillId) -> Marker {
    Marker::Announce(crate::disguise::short_id(id))
}
