//! `observe:` — where the team's own monitoring is (Prometheus' query API and its `ALERTS`), what "healthy"
//! means there, and how soon the fault should show; and the checks a schema cannot say.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::diagnostic::Diagnostic;
use super::source::Source;
use super::value::Duration;
use super::yaml::quote;

/// Default of `observe.expect.effect_within`.
pub const DEFAULT_EFFECT_WITHIN: Duration = Duration::from_mins(15);

/// The environment variable giving Prometheus' URL where `observe.prometheus` is not set.
pub const PROMETHEUS_URL_ENV: &str = "FIREDRILL_PROMETHEUS_URL";

/// What the team's monitoring says about the drill: when the service broke, when the alert fired, when it was
/// healthy again (docs/observe.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObserveSettings {
    /// The base URL of Prometheus' HTTP API (the part before `/api/v1/...`), such as
    /// `https://prometheus.staging.example.com`. Absent: the `FIREDRILL_PROMETHEUS_URL` environment variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    /// How to authenticate to Prometheus: the names of environment variables holding the secrets (never the
    /// secrets themselves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<ObserveAuth>,
    /// A series selector on Prometheus' `ALERTS`, such as `{namespace="staging", service="checkout"}`: the first
    /// matching alert in `firing` is the drill's automatic "detected". Pushed alerts (Alertmanager, Grafana,
    /// PagerDuty) are matched against the same labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<String>,
    /// A PromQL expression that is true while the service is healthy: a non-empty result (a filter such as
    /// `sum(rate(http_requests_total{job="checkout",code=~"5.."}[1m])) < 0.1`), or a scalar that is not `0`.
    /// An empty result is unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
    /// What the drill should do to the service.
    #[serde(default, skip_serializing_if = "ObserveExpect::is_empty")]
    pub expect: ObserveExpect,
}

/// Credentials for Prometheus, by environment variable name: a bearer token, or a user name and password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObserveAuth {
    /// The environment variable holding a bearer token, such as `PROMETHEUS_TOKEN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_env: Option<String>,
    /// The environment variable holding the basic-auth user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_env: Option<String>,
    /// The environment variable holding the basic-auth password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
}

/// What the drill should do to the service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObserveExpect {
    /// How soon after the fault is live (merged, when no deploy signal tells) `health` should turn false; after
    /// that the drill says "no effect seen" (and, with `safety.end_if_no_effect`, ends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "15m"))]
    pub effect_within: Option<Duration>,
}

impl ObserveExpect {
    pub fn is_empty(&self) -> bool {
        *self == ObserveExpect::default()
    }
}

impl ObserveSettings {
    pub fn is_empty(&self) -> bool {
        *self == ObserveSettings::default()
    }

    /// Whether anything is observed at all (an alert selector or a health expression).
    pub fn is_set(&self) -> bool {
        self.alerts.is_some() || self.health.is_some()
    }

    pub fn effect_within(&self) -> Duration {
        self.expect.effect_within.unwrap_or(DEFAULT_EFFECT_WITHIN)
    }

    /// Fills every field not set here from `defaults`.
    pub fn apply_defaults(&mut self, defaults: &ObserveSettings) {
        if self.prometheus.is_none() {
            self.prometheus.clone_from(&defaults.prometheus);
        }
        if self.auth.is_none() {
            self.auth.clone_from(&defaults.auth);
        }
        if self.alerts.is_none() {
            self.alerts.clone_from(&defaults.alerts);
        }
        if self.health.is_none() {
            self.health.clone_from(&defaults.health);
        }
        self.expect.effect_within = self.expect.effect_within.or(defaults.expect.effect_within);
    }
}

/// The rules of one `observe:` section (`field` is where it is: `observe` or `defaults.observe`).
pub(crate) fn check(src: &Source, field: &str, o: &ObserveSettings, out: &mut Vec<Diagnostic>) {
    if let Some(url) = &o.prometheus {
        let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
            out.push(
                src.at_value(
                    &format!("{field}.prometheus"),
                    format!("{} is not an http(s) URL", quote(&crate::redact::excerpt(url))),
                )
                .hint("write the base URL of Prometheus' API, such as `https://prometheus.staging.example.com`"),
            );
        } else if url.contains('@') {
            out.push(
                src.at_value(&format!("{field}.prometheus"), "the URL holds credentials (`user:password@`)").hint(
                    "put them in environment variables and name those in `auth:` (`username_env`, `password_env`)",
                ),
            );
        }
    }
    if let Some(auth) = &o.auth {
        let names = [
            ("bearer_token_env", &auth.bearer_token_env),
            ("username_env", &auth.username_env),
            ("password_env", &auth.password_env),
        ];
        for (key, name) in names {
            // A token pasted in place of the name is refused without being quoted.
            if let Some(name) = name
                && (!is_env_name(name) || crate::redact::secrets(name) != *name)
            {
                out.push(
                    src.at_value(
                        &format!("{field}.auth.{key}"),
                        format!("{} is not an environment variable name", quote(&crate::redact::excerpt(&short(name)))),
                    )
                    .hint("name the variable (letters, digits and `_`, such as `PROMETHEUS_TOKEN`), never the secret itself"),
                );
            }
        }
        let basic = auth.username_env.is_some() || auth.password_env.is_some();
        if auth.bearer_token_env.is_some() && basic {
            out.push(
                src.at_key(&format!("{field}.auth"), "both a bearer token and basic auth are given")
                    .hint("keep `bearer_token_env`, or `username_env` with `password_env`"),
            );
        } else if basic && (auth.username_env.is_none() || auth.password_env.is_none()) {
            out.push(
                src.at_key(&format!("{field}.auth"), "basic auth needs both `username_env` and `password_env`")
                    .hint("add the missing one"),
            );
        } else if !basic && auth.bearer_token_env.is_none() {
            out.push(
                src.at_key(&format!("{field}.auth"), "no credentials are named")
                    .hint("set `bearer_token_env`, or `username_env` and `password_env`, or remove `auth`"),
            );
        }
    }
    if let Some(sel) = &o.alerts
        && let Err(why) = crate::observe::Selector::parse(sel)
    {
        out.push(
            src.at_value(&format!("{field}.alerts"), format!("{} is not a series selector: {why}", quote(&short(sel))))
                .hint("write label matchers in braces, such as `{namespace=\"staging\", service=\"checkout\"}`"),
        );
    }
    if let Some(h) = &o.health
        && h.trim().is_empty()
    {
        out.push(
            src.at_value(&format!("{field}.health"), "the health expression is empty")
                .hint("write a PromQL expression that is true while the service is healthy"),
        );
    }
    if o.expect.effect_within.is_some_and(|d| d.is_zero()) {
        out.push(
            src.at_value(
                &format!("{field}.expect.effect_within"),
                "the delay is zero: every drill would show no effect",
            )
            .hint("use a duration such as `15m` (the default)"),
        );
    }
}

/// The rules of `safety.stop_if` and `safety.end_if_no_effect` against the observe settings (after defaults).
pub(crate) fn check_safety(
    src: &Source,
    field: &str,
    safety: &super::model::Safety,
    o: &ObserveSettings,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(e) = &safety.stop_if
        && e.trim().is_empty()
    {
        out.push(
            src.at_value(&format!("{field}.stop_if"), "the stop condition is empty")
                .hint("write a PromQL expression that is true when the drill must stop, or remove `stop_if`"),
        );
    }
    // With `defaults.observe` of firedrill.yml the scenario's own section may be empty: checked once both are
    // known ([`check_with_defaults`]); in firedrill.yml itself, the defaults must hold together.
    if field.starts_with("defaults") {
        needs_observe(src, field, safety, o, out);
    }
}

/// The rules across a scenario and firedrill.yml's defaults (`s` has them applied).
pub(crate) fn check_with_defaults(src: &Source, s: &super::model::Scenario, out: &mut Vec<Diagnostic>) {
    needs_observe(src, "safety", &s.safety, &s.observe, out);
}

fn needs_observe(
    src: &Source,
    field: &str,
    safety: &super::model::Safety,
    o: &ObserveSettings,
    out: &mut Vec<Diagnostic>,
) {
    let section = if field.starts_with("defaults") {
        "`defaults.observe`"
    } else {
        "`observe` (or firedrill.yml's `defaults.observe`)"
    };
    if safety.end_if_no_effect == Some(true) && o.health.is_none() {
        out.push(
            src.at_value(
                &format!("{field}.end_if_no_effect"),
                "`end_if_no_effect` needs `observe.health` to see an effect",
            )
            .hint(format!("set `health` in {section}, or remove `end_if_no_effect`")),
        );
    }
}

/// `NAME` as shells and GitHub Actions spell environment variables.
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 128
}

/// At most 60 characters, for messages (a mistaken secret pasted in place of a name is not quoted whole).
fn short(text: &str) -> String {
    let s: String = text.chars().take(60).collect();
    if s.len() < text.len() { format!("{s}…") } else { s }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::Path;

    const BASE: &str =
        "id: x\ntitle: X\ntarget:\n  path: values.yaml\nfault:\n  - op: replace\n    path: /a\n    value: 0\n";

    fn errors(extra: &str) -> Vec<String> {
        match super::super::load_file(Path::new("s.yml"), &format!("{BASE}{extra}")) {
            Ok(_) => Vec::new(),
            Err(d) => d.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn observe_settings_are_checked_with_positions() {
        assert_eq!(
            errors(
                "observe:\n  prometheus: https://prom.example.com\n  auth:\n    bearer_token_env: PROM_TOKEN\n  alerts: '{namespace=\"staging\"}'\n  health: up == 1\n  expect:\n    effect_within: 10m\nsafety:\n  stop_if: 'x > 1'\n"
            ),
            Vec::<String>::new()
        );
        let e = errors("observe:\n  prometheus: prom:9090\n").join("\n");
        assert!(e.contains("s.yml:10:15") && e.contains("is not an http(s) URL"), "{e}");
        let e = errors("observe:\n  alerts: 'namespace=\"staging\"'\n").join("\n");
        assert!(e.contains("s.yml:10:11") && e.contains("not a series selector"), "{e}");
        let e =
            errors("observe:\n  auth:\n    bearer_token_env: ghp_abcdefghijklmnopqrstuvwxyz0123456789\n").join("\n");
        assert!(e.contains("s.yml:11:23") && e.contains("not an environment variable name"), "{e}");
        assert!(!e.contains("abcdefghijklmnopqrstuvwxyz0123456789"), "a pasted secret is not quoted: {e}");
        let e = errors("observe:\n  auth:\n    username_env: U\n").join("\n");
        assert!(e.contains("needs both `username_env` and `password_env`"), "{e}");
        let e = errors("observe:\n  expect:\n    effect_within: 0s\n").join("\n");
        assert!(e.contains("the delay is zero"), "{e}");
        let e = errors("observe:\n  bogus: 1\n").join("\n");
        assert!(e.contains("s.yml:10:3"), "{e}");
    }
}
