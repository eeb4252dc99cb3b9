//! Gathering the facts a step needs: what the forge says about the drill's target for its phase.

use jiff::Timestamp;

use crate::drill::guard;
use crate::drill::state::{Drill, Phase};
use crate::drill::step::{self, Base, FaultView, Observed, Removal, Seen};
use crate::forge::{Forge, ForgeError};
use crate::git::CommitSha;
use crate::scenario::Scenario;

use super::{RunError, Runner, forge_err, simulated};

impl<F: Forge> Runner<'_, F> {
    /// Asks the forge what `step` needs for the drill's phase (and nothing else: an idle tick stays cheap).
    pub(super) async fn gather(
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
            // A service that is already unhealthy is not drilled (`observe.health`, asked once per run).
            self.preflight_health(s, now, o).await;
        }
        // The guard rails of the target branch, read once, when the drill is about to open: a fault that could
        // land but not be removed is refused before anything is written.
        if about_to_land && d.phase() == Phase::Planned && o.base.is_none() && self.config.enabled.is_on() {
            let method = self.settings.merge_method;
            let means = guard::Means { method, approver: forge.has_approver() };
            if let Some(mut rails) = forge.guard_rails(&d.target.branch).await.map_err(&fe)? {
                if rails.gate().code_owners && forge.has_approver() {
                    rails.owners = forge.code_owners(&d.target.branch, s.target.path.as_str()).await.map_err(&fe)?;
                }
                o.guard_refusal = guard::refusal(&guard::verdicts(&rails, means));
                o.gate = Some(rails.gate());
            }
        }
        // What renders the target, at the branch's tip, when the fault is about to be merged (at the opening it is
        // read below, with the base): a fault production would also render is refused there too, not only by
        // `validate` (see `crate::reach`). Once the merge waits on a guard rail, the first verdict stands, so a
        // waiting run costs no more.
        let reach_due = self.config.enabled.is_on() && o.reach_refusal.is_none() && o.reach_note.is_none();
        if about_to_land
            && reach_due
            && d.phase() == Phase::Opened
            && d.merge_waiting_since.is_none()
            && let Some(head) = forge.branch_head(&d.target.branch).await.map_err(&fe)?
            && let Some(reach) = self.reach(forge, &head, s, &[]).await?
        {
            self.judge_reach(&reach, o);
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
                if about_to_land
                    && reach_due
                    && let Some(head) = &head
                    && let Some(reach) = self.reach(forge, head, s, &files).await?
                {
                    self.judge_reach(&reach, o);
                }
                // The team's recent work, for the disguise to read like it; a history that cannot be read leaves the
                // built-in wording as it is.
                let recent = match &head {
                    Some(h) => match forge.recent_work(&d.target.branch, h).await {
                        Ok(r) => Some(r),
                        Err(e) => {
                            tracing::warn!("the branch's recent history could not be read: {e}");
                            None
                        }
                    },
                    None => None,
                };
                o.base = Some(Base { head, files, recent });
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
                let watched = forge.observes_deploys() && !s.deploy_signals().is_empty();
                if holds && watched && d.fault_live.is_none() {
                    // The tip holds the fault: a deploy of it is a deploy of the fault.
                    o.fault_live = self.live(forge, s, &head, o).await;
                    o.deploy_asked = true;
                }
                if !holds {
                    let mut landings = Vec::new();
                    for l in forge.history(&d.target.branch, &merged.commit).await.map_err(&fe)? {
                        let text = forge.read_file(&l.sha, &d.target.path).await.map_err(&fe)?;
                        let holds = step::fault_holds(s, text.as_deref());
                        landings.push((l, holds));
                    }
                    // The last commit that still held the fault before it went for good.
                    let last_faulty = last_holding(&landings).unwrap_or_else(|| merged.commit.clone());
                    if let Some(landing) = step::removal_of(landings) {
                        let back_to_before = match &d.opened {
                            Some(op) => {
                                let before = forge.read_file(&op.base, &d.target.path).await.map_err(&fe)?;
                                let after = forge.read_file(&landing.sha, &d.target.path).await.map_err(&fe)?;
                                before == after
                            }
                            None => false,
                        };
                        // One question per signal in this run: the fault's deploy while it is not known (the
                        // fix's is then asked on the next run), else the fix's, at the tip that holds the removal.
                        if watched && !o.deploy_asked {
                            if d.fault_live.is_none() {
                                o.fault_live = self.live(forge, s, &last_faulty, o).await;
                            } else {
                                o.fix_live = self.live(forge, s, &head, o).await;
                            }
                            o.deploy_asked = true;
                        }
                        view.removal = Some(Removal { landing, back_to_before });
                    }
                }
                o.fault = Some(view);
                self.watch(d, s, now, o).await;
            }
            // A finished drill whose restoration (or a pushed alert in its window) is still to be recorded, or whose
            // fix's deploy is still watched for.
            _ if d.is_resolved() => {
                if self.watching(d, s, now) {
                    self.watch(d, s, now, o).await;
                }
                // The tip holds the removal: a deploy of it is the fix's.
                if d.deploy_pending()
                    && !o.deploy_asked
                    && forge.observes_deploys()
                    && d.deploy_watch.as_ref().is_some_and(|(until, _)| now < *until)
                    && let Some(head) = forge.branch_head(&d.target.branch).await.map_err(&fe)?
                {
                    o.fix_live = self.live(forge, s, &head, o).await;
                    o.deploy_asked = true;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The verdict on where the fault lands: the refusal (production, without `allow_production`), or what the
    /// run says as it goes ahead (production allowed, environments of unknown kind, what was not followed).
    fn judge_reach(&self, reach: &crate::reach::Reach, o: &mut Observed) {
        let envs = &self.config.environments;
        if !self.config.allow_production {
            o.reach_refusal = reach.refusal(envs);
        }
        let mut said: Vec<String> = Vec::new();
        if self.config.allow_production
            && let Some(what) = reach.production_route(envs)
        {
            said.push(format!("{what}; allowed by `allow_production: true`"));
        }
        said.extend(reach.warnings().into_iter().map(|w| format!("warning: {w}")));
        if o.reach_refusal.is_none() && !said.is_empty() {
            o.reach_note = Some(said.join("; "));
        }
    }

    /// Where the target of `s` lands, read at `head` (a listing, then one read per file [`crate::reach::to_read`]
    /// chooses, but those in `known`, already read at `head`); `None` when the forge cannot list files.
    pub(super) async fn reach(
        &self,
        forge: &F,
        head: &CommitSha,
        s: &Scenario,
        known: &[(String, Option<String>)],
    ) -> Result<Option<crate::reach::Reach>, RunError> {
        let fe = forge_err(forge);
        let Some((paths, whole)) = forge.list_files(head).await.map_err(&fe)? else { return Ok(None) };
        let (chosen, unread) = crate::reach::to_read(&paths, s.target.path.as_str());
        let mut files = Vec::new();
        for p in chosen {
            // A file this run already read at `head` (the target, at the opening) is not asked again.
            let text = match known.iter().find(|(k, _)| k == p) {
                Some((_, text)) => text.clone(),
                None => forge.read_file(head, p).await.map_err(&fe)?,
            };
            if let Some(text) = text {
                files.push((p.to_owned(), text));
            }
        }
        let incomplete = crate::reach::incomplete(!whole, unread);
        let keys = crate::reach::fault_keys(s);
        let target = crate::deployers::Target {
            path: s.target.path.as_str(),
            branch: s.target.branch.as_str(),
            default_branch: None,
            repo: crate::deployers::github_name(s.target.repo.as_ref()),
        };
        let input = crate::reach::Input {
            paths: &paths,
            files: &files,
            incomplete,
            target,
            keys: &keys,
            environments: &self.config.environments,
        };
        Ok(Some(crate::reach::analyse(&input)))
    }

    /// The first success of the scenario's deploy signals on `commit` (one question per signal). A signal that
    /// cannot be read (a token without `Commit statuses: read`, a forge error) is said in `o.deploy_unread` and
    /// counts as not seen: the deploy phase is a measurement, and must never hold back the drill's safety timer.
    async fn live(&self, forge: &F, s: &Scenario, commit: &CommitSha, o: &mut Observed) -> Option<Seen> {
        let mut first: Option<Seen> = None;
        for signal in s.deploy_signals() {
            match forge.live_at(&signal, commit).await {
                Ok(Some(at)) if first.as_ref().is_none_or(|f| at < f.at) => {
                    first = Some(Seen { at, signal: signal.describe(), commit: commit.clone() });
                }
                Ok(_) => {}
                Err(e) => o.deploy_unread = Some(format!("{}: {e}", signal.describe())),
            }
        }
        first
    }
}

/// The last landing (oldest first) after which the fault still held: the one just before the removal that
/// stayed (`None`: the removal came first, the merge itself was the last).
fn last_holding(landings: &[(crate::forge::Landing, bool)]) -> Option<CommitSha> {
    landings.iter().rev().find(|(_, holds)| *holds).map(|(l, _)| l.sha.clone())
}
