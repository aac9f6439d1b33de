//! The one error type of the crate.

use crate::limits::{MAX_TASK_PRIORITY, MAX_VALIDITY_SECS, MIN_TASK_PRIORITY};

/// Everything that can go wrong when signing, decoding or verifying.
///
/// Messages are lower-case, name the parameter involved and the limit it broke, and never
/// contain the SecretKey. Values taken from an untrusted signature are quoted with `{:?}`, so
/// control characters cannot forge log lines.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The SecretId given to [`Credentials::new`](crate::credentials::Credentials::new) is empty.
    #[error("secretId is empty")]
    EmptySecretId,

    /// The SecretKey given to [`Credentials::new`](crate::credentials::Credentials::new) is empty.
    #[error("secretKey is empty")]
    EmptySecretKey,

    /// An environment variable needed by `Credentials::from_env` is unset, empty or not UTF-8.
    #[error("environment variable {variable} is not set to a non-empty UTF-8 value")]
    MissingEnvironmentVariable {
        /// The variable's name, e.g. `TENCENTCLOUD_SECRET_ID`.
        variable: &'static str,
    },

    /// A text parameter is longer than the documented limit (counted in Unicode characters).
    #[error("{parameter} is {chars} characters long, at most {max_chars} are allowed")]
    TextTooLong {
        /// The parameter, e.g. `sourceContext`.
        parameter: &'static str,
        /// The documented maximum.
        max_chars: usize,
        /// The length of the value that was refused.
        chars: usize,
    },

    /// `taskPriority` outside the documented range (an integer, however large; a value that
    /// is not an integer is [`Error::InvalidNumber`]).
    #[error("taskPriority is {value}, it must be within {MIN_TASK_PRIORITY}..={MAX_TASK_PRIORITY}")]
    InvalidTaskPriority {
        /// The value that was refused, in decimal as given.
        value: String,
    },

    /// The validity (expireTime - currentTimeStamp) is outside `1..=7776000` seconds (90 days).
    #[error("validity is {seconds} s, it must be within 1..={MAX_VALIDITY_SECS} s (90 days)")]
    InvalidValidity {
        /// The validity that was refused, in seconds.
        seconds: u64,
    },

    /// An absolute expireTime that is not after `now`.
    #[error("expireTime {expire_time} is not after currentTimeStamp {now}")]
    ExpireTimeNotAfterNow {
        /// The expireTime that was refused.
        expire_time: u64,
        /// The signing time.
        now: u64,
    },

    /// An absolute expireTime more than 90 days after `now`.
    #[error(
        "expireTime {expire_time} is {seconds} s after currentTimeStamp {now}, at most {MAX_VALIDITY_SECS} s (90 days) are allowed"
    )]
    ExpireTimeTooLate {
        /// The expireTime that was refused.
        expire_time: u64,
        /// The signing time.
        now: u64,
        /// `expire_time - now`.
        seconds: u64,
    },

    /// `now + validity` does not fit in a `u64`.
    #[error("currentTimeStamp {now} plus the validity overflows expireTime")]
    TimeOverflow {
        /// The signing time.
        now: u64,
    },

    /// An extra parameter whose name is empty.
    #[error("an extra parameter has an empty name")]
    EmptyParameterName,

    /// An extra parameter whose name is one the crate sets itself (a required or known one).
    #[error("{name:?} is a parameter the crate sets itself; use its typed setter")]
    ReservedParameter {
        /// The name that was refused.
        name: String,
    },

    /// A parameter given twice (an extra parameter in the builder, or any parameter in a
    /// decoded signature).
    #[error("parameter {name:?} is given more than once")]
    DuplicateParameter {
        /// The repeated name.
        name: String,
    },

    /// A signature (to sign or to decode) longer than [`MAX_SIGNATURE_LEN`](crate::limits::MAX_SIGNATURE_LEN).
    #[error("signature would be {len} bytes long, at most {max} are accepted")]
    SignatureTooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// The signature is not strict standard Base64 (alphabet, padding, no whitespace,
    /// canonical trailing bits).
    #[error("signature is not valid standard Base64 with padding")]
    BadBase64,

    /// The signature decodes to fewer bytes than a 20-byte MAC and a non-empty plaintext.
    #[error("signature decodes to {len} bytes, a 20-byte MAC and a plaintext need at least 21")]
    TooShort {
        /// The decoded length.
        len: usize,
    },

    /// The plaintext, or a percent-decoded key or value, is not valid UTF-8.
    #[error("{}", match parameter {
        Some(p) => format!("parameter {p:?} is not valid UTF-8 after percent-decoding"),
        None => "plaintext is not valid UTF-8".to_owned(),
    })]
    BadUtf8 {
        /// The parameter whose key or value is bad, when the plaintext itself was valid UTF-8.
        parameter: Option<String>,
    },

    /// The plaintext is not a querystring of `key=value` pairs joined by `&`.
    #[error("malformed querystring at segment {segment}: {reason}")]
    MalformedQuerystring {
        /// 1-based index of the offending `&`-separated segment.
        segment: usize,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A required parameter is absent from a decoded signature.
    #[error("required parameter {name} is missing")]
    MissingParameter {
        /// The missing parameter.
        name: &'static str,
    },

    /// An integer parameter that is not plain ASCII digits, or out of its type's range.
    #[error("{parameter} is {value:?}, expected {expected}")]
    InvalidNumber {
        /// The parameter.
        parameter: &'static str,
        /// The (percent-decoded) value found.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },

    /// A parameter with a closed set of values (`oneTimeValid`, `taskNotifyMode`) holds another.
    #[error("{parameter} is {value:?}, expected {expected}")]
    InvalidValue {
        /// The parameter.
        parameter: &'static str,
        /// The (percent-decoded) value found.
        value: String,
        /// The values allowed.
        expected: &'static str,
    },

    /// The MAC does not match the plaintext under the credentials' SecretKey.
    #[error("signature MAC does not match (wrong key or altered signature)")]
    MacMismatch,

    /// The signature was made for another SecretId than the credentials'.
    #[error("secretId {found:?} is not the credentials' secretId")]
    SecretIdMismatch {
        /// The SecretId found in the signature (a public identifier, not the key).
        found: String,
    },

    /// The signature expired (`now > expireTime + leeway`), or its expireTime is before its
    /// currentTimeStamp.
    #[error("signature expired: expireTime {expire_time}, now {now}")]
    Expired {
        /// The signature's expireTime.
        expire_time: u64,
        /// The time of verification.
        now: u64,
    },

    /// The signature's currentTimeStamp is in the future (`currentTimeStamp > now + leeway`).
    #[error("signature not yet valid: currentTimeStamp {current_time_stamp}, now {now}")]
    NotYetValid {
        /// The signature's currentTimeStamp.
        current_time_stamp: u64,
        /// The time of verification.
        now: u64,
    },

    /// A fleet position that is not `INDEX/COUNT` with the index below the count.
    #[error("instance {instance:?} is not a place in a fleet: {reason}")]
    InvalidInstance {
        /// The instance as given, `INDEX/COUNT`.
        instance: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// An event notification that is not JSON, or a known event without what it cannot mean
    /// anything without (feature `events`).
    #[error("malformed VOD event: {reason}")]
    MalformedEvent {
        /// What is wrong with it.
        reason: String,
    },

    /// A `SignKey` that is not 1 to 32 letters and digits (feature `events`).
    #[error("a SignKey is 1 to 32 letters and digits, this one has {len} characters or others")]
    InvalidSignKey {
        /// Its length in characters.
        len: usize,
    },

    /// A callback without `Sign` or `T` where a `SignKey` is set (feature `events`).
    #[error("the callback carries no Sign and T")]
    MissingSign,

    /// A callback's `Sign` that is not MD5(SignKey + T) (feature `events`).
    #[error("the callback's Sign does not match (another SignKey, or forged)")]
    SignMismatch,

    /// A callback whose `T` has passed (feature `events`).
    #[error("the callback expired: T {expires}, now {now}")]
    SignExpired {
        /// Its `T`, Unix seconds.
        expires: u64,
        /// The time of the check.
        now: u64,
    },

    /// The system clock reads a time before 1970.
    #[error("system clock is before the Unix epoch")]
    ClockBeforeEpoch,

    /// The operating system's random source failed.
    #[error("operating system random source failed (os error {raw_os_error:?})")]
    RandomUnavailable {
        /// The OS error code, when there is one.
        raw_os_error: Option<i32>,
    },
}
