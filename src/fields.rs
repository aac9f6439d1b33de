//! What a signature's plaintext says, kept as ranges into one buffer: the four required
//! values, the optional parameters and the plaintext itself.

use std::borrow::Cow;
use std::fmt;

use crate::limits::MAX_SIGNATURE_LEN;
use crate::{TaskNotifyMode, UploadParams, querystring};

/// Everything a signature's plaintext says: the four required values, the optional
/// parameters, and the plaintext itself.
///
/// Whether these fields can be trusted depends on where they came from: from
/// [`UnverifiedSignature`](crate::UnverifiedSignature) they are claims anyone could have
/// written; from [`VerifiedSignature`](crate::VerifiedSignature) the MAC, the SecretId and the
/// time window have been checked.
///
/// Text values are kept as ranges into one buffer holding the plaintext and, after it, the
/// decoded text of any value that had `%XX` escapes or `+`: one allocation for the whole
/// signature. [`to_params`](Self::to_params) copies the optional parameters out, to sign
/// them again.
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureFields {
    /// The plaintext (`text[..original_len]`), then the decoded values.
    pub(crate) text: String,
    pub(crate) original_len: usize,
    pub(crate) secret_id: Span,
    pub(crate) current_time_stamp: u64,
    pub(crate) expire_time: u64,
    pub(crate) random: u32,
    pub(crate) optional: OptionalFields,
}

/// Where a value sits in [`SignatureFields`]' text. Its ends are 32-bit: the fields are moved a
/// few times on their way out of a verification, and the smaller struct measured faster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

const _: () = assert!(2 * MAX_SIGNATURE_LEN < u32::MAX as usize);

impl Span {
    /// A span of a buffer no longer than twice [`MAX_SIGNATURE_LEN`], which fits in 32 bits
    /// (checked at compile time below): the fallback is never taken.
    pub(crate) fn new(start: usize, end: usize) -> Self {
        let bound = |index: usize| u32::try_from(index).unwrap_or(u32::MAX);
        Self {
            start: bound(start),
            end: bound(end),
        }
    }

    /// The text this span covers. Spans are made over the same buffer at UTF-8 boundaries,
    /// so this is never empty by mistake.
    pub(crate) fn of(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// The optional parameters of a parsed plaintext, as found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OptionalFields {
    pub(crate) class_id: Option<u64>,
    pub(crate) procedure: Option<Span>,
    pub(crate) task_priority: Option<i8>,
    pub(crate) task_notify_mode: Option<TaskNotifyMode>,
    pub(crate) source_context: Option<Span>,
    pub(crate) session_context: Option<Span>,
    pub(crate) one_time_valid: Option<bool>,
    pub(crate) vod_sub_app_id: Option<u64>,
    pub(crate) storage_region: Option<Span>,
    pub(crate) extra: Vec<(Span, Span)>,
}

impl SignatureFields {
    /// `secretId`: who signed.
    #[must_use]
    pub fn secret_id(&self) -> &str {
        self.secret_id.of(&self.text)
    }

    /// `currentTimeStamp`: when it was signed (Unix seconds).
    #[must_use]
    pub fn current_time_stamp(&self) -> u64 {
        self.current_time_stamp
    }

    /// `expireTime`: when it stops being valid (Unix seconds).
    #[must_use]
    pub fn expire_time(&self) -> u64 {
        self.expire_time
    }

    /// `random`.
    #[must_use]
    pub fn random(&self) -> u32 {
        self.random
    }

    /// `classId`: the category of the uploaded media.
    #[must_use]
    pub fn class_id(&self) -> Option<u64> {
        self.optional.class_id
    }

    /// `procedure`: the task flow VOD runs after the upload.
    #[must_use]
    pub fn procedure(&self) -> Option<&str> {
        self.text_of(self.optional.procedure)
    }

    /// `taskPriority`: the task flow's priority, `-10..=10`.
    #[must_use]
    pub fn task_priority(&self) -> Option<i8> {
        self.optional.task_priority
    }

    /// `taskNotifyMode`: when task-flow events are sent.
    #[must_use]
    pub fn task_notify_mode(&self) -> Option<TaskNotifyMode> {
        self.optional.task_notify_mode
    }

    /// `sourceContext`: echoed back in the upload-complete event (at most 250 characters).
    #[must_use]
    pub fn source_context(&self) -> Option<&str> {
        self.text_of(self.optional.source_context)
    }

    /// `sessionContext`: echoed back in task-flow events (at most 1000 characters).
    #[must_use]
    pub fn session_context(&self) -> Option<&str> {
        self.text_of(self.optional.session_context)
    }

    /// `oneTimeValid`: `true` when the signature may serve one upload only.
    #[must_use]
    pub fn one_time_valid(&self) -> Option<bool> {
        self.optional.one_time_valid
    }

    /// `vodSubAppId`: the VOD sub-application.
    #[must_use]
    pub fn vod_sub_app_id(&self) -> Option<u64> {
        self.optional.vod_sub_app_id
    }

    /// `storageRegion`: where the media is stored, e.g. `ap-chongqing`.
    #[must_use]
    pub fn storage_region(&self) -> Option<&str> {
        self.text_of(self.optional.storage_region)
    }

    /// Parameters the crate has no typed field for, `(name, value)` decoded, in plaintext
    /// order.
    pub fn extra(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.optional
            .extra
            .iter()
            .map(|&(name, value)| (name.of(&self.text), value.of(&self.text)))
    }

    /// The optional parameters, copied into an [`UploadParams`]: what
    /// [`UploadSignature`](crate::UploadSignature) needs to sign the same parameters again.
    ///
    /// ```
    /// use tencent_vod_signature::{Credentials, UploadSignature};
    ///
    /// let credentials = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
    /// let first = UploadSignature::new().class_id(7).sign_at(&credentials, 1_700_000_000, 1)?;
    /// let verified = credentials.verify_at(first.as_str(), 1_700_000_000)?;
    /// let again = UploadSignature::from(verified.fields().to_params()).sign_at(&credentials, 1_700_000_060, 2)?;
    /// assert_eq!(credentials.verify_at(again.as_str(), 1_700_000_060)?.fields().class_id(), Some(7));
    /// # Ok::<(), tencent_vod_signature::Error>(())
    /// ```
    #[must_use]
    pub fn to_params(&self) -> UploadParams {
        let owned = |span: Option<Span>| self.text_of(span).map(str::to_owned);
        UploadParams {
            class_id: self.optional.class_id,
            procedure: owned(self.optional.procedure),
            task_priority: self.optional.task_priority,
            task_notify_mode: self.optional.task_notify_mode,
            source_context: owned(self.optional.source_context),
            session_context: owned(self.optional.session_context),
            one_time_valid: self.optional.one_time_valid,
            vod_sub_app_id: self.optional.vod_sub_app_id,
            storage_region: owned(self.optional.storage_region),
            extra: self
                .extra()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
        }
    }

    /// The plaintext exactly as signed (still URL-encoded as its producer wrote it).
    #[must_use]
    pub fn original(&self) -> &str {
        Span::new(0, self.original_len).of(&self.text)
    }

    /// The percent-decoded `(key, value)` pairs in the order the plaintext lists them.
    pub fn pairs(&self) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
        // The plaintext parsed without error when these fields were made, so no pair is lost.
        querystring::pairs(self.original()).filter_map(Result::ok)
    }

    fn text_of(&self, span: Option<Span>) -> Option<&str> {
        span.map(|span| span.of(&self.text))
    }
}

impl fmt::Debug for SignatureFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureFields")
            .field("secret_id", &self.secret_id())
            .field("current_time_stamp", &self.current_time_stamp)
            .field("expire_time", &self.expire_time)
            .field("random", &self.random)
            .field("class_id", &self.class_id())
            .field("procedure", &self.procedure())
            .field("task_priority", &self.task_priority())
            .field("task_notify_mode", &self.task_notify_mode())
            .field("source_context", &self.source_context())
            .field("session_context", &self.session_context())
            .field("one_time_valid", &self.one_time_valid())
            .field("vod_sub_app_id", &self.vod_sub_app_id())
            .field("storage_region", &self.storage_region())
            .field("extra", &self.extra().collect::<Vec<_>>())
            .field("original", &self.original())
            .finish()
    }
}
