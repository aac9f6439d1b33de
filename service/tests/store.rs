//! The store on both engines: a real SQLite file, and the PostgreSQL database named by
//! `VOD_TEST_DATABASE_URL` (which `.ci/run` starts; under CI its absence fails the test).
//! Every test runs its body on each engine; in a shared PostgreSQL database, names are unique
//! per run.

mod common;

use std::sync::Arc;

use serde_json::json;
use tencent_vod_signature::{Credentials, Event};
use vod_upload_service::App;
use vod_upload_service::auth::{Auth, JwtSettings};
use vod_upload_service::policy::Policy;
use vod_upload_service::record::EventRecord;
use vod_upload_service::store::{After, DatabaseUrl, Outcome, Store};

use common::vod_api::{StandIn, signed};

/// The engines to run on: SQLite always, PostgreSQL when configured.
fn engines() -> Vec<DatabaseUrl> {
    let mut urls = vec![common::sqlite_url()];
    urls.extend(common::postgres_url());
    urls
}

fn upload_event(file_id: &str, user: &str) -> EventRecord {
    let event = json!({
        "EventType": "NewFileUpload",
        "FileUploadEvent": {
            "FileId": file_id,
            "MediaBasicInfo": {
                "Name": "holiday", "MediaUrl": format!("https://v.example/{file_id}.mp4"),
                "SourceInfo": { "SourceType": "Upload", "SourceContext": json!({ "userId": user }).to_string() }
            },
            "MetaData": { "Size": 1024, "Duration": 3.5 },
            "ProcedureTaskId": format!("t-{file_id}")
        }
    });
    record(&event)
}

fn task_event(file_id: &str, task_id: &str, status: &str, suggestion: Option<&str>) -> EventRecord {
    let mut change = json!({
        "TaskId": task_id, "Status": status, "ErrCode": 0, "Message": "SUCCESS", "FileId": file_id
    });
    if let Some(suggestion) = suggestion {
        change["ReviewAudioVideoTask"] =
            json!({ "Status": "FINISH", "Output": { "Suggestion": suggestion } });
    }
    record(&json!({ "EventType": "ProcedureStateChanged", "ProcedureStateChangeEvent": change }))
}

fn record(event: &serde_json::Value) -> EventRecord {
    EventRecord::of(&Event::parse(event.to_string().as_bytes()).expect("an event")).expect("keyed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_count_once_and_merge_in_any_order_with_the_status_only_moving_forward() {
    for url in engines() {
        let store = Store::open(&url).await.expect("opens");
        let (file, user) = (common::unique("9"), common::unique("user-"));
        let task = format!("t-{file}");
        // The task flow's first event arrives before the upload event: kept and merged.
        let processing = task_event(&file, &task, "PROCESSING", None);
        assert_eq!(
            store.record(&processing, 100).await.expect("store"),
            Outcome::Recorded
        );
        assert_eq!(
            store.upload(&user, &file).await.expect("store"),
            None,
            "no user yet: {url}"
        );
        let upload = upload_event(&file, &user);
        assert_eq!(
            store.record(&upload, 101).await.expect("store"),
            Outcome::Recorded
        );
        let record = store
            .upload(&user, &file)
            .await
            .expect("store")
            .expect("the user's");
        assert_eq!(
            record.status, "processing",
            "{url}: not moved back to uploaded"
        );
        assert_eq!(record.uploaded_at, Some(101));
        assert_eq!(record.size, Some(1024));
        assert_eq!(record.duration, Some(3.5));
        assert_eq!(record.procedure_task_id.as_deref(), Some(task.as_str()));
        let finish = task_event(&file, &task, "FINISH", Some("review"));
        assert_eq!(
            store.record(&finish, 102).await.expect("store"),
            Outcome::Recorded
        );
        // Redeliveries change nothing.
        for again in [&upload, &processing, &finish] {
            assert_eq!(
                store.record(again, 103).await.expect("store"),
                Outcome::Repeated,
                "{url}"
            );
        }
        // A PROCESSING of another task flow after FINISH does not move the status back.
        let late = task_event(&file, &format!("late-{file}"), "PROCESSING", Some("block"));
        assert_eq!(
            store.record(&late, 104).await.expect("store"),
            Outcome::Recorded
        );
        let record = store
            .upload(&user, &file)
            .await
            .expect("store")
            .expect("the user's");
        assert_eq!(record.status, "finished", "{url}");
        assert_eq!(record.task_status.as_deref(), Some("FINISH"));
        assert_eq!(record.review_suggestion.as_deref(), Some("review"), "{url}");
        assert_eq!(
            (record.err_code, record.message.as_deref()),
            (Some(0), Some("SUCCESS"))
        );
        assert_eq!(record.user_id.as_deref(), Some(user.as_str()));
        assert_eq!(record.updated_at, 104);
        assert_eq!(
            store.upload("someone-else", &file).await.expect("store"),
            None
        );
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_recording_the_same_events_at_once_record_each_once() {
    for url in engines() {
        // Two pools on one database: two replicas.
        let (first, second) = (
            Store::open(&url).await.expect("opens"),
            Store::open(&url).await.expect("opens again"),
        );
        let user = common::unique("user-");
        let events: Vec<EventRecord> = (0..100)
            .map(|i| upload_event(&format!("{}{i:03}", common::unique("8")), &user))
            .collect();
        let events = Arc::new(events);
        let race = |store: Store| {
            let events = Arc::clone(&events);
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                for event in events.iter() {
                    outcomes.push(store.record(event, 200).await.expect("store"));
                }
                outcomes
            })
        };
        let (a, b) = (race(first.clone()), race(second.clone()));
        let (a, b) = (a.await.expect("no panic"), b.await.expect("no panic"));
        for (i, (a, b)) in a.iter().zip(&b).enumerate() {
            let recorded = [a, b].iter().filter(|o| ***o == Outcome::Recorded).count();
            assert_eq!(recorded, 1, "{url}: event {i} recorded {recorded} times");
        }
        let listed = first.uploads(&user, 100, None).await.expect("store");
        assert_eq!(listed.len(), 100, "{url}");
        first.close().await;
        second.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_newest_first_and_cover_every_upload_once() {
    for url in engines() {
        let store = Store::open(&url).await.expect("opens");
        let user = common::unique("user-");
        let mut files = Vec::new();
        for i in 0..7 {
            let file = format!("{}{i}", common::unique("7"));
            // Two uploads share a second: the FileId orders them.
            let at = 1_000 + i / 2;
            store
                .record(&upload_event(&file, &user), at)
                .await
                .expect("store");
            files.push((at, file));
        }
        files.sort_by(|a, b| b.cmp(a));
        let mut listed = Vec::new();
        let mut after: Option<After> = None;
        loop {
            let page = store
                .uploads(&user, 3, after.as_ref())
                .await
                .expect("store");
            listed.extend(
                page.iter()
                    .map(|u| (u.uploaded_at.expect("set"), u.file_id.clone())),
            );
            let Some(last) = page.last().filter(|_| page.len() == 3) else {
                break;
            };
            after = Some(After {
                uploaded_at: last.uploaded_at.expect("set"),
                file_id: last.file_id.clone(),
            });
        }
        assert_eq!(listed, files, "{url}");
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pruning_removes_old_raw_events_and_keeps_every_upload() {
    for url in engines() {
        let store = Store::open(&url).await.expect("opens");
        let user = common::unique("user-");
        let (old, new) = (
            upload_event(&common::unique("6"), &user),
            upload_event(&common::unique("5"), &user),
        );
        store.record(&old, 10).await.expect("store");
        let recent = i64::MAX / 2;
        store.record(&new, recent).await.expect("store");
        assert!(store.prune_events(11).await.expect("store") >= 1);
        assert!(!store.has_event(&old.key).await.expect("store"), "{url}");
        assert!(store.has_event(&new.key).await.expect("store"));
        assert_eq!(
            store.uploads(&user, 10, None).await.expect("store").len(),
            2,
            "{url}"
        );
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_runs_no_migration_twice_and_keeps_the_records() {
    for url in engines() {
        let user = common::unique("user-");
        let event = upload_event(&common::unique("4"), &user);
        let store = Store::open(&url).await.expect("opens");
        store.record(&event, 500).await.expect("store");
        store.close().await;
        let store = Store::open(&url).await.expect("opens again");
        assert_eq!(
            store.record(&event, 600).await.expect("store"),
            Outcome::Repeated,
            "{url}"
        );
        assert_eq!(
            store.uploads(&user, 10, None).await.expect("store").len(),
            1
        );
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_store_down_a_callback_gets_503_and_nothing_is_written() {
    let url = common::sqlite_url();
    let store = Store::open(&url).await.expect("opens");
    let credentials = Credentials::new(common::SECRET_ID, common::SECRET_KEY).expect("credentials");
    let mut app = App::new(
        Policy::default().signer(credentials).expect("valid"),
        Auth::new("token-a:alice", &JwtSettings::default()).expect("tokens"),
        store.clone(),
    );
    let stand_in = StandIn::start();
    common::accept_callbacks(&mut app, &stand_in);
    let base = common::serve_app(app).await;
    store.close().await;
    let event = common::vod_api::upload_event("5285890784246869930", "alice");
    stand_in.learn(&event);
    let body = signed(event, common::SIGN_KEY);
    let (status, answer) = tokio::task::spawn_blocking(move || {
        common::post(&common::agent(), &format!("{base}/vod/events"), &body).expect("HTTP exchange")
    })
    .await
    .expect("client");
    assert_eq!(status, 503, "{answer}");
    assert_eq!(answer["code"], 5030);
    let reopened = Store::open(&url).await.expect("opens");
    assert!(
        !reopened
            .has_event("NewFileUpload/5285890784246869930")
            .await
            .expect("store")
    );
}
