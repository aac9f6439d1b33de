//! The wall clock, read in one place.

use crate::Error;

/// The current Unix time in whole seconds.
///
/// On Linux this is `CLOCK_REALTIME_COARSE`: the wall clock as of the last timer tick (a few
/// milliseconds old at most), read from the vDSO in about 3 ns, against about 33 ns for
/// `SystemTime::now()` and its conversion to seconds. Signatures carry whole seconds and are
/// checked with minutes of leeway, so the tick does not matter; the 30 ns is a tenth of a
/// signature. Elsewhere it is `SystemTime::now()`.
///
/// # Errors
///
/// [`Error::ClockBeforeEpoch`] when the system clock reads a time before 1970.
#[cfg(target_os = "linux")]
pub(crate) fn unix_now() -> Result<u64, Error> {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
    u64::try_from(now.tv_sec).map_err(|_| Error::ClockBeforeEpoch)
}

/// The current Unix time in whole seconds, by `SystemTime::now()`.
///
/// # Errors
///
/// [`Error::ClockBeforeEpoch`] when the system clock reads a time before 1970.
#[cfg(not(target_os = "linux"))]
pub(crate) fn unix_now() -> Result<u64, Error> {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .map_err(|_| Error::ClockBeforeEpoch)
}
