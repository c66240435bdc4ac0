//! `HttpBms`: the [`CallSource`] that asks a real BMS over HTTP(S), protecting it with
//! single flight (and an optional short cache), one safe retry, a circuit breaker, a bound
//! on requests in flight, and readiness checks that reach it at most once per interval.
//!
//! Each BMS interface is a `BmsOperation` (`operation.rs`; `basic_call.rs` for
//! querybasiccallinfo); every operation goes through the one generic `Inner::call`, so the
//! protections above are the same for all of them and written once.

mod basic_call;
mod breaker;
mod family;
mod metrics;
mod operation;
mod readiness;
mod settings;
mod transport;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use calldata_model::{
    AgentGroupCalls, AgentGroupKey, AgentKey, CallKey, CallStatus, CcId, DetailCallInfo,
};
use prometheus_client::registry::Registry;
use tokio::sync::Semaphore;

pub use breaker::{Admission, Breaker, BreakerState};
pub use metrics::BmsMetrics;
pub use settings::HttpBmsSettings;
pub use transport::{BuildError, Fault, Transport};

use basic_call::BasicCall;
use operation::{BmsOperation, Flights};
use readiness::{ProbeEnded, Readiness, Step};

use crate::source::{AnswerFuture, CallSource, LookupFuture, ReadyFuture, SourceError};
use crate::wire::BmsReply;

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
    flights: Flights,
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
        let flights = Flights::new(settings, cache_ttl);
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
            let _ = inner.ask::<BasicCall>(&inner.probe_key).await;
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
    /// One request of any operation: concurrent identical requests share one BMS exchange
    /// (and, with the cache on, its answer for the cache TTL); the answer's outcome is
    /// counted.
    async fn call<Op: BmsOperation>(&self, request: Op::Request) -> Op::Answer {
        self.metrics.lookups.inc();
        let flights = Op::flights(&self.flights);
        let flight = flights
            .try_get_with(request.clone(), self.ask::<Op>(&request))
            .await;
        if !self.cache_answers {
            flights.invalidate(&request).await;
        }
        let answer = match flight {
            Ok(answer) => answer,
            Err(fault) => Op::failed(SourceError::Unavailable(fault.message())),
        };
        self.metrics.outcome(Op::outcome(&answer));
        answer
    }

    /// One protected exchange, its outcome recorded for readiness.
    async fn ask<Op: BmsOperation>(&self, request: &Op::Request) -> Result<Op::Answer, Fault> {
        let answer = self.ask_protected::<Op>(request).await;
        self.readiness
            .record(answer.as_ref().err().copied(), Instant::now());
        answer
    }

    /// One protected exchange: breaker, in-flight bound, at most one safe retry.
    async fn ask_protected<Op: BmsOperation>(
        &self,
        request: &Op::Request,
    ) -> Result<Op::Answer, Fault> {
        let admission = self.breaker.admit(Instant::now());
        if admission == Admission::Rejected {
            self.metrics.outcome(Fault::BreakerOpen.class());
            return Err(Fault::BreakerOpen);
        }
        let body =
            Bytes::from(serde_json::to_vec(&Op::query(request)).map_err(|_| Fault::BadResponse)?);
        let mut result = self.exchange_once::<Op>(body.clone()).await;
        if let (Err(fault), Some(backoff)) = (&result, self.retry)
            && fault.retry_is_safe()
            && admission == Admission::Allowed
        {
            let jitter = backoff.mul_f64(1.0 + fastrand::f64());
            tokio::time::sleep(jitter).await;
            self.metrics.retries.inc();
            result = self.exchange_once::<Op>(body).await;
        }
        let answer = result
            .and_then(|reply| Op::answer(reply).inspect_err(|f| self.metrics.outcome(f.class())));
        self.breaker.record(answer.is_ok(), Instant::now());
        self.metrics
            .breaker_state
            .set(self.breaker.state(Instant::now()).gauge());
        answer
    }

    /// One exchange within the in-flight bound, its reply read as the operation's envelope.
    async fn exchange_once<Op: BmsOperation>(
        &self,
        body: Bytes,
    ) -> Result<BmsReply<Op::Data>, Fault> {
        let Ok(Ok(_permit)) =
            tokio::time::timeout(self.request_timeout, self.in_flight.acquire()).await
        else {
            self.metrics.outcome(Fault::Busy.class());
            return Err(Fault::Busy);
        };
        let started = Instant::now();
        let result = self
            .transport
            .exchange(Op::PATH, body)
            .await
            .and_then(|bytes| BmsReply::read(&bytes).map_err(|_| Fault::BadResponse));
        self.metrics.observe(started.elapsed().as_secs_f64());
        if let Err(fault) = &result {
            self.metrics.outcome(fault.class());
        }
        result
    }
}

impl CallSource for HttpBms {
    fn lookup(&self, key: CallKey) -> LookupFuture<'_> {
        Box::pin(self.inner.call::<BasicCall>(key))
    }

    fn cti_server_time(&self, cc_id: CcId) -> AnswerFuture<'_, i64> {
        Box::pin(async move {
            self.inner
                .call::<family::CtiServerTime>(cc_id)
                .await
                .map(|time| time.0)
        })
    }

    /// `queryagentCalls` for the one agent, less the calls of its private queue.
    fn agent_calls(&self, key: AgentKey) -> AnswerFuture<'_, Vec<String>> {
        Box::pin(async move {
            let group = AgentGroupKey {
                cc_id: key.cc_id,
                vdn: key.vdn,
                agent_ids: vec![key.agent_id],
            };
            let agents = self.inner.call::<family::AgentCalls>(group).await?;
            let asked = i64::from(key.agent_id.get());
            Ok(agents
                .0
                .into_iter()
                .filter(|agent| agent.agent_id.is_none_or(|id| id == asked))
                .flat_map(|agent| agent.call_list)
                .filter(|call| call.call_status != Some(CallStatus::QueuedPrivately))
                .map(|call| call.call_id)
                .collect())
        })
    }

    fn agent_private_calls(&self, key: AgentKey) -> AnswerFuture<'_, Vec<String>> {
        Box::pin(async move {
            self.inner
                .call::<family::PrivateCalls>(key)
                .await
                .map(|ids| ids.0)
        })
    }

    /// One element per agent asked, in the order asked, whatever order BMS answered in
    /// (an agent BMS left out has no calls).
    fn agent_group_calls(&self, key: AgentGroupKey) -> AnswerFuture<'_, AgentGroupCalls> {
        Box::pin(async move {
            let answered = self.inner.call::<family::AgentCalls>(key.clone()).await?;
            Ok(family::in_request_order(&key, answered))
        })
    }

    fn detail_call(&self, key: CallKey) -> AnswerFuture<'_, Option<DetailCallInfo>> {
        Box::pin(self.inner.call::<family::DetailCall>(key))
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
