//! The HTTP vocabulary every handler shares: a parsed request ([`Incoming`]), an answer ([`Reply`]), GitHub's error
//! bodies ([`ApiError`]), an armed [`Fault`], and turning a reply into an HTTP response.

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const DOCS: &str = "https://docs.github.com/rest";

#[derive(Debug, Clone, thiserror::Error)]
#[error("{status}: {body}")]
pub struct ApiError {
    pub status: u16,
    pub body: Value,
}

impl ApiError {
    pub fn new(status: u16, message: &str) -> ApiError {
        ApiError { status, body: json!({"message": message, "documentation_url": DOCS, "status": status.to_string()}) }
    }

    /// An error whose `documentation_url` points to a page of its own (GitHub's protection refusals do).
    pub fn with_docs(status: u16, message: &str, docs: &str) -> ApiError {
        ApiError { status, body: json!({"message": message, "documentation_url": docs, "status": status.to_string()}) }
    }

    /// `422 Unprocessable Entity` with plain-text errors (`validation-error-simple`), as the reviews API answers.
    pub fn unprocessable_entity(errors: &[&str], docs: &str) -> ApiError {
        ApiError {
            status: 422,
            body: json!({"message": "Unprocessable Entity", "errors": errors, "documentation_url": docs, "status": "422"}),
        }
    }

    /// What an App's installation token is told when its permissions fall short.
    pub fn not_accessible_by_integration() -> ApiError {
        ApiError::new(403, "Resource not accessible by integration")
    }

    pub fn not_found() -> ApiError {
        ApiError::new(404, "Not Found")
    }

    pub fn bad_credentials() -> ApiError {
        ApiError::new(401, "Bad credentials")
    }

    pub fn requires_authentication() -> ApiError {
        ApiError::new(401, "Requires authentication")
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(403, "Resource not accessible by personal access token")
    }

    pub fn unprocessable(message: &str) -> ApiError {
        ApiError::new(422, message)
    }

    /// `422 Validation Failed` with one error naming the resource, the field and the code.
    pub fn validation(resource: &str, field: &str, code: &str) -> ApiError {
        ApiError {
            status: 422,
            body: json!({
                "message": "Validation Failed",
                "errors": [{"resource": resource, "field": field, "code": code}],
                "documentation_url": DOCS,
                "status": "422",
            }),
        }
    }

    /// `422 Validation Failed` with one error naming the resource and the field, with a message of its own.
    pub fn validation_field_message(resource: &str, field: &str, code: &str, message: &str) -> ApiError {
        ApiError {
            status: 422,
            body: json!({
                "message": "Validation Failed",
                "errors": [{"resource": resource, "field": field, "code": code, "message": message}],
                "documentation_url": DOCS,
                "status": "422",
            }),
        }
    }

    /// `422 Validation Failed` with a custom error message.
    pub fn validation_message(resource: &str, message: &str) -> ApiError {
        ApiError {
            status: 422,
            body: json!({
                "message": "Validation Failed",
                "errors": [{"resource": resource, "code": "custom", "message": message}],
                "documentation_url": DOCS,
                "status": "422",
            }),
        }
    }

    /// GitHub's schema refusal of a request that lacks a required field.
    pub fn not_supplied(field: &str) -> ApiError {
        ApiError::unprocessable(&format!("Invalid request.\n\n\"{field}\" wasn't supplied."))
    }

    pub fn bad_request(message: &str) -> ApiError {
        ApiError::new(400, message)
    }

    pub fn git(error: git2::Error) -> ApiError {
        tracing::error!("git: {error}");
        ApiError::new(500, &format!("git: {}", error.message()))
    }

    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!("{error}");
        ApiError::new(500, &error.to_string())
    }
}

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

pub fn parse_query(query: &str) -> BTreeMap<String, String> {
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
