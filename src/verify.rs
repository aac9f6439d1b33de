//! Verification with the key: MAC first, then the fields, the SecretId and the time window.

use crate::codec;
use crate::credentials::Credentials;
use crate::decode::UntrustedFields;
use crate::error::Error;
use crate::fields::{Fields, field_accessors};
use crate::limits::{DEFAULT_LEEWAY_SECS, MAX_VALIDITY_SECS};
use crate::params::{UploadParams, for_each_param};
use crate::time::Timestamp;

/// A signature whose MAC, SecretId and time window have been checked.
///
/// Only [`Verifier::verify_at`] (and the shortcuts on [`Credentials`]) make one.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Everything a verified signature's plaintext says: the four required values, the optional
/// parameters, and the plaintext itself.
///
/// Only verification makes one. [`to_params`](Self::to_params) copies the optional
/// parameters out, to sign them again.
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureFields(pub(crate) Fields);

for_each_param!(field_accessors, SignatureFields);

impl PartialEq<UntrustedFields> for SignatureFields {
    /// Whether these verified fields are exactly what an unverified decode claimed.
    fn eq(&self, claims: &UntrustedFields) -> bool {
        self.0 == claims.0
    }
}

impl PartialEq<SignatureFields> for UntrustedFields {
    /// Whether these claims are exactly what verification found.
    fn eq(&self, verified: &SignatureFields) -> bool {
        self.0 == verified.0
    }
}

impl SignatureFields {
    /// The optional parameters, copied into an [`UploadParams`]: what
    /// [`UploadSignature`](crate::sign::UploadSignature) needs to sign the same parameters
    /// again.
    ///
    /// ```
    /// use tencent_vod_signature::{Credentials, Timestamp, UploadSignature};
    ///
    /// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
    /// let now = Timestamp::from_secs(1_700_000_000);
    /// let first = UploadSignature::new().class_id(7).sign_at(&credentials, now, 1)?;
    /// let verified = credentials.verify_at(first.as_str(), now)?;
    /// let again = UploadSignature::from(verified.fields().to_params()).sign_at(&credentials, now, 2)?;
    /// assert_eq!(credentials.verify_at(again.as_str(), now)?.fields().class_id(), Some(7));
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    #[must_use]
    pub fn to_params(&self) -> UploadParams {
        self.0.params()
    }
}

/// Verifies signatures against one [`Credentials`] value with a chosen clock-skew leeway.
///
/// ```
/// use tencent_vod_signature::{Credentials, Error, Timestamp, UploadSignature};
///
/// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
/// let signed = UploadSignature::new()
///     .validity_secs(600)
///     .sign_at(&credentials, Timestamp::from_secs(1_700_000_000), 42)?;
///
/// let strict = credentials.verifier().leeway_secs(0);
/// assert!(strict.verify_at(signed.as_str(), Timestamp::from_secs(1_700_000_600)).is_ok());
/// assert!(matches!(
///     strict.verify_at(signed.as_str(), Timestamp::from_secs(1_700_000_601)),
///     Err(Error::Expired { .. })
/// ));
/// # Ok::<(), tencent_vod_signature::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Verifier<'a> {
    credentials: &'a Credentials,
    leeway_secs: u64,
}

impl<'a> Verifier<'a> {
    /// A verifier with the default leeway,
    /// [`DEFAULT_LEEWAY_SECS`](crate::limits::DEFAULT_LEEWAY_SECS).
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

    /// Verifies `signature` at time `now`.
    ///
    /// In this order: the Base64 and length checks; the MAC, recomputed over the embedded
    /// plaintext bytes exactly as they are and compared in constant time, before anything in
    /// the plaintext is read; the plaintext's fields; the SecretId (exact, case-sensitive);
    /// the validity (`expireTime - currentTimeStamp` within `1..=7776000`); the time window.
    ///
    /// # Errors
    ///
    /// The errors of [`UnverifiedSignature::decode`](crate::decode::UnverifiedSignature::decode),
    /// and [`Error::MacMismatch`], [`Error::SecretIdMismatch`], [`Error::Expired`] (also when
    /// `expireTime < currentTimeStamp`), [`Error::InvalidValidity`], [`Error::NotYetValid`].
    pub fn verify_at(&self, signature: &str, now: Timestamp) -> Result<VerifiedSignature, Error> {
        let now = now.as_secs();
        // Steps 1-3: Base64, the MAC in constant time, then the plaintext.
        let (_, fields) = codec::open(signature, |mac, plaintext| {
            self.credentials.mac_key().check(plaintext, mac)
        })?;
        let fields = SignatureFields(fields);
        // Step 4: whose signature it is.
        if fields.secret_id() != self.credentials.secret_id() {
            return Err(Error::SecretIdMismatch {
                found: fields.secret_id().to_owned(),
            });
        }
        // Step 5: its validity, then the time window.
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
        self.verify_at(signature, crate::system::clock::now()?)
    }
}
