//! Reliable callback (`VOD_EVENTS=pull`): the service pulls events with the VOD API
//! `PullEvents` (a long poll of up to 5 s, at most 16 events), records each as a callback is
//! recorded, then confirms those committed with `ConfirmEvents`. An event not confirmed within
//! 30 s is delivered again (VOD keeps events 4 days), so a failed round loses nothing, and the
//! repeat is recognised and not handled twice.
//!
//! Unlike a callback, nothing here trusts an incoming request: the service itself calls
//! Tencent's API with its key, so the events are as authentic as that connection.
//!
//! The puller is paced and backs off, so that it never spins against Tencent's API:
//!
//! - after an empty answer (no `EventSet`, an empty one, or `ResourceNotFound.NoEvent`), the
//!   next `PullEvents` starts no sooner than [`EMPTY_PAUSE`] after the last one started;
//! - after a failure (transport, a status other than 200, any other API error, a malformed
//!   answer), it waits by exponential backoff with jitter ([`backoff`]): 1 s, doubling, capped
//!   at 60 s, reset by the next success.
//!
//! On shutdown a `PullEvents` in flight is abandoned (nothing of it was handled; VOD hands its
//! events out again), and a round that has events finishes: they are recorded and confirmed,
//! within the grace period the caller gives [`Puller::run`]'s task.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder as _, ExponentialBackoff, ExponentialBuilder};
use serde_json::{Value, json};
use tencent_vod_signature::Event;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::App;
use crate::events::{record_event, unix_now};
use crate::record::EventRecord;
use crate::telemetry;
use crate::vod_api::{ApiError, VodApi};

/// How the log and the dead letters name this way in.
const SOURCE: &str = "vod/events (pull)";

/// The API's error when the long poll ended with no event.
const NO_EVENT: &str = "ResourceNotFound.NoEvent";

/// How long `PullEvents` may take: it holds the request for up to 5 s.
const PULL_TIMEOUT: Duration = Duration::from_secs(15);

/// How long `ConfirmEvents` may take.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);

/// The least time between the starts of two `PullEvents` when the first found nothing.
pub const EMPTY_PAUSE: Duration = Duration::from_secs(1);

/// The first wait after a failure.
pub const BACKOFF_BASE: Duration = Duration::from_secs(1);

/// The longest wait after failures.
pub const BACKOFF_CAP: Duration = Duration::from_secs(60);

/// The waits after consecutive failures: [`BACKOFF_BASE`], doubling, each with a random
/// jitter of up to its own length, capped at [`BACKOFF_CAP`]; endless.
pub fn backoff() -> impl Iterator<Item = Duration> {
    let waits: ExponentialBackoff = ExponentialBuilder::new()
        .with_min_delay(BACKOFF_BASE)
        .with_factor(2.0)
        .with_max_delay(BACKOFF_CAP)
        .with_jitter()
        .without_max_times()
        .build();
    // backon adds the jitter after its cap: cap again.
    waits.map(|wait| wait.min(BACKOFF_CAP))
}

/// Why a round failed.
#[derive(Debug)]
pub enum RoundError {
    /// `PullEvents` failed.
    Pull(ApiError),
    /// `ConfirmEvents` failed: the events handled come back and are recognised as repeats.
    Confirm(ApiError),
}

impl fmt::Display for RoundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pull(error) => write!(f, "PullEvents: {error}"),
            Self::Confirm(error) => write!(f, "ConfirmEvents: {error}"),
        }
    }
}

impl std::error::Error for RoundError {}

/// Pulls and confirms events with the API's key.
#[derive(Debug, Clone)]
pub struct Puller {
    api: VodApi,
}

impl Puller {
    /// A puller calling `api`.
    #[must_use]
    pub fn new(api: VodApi) -> Self {
        Self { api }
    }

    /// `PullEvents`: the events of one long poll (empty when there were none).
    ///
    /// # Errors
    ///
    /// [`RoundError::Pull`].
    pub async fn pull(&self) -> Result<Vec<Value>, RoundError> {
        match self.api.call("PullEvents", json!({}), PULL_TIMEOUT).await {
            Ok(mut response) => Ok(match response["EventSet"].take() {
                Value::Array(events) => events,
                _ => Vec::new(),
            }),
            Err(error) if error.code() == Some(NO_EVENT) => Ok(Vec::new()),
            Err(error) => Err(RoundError::Pull(error)),
        }
    }

    /// Records each pulled event in the store, then confirms those whose record committed.
    ///
    /// An event that cannot be recorded (it does not parse, or its FileId or TaskId cannot be
    /// a key) is kept as a dead letter and confirmed: it came over this service's own signed
    /// call, so it is VOD's, and would come back unreadable for four days. An event whose
    /// record (or dead letter) fails is not confirmed: VOD delivers it again.
    ///
    /// # Errors
    ///
    /// [`RoundError::Confirm`]; the events not confirmed come back and are repeats.
    pub async fn handle(&self, app: &App, events: &[Value]) -> Result<(), RoundError> {
        let mut handles = Vec::with_capacity(events.len());
        for raw in events {
            let event_handle = raw["EventHandle"].as_str().unwrap_or("?");
            let text = raw.to_string();
            let readable = Event::parse(text.as_bytes())
                .map_err(|error| error.to_string())
                .and_then(|event| EventRecord::of(&event).map_err(|error| error.to_string()));
            let committed = match readable {
                Ok(record) => record_event(app, &record, SOURCE).await.map(drop),
                Err(reason) => {
                    let result = app
                        .store
                        .dead_letter(&text, &reason, SOURCE, unix_now())
                        .await;
                    if result.is_ok() {
                        tracing::warn!(source = SOURCE, event_handle, %reason, "dead letter");
                        let event_type = raw["EventType"].as_str().unwrap_or("unknown");
                        telemetry::event(event_type, "dead_lettered");
                    }
                    result
                }
            };
            match committed {
                Ok(()) => handles.extend(raw["EventHandle"].as_str().map(str::to_owned)),
                Err(error) => {
                    tracing::error!(source = SOURCE, event_handle, %error, "not confirmed: the store failed");
                }
            }
        }
        if handles.is_empty() {
            return Ok(());
        }
        self.api
            .call(
                "ConfirmEvents",
                json!({ "EventHandles": handles }),
                CONFIRM_TIMEOUT,
            )
            .await
            .map(drop)
            .map_err(RoundError::Confirm)
    }

    /// Rounds until `stop` is cancelled, paced after empty answers and backing off after
    /// failures.
    pub async fn run(self, app: Arc<App>, stop: CancellationToken) {
        let mut waits = backoff();
        loop {
            let started = Instant::now();
            let pulled = tokio::select! {
                pulled = self.pull() => pulled,
                // Nothing of an abandoned long poll was handled: VOD hands it out again.
                () = stop.cancelled() => break,
            };
            let result = match pulled {
                Ok(events) if events.is_empty() => Ok(false),
                // The round finishes even when asked to stop: its events are committed and
                // confirmed (the caller bounds how long it waits).
                Ok(events) => self.handle(&app, &events).await.map(|()| true),
                Err(error) => Err(error),
            };
            let wait_until = match result {
                Ok(found) => {
                    waits = backoff();
                    if found {
                        continue;
                    }
                    started + EMPTY_PAUSE
                }
                Err(error) => {
                    let wait = waits.next().expect("the backoff is endless");
                    tracing::warn!(source = SOURCE, %error, retry_in_s = wait.as_secs_f64(), "round failed");
                    Instant::now() + wait
                }
            };
            tokio::select! {
                () = tokio::time::sleep_until(wait_until) => {}
                () = stop.cancelled() => break,
            }
        }
        tracing::info!(source = SOURCE, "puller stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_with_jitter_and_stops_growing_at_a_minute() {
        for _ in 0..100 {
            let waits: Vec<Duration> = backoff().take(12).collect();
            for (i, wait) in waits.iter().enumerate() {
                let base = BACKOFF_BASE * 2_u32.pow(u32::try_from(i).expect("small"));
                let base = base.min(BACKOFF_CAP);
                assert!(
                    *wait >= base && *wait <= (base * 2).min(BACKOFF_CAP),
                    "{i}: {wait:?}"
                );
            }
        }
        // The jitter varies.
        let firsts: std::collections::HashSet<Duration> = (0..20)
            .map(|_| backoff().next().expect("endless"))
            .collect();
        assert!(firsts.len() > 1);
    }
}
