//! Signatures per user per minute (`VOD_SIGNATURES_PER_MINUTE`), against storage abuse: a
//! burst of that many, refilled evenly over the minute (governor's GCRA). Per replica.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// One user's allowance.
#[derive(Debug)]
pub struct Limiter {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl Limiter {
    /// `per_minute` signatures a minute per user; `None` for 0 (no limit).
    #[must_use]
    pub fn per_minute(per_minute: u32) -> Option<Self> {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute)?);
        Some(Self {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        })
    }

    /// Takes one from `user`'s allowance; `Err` with how long until the next is allowed.
    ///
    /// # Errors
    ///
    /// The wait, when the allowance is spent.
    pub fn check(&self, user: &str) -> Result<(), Duration> {
        self.limiter
            .check_key(&user.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Forgets users whose allowance is full again, so that the map stays bounded.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}
