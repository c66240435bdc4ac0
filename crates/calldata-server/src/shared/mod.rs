//! The state replicas share through Redis (`state.backend = "redis"`): failure counts and
//! locks of the lockout, the per-key rate limit, and the signatures of sandbox changes.
//!
//! Each replica keeps its own tables as they are with `memory` and uses them as the local
//! view and the fallback:
//!
//! - **Lockout.** A signature failure is counted here and in Redis (one script: count,
//!   lock at `max_failures`, publish the lock). Every replica subscribes to the locks
//!   (`watch.rs`) and places them in its own lock table, so a locked address is refused
//!   without a Redis round trip; the table is brought up to date from Redis at start, after
//!   Redis comes back and every ten seconds. While Redis is unreachable each replica goes
//!   on counting the failures it sees and locks at `max_failures` of them.
//! - **Rate limit.** Each request's charge is one script (GCRA on Redis's clock, the
//!   semantics of the local `governor` limiter); while Redis is unreachable, the local
//!   limiter answers.
//! - **Sandbox changes.** A change's signature is recorded in Redis too, so a change is
//!   accepted once across replicas; while Redis is unreachable, once per replica.
//!
//! Every command has `state.redis.timeout_ms`; after a failure Redis is left alone for
//! `state.redis.retry_after_ms` (`health.rs`). Nothing here ever refuses a request because
//! Redis is down.

mod health;
pub mod journal;
mod scripts;
pub mod settings;
mod watch;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, IntoConnectionInfo, ProtocolVersion, ScriptInvocation};
use secrecy::ExposeSecret;

use crate::auth::lockout::Lockout;
use crate::auth::replay::Signature;
use crate::config::{LockoutSettings, RateLimitSettings};
use health::Health;
pub use settings::{RedisSettings, StateBackend, StateSettings};

/// Longest wait for a whole read (every lock, a batch of the journal), at least.
const BULK_TIMEOUT: Duration = Duration::from_secs(2);

/// Why the shared state cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum SharedStateError {
    /// The URL is not one Redis takes (the message names the part, never the password).
    #[error("state.redis.url is not a Redis URL: {0}")]
    Url(String),
    /// No URL with `backend = "redis"`.
    #[error("state.backend = \"redis\" needs state.redis.url")]
    NoUrl,
}

/// What a shared failure count decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedFailure {
    /// Counted; below `max_failures` across the replicas.
    Counted,
    /// This failure locked the address on every replica, for `lockout.lock_secs`.
    Locked,
}

/// The connection to the shared state and what its commands need.
#[derive(Debug)]
pub struct SharedState {
    /// Requests' commands: one script or command each, within `timeout`.
    connection: ConnectionManager,
    /// The watcher's and the journal's: lock messages, whole reads, within `bulk_timeout`.
    background: ConnectionManager,
    bulk_timeout: Duration,
    names: Names,
    timeout: Duration,
    health: Health,
    scripts: scripts::Scripts,
    lockout: LockoutSettings,
    /// GCRA's emission interval in µs and burst, when the rate limit is on.
    rate: Option<(u64, u64)>,
    /// How long a change's signature is remembered: its validity, two clock-skew windows.
    signature_ms: u64,
}

/// Keys and channels, under `state.redis.key_prefix`.
#[derive(Debug)]
struct Names {
    prefix: String,
    /// The sorted set of locks (member: the tracked address; score: when it ends, on
    /// Redis's clock in ms).
    locks: String,
    /// The channel new locks are published on (`<address> <lock_ms>`).
    locked: String,
}

impl Names {
    fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            locks: format!("{prefix}:locks"),
            locked: format!("{prefix}:locked"),
        }
    }

    fn failures(&self, address: IpAddr) -> String {
        format!("{}:fail:{address}", self.prefix)
    }

    fn key_rate(&self, access_key: &str) -> String {
        format!("{}:rate:key:{access_key}", self.prefix)
    }

    fn address_rate(&self, address: IpAddr) -> String {
        format!("{}:rate:addr:{address}", self.prefix)
    }

    fn signature(&self, signature: &Signature) -> String {
        format!("{}:sig:{}", self.prefix, hex::encode(signature))
    }
}

impl SharedState {
    /// Connects lazily (a Redis down at start is a Redis down, not a failed start) and
    /// starts the watcher that keeps `lockout`'s table current with the shared locks. Its
    /// metrics go into `registry`. Must be called within a Tokio runtime that lives as long
    /// as the server.
    pub fn start(
        settings: &RedisSettings,
        lockout_settings: &LockoutSettings,
        rate_limit: &RateLimitSettings,
        clock_skew: Duration,
        lockout: Lockout,
        registry: &mut prometheus_client::registry::Registry,
    ) -> Result<Arc<Self>, SharedStateError> {
        let url = settings.url.as_ref().ok_or(SharedStateError::NoUrl)?;
        let info = url
            .expose_secret()
            .into_connection_info()
            .map_err(|error| SharedStateError::Url(error.category().to_owned()))?;
        // RESP3 carries the lock messages on the same connection as the commands.
        let redis_info = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        let client = redis::Client::open(info.set_redis_settings(redis_info))
            .map_err(|error| SharedStateError::Url(error.category().to_owned()))?;
        let (push_sender, pushes) = tokio::sync::mpsc::unbounded_channel();
        let config = || {
            ConnectionManagerConfig::new()
                .set_connection_timeout(Some(settings.timeout()))
                .set_number_of_retries(1)
                .set_max_delay(Duration::from_secs(1))
        };
        let bulk_timeout = settings.timeout().max(BULK_TIMEOUT);
        let connection = ConnectionManager::new_lazy_with_config(
            client.clone(),
            config().set_response_timeout(Some(settings.timeout())),
        )
        .map_err(|error| SharedStateError::Url(error.category().to_owned()))?;
        // The watcher's and the journal's reads (and the lock messages) go on a connection
        // of their own, so that a long read never holds up a request's command.
        let background = ConnectionManager::new_lazy_with_config(
            client,
            config()
                .set_response_timeout(Some(bulk_timeout))
                .set_push_sender(push_sender)
                .set_automatic_resubscription(),
        )
        .map_err(|error| SharedStateError::Url(error.category().to_owned()))?;
        let rate = (rate_limit.per_second > 0).then(|| {
            let burst = if rate_limit.burst == 0 {
                rate_limit.per_second
            } else {
                rate_limit.burst
            };
            (
                1_000_000 / u64::from(rate_limit.per_second),
                u64::from(burst),
            )
        });
        let state = Arc::new(Self {
            connection,
            background,
            bulk_timeout,
            names: Names::new(&settings.key_prefix),
            timeout: settings.timeout(),
            health: Health::new(Duration::from_millis(settings.retry_after_ms), registry),
            scripts: scripts::Scripts::new(),
            lockout: lockout_settings.clone(),
            rate,
            signature_ms: u64::try_from(clock_skew.saturating_mul(2).as_millis())
                .unwrap_or(u64::MAX),
        });
        tokio::spawn(watch::watch(Arc::clone(&state), lockout, pushes));
        Ok(state)
    }

    /// Runs `invocation` within the timeout; `None` when Redis is skipped, fails or is late
    /// (the failure is recorded and logged once).
    async fn invoke<T: FromRedisValue>(&self, invocation: &ScriptInvocation<'_>) -> Option<T> {
        if !self.health.usable() {
            return None;
        }
        let mut connection = self.connection.clone();
        let answered =
            tokio::time::timeout(self.timeout, invocation.invoke_async(&mut connection)).await;
        self.settle(answered)
    }

    /// `None` and a recorded failure unless `answered` is a value in time.
    fn settle<T>(
        &self,
        answered: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>,
    ) -> Option<T> {
        match answered {
            Ok(Ok(value)) => {
                self.health.answered();
                Some(value)
            }
            Ok(Err(error)) => {
                self.health.failed(&error);
                None
            }
            Err(elapsed) => {
                self.health.failed(&elapsed);
                None
            }
        }
    }

    /// Counts one signature failure of `address` (the tracked form) across the replicas;
    /// `None` when Redis did not answer.
    pub async fn record_failure(&self, address: IpAddr) -> Option<SharedFailure> {
        let lock_ms = self.lockout.lock_secs.saturating_mul(1_000);
        let locked: i64 = self
            .invoke(
                self.scripts
                    .failure
                    .key(self.names.failures(address))
                    .key(&self.names.locks)
                    .arg(self.lockout.max_failures)
                    .arg(self.lockout.window_secs.saturating_mul(1_000))
                    .arg(lock_ms)
                    .arg(self.lockout.max_tracked_addresses)
                    .arg(address.to_string())
                    .arg(&self.names.locked),
            )
            .await?;
        Some(if locked == 1 {
            SharedFailure::Locked
        } else {
            SharedFailure::Counted
        })
    }

    /// Charges one request to `access_key`'s shared allowance: `Some(Ok)` to go on,
    /// `Some(Err(wait))` when over it, `None` when Redis did not answer (or the limit is
    /// off).
    pub async fn charge_key(&self, access_key: &str) -> Option<Result<(), Duration>> {
        self.charge(self.names.key_rate(access_key)).await
    }

    /// As [`Self::charge_key`], for a replayed query charged to its address.
    pub async fn charge_address(&self, address: IpAddr) -> Option<Result<(), Duration>> {
        self.charge(self.names.address_rate(address)).await
    }

    async fn charge(&self, key: String) -> Option<Result<(), Duration>> {
        let (interval_us, burst) = self.rate?;
        let wait_us: u64 = self
            .invoke(self.scripts.rate.key(key).arg(interval_us).arg(burst))
            .await?;
        Some(if wait_us == 0 {
            Ok(())
        } else {
            Err(Duration::from_micros(wait_us))
        })
    }

    /// Records a sandbox change's signature across the replicas: `Some(true)` when no
    /// replica saw it, `Some(false)` for a replay, `None` when Redis did not answer.
    pub async fn first_use(&self, signature: &Signature) -> Option<bool> {
        if !self.health.usable() {
            return None;
        }
        let mut connection = self.connection.clone();
        let mut set = redis::cmd("SET");
        set.arg(self.names.signature(signature))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(self.signature_ms.max(1));
        let answered = tokio::time::timeout(
            self.timeout,
            set.query_async::<Option<String>>(&mut connection),
        )
        .await;
        self.settle(answered).map(|set| set.is_some())
    }
}
