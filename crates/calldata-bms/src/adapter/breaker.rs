//! The circuit breaker: after `threshold` consecutive failures the BMS is not asked for
//! `cool_down`; then one probe goes through, and its outcome closes or reopens the breaker.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The breaker's state, as `/readyz` and the metrics report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Requests flow.
    Closed,
    /// Requests are answered at once without asking BMS.
    Open,
    /// One probe is in flight; other requests are answered at once.
    HalfOpen,
}

impl BreakerState {
    /// Name for logs and `/readyz`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half-open",
        }
    }

    /// Gauge value: 0 closed, 1 half-open, 2 open.
    pub fn gauge(self) -> i64 {
        match self {
            Self::Closed => 0,
            Self::HalfOpen => 1,
            Self::Open => 2,
        }
    }
}

/// Whether a request may ask BMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Yes, normally.
    Allowed,
    /// Yes, as the one half-open probe.
    Probe,
    /// No: the breaker is open.
    Rejected,
}

#[derive(Debug)]
enum Inner {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

/// A consecutive-failure circuit breaker.
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cool_down: Duration,
    inner: Mutex<Inner>,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(threshold: u32, cool_down: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cool_down,
            inner: Mutex::new(Inner::Closed { failures: 0 }),
        }
    }

    /// Decides whether a request may go to BMS now.
    pub fn admit(&self, now: Instant) -> Admission {
        let mut inner = self.lock();
        match *inner {
            Inner::Closed { .. } => Admission::Allowed,
            Inner::Open { until } if now >= until => {
                *inner = Inner::HalfOpen;
                Admission::Probe
            }
            Inner::Open { .. } | Inner::HalfOpen => Admission::Rejected,
        }
    }

    /// Records the outcome of an admitted request.
    pub fn record(&self, success: bool, now: Instant) {
        let mut inner = self.lock();
        *inner = match (&*inner, success) {
            (_, true) => Inner::Closed { failures: 0 },
            (Inner::Closed { failures }, false) if failures + 1 < self.threshold => Inner::Closed {
                failures: failures + 1,
            },
            (_, false) => Inner::Open {
                until: now + self.cool_down,
            },
        };
    }

    /// The current state.
    pub fn state(&self, now: Instant) -> BreakerState {
        match *self.lock() {
            Inner::Closed { .. } => BreakerState::Closed,
            Inner::Open { until } if now >= until => BreakerState::HalfOpen,
            Inner::Open { .. } => BreakerState::Open,
            Inner::HalfOpen => BreakerState::HalfOpen,
        }
    }

    /// Time left before the open breaker lets a probe through.
    pub fn remaining_cool_down(&self, now: Instant) -> Option<Duration> {
        match *self.lock() {
            Inner::Open { until } if until > now => Some(until - now),
            _ => None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave `Inner` half-updated (each update is one
        // assignment), so a poisoned lock is still consistent.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_consecutive_failures_and_probes_after_the_cool_down() {
        let breaker = Breaker::new(3, Duration::from_secs(5));
        let t0 = Instant::now();
        for _ in 0..2 {
            assert_eq!(breaker.admit(t0), Admission::Allowed);
            breaker.record(false, t0);
        }
        assert_eq!(breaker.state(t0), BreakerState::Closed);
        breaker.record(false, t0);
        assert_eq!(breaker.state(t0), BreakerState::Open);
        assert_eq!(
            breaker.admit(t0 + Duration::from_secs(1)),
            Admission::Rejected
        );
        let later = t0 + Duration::from_secs(6);
        assert_eq!(breaker.admit(later), Admission::Probe);
        assert_eq!(
            breaker.admit(later),
            Admission::Rejected,
            "only one probe at a time"
        );
        breaker.record(true, later);
        assert_eq!(breaker.state(later), BreakerState::Closed);
        assert_eq!(breaker.admit(later), Admission::Allowed);
    }

    #[test]
    fn a_failed_probe_reopens_for_another_cool_down() {
        let breaker = Breaker::new(1, Duration::from_secs(5));
        let t0 = Instant::now();
        breaker.record(false, t0);
        let later = t0 + Duration::from_secs(5);
        assert_eq!(breaker.admit(later), Admission::Probe);
        breaker.record(false, later);
        assert_eq!(
            breaker.state(later + Duration::from_secs(1)),
            BreakerState::Open
        );
        assert_eq!(
            breaker.remaining_cool_down(later + Duration::from_secs(1)),
            Some(Duration::from_secs(4))
        );
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let breaker = Breaker::new(2, Duration::from_secs(5));
        let t0 = Instant::now();
        breaker.record(false, t0);
        breaker.record(true, t0);
        breaker.record(false, t0);
        assert_eq!(breaker.state(t0), BreakerState::Closed);
    }
}
