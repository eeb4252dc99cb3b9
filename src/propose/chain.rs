//! Whether a candidate breaks something that runs, and the chain of the repository's own files that shows it.
//!
//! A value matters only through what uses it: a port through its listener *and* a caller that keeps the old
//! number (a Service's `targetPort`, a probe, a peer's address), a memory limit through what the container is
//! known to use, a probe through the path or port the app really serves, a host or a timeout through a workload
//! that reads it, a Helm value through a rendered, enabled, non-test template. A candidate whose chain cannot be
//! shown is not proposed: [`prove`] says why. The proof also says how the break shows ([`Mechanism`]): a change
//! the API server or the GitOps tool refuses is a failed-sync drill, not a runtime outage. Pure.

mod host;
mod memory;
mod port;
mod probe;

use serde_json::Value;

use super::families::{Candidate, Family};
use super::index::{Container, Index, Readers, Workload};
use super::{Doc, RepoFile};
use crate::reach::Reach;

use host::{autoscaled, host, ingress};
use memory::memory;
pub use memory::{heap_mib, mib};
pub use port::listens_on;
use port::port;
use probe::probe;

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
