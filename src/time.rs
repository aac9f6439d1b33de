//! Points in time, as signatures carry them: whole Unix seconds.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::Error;

/// A point in time in whole seconds since the Unix epoch, as `currentTimeStamp` and
/// `expireTime` carry it.
///
/// Signing and verifying take the time as a `Timestamp`, not as a bare integer, so that it
/// cannot be swapped with `random` (a `u32`) without a compile error.
///
/// ```
/// use tencent_vod_signature::Timestamp;
///
/// let t = Timestamp::from_secs(1_700_000_000);
/// assert_eq!(t.as_secs(), 1_700_000_000);
/// let from_clock = Timestamp::try_from(std::time::UNIX_EPOCH + std::time::Duration::from_secs(5))?;
/// assert_eq!(from_clock, Timestamp::from_secs(5));
/// # Ok::<(), tencent_vod_signature::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The time `secs` seconds after the Unix epoch.
    #[must_use]
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch.
    #[must_use]
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// Now, by the clock [`UploadSignature::sign`](crate::sign::UploadSignature::sign) and
    /// [`Verifier::verify`](crate::verify::Verifier::verify) read (on Linux the coarse wall
    /// clock, at most a timer tick old).
    ///
    /// # Errors
    ///
    /// [`Error::ClockBeforeEpoch`] when the system clock reads a time before 1970.
    #[cfg(feature = "system")]
    #[cfg_attr(docsrs, doc(cfg(feature = "system")))]
    pub fn now() -> Result<Self, Error> {
        crate::system::clock::now()
    }
}

impl TryFrom<SystemTime> for Timestamp {
    type Error = Error;

    /// The whole seconds of `time` since the Unix epoch (the fraction dropped, as
    /// signatures carry whole seconds).
    ///
    /// # Errors
    ///
    /// [`Error::ClockBeforeEpoch`] for a time before 1970.
    fn try_from(time: SystemTime) -> Result<Self, Error> {
        time.duration_since(UNIX_EPOCH)
            .map(|elapsed| Self(elapsed.as_secs()))
            .map_err(|_| Error::ClockBeforeEpoch)
    }
}
