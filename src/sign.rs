//! Signing: the [`UploadSignature`] builder and the [`SignedUpload`] it returns.

use std::fmt;

use crate::codec::{self, Stamp};
use crate::credentials::Credentials;
use crate::error::Error;
use crate::limits::{DEFAULT_VALIDITY_SECS, MAX_VALIDITY_SECS, check_validity};
use crate::params::{UploadParams, for_each_param};
use crate::task_notify_mode::TaskNotifyMode;
use crate::time::Timestamp;

/// How long a signature stays valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lifetime {
    /// `expireTime = currentTimeStamp + seconds`.
    Validity(u64),
    /// An absolute `expireTime`.
    ExpireAt(Timestamp),
}

/// A pure builder of upload signatures: set the optional parameters, then sign.
///
/// Required parameters come from elsewhere: `secretId` from the [`Credentials`],
/// `currentTimeStamp` and `random` from the caller ([`sign_at`](Self::sign_at)) or from the
/// system ([`sign`](Self::sign)), `expireTime` from the validity (default one day).
///
/// Setters consume and return the builder and never fail: every value is checked when the
/// builder signs, and the first one out of its limit is an error naming the parameter. The
/// plaintext lists the optional parameters in one canonical order whatever order the setters
/// were called in, and writes every parameter that was set, even one equal to VOD's default.
///
/// ```
/// use tencent_vod_signature::{Credentials, TaskNotifyMode, Timestamp, UploadSignature};
///
/// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
/// let signed = UploadSignature::new()
///     .procedure("LongVideoPreset")
///     .class_id(1024)
///     .source_context("user-42")
///     .task_notify_mode(TaskNotifyMode::Finish)
///     .validity_secs(3600)
///     .sign_at(&credentials, Timestamp::from_secs(1_700_000_000), 3_141_592_653)?;
/// assert_eq!(signed.expire_time(), 1_700_003_600);
/// # Ok::<(), tencent_vod_signature::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct UploadSignature {
    params: UploadParams,
    lifetime: Lifetime,
}

impl Default for UploadSignature {
    fn default() -> Self {
        Self::new()
    }
}

impl From<UploadParams> for UploadSignature {
    /// A builder with these parameters and the default validity.
    fn from(params: UploadParams) -> Self {
        Self {
            params,
            lifetime: Lifetime::Validity(DEFAULT_VALIDITY_SECS),
        }
    }
}

/// Defines the setters of the optional parameters from the parameter table.
macro_rules! define_setters {
    (
        required: $required:tt,
        optional: [$((
            $variant:ident, $wire:literal, $field:ident, $kind:ident, $argument:ty,
            $rule:expr, $meaning:literal
        )),* $(,)?],
    ) => {
        impl UploadSignature {
            $(
                #[doc = concat!("Sets `", $wire, "`: ", $meaning, ".")]
                #[allow(clippy::useless_conversion)] // The identity for number arguments.
                pub fn $field(mut self, value: $argument) -> Self {
                    self.params.$field = Some(value.into());
                    self
                }
            )*
        }
    };
}

for_each_param!(define_setters);

impl UploadSignature {
    /// A builder with no optional parameter and a validity of one day.
    pub fn new() -> Self {
        Self::from(UploadParams::default())
    }

    /// The optional parameters set so far (checked only when signing, or by
    /// [`UploadParams::validate`]).
    #[must_use]
    pub fn params(&self) -> &UploadParams {
        &self.params
    }

    /// Adds a parameter the crate has no setter for; extra parameters are signed after the
    /// known ones, in the order they were added. Its name must be non-empty, not one of the
    /// thirteen the crate writes itself (use the typed setter) and not added before; that is
    /// checked when signing.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.extra.push((name.into(), value.into()));
        self
    }

    /// Sets the validity: `expireTime = currentTimeStamp + seconds` (default 86400, at most
    /// 7776000, 90 days).
    pub fn validity_secs(mut self, seconds: u64) -> Self {
        self.lifetime = Lifetime::Validity(seconds);
        self
    }

    /// Sets an absolute `expireTime` instead of a validity: it must be after the signing time
    /// and at most 90 days later.
    pub fn expire_time(mut self, expire_time: Timestamp) -> Self {
        self.lifetime = Lifetime::ExpireAt(expire_time);
        self
    }

    /// Checks a validity set with [`validity_secs`](Self::validity_secs) (an absolute
    /// `expireTime` can only be checked against the signing time).
    pub(crate) fn check_validity(&self) -> Result<(), Error> {
        match self.lifetime {
            Lifetime::Validity(seconds) => check_validity(seconds),
            Lifetime::ExpireAt(_) => Ok(()),
        }
    }

    /// The `expireTime` a signature made at `now` would carry, in Unix seconds.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValidity`] for a validity outside `1..=7776000`;
    /// [`Error::ExpireTimeNotAfterNow`] or [`Error::ExpireTimeTooLate`] for an absolute
    /// expireTime outside `now + 1..=now + 7776000`; [`Error::TimeOverflow`] when
    /// `now + validity` overflows.
    pub fn expire_time_at(&self, now: Timestamp) -> Result<u64, Error> {
        let now = now.as_secs();
        match self.lifetime {
            Lifetime::Validity(seconds) => {
                check_validity(seconds)?;
                now.checked_add(seconds).ok_or(Error::TimeOverflow { now })
            }
            Lifetime::ExpireAt(expire_time) => {
                let expire_time = expire_time.as_secs();
                if expire_time <= now {
                    return Err(Error::ExpireTimeNotAfterNow { expire_time, now });
                }
                let seconds = expire_time - now;
                if seconds > MAX_VALIDITY_SECS {
                    return Err(Error::ExpireTimeTooLate {
                        expire_time,
                        now,
                        seconds,
                    });
                }
                Ok(expire_time)
            }
        }
    }

    /// Signs at time `now` with the given `random`: the deterministic core.
    ///
    /// ```
    /// use tencent_vod_signature::{Credentials, Timestamp, UploadSignature};
    ///
    /// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
    /// let signed = UploadSignature::new()
    ///     .sign_at(&credentials, Timestamp::from_secs(1_700_000_000), 1_234_567_890)?;
    /// assert_eq!(
    ///     signed.as_str(),
    ///     "t3dqTkWVOdHNyd3e2u5mh65TwYxzZWNyZXRJZD1BS0lEejhrcmJzSjV5S0JaUXBuNzRXRmttTFB4M0VYQU1QTEUmY3VycmVudFRpbWVTdGFtcD0xNzAwMDAwMDAwJmV4cGlyZVRpbWU9MTcwMDA4NjQwMCZyYW5kb209MTIzNDU2Nzg5MA=="
    /// );
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The errors of [`expire_time_at`](Self::expire_time_at), then those of
    /// [`UploadParams::validate`], then [`Error::SignatureTooLong`] when the signature would
    /// exceed [`MAX_SIGNATURE_LEN`](crate::limits::MAX_SIGNATURE_LEN).
    pub fn sign_at(
        &self,
        credentials: &Credentials,
        now: Timestamp,
        random: u32,
    ) -> Result<SignedUpload, Error> {
        let mut signature = String::new();
        let expire_time = self.sign_into(credentials, now, random, &mut signature)?;
        Ok(SignedUpload {
            signature,
            current_time_stamp: now.as_secs(),
            expire_time,
            random,
        })
    }

    /// Like [`sign_at`](Self::sign_at), but appends the signature to `out` and returns its
    /// `expireTime`. With a buffer of enough capacity it does not allocate.
    ///
    /// ```
    /// use tencent_vod_signature::{Credentials, Timestamp, UploadSignature};
    ///
    /// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
    /// let mut buffer = String::with_capacity(1024);
    /// let now = Timestamp::from_secs(1_700_000_000);
    /// let expire_time = UploadSignature::new().sign_into(&credentials, now, 7, &mut buffer)?;
    /// assert_eq!(expire_time, 1_700_086_400);
    /// assert!(buffer.ends_with('='));
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`sign_at`](Self::sign_at); on error `out` is left as it was.
    pub fn sign_into(
        &self,
        credentials: &Credentials,
        now: Timestamp,
        random: u32,
        out: &mut String,
    ) -> Result<u64, Error> {
        let expire_time = self.expire_time_at(now)?;
        self.params.validate()?;
        let stamp = Stamp {
            current_time_stamp: now.as_secs(),
            expire_time,
            random,
        };
        codec::seal(
            credentials.mac_key(),
            credentials.plaintext_prefix(),
            stamp,
            &self.params,
            out,
        )?;
        Ok(expire_time)
    }

    /// Signs now, with a fresh `random`: reads the system clock and draws `random` from the
    /// credentials' sequence (seeded from the OS once; no system call per signature; never the
    /// same `random` twice within a second for these credentials, their clones and, with
    /// [`Credentials::in_fleet`], the rest of their fleet, as `oneTimeValid` requires).
    ///
    /// ```
    /// use tencent_vod_signature::{Credentials, UploadSignature};
    ///
    /// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
    /// let first = UploadSignature::new().one_time_valid(true).sign(&credentials)?;
    /// let second = UploadSignature::new().one_time_valid(true).sign(&credentials)?;
    /// assert_ne!(first.random(), second.random());
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`sign_at`](Self::sign_at), plus [`Error::ClockBeforeEpoch`] and
    /// [`Error::RandomUnavailable`].
    #[cfg(feature = "system")]
    #[cfg_attr(docsrs, doc(cfg(feature = "system")))]
    pub fn sign(&self, credentials: &Credentials) -> Result<SignedUpload, Error> {
        let (now, now_ms) = crate::system::clock::now_and_millis()?;
        let random = credentials.random_for_second(now, now_ms)?;
        self.sign_at(credentials, now, random)
    }
}

/// A freshly made signature and the values it was made with.
///
/// The signature is a bearer credential for uploading until [`expire_time`](Self::expire_time):
/// hand it to the client that asked for it, and treat it as you would a session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedUpload {
    signature: String,
    current_time_stamp: u64,
    expire_time: u64,
    random: u32,
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
