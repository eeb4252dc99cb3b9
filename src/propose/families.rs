//! The fault families: a breakable value recognised from its key *and* its value (a `port` key holding a
//! port number, a `timeout` holding a duration), never from a file name alone, and the faulty value each
//! gets.

use serde_json::Value;

use super::index::{Index, Readers};
use super::{Doc, RepoFile};
use crate::patch::{DocumentSelector, Format};

/// A kind of fault `suggest` proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// A connection pool or worker count set to 0.
    PoolSize,
    /// A timeout set to 1 ms (or 1 s where the key counts seconds).
    Timeout,
    /// Retries set to 0 (attempts to 1).
    Retries,
    /// Replicas set to 0 (staging only).
    Replicas,
    /// A port one above today's (against the Service's `targetPort` where there is one).
    Port,
    /// A host name with two letters swapped.
    Host,
    /// An image tag moved to a patch version that does not exist.
    ImageTag,
    /// A readiness, liveness or startup probe's path or port made wrong.
    Probe,
    /// A memory limit below the request (or far below today's limit).
    MemoryLimit,
    /// A feature flag flipped.
    FeatureFlag,
    /// A URL's scheme changed (`https` ↔ `http`).
    UrlScheme,
    /// The quotes dropped from a string that YAML 1.1 reads as a boolean (`"true"`, `"off"`, `"yes"`) where
    /// Kubernetes requires a string (a ConfigMap's data, an env value, an annotation or a label): the
    /// manifest no longer applies.
    YamlBoolean,
}

impl Family {
    pub const ALL: [Family; 12] = [
        Family::PoolSize,
        Family::Timeout,
        Family::Retries,
        Family::Replicas,
        Family::Port,
        Family::Host,
        Family::ImageTag,
        Family::Probe,
        Family::MemoryLimit,
        Family::FeatureFlag,
        Family::UrlScheme,
        Family::YamlBoolean,
    ];

    /// The slug used in scenario ids and listings.
    pub fn slug(self) -> &'static str {
        match self {
            Family::PoolSize => "pool-size",
            Family::Timeout => "timeout",
            Family::Retries => "retries",
            Family::Replicas => "replicas",
            Family::Port => "port",
            Family::Host => "host",
            Family::ImageTag => "image-tag",
            Family::Probe => "probe",
            Family::MemoryLimit => "memory-limit",
            Family::FeatureFlag => "feature-flag",
            Family::UrlScheme => "url-scheme",
            Family::YamlBoolean => "yaml-boolean",
        }
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

/// A value a family recognised, before it is checked against the patch engine.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub family: Family,
    pub file: String,
    pub format: Format,
    pub selector: Option<DocumentSelector>,
    pub pointer: String,
    /// The key it changes, for wording (`SERVICE__REDIS__PORT`).
    pub key: String,
    pub old: Value,
    pub new: Value,
    pub readers: Readers,
    /// The value sits in a manifest (a Deployment, a Service), where responders look first.
    pub in_workload: bool,
    pub environment: Option<String>,
    /// What else makes this fault bite (the field that must be a string), for the symptom.
    pub note: Option<String>,
    /// How the break shows, and the chain of files that proves it ([`super::chain::prove`]).
    pub mechanism: super::chain::Mechanism,
    pub chain: String,
    /// The symptom the chain makes exact, over the family's own.
    pub symptom: Option<String>,
}

/// Every candidate fault of `file`.
pub fn find(file: &RepoFile, index: &Index) -> Vec<Candidate> {
    let mut out = Vec::new();
    for doc in &file.docs {
        let mut leaves = Vec::new();
        leaves_of(&doc.value, &mut String::new(), &mut leaves, 0);
        let staging = super::looks_like_staging(&file.path)
            || doc.value.pointer("/metadata/namespace").and_then(Value::as_str).is_some_and(super::looks_like_staging);
        let kustomization = crate::kustomize::is_kustomization(&file.path);
        for (pointer, value) in leaves {
            let yaml = file.format == Format::Yaml;
            // A generator's literal `KEY=value`: the value after `=` is what the workloads read.
            let generated = if kustomization { literal(&pointer, value, doc, staging, index) } else { None };
            let (found, key, readers) = if let Some(found) = generated {
                found
            } else if kustomization && pointer.starts_with("/configMapGenerator/") {
                continue;
            } else {
                let Some(found) = recognise(&pointer, value, doc, yaml, staging, index) else { continue };
                (found, shown_key(&doc.value, &pointer), index.readers(&file.path, doc, &pointer))
            };
            let (family, new, note) = found;
            if &new == value {
                continue;
            }
            // A Kubernetes object's own manifest (not a ConfigMap, a Secret or a release's values): where
            // responders look first.
            let in_workload = doc.embedded_in.is_none()
                && doc.kind.as_deref().is_some_and(|k| !matches!(k, "ConfigMap" | "Secret"))
                && index.release_values(doc, &pointer).is_none()
                && !pointer.starts_with("/configMapGenerator/");
            out.push(Candidate {
                family,
                file: file.path.clone(),
                format: file.format,
                selector: doc.selector.clone(),
                key,
                readers,
                pointer,
                old: value.clone(),
                new,
                in_workload,
                environment: staging.then(|| "staging".to_owned()),
                note,
                mechanism: super::chain::Mechanism::Runtime,
                chain: String::new(),
                symptom: None,
            });
        }
    }
    out
}

/// A `configMapGenerator` literal (`/configMapGenerator/0/literals/1` = `QUERY_TIMEOUT_MS=800`): recognised by
/// its key and value as if it were a ConfigMap entry; the fault rewrites the whole literal.
fn literal(pointer: &str, value: &Value, doc: &Doc, staging: bool, index: &Index) -> Option<(Found, String, Readers)> {
    let parts: Vec<&str> = pointer.split('/').collect();
    let ["", "configMapGenerator", i, "literals", _] = parts.as_slice() else { return None };
    let (key, v) = value.as_str()?.split_once('=')?;
    let name = doc.value.pointer(&format!("/configMapGenerator/{i}/name"))?.as_str()?;
    let inner = Doc {
        selector: None,
        value: Value::Null,
        kind: Some("ConfigMap".into()),
        name: None,
        embedded_in: None,
        source: None,
    };
    let (family, new, note) = recognise(
        &format!("/data/{}", super::escape(key)),
        &Value::String(v.to_owned()),
        &inner,
        true,
        staging,
        index,
    )?;
    if family == Family::YamlBoolean {
        return None;
    }
    let new = Value::String(format!("{key}={}", new.as_str().map_or_else(|| new.to_string(), str::to_owned)));
    let readers = Readers::Known { workloads: index.reading(name), via: format!("Kustomize generator {name}") };
    Some(((family, new, note), key.to_owned(), readers))
}

/// The key people know the value by: the variable's `name` for an env entry's `value` (`PAYMENTS_TLS`, not
/// `value`), else the pointer's last key.
fn shown_key(doc: &Value, pointer: &str) -> String {
    if let Some(entry) = pointer.strip_suffix("/value")
        && entry
            .rsplit_once('/')
            .is_some_and(|(list, i)| list.ends_with("/env") && i.bytes().all(|b| b.is_ascii_digit()))
        && let Some(name) = doc.pointer(&format!("{entry}/name")).and_then(Value::as_str)
    {
        return name.to_owned();
    }
    crate::disguise::key_from_pointer(pointer)
}

/// Every scalar below `v`, with its JSON pointer.
fn leaves_of<'a>(v: &'a Value, at: &mut String, out: &mut Vec<(String, &'a Value)>, depth: usize) {
    if depth > crate::yaml::MAX_DEPTH {
        return;
    }
    let len = at.len();
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                at.push('/');
                at.push_str(&super::escape(k));
                leaves_of(child, at, out, depth + 1);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push('/');
                at.push_str(&i.to_string());
                leaves_of(child, at, out, depth + 1);
                at.truncate(len);
            }
        }
        Value::Null => {}
        scalar => out.push((at.clone(), scalar)),
    }
}

/// The pointer's keys (array indices left out), unescaped.
fn keys(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .filter(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn has(words: &[String], wanted: &[&str]) -> bool {
    words.iter().any(|w| wanted.contains(&w.as_str()))
}

/// An integer, written as a number or as a string of digits (env files, quoted Helm values).
fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if !s.is_empty() && s.len() < 12 && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        _ => None,
    }
}

/// `n` written the way `like` is (a number stays a number, a string a string).
fn same_type(like: &Value, n: i64) -> Value {
    if like.is_string() { Value::String(n.to_string()) } else { Value::from(n) }
}

type Found = (Family, Value, Option<String>);

/// The family of the value at `pointer`, its faulty value and a note; the most specific family first.
fn recognise(pointer: &str, value: &Value, doc: &Doc, yaml: bool, staging: bool, _index: &Index) -> Option<Found> {
    let mut keys = keys(pointer);
    let env_entry = pointer.strip_suffix("/value").filter(|entry| {
        entry.rsplit_once('/').is_some_and(|(list, i)| list.ends_with("/env") && i.bytes().all(|b| b.is_ascii_digit()))
    });
    let env_name = env_entry.and_then(|entry| doc.value.pointer(&format!("{entry}/name"))).and_then(Value::as_str);
    let yaml_keys = keys.clone();
    // An env entry's `value` is known by the entry's `name` (`PORT`, `CART_SERVICE_ADDR`).
    if let (Some(name), Some(last)) = (env_name, keys.last_mut()) {
        *last = name.to_owned();
    }
    let last_key = keys.last()?;
    let last = super::words(last_key);
    let all: Vec<String> = keys.iter().flat_map(|k| super::words(k)).collect();
    let flag = has(&all, &["feature", "features", "flag", "flags", "toggle", "toggles"]);
    if yaml
        && !flag
        && let Some(found) = yaml_boolean(pointer, &yaml_keys, value, doc)
    {
        return Some(found);
    }
    if has(&all, &["annotations", "labels"]) || last_key.starts_with('$') {
        return None;
    }
    let probe = has(&all, &["probe", "probes"]) || keys.iter().any(|k| k.ends_with("Probe"));
    if probe {
        return probe_fault(&keys, value);
    }
    if let Some(found) = memory_limit(pointer, &keys, value, doc) {
        return Some(found);
    }
    if let Some(found) = image_tag(&keys, &all, value) {
        return Some(found);
    }
    if flag {
        let flipped = match value {
            Value::Bool(b) => Some(Value::Bool(!b)),
            Value::String(s) if s == "true" => Some(Value::String("false".into())),
            Value::String(s) if s == "false" => Some(Value::String("true".into())),
            _ => None,
        };
        if let Some(new) = flipped {
            return Some((Family::FeatureFlag, new, None));
        }
    }
    if let Value::String(s) = value
        && has(&last, &["addr", "address", "endpoint", "host", "server", "target"])
        && let Some(new) = address_port(s)
    {
        return Some((Family::Port, Value::String(new), None));
    }
    if let Value::String(s) = value
        && let Some(new) = swap_scheme(s)
        && has(&all, &["url", "uri", "endpoint", "address", "addr", "host", "base", "server", "api", "dsn"])
    {
        return Some((Family::UrlScheme, Value::String(new), None));
    }
    let time_unit = has(&last, &["ms", "millis", "milliseconds", "secs", "seconds", "sec", "s", "interval"]);
    if has(&last, &["timeout", "deadline"]) {
        // Timeouts that bound no call: how long an idle connection or a message stays, how long shutdown waits.
        let not_a_call = [
            "idle",
            "keepalive",
            "keep",
            "alive",
            "visibility",
            "shutdown",
            "grace",
            "termination",
            "ttl",
            "session",
            "cache",
            "lock",
            "lease",
            "drain",
            "progress",
            "active",
            "startup",
            "stop",
        ];
        if has(&last, &not_a_call) {
            return None;
        }
        return timeout(&last, value).map(|v| (Family::Timeout, v, None));
    }
    if has(&last, &["retry", "retries", "attempts"])
        && !has(&last, &["backoff", "delay", "interval", "wait", "jitter"])
        && !time_unit
        && let Some(n) = integer(value)
    {
        let attempts = has(&last, &["attempts"]);
        return match (attempts, n) {
            (true, 2..=100) => Some((Family::Retries, same_type(value, 1), None)),
            (false, 1..=100) => Some((Family::Retries, same_type(value, 0), None)),
            _ => None,
        };
    }
    let pool = has(&last, &["pool", "connections", "conns", "workers", "worker", "concurrency", "threads"])
        || (has(&all, &["pool"]) && has(&last, &["size", "max"]));
    if pool && !time_unit && !has(&last, &["min", "idle", "ttl", "lifetime", "age", "timeout"]) {
        return integer(value)
            .filter(|n| (1..=100_000).contains(n))
            .map(|_| (Family::PoolSize, same_type(value, 0), None));
    }
    if matches!(last_key.as_str(), "replicas" | "replicaCount" | "minReplicas" | "replica_count") {
        return integer(value).filter(|n| *n >= 1 && staging).map(|_| (Family::Replicas, same_type(value, 0), None));
    }
    if last.last().is_some_and(|w| w == "port") && !has(&last, &["node", "host"]) {
        let n = integer(value).filter(|n| (1..65_535).contains(n))?;
        return Some((Family::Port, same_type(value, n + 1), None));
    }
    if let Value::String(s) = value
        && has(
            &last,
            &["host", "hostname", "hostnames", "hosts", "server", "endpoint", "address", "addr", "dns", "domain"],
        )
        && let Some(new) = host_typo(s)
    {
        return Some((Family::Host, Value::String(new), None));
    }
    None
}

/// A string only its quotes keep a string, where Kubernetes requires one: written as the boolean YAML 1.1
/// (the reader of kubectl, Helm, Argo CD and Flux) takes it for. `value: "true"` becomes `value: true`, and
/// `"off"` becomes `false` (firedrill's writer keeps every string a string to both YAML readers, so it
/// writes the boolean itself rather than a bare `off`).
fn yaml_boolean(pointer: &str, keys: &[String], value: &Value, doc: &Doc) -> Option<Found> {
    let kind = doc.kind.as_deref().filter(|_| doc.embedded_in.is_none())?;
    let Value::String(s) = value else { return None };
    let crate::yaml::scalar::Scalar::Bool(b) = crate::yaml::scalar::yaml11(s) else { return None };
    let n = keys.len();
    let field = if kind == "ConfigMap" && n == 2 && pointer.starts_with("/data/") {
        "ConfigMap.data"
    } else if n >= 2 && keys[n - 2] == "env" && keys[n - 1] == "value" {
        "EnvVar.value"
    } else if n >= 3 && keys[n - 3] == "metadata" && matches!(keys[n - 2].as_str(), "annotations" | "labels") {
        if keys[n - 2] == "labels" { "ObjectMeta.labels" } else { "ObjectMeta.annotations" }
    } else {
        return None;
    };
    Some((Family::YamlBoolean, Value::Bool(b), Some(format!("`{field}` is a string field"))))
}

/// A probe's HTTP path or numeric port made wrong (`/healthz` → `/health`, `/ready` → `/readyz`).
fn probe_fault(keys: &[String], value: &Value) -> Option<Found> {
    let last = keys.last()?;
    match last.as_str() {
        "path" => {
            let s = value.as_str()?;
            if !s.starts_with('/') || s.len() < 2 {
                return None;
            }
            let new = match s.strip_suffix('z') {
                Some(rest) if rest.len() > 1 => rest.to_owned(),
                _ => format!("{s}z"),
            };
            Some((Family::Probe, Value::String(new), None))
        }
        "port" => {
            let n = integer(value).filter(|n| (1..65_535).contains(n))?;
            Some((Family::Probe, same_type(value, n + 1), None))
        }
        _ => None,
    }
}

/// `limits.memory` set to half the request, or an eighth of today's limit without a request.
fn memory_limit(pointer: &str, keys: &[String], value: &Value, doc: &Doc) -> Option<Found> {
    let n = keys.len();
    if n < 2 || keys[n - 1] != "memory" || keys[n - 2] != "limits" {
        return None;
    }
    let limit = quantity(value.as_str()?)?;
    let request_at = format!("{}/requests/memory", pointer.strip_suffix("/limits/memory")?);
    let request = doc.value.pointer(&request_at).and_then(Value::as_str).and_then(quantity);
    let (amount, unit, note) = match request {
        Some((r, unit)) if r >= 2 => (r / 2, unit, Some(format!("half the request of {r}{unit}"))),
        _ if limit.0 >= 16 => (limit.0 / 8, limit.1, None),
        _ => return None,
    };
    Some((Family::MemoryLimit, Value::String(format!("{amount}{unit}")), note))
}

/// A Kubernetes quantity with a binary or decimal suffix (`512Mi`, `1G`), as amount and unit.
fn quantity(s: &str) -> Option<(u64, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (amount, unit) = s.split_at(digits);
    matches!(unit, "Ki" | "Mi" | "Gi" | "K" | "M" | "G" | "k").then_some(())?;
    Some((amount.parse().ok()?, unit))
}

/// An image tag (`image.tag: 2.14.3`, `image: repo:2.14.3`) moved to a patch version ten above today's.
fn image_tag(keys: &[String], all: &[String], value: &Value) -> Option<Found> {
    let s = value.as_str()?;
    let last = keys.last()?;
    if last == "tag" && has(all, &["image"]) {
        return bump_patch(s).map(|t| (Family::ImageTag, Value::String(t), None));
    }
    if last == "image" {
        let (repo, tag) = s.rsplit_once(':')?;
        if repo.is_empty() || tag.contains('/') {
            return None;
        }
        return bump_patch(tag).map(|t| (Family::ImageTag, Value::String(format!("{repo}:{t}")), None));
    }
    None
}

/// `v1.2.3` → `v1.2.13`: a patch release that looks routine and is far less likely to exist than `1.2.4`.
fn bump_patch(tag: &str) -> Option<String> {
    let (prefix, rest) = tag.strip_prefix('v').map_or(("", tag), |r| ("v", r));
    let parts: Vec<&str> = rest.splitn(3, '.').collect();
    let [major, minor, patch] = parts.as_slice() else { return None };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (patch, suffix) = patch.split_at(patch.bytes().take_while(u8::is_ascii_digit).count());
    if !digits(major) || !digits(minor) || !digits(patch) {
        return None;
    }
    let n: u64 = patch.parse().ok()?;
    Some(format!("{prefix}{major}.{minor}.{}{suffix}", n + 10))
}

/// A timeout made absurdly low, in the unit the key or value uses.
fn timeout(last: &[String], value: &Value) -> Option<Value> {
    if let Value::String(s) = value
        && integer(value).is_none()
    {
        // A duration such as `30s`, `2m`, `1500ms`.
        let digits = s.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        let (amount, unit) = s.split_at(digits);
        let amount: f64 = amount.parse().ok()?;
        return (matches!(unit, "s" | "m" | "h" | "ms") && amount > 0.0 && s != "1ms")
            .then(|| Value::String("1ms".to_owned()));
    }
    let n = integer(value)?;
    let millis = has(last, &["ms", "millis", "milliseconds"]);
    let seconds = has(last, &["s", "sec", "secs", "seconds"]);
    let ok = if millis || (!seconds && n >= 100) { n >= 2 } else { n >= 5 };
    ok.then(|| same_type(value, 1))
}

/// `productcatalogservice:3550` → `productcatalogservice:3551`: a peer's address, one port off.
pub fn address_port(s: &str) -> Option<String> {
    let (host, port) = s.rsplit_once(':')?;
    let n: i64 = port.parse().ok().filter(|n| (1..65_535).contains(n))?;
    let dns = !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && host.bytes().any(|b| b.is_ascii_alphabetic());
    dns.then(|| format!("{host}:{}", n + 1))
}

/// `https://x` ↔ `http://x`.
fn swap_scheme(s: &str) -> Option<String> {
    if let Some(rest) = s.strip_prefix("https://") {
        return (!rest.is_empty()).then(|| format!("http://{rest}"));
    }
    s.strip_prefix("http://").filter(|r| !r.is_empty()).map(|rest| format!("https://{rest}"))
}

/// A DNS name with two adjacent letters of its first label swapped, near the middle (`orders-db.x` →
/// `ordres-db.x`); `None` for what is not a host name (an IP, a URL, a single label).
fn host_typo(s: &str) -> Option<String> {
    let valid = s.len() >= 4
        && s.contains('.')
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && s.bytes().any(|b| b.is_ascii_lowercase());
    if !valid || s.split('.').all(|l| l.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let label = s.split('.').next()?.as_bytes();
    if label.len() < 4 {
        return None;
    }
    let mid = label.len() / 2;
    // The pair of different letters nearest the middle.
    let pair = (0..label.len() - 1)
        .filter(|&i| label[i].is_ascii_lowercase() && label[i + 1].is_ascii_lowercase() && label[i] != label[i + 1])
        .min_by_key(|&i| i.abs_diff(mid))?;
    let mut bytes = s.as_bytes().to_vec();
    bytes.swap(pair, pair + 1);
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn values_each_family_changes() {
        assert_eq!(host_typo("orders-db.staging.acme.internal").as_deref(), Some("ordesr-db.staging.acme.internal"));
        assert_eq!(host_typo("10.0.0.1"), None);
        assert_eq!(host_typo("localhost"), None);
        assert_eq!(bump_patch("2.14.3").as_deref(), Some("2.14.13"));
        assert_eq!(bump_patch("v1.9.2-alpine").as_deref(), Some("v1.9.12-alpine"));
        assert_eq!(bump_patch("latest"), None);
        assert_eq!(swap_scheme("https://payments.x").as_deref(), Some("http://payments.x"));
        assert_eq!(quantity("384Mi"), Some((384, "Mi")));
        assert_eq!(quantity("1.5Gi"), None);
        let w = |k: &str| crate::disguise::key_words(k);
        assert_eq!(timeout(&w("timeoutMs"), &Value::from(2000)), Some(Value::from(1)));
        assert_eq!(timeout(&w("DB_STATEMENT_TIMEOUT"), &Value::from("30s")), Some(Value::from("1ms")));
        assert_eq!(timeout(&w("timeoutSeconds"), &Value::from(3)), None);
    }

    /// Quoted booleans where Kubernetes wants strings are found; the same strings elsewhere are not.
    #[test]
    fn yaml_booleans_only_where_kubernetes_requires_a_string() {
        let doc = |kind: Option<&str>, embedded: bool| Doc {
            selector: None,
            value: Value::Null,
            kind: kind.map(str::to_owned),
            name: None,
            embedded_in: embedded.then(|| "Application".to_owned()),
            source: None,
        };
        let found = |pointer: &str, v: &str, d: &Doc| {
            yaml_boolean(pointer, &keys(pointer), &Value::from(v), d).map(|(f, new, note)| (f, new, note.unwrap()))
        };
        let deploy = doc(Some("Deployment"), false);
        let env = "/spec/template/spec/containers/0/env/2/value";
        assert_eq!(
            found(env, "true", &deploy),
            Some((Family::YamlBoolean, Value::Bool(true), "`EnvVar.value` is a string field".to_owned()))
        );
        assert_eq!(found(env, "off", &deploy).map(|f| f.1), Some(Value::Bool(false)));
        assert_eq!(found(env, "Yes", &deploy).map(|f| f.1), Some(Value::Bool(true)));
        assert_eq!(found(env, "offline", &deploy), None);
        assert_eq!(
            found("/metadata/annotations/prometheus.io~1scrape", "true", &deploy).map(|f| f.1),
            Some(true.into())
        );
        assert_eq!(found("/spec/template/metadata/labels/canary", "no", &deploy).map(|f| f.1), Some(false.into()));
        assert_eq!(found("/data/SSL", "on", &doc(Some("ConfigMap"), false)).map(|f| f.1), Some(true.into()));
        // Helm values (no kind), an Argo CD Application's inline values, a field that takes booleans.
        assert_eq!(found("/env/SSL", "on", &doc(None, false)), None);
        assert_eq!(found("/data/SSL", "on", &doc(Some("ConfigMap"), true)), None);
        assert_eq!(found("/spec/suspend", "true", &doc(Some("CronJob"), false)), None);
    }
}
