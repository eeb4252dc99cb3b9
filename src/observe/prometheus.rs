//! Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_range`, `/api/v1/rules`), over the same hyper stack as
//! the GitHub client, with every request counted and bounded in time: an unreachable Prometheus costs a run at
//! most [`TIMEOUT`] per question, and never holds back the safety revert.
//!
//! Credentials come from environment variables named in `observe.auth`; they go into a sensitive header and
//! nowhere else (errors name the variable, never its value).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::header::{AUTHORIZATION, HeaderValue, USER_AGENT};
use http_body_util::{BodyExt as _, Empty, Limited};
use jiff::Timestamp;
use serde_json::Value;

use super::{Range, Series};
use crate::scenario::{ObserveSettings, PROMETHEUS_URL_ENV};

/// How long one question to Prometheus may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The largest answer read (a `query_range` of a few series at 10,000 points is well under it).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Requests sent to Prometheus, shared by every client of a run.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

type Hyper = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Empty<Bytes>,
>;

/// A client for one Prometheus.
#[derive(Clone)]
pub struct Client {
    base: String,
    auth: Option<HeaderValue>,
    http: Hyper,
    counter: Counter,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish_non_exhaustive()
    }
}

/// Why Prometheus could not be asked or did not answer. Never holds a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PromError(pub String);

/// The Prometheus URL of `o` (or of `FIREDRILL_PROMETHEUS_URL`), if one is set.
pub fn url_of(o: &ObserveSettings, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    o.prometheus.clone().or_else(|| env(PROMETHEUS_URL_ENV)).filter(|u| !u.trim().is_empty())
}

impl Client {
    /// A client for the Prometheus of `o`; `None` when no URL is set. `env` reads environment variables.
    pub fn new(
        o: &ObserveSettings,
        env: &dyn Fn(&str) -> Option<String>,
        counter: Counter,
    ) -> Result<Option<Client>, PromError> {
        let Some(base) = url_of(o, env) else { return Ok(None) };
        let var = |name: &String| {
            env(name).filter(|v| !v.is_empty()).ok_or_else(|| {
                PromError(format!("the environment variable {name} (named in `observe.auth`) is not set"))
            })
        };
        let auth = match &o.auth {
            Some(a) if a.bearer_token_env.is_some() => {
                Some(format!("Bearer {}", var(a.bearer_token_env.as_ref().unwrap_or(&String::new()))?))
            }
            Some(a) => match (&a.username_env, &a.password_env) {
                (Some(u), Some(p)) => {
                    let pair = format!("{}:{}", var(u)?, var(p)?);
                    Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)))
                }
                _ => None,
            },
            None => None,
        };
        let auth = match auth {
            Some(a) => {
                let mut h = HeaderValue::from_str(&a).map_err(|_| {
                    PromError("the Prometheus credentials hold characters an HTTP header cannot carry".to_owned())
                })?;
                h.set_sensitive(true);
                Some(h)
            }
            None => None,
        };
        let provider = rustls::crypto::ring::default_provider();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| PromError(format!("cannot set up TLS: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
        Ok(Some(Client { base: base.trim_end_matches('/').to_owned(), auth, http, counter }))
    }

    /// Where this client asks, for messages (without any user part).
    pub fn describe(&self) -> String {
        crate::redact::secrets(&self.base)
    }

    /// `GET {base}{path}?{query}` → the `data` of a `success` answer.
    async fn get(&self, path: &str, params: &[(&str, String)]) -> Result<Value, PromError> {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let uri = format!("{}{path}?{}", self.base, query.join("&"));
        let where_ = format!("Prometheus at {}", self.describe());
        let mut req = http::Request::get(&uri)
            .header(USER_AGENT, "firedrill")
            .body(Empty::<Bytes>::new())
            .map_err(|e| PromError(format!("{where_}: not a usable URL ({e})")))?;
        if let Some(a) = &self.auth {
            req.headers_mut().insert(AUTHORIZATION, a.clone());
        }
        self.counter.0.fetch_add(1, Ordering::Relaxed);
        let answer = tokio::time::timeout(TIMEOUT, async {
            let resp = self
                .http
                .request(req)
                .await
                .map_err(|e| PromError(format!("{where_} is unreachable: {}", cause(&e))))?;
            let status = resp.status();
            let body = Limited::new(resp.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| PromError(format!("{where_}: the answer could not be read ({e})")))?
                .to_bytes();
            Ok::<_, PromError>((status, body))
        })
        .await
        .map_err(|_| PromError(format!("{where_} did not answer within {}s", TIMEOUT.as_secs())))??;
        let (status, body) = answer;
        if status == http::StatusCode::UNAUTHORIZED || status == http::StatusCode::FORBIDDEN {
            return Err(PromError(format!(
                "{where_} refused the credentials ({status}): check the variables named in `observe.auth`"
            )));
        }
        let v: Value = serde_json::from_slice(&body).map_err(|_| {
            PromError(format!(
                "{where_} answered {status} with something that is not Prometheus' JSON: is the URL the API's base?"
            ))
        })?;
        if v.get("status").and_then(Value::as_str) != Some("success") {
            let error = v.get("error").and_then(Value::as_str).unwrap_or("no reason given");
            return Err(PromError(format!("{where_} answered {status}: {}", crate::redact::excerpt(error))));
        }
        Ok(v.get("data").cloned().unwrap_or(Value::Null))
    }

    /// `query_range` of `expr` over `range`.
    pub async fn query_range(&self, expr: &str, range: &Range) -> Result<Vec<Series>, PromError> {
        let params = [
            ("query", expr.to_owned()),
            ("start", range.start.as_second().to_string()),
            ("end", range.end.as_second().to_string()),
            ("step", format!("{}s", range.step.as_secs())),
        ];
        let data = self.get("/api/v1/query_range", &params).await?;
        parse_result(&data)
            .map(|series| valued_when_bool(expr, series))
            .map_err(|why| PromError(format!("Prometheus at {}: {why}", self.describe())))
    }

    /// An instant `query` of `expr` at `at`.
    pub async fn query(&self, expr: &str, at: Timestamp) -> Result<Vec<Series>, PromError> {
        let time = format!("{}.{:03}", at.as_second(), at.subsec_millisecond().max(0));
        let params = [("query", expr.to_owned()), ("time", time)];
        let data = self.get("/api/v1/query", &params).await?;
        parse_result(&data)
            .map(|series| valued_when_bool(expr, series))
            .map_err(|why| PromError(format!("Prometheus at {}: {why}", self.describe())))
    }

    /// The alerting rules: (name, static labels) of each.
    pub async fn alerting_rules(&self) -> Result<Vec<(String, BTreeMap<String, String>)>, PromError> {
        let data = self.get("/api/v1/rules", &[("type", "alert".to_owned())]).await?;
        let mut out = Vec::new();
        for g in data.get("groups").and_then(Value::as_array).into_iter().flatten() {
            for r in g.get("rules").and_then(Value::as_array).into_iter().flatten() {
                if r.get("type").and_then(Value::as_str) != Some("alerting") {
                    continue;
                }
                let name = r.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
                out.push((name, labels(r.get("labels"))));
            }
        }
        Ok(out)
    }
}

/// The innermost cause of a transport error (hyper's outer message is only "client error (Connect)").
fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}

fn labels(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
        .unwrap_or_default()
}

/// A sample `[unix seconds (float), "value"]`.
fn sample(v: &Value) -> Option<(Timestamp, f64)> {
    let secs = v.get(0)?.as_f64()?;
    let value: f64 = v.get(1)?.as_str()?.parse().ok()?;
    let at = Timestamp::from_millisecond((secs * 1000.0).round() as i64).ok()?;
    Some((at, value))
}

/// Whether an expression compares with PromQL's `bool` modifier (`x < bool 0.1`), whose answer is 1 or 0 for
/// every series instead of a filter: then a sample counts by its value, as a scalar's does.
pub fn uses_bool(expr: &str) -> bool {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '"' || c == '\''))
        .any(|word| word == "bool")
}

/// The series of an answer to `expr`, read by value when `expr` uses the `bool` modifier.
fn valued_when_bool(expr: &str, mut series: Vec<Series>) -> Vec<Series> {
    if uses_bool(expr) {
        for s in &mut series {
            s.scalar = true;
        }
    }
    series
}

/// The series of a `data` answer: a matrix, a vector or a scalar.
pub fn parse_result(data: &Value) -> Result<Vec<Series>, String> {
    let kind = data.get("resultType").and_then(Value::as_str).unwrap_or("");
    let result = data.get("result").ok_or("the answer has no result")?;
    match kind {
        "matrix" | "vector" => Ok(result
            .as_array()
            .ok_or("the result is not a list")?
            .iter()
            .map(|s| Series {
                labels: labels(s.get("metric")),
                samples: match kind {
                    "matrix" => {
                        s.get("values").and_then(Value::as_array).into_iter().flatten().filter_map(sample).collect()
                    }
                    _ => s.get("value").and_then(sample).into_iter().collect(),
                },
                scalar: false,
            })
            .collect()),
        "scalar" => {
            Ok(vec![Series { labels: BTreeMap::new(), samples: sample(result).into_iter().collect(), scalar: true }])
        }
        other => Err(format!("a result of type `{other}` is not a series")),
    }
}

/// Percent-encoding of a query parameter (everything but the unreserved characters).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_as_prometheus_documents_them() {
        let matrix: Value = serde_json::from_str(
            r#"{"resultType":"matrix","result":[{"metric":{"__name__":"up","job":"x"},"values":[[1435781430.781,"1"],[1435781445.781,"0"]]}]}"#,
        )
        .unwrap();
        let s = parse_result(&matrix).unwrap();
        assert_eq!(s[0].labels["job"], "x");
        assert_eq!(s[0].samples.len(), 2);
        assert_eq!(s[0].samples[1].1, 0.0);
        let vector: Value =
            serde_json::from_str(r#"{"resultType":"vector","result":[{"metric":{},"value":[1435781451.781,"1"]}]}"#)
                .unwrap();
        assert!(super::super::is_true(&parse_result(&vector).unwrap()));
        let scalar: Value = serde_json::from_str(r#"{"resultType":"scalar","result":[1435781451.781,"0"]}"#).unwrap();
        assert!(!super::super::is_true(&parse_result(&scalar).unwrap()));
        let empty: Value = serde_json::from_str(r#"{"resultType":"vector","result":[]}"#).unwrap();
        assert!(!super::super::is_true(&parse_result(&empty).unwrap()));
        let zero: Value =
            serde_json::from_str(r#"{"resultType":"vector","result":[{"metric":{},"value":[1435781451.781,"0"]}]}"#)
                .unwrap();
        assert!(super::super::is_true(&parse_result(&zero).unwrap()), "a filter's kept sample is true, even 0");
        assert!(parse_result(&serde_json::json!({"resultType":"string","result":[1,"x"]})).is_err());
        // A `bool` comparison answers 0 or 1 for every series: its 0 is false.
        assert!(uses_bool("sum(rate(errors[1m])) < bool 0.1"));
        assert!(!uses_bool("up{job=\"boolean\"} == 1") && !uses_bool("up{job=\"bool\"} == 1"));
        assert!(!super::super::is_true(&valued_when_bool("x < bool 1", parse_result(&zero).unwrap())));
    }

    #[test]
    fn queries_are_encoded_and_credentials_come_from_the_named_variables() {
        assert_eq!(encode(r#"ALERTS{a="b c"}"#), "ALERTS%7Ba%3D%22b%20c%22%7D");
        let o = ObserveSettings {
            prometheus: Some("http://127.0.0.1:9".into()),
            auth: Some(crate::scenario::ObserveAuth { bearer_token_env: Some("PROM_T".into()), ..Default::default() }),
            ..Default::default()
        };
        let err = Client::new(&o, &|_| None, Counter::default()).unwrap_err();
        assert_eq!(err.0, "the environment variable PROM_T (named in `observe.auth`) is not set");
        let c =
            Client::new(&o, &|n| (n == "PROM_T").then(|| "s3cret".to_owned()), Counter::default()).unwrap().unwrap();
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(c.auth.as_ref().unwrap().is_sensitive());
        let none = ObserveSettings::default();
        assert!(Client::new(&none, &|_| None, Counter::default()).unwrap().is_none());
    }
}
