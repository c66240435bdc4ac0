//! The journal of the shared contact center (`state.backend = "redis"` with the embedded
//! backend): a Redis stream of [`CenterChange`]s that every replica applies in its order.
//!
//! - **Time.** A change applies at its entry's instant (the stream ID's milliseconds,
//!   Redis's clock). Each replica reads `TIME` and then the stream in one pipeline, so it
//!   knows every entry before `TIME` and runs its simulation up to that instant; the
//!   simulation is deterministic, so every replica's center is the same at each instant.
//!   With a manual clock, changes apply at the clock's reading, which only journal entries
//!   move.
//! - **Joining.** The first replica sets the center's genesis (Redis's clock at that
//!   moment); every replica starts its simulation at the genesis and applies the journal
//!   from the first entry, answering `/readyz` 503 until it has caught up.
//! - **Answering.** A change is added to the stream with this replica's origin and a
//!   ticket, and answered when this replica applies it. Redis down: the change is refused
//!   (`0100001`), nothing applies, and the simulation stands still until Redis answers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use calldata_bms::simulation::SharedSimulation;
use calldata_bms::{Simulation, SimulationSettings};
use redis::FromRedisValue;
use redis::streams::StreamReadReply;
use tokio::sync::{Notify, oneshot};

use super::SharedState;
use crate::center::{Applied, Center, CenterChange, Refused, When};

/// How often a replica reads the journal (and moves its simulation on) when nothing
/// nudges it.
const POLL: Duration = Duration::from_millis(100);
/// Most entries read at once.
const BATCH: usize = 200;
/// Longest wait for this replica to apply its own change.
const CONFIRM: Duration = Duration::from_secs(10);

/// This replica's side of the journal.
#[derive(Debug)]
pub struct Journal {
    state: Arc<SharedState>,
    stream: String,
    genesis: String,
    /// Tells this replica's entries from the others'.
    origin: u64,
    tickets: AtomicU64,
    pending: Mutex<HashMap<u64, oneshot::Sender<Applied>>>,
    nudge: Notify,
    joined: AtomicBool,
    diverged: AtomicBool,
}

/// A change waiting for this replica's follower; its entry in `pending` goes with it.
struct Ticket<'a> {
    journal: &'a Journal,
    ticket: u64,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.journal.pending_lock().remove(&self.ticket);
    }
}

impl Journal {
    /// The journal under `state`'s prefix; `follow` must run for it to move.
    pub fn new(state: Arc<SharedState>) -> Arc<Self> {
        let prefix = &state.names.prefix;
        let mut origin = [0u8; 8];
        if getrandom::fill(&mut origin).is_err() {
            // No system randomness: this process's ID and start instant tell replicas apart.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            origin = ((u64::from(std::process::id()) << 32) | u64::from(nanos)).to_le_bytes();
        }
        Arc::new(Self {
            stream: format!("{prefix}:center:journal"),
            genesis: format!("{prefix}:center:genesis"),
            state,
            origin: u64::from_le_bytes(origin),
            tickets: AtomicU64::new(0),
            pending: Mutex::new(HashMap::new()),
            nudge: Notify::new(),
            joined: AtomicBool::new(false),
            diverged: AtomicBool::new(false),
        })
    }

    /// Whether this replica has joined the shared center and caught up with its journal.
    pub fn joined(&self) -> bool {
        self.joined.load(Ordering::Acquire)
    }

    /// Whether this replica's copy of the center broke off the journal (an entry failed
    /// to apply): it answers `/readyz` 503 until it is restarted.
    pub fn diverged(&self) -> bool {
        self.diverged.load(Ordering::Acquire)
    }

    /// Adds `change` to the journal and answers it once this replica has applied it.
    pub async fn submit(&self, change: &CenterChange) -> Applied {
        if !self.joined() {
            return Err(Refused::failed(
                "this replica has not joined the shared contact center yet (see /readyz): \
                 nothing was changed; try again or send the change to another replica",
            ));
        }
        let Ok(json) = serde_json::to_string(change) else {
            return Err(Refused::invalid(&"the change cannot be written"));
        };
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
        let (sender, answer) = oneshot::channel();
        self.pending_lock().insert(ticket, sender);
        // Whatever becomes of this request (even dropped mid-way), its ticket goes.
        let _ticket = Ticket {
            journal: self,
            ticket,
        };
        let mut connection = self.state.connection.clone();
        let mut add = redis::cmd("XADD");
        add.arg(&self.stream)
            .arg("*")
            .arg("origin")
            .arg(self.origin)
            .arg("ticket")
            .arg(ticket)
            .arg("change")
            .arg(json);
        let added = tokio::time::timeout(
            self.state.timeout,
            add.query_async::<String>(&mut connection),
        )
        .await;
        let sent = match added {
            Ok(Ok(_)) => true,
            // Refused before the command went out: nothing can apply.
            Ok(Err(error)) if error.is_connection_refusal() || !self.state.health.usable() => {
                self.state.health.failed(&error);
                return Err(Refused::failed(
                    "the shared contact center does not answer (its Redis is unreachable): \
                     nothing was changed; try again",
                ));
            }
            // Late or lost on the way: Redis may have added it, and then it applies on
            // every replica, this one included, which answers it below.
            Ok(Err(error)) => {
                self.state.health.failed(&error);
                false
            }
            Err(elapsed) => {
                self.state.health.failed(&elapsed);
                false
            }
        };
        if sent {
            self.state.health.answered();
            self.nudge.notify_one();
        }
        if let Ok(Ok(applied)) = tokio::time::timeout(CONFIRM, answer).await {
            return applied;
        }
        Err(Refused::failed(
            "the change may be in the shared journal, but this replica has not applied it \
             within 10 s (Redis stopped answering?); if it is, it applies once Redis answers: \
             look before sending it again",
        ))
    }

    /// This replica's copy can no longer follow the journal (an entry panicked while it
    /// applied): it stops following and answers `/readyz` 503, so that it is restarted.
    fn diverge(&self, why: &dyn std::fmt::Display) {
        self.diverged.store(true, Ordering::Release);
        self.joined.store(false, Ordering::Release);
        tracing::error!(error = %why, "this replica's copy of the shared contact center broke off its journal; restart it");
    }

    fn pending_lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, oneshot::Sender<Applied>>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The center's genesis, set now (Redis's clock) unless another replica set it;
    /// `None` when Redis does not answer.
    async fn genesis(&self) -> Option<i64> {
        let mut connection = self.state.background.clone();
        let script = redis::Script::new(
            r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[1], now, 'NX')
return tonumber(redis.call('GET', KEYS[1]))
",
        );
        let answered = tokio::time::timeout(
            self.state.bulk_timeout,
            script
                .key(&self.genesis)
                .invoke_async::<i64>(&mut connection),
        )
        .await;
        self.state.settle(answered)
    }

    /// Redis's clock (ms) and the entries after `last`; `None` when Redis does not answer.
    async fn read(&self, last: &str) -> Option<(i64, Vec<Entry>)> {
        // After a failure the watcher's ping says when Redis is back.
        if !self.state.health.usable() {
            return None;
        }
        let mut connection = self.state.background.clone();
        let mut pipe = redis::pipe();
        pipe.cmd("TIME")
            .cmd("XREAD")
            .arg("COUNT")
            .arg(BATCH)
            .arg("STREAMS")
            .arg(&self.stream)
            .arg(last);
        let answered = tokio::time::timeout(
            self.state.bulk_timeout,
            pipe.query_async::<((String, String), Option<StreamReadReply>)>(&mut connection),
        )
        .await;
        let ((seconds, micros), reply) = self.state.settle(answered)?;
        let now = seconds.parse::<i64>().ok()? * 1_000 + micros.parse::<i64>().ok()? / 1_000;
        let entries = reply
            .into_iter()
            .flat_map(|reply| reply.keys)
            .flat_map(|key| key.ids)
            .map(Entry::read)
            .collect();
        Some((now, entries))
    }
}

/// One journal entry as read.
#[derive(Debug)]
struct Entry {
    id: String,
    at_ms: i64,
    origin: Option<u64>,
    ticket: Option<u64>,
    change: Result<CenterChange, String>,
}

impl Entry {
    fn read(entry: redis::streams::StreamId) -> Self {
        let field = |name: &str| -> Option<String> {
            entry
                .map
                .get(name)
                .and_then(|value| String::from_redis_value_ref(value).ok())
        };
        let at_ms = entry
            .id
            .split_once('-')
            .and_then(|(ms, _)| ms.parse().ok())
            .unwrap_or(0);
        let change = field("change")
            .ok_or_else(|| "an entry without a change".to_owned())
            .and_then(|json| serde_json::from_str(&json).map_err(|error| error.to_string()));
        Self {
            at_ms,
            origin: field("origin").and_then(|o| o.parse().ok()),
            ticket: field("ticket").and_then(|t| t.parse().ok()),
            change,
            id: entry.id,
        }
    }
}

/// Joins the shared center and follows its journal until the runtime ends: the
/// simulation of `live` (when the center is live) starts at the genesis, then every entry
/// applies in order and the simulation runs up to Redis's clock, about every 100 ms.
pub async fn follow(journal: Arc<Journal>, center: Center, live: Option<SimulationSettings>) {
    let genesis = loop {
        if let Some(genesis) = journal.genesis().await {
            break genesis;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    if let Some(settings) = live {
        let store = center.store.clone();
        // A manual clock starts at `clock_start_ms`, the same on every replica.
        let start = if store.clock().is_manual() {
            store.clock().now_ms()
        } else {
            genesis
        };
        let started =
            tokio::task::spawn_blocking(move || Simulation::start(store, &settings, start)).await;
        match started {
            Ok(simulation) => {
                let shared: SharedSimulation = Arc::new(Mutex::new(simulation));
                let _ = center.simulation.set(shared);
            }
            Err(error) => {
                journal.diverge(&error);
                return;
            }
        }
    }
    tracing::info!(
        genesis_ms = genesis,
        "joined the shared contact center; catching up with its journal"
    );
    let mut last = "0-0".to_owned();
    loop {
        if let Some((now, entries)) = journal.read(&last).await {
            let full = entries.len() >= BATCH;
            if let Some(newest) = entries.last() {
                last.clone_from(&newest.id);
            }
            let applying = center.clone();
            let outcomes =
                match tokio::task::spawn_blocking(move || apply_all(&applying, entries, now, full))
                    .await
                {
                    Ok(outcomes) => outcomes,
                    Err(error) => {
                        journal.diverge(&error);
                        return;
                    }
                };
            let mut pending = journal.pending_lock();
            for (origin, ticket, applied) in outcomes {
                if origin == Some(journal.origin)
                    && let Some(sender) = ticket.and_then(|t| pending.remove(&t))
                {
                    let _ = sender.send(applied);
                }
            }
            drop(pending);
            if full {
                continue;
            }
            if !journal.joined.swap(true, Ordering::AcqRel) {
                tracing::info!("caught up with the shared contact center's journal");
            }
        }
        tokio::select! {
            () = journal.nudge.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Applies `entries` in order, then (unless more are waiting) runs the simulation up to
/// just before `now`: every entry before `now` is known. Answers each entry's outcome.
fn apply_all(
    center: &Center,
    entries: Vec<Entry>,
    now: i64,
    more: bool,
) -> Vec<(Option<u64>, Option<u64>, Applied)> {
    let manual = center.store.clock().is_manual();
    let outcomes = entries
        .into_iter()
        .map(|entry| {
            let applied = match &entry.change {
                Ok(change) => {
                    let when = if manual { When::Now } else { When::At(entry.at_ms) };
                    center.apply(change, when)
                }
                Err(problem) => {
                    tracing::warn!(id = %entry.id, %problem, "skipped a journal entry this version cannot read");
                    Err(Refused::invalid(problem))
                }
            };
            (entry.origin, entry.ticket, applied)
        })
        .collect();
    if !manual
        && !more
        && let Some(simulation) = center.simulation()
    {
        calldata_bms::simulation::lock(simulation).advance(now - 1);
    }
    outcomes
}
