//! The answer shape the upload SDKs' samples expect: `{code, message, data}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

/// `{code, message, data}`, in that order.
#[derive(Serialize)]
struct Reply<'a, T> {
    code: i32,
    message: &'a str,
    data: T,
}

/// An answer with this status, code, message and data.
pub fn reply(status: StatusCode, code: i32, message: &str, data: impl Serialize) -> Response {
    (
        status,
        Json(Reply {
            code,
            message,
            data,
        }),
    )
        .into_response()
}

/// 400 with code 4000 and `message`.
pub fn bad_request(message: &str) -> Response {
    reply(StatusCode::BAD_REQUEST, 4000, message, Value::Null)
}
