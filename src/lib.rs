// The crate's front page is the README (its example signs with the clock: feature `system`).
// Its links name docs.rs pages for GitHub and crates.io; the definitions in src/doc_links*.md come
// first, so rustdoc, which takes the first definition of a name, makes them intra-doc links instead.
#![cfg_attr(feature = "events", doc = include_str!("doc_links_events.md"))]
#![cfg_attr(feature = "system", doc = include_str!("doc_links.md"))]
#![cfg_attr(feature = "system", doc = include_str!("../README.md"))]
#![cfg_attr(
    not(feature = "system"),
    doc = "Tencent Cloud VOD client-upload signatures: sign, decode and verify. Built without \
           the default feature `system`: the pure core (sign at a given time with a given \
           `random`, decode, verify at a given time). The front page is the README."
)]
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
