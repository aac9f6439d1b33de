//! VOD's event notifications (feature `events`): typed events from raw bytes, and the check of
//! a callback's `Sign`.
//!
//! After an upload VOD sends `NewFileUpload`, which carries the signature's `sourceContext`
//! back; task flows send `ProcedureStateChanged`, which carries `sessionContext`. Events arrive
//! as the body of an HTTP POST (normal callback, whose `Content-Type` is not guaranteed to be
//! JSON) or from the `PullEvents` API (reliable callback, with an `EventHandle` to confirm).
//! Parsing is tolerant, as Tencent adds members over time: a member may be absent, `null` or
//! unknown; only what an event cannot mean anything without is required.
//!
//! Callback authentication: once a `SignKey` is set on the account (API `ModifyEventConfig`),
//! callbacks carry `Sign` = MD5(SignKey + T) in hex and `T`, the Unix time the notification
//! expires. Where they sit is not documented; like Tencent's other products' callbacks, they
//! are read as top-level members of the body. **The check does not bind the body:** whoever saw
//! one callback can replay others until its `T` passes. Where that matters, use the reliable
//! callback, which the backend pulls with its own signed API calls.

use hmac::digest::CtOutput;
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::time::Timestamp;

/// An event notification, typed where the crate knows its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    kind: EventKind,
    event_type: String,
    event_handle: Option<String>,
    sign: Option<String>,
    expires: Option<u64>,
    raw: Value,
}

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// `NewFileUpload`: an upload finished.
    NewFileUpload(FileUpload),
    /// `ProcedureStateChanged`: a task flow's state changed.
    ProcedureStateChanged(ProcedureStateChange),
    /// Any other event type; the raw JSON is kept in [`Event::raw`].
    Other,
}

/// The members of a `NewFileUpload` event that a backend needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileUpload {
    file_id: String,
    source_context: Option<String>,
    procedure_task_id: Option<String>,
}

impl FileUpload {
    /// `FileId`: the uploaded media's id.
    #[must_use]
    pub fn file_id(&self) -> &str {
        &self.file_id
    }

    /// `MediaBasicInfo.SourceInfo.SourceContext`: the signature's `sourceContext`, echoed back.
    #[must_use]
    pub fn source_context(&self) -> Option<&str> {
        self.source_context.as_deref()
    }

    /// `ProcedureTaskId`: the task flow started by the signature's `procedure`, if any.
    #[must_use]
    pub fn procedure_task_id(&self) -> Option<&str> {
        self.procedure_task_id.as_deref()
    }
}

/// The members of a `ProcedureStateChanged` event that a backend needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureStateChange {
    task_id: String,
    status: Option<String>,
    err_code: Option<i64>,
    message: Option<String>,
    file_id: Option<String>,
    session_context: Option<String>,
    session_id: Option<String>,
}

impl ProcedureStateChange {
    /// `TaskId`: the task flow's id.
    #[must_use]
    pub fn task_id(&self) -> &str {
        &self.task_id
    }

    /// `Status`: `PROCESSING` or `FINISH` (kept as sent; Tencent may add values).
    #[must_use]
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// `ErrCode`: 0 on success.
    #[must_use]
    pub fn err_code(&self) -> Option<i64> {
        self.err_code
    }

    /// `Message`: the error message, if any.
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// `FileId`: the media the task flow processed.
    #[must_use]
    pub fn file_id(&self) -> Option<&str> {
        self.file_id.as_deref()
    }

    /// `SessionContext`: the signature's `sessionContext`, echoed back.
    #[must_use]
    pub fn session_context(&self) -> Option<&str> {
        self.session_context.as_deref()
    }

    /// `SessionId`: the deduplication id of the task flow's request, if one was given.
    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }
}

/// A callback's `SignKey` (API `ModifyEventConfig`): letters and digits, at most 32. Never
/// shown by `Debug`.
#[derive(Clone)]
pub struct SignKey(String);

impl SignKey {
    /// The longest `SignKey` Tencent accepts.
    pub const MAX_LEN: usize = 32;

    /// A `SignKey` from its text.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSignKey`] when it is empty, longer than 32 or not letters and digits
    /// only.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        if key.is_empty()
            || key.len() > Self::MAX_LEN
            || !key.bytes().all(|byte| byte.is_ascii_alphanumeric())
        {
            return Err(Error::InvalidSignKey {
                len: key.chars().count(),
            });
        }
        Ok(Self(key))
    }
}

impl std::fmt::Debug for SignKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignKey(<redacted>)")
    }
}

impl Event {
    /// Parses an event from the raw bytes of a callback's body (or one event of
    /// `PullEvents`'s `EventSet`).
    ///
    /// ```
    /// use tencent_vod_signature::{Event, EventKind};
    ///
    /// let event = Event::parse(br#"{"EventType":"NewFileUpload","FileUploadEvent":{
    ///     "FileId":"5285890784246869930","ProcedureTaskId":null,
    ///     "MediaBasicInfo":{"SourceInfo":{"SourceType":"Upload","SourceContext":"{\"userId\":\"alice\"}"}}},
    ///     "ProcedureStateChangeEvent":null}"#)?;
    /// let EventKind::NewFileUpload(upload) = event.kind() else { panic!("an upload") };
    /// assert_eq!(upload.file_id(), "5285890784246869930");
    /// assert_eq!(upload.source_context(), Some(r#"{"userId":"alice"}"#));
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::MalformedEvent`] when the bytes are not a JSON object with a string
    /// `EventType`, or a known event lacks what it cannot mean anything without (its event
    /// member, `FileId` or `TaskId`).
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let raw: Value = serde_json::from_slice(body).map_err(|error| Error::MalformedEvent {
            reason: format!("not JSON: {error}"),
        })?;
        // serde would read a struct from an array too: an event is an object.
        if !raw.is_object() {
            return Err(Error::MalformedEvent {
                reason: "not a JSON object".to_owned(),
            });
        }
        let wire = Wire::deserialize(&raw).map_err(|error| Error::MalformedEvent {
            reason: error.to_string(),
        })?;
        let missing = |what: &str| Error::MalformedEvent {
            reason: format!("{} without {what}", wire.event_type),
        };
        let kind = match wire.event_type.as_str() {
            "NewFileUpload" => {
                let upload = wire
                    .file_upload_event
                    .ok_or_else(|| missing("FileUploadEvent"))?;
                EventKind::NewFileUpload(FileUpload {
                    file_id: upload.file_id.ok_or_else(|| missing("FileId"))?,
                    source_context: upload
                        .media_basic_info
                        .and_then(|info| info.source_info)
                        .and_then(|source| source.source_context),
                    procedure_task_id: upload.procedure_task_id.filter(|id| !id.is_empty()),
                })
            }
            "ProcedureStateChanged" => {
                let change = wire
                    .procedure_state_change_event
                    .ok_or_else(|| missing("ProcedureStateChangeEvent"))?;
                EventKind::ProcedureStateChanged(ProcedureStateChange {
                    task_id: change.task_id.ok_or_else(|| missing("TaskId"))?,
                    status: change.status,
                    err_code: change.err_code,
                    message: change.message,
                    file_id: change.file_id,
                    session_context: change.session_context,
                    session_id: change.session_id,
                })
            }
            _ => EventKind::Other,
        };
        Ok(Self {
            kind,
            event_type: wire.event_type,
            event_handle: wire.event_handle,
            sign: wire.sign,
            expires: wire.t.and_then(|t| t.seconds()),
            raw,
        })
    }

    /// What the event is about.
    #[must_use]
    pub fn kind(&self) -> &EventKind {
        &self.kind
    }

    /// `EventType`, as sent.
    #[must_use]
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// `EventHandle`: what `ConfirmEvents` takes (reliable callback only).
    #[must_use]
    pub fn event_handle(&self) -> Option<&str> {
        self.event_handle.as_deref()
    }

    /// The whole event as sent.
    #[must_use]
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// Checks the callback's `Sign` against `key` at `now`: `Sign` must be MD5(key + T) in
    /// hex (either case), compared in constant time, and `now` no later than `T + leeway_secs`.
    ///
    /// ```
    /// use tencent_vod_signature::{Event, SignKey, Timestamp};
    ///
    /// // Sign = MD5("abc" + "1700000600"), T = 1700000600.
    /// let event = Event::parse(br#"{"EventType":"Other","Sign":"72939d310c7e73643378be53b1b92896","T":1700000600}"#)?;
    /// let key = SignKey::new("abc")?;
    /// assert!(event.check_sign(&key, Timestamp::from_secs(1_700_000_000), 0).is_ok());
    /// assert!(event.check_sign(&key, Timestamp::from_secs(1_700_000_601), 0).is_err()); // expired
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::MissingSign`] when `Sign` or `T` is absent, [`Error::SignMismatch`] when it is
    /// not MD5(key + T), [`Error::SignExpired`] when `T + leeway_secs` has passed.
    pub fn check_sign(&self, key: &SignKey, now: Timestamp, leeway_secs: u64) -> Result<(), Error> {
        let (Some(sign), Some(expires)) = (&self.sign, self.expires) else {
            return Err(Error::MissingSign);
        };
        let expected: [u8; 16] = Md5::new()
            .chain_update(key.0.as_bytes())
            .chain_update(expires.to_string().as_bytes())
            .finalize()
            .into();
        let found = decode_hex(sign).ok_or(Error::SignMismatch)?;
        // `CtOutput`'s equality compares in constant time.
        if CtOutput::<Md5>::new(expected.into()) != CtOutput::new(found.into()) {
            return Err(Error::SignMismatch);
        }
        if now.as_secs() > expires.saturating_add(leeway_secs) {
            return Err(Error::SignExpired {
                expires,
                now: now.as_secs(),
            });
        }
        Ok(())
    }
}

/// Sixteen bytes from 32 hex digits of either case.
fn decode_hex(hex: &str) -> Option<[u8; 16]> {
    let digits = hex.as_bytes();
    if digits.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let digit = |d: u8| char::from(d).to_digit(16);
        // Two digits below 16 make a value below 256: the cast keeps every bit.
        *byte = (digit(pair[0])? << 4 | digit(pair[1])?) as u8;
    }
    Some(out)
}

/// The wire shape, every member optional: absent, `null` and unknown members are all fine.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Wire {
    event_type: String,
    #[serde(default)]
    event_handle: Option<String>,
    #[serde(default)]
    file_upload_event: Option<WireUpload>,
    #[serde(default)]
    procedure_state_change_event: Option<WireChange>,
    #[serde(default, rename = "Sign")]
    sign: Option<String>,
    #[serde(default, rename = "T")]
    t: Option<WireTime>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireUpload {
    #[serde(default)]
    file_id: Option<String>,
    #[serde(default)]
    media_basic_info: Option<WireMediaInfo>,
    #[serde(default)]
    procedure_task_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireMediaInfo {
    #[serde(default)]
    source_info: Option<WireSourceInfo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireSourceInfo {
    #[serde(default)]
    source_context: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireChange {
    #[serde(default)]
    task_id: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    err_code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    file_id: Option<String>,
    #[serde(default)]
    session_context: Option<String>,
    #[serde(default)]
    session_id: Option<String>,
}

/// `T` as a number or as a string of digits.
#[derive(Deserialize)]
#[serde(untagged)]
enum WireTime {
    Number(u64),
    Text(String),
}

impl WireTime {
    fn seconds(self) -> Option<u64> {
        match self {
            Self::Number(seconds) => Some(seconds),
            Self::Text(text) => text
                .bytes()
                .all(|byte| byte.is_ascii_digit())
                .then(|| text.parse().ok())
                .flatten(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `NewFileUpload` as Tencent's "upload complete" event page shows it, with members
    /// `null`, absent and unknown.
    const UPLOAD: &str = r#"{
        "EventType": "NewFileUpload",
        "EventHandle": "handle-1",
        "FileUploadEvent": {
            "FileId": "5285890784246869930",
            "MediaBasicInfo": {
                "Name": "holiday", "Type": "mp4", "ClassId": 0, "StorageRegion": "ap-chongqing",
                "SourceInfo": { "SourceType": "Upload", "SourceContext": "{\"userId\":\"alice\"}" },
                "SomethingNew": [1, 2]
            },
            "ProcedureTaskId": ""
        },
        "ProcedureStateChangeEvent": null,
        "EditMediaCompleteEvent": null
    }"#;

    #[test]
    fn an_upload_event_gives_its_file_and_the_signatures_source_context() {
        let event = Event::parse(UPLOAD.as_bytes()).expect("an event");
        assert_eq!(event.event_type(), "NewFileUpload");
        assert_eq!(event.event_handle(), Some("handle-1"));
        let EventKind::NewFileUpload(upload) = event.kind() else {
            panic!("{event:?}");
        };
        assert_eq!(upload.file_id(), "5285890784246869930");
        assert_eq!(upload.source_context(), Some(r#"{"userId":"alice"}"#));
        assert_eq!(upload.procedure_task_id(), None, "empty means none");
        assert_eq!(
            event.raw()["FileUploadEvent"]["MediaBasicInfo"]["Name"],
            "holiday"
        );
    }

    #[test]
    fn a_task_flow_event_gives_its_task_and_session() {
        let event = Event::parse(
            br#"{"EventType":"ProcedureStateChanged","FileUploadEvent":null,
                "ProcedureStateChangeEvent":{"TaskId":"1250000001-procedurev2-abc","Status":"FINISH",
                "ErrCode":0,"Message":"SUCCESS","FileId":"528589078","MediaProcessResultSet":[],
                "TasksNotifyMode":"Finish","SessionContext":"ctx","SessionId":"sess-1"}}"#,
        )
        .expect("an event");
        let EventKind::ProcedureStateChanged(change) = event.kind() else {
            panic!("{event:?}");
        };
        assert_eq!(change.task_id(), "1250000001-procedurev2-abc");
        assert_eq!(change.status(), Some("FINISH"));
        assert_eq!(change.err_code(), Some(0));
        assert_eq!(change.message(), Some("SUCCESS"));
        assert_eq!(change.file_id(), Some("528589078"));
        assert_eq!(change.session_context(), Some("ctx"));
        assert_eq!(change.session_id(), Some("sess-1"));
        assert_eq!(event.event_handle(), None);
    }

    #[test]
    fn other_event_types_are_kept_raw() {
        let event =
            Event::parse(br#"{"EventType":"FileDeleted","FileDeleteEvent":{"FileIdSet":["1"]}}"#)
                .expect("an event");
        assert_eq!(event.kind(), &EventKind::Other);
        assert_eq!(event.event_type(), "FileDeleted");
        assert_eq!(event.raw()["FileDeleteEvent"]["FileIdSet"][0], "1");
    }

    #[test]
    fn what_an_event_cannot_mean_anything_without_is_required() {
        for body in [
            "",
            "not json",
            "[]",
            r#"[""]"#,
            r#"["NewFileUpload", null, {"FileId": "1"}]"#,
            "{}",
            r#"{"EventType":7}"#,
            r#"{"EventType":"NewFileUpload"}"#,
            r#"{"EventType":"NewFileUpload","FileUploadEvent":null}"#,
            r#"{"EventType":"NewFileUpload","FileUploadEvent":{}}"#,
            r#"{"EventType":"ProcedureStateChanged","ProcedureStateChangeEvent":{"Status":"FINISH"}}"#,
            &UPLOAD[..UPLOAD.len() / 2],
        ] {
            assert!(
                matches!(
                    Event::parse(body.as_bytes()),
                    Err(Error::MalformedEvent { .. })
                ),
                "{body:?}"
            );
        }
    }

    fn signed(sign: &str, t: &str) -> Event {
        Event::parse(format!(r#"{{"EventType":"FileDeleted","Sign":"{sign}","T":{t}}}"#).as_bytes())
            .expect("an event")
    }

    #[test]
    fn the_sign_is_md5_of_key_and_t_in_either_case_until_t() {
        // Reference values from Python's hashlib: md5(b"Ab12cd1700000600").
        let key = SignKey::new("Ab12cd").expect("a key");
        let now = Timestamp::from_secs(1_700_000_000);
        for (sign, t) in [
            ("e4a1ec1c9e5eec48d70bb30c9eed5a4a", "1700000600"),
            ("E4A1EC1C9E5EEC48D70BB30C9EED5A4A", "1700000600"),
            ("e4a1ec1c9e5eec48d70bb30c9eed5a4a", "\"1700000600\""),
        ] {
            assert_eq!(
                signed(sign, t).check_sign(&key, now, 0),
                Ok(()),
                "{sign} {t}"
            );
        }
        let event = signed("e4a1ec1c9e5eec48d70bb30c9eed5a4a", "1700000600");
        let at = |secs| Timestamp::from_secs(secs);
        assert_eq!(event.check_sign(&key, at(1_700_000_600), 0), Ok(()));
        assert_eq!(
            event.check_sign(&key, at(1_700_000_601), 0),
            Err(Error::SignExpired {
                expires: 1_700_000_600,
                now: 1_700_000_601
            })
        );
        assert_eq!(event.check_sign(&key, at(1_700_000_660), 60), Ok(()));
        let other = SignKey::new("Ab12ce").expect("a key");
        assert_eq!(event.check_sign(&other, now, 0), Err(Error::SignMismatch));
        for (sign, t) in [
            ("e4a1ec1c9e5eec48d70bb30c9eed5a4b", "1700000600"),
            ("e4a1ec1c9e5eec48d70bb30c9eed5a4a", "1700000601"),
            ("e4a1ec1c9e5eec48d70bb30c9eed5a4", "1700000600"),
            ("z4a1ec1c9e5eec48d70bb30c9eed5a4a", "1700000600"),
        ] {
            assert_eq!(
                signed(sign, t).check_sign(&key, now, 0),
                Err(Error::SignMismatch),
                "{sign} {t}"
            );
        }
        let unsigned = Event::parse(UPLOAD.as_bytes()).expect("an event");
        assert_eq!(unsigned.check_sign(&key, now, 0), Err(Error::MissingSign));
        let no_t = Event::parse(br#"{"EventType":"X","Sign":"e4a1ec1c9e5eec48d70bb30c9eed5a4a"}"#)
            .expect("an event");
        assert_eq!(no_t.check_sign(&key, now, 0), Err(Error::MissingSign));
    }

    #[test]
    fn a_sign_key_is_letters_and_digits_and_never_shown() {
        assert!(SignKey::new("a".repeat(32)).is_ok());
        for bad in [
            String::new(),
            "a".repeat(33),
            "with space".to_owned(),
            "视频".to_owned(),
        ] {
            assert!(
                matches!(SignKey::new(bad.clone()), Err(Error::InvalidSignKey { .. })),
                "{bad:?}"
            );
        }
        let key = SignKey::new("Secret123").expect("a key");
        assert_eq!(format!("{key:?}"), "SignKey(<redacted>)");
    }
}
