//! `GET` and `POST /upload-signature`: a fresh signature for an authorised caller.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use crate::App;
use crate::auth::authorize;
use crate::reply::reply;

/// What a successful answer carries in `data`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignatureData<'a> {
    signature: &'a str,
    expire_time: u64,
}

/// Answers an authorised caller with a fresh signature made under the service's policy; the
/// query and body are not read (the caller chooses nothing). Every call mints a distinct
/// signature: the web upload SDK asks before every request.
pub async fn upload_signature(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let Some(user) = authorize(&app, &headers) else {
        return reply(
            StatusCode::UNAUTHORIZED,
            4001,
            "missing or unknown bearer token",
            Value::Null,
        );
    };
    match app.policy.builder_for(user).sign(&app.credentials) {
        Ok(signed) => reply(
            StatusCode::OK,
            0,
            "ok",
            SignatureData {
                signature: signed.as_str(),
                expire_time: signed.expire_time(),
            },
        ),
        Err(error) => {
            // The crate's errors never contain the key.
            eprintln!("upload-signature: signing for user {user:?} failed: {error}");
            reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                5000,
                "signing failed",
                Value::Null,
            )
        }
    }
}
