//! The VOD API client: TC3-signed calls to `VOD_API_ENDPOINT` (Tencent's by default), on the
//! server's tokio runtime, for the puller (`PullEvents`, `ConfirmEvents`) and for confirming
//! callbacks (`DescribeMediaInfos`, `DescribeTaskDetail`).
//!
//! Every answer but an HTTP 200 whose JSON `Response` carries no `Error` is an [`ApiError`],
//! even when it carries data: a 500 with an `EventSet` is not a list of events.

use std::fmt;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use serde_json::{Value, json};
use tencent_vod_signature::Timestamp;

use crate::tc3;

/// The API's address (for a test's stand-in); unset, Tencent's.
pub const ENDPOINT_VARIABLE: &str = "VOD_API_ENDPOINT";

/// Tencent's VOD API.
pub const DEFAULT_ENDPOINT: &str = "https://vod.tencentcloudapi.com";

/// The VOD API's version.
const VERSION: &str = "2018-07-17";

/// How long a call may take unless the caller says otherwise: `PullEvents` holds the request
/// for up to 5 s.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a call gave no answer to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The request did not complete: refused, reset, timed out.
    Transport(String),
    /// An HTTP status other than 200.
    Status(u16),
    /// A 200 whose body is not `{"Response": {...}}`.
    Malformed(String),
    /// The API's own error, `Response.Error`.
    Api {
        /// `Error.Code`, e.g. `ResourceNotFound.NoEvent`.
        code: String,
        /// `Error.Message`.
        message: String,
    },
}

impl ApiError {
    /// The API's error code, when the API answered with one.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(error) => write!(f, "transport: {error}"),
            Self::Status(status) => write!(f, "HTTP status {status}"),
            Self::Malformed(error) => write!(f, "malformed answer: {error}"),
            Self::Api { code, message } => write!(f, "{code}: {message}"),
        }
    }
}

impl std::error::Error for ApiError {}

/// A client of the VOD API with one key pair (and a `SubAppId`, when set).
#[derive(Clone)]
pub struct VodApi {
    client: reqwest::Client,
    endpoint: Url,
    host: String,
    secret_id: String,
    secret_key: String,
    sub_app_id: Option<u64>,
}

impl fmt::Debug for VodApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VodApi")
            .field("endpoint", &self.endpoint.as_str())
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("sub_app_id", &self.sub_app_id)
            .finish_non_exhaustive()
    }
}

impl VodApi {
    /// A client of the API at `endpoint` (`https://host`, or `http://host:port` for a
    /// stand-in).
    ///
    /// # Errors
    ///
    /// A message naming [`ENDPOINT_VARIABLE`] when `endpoint` is not an `http(s)://` URL
    /// with a host.
    pub fn new(
        endpoint: &str,
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
        sub_app_id: Option<u64>,
    ) -> Result<Self, String> {
        let invalid = |why: &str| format!("{ENDPOINT_VARIABLE}: {endpoint:?} {why}");
        let url =
            Url::parse(endpoint).map_err(|error| invalid(&format!("is not a URL: {error}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("is not an http:// or https:// URL"));
        }
        let host = host_of(&url).ok_or_else(|| invalid("names no host"))?;
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(CALL_TIMEOUT)
            .build()
            .map_err(|error| format!("the API client cannot be built: {error}"))?;
        Ok(Self {
            client,
            endpoint: url,
            host,
            secret_id: secret_id.into(),
            secret_key: secret_key.into(),
            sub_app_id,
        })
    }

    /// The `Host` header sent and signed.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Calls `action` with `body` (its `SubAppId` added when set), within `timeout`: the
    /// answer's `Response`. Counted in `vod_api_calls_total` by action and outcome.
    ///
    /// # Errors
    ///
    /// [`ApiError`]: transport, a status other than 200, a malformed answer, or the API's
    /// `Response.Error`.
    pub async fn call(
        &self,
        action: &'static str,
        mut body: Value,
        timeout: Duration,
    ) -> Result<Value, ApiError> {
        if let Some(sub_app_id) = self.sub_app_id {
            body["SubAppId"] = json!(sub_app_id);
        }
        let result = self.send(action, body.to_string(), timeout).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(ApiError::Api { .. }) => "api_error",
            Err(ApiError::Status(_)) => "http_error",
            Err(ApiError::Transport(_)) => "transport_error",
            Err(ApiError::Malformed(_)) => "malformed",
        };
        metrics::counter!("vod_api_calls_total", "action" => action, "outcome" => outcome)
            .increment(1);
        result
    }

    async fn send(
        &self,
        action: &'static str,
        payload: String,
        timeout: Duration,
    ) -> Result<Value, ApiError> {
        let timestamp = Timestamp::now()
            .expect("the system clock reads after 1970")
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
        let response = self
            .client
            .post(self.endpoint.clone())
            .timeout(timeout)
            // The signed host, sent as it was signed (the client would derive it alike).
            .header(HOST, &self.host)
            .header(AUTHORIZATION, authorization)
            .header(CONTENT_TYPE, HeaderValue::from_static(tc3::CONTENT_TYPE))
            .header("X-TC-Action", action)
            .header("X-TC-Version", VERSION)
            .header("X-TC-Timestamp", timestamp.to_string())
            .body(payload)
            .send()
            .await
            .map_err(|error| ApiError::Transport(error.to_string()))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(ApiError::Status(status));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|error| ApiError::Transport(error.to_string()))?;
        let mut answer: Value = serde_json::from_slice(&bytes)
            .map_err(|error| ApiError::Malformed(format!("not JSON: {error}")))?;
        let Some(response) = answer.get_mut("Response").map(Value::take) else {
            return Err(ApiError::Malformed("no Response".to_owned()));
        };
        if !response.is_object() {
            return Err(ApiError::Malformed("Response is not an object".to_owned()));
        }
        if let Some(error) = response.get("Error") {
            return Err(ApiError::Api {
                code: error["Code"].as_str().unwrap_or_default().to_owned(),
                message: error["Message"].as_str().unwrap_or_default().to_owned(),
            });
        }
        Ok(response)
    }
}

/// The `Host` of `url` as sent and signed: the host, and the port only when it is not the
/// scheme's default (`Url::port` is `None` for `:80` on http and `:443` on https).
fn host_of(url: &Url) -> Option<String> {
    let host = url.host_str().filter(|host| !host.is_empty())?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(endpoint: &str) -> String {
        VodApi::new(endpoint, "id", "key", None)
            .expect("a valid endpoint")
            .host()
            .to_owned()
    }

    #[test]
    fn the_signed_host_omits_the_default_port_whatever_the_endpoint_names() {
        assert_eq!(
            host("https://vod.tencentcloudapi.com"),
            "vod.tencentcloudapi.com"
        );
        assert_eq!(
            host("https://vod.tencentcloudapi.com:443"),
            "vod.tencentcloudapi.com"
        );
        assert_eq!(host("http://127.0.0.1:80"), "127.0.0.1");
        assert_eq!(host("http://127.0.0.1:80/"), "127.0.0.1");
        assert_eq!(host("http://127.0.0.1"), "127.0.0.1");
        assert_eq!(host("http://127.0.0.1:8443"), "127.0.0.1:8443");
        // 443 is not http's default, nor 80 https's.
        assert_eq!(host("http://127.0.0.1:443"), "127.0.0.1:443");
        assert_eq!(host("https://127.0.0.1:80"), "127.0.0.1:80");
    }

    #[test]
    fn endpoints_that_are_not_http_urls_are_refused_naming_the_variable() {
        for endpoint in ["vod.tencentcloudapi.com", "ftp://host", "http://", ""] {
            let error = VodApi::new(endpoint, "id", "key", None).expect_err(endpoint);
            assert!(error.starts_with(ENDPOINT_VARIABLE), "{error}");
        }
    }

    #[test]
    fn debug_shows_no_secret_key() {
        let api = VodApi::new(
            "https://vod.tencentcloudapi.com",
            "AKIDid",
            "the-secret",
            None,
        )
        .expect("valid");
        let debug = format!("{api:?}");
        assert!(
            !debug.contains("the-secret") && debug.contains("AKIDid"),
            "{debug}"
        );
    }
}
