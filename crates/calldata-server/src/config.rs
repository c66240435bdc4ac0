//! `Settings`: every setting of the server in one typed struct, loaded once at start from
//! defaults, then a TOML file, then `CALLDATA_*` environment variables, then command-line
//! flags (later layers win), and validated before anything starts.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use calldata_bms::{HttpBmsSettings, SimulationSettings};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The default listen address: loopback, HTTPS port 8443.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8443);

/// All settings of the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Serve plain HTTP instead of HTTPS.
    pub plain_http: bool,
    /// Allow plain HTTP on a non-loopback address.
    pub allow_plain_http_on_any_address: bool,
    /// Directory for generated state: demo key, self-signed certificate.
    pub data_dir: PathBuf,
    /// PEM certificate chain; with `tls_key`, replaces the generated certificate.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// Largest accepted request body, in bytes.
    pub body_limit_bytes: usize,
    /// Also write the 8.13-era `result` and `resultDatas` fields on success.
    pub legacy_fields: bool,
    /// CTI platform version the deployment runs.
    pub cti_version: CtiVersion,
    /// Largest accepted distance between a signature timestamp and the server clock, seconds.
    pub max_clock_skew_secs: u64,
    /// Seconds an idle keep-alive connection stays open.
    pub keep_alive_secs: u64,
    /// Milliseconds a client has to send a request (head and body), counted from its first
    /// byte, on every request of a connection.
    pub client_request_timeout_ms: u64,
    /// Seconds in-flight requests get to finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Limits on client connections.
    pub connections: ConnectionSettings,
    /// Lockout of client addresses after repeated signature failures.
    pub lockout: LockoutSettings,
    /// Per-access-key rate limit.
    pub rate_limit: RateLimitSettings,
    /// Load balancers whose `X-Forwarded-For` header names the real client (exact addresses).
    pub trusted_proxies: Vec<IpAddr>,
    /// `Host` values a signed request may carry (`name` or `name:port`, any letter case);
    /// empty accepts any host.
    pub accepted_hosts: Vec<String>,
    /// Signatures already seen, for refusing replayed sandbox changes.
    pub replay: ReplaySettings,
    /// Which call source answers queries.
    pub backend: Backend,
    /// Settings of the embedded call store.
    pub embedded: EmbeddedSettings,
    /// Settings of the BMS adapter (`backend = "bms"`).
    pub bms: HttpBmsSettings,
    /// Access keys; when empty, a demo key is created in the data directory.
    pub keys: Vec<KeySettings>,
    /// Logging.
    pub log: LogSettings,
    /// Where lockout, rate-limit and sandbox-replay state lives: this process, or a Redis
    /// shared by every replica.
    pub state: crate::shared::StateSettings,
}

/// The CTI platform version; V300R006 (CTI 3.6) cannot answer this interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum CtiVersion {
    /// CTI 3.6: every query is answered `0100003`.
    #[serde(rename = "V300R006")]
    #[value(name = "V300R006")]
    V300R006,
    /// CTI 3.8 and later: queries are answered.
    #[serde(rename = "V300R008")]
    #[value(name = "V300R008")]
    V300R008,
}

/// Which call source answers queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// The in-process store (demo calls, a calls file, the sandbox API).
    Embedded,
    /// A BMS over HTTP(S), with the `[bms]` settings.
    Bms,
}

/// Lockout rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutSettings {
    /// Signature failures from one address that trigger a lockout.
    pub max_failures: u32,
    /// Window the failures are counted in, seconds.
    pub window_secs: u64,
    /// How long a locked-out address gets 403, seconds.
    pub lock_secs: u64,
    /// Most client addresses tracked at once (memory bound).
    pub max_tracked_addresses: u64,
}

/// Limits on client connections, against peers that hold connections without using them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionSettings {
    /// Most client connections open at once; 0 derives it from the open-file limit.
    pub max_connections: usize,
    /// Queue of connections the kernel holds before the server accepts them.
    pub backlog: u32,
    /// Milliseconds a TLS handshake gets, from the connection's first byte.
    pub tls_handshake_timeout_ms: u64,
    /// Most TLS handshakes under way at once; past it the oldest is dropped.
    pub max_tls_handshakes: usize,
    /// Milliseconds an answer gets to reach the socket once the peer stops reading.
    pub write_timeout_ms: u64,
    /// Kernel send buffer of each connection, bytes (0 leaves the kernel's autotuning):
    /// what a peer that does not read can make the machine hold for it.
    pub send_buffer_bytes: usize,
}

/// Per-access-key rate limit (GCRA): `per_second` on average, bursts up to `burst`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Requests per second per access key; 0 turns rate limiting off.
    pub per_second: u32,
    /// Largest burst; 0 means `per_second`.
    pub burst: u32,
}

/// Replay protection: the signatures seen within the clock-skew window.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplaySettings {
    /// Most signatures each table (sandbox changes; queries, with the rate limit on) holds.
    pub max_signatures: usize,
}

/// Embedded store settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbeddedSettings {
    /// Number of generated demo calls (ignored when `calls_file` is set).
    pub demo_calls: usize,
    /// Seed of the demo generator.
    pub demo_seed: u64,
    /// JSON or JSON-lines file of calls to serve instead of demo calls.
    pub calls_file: Option<PathBuf>,
    /// Serve the sandbox admin API under `/sandbox/v1/calls`.
    pub sandbox: bool,
    /// Most calls the store may hold; sandbox additions beyond it are refused.
    pub max_calls: usize,
    /// Most bytes the sandbox's additions may hold (above what the store held at start).
    pub max_sandbox_bytes: usize,
    /// What ctiservertime adds to this machine's clock, in milliseconds (negative: behind).
    pub cti_clock_offset_ms: i64,
    /// The live contact center: calls that arrive, move and end (on by default; off, the
    /// store holds the `demo_calls` snapshot).
    pub simulation: SimulationSettings,
    /// What "now" is for the embedded contact center.
    pub clock: ClockKind,
    /// Where a manual clock starts, epoch ms (default: the system clock at start).
    pub clock_start_ms: Option<i64>,
    /// Most ended calls kept for the record interfaces (the oldest go first; 0 keeps none).
    pub max_records: usize,
    /// The tenant's time zone as an offset from UTC (`"+08:00"`), for the campaign fields
    /// of detail records.
    pub tenant_utc_offset: String,
}

/// The embedded contact center's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ClockKind {
    /// This machine's clock.
    System,
    /// A clock that moves only through `POST /sandbox/v1/clock` (tests, demos).
    Manual,
}

impl ClockKind {
    /// Its name in the settings.
    pub fn name(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Manual => "manual",
        }
    }
}

impl EmbeddedSettings {
    /// Checks the embedded contact center's settings.
    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |setting, problem: &str| {
            Err(ConfigError::Invalid {
                setting,
                problem: problem.to_owned(),
            })
        };
        if let Some(problem) = self.simulation.problem() {
            return Err(ConfigError::Invalid {
                setting: "embedded.simulation",
                problem,
            });
        }
        if self.tenant_offset().is_none() {
            return invalid(
                "embedded.tenant_utc_offset",
                "must be an offset from UTC such as \"+08:00\" or \"-05:30\"",
            );
        }
        if self
            .clock_start_ms
            .is_some_and(|start| !(0..=calldata_bms::clock::LAST_MS).contains(&start))
        {
            return invalid(
                "embedded.clock_start_ms",
                "must be epoch milliseconds from 0 to 253402300799999 (the year 9999)",
            );
        }
        if self.max_records > 10_000_000 {
            return invalid("embedded.max_records", "must be at most 10000000");
        }
        Ok(())
    }

    /// The tenant's offset from UTC, if `tenant_utc_offset` is one (`+08:00`, `-05:30`,
    /// `Z`).
    pub fn tenant_offset(&self) -> Option<time::UtcOffset> {
        let text = self.tenant_utc_offset.trim();
        if text.eq_ignore_ascii_case("z") || text.is_empty() {
            return Some(time::UtcOffset::UTC);
        }
        let format =
            time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]");
        time::UtcOffset::parse(text, &format).ok()
    }
}

/// One access key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySettings {
    /// Access key ID (AK).
    pub access_key: String,
    /// Secret key (SK) inline; prefer `secret_key_file`.
    #[serde(default, skip_serializing)]
    pub secret_key: Option<SecretString>,
    /// File holding the SK (first line, trimmed).
    #[serde(default)]
    pub secret_key_file: Option<PathBuf>,
    /// Call centers this key may query; empty means all.
    #[serde(default)]
    pub cc_ids: Vec<u16>,
    /// VDNs this key may query; empty means all.
    #[serde(default)]
    pub vdns: Vec<u16>,
}

/// Logging settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `tracing` filter, e.g. `info` or `calldata_server=debug`.
    pub filter: String,
    /// Output format.
    pub format: LogFormat,
    /// Request-log lines of refused requests (401, 403, 404, ...) written per second, per
    /// process; the rest are counted in a summary line each second.
    pub refused_lines_per_second: u32,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN,
            plain_http: false,
            allow_plain_http_on_any_address: false,
            data_dir: default_data_dir(),
            tls_cert: None,
            tls_key: None,
            workers: 0,
            body_limit_bytes: 16 * 1024,
            legacy_fields: true,
            cti_version: CtiVersion::V300R008,
            max_clock_skew_secs: 15 * 60,
            keep_alive_secs: 75,
            client_request_timeout_ms: 5_000,
            shutdown_timeout_secs: 30,
            connections: ConnectionSettings::default(),
            lockout: LockoutSettings::default(),
            trusted_proxies: Vec::new(),
            accepted_hosts: Vec::new(),
            replay: ReplaySettings::default(),
            rate_limit: RateLimitSettings::default(),
            backend: Backend::Embedded,
            embedded: EmbeddedSettings::default(),
            bms: HttpBmsSettings::default(),
            keys: Vec::new(),
            log: LogSettings::default(),
            state: crate::shared::StateSettings::default(),
        }
    }
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        Self {
            max_connections: 0,
            backlog: 4096,
            tls_handshake_timeout_ms: 5_000,
            max_tls_handshakes: 2_048,
            write_timeout_ms: 10_000,
            send_buffer_bytes: 64 * 1024,
        }
    }
}

impl Default for LockoutSettings {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window_secs: 60,
            lock_secs: 300,
            max_tracked_addresses: 100_000,
        }
    }
}

impl Default for EmbeddedSettings {
    fn default() -> Self {
        Self {
            demo_calls: 1_000,
            demo_seed: 42,
            max_calls: 2_000_000,
            max_sandbox_bytes: 256 * 1024 * 1024,
            cti_clock_offset_ms: 0,
            calls_file: None,
            sandbox: true,
            simulation: SimulationSettings::default(),
            clock: ClockKind::System,
            clock_start_ms: None,
            max_records: calldata_bms::embedded::history::DEFAULT_MAX_RECORDS,
            tenant_utc_offset: "+00:00".to_owned(),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            filter: "info".to_owned(),
            format: LogFormat::Text,
            refused_lines_per_second: 20,
        }
    }
}

impl Default for ReplaySettings {
    fn default() -> Self {
        Self {
            max_signatures: 100_000,
        }
    }
}

/// The data directory used when none is configured (see
/// [`calldata_model::local_server::default_data_dir`]).
pub fn default_data_dir() -> PathBuf {
    calldata_model::local_server::default_data_dir(|name| std::env::var_os(name))
}

/// Why the settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A layer could not be read or has a value of the wrong type (a URL's credentials
    /// are left out of the message, which may quote the value).
    #[error("{}", without_credentials(&.0.to_string()))]
    Load(#[from] Box<figment::Error>),
    /// A value breaks a rule.
    #[error("invalid setting {setting}: {problem}")]
    Invalid {
        /// The setting's name.
        setting: &'static str,
        /// What is wrong and what to do.
        problem: String,
    },
}

/// `text` with the credentials of every URL in it (`scheme://user:password@`) replaced
/// by `***`.
fn without_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let authority_end = after
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(after.len());
        match after[..authority_end].rfind('@') {
            Some(credentials_end) => {
                out.push_str("***");
                rest = &after[credentials_end..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// Top-level setting names, for picking `CALLDATA_*` variables that belong to the server.
const TOP_LEVEL: [&str; 26] = [
    "listen",
    "plain_http",
    "allow_plain_http_on_any_address",
    "data_dir",
    "tls_cert",
    "tls_key",
    "workers",
    "body_limit_bytes",
    "legacy_fields",
    "cti_version",
    "max_clock_skew_secs",
    "keep_alive_secs",
    "client_request_timeout_ms",
    "shutdown_timeout_secs",
    "connections",
    "lockout",
    "trusted_proxies",
    "accepted_hosts",
    "replay",
    "rate_limit",
    "backend",
    "embedded",
    "bms",
    "keys",
    "log",
    "state",
];

impl Settings {
    /// Loads defaults ← the `config` file ← `CALLDATA_*` variables ← `overrides` (the
    /// binary's flags, as `(setting, value)` pairs), then validates.
    pub fn load(
        config: Option<&std::path::Path>,
        overrides: impl IntoIterator<Item = (&'static str, serde_json::Value)>,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = config {
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment.merge(Env::prefixed("CALLDATA_").split("__").filter(|key| {
            // `split` may already have turned `__` into `.`; accept either form.
            let top = key.as_str().split("__").next().unwrap_or_default();
            let top = top.split('.').next().unwrap_or_default();
            TOP_LEVEL.iter().any(|name| top.eq_ignore_ascii_case(name))
        }));
        for (key, value) in overrides {
            figment = figment.merge(Serialized::default(key, value));
        }
        let settings: Settings = figment.extract().map_err(Box::new)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks every rule that types alone do not express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |setting, problem: &str| {
            Err(ConfigError::Invalid {
                setting,
                problem: problem.to_owned(),
            })
        };
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return invalid(
                "tls_cert/tls_key",
                "give both the certificate and the key, or neither",
            );
        }
        if self.plain_http
            && !self.listen.ip().is_loopback()
            && !self.allow_plain_http_on_any_address
        {
            return invalid(
                "plain_http",
                "plain HTTP on a non-loopback address sends secrets in clear; \
                 use HTTPS, listen on 127.0.0.1, or set allow_plain_http_on_any_address",
            );
        }
        if self.plain_http && self.tls_cert.is_some() {
            return invalid(
                "plain_http",
                "a TLS certificate is configured; drop one of the two",
            );
        }
        if !(64..=1024 * 1024).contains(&self.body_limit_bytes) {
            return invalid("body_limit_bytes", "must be between 64 and 1048576");
        }
        if self.max_clock_skew_secs == 0 || self.max_clock_skew_secs > 24 * 3600 {
            return invalid("max_clock_skew_secs", "must be between 1 and 86400");
        }
        if !(100..=60_000).contains(&self.client_request_timeout_ms) {
            return invalid("client_request_timeout_ms", "must be between 100 and 60000");
        }
        self.connections.validate()?;
        if self.workers > 1024 {
            return invalid("workers", "must be at most 1024 (0 means one per core)");
        }
        let lockout = &self.lockout;
        if lockout.max_failures == 0 || lockout.window_secs == 0 || lockout.lock_secs == 0 {
            return invalid(
                "lockout",
                "max_failures, window_secs and lock_secs must be above 0",
            );
        }
        if lockout.max_tracked_addresses == 0 {
            return invalid("lockout.max_tracked_addresses", "must be above 0");
        }
        if self.embedded.demo_calls > 10_000_000 {
            return invalid("embedded.demo_calls", "must be at most 10000000");
        }
        if self.embedded.demo_calls > self.embedded.max_calls {
            return invalid("embedded.max_calls", "must be at least embedded.demo_calls");
        }
        if self.embedded.max_sandbox_bytes < self.body_limit_bytes {
            return invalid(
                "embedded.max_sandbox_bytes",
                "must be at least body_limit_bytes (room for one record)",
            );
        }
        if !(1..=10_000_000).contains(&self.replay.max_signatures) {
            return invalid("replay.max_signatures", "must be between 1 and 10000000");
        }
        if self.log.refused_lines_per_second > 1_000_000 {
            return invalid("log.refused_lines_per_second", "must be at most 1000000");
        }
        if let Some(host) = self.accepted_hosts.iter().find(|host| !is_host_value(host)) {
            return Err(ConfigError::Invalid {
                setting: "accepted_hosts",
                problem: format!(
                    "{host:?} is not a Host value: give a name or address, optionally with \
                     :port (e.g. \"cms.example.com\" or \"cms.example.com:8443\")"
                ),
            });
        }
        let mut seen = std::collections::HashSet::new();
        for key in &self.keys {
            validate_key(key)?;
            if !seen.insert(key.access_key.as_str()) {
                return Err(ConfigError::Invalid {
                    setting: "keys",
                    problem: format!("access key {:?} is configured twice", key.access_key),
                });
            }
        }
        self.embedded.validate()?;
        self.validate_sources()
    }

    /// The rules of the call source's and the shared state's settings.
    fn validate_sources(&self) -> Result<(), ConfigError> {
        if self.backend == Backend::Bms {
            self.bms
                .validate()
                .map_err(|problem| ConfigError::Invalid {
                    setting: "bms",
                    problem,
                })?;
        }
        if let Some((setting, problem)) = self.state.redis.problem(self.state.backend) {
            return Err(ConfigError::Invalid { setting, problem });
        }
        if self.state.backend == crate::shared::StateBackend::Redis
            && self.backend == Backend::Embedded
            && self.embedded.clock == ClockKind::Manual
            && self.embedded.clock_start_ms.is_none()
        {
            return Err(ConfigError::Invalid {
                setting: "embedded.clock_start_ms",
                problem: "replicas sharing a manual clock must start it at the same reading: \
                          set embedded.clock_start_ms"
                    .to_owned(),
            });
        }
        Ok(())
    }

    /// Whether the server speaks HTTPS.
    pub fn tls_enabled(&self) -> bool {
        !self.plain_http
    }
}

impl ConnectionSettings {
    /// Checks the connection limits.
    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |setting, problem: &str| {
            Err(ConfigError::Invalid {
                setting,
                problem: problem.to_owned(),
            })
        };
        if !(1..=65_535).contains(&self.backlog) {
            return invalid("connections.backlog", "must be between 1 and 65535");
        }
        if !(100..=60_000).contains(&self.tls_handshake_timeout_ms) {
            return invalid(
                "connections.tls_handshake_timeout_ms",
                "must be between 100 and 60000",
            );
        }
        if self.max_tls_handshakes == 0 {
            return invalid("connections.max_tls_handshakes", "must be above 0");
        }
        if !(100..=600_000).contains(&self.write_timeout_ms) {
            return invalid(
                "connections.write_timeout_ms",
                "must be between 100 and 600000",
            );
        }
        if self.send_buffer_bytes != 0
            && !(4 * 1024..=16 * 1024 * 1024).contains(&self.send_buffer_bytes)
        {
            return invalid(
                "connections.send_buffer_bytes",
                "must be 0 (the kernel's autotuning) or between 4096 and 16777216",
            );
        }
        if self.max_connections > 10_000_000 {
            return invalid(
                "connections.max_connections",
                "must be at most 10000000 (0 derives it from the open-file limit)",
            );
        }
        Ok(())
    }
}

/// Whether `host` can be a `Host` header value: 1 to 255 visible ASCII characters, none of
/// which ends a host (`/ ? # @ ,`) or is a blank.
fn is_host_value(host: &str) -> bool {
    (1..=255).contains(&host.len())
        && host
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"/?#@,".contains(&b))
}

fn validate_key(key: &KeySettings) -> Result<(), ConfigError> {
    let invalid = |problem: String| {
        Err(ConfigError::Invalid {
            setting: "keys",
            problem,
        })
    };
    if key.access_key.is_empty() || key.access_key.contains('/') {
        return invalid(format!(
            "access key {:?} must be non-empty without '/'",
            key.access_key
        ));
    }
    if key.secret_key.is_some() == key.secret_key_file.is_some() {
        return invalid(format!(
            "access key {:?} needs exactly one of secret_key or secret_key_file",
            key.access_key
        ));
    }
    if key
        .secret_key
        .as_ref()
        .is_some_and(|sk| sk.expose_secret().trim().is_empty())
    {
        return invalid(format!(
            "access key {:?} has an empty secret_key",
            key.access_key
        ));
    }
    if key.cc_ids.contains(&0) {
        return invalid(format!(
            "access key {:?}: cc_ids must be 1..=65535",
            key.access_key
        ));
    }
    if key.vdns.iter().any(|v| !(1..=5000).contains(v)) {
        return invalid(format!(
            "access key {:?}: vdns must be 1..=5000",
            key.access_key
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment's large error
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;
    use figment::Jail;

    fn load(args: &[&str]) -> Result<Settings, ConfigError> {
        let mut command_line = vec!["calldata-server"];
        command_line.extend_from_slice(args);
        let cli = Cli::parse_from(command_line);
        Settings::load(cli.config.as_deref(), cli.overrides())
    }

    #[test]
    fn a_redis_url_in_a_misplaced_variable_is_refused_without_its_password() {
        Jail::expect_with(|jail| {
            // `__URL` left out: the value lands where a table belongs, and figment's
            // message quotes it.
            jail.set_env(
                "CALLDATA_STATE__REDIS",
                "redis://admin:hunter2-secret@redis:6379/",
            );
            let error = load(&[]).unwrap_err().to_string();
            assert!(!error.contains("hunter2"), "{error}");
            assert!(error.contains("redis://***@redis:6379"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn a_shared_manual_clock_needs_its_start() {
        Jail::expect_with(|jail| {
            jail.set_env("CALLDATA_STATE__BACKEND", "redis");
            jail.set_env("CALLDATA_STATE__REDIS__URL", "redis://127.0.0.1:1/");
            jail.set_env("CALLDATA_EMBEDDED__CLOCK", "manual");
            let error = load(&[]).unwrap_err().to_string();
            assert!(error.contains("embedded.clock_start_ms"), "{error}");
            jail.set_env("CALLDATA_EMBEDDED__CLOCK_START_MS", "1764547000000");
            load(&[]).map_err(|e| e.to_string())?;
            jail.set_env("CALLDATA_STATE__REDIS__URL", "http://127.0.0.1:1/");
            let error = load(&[]).unwrap_err().to_string();
            assert!(error.contains("state.redis.url"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        Jail::expect_with(|_| {
            let settings = load(&[]).map_err(|e| e.to_string())?;
            assert_eq!(settings.listen, DEFAULT_LISTEN);
            assert!(settings.tls_enabled());
            assert_eq!(settings.embedded.demo_calls, 1_000);
            assert_eq!(settings.body_limit_bytes, 16 * 1024);
            assert_eq!(settings.max_clock_skew_secs, 900);
            assert_eq!(settings.lockout.max_failures, 5);
            assert!(settings.legacy_fields);
            Ok(())
        });
    }

    #[test]
    fn file_then_environment_then_flags_win_in_that_order() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "calldata.toml",
                r#"
                    listen = "127.0.0.1:9000"
                    workers = 3
                    body_limit_bytes = 4096
                    [lockout]
                    max_failures = 7
                    [embedded]
                    demo_calls = 50
                "#,
            )?;
            jail.set_env("CALLDATA_WORKERS", "4");
            jail.set_env("CALLDATA_LOCKOUT__MAX_FAILURES", "8");
            let settings = load(&["--config", "calldata.toml", "--demo-calls", "60"])
                .map_err(|e| e.to_string())?;
            assert_eq!(settings.listen.port(), 9000);
            assert_eq!(settings.body_limit_bytes, 4096);
            assert_eq!(settings.workers, 4);
            assert_eq!(settings.lockout.max_failures, 8);
            assert_eq!(settings.embedded.demo_calls, 60);
            Ok(())
        });
    }

    #[test]
    fn client_environment_variables_do_not_disturb_the_server() {
        Jail::expect_with(|jail| {
            jail.set_env("CALLDATA_URL", "https://example.invalid");
            jail.set_env("CALLDATA_AK", "ak");
            jail.set_env("CALLDATA_SK", "sk");
            load(&[]).map_err(|e| e.to_string())?;
            Ok(())
        });
    }

    #[test]
    fn an_unknown_setting_in_the_file_is_named() {
        Jail::expect_with(|jail| {
            jail.create_file("calldata.toml", "lisen = \"127.0.0.1:1\"")?;
            let error = load(&["--config", "calldata.toml"])
                .unwrap_err()
                .to_string();
            assert!(error.contains("lisen"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn plain_http_on_a_public_address_is_refused_unless_forced() {
        Jail::expect_with(|_| {
            let error = load(&["--plain-http", "--listen", "0.0.0.0:8080"])
                .unwrap_err()
                .to_string();
            assert!(error.contains("plain_http"), "{error}");
            load(&[
                "--plain-http",
                "--listen",
                "0.0.0.0:8080",
                "--allow-plain-http-on-any-address",
            ])
            .map_err(|e| e.to_string())?;
            load(&["--plain-http"]).map_err(|e| e.to_string())?;
            Ok(())
        });
    }

    #[test]
    fn keys_need_exactly_one_secret_source_and_valid_scopes() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "both.toml",
                r#"
                    [[keys]]
                    access_key = "a"
                    secret_key = "s"
                    secret_key_file = "f"
                "#,
            )?;
            let error = load(&["--config", "both.toml"]).unwrap_err().to_string();
            assert!(error.contains("exactly one"), "{error}");
            jail.create_file(
                "scope.toml",
                r#"
                    [[keys]]
                    access_key = "a"
                    secret_key = "s"
                    vdns = [5001]
                "#,
            )?;
            let error = load(&["--config", "scope.toml"]).unwrap_err().to_string();
            assert!(error.contains("vdns"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn new_bounds_have_documented_defaults_and_are_checked() {
        Jail::expect_with(|jail| {
            let settings = load(&[]).map_err(|e| e.to_string())?;
            assert!(settings.accepted_hosts.is_empty());
            assert_eq!(settings.replay.max_signatures, 100_000);
            assert_eq!(settings.log.refused_lines_per_second, 20);
            assert_eq!(settings.embedded.max_sandbox_bytes, 256 * 1024 * 1024);
            jail.create_file(
                "hosts.toml",
                r#"accepted_hosts = ["cms.example.com", "CMS.example.com:8443", "[::1]:8443"]"#,
            )?;
            load(&["--config", "hosts.toml"]).map_err(|e| e.to_string())?;
            jail.create_file(
                "bad.toml",
                r#"accepted_hosts = ["https://cms.example.com"]"#,
            )?;
            let error = load(&["--config", "bad.toml"]).unwrap_err().to_string();
            assert!(error.contains("accepted_hosts"), "{error}");
            jail.set_env("CALLDATA_REPLAY__MAX_SIGNATURES", "0");
            let error = load(&[]).unwrap_err().to_string();
            assert!(error.contains("replay.max_signatures"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        Jail::expect_with(|_| {
            let error = load(&["--config", "absent.toml"]).unwrap_err().to_string();
            assert!(error.contains("absent.toml"), "{error}");
            Ok(())
        });
    }
}
