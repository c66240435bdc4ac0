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
use serde::Deserialize;
use serde_json::Value;

use super::{CHANGE_WITH_BODY, LIST, center_of, invalid, store_of, submitted, success};
use crate::answer::Answer;
use crate::center::{CenterChange, ClockReading, SimulationView, no_simulation};
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

/// The simulation, or `0100001` when none runs (or this replica has not yet joined the
/// shared center).
fn simulation_of(signed: &Signed<'_>) -> Result<SharedSimulation, Answer> {
    signed.state().simulation.get().cloned().ok_or_else(|| {
        let refused = no_simulation();
        Answer::failed(refused.code, refused.message)
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
        let center =
            match center_of(&signed).and_then(|center| whole_center(&signed).map(|()| center)) {
                Ok(center) => center,
                Err(answer) => return answer,
            };
        match object(&signed).map(|body| body.get("advanceMs").and_then(Value::as_i64)) {
            // The steps up to the new reading run before the answer (bounded per request:
            // see the center's rules).
            Ok(Some(by_ms)) if by_ms >= 0 => {
                submitted(&center, CenterChange::AdvanceClock { by_ms }).await
            }
            Ok(_) => invalid(&"advanceMs must be a whole number of milliseconds, 0 or more"),
            Err(answer) => answer,
        }
    }
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
        match actix_web::web::block(move || SimulationView::of(&simulation::lock(&shared))).await {
            Ok(status) => success(&status),
            Err(_) => Answer::failed(ResultCode::UnknownError, "unknown error"),
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
        let center = match whole_center(&signed)
            .and_then(|()| simulation_of(&signed))
            .and_then(|_| center_of(&signed))
        {
            Ok(center) => center,
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
        let change = CenterChange::Simulation {
            paused: change.paused,
            arrivals_per_minute: change.arrivals_per_minute,
        };
        submitted(&center, change).await
    }
}
