//! The HTTP front: one handler takes every request and sends it to the admin API, the git smart HTTP backend or the
//! REST API, applying injected faults, GitHub's rate-limit and request-id headers, and the exchange log.

use std::io::Write as _;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxState};
use axum::http::Response;
use serde_json::{Value, json};

use crate::http::{ApiError, Fault, Incoming, Reply, glob, parse_query, plain, to_response};
use crate::ops::App;

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
                    .unwrap_or_else(|| json!({"message": "injected fault", "documentation_url": crate::http::DOCS}));
                (Reply::json(status, body), None)
            }
            _ => crate::rest::handle(&app2, &incoming),
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
