//! Asking the team's monitoring (`observe:`) for one drill: at most two `query_range` requests per run (the
//! alerts, the health) over the drill's window, one instant query for `safety.stop_if` while the fault is live,
//! and one for the preflight before a fault lands. What the answers mean is decided by [`crate::observe`]; what
//! to record by [`crate::drill::step`]. Prometheus down is said in the run and never holds anything back.

use jiff::{SignedDuration, Timestamp};

use crate::drill::event::EventKind;
use crate::drill::state::Drill;
use crate::drill::step::Observed;
use crate::forge::Forge;
use crate::observe::{self, Selector, prometheus};
use crate::scenario::Scenario;

use super::{RunError, Runner};
use crate::render::run::RunReport;

impl<F: Forge> Runner<'_, F> {
    /// A tick that also records the alerts pushed to this run (`settings.observe.pushed`) on the drills whose
    /// window and `observe.alerts` they match; then says, for each, where it went, and what was left out
    /// (`ignored`: what the notification held that is not a firing alert).
    pub async fn alerts(&self, ignored: &[String], now: Timestamp) -> Result<RunReport, RunError> {
        let mut report = self.tick(now).await?;
        let drills = if self.settings.observe.pushed.is_empty() { Vec::new() } else { self.drills().await? };
        report.step("pushed alerts");
        for a in &self.settings.observe.pushed {
            let what = format!("alert {} {} at {} ({})", a.name, observe::describe_labels(&a.labels), a.at, a.from);
            let on = drills.iter().find(|d| {
                d.events.iter().any(
                    |e| matches!(&e.kind, EventKind::AlertFired { alert, .. } if e.time == a.at && *alert == a.name),
                )
            });
            match on {
                Some(d) => report.say(format!("{what}: recorded on drill {}", d.id)),
                None => report.say(format!(
                    "{what}: not recorded: no drill whose fault was live then has `observe.alerts` matching it, or \
                     its drill had its first alert already{}",
                    if self.settings.dry_run { " (dry run: nothing is written)" } else { "" }
                )),
            }
        }
        for why in ignored {
            report.say(format!("ignored: {why}"));
        }
        report.prometheus_requests = self.settings.observe.counter.get();
        Ok(report)
    }

    /// A Prometheus client for `s`, or why not (`Ok(None)`: no URL set).
    fn prometheus(&self, s: &Scenario) -> Result<Option<prometheus::Client>, String> {
        let env = self.settings.observe.env;
        prometheus::Client::new(&s.observe, &|n| env(n), self.settings.observe.counter.clone()).map_err(|e| e.0)
    }

    /// Before a fault lands: `health` must be true now, or the drill is refused ("staging is already broken").
    /// An unreachable Prometheus is said, and the drill goes ahead (the safety timer does not depend on it).
    pub(super) async fn preflight_health(&self, s: &Scenario, now: Timestamp, o: &mut Observed) {
        let Some(health) = &s.observe.health else { return };
        if o.watch.preflight_asked {
            return;
        }
        o.watch.preflight_asked = true;
        let client = match self.prometheus(s) {
            Ok(Some(c)) => c,
            Ok(None) => return o.watch.unread.push(no_url()),
            Err(why) => return o.watch.unread.push(why),
        };
        match client.query(health, now).await {
            Ok(answer) if observe::is_true(&answer) => {}
            Ok(_) => {
                let place = s.target.environment.as_deref().unwrap_or("the service");
                o.watch.already_broken = Some(format!(
                    "{place} is already broken: health `{health}` is false now ({}); no drill on a broken service",
                    client.describe()
                ));
            }
            Err(e) => o.watch.unread.push(format!("{} (the preflight health check was not made)", e.0)),
        }
    }

    /// Whether a finished drill is still watched: its service broke and is not restored yet (until `restored`,
    /// or `unrestored` at the end of `deploy.watch`); or an alert pushed to this run may belong to it.
    pub(super) fn watching(&self, d: &Drill, s: &Scenario, now: Timestamp) -> bool {
        let Some(merged) = &d.merged else { return false };
        if !s.observe.is_set() {
            return false;
        }
        let end = d.recovered.as_ref().map(|(l, _)| l.at).or(d.aborted.as_ref().map(|a| a.at)).unwrap_or(now);
        let restoring = s.observe.health.is_some() && d.restore_pending();
        let pushed = d.alert.is_none()
            && self.settings.observe.pushed.iter().any(|a| a.at >= merged.at && a.at <= end.max(merged.at));
        restoring || pushed
    }

    /// What the monitoring saw of a drill whose fault landed, once per run (see the module's budget).
    pub(super) async fn watch(&self, d: &Drill, s: &Scenario, now: Timestamp, o: &mut Observed) {
        if o.watch.asked {
            return;
        }
        o.watch.asked = true;
        let Some(merged) = &d.merged else { return };
        let obs = &s.observe;
        if !obs.is_set() && s.safety.stop_if.is_none() {
            return;
        }
        let holds = o.fault.as_ref().is_some_and(|f| f.holds);
        let removed_at = o
            .fault
            .as_ref()
            .and_then(|f| f.removal.as_ref().map(|r| r.landing.at))
            .or_else(|| d.recovered.as_ref().map(|(l, _)| l.at));
        let selector = obs.alerts.as_deref().and_then(|a| Selector::parse(a).ok());
        // Pushed alerts first: they cost nothing, and make the pull of `ALERTS` unnecessary.
        if d.alert.is_none()
            && let Some(sel) = &selector
        {
            let end = removed_at.unwrap_or(now).max(merged.at);
            o.watch.alert = self
                .settings
                .observe
                .pushed
                .iter()
                .filter(|a| a.at >= merged.at && a.at <= end && sel.matches(&a.labels))
                .min_by_key(|a| a.at)
                .cloned();
        }
        let want_alerts = d.alert.is_none() && o.watch.alert.is_none() && selector.is_some();
        let want_health = obs.health.is_some() && d.restored.is_none() && !(d.broken.is_some() && holds);
        let want_stop = s.safety.stop_if.is_some() && holds;
        if !(want_alerts || want_health || want_stop) {
            return;
        }
        let client = match self.prometheus(s) {
            Ok(Some(c)) => c,
            // Alerts may come pushed only (a Prometheus the runner cannot reach): then no URL is no problem.
            Ok(None) if !want_health && !want_stop => return,
            Ok(None) => return o.watch.unread.push(no_url()),
            Err(why) => return o.watch.unread.push(why),
        };
        let Some(range) = observe::steps(merged.at, now, SignedDuration::from_secs(1)) else { return };
        if want_alerts && let Some(sel) = &selector {
            match client.query_range(&sel.firing_query(), &range).await {
                // The last step may lie up to a second past now (see `observe::steps`): never record the future.
                Ok(series) => {
                    o.watch.alert =
                        observe::first_alert(&series, merged.at).map(|a| observe::AlertSeen { at: a.at.min(now), ..a })
                }
                Err(e) => o.watch.unread.push(e.0),
            }
        }
        if want_health && let Some(health) = &obs.health {
            match client.query_range(health, &range).await {
                Ok(series) => judge_health(d, s, health, &series, &range, merged.at, removed_at, now, o),
                Err(e) => o.watch.unread.push(e.0),
            }
        }
        if want_stop && let Some(expr) = &s.safety.stop_if {
            match client.query(expr, now).await {
                Ok(answer) if observe::is_true(&answer) => {
                    o.watch.stop = Some(format!("safety.stop_if `{expr}` was true at {now}"));
                }
                Ok(_) => {}
                Err(e) => o.watch.unread.push(format!("{} (`safety.stop_if` was not asked)", e.0)),
            }
        }
    }
}

/// Broken, restored and "no effect" from one answer of the health expression over the drill's window.
#[allow(clippy::too_many_arguments)]
fn judge_health(
    d: &Drill,
    s: &Scenario,
    health: &str,
    series: &[observe::Series],
    range: &observe::Range,
    merged_at: Timestamp,
    removed_at: Option<Timestamp>,
    now: Timestamp,
    o: &mut Observed,
) {
    let told = |what: &str| format!("health `{health}` {what} (Prometheus)");
    let broken = d.broken.or_else(|| {
        // Broken only while the fault was there: after its removal, a failing health is something else.
        let at = observe::first_broken(series, range, merged_at)?;
        removed_at.is_none_or(|r| at <= r).then_some(at)
    });
    if d.broken.is_none()
        && let Some(at) = broken
    {
        o.watch.broken = Some((at.min(now), told("false")));
    }
    if let (Some(b), Some(r)) = (broken, removed_at)
        && let Some(at) = observe::first_restored(series, range, r.max(b))
    {
        o.watch.restored = Some((at.min(now), told("true again")));
    }
    let live = d.fault_live.as_ref().map_or(merged_at, |l| l.at);
    let within = s.observe.effect_within();
    let until = live.checked_add(within.to_signed()).unwrap_or(Timestamp::MAX);
    if broken.is_none()
        && d.no_effect.is_none()
        && now >= until
        && observe::healthy_throughout(series, range, live, until)
    {
        o.watch.no_effect = Some((until, within.as_str()));
    }
}

fn no_url() -> String {
    format!(
        "no Prometheus URL: set `observe.prometheus` in the scenario or firedrill.yml, or the {} variable",
        crate::scenario::PROMETHEUS_URL_ENV
    )
}
