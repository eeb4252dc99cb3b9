//! The HTTP client: requests through octocrab, rate limits waited out, GitHub's refusals as typed errors.

use super::*;

pub(super) fn describe_octocrab(e: &octocrab::Error) -> String {
    // octocrab's Display can be terse; its Debug can be long but never holds the token (it is a SecretString).
    let s = e.to_string();
    if s.is_empty() { format!("{e:?}") } else { s }
}

/// The least GitHub asks to wait after a secondary rate limit that names no time ("wait at least one minute").
pub(super) const SECONDARY_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// How long to wait before retrying, for GitHub's rate limits (primary and secondary).
pub(super) fn rate_limit_wait(status: StatusCode, headers: &http::HeaderMap, body: &str) -> Option<Duration> {
    if status != StatusCode::FORBIDDEN && status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(secs) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    if header("x-ratelimit-remaining") == Some("0") {
        let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok())?;
        let now = Timestamp::now().as_second();
        return Some(Duration::from_secs(u64::try_from(reset - now).unwrap_or(0).max(1)));
    }
    // A 429, or a 403 that says it is a secondary rate limit, without a time: GitHub asks for at least a minute.
    let secondary = body.to_ascii_lowercase().contains("secondary rate limit");
    (status == StatusCode::TOO_MANY_REQUESTS || secondary).then_some(SECONDARY_LIMIT_WAIT)
}

/// An error for a request GitHub refused, by kind, with GitHub's message and, for the usual statuses, what to
/// check. A 403 names the permission GitHub said the endpoint accepts, where it said (`x-accepted-github-permissions`,
/// read from the answer by [`GitHubForge::call_on`]).
pub(super) fn api_error(method: &Method, path: &str, status: StatusCode, body: &Value) -> ForgeError {
    api_error_with(method, path, status, body, None)
}

pub(super) fn api_error_with(
    method: &Method,
    path: &str,
    status: StatusCode,
    body: &Value,
    permission: Option<String>,
) -> ForgeError {
    let said = body["message"].as_str().unwrap_or("no message");
    let hint = match (status.as_u16(), &permission) {
        (401, _) => " (the token is missing, wrong or expired)".to_owned(),
        (403, Some(p)) => format!(" (the token lacks a permission: GitHub accepts {p} here)"),
        (403, None) => " (the token lacks a permission: contents and pull requests need write access)".to_owned(),
        (404, _) => " (or the token cannot see the repository)".to_owned(),
        _ => String::new(),
    };
    let message = format!("GitHub answered {} to {method} {path}: {said}{hint}", status.as_u16());
    match status.as_u16() {
        404 => ForgeError::NotFound { message },
        401 | 403 => ForgeError::Forbidden { permission, message },
        409 => ForgeError::Conflict { message },
        405 | 422 => ForgeError::Refused { state: refused::first_line(said), message },
        s if s >= 500 => ForgeError::Transient { message },
        _ => ForgeError::Other(message),
    }
}

/// The longest firedrill waits for a rate limit to reset before giving up on a request.
pub(super) const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(90);

/// How many times one request is retried after a secondary rate limit.
pub(super) const RATE_LIMIT_RETRIES: usize = 3;

impl GitHubForge {
    /// The client, built on first use (inside the async runtime).
    pub(super) fn gh(&self) -> Result<&Octocrab> {
        if let Some(gh) = self.gh.get() {
            return Ok(gh);
        }
        let gh = self.client(&self.token)?;
        Ok(self.gh.get_or_init(|| gh))
    }

    /// A client of the API at `api_url` for `token`, counted with this forge's requests.
    pub(super) fn client(&self, token: &Token) -> Result<Octocrab> {
        let base = self
            .api_url
            .parse::<http::Uri>()
            .map_err(|e| other(format!("bad GitHub API URL `{}`: {e}", crate::git::redact_url(&self.api_url))))?;
        crate::forge::http::client(base, token, self.requests.clone()).map_err(other)
    }

    pub(super) fn repo_path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.owner, self.repo)
    }

    /// Sends one request and returns the status and the JSON body (`Null` when empty), waiting out
    /// secondary rate limits.
    pub(super) async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<(StatusCode, Value)> {
        self.call_on(self.gh()?, method, path, body).await
    }

    /// The approver's client, built on first use.
    pub(super) fn approver_gh(&self) -> Result<Option<&Octocrab>> {
        let Some(a) = &self.approver else { return Ok(None) };
        if let Some(gh) = a.gh.get() {
            return Ok(Some(gh));
        }
        let gh = self.client(&a.token)?;
        Ok(Some(a.gh.get_or_init(|| gh)))
    }

    /// [`call`] with a given client (the drill token's or the approver's).
    pub(super) async fn call_on(
        &self,
        gh: &Octocrab,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value)> {
        for attempt in 0..=RATE_LIMIT_RETRIES {
            let response = match method {
                Method::GET => gh._get(path).await,
                Method::POST => gh._post(path, body).await,
                Method::PUT => gh._put(path, body).await,
                Method::PATCH => gh._patch(path, body).await,
                Method::DELETE => gh._delete(path, body).await,
                _ => return Err(other(format!("unsupported method {method}"))),
            }
            .map_err(|e| ForgeError::Transient { message: format!("{method} {path}: {}", describe_octocrab(&e)) })?;
            let status = response.status();
            let headers = response.headers().clone();
            if let Some(left) =
                headers.get("x-ratelimit-remaining").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok())
            {
                // The lowest seen this run: the budget only grows back at the hour's reset.
                self.remaining.fetch_min(left, std::sync::atomic::Ordering::Relaxed);
            }
            if let Ok(mut last) = self.memo.accepted.lock() {
                *last = headers.get("x-accepted-github-permissions").and_then(|v| v.to_str().ok()).map(str::to_owned);
            }
            let text = gh
                .body_to_string(response)
                .await
                .map_err(|e| other(format!("{method} {path}: {}", describe_octocrab(&e))))?;
            let wait = rate_limit_wait(status, &headers, &text);
            let value = if text.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            };
            match wait {
                Some(d) if attempt < RATE_LIMIT_RETRIES && d <= MAX_RATE_LIMIT_WAIT => {
                    tracing::warn!(%method, path, seconds = d.as_secs(), "GitHub rate limit: waiting before retrying");
                    crate::wait::pause(d).await;
                }
                Some(d) => {
                    let reset = Timestamp::now()
                        .checked_add(jiff::SignedDuration::from_secs(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)))
                        .ok();
                    let until = reset.map_or_else(
                        || "later".to_owned(),
                        |t| format!("until {}", t.strftime("%Y-%m-%d %H:%M:%S UTC")),
                    );
                    return Err(ForgeError::RateLimited {
                        reset,
                        message: format!(
                            "{method} {path}: GitHub's rate limit is spent {until} (a {} s wait, longer than \
                             firedrill waits within a run): this run stops here and the next one carries on where it \
                             stopped",
                            d.as_secs()
                        ),
                    });
                }
                None => return Ok((status, value)),
            }
        }
        Err(ForgeError::RateLimited {
            reset: None,
            message: format!("{method} {path}: still rate limited after {RATE_LIMIT_RETRIES} retries"),
        })
    }

    /// Like [`call`], but any status other than 2xx is an error naming GitHub's message.
    pub(super) async fn ok(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let (status, value) = self.call(method.clone(), path, body).await?;
        if status.is_success() {
            return Ok(value);
        }
        let permission =
            (status == StatusCode::FORBIDDEN).then(|| self.memo.accepted.lock().ok().and_then(|a| a.clone())).flatten();
        Err(api_error_with(&method, path, status, &value, permission))
    }

    pub(super) async fn pull(&self, number: &str) -> Result<Value> {
        self.ok(Method::GET, &self.repo_path(&format!("/pulls/{number}")), None).await
    }
}
