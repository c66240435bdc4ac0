//! The embedded call store: calls in progress kept in process memory, found by
//! (ccId, vdn, callId), and the agents they are at (`agents`, the index the agent views
//! read).
//!
//! Reads take no lock: the maps are [`papaya::HashMap`]s, whose readers only pin an epoch.
//! Writers (a call starts, changes, ends; an agent signs in or out) take the store's write
//! lock, one at a time, so a call and the agent book change together, and never block
//! readers. Each call is kept packed (see `packed`: about 100 bytes instead of about 650 for
//! a `BasicCallInfo` and its strings), and a lookup unpacks a fresh copy, so a million calls
//! take about 250 bytes each, the agent book included.
//!
//! The store keeps the history of its calls too (`history`): the journey of each call it
//! saw start, made into a record when the call ends, kept one day for the record
//! interfaces. A live store (the simulation's, or a sandbox on the live contact center)
//! stamps each call it writes with what grows (`packed::Growth`), so waiting and talking
//! times grow with its [`Clock`] without the call being written again.
//!
//! The store also counts the bytes its calls hold ([`EmbeddedStore::bytes_held`]: each
//! call's packed size plus its key and map slot), so that the sandbox API can bound what
//! its additions hold by bytes as well as by count.

mod agents;
pub mod demo;
mod error;
pub mod file;
pub mod history;
mod packed;
pub mod placement;
pub mod record;

use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use calldata_model::{
    AgentGroupCalls, AgentGroupKey, AgentKey, BasicCallInfo, CallDetailRecord, CallFieldSink,
    CallKey, CallRecordKey, CallStatus, CallTrack, CcId, DetailCallInfo, DeviceType, EnterReason,
    TrackKey, Vdn, VdnCalls, VdnCallsQuery,
};

use crate::clock::Clock;
use crate::source::{
    AnswerFuture, CallSource, Lookup, LookupFuture, Presence, ReadyFuture, SourceError,
};
use agents::{AgentBook, AgentEntry};
use history::{EndedCall, Journey, RecordBook};
use packed::{Growth, PackedCall};

pub use agents::{AgentFilter, AgentRecord};
pub use demo::{DemoSettings, demo_agents, demo_records, sample_keys};
pub use error::{LoadError, StoreError};
pub use file::{load_records, write_json_lines};
pub use placement::{CallExtras, Placement, PlacementError};
pub use record::{CallRecord, RecordError};

/// Concurrent in-memory store of calls in progress, keyed by [`CallKey`].
pub struct EmbeddedStore {
    /// foldhash (seeded per process) rather than `SipHash`: every query hashes its key once.
    calls: papaya::HashMap<CallKey, PackedCall, foldhash::fast::RandomState>,
    /// What the stored calls hold, by [`entry_bytes`]; only writers touch it, so queries
    /// pay nothing for it. Concurrent writers may leave it off by what they are writing.
    bytes: AtomicUsize,
    /// What ctiservertime adds to this machine's clock (`cti_clock_offset_ms`), so clients
    /// that correct their clocks against CTI time can be tested.
    cti_clock_offset_ms: AtomicI64,
    /// The agents and the calls each agent view lists, an index over `calls`.
    agents: AgentBook,
    /// Writers change a call, its journey and the agent book together, one at a time, so
    /// the book always indexes the calls as stored; readers take no lock. The journeys are
    /// those of the calls the store saw start or change (none for a loaded snapshot).
    writer: Mutex<HashMap<CallKey, Journey>>,
    /// The ended calls, for the record interfaces.
    records: RecordBook,
    /// What "now" is.
    clock: Clock,
    /// Whether written calls' durations grow with the clock.
    live: bool,
    /// The tenant's time zone, for the campaign fields of detail records.
    tenant_offset: time::UtcOffset,
}

/// How a store keeps time and history.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// What "now" is.
    pub clock: Clock,
    /// Whether the durations of the calls written from now on grow with the clock.
    pub live: bool,
    /// The most ended calls kept for the record interfaces (the oldest go first).
    pub max_records: usize,
    /// The tenant's time zone.
    pub tenant_offset: time::UtcOffset,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            clock: Clock::system(),
            live: false,
            max_records: history::DEFAULT_MAX_RECORDS,
            tenant_offset: time::UtcOffset::UTC,
        }
    }
}

/// What grows of a call in this state: its time in the system always, its waiting time
/// while it waits in a queue, its talking time while an agent has it answered.
fn growth_of(call: &BasicCallInfo, extras: &CallExtras, at_ms: i64) -> Growth {
    let mut mask = Growth::LOGON;
    match extras.placement(call) {
        Ok(Placement::Agent(
            _,
            CallStatus::Talking | CallStatus::Held | CallStatus::Muted | CallStatus::ThreeParty,
        )) => mask |= Growth::TALK,
        Ok(Placement::PrivateQueue(_)) => mask |= Growth::WAIT,
        Ok(Placement::Elsewhere) if call.device_type == Some(DeviceType::SkillQueue) => {
            mask |= Growth::WAIT;
        }
        _ => {}
    }
    Growth {
        mask,
        since_ms: at_ms,
    }
}

/// Why an ended call ended when nobody said: the customer hung up, after an agent answered
/// (88) or before (89).
pub fn default_release_cause(answered: bool) -> i64 {
    if answered {
        EnterReason::UserHungUpAfterAnswer.code()
    } else {
        EnterReason::UserHungUpBeforeAnswer.code()
    }
}

/// What one stored call holds besides its packed bytes: its key and its map slot.
const ENTRY_OVERHEAD: usize = std::mem::size_of::<(CallKey, PackedCall)>();

/// The bytes a stored packed call counts for.
fn entry_bytes(packed: &PackedCall) -> usize {
    ENTRY_OVERHEAD + packed.len()
}

/// Which calls [`EmbeddedStore::list`] returns; the default matches every call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only calls of this call center.
    pub cc_id: Option<CcId>,
    /// Only calls of this VDN.
    pub vdn: Option<Vdn>,
}

impl ListFilter {
    /// Whether a call with this key passes the filter.
    pub fn matches(&self, key: &CallKey) -> bool {
        self.cc_id.is_none_or(|cc_id| cc_id == key.cc_id)
            && self.vdn.is_none_or(|vdn| vdn == key.vdn)
    }
}

impl EmbeddedStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty store with room for `capacity` calls before it grows.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            calls: papaya::HashMap::with_capacity_and_hasher(
                capacity,
                foldhash::fast::RandomState::default(),
            ),
            bytes: AtomicUsize::new(0),
            cti_clock_offset_ms: AtomicI64::new(0),
            agents: AgentBook::new(),
            writer: Mutex::new(HashMap::new()),
            records: RecordBook::new(history::DEFAULT_MAX_RECORDS),
            clock: Clock::system(),
            live: false,
            tenant_offset: time::UtcOffset::UTC,
        }
    }

    /// Sets how the store keeps time and history; before it is shared (records kept so
    /// far are dropped).
    pub fn configure(&mut self, options: StoreOptions) {
        self.records = RecordBook::new(options.max_records);
        self.clock = options.clock;
        self.live = options.live;
        self.tenant_offset = options.tenant_offset;
    }

    /// The store's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The tenant's time zone (of detail records' campaign fields).
    pub fn tenant_offset(&self) -> time::UtcOffset {
        self.tenant_offset
    }

    /// The ended calls kept.
    pub fn records(&self) -> &RecordBook {
        &self.records
    }

    /// Sets what ctiservertime adds to this machine's clock, in milliseconds.
    pub fn set_cti_clock_offset_ms(&self, offset_ms: i64) {
        self.cti_clock_offset_ms.store(offset_ms, Ordering::Relaxed);
    }

    /// The CTI server's time as this store answers it: the clock plus the offset.
    pub fn cti_time_ms(&self) -> i64 {
        self.clock
            .now_ms()
            .saturating_add(self.cti_clock_offset_ms.load(Ordering::Relaxed))
    }

    /// A store holding the deterministic demo calls of `settings`, and the demo agents
    /// (with and without calls).
    pub fn with_demo_calls(settings: &DemoSettings) -> Self {
        let store = Self::from_records(
            demo_records(settings),
            settings.count.min(demo::MAX_DEMO_CALLS),
        );
        for agent in demo_agents(settings) {
            store.sign_in_agent(agent);
        }
        store
    }

    /// A store holding `records`; a later record with the same key replaces an earlier one.
    pub fn from_records(records: impl IntoIterator<Item = CallRecord>, capacity: usize) -> Self {
        let store = Self::with_capacity(capacity);
        {
            let _writing = store.write_lock();
            for record in records {
                store.put(&record, None);
            }
        }
        store
    }

    fn write_lock(&self) -> MutexGuard<'_, HashMap<CallKey, Journey>> {
        // The lock guards no data of its own: a writer that panicked left nothing half done.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `record` (adding or replacing) and indexes it; returns the call it replaced.
    /// A live store stamps it as written at `at_ms`. The caller holds the write lock.
    fn put(&self, record: &CallRecord, at_ms: Option<i64>) -> Option<CallRecord> {
        let growth = at_ms
            .filter(|_| self.live)
            .map(|at_ms| growth_of(&record.call, &record.extras, at_ms));
        let packed = PackedCall::pack_growing(&record.call, &record.extras, growth);
        self.counted_in(&packed);
        let calls = self.calls.pin();
        let old = calls.insert(record.key, packed).map(|old| {
            self.counted_out(old);
            self.unindex(&record.key, old)
        });
        self.index(record);
        old
    }

    /// Lists the call in the agent views it belongs to. The caller holds the write lock.
    fn index(&self, record: &CallRecord) {
        let placement = record
            .extras
            .placement(&record.call)
            .unwrap_or(Placement::Elsewhere);
        if let Some((agent_id, entry)) =
            AgentEntry::of(record.key.call_id, &record.call, &record.extras, placement)
        {
            self.agents.attach(agent_key(&record.key, agent_id), entry);
        }
    }

    /// Takes a stored call off the agent views and returns it. The caller holds the write
    /// lock.
    fn unindex(&self, key: &CallKey, packed: &PackedCall) -> CallRecord {
        let (call, extras) = packed.unpack_all(&self.clock);
        let placement = extras.placement(&call).unwrap_or(Placement::Elsewhere);
        if let Placement::Agent(agent_id, _) | Placement::PrivateQueue(agent_id) = placement {
            self.agents.detach(agent_key(key, agent_id), &key.call_id);
        }
        CallRecord::new(*key, call).with_extras(extras)
    }

    /// The lookup's outcome: found, or not in progress.
    fn found_or_not(&self, key: CallKey) -> Lookup {
        match self.get(&key) {
            Some(call) => Lookup::Found(call),
            None => Lookup::NotInProgress,
        }
    }

    /// The call with this key, if it is in progress.
    pub fn get(&self, key: &CallKey) -> Option<Arc<BasicCallInfo>> {
        self.calls
            .pin()
            .get(key)
            .map(|packed| Arc::new(packed.unpack(&self.clock)))
    }

    /// Hands the fields of the call with this key to `sink`, without unpacking it; `false`
    /// (and nothing handed over) when it is not in progress.
    pub fn write_fields(&self, key: &CallKey, sink: &mut (impl CallFieldSink + ?Sized)) -> bool {
        match self.calls.pin().get(key) {
            Some(packed) => {
                packed.write_fields(&self.clock, sink);
                true
            }
            None => false,
        }
    }

    /// Whether the call with this key is in progress.
    pub fn contains(&self, key: &CallKey) -> bool {
        self.calls.pin().contains_key(key)
    }

    /// The stored record of the call with this key (its extras included), if in progress.
    pub fn get_record(&self, key: &CallKey) -> Option<CallRecord> {
        self.calls.pin().get(key).map(|packed| {
            let (call, extras) = packed.unpack_all(&self.clock);
            CallRecord::new(*key, call).with_extras(extras)
        })
    }

    /// querydetailcallinfo: the call with this key in detail, if it is in progress.
    pub fn detail(&self, key: &CallKey) -> Option<DetailCallInfo> {
        self.calls.pin().get(key).map(|packed| {
            let (call, extras) = packed.unpack_all(&self.clock);
            DetailCallInfo::new(extras.cb.unwrap_or(0), extras.call_data, call)
        })
    }

    /// agent/queryagentcalls (`private` false) and agent/agentprivatecall (`private`
    /// true): the IDs of the agent's calls of that kind; none for an agent not signed in.
    pub fn agent_call_ids(&self, key: &AgentKey, private: bool) -> Vec<String> {
        self.agents
            .with_calls(*key, |calls| {
                calls
                    .iter()
                    .filter(|entry| entry.is_private() == private)
                    .map(|entry| entry.call_id().as_str().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// agentgroup/queryagentcalls: each asked agent's calls, in the order asked.
    pub fn group_calls(&self, key: &AgentGroupKey) -> AgentGroupCalls {
        self.agents.group(key)
    }

    /// Signs an agent in (it then answers `[]` until a call is placed at it); `false`
    /// when it already was.
    pub fn sign_in_agent(&self, key: AgentKey) -> bool {
        let _writing = self.write_lock();
        self.agents.sign_in(key)
    }

    /// Signs an agent out: `Ok(true)` when it was in, `Ok(false)` when it was not,
    /// `Err(n)` (nothing changed) while `n` calls are still at it or in its private queue.
    pub fn sign_out_agent(&self, key: &AgentKey) -> Result<bool, usize> {
        let _writing = self.write_lock();
        self.agents.sign_out(*key)
    }

    /// Up to `limit` signed-in agents passing `filter`, in key order, with their calls.
    pub fn list_agents(&self, filter: &AgentFilter, limit: usize) -> Vec<AgentRecord> {
        self.agents.list(*filter, limit)
    }

    /// Number of agents signed in.
    pub fn agent_count(&self) -> usize {
        self.agents.len()
    }

    /// Hands the call with this key in detail to `sink` (see `CallFieldSink::detail`),
    /// without unpacking it; `false` (and nothing handed over) when it is not in progress.
    pub fn write_detail(&self, key: &CallKey, sink: &mut (impl CallFieldSink + ?Sized)) -> bool {
        match self.calls.pin().get(key) {
            Some(packed) => {
                packed.write_detail(&self.clock, sink);
                true
            }
            None => false,
        }
    }

    /// Adds a call that has just started; refuses a key that is already in progress.
    pub fn add(&self, record: &CallRecord) -> Result<(), StoreError> {
        self.add_at(record, self.clock.now_ms())
    }

    /// Adds a call that started at `at_ms` (its journey begins then, or at its `time` if
    /// earlier); refuses a key that is already in progress.
    pub fn add_at(&self, record: &CallRecord, at_ms: i64) -> Result<(), StoreError> {
        let mut journeys = self.write_lock();
        if self.calls.pin().contains_key(&record.key) {
            return Err(StoreError::AlreadyExists(record.key));
        }
        self.put(record, Some(at_ms));
        journeys.insert(
            record.key,
            Journey::start(&record.call, &record.extras, at_ms),
        );
        Ok(())
    }

    /// Stores a call, adding it or overwriting the one with the same key; returns the old one.
    /// A call that moves leaves its device for the reason it enters the next one (its new
    /// `enterReason`).
    pub fn replace(&self, record: &CallRecord) -> Option<CallRecord> {
        let leave_reason = record.call.enter_reason.map_or(0, EnterReason::code);
        self.replace_at(record, self.clock.now_ms(), leave_reason)
    }

    /// Stores a call as it is from `at_ms` on, its journey following it (a new device is
    /// left for `leave_reason`); returns the old one.
    pub fn replace_at(
        &self,
        record: &CallRecord,
        at_ms: i64,
        leave_reason: i64,
    ) -> Option<CallRecord> {
        let mut journeys = self.write_lock();
        let old = self.put(record, Some(at_ms));
        match (journeys.get_mut(&record.key), &old) {
            (Some(journey), _) => journey.follow(&record.call, &record.extras, at_ms, leave_reason),
            (None, Some(old)) => {
                // A snapshot call that changes: its journey so far is where it was.
                let mut journey = Journey::start(&old.call, &old.extras, at_ms);
                journey.follow(&record.call, &record.extras, at_ms, leave_reason);
                journeys.insert(record.key, journey);
            }
            (None, None) => {
                journeys.insert(
                    record.key,
                    Journey::start(&record.call, &record.extras, at_ms),
                );
            }
        }
        old
    }

    /// Ends a call now for `release_cause` (by default: the customer hung up, after or
    /// before an agent answered); its record is kept at once. Returns the ended call, or
    /// `None` if it was not in progress.
    pub fn end(&self, key: &CallKey, release_cause: Option<i64>) -> Option<EndedCall> {
        self.end_at(key, self.clock.now_ms(), release_cause)
    }

    /// Ends a call at `at_ms` (see [`Self::end`]).
    pub fn end_at(
        &self,
        key: &CallKey,
        at_ms: i64,
        release_cause: Option<i64>,
    ) -> Option<EndedCall> {
        let mut journeys = self.write_lock();
        let calls = self.calls.pin();
        let old = calls.remove(key).map(|old| {
            self.counted_out(old);
            self.unindex(key, old)
        })?;
        let journey = journeys
            .remove(key)
            .unwrap_or_else(|| Journey::start(&old.call, &old.extras, at_ms));
        let cause = release_cause.unwrap_or_else(|| default_release_cause(journey.was_answered()));
        let ended = EndedCall::new(*key, &old.call, &old.extras, journey, at_ms, cause);
        self.records.keep(ended.clone(), at_ms);
        Some(ended)
    }

    /// Removes a call without keeping a record of it (it never happened); returns it if it
    /// was in progress.
    pub fn remove(&self, key: &CallKey) -> Option<CallRecord> {
        let mut journeys = self.write_lock();
        journeys.remove(key);
        let calls = self.calls.pin();
        calls.remove(key).map(|old| {
            self.counted_out(old);
            self.unindex(key, old)
        })
    }

    /// The journey so far of a call in progress: where it has been (made from its fields
    /// for a snapshot call that never changed).
    pub fn journey(&self, key: &CallKey) -> Option<Journey> {
        let journeys = self.write_lock();
        match journeys.get(key) {
            Some(journey) => Some(journey.clone()),
            None => self.calls.pin().get(key).map(|packed| {
                let (call, extras) = packed.unpack_all(&self.clock);
                Journey::start(&call, &extras, self.clock.now_ms())
            }),
        }
    }

    /// querycalldetailbyid: the record of a call that ended within a day.
    pub fn detail_record(&self, key: &CallRecordKey) -> Option<CallDetailRecord> {
        self.records.find(
            key.cc_id,
            &key.call_id,
            |call| call.direction == key.direction,
            self.clock.now_ms(),
            |call| call.detail_record(self.tenant_offset),
        )
    }

    /// vdn/querycalls: a page of a VDN's ended calls; the window is checked against the
    /// store's clock first.
    pub fn vdn_calls(&self, query: &VdnCallsQuery) -> Result<VdnCalls, SourceError> {
        let now = self.clock.now_ms();
        if let Some(problem) = query.window_problem(now) {
            return Err(SourceError::Invalid(problem.to_string()));
        }
        Ok(self.records.vdn_calls(query, now))
    }

    /// querycalltracedetail: the track of a call of the VDN that ended in the month of the
    /// key's `logDate` (empty when none did).
    pub fn track(&self, key: &TrackKey) -> CallTrack {
        self.records
            .find(
                key.cc_id,
                &key.call_id,
                |call| call.key.vdn == key.vdn && key.same_month(call.ended_ms),
                self.clock.now_ms(),
                EndedCall::track,
            )
            .unwrap_or_default()
    }

    /// The bytes the stored calls hold: each call's packed size plus its key and map slot
    /// (about 140 bytes for a demo call; what a map of millions of calls costs besides is
    /// the map's own spare room).
    pub fn bytes_held(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The bytes `record` would count for in [`Self::bytes_held`] once stored.
    pub fn bytes_for(record: &CallRecord) -> usize {
        entry_bytes(&PackedCall::pack(&record.call, &record.extras))
    }

    /// The bytes the call stored under `key` counts for, if there is one.
    pub fn bytes_of(&self, key: &CallKey) -> Option<usize> {
        self.calls.pin().get(key).map(entry_bytes)
    }

    fn counted_in(&self, packed: &PackedCall) {
        self.bytes.fetch_add(entry_bytes(packed), Ordering::Relaxed);
    }

    fn counted_out(&self, packed: &PackedCall) {
        // Saturating: a count that concurrent writers left behind never wraps.
        let _ = self
            .bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                Some(held.saturating_sub(entry_bytes(packed)))
            });
    }

    /// Up to `limit` calls passing `filter`, sorted by ccId, vdn, then callId text.
    ///
    /// Concurrent changes may or may not be seen; each listed call is a consistent record.
    pub fn list(&self, filter: &ListFilter, limit: usize) -> Vec<CallRecord> {
        self.list_where(|key| filter.matches(key), limit)
    }

    /// The first `limit` calls whose key passes `keep`, in key order. One pass over the
    /// store holding at most `limit` entries, so a large store costs time, not memory.
    pub fn list_where(&self, keep: impl Fn(&CallKey) -> bool, limit: usize) -> Vec<CallRecord> {
        if limit == 0 {
            return Vec::new();
        }
        let calls = self.calls.pin();
        let mut first: BinaryHeap<Listed<'_>> = BinaryHeap::with_capacity(limit.min(4096) + 1);
        for (key, call) in calls.iter().filter(|(key, _)| keep(key)) {
            let entry = Listed { key, call };
            if first.len() < limit {
                first.push(entry);
            } else if first.peek().is_some_and(|last| entry < *last) {
                first.pop();
                first.push(entry);
            }
        }
        first
            .into_sorted_vec()
            .into_iter()
            .map(|entry| {
                let (call, extras) = entry.call.unpack_all(&self.clock);
                CallRecord::new(*entry.key, call).with_extras(extras)
            })
            .collect()
    }

    /// Number of calls in progress.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// Whether no call is in progress.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }
}

/// The agent `agent_id` of the VDN of `key`.
fn agent_key(key: &CallKey, agent_id: calldata_model::AgentId) -> AgentKey {
    AgentKey {
        cc_id: key.cc_id,
        vdn: key.vdn,
        agent_id,
    }
}

/// The listing order: ccId, vdn, then the call ID as text.
fn sort_key(key: &CallKey) -> (CcId, Vdn, &str) {
    (key.cc_id, key.vdn, key.call_id.as_str())
}

/// A stored call borrowed for listing, ordered by its key.
struct Listed<'a> {
    key: &'a CallKey,
    call: &'a PackedCall,
}

impl PartialEq for Listed<'_> {
    fn eq(&self, other: &Self) -> bool {
        sort_key(self.key) == sort_key(other.key)
    }
}

impl Eq for Listed<'_> {}

impl PartialOrd for Listed<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Listed<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        sort_key(self.key).cmp(&sort_key(other.key))
    }
}

impl Default for EmbeddedStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The calls themselves may be millions; show how many, not which.
        f.debug_struct("EmbeddedStore")
            .field("calls", &self.len())
            .finish()
    }
}

impl CallSource for EmbeddedStore {
    fn lookup(&self, key: CallKey) -> LookupFuture<'_> {
        Box::pin(std::future::ready(self.found_or_not(key)))
    }

    fn cti_server_time(&self, _cc_id: CcId) -> AnswerFuture<'_, i64> {
        Box::pin(std::future::ready(Ok(self.cti_time_ms())))
    }

    fn agent_calls(&self, key: AgentKey) -> AnswerFuture<'_, Vec<String>> {
        Box::pin(std::future::ready(Ok(self.agent_call_ids(&key, false))))
    }

    fn agent_private_calls(&self, key: AgentKey) -> AnswerFuture<'_, Vec<String>> {
        Box::pin(std::future::ready(Ok(self.agent_call_ids(&key, true))))
    }

    fn agent_group_calls(&self, key: AgentGroupKey) -> AnswerFuture<'_, AgentGroupCalls> {
        Box::pin(std::future::ready(Ok(self.group_calls(&key))))
    }

    fn detail_call(&self, key: CallKey) -> AnswerFuture<'_, Option<DetailCallInfo>> {
        Box::pin(std::future::ready(Ok(self.detail(&key))))
    }

    fn call_detail_record(&self, key: CallRecordKey) -> AnswerFuture<'_, Option<CallDetailRecord>> {
        Box::pin(std::future::ready(Ok(self.detail_record(&key))))
    }

    fn vdn_calls(&self, query: VdnCallsQuery) -> AnswerFuture<'_, VdnCalls> {
        Box::pin(std::future::ready(EmbeddedStore::vdn_calls(self, &query)))
    }

    fn call_track(&self, key: TrackKey) -> AnswerFuture<'_, CallTrack> {
        Box::pin(std::future::ready(Ok(self.track(&key))))
    }

    fn lookup_now(&self, key: CallKey) -> Option<Lookup> {
        Some(self.found_or_not(key))
    }

    fn write_now(&self, key: CallKey, sink: &mut dyn CallFieldSink) -> Option<Presence> {
        Some(if self.write_fields(&key, sink) {
            Presence::InProgress
        } else {
            Presence::NotInProgress
        })
    }

    fn write_detail_now(&self, key: CallKey, sink: &mut dyn CallFieldSink) -> Option<Presence> {
        Some(if self.write_detail(&key, sink) {
            Presence::InProgress
        } else {
            Presence::NotInProgress
        })
    }

    fn check_ready(&self) -> ReadyFuture<'_> {
        Box::pin(std::future::ready(Ok(())))
    }

    fn kind(&self) -> &'static str {
        "embedded"
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use calldata_model::CallId;

    use super::*;

    fn key(cc_id: i64, vdn: i64, call_id: &str) -> CallKey {
        CallKey {
            cc_id: CcId::new(cc_id).unwrap(),
            vdn: Vdn::new(vdn).unwrap(),
            call_id: CallId::parse(call_id).unwrap(),
        }
    }

    fn call(dsn: i64) -> BasicCallInfo {
        BasicCallInfo {
            dsn: Some(dsn),
            ..BasicCallInfo::default()
        }
    }

    /// Polls a future that must already be ready.
    fn now<F: Future>(future: F) -> F::Output {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("the embedded store answers without waiting"),
        }
    }

    #[test]
    fn a_new_store_is_empty() {
        let store = EmbeddedStore::default();
        assert!(store.is_empty());
        assert_eq!(store.len(), 0);
        assert_eq!(store.get(&key(1, 1, "1-1")), None);
    }

    #[test]
    fn an_added_call_is_found_by_its_key_only() {
        let store = EmbeddedStore::new();
        store
            .add(&CallRecord::new(key(1, 1, "100-1"), call(7)))
            .unwrap();
        assert_eq!(store.get(&key(1, 1, "100-1")).unwrap().dsn, Some(7));
        assert_eq!(store.get(&key(2, 1, "100-1")), None);
        assert_eq!(store.get(&key(1, 2, "100-1")), None);
        assert_eq!(store.get(&key(1, 1, "100-2")), None);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn adding_a_key_twice_is_refused_and_keeps_the_first_call() {
        let store = EmbeddedStore::new();
        store
            .add(&CallRecord::new(key(1, 1, "100-1"), call(1)))
            .unwrap();
        let err = store
            .add(&CallRecord::new(key(1, 1, "100-1"), call(2)))
            .unwrap_err();
        assert_eq!(err, StoreError::AlreadyExists(key(1, 1, "100-1")));
        assert_eq!(store.get(&key(1, 1, "100-1")).unwrap().dsn, Some(1));
    }

    #[test]
    fn replace_inserts_or_overwrites_and_returns_the_previous_call() {
        let store = EmbeddedStore::new();
        assert_eq!(
            store.replace(&CallRecord::new(key(1, 1, "100-1"), call(1))),
            None
        );
        let previous = store
            .replace(&CallRecord::new(key(1, 1, "100-1"), call(2)))
            .unwrap();
        assert_eq!(previous.call.dsn, Some(1));
        assert_eq!(store.get(&key(1, 1, "100-1")).unwrap().dsn, Some(2));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn a_removed_call_is_no_longer_found() {
        let store = EmbeddedStore::new();
        store
            .add(&CallRecord::new(key(1, 1, "100-1"), call(1)))
            .unwrap();
        assert_eq!(store.remove(&key(1, 1, "100-1")).unwrap().call.dsn, Some(1));
        assert_eq!(store.remove(&key(1, 1, "100-1")), None);
        assert_eq!(store.get(&key(1, 1, "100-1")), None);
        assert!(store.is_empty());
    }

    #[test]
    fn a_reader_keeps_its_call_after_the_store_replaces_it() {
        let store = EmbeddedStore::new();
        store
            .add(&CallRecord::new(key(1, 1, "100-1"), call(1)))
            .unwrap();
        let held = store.get(&key(1, 1, "100-1")).unwrap();
        store.replace(&CallRecord::new(key(1, 1, "100-1"), call(2)));
        store.remove(&key(1, 1, "100-1"));
        assert_eq!(held.dsn, Some(1));
    }

    #[test]
    fn list_sorts_by_cc_id_vdn_and_call_id_text_and_stops_at_the_limit() {
        let store = EmbeddedStore::new();
        for (cc_id, vdn, id) in [(2, 1, "5-1"), (1, 2, "1-1"), (1, 1, "9-1"), (1, 1, "10-1")] {
            store
                .add(&CallRecord::new(key(cc_id, vdn, id), call(0)))
                .unwrap();
        }
        let listed: Vec<CallKey> = store
            .list(&ListFilter::default(), 10)
            .into_iter()
            .map(|r| r.key)
            .collect();
        // "10-1" sorts before "9-1" as text.
        let expected = [
            key(1, 1, "10-1"),
            key(1, 1, "9-1"),
            key(1, 2, "1-1"),
            key(2, 1, "5-1"),
        ];
        assert_eq!(listed, expected);
        let first_two: Vec<CallKey> = store
            .list(&ListFilter::default(), 2)
            .into_iter()
            .map(|r| r.key)
            .collect();
        assert_eq!(first_two, expected[..2]);
        assert!(store.list(&ListFilter::default(), 0).is_empty());
    }

    #[test]
    fn list_filters_by_cc_id_and_vdn() {
        let store = EmbeddedStore::new();
        for (cc_id, vdn, id) in [(1, 1, "1-1"), (1, 2, "1-2"), (2, 1, "1-3"), (2, 2, "1-4")] {
            store
                .add(&CallRecord::new(key(cc_id, vdn, id), call(0)))
                .unwrap();
        }
        let ids = |filter: ListFilter| -> Vec<String> {
            store
                .list(&filter, 100)
                .into_iter()
                .map(|r| r.key.call_id.to_string())
                .collect()
        };
        let cc2 = ListFilter {
            cc_id: Some(CcId::new(2).unwrap()),
            vdn: None,
        };
        let vdn2 = ListFilter {
            cc_id: None,
            vdn: Some(Vdn::new(2).unwrap()),
        };
        let both = ListFilter {
            cc_id: Some(CcId::new(2).unwrap()),
            vdn: Some(Vdn::new(2).unwrap()),
        };
        assert_eq!(ids(cc2), ["1-3", "1-4"]);
        assert_eq!(ids(vdn2), ["1-2", "1-4"]);
        assert_eq!(ids(both), ["1-4"]);
        assert_eq!(ids(ListFilter::default()).len(), 4);
    }

    #[test]
    fn lookup_answers_found_or_not_in_progress_without_waiting() {
        let store = EmbeddedStore::new();
        store
            .add(&CallRecord::new(key(1, 1, "100-1"), call(3)))
            .unwrap();
        match now(store.lookup(key(1, 1, "100-1"))) {
            Lookup::Found(found) => assert_eq!(found.dsn, Some(3)),
            other => panic!("expected Found, got {other:?}"),
        }
        assert_eq!(now(store.lookup(key(1, 1, "100-2"))), Lookup::NotInProgress);
        assert_eq!(
            store.lookup_now(key(1, 1, "100-1")),
            Some(now(store.lookup(key(1, 1, "100-1"))))
        );
        assert_eq!(
            store.lookup_now(key(1, 1, "100-2")),
            Some(Lookup::NotInProgress)
        );
        assert_eq!(now(store.check_ready()), Ok(()));
        assert_eq!(store.kind(), "embedded");
        // The server holds the store as `Arc<dyn CallSource>`: the answer without a future
        // must reach it through the `Arc`.
        let shared: Arc<dyn CallSource> = Arc::new(store);
        assert!(matches!(
            shared.lookup_now(key(1, 1, "100-1")),
            Some(Lookup::Found(_))
        ));
    }

    /// Keeps the `dsn` and the calling number a sink receives, and how many fields.
    #[derive(Debug, Default)]
    struct Seen {
        dsn: Option<i64>,
        calling_num: String,
        fields: usize,
    }

    impl CallFieldSink for Seen {
        fn number(&mut self, field: calldata_model::CallField, value: Option<i64>) {
            self.fields += 1;
            if field == calldata_model::CallField::DSN {
                self.dsn = value;
            }
        }

        fn text(&mut self, field: calldata_model::CallField, value: &str) {
            self.fields += 1;
            if field == calldata_model::CallField::CALLING_NUM {
                value.clone_into(&mut self.calling_num);
            }
        }
    }

    #[test]
    fn write_now_hands_over_a_stored_call_or_nothing() {
        let store = EmbeddedStore::new();
        let stored = BasicCallInfo {
            calling_num: "88880001".to_owned(),
            ..call(3)
        };
        store
            .add(&CallRecord::new(key(1, 1, "100-1"), stored))
            .unwrap();
        // Through the `Arc`, as the server holds it.
        let shared: Arc<dyn CallSource> = Arc::new(store);
        let mut seen = Seen::default();
        assert_eq!(
            shared.write_now(key(1, 1, "100-1"), &mut seen),
            Some(Presence::InProgress)
        );
        assert_eq!(seen.dsn, Some(3));
        assert_eq!(seen.calling_num, "88880001");
        assert_eq!(seen.fields, calldata_model::call::FIELD_ORDER.len());
        let mut nothing = Seen::default();
        assert_eq!(
            shared.write_now(key(1, 1, "100-2"), &mut nothing),
            Some(Presence::NotInProgress)
        );
        assert_eq!(nothing.fields, 0);
    }

    #[test]
    fn the_demo_store_holds_every_demo_call() {
        let settings = DemoSettings {
            count: 250,
            seed: 4,
        };
        let store = EmbeddedStore::with_demo_calls(&settings);
        assert_eq!(store.len(), 250);
        for record in demo_records(&settings) {
            assert_eq!(*store.get(&record.key).unwrap(), record.call);
        }
    }

    #[test]
    fn bytes_held_follow_additions_replacements_and_removals() {
        let store = EmbeddedStore::new();
        assert_eq!(store.bytes_held(), 0);
        let small = CallRecord::new(key(1, 1, "100-1"), call(1));
        let large = CallRecord::new(
            key(1, 1, "100-1"),
            BasicCallInfo {
                calling_num: "1".repeat(10_000),
                ..call(2)
            },
        );
        store.add(&small).unwrap();
        let one = EmbeddedStore::bytes_for(&small);
        assert_eq!(store.bytes_held(), one);
        assert_eq!(store.bytes_of(&key(1, 1, "100-1")), Some(one));
        assert_eq!(store.bytes_of(&key(1, 1, "100-2")), None);
        store.replace(&large);
        let big = EmbeddedStore::bytes_for(&large);
        assert!(big > 10_000, "{big}");
        assert_eq!(store.bytes_held(), big);
        store.replace(&CallRecord {
            key: key(1, 1, "100-2"),
            ..small
        });
        assert_eq!(store.bytes_held(), big + one);
        store.remove(&key(1, 1, "100-1"));
        assert_eq!(store.bytes_held(), one);
        store.remove(&key(1, 1, "100-2"));
        assert_eq!(store.bytes_held(), 0);
        let loaded = EmbeddedStore::with_demo_calls(&DemoSettings { count: 10, seed: 1 });
        let sum: usize = demo_records(&DemoSettings { count: 10, seed: 1 })
            .map(|r| EmbeddedStore::bytes_for(&r))
            .sum();
        assert_eq!(loaded.bytes_held(), sum);
    }

    fn at(call_id: &str, device_type: i64, device_no: i64, status: i64) -> CallRecord {
        CallRecord::new(
            key(1, 1, call_id),
            BasicCallInfo {
                device_type: Some(calldata_model::DeviceType::from_code(device_type)),
                device_no: Some(device_no),
                media_type: Some(calldata_model::MediaType::Voice),
                ..BasicCallInfo::default()
            },
        )
        .with_extras(CallExtras {
            call_status: Some(calldata_model::CallStatus::from_code(status)),
            ..CallExtras::default()
        })
    }

    fn agent(agent_id: i64) -> AgentKey {
        AgentKey {
            cc_id: CcId::new(1).unwrap(),
            vdn: Vdn::new(1).unwrap(),
            agent_id: calldata_model::AgentId::new(agent_id).unwrap(),
        }
    }

    #[test]
    fn the_agent_views_follow_calls_as_they_move_and_end() {
        let store = EmbeddedStore::new();
        assert!(store.agent_call_ids(&agent(1099), false).is_empty());
        store.add(&at("200-2", 2, 1099, 6)).unwrap();
        store.add(&at("100-1", 2, 1099, 5)).unwrap();
        store.add(&at("300-3", 1, 1099, 3)).unwrap();
        store.add(&at("400-4", 1, 7, 2)).unwrap();
        // In the order the calls started, private ones apart.
        assert_eq!(
            store.agent_call_ids(&agent(1099), false),
            ["100-1", "200-2"]
        );
        assert_eq!(store.agent_call_ids(&agent(1099), true), ["300-3"]);
        let group = store.group_calls(&AgentGroupKey {
            cc_id: CcId::new(1).unwrap(),
            vdn: Vdn::new(1).unwrap(),
            agent_ids: vec![agent(1100).agent_id, agent(1099).agent_id],
        });
        assert_eq!(group.0[0].agent_id, Some(1100));
        assert!(group.0[0].call_list.is_empty());
        let statuses: Vec<i64> = group.0[1]
            .call_list
            .iter()
            .map(|call| call.call_status.unwrap().code())
            .collect();
        assert_eq!(statuses, [5, 6, 3]);
        // The private call is answered, then moves to another agent, then ends.
        store.replace(&at("300-3", 2, 1099, 5));
        assert_eq!(
            store.agent_call_ids(&agent(1099), false),
            ["100-1", "200-2", "300-3"]
        );
        assert!(store.agent_call_ids(&agent(1099), true).is_empty());
        store.replace(&at("300-3", 2, 1100, 4));
        assert_eq!(store.agent_call_ids(&agent(1100), false), ["300-3"]);
        store.remove(&key(1, 1, "300-3"));
        assert!(store.agent_call_ids(&agent(1100), false).is_empty());
        // Agents stay signed in without calls, and leave only when they have none.
        assert_eq!(store.agent_count(), 2);
        assert_eq!(store.sign_out_agent(&agent(1099)), Err(2));
        assert_eq!(store.sign_out_agent(&agent(1100)), Ok(true));
        assert_eq!(store.sign_out_agent(&agent(1100)), Ok(false));
        assert!(store.sign_in_agent(agent(1100)));
        assert!(!store.sign_in_agent(agent(1100)));
    }

    #[test]
    fn the_detail_is_the_stored_call_with_its_extras() {
        let store = EmbeddedStore::new();
        let record = at("100-1", 2, 1099, 5).with_extras(CallExtras {
            cb: Some(42),
            call_data: "k=v".to_owned(),
            ..CallExtras::default()
        });
        store.add(&record).unwrap();
        let detail = store.detail(&key(1, 1, "100-1")).unwrap();
        assert_eq!(detail.call, record.call);
        assert_eq!((detail.cb, detail.call_data_len), (Some(42), Some(3)));
        assert_eq!(store.get_record(&key(1, 1, "100-1")), Some(record));
        assert_eq!(store.detail(&key(1, 1, "100-2")), None);
    }

    #[test]
    fn debug_output_shows_the_count_not_the_calls() {
        let store = EmbeddedStore::new();
        store
            .add(&CallRecord::new(key(1, 1, "100-1"), call(1)))
            .unwrap();
        assert_eq!(format!("{store:?}"), "EmbeddedStore { calls: 1 }");
    }
}
