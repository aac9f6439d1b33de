//! The reliable callback against a stand-in for the VOD API on 127.0.0.1 (`common::vod_api`),
//! which checks every request's TC3-HMAC-SHA256 signature with its own implementation, serves
//! events, and delivers again those not confirmed: one round at a time in process, and the
//! binary's puller paced, backing off and shutting down over real time.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vod_upload_service::App;
use vod_upload_service::policy::Policy;
use vod_upload_service::pull::{Puller, RoundError};
use vod_upload_service::store::{DatabaseUrl, Store};
use vod_upload_service::vod_api::{ApiError, VodApi};

use common::vod_api::{Fault, StandIn, chrono_free_date};

async fn app() -> Arc<App> {
    Arc::new(common::app(&Policy::default(), "t:alice").await)
}

fn puller(stand_in: &StandIn, secret_key: &str) -> Puller {
    Puller::new(
        VodApi::new(&stand_in.endpoint, common::SECRET_ID, secret_key, None).expect("endpoint"),
    )
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
async fn recorded(store: &Store) -> [bool; 2] {
    let mut found = [false; 2];
    for (found, key) in found
        .iter_mut()
        .zip(["NewFileUpload/528", "ProcedureStateChanged/t-1/FINISH"])
    {
        *found = store.has_event(key).await.expect("store");
    }
    found
}

/// One round as the puller's loop makes it: pull, then handle what came.
async fn round(puller: &Puller, app: &App) -> Result<usize, RoundError> {
    let events = puller.pull().await?;
    if !events.is_empty() {
        puller.handle(app, &events).await?;
    }
    Ok(events.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_pulled_handled_once_and_confirmed_even_when_a_confirmation_is_lost() {
    let stand_in = StandIn::start();
    stand_in.queue(events());
    stand_in.seen().lose_next_confirm = true;
    let puller = puller(&stand_in, common::SECRET_KEY);
    let app = app().await;
    // Pulled and handled, but the confirmation is lost: the round fails...
    let first = round(&puller, &app).await;
    assert!(
        matches!(&first, Err(RoundError::Confirm(ApiError::Api { code, .. })) if code == "InternalError"),
        "{first:?}"
    );
    assert_eq!(recorded(&app.store).await, [true, true]);
    // ...so both come again, are recognised as repeats, and are confirmed.
    assert_eq!(round(&puller, &app).await.expect("a round"), 2);
    assert_eq!(recorded(&app.store).await, [true, true], "recorded once");
    let upload = app.store.upload("alice", "528").await.expect("store");
    assert_eq!(
        upload.map(|upload| upload.status),
        Some("finished".to_owned()),
        "both events merged into alice's upload"
    );
    // Nothing left: the long poll ends with no event.
    assert_eq!(round(&puller, &app).await.expect("a round"), 0);
    let seen = stand_in.seen();
    assert_eq!(seen.confirmed, ["handle-1", "handle-2"]);
    assert!(seen.pending.is_empty());
    assert_eq!(seen.bad_signatures, 0, "every request was signed right");
    assert_eq!(
        seen.actions(),
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
    let stand_in = StandIn::start();
    stand_in.queue(events());
    let puller = puller(&stand_in, "another key");
    let app = app().await;
    let refused = round(&puller, &app).await;
    assert!(
        matches!(&refused, Err(RoundError::Pull(ApiError::Api { code, .. })) if code == "AuthFailure.SignatureFailure"),
        "{refused:?}"
    );
    assert_eq!(recorded(&app.store).await, [false, false]);
    let seen = stand_in.seen();
    assert_eq!((seen.bad_signatures, seen.pending.len()), (1, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_500_carrying_events_is_an_error_and_nothing_of_it_is_handled() {
    let stand_in = StandIn::start();
    stand_in.queue(events());
    stand_in.fail(Fault::Http500);
    let app = app().await;
    let failed = round(&puller(&stand_in, common::SECRET_KEY), &app).await;
    assert!(
        matches!(failed, Err(RoundError::Pull(ApiError::Status(500)))),
        "{failed:?}"
    );
    assert_eq!(recorded(&app.store).await, [false, false]);
    assert_eq!(
        stand_in.seen().actions(),
        ["PullEvents"],
        "nothing confirmed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_pulled_events_are_dead_letters_and_confirmed_never_lost() {
    let stand_in = StandIn::start();
    let long_file_id = "1".repeat(60_000);
    stand_in.queue([
        // A numeric FileId does not parse.
        json!({ "EventHandle": "numeric", "EventType": "NewFileUpload",
            "FileUploadEvent": { "FileId": 5_285_890_784_246_869_930_u64 } }),
        json!({ "EventHandle": "long", "EventType": "NewFileUpload",
            "FileUploadEvent": { "FileId": long_file_id } }),
        json!({ "EventHandle": "bad-task", "EventType": "ProcedureStateChanged",
            "ProcedureStateChangeEvent": { "TaskId": "../etc", "Status": "FINISH" } }),
        events()[0].clone(),
    ]);
    let app = app().await;
    assert_eq!(
        round(&puller(&stand_in, common::SECRET_KEY), &app)
            .await
            .expect("a round"),
        4
    );
    assert_eq!(app.store.dead_letters().await.expect("store"), 3);
    assert!(
        app.store
            .has_event("NewFileUpload/528")
            .await
            .expect("store")
    );
    let seen = stand_in.seen();
    assert_eq!(seen.confirmed, ["numeric", "long", "bad-task", "handle-1"]);
    assert!(seen.pending.is_empty(), "none comes back");
}

#[test]
fn the_stand_ins_dates_agree_with_the_page() {
    assert_eq!(chrono_free_date(1_551_113_065), "2019-02-25");
    assert_eq!(chrono_free_date(951_782_400), "2000-02-29");
}

/// The binary in pull mode against `stand_in`, on the SQLite file `database`.
fn pulling_service(
    stand_in: &StandIn,
    database: &DatabaseUrl,
    log: &std::path::Path,
) -> common::Service {
    let DatabaseUrl::Sqlite(path) = database else {
        panic!("an SQLite file")
    };
    common::Service::spawn(
        &[
            ("VOD_EVENTS", "pull".to_owned()),
            ("VOD_API_ENDPOINT", stand_in.endpoint.clone()),
            ("VOD_DATABASE_URL", format!("sqlite://{}", path.display())),
        ],
        log,
    )
}

#[test]
fn an_idle_api_is_called_at_most_once_a_second() {
    // Two kinds of "nothing": an empty EventSet at once, and ResourceNotFound.NoEvent at once.
    let empty = StandIn::start();
    empty.fail(Fault::EmptyAtOnce);
    let no_event = StandIn::start();
    let services = [
        pulling_service(
            &empty,
            &common::sqlite_url(),
            &common::log_path("idle-empty-"),
        ),
        pulling_service(
            &no_event,
            &common::sqlite_url(),
            &common::log_path("idle-no-event-"),
        ),
    ];
    std::thread::sleep(Duration::from_secs(10));
    drop(services);
    for stand_in in [empty, no_event] {
        let calls = stand_in.seen().times_of("PullEvents");
        assert!(
            (8..=12).contains(&calls.len()),
            "{} calls in 10 s",
            calls.len()
        );
        for pair in calls.windows(2) {
            assert!(
                pair[1] - pair[0] >= Duration::from_millis(950),
                "calls {:?} apart",
                pair[1] - pair[0]
            );
        }
    }
}

#[test]
fn a_failing_api_is_called_with_growing_gaps() {
    let stand_in = StandIn::start();
    stand_in.fail(Fault::Http500);
    let service = pulling_service(
        &stand_in,
        &common::sqlite_url(),
        &common::log_path("failing-"),
    );
    std::thread::sleep(Duration::from_secs(60));
    drop(service);
    let calls = stand_in.seen().times_of("PullEvents");
    assert!(
        (3..=10).contains(&calls.len()),
        "{} calls in 60 s",
        calls.len()
    );
    let gaps: Vec<Duration> = calls.windows(2).map(|pair| pair[1] - pair[0]).collect();
    // Each wait is in [2^i, 2^(i+1)) s, so no gap is shorter than the one before.
    assert!(gaps[0] >= Duration::from_millis(950), "{gaps:?}");
    for pair in gaps.windows(2) {
        assert!(pair[1] + Duration::from_millis(100) >= pair[0], "{gaps:?}");
    }
    assert!(
        gaps.last().expect("gaps") >= &Duration::from_secs(8),
        "{gaps:?}"
    );
}

#[test]
fn sigterm_during_a_hung_confirmation_exits_0_in_the_grace_period_and_nothing_is_handled_twice() {
    let stand_in = StandIn::start();
    stand_in.queue(events());
    stand_in.fail(Fault::HangConfirm);
    let database = common::sqlite_url();
    let service = pulling_service(&stand_in, &database, &common::log_path("hung-confirm-"));
    let waited = Instant::now();
    while stand_in.seen().times_of("ConfirmEvents").is_empty() {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "no ConfirmEvents"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let stopping = Instant::now();
    let status = service.terminate();
    assert!(status.success(), "{status:?}");
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "{:?}",
        stopping.elapsed()
    );
    // Handled but not confirmed: VOD delivers both again to the restarted service.
    assert_eq!(stand_in.seen().pending.len(), 2);
    stand_in.fail(Fault::None);
    let log = common::log_path("hung-confirm-restart-");
    let service = pulling_service(&stand_in, &database, &log);
    let waited = Instant::now();
    while !stand_in.seen().pending.is_empty() {
        assert!(waited.elapsed() < Duration::from_secs(10), "not confirmed");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(service.terminate().success());
    let log = std::fs::read_to_string(&log).expect("the log");
    assert_eq!(log.matches("repeated, recorded before").count(), 2, "{log}");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let store = Store::open(&database).await.expect("the store");
        assert_eq!(recorded(&store).await, [true, true]);
        store.close().await;
    });
}
