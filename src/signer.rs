//! A service's signer: credentials and the parameters every signature of the service carries.

use crate::credentials::Credentials;
use crate::error::Error;
use crate::sign::{SignedUpload, UploadSignature};
use crate::time::Timestamp;

/// Credentials and a template of the parameters that every signature of a service carries:
/// its account's defaults, such as `vodSubAppId` (which accounts opened after 2023-12-25 must
/// name), `storageRegion`, `procedure`, the validity and `oneTimeValid`.
///
/// Each request starts from the template ([`request`](Self::request)) and adds its own
/// values, such as `sourceContext`. **The request wins:** a parameter it sets again replaces
/// the template's value; its extra parameters come after the template's, and one the template
/// has already is refused as repeated when signing.
///
/// ```
/// use tencent_vod_signature::{Credentials, Signer, Timestamp, UploadSignature};
///
/// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
/// let signer = Signer::new(
///     credentials,
///     UploadSignature::new().vod_sub_app_id(1_500_012_345).storage_region("ap-chongqing").validity_secs(600),
/// )?;
/// let request = signer.request().source_context("user-42").storage_region("ap-guangzhou");
/// let signed = signer.sign_at(&request, Timestamp::from_secs(1_700_000_000), 7)?;
/// let verified = signer.credentials().verify_at(signed.as_str(), Timestamp::from_secs(1_700_000_000))?;
/// assert_eq!(verified.fields().vod_sub_app_id(), Some(1_500_012_345));
/// assert_eq!(verified.fields().storage_region(), Some("ap-guangzhou")); // the request won
/// assert_eq!(signed.expire_time(), 1_700_000_600);
/// # Ok::<(), tencent_vod_signature::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Signer {
    credentials: Credentials,
    template: UploadSignature,
}

impl Signer {
    /// A signer whose signatures start from `template`.
    ///
    /// # Errors
    ///
    /// The errors of [`UploadParams::validate`](crate::params::UploadParams::validate) for the
    /// template's parameters, and [`Error::InvalidValidity`] for its validity: a template
    /// that could never sign is refused here, at start, rather than on every request.
    pub fn new(credentials: Credentials, template: UploadSignature) -> Result<Self, Error> {
        template.params().validate()?;
        template.check_validity()?;
        Ok(Self {
            credentials,
            template,
        })
    }

    /// The credentials it signs with.
    #[must_use]
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The template every request starts from.
    pub fn template(&self) -> &UploadSignature {
        &self.template
    }

    /// A request's builder: a copy of the template, for the request's own values.
    pub fn request(&self) -> UploadSignature {
        self.template.clone()
    }

    /// Signs `request` (made from [`request`](Self::request)) at `now` with `random`.
    ///
    /// # Errors
    ///
    /// As [`UploadSignature::sign_at`].
    pub fn sign_at(
        &self,
        request: &UploadSignature,
        now: Timestamp,
        random: u32,
    ) -> Result<SignedUpload, Error> {
        request.sign_at(&self.credentials, now, random)
    }

    /// Signs `request` now, with a fresh `random`.
    ///
    /// # Errors
    ///
    /// As [`UploadSignature::sign`].
    #[cfg(feature = "system")]
    #[cfg_attr(docsrs, doc(cfg(feature = "system")))]
    pub fn sign(&self, request: &UploadSignature) -> Result<SignedUpload, Error> {
        request.sign(&self.credentials)
    }
}
