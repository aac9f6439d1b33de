//! The fixtures every module shares: the known-answer vectors of `tests/vectors/`, loaded
//! into structs, and builders made from their parameter lists.

use serde_json::Value;
use tencent_vod_signature::{
    Credentials, TaskNotifyMode, Timestamp, UntrustedFields, UploadSignature,
};

/// The time `secs` seconds after the epoch.
pub fn ts(secs: u64) -> Timestamp {
    Timestamp::from_secs(secs)
}

pub const SIGN_JSON: &str = include_str!("../vectors/sign.json");
pub const NEGATIVE_JSON: &str = include_str!("../vectors/negative.json");
pub const EXTRA_JSON: &str = include_str!("../vectors/extra.json");

/// A valid signature with its inputs.
#[derive(Debug, Clone)]
pub struct SignVector {
    pub id: String,
    pub encoder: String,
    pub secret_id: String,
    pub secret_key: String,
    pub current_time_stamp: u64,
    pub expire_time: u64,
    pub random: u32,
    pub params: Vec<(String, String)>,
    pub original: String,
    pub signature: String,
}

/// An input that must be rejected.
#[derive(Debug, Clone)]
pub struct NegativeVector {
    pub id: String,
    pub signature: String,
    pub secret_id: String,
    pub secret_key: String,
    pub now: u64,
    pub expect: String,
}

fn text(entry: &Value, key: &str) -> String {
    entry[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string"))
        .to_owned()
}

fn number(entry: &Value, key: &str) -> u64 {
    entry[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a number"))
}

fn parse_sign(json: &str) -> Vec<SignVector> {
    let entries: Vec<Value> = serde_json::from_str(json).expect("vector file is JSON");
    entries
        .iter()
        .map(|entry| SignVector {
            id: text(entry, "id"),
            encoder: entry["encoder"]
                .as_str()
                .unwrap_or("python-extra")
                .to_owned(),
            secret_id: text(entry, "secretId"),
            secret_key: text(entry, "secretKey"),
            current_time_stamp: number(entry, "currentTimeStamp"),
            expire_time: number(entry, "expireTime"),
            random: u32::try_from(number(entry, "random")).expect("random fits u32"),
            params: entry["params"]
                .as_array()
                .expect("params is a list")
                .iter()
                .map(|pair| {
                    (
                        pair[0].as_str().expect("key").to_owned(),
                        pair[1].as_str().expect("value").to_owned(),
                    )
                })
                .collect(),
            original: text(entry, "original"),
            signature: text(entry, "signature"),
        })
        .collect()
}

/// The vectors of `sign.json` (made by real encoders of other languages).
pub fn sign_vectors() -> Vec<SignVector> {
    parse_sign(SIGN_JSON)
}

/// The vectors of `extra.json` (made by Python's hmac/base64/urllib).
pub fn extra_vectors() -> Vec<SignVector> {
    parse_sign(EXTRA_JSON)
}

/// The vectors of `negative.json`.
pub fn negative_vectors() -> Vec<NegativeVector> {
    let entries: Vec<Value> = serde_json::from_str(NEGATIVE_JSON).expect("negative.json is JSON");
    entries
        .iter()
        .map(|entry| NegativeVector {
            id: text(entry, "id"),
            signature: text(entry, "signature"),
            secret_id: text(entry, "secretId"),
            secret_key: text(entry, "secretKey"),
            now: number(entry, "now"),
            expect: text(entry, "expect"),
        })
        .collect()
}

impl SignVector {
    pub fn credentials(&self) -> Credentials {
        Credentials::new(self.secret_id.clone(), self.secret_key.clone())
            .expect("vector credentials")
    }

    /// Signs this vector's parameters, time, validity and random with the crate.
    pub fn sign_with_crate(&self) -> tencent_vod_signature::SignedUpload {
        builder_from_pairs(&self.params)
            .validity_secs(self.expire_time - self.current_time_stamp)
            .sign_at(
                &self.credentials(),
                ts(self.current_time_stamp),
                self.random,
            )
            .expect(&self.id)
    }
}

/// A builder with the given wire-level parameters, each through its typed setter.
pub fn builder_from_pairs(pairs: &[(String, String)]) -> UploadSignature {
    pairs
        .iter()
        .fold(UploadSignature::new(), |builder, (key, value)| {
            match key.as_str() {
                "classId" => builder.class_id(value.parse().expect("classId")),
                "procedure" => builder.procedure(value.clone()),
                "taskPriority" => builder.task_priority(value.parse().expect("taskPriority")),
                "taskNotifyMode" => builder
                    .task_notify_mode(value.parse::<TaskNotifyMode>().expect("taskNotifyMode")),
                "sourceContext" => builder.source_context(value.clone()),
                "sessionContext" => builder.session_context(value.clone()),
                "oneTimeValid" => builder.one_time_valid(value == "1"),
                "vodSubAppId" => builder.vod_sub_app_id(value.parse().expect("vodSubAppId")),
                "storageRegion" => builder.storage_region(value.clone()),
                _ => builder.param(key.clone(), value.clone()),
            }
        })
}

/// Every typed optional value and the extra parameters an unverified decode claims, for
/// comparing the claims of two signatures without turning them into signing input.
pub fn claimed(fields: &UntrustedFields) -> String {
    format!(
        "{:?}",
        (
            (
                fields.class_id(),
                fields.procedure(),
                fields.task_priority()
            ),
            (
                fields.task_notify_mode(),
                fields.source_context(),
                fields.session_context()
            ),
            (
                fields.one_time_valid(),
                fields.vod_sub_app_id(),
                fields.storage_region()
            ),
            fields.extra().collect::<Vec<_>>(),
        )
    )
}

/// Every parameter name the crate writes itself: the required four, then the optional nine.
pub const KNOWN_NAMES: [&str; 13] = [
    "secretId",
    "currentTimeStamp",
    "expireTime",
    "random",
    "classId",
    "procedure",
    "taskPriority",
    "taskNotifyMode",
    "sourceContext",
    "sessionContext",
    "oneTimeValid",
    "vodSubAppId",
    "storageRegion",
];

/// The key pair all vectors use (Tencent's documentation-style example values).
pub fn example_credentials() -> Credentials {
    Credentials::new(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    )
    .expect("credentials")
}

/// The vectors made by the official Java sample's encoder, the bytes the crate emits.
pub fn java_vectors() -> Vec<SignVector> {
    sign_vectors()
        .into_iter()
        .filter(|vector| vector.encoder == "java-urlencoder")
        .collect()
}

/// The `&`-separated segments of a plaintext.
pub fn segments(original: &str) -> Vec<&str> {
    original.split('&').collect()
}
