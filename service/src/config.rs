//! The service's whole configuration: one struct, read from flags and the environment by clap,
//! so that `vod-upload-service --help` lists every variable with its default. Each value is
//! named after its variable, so that a refusal at start names the variable. Values that are
//! secrets are never shown (`hide_env_values`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{CommandFactory, Parser, ValueEnum};

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line.
    Json,
}

/// How events reach the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EventMode {
    /// VOD posts each event to `POST /vod/events` (normal callback).
    Callback,
    /// The service pulls events with `PullEvents` (reliable callback).
    Pull,
}

/// Every setting, from flags or the environment.
#[derive(Clone, Parser)] // no Debug: it holds the SecretKey
#[command(
    name = "vod-upload-service",
    version,
    about = "Tencent Cloud VOD upload signatures for apps, and VOD's events recorded once"
)]
pub struct Config {
    /// The address to listen on.
    #[arg(
        long,
        env = "VOD_LISTEN",
        value_name = "VOD_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,

    /// The API key's SecretId.
    #[arg(
        long,
        env = "TENCENTCLOUD_SECRET_ID",
        value_name = "TENCENTCLOUD_SECRET_ID",
        hide_env_values = true
    )]
    pub secret_id: String,

    /// The API key's SecretKey.
    #[arg(
        long,
        env = "TENCENTCLOUD_SECRET_KEY",
        value_name = "TENCENTCLOUD_SECRET_KEY",
        hide_env_values = true
    )]
    pub secret_key: String,

    /// Demo callers: `TOKEN:USER,TOKEN:USER`.
    #[arg(
        long,
        env = "VOD_UPLOAD_TOKENS",
        value_name = "VOD_UPLOAD_TOKENS",
        hide_env_values = true,
        default_value = ""
    )]
    pub upload_tokens: String,

    /// JWT callers: the HS256 key (the variable's UTF-8 bytes).
    #[arg(
        long,
        env = "VOD_AUTH_JWT_SECRET",
        value_name = "VOD_AUTH_JWT_SECRET",
        hide_env_values = true
    )]
    pub auth_jwt_secret: Option<String>,

    /// JWT callers: the path of a PEM public key (RS256 or ES256).
    #[arg(
        long,
        env = "VOD_AUTH_JWT_PUBLIC_KEY",
        value_name = "VOD_AUTH_JWT_PUBLIC_KEY"
    )]
    pub auth_jwt_public_key: Option<PathBuf>,

    /// JWT callers: the path of a JWKS file, keys chosen by `kid`.
    #[arg(long, env = "VOD_AUTH_JWKS", value_name = "VOD_AUTH_JWKS")]
    pub auth_jwks: Option<PathBuf>,

    /// The `iss` a JWT must carry, when set.
    #[arg(long, env = "VOD_AUTH_JWT_ISSUER", value_name = "VOD_AUTH_JWT_ISSUER")]
    pub auth_jwt_issuer: Option<String>,

    /// The `aud` a JWT must carry, when set.
    #[arg(
        long,
        env = "VOD_AUTH_JWT_AUDIENCE",
        value_name = "VOD_AUTH_JWT_AUDIENCE"
    )]
    pub auth_jwt_audience: Option<String>,

    /// Origins allowed to call from a browser: comma-separated, exact (`https://app.example`);
    /// none when unset.
    #[arg(
        long,
        env = "VOD_ALLOWED_ORIGINS",
        value_name = "VOD_ALLOWED_ORIGINS",
        default_value = ""
    )]
    pub allowed_origins: String,

    /// Signatures per user per minute (a burst of that many, refilled evenly); 0: no limit.
    #[arg(
        long,
        env = "VOD_SIGNATURES_PER_MINUTE",
        value_name = "VOD_SIGNATURES_PER_MINUTE",
        default_value_t = 60
    )]
    pub signatures_per_minute: u32,

    /// Log format.
    #[arg(
        long,
        env = "VOD_LOG_FORMAT",
        value_name = "VOD_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,

    /// Validity of the signatures handed out, in seconds.
    #[arg(
        long,
        env = "VOD_SIGNATURE_VALIDITY_SECS",
        value_name = "VOD_SIGNATURE_VALIDITY_SECS",
        default_value_t = 3600
    )]
    pub signature_validity_secs: u64,

    /// `1`: every signature is one-time (`oneTimeValid=1`); `0`: `oneTimeValid=0`; unset: left
    /// out.
    #[arg(long, env = "VOD_ONE_TIME_VALID", value_name = "VOD_ONE_TIME_VALID", value_parser = ["0", "1"])]
    pub one_time_valid: Option<String>,

    /// The task flow VOD runs after each upload (`procedure`).
    #[arg(long, env = "VOD_PROCEDURE", value_name = "VOD_PROCEDURE")]
    pub procedure: Option<String>,

    /// The uploaded media's category (`classId`).
    #[arg(long, env = "VOD_CLASS_ID", value_name = "VOD_CLASS_ID")]
    pub class_id: Option<u64>,

    /// The VOD application (`vodSubAppId`; accounts opened after 2023-12-25 must name it).
    #[arg(long, env = "VOD_SUB_APP_ID", value_name = "VOD_SUB_APP_ID")]
    pub sub_app_id: Option<u64>,

    /// This replica's place among those sharing the SecretId: `INDEX/COUNT`.
    #[arg(long, env = "VOD_SIGNER_INSTANCE", value_name = "VOD_SIGNER_INSTANCE")]
    pub signer_instance: Option<String>,

    /// The callbacks' `SignKey` (set with `ModifyEventConfig`).
    #[arg(
        long,
        env = "VOD_EVENT_SIGN_KEY",
        value_name = "VOD_EVENT_SIGN_KEY",
        hide_env_values = true
    )]
    pub event_sign_key: Option<String>,

    /// How events arrive.
    #[arg(
        long,
        env = "VOD_EVENTS",
        value_name = "VOD_EVENTS",
        value_enum,
        default_value = "callback"
    )]
    pub events: EventMode,

    /// The VOD API: callbacks are confirmed with it, and in pull mode events pulled from it.
    #[arg(
        long,
        env = "VOD_API_ENDPOINT",
        value_name = "VOD_API_ENDPOINT",
        default_value = "https://vod.tencentcloudapi.com"
    )]
    pub api_endpoint: String,

    /// The store: `sqlite://PATH`, `sqlite:///ABSOLUTE/PATH` or `postgres://USER:PASS@HOST/DB`.
    #[arg(
        long,
        env = "VOD_DATABASE_URL",
        value_name = "VOD_DATABASE_URL",
        hide_env_values = true,
        default_value = "sqlite://vod-uploads.db"
    )]
    pub database_url: String,

    /// `0`: no demo page at `/` (it is off whenever JWT auth is configured).
    #[arg(
        long,
        env = "VOD_DEMO_PAGE",
        value_name = "VOD_DEMO_PAGE",
        value_parser = ["0", "1"],
        default_value = "1"
    )]
    pub demo_page: String,

    /// Where the demo page loads Tencent's web upload SDK from.
    #[arg(
        long,
        env = "VOD_DEMO_SDK_URL",
        value_name = "VOD_DEMO_SDK_URL",
        default_value = crate::demo::DEFAULT_SDK_URL
    )]
    pub demo_sdk_url: String,

    /// The SDK's Subresource Integrity hash (`sha384-…`); unset: the pinned SDK's when
    /// `VOD_DEMO_SDK_URL` is the default, else none.
    #[arg(
        long,
        env = "VOD_DEMO_SDK_INTEGRITY",
        value_name = "VOD_DEMO_SDK_INTEGRITY"
    )]
    pub demo_sdk_integrity: Option<String>,

    /// Days raw events are kept for audit (at least 5: VOD may deliver again for 4 days).
    #[arg(long, env = "VOD_EVENT_RETENTION_DAYS", value_name = "VOD_EVENT_RETENTION_DAYS", default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(5..))]
    pub event_retention_days: u32,
}

/// The environment variables the service reads.
#[must_use]
pub fn known_variables() -> Vec<String> {
    Config::command()
        .get_arguments()
        .filter_map(|argument| argument.get_env())
        .map(|name| name.to_string_lossy().into_owned())
        .collect()
}

/// The `VOD_*` variables set in `environment` that the service does not read: typos, named in
/// a warning at start.
pub fn unknown_variables(environment: impl Iterator<Item = String>) -> Vec<String> {
    let known = known_variables();
    environment
        .filter(|name| name.starts_with("VOD_") && !known.contains(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definition_is_consistent_and_typos_are_found() {
        Config::command().debug_assert();
        let unknown = unknown_variables(
            [
                "VOD_LISTN",
                "VOD_LISTEN",
                "PATH",
                "VOD_DATABASE_URL",
                "VOD_EVENT",
            ]
            .into_iter()
            .map(str::to_owned),
        );
        assert_eq!(unknown, ["VOD_LISTN", "VOD_EVENT"]);
    }
}
