//! Verification with the key: MAC first, then the fields, the SecretId and the time window.

use crate::limits::MAX_VALIDITY_SECS;
use crate::parse::parse;
use crate::{Credentials, Error, SignatureFields, envelope};

/// The clock skew [`Verifier`] tolerates unless told otherwise: 300 seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 300;

/// A signature whose MAC, SecretId and time window have been checked.
///
/// Only [`Verifier::verify_at`] (and the shortcuts on [`Credentials`]) make one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct VerifiedSignature {
    fields: SignatureFields,
}

impl VerifiedSignature {
    /// The verified fields.
    #[must_use]
    pub fn fields(&self) -> &SignatureFields {
        &self.fields
    }

    /// The verified fields, by value.
    #[must_use]
    pub fn into_fields(self) -> SignatureFields {
        self.fields
    }
}

/// Verifies signatures against one [`Credentials`] value with a chosen clock-skew leeway.
///
/// ```
/// use tencent_vod_signature::{Credentials, Error, UploadSignature};
///
/// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
/// let signed = UploadSignature::new().validity_secs(600)?.sign_at(&credentials, 1_700_000_000, 42)?;
///
/// let strict = credentials.verifier().leeway_secs(0);
/// assert!(strict.verify_at(signed.as_str(), 1_700_000_600).is_ok());
/// assert!(matches!(strict.verify_at(signed.as_str(), 1_700_000_601), Err(Error::Expired { .. })));
/// # Ok::<(), tencent_vod_signature::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Verifier<'a> {
    credentials: &'a Credentials,
    leeway_secs: u64,
}

impl<'a> Verifier<'a> {
    /// A verifier with the default leeway, [`DEFAULT_LEEWAY_SECS`].
    #[must_use]
    pub fn new(credentials: &'a Credentials) -> Self {
        Self {
            credentials,
            leeway_secs: DEFAULT_LEEWAY_SECS,
        }
    }

    /// Sets the clock skew tolerated on both edges of the time window, in seconds.
    #[must_use]
    pub fn leeway_secs(mut self, seconds: u64) -> Self {
        self.leeway_secs = seconds;
        self
    }

    /// Verifies `signature` at time `now` (Unix seconds).
    ///
    /// In this order: the Base64 and length checks; the MAC, recomputed over the embedded
    /// plaintext bytes exactly as they are and compared in constant time, before anything in
    /// the plaintext is read; the plaintext's fields; the SecretId (exact, case-sensitive);
    /// the validity (`expireTime - currentTimeStamp` within `1..=7776000`); the time window.
    ///
    /// # Errors
    ///
    /// The errors of [`UnverifiedSignature::decode`](crate::UnverifiedSignature::decode), and
    /// [`Error::MacMismatch`], [`Error::SecretIdMismatch`], [`Error::Expired`] (also when
    /// `expireTime < currentTimeStamp`), [`Error::InvalidValidity`], [`Error::NotYetValid`].
    pub fn verify_at(&self, signature: &str, now: u64) -> Result<VerifiedSignature, Error> {
        let fields = envelope::open(signature, |mac, opened| {
            self.credentials.check_mac(opened.plaintext(), &mac)?;
            parse(opened.padded, opened.len, opened.decode_area)
        })?;
        if fields.secret_id() != self.credentials.secret_id() {
            return Err(Error::SecretIdMismatch {
                found: fields.secret_id().to_owned(),
            });
        }
        let (current_time_stamp, expire_time) = (fields.current_time_stamp(), fields.expire_time());
        let Some(validity) = expire_time.checked_sub(current_time_stamp) else {
            return Err(Error::Expired { expire_time, now });
        };
        if validity == 0 || validity > MAX_VALIDITY_SECS {
            return Err(Error::InvalidValidity { seconds: validity });
        }
        if now > expire_time.saturating_add(self.leeway_secs) {
            return Err(Error::Expired { expire_time, now });
        }
        if current_time_stamp > now.saturating_add(self.leeway_secs) {
            return Err(Error::NotYetValid {
                current_time_stamp,
                now,
            });
        }
        Ok(VerifiedSignature { fields })
    }

    /// Verifies `signature` now, by the system clock.
    ///
    /// # Errors
    ///
    /// As [`verify_at`](Self::verify_at), plus [`Error::ClockBeforeEpoch`].
    #[cfg(feature = "system")]
    #[cfg_attr(docsrs, doc(cfg(feature = "system")))]
    pub fn verify(&self, signature: &str) -> Result<VerifiedSignature, Error> {
        self.verify_at(signature, crate::clock::unix_now()?)
    }
}

impl Credentials {
    /// A [`Verifier`] for these credentials, with the default leeway.
    #[must_use]
    pub fn verifier(&self) -> Verifier<'_> {
        Verifier::new(self)
    }

    /// Verifies `signature` at time `now` with the default leeway; see
    /// [`Verifier::verify_at`].
    ///
    /// ```
    /// use tencent_vod_signature::{Credentials, UploadSignature};
    ///
    /// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
    /// let signed = UploadSignature::new().source_context("user-42")?.sign_at(&credentials, 1_700_000_000, 42)?;
    /// let verified = credentials.verify_at(signed.as_str(), 1_700_000_060)?;
    /// assert_eq!(verified.fields().source_context(), Some("user-42"));
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify_at`].
    pub fn verify_at(&self, signature: &str, now: u64) -> Result<VerifiedSignature, Error> {
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
}
