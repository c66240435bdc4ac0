//! `RateLimits`: per-access-key request rate limiting (GCRA, via `governor`), answered
//! with 429 and `Retry-After`. Off unless configured.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The per-key limiter, if rate limiting is on.
#[derive(Debug)]
pub struct RateLimits {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl RateLimits {
    /// `per_second` requests per access key on average, bursts up to `burst`; 0 turns it off.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Self {
            limiter,
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` when `access_key` may send a request now, else how long to wait.
    pub fn check(&self, access_key: &str) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter
            .check_key(&access_key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_means_every_request_passes() {
        let limits = RateLimits::new(0, 0);
        assert!((0..10_000).all(|_| limits.check("ak").is_ok()));
    }

    #[test]
    fn a_key_past_its_burst_waits_and_other_keys_do_not() {
        let limits = RateLimits::new(1, 3);
        assert!((0..3).all(|_| limits.check("ak").is_ok()));
        let wait = limits.check("ak").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(limits.check("other").is_ok());
    }
}
