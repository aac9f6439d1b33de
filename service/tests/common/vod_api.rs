//! A stand-in for VOD's API on 127.0.0.1, on a thread and runtime of its own (so that it
//! serves sync and async tests alike, and keeps serving while a test's runtime is blocked).
//!
//! It checks every request's TC3-HMAC-SHA256 signature with its own implementation of the
//! algorithm (Tencent's "Signature v3" steps, its own date arithmetic), and that the `Host`
//! the request was signed for is the address it listens on. It serves `PullEvents` and
//! `ConfirmEvents` from a queue of events, and `DescribeMediaInfos` and `DescribeTaskDetail`
//! from what it was told is genuine ([`StandIn::learn`]). [`Fault`] makes it fail as Tencent's
//! API or a network might.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{SECRET_ID, SECRET_KEY};

/// How the stand-in fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    /// It does not.
    #[default]
    None,
    /// Every call gets HTTP 500 (with a body carrying the pending events, as a confused proxy
    /// might: they must not be handled).
    Http500,
    /// `PullEvents` answers at once with an empty `EventSet`.
    EmptyAtOnce,
    /// `ConfirmEvents` never answers.
    HangConfirm,
    /// `DescribeMediaInfos` and `DescribeTaskDetail` answer `InternalError`.
    DescribeFails,
}

/// What the stand-in holds and saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Events handed out by `PullEvents` until confirmed.
    pub pending: Vec<Value>,
    /// The handles confirmed, in order.
    pub confirmed: Vec<String>,
    /// Every call's action and when it arrived.
    pub calls: Vec<(String, Instant)>,
    /// Calls whose signature or host was wrong.
    pub bad_signatures: usize,
    /// The media `DescribeMediaInfos` knows: FileId to `MediaInfo`.
    pub media: HashMap<String, Value>,
    /// The task flows `DescribeTaskDetail` knows: TaskId to its answer.
    pub tasks: HashMap<String, Value>,
    /// How it fails.
    pub fault: Fault,
    /// Lose the next `ConfirmEvents` (answer `InternalError` after confirming nothing).
    pub lose_next_confirm: bool,
}

impl Seen {
    /// The actions called, in order.
    pub fn actions(&self) -> Vec<&str> {
        self.calls
            .iter()
            .map(|(action, _)| action.as_str())
            .collect()
    }

    /// When each call of `action` arrived.
    pub fn times_of(&self, action: &str) -> Vec<Instant> {
        self.calls
            .iter()
            .filter(|(called, _)| called == action)
            .map(|(_, at)| *at)
            .collect()
    }
}

/// The running stand-in.
#[derive(Clone)]
pub struct StandIn {
    seen: Arc<Mutex<Seen>>,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

impl StandIn {
    /// Starts one on a free port.
    pub fn start() -> Self {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (ready, address) = std::sync::mpsc::channel();
        let state = Arc::clone(&seen);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                let address = listener.local_addr().expect("address");
                let host = format!("127.0.0.1:{}", address.port());
                let router = Router::new()
                    .route("/", post(api))
                    .with_state((state, host));
                ready.send(address).expect("the test waits");
                axum::serve(listener, router).await.expect("serves");
            });
        });
        let address = address.recv().expect("the stand-in starts");
        Self {
            seen,
            endpoint: format!("http://{address}"),
        }
    }

    /// What it holds and saw.
    pub fn seen(&self) -> MutexGuard<'_, Seen> {
        self.seen.lock().expect("not poisoned")
    }

    /// Makes it fail as `fault` says.
    pub fn fail(&self, fault: Fault) {
        self.seen().fault = fault;
    }

    /// Takes `event` (a `NewFileUpload` or `ProcedureStateChanged`, as VOD sends it) as
    /// genuine: the API describes its media or task as the event does.
    pub fn learn(&self, event: &Value) {
        let mut seen = self.seen();
        match event["EventType"].as_str() {
            Some("NewFileUpload") => {
                let upload = &event["FileUploadEvent"];
                let file_id = upload["FileId"].as_str().expect("a FileId").to_owned();
                let info = json!({
                    "FileId": file_id,
                    "BasicInfo": upload["MediaBasicInfo"],
                    "MetaData": upload["MetaData"],
                });
                seen.media.insert(file_id, info);
            }
            Some("ProcedureStateChanged") => {
                let task = &event["ProcedureStateChangeEvent"];
                let task_id = task["TaskId"].as_str().expect("a TaskId").to_owned();
                let answer = json!({
                    "TaskType": "Procedure",
                    "Status": task["Status"],
                    "ProcedureTask": task,
                });
                seen.tasks.insert(task_id, answer);
            }
            other => panic!("the stand-in cannot describe {other:?}"),
        }
    }

    /// Queues events for `PullEvents`.
    pub fn queue(&self, events: impl IntoIterator<Item = Value>) {
        self.seen().pending.extend(events);
    }
}

fn error(code: &str, message: &str) -> Value {
    json!({ "Response": { "Error": { "Code": code, "Message": message }, "RequestId": "stand-in" } })
}

fn answer(members: Value) -> Response {
    let mut response = members;
    response["RequestId"] = json!("stand-in");
    axum::Json(json!({ "Response": response })).into_response()
}

async fn api(
    State((seen, host)): State<(Arc<Mutex<Seen>>, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let action = headers
        .get("x-tc-action")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let fault = {
        let mut seen = seen.lock().expect("not poisoned");
        seen.calls.push((action.clone(), Instant::now()));
        let found = headers
            .get("authorization")
            .and_then(|value| value.to_str().ok());
        let signed_host = headers.get("host").and_then(|value| value.to_str().ok());
        if found.is_none()
            || found.map(str::to_owned) != expected_authorization(&headers, &body)
            || signed_host != Some(host.as_str())
        {
            seen.bad_signatures += 1;
            return axum::Json(error(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated.",
            ))
            .into_response();
        }
        seen.fault
    };
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    match (fault, action.as_str()) {
        (Fault::Http500, _) => {
            let pending = seen.lock().expect("not poisoned").pending.clone();
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(json!({ "Response": { "EventSet": pending, "RequestId": "stand-in" } })),
            )
                .into_response();
        }
        (Fault::EmptyAtOnce, "PullEvents") => return answer(json!({ "EventSet": [] })),
        (Fault::HangConfirm, "ConfirmEvents") => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        (Fault::DescribeFails, "DescribeMediaInfos" | "DescribeTaskDetail") => {
            return axum::Json(error("InternalError", "try again")).into_response();
        }
        _ => {}
    }
    let mut seen = seen.lock().expect("not poisoned");
    match action.as_str() {
        "PullEvents" if seen.pending.is_empty() => {
            axum::Json(error("ResourceNotFound.NoEvent", "no event")).into_response()
        }
        "PullEvents" => answer(json!({ "EventSet": seen.pending.clone() })),
        "ConfirmEvents" if seen.lose_next_confirm => {
            seen.lose_next_confirm = false;
            axum::Json(error("InternalError", "lost")).into_response()
        }
        "ConfirmEvents" => {
            let handles: Vec<String> = request["EventHandles"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|handle| handle.as_str().map(str::to_owned))
                .collect();
            seen.pending
                .retain(|event| !handles.iter().any(|h| event["EventHandle"] == h.as_str()));
            seen.confirmed.extend(handles);
            answer(json!({}))
        }
        "DescribeMediaInfos" => {
            let (mut found, mut missing) = (Vec::new(), Vec::new());
            for id in request["FileIds"].as_array().into_iter().flatten() {
                let id = id.as_str().unwrap_or_default();
                match seen.media.get(id) {
                    Some(info) => found.push(info.clone()),
                    None => missing.push(id.to_owned()),
                }
            }
            answer(json!({ "MediaInfoSet": found, "NotExistFileIdSet": missing }))
        }
        "DescribeTaskDetail" => {
            let task_id = request["TaskId"].as_str().unwrap_or_default();
            match seen.tasks.get(task_id) {
                Some(task) => answer(task.clone()),
                None => axum::Json(error(
                    "InvalidParameterValue.TaskId",
                    "TaskId does not exist",
                ))
                .into_response(),
            }
        }
        _ => axum::Json(error("InvalidAction", "not served by the stand-in")).into_response(),
    }
}

/// The TC3 signature the request should carry, computed here from the spec's steps.
fn expected_authorization(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let header = |name: &str| headers.get(name)?.to_str().ok();
    let timestamp: i64 = header("x-tc-timestamp")?.parse().ok()?;
    let date = chrono_free_date(timestamp);
    let hex = |bytes: &[u8]| -> String { bytes.iter().map(|byte| format!("{byte:02x}")).collect() };
    let canonical = format!(
        "POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
        header("content-type")?,
        header("host")?,
        hex(&Sha256::digest(body))
    );
    let to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{date}/vod/tc3_request\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let hmac = |key: &[u8], message: &str| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
        mac.update(message.as_bytes());
        Some(mac.finalize().into_bytes().to_vec())
    };
    let key = hmac(format!("TC3{SECRET_KEY}").as_bytes(), &date)?;
    let key = hmac(&hmac(&key, "vod")?, "tc3_request")?;
    let signature: String = hmac(&key, &to_sign)?
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Some(format!(
        "TC3-HMAC-SHA256 Credential={SECRET_ID}/{date}/vod/tc3_request, SignedHeaders=content-type;host, Signature={signature}"
    ))
}

/// `YYYY-MM-DD` in UTC by counting days, independently of the service's conversion.
pub fn chrono_free_date(timestamp: i64) -> String {
    let mut days = timestamp / 86_400;
    let mut year = 1970;
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    while days >= if leap(year) { 366 } else { 365 } {
        days -= if leap(year) { 366 } else { 365 };
        year += 1;
    }
    let lengths = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut month = 0;
    while days >= lengths[month] {
        days -= lengths[month];
        month += 1;
    }
    format!("{year:04}-{:02}-{:02}", month + 1, days + 1)
}

/// A `NewFileUpload` as VOD sends it, for `user` (the `sourceContext` the service signs).
pub fn upload_event(file_id: &str, user: &str) -> Value {
    json!({
        "EventType": "NewFileUpload",
        "FileUploadEvent": {
            "FileId": file_id,
            "MediaBasicInfo": {
                "Name": format!("video-{file_id}"),
                "MediaUrl": format!("https://1400000000.vod2.myqcloud.com/{file_id}/f0.mp4"),
                "SourceInfo": {
                    "SourceType": "Upload",
                    "SourceContext": json!({ "userId": user }).to_string(),
                },
            },
            "MetaData": { "Size": 1_048_576, "Duration": 12.5 },
            "ProcedureTaskId": "",
        },
        "ProcedureStateChangeEvent": null,
    })
}

/// A `ProcedureStateChanged` as VOD sends it: `status` `PROCESSING` or `FINISH`, with a
/// content review's `suggestion` when given.
pub fn task_event(file_id: &str, task_id: &str, status: &str, suggestion: Option<&str>) -> Value {
    let mut task = json!({
        "TaskId": task_id, "Status": status, "ErrCode": 0, "Message": "", "FileId": file_id,
        "FileName": format!("video-{file_id}"), "FileUrl": format!("https://1400000000.vod2.myqcloud.com/{file_id}/f0.mp4"),
        "MetaData": { "Size": 1_048_576, "Duration": 12.5 },
    });
    if let Some(suggestion) = suggestion {
        task["AiContentReviewResultSet"] = json!([
            { "Type": "Porn", "PornTask": { "Status": "SUCCESS", "Output": { "Suggestion": suggestion } } }
        ]);
    }
    json!({ "EventType": "ProcedureStateChanged", "FileUploadEvent": null, "ProcedureStateChangeEvent": task })
}

/// `event` as a callback signed with `key`, valid for another five minutes.
pub fn signed(mut event: Value, key: &str) -> String {
    let t = super::now_secs() + 300;
    event["Sign"] = json!(super::sign(key, t));
    event["T"] = json!(t);
    event.to_string()
}
