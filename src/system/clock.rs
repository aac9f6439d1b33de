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
    now_and_millis().map(|(now, _)| now)
}

/// The current time in whole seconds, and in milliseconds as the coarse clock's last tick
/// set it: what the `random` sequence checks for a fork once per tick.
///
/// # Errors
///
/// [`Error::ClockBeforeEpoch`] when the system clock reads a time before 1970.
#[cfg(target_os = "linux")]
pub(crate) fn now_and_millis() -> Result<(Timestamp, u64), Error> {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
    let secs = u64::try_from(now.tv_sec).map_err(|_| Error::ClockBeforeEpoch)?;
    // Nanoseconds are below 10^9: the cast keeps every bit.
    let millis = secs.saturating_mul(1000) + now.tv_nsec as u64 / 1_000_000;
    Ok((Timestamp::from_secs(secs), millis))
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

/// The current time in whole seconds and in milliseconds, by `SystemTime::now()`.
///
/// # Errors
///
/// [`Error::ClockBeforeEpoch`] when the system clock reads a time before 1970.
#[cfg(not(target_os = "linux"))]
pub(crate) fn now_and_millis() -> Result<(Timestamp, u64), Error> {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Error::ClockBeforeEpoch)?;
    let millis = u64::try_from(elapsed.as_millis()).map_err(|_| Error::ClockBeforeEpoch)?;
    Ok((Timestamp::from_secs(elapsed.as_secs()), millis))
}
