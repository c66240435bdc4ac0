//! Command-line flags of `calldata-server`. Each flag overrides the setting of the same name
//! from the config file and the `CALLDATA_*` environment (see `docs/operations.md`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use serde_json::Value;

use crate::config::{Backend, CtiVersion, LogFormat};

/// CC-CMS querybasiccallinfo over HTTPS, backed by an embedded call store.
///
/// With no arguments: HTTPS on 127.0.0.1:8443, 1,000 demo calls, a self-signed certificate
/// and a demo access key created on first start in the data directory.
///
/// Settings come from defaults, then --config FILE (TOML), then CALLDATA_* environment
/// variables (nested settings with a double underscore, e.g. `CALLDATA_LOCKOUT__MAX_FAILURES`),
/// then these flags. Access keys with ccId/vdn scopes are set in the config file.
#[derive(Debug, Default, Parser)]
#[command(name = "calldata-server", version, about, long_about)]
pub struct Cli {
    /// TOML configuration file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on [default: 127.0.0.1:8443].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Serve plain HTTP instead of HTTPS (loopback only unless forced).
    #[arg(long)]
    pub plain_http: bool,
    /// Allow --plain-http on a non-loopback address.
    #[arg(long)]
    pub allow_plain_http_on_any_address: bool,
    /// Directory for the generated demo key and certificate [default: `$CALLDATA_DATA_DIR`,
    /// else `$XDG_DATA_HOME/calldata`, else `~/.local/share/calldata`].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// PEM certificate chain to serve (with --tls-key) instead of the generated one.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Worker threads; 0 means one per core [default: 0].
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// Largest accepted request body in bytes [default: 16384].
    #[arg(long, value_name = "BYTES")]
    pub body_limit_bytes: Option<usize>,
    /// Write the 8.13-era result/resultDatas fields on success: true or false [default: true].
    #[arg(long, value_name = "BOOL")]
    pub legacy_fields: Option<bool>,
    /// CTI platform version; V300R006 answers every query with 0100003 [default: V300R008].
    #[arg(long, value_name = "VERSION")]
    pub cti_version: Option<CtiVersion>,
    /// Accepted clock skew of signature timestamps, seconds [default: 900].
    #[arg(long, value_name = "SECS")]
    pub max_clock_skew_secs: Option<u64>,
    /// Idle keep-alive timeout, seconds [default: 75].
    #[arg(long, value_name = "SECS")]
    pub keep_alive_secs: Option<u64>,
    /// Time a client has to send each request (head and body), milliseconds [default: 5000].
    #[arg(long, value_name = "MS")]
    pub client_request_timeout_ms: Option<u64>,
    /// Grace period for in-flight requests at shutdown, seconds [default: 30].
    #[arg(long, value_name = "SECS")]
    pub shutdown_timeout_secs: Option<u64>,
    /// Signature failures from one address before it is locked out [default: 5].
    #[arg(long, value_name = "N")]
    pub lockout_max_failures: Option<u32>,
    /// Window the failures are counted in, seconds [default: 60].
    #[arg(long, value_name = "SECS")]
    pub lockout_window_secs: Option<u64>,
    /// Lockout duration, seconds [default: 300].
    #[arg(long, value_name = "SECS")]
    pub lockout_lock_secs: Option<u64>,
    /// Most client addresses tracked for lockout [default: 100000].
    #[arg(long, value_name = "N")]
    pub lockout_max_tracked_addresses: Option<u64>,
    /// Requests per second allowed per access key; 0 is off [default: 0].
    #[arg(long, value_name = "N")]
    pub rate_limit_per_second: Option<u32>,
    /// Largest burst per access key; 0 means the per-second rate [default: 0].
    #[arg(long, value_name = "N")]
    pub rate_limit_burst: Option<u32>,
    /// A load balancer whose X-Forwarded-For names the real client (repeat for several).
    #[arg(long = "trusted-proxy", value_name = "IP")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Call source [default: embedded].
    #[arg(long, value_name = "KIND")]
    pub backend: Option<Backend>,
    /// Simulate a live contact center: true, or false for the demo snapshot [default: true].
    #[arg(long, value_name = "BOOL")]
    pub simulation: Option<bool>,
    /// Calls arriving per minute in the live contact center [default: 60].
    #[arg(long, value_name = "N")]
    pub arrivals_per_minute: Option<f64>,
    /// Seed of the live contact center [default: 42].
    #[arg(long, value_name = "SEED")]
    pub simulation_seed: Option<u64>,
    /// The contact center's clock: system, or manual (moved by POST /sandbox/v1/clock)
    /// [default: system].
    #[arg(long, value_name = "KIND")]
    pub clock: Option<crate::config::ClockKind>,
    /// Number of generated demo calls of the snapshot (with --simulation false) [default: 1000].
    #[arg(long, value_name = "N")]
    pub demo_calls: Option<usize>,
    /// Seed of the demo call generator [default: 42].
    #[arg(long, value_name = "SEED")]
    pub demo_seed: Option<u64>,
    /// Most calls the store may hold; sandbox additions beyond it are refused [default: 2000000].
    #[arg(long, value_name = "N")]
    pub max_calls: Option<usize>,
    /// JSON or JSON-lines file of calls to serve instead of demo calls.
    #[arg(long, value_name = "FILE")]
    pub calls_file: Option<PathBuf>,
    /// Serve the sandbox admin API: true or false [default: true].
    #[arg(long, value_name = "BOOL")]
    pub sandbox: Option<bool>,
    /// BMS base URL, e.g. `https://bms.internal:8443` (with --backend bms).
    #[arg(long, value_name = "URL")]
    pub bms_url: Option<String>,
    /// PEM CA bundle to trust for the BMS instead of the system roots.
    #[arg(long, value_name = "FILE")]
    pub bms_ca_cert: Option<PathBuf>,
    /// PEM client certificate for mutual TLS with the BMS (with --bms-client-key).
    #[arg(long, value_name = "FILE")]
    pub bms_client_cert: Option<PathBuf>,
    /// PEM private key of --bms-client-cert.
    #[arg(long, value_name = "FILE")]
    pub bms_client_key: Option<PathBuf>,
    /// File holding a bearer token sent to the BMS.
    #[arg(long, value_name = "FILE")]
    pub bms_bearer_token_file: Option<PathBuf>,
    /// BMS connect timeout, milliseconds [default: 500].
    #[arg(long, value_name = "MS")]
    pub bms_connect_timeout_ms: Option<u64>,
    /// BMS request timeout, milliseconds [default: 2000].
    #[arg(long, value_name = "MS")]
    pub bms_request_timeout_ms: Option<u64>,
    /// Most idle keep-alive connections to the BMS [default: 32].
    #[arg(long, value_name = "N")]
    pub bms_pool_max_idle: Option<usize>,
    /// Seconds an idle BMS connection is kept [default: 90].
    #[arg(long, value_name = "SECS")]
    pub bms_pool_idle_timeout_secs: Option<u64>,
    /// Most requests in flight to the BMS [default: 256].
    #[arg(long, value_name = "N")]
    pub bms_max_in_flight: Option<usize>,
    /// Retry once when the request surely did not reach the BMS: true or false [default: true].
    #[arg(long, value_name = "BOOL")]
    pub bms_retry: Option<bool>,
    /// Base backoff of that retry, milliseconds [default: 50].
    #[arg(long, value_name = "MS")]
    pub bms_retry_backoff_ms: Option<u64>,
    /// Cache BMS answers this long, milliseconds; 0 is off [default: 0].
    #[arg(long, value_name = "MS")]
    pub bms_cache_ttl_ms: Option<u64>,
    /// Most cached BMS answers [default: 100000].
    #[arg(long, value_name = "N")]
    pub bms_cache_max_entries: Option<u64>,
    /// Consecutive BMS failures that open the circuit breaker [default: 5].
    #[arg(long, value_name = "N")]
    pub bms_breaker_failures: Option<u32>,
    /// Breaker cool-down before a probe, milliseconds [default: 5000].
    #[arg(long, value_name = "MS")]
    pub bms_breaker_cool_down_ms: Option<u64>,
    /// How long /readyz answers the latest BMS exchange before one probe asks again,
    /// milliseconds [default: 1000].
    #[arg(long, value_name = "MS")]
    pub bms_probe_interval_ms: Option<u64>,
    /// Log filter, e.g. `info` or `calldata_server=debug` [default: info].
    #[arg(long, value_name = "FILTER")]
    pub log_filter: Option<String>,
    /// Log format [default: text].
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
}

impl Cli {
    /// The settings these flags override, as (dotted setting path, value) pairs.
    #[allow(clippy::too_many_lines)] // one line per flag
    pub fn overrides(&self) -> Vec<(&'static str, Value)> {
        let mut out = Vec::new();
        let mut put = |key: &'static str, value: Option<Value>| {
            if let Some(value) = value {
                out.push((key, value));
            }
        };
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| Value::from(p.display().to_string()));
        put("listen", self.listen.map(|a| Value::from(a.to_string())));
        put("plain_http", self.plain_http.then_some(Value::Bool(true)));
        put(
            "allow_plain_http_on_any_address",
            self.allow_plain_http_on_any_address
                .then_some(Value::Bool(true)),
        );
        put("data_dir", path(&self.data_dir));
        put("tls_cert", path(&self.tls_cert));
        put("tls_key", path(&self.tls_key));
        put("workers", self.workers.map(Value::from));
        put("body_limit_bytes", self.body_limit_bytes.map(Value::from));
        put("legacy_fields", self.legacy_fields.map(Value::Bool));
        put("cti_version", to_json(self.cti_version.as_ref()));
        put(
            "max_clock_skew_secs",
            self.max_clock_skew_secs.map(Value::from),
        );
        put("keep_alive_secs", self.keep_alive_secs.map(Value::from));
        put(
            "client_request_timeout_ms",
            self.client_request_timeout_ms.map(Value::from),
        );
        put(
            "shutdown_timeout_secs",
            self.shutdown_timeout_secs.map(Value::from),
        );
        put(
            "lockout.max_failures",
            self.lockout_max_failures.map(Value::from),
        );
        put(
            "lockout.window_secs",
            self.lockout_window_secs.map(Value::from),
        );
        put("lockout.lock_secs", self.lockout_lock_secs.map(Value::from));
        put(
            "lockout.max_tracked_addresses",
            self.lockout_max_tracked_addresses.map(Value::from),
        );
        if !self.trusted_proxies.is_empty() {
            let list = self
                .trusted_proxies
                .iter()
                .map(|ip| Value::from(ip.to_string()))
                .collect();
            put("trusted_proxies", Some(Value::Array(list)));
        }
        put(
            "rate_limit.per_second",
            self.rate_limit_per_second.map(Value::from),
        );
        put("rate_limit.burst", self.rate_limit_burst.map(Value::from));
        put("backend", to_json(self.backend.as_ref()));
        put(
            "embedded.simulation.enabled",
            self.simulation.map(Value::from),
        );
        put(
            "embedded.simulation.arrivals_per_minute",
            self.arrivals_per_minute.map(Value::from),
        );
        put(
            "embedded.simulation.seed",
            self.simulation_seed.map(Value::from),
        );
        put(
            "embedded.clock",
            self.clock.map(|kind| Value::from(kind.name())),
        );
        put("embedded.demo_calls", self.demo_calls.map(Value::from));
        put("embedded.demo_seed", self.demo_seed.map(Value::from));
        put("embedded.max_calls", self.max_calls.map(Value::from));
        put("embedded.calls_file", path(&self.calls_file));
        put("embedded.sandbox", self.sandbox.map(Value::Bool));
        put("bms.url", self.bms_url.clone().map(Value::from));
        put("bms.ca_cert", path(&self.bms_ca_cert));
        put("bms.client_cert", path(&self.bms_client_cert));
        put("bms.client_key", path(&self.bms_client_key));
        put("bms.bearer_token_file", path(&self.bms_bearer_token_file));
        put(
            "bms.connect_timeout_ms",
            self.bms_connect_timeout_ms.map(Value::from),
        );
        put(
            "bms.request_timeout_ms",
            self.bms_request_timeout_ms.map(Value::from),
        );
        put("bms.pool_max_idle", self.bms_pool_max_idle.map(Value::from));
        put(
            "bms.pool_idle_timeout_secs",
            self.bms_pool_idle_timeout_secs.map(Value::from),
        );
        put("bms.max_in_flight", self.bms_max_in_flight.map(Value::from));
        put("bms.retry", self.bms_retry.map(Value::Bool));
        put(
            "bms.retry_backoff_ms",
            self.bms_retry_backoff_ms.map(Value::from),
        );
        put("bms.cache_ttl_ms", self.bms_cache_ttl_ms.map(Value::from));
        put(
            "bms.cache_max_entries",
            self.bms_cache_max_entries.map(Value::from),
        );
        put(
            "bms.breaker_failures",
            self.bms_breaker_failures.map(Value::from),
        );
        put(
            "bms.breaker_cool_down_ms",
            self.bms_breaker_cool_down_ms.map(Value::from),
        );
        put(
            "bms.probe_interval_ms",
            self.bms_probe_interval_ms.map(Value::from),
        );
        put("log.filter", self.log_filter.clone().map(Value::from));
        put("log.format", to_json(self.log_format.as_ref()));
        out
    }
}

/// A flag enum as its serde name.
fn to_json<T: serde::Serialize>(value: Option<&T>) -> Option<Value> {
    value.and_then(|v| serde_json::to_value(v).ok())
}
