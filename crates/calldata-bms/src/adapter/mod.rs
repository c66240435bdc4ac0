//! `HttpBms`: the [`CallSource`] that asks a real BMS over HTTP(S), protecting it with
//! single flight (and an optional short cache), one safe retry, a circuit breaker, a bound
//! on requests in flight, and readiness checks that reach it at most once per interval.

mod breaker;
mod metrics;
mod readiness;
mod settings;
mod transport;

use std::sync::Arc;
use std::time::{Duration, Instant};

use calldata_model::CallKey;
use moka::future::Cache;
use prometheus_client::registry::Registry;
use tokio::sync::Semaphore;

pub use breaker::{Admission, Breaker, BreakerState};
pub use metrics::BmsMetrics;
pub use settings::HttpBmsSettings;
pub use transport::{BuildError, Fault, Transport};

use readiness::{ProbeEnded, Readiness, Step};

use crate::source::{CallSource, Lookup, LookupFuture, ReadyFuture, SourceError};
use crate::wire::{BmsQuery, BmsReply, RetCode};

/// The call ID used by readiness probes; no real call has it, so BMS answers "not found".
const PROBE_CALL_ID: &str = "0-0";

/// A BMS reached over HTTP(S).
#[derive(Debug, Clone)]
pub struct HttpBms {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    breaker: Breaker,
    in_flight: Semaphore,
    flights: Cache<CallKey, Lookup>,
    cache_answers: bool,
    retry: Option<Duration>,
    request_timeout: Duration,
    metrics: BmsMetrics,
    readiness: Readiness,
    probe_key: CallKey,
}

impl HttpBms {
    /// Builds the adapter; metrics go into `registry` when given.
    pub fn new(
        settings: &HttpBmsSettings,
        registry: Option<&mut Registry>,
    ) -> Result<Self, BuildError> {
        settings.validate().map_err(|reason| BuildError::Invalid {
            what: "bms settings",
            reason,
        })?;
        let transport = Transport::new(settings)?;
        let probe_key = calldata_model::QueryBasicCallInfo::new(1, 1, PROBE_CALL_ID)
            .to_call_key()
            .map_err(|e| BuildError::Invalid {
                what: "probe call key",
                reason: e.to_string(),
            })?;
        let cache_ttl = Duration::from_millis(settings.cache_ttl_ms);
        let flights = Cache::builder()
            .max_capacity(settings.cache_max_entries)
            // With the cache off, answers are dropped as soon as their flight lands.
            .time_to_live(if cache_ttl.is_zero() { Duration::from_secs(1) } else { cache_ttl })
            .build();
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                breaker: Breaker::new(
                    settings.breaker_failures,
                    Duration::from_millis(settings.breaker_cool_down_ms),
                ),
                in_flight: Semaphore::new(settings.max_in_flight),
                flights,
                cache_answers: !cache_ttl.is_zero(),
                retry: settings
                    .retry
                    .then(|| Duration::from_millis(settings.retry_backoff_ms)),
                request_timeout: Duration::from_millis(settings.request_timeout_ms),
                metrics: BmsMetrics::new(registry),
                readiness: Readiness::new(Duration::from_millis(settings.probe_interval_ms)),
                probe_key,
            }),
        })
    }

    /// The breaker's state now.
    pub fn breaker_state(&self) -> BreakerState {
        self.inner.breaker.state(Instant::now())
    }

    /// Looks up one call: concurrent identical lookups share one BMS exchange.
    async fn lookup_call(&self, key: CallKey) -> Lookup {
        let inner = &self.inner;
        inner.metrics.lookups.inc();
        let flight = inner
            .flights
            .try_get_with(key, async move { inner.ask(&key).await })
            .await;
        if !inner.cache_answers {
            inner.flights.invalidate(&key).await;
        }
        match flight {
            Ok(lookup) => lookup,
            Err(fault) => Lookup::Failed(SourceError::Unavailable(fault.message())),
        }
    }

    /// Whether BMS answers: at once "no" while the breaker is open, else the latest
    /// exchange's outcome when it is under one probe interval old, else the outcome of a
    /// probe (a query for a call that does not exist: any BMS answer means it is
    /// reachable). One probe runs at a time, in a task of its own so that a caller that
    /// goes away does not cancel it, and every check that finds it under way waits for it.
    async fn probe(&self) -> Result<(), SourceError> {
        let inner = &self.inner;
        if inner.breaker.remaining_cool_down(Instant::now()).is_some() {
            return Err(SourceError::Unavailable(Fault::BreakerOpen.message()));
        }
        let mut seen = None;
        loop {
            match inner.readiness.step(Instant::now(), seen) {
                Step::Answer(fault) => {
                    return fault.map_or(Ok(()), |fault| {
                        Err(SourceError::Unavailable(fault.message()))
                    });
                }
                Step::Wait {
                    ended,
                    start,
                    seen: now_seen,
                } => {
                    seen = Some(now_seen);
                    if start {
                        self.start_probe().await;
                    }
                    ended.await;
                }
            }
        }
    }

    /// Runs one probe in a task of its own (inline when there is no Tokio runtime to
    /// spawn on); `ask` records its outcome.
    async fn start_probe(&self) {
        let inner = Arc::clone(&self.inner);
        let run = async move {
            let _ended = ProbeEnded(&inner.readiness);
            inner.metrics.probes.inc();
            // The outcome is recorded by `ask`; the lookup itself is of no use here.
            let _ = inner.ask(&inner.probe_key).await;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(run);
            }
            Err(_) => run.await,
        }
    }

    fn detail(&self) -> String {
        let now = Instant::now();
        let breaker = self.inner.breaker.state(now).name();
        let latest = match self.inner.readiness.latest() {
            None => "no exchange yet".to_owned(),
            Some(outcome) => {
                let ago = now.saturating_duration_since(outcome.at).as_secs_f64();
                match outcome.fault {
                    None => format!("last exchange ok {ago:.1} s ago"),
                    Some(fault) => {
                        format!("last exchange failed {ago:.1} s ago ({})", fault.class())
                    }
                }
            }
        };
        format!("breaker {breaker}; {latest}")
    }
}

impl Inner {
    /// One protected exchange, its outcome recorded for readiness.
    async fn ask(&self, key: &CallKey) -> Result<Lookup, Fault> {
        let lookup = self.ask_protected(key).await;
        self.readiness
            .record(lookup.as_ref().err().copied(), Instant::now());
        lookup
    }

    /// One protected exchange: breaker, in-flight bound, at most one safe retry.
    async fn ask_protected(&self, key: &CallKey) -> Result<Lookup, Fault> {
        let admission = self.breaker.admit(Instant::now());
        if admission == Admission::Rejected {
            self.metrics.outcome(Fault::BreakerOpen.class());
            return Err(Fault::BreakerOpen);
        }
        let body = serde_json::to_vec(&BmsQuery::from(key)).map_err(|_| Fault::BadResponse)?;
        let mut result = self.exchange_once(body.clone()).await;
        if let (Err(fault), Some(backoff)) = (&result, self.retry)
            && fault.retry_is_safe()
            && admission == Admission::Allowed
        {
            let jitter = backoff.mul_f64(1.0 + fastrand::f64());
            tokio::time::sleep(jitter).await;
            self.metrics.retries.inc();
            result = self.exchange_once(body).await;
        }
        let lookup = result
            .and_then(|reply| interpret(reply).inspect_err(|f| self.metrics.outcome(f.class())));
        self.breaker.record(lookup.is_ok(), Instant::now());
        self.metrics
            .breaker_state
            .set(self.breaker.state(Instant::now()).gauge());
        lookup
    }

    async fn exchange_once(&self, body: Vec<u8>) -> Result<BmsReply, Fault> {
        let Ok(Ok(_permit)) =
            tokio::time::timeout(self.request_timeout, self.in_flight.acquire()).await
        else {
            self.metrics.outcome(Fault::Busy.class());
            return Err(Fault::Busy);
        };
        let started = Instant::now();
        let result = self.transport.exchange(body).await;
        self.metrics.observe(started.elapsed().as_secs_f64());
        if let Err(fault) = &result {
            self.metrics.outcome(fault.class());
        }
        result
    }
}

/// What a BMS answer means (the table of `bms.md`).
fn interpret(reply: BmsReply) -> Result<Lookup, Fault> {
    match RetCode::of(&reply.ret_code) {
        RetCode::Found => reply
            .data
            .map(|call| Lookup::Found(Arc::new(call)))
            .ok_or(Fault::BadResponse),
        RetCode::NotInProgress => Ok(Lookup::NotInProgress),
        RetCode::ParameterRejected => Ok(Lookup::Failed(SourceError::ParameterRejected)),
        RetCode::CtiVersionUnsupported => Ok(Lookup::Failed(SourceError::CtiVersionUnsupported)),
        RetCode::Failure => Err(Fault::BmsFailure),
    }
}

impl CallSource for HttpBms {
    fn lookup(&self, key: CallKey) -> LookupFuture<'_> {
        Box::pin(async move {
            let lookup = self.lookup_call(key).await;
            let label = match &lookup {
                Lookup::Found(_) => "found",
                Lookup::NotInProgress => "not_found",
                Lookup::Failed(SourceError::ParameterRejected) => "rejected",
                Lookup::Failed(SourceError::CtiVersionUnsupported) => "cti_unsupported",
                Lookup::Failed(_) => "failed",
            };
            self.inner.metrics.outcome(label);
            lookup
        })
    }

    fn check_ready(&self) -> ReadyFuture<'_> {
        Box::pin(self.probe())
    }

    fn kind(&self) -> &'static str {
        "bms"
    }

    fn status_detail(&self) -> Option<String> {
        Some(self.detail())
    }
}
