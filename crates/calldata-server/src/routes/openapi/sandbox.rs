//! The operations of the sandbox API on `/sandbox/v1/calls` and `/sandbox/v1/agents`
//! (`routes::sandbox`): each one's parameters, body and answer, and the refusals its
//! route's [`Rule`] brings. The paths are served only with the sandbox on (the embedded
//! backend), so every operation documents the 404 of a server without it.
//!
//! [`Rule`]: crate::routes::signed::Rule

use calldata_model::{
    AgentFields, BasicCallInfo, CallDetailRecord, CallTrack, CcId, EnvelopeKind,
    QueryBasicCallInfo, Vdn,
};
use utoipa::PartialSchema;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, Parameter, ParameterIn};
use utoipa::openapi::schema::{AllOf, Array, ObjectBuilder, Schema};
use utoipa::openapi::{RefOr, Required};

use crate::routes::mount::SignedRoute;
use crate::routes::openapi::parts::{self, SANDBOX};
use crate::routes::sandbox::{
    Add, Change, DEFAULT_LIMIT, End, List, ListAgents, MAX_LIMIT, Replace, SignIn, SignOut,
};
use crate::routes::{SANDBOX_AGENTS_ALLOW, SANDBOX_AGENTS_PATH, SANDBOX_ALLOW, SANDBOX_CALLS_PATH};

/// Adds the sandbox's calls path and its operations to `doc`.
pub fn document(doc: &mut OpenApi) {
    let record = record(doc);
    let calls = (SANDBOX_CALLS_PATH, SANDBOX_ALLOW);
    operation::<List>(doc, calls, HttpMethod::Get, list(&record));
    operation::<Add>(doc, calls, HttpMethod::Post, add(&record));
    operation::<Replace>(doc, calls, HttpMethod::Put, replace(&record));
    operation::<Change>(doc, calls, HttpMethod::Patch, change(&record));
    let ended = ended_record(doc);
    operation::<End>(doc, calls, HttpMethod::Delete, end(ended));
}

/// Adds the sandbox's agents path and its operations to `doc`.
pub fn document_agents(doc: &mut OpenApi) {
    let agent = parts::named::<AgentFields>(doc);
    let agents = (SANDBOX_AGENTS_PATH, SANDBOX_AGENTS_ALLOW);
    operation::<ListAgents>(doc, agents, HttpMethod::Get, list_agents());
    operation::<SignIn>(doc, agents, HttpMethod::Post, sign_in(&agent));
    operation::<SignOut>(doc, agents, HttpMethod::Delete, sign_out());
}

/// Route `R`'s operation on `method` at `path`: its own part, the sandbox's 404, and the
/// refusals of `R::RULE`.
pub(super) fn operation<R: SignedRoute>(
    doc: &mut OpenApi,
    (path, allow): (&str, &str),
    method: HttpMethod,
    own: OperationBuilder,
) {
    let own = own.tag(SANDBOX).response(
        "404",
        parts::refusal(
            "The sandbox is off: it is served only with the embedded backend and \
             `embedded.sandbox` on",
        ),
    );
    let operation = parts::signed(own, R::RULE, allow).build();
    doc.paths.add_path_operation(path, vec![method], operation);
}

/// The name of the call record's schema (`calldata_bms::CallRecord`).
const RECORD: &str = "CallRecord";

/// The call record, `CallRecord`: the key fields of the query body, the 25 call fields and
/// the extras of the detail and agent views, in one flat object.
fn record(doc: &mut OpenApi) -> RefOr<Schema> {
    let key = parts::named::<QueryBasicCallInfo>(doc);
    let call = parts::named::<BasicCallInfo>(doc);
    let record = AllOf::builder()
        .item(key)
        .item(call)
        .item(extras())
        .description(Some(
            "One call in progress with its key, as one flat object: `ccId`, `vdn`, `callId`, \
             the 25 call fields, then what querydetailcallinfo and the agent views add. Read \
             as leniently as the query body; absent numbers are completed (0; 65535 for \
             `callInCause`). A call at an agent has `deviceType` 2 and the agent's ID in \
             `deviceNo`; a call in an agent's private queue has `callStatus` 3, `deviceType` \
             1 and the agent's ID in `deviceNo`; a record that breaks these rules is \
             `0100002`.",
        ))
        .build();
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .insert(RECORD.to_owned(), Schema::AllOf(record).into());
    parts::schema_ref(RECORD)
}

/// The record's extras (`calldata_bms::CallExtras`).
fn extras() -> Schema {
    let integer = |description: &str| parts::integer().description(Some(description)).build();
    Schema::Object(
        ObjectBuilder::new()
            .property("cb", integer("Control-block ID (querydetailcallinfo's `cb`); absent: 0"))
            .property(
                "callData",
                parts::string()
                    .description(Some("Call-associated data (querydetailcallinfo's `callData`)")),
            )
            .property(
                "callStatus",
                parts::integer().minimum(Some(0)).maximum(Some(9)).description(Some(
                    "0 idle .. 9 three-party (agentgroup/queryagentcalls); absent: 5 talking at \
                     an agent, 1 occupied elsewhere; 3 puts the call in the private queue of \
                     agent `deviceNo`",
                )),
            )
            .property(
                "callInOut",
                parts::integer()
                    .minimum(Some(0))
                    .maximum(Some(1))
                    .description(Some("0 inbound (when absent), 1 outbound")),
            )
            .property(
                "submediaType",
                parts::integer().minimum(Some(1)).maximum(Some(9)).description(Some(
                    "Sub-media type of a social chat call (`mediaType` 53) only",
                )),
            )
            .build(),
    )
}

fn change(record: &RefOr<Schema>) -> OperationBuilder {
    Operation::builder()
        .operation_id(Some("sandbox_change"))
        .summary(Some(
            "Changes some fields of a call in progress: moves it to an agent, a queue or an \
             agent's private queue, sets its status",
        ))
        .request_body(Some(parts::json_body(
            parts::schema_ref(RECORD),
            "The call's `ccId`, `vdn` and `callId` and the fields to change, e.g. \
             `{\"deviceType\":2,\"deviceNo\":1099,\"callStatus\":6}`; the record they make \
             must be valid",
        )))
        .response(
            "200",
            parts::answered(
                EnvelopeKind::Short,
                record.clone(),
                "0100001 when the call is not in progress, 0100002 when the changed record is \
                 invalid or the store is full, 0101003 for a key outside the access key's scope",
            ),
        )
}

fn agent_record() -> RefOr<Schema> {
    let ids = || Array::new(RefOr::T(Schema::Object(parts::string().build())));
    Schema::Object(
        ObjectBuilder::new()
            .property("ccId", parts::integer())
            .property("vdn", parts::integer())
            .property("agentId", parts::integer())
            .property("calls", ids())
            .property("privateCalls", ids())
            .description(Some(
                "A signed-in agent with the IDs of its calls (queryagentcalls) and of those in \
                 its private queue (agentprivatecall)",
            ))
            .build(),
    )
    .into()
}

fn list_agents() -> OperationBuilder {
    listing(
        (
            "sandbox_list_agents",
            "Lists the signed-in agents within the key's scope, with their calls",
        ),
        "agents",
        agent_record(),
    )
}

fn sign_in(agent: &RefOr<Schema>) -> OperationBuilder {
    Operation::builder()
        .operation_id(Some("sandbox_sign_in"))
        .summary(Some(
            "Signs an agent in: it answers `[]` until a call is placed at it",
        ))
        .request_body(Some(parts::json_body(
            agent.clone(),
            "The agent to sign in",
        )))
        .response(
            "200",
            parts::answered(
                EnvelopeKind::Short,
                agent.clone(),
                "0100002 when the agent is signed in already or the body is invalid, 0101003 \
                 for a VDN outside the key's scope",
            ),
        )
}

fn sign_out() -> OperationBuilder {
    Operation::builder()
        .operation_id(Some("sandbox_sign_out"))
        .summary(Some(
            "Signs an agent out; refused while calls are at it or in its private queue",
        ))
        .parameter(query(
            "ccId",
            true,
            id_range(CcId::MIN, CcId::MAX),
            "The agent's call center.",
        ))
        .parameter(query(
            "vdn",
            true,
            id_range(Vdn::MIN, Vdn::MAX),
            "The agent's VDN.",
        ))
        .parameter(query(
            "agentId",
            true,
            parts::integer()
                .minimum(Some(101))
                .maximum(Some(999_999))
                .into(),
            "The agent's ID (101..=59999 or 70000..=999999).",
        ))
        .response(
            "200",
            parts::answered(
                EnvelopeKind::Short,
                parts::string()
                    .enum_values(Some(["agent signed out"]))
                    .into(),
                "0100001 when the agent is not signed in, 0100002 while it has calls or for a \
                 bad parameter, 0101003 for a VDN outside the key's scope",
            ),
        )
}

fn list(record: &RefOr<Schema>) -> OperationBuilder {
    listing(
        (
            "sandbox_list",
            "Lists the calls of the sandbox store within the key's scope",
        ),
        "calls",
        record.clone(),
    )
}

/// A list of `what` (`calls`, `agents`) filtered by `ccId` and `vdn` and cut at `limit`,
/// each item as `item`.
fn listing((id, summary): (&str, &str), what: &str, item: RefOr<Schema>) -> OperationBuilder {
    Operation::builder()
        .operation_id(Some(id))
        .summary(Some(summary))
        .parameter(query(
            "ccId",
            false,
            id_range(CcId::MIN, CcId::MAX),
            &format!("Only {what} of this call center."),
        ))
        .parameter(query(
            "vdn",
            false,
            id_range(Vdn::MIN, Vdn::MAX),
            &format!("Only {what} of this VDN."),
        ))
        .parameter(query(
            "limit",
            false,
            parts::integer()
                .minimum(Some(1))
                .maximum(Some(MAX_LIMIT))
                .default(Some(DEFAULT_LIMIT.into()))
                .into(),
            &format!("Most {what} listed."),
        ))
        .response(
            "200",
            parts::answered(
                EnvelopeKind::Short,
                Schema::Array(Array::new(item)).into(),
                "0100002 for a parameter out of range, 0101003 for a ccId or vdn outside the \
                 key's scope",
            ),
        )
}

fn add(record: &RefOr<Schema>) -> OperationBuilder {
    Operation::builder()
        .operation_id(Some("sandbox_add"))
        .summary(Some("Adds a call that does not exist yet"))
        .request_body(Some(parts::json_body(record.clone(), "The call to add")))
        .response(
            "200",
            parts::answered(
                EnvelopeKind::Short,
                record.clone(),
                "0100002 when the call exists (use PUT), the record is invalid or the store is \
                 full, 0101003 for a key outside the access key's scope",
            ),
        )
}

fn replace(record: &RefOr<Schema>) -> OperationBuilder {
    Operation::builder()
        .operation_id(Some("sandbox_replace"))
        .summary(Some("Adds a call or replaces the call of the same key"))
        .request_body(Some(parts::json_body(
            record.clone(),
            "The call to add or replace",
        )))
        .response(
            "200",
            parts::answered(
                EnvelopeKind::Short,
                record.clone(),
                "0100002 when the record is invalid or the store is full, 0101003 for a key \
                 outside the access key's scope",
            ),
        )
}

/// What ending a call answers: its detail record and its track.
fn ended_record(doc: &mut OpenApi) -> RefOr<Schema> {
    let record = parts::named::<CallDetailRecord>(doc);
    let track = parts::named::<CallTrack>(doc);
    ObjectBuilder::new()
        .property("record", record)
        .property("track", track)
        .required("record")
        .required("track")
        .description(Some(
            "The ended call's record and track, as querycalldetailbyid and \
             querycalltracedetail answer them from now on",
        ))
        .into()
}

fn end(ended: RefOr<Schema>) -> OperationBuilder {
    let key = QueryBasicCallInfo::schema();
    Operation::builder()
        .operation_id(Some("sandbox_end"))
        .summary(Some(
            "Ends a call: it is no longer in progress, and its record and track are kept",
        ))
        .parameter(query(
            "ccId",
            true,
            id_range(CcId::MIN, CcId::MAX),
            "The call's call center.",
        ))
        .parameter(query(
            "vdn",
            true,
            id_range(Vdn::MIN, Vdn::MAX),
            "The call's VDN.",
        ))
        .parameter(query(
            "callId",
            true,
            call_id(&key),
            "The call ID, `<start time>-<sequence>`.",
        ))
        .parameter(query(
            "releaseCause",
            false,
            parts::integer()
                .minimum(Some(0))
                .maximum(Some(65_535))
                .into(),
            "Why the call ended, a code of the enter/leave reason table (default: 88, the \
             customer hung up after an agent answered; 89 before).",
        ))
        .response(
            "200",
            parts::answered(
                EnvelopeKind::Short,
                ended,
                "0100001 when the call is not in progress, 0100002 for a bad parameter, \
                 0101003 for a key outside the access key's scope",
            ),
        )
}

/// A query parameter.
pub(super) fn query(
    name: &str,
    required: bool,
    schema: RefOr<Schema>,
    description: &str,
) -> Parameter {
    Parameter::builder()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

fn id_range(min: u16, max: u16) -> RefOr<Schema> {
    parts::integer()
        .minimum(Some(min))
        .maximum(Some(max))
        .into()
}

/// The `callId` property of the query body's schema, so that the parameter has the same
/// rules.
fn call_id(key: &RefOr<Schema>) -> RefOr<Schema> {
    match key {
        RefOr::T(Schema::Object(object)) => object.properties.get("callId").cloned(),
        _ => None,
    }
    .unwrap_or_else(|| parts::string().into())
}
