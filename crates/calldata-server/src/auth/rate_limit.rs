//! `RateLimits`: per-access-key request rate limiting (GCRA, via `governor`), answered
//! with 429 and `Retry-After`. Off unless configured.
//!
//! A replayed query (a signature already seen) is charged to the replaying client address
//! instead, at the same rate, so a replayer exhausts its own allowance and not the key
//! owner's. The address table is bounded: when it holds `max_addresses`, addresses idle for
//! a whole burst are dropped (at most once a second); if it is still full, the replay is
//! refused, since forgetting an address would hand it a fresh allowance.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The per-key limiter, if rate limiting is on.
#[derive(Debug)]
pub struct RateLimits {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    addresses: Option<DefaultKeyedRateLimiter<IpAddr>>,
    max_addresses: usize,
    /// When the address table was last pruned, ms since `epoch`.
    pruned_at: AtomicU64,
    epoch: Instant,
    clock: DefaultClock,
}

impl RateLimits {
    /// `per_second` requests per access key on average, bursts up to `burst`; 0 turns it off.
    /// Replays are charged to at most `max_addresses` client addresses at once.
    pub fn new(per_second: u32, burst: u32, max_addresses: usize) -> Self {
        let quota = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(rate);
            Quota::per_second(rate).allow_burst(burst)
        });
        Self {
            limiter: quota.map(RateLimiter::keyed),
            addresses: quota.map(RateLimiter::keyed),
            max_addresses,
            pruned_at: AtomicU64::new(0),
            epoch: Instant::now(),
            clock: DefaultClock::default(),
        }
    }

    /// Whether rate limiting is on.
    pub fn is_on(&self) -> bool {
        self.limiter.is_some()
    }

    /// `Ok` when `address` may send a replayed request now, else how long to wait.
    /// `address` is the tracked form (IPv6 by /64).
    pub fn check_address(&self, address: IpAddr) -> Result<(), Duration> {
        let Some(limiter) = &self.addresses else {
            return Ok(());
        };
        if limiter.len() >= self.max_addresses {
            let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
            let last = self.pruned_at.load(Ordering::Relaxed);
            if now.saturating_sub(last) >= 1_000
                && self
                    .pruned_at
                    .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
            {
                limiter.retain_recent();
            }
            if limiter.len() >= self.max_addresses {
                return Err(Duration::from_secs(1));
            }
        }
        limiter
            .check_key(&address)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
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
        let limits = RateLimits::new(0, 0, 10);
        assert!((0..10_000).all(|_| limits.check("ak").is_ok()));
    }

    #[test]
    fn a_key_past_its_burst_waits_and_other_keys_do_not() {
        let limits = RateLimits::new(1, 3, 10);
        assert!((0..3).all(|_| limits.check("ak").is_ok()));
        let wait = limits.check("ak").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(limits.check("other").is_ok());
    }

    #[test]
    fn replays_are_charged_to_each_address_apart_from_the_key() {
        let limits = RateLimits::new(1, 2, 10);
        let replayer = IpAddr::from([192, 0, 2, 7]);
        assert!((0..2).all(|_| limits.check_address(replayer).is_ok()));
        assert!(limits.check_address(replayer).is_err());
        assert!(limits.check_address(IpAddr::from([192, 0, 2, 8])).is_ok());
        assert!((0..2).all(|_| limits.check("ak").is_ok()));
    }
}
