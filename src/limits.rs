//! The documented limits, in one place.

/// The longest validity Tencent accepts: 90 days, in seconds.
pub const MAX_VALIDITY_SECS: u64 = 7_776_000;

/// The validity used when none is set: one day, as in every official sample.
pub const DEFAULT_VALIDITY_SECS: u64 = 86_400;

/// The longest `sourceContext`, in Unicode characters.
pub const MAX_SOURCE_CONTEXT_CHARS: usize = 250;

/// The longest `sessionContext`, in Unicode characters.
pub const MAX_SESSION_CONTEXT_CHARS: usize = 1000;

/// The lowest `taskPriority`.
pub const MIN_TASK_PRIORITY: i8 = -10;

/// The highest `taskPriority`.
pub const MAX_TASK_PRIORITY: i8 = 10;

/// The longest signature, in bytes, that the crate signs or decodes: 24 KiB.
///
/// Typical signatures are 300 to 600 bytes. The documented limits alone allow about 15 KiB of
/// plaintext (1000 characters of `sessionContext` at up to 12 encoded bytes each, 250 of
/// `sourceContext`), which is about 20 KiB of Base64; this bound leaves room for that and
/// refuses anything larger before any work is done.
pub const MAX_SIGNATURE_LEN: usize = 24 * 1024;

/// The length of the HMAC-SHA1 MAC at the start of a decoded signature.
pub(crate) const MAC_LEN: usize = 20;
