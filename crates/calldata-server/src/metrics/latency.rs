//! `LatencyHistogram`: a Prometheus histogram of request latencies kept in atomics.
//!
//! prometheus-client's `Histogram` takes a write lock per observation; every worker observes
//! every request, and on a busy machine a worker preempted while holding that lock stalls
//! the others for a scheduler slice (milliseconds at the tail). Here an observation is two
//! relaxed atomic additions in the worker's own [`Shard`] (cache lines no other worker
//! writes, up to [`SHARDS`] workers) and takes no lock. The count is the sum of the
//! buckets, so a scrape always shows a count that matches its buckets.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

use super::sharded::{Padded, SHARDS, Shard};

/// Most buckets a histogram keeps, `+Inf` included; further bounds are dropped.
pub(super) const MAX_BUCKETS: usize = 24;

/// A histogram of durations in seconds; clones share the same counts.
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Upper bounds, ascending; the last bucket (`+Inf`) has no bound here.
    bounds: Vec<f64>,
    /// One set of counts per shard.
    shards: Box<[Padded<Counts>]>,
}

/// The counts of one shard.
#[derive(Debug, Default)]
struct Counts {
    /// One counter per bound, then the `+Inf` bucket.
    buckets: [AtomicU64; MAX_BUCKETS],
    /// Sum of the observations, nanoseconds.
    sum_nanos: AtomicU64,
}

impl LatencyHistogram {
    /// A histogram with these upper bounds (seconds, ascending; at most
    /// `MAX_BUCKETS - 1` are kept) and `+Inf`.
    pub fn new(bounds: impl IntoIterator<Item = f64>) -> Self {
        let bounds: Vec<f64> = bounds
            .into_iter()
            .filter(|b| b.is_finite())
            .take(MAX_BUCKETS - 1)
            .collect();
        let shards = (0..SHARDS).map(|_| Padded::default()).collect();
        Self {
            inner: Arc::new(Inner { bounds, shards }),
        }
    }

    /// Records one duration, in seconds (negative or NaN counts as zero), in `shard`.
    pub fn observe(&self, seconds: f64, shard: Shard) {
        let seconds = if seconds.is_nan() {
            0.0
        } else {
            seconds.max(0.0)
        };
        let inner = &*self.inner;
        let Some(Padded(counts)) = inner.shards.get(shard.index()) else {
            return;
        };
        let index = inner.bounds.partition_point(|bound| *bound < seconds);
        if let Some(bucket) = counts.buckets.get(index) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a non-negative duration in nanoseconds; saturates past 584 years"
        )]
        let nanos = (seconds * 1e9) as u64;
        counts.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Per-bucket counts over all shards (not cumulative) with their upper bounds, `+Inf`
    /// last.
    fn snapshot(&self) -> Vec<(f64, u64)> {
        let inner = &*self.inner;
        inner
            .bounds
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .enumerate()
            .map(|(index, bound)| {
                let count = inner
                    .shards
                    .iter()
                    .filter_map(|Padded(counts)| counts.buckets.get(index))
                    .map(|bucket| bucket.load(Ordering::Relaxed))
                    .fold(0, u64::wrapping_add);
                (bound, count)
            })
            .collect()
    }

    /// Sum of the observations over all shards, nanoseconds.
    fn sum_nanos(&self) -> u64 {
        self.inner
            .shards
            .iter()
            .map(|Padded(counts)| counts.sum_nanos.load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

impl TypedMetric for LatencyHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for LatencyHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let buckets = self.snapshot();
        let count = buckets.iter().map(|(_, n)| n).sum();
        #[allow(
            clippy::cast_precision_loss,
            reason = "nanoseconds to seconds; sub-nanosecond precision is not kept anyway"
        )]
        let sum = self.sum_nanos() as f64 / 1e9;
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

#[cfg(test)]
mod tests {
    use prometheus_client::encoding::text::encode;
    use prometheus_client::registry::Registry;

    use super::*;

    fn text(histogram: &LatencyHistogram) -> String {
        let mut registry = Registry::default();
        registry.register("latency_seconds", "test", histogram.clone());
        let mut out = String::new();
        encode(&mut out, &registry).unwrap();
        out
    }

    #[test]
    fn observations_land_in_the_first_bucket_that_holds_them() {
        let histogram = LatencyHistogram::new([0.001, 0.01]);
        for (worker, seconds) in [0.0005, 0.001, 0.005, 0.5, f64::NAN, -1.0]
            .into_iter()
            .enumerate()
        {
            histogram.observe(seconds, Shard::of_worker(worker));
        }
        let out = text(&histogram);
        assert!(
            out.contains("latency_seconds_bucket{le=\"0.001\"} 4"),
            "{out}"
        );
        assert!(
            out.contains("latency_seconds_bucket{le=\"0.01\"} 5"),
            "{out}"
        );
        assert!(
            out.contains("latency_seconds_bucket{le=\"+Inf\"} 6"),
            "{out}"
        );
        assert!(out.contains("latency_seconds_count 6"), "{out}");
        assert!(out.contains("latency_seconds_sum 0.5065"), "{out}");
    }

    #[test]
    fn bounds_past_the_bucket_limit_are_dropped() {
        let histogram = LatencyHistogram::new((1..=40).map(f64::from));
        histogram.observe(1000.0, Shard::default());
        let snapshot = histogram.snapshot();
        assert_eq!(snapshot.len(), MAX_BUCKETS);
        assert_eq!(snapshot.last(), Some(&(f64::INFINITY, 1)));
    }

    #[test]
    fn encodes_like_the_prometheus_client_histogram() {
        let bounds = [0.000_05, 0.000_1, 0.000_2];
        let ours = LatencyHistogram::new(bounds);
        let theirs = prometheus_client::metrics::histogram::Histogram::new(bounds);
        for seconds in [0.000_01, 0.000_15, 0.000_15, 0.003] {
            ours.observe(seconds, Shard::default());
            theirs.observe(seconds);
        }
        let mut registry = Registry::default();
        registry.register("latency_seconds", "test", theirs);
        let mut expected = String::new();
        encode(&mut expected, &registry).unwrap();
        assert_eq!(text(&ours), expected);
    }
}
