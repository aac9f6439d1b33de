//! The wall clock, read in one place.

use crate::error::Error;
use crate::time::Timestamp;

/// The current time in whole seconds.
///
/// On Linux this is `CLOCK_REALTIME_COARSE`: the wall clock as of the last timer tick (a few
/// milliseconds old at most), read from the vDSO without the conversion `SystemTime` needs
/// (PERFORMANCE.md has the figures). Signatures carry whole seconds and are checked with
/// minutes of leeway, so the tick does not matter. Elsewhere it is `SystemTime::now()`.
///
/// # Errors
///
/// [`Error::ClockBeforeEpoch`] when the system clock reads a time before 1970.
#[cfg(target_os = "linux")]
pub(crate) fn now() -> Result<Timestamp, Error> {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
    u64::try_from(now.tv_sec)
        .map(Timestamp::from_secs)
        .map_err(|_| Error::ClockBeforeEpoch)
}

/// The current time in whole seconds, by `SystemTime::now()`.
///
/// # Errors
///
/// [`Error::ClockBeforeEpoch`] when the system clock reads a time before 1970.
#[cfg(not(target_os = "linux"))]
pub(crate) fn now() -> Result<Timestamp, Error> {
    Timestamp::try_from(std::time::SystemTime::now())
}
