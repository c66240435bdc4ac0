//! Prometheus metrics of the server, in one explicit registry (no global recorder):
//! requests by route and outcome, latency, auth failures, lockouts, call-source outcomes.

mod latency;
mod sharded;

use std::sync::OnceLock;

use calldata_model::auth::AuthError;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::exponential_buckets;
use prometheus_client::registry::Registry;

pub use latency::LatencyHistogram;
pub use sharded::{Padded, SHARDS, Shard, ShardedCounter};

/// Labels of a served request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// Route name (`query`, `ping`, `sandbox`, ...).
    pub route: &'static str,
    /// Result code for API answers, HTTP status for refusals.
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

/// Labels of a count kept by reason.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ReasonLabels {
    /// Why.
    pub(crate) reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LookupLabels {
    source: &'static str,
    outcome: &'static str,
}

/// The server's metrics and their registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, ShardedCounter>,
    latency: Family<RouteLabels, LatencyHistogram, fn() -> LatencyHistogram>,
    auth_failures: Family<ReasonLabels, Counter>,
    lookups: Family<LookupLabels, ShardedCounter>,
    /// Lockouts given (events, not what the lock table holds: see `locked_addresses`).
    pub lockouts: Counter,
    /// Locks ended early because the lock table was full (the oldest lock makes room).
    pub lockouts_displaced: Counter,
    /// Addresses (IPv6: /64 networks) the lock table holds, set when metrics are read.
    pub locked_addresses: Gauge,
    /// Requests refused because their address was locked out.
    pub lockout_refusals: Counter,
    /// Requests refused with 429 because their key was over its rate limit.
    pub rate_limited: Counter,
    hot: HotSeries,
}

/// The lookup series every served query touches, resolved on first use and then kept, so
/// that a query takes no family lock and hashes no labels. A series still appears in the
/// output only once it has been counted.
#[derive(Debug, Default)]
struct HotSeries {
    /// `call_source_lookups{source,outcome="found"}` by source.
    found: [OnceLock<ShardedCounter>; 2],
}

/// The series of one served route, resolved once per worker: its label, the count of its
/// answered requests and its latency, counted without a family lock or a label hash. They
/// exist from the start, so every route appears in `/metrics` before its first request.
#[derive(Debug, Clone)]
pub struct RouteSeries {
    label: &'static str,
    /// The outcome `answered` counts (`0100000`, or `200` for operator endpoints).
    answered_outcome: &'static str,
    answered: ShardedCounter,
    latency: LatencyHistogram,
}

impl RouteSeries {
    /// The route's label (`query`, `ping`, `sandbox`, ...).
    pub fn label(&self) -> &'static str {
        self.label
    }
}

/// Label of requests no route took (404).
pub const UNKNOWN_ROUTE: &str = "unknown";
/// Call sources whose `found` lookups have a kept series.
const HOT_SOURCES: [&str; 2] = ["embedded", "bms"];

fn latency_histogram() -> LatencyHistogram {
    // 50 µs to ~1.6 s.
    LatencyHistogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every server metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("calldata");
        let requests = Family::<RequestLabels, ShardedCounter>::default();
        registry.register(
            "requests",
            "Requests answered, by route and outcome",
            requests.clone(),
        );
        let latency =
            Family::<RouteLabels, LatencyHistogram, fn() -> LatencyHistogram>::new_with_constructor(
                latency_histogram,
            );
        registry.register(
            "request_duration_seconds",
            "Time from request start to response, by route",
            latency.clone(),
        );
        let auth_failures = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "auth_failures",
            "Refused auth-v2 signatures, by reason",
            auth_failures.clone(),
        );
        let lockouts = Counter::default();
        registry.register(
            "lockouts",
            "Lockouts given to client addresses (events; locked_addresses is what is held now)",
            lockouts.clone(),
        );
        let lockouts_displaced = Counter::default();
        registry.register(
            "lockouts_displaced",
            "Locks ended early because the lock table was full (the oldest lock goes first)",
            lockouts_displaced.clone(),
        );
        let locked_addresses = Gauge::default();
        registry.register(
            "locked_addresses",
            "Client addresses (IPv6: /64 networks) locked out now",
            locked_addresses.clone(),
        );
        let lockout_refusals = Counter::default();
        registry.register(
            "lockout_refusals",
            "Requests refused with 403 because the address was locked out",
            lockout_refusals.clone(),
        );
        let rate_limited = Counter::default();
        registry.register(
            "rate_limited",
            "Requests refused with 429 because their access key was over its rate limit",
            rate_limited.clone(),
        );
        let lookups = Family::<LookupLabels, ShardedCounter>::default();
        registry.register(
            "call_source_lookups",
            "Call-source lookups, by source and outcome",
            lookups.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            auth_failures,
            lookups,
            lockouts,
            lockouts_displaced,
            locked_addresses,
            lockout_refusals,
            rate_limited,
            hot: HotSeries::default(),
        }
    }

    /// The registry, for components (such as the BMS adapter) that add their own metrics.
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// The series of the route labelled `label`, whose answered requests are counted under
    /// `answered`.
    pub fn route(&self, label: &'static str, answered: &'static str) -> RouteSeries {
        RouteSeries {
            label,
            answered_outcome: answered,
            answered: self
                .requests
                .get_or_create(&RequestLabels {
                    route: label,
                    outcome: answered,
                })
                .clone(),
            latency: self
                .latency
                .get_or_create(&RouteLabels { route: label })
                .clone(),
        }
    }

    /// Counts one answered request of `route` (`None`: no route took it) and its
    /// duration, in the worker's `shard`.
    pub fn observe_request(
        &self,
        route: Option<&RouteSeries>,
        outcome: &'static str,
        seconds: f64,
        shard: Shard,
    ) {
        let Some(series) = route else {
            let route = UNKNOWN_ROUTE;
            self.requests
                .get_or_create(&RequestLabels { route, outcome })
                .inc(shard);
            self.latency
                .get_or_create(&RouteLabels { route })
                .observe(seconds, shard);
            return;
        };
        if outcome == series.answered_outcome {
            series.answered.inc(shard);
        } else {
            self.requests
                .get_or_create(&RequestLabels {
                    route: series.label,
                    outcome,
                })
                .inc(shard);
        }
        series.latency.observe(seconds, shard);
    }

    /// Counts one refused signature.
    pub fn auth_failure(&self, error: &AuthError) {
        let reason = match error {
            AuthError::Missing => "missing",
            AuthError::Malformed(_) | AuthError::HostNotSigned => "malformed",
            AuthError::SignedHeaderAbsent(_) | AuthError::ContentLengthMismatch => "headers",
            AuthError::ClockSkew { .. } => "clock_skew",
            AuthError::UnknownAccessKey => "unknown_key",
            _ => "signature",
        };
        self.auth_failure_reason(reason);
    }

    /// Counts one refused signature under `reason` (`replay`: a sandbox change's signature
    /// sent again).
    pub fn auth_failure_reason(&self, reason: &'static str) {
        self.auth_failures
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// Counts one call-source lookup, in the worker's `shard`.
    pub fn lookup(&self, source: &'static str, outcome: &'static str, shard: Shard) {
        let hot = HOT_SOURCES.iter().position(|s| *s == source);
        match (outcome, hot.and_then(|i| self.hot.found.get(i))) {
            ("found", Some(series)) => series
                .get_or_init(|| {
                    self.lookups
                        .get_or_create(&LookupLabels { source, outcome })
                        .clone()
                })
                .inc(shard),
            _ => self
                .lookups
                .get_or_create(&LookupLabels { source, outcome })
                .inc(shard),
        }
    }

    /// The metrics in Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_series_count_like_the_families_and_appear_once_mounted() {
        let metrics = Metrics::new();
        assert!(!metrics.render().contains(r#"route="query""#));
        let query = metrics.route("query", "0100000");
        let ping = metrics.route("ping", "0100000");
        let text = metrics.render();
        assert!(text.contains(r#"calldata_requests_total{route="query",outcome="0100000"} 0"#));
        assert!(text.contains(r#"calldata_request_duration_seconds_count{route="ping"} 0"#));
        let (one, two) = (Shard::of_worker(0), Shard::of_worker(1));
        metrics.observe_request(Some(&query), "0100000", 0.001, one);
        metrics.observe_request(
            Some(&metrics.route("query", "0100000")),
            "0100000",
            0.002,
            two,
        );
        metrics.observe_request(Some(&query), "401", 0.001, one);
        metrics.observe_request(Some(&ping), "0100000", 0.001, two);
        metrics.observe_request(None, "404", 0.001, two);
        metrics.lookup("embedded", "found", one);
        metrics.lookup("embedded", "found", two);
        metrics.lookup("embedded", "not_in_progress", one);
        metrics.lookup("other", "found", two);
        let text = metrics.render();
        for line in [
            r#"calldata_requests_total{route="query",outcome="0100000"} 2"#,
            r#"calldata_requests_total{route="query",outcome="401"} 1"#,
            r#"calldata_requests_total{route="ping",outcome="0100000"} 1"#,
            r#"calldata_requests_total{route="unknown",outcome="404"} 1"#,
            r#"calldata_request_duration_seconds_count{route="query"} 3"#,
            r#"calldata_call_source_lookups_total{source="embedded",outcome="found"} 2"#,
            r#"calldata_call_source_lookups_total{source="embedded",outcome="not_in_progress"} 1"#,
            r#"calldata_call_source_lookups_total{source="other",outcome="found"} 1"#,
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert!(!text.contains(r#"source="bms""#));
    }
}
