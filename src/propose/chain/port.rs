//! Ports: a listener moved away from the callers that keep the old number (a Service's `targetPort`, a probe,
//! a peer's address), a chart value that moves one side only, a client port beside its host.

use serde_json::Value;

use super::host::{address, peer_host};
use super::*;

/// Where a container says it listens on `n`: a flag (`--port=9898`, `--port 9898`) or an env value.
pub fn listens_on(container: &Container, n: i64) -> Option<String> {
    let s = n.to_string();
    for (i, arg) in container.args.iter().enumerate() {
        let lower = arg.to_ascii_lowercase();
        if lower.contains("port") && (arg.ends_with(&format!("={s}")) || arg.ends_with(&format!(":{s}"))) {
            return Some(format!("`{arg}`"));
        }
        if *arg == s && i > 0 && container.args[i - 1].to_ascii_lowercase().contains("port") {
            return Some(format!("`{} {s}`", container.args[i - 1]));
        }
    }
    container
        .env
        .iter()
        .find(|(k, v)| k.to_ascii_uppercase().contains("PORT") && *v == s)
        .map(|(k, _)| format!("env `{k}={s}`"))
}

/// The container of `w` holding `pointer`.
pub(super) fn container_at<'w>(w: &'w Workload, pointer: &str) -> Option<&'w Container> {
    w.containers.iter().find(|c| pointer.starts_with(&format!("{}/", c.at)))
}

/// A port number read from a manifest value (a number, or digits in a string).
pub(super) fn number(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// Who calls `n` on the pods of `w`, by number or through a port name that resolves to `n`: Services'
/// `targetPort`s and the container's probes. `(what, readiness)` per caller.
pub(super) fn callers_of(index: &Index, w: &Workload, container: &Container, n: i64) -> Vec<(String, bool)> {
    let named = |v: &Value| -> bool {
        match v {
            Value::String(name) => container.ports.iter().any(|(p, num)| p.as_deref() == Some(name) && *num == n),
            other => number(other) == Some(n),
        }
    };
    let mut out = Vec::new();
    for s in index.services_of(w) {
        for (_, _, target) in s.ports.iter().filter(|(_, _, t)| named(t)) {
            out.push((format!("Service {} (targetPort {})", s.name, crate::propose::render::shown(target)), false));
        }
    }
    for p in &container.probes {
        if let Some(port) = p.port.as_ref().filter(|v| named(v)) {
            out.push((
                format!("its {} (port {})", p.kind, crate::propose::render::shown(port)),
                p.kind == "readinessProbe",
            ));
        }
    }
    out
}

/// The proof for workload `id` whose listener moves from `old` to `new` while `callers` still call `old`.
fn moved_listener(c: &Candidate, id: &str, callers: &[(String, bool)], old: i64, new: i64) -> Proof {
    let (mechanism, symptom) = port_break(callers, new);
    let names: Vec<&str> = callers.iter().map(|(w, _)| w.as_str()).collect();
    let chain =
        format!("{id} listens where `{}` says ({old} → {new}); {} still call {old}", c.key, names.join(" and "));
    Proof { mechanism, chain, new: None, symptom: Some(symptom) }
}

/// How a port break shows, from its callers: a readiness probe keeps the new pods out (a stalled rollout);
/// otherwise the Service sends to where nothing listens, or a liveness probe restarts the pods.
pub(super) fn port_break(callers: &[(String, bool)], new: i64) -> (Mechanism, String) {
    if callers.iter().any(|(_, readiness)| *readiness) {
        return (
            Mechanism::Rollout,
            format!(
                "the readiness probe now fails (nothing listens on {new}): new pods never become ready, the rollout \
                 stalls and the old pods keep serving until they are replaced"
            ),
        );
    }
    if let Some((svc, _)) = callers.iter().find(|(c, _)| c.starts_with("Service ")) {
        let svc = svc.split(" (").next().unwrap_or(svc);
        return (
            Mechanism::Runtime,
            format!(
                "{svc} now sends every request to port {new} of the new pods, where nothing listens: connections are \
                 refused while the pods look healthy"
            ),
        );
    }
    (
        Mechanism::Runtime,
        format!("the liveness probe now checks port {new}, where nothing listens: the new pods restart in a loop"),
    )
}

/// A port name for monitoring or administration (a metrics scrape, a management UI): breaking it breaks no request.
pub(super) fn monitoring(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["metric", "exporter", "prom", "monitor", "management", "admin", "debug", "profil", "stats"]
        .iter()
        .any(|w| n.contains(w))
}

pub(super) fn port(c: &Candidate, cx: &Context<'_>) -> Result<Proof, String> {
    if c.old.as_str().is_some_and(|s| s.contains(':')) {
        return address(c, cx);
    }
    let old = number(&c.old).ok_or("not a port number")?;
    let new = number(&c.new).unwrap_or(old + 1);
    let kind = cx.doc.kind.as_deref().unwrap_or_default();
    if let Some(w) = cx.index.workload(&cx.file.path, cx.doc) {
        let container = container_at(w, &c.pointer).ok_or("not a container's port")?;
        if c.pointer.ends_with("/containerPort") {
            let name = cx.doc.value.pointer(&c.pointer.replace("/containerPort", "/name")).and_then(Value::as_str);
            if let Some(name) = name.filter(|n| monitoring(n)) {
                return Err(format!(
                    "the port `{name}` serves monitoring or administration, not the service's requests: no request breaks"
                ));
            }
            let Some(name) = name else {
                return Err(format!(
                    "containerPort {old} has no name, so nothing calls it through it: Services and probes use the \
                     number, and the app keeps listening on {old}; changing it breaks nothing"
                ));
            };
            let by_name: Vec<(String, bool)> = callers_of(cx.index, w, container, old)
                .into_iter()
                .filter(|(what, _)| what.contains(&format!("{name})")))
                .collect();
            if by_name.is_empty() {
                return Err(format!(
                    "nothing calls the port by its name `{name}` (Services and probes use the number {old}, which the \
                     app keeps listening on): changing containerPort breaks nothing"
                ));
            }
            let listener = listens_on(container, old).map_or_else(
                || format!("{} listens on {old} (what calls `{name}` works today)", w.id),
                |ev| format!("{} listens on {old} ({ev})", w.id),
            );
            let (mechanism, symptom) = port_break(&by_name, new);
            let callers: Vec<&str> = by_name.iter().map(|(w, _)| w.as_str()).collect();
            let chain = format!("{listener}; the port named `{name}` moves to {new} for {}", callers.join(" and "));
            return Ok(Proof { mechanism, chain, new: None, symptom: Some(symptom) });
        }
        if let Some(peer) = peer_host(&cx.doc.value, &c.pointer) {
            return Ok(client_port(c, &format!("{} calls {peer}", w.id), old, new));
        }
        // An env value the app listens on: every caller keeps the old number.
        let callers = callers_of(cx.index, w, container, old);
        if callers.is_empty() {
            return Err(format!(
                "no Service or probe calls {} on {old}: moving its listener breaks nothing shown",
                w.id
            ));
        }
        return Ok(moved_listener(c, &w.id, &callers, old, new));
    }
    if kind == "Service" && cx.doc.embedded_in.is_none() {
        let name = cx.doc.name.clone().unwrap_or_default();
        let svc = cx.index.service(&cx.file.path, &name).ok_or("Service not indexed")?;
        let port_name = cx.doc.value.pointer(&format!("{}/name", c.pointer.rsplit_once('/').map_or("", |(p, _)| p)));
        if let Some(n) = port_name.and_then(Value::as_str).filter(|n| monitoring(n)) {
            return Err(format!(
                "the port `{n}` serves monitoring or administration, not the service's requests: no request breaks"
            ));
        }
        if c.pointer.ends_with("/targetPort") {
            for w in cx.index.selected_by(svc) {
                for container in &w.containers {
                    let declared = container.ports.iter().any(|(_, p)| *p == old);
                    let ev = listens_on(container, old).or_else(|| declared.then(|| format!("containerPort {old}")));
                    if let Some(ev) = ev {
                        return Ok(Proof {
                            mechanism: Mechanism::Runtime,
                            chain: format!("{} listens on {old} ({ev}); Service {name} now sends to {new}", w.id),
                            new: None,
                            symptom: Some(format!(
                                "Service {name} sends every request to port {new}, where nothing listens: connections \
                                 are refused while the pods stay Ready"
                            )),
                        });
                    }
                }
            }
            return Err(format!("no workload Service {name} selects is shown to listen on {old}"));
        }
        if c.pointer.ends_with("/port") {
            let call = cx
                .index
                .calls
                .iter()
                .find(|k| k.port == Some(old) && (k.host == name || k.host.starts_with(&format!("{name}."))));
            return match call {
                Some(k) => Ok(Proof {
                    mechanism: Mechanism::Runtime,
                    chain: format!("{} calls {}:{old}; Service {name} now listens on {new}", k.by, k.host),
                    new: None,
                    symptom: Some(format!(
                        "calls to {}:{old} fail: the Service has nothing there any more (it listens on {new}), so \
                         connections are refused or hang until they time out; the pods themselves are healthy",
                        k.host
                    )),
                }),
                None => Err(format!("nothing in this repository calls Service {name} on port {old}")),
            };
        }
        return Err("not a port firedrill can trace".into());
    }
    // Configuration: a client's port to a peer, or a listener whose callers are in the same repository.
    if let Some(peer) = peer_host(&cx.doc.value, &c.pointer) {
        let who = consumers(c, cx)?;
        return Ok(client_port(c, &format!("{who}; it calls {peer}"), old, new));
    }
    if let Readers::Known { workloads, .. } = &c.readers
        && !matches!(cx.index.release_values(cx.doc, &c.pointer), Some((Some(_), _, _)))
        && !crate::propose::index::looks_like_values(&cx.file.path)
    {
        for id in workloads {
            let Some(w) = cx.index.workload_by_id(id) else { continue };
            for container in &w.containers {
                let callers = callers_of(cx.index, w, container, old);
                if !callers.is_empty() {
                    return Ok(moved_listener(c, &w.id, &callers, old, new));
                }
            }
        }
        return Err(format!("no Service or probe of the workloads reading `{}` calls {old}", c.key));
    }
    helm_port(c, cx, old)
}

/// A chart value: it breaks only when it moves one side (the listener's flag, or the callers' ports), never
/// when one value sets both.
pub(super) fn helm_port(c: &Candidate, cx: &Context<'_>, old: i64) -> Result<Proof, String> {
    let (chart, at, values) = match cx.index.release_values(cx.doc, &c.pointer) {
        Some((Some(chart), at, _)) => {
            let values = ["/spec/values", "/spec/source/helm/valuesObject"]
                .iter()
                .find_map(|p| cx.doc.value.pointer(p).cloned())
                .unwrap_or_else(|| cx.doc.value.clone());
            (chart, at, values)
        }
        Some((None, _, whose)) => {
            return Err(format!(
                "{whose}: the chart is outside this repository, so whether its listener and callers move together \
                 cannot be shown"
            ));
        }
        None => match cx.index.chart_of(&cx.file.path) {
            Some(chart) => (chart, c.pointer.clone(), cx.doc.value.clone()),
            None => {
                return Err(
                    "the chart reading it is not in this repository: its listener and callers cannot be shown".into()
                );
            }
        },
    };
    let lines = cx.index.renders(&chart, &at, &values);
    if lines.is_empty() {
        return Err(format!("no rendered, enabled template of chart {chart} reads it"));
    }
    let listener: Vec<&str> =
        lines.iter().map(|(_, l)| l.as_str()).filter(|l| l.contains("--") || l.contains("value:")).collect();
    let callers: Vec<&str> = lines
        .iter()
        .map(|(_, l)| l.as_str())
        .filter(|l| ["containerPort", "targetPort", "port:", "number:"].iter().any(|w| l.contains(w)))
        .collect();
    match (listener.first(), callers.first()) {
        (Some(l), Some(k)) => Err(format!(
            "it sets both the listener (`{l}`) and its callers (`{k}`): they move together and nothing breaks"
        )),
        _ => Err(format!(
            "chart {chart} uses it only on one side, and the other side's number ({old}) is not shown in its templates"
        )),
    }
}

pub(super) fn client_port(c: &Candidate, who: &str, old: i64, new: i64) -> Proof {
    Proof {
        mechanism: Mechanism::Runtime,
        chain: format!("{who} on `{}` = {old}; the peer still listens on {old}", c.key),
        new: None,
        symptom: Some(format!(
            "connections to port {new} of the dependency are refused (it listens on {old}): every call to it fails \
             while the dependency itself is healthy"
        )),
    }
}
