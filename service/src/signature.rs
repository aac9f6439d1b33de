//! `GET` and `POST /upload-signature`: a fresh signature for an authorised caller.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};

use crate::App;
use crate::reply::reply;
use crate::telemetry::Minted;

/// What a successful answer carries in `data`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignatureData<'a> {
    signature: &'a str,
    expire_time: u64,
}

/// Answers an authorised caller with a fresh signature made by the service's signer; the
/// query and body are not read (the caller chooses nothing). Every call mints a distinct
/// signature: the web upload SDK asks before every request. The request's log line names
/// the user and `expireTime`, never the signature (a bearer credential).
pub async fn upload_signature(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let user = match app.auth.authorize(&headers) {
        Ok(user) => user,
        Err(refusal) => {
            tracing::info!(reason = %refusal, "upload-signature: refused");
            refused("unauthorized");
            return reply(
                StatusCode::UNAUTHORIZED,
                4001,
                "missing or unknown bearer token",
                Value::Null,
            );
        }
    };
    if let Some(Err(wait)) = app.limiter.as_ref().map(|limiter| limiter.check(&user)) {
        let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        tracing::info!(%user, retry_after, "upload-signature: rate limited");
        refused("rate_limited");
        let mut response = reply(
            StatusCode::TOO_MANY_REQUESTS,
            4029,
            "too many signatures; try again later",
            json!({ "retryAfter": retry_after }),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
        return response;
    }
    let request = app
        .signer
        .request()
        .source_context(json!({ "userId": user }).to_string());
    match app.signer.sign(&request) {
        Ok(signed) => {
            metrics::counter!("vod_signatures_minted_total").increment(1);
            let mut response = reply(
                StatusCode::OK,
                0,
                "ok",
                SignatureData {
                    signature: signed.as_str(),
                    expire_time: signed.expire_time(),
                },
            );
            // The request's log line names the user and expireTime (telemetry::ObserveLayer).
            response.extensions_mut().insert(Minted {
                user,
                expire_time: signed.expire_time(),
            });
            response
        }
        Err(error) => {
            // The crate's errors never contain the key.
            tracing::error!(%user, %error, "upload-signature: signing failed");
            refused("signing_failed");
            reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                5000,
                "signing failed",
                Value::Null,
            )
        }
    }
}

fn refused(reason: &'static str) {
    metrics::counter!("vod_signatures_refused_total", "reason" => reason).increment(1);
}
