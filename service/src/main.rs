//! `vod-upload-service`: the signature distribution service and VOD event receiver.
//!
//! ```text
//! TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... VOD_UPLOAD_TOKENS=demo-token:alice \
//!     vod-upload-service [--listen 127.0.0.1:8080]
//! curl -H 'Authorization: Bearer demo-token' http://127.0.0.1:8080/upload-signature
//! ```
//!
//! Configured by environment: the key pair (`TENCENTCLOUD_SECRET_ID`,
//! `TENCENTCLOUD_SECRET_KEY`), the callers (`VOD_UPLOAD_TOKENS`, `TOKEN:USER,...`) and the
//! signature policy (`VOD_SIGNATURE_VALIDITY_SECS`, `VOD_ONE_TIME_VALID`, `VOD_PROCEDURE`,
//! `VOD_CLASS_ID`, `VOD_SUB_APP_ID`) and, with several replicas, this one's place among them
//! (`VOD_SIGNER_INSTANCE=INDEX/COUNT`); the event callbacks' `SignKey`
//! (`VOD_EVENT_SIGN_KEY`), which makes unauthenticated callbacks get 401; `VOD_EVENTS=pull` for
//! the reliable callback (`PullEvents`/`ConfirmEvents` against `VOD_API_ENDPOINT`, by default
//! Tencent's); the store (`VOD_DATABASE_URL`, by default `sqlite://vod-uploads.db`) and how
//! long it keeps raw events (`VOD_EVENT_RETENTION_DAYS`, default 30). Clients are held to [`Limits::default`]: 10 s to send a request head of at
//! most 16 KiB, bodies of at most 64 KiB, 10 s per request. SIGTERM or SIGINT: stop
//! accepting, finish what is in flight, exit 0.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::runtime::Handle;

use tencent_vod_signature::{Credentials, Instance, SignKey};
use vod_upload_service::auth::{TOKENS_VARIABLE, parse_tokens};
use vod_upload_service::events::{SIGN_KEY_VARIABLE, unix_now};
use vod_upload_service::policy::Policy;
use vod_upload_service::pull::{DEFAULT_ENDPOINT, ENDPOINT_VARIABLE, MODE_VARIABLE, Puller};
use vod_upload_service::server::{Limits, serve};
use vod_upload_service::store::{DatabaseUrl, Store};
use vod_upload_service::{App, router};

/// This replica's place among the replicas sharing the SecretId, `INDEX/COUNT`: no two
/// replicas then ever hand out the same `random`.
const INSTANCE_VARIABLE: &str = "VOD_SIGNER_INSTANCE";

/// How many days raw events are kept for audit.
const RETENTION_VARIABLE: &str = "VOD_EVENT_RETENTION_DAYS";

/// Unset, raw events are kept this long.
const DEFAULT_RETENTION_DAYS: u32 = 30;

/// VOD keeps an unconfirmed event, and may deliver it again, for 4 days.
const MIN_RETENTION_DAYS: u32 = 5;

/// Listens here unless `--listen ADDR` says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

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
    let address = listen_address(std::env::args().skip(1))?;
    let mut credentials = Credentials::from_env().map_err(|error| error.to_string())?;
    if let Ok(instance) = std::env::var(INSTANCE_VARIABLE) {
        let instance = instance
            .parse::<Instance>()
            .map_err(|error| format!("{INSTANCE_VARIABLE}: {error}"))?;
        eprintln!("signing as instance {instance} of the fleet");
        credentials = credentials.in_fleet(instance);
    }
    let tokens = parse_tokens(&std::env::var(TOKENS_VARIABLE).unwrap_or_default())?;
    if tokens.is_empty() {
        eprintln!("warning: {TOKENS_VARIABLE} is empty: every signature request will get 401");
    }
    let policy = Policy::from_env()?;
    let sign_key = match std::env::var(SIGN_KEY_VARIABLE) {
        Ok(key) => {
            Some(SignKey::new(key).map_err(|error| format!("{SIGN_KEY_VARIABLE}: {error}"))?)
        }
        Err(_) => {
            eprintln!(
                "warning: {SIGN_KEY_VARIABLE} is not set: event callbacks are not authenticated"
            );
            None
        }
    };
    let database = DatabaseUrl::from_env()?;
    let retention_days = retention_days()?;
    let puller = match std::env::var(MODE_VARIABLE).as_deref() {
        Ok("pull") => {
            let endpoint =
                std::env::var(ENDPOINT_VARIABLE).unwrap_or_else(|_| DEFAULT_ENDPOINT.to_owned());
            let secret_id = std::env::var(tencent_vod_signature::SECRET_ID_VARIABLE)
                .map_err(|_| "pull mode needs TENCENTCLOUD_SECRET_ID".to_owned())?;
            let secret_key = std::env::var(tencent_vod_signature::SECRET_KEY_VARIABLE)
                .map_err(|_| "pull mode needs TENCENTCLOUD_SECRET_KEY".to_owned())?;
            Some(Puller::new(
                &endpoint,
                secret_id,
                secret_key,
                policy.sub_app_id,
            )?)
        }
        Ok(other) => {
            return Err(format!(
                "{MODE_VARIABLE} is {other:?}: \"pull\" for the reliable callback, unset for normal callbacks"
            ));
        }
        Err(_) => None,
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|error| error.to_string())?;
    runtime.block_on(async {
        let store = Store::open(&database)
            .await
            .map_err(|error| format!("{database}: {error}"))?;
        eprintln!("store: {database}");
        let app = Arc::new(App {
            credentials,
            tokens,
            policy,
            sign_key,
            store,
        });
        tokio::spawn(prune_events(app.store.clone(), retention_days));
        let stop = Arc::new(AtomicBool::new(false));
        if let Some(puller) = puller {
            eprintln!("pulling events from the VOD API (reliable callback)");
            let (app, stop, runtime) = (Arc::clone(&app), Arc::clone(&stop), Handle::current());
            std::thread::spawn(move || puller.run(&app, &runtime, &stop));
        }
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|error| format!("cannot listen on {address}: {error}"))?;
        eprintln!("listening on http://{address}");
        serve(
            listener,
            router(Arc::clone(&app)),
            Limits::default(),
            shutdown_signal(),
        )
        .await;
        // The puller ends after its current round; events it has not confirmed come back.
        stop.store(true, Ordering::Relaxed);
        app.store.close().await;
        eprintln!("shut down");
        Ok(())
    })
}

/// How often the raw events older than the retention are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Deletes the raw events older than `days`, at start and then every [`PRUNE_EVERY`]. Upload
/// records are the app's data and are never pruned.
async fn prune_events(store: Store, days: u32) {
    let mut every = tokio::time::interval(PRUNE_EVERY);
    loop {
        every.tick().await;
        let before = unix_now() - i64::from(days) * 86_400;
        match store.prune_events(before).await {
            Ok(0) => {}
            Ok(pruned) => eprintln!("store: pruned {pruned} events older than {days} days"),
            Err(error) => eprintln!("store: pruning failed, will try again: {error}"),
        }
    }
}

/// `VOD_EVENT_RETENTION_DAYS`, at least VOD's own retention, so that no event VOD may still
/// deliver again is forgotten.
fn retention_days() -> Result<u32, String> {
    let Ok(value) = std::env::var(RETENTION_VARIABLE) else {
        return Ok(DEFAULT_RETENTION_DAYS);
    };
    value
        .parse()
        .ok()
        .filter(|days| *days >= MIN_RETENTION_DAYS)
        .ok_or_else(|| {
            format!(
                "{RETENTION_VARIABLE} is {value:?}, expected whole days, at least {MIN_RETENTION_DAYS} (VOD delivers events again for up to 4 days)"
            )
        })
}

/// Resolves on the first SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("a SIGTERM handler can be installed at start");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    eprintln!("shutting down: finishing requests in flight");
}

/// `--listen ADDR` or `--listen=ADDR`, or the default.
fn listen_address(mut args: impl Iterator<Item = String>) -> Result<SocketAddr, String> {
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
                "unexpected argument {arg:?}; usage: vod-upload-service [--listen ADDR]"
            ));
        }
    }
    listen
        .parse()
        .map_err(|_| format!("--listen {listen:?} is not an address like 127.0.0.1:8080"))
}
