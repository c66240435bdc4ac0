//! `RefusedLines`: a per-process allowance of request-log lines for refused requests (401,
//! 403, 404, ...), so that a flood of unauthenticated requests cannot fill the disk with
//! one line each; the lines left out are counted, and a summary line each second says how
//! many. Answered requests keep their line and never touch the allowance.
//!
//! The request path only adds to atomic counts; a ticker thread starts each second's
//! allowance afresh and writes the summary.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use actix_web::http::StatusCode;

/// How often the allowance starts afresh and the summary is written.
const PERIOD: Duration = Duration::from_secs(1);

/// The allowance of refused requests' log lines and the count of lines left out.
#[derive(Debug)]
pub struct RefusedLines {
    per_period: u64,
    written: AtomicU64,
    suppressed: AtomicU64,
}

impl RefusedLines {
    /// An allowance of `per_second` lines a second (0: none, only the summaries).
    pub fn new(per_second: u32) -> Self {
        Self {
            per_period: u64::from(per_second),
            written: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }

    /// Whether a request answered with `status` is a refusal, whose line is limited.
    pub fn is_refusal(status: StatusCode) -> bool {
        matches!(
            status.as_u16(),
            400 | 401 | 403 | 404 | 405 | 408 | 413 | 415 | 421 | 429
        )
    }

    /// Whether one more refused request's line may be written now; counts it as left out
    /// if not.
    pub fn admit(&self) -> bool {
        // Past the allowance a flood only reads the count and adds to the suppressed one.
        if self.written.load(Ordering::Relaxed) < self.per_period
            && self.written.fetch_add(1, Ordering::Relaxed) < self.per_period
        {
            return true;
        }
        self.suppressed.fetch_add(1, Ordering::Relaxed);
        false
    }

    /// Starts the next period: the allowance afresh, and the count left out in the one
    /// that ended (handed back, then zero).
    pub fn next_period(&self) -> u64 {
        self.written.store(0, Ordering::Relaxed);
        self.suppressed.swap(0, Ordering::Relaxed)
    }

    /// Starts the thread that opens each period and writes the summary; it ends once the
    /// allowance is dropped (the server stopped).
    pub fn start_ticker(self: &Arc<Self>) -> std::io::Result<()> {
        let lines: Weak<Self> = Arc::downgrade(self);
        std::thread::Builder::new()
            .name("calldata-refused-lines".to_owned())
            .spawn(move || {
                loop {
                    std::thread::sleep(PERIOD);
                    let Some(lines) = lines.upgrade() else {
                        return;
                    };
                    let suppressed = lines.next_period();
                    if suppressed > 0 {
                        tracing::info!(
                            suppressed,
                            allowed_per_second = lines.per_period,
                            "request log lines of refused requests suppressed in the last second"
                        );
                    }
                }
            })
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_the_listed_statuses_and_answers_are_not() {
        for code in [400, 401, 403, 404, 405, 408, 413, 415, 421, 429] {
            assert!(RefusedLines::is_refusal(
                StatusCode::from_u16(code).unwrap()
            ));
        }
        for code in [200, 204, 500, 503] {
            assert!(!RefusedLines::is_refusal(
                StatusCode::from_u16(code).unwrap()
            ));
        }
    }

    #[test]
    fn each_period_admits_its_allowance_and_counts_the_rest() {
        let lines = RefusedLines::new(3);
        let admitted = (0..10).filter(|_| lines.admit()).count();
        assert_eq!(admitted, 3);
        assert_eq!(lines.next_period(), 7);
        assert_eq!((0..2).filter(|_| lines.admit()).count(), 2);
        assert_eq!(lines.next_period(), 0);
        let none = RefusedLines::new(0);
        assert!(!none.admit());
        assert_eq!(none.next_period(), 1);
    }
}
