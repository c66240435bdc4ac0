//! Metrics of the BMS adapter, registered into the server's Prometheus registry.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// Counters and histograms of the adapter.
#[derive(Debug, Clone)]
pub struct BmsMetrics {
    requests: Family<OutcomeLabels, Counter>,
    latency: Histogram,
    /// Lookups asked of the adapter (before single flight and cache).
    pub lookups: Counter,
    /// Retries sent.
    pub retries: Counter,
    /// Readiness probes sent (at most one per probe interval).
    pub probes: Counter,
    /// Breaker state: 0 closed, 1 half-open, 2 open.
    pub breaker_state: Gauge,
}

impl BmsMetrics {
    /// Creates the metrics and registers them (prefix `bms`) when a registry is given.
    pub fn new(registry: Option<&mut Registry>) -> Self {
        let metrics = Self {
            requests: Family::default(),
            latency: Histogram::new(exponential_buckets(0.000_1, 2.0, 16)),
            lookups: Counter::default(),
            retries: Counter::default(),
            probes: Counter::default(),
            breaker_state: Gauge::default(),
        };
        if let Some(registry) = registry {
            let registry = registry.sub_registry_with_prefix("bms");
            registry.register(
                "requests",
                "Exchanges with BMS (and refusals before one), by outcome class",
                metrics.requests.clone(),
            );
            registry.register(
                "request_duration_seconds",
                "Time of each exchange with BMS",
                metrics.latency.clone(),
            );
            registry.register(
                "lookups",
                "Lookups asked of the adapter, before single flight and cache",
                metrics.lookups.clone(),
            );
            registry.register("retries", "Retries sent to BMS", metrics.retries.clone());
            registry.register(
                "probes",
                "Readiness probes sent to BMS, at most one per probe interval",
                metrics.probes.clone(),
            );
            registry.register(
                "breaker_state",
                "Circuit breaker: 0 closed, 1 half-open, 2 open",
                metrics.breaker_state.clone(),
            );
        }
        metrics
    }

    /// Counts one outcome.
    pub fn outcome(&self, outcome: &'static str) {
        self.requests
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Records the duration of one exchange.
    pub fn observe(&self, seconds: f64) {
        self.latency.observe(seconds);
    }
}
