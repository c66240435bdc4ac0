//! The operations of the sandbox API on `/sandbox/v1/calls` (`routes::sandbox`): each one's
//! parameters, body and answer, and the refusals its route's [`Rule`] brings. The path is
//! served only with the sandbox on (the embedded backend), so every operation documents the
//! 404 of a server without it.
//!
//! [`Rule`]: crate::routes::signed::Rule

use calldata_model::{BasicCallInfo, CcId, EnvelopeKind, QueryBasicCallInfo, Vdn};
use utoipa::PartialSchema;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, Parameter, ParameterIn};
use utoipa::openapi::schema::{AllOf, Array, Schema};
use utoipa::openapi::{RefOr, Required};

use crate::routes::mount::SignedRoute;
use crate::routes::openapi::parts::{self, SANDBOX};
use crate::routes::sandbox::{Add, DEFAULT_LIMIT, End, List, MAX_LIMIT, Replace};
use crate::routes::{SANDBOX_ALLOW, SANDBOX_CALLS_PATH};

/// Adds the sandbox path and its four operations to `doc`.
pub fn document(doc: &mut OpenApi) {
    let record = record(doc);
    operation::<List>(doc, HttpMethod::Get, list(&record));
    operation::<Add>(doc, HttpMethod::Post, add(&record));
    operation::<Replace>(doc, HttpMethod::Put, replace(&record));
    operation::<End>(doc, HttpMethod::Delete, end());
}

/// Route `R`'s operation on `method`: its own part, the sandbox's 404, and the refusals of
/// `R::RULE`.
fn operation<R: SignedRoute>(doc: &mut OpenApi, method: HttpMethod, own: OperationBuilder) {
    let own = own.tag(SANDBOX).response(
        "404",
        parts::refusal(
            "The sandbox is off: it is served only with the embedded backend and \
             `embedded.sandbox` on",
        ),
    );
    let operation = parts::signed(own, R::RULE, SANDBOX_ALLOW).build();
    doc.paths
        .add_path_operation(SANDBOX_CALLS_PATH, vec![method], operation);
}

/// The name of the call record's schema (`calldata_bms::CallRecord`).
const RECORD: &str = "CallRecord";

/// The call record, `CallRecord`: the key fields of the query body and the 25 call fields
/// in one flat object.
fn record(doc: &mut OpenApi) -> RefOr<Schema> {
    let key = parts::named::<QueryBasicCallInfo>(doc);
    let call = parts::named::<BasicCallInfo>(doc);
    let record = AllOf::builder()
        .item(key)
        .item(call)
        .description(Some(
            "One call in progress with its key, as one flat object: `ccId`, `vdn`, `callId` \
             and the 25 call fields. Read as leniently as the query body; absent numbers are \
             completed (0; 65535 for `callInCause`).",
        ))
        .build();
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .insert(RECORD.to_owned(), Schema::AllOf(record).into());
    parts::schema_ref(RECORD)
}

fn list(record: &RefOr<Schema>) -> OperationBuilder {
    let records = Array::new(record.clone());
    Operation::builder()
        .operation_id(Some("sandbox_list"))
        .summary(Some(
            "Lists the calls of the sandbox store within the key's scope",
        ))
        .parameter(query(
            "ccId",
            false,
            id_range(CcId::MIN, CcId::MAX),
            "Only calls of this call center.",
        ))
        .parameter(query(
            "vdn",
            false,
            id_range(Vdn::MIN, Vdn::MAX),
            "Only calls of this VDN.",
        ))
        .parameter(query(
            "limit",
            false,
            parts::integer()
                .minimum(Some(1))
                .maximum(Some(MAX_LIMIT))
                .default(Some(DEFAULT_LIMIT.into()))
                .into(),
            "Most calls listed.",
        ))
        .response(
            "200",
            parts::answered(
                EnvelopeKind::Short,
                Schema::Array(records).into(),
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

fn end() -> OperationBuilder {
    let key = QueryBasicCallInfo::schema();
    Operation::builder()
        .operation_id(Some("sandbox_end"))
        .summary(Some("Ends a call: it is no longer in progress"))
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
        .response(
            "200",
            parts::answered(
                EnvelopeKind::Short,
                parts::string().enum_values(Some(["call ended"])).into(),
                "0100001 when the call is not in progress, 0100002 for a bad parameter, \
                 0101003 for a key outside the access key's scope",
            ),
        )
}

/// A query parameter.
fn query(name: &str, required: bool, schema: RefOr<Schema>, description: &str) -> Parameter {
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
