//! `RetryPolicy`: how many times a retryable failure is tried again, and how long to wait
//! between attempts (exponential backoff with jitter).

use std::time::Duration;

/// Bounded retries with jittered exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    base_backoff: Duration,
    max_backoff: Duration,
}

impl RetryPolicy {
    /// Most retries any policy allows.
    pub const MAX_RETRIES: u32 = 10;

    /// A policy; `max_retries` is capped at [`Self::MAX_RETRIES`], and `max_backoff` is at
    /// least `base_backoff`.
    pub fn new(max_retries: u32, base_backoff: Duration, max_backoff: Duration) -> Self {
        Self {
            max_retries: max_retries.min(Self::MAX_RETRIES),
            base_backoff,
            max_backoff: max_backoff.max(base_backoff),
        }
    }

    /// No retries: every request is sent once.
    pub const fn none() -> Self {
        Self {
            max_retries: 0,
            base_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        }
    }

    /// How many times a retryable failure is tried again.
    pub const fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The wait before the first retry, before jitter.
    pub const fn base_backoff(&self) -> Duration {
        self.base_backoff
    }

    /// The longest wait between two attempts.
    pub const fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The wait before retry number `retry` (0-based): `base * 2^retry`, capped at the
    /// maximum, then a random point in its upper half.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_backoff
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_backoff);
        let half = ceiling / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(fastrand::u64(0..=jitter_nanos))
    }
}

impl Default for RetryPolicy {
    /// Two retries, 100 ms base, 2 s maximum.
    fn default() -> Self {
        Self::new(2, Duration::from_millis(100), Duration::from_secs(2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_stays_under_the_maximum() {
        let policy = RetryPolicy::new(5, Duration::from_millis(100), Duration::from_millis(300));
        for _ in 0..50 {
            let first = policy.backoff(0);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first));
            let second = policy.backoff(1);
            assert!((Duration::from_millis(100)..=Duration::from_millis(200)).contains(&second));
            let late = policy.backoff(30);
            assert!((Duration::from_millis(150)..=Duration::from_millis(300)).contains(&late));
        }
    }

    #[test]
    fn retries_are_bounded_and_none_means_none() {
        assert_eq!(
            RetryPolicy::new(1000, Duration::ZERO, Duration::ZERO).max_retries(),
            RetryPolicy::MAX_RETRIES
        );
        assert_eq!(RetryPolicy::none().max_retries(), 0);
        assert_eq!(RetryPolicy::default().max_retries(), 2);
        let swapped = RetryPolicy::new(1, Duration::from_secs(2), Duration::from_secs(1));
        assert_eq!(swapped.max_backoff(), Duration::from_secs(2));
    }
}
