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

/// The largest fleet of signers ([`Instance`](crate::Instance)): 2^16 instances leave 16
/// bits of each `random` to the instance's own sequence.
pub const MAX_INSTANCES: u32 = 1 << 16;

/// The length of the HMAC-SHA1 MAC at the start of a decoded signature.
pub(crate) const MAC_LEN: usize = 20;

/// A `taskPriority` within `MIN_TASK_PRIORITY..=MAX_TASK_PRIORITY`.
pub(crate) fn check_task_priority(value: i8) -> Result<i8, Error> {
    if (MIN_TASK_PRIORITY..=MAX_TASK_PRIORITY).contains(&value) {
        Ok(value)
    } else {
        Err(Error::InvalidTaskPriority {
            value: value.to_string(),
        })
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
        for value in [11, -11, i8::MAX, i8::MIN] {
            assert_eq!(
                check_task_priority(value),
                Err(Error::InvalidTaskPriority {
                    value: value.to_string()
                })
            );
        }
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
