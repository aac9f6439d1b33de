//! What an accepted event records: its key (each event counts once, whichever replica receives
//! it), its raw JSON (kept for audit), and its effect on the upload record of its file.
//!
//! The FileId and TaskId become keys, so their shape is checked before anything is recorded:
//! a FileId is at most [`MAX_FILE_ID_LEN`] digits, a TaskId at most [`MAX_TASK_ID_LEN`]
//! letters, digits, `-` and `_`.

use std::fmt;

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tencent_vod_signature::{Event, EventKind, FileUpload, ProcedureStateChange};

/// The longest FileId accepted (VOD's are 19 digits today).
pub const MAX_FILE_ID_LEN: usize = 32;

/// The longest TaskId accepted (VOD's are `APPID-procedurev2-` and a hex digest, about 60).
pub const MAX_TASK_ID_LEN: usize = 128;

/// The longest task-flow `Status` accepted (VOD sends `PROCESSING` and `FINISH`).
const MAX_STATUS_LEN: usize = 32;

/// Where an upload stands. It only moves forward: uploaded, processing, then finished or
/// failed, whatever order the events arrive in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// `NewFileUpload` received: the file is in VOD.
    Uploaded,
    /// The task flow has started.
    Processing,
    /// The task flow finished with `ErrCode` 0.
    Finished,
    /// The task flow finished with another `ErrCode`.
    Failed,
}

impl Status {
    /// The name stored and shown: `uploaded`, `processing`, `finished`, `failed`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uploaded => "uploaded",
            Self::Processing => "processing",
            Self::Finished => "finished",
            Self::Failed => "failed",
        }
    }
}

/// A content review's verdict (`Suggestion`), mildest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Suggestion {
    /// `pass`: publish.
    Pass,
    /// `review`: a person should look.
    Review,
    /// `block`: do not publish.
    Block,
}

impl Suggestion {
    /// The name stored and shown: `pass`, `review`, `block`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Review => "review",
            Self::Block => "block",
        }
    }

    /// VOD's spelling in either case; `None` for anything else.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pass, Self::Review, Self::Block]
            .into_iter()
            .find(|suggestion| text.eq_ignore_ascii_case(suggestion.as_str()))
    }
}

/// What one event changes in the upload record of its file; `None` members change nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadChange {
    /// The file.
    pub file_id: String,
    /// The user, read from the `sourceContext` this service signed (upload events only).
    pub user_id: Option<String>,
    /// Where the event puts the upload (it never moves back).
    pub status: Status,
    /// Whether this is the upload event, whose arrival is the upload time.
    pub uploaded: bool,
    /// The media's name.
    pub name: Option<String>,
    /// The media's URL.
    pub media_url: Option<String>,
    /// The cover's URL.
    pub cover_url: Option<String>,
    /// The size in bytes.
    pub size: Option<i64>,
    /// The duration in seconds.
    pub duration: Option<f64>,
    /// The task flow's TaskId.
    pub procedure_task_id: Option<String>,
    /// The task flow's `Status` as VOD sent it (`PROCESSING`, `FINISH`).
    pub task_status: Option<String>,
    /// The task flow's `ErrCode`.
    pub err_code: Option<i64>,
    /// The task flow's `Message`.
    pub message: Option<String>,
    /// The most severe content-review verdict the task flow carries.
    pub review_suggestion: Option<Suggestion>,
}

/// What the store keeps of one accepted event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Unique per event: `NewFileUpload/FILEID`, `ProcedureStateChanged/TASKID/STATUS`, or for
    /// other types the type and a digest of the event without its `Sign`, `T` and
    /// `EventHandle` (which change between deliveries).
    pub key: String,
    /// `EventType`.
    pub event_type: String,
    /// The event's JSON, as received.
    pub raw: String,
    /// Its effect on an upload record, for the two types the service understands.
    pub upload: Option<UploadChange>,
}

/// Why an event cannot be recorded: a FileId, TaskId or Status that cannot be a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// Which member.
    pub member: &'static str,
    /// What it must be.
    pub expected: &'static str,
    /// Its length in characters (the value itself may be huge, so it is not repeated).
    pub len: usize,
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} characters is not {}",
            self.member, self.len, self.expected
        )
    }
}

impl std::error::Error for ShapeError {}

impl EventRecord {
    /// What `event` records.
    ///
    /// # Errors
    ///
    /// [`ShapeError`] when its FileId, TaskId or task `Status` cannot be a key.
    pub fn of(event: &Event) -> Result<Self, ShapeError> {
        let (key, upload) = match event.kind() {
            EventKind::NewFileUpload(upload) => {
                let change = upload_change(upload, event.raw())?;
                (format!("NewFileUpload/{}", change.file_id), Some(change))
            }
            EventKind::ProcedureStateChanged(change) => {
                let status = change.status().unwrap_or_default();
                check_shape(
                    "Status",
                    status,
                    MAX_STATUS_LEN,
                    "1 to 32 capital letters and _",
                    |byte| byte.is_ascii_uppercase() || byte == b'_',
                )?;
                let task_id = check_task_id(change.task_id())?;
                let effect = task_change(change, event.raw())?;
                (format!("ProcedureStateChanged/{task_id}/{status}"), effect)
            }
            _ => (other_key(event), None),
        };
        Ok(Self {
            key,
            event_type: event.event_type().to_owned(),
            raw: event.raw().to_string(),
            upload,
        })
    }

    /// The file the event is about, if any.
    #[must_use]
    pub fn file_id(&self) -> Option<&str> {
        self.upload.as_ref().map(|change| change.file_id.as_str())
    }

    /// The event's one log line.
    #[must_use]
    pub fn line(&self) -> String {
        match &self.upload {
            Some(change) if change.uploaded => match &change.user_id {
                Some(user) => format!("upload {} finished for user {user:?}", change.file_id),
                None => format!(
                    "upload {} finished, its sourceContext names no user",
                    change.file_id
                ),
            },
            Some(change) => format!(
                "task {} {} (ErrCode {}) for file {}: {}",
                change.procedure_task_id.as_deref().unwrap_or("?"),
                change.task_status.as_deref().unwrap_or("?"),
                change
                    .err_code
                    .map_or_else(|| "?".to_owned(), |code| code.to_string()),
                change.file_id,
                change.status.as_str()
            ),
            None => format!("{} event, kept for audit only", self.event_type),
        }
    }

    /// What the callback's answer tells in `data` (without `repeated`).
    #[must_use]
    pub fn data(&self) -> Value {
        match &self.upload {
            Some(change) if change.uploaded => {
                json!({ "fileId": change.file_id, "userId": change.user_id })
            }
            Some(change) => json!({
                "taskId": change.procedure_task_id,
                "status": change.task_status,
                "fileId": change.file_id,
            }),
            None => json!({ "eventType": self.event_type }),
        }
    }
}

fn upload_change(upload: &FileUpload, raw: &Value) -> Result<UploadChange, ShapeError> {
    let file_id = check_file_id(upload.file_id())?.to_owned();
    let procedure_task_id = upload.procedure_task_id().map(check_task_id).transpose()?;
    // The sourceContext is what this service signed: `{"userId":"..."}`.
    let user_id = upload
        .source_context()
        .and_then(|context| serde_json::from_str::<Value>(context).ok())
        .and_then(|context| context.get("userId")?.as_str().map(str::to_owned));
    let info = &raw["FileUploadEvent"]["MediaBasicInfo"];
    let meta = &raw["FileUploadEvent"]["MetaData"];
    Ok(UploadChange {
        file_id,
        user_id,
        status: Status::Uploaded,
        uploaded: true,
        name: text(&info["Name"]),
        media_url: text(&info["MediaUrl"]),
        cover_url: text(&info["CoverUrl"]),
        size: meta["Size"].as_i64(),
        duration: meta["Duration"].as_f64(),
        procedure_task_id: procedure_task_id.map(str::to_owned),
        task_status: None,
        err_code: None,
        message: None,
        review_suggestion: None,
    })
}

/// A task-flow event's effect, when it names its file (one started by `ProcessMediaByUrl`
/// names none, and is kept for audit only).
fn task_change(
    change: &ProcedureStateChange,
    raw: &Value,
) -> Result<Option<UploadChange>, ShapeError> {
    let Some(file_id) = change.file_id() else {
        return Ok(None);
    };
    let file_id = check_file_id(file_id)?.to_owned();
    let status = match (change.status(), change.err_code()) {
        (Some("FINISH"), None | Some(0)) => Status::Finished,
        (Some("FINISH"), Some(_)) => Status::Failed,
        _ => Status::Processing,
    };
    let event = &raw["ProcedureStateChangeEvent"];
    Ok(Some(UploadChange {
        file_id,
        user_id: None,
        status,
        uploaded: false,
        name: text(&event["FileName"]),
        media_url: text(&event["FileUrl"]),
        cover_url: None,
        size: event["MetaData"]["Size"].as_i64(),
        duration: event["MetaData"]["Duration"].as_f64(),
        procedure_task_id: Some(change.task_id().to_owned()),
        task_status: change.status().map(str::to_owned),
        err_code: change.err_code(),
        message: change.message().map(str::to_owned),
        review_suggestion: review_suggestion(event),
    }))
}

/// The most severe verdict among the task flow's reviews: the current audio-video review
/// (`ReviewAudioVideoTask.Output.Suggestion`) and the older AI content review, whose every
/// entry of `AiContentReviewResultSet` holds one `…Task` per kind (`PornTask`,
/// `TerrorismOcrTask`, …) with its `Output.Suggestion`.
fn review_suggestion(event: &Value) -> Option<Suggestion> {
    let current = event.pointer("/ReviewAudioVideoTask/Output/Suggestion");
    let older = event["AiContentReviewResultSet"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|result| {
            result
                .iter()
                .filter(|(name, _)| name.ends_with("Task"))
                .filter_map(|(_, task)| task.pointer("/Output/Suggestion"))
        });
    current
        .into_iter()
        .chain(older)
        .filter_map(|suggestion| Suggestion::parse(suggestion.as_str()?))
        .max()
}

fn text(value: &Value) -> Option<String> {
    value
        .as_str()
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// A key for an event type the service does not act on.
fn other_key(event: &Event) -> String {
    let mut stable = event.raw().clone();
    if let Some(members) = stable.as_object_mut() {
        for changing in ["Sign", "T", "EventHandle"] {
            members.remove(changing);
        }
    }
    let digest = Sha256::digest(stable.to_string().as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("Other/{hex}")
}

/// A FileId that can be a key: 1 to [`MAX_FILE_ID_LEN`] ASCII digits.
///
/// # Errors
///
/// [`ShapeError`] naming `FileId` otherwise.
pub fn check_file_id(file_id: &str) -> Result<&str, ShapeError> {
    check_shape(
        "FileId",
        file_id,
        MAX_FILE_ID_LEN,
        "1 to 32 digits",
        |byte| byte.is_ascii_digit(),
    )
}

/// A TaskId that can be a key: 1 to [`MAX_TASK_ID_LEN`] ASCII letters, digits, `-` and `_`.
///
/// # Errors
///
/// [`ShapeError`] naming `TaskId` otherwise.
pub fn check_task_id(task_id: &str) -> Result<&str, ShapeError> {
    check_shape(
        "TaskId",
        task_id,
        MAX_TASK_ID_LEN,
        "1 to 128 letters, digits, - and _",
        |byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_',
    )
}

fn check_shape<'a>(
    member: &'static str,
    value: &'a str,
    max_len: usize,
    expected: &'static str,
    allowed: impl Fn(u8) -> bool,
) -> Result<&'a str, ShapeError> {
    if value.is_empty() || value.len() > max_len || !value.bytes().all(allowed) {
        return Err(ShapeError {
            member,
            expected,
            len: value.chars().count(),
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> Result<EventRecord, ShapeError> {
        EventRecord::of(&Event::parse(json.as_bytes()).expect("an event"))
    }

    #[test]
    fn an_upload_records_the_user_and_the_media_facts() {
        let record = record(
            r#"{"EventType":"NewFileUpload","FileUploadEvent":{"FileId":"5285890784246869930",
                "MediaBasicInfo":{"Name":"holiday","MediaUrl":"https://v.example/f.mp4","CoverUrl":"",
                "SourceInfo":{"SourceContext":"{\"userId\":\"alice\"}"}},
                "MetaData":{"Size":1048576,"Duration":12.5},"ProcedureTaskId":"1250-procedurev2-ab"}}"#,
        )
        .expect("recordable");
        assert_eq!(record.key, "NewFileUpload/5285890784246869930");
        let change = record.upload.expect("an upload");
        assert_eq!(change.user_id.as_deref(), Some("alice"));
        assert_eq!(change.status, Status::Uploaded);
        assert_eq!(change.name.as_deref(), Some("holiday"));
        assert_eq!(change.media_url.as_deref(), Some("https://v.example/f.mp4"));
        assert_eq!(change.cover_url, None, "empty means none");
        assert_eq!(
            (change.size, change.duration),
            (Some(1_048_576), Some(12.5))
        );
        assert_eq!(
            change.procedure_task_id.as_deref(),
            Some("1250-procedurev2-ab")
        );
    }

    #[test]
    fn a_task_flow_gives_status_and_the_most_severe_verdict() {
        let event = |status: &str, err: i64, review: &str| {
            format!(
                r#"{{"EventType":"ProcedureStateChanged","ProcedureStateChangeEvent":{{
                "TaskId":"1250000001-procedurev2-abc","Status":"{status}","ErrCode":{err},
                "Message":"m","FileId":"528",{review}"SessionContext":""}}}}"#
            )
        };
        let finished = record(&event(
            "FINISH",
            0,
            r#""AiContentReviewResultSet":[{"Type":"Porn","PornTask":{"Output":{"Suggestion":"pass"}}},
                {"Type":"Terrorism.Ocr","TerrorismOcrTask":{"Output":{"Suggestion":"review"}}},
                {"Type":"Political","PoliticalTask":null}],"#,
        ))
        .expect("recordable");
        assert_eq!(
            finished.key,
            "ProcedureStateChanged/1250000001-procedurev2-abc/FINISH"
        );
        let change = finished.upload.expect("names its file");
        assert_eq!(change.status, Status::Finished);
        assert_eq!(change.review_suggestion, Some(Suggestion::Review));
        assert_eq!(change.task_status.as_deref(), Some("FINISH"));
        let blocked = record(&event(
            "FINISH",
            0,
            r#""ReviewAudioVideoTask":{"Output":{"Suggestion":"block"}},"AiContentReviewResultSet":[],"#,
        ))
        .expect("recordable");
        assert_eq!(
            blocked.upload.expect("a file").review_suggestion,
            Some(Suggestion::Block)
        );
        let failed = record(&event("FINISH", 30010, "")).expect("recordable");
        let change = failed.upload.expect("a file");
        assert_eq!(
            (change.status, change.review_suggestion),
            (Status::Failed, None)
        );
        let processing = record(&event("PROCESSING", 0, "")).expect("recordable");
        assert_eq!(
            processing.upload.expect("a file").status,
            Status::Processing
        );
    }

    #[test]
    fn ids_that_cannot_be_keys_are_refused_naming_the_member_not_the_value() {
        let long = "1".repeat(60_000);
        let upload = |file_id: &str| {
            format!(r#"{{"EventType":"NewFileUpload","FileUploadEvent":{{"FileId":"{file_id}"}}}}"#)
        };
        let error = record(&upload(&long)).expect_err("too long");
        assert_eq!(
            error.to_string(),
            "FileId of 60000 characters is not 1 to 32 digits"
        );
        for bad in ["12a", "", "1 2", "١٢"] {
            assert_eq!(record(&upload(bad)).expect_err(bad).member, "FileId");
        }
        let task = |task_id: &str, status: &str| {
            format!(
                r#"{{"EventType":"ProcedureStateChanged","ProcedureStateChangeEvent":{{"TaskId":"{task_id}","Status":"{status}"}}}}"#
            )
        };
        assert!(record(&task(&"a".repeat(128), "FINISH")).is_ok());
        assert_eq!(
            record(&task(&"a".repeat(129), "FINISH"))
                .expect_err("long")
                .member,
            "TaskId"
        );
        assert_eq!(
            record(&task("a/b", "FINISH")).expect_err("slash").member,
            "TaskId"
        );
        assert_eq!(
            record(&task("t-1", "")).expect_err("no status").member,
            "Status"
        );
        assert_eq!(
            record(&task("t-1", "finish/x")).expect_err("status").member,
            "Status"
        );
    }

    #[test]
    fn other_events_are_kept_under_a_key_that_ignores_what_changes_between_deliveries() {
        let first = record(
            r#"{"EventType":"FileDeleted","FileDeleteEvent":{"FileIdSet":["1"]},"Sign":"a","T":1}"#,
        )
        .expect("recordable");
        let again = record(r#"{"EventType":"FileDeleted","FileDeleteEvent":{"FileIdSet":["1"]},"Sign":"b","T":2,"EventHandle":"h"}"#)
            .expect("recordable");
        let other = record(r#"{"EventType":"FileDeleted","FileDeleteEvent":{"FileIdSet":["2"]}}"#)
            .expect("recordable");
        assert_eq!(first.key, again.key);
        assert_ne!(first.key, other.key);
        assert!(first.key.starts_with("Other/"));
        assert_eq!(first.upload, None);
    }
}
