//! How each [`CenterChange`] applies to the store and the simulation: the rules the
//! sandbox's changes follow, in one place whether they apply at once or from the journal.

use calldata_bms::simulation;
use calldata_bms::{CallRecord, EmbeddedStore, Simulation};
use calldata_model::{CallKey, EnterReason};
use serde::Serialize;
use serde_json::{Map, Value};

use super::change::{Applied, CenterChange, Refused};
use super::{Center, When};

/// The most arrivals one advance may simulate, so that a request ends in seconds.
const MOST_ARRIVALS: f64 = 200_000.0;

/// A clock reading as the clock routes answer it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockReading {
    /// Epoch ms.
    pub now_ms: i64,
    /// Whether the clock is manual.
    pub manual: bool,
}

/// The simulation's status and its example calls.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulationView {
    #[serde(flatten)]
    status: calldata_bms::SimulationStatus,
    examples: Vec<calldata_bms::simulation::ExampleCall>,
}

impl SimulationView {
    /// What `simulation` is doing.
    pub fn of(simulation: &Simulation) -> Self {
        Self {
            status: simulation.status(),
            examples: simulation.examples().to_vec(),
        }
    }
}

/// What a `DELETE` answers: the ended call's record and track, as the record interfaces
/// answer them.
#[derive(Serialize)]
struct EndedRecord {
    record: calldata_model::CallDetailRecord,
    track: calldata_model::CallTrack,
}

fn value(answer: &impl Serialize) -> Applied {
    serde_json::to_value(answer).map_err(|error| Refused::invalid(&error))
}

impl Center {
    /// Applies `change` at `when`, with the simulation held (so that no step slips
    /// between the clock reading and the change). At a journal time, the simulation
    /// first runs up to it: every replica applies the change to the same center.
    pub fn apply(&self, change: &CenterChange, when: When) -> Applied {
        let mut running = self.simulation.get().map(|shared| simulation::lock(shared));
        let at = match when {
            When::At(ms) => {
                if let Some(simulation) = running.as_mut() {
                    simulation.advance(ms);
                }
                ms
            }
            When::Now => self.store.clock().now_ms(),
        };
        let store = &self.store;
        match change {
            CenterChange::AddCall { record } => {
                self.fits(record)?;
                store.add_at(record, at).map_err(|_| {
                    let key = record.key;
                    Refused::invalid(&format!(
                        "call {} already exists in ccId {} vdn {}; use PUT to replace it",
                        key.call_id, key.cc_id, key.vdn
                    ))
                })?;
                value(record)
            }
            CenterChange::PutCall { record } => {
                self.fits(record)?;
                replace(store, record, at);
                value(record)
            }
            CenterChange::PatchCall { key, fields } => {
                let record = patched(store, key, fields)?;
                self.fits(&record)?;
                replace(store, &record, at);
                value(&record)
            }
            CenterChange::EndCall { key, release_cause } => {
                match store.end_at(key, at, *release_cause) {
                    Some(ended) => value(&EndedRecord {
                        record: ended.detail_record(store.tenant_offset()),
                        track: ended.track(),
                    }),
                    None => Err(Refused::not_in_progress()),
                }
            }
            CenterChange::SignIn { agent } => {
                if store.sign_in_agent(*agent) {
                    value(agent)
                } else {
                    Err(Refused::invalid(&format!(
                        "agent {} of ccId {} vdn {} is already signed in",
                        agent.agent_id, agent.cc_id, agent.vdn
                    )))
                }
            }
            CenterChange::SignOut { agent } => match store.sign_out_agent(agent) {
                Ok(true) => value(&"agent signed out"),
                Ok(false) => Err(Refused::failed(format!(
                    "agent {} of ccId {} vdn {} is not signed in",
                    agent.agent_id, agent.cc_id, agent.vdn
                ))),
                Err(calls) => Err(Refused::invalid(&format!(
                    "agent {} still has {calls} calls; end or move them first",
                    agent.agent_id
                ))),
            },
            CenterChange::AdvanceClock { by_ms } => {
                advance_clock(store, running.as_deref_mut(), *by_ms)
            }
            CenterChange::Simulation {
                paused,
                arrivals_per_minute,
            } => change_simulation(running.as_deref_mut(), *paused, *arrivals_per_minute, at),
        }
    }

    /// Whether the store has room for `record` (which may replace the call of its key).
    fn fits(&self, record: &CallRecord) -> Result<(), Refused> {
        let store = &self.store;
        let limits = &self.limits;
        let held = store.bytes_of(&record.key);
        if store.len() >= limits.max_calls && held.is_none() {
            return Err(Refused::invalid(&format!(
                "the sandbox store is full ({} calls); end calls first",
                limits.max_calls
            )));
        }
        // What the store would hold with this record, replacing the call it may replace.
        let after = (store.bytes_held() + EmbeddedStore::bytes_for(record))
            .saturating_sub(held.unwrap_or(0));
        if after > limits.base_bytes.saturating_add(limits.max_bytes) {
            return Err(Refused::invalid(&format!(
                "the sandbox store is full (its additions may hold {} bytes, \
                 embedded.max_sandbox_bytes); end calls first",
                limits.max_bytes
            )));
        }
        Ok(())
    }
}

/// Moves a manual clock `by_ms` on, and the simulation with it (at most
/// [`MOST_ARRIVALS`] arrivals or a week a request).
fn advance_clock(
    store: &EmbeddedStore,
    simulation: Option<&mut Simulation>,
    by_ms: i64,
) -> Applied {
    let rate = simulation
        .as_ref()
        .map_or(0.0, |s| s.status().arrivals_per_minute);
    let longest = longest_advance_ms(rate);
    if by_ms > longest {
        return Err(Refused::invalid(&format!(
            "advanceMs must be at most {longest} ms at {rate} arrivals a minute (at most {MOST_ARRIVALS} arrivals and 7 days a request)"
        )));
    }
    let now = store
        .clock()
        .advance(by_ms)
        .map_err(|error| Refused::invalid(&error))?;
    if let Some(simulation) = simulation {
        simulation.advance(now);
    }
    value(&ClockReading {
        now_ms: now,
        manual: true,
    })
}

/// Pauses, resumes or re-rates the simulation at `at`.
fn change_simulation(
    simulation: Option<&mut Simulation>,
    paused: Option<bool>,
    arrivals_per_minute: Option<f64>,
    at: i64,
) -> Applied {
    let Some(simulation) = simulation else {
        return Err(no_simulation());
    };
    match paused {
        Some(true) => {
            simulation.pause(at);
        }
        Some(false) => {
            simulation.resume(at);
        }
        None => {}
    }
    if let Some(rate) = arrivals_per_minute {
        simulation.set_arrivals_per_minute(rate, at);
    }
    value(&SimulationView::of(simulation))
}

/// `0100001`: the center is a snapshot.
pub fn no_simulation() -> Refused {
    Refused::failed(
        "no simulation runs: the contact center is a snapshot (embedded.simulation.enabled = false, or a calls file)",
    )
}

/// Stores `record` from `at` on; a call that moves leaves its device for the reason it
/// enters the next one (its new `enterReason`).
fn replace(store: &EmbeddedStore, record: &CallRecord, at: i64) {
    let leave_reason = record.call.enter_reason.map_or(0, EnterReason::code);
    store.replace_at(record, at, leave_reason);
}

/// The stored record of `key` with `fields` over it, read again as a record (so every
/// rule of a record applies).
fn patched(
    store: &EmbeddedStore,
    key: &CallKey,
    fields: &Map<String, Value>,
) -> Result<CallRecord, Refused> {
    let Some(stored) = store.get_record(key) else {
        return Err(Refused::not_in_progress());
    };
    let Ok(Value::Object(mut merged)) = serde_json::to_value(&stored) else {
        return Err(Refused::invalid(&"the stored call could not be read"));
    };
    merged.extend(fields.clone());
    serde_json::from_value(Value::Object(merged)).map_err(|error| Refused::invalid(&error))
}

/// The longest advance at `rate` arrivals a minute: at most [`MOST_ARRIVALS`] arrivals,
/// and never more than seven days.
fn longest_advance_ms(rate: f64) -> i64 {
    const WEEK_MS: f64 = 7.0 * 24.0 * 3_600_000.0;
    let by_arrivals = if rate > 0.0 {
        MOST_ARRIVALS / rate * 60_000.0
    } else {
        WEEK_MS
    };
    #[allow(
        clippy::cast_possible_truncation,
        reason = "at most a week of milliseconds"
    )]
    let longest = by_arrivals.min(WEEK_MS) as i64;
    longest
}
