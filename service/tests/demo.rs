//! `GET /`: the demo page, served by the binary as an operator starts it: on by default with
//! the pinned SDK and its integrity hash, off with `VOD_DEMO_PAGE=0` and whenever JWT auth is
//! configured. (The page itself, uploading with Tencent's SDK in Chromium, is tested by
//! `service/e2e/run.mjs`.)

mod common;

/// The pinned SDK and the SHA-384 of `vod-js-sdk-v6@1.8.0/dist/vod-js-sdk-v6.js`, computed
/// from the npm package (`openssl dgst -sha384 -binary … | base64`), not by the code under
/// test.
const SDK_URL: &str = "https://cdn.jsdelivr.net/npm/vod-js-sdk-v6@1.8.0/dist/vod-js-sdk-v6.js";
const SDK_INTEGRITY: &str =
    "sha384-7TX/1Y7YNAHkLwSt9FCnOQK6jU9p1xYr2Rs06LaNbkr+k4F2m+UXhDLZlzjARzJo";

fn start(name: &str, env: &[(&str, &str)]) -> common::Service {
    let log = common::log_path(name);
    let mut env: Vec<(&str, String)> = env
        .iter()
        .map(|(name, value)| (*name, (*value).to_owned()))
        .collect();
    env.push(("VOD_UPLOAD_TOKENS", "demo-token:alice".to_owned()));
    env.push((
        "VOD_DATABASE_URL",
        format!("sqlite://{}", log.with_extension("db").display()),
    ));
    common::Service::spawn(&env, &log)
}

/// The status, headers and body of `GET /`.
fn page(service: &common::Service) -> (u16, std::collections::HashMap<String, String>, String) {
    let mut response = common::agent()
        .get(&format!("{}/", service.base))
        .call()
        .expect("HTTP exchange");
    let headers = common::headers_of(&response);
    let body = response.body_mut().read_to_string().expect("body");
    (response.status().as_u16(), headers, body)
}

/// The page's configuration line, as JSON.
fn config_of(html: &str) -> serde_json::Value {
    let start = html
        .find(r#"<script id="vod-demo-config" type="application/json">"#)
        .expect("a config line")
        + r#"<script id="vod-demo-config" type="application/json">"#.len();
    let end = start + html[start..].find("</script>").expect("closed");
    serde_json::from_str(&html[start..end]).expect("JSON")
}

#[test]
fn the_page_is_served_by_default_with_the_pinned_sdk_and_its_hash() {
    let service = start("demo-on-", &[("VOD_PROCEDURE", "review-flow")]);
    let (status, headers, html) = page(&service);
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(html.contains("vod-js-sdk-v6"), "{html}");
    let config = config_of(&html);
    assert_eq!(config["service"], "");
    assert_eq!(config["sdkUrl"], SDK_URL);
    assert_eq!(config["sdkIntegrity"], SDK_INTEGRITY);
    assert_eq!(config["taskFlow"], true, "VOD_PROCEDURE is set");
}

#[test]
fn another_sdk_url_is_named_without_the_pinned_hash_unless_given_one() {
    let service = start(
        "demo-url-",
        &[(
            "VOD_DEMO_SDK_URL",
            "https://static.example/vod-js-sdk-v6.js",
        )],
    );
    let config = config_of(&page(&service).2);
    assert_eq!(config["sdkUrl"], "https://static.example/vod-js-sdk-v6.js");
    assert_eq!(config["sdkIntegrity"], "");
    assert_eq!(config["taskFlow"], false);
    let service = start(
        "demo-hash-",
        &[
            (
                "VOD_DEMO_SDK_URL",
                "https://static.example/vod-js-sdk-v6.js",
            ),
            ("VOD_DEMO_SDK_INTEGRITY", "sha256-AAAA"),
        ],
    );
    assert_eq!(config_of(&page(&service).2)["sdkIntegrity"], "sha256-AAAA");
}

#[test]
fn the_page_is_off_with_vod_demo_page_0_and_with_jwt_auth() {
    for (name, env) in [
        ("demo-off-", ("VOD_DEMO_PAGE", "0")),
        (
            "demo-jwt-",
            ("VOD_AUTH_JWT_SECRET", "a-jwt-secret-of-32-bytes-or-more!"),
        ),
    ] {
        let service = start(name, &[env]);
        assert_eq!(page(&service).0, 404, "{env:?}");
        // The signature route is unaffected.
        let (status, answer) = common::get(
            &common::agent(),
            &format!("{}/upload-signature", service.base),
            "demo-token",
        );
        assert_eq!(status, 200, "{env:?}: {answer}");
    }
}
