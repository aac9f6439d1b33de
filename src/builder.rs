//! The `UploadSignature` builder and the signing pipeline:
//! typed values → plaintext → HMAC-SHA1 → Base64.

use crate::limits::{DEFAULT_VALIDITY_SECS, MAC_LEN, MAX_VALIDITY_SECS};
use crate::params::{check_session_context, check_source_context, check_task_priority};
use crate::scratch::with_scratch;
use crate::{Credentials, Error, SignedUpload, TaskNotifyMode, UploadParams, envelope, plaintext};

/// How long a signature stays valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lifetime {
    /// `expireTime = currentTimeStamp + seconds`, checked when set.
    Validity(u64),
    /// An absolute `expireTime`, checked against the signing time.
    ExpireAt(u64),
}

/// A pure builder of upload signatures: set the optional parameters, then sign.
///
/// Required parameters come from elsewhere: `secretId` from the [`Credentials`],
/// `currentTimeStamp` and `random` from the caller ([`sign_at`](Self::sign_at)) or from the
/// system ([`sign`](Self::sign)), `expireTime` from the validity (default one day).
///
/// Setters consume and return the builder; those whose value can break a documented limit
/// return a `Result`. The plaintext lists the optional parameters in one canonical order
/// whatever order the setters were called in, and writes every parameter that was set, even
/// one equal to VOD's default.
///
/// ```
/// use tencent_vod_signature::{Credentials, TaskNotifyMode, UploadSignature};
///
/// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
/// let signed = UploadSignature::new()
///     .procedure("LongVideoPreset")
///     .class_id(1024)
///     .source_context("user-42")?
///     .task_notify_mode(TaskNotifyMode::Finish)
///     .validity_secs(3600)?
///     .sign_at(&credentials, 1_700_000_000, 3_141_592_653)?;
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

impl UploadSignature {
    /// A builder with no optional parameter and a validity of one day.
    pub fn new() -> Self {
        Self::from(UploadParams::default())
    }

    /// The optional parameters set so far.
    #[must_use]
    pub fn params(&self) -> &UploadParams {
        &self.params
    }

    /// Sets `classId`, the category of the uploaded media.
    pub fn class_id(mut self, class_id: u64) -> Self {
        self.params.class_id = Some(class_id);
        self
    }

    /// Sets `procedure`, the name of the task flow VOD runs after the upload.
    pub fn procedure(mut self, name: impl Into<String>) -> Self {
        self.params.procedure = Some(name.into());
        self
    }

    /// Sets `taskPriority`, the priority of the task flow (meaningful with a `procedure`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTaskPriority`] outside `-10..=10`.
    pub fn task_priority(mut self, priority: i8) -> Result<Self, Error> {
        self.params.task_priority = Some(check_task_priority(i64::from(priority))?);
        Ok(self)
    }

    /// Sets `taskNotifyMode`, when task-flow events are sent (meaningful with a `procedure`).
    pub fn task_notify_mode(mut self, mode: TaskNotifyMode) -> Self {
        self.params.task_notify_mode = Some(mode);
        self
    }

    /// Sets `sourceContext`, echoed back in the upload-complete event.
    ///
    /// Anyone holding the signature can read it: it is signed, not encrypted.
    ///
    /// # Errors
    ///
    /// [`Error::TextTooLong`] over 250 Unicode characters.
    pub fn source_context(mut self, context: impl Into<String>) -> Result<Self, Error> {
        let context = context.into();
        check_source_context(&context)?;
        self.params.source_context = Some(context);
        Ok(self)
    }

    /// Sets `sessionContext`, echoed back in the task flow's state-change events.
    ///
    /// # Errors
    ///
    /// [`Error::TextTooLong`] over 1000 Unicode characters.
    pub fn session_context(mut self, context: impl Into<String>) -> Result<Self, Error> {
        let context = context.into();
        check_session_context(&context)?;
        self.params.session_context = Some(context);
        Ok(self)
    }

    /// Sets `oneTimeValid` (written `1` or `0`): `true` lets the signature serve one upload.
    pub fn one_time_valid(mut self, one_time: bool) -> Self {
        self.params.one_time_valid = Some(one_time);
        self
    }

    /// Sets `vodSubAppId`, the VOD sub-application to upload into.
    pub fn vod_sub_app_id(mut self, app_id: u64) -> Self {
        self.params.vod_sub_app_id = Some(app_id);
        self
    }

    /// Sets `storageRegion`, the region's short name, e.g. `ap-chongqing`.
    pub fn storage_region(mut self, region: impl Into<String>) -> Self {
        self.params.storage_region = Some(region.into());
        self
    }

    /// Adds a parameter the crate has no setter for; extra parameters are signed after the
    /// known ones, in the order they were added.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyParameterName`], [`Error::ReservedParameter`] for a required or known
    /// name (use its typed setter), [`Error::DuplicateParameter`] for a name added before.
    pub fn param(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, Error> {
        self.params.push_extra(name.into(), value.into())?;
        Ok(self)
    }

    /// Sets the validity: `expireTime = currentTimeStamp + seconds` (default 86400).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValidity`] outside `1..=7776000` (90 days).
    pub fn validity_secs(mut self, seconds: u64) -> Result<Self, Error> {
        check_validity(seconds)?;
        self.lifetime = Lifetime::Validity(seconds);
        Ok(self)
    }

    /// Sets an absolute `expireTime` (Unix seconds) instead of a validity. It is checked when
    /// signing: it must be after the signing time and at most 90 days later.
    pub fn expire_time(mut self, expire_time: u64) -> Self {
        self.lifetime = Lifetime::ExpireAt(expire_time);
        self
    }

    /// The `expireTime` a signature made at `now` would carry.
    ///
    /// # Errors
    ///
    /// [`Error::ExpireTimeNotAfterNow`] or [`Error::InvalidValidity`] for an absolute
    /// expireTime outside `now + 1..=now + 7776000`; [`Error::TimeOverflow`] when
    /// `now + validity` overflows.
    pub fn expire_time_at(&self, now: u64) -> Result<u64, Error> {
        match self.lifetime {
            Lifetime::Validity(seconds) => {
                now.checked_add(seconds).ok_or(Error::TimeOverflow { now })
            }
            Lifetime::ExpireAt(expire_time) => {
                if expire_time <= now {
                    return Err(Error::ExpireTimeNotAfterNow { expire_time, now });
                }
                check_validity(expire_time - now)?;
                Ok(expire_time)
            }
        }
    }

    /// Signs at time `now` (Unix seconds) with the given `random`: the deterministic core.
    ///
    /// ```
    /// use tencent_vod_signature::{Credentials, UploadSignature};
    ///
    /// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
    /// let signed = UploadSignature::new().sign_at(&credentials, 1_700_000_000, 1_234_567_890)?;
    /// assert_eq!(
    ///     signed.as_str(),
    ///     "t3dqTkWVOdHNyd3e2u5mh65TwYxzZWNyZXRJZD1BS0lEejhrcmJzSjV5S0JaUXBuNzRXRmttTFB4M0VYQU1QTEUmY3VycmVudFRpbWVTdGFtcD0xNzAwMDAwMDAwJmV4cGlyZVRpbWU9MTcwMDA4NjQwMCZyYW5kb209MTIzNDU2Nzg5MA=="
    /// );
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The errors of [`expire_time_at`](Self::expire_time_at), and
    /// [`Error::SignatureTooLong`] when the signature would exceed
    /// [`MAX_SIGNATURE_LEN`](crate::MAX_SIGNATURE_LEN).
    pub fn sign_at(
        &self,
        credentials: &Credentials,
        now: u64,
        random: u32,
    ) -> Result<SignedUpload, Error> {
        let mut signature = String::new();
        let expire_time = self.sign_into(credentials, now, random, &mut signature)?;
        Ok(SignedUpload {
            signature,
            current_time_stamp: now,
            expire_time,
            random,
        })
    }

    /// Like [`sign_at`](Self::sign_at), but appends the signature to `out` and returns its
    /// `expireTime`. With a buffer of enough capacity it does not allocate.
    ///
    /// ```
    /// use tencent_vod_signature::{Credentials, UploadSignature};
    ///
    /// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
    /// let mut buffer = String::with_capacity(1024);
    /// let expire_time = UploadSignature::new().sign_into(&credentials, 1_700_000_000, 7, &mut buffer)?;
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
        now: u64,
        random: u32,
        out: &mut String,
    ) -> Result<u64, Error> {
        let expire_time = self.expire_time_at(now)?;
        let prefix = credentials.plaintext_prefix();
        with_scratch(|payload| {
            let needed = MAC_LEN + plaintext::max_len(prefix, &self.params);
            if payload.len() < needed {
                payload.resize(needed, 0);
            }
            let (mac, rest) = payload.split_at_mut(MAC_LEN);
            let len = plaintext::write(rest, prefix, now, expire_time, random, &self.params);
            mac.copy_from_slice(&credentials.mac(&rest[..len]));
            envelope::seal(&payload[..MAC_LEN + len], out)
        })?;
        Ok(expire_time)
    }

    /// Signs now, with a fresh `random`: reads the system clock and draws `random` from the
    /// credentials' sequence (seeded once from the OS; no system call per signature, and no
    /// value repeated by one credentials value within 2^32 signatures, so it is safe for
    /// `oneTimeValid`).
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
        let now = crate::clock::unix_now()?;
        let random = credentials.random_for_second(now)?;
        self.sign_at(credentials, now, random)
    }
}

fn check_validity(seconds: u64) -> Result<(), Error> {
    if seconds == 0 || seconds > MAX_VALIDITY_SECS {
        return Err(Error::InvalidValidity { seconds });
    }
    Ok(())
}
