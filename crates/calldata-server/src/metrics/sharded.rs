//! Counts kept per worker: every worker counts every request it serves, and a count that
//! all workers add to is one cache line passed from core to core on each request. Each
//! worker adds to its own [`Shard`] (its own cache line); a scrape sums the shards.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

/// Shards of every per-worker count; with more workers, some share a shard (the counts stay
/// exact, the cache lines are shared again).
pub const SHARDS: usize = 16;

/// Which shard a worker counts in: registered as worker-local app data, the number of the
/// app-factory call that built the worker (one call per worker, more if actix rebuilds a
/// worker) modulo [`SHARDS`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shard(usize);

impl Shard {
    /// The shard of the worker built by app-factory call number `worker`.
    pub fn of_worker(worker: usize) -> Self {
        Self(worker % SHARDS)
    }

    /// The shard of the worker serving `request` (shard 0 in an app built without one).
    pub fn of(request: &actix_web::HttpRequest) -> Self {
        request.app_data::<Self>().copied().unwrap_or_default()
    }

    /// Its index, below [`SHARDS`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// A value on a cache line (128 bytes: adjacent-line prefetch pairs 64-byte lines) of
/// its own.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct Padded<T>(pub T);

/// A Prometheus counter kept in [`SHARDS`] cache lines; clones share the same counts.
#[derive(Debug, Clone)]
pub struct ShardedCounter(Arc<[Padded<AtomicU64>; SHARDS]>);

impl Default for ShardedCounter {
    fn default() -> Self {
        Self(Arc::new(std::array::from_fn(|_| Padded::default())))
    }
}

impl ShardedCounter {
    /// Adds one in `shard`.
    pub fn inc(&self, shard: Shard) {
        if let Some(slot) = self.0.get(shard.0) {
            slot.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The total over all shards.
    pub fn get(&self) -> u64 {
        self.0
            .iter()
            .map(|slot| slot.0.load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

impl TypedMetric for ShardedCounter {
    const TYPE: MetricType = MetricType::Counter;
}

impl EncodeMetric for ShardedCounter {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        encoder.encode_counter::<NoLabelSet, _, u64>(&self.get(), None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

#[cfg(test)]
mod tests {
    use prometheus_client::encoding::text::encode;
    use prometheus_client::metrics::counter::Counter;
    use prometheus_client::registry::Registry;

    use super::*;

    fn text(name: &str, metric: impl prometheus_client::registry::Metric) -> String {
        let mut registry = Registry::default();
        registry.register(name, "test", metric);
        let mut out = String::new();
        encode(&mut out, &registry).unwrap();
        out
    }

    #[test]
    fn counts_in_every_shard_add_up_and_encode_like_a_counter() {
        let ours = ShardedCounter::default();
        let theirs = Counter::<u64>::default();
        for worker in 0..40 {
            ours.inc(Shard::of_worker(worker));
            theirs.inc();
        }
        assert_eq!(ours.get(), 40);
        assert_eq!(text("hits", ours.clone()), text("hits", theirs));
        // Clones count together.
        ours.clone().inc(Shard::default());
        assert_eq!(ours.get(), 41);
    }

    #[test]
    fn worker_numbers_wrap_onto_the_shards() {
        assert_eq!(Shard::of_worker(3).index(), 3);
        assert_eq!(Shard::of_worker(SHARDS + 3).index(), 3);
        assert!(std::mem::align_of::<Padded<AtomicU64>>() >= 128);
    }
}
