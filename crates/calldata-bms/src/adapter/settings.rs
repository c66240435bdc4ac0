//! `HttpBmsSettings`: how to reach a BMS and how hard to protect it.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Settings of the BMS adapter (the `[bms]` section of the server's configuration).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpBmsSettings {
    /// Base URL, e.g. `https://bms.internal:8443` (the query path is appended).
    pub url: String,
    /// PEM CA bundle to trust instead of the system roots (HTTPS).
    pub ca_cert: Option<PathBuf>,
    /// PEM client certificate chain for mutual TLS (with `client_key`).
    pub client_cert: Option<PathBuf>,
    /// PEM private key of `client_cert`.
    pub client_key: Option<PathBuf>,
    /// Static bearer token sent as `Authorization: Bearer ...` (prefer `bearer_token_file`).
    #[serde(skip_serializing)]
    pub bearer_token: Option<SecretString>,
    /// File holding the bearer token (first line).
    pub bearer_token_file: Option<PathBuf>,
    /// Connect timeout, milliseconds.
    pub connect_timeout_ms: u64,
    /// Whole-request timeout, milliseconds.
    pub request_timeout_ms: u64,
    /// Most idle keep-alive connections kept to the BMS.
    pub pool_max_idle: usize,
    /// Seconds an idle pooled connection is kept.
    pub pool_idle_timeout_secs: u64,
    /// Most requests in flight to the BMS at once; more wait up to the request timeout.
    pub max_in_flight: usize,
    /// Retry once, with jittered backoff, when the request surely did not reach BMS.
    pub retry: bool,
    /// Base backoff of that retry, milliseconds (the wait is 1x to 2x this).
    pub retry_backoff_ms: u64,
    /// Keep answers this long, milliseconds; 0 turns the cache off (single flight stays on).
    pub cache_ttl_ms: u64,
    /// Most cached answers (and in-flight keys).
    pub cache_max_entries: u64,
    /// Consecutive failures that open the circuit breaker.
    pub breaker_failures: u32,
    /// How long the open breaker answers at once before letting one probe through, ms.
    pub breaker_cool_down_ms: u64,
    /// Readiness (`/readyz`) answers the latest BMS exchange for this long, ms; after that
    /// one probe asks BMS again, however many checks arrive.
    pub probe_interval_ms: u64,
}

impl Default for HttpBmsSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            ca_cert: None,
            client_cert: None,
            client_key: None,
            bearer_token: None,
            bearer_token_file: None,
            connect_timeout_ms: 500,
            request_timeout_ms: 2_000,
            pool_max_idle: 32,
            pool_idle_timeout_secs: 90,
            max_in_flight: 256,
            retry: true,
            retry_backoff_ms: 50,
            cache_ttl_ms: 0,
            cache_max_entries: 100_000,
            breaker_failures: 5,
            breaker_cool_down_ms: 5_000,
            probe_interval_ms: 1_000,
        }
    }
}

impl HttpBmsSettings {
    /// Checks the rules types alone do not express; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        let url = self.url.trim();
        if url.is_empty() {
            return Err("bms.url is required when backend = \"bms\"".to_owned());
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err("bms.url must start with http:// or https://".to_owned());
        }
        if self.client_cert.is_some() != self.client_key.is_some() {
            return Err("bms.client_cert and bms.client_key go together".to_owned());
        }
        if self.bearer_token.is_some() && self.bearer_token_file.is_some() {
            return Err("give bms.bearer_token or bms.bearer_token_file, not both".to_owned());
        }
        if self.connect_timeout_ms == 0 || self.request_timeout_ms == 0 {
            return Err(
                "bms.connect_timeout_ms and bms.request_timeout_ms must be above 0".to_owned(),
            );
        }
        if self.max_in_flight == 0 || self.cache_max_entries == 0 {
            return Err("bms.max_in_flight and bms.cache_max_entries must be above 0".to_owned());
        }
        if self.breaker_failures == 0 || self.breaker_cool_down_ms == 0 {
            return Err(
                "bms.breaker_failures and bms.breaker_cool_down_ms must be above 0".to_owned(),
            );
        }
        if self.probe_interval_ms == 0 {
            return Err("bms.probe_interval_ms must be above 0".to_owned());
        }
        Ok(())
    }
}
