//! `GET /healthz` (the process serves), `GET /readyz` (ready for traffic: the store answers
//! and, in pull mode, the puller runs) and `GET /metrics` (Prometheus text). None needs a
//! token: keep them off the public internet.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::App;
use crate::reply::reply;
use crate::telemetry;

/// The process is up and serving.
pub async fn healthz() -> Response {
    reply(StatusCode::OK, 0, "ok", json!({}))
}

/// Ready for traffic: credentials loaded (they are, or the process would not have started),
/// the store reachable, and in pull mode the puller running; 503 naming what is not.
pub async fn readyz(State(app): State<Arc<App>>) -> Response {
    let store = app.store.ping().await.is_ok();
    let puller = app
        .puller_running
        .as_ref()
        .map(|running| running.load(Ordering::Relaxed));
    let checks = json!({ "credentials": true, "store": store, "puller": puller });
    if store && puller != Some(false) {
        reply(StatusCode::OK, 0, "ready", checks)
    } else {
        reply(StatusCode::SERVICE_UNAVAILABLE, 5031, "not ready", checks)
    }
}

/// Every metric, in Prometheus text format.
pub async fn metrics() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        telemetry::metrics().render(),
    )
        .into_response()
}
