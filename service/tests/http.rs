//! The service over real HTTP on 127.0.0.1:0, called with `ureq`.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use tencent_vod_signature::{Credentials, UnverifiedSignature};
use vod_upload_service::policy::Policy;
use vod_upload_service::router;
use vod_upload_service::server::{Limits, serve};

use common::vod_api::{StandIn, signed};

const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

fn credentials() -> Credentials {
    Credentials::new(SECRET_ID, SECRET_KEY).expect("credentials")
}

/// Starts the service with `policy` on a free loopback port, its callbacks confirmed by a
/// stand-in VOD API; returns its base URL.
async fn start_service(policy: Policy) -> String {
    start_confirmed_by(policy).await.0
}

/// Like [`start_service`], with the stand-in that confirms the callbacks.
async fn start_confirmed_by(policy: Policy) -> (String, StandIn) {
    let stand_in = StandIn::start();
    let app = Arc::new({
        let mut app = common::app(&policy, "token-a:alice,token-b:bob").await;
        common::accept_callbacks(&mut app, &stand_in);
        app
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(serve(
        listener,
        router(app),
        Limits::default(),
        std::future::pending(),
    ));
    (format!("http://{address}"), stand_in)
}

/// What came back: status, headers (lower-case names), JSON body.
struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: Value,
}

/// Mints a signature for the caller of `token` and returns the `sourceContext` it carries,
/// read back without the key as VOD would echo it.
async fn minted_source_context(base: &str, token: &'static str) -> String {
    let answer = call("GET", format!("{base}/upload-signature"), Some(token), None).await;
    let signature = answer.body["data"]["signature"]
        .as_str()
        .expect("signature");
    UnverifiedSignature::decode(signature)
        .expect("decodes")
        .untrusted_fields()
        .source_context()
        .expect("set")
        .to_owned()
}

/// One blocking HTTP call, off the runtime's threads.
async fn call(
    method: &'static str,
    url: String,
    token: Option<&'static str>,
    body: Option<String>,
) -> Answer {
    tokio::task::spawn_blocking(move || {
        let agent = common::agent();
        let bearer = token.map(|token| format!("Bearer {token}"));
        let mut response = match method {
            "GET" => {
                let mut request = agent.get(&url);
                if let Some(bearer) = &bearer {
                    request = request.header("Authorization", bearer);
                }
                request.call()
            }
            _ => {
                let mut request = agent.post(&url);
                if let Some(bearer) = &bearer {
                    request = request.header("Authorization", bearer);
                }
                request
                    .header("Content-Type", "application/json")
                    .send(body.unwrap_or_default())
            }
        }
        .expect("HTTP exchange");
        let status = response.status().as_u16();
        let headers = common::headers_of(&response);
        let text = response.body_mut().read_to_string().expect("body");
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    })
    .await
    .expect("client thread")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_post_answer_alike_with_a_signature_that_verifies_and_carries_the_user() {
    let base = start_service(Policy::default()).await;
    for method in ["GET", "POST"] {
        let answer = call(
            method,
            format!("{base}/upload-signature"),
            Some("token-a"),
            None,
        )
        .await;
        assert_eq!(answer.status, 200, "{method}: {}", answer.body);
        assert_eq!(answer.body["code"], 0);
        assert_eq!(answer.body["message"], "ok");
        assert_eq!(
            answer.headers.get("cache-control").map(String::as_str),
            Some("no-store"),
            "{method}"
        );
        let signature = answer.body["data"]["signature"]
            .as_str()
            .expect("signature");
        let verified = credentials()
            .verify(signature)
            .expect("verifies with the crate");
        let fields = verified.fields();
        assert_eq!(answer.body["data"]["expireTime"], fields.expire_time());
        assert_eq!(fields.source_context(), Some(r#"{"userId":"alice"}"#));
        assert_eq!(fields.expire_time() - fields.current_time_stamp(), 3600);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_is_the_services_and_the_caller_cannot_change_it() {
    let policy = Policy {
        validity_secs: 600,
        one_time_valid: Some(true),
        procedure: Some("LongVideoPreset".to_owned()),
        class_id: Some(7),
        sub_app_id: Some(1_500_012_345),
    };
    let base = start_service(policy).await;
    let answer = call(
        "GET",
        format!("{base}/upload-signature?oneTimeValid=0&classId=1&procedure=Other"),
        Some("token-b"),
        None,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let signature = answer.body["data"]["signature"]
        .as_str()
        .expect("signature");
    let verified = credentials().verify(signature).expect("verifies");
    let fields = verified.fields();
    assert_eq!(fields.one_time_valid(), Some(true));
    assert_eq!(fields.class_id(), Some(7));
    assert_eq!(fields.procedure(), Some("LongVideoPreset"));
    assert_eq!(fields.vod_sub_app_id(), Some(1_500_012_345));
    assert!(fields.original().contains("&vodSubAppId=1500012345"));
    assert_eq!(fields.expire_time() - fields.current_time_stamp(), 600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_callers_get_401_and_every_call_a_distinct_signature() {
    let base = start_service(Policy::default()).await;
    for token in [None, Some("nobody")] {
        let answer = call("GET", format!("{base}/upload-signature"), token, None).await;
        assert_eq!(answer.status, 401, "{token:?}");
        assert_eq!(answer.body["code"], 4001);
        assert_eq!(
            answer.headers.get("cache-control").map(String::as_str),
            Some("no-store")
        );
    }
    let mut seen = std::collections::HashSet::new();
    for _ in 0..20 {
        let answer = call(
            "POST",
            format!("{base}/upload-signature"),
            Some("token-a"),
            None,
        )
        .await;
        let signature = answer.body["data"]["signature"]
            .as_str()
            .expect("signature");
        assert!(seen.insert(signature.to_owned()), "a signature repeated");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_event_round_trips_to_the_user() {
    let (base, stand_in) = start_confirmed_by(Policy::default()).await;
    let source_context = minted_source_context(&base, "token-b").await;
    // The event as VOD posts it (fields from Tencent's "upload complete" event page).
    let event = json!({
        "EventType": "NewFileUpload",
        "FileUploadEvent": {
            "FileId": "5285890784246869930",
            "MediaBasicInfo": {
                "Name": "holiday", "Type": "mp4", "ClassId": 0, "StorageRegion": "ap-chongqing",
                "SourceInfo": { "SourceType": "Upload", "SourceContext": source_context }
            },
            "ProcedureTaskId": ""
        }
    });
    stand_in.learn(&event);
    let answer = call(
        "POST",
        format!("{base}/vod/events"),
        None,
        Some(signed(event, common::SIGN_KEY)),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["data"]["userId"], "bob");
    assert_eq!(answer.body["data"]["fileId"], "5285890784246869930");

    let other = json!({ "EventType": "ProcedureStateChanged", "ProcedureStateChangeEvent": { "TaskId": "t-1", "Status": "FINISH" } });
    stand_in.learn(&other);
    let answer = call(
        "POST",
        format!("{base}/vod/events"),
        None,
        Some(signed(other, common::SIGN_KEY)),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_events_get_400_and_the_service_keeps_running() {
    let base = start_service(Policy::default()).await;
    for body in [
        "",
        "not json",
        "{}",
        r#"{"EventType":"NewFileUpload"}"#,
        r#"{"EventType":"NewFileUpload","FileUploadEvent":{}}"#,
    ] {
        let answer = call(
            "POST",
            format!("{base}/vod/events"),
            None,
            Some(body.to_owned()),
        )
        .await;
        assert_eq!(answer.status, 400, "{body:?}");
    }
    let answer = call(
        "GET",
        format!("{base}/upload-signature"),
        Some("token-a"),
        None,
    )
    .await;
    assert_eq!(answer.status, 200, "still serving");
}

/// POSTs `body` as `text/plain`, as VOD's callbacks may be: status and JSON body.
async fn post_text(url: String, body: String) -> (u16, Value) {
    tokio::task::spawn_blocking(move || {
        let agent = common::agent();
        let mut response = agent
            .post(&url)
            .header("Content-Type", "text/plain")
            .send(body)
            .expect("HTTP exchange");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    })
    .await
    .expect("client thread")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_sign_key_only_signed_unexpired_callbacks_are_handled_and_each_once() {
    const KEY: &str = common::SIGN_KEY;
    let (base, stand_in) = start_confirmed_by(Policy::default()).await;
    let source_context = minted_source_context(&base, "token-a").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let upload = |sign: Option<String>, t: u64| {
        let mut event = json!({
            "EventType": "NewFileUpload",
            "FileUploadEvent": {
                "FileId": "5285890784246869930",
                "MediaBasicInfo": { "SourceInfo": { "SourceType": "Upload", "SourceContext": source_context } },
                "ProcedureTaskId": null
            },
            "ProcedureStateChangeEvent": null,
            "T": t
        });
        if let Some(sign) = sign {
            event["Sign"] = Value::String(sign);
        }
        event.to_string()
    };
    let url = format!("{base}/vod/events");
    let t = now + 600;
    stand_in.learn(&serde_json::from_str(&upload(None, t)).expect("JSON"));
    let (status, body) = post_text(url.clone(), upload(Some(common::sign(KEY, t)), t)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["code"], 0);
    assert_eq!(body["data"]["userId"], "alice");
    assert_eq!(body["data"]["fileId"], "5285890784246869930");
    assert_eq!(body["data"]["repeated"], false);
    // VOD redelivers: answered, not handled again. Upper-case hex is the same Sign.
    let (status, body) = post_text(
        url.clone(),
        upload(Some(common::sign(KEY, t).to_uppercase()), t),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["repeated"], true);
    for (what, event) in [
        ("wrong Sign", upload(Some(common::sign("OtherKey", t)), t)),
        ("no Sign", upload(None, t)),
        (
            "expired T",
            upload(Some(common::sign(KEY, now - 3600)), now - 3600),
        ),
    ] {
        let (status, body) = post_text(url.clone(), event).await;
        assert_eq!(status, 401, "{what}: {body}");
    }
    let whole = upload(Some(common::sign(KEY, t)), t);
    let (status, _) = post_text(url.clone(), whole[..whole.len() / 2].to_owned()).await;
    assert_eq!(status, 400, "truncated");
    let task = json!({
        "EventType": "ProcedureStateChanged",
        "ProcedureStateChangeEvent": { "TaskId": "1250000001-procedurev2-abc", "Status": "FINISH", "ErrCode": 0, "FileId": "5285890784246869930" },
        "Sign": common::sign(KEY, t), "T": t
    });
    stand_in.learn(&task);
    let (status, body) = post_text(url.clone(), task.to_string()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["taskId"], "1250000001-procedurev2-abc");
    let answer = call(
        "POST",
        format!("{base}/upload-signature"),
        Some("token-b"),
        None,
    )
    .await;
    assert_eq!(answer.status, 200, "still minting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_uploads_api_shows_each_caller_their_own_and_refuses_bad_pages() {
    let (base, stand_in) = start_confirmed_by(Policy::default()).await;
    let file_id = common::unique("9");
    let source_context = minted_source_context(&base, "token-a").await;
    let event = json!({ "EventType": "NewFileUpload", "FileUploadEvent": { "FileId": file_id,
        "MediaBasicInfo": { "Name": "clip", "SourceInfo": { "SourceContext": source_context } },
        "MetaData": { "Size": 2048, "Duration": 1.5 } } });
    stand_in.learn(&event);
    let answer = call(
        "POST",
        format!("{base}/vod/events"),
        None,
        Some(signed(event, common::SIGN_KEY)),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let mine = call("GET", format!("{base}/uploads"), Some("token-a"), None).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(
        mine.headers.get("cache-control").map(String::as_str),
        Some("no-store")
    );
    let uploads = mine.body["data"]["uploads"].as_array().expect("a list");
    assert_eq!(uploads.len(), 1);
    let upload = &uploads[0];
    for member in [
        "fileId",
        "userId",
        "status",
        "name",
        "mediaUrl",
        "coverUrl",
        "size",
        "duration",
        "uploadedAt",
        "updatedAt",
        "procedureTaskId",
        "taskStatus",
        "errCode",
        "message",
        "reviewSuggestion",
    ] {
        assert!(upload.get(member).is_some(), "{member} in {upload}");
    }
    assert_eq!(upload["fileId"], file_id.as_str());
    assert_eq!(upload["userId"], "alice");
    assert_eq!(upload["status"], "uploaded");
    assert_eq!(
        (upload["size"].clone(), upload["duration"].clone()),
        (json!(2048), json!(1.5))
    );
    assert_eq!(upload["reviewSuggestion"], Value::Null);
    assert_eq!(mine.body["data"]["next"], Value::Null, "one page");
    let one = call(
        "GET",
        format!("{base}/uploads/{file_id}"),
        Some("token-a"),
        None,
    )
    .await;
    assert_eq!(
        (one.status, one.body["data"]["fileId"].clone()),
        (200, json!(file_id))
    );
    // Bob sees none of it.
    let bobs = call("GET", format!("{base}/uploads"), Some("token-b"), None).await;
    assert_eq!(bobs.body["data"]["uploads"], json!([]));
    let not_his = call(
        "GET",
        format!("{base}/uploads/{file_id}"),
        Some("token-b"),
        None,
    )
    .await;
    assert_eq!(
        (not_his.status, not_his.body["code"].clone()),
        (404, json!(4004))
    );
    for query in [
        "limit=0",
        "limit=101",
        "limit=x",
        "cursor=abc",
        "cursor=1.x",
    ] {
        let refused = call(
            "GET",
            format!("{base}/uploads?{query}"),
            Some("token-a"),
            None,
        )
        .await;
        assert_eq!(
            (refused.status, refused.body["code"].clone()),
            (400, json!(4002)),
            "{query}"
        );
    }
    let anonymous = call("GET", format!("{base}/uploads"), None, None).await;
    assert_eq!(anonymous.status, 401);
}
