//! The binary killed (SIGKILL) while signed events arrive, then restarted on the same store:
//! every event answered 200 is kept, and each of the 1,000 is recorded exactly once. On SQLite,
//! and on PostgreSQL when `VOD_TEST_DATABASE_URL` names one.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use vod_upload_service::store::DatabaseUrl;

use common::vod_api::{StandIn, signed, upload_event};

const KEY: &str = "CrashTestSignKey";
const EVENTS: usize = 1_000;
const SENDERS: usize = 4;

fn database_variable(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        DatabaseUrl::Postgres(url) => url.clone(),
    }
}

/// The `i`th upload event for `user`.
fn event(prefix: &str, i: usize, user: &str) -> Value {
    upload_event(&format!("{prefix}{i:04}"), user)
}

/// Sends every event once from [`SENDERS`] threads; `Some(repeated)` for each answered 200.
/// `on_answer` runs after each 200.
fn send_all(
    base: &str,
    prefix: &str,
    user: &str,
    on_answer: &(dyn Fn() + Sync),
) -> Vec<Option<bool>> {
    let answers = Mutex::new(vec![None; EVENTS]);
    std::thread::scope(|scope| {
        for sender in 0..SENDERS {
            let answers = &answers;
            scope.spawn(move || {
                let agent = common::agent();
                for i in (sender..EVENTS).step_by(SENDERS) {
                    let url = format!("{base}/vod/events");
                    if let Ok((200, answer)) =
                        common::post(&agent, &url, &signed(event(prefix, i, user), KEY))
                    {
                        let repeated = answer["data"]["repeated"].as_bool().expect("repeated");
                        answers.lock().expect("not poisoned")[i] = Some(repeated);
                        on_answer();
                    }
                }
            });
        }
    });
    answers.into_inner().expect("not poisoned")
}

#[test]
fn a_killed_service_loses_no_acknowledged_event_and_records_each_once() {
    let mut urls = vec![common::sqlite_url()];
    urls.extend(common::postgres_url());
    for url in urls {
        let user = common::unique("crash-");
        let prefix = common::unique("3");
        let token = format!("token-{user}");
        let stand_in = StandIn::start();
        for i in 0..EVENTS {
            stand_in.learn(&event(&prefix, i, &user));
        }
        let env = [
            ("VOD_API_ENDPOINT", stand_in.endpoint.clone()),
            ("VOD_DATABASE_URL", database_variable(&url)),
            ("VOD_EVENT_SIGN_KEY", KEY.to_owned()),
            ("VOD_UPLOAD_TOKENS", format!("{token}:{user}")),
        ];
        let log = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{user}.log"));

        // Killed once 300 events have been answered, with the others in flight.
        let service = Arc::new(Mutex::new(common::Service::spawn(&env, &log)));
        let base = service.lock().expect("not poisoned").base.clone();
        let answered = AtomicUsize::new(0);
        let killer = Arc::clone(&service);
        let first = send_all(&base, &prefix, &user, &|| {
            if answered.fetch_add(1, Ordering::SeqCst) + 1 == 300 {
                killer
                    .lock()
                    .expect("not poisoned")
                    .child
                    .kill()
                    .expect("SIGKILL");
            }
        });
        drop(service);
        let acknowledged: HashSet<usize> = (0..EVENTS).filter(|&i| first[i].is_some()).collect();
        assert!(
            (300..EVENTS).contains(&acknowledged.len()),
            "{url:?}: killed mid-stream, {} answered",
            acknowledged.len()
        );
        assert!(
            first.iter().flatten().all(|repeated| !repeated),
            "first delivery is new"
        );

        // Restarted on the same store: everything resent.
        let service = common::Service::spawn(&env, &log);
        let second = send_all(&service.base, &prefix, &user, &|| {});
        assert!(
            second.iter().all(Option::is_some),
            "{url:?}: all answered after restart"
        );
        let lost: Vec<usize> = acknowledged
            .iter()
            .copied()
            .filter(|&i| second[i] != Some(true))
            .collect();
        assert!(
            lost.is_empty(),
            "{url:?}: acknowledged but not kept: {lost:?}"
        );
        let new = second
            .iter()
            .filter(|answer| **answer == Some(false))
            .count();
        assert!(
            new <= EVENTS - acknowledged.len(),
            "{url:?}: {new} recorded anew"
        );

        // Once more: every event is now a repeat, and the app sees each upload once.
        let third = send_all(&service.base, &prefix, &user, &|| {});
        assert!(third.iter().all(|answer| *answer == Some(true)), "{url:?}");
        let uploads = common::all_uploads(&common::agent(), &service.base, &token);
        let files: HashSet<&str> = uploads
            .iter()
            .filter_map(|u| u["fileId"].as_str())
            .collect();
        assert_eq!((uploads.len(), files.len()), (EVENTS, EVENTS), "{url:?}");
        assert!(
            uploads
                .iter()
                .all(|u| u["userId"] == user.as_str() && u["status"] == "uploaded")
        );
        eprintln!(
            "{url:?}: {} acknowledged before SIGKILL, {new} recorded after the restart",
            acknowledged.len()
        );
    }
}
