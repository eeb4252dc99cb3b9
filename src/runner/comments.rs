//! `/drill` commands from the command line and from comments: reading the comments on a drill's change, and
//! carrying out the effects that answer responders (reactions, the status note, the reveal, the note that a
//! revert did not land).

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::drill::command::DrillCommand;
use crate::drill::state::Drill;
use crate::drill::step::{CommentIn, Effect, Observed, Place, Received, Reply, Standing};
use crate::forge::{Comment, Forge};
use crate::render::comment::Marker;
use crate::render::run::{self, RunReport};
use crate::scenario::Scenario;

use super::{RunError, Runner, change_of, forge_err, issue_change};

impl<F: Forge> Runner<'_, F> {
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
        report.prometheus_requests = self.settings.observe.counter.get();
        Ok(report)
    }

    /// A comment an event named (`issue_comment`, or a relay's `workflow_dispatch`): read back through the API
    /// by its id in `repository` (nothing else the event says is trusted) and handled on the drill whose
    /// change it is on, together with any other new comments there. Anything else is ignored, with the reason.
    /// `review_of`: it is the body of a review of that pull request (read back as a review).
    pub async fn comment(
        &self,
        repository: &str,
        id: u64,
        review_of: Option<u64>,
        now: Timestamp,
    ) -> Result<RunReport, RunError> {
        let mut report = RunReport::default();
        report.step(format!("comment {id} in {repository}"));
        let Some((key, forge)) = self.forges.by_repo.iter().find(|(_, f)| f.is_repository(repository)) else {
            report.say(format!("ignored: {repository} is not the target of any scenario"));
            return Ok(report);
        };
        let found = match review_of {
            Some(number) => forge.review(number, id).await,
            None => forge.comment(id).await,
        };
        let Some(c) = found.map_err(forge_err(forge))? else {
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
        report.prometheus_requests = self.settings.observe.counter.get();
        Ok(report)
    }

    /// The comments on the drill's change not answered yet (and `named` ones an event pointed at), parsed,
    /// with their authors' standing. One request per unfinished drill, plus one per author of a command.
    pub(super) async fn read_comments(
        &self,
        forge: &F,
        d: &Drill,
        named: Vec<Comment>,
        o: &mut Observed,
    ) -> Result<(), RunError> {
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
            if c.created_at < op.at || !here || Marker::any_in(&c.body) {
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

    /// Carries out an effect that answers responders or tells them something (a reaction, a note): what to say
    /// is rendered here, where and whether was decided by [`crate::drill::step`]. Nothing under dry-run.
    pub(super) async fn post(
        &self,
        forge: &F,
        d: &Drill,
        s: Option<&Scenario>,
        now: Timestamp,
        e: &Effect,
    ) -> Result<(), RunError> {
        let fe = forge_err(forge);
        let Some(op) = (!self.settings.dry_run).then_some(d.opened.as_ref()).flatten() else { return Ok(()) };
        let change = change_of(op);
        let place = |on: &Place| match on {
            Place::Change => change.clone(),
            Place::Issue(issue) => issue_change(issue),
        };
        match e {
            Effect::React { comment, reaction } => forge.react(*comment, *reaction).await.map_err(&fe)?,
            Effect::AnswerInThread { comment, answers, refused } => {
                // The responders' status (what the status note says, nothing that gives the drill away).
                let mut text = run::status_comment(d, now, answers);
                for why in refused {
                    text.push_str(&format!("\n\nNot obeyed: {why}"));
                }
                forge.reply_in_thread(&change, *comment, &text).await.map_err(&fe)?;
            }
            Effect::PostStatus { on, answers } => {
                let text = run::status_comment(d, now, answers);
                forge.post_note(&place(on), run::STATUS_MARKER, &text).await.map_err(&fe)?;
            }
            Effect::PostReveal => {
                let text = run::reply(&Reply::Reveal, d, s, Some(now));
                forge.post_note(&change, run::REVEAL_MARKER, &format!("```text\n{text}\n```")).await.map_err(&fe)?;
            }
            // Best effort: the run fails with the revert's error whatever happens here.
            Effect::PostRevertBlocked { on, why } => {
                let text = run::revert_blocked(&d.target.branch, why);
                if let Err(e) = forge.post_note(&place(on), run::REVERT_BLOCKED_MARKER, &text).await {
                    tracing::warn!("could not post that the fault is still live: {e}");
                }
            }
            _ => {}
        }
        Ok(())
    }
}
