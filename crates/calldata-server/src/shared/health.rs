//! `Health`: whether Redis answers. After a failed command Redis is left alone for
//! `retry_after` (requests use this replica's own tables meanwhile, without waiting on a
//! dead connection), and the watcher's probe brings it back as soon as it answers.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Whether Redis is up, as the last command found it.
#[derive(Debug)]
pub(crate) struct Health {
    up: AtomicBool,
    /// When a request may try Redis again after a failure, ms since `epoch`.
    retry_at_ms: AtomicU64,
    retry_after_ms: u64,
    epoch: Instant,
    up_gauge: Gauge,
    errors: Counter,
}

impl Health {
    /// Up until a command fails; its metrics registered in `registry`.
    pub(crate) fn new(retry_after: Duration, registry: &mut Registry) -> Self {
        let up_gauge = Gauge::default();
        registry.register(
            "shared_state_up",
            "1 when the shared state's Redis answers, 0 while replicas fall back to their own tables",
            up_gauge.clone(),
        );
        let errors = Counter::default();
        registry.register(
            "shared_state_errors",
            "Redis commands that failed or timed out (each fell back to this replica's tables)",
            errors.clone(),
        );
        up_gauge.set(1);
        Self {
            up: AtomicBool::new(true),
            retry_at_ms: AtomicU64::new(0),
            retry_after_ms: u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX),
            epoch: Instant::now(),
            up_gauge,
            errors,
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether a request should send its command to Redis now.
    pub(crate) fn usable(&self) -> bool {
        self.up.load(Ordering::Relaxed) || self.now_ms() >= self.retry_at_ms.load(Ordering::Relaxed)
    }

    /// Whether Redis answered the last command.
    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// A command failed with `why`: Redis is skipped for `retry_after`.
    pub(crate) fn failed(&self, why: &dyn std::fmt::Display) {
        self.errors.inc();
        self.retry_at_ms.store(
            self.now_ms().saturating_add(self.retry_after_ms),
            Ordering::Relaxed,
        );
        if self.up.swap(false, Ordering::Relaxed) {
            self.up_gauge.set(0);
            tracing::warn!(
                error = %why,
                "Redis of the shared state unreachable: lockout, rate limits and sandbox \
                 replays fall back to this replica's own tables until it answers again"
            );
        }
    }

    /// A command succeeded; returns whether Redis was down until now (the view needs
    /// bringing up to date).
    pub(crate) fn answered(&self) -> bool {
        let was_down = !self.up.swap(true, Ordering::Relaxed);
        if was_down {
            self.up_gauge.set(1);
            tracing::info!("Redis of the shared state answers again: sharing resumed");
        }
        was_down
    }
}
