//! Confirming a callback with the VOD API before anything of it is recorded.
//!
//! A callback's `Sign` is MD5(SignKey + T): it proves that VOD sent *some* callback with that
//! `T`, and covers no part of the body, so a captured callback can carry any FileId, user or
//! status until `T` passes. The body is therefore only a [`Claim`] of which file or task
//! changed. What is recorded comes from the API's answer to this service's own signed call:
//!
//! - `NewFileUpload`: `DescribeMediaInfos` must list the FileId, and its `SourceContext`
//!   must be the callback's; the user and the media facts are the API's.
//! - `ProcedureStateChanged`: `DescribeTaskDetail` must know the TaskId as a task flow; the
//!   task's status, file and review results are the API's (the current ones, which may be
//!   further along than the callback's).
//!
//! A FileId the API does not have, a TaskId it does not know, a `SourceContext` that differs:
//! [`Refusal::Forged`] (403). Any other answer, an outage, a timeout: [`Refusal::Unavailable`]
//! (503), so VOD delivers the event again. Other event types cannot be confirmed and are not
//! recorded ([`Confirmed::Unconfirmable`]).

use std::fmt;
use std::time::Duration;

use serde_json::{Value, json};
use tencent_vod_signature::{Event, EventKind};

use crate::record::{EventRecord, ShapeError, check_file_id, check_task_id};
use crate::vod_api::{ApiError, VodApi};

/// How long a confirming call may take: well within the callback's own request timeout, so
/// that VOD gets a 503 rather than a timeout.
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(5);

/// What a Sign-checked callback claims: unconfirmed, used only to ask the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// A file was uploaded, with this `SourceContext` (absent and empty are alike).
    Upload {
        /// The claimed FileId, of a key's shape.
        file_id: String,
        /// The claimed `SourceContext`.
        source_context: String,
    },
    /// A task flow changed.
    Task {
        /// The claimed TaskId, of a key's shape.
        task_id: String,
    },
    /// Another event type, which the API cannot confirm.
    Other {
        /// Its `EventType`.
        event_type: String,
    },
}

impl Claim {
    /// What `event` claims.
    ///
    /// # Errors
    ///
    /// [`ShapeError`] when its FileId or TaskId cannot be a key.
    pub fn of(event: &Event) -> Result<Self, ShapeError> {
        Ok(match event.kind() {
            EventKind::NewFileUpload(upload) => Self::Upload {
                file_id: check_file_id(upload.file_id())?.to_owned(),
                source_context: upload.source_context().unwrap_or_default().to_owned(),
            },
            EventKind::ProcedureStateChanged(change) => Self::Task {
                task_id: check_task_id(change.task_id())?.to_owned(),
            },
            _ => Self::Other {
                event_type: event.event_type().to_owned(),
            },
        })
    }
}

/// What the API confirmed.
#[derive(Debug)]
pub enum Confirmed {
    /// The record, made of the API's answer.
    Record(Box<EventRecord>),
    /// The API confirmed the claim, but its answer cannot be recorded (kept as a dead letter).
    Unrecordable {
        /// The answer, as an event.
        raw: String,
        /// Why.
        reason: String,
    },
    /// An event type the API cannot confirm: nothing is recorded.
    Unconfirmable,
}

/// Why a callback is not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The API contradicts the callback (403).
    Forged(String),
    /// The API could not be asked (503: VOD delivers again).
    Unavailable(ApiError),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Forged(reason) => write!(f, "the API contradicts the callback: {reason}"),
            Self::Unavailable(error) => {
                write!(f, "the API could not confirm the callback: {error}")
            }
        }
    }
}

/// Asks the API about `claim`.
///
/// # Errors
///
/// [`Refusal`]: forged, or the API unavailable.
pub async fn confirm(api: &VodApi, claim: &Claim) -> Result<Confirmed, Refusal> {
    let event = match claim {
        Claim::Upload {
            file_id,
            source_context,
        } => confirm_upload(api, file_id, source_context).await?,
        Claim::Task { task_id } => confirm_task(api, task_id).await?,
        Claim::Other { .. } => return Ok(Confirmed::Unconfirmable),
    };
    let raw = event.to_string();
    let record = Event::parse(raw.as_bytes())
        .map_err(|error| error.to_string())
        .and_then(|event| EventRecord::of(&event).map_err(|error| error.to_string()));
    Ok(match record {
        Ok(record) => Confirmed::Record(Box::new(record)),
        Err(reason) => Confirmed::Unrecordable { raw, reason },
    })
}

/// `DescribeMediaInfos`: the upload as the API knows it, as a `NewFileUpload` event.
async fn confirm_upload(
    api: &VodApi,
    file_id: &str,
    claimed_context: &str,
) -> Result<Value, Refusal> {
    let answer = api
        .call(
            "DescribeMediaInfos",
            json!({ "FileIds": [file_id], "Filters": ["basicInfo", "metaData"] }),
            CONFIRM_TIMEOUT,
        )
        .await
        .map_err(Refusal::Unavailable)?;
    let listed = |member: &str| {
        answer[member]
            .as_array()
            .into_iter()
            .flatten()
            .any(|id| id.as_str() == Some(file_id))
    };
    if listed("NotExistFileIdSet") {
        return Err(Refusal::Forged(format!("FileId {file_id} does not exist")));
    }
    let info = answer["MediaInfoSet"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|info| info["FileId"].as_str() == Some(file_id))
        .ok_or_else(|| {
            Refusal::Unavailable(ApiError::Malformed(format!(
                "DescribeMediaInfos lists FileId {file_id} nowhere"
            )))
        })?;
    let basic = &info["BasicInfo"];
    let context = basic
        .pointer("/SourceInfo/SourceContext")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if context != claimed_context {
        return Err(Refusal::Forged(format!(
            "the SourceContext of FileId {file_id} differs from the API's"
        )));
    }
    Ok(json!({
        "EventType": "NewFileUpload",
        "ConfirmedBy": "DescribeMediaInfos",
        "FileUploadEvent": {
            "FileId": file_id,
            "MediaBasicInfo": basic,
            "MetaData": info["MetaData"],
        },
    }))
}

/// `DescribeTaskDetail`: the task flow as the API knows it, as a `ProcedureStateChanged`
/// event.
async fn confirm_task(api: &VodApi, task_id: &str) -> Result<Value, Refusal> {
    let answer = match api
        .call(
            "DescribeTaskDetail",
            json!({ "TaskId": task_id }),
            CONFIRM_TIMEOUT,
        )
        .await
    {
        Ok(answer) => answer,
        Err(error) if error.code().is_some_and(unknown_task) => {
            return Err(Refusal::Forged(format!("TaskId {task_id}: {error}")));
        }
        Err(error) => return Err(Refusal::Unavailable(error)),
    };
    let task_type = answer["TaskType"].as_str().unwrap_or_default();
    if task_type != "Procedure" {
        return Err(Refusal::Forged(format!(
            "TaskId {task_id} is a task of type {task_type:?}, not a task flow"
        )));
    }
    let Some(task) = answer.get("ProcedureTask").filter(|task| task.is_object()) else {
        return Err(Refusal::Unavailable(ApiError::Malformed(
            "DescribeTaskDetail of a task flow without ProcedureTask".to_owned(),
        )));
    };
    let mut task = task.clone();
    // The answer's own TaskId and Status are the task's; the task's members as a fallback.
    task["TaskId"] = json!(task_id);
    if task["Status"].as_str().is_none_or(str::is_empty) {
        task["Status"] = answer["Status"].clone();
    }
    Ok(json!({
        "EventType": "ProcedureStateChanged",
        "ConfirmedBy": "DescribeTaskDetail",
        "ProcedureStateChangeEvent": task,
    }))
}

/// The API's errors for a TaskId it does not know.
fn unknown_task(code: &str) -> bool {
    code == "InvalidParameterValue.TaskId" || code.starts_with("ResourceNotFound")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_check_the_shape_of_their_keys() {
        let claim = |json: &str| Claim::of(&Event::parse(json.as_bytes()).expect("an event"));
        assert_eq!(
            claim(r#"{"EventType":"NewFileUpload","FileUploadEvent":{"FileId":"528589078424"}}"#),
            Ok(Claim::Upload {
                file_id: "528589078424".to_owned(),
                source_context: String::new()
            })
        );
        let long = "1".repeat(60_000);
        let error = claim(&format!(
            r#"{{"EventType":"NewFileUpload","FileUploadEvent":{{"FileId":"{long}"}}}}"#
        ))
        .expect_err("too long");
        assert_eq!(error.member, "FileId");
        assert_eq!(error.len, 60_000);
        assert!(
            claim(r#"{"EventType":"ProcedureStateChanged","ProcedureStateChangeEvent":{"TaskId":"a/b"}}"#)
                .is_err()
        );
        assert_eq!(
            claim(r#"{"EventType":"FileDeleted"}"#),
            Ok(Claim::Other {
                event_type: "FileDeleted".to_owned()
            })
        );
    }

    #[test]
    fn unknown_task_codes_are_the_documented_ones() {
        assert!(unknown_task("InvalidParameterValue.TaskId"));
        assert!(unknown_task("ResourceNotFound"));
        assert!(unknown_task("ResourceNotFound.TaskNotExist"));
        assert!(!unknown_task("InternalError"));
        assert!(!unknown_task("InvalidParameterValue.SubAppId"));
    }
}
