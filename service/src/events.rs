//! `POST /vod/events`: VOD's event callback (normal callback mode), and the recording of an
//! accepted event, whichever way it came.
//!
//! The body is read as JSON whatever its `Content-Type`. With a `SignKey` configured
//! (`VOD_EVENT_SIGN_KEY`), an event without a valid, unexpired `Sign` is refused with 401. An
//! accepted event is recorded in the store with its effect on the upload record, in one
//! transaction, and only then answered 200 (`data.repeated` tells whether it had been recorded
//! before, by this replica or another). If the store fails, the answer is 503 and nothing is
//! written, so VOD delivers the event again. Each event is logged as one line.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use tencent_vod_signature::{Event, Timestamp};

use crate::App;
use crate::record::EventRecord;
use crate::reply::{bad_request, reply};
use crate::store::{Outcome, StoreError};
use crate::telemetry::{self, store_timed};

/// The `SignKey` set with `ModifyEventConfig`; unset, callbacks are not authenticated.
pub const SIGN_KEY_VARIABLE: &str = "VOD_EVENT_SIGN_KEY";

/// The clock skew tolerated after a callback's `T`, in seconds.
pub const SIGN_LEEWAY_SECS: u64 = 60;

/// VOD's event callback.
pub async fn vod_event(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let event = match Event::parse(&body) {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(route = "/vod/events", bytes = body.len(), %error, "event refused: malformed");
            telemetry::event("unknown", "refused_malformed");
            return bad_request(&error.to_string());
        }
    };
    if let Some(key) = &app.sign_key
        && let Err(error) = event.check_sign(key, now(), SIGN_LEEWAY_SECS)
    {
        tracing::warn!(route = "/vod/events", %error, "event refused: Sign");
        telemetry::event(event.event_type(), "refused_sign");
        return reply(
            StatusCode::UNAUTHORIZED,
            4001,
            &error.to_string(),
            Value::Null,
        );
    }
    let record = match EventRecord::of(&event) {
        Ok(record) => record,
        Err(error) => {
            tracing::warn!(route = "/vod/events", %error, "event refused: shape");
            telemetry::event(event.event_type(), "refused_shape");
            return bad_request(&error.to_string());
        }
    };
    match record_event(&app, &record, "vod/events").await {
        Ok(data) => reply(StatusCode::OK, 0, "ok", data),
        Err(error) => {
            tracing::error!(route = "/vod/events", %error, event = %record.line(), "event not recorded: store failed");
            telemetry::event(&record.event_type, "refused_store_down");
            reply(
                StatusCode::SERVICE_UNAVAILABLE,
                5030,
                "the event could not be stored; deliver it again",
                Value::Null,
            )
        }
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
