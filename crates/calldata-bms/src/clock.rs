//! The contact center's clock: the system clock, or a manual one that only moves when told
//! (tests and demos that need the same readings every run).
//!
//! Everything time-dependent in the embedded contact center reads one `Clock`: the
//! durations that grow while a call waits or talks, the instants of its track, the
//! simulation's events, the records' one-day retention and ctiservertime.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of "now" in epoch milliseconds; cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct Clock(Kind);

#[derive(Debug, Clone, Default)]
enum Kind {
    /// This machine's clock.
    #[default]
    System,
    /// A reading that changes only through [`Clock::advance`].
    Manual(Arc<AtomicI64>),
}

/// Why a clock could not be advanced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The system clock moves by itself.
    #[error(
        "the clock is the system clock; only a manual clock (embedded.clock = \"manual\") can be advanced"
    )]
    NotManual,
    /// A clock never goes back.
    #[error("a clock only moves forward: {0} ms is negative")]
    Backwards(i64),
    /// Past the last instant a clock reads.
    #[error("the clock cannot move {0} ms further")]
    TooFar(i64),
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Kind::System)
    }

    /// A manual clock reading `start_ms` until advanced.
    pub fn manual(start_ms: i64) -> Self {
        Self(Kind::Manual(Arc::new(AtomicI64::new(start_ms))))
    }

    /// Whether this clock moves only when advanced.
    pub fn is_manual(&self) -> bool {
        matches!(self.0, Kind::Manual(_))
    }

    /// The reading, epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Kind::System => system_now_ms(),
            Kind::Manual(reading) => reading.load(Ordering::Acquire),
        }
    }

    /// Moves a manual clock `by_ms` forward and returns the new reading.
    pub fn advance(&self, by_ms: i64) -> Result<i64, ClockError> {
        let Kind::Manual(reading) = &self.0 else {
            return Err(ClockError::NotManual);
        };
        if by_ms < 0 {
            return Err(ClockError::Backwards(by_ms));
        }
        reading
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                now.checked_add(by_ms).filter(|&next| next <= LAST_MS)
            })
            .map(|before| before + by_ms)
            .map_err(|_| ClockError::TooFar(by_ms))
    }
}

/// The last instant a clock reads: 9999-12-31T23:59:59.999Z, far from every overflow.
pub const LAST_MS: i64 = 253_402_300_799_999;

/// The system clock in epoch milliseconds (0 before 1970, which no deployment sees).
pub fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_forward_and_is_shared_by_its_clones() {
        let clock = Clock::manual(1_000);
        let reader = clock.clone();
        assert_eq!(clock.advance(500), Ok(1_500));
        assert_eq!(reader.now_ms(), 1_500);
        assert_eq!(clock.advance(-1), Err(ClockError::Backwards(-1)));
        assert!(clock.is_manual());
        assert_eq!(clock.advance(i64::MAX), Err(ClockError::TooFar(i64::MAX)));
        assert_eq!(
            reader.now_ms(),
            1_500,
            "a refused advance leaves the reading"
        );
    }

    #[test]
    fn the_system_clock_cannot_be_advanced() {
        let clock = Clock::system();
        assert_eq!(clock.advance(1), Err(ClockError::NotManual));
        assert!(clock.now_ms() > 1_700_000_000_000);
    }
}
