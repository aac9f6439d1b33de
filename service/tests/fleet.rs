//! Three service processes on one PostgreSQL database (`VOD_TEST_DATABASE_URL`), their
//! callbacks confirmed by one stand-in VOD API, every event delivered to two different replicas
//! at the same moment, in shuffled order: no event is recorded by both, each file makes exactly
//! its two records, and every upload ends with the right status and verdict.

mod common;

use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use common::vod_api::{StandIn, signed};

const FILES: usize = 150;

#[test]
fn a_fleet_of_three_records_each_event_once_whichever_replicas_receive_it() {
    let Some(url) = common::postgres_url() else {
        return;
    };
    let vod_url = match url {
        vod_upload_service::store::DatabaseUrl::Postgres(url) => url,
        vod_upload_service::store::DatabaseUrl::Sqlite(_) => panic!("a PostgreSQL URL"),
    };
    let user = common::unique("fleet-");
    let token = format!("token-{user}");
    let log = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{user}.log"));
    let stand_in = StandIn::start();
    let replicas: Vec<common::Service> = (0..3)
        .map(|i| {
            common::Service::spawn(
                &[
                    ("VOD_DATABASE_URL", vod_url.clone()),
                    ("VOD_API_ENDPOINT", stand_in.endpoint.clone()),
                    ("VOD_EVENT_SIGN_KEY", common::SIGN_KEY.to_owned()),
                    ("VOD_UPLOAD_TOKENS", format!("{token}:{user}")),
                    ("VOD_SIGNER_INSTANCE", format!("{i}/3")),
                ],
                &log,
            )
        })
        .collect();

    // Per file: the upload, the task flow's PROCESSING and its FINISH with a verdict.
    let prefix = common::unique("2");
    let verdicts = ["pass", "review", "block"];
    let mut events: Vec<Value> = Vec::new();
    for i in 0..FILES {
        let file = format!("{prefix}{i:03}");
        let task = format!("1250000001-procedurev2-{file}");
        events.push(
            json!({ "EventType": "NewFileUpload", "FileUploadEvent": { "FileId": file,
                "MediaBasicInfo": { "SourceInfo": { "SourceContext": json!({ "userId": user }).to_string() } },
                "ProcedureTaskId": task } }),
        );
        for (status, verdict) in [("PROCESSING", None), ("FINISH", Some(verdicts[i % 3]))] {
            let mut change =
                json!({ "TaskId": task, "Status": status, "ErrCode": 0, "FileId": file });
            if let Some(verdict) = verdict {
                change["ReviewAudioVideoTask"] = json!({ "Output": { "Suggestion": verdict } });
            }
            events.push(
                json!({ "EventType": "ProcedureStateChanged", "ProcedureStateChangeEvent": change }),
            );
        }
    }
    // The API knows every upload and every task flow as finished (it learns the PROCESSING
    // event first): a PROCESSING callback is confirmed as the FINISH it is by now, and the
    // FINISH callback is then a repeat. Each file makes two records, however they arrive.
    for event in &events {
        stand_in.learn(event);
    }
    let mut events: Vec<String> = events
        .into_iter()
        .map(|event| signed(event, common::SIGN_KEY))
        .collect();
    // A fixed shuffle (a linear congruential generator): any order, the same every run.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for i in (1..events.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = usize::try_from(state >> 33).expect("fits") % (i + 1);
        events.swap(i, j);
    }

    // Each event to replicas k and k+1 at once, released together by a barrier.
    let recorded = AtomicUsize::new(0);
    let twice = AtomicUsize::new(0);
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                let agents = [common::agent(), common::agent()];
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    let Some(event) = events.get(n) else { break };
                    let barrier = Barrier::new(2);
                    let answers: Vec<bool> = std::thread::scope(|pair| {
                        let handles: Vec<_> = (0..2)
                            .map(|side| {
                                let (agent, barrier) = (&agents[side], &barrier);
                                let base = &replicas[(n + side) % 3].base;
                                pair.spawn(move || {
                                    barrier.wait();
                                    let (status, answer) =
                                        common::post(agent, &format!("{base}/vod/events"), event)
                                            .expect("HTTP exchange");
                                    assert_eq!(status, 200, "{answer}");
                                    !answer["data"]["repeated"].as_bool().expect("repeated")
                                })
                            })
                            .collect();
                        handles
                            .into_iter()
                            .map(|h| h.join().expect("no panic"))
                            .collect()
                    });
                    match answers.iter().filter(|new| **new).count() {
                        0 => 0,
                        1 => recorded.fetch_add(1, Ordering::SeqCst),
                        _ => twice.fetch_add(1, Ordering::SeqCst),
                    };
                }
            });
        }
    });
    assert_eq!(twice.load(Ordering::SeqCst), 0, "events handled twice");
    assert_eq!(
        recorded.load(Ordering::SeqCst),
        2 * FILES,
        "an upload and a finished task flow per file"
    );

    // Every replica shows every upload finished, with its verdict.
    for replica in &replicas {
        let uploads = common::all_uploads(&common::agent(), &replica.base, &token);
        assert_eq!(uploads.len(), FILES);
        for upload in &uploads {
            let file = upload["fileId"].as_str().expect("a FileId");
            let i: usize = file[prefix.len()..].parse().expect("our FileId");
            assert_eq!(upload["status"], "finished", "{upload}");
            assert_eq!(upload["taskStatus"], "FINISH", "{upload}");
            assert_eq!(
                upload["reviewSuggestion"],
                Value::from(verdicts[i % 3]),
                "{upload}"
            );
        }
    }
    eprintln!(
        "{} events, each to two replicas at once: each recorded once",
        events.len()
    );
}
