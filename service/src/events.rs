//! `POST /vod/events`: VOD's event callback.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::reply::{bad_request, reply};

/// The fields of VOD's event that matter here (Tencent's "upload complete" event).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Event {
    event_type: String,
    file_upload_event: Option<FileUploadEvent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FileUploadEvent {
    file_id: String,
    media_basic_info: Option<MediaBasicInfo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MediaBasicInfo {
    source_info: Option<SourceInfo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SourceInfo {
    source_context: Option<String>,
}

/// VOD's event callback. Protect this endpoint in production (a secret path, or VOD's
/// callback authentication): anyone can post to it.
pub async fn vod_event(body: Bytes) -> Response {
    let event: Event = match serde_json::from_slice(&body) {
        Ok(event) => event,
        Err(error) => {
            eprintln!(
                "vod/events: malformed event ({} bytes): {error}",
                body.len()
            );
            return bad_request(&format!("malformed event: {error}"));
        }
    };
    if event.event_type != "NewFileUpload" {
        eprintln!("vod/events: {} event ignored", event.event_type);
        return reply(
            StatusCode::OK,
            0,
            "ok",
            json!({ "eventType": event.event_type }),
        );
    }
    let Some(upload) = event.file_upload_event else {
        eprintln!("vod/events: NewFileUpload without FileUploadEvent");
        return bad_request("NewFileUpload event without FileUploadEvent");
    };
    let source_context = upload
        .media_basic_info
        .and_then(|info| info.source_info)
        .and_then(|source| source.source_context)
        .unwrap_or_default();
    // The sourceContext is what this service signed: `{"userId":"..."}`.
    let user = serde_json::from_str::<Value>(&source_context)
        .ok()
        .and_then(|context| context.get("userId")?.as_str().map(str::to_owned));
    match &user {
        Some(user) => eprintln!(
            "vod/events: upload {} finished for user {user:?}",
            upload.file_id
        ),
        None => eprintln!(
            "vod/events: upload {} finished, sourceContext {source_context:?} names no user",
            upload.file_id
        ),
    }
    reply(
        StatusCode::OK,
        0,
        "ok",
        json!({ "fileId": upload.file_id, "userId": user }),
    )
}
