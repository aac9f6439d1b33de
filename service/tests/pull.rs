//! The reliable callback against a stand-in for the VOD API on 127.0.0.1, which checks every
//! request's TC3-HMAC-SHA256 signature (with its own implementation of the algorithm),
//! serves events, and delivers again those not confirmed.

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::runtime::Handle;
use vod_upload_service::App;
use vod_upload_service::policy::Policy;
use vod_upload_service::pull::Puller;

const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

/// What the stand-in holds and saw.
#[derive(Default)]
struct StandIn {
    /// Events not confirmed yet, with their handles.
    pending: Vec<Value>,
    confirmed: Vec<String>,
    actions: Vec<String>,
    bad_signatures: usize,
    /// Lose the next `ConfirmEvents`, as a network might.
    lose_next_confirm: bool,
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
fn chrono_free_date(timestamp: i64) -> String {
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

async fn api(
    State(stand_in): State<Arc<Mutex<StandIn>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Json<Value> {
    let mut state = stand_in.lock().expect("not poisoned");
    let action = headers
        .get("x-tc-action")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    state.actions.push(action.clone());
    let found = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok());
    if found.is_none() || found.map(str::to_owned) != expected_authorization(&headers, &body) {
        state.bad_signatures += 1;
        return Json(json!({ "Response": { "Error": {
            "Code": "AuthFailure.SignatureFailure", "Message": "The provided credentials could not be validated."
        }, "RequestId": "r" } }));
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    match action.as_str() {
        "PullEvents" if state.pending.is_empty() => Json(json!({ "Response": { "Error": {
            "Code": "ResourceNotFound.NoEvent", "Message": "no event"
        }, "RequestId": "r" } })),
        "PullEvents" => {
            Json(json!({ "Response": { "EventSet": state.pending.clone(), "RequestId": "r" } }))
        }
        "ConfirmEvents" if state.lose_next_confirm => {
            state.lose_next_confirm = false;
            Json(
                json!({ "Response": { "Error": { "Code": "InternalError", "Message": "lost" }, "RequestId": "r" } }),
            )
        }
        "ConfirmEvents" => {
            let handles: Vec<String> = request["EventHandles"]
                .as_array()
                .map(|handles| {
                    handles
                        .iter()
                        .filter_map(|h| h.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            state
                .pending
                .retain(|event| !handles.iter().any(|h| event["EventHandle"] == h.as_str()));
            state.confirmed.extend(handles);
            Json(json!({ "Response": { "RequestId": "r" } }))
        }
        _ => Json(json!({ "Response": { "Error": { "Code": "InvalidAction", "Message": "?" } } })),
    }
}

async fn start_stand_in(stand_in: Arc<Mutex<StandIn>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let router = Router::new().route("/", post(api)).with_state(stand_in);
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}/")
}

async fn app() -> Arc<App> {
    Arc::new(common::app(&Policy::default(), "t:alice").await)
}

fn events() -> Vec<Value> {
    vec![
        json!({ "EventHandle": "handle-1", "EventType": "NewFileUpload",
            "FileUploadEvent": { "FileId": "528", "MediaBasicInfo": { "SourceInfo": {
                "SourceType": "Upload", "SourceContext": "{\"userId\":\"alice\"}" } } },
            "ProcedureStateChangeEvent": null }),
        json!({ "EventHandle": "handle-2", "EventType": "ProcedureStateChanged", "FileUploadEvent": null,
            "ProcedureStateChangeEvent": { "TaskId": "t-1", "Status": "FINISH", "ErrCode": 0, "FileId": "528" } }),
    ]
}

/// Whether each of [`events`] is recorded.
async fn recorded(app: &App) -> [bool; 2] {
    let mut found = [false; 2];
    for (found, key) in found
        .iter_mut()
        .zip(["NewFileUpload/528", "ProcedureStateChanged/t-1/FINISH"])
    {
        *found = app.store.has_event(key).await.expect("store");
    }
    found
}

/// One round of `puller`, off the runtime's threads (the puller's client blocks).
async fn round(puller: &Arc<Puller>, app: &Arc<App>) -> Result<usize, String> {
    let (puller, app, runtime) = (Arc::clone(puller), Arc::clone(app), Handle::current());
    tokio::task::spawn_blocking(move || puller.round(&app, &runtime))
        .await
        .expect("no panic")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_pulled_handled_once_and_confirmed_even_when_a_confirmation_is_lost() {
    let stand_in = Arc::new(Mutex::new(StandIn {
        pending: events(),
        lose_next_confirm: true,
        ..StandIn::default()
    }));
    let endpoint = start_stand_in(Arc::clone(&stand_in)).await;
    let puller = Arc::new(Puller::new(&endpoint, SECRET_ID, SECRET_KEY, None).expect("endpoint"));
    let app = app().await;
    // Pulled and handled, but the confirmation is lost: the round fails...
    let first = round(&puller, &app).await;
    assert!(
        first
            .as_ref()
            .is_err_and(|error| error.starts_with("InternalError")),
        "{first:?}"
    );
    assert_eq!(recorded(&app).await, [true, true]);
    // ...so both come again, are recognised as repeats, and are confirmed.
    assert_eq!(round(&puller, &app).await, Ok(2));
    assert_eq!(recorded(&app).await, [true, true], "recorded once");
    let upload = app.store.upload("alice", "528").await.expect("store");
    assert_eq!(
        upload.map(|upload| upload.status),
        Some("finished".to_owned()),
        "both events merged into alice's upload"
    );
    // Nothing left: the long poll ends with no event.
    assert_eq!(round(&puller, &app).await, Ok(0));
    let state = stand_in.lock().expect("not poisoned");
    assert_eq!(state.confirmed, ["handle-1", "handle-2"]);
    assert!(state.pending.is_empty());
    assert_eq!(state.bad_signatures, 0, "every request was signed right");
    assert_eq!(
        state.actions,
        [
            "PullEvents",
            "ConfirmEvents",
            "PullEvents",
            "ConfirmEvents",
            "PullEvents"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_puller_with_another_key_is_refused_and_handles_nothing() {
    let stand_in = Arc::new(Mutex::new(StandIn {
        pending: events(),
        ..StandIn::default()
    }));
    let endpoint = start_stand_in(Arc::clone(&stand_in)).await;
    let puller =
        Arc::new(Puller::new(&endpoint, SECRET_ID, "another key", None).expect("endpoint"));
    let app = app().await;
    let refused = round(&puller, &app).await;
    assert!(refused.is_err_and(|error| error.starts_with("AuthFailure.SignatureFailure")));
    assert_eq!(recorded(&app).await, [false, false]);
    let state = stand_in.lock().expect("not poisoned");
    assert_eq!((state.bad_signatures, state.pending.len()), (1, 2));
}

#[test]
fn the_stand_ins_dates_agree_with_the_page() {
    assert_eq!(chrono_free_date(1_551_113_065), "2019-02-25");
    assert_eq!(chrono_free_date(951_782_400), "2000-02-29");
}
