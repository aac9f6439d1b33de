//! Decoding without the key: what Tencent's online signature checker shows, as unverified
//! claims.

use crate::codec;
use crate::error::Error;
use crate::fields::{Fields, field_accessors};
use crate::limits::MAC_LEN;
use crate::params::for_each_param;

/// A signature taken apart **without** checking its MAC: every field is an unverified claim.
///
/// Anyone can build a signature that decodes: use this to inspect or debug one (or to find
/// which SecretId claims to have signed it), never to decide anything. Its fields are
/// [`UntrustedFields`], which cannot be turned back into signing input. To trust the
/// contents, verify with [`Credentials::verify_at`](crate::credentials::Credentials::verify_at),
/// which returns a [`VerifiedSignature`](crate::verify::VerifiedSignature).
///
/// ```
/// use tencent_vod_signature::UnverifiedSignature;
///
/// let decoded = UnverifiedSignature::decode(
///     "t3dqTkWVOdHNyd3e2u5mh65TwYxzZWNyZXRJZD1BS0lEejhrcmJzSjV5S0JaUXBuNzRXRmttTFB4M0VYQU1QTEUmY3VycmVudFRpbWVTdGFtcD0xNzAwMDAwMDAwJmV4cGlyZVRpbWU9MTcwMDA4NjQwMCZyYW5kb209MTIzNDU2Nzg5MA==",
/// )?;
/// let claims = decoded.untrusted_fields();
/// assert_eq!(claims.secret_id(), "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE");
/// assert_eq!(claims.expire_time(), 1_700_086_400);
/// # Ok::<(), tencent_vod_signature::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnverifiedSignature {
    mac: [u8; MAC_LEN],
    fields: UntrustedFields,
}

impl UnverifiedSignature {
    /// Decodes a signature: strict Base64, the 20-byte MAC, then the plaintext parsed into
    /// typed fields with every documented limit checked.
    ///
    /// # Errors
    ///
    /// [`Error::SignatureTooLong`], [`Error::BadBase64`], [`Error::TooShort`],
    /// [`Error::BadUtf8`], [`Error::MalformedQuerystring`], [`Error::MissingParameter`],
    /// [`Error::DuplicateParameter`], [`Error::InvalidNumber`], [`Error::InvalidValue`],
    /// [`Error::InvalidTaskPriority`], [`Error::TextTooLong`].
    pub fn decode(signature: &str) -> Result<Self, Error> {
        let (mac, fields) = codec::open(signature, |_, _| Ok(()))?;
        Ok(Self {
            mac,
            fields: UntrustedFields(fields),
        })
    }

    /// The fields as the signature claims them, **not verified**.
    #[must_use]
    pub fn untrusted_fields(&self) -> &UntrustedFields {
        &self.fields
    }

    /// The 20-byte HMAC-SHA1 MAC at the start of the signature, as found.
    #[must_use]
    pub fn mac(&self) -> [u8; MAC_LEN] {
        self.mac
    }
}

/// What an unverified signature claims: the same accessors as
/// [`SignatureFields`](crate::verify::SignatureFields), but nothing that turns the claims
/// into signing input.
#[derive(Clone, PartialEq, Eq)]
pub struct UntrustedFields(pub(crate) Fields);

for_each_param!(field_accessors, UntrustedFields);
