//! A signature distribution service and an event receiver, ready to copy into a backend.
//!
//! ```text
//! TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... VOD_UPLOAD_TOKENS=demo-token:alice \
//!     cargo run --example server [-- --listen 127.0.0.1:8080]
//! curl -H 'Authorization: Bearer demo-token' 'http://127.0.0.1:8080/upload-signature?classId=0'
//! ```
//!
//! - `GET /upload-signature` (header `Authorization: Bearer TOKEN`, optional query `classId`,
//!   `oneTimeValid`): checks the caller, then answers
//!   `{"code":0,"message":"ok","data":{"signature":"...","expireTime":...}}` with a fresh
//!   signature whose `sourceContext` carries the user, `{"userId":"..."}`. The web upload SDK
//!   asks before every request, so every call mints a distinct signature.
//! - `POST /vod/events`: VOD's event callback. A `NewFileUpload` event carries the
//!   signature's `sourceContext` back, so the service learns whose upload finished.
//!
//! The permission check is [`authorize`]: replace it with your own. The example's version
//! reads `TOKEN:USER` pairs, comma-separated, from `VOD_UPLOAD_TOKENS`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tencent_vod_signature::{Credentials, UploadSignature};

/// Listens here unless `--listen ADDR` says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Where the example's permission check reads its `TOKEN:USER` pairs.
const TOKENS_VARIABLE: &str = "VOD_UPLOAD_TOKENS";
/// How long a signature handed out stays valid: long enough for one upload.
const VALIDITY_SECS: u64 = 3600;

/// What the handlers share.
struct App {
    credentials: Credentials,
    /// Bearer token → user id. Stands in for your session store or identity provider.
    tokens: HashMap<String, String>,
}

/// The permission check: which user, if any, may upload. Replace this with your own.
fn authorize<'a>(app: &'a App, headers: &HeaderMap) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?;
    app.tokens.get(token).map(String::as_str)
}

/// `TOKEN:USER,TOKEN:USER` → a map; malformed entries are reported, not skipped silently.
fn parse_tokens(spec: &str) -> Result<HashMap<String, String>, String> {
    spec.split(',')
        .filter(|entry| !entry.trim().is_empty())
        .map(|entry| match entry.trim().split_once(':') {
            Some((token, user)) if !token.is_empty() && !user.is_empty() => {
                Ok((token.to_owned(), user.to_owned()))
            }
            _ => Err(format!("{TOKENS_VARIABLE}: {entry:?} is not TOKEN:USER")),
        })
        .collect()
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/upload-signature", get(upload_signature))
        .route("/vod/events", post(vod_event))
        .with_state(app)
}

/// The answer shape the upload SDKs' samples expect: `{code, message, data}`, in that order.
#[derive(Serialize)]
struct Reply<'a, T> {
    code: i32,
    message: &'a str,
    data: T,
}

/// What a successful `GET /upload-signature` carries.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignatureData<'a> {
    signature: &'a str,
    expire_time: u64,
}

fn reply(status: StatusCode, code: i32, message: &str, data: impl Serialize) -> Response {
    (
        status,
        Json(Reply {
            code,
            message,
            data,
        }),
    )
        .into_response()
}

fn bad_request(message: String) -> Response {
    reply(StatusCode::BAD_REQUEST, 4000, &message, Value::Null)
}

async fn upload_signature(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(options): Query<Vec<(String, String)>>,
) -> Response {
    let Some(user) = authorize(&app, &headers) else {
        return reply(
            StatusCode::UNAUTHORIZED,
            4001,
            "missing or unknown bearer token",
            Value::Null,
        );
    };
    let builder = match builder_for(user, &options) {
        Ok(builder) => builder,
        Err(message) => return bad_request(message),
    };
    match builder.sign(&app.credentials) {
        Ok(signed) => reply(
            StatusCode::OK,
            0,
            "ok",
            SignatureData {
                signature: signed.as_str(),
                expire_time: signed.expire_time(),
            },
        ),
        Err(error) => {
            eprintln!("upload-signature: signing failed for user {user:?}: {error}");
            reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                5000,
                "signing failed",
                Value::Null,
            )
        }
    }
}

/// The signature's parameters: the user in `sourceContext`, and the options the service
/// lets a client choose, each validated through the builder.
fn builder_for(user: &str, options: &[(String, String)]) -> Result<UploadSignature, String> {
    let source_context = json!({ "userId": user }).to_string();
    let mut builder = UploadSignature::new()
        .validity_secs(VALIDITY_SECS)
        .source_context(source_context);
    let mut seen = Vec::new();
    for (name, value) in options {
        if seen.contains(&name) {
            return Err(format!("option {name} is given more than once"));
        }
        seen.push(name);
        builder = match name.as_str() {
            "classId" => builder.class_id(
                value
                    .parse()
                    .map_err(|_| format!("classId is {value:?}, expected an unsigned integer"))?,
            ),
            "oneTimeValid" => match value.as_str() {
                "0" => builder.one_time_valid(false),
                "1" => builder.one_time_valid(true),
                _ => return Err(format!("oneTimeValid is {value:?}, expected 0 or 1")),
            },
            _ => {
                return Err(format!(
                    "unknown option {name:?}; allowed: classId, oneTimeValid"
                ));
            }
        };
    }
    builder
        .params()
        .validate()
        .map_err(|error| error.to_string())?;
    Ok(builder)
}

/// The fields of VOD's event that matter here (Tencent's "upload complete" event).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Event {
    event_type: String,
    file_upload_event: Option<FileUploadEvent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FileUploadEvent {
    file_id: String,
    media_basic_info: Option<MediaBasicInfo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MediaBasicInfo {
    source_info: Option<SourceInfo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SourceInfo {
    source_context: Option<String>,
}

/// VOD's event callback. Protect this endpoint in production (a secret path, or VOD's
/// callback authentication): anyone can post to it.
async fn vod_event(body: Bytes) -> Response {
    let event: Event = match serde_json::from_slice(&body) {
        Ok(event) => event,
        Err(error) => {
            eprintln!(
                "vod/events: malformed event ({} bytes): {error}",
                body.len()
            );
            return bad_request(format!("malformed event: {error}"));
        }
    };
    if event.event_type != "NewFileUpload" {
        eprintln!("vod/events: {} event ignored", event.event_type);
        return reply(
            StatusCode::OK,
            0,
            "ok",
            json!({ "eventType": event.event_type }),
        );
    }
    let Some(upload) = event.file_upload_event else {
        eprintln!("vod/events: NewFileUpload without FileUploadEvent");
        return bad_request("NewFileUpload event without FileUploadEvent".to_owned());
    };
    let source_context = upload
        .media_basic_info
        .and_then(|info| info.source_info)
        .and_then(|source| source.source_context)
        .unwrap_or_default();
    // The sourceContext is what this service signed: `{"userId":"..."}`.
    let user = serde_json::from_str::<Value>(&source_context)
        .ok()
        .and_then(|context| context.get("userId")?.as_str().map(str::to_owned));
    match &user {
        Some(user) => eprintln!(
            "vod/events: upload {} finished for user {user:?}",
            upload.file_id
        ),
        None => eprintln!(
            "vod/events: upload {} finished, sourceContext {source_context:?} names no user",
            upload.file_id
        ),
    }
    reply(
        StatusCode::OK,
        0,
        "ok",
        json!({ "fileId": upload.file_id, "userId": user }),
    )
}

fn listen_address() -> Result<SocketAddr, String> {
    let mut args = std::env::args().skip(1);
    let mut listen = DEFAULT_LISTEN.to_owned();
    while let Some(arg) = args.next() {
        if let Some(value) = arg.strip_prefix("--listen=") {
            value.clone_into(&mut listen);
        } else if arg == "--listen" {
            listen = args
                .next()
                .ok_or("--listen takes an address, e.g. 127.0.0.1:8080")?;
        } else {
            return Err(format!(
                "unexpected argument {arg:?}; usage: server [--listen ADDR]"
            ));
        }
    }
    listen
        .parse()
        .map_err(|_| format!("--listen {listen:?} is not an address like 127.0.0.1:8080"))
}

fn main() -> ExitCode {
    match start() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn start() -> Result<(), String> {
    let address = listen_address()?;
    let credentials = Credentials::from_env().map_err(|error| error.to_string())?;
    let tokens = parse_tokens(&std::env::var(TOKENS_VARIABLE).unwrap_or_default())?;
    if tokens.is_empty() {
        eprintln!("warning: {TOKENS_VARIABLE} is empty: every signature request will get 401");
    }
    let app = Arc::new(App {
        credentials,
        tokens,
    });
    let runtime = tokio::runtime::Runtime::new().map_err(|error| error.to_string())?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|error| format!("cannot listen on {address}: {error}"))?;
        eprintln!("listening on http://{address}");
        axum::serve(listener, router(app))
            .await
            .map_err(|error| error.to_string())
    })
}

#[cfg(test)]
mod tests {
    //! The service over real HTTP on 127.0.0.1:0, called with `ureq`.

    use super::*;
    use tencent_vod_signature::UnverifiedSignature;

    const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
    const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

    fn credentials() -> Credentials {
        Credentials::new(SECRET_ID, SECRET_KEY).expect("credentials")
    }

    /// Starts the service on a free loopback port; returns its base URL.
    async fn start_service() -> String {
        let app = Arc::new(App {
            credentials: credentials(),
            tokens: parse_tokens("token-a:alice,token-b:bob").expect("tokens"),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, router(app)).await });
        format!("http://{address}")
    }

    /// One blocking HTTP call, off the runtime's threads: (status, JSON body).
    async fn call(
        method: &'static str,
        url: String,
        token: Option<&'static str>,
        body: Option<String>,
    ) -> (u16, Value) {
        tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let mut response = match (method, body) {
                ("GET", _) => {
                    let mut request = agent.get(&url);
                    if let Some(token) = token {
                        request = request.header("Authorization", &format!("Bearer {token}"));
                    }
                    request.call()
                }
                (_, body) => agent
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .send(body.unwrap_or_default()),
            }
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
    async fn a_signature_verifies_and_carries_the_user() {
        let base = start_service().await;
        let (status, body) = call(
            "GET",
            format!("{base}/upload-signature?classId=7"),
            Some("token-a"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["code"], 0);
        assert_eq!(body["message"], "ok");
        let signature = body["data"]["signature"].as_str().expect("signature");
        let verified = credentials()
            .verify(signature)
            .expect("verifies with the crate");
        let fields = verified.fields();
        assert_eq!(body["data"]["expireTime"], fields.expire_time());
        assert_eq!(fields.source_context(), Some(r#"{"userId":"alice"}"#));
        assert_eq!(fields.class_id(), Some(7));
        assert_eq!(
            fields.expire_time() - fields.current_time_stamp(),
            VALIDITY_SECS
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn missing_or_unknown_tokens_get_401() {
        let base = start_service().await;
        for token in [None, Some("nope")] {
            let (status, body) = call("GET", format!("{base}/upload-signature"), token, None).await;
            assert_eq!(status, 401, "{token:?}");
            assert_ne!(body["code"], 0);
            assert!(
                body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("token"))
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn invalid_options_get_400_naming_the_parameter() {
        let base = start_service().await;
        for (query, needle) in [
            ("classId=abc", "classId"),
            ("classId=-1", "classId"),
            ("oneTimeValid=2", "oneTimeValid"),
            ("procedure=x", "procedure"),
            ("classId=1&classId=2", "classId"),
        ] {
            let (status, body) = call(
                "GET",
                format!("{base}/upload-signature?{query}"),
                Some("token-b"),
                None,
            )
            .await;
            assert_eq!(status, 400, "{query}");
            assert!(
                body["message"].as_str().is_some_and(|m| m.contains(needle)),
                "{query}: {body}"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_call_mints_a_distinct_signature() {
        let base = start_service().await;
        let mut signatures = std::collections::HashSet::new();
        for _ in 0..20 {
            let (status, body) = call(
                "GET",
                format!("{base}/upload-signature?oneTimeValid=1"),
                Some("token-a"),
                None,
            )
            .await;
            assert_eq!(status, 200);
            assert!(
                signatures.insert(
                    body["data"]["signature"]
                        .as_str()
                        .expect("signature")
                        .to_owned()
                )
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_upload_event_round_trips_to_the_user() {
        let base = start_service().await;
        let (_, body) = call(
            "GET",
            format!("{base}/upload-signature"),
            Some("token-b"),
            None,
        )
        .await;
        let signature = body["data"]["signature"].as_str().expect("signature");
        let source_context = UnverifiedSignature::decode(signature)
            .expect("decodes")
            .untrusted_fields()
            .source_context()
            .expect("set")
            .to_owned();
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
        let (status, body) = call(
            "POST",
            format!("{base}/vod/events"),
            None,
            Some(event.to_string()),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["userId"], "bob");
        assert_eq!(body["data"]["fileId"], "5285890784246869930");

        let other =
            json!({ "EventType": "ProcedureStateChanged", "ProcedureStateChangeEvent": {} });
        let (status, _) = call(
            "POST",
            format!("{base}/vod/events"),
            None,
            Some(other.to_string()),
        )
        .await;
        assert_eq!(status, 200);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn malformed_events_get_400_and_the_service_keeps_running() {
        let base = start_service().await;
        for body in [
            "",
            "not json",
            "{}",
            r#"{"EventType":"NewFileUpload"}"#,
            r#"{"EventType":"NewFileUpload","FileUploadEvent":{}}"#,
        ] {
            let (status, _) = call(
                "POST",
                format!("{base}/vod/events"),
                None,
                Some(body.to_owned()),
            )
            .await;
            assert_eq!(status, 400, "{body:?}");
        }
        let (status, _) = call(
            "GET",
            format!("{base}/upload-signature"),
            Some("token-a"),
            None,
        )
        .await;
        assert_eq!(status, 200, "still serving");
    }

    #[test]
    fn token_lists_are_parsed_or_refused() {
        let tokens = parse_tokens(" a:alice , b:bob ,").expect("valid");
        assert_eq!(tokens.get("a").map(String::as_str), Some("alice"));
        assert_eq!(tokens.len(), 2);
        assert!(parse_tokens("a").is_err());
        assert!(parse_tokens(":alice").is_err());
        assert!(parse_tokens("").expect("empty is fine").is_empty());
    }
}
