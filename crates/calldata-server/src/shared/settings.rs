//! `[state]`: where the lockout, rate-limit and replay state lives, one replica's memory
//! (the default) or a Redis every replica shares.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Where the state the replicas must agree on lives.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StateSettings {
    /// `memory` (each replica alone) or `redis` (shared by every replica).
    pub backend: StateBackend,
    /// The Redis of `backend = "redis"`.
    pub redis: RedisSettings,
}

/// Where the shared state lives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StateBackend {
    /// In this process: each replica counts, locks and limits on its own.
    #[default]
    Memory,
    /// In Redis, with this process's tables as the local view and the fallback.
    Redis,
}

/// How to reach Redis.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://[user:password@]host[:port][/db]`; it may carry a password, so it is never
    /// logged or serialized.
    #[serde(skip_serializing)]
    pub url: Option<SecretString>,
    /// Prefix of every key and channel, so that several deployments can share one Redis.
    pub key_prefix: String,
    /// Longest wait for one Redis command, in milliseconds; past it the request goes on
    /// with this replica's own tables.
    pub timeout_ms: u64,
    /// After a failed command, how long Redis is left alone before it is tried again
    /// (a probe runs every second meanwhile), in milliseconds.
    pub retry_after_ms: u64,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: None,
            key_prefix: "calldata".to_owned(),
            timeout_ms: 100,
            retry_after_ms: 1_000,
        }
    }
}

impl RedisSettings {
    /// The longest wait for one command.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// What is wrong with these settings for `backend`, if anything: (setting, problem).
    pub fn problem(&self, backend: StateBackend) -> Option<(&'static str, String)> {
        if backend != StateBackend::Redis {
            return None;
        }
        let Some(url) = &self.url else {
            return Some((
                "state.redis.url",
                "state.backend = \"redis\" needs the Redis URL (redis://host:6379/)".to_owned(),
            ));
        };
        if let Err(error) = redis::Client::open(url.expose_secret()) {
            // The error names the part that is wrong, never the password.
            return Some((
                "state.redis.url",
                format!("not a Redis URL: {}", error.category()),
            ));
        }
        if !(1..=10_000).contains(&self.timeout_ms) {
            return Some((
                "state.redis.timeout_ms",
                "must be between 1 and 10000".to_owned(),
            ));
        }
        if !(100..=600_000).contains(&self.retry_after_ms) {
            return Some((
                "state.redis.retry_after_ms",
                "must be between 100 and 600000".to_owned(),
            ));
        }
        let prefix_ok = !self.key_prefix.is_empty()
            && self.key_prefix.len() <= 64
            && self
                .key_prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
        if !prefix_ok {
            return Some((
                "state.redis.key_prefix",
                "must be 1 to 64 letters, digits or - _ . :".to_owned(),
            ));
        }
        None
    }
}
