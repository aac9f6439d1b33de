//! A Tencent Cloud VOD signature distribution service and event receiver, ready to deploy or
//! to copy into a backend. `service/README.md` is the operator's guide.
//!
//! - `GET` or `POST /upload-signature` (header `Authorization: Bearer TOKEN`): checks the
//!   caller with [`auth::Auth::authorize`], then answers
//!   `{"code":0,"message":"ok","data":{"signature":"...","expireTime":...}}` with a fresh
//!   signature whose `sourceContext` carries the user, `{"userId":"..."}`. What the signature
//!   allows (validity, `oneTimeValid`, `procedure`, `classId`) is the service's
//!   [`policy::Policy`], never the caller's choice; at most `VOD_SIGNATURES_PER_MINUTE` a user.
//! - `POST /vod/events` (callback mode only): VOD's event callback; a `NewFileUpload` event
//!   carries the signature's `sourceContext` back, so the service learns whose upload
//!   finished. Callbacks need a valid `Sign` and are then confirmed with the VOD API
//!   ([`confirm`]); what is recorded is the API's answer. Each event is recorded once in the
//!   [`store`], with its effect on the upload record, before it is answered. In pull mode
//!   ([`pull`]) the route does not exist.
//! - `GET /uploads`, `GET /uploads/{fileId}`: the caller's upload records ([`uploads`]).
//! - `GET /healthz`, `/readyz`, `/metrics` ([`health`]).
//! - `GET /`: the demo page ([`demo`]), unless turned off.
//!
//! Every answer carries `Cache-Control: no-store`: a signature is a bearer credential.
//! Browsers on the origins of `VOD_ALLOWED_ORIGINS` may call the signature and uploads routes.

pub mod auth;
pub mod config;
pub mod confirm;
pub mod demo;
pub mod events;
pub mod health;
#[cfg(test)]
mod kept_output;
pub mod log_line;
pub mod log_writer;
pub mod policy;
pub mod pull;
pub mod rate;
pub mod record;
pub mod reply;
pub mod server;
pub mod signature;
pub mod store;
pub mod tc3;
pub mod telemetry;
pub mod uploads;
pub mod vod_api;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use tencent_vod_signature::Signer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::Auth;
use crate::config::EventMode;
use crate::demo::DemoPage;
use crate::events::CallbackCheck;
use crate::rate::Limiter;
use crate::store::Store;

/// What the handlers share.
pub struct App {
    /// Signs every signature: the credentials and the policy as its template.
    pub signer: Signer,
    /// Who may call.
    pub auth: Auth,
    /// Signatures per user per minute; `None`: no limit.
    pub limiter: Option<Limiter>,
    /// How events come in: callbacks (the default) or the puller.
    pub events: EventMode,
    /// In callback mode, how callbacks are checked; `None`: callbacks are refused with 503.
    pub callbacks: Option<CallbackCheck>,
    /// Where events and upload records are kept.
    pub store: Store,
    /// The origins browsers may call from; empty: none.
    pub allowed_origins: Vec<HeaderValue>,
    /// In pull mode, whether the puller runs (for `/readyz`).
    pub puller_running: Option<Arc<AtomicBool>>,
    /// The demo page served at `/`; `None`: `/` is 404.
    pub demo_page: Option<DemoPage>,
}

impl App {
    /// An app in callback mode with callbacks refused until [`App::callbacks`] is set, no rate
    /// limit, no cross-origin access, no puller and no demo page.
    #[must_use]
    pub fn new(signer: Signer, auth: Auth, store: Store) -> Self {
        Self {
            signer,
            auth,
            limiter: None,
            events: EventMode::Callback,
            callbacks: None,
            store,
            allowed_origins: Vec::new(),
            puller_running: None,
            demo_page: None,
        }
    }
}

/// The largest request body on every route but `/vod/events`, in bytes.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The largest body of `/vod/events`, in bytes: a task flow's event with hundreds of OCR or
/// review segments is over 100 KB.
pub const EVENT_BODY_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// The service's routes over `app`. A body over the route's limit is answered 413 before it
/// is read, and logged with its size.
pub fn router(app: Arc<App>) -> Router {
    // Counters count from here on: the recorder is installed before any route runs.
    telemetry::metrics();
    let mut browser = Router::new()
        .route(
            "/upload-signature",
            get(signature::upload_signature).post(signature::upload_signature),
        )
        .route("/uploads", get(uploads::list))
        .route("/uploads/{file_id}", get(uploads::one));
    if !app.allowed_origins.is_empty() {
        browser = browser
            .layer(
                CorsLayer::new()
                    .allow_origin(AllowOrigin::list(app.allowed_origins.clone()))
                    .allow_methods([Method::GET, Method::POST])
                    .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
            )
            .layer(axum::middleware::from_fn(preflight_no_content));
    }
    let mut routes = Router::new()
        .merge(browser)
        .route("/", get(demo::page))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES));
    // In pull mode the route does not exist: events come only over the service's own calls.
    if app.events == EventMode::Callback {
        routes = routes.merge(
            Router::new()
                .route("/vod/events", post(events::vod_event))
                .layer(RequestBodyLimitLayer::new(EVENT_BODY_LIMIT_BYTES))
                .layer(DefaultBodyLimit::max(EVENT_BODY_LIMIT_BYTES)),
        );
    }
    routes
        // Every answer is not to be cached: signatures are bearer credentials.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(telemetry::ObserveLayer)
        .with_state(app)
}

/// An accepted CORS preflight is answered 204 No Content (tower-http's is 200, empty).
async fn preflight_no_content(request: Request, next: Next) -> Response {
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = next.run(request).await;
    if preflight
        && response.status() == StatusCode::OK
        && response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    {
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    response
}
