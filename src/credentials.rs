//! The SecretId and the SecretKey's precomputed HMAC state.

use std::fmt;

use zeroize::Zeroize;

use crate::Error;
use crate::limits::MAC_LEN;
use crate::mac::MacKey;
use crate::plaintext;

/// A Tencent Cloud API key pair: the SecretId in clear, the SecretKey only as its HMAC-SHA1
/// key schedule.
///
/// The key's inner and outer padded hashes are computed once, in [`Credentials::new`], and
/// every signature and verification starts from a copy of them. For a SecretId of Tencent's
/// usual 36 characters, `secretId=<id>&currentTimeStamp=` and the timestamp's first digit fill
/// the plaintext's first 64-byte SHA-1 block, so the states after that block are computed
/// there too (one per leading digit) and every such plaintext resumes after it: one
/// compression fewer per signature, the same MAC. The key itself is not kept:
/// the string passed in is zeroed as soon as the schedule is computed, and the schedule is
/// zeroed when the value is dropped. Neither `Debug` nor any error shows the key.
///
/// `Credentials` is `Send + Sync`: share one value (by reference or in an `Arc`) between
/// threads. With the `system` feature it also owns the sequence that
/// [`UploadSignature::sign`](crate::UploadSignature::sign) draws `random` from, so signatures
/// made with one value never share a `random` within a second (for up to 2<sup>32</sup> minus
/// 256 per thread signatures in that second), as `oneTimeValid` requires; a clone starts a
/// sequence of its own from fresh OS randomness.
///
/// ```
/// use tencent_vod_signature::Credentials;
///
/// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
/// assert_eq!(credentials.secret_id(), "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE");
/// assert!(!format!("{credentials:?}").contains("Gu5t9x"));
/// # Ok::<(), tencent_vod_signature::Error>(())
/// ```
pub struct Credentials {
    secret_id: String,
    /// `secretId=<encoded>&currentTimeStamp=`: the start of every plaintext, written once.
    plaintext_prefix: String,
    key: MacKey,
    #[cfg(feature = "system")]
    random: std::sync::OnceLock<crate::random::RandomSequence>,
}

impl Credentials {
    /// Makes credentials from a SecretId and a SecretKey, computing the key schedule once.
    ///
    /// The `secret_key` string is zeroed once the schedule is computed.
    ///
    /// # Errors
    ///
    /// [`Error::EmptySecretId`] or [`Error::EmptySecretKey`] when either is empty.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Result<Self, Error> {
        let secret_id = secret_id.into();
        let plaintext_prefix = plaintext::prefix(&secret_id);
        let mut secret_key = secret_key.into();
        let key = MacKey::new(secret_key.as_bytes(), &plaintext_prefix);
        secret_key.zeroize();
        if secret_id.is_empty() {
            return Err(Error::EmptySecretId);
        }
        let key = key.ok_or(Error::EmptySecretKey)?;
        Ok(Self {
            secret_id,
            plaintext_prefix,
            key,
            #[cfg(feature = "system")]
            random: std::sync::OnceLock::new(),
        })
    }

    /// Reads the SecretId and SecretKey from `TENCENTCLOUD_SECRET_ID` and
    /// `TENCENTCLOUD_SECRET_KEY`, the variables Tencent's CLI and SDKs use.
    ///
    /// ```no_run
    /// let credentials = tencent_vod_signature::Credentials::from_env()?;
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::MissingEnvironmentVariable`] naming the first variable that is unset, empty
    /// or not UTF-8.
    #[cfg(feature = "system")]
    #[cfg_attr(docsrs, doc(cfg(feature = "system")))]
    pub fn from_env() -> Result<Self, Error> {
        let read = |variable: &'static str| match std::env::var(variable) {
            Ok(value) if !value.is_empty() => Ok(value),
            _ => Err(Error::MissingEnvironmentVariable { variable }),
        };
        let secret_id = read(crate::SECRET_ID_VARIABLE)?;
        let secret_key = read(crate::SECRET_KEY_VARIABLE)?;
        Self::new(secret_id, secret_key)
    }

    /// The SecretId, as written into every signature.
    #[must_use]
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    pub(crate) fn plaintext_prefix(&self) -> &str {
        &self.plaintext_prefix
    }

    /// HMAC-SHA1 of `message`, starting from a precomputed state.
    pub(crate) fn mac(&self, message: &[u8]) -> [u8; MAC_LEN] {
        self.key.mac(message)
    }

    /// Checks `tag` against HMAC-SHA1 of `message` in constant time.
    pub(crate) fn check_mac(&self, message: &[u8], tag: &[u8; MAC_LEN]) -> Result<(), Error> {
        if self.key.matches(message, tag) {
            Ok(())
        } else {
            Err(Error::MacMismatch)
        }
    }

    /// Draws a fresh `random` from these credentials' sequence (seeded once from the OS), one
    /// atomic increment of the shared counter per draw: never the same value twice in
    /// 2<sup>32</sup> draws, whichever threads draw, and never a value that
    /// [`UploadSignature::sign`](crate::UploadSignature::sign) hands out within as many. For
    /// use with [`UploadSignature::sign_at`](crate::UploadSignature::sign_at) and a clock of
    /// your own.
    ///
    /// ```
    /// # let credentials = tencent_vod_signature::Credentials::new("AKIDexample", "key")?;
    /// assert_ne!(credentials.draw_random()?, credentials.draw_random()?);
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::RandomUnavailable`] when the OS random source fails on the first draw.
    #[cfg(feature = "system")]
    #[cfg_attr(docsrs, doc(cfg(feature = "system")))]
    pub fn draw_random(&self) -> Result<u32, Error> {
        Ok(self.random_sequence()?.next())
    }

    /// A `random` for a signature stamped `now`, from this thread's block of the sequence:
    /// no shared write per signature, and still never the same value twice within a second.
    #[cfg(feature = "system")]
    pub(crate) fn random_for_second(&self, now: u64) -> Result<u32, Error> {
        Ok(self.random_sequence()?.next_for_second(now))
    }

    #[cfg(feature = "system")]
    fn random_sequence(&self) -> Result<&crate::random::RandomSequence, Error> {
        if let Some(sequence) = self.random.get() {
            return Ok(sequence);
        }
        let fresh = crate::random::RandomSequence::from_os()?;
        Ok(self.random.get_or_init(|| fresh))
    }
}

impl Clone for Credentials {
    /// Copies the key schedule; the clone draws `random` from a sequence of its own, seeded
    /// afresh from the OS, so two clones never replay each other's values.
    fn clone(&self) -> Self {
        Self {
            secret_id: self.secret_id.clone(),
            plaintext_prefix: self.plaintext_prefix.clone(),
            key: self.key.clone(),
            #[cfg(feature = "system")]
            random: std::sync::OnceLock::new(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}
