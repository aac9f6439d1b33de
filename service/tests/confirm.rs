//! Callbacks confirmed with the VOD API, over real HTTP against the stand-in
//! (`common::vod_api`), which checks every TC3 signature and `Host` with its own code: a
//! replayed `Sign` carrying a forged FileId, user, TaskId or status records nothing (403); a
//! genuine callback records the API's facts, not the body's; an API outage gives 503 and a
//! later redelivery records the event once; without a `SignKey` the route answers 503, and in
//! pull mode it does not exist.

mod common;

use std::sync::Arc;

use serde_json::{Value, json};
use vod_upload_service::App;
use vod_upload_service::config::EventMode;
use vod_upload_service::policy::Policy;

use common::vod_api::{Fault, StandIn, signed, task_event, upload_event};

/// The service confirming callbacks with `stand_in`: its base URL and its app.
async fn start(stand_in: &StandIn) -> (String, Arc<App>) {
    let mut app = common::app(&Policy::default(), "token-a:alice").await;
    common::accept_callbacks(&mut app, stand_in);
    serve(app).await
}

async fn serve(app: App) -> (String, Arc<App>) {
    let app = Arc::new(app);
    (common::serve_shared(Arc::clone(&app)).await, app)
}

/// Alice's upload record of `file`.
async fn alices(app: &App, file: &str) -> vod_upload_service::store::Upload {
    app.store
        .upload("alice", file)
        .await
        .expect("store")
        .expect("alice's upload")
}

/// POSTs `body` to `/vod/events`: status and JSON answer.
async fn post_event(base: &str, body: String) -> (u16, Value) {
    let url = format!("{base}/vod/events");
    tokio::task::spawn_blocking(move || common::post(&common::agent(), &url, &body).expect("HTTP"))
        .await
        .expect("client thread")
}

/// POSTs `event` to `/vod/events` as a callback with a valid `Sign`: status and JSON answer.
async fn post_signed(base: &str, event: Value) -> (u16, Value) {
    post_event(base, signed(event, common::SIGN_KEY)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_sign_with_a_forged_file_or_user_records_nothing() {
    let stand_in = StandIn::start();
    let (base, app) = start(&stand_in).await;
    let genuine = upload_event("5285890784246869930", "alice");
    stand_in.learn(&genuine);
    // One captured callback: its Sign and T are valid for any body.
    let captured: Value =
        serde_json::from_str(&signed(genuine.clone(), common::SIGN_KEY)).expect("JSON");
    let replay = |mut forged: Value| {
        forged["Sign"] = captured["Sign"].clone();
        forged["T"] = captured["T"].clone();
        forged.to_string()
    };
    // A FileId VOD does not have, for alice or for mallory.
    for forged in [
        upload_event("5285890784246869931", "alice"),
        upload_event("5285890784246869931", "mallory"),
    ] {
        let (status, answer) = post_event(&base, replay(forged)).await;
        assert_eq!(
            (status, answer["code"].clone()),
            (403, json!(4003)),
            "{answer}"
        );
    }
    // The genuine FileId, claimed for another user.
    let (status, answer) =
        post_event(&base, replay(upload_event("5285890784246869930", "admin"))).await;
    assert_eq!(status, 403, "{answer}");
    let mut unset = genuine.clone();
    unset["FileUploadEvent"]["MediaBasicInfo"]["SourceInfo"]["SourceContext"] = json!("");
    let (status, answer) = post_event(&base, replay(unset)).await;
    assert_eq!(status, 403, "no SourceContext is not the API's: {answer}");
    for (user, file) in [
        ("alice", "5285890784246869931"),
        ("mallory", "5285890784246869931"),
        ("admin", "5285890784246869930"),
    ] {
        assert!(app.store.upload(user, file).await.expect("store").is_none());
    }
    assert!(
        !app.store
            .has_event("NewFileUpload/5285890784246869930")
            .await
            .expect("store")
    );

    // The genuine callback, with its body's media facts altered: the API's are recorded.
    let mut altered = genuine;
    altered["FileUploadEvent"]["MediaBasicInfo"]["Name"] = json!("renamed by an attacker");
    altered["FileUploadEvent"]["MetaData"]["Size"] = json!(1);
    let (status, answer) = post_event(&base, replay(altered)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["userId"], "alice");
    let upload = app
        .store
        .upload("alice", "5285890784246869930")
        .await
        .expect("store")
        .expect("alice's upload");
    assert_eq!(upload.name.as_deref(), Some("video-5285890784246869930"));
    assert_eq!(upload.size, Some(1_048_576));
    let seen = stand_in.seen();
    assert_eq!(
        seen.bad_signatures, 0,
        "every call signed right, Host included"
    );
    assert!(
        seen.actions()
            .iter()
            .all(|action| *action == "DescribeMediaInfos"),
        "{:?}",
        seen.actions()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_flow_is_recorded_as_the_api_knows_it() {
    let stand_in = StandIn::start();
    let (base, app) = start(&stand_in).await;
    let file = "5285890784246869940";
    let task = "1400000000-procedurev2-5ce8d2ff1c3d4bb2a8d3b3ea62a0b1c4tt0";
    stand_in.learn(&upload_event(file, "alice"));
    stand_in.learn(&task_event(file, task, "PROCESSING", None));
    post_signed(&base, upload_event(file, "alice")).await;
    // A forged FINISH that passes review: the API says the task is still processing.
    let (status, answer) = post_signed(&base, task_event(file, task, "FINISH", Some("pass"))).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["status"], "PROCESSING");
    let upload = alices(&app, file).await;
    assert_eq!(
        (upload.status.as_str(), upload.review_suggestion),
        ("processing", None)
    );
    // A TaskId VOD does not know.
    let (status, answer) = post_signed(
        &base,
        task_event(
            file,
            "1400000000-procedurev2-forged",
            "FINISH",
            Some("pass"),
        ),
    )
    .await;
    assert_eq!(
        (status, answer["code"].clone()),
        (403, json!(4003)),
        "{answer}"
    );
    // The task finishes, with a verdict: now the callback records it.
    stand_in.learn(&task_event(file, task, "FINISH", Some("block")));
    let (status, answer) = post_signed(&base, task_event(file, task, "FINISH", Some("pass"))).await;
    assert_eq!(
        (status, answer["data"]["status"].clone()),
        (200, json!("FINISH")),
        "{answer}"
    );
    let upload = alices(&app, file).await;
    assert_eq!(upload.status, "finished");
    assert_eq!(
        upload.review_suggestion.as_deref(),
        Some("block"),
        "the API's verdict"
    );
    // A late PROCESSING callback is confirmed as the FINISH it is now: a repeat, and the
    // status does not move back.
    let (status, answer) = post_signed(&base, task_event(file, task, "PROCESSING", None)).await;
    assert_eq!(
        (status, answer["data"]["repeated"].clone()),
        (200, json!(true)),
        "{answer}"
    );
    let upload = alices(&app, file).await;
    assert_eq!(upload.status, "finished");
    assert_eq!(stand_in.seen().bad_signatures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_outage_gives_503_and_a_later_redelivery_records_the_event_once() {
    let stand_in = StandIn::start();
    let (base, app) = start(&stand_in).await;
    let event = upload_event("5285890784246869950", "alice");
    stand_in.learn(&event);
    let key = "NewFileUpload/5285890784246869950";
    for fault in [Fault::DescribeFails, Fault::Http500] {
        stand_in.fail(fault);
        let (status, answer) = post_signed(&base, event.clone()).await;
        assert_eq!(
            (status, answer["code"].clone()),
            (503, json!(5032)),
            "{fault:?}: {answer}"
        );
        assert!(!app.store.has_event(key).await.expect("store"), "{fault:?}");
    }
    // The API unreachable: a closed port.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", listener.local_addr().expect("address"))
    };
    let mut cut_off = common::app(&Policy::default(), "token-a:alice").await;
    cut_off.store = app.store.clone();
    common::accept_callbacks_from(&mut cut_off, &closed);
    let (cut_off_base, _) = serve(cut_off).await;
    let (status, answer) = post_signed(&cut_off_base, event.clone()).await;
    assert_eq!(status, 503, "{answer}");
    assert!(!app.store.has_event(key).await.expect("store"));
    // VOD delivers again once the API is back: recorded once, then a repeat.
    stand_in.fail(Fault::None);
    let (status, answer) = post_signed(&base, event.clone()).await;
    assert_eq!(
        (status, answer["data"]["repeated"].clone()),
        (200, json!(false)),
        "{answer}"
    );
    let (status, answer) = post_signed(&base, event).await;
    assert_eq!(
        (status, answer["data"]["repeated"].clone()),
        (200, json!(true)),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_types_the_api_cannot_confirm_are_acknowledged_and_not_kept() {
    let stand_in = StandIn::start();
    let (base, app) = start(&stand_in).await;
    let event = json!({ "EventType": "FileDeleted", "FileDeleteEvent": { "FileIdSet": ["1"] } });
    let (status, answer) = post_signed(&base, event).await;
    assert_eq!(
        (status, answer["data"]["recorded"].clone()),
        (200, json!(false)),
        "{answer}"
    );
    assert!(stand_in.seen().calls.is_empty(), "nothing to ask");
    assert_eq!(app.store.dead_letters().await.expect("store"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_sign_key_callbacks_get_503_and_in_pull_mode_404_while_signatures_work() {
    let unconfigured = common::app(&Policy::default(), "token-a:alice").await;
    let mut pulling = common::app(&Policy::default(), "token-a:alice").await;
    pulling.events = EventMode::Pull;
    let event = signed(
        upload_event("5285890784246869960", "alice"),
        common::SIGN_KEY,
    );
    for (app, expected) in [(unconfigured, 503), (pulling, 404)] {
        let (base, _) = serve(app).await;
        let url = format!("{base}/vod/events");
        let body = event.clone();
        let (status, text) = tokio::task::spawn_blocking(move || {
            let mut response = common::agent().post(&url).send(body).expect("HTTP");
            (
                response.status().as_u16(),
                response.body_mut().read_to_string().expect("body"),
            )
        })
        .await
        .expect("client thread");
        assert_eq!(status, expected, "{text}");
        if expected == 503 {
            let answer: Value = serde_json::from_str(&text).expect("JSON");
            let message = answer["message"].as_str().expect("a message");
            assert!(
                message.contains("VOD_EVENT_SIGN_KEY") && message.contains("VOD_EVENTS=pull"),
                "{message}"
            );
        }
        let signature_url = format!("{base}/upload-signature");
        let (status, _) = tokio::task::spawn_blocking(move || {
            common::get(&common::agent(), &signature_url, "token-a")
        })
        .await
        .expect("client thread");
        assert_eq!(status, 200, "the signature route works either way");
    }
}
