//! Serving the routes over HTTP/1.1 with limits for hostile clients, and shutting down
//! gracefully.
//!
//! - A client that has not sent its whole request head within [`Limits::header_read`] is
//!   dropped, so idle or trickling connections cannot pile up.
//! - A request head larger than [`Limits::max_head_bytes`] is answered `431 Request Header
//!   Fields Too Large` and the connection closed.
//! - Bodies are limited per route by the router ([`crate::router`]).
//! - A request that takes longer than [`Limits::request`] is answered `408 Request Timeout`.
//! - On shutdown the listener stops accepting, requests in flight finish, idle connections
//!   are closed, and whatever is still open after [`Limits::shutdown_grace`] is dropped.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt as _;
use tower_http::timeout::TimeoutLayer;

/// The limits the service holds every client to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a client may take to send its request head.
    pub header_read: Duration,
    /// The largest request head, in bytes (hyper's floor is 8 KiB).
    pub max_head_bytes: usize,
    /// How long a request may take once its head is read.
    pub request: Duration,
    /// How long shutdown waits for connections to finish before dropping them.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    /// 10 s to send the head, 16 KiB of head, 10 s per request, 4 s of grace.
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            max_head_bytes: 16 * 1024,
            request: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(4),
        }
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then shuts down
/// gracefully. A failure to accept (a client gone before it was accepted, no file
/// descriptor left) is logged and the loop goes on.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let router = router.layer(TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.request,
    ));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_buf_size(limits.max_head_bytes);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    // Out of file descriptors, say: let connections close before trying again.
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
            // The router never fails: its error type is `Infallible`.
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client's error (timed out, too large, reset) ends its connection only.
            let _ = connection.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace = ?limits.shutdown_grace,
            "shutdown: connections still open after the grace period dropped"
        );
    }
}

/// How long accepting pauses after it failed.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);
