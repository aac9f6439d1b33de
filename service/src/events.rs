//! `POST /vod/events`: VOD's event callback (normal callback mode).
//!
//! The body is read as JSON whatever its `Content-Type`. With a `SignKey` configured
//! (`VOD_EVENT_SIGN_KEY`), an event without a valid, unexpired `Sign` is refused with 401. An
//! accepted event is answered at once, logged as one line (the user, read back from the
//! `sourceContext` this service signed, and the FileId; the TaskId and Status for task flows),
//! and handled once: VOD redelivers, so a repeat (same FileId, or same TaskId and Status) is
//! answered 200 and not handled again. The record of handled events is bounded.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use tencent_vod_signature::{Event, EventKind, Timestamp};

use crate::App;
use crate::reply::{bad_request, reply};

/// The `SignKey` set with `ModifyEventConfig`; unset, callbacks are not authenticated.
pub const SIGN_KEY_VARIABLE: &str = "VOD_EVENT_SIGN_KEY";

/// The clock skew tolerated after a callback's `T`, in seconds.
pub const SIGN_LEEWAY_SECS: u64 = 60;

/// How many handled events are remembered for deduplication (the oldest are forgotten).
pub const REMEMBERED_EVENTS: usize = 10_000;

/// The events handled so far, at most [`REMEMBERED_EVENTS`], oldest first out.
#[derive(Debug, Default)]
pub struct Handled {
    keys: HashSet<String>,
    order: VecDeque<String>,
}

impl Handled {
    /// Records `key`; `false` when it was recorded already.
    pub fn first_time(&mut self, key: &str) -> bool {
        if self.keys.contains(key) {
            return false;
        }
        if self.order.len() == REMEMBERED_EVENTS {
            if let Some(oldest) = self.order.pop_front() {
                self.keys.remove(&oldest);
            }
        }
        self.keys.insert(key.to_owned());
        self.order.push_back(key.to_owned());
        true
    }

    /// How many events are remembered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether none is.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// What identifies an event for deduplication, its one log line, and what the answer tells.
#[must_use]
pub fn describe(event: &Event) -> (String, String, Value) {
    match event.kind() {
        EventKind::NewFileUpload(upload) => {
            // The sourceContext is what this service signed: `{"userId":"..."}`.
            let user = upload
                .source_context()
                .and_then(|context| serde_json::from_str::<Value>(context).ok())
                .and_then(|context| context.get("userId")?.as_str().map(str::to_owned));
            let line = match &user {
                Some(user) => format!("upload {} finished for user {user:?}", upload.file_id()),
                None => format!(
                    "upload {} finished, sourceContext {:?} names no user",
                    upload.file_id(),
                    upload.source_context().unwrap_or_default()
                ),
            };
            (
                format!("NewFileUpload/{}", upload.file_id()),
                line,
                json!({ "fileId": upload.file_id(), "userId": user }),
            )
        }
        EventKind::ProcedureStateChanged(change) => {
            let status = change.status().unwrap_or("?");
            let line = format!(
                "task {} {status} (ErrCode {}) for file {}, sessionContext {:?}",
                change.task_id(),
                change
                    .err_code()
                    .map_or_else(|| "?".to_owned(), |code| code.to_string()),
                change.file_id().unwrap_or("?"),
                change.session_context().unwrap_or_default()
            );
            (
                format!("ProcedureStateChanged/{}/{status}", change.task_id()),
                line,
                json!({ "taskId": change.task_id(), "status": status }),
            )
        }
        _ => (
            format!("{}/{}", event.event_type(), event.raw()),
            format!("{} event, not handled here", event.event_type()),
            Value::Null,
        ),
    }
}

/// VOD's event callback.
pub async fn vod_event(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let event = match Event::parse(&body) {
        Ok(event) => event,
        Err(error) => {
            eprintln!("vod/events: {error} ({} bytes)", body.len());
            return bad_request(&error.to_string());
        }
    };
    if let Some(key) = &app.sign_key {
        let checked = Timestamp::now().and_then(|now| event.check_sign(key, now, SIGN_LEEWAY_SECS));
        if let Err(error) = checked {
            eprintln!("vod/events: refused, {error}");
            return reply(
                StatusCode::UNAUTHORIZED,
                4001,
                &error.to_string(),
                Value::Null,
            );
        }
    }
    reply(StatusCode::OK, 0, "ok", handle(&app, &event))
}

/// Handles an accepted event once, whichever way it came: logs its line (or that it is a
/// repeat) and returns what the answer tells, with `repeated`.
pub fn handle(app: &App, event: &Event) -> Value {
    let (key, line, mut data) = describe(event);
    let first = app
        .handled
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .first_time(&key);
    if first {
        eprintln!("vod/events: {line}");
    } else {
        eprintln!("vod/events: repeated, already handled: {line}");
    }
    if let Value::Object(members) = &mut data {
        members.insert("repeated".to_owned(), Value::Bool(!first));
    }
    data
}

/// The record of handled events, for [`App::handled`](crate::App::handled).
#[must_use]
pub fn handled() -> Mutex<Handled> {
    Mutex::new(Handled::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_of_handled_events_is_bounded_and_forgets_the_oldest() {
        let mut handled = Handled::default();
        assert!(handled.first_time("a"));
        assert!(!handled.first_time("a"));
        for i in 0..REMEMBERED_EVENTS {
            assert!(handled.first_time(&format!("k{i}")));
        }
        assert_eq!(handled.len(), REMEMBERED_EVENTS);
        assert!(handled.first_time("a"), "the oldest was forgotten");
        assert!(!handled.first_time(&format!("k{}", REMEMBERED_EVENTS - 1)));
    }

    #[test]
    fn one_line_names_the_user_and_the_file_or_the_task() {
        let upload = Event::parse(
            br#"{"EventType":"NewFileUpload","FileUploadEvent":{"FileId":"528",
                "MediaBasicInfo":{"SourceInfo":{"SourceContext":"{\"userId\":\"alice\"}"}}}}"#,
        )
        .expect("an event");
        let (key, line, data) = describe(&upload);
        assert_eq!(key, "NewFileUpload/528");
        assert_eq!(line, r#"upload 528 finished for user "alice""#);
        assert_eq!(data, json!({ "fileId": "528", "userId": "alice" }));
        let task = Event::parse(
            br#"{"EventType":"ProcedureStateChanged","ProcedureStateChangeEvent":{"TaskId":"t-1",
                "Status":"FINISH","ErrCode":0,"FileId":"528","SessionContext":"s"}}"#,
        )
        .expect("an event");
        let (key, line, data) = describe(&task);
        assert_eq!(key, "ProcedureStateChanged/t-1/FINISH");
        assert_eq!(
            line,
            r#"task t-1 FINISH (ErrCode 0) for file 528, sessionContext "s""#
        );
        assert_eq!(data, json!({ "taskId": "t-1", "status": "FINISH" }));
    }
}
