//! Logs and metrics: `tracing` lines (text, or JSON with `VOD_LOG_FORMAT=json`, filtered by
//! `RUST_LOG`), and Prometheus metrics rendered at `GET /metrics`.
//!
//! The metrics, all counters but the two histograms:
//!
//! | name | labels |
//! |---|---|
//! | `vod_signatures_minted_total` | |
//! | `vod_signatures_refused_total` | `reason`: `unauthorized`, `rate_limited`, `signing_failed` |
//! | `vod_events_total` | `type`, `outcome`: `recorded`, `repeated`, `refused_malformed`, `refused_sign`, `refused_shape`, `refused_store_down`, `dead_lettered` |
//! | `vod_puller_calls_total` | `action`, `outcome`: `ok`, `no_event`, `error` |
//! | `vod_store_seconds` | `operation` (histogram) |
//! | `http_request_duration_seconds` | `route`, `status` (histogram) |

use std::future::Future;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Starts logging to stderr in `format`, filtered by `RUST_LOG` (default `info`).
pub fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
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

/// Records every request's duration by route and status.
pub async fn measure(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::histogram!(
        "http_request_duration_seconds",
        "route" => route,
        "status" => response.status().as_u16().to_string()
    )
    .record(started.elapsed().as_secs_f64());
    response
}

/// Counts an event by type and outcome.
pub fn event(event_type: &str, outcome: &'static str) {
    // Types are VOD's; anything else is counted as `other`, so labels stay bounded.
    let event_type = match event_type {
        "NewFileUpload" | "ProcedureStateChanged" => event_type.to_owned(),
        _ => "other".to_owned(),
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
