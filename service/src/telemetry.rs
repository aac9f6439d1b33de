//! Logs and metrics: `tracing` lines (text, or JSON with `VOD_LOG_FORMAT=json`, filtered by
//! `RUST_LOG`), and Prometheus metrics rendered at `GET /metrics`.
//!
//! The metrics, all counters but the two histograms:
//!
//! | name | labels |
//! |---|---|
//! | `vod_signatures_minted_total` | |
//! | `vod_signatures_refused_total` | `reason`: `unauthorized`, `rate_limited`, `signing_failed` |
//! | `vod_events_total` | `type`, `outcome`: `recorded`, `repeated`, `refused_not_configured`, `refused_malformed`, `refused_sign`, `refused_shape`, `refused_forged`, `refused_api_down`, `refused_store_down`, `ignored_unconfirmable`, `dead_lettered` |
//! | `vod_api_calls_total` | `action`, `outcome`: `ok`, `api_error`, `http_error`, `transport_error`, `malformed` |
//! | `vod_store_seconds` | `operation` (histogram) |
//! | `http_request_duration_seconds` | `route`, `status` (histogram) |

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::io::IsTerminal as _;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tower::{Layer, Service};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;
use crate::log_line::Line;
use crate::log_writer::{self, Flusher};

/// Starts logging to stderr in `format` (text lines are [`Line`]s), filtered by `RUST_LOG`
/// (default `info`). Lines are formatted on the thread that logs and written by a thread of
/// their own, in batches ([`crate::log_writer`]): a request does not wait for a write, and
/// none is dropped. Keep the [`Flusher`] until the process ends: dropping it writes what is
/// waiting.
///
/// # Panics
///
/// If the writer thread cannot be started (the process is out of threads or memory at
/// start), as `tracing-appender`'s `non_blocking` does.
pub fn init_logs(format: LogFormat) -> Flusher {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, flusher) =
        log_writer::batched(std::io::stderr()).expect("the log writer thread starts");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(writer);
    match format {
        LogFormat::Text => builder.event_format(Line).init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
    flusher
}

/// The process's metrics recorder, installed on first use; its handle renders them.
pub fn metrics() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.000_1, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                2.5, 5.0, 10.0,
            ])
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Only this function installs a recorder, once.
        metrics::set_global_recorder(recorder).expect("no other recorder is installed");
        handle
    })
}

/// What the signature route tells the request's log line: the signature minted (never the
/// signature itself, a bearer credential).
#[derive(Debug, Clone)]
pub struct Minted {
    /// Whose it is.
    pub user: String,
    /// Its `expireTime`.
    pub expire_time: u64,
}

/// Why a request was refused, for its log line: set by the handler that refused it.
#[derive(Debug, Clone)]
pub struct Refused(pub String);

/// Every request's one log line (method, route, status, latency; for a signature minted, its
/// user and `expireTime` too; for a refusal, at `warn`, its reason, or for a body over the
/// limit its declared size) and its duration in `http_request_duration_seconds`: the layer
/// around every route.
///
/// A tower layer of its own rather than tower-http's `TraceLayer` (a span per request and a
/// second line per signature cost half of `/upload-signature`'s throughput) or axum's
/// `from_fn` (which clones and boxes per request): HACKING.md, "Logs and metrics on the hot
/// path".
#[derive(Debug, Clone, Copy, Default)]
pub struct ObserveLayer;

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe { inner }
    }
}

/// The service [`ObserveLayer`] wraps a route in.
#[derive(Debug, Clone)]
pub struct Observe<S> {
    inner: S,
}

impl<S> Service<Request> for Observe<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Observed<S::Future>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let method = request.method().clone();
        let matched = request.extensions().get::<MatchedPath>().cloned();
        let declared_bytes = request
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
        Observed {
            inner: self.inner.call(request),
            started,
            method,
            matched,
            declared_bytes,
        }
    }
}

pin_project_lite::pin_project! {
    /// A request's answer in the making; logged and timed when it is ready.
    pub struct Observed<F> {
        #[pin]
        inner: F,
        started: Instant,
        method: Method,
        matched: Option<MatchedPath>,
        declared_bytes: Option<u64>,
    }
}

impl<F, E> Future for Observed<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.inner.poll(context));
        if let Ok(response) = &result {
            let route = this
                .matched
                .as_ref()
                .map_or("unmatched", MatchedPath::as_str);
            log_request(
                this.method,
                route,
                *this.started,
                *this.declared_bytes,
                response,
            );
        }
        Poll::Ready(result)
    }
}

fn log_request(
    method: &Method,
    route: &str,
    started: Instant,
    declared_bytes: Option<u64>,
    response: &Response,
) {
    let latency = started.elapsed();
    let status = response.status().as_u16();
    let latency_ms = latency.as_secs_f64() * 1000.0;
    if let Some(minted) = response.extensions().get::<Minted>() {
        tracing::info!(
            %method, route, status, latency_ms,
            user = %minted.user, expire_time = minted.expire_time,
            "request: signature minted"
        );
    } else if let Some(Refused(reason)) = response.extensions().get::<Refused>() {
        tracing::warn!(%method, route, status, latency_ms, %reason, "request refused");
    } else if status == 413 {
        tracing::warn!(
            %method, route, status, latency_ms, declared_bytes,
            "request refused: body over the route's limit"
        );
    } else {
        tracing::info!(%method, route, status, latency_ms, "request");
    }
    request_histogram(route, status).record(latency.as_secs_f64());
}

/// The duration histogram of `route` and `status`, its handle kept per thread: registering a
/// labelled metric allocates and locks, looking up a kept handle does neither.
fn request_histogram(route: &str, status: u16) -> metrics::Histogram {
    thread_local! {
        static HANDLES: RefCell<HashMap<u16, HashMap<String, metrics::Histogram>>> =
            RefCell::new(HashMap::new());
    }
    HANDLES.with(|handles| {
        if let Some(histogram) = handles
            .borrow()
            .get(&status)
            .and_then(|routes| routes.get(route))
        {
            return histogram.clone();
        }
        let histogram = metrics::histogram!(
            "http_request_duration_seconds",
            "route" => route.to_owned(),
            "status" => status.to_string()
        );
        handles
            .borrow_mut()
            .entry(status)
            .or_default()
            .insert(route.to_owned(), histogram.clone());
        histogram
    })
}

/// Counts an event by type and outcome.
pub fn event(event_type: &str, outcome: &'static str) {
    // Types are VOD's; anything else is counted as `other`, so labels stay bounded (and
    // static: no allocation per event).
    let event_type = match event_type {
        "NewFileUpload" => "NewFileUpload",
        "ProcedureStateChanged" => "ProcedureStateChanged",
        _ => "other",
    };
    metrics::counter!("vod_events_total", "type" => event_type, "outcome" => outcome).increment(1);
}

/// Runs a store operation, recording how long it took.
pub async fn store_timed<T>(operation: &'static str, work: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let result = work.await;
    metrics::histogram!("vod_store_seconds", "operation" => operation)
        .record(started.elapsed().as_secs_f64());
    result
}
