//! The typed set of optional parameters, shared by the builder and the decoder, and the
//! checks that keep every value within its documented limit.

use crate::limits::{
    MAX_SESSION_CONTEXT_CHARS, MAX_SOURCE_CONTEXT_CHARS, MAX_TASK_PRIORITY, MIN_TASK_PRIORITY,
};
use crate::names::{KNOWN, SESSION_CONTEXT, SOURCE_CONTEXT};
use crate::{Error, TaskNotifyMode};

/// The optional parameters of an upload signature, each within its documented limit.
///
/// A parameter that is `None` is absent from the signature; one that is `Some` is written,
/// even when it equals VOD's default. [`UploadSignature`](crate::UploadSignature) builds one;
/// decoding a signature yields one, so `decode(sign(p))` gives back `p`.
///
/// Every value here passed the same checks whether it came from the builder or from a decoded
/// signature; whether a decoded one can be *trusted* is a separate question, answered only by
/// [`Credentials::verify_at`](crate::Credentials::verify_at).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadParams {
    pub(crate) class_id: Option<u64>,
    pub(crate) procedure: Option<String>,
    pub(crate) task_priority: Option<i8>,
    pub(crate) task_notify_mode: Option<TaskNotifyMode>,
    pub(crate) source_context: Option<String>,
    pub(crate) session_context: Option<String>,
    pub(crate) one_time_valid: Option<bool>,
    pub(crate) vod_sub_app_id: Option<u64>,
    pub(crate) storage_region: Option<String>,
    pub(crate) extra: Vec<(String, String)>,
}

impl UploadParams {
    /// `classId`: the category of the uploaded media (VOD's default 0).
    #[must_use]
    pub fn class_id(&self) -> Option<u64> {
        self.class_id
    }

    /// `procedure`: the task flow VOD runs after the upload.
    #[must_use]
    pub fn procedure(&self) -> Option<&str> {
        self.procedure.as_deref()
    }

    /// `taskPriority`: the task flow's priority, `-10..=10`.
    #[must_use]
    pub fn task_priority(&self) -> Option<i8> {
        self.task_priority
    }

    /// `taskNotifyMode`: when task-flow events are sent.
    #[must_use]
    pub fn task_notify_mode(&self) -> Option<TaskNotifyMode> {
        self.task_notify_mode
    }

    /// `sourceContext`: echoed back in the upload-complete event (at most 250 characters).
    #[must_use]
    pub fn source_context(&self) -> Option<&str> {
        self.source_context.as_deref()
    }

    /// `sessionContext`: echoed back in task-flow events (at most 1000 characters).
    #[must_use]
    pub fn session_context(&self) -> Option<&str> {
        self.session_context.as_deref()
    }

    /// `oneTimeValid`: `true` when the signature may serve one upload only.
    #[must_use]
    pub fn one_time_valid(&self) -> Option<bool> {
        self.one_time_valid
    }

    /// `vodSubAppId`: the VOD sub-application.
    #[must_use]
    pub fn vod_sub_app_id(&self) -> Option<u64> {
        self.vod_sub_app_id
    }

    /// `storageRegion`: where the media is stored, e.g. `ap-chongqing`.
    #[must_use]
    pub fn storage_region(&self) -> Option<&str> {
        self.storage_region.as_deref()
    }

    /// Parameters the crate has no typed field for, in the order they were given or found.
    #[must_use]
    pub fn extra(&self) -> &[(String, String)] {
        &self.extra
    }

    /// Adds an extra parameter after checking its name.
    pub(crate) fn push_extra(&mut self, name: String, value: String) -> Result<(), Error> {
        if name.is_empty() {
            return Err(Error::EmptyParameterName);
        }
        if KNOWN.contains(&name.as_str()) {
            return Err(Error::ReservedParameter { name });
        }
        if self.extra.iter().any(|(existing, _)| *existing == name) {
            return Err(Error::DuplicateParameter { name });
        }
        self.extra.push((name, value));
        Ok(())
    }
}

/// Checks a `sourceContext` value: at most 250 Unicode characters.
pub(crate) fn check_source_context(value: &str) -> Result<(), Error> {
    check_chars(SOURCE_CONTEXT, value, MAX_SOURCE_CONTEXT_CHARS)
}

/// Checks a `sessionContext` value: at most 1000 Unicode characters.
pub(crate) fn check_session_context(value: &str) -> Result<(), Error> {
    check_chars(SESSION_CONTEXT, value, MAX_SESSION_CONTEXT_CHARS)
}

fn check_chars(parameter: &'static str, value: &str, max_chars: usize) -> Result<(), Error> {
    // A UTF-8 character is at least one byte: only a value longer in bytes needs counting.
    if value.len() <= max_chars {
        return Ok(());
    }
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(Error::TextTooLong {
            parameter,
            max_chars,
            chars,
        });
    }
    Ok(())
}

/// Checks a `taskPriority` value: `-10..=10`.
pub(crate) fn check_task_priority(value: i64) -> Result<i8, Error> {
    match i8::try_from(value) {
        Ok(priority) if (MIN_TASK_PRIORITY..=MAX_TASK_PRIORITY).contains(&priority) => Ok(priority),
        _ => Err(Error::InvalidTaskPriority { value }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits_count_characters_not_bytes() {
        let cjk = "视".repeat(MAX_SOURCE_CONTEXT_CHARS);
        assert_eq!(cjk.len(), 3 * MAX_SOURCE_CONTEXT_CHARS);
        assert_eq!(check_source_context(&cjk), Ok(()));
        let over = "视".repeat(MAX_SOURCE_CONTEXT_CHARS + 1);
        assert_eq!(
            check_source_context(&over),
            Err(Error::TextTooLong {
                parameter: "sourceContext",
                max_chars: 250,
                chars: 251
            })
        );
    }

    #[test]
    fn task_priority_edges() {
        assert_eq!(check_task_priority(-10), Ok(-10));
        assert_eq!(check_task_priority(10), Ok(10));
        assert_eq!(
            check_task_priority(11),
            Err(Error::InvalidTaskPriority { value: 11 })
        );
        assert_eq!(
            check_task_priority(-11),
            Err(Error::InvalidTaskPriority { value: -11 })
        );
        assert_eq!(
            check_task_priority(i64::from(i8::MAX) + 1),
            Err(Error::InvalidTaskPriority { value: 128 })
        );
    }
}
