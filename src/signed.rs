//! What signing returns.

use std::fmt;

/// A freshly made signature and the values it was made with.
///
/// The signature is a bearer credential for uploading until [`expire_time`](Self::expire_time):
/// hand it to the client that asked for it, and treat it as you would a session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedUpload {
    pub(crate) signature: String,
    pub(crate) current_time_stamp: u64,
    pub(crate) expire_time: u64,
    pub(crate) random: u32,
}

impl SignedUpload {
    /// The signature text (standard Base64 with padding).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.signature
    }

    /// The signature text, by value.
    #[must_use]
    pub fn into_string(self) -> String {
        self.signature
    }

    /// Its `currentTimeStamp` (Unix seconds).
    #[must_use]
    pub fn current_time_stamp(&self) -> u64 {
        self.current_time_stamp
    }

    /// Its `expireTime` (Unix seconds).
    #[must_use]
    pub fn expire_time(&self) -> u64 {
        self.expire_time
    }

    /// Its `random`.
    #[must_use]
    pub fn random(&self) -> u32 {
        self.random
    }
}

impl fmt::Display for SignedUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.signature)
    }
}

impl AsRef<str> for SignedUpload {
    fn as_ref(&self) -> &str {
        &self.signature
    }
}
