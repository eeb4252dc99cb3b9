//! Probes: a path or a port the app does not serve.

use super::port::{container_at, listens_on, number};
use super::*;

pub(super) fn probe(c: &Candidate, cx: &Context<'_>) -> Result<Proof, String> {
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
            crate::propose::render::shown(&c.old),
            crate::propose::render::shown(&c.new),
            crate::propose::render::shown(&c.new)
        )
    } else {
        let old = number(&c.old).ok_or("not a port number")?;
        let w = cx.index.workload(&cx.file.path, cx.doc).ok_or("the probe's container is not in a manifest here")?;
        let container = container_at(w, &c.pointer).ok_or("not a container's probe")?;
        let declared = container.ports.iter().any(|(_, p)| *p == old);
        let ev = listens_on(container, old).or_else(|| declared.then(|| format!("containerPort {old}")));
        let ev = ev.ok_or_else(|| format!("nothing shows the app listens on {old}"))?;
        format!("port {old} → {}: the app listens on {old} ({ev})", crate::propose::render::shown(&c.new))
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
