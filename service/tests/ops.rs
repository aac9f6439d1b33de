//! What an operator relies on, over real HTTP on 127.0.0.1: JWT callers, CORS, health and
//! metrics, rate limits.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use tencent_vod_signature::UnverifiedSignature;
use vod_upload_service::App;
use vod_upload_service::auth::{Auth, JwtSettings};
use vod_upload_service::policy::Policy;
use vod_upload_service::rate::Limiter;

use common::vod_api::{StandIn, signed, upload_event};

const HS_KEY: &str = "a-login-service-hs256-key-of-32-bytes!";

async fn start(app: App) -> String {
    common::serve_app(app).await
}

async fn app_with(tokens: &str, jwt: &JwtSettings<'_>) -> App {
    let mut app = common::app(&Policy::default(), "").await;
    app.auth = Auth::new(tokens, jwt).expect("auth");
    app
}

/// One request: status, headers (lower-case names) and body text.
async fn request(
    method: &'static str,
    url: String,
    headers: Vec<(&'static str, String)>,
) -> (u16, HashMap<String, String>, String) {
    tokio::task::spawn_blocking(move || {
        let agent = common::agent();
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        let mut response = agent
            .run(request.body(()).expect("a request"))
            .expect("HTTP exchange");
        let headers = common::headers_of(&response);
        (
            response.status().as_u16(),
            headers,
            response.body_mut().read_to_string().expect("body"),
        )
    })
    .await
    .expect("client")
}

async fn signature_for(base: &str, bearer: String) -> (u16, Value) {
    let (status, _, body) = request(
        "POST",
        format!("{base}/upload-signature"),
        vec![("authorization", bearer)],
    )
    .await;
    (status, serde_json::from_str(&body).expect("JSON"))
}

fn user_of(answer: &Value) -> String {
    let signature = answer["data"]["signature"].as_str().expect("a signature");
    let context = UnverifiedSignature::decode(signature)
        .expect("decodes")
        .untrusted_fields()
        .source_context()
        .expect("set")
        .to_owned();
    serde_json::from_str::<Value>(&context).expect("JSON")["userId"]
        .as_str()
        .expect("a user")
        .to_owned()
}

fn token(claims: &Value, algorithm: Algorithm, key: &EncodingKey) -> String {
    encode(&Header::new(algorithm), claims, key).expect("a JWT")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwt_is_its_sub_and_a_bad_one_gets_401() {
    let base = start(
        app_with(
            "demo:alice",
            &JwtSettings {
                secret: Some(HS_KEY),
                issuer: Some("https://login.example"),
                audience: Some("vod-upload"),
                ..JwtSettings::default()
            },
        )
        .await,
    )
    .await;
    let now = common::now_secs();
    let key = EncodingKey::from_secret(HS_KEY.as_bytes());
    let claims = |exp: u64, aud: &str| json!({ "sub": "user-7", "exp": exp, "iss": "https://login.example", "aud": aud });
    let good = token(&claims(now + 600, "vod-upload"), Algorithm::HS256, &key);
    let (status, answer) = signature_for(&base, format!("Bearer {good}")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        user_of(&answer),
        "user-7",
        "the sub is the sourceContext user"
    );
    // The scheme in any case; a listed token is still its user.
    let (status, answer) = signature_for(&base, format!("bearer {good}")).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = signature_for(&base, "BEARER demo".to_owned()).await;
    assert_eq!((status, user_of(&answer)), (200, "alice".to_owned()));
    for (what, bad) in [
        (
            "expired",
            token(&claims(now - 3600, "vod-upload"), Algorithm::HS256, &key),
        ),
        (
            "wrong audience",
            token(&claims(now + 600, "another-app"), Algorithm::HS256, &key),
        ),
        (
            "other key",
            token(
                &claims(now + 600, "vod-upload"),
                Algorithm::HS256,
                &EncodingKey::from_secret(b"another key of enough length!!"),
            ),
        ),
        ("not a JWT", "x.y.z".to_owned()),
    ] {
        let (status, answer) = signature_for(&base, format!("Bearer {bad}")).await;
        assert_eq!(status, 401, "{what}: {answer}");
        assert_eq!(
            answer["message"], "missing or unknown bearer token",
            "{what}: generic"
        );
    }
}

/// An RSA key pair made by `openssl` for this test: (private PEM, public PEM file).
fn rsa_pair(name: &str) -> (Vec<u8>, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(common::unique("keys-"));
    std::fs::create_dir_all(&dir).expect("a directory");
    let private = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    let run = |args: &[&str]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl runs");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    run(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        private.to_str().expect("utf-8"),
    ]);
    run(&[
        "pkey",
        "-in",
        private.to_str().expect("utf-8"),
        "-pubout",
        "-out",
        public.to_str().expect("utf-8"),
    ]);
    (std::fs::read(&private).expect("the key"), public)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rs256_jwt_passes_with_its_public_key_and_fails_with_another() {
    let (private, public) = rsa_pair("login");
    let (other_private, _) = rsa_pair("other");
    let base = start(
        app_with(
            "",
            &JwtSettings {
                public_key: Some(&public),
                ..JwtSettings::default()
            },
        )
        .await,
    )
    .await;
    let claims = json!({ "sub": "user-rs", "exp": common::now_secs() + 600 });
    let good = token(
        &claims,
        Algorithm::RS256,
        &EncodingKey::from_rsa_pem(&private).expect("a key"),
    );
    let (status, answer) = signature_for(&base, format!("Bearer {good}")).await;
    assert_eq!((status, user_of(&answer)), (200, "user-rs".to_owned()));
    let forged = token(
        &claims,
        Algorithm::RS256,
        &EncodingKey::from_rsa_pem(&other_private).expect("a key"),
    );
    let (status, _) = signature_for(&base, format!("Bearer {forged}")).await;
    assert_eq!(status, 401, "signed by another key");
    // An HS256 token made with the public key as its secret (the algorithm confusion).
    let confused = token(
        &claims,
        Algorithm::HS256,
        &EncodingKey::from_secret(&std::fs::read(&public).expect("pem")),
    );
    let (status, _) = signature_for(&base, format!("Bearer {confused}")).await;
    assert_eq!(
        status, 401,
        "HS256 is not accepted where RS256 is configured"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflights_from_allowed_origins_get_204_and_others_nothing() {
    let mut app = common::app(&Policy::default(), "t:alice").await;
    app.allowed_origins = vec!["https://app.example".parse().expect("a header value")];
    let base = start(app).await;
    let preflight = |origin: &str, path: &str| {
        request(
            "OPTIONS",
            format!("{base}{path}"),
            vec![
                ("origin", origin.to_owned()),
                ("access-control-request-method", "POST".to_owned()),
                (
                    "access-control-request-headers",
                    "authorization,content-type".to_owned(),
                ),
            ],
        )
    };
    for path in ["/upload-signature", "/uploads"] {
        let (status, headers, _) = preflight("https://app.example", path).await;
        assert_eq!(status, 204, "{path}");
        assert_eq!(
            headers
                .get("access-control-allow-origin")
                .map(String::as_str),
            Some("https://app.example")
        );
        let methods = headers
            .get("access-control-allow-methods")
            .expect("methods");
        assert!(
            methods.contains("POST") && methods.contains("GET"),
            "{methods}"
        );
        let allowed = headers
            .get("access-control-allow-headers")
            .expect("headers")
            .to_lowercase();
        assert!(
            allowed.contains("authorization") && allowed.contains("content-type"),
            "{allowed}"
        );
    }
    let (_, headers, _) = preflight("https://evil.example", "/upload-signature").await;
    assert!(
        !headers
            .keys()
            .any(|name| name.starts_with("access-control-allow-origin")),
        "{headers:?}"
    );
    let (_, headers, _) = preflight("https://app.example", "/vod/events").await;
    assert!(
        !headers
            .keys()
            .any(|name| name.starts_with("access-control-")),
        "no CORS on events: {headers:?}"
    );
    // The answer itself carries the origin for the browser.
    let (status, headers, _) = request(
        "POST",
        format!("{base}/upload-signature"),
        vec![
            ("origin", "https://app.example".to_owned()),
            ("authorization", "Bearer t".to_owned()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        headers
            .get("access-control-allow-origin")
            .map(String::as_str),
        Some("https://app.example")
    );
}

/// The value of `name` (with its labels, as rendered) in a Prometheus text answer; 0 if absent.
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|line| line.starts_with(name) && line[name.len()..].starts_with(' '))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics_that_move() {
    let stand_in = StandIn::start();
    let mut app = common::app(&Policy::default(), "t:alice").await;
    common::accept_callbacks(&mut app, &stand_in);
    let store = app.store.clone();
    let base = start(app).await;
    let get = |path: &str| request("GET", format!("{base}{path}"), vec![]);
    assert_eq!(get("/healthz").await.0, 200);
    assert_eq!(get("/readyz").await.0, 200);
    let before = get("/metrics").await.2;
    let (status, _) = signature_for(&base, "Bearer t".to_owned()).await;
    assert_eq!(status, 200);
    let (status, _) = signature_for(&base, "Bearer nobody".to_owned()).await;
    assert_eq!(status, 401);
    let event = upload_event(&common::unique("1"), "alice");
    stand_in.learn(&event);
    let agent = common::agent();
    let url = format!("{base}/vod/events");
    let (status, answer) = tokio::task::spawn_blocking(move || {
        common::post(&agent, &url, &signed(event, common::SIGN_KEY)).expect("HTTP")
    })
    .await
    .expect("client");
    assert_eq!(status, 200, "{answer}");
    let (status, headers, after) = get("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"].starts_with("text/plain"),
        "{headers:?}"
    );
    for (name, moved) in [
        ("vod_signatures_minted_total", 1.0),
        ("vod_signatures_refused_total{reason=\"unauthorized\"}", 1.0),
        (
            "vod_events_total{type=\"NewFileUpload\",outcome=\"recorded\"}",
            1.0,
        ),
        (
            "vod_api_calls_total{action=\"DescribeMediaInfos\",outcome=\"ok\"}",
            1.0,
        ),
    ] {
        assert!(
            metric(&after, name) - metric(&before, name) >= moved,
            "{name}:\n{after}"
        );
    }
    assert!(
        after.contains("vod_store_seconds_bucket{operation=\"record\""),
        "{after}"
    );
    assert!(
        after.contains(
            "http_request_duration_seconds_bucket{route=\"/upload-signature\",status=\"200\""
        ),
        "{after}"
    );
    // The store down: not ready, still healthy.
    store.close().await;
    let (status, _, body) = get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON")["data"]["store"],
        false
    );
    assert_eq!(get("/healthz").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_61st_signature_in_a_minute_gets_429_and_another_user_is_unaffected() {
    let mut app = common::app(&Policy::default(), "a:alice,b:bob").await;
    app.limiter = Limiter::per_minute(60);
    let base = Arc::new(start(app).await);
    let answers: Vec<(u16, HashMap<String, String>, String)> = futures_join(61, |_| {
        request(
            "POST",
            format!("{base}/upload-signature"),
            vec![("authorization", "Bearer a".to_owned())],
        )
    })
    .await;
    let ok = answers
        .iter()
        .filter(|(status, _, _)| *status == 200)
        .count();
    let limited: Vec<_> = answers
        .iter()
        .filter(|(status, _, _)| *status == 429)
        .collect();
    assert_eq!((ok, limited.len()), (60, 1));
    let (_, headers, body) = limited[0];
    let retry_after: u64 = headers["retry-after"].parse().expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(
        serde_json::from_str::<Value>(body).expect("JSON")["code"],
        4029
    );
    let (status, _) = signature_for(&base, "Bearer b".to_owned()).await;
    assert_eq!(status, 200, "bob has his own allowance");
}

/// Runs `count` requests at once.
async fn futures_join<F, T>(count: usize, make: impl Fn(usize) -> F) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = (0..count).map(|i| tokio::spawn(make(i))).collect();
    let mut out = Vec::with_capacity(count);
    for handle in handles {
        out.push(handle.await.expect("no panic"));
    }
    out
}
