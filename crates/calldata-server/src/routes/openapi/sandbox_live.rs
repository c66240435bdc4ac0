//! The operations of `/sandbox/v1/clock` and `/sandbox/v1/simulation`
//! (`routes::sandbox::live`): the live contact center's clock and simulation.

use calldata_model::EnvelopeKind;
use utoipa::openapi::OpenApi;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema};

use super::sandbox::operation;
use crate::routes::openapi::parts;
use crate::routes::sandbox::{AdvanceClock, ChangeSimulation, ReadClock, ReadSimulation};
use crate::routes::{
    SANDBOX_CLOCK_ALLOW, SANDBOX_CLOCK_PATH, SANDBOX_SIMULATION_ALLOW, SANDBOX_SIMULATION_PATH,
};

/// Adds the clock's path and its operations to `doc`.
pub fn document_clock(doc: &mut OpenApi) {
    let clock = (SANDBOX_CLOCK_PATH, SANDBOX_CLOCK_ALLOW);
    operation::<ReadClock>(doc, clock, HttpMethod::Get, read_clock());
    operation::<AdvanceClock>(doc, clock, HttpMethod::Post, advance_clock());
}

/// Adds the simulation's path and its operations to `doc`.
pub fn document_simulation(doc: &mut OpenApi) {
    let simulation = (SANDBOX_SIMULATION_PATH, SANDBOX_SIMULATION_ALLOW);
    operation::<ReadSimulation>(doc, simulation, HttpMethod::Get, read_simulation());
    operation::<ChangeSimulation>(doc, simulation, HttpMethod::Patch, change_simulation());
}

fn reading() -> RefOr<Schema> {
    ObjectBuilder::new()
        .property(
            "nowMs",
            parts::integer().description(Some("The clock's reading, epoch milliseconds")),
        )
        .property(
            "manual",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Boolean)
                .description(Some("Whether it moves only when advanced")),
        )
        .required("nowMs")
        .required("manual")
        .into()
}

fn read_clock() -> OperationBuilder {
    Operation::builder()
        .operation_id(Some("sandbox_read_clock"))
        .summary(Some("The contact center's clock"))
        .response(
            "200",
            parts::answered(EnvelopeKind::Short, reading(), "none but the refusals"),
        )
}

fn advance_clock() -> OperationBuilder {
    let body = ObjectBuilder::new()
        .property(
            "advanceMs",
            parts::integer()
                .minimum(Some(0))
                .description(Some("Milliseconds to move the clock forward")),
        )
        .required("advanceMs")
        .into();
    Operation::builder()
        .operation_id(Some("sandbox_advance_clock"))
        .summary(Some(
            "Moves a manual clock forward; the simulation runs up to the new reading first",
        ))
        .request_body(Some(parts::json_body(body, "How far to move the clock")))
        .response(
            "200",
            parts::answered(
                EnvelopeKind::Short,
                reading(),
                "0100002 on the system clock or for a bad advanceMs, 0101003 for a key \
                 limited to some ccIds or VDNs",
            ),
        )
}

fn status() -> RefOr<Schema> {
    let integer = |description: &str| parts::integer().description(Some(description));
    ObjectBuilder::new()
        .property(
            "paused",
            ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::Boolean),
        )
        .property(
            "arrivalsPerMinute",
            ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::Number),
        )
        .property("vdns", integer("VDNs simulated"))
        .property("agents", integer("Agents simulated"))
        .property("callsInProgress", integer("Simulated calls in progress"))
        .property(
            "callsArrived",
            integer("Calls that arrived since the start"),
        )
        .property("callsEnded", integer("Calls that ended since the start"))
        .property("nowMs", integer("The reading it has run up to"))
        .property("seed", integer("Its seed"))
        .property(
            "examples",
            utoipa::openapi::schema::Array::new(
                ObjectBuilder::new()
                    .description(Some("An example call: `key`, `agent`, `endsMs`"))
                    .build(),
            ),
        )
        .into()
}

fn read_simulation() -> OperationBuilder {
    Operation::builder()
        .operation_id(Some("sandbox_read_simulation"))
        .summary(Some("What the live contact center's simulation is doing"))
        .response(
            "200",
            parts::answered(
                EnvelopeKind::Short,
                status(),
                "0100001 when the contact center is a snapshot",
            ),
        )
}

fn change_simulation() -> OperationBuilder {
    let body = ObjectBuilder::new()
        .property(
            "paused",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Boolean)
                .description(Some(
                    "true stops arrivals and every move; false resumes, later by the pause",
                )),
        )
        .property(
            "arrivalsPerMinute",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Number)
                .minimum(Some(0))
                .maximum(Some(60_000))
                .description(Some(
                    "Calls arriving per minute over all VDNs (0 stops them)",
                )),
        )
        .into();
    Operation::builder()
        .operation_id(Some("sandbox_change_simulation"))
        .summary(Some(
            "Pauses or resumes the simulation, or sets its arrival rate",
        ))
        .request_body(Some(parts::json_body(body, "What to change")))
        .response(
            "200",
            parts::answered(
                EnvelopeKind::Short,
                status(),
                "0100001 when the contact center is a snapshot, 0100002 for a bad body, \
                 0101003 for a key limited to some ccIds or VDNs",
            ),
        )
}
