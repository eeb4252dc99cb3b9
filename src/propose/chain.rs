//! Whether a candidate breaks something that runs, and the chain of the repository's own files that shows it.
//!
//! A value matters only through what uses it: a port through its listener *and* a caller that keeps the old
//! number (a Service's `targetPort`, a probe, a peer's address), a memory limit through what the container is
//! known to use, a probe through the path or port the app really serves, a host or a timeout through a workload
//! that reads it, a Helm value through a rendered, enabled, non-test template. A candidate whose chain cannot be
//! shown is not proposed: [`prove`] says why. The proof also says how the break shows ([`Mechanism`]): a change
//! the API server or the GitOps tool refuses is a failed-sync drill, not a runtime outage. Pure.

use serde_json::Value;

use super::families::{Candidate, Family};
use super::index::{Container, Index, Readers, Workload};
use super::{Doc, RepoFile};
use crate::reach::Reach;

/// How a fault shows once merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// The running service breaks (errors, refused connections, restarts).
    Runtime,
    /// The API server refuses the object: the sync fails and the running pods keep the old settings.
    Rejected,
    /// The object applies but the rollout never completes: new pods never become ready, old pods keep serving.
    Rollout,
    /// The GitOps tool's own object fails to reconcile: nothing new deploys.
    Reconcile,
}

impl Mechanism {
    /// The label the listing and the scenario show.
    pub fn label(self) -> &'static str {
        match self {
            Mechanism::Runtime => "runtime break",
            Mechanism::Rejected => "failed sync (the API server refuses the object)",
            Mechanism::Rollout => "stalled rollout",
            Mechanism::Reconcile => "failed reconciliation",
        }
    }
}

/// What shows that a candidate breaks something, and how.
#[derive(Debug, Clone)]
pub struct Proof {
    pub mechanism: Mechanism,
    /// One line: from what reads the value to what breaks.
    pub chain: String,
    /// The faulty value, when the proof chose it (a memory limit from the evidence).
    pub new: Option<Value>,
    /// The symptom, when the chain makes it more exact than the family's.
    pub symptom: Option<String>,
}

/// How a candidate's break is expected to show before its chain is known (for ranking).
pub fn expected(c: &Candidate) -> Mechanism {
    match c.family {
        Family::YamlBoolean => Mechanism::Rejected,
        Family::ImageTag => Mechanism::Rollout,
        Family::Timeout if c.in_workload && c.pointer == "/spec/timeout" => Mechanism::Reconcile,
        Family::Probe if c.pointer.contains("eadiness") => Mechanism::Rollout,
        _ => Mechanism::Runtime,
    }
}

/// What [`prove`] looks at besides the candidate.
pub struct Context<'a> {
    pub file: &'a RepoFile,
    pub doc: &'a Doc,
    pub index: &'a Index,
    pub reach: &'a Reach,
}

fn proof(mechanism: Mechanism, chain: String) -> Proof {
    Proof { mechanism, chain, new: None, symptom: None }
}

/// The Flux kinds whose `spec.timeout` bounds a reconciliation.
const FLUX_KINDS: [&str; 6] =
    ["Kustomization", "HelmRelease", "GitRepository", "HelmRepository", "OCIRepository", "Bucket"];

/// Why `c` breaks something that runs, or why it is not proposed.
pub fn prove(c: &Candidate, cx: &Context<'_>) -> Result<Proof, String> {
    if let Some(off) = switched_off(&cx.doc.value, &c.pointer) {
        return Err(format!("`{off}` is false: the feature is off and nothing uses `{}`", c.key));
    }
    let flux = cx.doc.kind.as_deref().is_some_and(|k| FLUX_KINDS.contains(&k))
        && cx.doc.value.get("apiVersion").and_then(Value::as_str).is_some_and(|v| v.contains("fluxcd.io"));
    let kubernetes_field = cx.doc.embedded_in.is_none()
        && cx.doc.kind.as_deref().is_some_and(|k| !matches!(k, "ConfigMap" | "Secret"))
        && cx.index.release_values(cx.doc, &c.pointer).is_none()
        && !c.pointer.contains("/env/")
        && !c.pointer.contains("/args/")
        && !c.pointer.contains("/command/");
    match c.family {
        Family::YamlBoolean => Ok(proof(
            Mechanism::Rejected,
            format!(
                "{}: the API server refuses the boolean {} and the sync fails",
                c.note.as_deref().unwrap_or("a string field"),
                c.new
            ),
        )),
        Family::Timeout if flux && c.pointer == "/spec/timeout" => Ok(proof(
            Mechanism::Reconcile,
            format!(
                "Flux {} {}: `spec.timeout` bounds each reconciliation (apply and health checks); at {} it fails every \
                 time",
                cx.doc.kind.as_deref().unwrap_or_default(),
                cx.doc.name.as_deref().unwrap_or_default(),
                super::render::shown(&c.new)
            ),
        )),
        Family::Host if kubernetes_field && !ingress(c, cx) => Err(format!(
            "`{}` is a field of the {} object, not an address the service calls",
            c.key,
            cx.doc.kind.as_deref().unwrap_or_default()
        )),
        Family::Replicas if c.key == "minReplicas" => Err(
            "an autoscaler's minReplicas of 0 is refused by the API server (unless scale-to-zero is enabled): a sync \
             drill at best"
                .into(),
        ),
        Family::Replicas if autoscaled(&cx.doc.value, &c.pointer) => Err(format!(
            "autoscaling is enabled beside it: the HorizontalPodAutoscaler sets the replicas, not `{}`",
            c.key
        )),
        Family::Timeout | Family::PoolSize | Family::Retries | Family::UrlScheme | Family::FeatureFlag
            if kubernetes_field =>
        {
            Err(format!(
                "`{}` is a field of the {} object, not a setting the service applies to its calls",
                c.key,
                cx.doc.kind.as_deref().unwrap_or_default()
            ))
        }
        Family::Port => port(c, cx),
        Family::Probe => probe(c, cx),
        Family::MemoryLimit => memory(c, cx),
        Family::FeatureFlag if !matches!(&c.old, Value::Bool(true)) && c.old != "true" => {
            Err(format!("`{}` is off today: turning on a feature is not a break firedrill can show", c.key))
        }
        Family::Host => host(c, cx),
        Family::ImageTag => {
            let who = consumers(c, cx)?;
            Ok(proof(
                Mechanism::Rollout,
                format!(
                    "{who}: pods of the new template pull `{}`, which does not exist",
                    super::render::shown(&c.new)
                ),
            ))
        }
        Family::Timeout => {
            let who = consumers(c, cx)?;
            let new = super::render::shown(&c.new);
            let unit = if new.ends_with('s') || new.ends_with('m') || new.ends_with('h') {
                ""
            } else if super::words(&c.key).iter().any(|w| matches!(w.as_str(), "ms" | "millis" | "milliseconds")) {
                " ms"
            } else {
                " s"
            };
            Ok(proof(Mechanism::Runtime, format!("{who}: its calls give up after {new}{unit}")))
        }
        Family::PoolSize => {
            let who = consumers(c, cx)?;
            Ok(proof(Mechanism::Runtime, format!("{who}: a pool of 0 serves no request")))
        }
        Family::Retries => {
            let who = consumers(c, cx)?;
            Ok(proof(Mechanism::Runtime, format!("{who}: a failed call is no longer tried again")))
        }
        Family::Replicas => {
            let who = consumers(c, cx)?;
            Ok(proof(Mechanism::Runtime, format!("{who}: 0 replicas leaves no pod to serve")))
        }
        Family::FeatureFlag => {
            let who = consumers(c, cx)?;
            Ok(proof(Mechanism::Runtime, format!("{who}: the feature it enables is switched off")))
        }
        Family::UrlScheme => {
            let who = consumers(c, cx)?;
            Ok(proof(Mechanism::Runtime, format!("{who}: it now speaks {} to a server that does not", scheme(&c.new))))
        }
    }
}

fn scheme(v: &Value) -> &'static str {
    if v.as_str().is_some_and(|s| s.starts_with("https")) { "TLS" } else { "plain HTTP" }
}

/// The first `enabled: false` (or `enable`) beside a mapping above the value (`tls.enabled` for `tls.port`).
fn switched_off(doc: &Value, pointer: &str) -> Option<String> {
    let tokens: Vec<String> = pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect();
    let mut current = doc;
    let mut path = Vec::new();
    for token in tokens.iter().take(tokens.len().saturating_sub(1)) {
        current = match current {
            Value::Object(m) => m.get(token)?,
            Value::Array(a) => a.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
        path.push(token.clone());
        for flag in ["enabled", "enable"] {
            let off = matches!(current.get(flag), Some(Value::Bool(false)))
                || current.get(flag).and_then(Value::as_str) == Some("false");
            if off && tokens.last().is_some_and(|l| l != flag) {
                return Some(format!("{}.{flag}", path.join(".")));
            }
        }
    }
    None
}

/// What runs and reads the value, in words; or why nothing is shown to.
fn consumers(c: &Candidate, cx: &Context<'_>) -> Result<String, String> {
    match &c.readers {
        Readers::Known { workloads, via } if workloads.is_empty() => {
            Err(format!("nothing that runs reads it: no rendered, enabled workload (looked through {via})"))
        }
        Readers::Known { workloads, via } => {
            // One workload rendered by several overlays (`Deployment/api (2)`) is named once.
            let mut ids: Vec<&str> = workloads.iter().map(|w| w.split(" (").next().unwrap_or(w)).collect();
            ids.dedup();
            let shown: Vec<&str> = ids.iter().take(3).copied().collect();
            let more = if ids.len() > 3 { format!(" and {} more", ids.len() - 3) } else { String::new() };
            let verb = if ids.len() == 1 { "reads" } else { "read" };
            Ok(format!("{}{more} {verb} it through {via}", shown.join(", ")))
        }
        Readers::Unknown { why } => {
            let route = cx.reach.routes.iter().find(|r| r.spared.is_none());
            match route.and_then(|r| r.chain.first()) {
                Some(first) => {
                    // `argocd/x.yaml (Application x syncs …)`: the file and the object are enough here.
                    let short = first.split(" syncs ").next().unwrap_or(first);
                    let short = short.strip_suffix(')').map_or_else(|| short.to_owned(), |s| format!("{s})"));
                    let short = if short.matches('(').count() > short.matches(')').count() {
                        format!("{short})")
                    } else {
                        short
                    };
                    Ok(format!("{short} deploys it"))
                }
                None if cx.index.release_values(cx.doc, &c.pointer).is_some() => Ok(why.clone()),
                // A values file of a chart kept elsewhere: only what every chart renders the same way is shown.
                None if super::index::looks_like_values(&cx.file.path) && convention(c) => Ok(format!(
                    "the chart's pods (by the Helm convention for `{}`; the chart is not in this repository)",
                    c.pointer.trim_start_matches('/').replace('/', ".")
                )),
                None => Err(format!("nothing in this repository shows what reads it ({why})")),
            }
        }
    }
}

/// A key every Helm chart renders the same way: the pod's image tag (`image.tag`), its replica count.
fn convention(c: &Candidate) -> bool {
    match c.family {
        Family::ImageTag => c.pointer.ends_with("/image/tag"),
        Family::Replicas => c.pointer == "/replicaCount",
        _ => false,
    }
}

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
fn container_at<'w>(w: &'w Workload, pointer: &str) -> Option<&'w Container> {
    w.containers.iter().find(|c| pointer.starts_with(&format!("{}/", c.at)))
}

/// A port number read from a manifest value (a number, or digits in a string).
fn number(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// Who calls `n` on the pods of `w`, by number or through a port name that resolves to `n`: Services'
/// `targetPort`s and the container's probes. `(what, readiness)` per caller.
fn callers_of(index: &Index, w: &Workload, container: &Container, n: i64) -> Vec<(String, bool)> {
    let named = |v: &Value| -> bool {
        match v {
            Value::String(name) => container.ports.iter().any(|(p, num)| p.as_deref() == Some(name) && *num == n),
            other => number(other) == Some(n),
        }
    };
    let mut out = Vec::new();
    for s in index.services_of(w) {
        for (_, _, target) in s.ports.iter().filter(|(_, _, t)| named(t)) {
            out.push((format!("Service {} (targetPort {})", s.name, super::render::shown(target)), false));
        }
    }
    for p in &container.probes {
        if let Some(port) = p.port.as_ref().filter(|v| named(v)) {
            out.push((format!("its {} (port {})", p.kind, super::render::shown(port)), p.kind == "readinessProbe"));
        }
    }
    out
}

/// How a port break shows, from its callers: a readiness probe keeps the new pods out (a stalled rollout);
/// otherwise the Service sends to where nothing listens, or a liveness probe restarts the pods.
fn port_break(callers: &[(String, bool)], new: i64) -> (Mechanism, String) {
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
fn monitoring(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["metric", "exporter", "prom", "monitor", "management", "admin", "debug", "profil", "stats"]
        .iter()
        .any(|w| n.contains(w))
}

/// A peer's address one port off (`productcatalogservice:3550` → `:3551`): the caller's side only.
fn address(c: &Candidate, cx: &Context<'_>) -> Result<Proof, String> {
    let old = super::render::shown(&c.old);
    let (host, port) = old.rsplit_once(':').ok_or("not an address")?;
    let port: i64 = port.parse().map_err(|_| "not an address")?;
    let new = port + 1;
    let who = match cx.index.workload(&cx.file.path, cx.doc) {
        Some(w) => w.id.clone(),
        None => consumers(c, cx)?,
    };
    let svc = cx.index.services.iter().find(|s| {
        (s.name == host || host.starts_with(&format!("{}.", s.name))) && s.ports.iter().any(|(_, p, _)| *p == port)
    });
    let (peer, listens) = match svc {
        Some(s) if s.ports.iter().any(|(_, p, _)| *p == new) => {
            return Err(format!("Service {} also listens on {new}: the change breaks nothing shown", s.name));
        }
        Some(s) => (format!("Service {}", s.name), format!("Service {} has port {port} only", s.name)),
        None => (format!("`{host}`"), format!("`{host}` listens on {port} (the address works today)")),
    };
    Ok(Proof {
        mechanism: Mechanism::Runtime,
        chain: format!("{who} calls {old} (`{}`); {listens}", c.key),
        new: None,
        symptom: Some(format!(
            "calls to {host}:{new} fail: {peer} has nothing there, so connections are refused or hang until they time \
             out; every request of {who} that needs it fails while {peer} itself is healthy"
        )),
    })
}

fn port(c: &Candidate, cx: &Context<'_>) -> Result<Proof, String> {
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
        let (mechanism, symptom) = port_break(&callers, new);
        let names: Vec<&str> = callers.iter().map(|(w, _)| w.as_str()).collect();
        let chain = format!(
            "{} listens where `{}` says ({old} → {new}); {} still call {old}",
            w.id,
            c.key,
            names.join(" and ")
        );
        return Ok(Proof { mechanism, chain, new: None, symptom: Some(symptom) });
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
        && !super::index::looks_like_values(&cx.file.path)
    {
        for id in workloads {
            let Some(w) = cx.index.workload_by_id(id) else { continue };
            for container in &w.containers {
                let callers = callers_of(cx.index, w, container, old);
                if !callers.is_empty() {
                    let (mechanism, symptom) = port_break(&callers, new);
                    let names: Vec<&str> = callers.iter().map(|(w, _)| w.as_str()).collect();
                    let chain = format!(
                        "{} listens where `{}` says ({old} → {new}); {} still call {old}",
                        w.id,
                        c.key,
                        names.join(" and ")
                    );
                    return Ok(Proof { mechanism, chain, new: None, symptom: Some(symptom) });
                }
            }
        }
        return Err(format!("no Service or probe of the workloads reading `{}` calls {old}", c.key));
    }
    helm_port(c, cx, old)
}

/// A chart value: it breaks only when it moves one side (the listener's flag, or the callers' ports), never
/// when one value sets both.
fn helm_port(c: &Candidate, cx: &Context<'_>, old: i64) -> Result<Proof, String> {
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

/// A port beside a host key (`DB_HOST` and `DB_PORT`, `redis.host` and `redis.port`): the client's side.
fn peer_host(doc: &Value, pointer: &str) -> Option<String> {
    let (parent, key) = pointer.rsplit_once('/')?;
    let key = key.replace("~1", "/").replace("~0", "~");
    let words = super::words(&key);
    let prefix: Vec<&String> = words.iter().take(words.len().saturating_sub(1)).collect();
    // An env entry (`{name, value}` in a list): look at the list.
    if key == "value" && parent.contains("/env/") {
        let list = parent.rsplit_once('/')?.0;
        let name = doc.pointer(&format!("{parent}/name"))?.as_str()?;
        let words = super::words(name);
        let prefix: Vec<&String> = words.iter().take(words.len().saturating_sub(1)).collect();
        for e in doc.pointer(list)?.as_array()? {
            let (Some(n), Some(v)) = (e.get("name").and_then(Value::as_str), e.get("value").and_then(Value::as_str))
            else {
                continue;
            };
            let w = super::words(n);
            if w.len() == prefix.len() + 1
                && w.iter().take(prefix.len()).eq(prefix.iter().copied())
                && is_host_word(&w[prefix.len()])
            {
                return Some(format!("{v} (`{n}`)"));
            }
        }
        return None;
    }
    let siblings = doc.pointer(parent)?.as_object()?;
    for (k, v) in siblings {
        let w = super::words(k);
        if w.len() == prefix.len() + 1
            && w.iter().take(prefix.len()).eq(prefix.iter().copied())
            && is_host_word(&w[prefix.len()])
            && let Some(v) = v.as_str()
        {
            return Some(format!("{v} (`{k}`)"));
        }
    }
    None
}

fn is_host_word(w: &str) -> bool {
    matches!(w, "host" | "hostname" | "server" | "address" | "addr")
}

fn client_port(c: &Candidate, who: &str, old: i64, new: i64) -> Proof {
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

fn probe(c: &Candidate, cx: &Context<'_>) -> Result<Proof, String> {
    let kind = c.pointer.split('/').find(|s| s.ends_with("Probe")).map_or_else(|| "probe".to_owned(), str::to_owned);
    let readiness = kind.starts_with("readiness") || c.pointer.contains("/readiness");
    let liveness = kind.starts_with("liveness") || c.pointer.contains("/liveness");
    let who = match cx.index.workload(&cx.file.path, cx.doc) {
        Some(w) => w.id.clone(),
        None => consumers(c, cx)?,
    };
    let what = if c.pointer.ends_with("/path") {
        format!(
            "GET {} → {}: the app does not serve {} (404)",
            super::render::shown(&c.old),
            super::render::shown(&c.new),
            super::render::shown(&c.new)
        )
    } else {
        let old = number(&c.old).ok_or("not a port number")?;
        let w = cx.index.workload(&cx.file.path, cx.doc).ok_or("the probe's container is not in a manifest here")?;
        let container = container_at(w, &c.pointer).ok_or("not a container's probe")?;
        let declared = container.ports.iter().any(|(_, p)| *p == old);
        let ev = listens_on(container, old).or_else(|| declared.then(|| format!("containerPort {old}")));
        let ev = ev.ok_or_else(|| format!("nothing shows the app listens on {old}"))?;
        format!("port {old} → {}: the app listens on {old} ({ev})", super::render::shown(&c.new))
    };
    let (mechanism, symptom) = if readiness {
        (
            Mechanism::Rollout,
            "the readiness probe fails: new pods never become ready, the rollout stalls and the old pods keep serving \
             until they are replaced",
        )
    } else if liveness {
        (Mechanism::Runtime, "the liveness probe fails: the kubelet kills the new pods and they restart in a loop")
    } else {
        (Mechanism::Runtime, "the startup probe fails: the new pods are killed before they start, in a loop")
    };
    Ok(Proof { mechanism, chain: format!("{who}: {kind} {what}"), new: None, symptom: Some(symptom.to_owned()) })
}

/// A heap size set by a flag in `s`, in MiB: `-Xmx512m`, `-Xmx2g`, `-XX:MaxHeapSize=…`, Node's
/// `--max-old-space-size=384`.
pub fn heap_mib(s: &str) -> Option<(u64, String)> {
    for word in s.split_whitespace() {
        let word = word.trim_matches(|c| c == '"' || c == '\'');
        if let Some(n) = word.strip_prefix("--max-old-space-size=") {
            return n.parse().ok().map(|n| (n, word.to_owned()));
        }
        let size = word.strip_prefix("-Xmx").or_else(|| word.strip_prefix("-XX:MaxHeapSize="));
        if let Some(size) = size {
            let digits = size.bytes().take_while(u8::is_ascii_digit).count();
            let n: u64 = size[..digits].parse().ok()?;
            let mib = match size[digits..].to_ascii_lowercase().as_str() {
                "g" => n * 1024,
                "m" => n,
                "k" => n / 1024,
                "" => n / (1024 * 1024),
                _ => return None,
            };
            return Some((mib, word.to_owned()));
        }
    }
    None
}

/// A memory quantity in MiB (`512Mi`, `1Gi`, `1G`, `500M`).
pub fn mib(s: &str) -> Option<u64> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let n: u64 = s[..digits].parse().ok()?;
    match &s[digits..] {
        "Mi" => Some(n),
        "Gi" => Some(n * 1024),
        "Ki" => Some(n / 1024),
        "M" => Some(n * 1000 * 1000 / (1024 * 1024)),
        "G" => Some(n * 1000 * 1000 * 1000 / (1024 * 1024)),
        "k" | "K" => Some(n * 1000 / (1024 * 1024)),
        _ => None,
    }
}

fn strings(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > crate::yaml::MAX_DEPTH {
        return;
    }
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out, depth + 1)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out, depth + 1)),
        _ => {}
    }
}

/// A memory limit is lowered only below what the container is known to use (a heap flag beside it) and never
/// below its request (the API server would refuse the pod template: a different drill).
fn memory(c: &Candidate, cx: &Context<'_>) -> Result<Proof, String> {
    let base = c.pointer.strip_suffix("/limits/memory").ok_or("not a memory limit")?;
    let limit = c.old.as_str().and_then(mib).ok_or("the limit is not a quantity firedrill reads")?;
    // The container (a manifest) or the values holding it: where a heap flag would be.
    let scope = if cx.index.workload(&cx.file.path, cx.doc).is_some() {
        base.strip_suffix("/resources").and_then(|p| cx.doc.value.pointer(p))
    } else {
        Some(&cx.doc.value)
    };
    let mut texts = Vec::new();
    if let Some(scope) = scope {
        strings(scope, &mut texts, 0);
    }
    let heap = texts.iter().find_map(|t| heap_mib(t));
    let request_at = format!("{base}/requests/memory");
    let request = cx.doc.value.pointer(&request_at).and_then(Value::as_str).map(str::to_owned).or_else(|| {
        let chart = cx.index.chart_of(&cx.file.path)?;
        cx.index.chart_defaults(&chart)?.pointer(&request_at).and_then(Value::as_str).map(str::to_owned)
    });
    let request_mib = request.as_deref().and_then(mib);
    let Some((heap, flag)) = heap else {
        let floor = request
            .as_deref()
            .map_or_else(String::new, |r| format!(", and one below the request ({r}) is refused by the API server"));
        return Err(format!(
            "no evidence of what the container uses (no -Xmx or --max-old-space-size beside it): a lower limit may \
             break nothing{floor}"
        ));
    };
    let new = request_mib.map_or(heap / 2, |r| r.max(heap / 2));
    if new >= heap || new >= limit {
        return Err(format!(
            "the request ({}) is not below the heap `{flag}` allows: no limit both at least the request and below \
             what the container uses",
            request.as_deref().unwrap_or("?")
        ));
    }
    let request_note = request
        .as_deref()
        .map_or_else(String::new, |r| format!(" (not below the request {r}, so the API server accepts it)"));
    Ok(Proof {
        mechanism: Mechanism::Runtime,
        chain: format!("`{flag}` lets the heap grow to {heap}Mi; a limit of {new}Mi{request_note} is below that"),
        new: Some(Value::String(format!("{new}Mi"))),
        symptom: Some(format!(
            "the pods start, then are OOMKilled once the heap grows past {new}Mi (`{flag}` allows {heap}Mi): restarts \
             under load, `Last State: Terminated, Reason: OOMKilled`"
        )),
    })
}

/// A host an ingress or a route answers for (clients call it by that name).
fn ingress(c: &Candidate, cx: &Context<'_>) -> bool {
    matches!(cx.doc.kind.as_deref(), Some("Ingress" | "HTTPRoute"))
        || c.pointer.contains("/ingress/")
        || c.pointer.contains("/hostnames/")
        || c.pointer.contains("/httpRoute/")
}

/// `autoscaling.enabled: true` (or `hpa.enabled`) beside the replica count in the same values.
fn autoscaled(doc: &Value, pointer: &str) -> bool {
    let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
    let scope = if parent.is_empty() { Some(doc) } else { doc.pointer(parent) };
    scope.is_some_and(|v| {
        ["autoscaling", "hpa"].iter().any(|k| matches!(v.pointer(&format!("/{k}/enabled")), Some(Value::Bool(true))))
    })
}

fn host(c: &Candidate, cx: &Context<'_>) -> Result<Proof, String> {
    let ingress = ingress(c, cx);
    let old = super::render::shown(&c.old);
    let new = super::render::shown(&c.new);
    if ingress {
        if c.pointer.contains("/tls/") {
            return Err("a TLS host list: the certificate's names, not where requests are routed".into());
        }
        let who = match &c.readers {
            Readers::Known { workloads, .. } if !workloads.is_empty() => consumers(c, cx)?,
            _ if cx.doc.kind.is_some()
                && cx.doc.embedded_in.is_none()
                && cx.index.release_values(cx.doc, &c.pointer).is_none() =>
            {
                format!("{} {}", cx.doc.kind.as_deref().unwrap_or_default(), cx.doc.name.as_deref().unwrap_or_default())
            }
            _ => consumers(c, cx)?,
        };
        return Ok(Proof {
            mechanism: Mechanism::Runtime,
            chain: format!("{who}: the ingress routes `{new}` instead of `{old}`, the name clients call"),
            new: None,
            symptom: Some(format!(
                "requests for `{old}` no longer match any ingress or route rule: the ingress controller (or gateway) \
                 answers 404 while the service behind it is healthy"
            )),
        });
    }
    let who = consumers(c, cx)?;
    Ok(proof(Mechanism::Runtime, format!("{who}: it calls `{old}`, now `{new}`, which does not resolve")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn heap_flags_and_quantities() {
        assert_eq!(heap_mib("-Xms256m -Xmx512m").map(|h| h.0), Some(512));
        assert_eq!(heap_mib("JAVA_OPTS=-Xmx2g").map(|h| h.0), None);
        assert_eq!(heap_mib("-Xmx2g").map(|h| h.0), Some(2048));
        assert_eq!(heap_mib("--max-old-space-size=384").map(|h| h.0), Some(384));
        assert_eq!(mib("512Mi"), Some(512));
        assert_eq!(mib("1Gi"), Some(1024));
        assert_eq!(mib("1.5Gi"), None);
    }

    #[test]
    fn a_switched_off_feature_is_found_above_the_value() {
        let doc = serde_json::json!({"tls": {"enabled": false, "port": 9899}, "probes": {"startup": {"enable": false, "path": "/x"}}});
        assert_eq!(switched_off(&doc, "/tls/port").as_deref(), Some("tls.enabled"));
        assert_eq!(switched_off(&doc, "/probes/startup/path").as_deref(), Some("probes.startup.enable"));
        assert_eq!(switched_off(&doc, "/tls/enabled"), None);
    }
}
