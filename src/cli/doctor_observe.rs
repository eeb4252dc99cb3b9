//! `firedrill doctor`'s rows about the team's monitoring (`observe:`): Prometheus reachable with the
//! credentials named, the alert selector matching an alerting rule (`/api/v1/rules`), and the health expression
//! true now. Four requests per scenario at most; none without `observe:`.

use jiff::Timestamp;

use crate::observe::{self, Selector, prometheus};
use crate::render::doctor::Status;
use crate::scenario::Scenario;

/// The rows for `s` (check, status, detail), asked with the process's environment.
pub async fn rows(s: &Scenario, now: Timestamp) -> Vec<(&'static str, Status, String)> {
    let o = &s.observe;
    let mut rows = Vec::new();
    if !o.is_set() && s.safety.stop_if.is_none() {
        return rows;
    }
    let env = |n: &str| std::env::var(n).ok();
    let client = match prometheus::Client::new(o, &env, prometheus::Counter::default()) {
        Ok(Some(c)) => c,
        Ok(None) if o.health.is_none() && s.safety.stop_if.is_none() => {
            rows.push((
                "prometheus",
                Status::Ok,
                "no Prometheus URL: alerts are taken pushed only (repository_dispatch, `firedrill observe --alert`)"
                    .to_owned(),
            ));
            return rows;
        }
        Ok(None) => {
            rows.push((
                "prometheus",
                Status::Fail,
                format!(
                    "`observe.health` or `safety.stop_if` needs Prometheus: set `observe.prometheus` or {}",
                    crate::scenario::PROMETHEUS_URL_ENV
                ),
            ));
            return rows;
        }
        Err(e) => {
            rows.push(("prometheus", Status::Fail, e.0));
            return rows;
        }
    };
    // Reachability and the credentials: the rules answer both (a 401/403 names the variables, never the secret).
    match client.alerting_rules().await {
        Err(e) => {
            rows.push(("prometheus", Status::Fail, format!("{} (the drill still runs, unobserved)", e.0)));
            return rows;
        }
        Ok(rules) => {
            let auth = if o.auth.is_some() { ", authenticated" } else { "" };
            rows.push(("prometheus", Status::Ok, format!("{} answers{auth}", client.describe())));
            if let Some(sel) = o.alerts.as_deref().and_then(|a| Selector::parse(a).ok()) {
                rows.push(alert_row(&sel, o.alerts.as_deref().unwrap_or_default(), &rules));
            }
        }
    }
    if let Some(h) = &o.health {
        rows.push(match client.query(h, now).await {
            Ok(a) if observe::is_true(&a) => ("health", Status::Ok, format!("`{h}` is true now")),
            Ok(_) => ("health", Status::Fail, format!("`{h}` is false now: a drill would be refused (already broken)")),
            Err(e) => ("health", Status::Fail, e.0),
        });
    }
    if let Some(e) = &s.safety.stop_if {
        rows.push(match client.query(e, now).await {
            Ok(a) if observe::is_true(&a) => {
                ("stop_if", Status::Fail, format!("`{e}` is true now: a drill would be stopped at once"))
            }
            Ok(_) => ("stop_if", Status::Ok, format!("`{e}` is false now")),
            Err(err) => ("stop_if", Status::Fail, err.0),
        });
    }
    rows
}

/// Whether the selector can match an alerting rule's alerts (labels from the rule's expression not judged).
fn alert_row(
    sel: &Selector,
    written: &str,
    rules: &[(String, std::collections::BTreeMap<String, String>)],
) -> (&'static str, Status, String) {
    let matching: Vec<(&String, Vec<String>)> = rules
        .iter()
        .filter_map(|(name, labels)| {
            let (ok, unknown) = sel.may_match_rule(name, labels);
            ok.then_some((name, unknown))
        })
        .collect();
    match matching.first() {
        None => (
            "alerts",
            Status::Fail,
            format!("`{written}` matches none of the {} alerting rules: no alert would ever count", rules.len()),
        ),
        Some((_, unknown)) => {
            let names: Vec<&str> = matching.iter().map(|(n, _)| n.as_str()).collect();
            let unjudged = if unknown.is_empty() {
                String::new()
            } else {
                format!(" (labels {} come from the rule's expression, not checked)", unknown.join(", "))
            };
            ("alerts", Status::Ok, format!("`{written}` matches rule(s) {}{unjudged}", names.join(", ")))
        }
    }
}
