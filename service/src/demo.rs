//! `GET /`: the demo page (`service/demo/index.html`), a static page that signs in with a demo
//! token, uploads a file with Tencent's web SDK (`vod-js-sdk-v6`, whose `getSignature` posts
//! to `/upload-signature`) and lists the caller's uploads from `GET /uploads`.
//!
//! The page is plain HTML and JavaScript; the service only fills in its configuration line
//! (where the SDK is loaded from, its integrity hash, whether a task flow runs after each
//! upload). On by default, off with `VOD_DEMO_PAGE=0`, and always off when JWT auth is
//! configured: a deployment with a real login has its own front end.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::App;

/// The page as committed, with its default configuration line.
pub const PAGE: &str = include_str!("../demo/index.html");

/// The pinned web SDK on a public CDN (the npm package's `dist/vod-js-sdk-v6.js`).
pub const DEFAULT_SDK_URL: &str =
    "https://cdn.jsdelivr.net/npm/vod-js-sdk-v6@1.8.0/dist/vod-js-sdk-v6.js";

/// The Subresource Integrity hash of [`DEFAULT_SDK_URL`]: the SHA-384 of the file in the npm
/// package `vod-js-sdk-v6` 1.8.0.
pub const DEFAULT_SDK_INTEGRITY: &str =
    "sha384-7TX/1Y7YNAHkLwSt9FCnOQK6jU9p1xYr2Rs06LaNbkr+k4F2m+UXhDLZlzjARzJo";

const CONFIG_START: &str = r#"<script id="vod-demo-config" type="application/json">"#;

/// What the page is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoConfig {
    /// Where the signature and uploads routes are; empty: the page's own origin.
    pub service: String,
    /// Where the web SDK is loaded from.
    pub sdk_url: String,
    /// Its Subresource Integrity hash; empty: not checked.
    pub sdk_integrity: String,
    /// Whether a task flow runs after each upload (an upload is final only once it finished).
    pub task_flow: bool,
}

/// The rendered page, ready to serve: its bytes are shared by every answer, not copied.
#[derive(Debug, Clone)]
pub struct DemoPage(Bytes);

impl DemoPage {
    /// The page with `config` as its configuration line. `sdk_url` must be an `http(s)` URL.
    ///
    /// # Errors
    ///
    /// The variable at fault and what it expects, when `sdk_url` is not an `http(s)` URL or
    /// `sdk_integrity` is not `sha256-`, `sha384-` or `sha512-` followed by Base64.
    pub fn new(config: &DemoConfig) -> Result<Self, String> {
        let url = reqwest::Url::parse(&config.sdk_url).map_err(|error| {
            format!(
                "VOD_DEMO_SDK_URL: {:?} is not a URL ({error})",
                config.sdk_url
            )
        })?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(format!(
                "VOD_DEMO_SDK_URL: {:?} is not an http(s) URL",
                config.sdk_url
            ));
        }
        let integrity = &config.sdk_integrity;
        let well_formed = ["sha256-", "sha384-", "sha512-"].iter().any(|prefix| {
            integrity.strip_prefix(prefix).is_some_and(|hash| {
                !hash.is_empty()
                    && hash
                        .bytes()
                        .all(|byte| byte.is_ascii_alphanumeric() || b"+/=".contains(&byte))
            })
        });
        if !integrity.is_empty() && !well_formed {
            return Err(format!(
                "VOD_DEMO_SDK_INTEGRITY: {integrity:?} is not sha256-, sha384- or sha512- and a Base64 hash"
            ));
        }
        Ok(Self(Bytes::from(render(config))))
    }

    /// The HTML.
    #[must_use]
    pub fn html(&self) -> &str {
        std::str::from_utf8(&self.0).expect("made from a String")
    }
}

/// [`PAGE`] with its configuration line replaced by `config`, escaped so that no value can
/// end the script element.
fn render(config: &DemoConfig) -> String {
    let json = serde_json::to_string(config)
        .expect("a struct of strings and a bool serializes")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let start = PAGE
        .find(CONFIG_START)
        .expect("the page has its config line")
        + CONFIG_START.len();
    let end = start
        + PAGE[start..]
            .find("</script>")
            .expect("the config line is closed");
    format!("{}{json}{}", &PAGE[..start], &PAGE[end..])
}

/// `GET /`: the page, or 404 when it is off.
pub async fn page(State(app): State<Arc<App>>) -> Response {
    match &app.demo_page {
        Some(page) => (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
                (
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ),
            ],
            page.0.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(sdk_url: &str) -> DemoConfig {
        DemoConfig {
            service: String::new(),
            sdk_url: sdk_url.to_owned(),
            sdk_integrity: DEFAULT_SDK_INTEGRITY.to_owned(),
            task_flow: true,
        }
    }

    #[test]
    fn the_committed_page_names_the_pinned_sdk_and_its_hash() {
        // The page opened as a file (no service) loads the same SDK the service would name.
        assert!(PAGE.contains(DEFAULT_SDK_URL));
        assert!(PAGE.contains(DEFAULT_SDK_INTEGRITY));
    }

    #[test]
    fn the_config_line_is_replaced_and_cannot_end_the_script() {
        let page = DemoPage::new(&config(
            "https://cdn.example/sdk.js?x=</script><script>alert(1)</script>",
        ))
        .expect("a URL");
        let html = page.html();
        assert_eq!(html.matches(CONFIG_START).count(), 1);
        assert!(!html.contains("alert(1)</script>"), "{html}");
        assert!(html.contains(r#""taskFlow":true"#));
        assert!(html.contains(r"\u003c/script\u003e"));
    }

    #[test]
    fn bad_urls_and_hashes_are_refused_naming_the_variable() {
        let error = DemoPage::new(&config("javascript:alert(1)")).expect_err("not http");
        assert!(error.starts_with("VOD_DEMO_SDK_URL:"), "{error}");
        let error = DemoPage::new(&config("sdk.js")).expect_err("relative");
        assert!(error.starts_with("VOD_DEMO_SDK_URL:"), "{error}");
        let mut bad_hash = config(DEFAULT_SDK_URL);
        bad_hash.sdk_integrity = "md5-abc\"".to_owned();
        let error = DemoPage::new(&bad_hash).expect_err("not SRI");
        assert!(error.starts_with("VOD_DEMO_SDK_INTEGRITY:"), "{error}");
    }
}
