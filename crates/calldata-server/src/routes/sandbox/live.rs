//! `/sandbox/v1/clock` and `/sandbox/v1/simulation`: the live contact center's clock and
//! simulation, for tests that need to move time or hold the center still.
//!
//! | path | method | what | body |
//! |---|---|---|---|
//! | `/sandbox/v1/clock` | `GET` | the clock's reading and kind | |
//! | `/sandbox/v1/clock` | `POST` | advance a manual clock (`0100002` on the system clock) | `{"advanceMs": 60000}` |
//! | `/sandbox/v1/simulation` | `GET` | what the simulation is doing | |
//! | `/sandbox/v1/simulation` | `PATCH` | pause, resume, set the arrival rate | `{"paused": true, "arrivalsPerMinute": 120}` |
//!
//! Both reach the whole contact center, so only a key without a ccId/vdn limit may use
//! them (`0101003` otherwise; any key may read the clock). One advance simulates at most
//! 200,000 arrivals and seven days, so a request ends in seconds. Advancing the clock runs the simulation up to the new
//! reading before answering, so what the interfaces answer next is the center at that
//! reading.

use calldata_bms::simulation::{self, SharedSimulation};
use calldata_model::ResultCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CHANGE_WITH_BODY, LIST, invalid, store_of, success};
use crate::answer::Answer;
use crate::routes::mount::SignedRoute;
use crate::routes::signed::{Rule, Signed};

/// `GET /sandbox/v1/clock`.
#[derive(Debug)]
pub struct ReadClock;

/// `POST /sandbox/v1/clock`.
#[derive(Debug)]
pub struct AdvanceClock;

/// `GET /sandbox/v1/simulation`.
#[derive(Debug)]
pub struct ReadSimulation;

/// `PATCH /sandbox/v1/simulation`.
#[derive(Debug)]
pub struct ChangeSimulation;

/// The clock as the sandbox shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ClockReading {
    now_ms: i64,
    manual: bool,
}

/// `0101003` unless the caller's key has no ccId/vdn limit.
fn whole_center(signed: &Signed<'_>) -> Result<(), Answer> {
    if signed.caller().scope.is_unrestricted() {
        Ok(())
    } else {
        Err(Answer::failed(
            ResultCode::InsufficientPermission,
            "insufficient permission: only an access key without ccId or vdn limits may move \
             the clock or change the simulation",
        ))
    }
}

/// The simulation, or `0100001` when none runs.
fn simulation_of(signed: &Signed<'_>) -> Result<SharedSimulation, Answer> {
    signed.state().simulation.clone().ok_or_else(|| {
        Answer::failed(
            ResultCode::InterfaceCallFailed,
            "no simulation runs: the contact center is a snapshot (embedded.simulation.enabled = false, or a calls file)",
        )
    })
}

/// A JSON object body's members, or `0100002`.
fn object(signed: &Signed<'_>) -> Result<serde_json::Map<String, Value>, Answer> {
    match serde_json::from_slice::<Value>(signed.body()) {
        Ok(Value::Object(members)) => Ok(members),
        Ok(_) => Err(invalid(&"the body must be a JSON object")),
        Err(error) => Err(invalid(&error)),
    }
}

impl SignedRoute for ReadClock {
    const RULE: Rule = LIST;

    async fn answer(signed: Signed<'_>) -> Answer {
        let store = match store_of(&signed) {
            Ok(store) => store,
            Err(answer) => return answer,
        };
        success(&ClockReading {
            now_ms: store.clock().now_ms(),
            manual: store.clock().is_manual(),
        })
    }
}

impl SignedRoute for AdvanceClock {
    const RULE: Rule = CHANGE_WITH_BODY;

    async fn answer(signed: Signed<'_>) -> Answer {
        let store = match store_of(&signed).and_then(|store| whole_center(&signed).map(|()| store))
        {
            Ok(store) => store,
            Err(answer) => return answer,
        };
        let by = match object(&signed).map(|body| body.get("advanceMs").and_then(Value::as_i64)) {
            Ok(Some(by)) if by >= 0 => by,
            Ok(_) => {
                return invalid(&"advanceMs must be a whole number of milliseconds, 0 or more");
            }
            Err(answer) => return answer,
        };
        let simulation = signed.state().simulation.clone();
        // The steps up to the new reading run before the answer: off the worker, since a
        // long jump takes a while (bounded by `longest_advance_ms`).
        let advanced = actix_web::web::block(move || {
            let mut running = simulation.as_deref().map(simulation::lock);
            let rate = running.as_ref().map_or(0.0, |s| s.status().arrivals_per_minute);
            let longest = longest_advance_ms(rate);
            if by > longest {
                return Err(format!(
                    "advanceMs must be at most {longest} ms at {rate} arrivals a minute (at most {MOST_ARRIVALS} arrivals and 7 days a request)"
                ));
            }
            let now = store.clock().advance(by).map_err(|e| e.to_string())?;
            if let Some(running) = running.as_mut() {
                running.advance(now);
            }
            Ok(now)
        })
        .await;
        match advanced {
            Ok(Ok(now)) => success(&ClockReading {
                now_ms: now,
                manual: true,
            }),
            Ok(Err(problem)) => invalid(&problem),
            Err(_) => Answer::failed(ResultCode::UnknownError, "unknown error"),
        }
    }
}

/// The most arrivals one advance may simulate, so that a request ends in seconds.
const MOST_ARRIVALS: f64 = 200_000.0;

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

impl SignedRoute for ReadSimulation {
    const RULE: Rule = LIST;

    async fn answer(signed: Signed<'_>) -> Answer {
        // The examples name calls and agents of every VDN: an unrestricted key's to see.
        let shared = match whole_center(&signed).and_then(|()| simulation_of(&signed)) {
            Ok(shared) => shared,
            Err(answer) => return answer,
        };
        // An advance may hold the simulation for a while: wait for it off the worker.
        match actix_web::web::block(move || Status::of(&simulation::lock(&shared))).await {
            Ok(status) => success(&status),
            Err(_) => Answer::failed(ResultCode::UnknownError, "unknown error"),
        }
    }
}

/// The simulation's status and its example calls.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    #[serde(flatten)]
    status: calldata_bms::SimulationStatus,
    examples: Vec<calldata_bms::simulation::ExampleCall>,
}

impl Status {
    fn of(simulation: &calldata_bms::Simulation) -> Self {
        Self {
            status: simulation.status(),
            examples: simulation.examples().to_vec(),
        }
    }
}

/// What a `PATCH` may change.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Change {
    paused: Option<bool>,
    arrivals_per_minute: Option<f64>,
}

impl SignedRoute for ChangeSimulation {
    const RULE: Rule = CHANGE_WITH_BODY;

    async fn answer(signed: Signed<'_>) -> Answer {
        let shared = match whole_center(&signed).and_then(|()| simulation_of(&signed)) {
            Ok(shared) => shared,
            Err(answer) => return answer,
        };
        let change: Change = match serde_json::from_slice(signed.body()) {
            Ok(change) => change,
            Err(error) => return invalid(&error),
        };
        let limit = calldata_bms::simulation::settings::MAX_ARRIVALS_PER_MINUTE;
        if change
            .arrivals_per_minute
            .is_some_and(|rate| !(0.0..=limit).contains(&rate))
        {
            return invalid(&format!("arrivalsPerMinute must be between 0 and {limit}"));
        }
        let Some(store) = signed.state().sandbox.clone() else {
            return invalid(&"the sandbox is off");
        };
        let changed = actix_web::web::block(move || {
            // The clock is read with the simulation held, so no advance slips between.
            let mut simulation = simulation::lock(&shared);
            let now = store.clock().now_ms();
            match change.paused {
                Some(true) => {
                    simulation.pause(now);
                }
                Some(false) => {
                    simulation.resume(now);
                }
                None => {}
            }
            if let Some(rate) = change.arrivals_per_minute {
                simulation.set_arrivals_per_minute(rate, now);
            }
            Status::of(&simulation)
        })
        .await;
        match changed {
            Ok(status) => success(&status),
            Err(_) => Answer::failed(ResultCode::UnknownError, "unknown error"),
        }
    }
}
