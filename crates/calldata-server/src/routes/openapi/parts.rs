//! The pieces every operation of the document is built from: named schemas, JSON bodies,
//! the success envelopes of [`EnvelopeKind`], the Spring-style refusals a signed route's
//! [`Rule`] brings, and the `auth-v2` requirement.

use calldata_model::{EnvelopeKind, FailureResponse, ResultCode};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::path::OperationBuilder;
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{AnyOf, Object, ObjectBuilder, Ref, Schema, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, Header, OpenApi, RefOr, Required};

use crate::routes::signed::{Access, BodyRule, Rule};

/// The media type of every JSON body, sent and answered.
pub const JSON: &str = "application/json";

/// The security scheme of every signed operation.
pub const AUTH_V2: &str = "auth-v2";

/// Tag of the CC-CMS interfaces.
pub const CC_CMS: &str = "cc-cms";

/// Tag of the sandbox API.
pub const SANDBOX: &str = "sandbox";

/// Tag of the unsigned operator endpoints.
pub const OPERATIONS: &str = "operations";

/// A transport-level refusal, Spring style.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpringError {
    /// Epoch milliseconds.
    pub timestamp: i64,
    /// HTTP status.
    pub status: u16,
    /// Reason phrase.
    pub error: String,
    /// What happened; one fixed message per status.
    pub message: String,
    /// Request path.
    pub path: String,
}

/// `/healthz`: the process serves requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    #[schema(example = "ok")]
    pub status: String,
}

/// `/readyz`: whether the call source can answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` (HTTP 200) or `not ready` (HTTP 503).
    #[schema(example = "ready")]
    pub status: String,
    /// The call source: `embedded` or `bms`.
    #[schema(example = "embedded")]
    pub source: String,
    /// Why it cannot answer (503 only); names a fault class, never an address.
    pub reason: Option<String>,
    /// The source's own state, if it reports any (the BMS breaker, its last probe).
    pub detail: Option<String>,
}

/// `T` as a named schema of the document: it and the schemas it names are added to the
/// components, and a reference to it is returned.
pub fn named<T: ToSchema>(doc: &mut OpenApi) -> RefOr<Schema> {
    let components = doc.components.get_or_insert_with(Default::default);
    let mut schemas = vec![(T::name().into_owned(), T::schema())];
    T::schemas(&mut schemas);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
    schema_ref(&T::name())
}

/// A reference to the component schema `name`.
pub fn schema_ref(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

/// A required JSON request body of `schema`.
pub fn json_body(schema: RefOr<Schema>, description: &str) -> RequestBody {
    RequestBody::builder()
        .description(Some(description))
        .required(Some(Required::True))
        .content(JSON, Content::new(Some(schema)))
        .build()
}

/// A JSON answer of `schema`.
pub fn json_response(description: &str, schema: RefOr<Schema>) -> ResponseBuilder {
    Response::builder()
        .description(description)
        .content(JSON, Content::new(Some(schema)))
}

/// The HTTP 200 answer of a signed route: `payload` in the success envelope of `kind`, or
/// the failure envelope with any other result code.
pub fn answered(kind: EnvelopeKind, payload: RefOr<Schema>, outcomes: &str) -> Response {
    let either = AnyOf::builder()
        .item(success(kind, payload))
        .item(schema_ref(&FailureResponse::name()))
        .build();
    let success = match kind {
        EnvelopeKind::Full => "0100000 in the full envelope",
        EnvelopeKind::Short => "0100000 in the short envelope",
        EnvelopeKind::Bare => "the answer itself, with no envelope",
    };
    json_response(
        &format!(
            "Every business outcome: on success {success}; any other result code in the \
             failure envelope ({outcomes})"
        ),
        Schema::AnyOf(either).into(),
    )
    .build()
}

/// The success body of `kind` around `payload` (the model's `Envelope`).
fn success(kind: EnvelopeKind, payload: RefOr<Schema>) -> RefOr<Schema> {
    let code = string()
        .enum_values(Some([ResultCode::Success.as_str_static()]))
        .description(Some("Success."));
    let envelope = Object::builder()
        .schema_type(Type::Object)
        .property("resultCode", code)
        .required("resultCode")
        .property("resultDesc", payload.clone())
        .required("resultDesc");
    match kind {
        EnvelopeKind::Bare => payload,
        EnvelopeKind::Short => envelope
            .description(Some("`resultCode` and `resultDesc`."))
            .into(),
        EnvelopeKind::Full => envelope
            .description(Some(
                "`result`, `resultCode`, `resultDatas`, `resultDesc`, in that order; `result` \
                 and `resultDatas` are for clients of version 8.13 and earlier and are left \
                 out with `legacy_fields = false`.",
            ))
            .property(
                "result",
                string()
                    .enum_values(Some(["0"]))
                    .description(Some("`0` (8.13-era field).")),
            )
            .property("resultDatas", payload)
            .into(),
    }
}

/// The operation signed with `auth-v2`, with the refusals its `rule` brings (the order of
/// checks of `routes::signed`) and its path's 405 naming `allow`.
pub fn signed(operation: OperationBuilder, rule: Rule, allow: &str) -> OperationBuilder {
    let mut operation = operation.security(SecurityRequirement::new(AUTH_V2, Vec::<String>::new()));
    if rule.body == BodyRule::Json {
        operation = operation
            .response(
                "400",
                refusal("The body could not be read from the connection"),
            )
            .response(
                "408",
                refusal("The body did not arrive within `client_request_timeout_ms`"),
            )
            .response(
                "413",
                refusal("The body is larger than `body_limit_bytes` (16 KiB by default)"),
            )
            .response(
                "415",
                refusal("`Content-Type` is not `application/json` in UTF-8"),
            );
    }
    let unauthorized = match rule.access {
        Access::Read => "The signature is missing, invalid or expired",
        Access::Change => {
            "The signature is missing, invalid or expired, or already used (a change is \
             accepted once per signature)"
        }
    };
    let limited = match rule.access {
        Access::Read => {
            "Over the rate limit of the access key, or, for a signature already seen, of the \
             client address"
        }
        Access::Change => {
            "Over the rate limit of the access key, or the table of signatures seen is full"
        }
    };
    operation
        .response("401", refusal(unauthorized))
        .response(
            "403",
            refusal("The client address is locked out after repeated failed signatures"),
        )
        .response("405", method_not_allowed(allow))
        .response(
            "421",
            refusal("Signed for a `Host` that `accepted_hosts` does not list"),
        )
        .response(
            "429",
            Response::builder()
                .description(limited)
                .content(JSON, Content::new(Some(schema_ref(&SpringError::name()))))
                .header(
                    "Retry-After",
                    Header::builder()
                        .schema(Some(integer()))
                        .description(Some("Seconds to wait before trying again."))
                        .build(),
                )
                .build(),
        )
}

/// The 405 of a path that allows only `allow`, with its `Allow` header.
pub fn method_not_allowed(allow: &str) -> Response {
    Response::builder()
        .description(format!("Any other method than {allow}"))
        .content(JSON, Content::new(Some(schema_ref(&SpringError::name()))))
        .header(
            "Allow",
            Header::builder()
                .schema(Some(string().enum_values(Some([allow]))))
                .build(),
        )
        .build()
}

/// A Spring-style refusal.
pub fn refusal(description: &str) -> Response {
    json_response(description, schema_ref(&SpringError::name())).build()
}

/// An integer schema.
pub fn integer() -> ObjectBuilder {
    Object::builder().schema_type(Type::Integer)
}

/// A string schema.
pub fn string() -> ObjectBuilder {
    Object::builder().schema_type(Type::String)
}
