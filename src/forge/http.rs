//! The GitHub client's HTTP stack: octocrab's own layers, with a request counter below the retry layer.
//!
//! octocrab's default client retries a request after a 5xx or a transport error by sending it again, below
//! everything a caller sees. To report what GitHub's budget was charged, the counter sits under the retry
//! layer (and under redirects): it sees every request that leaves for the network, as the server logs them.
//! The stack is the one `OctocrabBuilder::build` assembles (auth header → base URI → user agent → redirects →
//! retries → hyper), plus the counter.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use http::header::{HeaderValue, USER_AGENT};
use octocrab::service::middleware::auth_header::AuthHeaderLayer;
use octocrab::service::middleware::base_uri::BaseUriLayer;
use octocrab::service::middleware::extra_headers::ExtraHeadersLayer;
use octocrab::service::middleware::retry::RetryConfig;
use octocrab::{AuthState, Octocrab, OctocrabBuilder};

use crate::git::Token;

/// How many times octocrab's retry layer re-sends a request after a 5xx or a transport error (its default).
const RETRIES: usize = 3;

/// Requests sent, shared by every clone of the client.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// Counts each request passed to the inner service.
#[derive(Clone)]
struct Counted<S> {
    inner: S,
    counter: Counter,
}

impl<S, R> tower::Service<R> for Counted<S>
where
    S: tower::Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        self.counter.0.fetch_add(1, Ordering::Relaxed);
        self.inner.call(request)
    }
}

/// An octocrab client for the API at `base`, authenticated with `token`, whose requests `counter` counts.
pub fn client(base: http::Uri, token: &Token, counter: Counter) -> Result<Octocrab, String> {
    let provider = rustls::crypto::ring::default_provider();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider)
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .https_or_http()
        .enable_http1()
        .build();
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
    let mut bearer = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        .map_err(|_| "the token holds characters an HTTP header cannot carry".to_owned())?;
    bearer.set_sensitive(true);
    let stack = tower::ServiceBuilder::new()
        .layer(AuthHeaderLayer::new(Some(bearer), base.clone(), base.clone()))
        .layer(BaseUriLayer::new(base))
        .layer(ExtraHeadersLayer::new(Arc::new(vec![(USER_AGENT, HeaderValue::from_static("firedrill"))])))
        .layer(tower_http::follow_redirect::FollowRedirectLayer::new())
        .layer(tower::retry::RetryLayer::new(RetryConfig::Simple(RETRIES)))
        .layer(tower::layer::layer_fn(move |inner| Counted { inner, counter: counter.clone() }))
        .service(hyper);
    OctocrabBuilder::new_empty()
        .with_service(stack)
        .with_auth(AuthState::None)
        .build()
        .map_err(|e| format!("cannot build the GitHub client: {e}"))
}
