//! The API key pair: the SecretId in clear, the SecretKey only as its HMAC state.

use std::fmt;

use zeroize::Zeroize;

use crate::codec::plaintext;
use crate::error::Error;
use crate::mac::MacKey;
#[cfg(feature = "system")]
use crate::system::random::{Instance, RandomSequence};
use crate::time::Timestamp;
use crate::verify::{VerifiedSignature, Verifier};

/// The environment variable holding the SecretId, as in Tencent's CLI and SDKs.
pub const SECRET_ID_VARIABLE: &str = "TENCENTCLOUD_SECRET_ID";

/// The environment variable holding the SecretKey, as in Tencent's CLI and SDKs.
pub const SECRET_KEY_VARIABLE: &str = "TENCENTCLOUD_SECRET_KEY";

/// A Tencent Cloud API key pair: the SecretId in clear, the SecretKey only as its HMAC-SHA1
/// key schedule.
///
/// The key schedule is computed once, in [`Credentials::new`], and every signature and
/// verification starts from a copy of it. For a SecretId of Tencent's usual 36 characters,
/// `secretId=<id>&currentTimeStamp=` and the timestamp's first digit fill the plaintext's
/// first 64-byte SHA-1 block, so the HMAC states after that block are computed there too
/// (one per leading digit), and every such plaintext resumes after it: the same MAC, one
/// compression fewer. The key itself is not kept: the string passed in is zeroed as soon as
/// the schedule is computed, and the schedule is zeroed when the value is dropped. Neither
/// `Debug` nor any error shows the key.
///
/// `Credentials` is `Send + Sync`: share one value (by reference or in an `Arc`) between
/// threads, or clone it (cheap, no system call). With the `system` feature it also holds the
/// sequence that [`UploadSignature::sign`](crate::sign::UploadSignature::sign) draws `random`
/// from, shared with its clones: signatures made with one value and its clones never share a
/// `random` within a second, for up to 2<sup>32</sup> minus 256 per thread signatures in that
/// second, as `oneTimeValid` requires. Several processes signing for one SecretId are told
/// their place in the fleet with [`in_fleet`](Self::in_fleet); see the README, "Several
/// signers", for the guarantee and the collisions of a fleet that does not.
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
    random: std::sync::Arc<RandomSequence>,
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
        let mut secret_key = secret_key.into();
        let key_is_empty = secret_key.is_empty();
        let plaintext_prefix = plaintext::prefix(&secret_id);
        let key = MacKey::new(secret_key.as_bytes(), plaintext_prefix.as_bytes());
        secret_key.zeroize();
        if secret_id.is_empty() {
            return Err(Error::EmptySecretId);
        }
        if key_is_empty {
            return Err(Error::EmptySecretKey);
        }
        Ok(Self {
            secret_id,
            plaintext_prefix,
            key,
            #[cfg(feature = "system")]
            random: std::sync::Arc::new(RandomSequence::new(Instance::SOLE)),
        })
    }

    /// These credentials as instance `instance` of a fleet of signers sharing the SecretId:
    /// the instance's index goes into the top bits of every `random` drawn from now on, so no
    /// two instances of the fleet ever draw the same one. Within an instance, `random` stays
    /// unique within a second for up to `instance.values()` minus 256 per thread signatures
    /// in that second. The returned value starts a sequence of its own (its clones share it).
    ///
    /// ```
    /// use tencent_vod_signature::{Credentials, Instance};
    ///
    /// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?
    ///     .in_fleet("2/6".parse()?);
    /// // Six instances: the index takes the top three bits.
    /// assert_eq!(credentials.draw_random()? >> 29, 2);
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    #[cfg(feature = "system")]
    #[cfg_attr(docsrs, doc(cfg(feature = "system")))]
    #[must_use]
    pub fn in_fleet(mut self, instance: Instance) -> Self {
        self.random = std::sync::Arc::new(RandomSequence::new(instance));
        self
    }

    /// The fleet position set with [`in_fleet`](Self::in_fleet) ([`Instance::SOLE`] unless
    /// set).
    #[cfg(feature = "system")]
    #[cfg_attr(docsrs, doc(cfg(feature = "system")))]
    #[must_use]
    pub fn instance(&self) -> Instance {
        self.random.instance()
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
        let secret_id = read(SECRET_ID_VARIABLE)?;
        let secret_key = read(SECRET_KEY_VARIABLE)?;
        Self::new(secret_id, secret_key)
    }

    /// The SecretId, as written into every signature.
    #[must_use]
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// `secretId=<encoded id>&currentTimeStamp=`, the start of every plaintext.
    pub(crate) fn plaintext_prefix(&self) -> &str {
        &self.plaintext_prefix
    }

    /// The HMAC state of the SecretKey.
    pub(crate) fn mac_key(&self) -> &MacKey {
        &self.key
    }

    /// A [`Verifier`] for these credentials, with the default leeway.
    #[must_use]
    pub fn verifier(&self) -> Verifier<'_> {
        Verifier::new(self)
    }

    /// Verifies `signature` at time `now` with the default leeway; see
    /// [`Verifier::verify_at`].
    ///
    /// ```
    /// use tencent_vod_signature::{Credentials, Timestamp, UploadSignature};
    ///
    /// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
    /// let signed = UploadSignature::new()
    ///     .source_context("user-42")
    ///     .sign_at(&credentials, Timestamp::from_secs(1_700_000_000), 42)?;
    /// let verified = credentials.verify_at(signed.as_str(), Timestamp::from_secs(1_700_000_060))?;
    /// assert_eq!(verified.fields().source_context(), Some("user-42"));
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify_at`].
    pub fn verify_at(&self, signature: &str, now: Timestamp) -> Result<VerifiedSignature, Error> {
        self.verifier().verify_at(signature, now)
    }

    /// Verifies `signature` now, by the system clock, with the default leeway.
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify`].
    #[cfg(feature = "system")]
    #[cfg_attr(docsrs, doc(cfg(feature = "system")))]
    pub fn verify(&self, signature: &str) -> Result<VerifiedSignature, Error> {
        self.verifier().verify(signature)
    }

    /// Draws a fresh `random` from these credentials' sequence (seeded from the OS on the
    /// first draw), straight from the shared counter: never the same value twice until the
    /// counter wraps (2<sup>32</sup> draws, fewer in a fleet), whichever threads or clones
    /// draw, and never a value that [`UploadSignature::sign`](crate::sign::UploadSignature::sign)
    /// hands out within as many. For use with
    /// [`UploadSignature::sign_at`](crate::sign::UploadSignature::sign_at) and a clock of your
    /// own; `sign` is faster (it takes values in per-thread blocks).
    ///
    /// ```
    /// # let credentials = tencent_vod_signature::Credentials::new("AKIDexample", "key")?;
    /// assert_ne!(credentials.draw_random()?, credentials.draw_random()?);
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::RandomUnavailable`] when the OS random source fails on the first draw,
    /// [`Error::ClockBeforeEpoch`] (the clock paces the check for a fork).
    #[cfg(feature = "system")]
    #[cfg_attr(docsrs, doc(cfg(feature = "system")))]
    pub fn draw_random(&self) -> Result<u32, Error> {
        let (_, now_ms) = crate::system::clock::now_and_millis()?;
        self.random.next(now_ms)
    }

    /// A `random` for a signature stamped `now` (read at coarse millisecond `now_ms`), from
    /// this thread's block of the sequence: no shared write per signature, and still never
    /// the same value twice within a second.
    #[cfg(feature = "system")]
    pub(crate) fn random_for_second(&self, now: Timestamp, now_ms: u64) -> Result<u32, Error> {
        self.random.next_for_second(now.as_secs(), now_ms)
    }
}

impl Clone for Credentials {
    /// Copies the key schedule and shares the `random` sequence: a clone and its original
    /// never hand out the same `random` within a second, and cloning makes no system call.
    fn clone(&self) -> Self {
        Self {
            secret_id: self.secret_id.clone(),
            plaintext_prefix: self.plaintext_prefix.clone(),
            key: self.key.clone(),
            #[cfg(feature = "system")]
            random: std::sync::Arc::clone(&self.random),
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
