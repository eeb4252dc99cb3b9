//! Alert notifications pushed to firedrill (a `repository_dispatch` event's `client_payload`, or
//! `firedrill observe --alert FILE`), read into [`AlertSeen`]s. Pure, and hostile-input safe: the body is anyone's
//! JSON, so every field is read by type, sizes are bounded, and what is not understood is said, never trusted.
//!
//! Understood bodies:
//! - Alertmanager's webhook (`version: "4"`): `alerts[]` with `status`, `labels`, `startsAt`, `fingerprint`;
//! - Grafana's webhook contact point: the same shape, with `orgId`;
//! - PagerDuty's v3 webhook: `event.event_type: incident.triggered`, `event.data` the incident; its labels are
//!   `alertname` (the title), `service` (the service's summary), `urgency` and `priority`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::Value;

use super::AlertSeen;

/// The most alerts read from one body (Alertmanager groups rarely hold more than a few dozen).
pub const MAX_ALERTS: usize = 1000;
/// The largest body read, in bytes.
pub const MAX_BODY: usize = 1024 * 1024;
/// The most labels kept of one alert, and the longest label name or value.
const MAX_LABELS: usize = 64;
const MAX_LABEL_LEN: usize = 1024;

/// What a body held: the firing alerts, and what was left out, and why (for the run's output).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pushed {
    pub alerts: Vec<AlertSeen>,
    pub ignored: Vec<String>,
}

/// Reads a notification body (or a `client_payload` holding one, at its top or under `alert`).
pub fn parse(body: &Value) -> Result<Pushed, String> {
    let body = match body.get("alert") {
        Some(inner) if body.get("alerts").is_none() && body.get("event").is_none() => inner,
        _ => body,
    };
    if !body.is_object() {
        return Err("the alert notification is not a JSON object".to_owned());
    }
    if let Some(event) = body.get("event") {
        return pagerduty(event);
    }
    if body.get("alerts").is_some() {
        return alertmanager(body);
    }
    Err("the alert notification is neither an Alertmanager or Grafana webhook body (`alerts`) nor a PagerDuty v3 \
         webhook (`event`)"
        .to_owned())
}

/// Reads a file's text: its size bounded first.
pub fn parse_text(text: &str) -> Result<Pushed, String> {
    if text.len() > MAX_BODY {
        return Err(format!("the alert notification is {} bytes, more than the {MAX_BODY} read", text.len()));
    }
    let v: Value = serde_json::from_str(text).map_err(|e| format!("the alert notification is not JSON ({e})"))?;
    parse(&v)
}

fn alertmanager(body: &Value) -> Result<Pushed, String> {
    let from = if body.get("orgId").is_some() { "grafana" } else { "alertmanager" };
    if let Some(v) = body.get("version").and_then(Value::as_str)
        && v != "4"
    {
        return Err(format!("the {from} webhook body has version {:?}; firedrill reads version \"4\"", short(v)));
    }
    let alerts = body.get("alerts").and_then(Value::as_array).ok_or("`alerts` is not a list")?;
    let mut out = Pushed::default();
    if alerts.len() > MAX_ALERTS {
        out.ignored.push(format!("{} alerts past the first {MAX_ALERTS}", alerts.len() - MAX_ALERTS));
    }
    for (i, a) in alerts.iter().take(MAX_ALERTS).enumerate() {
        let status = a.get("status").and_then(Value::as_str).unwrap_or("");
        if status != "firing" {
            out.ignored.push(format!("alert {i}: status {:?}, not firing", short(status)));
            continue;
        }
        let Some(labels) = a.get("labels").and_then(Value::as_object) else {
            out.ignored.push(format!("alert {i}: `labels` is not an object"));
            continue;
        };
        let Some(at) = a.get("startsAt").and_then(Value::as_str).and_then(|s| s.parse::<Timestamp>().ok()) else {
            out.ignored.push(format!("alert {i}: `startsAt` is not an RFC 3339 instant"));
            continue;
        };
        let labels = string_map(labels);
        let fingerprint = a.get("fingerprint").and_then(Value::as_str).map(short);
        out.alerts.push(AlertSeen {
            at,
            name: labels.get("alertname").cloned().unwrap_or_default(),
            labels,
            from: from.to_owned(),
            fingerprint,
        });
    }
    dedupe(&mut out.alerts);
    Ok(out)
}

fn pagerduty(event: &Value) -> Result<Pushed, String> {
    let kind = event.get("event_type").and_then(Value::as_str).unwrap_or("");
    let mut out = Pushed::default();
    if kind != "incident.triggered" {
        out.ignored.push(format!("PagerDuty event {:?}: only incident.triggered is an alert", short(kind)));
        return Ok(out);
    }
    let data = event.get("data").filter(|d| d.is_object()).ok_or("the PagerDuty event has no `data` object")?;
    let at = data
        .get("created_at")
        .or_else(|| event.get("occurred_at"))
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Timestamp>().ok())
        .ok_or("the PagerDuty incident's `created_at` is not an RFC 3339 instant")?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(short);
    let mut labels = BTreeMap::new();
    let fields = [
        ("alertname", text(data.get("title"))),
        ("service", text(data.pointer("/service/summary"))),
        ("urgency", text(data.get("urgency"))),
        ("priority", text(data.pointer("/priority/summary"))),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            labels.insert(k.to_owned(), v);
        }
    }
    out.alerts.push(AlertSeen {
        at,
        name: labels.get("alertname").cloned().unwrap_or_default(),
        labels,
        from: "pagerduty".to_owned(),
        fingerprint: text(data.get("id")),
    });
    Ok(out)
}

/// One alert per fingerprint (the earliest start); alerts without one are kept.
fn dedupe(alerts: &mut Vec<AlertSeen>) {
    alerts.sort_by(|a, b| (a.at, &a.fingerprint).cmp(&(b.at, &b.fingerprint)));
    let mut seen = std::collections::BTreeSet::new();
    alerts.retain(|a| a.fingerprint.as_ref().is_none_or(|f| seen.insert(f.clone())));
}

fn string_map(m: &serde_json::Map<String, Value>) -> BTreeMap<String, String> {
    m.iter()
        .filter_map(|(k, v)| Some((k, v.as_str()?)))
        .filter(|(k, v)| k.len() <= MAX_LABEL_LEN && v.len() <= MAX_LABEL_LEN)
        .take(MAX_LABELS)
        .map(|(k, v)| (k.clone(), v.to_owned()))
        .collect()
}

fn short(s: &str) -> String {
    s.chars().take(120).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Shaped like Alertmanager's documented webhook body (version 4).
    const ALERTMANAGER: &str = r#"{
      "receiver": "firedrill", "status": "firing",
      "alerts": [
        {"status": "firing", "labels": {"alertname": "CheckoutErrors", "namespace": "staging", "severity": "page"},
         "annotations": {"summary": "checkout 5xx"}, "startsAt": "2026-11-24T10:19:31.123Z",
         "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus:9090/graph", "fingerprint": "1a30ba71cca2921f"},
        {"status": "firing", "labels": {"alertname": "CheckoutErrors", "namespace": "staging", "severity": "page"},
         "annotations": {}, "startsAt": "2026-11-24T10:19:31.123Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "1a30ba71cca2921f"},
        {"status": "resolved", "labels": {"alertname": "Old"}, "startsAt": "2026-11-24T09:00:00Z", "fingerprint": "aa"}
      ],
      "groupLabels": {"alertname": "CheckoutErrors"}, "commonLabels": {"alertname": "CheckoutErrors"},
      "commonAnnotations": {}, "externalURL": "http://alertmanager:9093", "version": "4",
      "groupKey": "{}:{alertname=\"CheckoutErrors\"}", "truncatedAlerts": 0
    }"#;

    /// Shaped like PagerDuty's documented v3 `incident.triggered` webhook.
    const PAGERDUTY: &str = r#"{"event": {
      "id": "5ac64822-4adc-4fda-ade0-410becf0de4f", "event_type": "incident.triggered", "resource_type": "incident",
      "occurred_at": "2026-11-24T10:20:00.000Z", "agent": null, "client": null,
      "data": {"id": "PGR0VU2", "type": "incident", "self": "https://api.pagerduty.com/incidents/PGR0VU2",
        "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2", "number": 2, "status": "triggered",
        "incident_key": "d3640fbd41094207a1c11e58e46b1662", "created_at": "2026-11-24T10:19:58Z",
        "title": "Checkout errors on staging",
        "service": {"html_url": "https://acme.pagerduty.com/services/PF9KMXH", "id": "PF9KMXH",
          "self": "https://api.pagerduty.com/services/PF9KMXH", "summary": "checkout-staging", "type": "service_reference"},
        "assignees": [], "escalation_policy": {"id": "PJ4PZFA", "summary": "Default", "type": "escalation_policy_reference"},
        "teams": [], "priority": {"id": "PSO75BM", "summary": "P1", "type": "priority_reference"},
        "urgency": "high", "conference_bridge": null, "resolve_reason": null}}}"#;

    #[test]
    fn alertmanager_bodies_give_the_firing_alerts_once_each() {
        let p = parse_text(ALERTMANAGER).unwrap();
        assert_eq!(p.alerts.len(), 1);
        let a = &p.alerts[0];
        assert_eq!((a.name.as_str(), a.from.as_str()), ("CheckoutErrors", "alertmanager"));
        assert_eq!(a.at, "2026-11-24T10:19:31.123Z".parse::<Timestamp>().unwrap());
        assert_eq!(a.fingerprint.as_deref(), Some("1a30ba71cca2921f"));
        assert_eq!(p.ignored, vec!["alert 2: status \"resolved\", not firing".to_owned()]);
        // Nested under `alert`, as a relay must when the body has more than 10 top-level keys.
        let v: Value = serde_json::json!({"alert": serde_json::from_str::<Value>(ALERTMANAGER).unwrap()});
        assert_eq!(parse(&v).unwrap().alerts, p.alerts);
        let mut grafana: Value = serde_json::from_str(ALERTMANAGER).unwrap();
        grafana["orgId"] = 1.into();
        assert_eq!(parse(&grafana).unwrap().alerts[0].from, "grafana");
    }

    #[test]
    fn pagerduty_incidents_are_alerts_named_by_their_title() {
        let p = parse_text(PAGERDUTY).unwrap();
        let a = &p.alerts[0];
        assert_eq!(a.name, "Checkout errors on staging");
        assert_eq!(a.labels["service"], "checkout-staging");
        assert_eq!(a.labels["priority"], "P1");
        assert_eq!(a.fingerprint.as_deref(), Some("PGR0VU2"));
        assert_eq!(a.at, "2026-11-24T10:19:58Z".parse::<Timestamp>().unwrap());
        let acked = PAGERDUTY.replace("incident.triggered", "incident.acknowledged");
        assert!(parse_text(&acked).unwrap().alerts.is_empty());
    }

    #[test]
    fn hostile_bodies_are_refused_or_ignored_never_a_crash() {
        for bad in [
            "[]",
            "1",
            "null",
            "{}",
            "{\"alerts\": 3}",
            "{\"alerts\": [], \"version\": \"2\"}",
            "{\"event\": {\"event_type\": \"incident.triggered\"}}",
            "not json",
        ] {
            assert!(parse_text(bad).is_err(), "{bad}");
        }
        let huge = format!("{{\"alerts\": [], \"x\": \"{}\"}}", "a".repeat(MAX_BODY));
        assert!(parse_text(&huge).unwrap_err().contains("more than"));
        let odd = r#"{"alerts": [{"status": "firing", "labels": [1], "startsAt": "x"}, {"status": "firing", "labels": {"a": 1, "b": "c"}, "startsAt": 5},
                     {"status": "firing", "labels": {"a": 1, "b": "c"}, "startsAt": "2026-11-24T10:00:00Z", "fingerprint": 7}, 3]}"#;
        let p = parse_text(odd).unwrap();
        assert_eq!(p.alerts.len(), 1);
        assert_eq!(p.alerts[0].labels.len(), 1, "the number label is dropped");
        assert_eq!(p.ignored.len(), 3);
        let many = serde_json::json!({"alerts": vec![serde_json::json!({"status": "firing", "labels": {}, "startsAt": "2026-11-24T10:00:00Z"}); MAX_ALERTS + 5]});
        let p = parse(&many).unwrap();
        assert_eq!(p.alerts.len(), MAX_ALERTS);
        assert!(p.ignored[0].contains("5 alerts past"));
    }
}
