#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The model: what a signature holds.
mod error;
mod fields;
pub mod limits;
mod params;
mod task_notify_mode;
mod time;

// The public faces.
mod credentials;
mod decode;
mod sign;
mod signer;
mod verify;

// The machinery: the wire format, the MAC, the clock and the OS random source.
mod codec;
#[cfg(feature = "events")]
mod events;
mod mac;
#[cfg(feature = "serde")]
mod serde_impls;
#[cfg(feature = "system")]
mod system;

pub use credentials::{Credentials, SECRET_ID_VARIABLE, SECRET_KEY_VARIABLE};
pub use decode::{UntrustedFields, UnverifiedSignature};
pub use error::Error;
#[cfg(feature = "events")]
pub use events::{Event, EventKind, FileUpload, ProcedureStateChange, SignKey};
pub use params::{PARAMETER_NAMES, UploadParams};
pub use sign::{SignedUpload, UploadSignature};
pub use signer::Signer;
#[cfg(feature = "system")]
pub use system::random::Instance;
pub use task_notify_mode::TaskNotifyMode;
pub use time::Timestamp;
pub use verify::{SignatureFields, VerifiedSignature, Verifier};
