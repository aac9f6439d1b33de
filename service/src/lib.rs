//! A Tencent Cloud VOD signature distribution service and event receiver, ready to copy into a
//! backend.
//!
//! - `GET` or `POST /upload-signature` (header `Authorization: Bearer TOKEN`): checks the
//!   caller with [`auth::authorize`], then answers
//!   `{"code":0,"message":"ok","data":{"signature":"...","expireTime":...}}` with a fresh
//!   signature whose `sourceContext` carries the user, `{"userId":"..."}`. What the signature
//!   allows (validity, `oneTimeValid`, `procedure`, `classId`) is the service's
//!   [`policy::Policy`], never the caller's choice.
//! - `POST /vod/events`: VOD's event callback; a `NewFileUpload` event carries the
//!   signature's `sourceContext` back, so the service learns whose upload finished. With a
//!   `SignKey` set, callbacks without a valid `Sign` get 401. Each event is recorded once in
//!   the [`store`], with its effect on the upload record, before it is answered.
//! - `GET /uploads`, `GET /uploads/{fileId}`: the caller's upload records ([`uploads`]).
//!
//! Every answer carries `Cache-Control: no-store`: a signature is a bearer credential.

pub mod auth;
pub mod events;
pub mod policy;
pub mod pull;
pub mod record;
pub mod reply;
pub mod server;
pub mod signature;
pub mod store;
pub mod tc3;
pub mod uploads;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};
use tencent_vod_signature::{Credentials, SignKey};

use crate::policy::Policy;
use crate::store::Store;

/// What the handlers share.
pub struct App {
    /// The API key pair that signs.
    pub credentials: Credentials,
    /// Bearer token → user id. Stands in for your session store or identity provider.
    pub tokens: HashMap<String, String>,
    /// What every signature allows.
    pub policy: Policy,
    /// The callbacks' `SignKey`, when callbacks must be authenticated.
    pub sign_key: Option<SignKey>,
    /// Where events and upload records are kept.
    pub store: Store,
}

/// The service's routes over `app`.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/upload-signature",
            get(signature::upload_signature).post(signature::upload_signature),
        )
        .route("/vod/events", post(events::vod_event))
        .route("/uploads", get(uploads::list))
        .route("/uploads/{file_id}", get(uploads::one))
        .layer(axum::middleware::map_response(no_store))
        .with_state(app)
}

/// Marks every answer as not to be cached: signatures are bearer credentials.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
