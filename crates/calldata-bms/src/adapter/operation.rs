//! `BmsOperation`: what one BMS interface adds to the adapter (its path, its request and
//! data types, how the request is written and the data read), and `Flights`, the
//! single-flight table of every operation.
//!
//! Everything else (breaker, in-flight bound, the one safe retry, single flight and cache,
//! readiness, metrics) is shared: every operation goes through `Inner::call` in `mod.rs`.
//! A new interface is one file with its `impl BmsOperation`, one field of [`Flights`] and
//! the `CallSource` method that calls it.

use std::hash::Hash;
use std::time::Duration;

use calldata_model::{AgentGroupKey, AgentKey, CallKey, CcId};
use moka::future::Cache;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::family::Answered;
use super::settings::HttpBmsSettings;
use super::transport::Fault;
use crate::source::{Lookup, SourceError};
use crate::wire::BmsReply;

/// One BMS interface, as the adapter asks it.
pub(crate) trait BmsOperation: 'static {
    /// The BMS path, appended to the BMS base URL (a constant of [`crate::wire`]).
    const PATH: &'static str;

    /// The request, already valid; identical requests share one exchange (single flight).
    type Request: Clone + Eq + Hash + Send + Sync + 'static;

    /// The request body as BMS reads it (a type of [`crate::wire`]).
    type Query: Serialize;

    /// The `data` of the BMS reply (read leniently by its own rules).
    type Data: DeserializeOwned + Send;

    /// What the call source answers (failures included).
    type Answer: Clone + Send + Sync + 'static;

    /// This operation's single-flight table.
    fn flights(flights: &Flights) -> &Cache<Self::Request, Self::Answer>;

    /// The request written for BMS.
    fn query(request: &Self::Request) -> Self::Query;

    /// What a BMS reply means: the answer, or the fault a reply is (an undocumented
    /// `retCode`, data missing where the interface needs it).
    fn answer(reply: BmsReply<Self::Data>) -> Result<Self::Answer, Fault>;

    /// The answer when the source could not answer (no usable exchange).
    fn failed(error: SourceError) -> Self::Answer;

    /// The outcome class of an answer, counted once per request in `bms_requests`.
    fn outcome(answer: &Self::Answer) -> &'static str;
}

/// The single-flight tables (and optional short caches), one per operation.
#[derive(Debug)]
pub(crate) struct Flights {
    /// querybasiccallinfo.
    pub(crate) basic_calls: Cache<CallKey, Lookup>,
    /// querydetailcallinfo.
    pub(crate) detail_calls: Cache<CallKey, Answered<Option<calldata_model::DetailCallInfo>>>,
    /// agent/queryagentcalls and agentgroup/queryagentcalls.
    pub(crate) agent_calls: Cache<AgentGroupKey, Answered<calldata_model::AgentGroupCalls>>,
    /// agent/agentprivatecall.
    pub(crate) private_calls: Cache<AgentKey, Answered<calldata_model::CallIds>>,
    /// ctiservertime.
    pub(crate) cti_times: Cache<CcId, Answered<calldata_model::CtiTime>>,
}

impl Flights {
    /// Every table, bounded by `cache_max_entries`; a `cache_ttl` of zero means single
    /// flight only, no cache.
    pub(crate) fn new(settings: &HttpBmsSettings, cache_ttl: Duration) -> Self {
        Self {
            basic_calls: table(settings, cache_ttl),
            detail_calls: table(settings, cache_ttl),
            agent_calls: table(settings, cache_ttl),
            private_calls: table(settings, cache_ttl),
            cti_times: table(settings, cache_ttl),
        }
    }
}

/// One operation's table.
fn table<K, V>(settings: &HttpBmsSettings, cache_ttl: Duration) -> Cache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    Cache::builder()
        .max_capacity(settings.cache_max_entries)
        // With the cache off, answers are dropped as soon as their flight lands.
        .time_to_live(if cache_ttl.is_zero() {
            Duration::from_secs(1)
        } else {
            cache_ttl
        })
        .build()
}
