//! The documented limits, in one place.

use crate::error::Error;

/// The longest validity Tencent accepts: 90 days, in seconds.
pub const MAX_VALIDITY_SECS: u64 = 7_776_000;

/// The validity used when none is set: one day, as in every official sample.
pub const DEFAULT_VALIDITY_SECS: u64 = 86_400;

/// The clock skew a [`Verifier`](crate::verify::Verifier) tolerates unless told otherwise:
/// 300 seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 300;

/// The longest `sourceContext`, in Unicode characters.
pub const MAX_SOURCE_CONTEXT_CHARS: usize = 250;

/// The longest `sessionContext`, in Unicode characters.
pub const MAX_SESSION_CONTEXT_CHARS: usize = 1000;

/// The lowest `taskPriority`.
pub const MIN_TASK_PRIORITY: i8 = -10;

/// The highest `taskPriority`.
pub const MAX_TASK_PRIORITY: i8 = 10;

/// The longest signature, in bytes, that the crate signs or decodes: 24 KiB.
///
/// Typical signatures are 300 to 600 bytes. The documented limits alone allow about 15 KiB of
/// plaintext (1000 characters of `sessionContext` at up to 12 encoded bytes each, 250 of
/// `sourceContext`), which is about 20 KiB of Base64; this bound leaves room for that and
/// refuses anything larger before any work is done.
pub const MAX_SIGNATURE_LEN: usize = 24 * 1024;

/// The length of the HMAC-SHA1 MAC at the start of a decoded signature.
pub(crate) const MAC_LEN: usize = 20;

/// A `taskPriority` within `MIN_TASK_PRIORITY..=MAX_TASK_PRIORITY`, as an `i8`.
pub(crate) fn check_task_priority(value: i64) -> Result<i8, Error> {
    match i8::try_from(value) {
        Ok(priority) if (MIN_TASK_PRIORITY..=MAX_TASK_PRIORITY).contains(&priority) => Ok(priority),
        _ => Err(Error::InvalidTaskPriority { value }),
    }
}

/// A validity within `1..=MAX_VALIDITY_SECS` seconds.
pub(crate) fn check_validity(seconds: u64) -> Result<(), Error> {
    if seconds == 0 || seconds > MAX_VALIDITY_SECS {
        return Err(Error::InvalidValidity { seconds });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn validity_edges() {
        assert_eq!(check_validity(1), Ok(()));
        assert_eq!(check_validity(MAX_VALIDITY_SECS), Ok(()));
        assert_eq!(
            check_validity(0),
            Err(Error::InvalidValidity { seconds: 0 })
        );
        assert_eq!(
            check_validity(MAX_VALIDITY_SECS + 1),
            Err(Error::InvalidValidity {
                seconds: MAX_VALIDITY_SECS + 1
            })
        );
    }
}
