//! Decoding without the key: what Tencent's online signature checker shows.

use crate::parse::parse;
use crate::{Error, SignatureFields, envelope};

/// A signature taken apart **without** checking its MAC: every field is an unverified claim.
///
/// Anyone can build a signature that decodes: use this to inspect or debug one (or to find
/// which SecretId claims to have signed it), never to decide anything. To trust the contents,
/// verify with [`Credentials::verify_at`](crate::Credentials::verify_at), which returns a
/// [`VerifiedSignature`](crate::VerifiedSignature).
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
    mac: [u8; 20],
    fields: SignatureFields,
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
        envelope::open(signature, |mac, opened| {
            Ok(Self {
                mac,
                fields: parse(opened.padded, opened.len, opened.decode_area)?,
            })
        })
    }

    /// The fields as the signature claims them, **not verified**.
    #[must_use]
    pub fn untrusted_fields(&self) -> &SignatureFields {
        &self.fields
    }

    /// The 20-byte HMAC-SHA1 MAC at the start of the signature, as found.
    #[must_use]
    pub fn mac(&self) -> [u8; 20] {
        self.mac
    }
}
