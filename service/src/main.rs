//! `vod-upload-service`: the signature distribution service and VOD event receiver.
//!
//! ```text
//! TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... VOD_UPLOAD_TOKENS=demo-token:alice \
//!     vod-upload-service [--listen 127.0.0.1:8080]
//! curl -H 'Authorization: Bearer demo-token' http://127.0.0.1:8080/upload-signature
//! ```
//!
//! Configured by flags or the environment ([`Config`]: `--help` lists every variable with
//! its default); `service/README.md` is the operator's guide. SIGTERM or SIGINT: stop
//! accepting, finish what is in flight, close the store, exit 0.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::HeaderValue;
use clap::Parser as _;
use tencent_vod_signature::{Credentials, Instance, SignKey};
use tokio_util::sync::CancellationToken;
use vod_upload_service::auth::{Auth, JwtSettings};
use vod_upload_service::config::{Config, EventMode, unknown_variables};
use vod_upload_service::demo::{DEFAULT_SDK_INTEGRITY, DEFAULT_SDK_URL, DemoConfig, DemoPage};
use vod_upload_service::events::{CallbackCheck, unix_now};
use vod_upload_service::policy::Policy;
use vod_upload_service::pull::Puller;
use vod_upload_service::rate::Limiter;
use vod_upload_service::server::{Limits, serve};
use vod_upload_service::store::{DatabaseUrl, Store};
use vod_upload_service::vod_api::VodApi;
use vod_upload_service::{App, router, telemetry};

fn main() -> ExitCode {
    // A usage error: clap's message and exit 2.
    let config = Config::parse();
    let _logs = telemetry::init_logs(config.log_format);
    match start(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn start(config: Config) -> Result<(), String> {
    for name in unknown_variables(std::env::vars().map(|(name, _)| name)) {
        tracing::warn!(variable = %name, "{name} is set but not read by this service (a typo?); --help lists the variables");
    }
    let mut credentials = Credentials::new(&config.secret_id, &config.secret_key)
        .map_err(|error| format!("TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY: {error}"))?;
    if let Some(instance) = &config.signer_instance {
        let instance = instance
            .parse::<Instance>()
            .map_err(|error| format!("VOD_SIGNER_INSTANCE: {error}"))?;
        tracing::info!(%instance, "signing as an instance of the fleet");
        credentials = credentials.in_fleet(instance);
    }
    let signer = Policy::from_config(&config).signer(credentials)?;
    let auth = Auth::new(
        &config.upload_tokens,
        &JwtSettings {
            secret: config.auth_jwt_secret.as_deref(),
            public_key: config.auth_jwt_public_key.as_deref(),
            jwks: config.auth_jwks.as_deref(),
            issuer: config.auth_jwt_issuer.as_deref(),
            audience: config.auth_jwt_audience.as_deref(),
        },
    )?;
    if !auth.accepts_anyone() {
        tracing::warn!("no VOD_UPLOAD_TOKENS and no JWT key: every signature request will get 401");
    }
    let api = VodApi::new(
        &config.api_endpoint,
        config.secret_id.clone(),
        config.secret_key.clone(),
        config.sub_app_id,
    )?;
    let callbacks = match (&config.event_sign_key, config.events) {
        (Some(key), EventMode::Callback) => Some(CallbackCheck {
            sign_key: SignKey::new(key.clone())
                .map_err(|error| format!("VOD_EVENT_SIGN_KEY: {error}"))?,
            api: api.clone(),
        }),
        (None, EventMode::Callback) => {
            tracing::warn!(
                "VOD_EVENT_SIGN_KEY is not set: event callbacks will get 503; set it, or use VOD_EVENTS=pull"
            );
            None
        }
        (_, EventMode::Pull) => None,
    };
    let allowed_origins = config
        .allowed_origins
        .split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            HeaderValue::from_str(origin)
                .ok()
                .filter(|_| origin.starts_with("http://") || origin.starts_with("https://"))
                .ok_or_else(|| {
                    format!(
                        "VOD_ALLOWED_ORIGINS: {origin:?} is not an origin like https://app.example"
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let demo_page = demo_page(&config, &auth)?;
    let database: DatabaseUrl = config.database_url.parse()?;
    let puller = (config.events == EventMode::Pull).then(|| Puller::new(api));
    let runtime = tokio::runtime::Runtime::new().map_err(|error| error.to_string())?;
    runtime.block_on(async {
        let store = Store::open(&database)
            .await
            .map_err(|error| format!("{database}: {error}"))?;
        tracing::info!(store = %database, "store open");
        let mut app = App::new(signer, auth, store);
        app.limiter = Limiter::per_minute(config.signatures_per_minute);
        app.events = config.events;
        app.callbacks = callbacks;
        app.allowed_origins = allowed_origins;
        app.demo_page = demo_page;
        let running = Arc::new(AtomicBool::new(puller.is_some()));
        if puller.is_some() {
            app.puller_running = Some(Arc::clone(&running));
        }
        let app = Arc::new(app);
        tokio::spawn(housekeeping(Arc::clone(&app), config.event_retention_days));
        let stop = CancellationToken::new();
        let pulling = puller.map(|puller| {
            tracing::info!("pulling events from the VOD API (reliable callback)");
            let (app, stop) = (Arc::clone(&app), stop.clone());
            tokio::spawn(async move {
                puller.run(app, stop).await;
                running.store(false, Ordering::Relaxed);
            })
        });
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|error| format!("cannot listen on {}: {error}", config.listen))?;
        tracing::info!("listening on http://{}", config.listen);
        let limits = Limits::default();
        let stopping = {
            let stop = stop.clone();
            async move {
                shutdown_signal().await;
                stop.cancel();
            }
        };
        serve(listener, router(Arc::clone(&app)), limits, stopping).await;
        if let Some(mut pulling) = pulling {
            // The round in flight finishes (its events committed and confirmed) within the
            // grace period; events it could not confirm come back and are repeats.
            if tokio::time::timeout(limits.shutdown_grace, &mut pulling)
                .await
                .is_err()
            {
                tracing::warn!(grace = ?limits.shutdown_grace, "shutdown: the puller's round was still in flight after the grace period: abandoned, its events come back");
                pulling.abort();
            }
        }
        app.store.close().await;
        tracing::info!("shut down");
        Ok(())
    })
}

/// How often the housekeeping runs.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(5);

/// Every [`HOUSEKEEPING_EVERY`]: folds the histograms' samples in and forgets idle users'
/// rate allowances; and every hour (at start too) deletes the raw events older than `days`. Upload records are the app's data and
/// are never pruned.
async fn housekeeping(app: Arc<App>, days: u32) {
    let mut every = tokio::time::interval(HOUSEKEEPING_EVERY);
    for tick in 0_u64.. {
        every.tick().await;
        if let Some(limiter) = &app.limiter {
            limiter.forget_idle();
        }
        // Histograms keep their samples until this folds them in: bounded memory.
        telemetry::metrics().run_upkeep();
        if tick % 720 != 0 {
            continue;
        }
        let before = unix_now() - i64::from(days) * 86_400;
        match app.store.prune_events(before).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, days, "pruned raw events"),
            Err(error) => tracing::warn!(%error, "pruning failed; will try again"),
        }
    }
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
    tracing::info!("shutting down: finishing requests in flight");
}

/// The demo page, unless `VOD_DEMO_PAGE=0` or JWT auth is configured.
fn demo_page(config: &Config, auth: &Auth) -> Result<Option<DemoPage>, String> {
    if config.demo_page == "0" {
        return Ok(None);
    }
    if auth.uses_jwt() {
        tracing::info!("demo page off: JWT auth is configured");
        return Ok(None);
    }
    let sdk_integrity = match &config.demo_sdk_integrity {
        Some(integrity) => integrity.clone(),
        None if config.demo_sdk_url == DEFAULT_SDK_URL => DEFAULT_SDK_INTEGRITY.to_owned(),
        None => String::new(),
    };
    let page = DemoPage::new(&DemoConfig {
        service: String::new(),
        sdk_url: config.demo_sdk_url.clone(),
        sdk_integrity,
        task_flow: config.procedure.is_some(),
    })?;
    tracing::info!(sdk = %config.demo_sdk_url, "demo page at /");
    Ok(Some(page))
}
