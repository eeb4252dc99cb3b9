//! Hosts and addresses: a peer's address one port off, a host beside its port, a host a workload reads (not
//! one an ingress answers for, not a replica count under an autoscaler).

use serde_json::Value;

use super::*;

/// A peer's address one port off (`productcatalogservice:3550` → `:3551`): the caller's side only.
pub(super) fn address(c: &Candidate, cx: &Context<'_>) -> Result<Proof, String> {
    let old = crate::propose::render::shown(&c.old);
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

/// A port beside a host key (`DB_HOST` and `DB_PORT`, `redis.host` and `redis.port`): the client's side.
pub(super) fn peer_host(doc: &Value, pointer: &str) -> Option<String> {
    let (parent, key) = pointer.rsplit_once('/')?;
    let key = key.replace("~1", "/").replace("~0", "~");
    let words = crate::propose::words(&key);
    let prefix: Vec<&String> = words.iter().take(words.len().saturating_sub(1)).collect();
    // An env entry (`{name, value}` in a list): look at the list.
    if key == "value" && parent.contains("/env/") {
        let list = parent.rsplit_once('/')?.0;
        let name = doc.pointer(&format!("{parent}/name"))?.as_str()?;
        let words = crate::propose::words(name);
        let prefix: Vec<&String> = words.iter().take(words.len().saturating_sub(1)).collect();
        for e in doc.pointer(list)?.as_array()? {
            let (Some(n), Some(v)) = (e.get("name").and_then(Value::as_str), e.get("value").and_then(Value::as_str))
            else {
                continue;
            };
            let w = crate::propose::words(n);
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
        let w = crate::propose::words(k);
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

pub(super) fn is_host_word(w: &str) -> bool {
    matches!(w, "host" | "hostname" | "server" | "address" | "addr")
}

/// A host an ingress or a route answers for (clients call it by that name).
pub(super) fn ingress(c: &Candidate, cx: &Context<'_>) -> bool {
    matches!(cx.doc.kind.as_deref(), Some("Ingress" | "HTTPRoute"))
        || c.pointer.contains("/ingress/")
        || c.pointer.contains("/hostnames/")
        || c.pointer.contains("/httpRoute/")
}

/// `autoscaling.enabled: true` (or `hpa.enabled`) beside the replica count in the same values.
pub(super) fn autoscaled(doc: &Value, pointer: &str) -> bool {
    let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
    let scope = if parent.is_empty() { Some(doc) } else { doc.pointer(parent) };
    scope.is_some_and(|v| {
        ["autoscaling", "hpa"].iter().any(|k| matches!(v.pointer(&format!("/{k}/enabled")), Some(Value::Bool(true))))
    })
}

pub(super) fn host(c: &Candidate, cx: &Context<'_>) -> Result<Proof, String> {
    let ingress = ingress(c, cx);
    let old = crate::propose::render::shown(&c.old);
    let new = crate::propose::render::shown(&c.new);
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
