//! The wall clock, read in one place.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::Error;

/// The current Unix time in whole seconds.
///
/// # Errors
///
/// [`Error::ClockBeforeEpoch`] when the system clock reads a time before 1970.
pub(crate) fn unix_now() -> Result<u64, Error> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .map_err(|_| Error::ClockBeforeEpoch)
}
