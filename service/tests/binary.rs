//! The binary as an operator starts it: `--help`, `VOD_LISTEN`, a typo'd variable, JSON logs
//! that never hold a signature or a secret.

mod common;

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use common::vod_api::{StandIn, signed, upload_event};

const SIGN_KEY: &str = "BinaryTestSignKey1";

/// Every variable the service reads, as its README lists them (kept here, not read from the
/// code under test).
const VARIABLES: [&str; 27] = [
    "VOD_LISTEN",
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
    "VOD_UPLOAD_TOKENS",
    "VOD_AUTH_JWT_SECRET",
    "VOD_AUTH_JWT_PUBLIC_KEY",
    "VOD_AUTH_JWKS",
    "VOD_AUTH_JWT_ISSUER",
    "VOD_AUTH_JWT_AUDIENCE",
    "VOD_ALLOWED_ORIGINS",
    "VOD_SIGNATURES_PER_MINUTE",
    "VOD_LOG_FORMAT",
    "VOD_SIGNATURE_VALIDITY_SECS",
    "VOD_ONE_TIME_VALID",
    "VOD_PROCEDURE",
    "VOD_CLASS_ID",
    "VOD_SUB_APP_ID",
    "VOD_SIGNER_INSTANCE",
    "VOD_EVENT_SIGN_KEY",
    "VOD_EVENTS",
    "VOD_API_ENDPOINT",
    "VOD_DATABASE_URL",
    "VOD_EVENT_RETENTION_DAYS",
    "VOD_DEMO_PAGE",
    "VOD_DEMO_SDK_URL",
    "VOD_DEMO_SDK_INTEGRITY",
    "RUST_LOG",
];

#[test]
fn help_lists_every_variable_with_its_default() {
    let output = Command::new(env!("CARGO_BIN_EXE_vod-upload-service"))
        .arg("--help")
        .env_clear()
        .output()
        .expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).expect("utf-8");
    // RUST_LOG is tracing's, described in the README, not a flag.
    for variable in &VARIABLES[..VARIABLES.len() - 1] {
        assert!(
            help.contains(&format!("[env: {variable}")),
            "{variable} missing:\n{help}"
        );
    }
    for default in [
        "[default: 127.0.0.1:8080]",
        "[default: 60]",
        "[default: sqlite://vod-uploads.db]",
        "[default: 30]",
    ] {
        assert!(help.contains(default), "{default}:\n{help}");
    }
}

#[test]
fn refusals_at_start_name_the_variable() {
    for (variable, value) in [
        ("VOD_SIGNATURES_PER_MINUTE", "sixty"),
        ("VOD_EVENT_RETENTION_DAYS", "2"),
        ("VOD_DATABASE_URL", "mysql://u:hunter2@h/d"),
        ("VOD_ALLOWED_ORIGINS", "app.example"),
        ("VOD_SIGNATURE_VALIDITY_SECS", "7776001"),
        ("VOD_DEMO_PAGE", "yes"),
        ("VOD_DEMO_SDK_URL", "javascript:alert(1)"),
        ("VOD_DEMO_SDK_INTEGRITY", "md5-abc"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_vod-upload-service"))
            .env_clear()
            .env("TENCENTCLOUD_SECRET_ID", common::SECRET_ID)
            .env("TENCENTCLOUD_SECRET_KEY", common::SECRET_KEY)
            .env(variable, value)
            .output()
            .expect("runs");
        assert!(!output.status.success(), "{variable}={value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(variable), "{variable}={value}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
}

#[test]
fn vod_listen_works_and_a_typo_is_named_in_a_warning() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(common::unique("listen-"));
    std::fs::create_dir_all(&dir).expect("a directory");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vod-upload-service"))
        .current_dir(&dir)
        .env_clear()
        .env("TENCENTCLOUD_SECRET_ID", common::SECRET_ID)
        .env("TENCENTCLOUD_SECRET_KEY", common::SECRET_KEY)
        .env("VOD_LISTEN", format!("127.0.0.1:{port}"))
        .env("VOD_LISTN", "127.0.0.1:1")
        .stderr(std::fs::File::create(dir.join("log")).expect("log"))
        .spawn()
        .expect("starts");
    let mut answered = None;
    for _ in 0..200 {
        if let Ok(mut response) = common::agent()
            .get(&format!("http://127.0.0.1:{port}/healthz"))
            .call()
        {
            answered = Some(response.body_mut().read_to_string().expect("body"));
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    // Lines are written in batches by a thread of their own: wait for the warning before the
    // process is killed.
    let mut warning = None;
    for _ in 0..200 {
        let log = std::fs::read_to_string(dir.join("log")).expect("log");
        warning = log
            .lines()
            .find(|line| line.contains("VOD_LISTN"))
            .map(str::to_owned);
        if warning.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    child.kill().expect("killed");
    child.wait().expect("ended");
    assert!(answered.is_some(), "listening on VOD_LISTEN's address");
    let warning = warning.expect("a warning naming it");
    assert!(warning.contains("WARN"), "{warning}");
    assert!(
        dir.join("vod-uploads.db").exists(),
        "the default store, relative to the working directory"
    );
}

#[test]
fn json_logs_are_json_lines_without_a_signature_or_a_secret() {
    let log = common::log_path("json-");
    let stand_in = StandIn::start();
    let service = common::Service::spawn(
        &[
            ("VOD_LOG_FORMAT", "json".to_owned()),
            ("VOD_API_ENDPOINT", stand_in.endpoint.clone()),
            ("VOD_UPLOAD_TOKENS", "json-token:alice".to_owned()),
            ("VOD_EVENT_SIGN_KEY", SIGN_KEY.to_owned()),
            (
                "VOD_DATABASE_URL",
                format!("sqlite://{}", log.with_extension("db").display()),
            ),
        ],
        &log,
    );
    let agent = common::agent();
    let mut signatures = Vec::new();
    for _ in 0..3 {
        let mut response = agent
            .post(&format!("{}/upload-signature", service.base))
            .header("Authorization", "Bearer json-token")
            .send("")
            .expect("HTTP");
        let answer: Value =
            serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
                .expect("JSON");
        signatures.push(
            answer["data"]["signature"]
                .as_str()
                .expect("a signature")
                .to_owned(),
        );
    }
    let event = upload_event(&common::unique("1"), "alice");
    stand_in.learn(&event);
    let (status, answer) = common::post(
        &agent,
        &format!("{}/vod/events", service.base),
        &signed(event, SIGN_KEY),
    )
    .expect("HTTP");
    assert_eq!(status, 200, "{answer}");
    let (status, _) =
        common::post(&agent, &format!("{}/vod/events", service.base), "{not json").expect("HTTP");
    assert_eq!(status, 400);
    assert!(service.terminate().success(), "SIGTERM: exit 0");
    let text = std::fs::read_to_string(&log).expect("log");
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
        .collect();
    // One line per request, with status and latency; a signature's names its user and expiry.
    let requests: Vec<&Value> = lines
        .iter()
        .filter(|line| {
            line["status"].is_u64() && line["latency_ms"].is_f64() && line["route"].is_string()
        })
        .collect();
    assert_eq!(requests.len(), 5, "one line per request:\n{text}");
    let refused = requests
        .iter()
        .find(|line| line["status"] == 400)
        .expect("the refusal's line");
    assert_eq!(refused["route"], "/vod/events");
    assert!(
        refused["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("not JSON") && reason.contains("{not json")),
        "the reason and the body: {refused}"
    );
    let minted = requests
        .iter()
        .filter(|line| {
            line["route"] == "/upload-signature"
                && line["user"] == "alice"
                && line["expire_time"].is_u64()
        })
        .count();
    assert_eq!(minted, 3, "one line per signature:\n{text}");
    for secret in signatures
        .iter()
        .map(String::as_str)
        .chain([common::SECRET_KEY, SIGN_KEY])
    {
        assert!(
            !text.contains(secret),
            "the log holds a secret or a signature"
        );
    }
    // Not even a signature's first 40 characters.
    for signature in &signatures {
        assert!(!text.contains(&signature[..40]));
    }
}
