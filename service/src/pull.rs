//! Reliable callback (`VOD_EVENTS=pull`): the service pulls events with the VOD API
//! `PullEvents` (a long poll of up to 5 s, at most 16 events), records each as a callback is
//! recorded, then confirms those committed with `ConfirmEvents`. An event not confirmed within 30 s is
//! delivered again (VOD keeps events 4 days), so a failed round loses nothing, and the repeat
//! is recognised and not handled twice. Every call is signed with TC3-HMAC-SHA256.
//!
//! Unlike a normal callback, nothing here trusts an incoming request: the service itself
//! calls Tencent's API with its key, so the events are as authentic as that connection.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tencent_vod_signature::{Event, Timestamp};

use tokio::runtime::Handle;

use crate::App;
use crate::events::{record_event, unix_now};
use crate::record::EventRecord;
use crate::tc3;
use crate::telemetry;

/// `pull` selects the reliable callback; unset, the service waits for normal callbacks.
pub const MODE_VARIABLE: &str = "VOD_EVENTS";

/// The API's address (for a test's stand-in); unset, Tencent's.
pub const ENDPOINT_VARIABLE: &str = "VOD_API_ENDPOINT";

/// Tencent's VOD API.
pub const DEFAULT_ENDPOINT: &str = "https://vod.tencentcloudapi.com";

/// The API's error when the long poll ended with no event.
const NO_EVENT: &str = "ResourceNotFound.NoEvent";

/// How the log names this way in.
const SOURCE: &str = "vod/events (pull)";

/// The VOD API's version.
const VERSION: &str = "2018-07-17";

/// How long one call may take: `PullEvents` holds the request for up to 5 s.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// How long the loop waits after a failed round before the next.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// Pulls and confirms events with one API key.
pub struct Puller {
    endpoint: String,
    host: String,
    secret_id: String,
    secret_key: String,
    sub_app_id: Option<u64>,
    agent: ureq::Agent,
}

impl fmt::Debug for Puller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Puller")
            .field("endpoint", &self.endpoint)
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Puller {
    /// A puller for the API at `endpoint` (`https://host` or `http://host:port`).
    ///
    /// # Errors
    ///
    /// A message when `endpoint` has no host.
    pub fn new(
        endpoint: &str,
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
        sub_app_id: Option<u64>,
    ) -> Result<Self, String> {
        let host = endpoint
            .split_once("://")
            .map_or(endpoint, |(_, rest)| rest)
            .split('/')
            .next()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| format!("{ENDPOINT_VARIABLE}: {endpoint:?} names no host"))?
            .to_owned();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(CALL_TIMEOUT))
            .build()
            .into();
        Ok(Self {
            endpoint: endpoint.to_owned(),
            host,
            secret_id: secret_id.into(),
            secret_key: secret_key.into(),
            sub_app_id,
            agent,
        })
    }

    /// Calls `action` with `body`, counting the call by its outcome.
    fn call(&self, action: &'static str, body: Value) -> Result<Value, String> {
        let result = self.call_once(action, body);
        let outcome = match &result {
            Ok(_) => "ok",
            Err(error) if error.starts_with(NO_EVENT) => "no_event",
            Err(_) => "error",
        };
        metrics::counter!("vod_puller_calls_total", "action" => action, "outcome" => outcome)
            .increment(1);
        result
    }

    /// Calls `action` with `body`: its `Response`, or the API's error as `Code: Message`.
    fn call_once(&self, action: &str, mut body: Value) -> Result<Value, String> {
        if let Some(sub_app_id) = self.sub_app_id {
            body["SubAppId"] = json!(sub_app_id);
        }
        let payload = body.to_string();
        let timestamp = Timestamp::now()
            .map_err(|error| error.to_string())?
            .as_secs();
        let authorization = tc3::authorization(
            &self.secret_id,
            &self.secret_key,
            tc3::Call {
                service: "vod",
                host: &self.host,
                timestamp,
                payload: payload.as_bytes(),
            },
        );
        let mut response = self
            .agent
            .post(&self.endpoint)
            .header("Authorization", &authorization)
            .header("Content-Type", tc3::CONTENT_TYPE)
            .header("X-TC-Action", action)
            .header("X-TC-Version", VERSION)
            .header("X-TC-Timestamp", &timestamp.to_string())
            .send(payload)
            .map_err(|error| format!("{action}: {error}"))?;
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|error| format!("{action}: {error}"))?;
        let answer: Value =
            serde_json::from_str(&text).map_err(|error| format!("{action}: not JSON: {error}"))?;
        let response = answer["Response"].clone();
        if let Some(error) = response.get("Error") {
            return Err(format!(
                "{}: {}",
                error["Code"].as_str().unwrap_or("?"),
                error["Message"].as_str().unwrap_or("")
            ));
        }
        Ok(response)
    }

    /// One round: pull, record each event in the store (on `runtime`), confirm those whose
    /// record committed. Returns how many were pulled.
    ///
    /// An event that cannot be recorded (it does not parse, or its FileId or TaskId cannot be
    /// a key) is kept as a dead letter and confirmed: it came over this service's own signed
    /// call, so it is VOD's, and would come back unreadable for four days. An event whose
    /// record (or dead letter) fails is not confirmed: VOD delivers it again.
    ///
    /// # Errors
    ///
    /// The API's error (or the transport's) of `PullEvents` or `ConfirmEvents`; events not
    /// confirmed come back and are recognised as repeats.
    pub fn round(&self, app: &App, runtime: &Handle) -> Result<usize, String> {
        let response = match self.call("PullEvents", json!({})) {
            Ok(response) => response,
            // Nothing happened during the long poll.
            Err(error) if error.starts_with(NO_EVENT) => return Ok(0),
            Err(error) => return Err(error),
        };
        let events = response["EventSet"].as_array().cloned().unwrap_or_default();
        let mut handles = Vec::with_capacity(events.len());
        for raw in &events {
            let event_handle = raw["EventHandle"].as_str().unwrap_or("?");
            let text = raw.to_string();
            let readable = Event::parse(text.as_bytes())
                .map_err(|error| error.to_string())
                .and_then(|event| EventRecord::of(&event).map_err(|error| error.to_string()));
            let committed = match readable {
                Ok(record) => runtime
                    .block_on(record_event(app, &record, SOURCE))
                    .map(drop),
                Err(reason) => {
                    tracing::warn!(source = SOURCE, event_handle, %reason, "dead letter");
                    let event_type = raw["EventType"].as_str().unwrap_or("unknown");
                    telemetry::event(event_type, "dead_lettered");
                    runtime.block_on(app.store.dead_letter(&text, &reason, SOURCE, unix_now()))
                }
            };
            match committed {
                Ok(()) => handles.extend(raw["EventHandle"].as_str().map(str::to_owned)),
                Err(error) => {
                    tracing::error!(source = SOURCE, event_handle, %error, "not confirmed");
                }
            }
        }
        if !handles.is_empty() {
            self.call("ConfirmEvents", json!({ "EventHandles": handles }))?;
        }
        Ok(events.len())
    }

    /// Rounds until `stop` is set, pausing after a failed one.
    pub fn run(&self, app: &App, runtime: &Handle, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            if let Err(error) = self.round(app, runtime) {
                tracing::warn!(source = SOURCE, %error, "round failed");
                std::thread::sleep(RETRY_PAUSE);
            }
        }
    }
}
