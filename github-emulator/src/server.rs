//! The HTTP front: one handler takes every request and sends it to the admin API, the git smart HTTP backend or the
//! REST API, applying injected faults, GitHub's authentication and rate-limit headers, and the exchange log.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::shapes::Urls;
use crate::state::State;

/// A fault armed through the admin API: the next `times` requests matching `method` and `path` get it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub id: u64,
    /// `GET`, `POST`, ... or absent for any method.
    #[serde(default)]
    pub method: Option<String>,
    /// A path pattern where `*` matches any run of characters, e.g. `/repos/*/pulls/*/merge`.
    pub path: String,
    #[serde(default = "one")]
    pub times: u32,
    /// Answer with this status (and `body`) instead of serving the request. `headers` are added either way,
    /// replacing the emulator's own of the same name (e.g. `x-ratelimit-remaining` on a request it serves).
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Wait this long before serving (or answering with `status`).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Close the connection without a complete answer.
    #[serde(default)]
    pub drop: bool,
}

fn one() -> u32 {
    1
}

pub struct App {
    pub dir: PathBuf,
    pub urls: Urls,
    pub state: Mutex<State>,
    pub faults: Mutex<Vec<Fault>>,
    pub log: Option<Mutex<std::fs::File>>,
    pub used: Mutex<BTreeMap<String, u64>>,
    pub requests: AtomicU64,
    pub git_home: PathBuf,
}

/// What a REST or admin handler answers.
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply { status, body: Some(body), headers: Vec::new() }
    }

    pub fn ok(body: Value) -> Reply {
        Reply::json(200, body)
    }

    pub fn created(body: Value) -> Reply {
        let location = body["url"].as_str().map(str::to_owned);
        let mut reply = Reply::json(201, body);
        if let Some(location) = location {
            reply.headers.push(("location".to_owned(), location));
        }
        reply
    }

    pub fn no_content() -> Reply {
        Reply { status: 204, body: None, headers: Vec::new() }
    }
}

impl From<ApiError> for Reply {
    fn from(e: ApiError) -> Reply {
        Reply::json(e.status, e.body)
    }
}

/// A parsed request as the handlers see it.
pub struct Incoming {
    pub method: String,
    pub path: String,
    pub query: String,
    pub params: BTreeMap<String, String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Incoming {
    pub fn json(&self) -> Result<Value, ApiError> {
        if self.body.is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_slice(&self.body).map_err(|e| ApiError::bad_request(&format!("Problems parsing JSON: {e}")))
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(hex) = std::str::from_utf8(&bytes[i + 1..i + 3])
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// `*` matches any run of characters (including `/`).
pub fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((prefix, rest)) => {
            let Some(text) = text.strip_prefix(prefix) else { return false };
            (0..=text.len()).filter(|i| text.is_char_boundary(*i)).any(|i| glob(rest, &text[i..]))
        }
    }
}

pub async fn handle(AxState(app): AxState<Arc<App>>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 256 * 1024 * 1024).await else {
        return plain(400, "cannot read the request body");
    };
    let query = parts.uri.query().unwrap_or("").to_owned();
    let incoming = Incoming {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        params: parse_query(&query),
        query,
        headers: parts.headers,
        body,
    };
    if incoming.path.starts_with("/_emulator/") || incoming.path == "/_emulator" {
        let app2 = Arc::clone(&app);
        let reply = tokio::task::spawn_blocking(move || crate::admin::handle(&app2, &incoming))
            .await
            .unwrap_or_else(|e| Reply::from(ApiError::internal(e)));
        return to_response(reply, &[]);
    }
    // Faults are armed for REST and git alike.
    let fault = take_fault(&app, &incoming.method, &incoming.path);
    if let Some(fault) = &fault {
        if let Some(ms) = fault.delay_ms {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        if fault.drop {
            return Response::builder()
                .status(200)
                .header("content-length", "1024")
                .body(Body::new(Broken))
                .unwrap_or_else(|_| plain(500, "fault"));
        }
    }
    if let Some((owner, rest)) = incoming.path.trim_start_matches('/').split_once('/')
        && let Some((name, _)) = rest.split_once(".git/")
        && !owner.is_empty()
    {
        let key = format!("{owner}/{name}");
        return crate::smart_http::serve(&app, &key, incoming).await;
    }
    // A fault's headers replace the emulator's own (its rate-limit headers too), also on a request it serves.
    let fault_headers: Vec<(String, String)> =
        fault.as_ref().map(|f| f.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
    let app2 = Arc::clone(&app);
    let (reply, login, incoming) = tokio::task::spawn_blocking(move || {
        let (reply, login) = match &fault {
            Some(f) if f.status.is_some() => {
                let status = f.status.unwrap_or(500);
                let body = f
                    .body
                    .clone()
                    .unwrap_or_else(|| json!({"message": "injected fault", "documentation_url": crate::error::DOCS}));
                (Reply::json(status, body), None)
            }
            _ => crate::api::handle(&app2, &incoming),
        };
        (reply, login, incoming)
    })
    .await
    .unwrap_or_else(|e| panic!("REST handler panicked: {e}"));
    let mut headers = rate_headers(&app, login.as_deref());
    headers
        .push(("x-github-request-id".to_owned(), format!("EMU:{:08X}", app.requests.fetch_add(1, Ordering::SeqCst))));
    headers.push(("x-github-api-version-selected".to_owned(), "2022-11-28".to_owned()));
    headers.retain(|(name, _)| !fault_headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)));
    headers.extend(fault_headers);
    log_exchange(&app, &incoming, &reply);
    to_response(reply, &headers)
}

fn take_fault(app: &App, method: &str, path: &str) -> Option<Fault> {
    let mut faults = app.faults.lock().expect("faults lock");
    let index = faults.iter().position(|f| {
        f.times > 0 && f.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method)) && glob(&f.path, path)
    })?;
    faults[index].times -= 1;
    let fault = faults[index].clone();
    if faults[index].times == 0 {
        faults.remove(index);
    }
    Some(fault)
}

fn rate_headers(app: &App, login: Option<&str>) -> Vec<(String, String)> {
    let used = {
        let mut used = app.used.lock().expect("rate lock");
        let count = used.entry(login.unwrap_or("").to_owned()).or_insert(0);
        *count += 1;
        *count
    };
    let reset = app.state.lock().expect("state lock").now().as_second() + 3600;
    vec![
        ("x-ratelimit-limit".to_owned(), "5000".to_owned()),
        ("x-ratelimit-remaining".to_owned(), 5000_u64.saturating_sub(used).to_string()),
        ("x-ratelimit-reset".to_owned(), reset.to_string()),
        ("x-ratelimit-used".to_owned(), used.to_string()),
        ("x-ratelimit-resource".to_owned(), "core".to_owned()),
    ]
}

fn log_exchange(app: &App, incoming: &Incoming, reply: &Reply) {
    let Some(log) = &app.log else { return };
    let request_body = if incoming.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&incoming.body).unwrap_or(Value::Null)
    };
    let query: serde_json::Map<String, Value> = incoming.params.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let line = json!({
        "method": incoming.method,
        "path": incoming.path,
        "query": if query.is_empty() { Value::Null } else { Value::Object(query) },
        "request_body": request_body,
        "status": reply.status,
        "response_body": reply.body,
    });
    let mut file = log.lock().expect("log lock");
    let _ = writeln!(file, "{line}");
}

pub fn to_response(reply: Reply, extra: &[(String, String)]) -> Response<Body> {
    let mut builder =
        Response::builder().status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    let body = match &reply.body {
        Some(value) => {
            builder = builder.header("content-type", "application/json; charset=utf-8");
            Body::from(serde_json::to_vec(value).unwrap_or_default())
        }
        None => Body::empty(),
    };
    // The reply's own headers (an injected fault's `x-ratelimit-remaining: 0`, say) win over the defaults.
    let overridden = |name: &str| reply.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let defaults = extra.iter().filter(|(name, _)| !overridden(name));
    for (name, value) in defaults.chain(reply.headers.iter()) {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            builder = builder.header(n, v);
        }
    }
    builder.body(body).unwrap_or_else(|_| plain(500, "bad response"))
}

pub fn plain(status: u16, text: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(text.to_owned()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
}

/// A body that fails at once: the server closes the connection mid-answer.
struct Broken;

impl http_body::Body for Broken {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::other("connection dropped by an injected fault"))))
    }
}
