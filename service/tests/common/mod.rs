//! What the service's test binaries share: stores on a real SQLite file and, when
//! `VOD_TEST_DATABASE_URL` names one, on a real PostgreSQL database.
#![allow(dead_code)] // each test binary uses its own part

pub mod vod_api;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use vod_upload_service::store::{DatabaseUrl, Store};

/// The PostgreSQL database the tests may use (`.ci/run` starts one and sets it).
pub const TEST_DATABASE_VARIABLE: &str = "VOD_TEST_DATABASE_URL";

/// A fresh SQLite file under cargo's temporary directory for tests.
pub fn sqlite_url() -> DatabaseUrl {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "store-{}-{}-{}.db",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_nanos(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    DatabaseUrl::Sqlite(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name))
}

/// A store on a fresh SQLite file.
pub async fn sqlite_store() -> Store {
    Store::open(&sqlite_url()).await.expect("an SQLite store")
}

/// The PostgreSQL database named by `VOD_TEST_DATABASE_URL`; `None` when it is unset, which
/// fails under CI (`CI=true`): CI must run the PostgreSQL tests, never skip them.
pub fn postgres_url() -> Option<DatabaseUrl> {
    match std::env::var(TEST_DATABASE_VARIABLE) {
        Ok(url) => Some(
            url.parse()
                .expect("VOD_TEST_DATABASE_URL is a postgres:// URL"),
        ),
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{TEST_DATABASE_VARIABLE} is not set under CI: the PostgreSQL tests would be skipped"
            );
            eprintln!("{TEST_DATABASE_VARIABLE} is not set: skipping the PostgreSQL part");
            None
        }
    }
}

/// A name no other test run has used, for users and FileIds in a shared database.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}{}{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_micros()
            % 1_000_000_000,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A log file of its own for a spawned service, named after `name` (the directory outlives
/// runs: a log must not gather lines from an earlier one).
pub fn log_path(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{}.log", unique(name)))
}

/// The service's binary, running with its own environment on a free loopback port; killed
/// (SIGKILL) when dropped.
pub struct Service {
    /// The process.
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

/// The demo key pair the spawned services sign with.
pub const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
/// Its SecretKey.
pub const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

impl Service {
    /// Starts the binary with the demo key pair and `env`, its log in `log` (appended), and
    /// waits until it answers.
    pub fn spawn(env: &[(&str, String)], log: &std::path::Path) -> Self {
        // A free port can be taken by another test's service between our look and its bind:
        // a service that exits at start is started again on another port.
        for _ in 0..5 {
            if let Some(service) = Self::try_spawn(env, log) {
                return service;
            }
        }
        panic!("the service did not start; its log: {}", log.display());
    }

    fn try_spawn(env: &[(&str, String)], log: &std::path::Path) -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_vod-upload-service"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env_clear()
            .env("TENCENTCLOUD_SECRET_ID", SECRET_ID)
            .env("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stderr(log)
            .spawn()
            .expect("the service starts");
        let mut service = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if service.child.try_wait().expect("a status").is_some() {
                return None;
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                // Whoever answered, it must be ours: it has not exited for want of the port.
                std::thread::sleep(std::time::Duration::from_millis(200));
                return service
                    .child
                    .try_wait()
                    .expect("a status")
                    .is_none()
                    .then_some(service);
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("the service did not listen on {port} within 5 s");
    }
}

impl Service {
    /// Stops it with SIGTERM, as an operator does, and waits until it has exited; its exit
    /// status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        self.child.wait().expect("it exits")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client that reports every status instead of failing on 4xx and 5xx.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .build()
        .into()
}

/// A response's headers, names in lower case.
pub fn headers_of<B>(
    response: &ureq::http::Response<B>,
) -> std::collections::HashMap<String, String> {
    response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// POSTs `body` to `url`: the status and JSON answer, or the transport's error.
pub fn post(
    agent: &ureq::Agent,
    url: &str,
    body: &str,
) -> Result<(u16, serde_json::Value), String> {
    let mut response = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .map_err(|error| error.to_string())?;
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|error| error.to_string())?;
    Ok((
        response.status().as_u16(),
        serde_json::from_str(&text).map_err(|error| format!("{error}: {text}"))?,
    ))
}

/// GETs `url` with a bearer token: the status and JSON answer.
pub fn get(agent: &ureq::Agent, url: &str, token: &str) -> (u16, serde_json::Value) {
    let mut response = agent
        .get(url)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("HTTP exchange");
    let text = response.body_mut().read_to_string().expect("body");
    (
        response.status().as_u16(),
        serde_json::from_str(&text).expect("JSON"),
    )
}

/// Every FileId listed by `GET /uploads` for the token's user, page by page.
pub fn all_uploads(agent: &ureq::Agent, base: &str, token: &str) -> Vec<serde_json::Value> {
    let mut uploads = Vec::new();
    let mut url = format!("{base}/uploads?limit=100");
    loop {
        let (status, answer) = get(agent, &url, token);
        assert_eq!(status, 200, "{answer}");
        uploads.extend(
            answer["data"]["uploads"]
                .as_array()
                .expect("a list")
                .iter()
                .cloned(),
        );
        match answer["data"]["next"].as_str() {
            Some(next) => url = format!("{base}/uploads?limit=100&cursor={next}"),
            None => return uploads,
        }
    }
}

/// `Sign` = MD5(key + T), computed with the `md-5` crate (not the service's checker).
pub fn sign(key: &str, t: u64) -> String {
    use md5::{Digest, Md5};
    Md5::digest(format!("{key}{t}").as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Unix seconds now.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// An app signing with the demo key pair under `policy`, for the callers of `tokens`.
pub async fn app(
    policy: &vod_upload_service::policy::Policy,
    tokens: &str,
) -> vod_upload_service::App {
    let credentials =
        tencent_vod_signature::Credentials::new(SECRET_ID, SECRET_KEY).expect("credentials");
    vod_upload_service::App::new(
        policy.signer(credentials).expect("a valid policy"),
        vod_upload_service::auth::Auth::new(
            tokens,
            &vod_upload_service::auth::JwtSettings::default(),
        )
        .expect("tokens"),
        sqlite_store().await,
    )
}

/// Serves `app` on a free loopback port, in this runtime; its base URL.
pub async fn serve_app(app: vod_upload_service::App) -> String {
    serve_shared(std::sync::Arc::new(app)).await
}

/// Serves `app`, which the test keeps a handle on, on a free loopback port; its base URL.
pub async fn serve_shared(app: std::sync::Arc<vod_upload_service::App>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(vod_upload_service::server::serve(
        listener,
        vod_upload_service::router(app),
        vod_upload_service::server::Limits::default(),
        std::future::pending(),
    ));
    format!("http://{address}")
}

/// The `SignKey` of the tests' callbacks.
pub const SIGN_KEY: &str = "TestSignKey1";

/// `app` in callback mode: callbacks signed with [`SIGN_KEY`] and confirmed by `stand_in`.
pub fn accept_callbacks(app: &mut vod_upload_service::App, stand_in: &vod_api::StandIn) {
    accept_callbacks_from(app, &stand_in.endpoint);
}

/// `app` in callback mode: callbacks signed with [`SIGN_KEY`] and confirmed by the API at
/// `endpoint`.
pub fn accept_callbacks_from(app: &mut vod_upload_service::App, endpoint: &str) {
    app.callbacks = Some(vod_upload_service::events::CallbackCheck {
        sign_key: tencent_vod_signature::SignKey::new(SIGN_KEY).expect("a key"),
        api: vod_upload_service::vod_api::VodApi::new(endpoint, SECRET_ID, SECRET_KEY, None)
            .expect("an endpoint"),
    });
}
