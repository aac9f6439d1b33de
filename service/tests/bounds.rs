//! The binary's bounds on `/vod/events`, over real sockets: a documented task-flow event of
//! 109 KB is recorded; a 5 MiB body gets 413 and a log line naming the route and the size;
//! 12,000 replayed callbacks with 60,000-character FileIds are all refused with 400 while the
//! process stays under 50 MiB and its log grows by less than 20 MB.

mod common;

use std::io::{Read as _, Write as _};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use common::vod_api::{StandIn, signed, task_event, upload_event};

fn start(stand_in: &StandIn, log: &std::path::Path) -> common::Service {
    common::Service::spawn(
        &[
            ("VOD_API_ENDPOINT", stand_in.endpoint.clone()),
            ("VOD_EVENT_SIGN_KEY", common::SIGN_KEY.to_owned()),
            (
                "VOD_DATABASE_URL",
                format!("sqlite://{}", log.with_extension("db").display()),
            ),
            ("VOD_UPLOAD_TOKENS", "bounds-token:alice".to_owned()),
        ],
        log,
    )
}

/// A `ProcedureStateChanged` of a task flow whose content review found text in 700 frames
/// (`AiContentReviewResultSet[].TerrorismOcrTask.Output.SegmentSet`, as Tencent's
/// "ProcedureStateChanged" page documents the members).
fn large_task_event(file_id: &str, task_id: &str) -> Value {
    let segments: Vec<Value> = (0..700)
        .map(|i| {
            json!({
                "StartTimeOffset": f64::from(i) * 0.5, "EndTimeOffset": f64::from(i) * 0.5 + 0.5,
                "Confidence": 92.5, "Suggestion": "review", "Keywords": ["slogan"],
                "Url": format!("https://1400000000.vod2.myqcloud.com/{i:04}.jpg")
            })
        })
        .collect();
    let mut event = task_event(file_id, task_id, "FINISH", None);
    event["ProcedureStateChangeEvent"]["AiContentReviewResultSet"] = json!([{
        "Type": "Terrorism.Ocr",
        "TerrorismOcrTask": { "Status": "SUCCESS", "ErrCode": 0, "Message": "",
            "Input": { "Definition": 10 },
            "Output": { "Confidence": 92.5, "Suggestion": "review", "SegmentSet": segments } }
    }]);
    event
}

/// Sends `head` and `body` on a raw connection (the server may answer before the body is
/// all written) and reads the answer.
fn raw_post(base: &str, path: &str, body: &[u8]) -> String {
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[test]
fn a_109_kb_task_flow_is_recorded_and_a_5_mib_body_gets_413_and_a_log_line() {
    let stand_in = StandIn::start();
    let log = common::log_path("bounds-size-");
    let service = start(&stand_in, &log);
    let agent = common::agent();
    let file = common::unique("7");
    let upload = upload_event(&file, "alice");
    stand_in.learn(&upload);
    let (status, answer) = common::post(
        &agent,
        &format!("{}/vod/events", service.base),
        &signed(upload, common::SIGN_KEY),
    )
    .expect("HTTP");
    assert_eq!(status, 200, "{answer}");
    let large = large_task_event(&file, &format!("1400000000-procedurev2-{file}"));
    stand_in.learn(&large);
    let body = signed(large, common::SIGN_KEY);
    assert!(
        (105_000..115_000).contains(&body.len()),
        "{} bytes",
        body.len()
    );
    let (status, answer) =
        common::post(&agent, &format!("{}/vod/events", service.base), &body).expect("HTTP");
    assert_eq!(status, 200, "{answer}");
    let (status, upload) = common::get(
        &agent,
        &format!("{}/uploads/{file}", service.base),
        "bounds-token",
    );
    assert_eq!(status, 200);
    assert_eq!(
        (
            upload["data"]["status"].clone(),
            upload["data"]["reviewSuggestion"].clone()
        ),
        (json!("finished"), json!("review")),
        "{upload}"
    );

    let huge = vec![b' '; 5 << 20];
    let answer = raw_post(&service.base, "/vod/events", &huge);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(service.terminate().success());
    let text = std::fs::read_to_string(&log).expect("the log");
    let line = text
        .lines()
        .find(|line| line.contains("status=413"))
        .unwrap_or_else(|| panic!("no line for the 413:\n{text}"));
    assert!(
        line.contains("/vod/events") && line.contains(&(5_u64 << 20).to_string()),
        "the route and the size: {line}"
    );
}

/// The process's peak resident memory (`VmHWM`), in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("procfs");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[test]
fn twelve_thousand_replayed_events_with_huge_file_ids_are_refused_within_bounds() {
    const EVENTS: usize = 12_000;
    const SENDERS: usize = 4;
    let stand_in = StandIn::start();
    let log = common::log_path("bounds-replay-");
    let service = start(&stand_in, &log);
    let log_before = std::fs::metadata(&log).expect("the log").len();
    // One captured Sign, replayed with ever new 60,000-character FileIds.
    let body_of = |i: usize| {
        let mut file_id = "1".repeat(60_000);
        file_id.replace_range(..8, &format!("{i:08}"));
        signed(upload_event(&file_id, "mallory"), common::SIGN_KEY)
    };
    let refused = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for sender in 0..SENDERS {
            let (refused, base) = (&refused, &service.base);
            scope.spawn(move || {
                let agent = common::agent();
                for i in (sender..EVENTS).step_by(SENDERS) {
                    let (status, answer) =
                        common::post(&agent, &format!("{base}/vod/events"), &body_of(i))
                            .expect("HTTP");
                    assert_eq!(
                        (status, answer["code"].clone()),
                        (400, json!(4000)),
                        "{answer}"
                    );
                    refused.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(refused.load(Ordering::Relaxed), EVENTS);
    let peak = peak_rss_kib(service.child.id());
    assert!(service.terminate().success());
    let grown = std::fs::metadata(&log).expect("the log").len() - log_before;
    eprintln!("peak RSS {peak} KiB, log grew by {grown} bytes");
    assert!(peak < 50 * 1024, "peak RSS {peak} KiB");
    assert!(grown < 20_000_000, "the log grew by {grown} bytes");
    assert!(stand_in.seen().calls.is_empty(), "nothing reached the API");
    let text = std::fs::read_to_string(&log).expect("the log");
    assert_eq!(
        text.lines()
            .filter(|line| line.contains("request refused") && line.contains("status=400"))
            .count(),
        EVENTS,
        "one line per refusal"
    );
}
