//! What a fault touches (a port, replicas, a timeout…), read from its JSON pointers and values, so that the
//! built-in wording of the drill's commit and pull request fits the change (pure).

use std::fmt;

use serde_json::Value;

/// The kind of setting a fault changes; each has its own built-in wordings in [`super::pool`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// A port a service listens on or connects to (`containerPort`, `DB_PORT`).
    Port,
    /// How many copies run (`replicas`, `replicaCount`, `minReplicas`).
    Replicas,
    /// The size of a connection pool (`/redis/pool/size`, `DB_POOL_SIZE`, `maxConnections`).
    PoolSize,
    /// A timeout or time to live (`readTimeout`, `REQUEST_TIMEOUT_MS`).
    Timeout,
    /// The container image or its tag (`/image/tag`, `containers/0/image`).
    ImageTag,
    /// CPU or memory requests and limits (`/resources/limits/memory`).
    Resources,
    /// A liveness, readiness or startup probe (`/livenessProbe/initialDelaySeconds`).
    Probe,
    /// A switch: a boolean value, or a key under `features`/`flags` (`/features/newCheckout`).
    FeatureFlag,
    /// Anything else: wordings that fit any setting.
    Generic,
}

impl ChangeKind {
    /// Every kind, in the order they are tried (the first that matches wins; see [`ChangeKind::of`]).
    pub const ALL: [ChangeKind; 9] = [
        ChangeKind::Probe,
        ChangeKind::Resources,
        ChangeKind::ImageTag,
        ChangeKind::FeatureFlag,
        ChangeKind::Port,
        ChangeKind::Replicas,
        ChangeKind::Timeout,
        ChangeKind::PoolSize,
        ChangeKind::Generic,
    ];

    /// A short lower-case name, for tests and messages.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Port => "port",
            ChangeKind::Replicas => "replicas",
            ChangeKind::PoolSize => "pool size",
            ChangeKind::Timeout => "timeout",
            ChangeKind::ImageTag => "image tag",
            ChangeKind::Resources => "resources",
            ChangeKind::Probe => "probe",
            ChangeKind::FeatureFlag => "feature flag",
            ChangeKind::Generic => "generic",
        }
    }

    /// The kind of one operation: `pointer` is where it writes (a JSON Pointer, or a dotenv variable name
    /// with or without the leading `/`), `value` what it writes (`None` for `remove`, `move`, `copy`).
    ///
    /// Every segment of the pointer counts, split into words (`livenessProbe` → `liveness probe`), because
    /// the last key alone is often generic (`/resources/limits/memory`, `/livenessProbe/periodSeconds`).
    /// The most specific kinds are tried first: a probe's `timeoutSeconds` is about the probe, a pool's
    /// `TIMEOUT_MS` about a timeout, and a boolean under `livenessProbe` still about the probe.
    pub fn of(pointer: &str, value: Option<&Value>) -> ChangeKind {
        let segments: Vec<String> = pointer
            .split('/')
            .filter(|s| !s.is_empty() && *s != "-" && !s.bytes().all(|b| b.is_ascii_digit()))
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        let all: Vec<String> = segments.iter().flat_map(|s| super::key_words(s)).collect();
        let last: Vec<String> = segments.last().map(|s| super::key_words(s)).unwrap_or_default();
        let any = |words: &[String], wanted: &[&str]| words.iter().any(|w| wanted.contains(&w.as_str()));

        let matches = |kind: ChangeKind| match kind {
            ChangeKind::Probe => any(&all, &["probe", "healthcheck"]),
            ChangeKind::Resources => {
                any(&all, &["cpu", "memory", "mem"])
                    || (any(&all, &["resources"]) && any(&all, &["limits", "requests"]))
            }
            ChangeKind::ImageTag => any(&all, &["image"]) || any(&last, &["tag"]),
            ChangeKind::FeatureFlag => {
                value.is_some_and(is_boolean) || any(&all, &["feature", "features", "flag", "flags", "toggle"])
            }
            ChangeKind::Port => any(&last, &["port"]) || any(&all, &["ports"]),
            ChangeKind::Replicas => any(&all, &["replicas", "replica", "instances"]),
            ChangeKind::Timeout => any(&all, &["timeout", "timeouts", "ttl", "deadline"]),
            ChangeKind::PoolSize => any(&all, &["pool", "connections", "conns", "maxconns"]),
            ChangeKind::Generic => true,
        };
        ChangeKind::ALL.into_iter().find(|kind| matches(*kind)).unwrap_or(ChangeKind::Generic)
    }

    /// The kind of a whole fault: that of its first operation with a specific kind, else generic. A fault
    /// that sets `enabled: false` and then something unremarkable is a feature flag.
    pub fn of_fault<'a>(changes: impl IntoIterator<Item = (&'a str, Option<&'a Value>)>) -> ChangeKind {
        changes
            .into_iter()
            .map(|(pointer, value)| ChangeKind::of(pointer, value))
            .find(|kind| *kind != ChangeKind::Generic)
            .unwrap_or(ChangeKind::Generic)
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A boolean as the deployment tool reads it: JSON `true`/`false`, or a string YAML 1.1, dotenv readers and
/// most flag libraries take for one (`"false"`, `"off"`, `"no"`).
fn is_boolean(value: &Value) -> bool {
    match value {
        Value::Bool(_) => true,
        Value::String(s) => {
            matches!(s.to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no" | "on" | "off")
        }
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn real_keys_get_the_kind_of_what_they_change() {
        use ChangeKind::*;
        let cases: [(&str, Value, ChangeKind); 34] = [
            // Ports: Kubernetes manifests, Helm values, dotenv.
            ("/spec/template/spec/containers/0/ports/0/containerPort", json!(8081), Port),
            ("/service/port", json!(80), Port),
            ("/spec/ports/0/targetPort", json!("http"), Port),
            ("/DB_PORT", json!("5433"), Port),
            ("/database/port", json!(5433), Port),
            // Replicas.
            ("/replicaCount", json!(0), Replicas),
            ("/spec/replicas", json!(0), Replicas),
            ("/autoscaling/minReplicas", json!(1), Replicas),
            ("/worker/instances", json!(0), Replicas),
            // Pool sizes.
            ("/redis/pool/size", json!(0), PoolSize),
            ("DB_POOL_SIZE", json!("0"), PoolSize),
            ("/DB_POOL_SIZE", json!(0), PoolSize),
            ("/env/SERVICE__REDIS__CONNECTION_POOL__SIZE", json!("0"), PoolSize),
            ("/database/maxConnections", json!(1), PoolSize),
            // Timeouts, including one inside a pool's settings.
            ("/server/readTimeout", json!("1ms"), Timeout),
            ("/env/SERVICE__REDIS__CONNECTION_POOL__TIMEOUT_MS", json!("1"), Timeout),
            ("/http/timeouts/idle", json!(1), Timeout),
            ("/cache/ttl", json!(0), Timeout),
            // Images.
            ("/image/tag", json!("2.14.4"), ImageTag),
            ("/spec/template/spec/containers/0/image", json!("ghcr.io/acme/checkout:2.14.4"), ImageTag),
            ("/IMAGE_TAG", json!("2.14.4"), ImageTag),
            // Resources.
            ("/resources/limits/memory", json!("64Mi"), Resources),
            ("/spec/template/spec/containers/0/resources/requests/cpu", json!("8"), Resources),
            ("/MEMORY_LIMIT_MB", json!("64"), Resources),
            // Probes win over the timeout or the switch inside them.
            ("/livenessProbe/initialDelaySeconds", json!(0), Probe),
            ("/spec/template/spec/containers/0/readinessProbe/httpGet/path", json!("/healthz"), Probe),
            ("/startupProbe/timeoutSeconds", json!(1), Probe),
            ("/readinessProbe/enabled", json!(false), Probe),
            // Feature flags: booleans, or keys under features/flags.
            ("/features/newCheckout", json!(false), FeatureFlag),
            ("/flags/checkout.paymentRetries/enabled", json!(false), FeatureFlag),
            ("/PAYMENTS_ENABLED", json!("off"), FeatureFlag),
            ("/features/checkoutVariant", json!("b"), FeatureFlag),
            // Nothing specific: the generic wordings.
            ("/retry/max_attempts", json!(0), Generic),
            ("/logging/level", json!("trace"), Generic),
        ];
        for (pointer, value, kind) in cases {
            assert_eq!(ChangeKind::of(pointer, Some(&value)), kind, "{pointer} = {value}");
        }
    }

    #[test]
    fn words_match_whole_words_only() {
        // `support`, `report` and `export` end in "port"; `timeoutless` is not a word of anything.
        assert_eq!(ChangeKind::of("/supportEmail", Some(&json!("a@b.c"))), ChangeKind::Generic);
        assert_eq!(ChangeKind::of("/reportFormat", Some(&json!("json"))), ChangeKind::Generic);
        assert_eq!(ChangeKind::of("/EXPORT_PATH", Some(&json!("/tmp"))), ChangeKind::Generic);
        assert_eq!(ChangeKind::of("/portal/title", Some(&json!("Shop"))), ChangeKind::Generic);
        assert_eq!(ChangeKind::of("/memoryless", None), ChangeKind::Generic);
    }

    #[test]
    fn the_value_type_decides_between_a_switch_and_a_setting() {
        assert_eq!(ChangeKind::of("/redis/tls", Some(&json!(false))), ChangeKind::FeatureFlag);
        assert_eq!(ChangeKind::of("/redis/tls", Some(&json!("FALSE"))), ChangeKind::FeatureFlag);
        assert_eq!(ChangeKind::of("/redis/tls", Some(&json!({"enabled": false}))), ChangeKind::Generic);
        assert_eq!(ChangeKind::of("/redis/tls", None), ChangeKind::Generic, "a removal has no value");
        assert_eq!(ChangeKind::of("/service/port", None), ChangeKind::Port, "the key alone decides");
    }

    #[test]
    fn a_fault_takes_the_first_specific_kind_among_its_operations() {
        let (zero, off) = (json!(0), json!(false));
        let fault = [("/logging/level", None), ("/replicaCount", Some(&zero)), ("/features/x", Some(&off))];
        assert_eq!(ChangeKind::of_fault(fault), ChangeKind::Replicas);
        assert_eq!(ChangeKind::of_fault([("/logging/level", None)]), ChangeKind::Generic);
        assert_eq!(ChangeKind::of_fault([]), ChangeKind::Generic);
        assert_eq!(ChangeKind::of("", None), ChangeKind::Generic);
    }
}
