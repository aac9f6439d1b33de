#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
#[cfg(feature = "system")]
mod clock;
mod credentials;
mod decode;
mod envelope;
mod error;
mod fields;
mod limits;
mod mac;
mod names;
mod params;
mod parse;
mod plaintext;
mod querystring;
#[cfg(feature = "system")]
mod random;
mod scan;
mod scratch;
#[cfg(feature = "serde")]
mod serde_impls;
mod signed;
mod task_notify_mode;
mod values;
mod verify;

pub use builder::UploadSignature;
pub use credentials::Credentials;
pub use decode::UnverifiedSignature;
pub use error::Error;
pub use fields::SignatureFields;
pub use limits::{
    DEFAULT_VALIDITY_SECS, MAX_SESSION_CONTEXT_CHARS, MAX_SIGNATURE_LEN, MAX_SOURCE_CONTEXT_CHARS,
    MAX_TASK_PRIORITY, MAX_VALIDITY_SECS, MIN_TASK_PRIORITY,
};
pub use params::UploadParams;
pub use signed::SignedUpload;
pub use task_notify_mode::TaskNotifyMode;
pub use verify::{DEFAULT_LEEWAY_SECS, VerifiedSignature, Verifier};

/// The environment variable holding the SecretId, as in Tencent's CLI and SDKs.
pub const SECRET_ID_VARIABLE: &str = "TENCENTCLOUD_SECRET_ID";

/// The environment variable holding the SecretKey, as in Tencent's CLI and SDKs.
pub const SECRET_KEY_VARIABLE: &str = "TENCENTCLOUD_SECRET_KEY";
