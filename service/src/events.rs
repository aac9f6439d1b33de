//! `POST /vod/events`: VOD's event callback (callback mode, the default), and the recording
//! of an accepted event, whichever way it came.
//!
//! A callback is checked in this order, and refused at the first failure, with one log line
//! (the request line of [`crate::telemetry::ObserveLayer`], carrying the reason) and nothing stored:
//!
//! 1. No `SignKey` configured (`VOD_EVENT_SIGN_KEY`): 503, saying to set it or to pull.
//! 2. Not an event (not JSON, no `EventType`, a known type without its FileId or TaskId):
//!    400, the body cut to 1 KiB in the log.
//! 3. No valid, unexpired `Sign`: 401.
//! 4. A FileId or TaskId that cannot be a key: 400, the body cut to 1 KiB in the log.
//! 5. The API contradicts it ([`crate::confirm`]): 403. The API cannot be asked: 503.
//!
//! What the API confirmed is recorded in the store with its effect on the upload record, in
//! one transaction, and only then answered 200 (`data.repeated` tells whether it had been
//! recorded before, by this replica or another). If the store fails, the answer is 503 and
//! nothing is written, so VOD delivers the event again.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use tencent_vod_signature::{Event, SignKey, Timestamp};

use crate::App;
use crate::confirm::{Claim, Confirmed, Refusal, confirm};
use crate::record::EventRecord;
use crate::reply::reply;
use crate::store::{Outcome, StoreError};
use crate::telemetry::{self, Refused, store_timed};
use crate::vod_api::VodApi;

/// The `SignKey` set with `ModifyEventConfig`; unset, callbacks are refused with 503.
pub const SIGN_KEY_VARIABLE: &str = "VOD_EVENT_SIGN_KEY";

/// The clock skew tolerated after a callback's `T`, in seconds.
pub const SIGN_LEEWAY_SECS: u64 = 60;

/// How much of a refused body a log line shows.
pub const LOGGED_BODY_BYTES: usize = 1024;

/// How callbacks are authenticated: the `Sign` check, then the API's confirmation.
#[derive(Debug, Clone)]
pub struct CallbackCheck {
    /// The callbacks' `SignKey`.
    pub sign_key: SignKey,
    /// The API that confirms each callback.
    pub api: VodApi,
}

/// VOD's event callback.
pub async fn vod_event(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let Some(check) = &app.callbacks else {
        telemetry::event("unknown", "refused_not_configured");
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            5033,
            "callbacks are not accepted: set VOD_EVENT_SIGN_KEY to the SignKey of the event \
             configuration, or use VOD_EVENTS=pull",
            "VOD_EVENT_SIGN_KEY is not set".to_owned(),
        );
    };
    let event = match Event::parse(&body) {
        Ok(event) => event,
        Err(error) => {
            telemetry::event("unknown", "refused_malformed");
            return refuse(
                StatusCode::BAD_REQUEST,
                4000,
                &error.to_string(),
                format!("{error}; {} bytes: {}", body.len(), excerpt(&body)),
            );
        }
    };
    if let Err(error) = event.check_sign(&check.sign_key, now(), SIGN_LEEWAY_SECS) {
        telemetry::event(event.event_type(), "refused_sign");
        return refuse(
            StatusCode::UNAUTHORIZED,
            4001,
            &error.to_string(),
            format!("Sign: {error}"),
        );
    }
    let claim = match Claim::of(&event) {
        Ok(claim) => claim,
        Err(error) => {
            telemetry::event(event.event_type(), "refused_shape");
            return refuse(
                StatusCode::BAD_REQUEST,
                4000,
                &error.to_string(),
                format!("{error}; {} bytes: {}", body.len(), excerpt(&body)),
            );
        }
    };
    let record = match confirm(&check.api, &claim).await {
        Ok(Confirmed::Record(record)) => *record,
        Ok(Confirmed::Unconfirmable) => {
            // Acknowledged so that VOD stops delivering it, but nothing of it is kept: the
            // body is unauthenticated and the API cannot vouch for it.
            tracing::info!(
                route = "/vod/events",
                event_type = %excerpt_of(event.event_type()),
                "event not recorded: the API cannot confirm this type"
            );
            telemetry::event(event.event_type(), "ignored_unconfirmable");
            return reply(
                StatusCode::OK,
                0,
                "ok, not recorded: this event type cannot be confirmed",
                json!({ "eventType": event.event_type(), "recorded": false }),
            );
        }
        Ok(Confirmed::Unrecordable { raw, reason }) => {
            return dead_letter(&app, event.event_type(), &raw, &reason).await;
        }
        Err(refusal @ Refusal::Forged(_)) => {
            telemetry::event(event.event_type(), "refused_forged");
            return refuse(
                StatusCode::FORBIDDEN,
                4003,
                "the VOD API does not confirm this event",
                refusal.to_string(),
            );
        }
        Err(refusal @ Refusal::Unavailable(_)) => {
            telemetry::event(event.event_type(), "refused_api_down");
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                5032,
                "the event could not be confirmed with the VOD API; deliver it again",
                refusal.to_string(),
            );
        }
    };
    match record_event(&app, &record, "vod/events").await {
        Ok(data) => reply(StatusCode::OK, 0, "ok", data),
        Err(error) => {
            telemetry::event(&record.event_type, "refused_store_down");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                5030,
                "the event could not be stored; deliver it again",
                format!("store failed: {error}; {}", record.line()),
            )
        }
    }
}

/// A refusal: the answer, with `reason` for the request's log line.
fn refuse(status: StatusCode, code: i32, message: &str, reason: String) -> Response {
    let mut response = reply(status, code, message, Value::Null);
    response.extensions_mut().insert(Refused(reason));
    response
}

/// The API confirmed the event, but what it answered cannot be recorded: kept as a dead
/// letter (it is the API's, so authenticated) and acknowledged, or 503 if even that fails.
async fn dead_letter(app: &App, event_type: &str, raw: &str, reason: &str) -> Response {
    match app
        .store
        .dead_letter(raw, reason, "vod/events (confirmed)", unix_now())
        .await
    {
        Ok(()) => {
            tracing::warn!(route = "/vod/events", %reason, "dead letter: the API's answer cannot be recorded");
            telemetry::event(event_type, "dead_lettered");
            reply(
                StatusCode::OK,
                0,
                "ok, kept as a dead letter",
                json!({ "eventType": event_type, "recorded": false }),
            )
        }
        Err(error) => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            5030,
            "the event could not be stored; deliver it again",
            format!("store failed: {error}"),
        ),
    }
}

/// At most the first 64 bytes of a short text from the body (an `EventType`), for a log line.
fn excerpt_of(text: &str) -> String {
    let end = (0..=text.len().min(64))
        .rev()
        .find(|&end| text.is_char_boundary(end))
        .expect("0 is a char boundary");
    text[..end].to_owned()
}

/// The first [`LOGGED_BODY_BYTES`] of `body`, as text (invalid UTF-8 replaced), marked when
/// cut.
#[must_use]
pub fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(LOGGED_BODY_BYTES)];
    let text = String::from_utf8_lossy(cut);
    if cut.len() < body.len() {
        format!("{text}…")
    } else {
        text.into_owned()
    }
}

/// Records an accepted event once, whichever way it came, and logs its line (or that it is a
/// repeat) under `source`. Returns what the answer tells, with `repeated`.
///
/// # Errors
///
/// [`StoreError`]: nothing was recorded.
pub async fn record_event(
    app: &App,
    record: &EventRecord,
    source: &str,
) -> Result<Value, StoreError> {
    let outcome = store_timed("record", app.store.record(record, unix_now())).await?;
    let repeated = outcome == Outcome::Repeated;
    if repeated {
        tracing::info!(source, key = %record.key, "repeated, recorded before: {}", record.line());
        telemetry::event(&record.event_type, "repeated");
    } else {
        tracing::info!(source, key = %record.key, "{}", record.line());
        telemetry::event(&record.event_type, "recorded");
    }
    let mut data = record.data();
    if let Value::Object(members) = &mut data {
        members.insert("repeated".to_owned(), Value::Bool(repeated));
    }
    Ok(data)
}

/// The wall clock.
fn now() -> Timestamp {
    Timestamp::now().expect("the system clock reads after 1970")
}

/// The wall clock in Unix seconds, as the store keeps time.
#[must_use]
pub fn unix_now() -> i64 {
    i64::try_from(now().as_secs()).expect("Unix seconds of a real clock fit an i64")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_cut_at_a_kibibyte_and_marked() {
        assert_eq!(excerpt(b"{}"), "{}");
        let long = excerpt(&[b'1'; 60_000]);
        assert_eq!(long.len(), LOGGED_BODY_BYTES + "…".len());
        assert!(long.ends_with('…'));
        // A cut through a multi-byte character does not panic.
        let text = "é".repeat(600);
        assert!(excerpt(text.as_bytes()).starts_with("éé"));
    }
}
