//! The OpenAPI 3 document of the public endpoint, generated from the model types and
//! served at `/openapi.json` (`cargo xtask openapi` writes it to `docs/openapi.json`).

use actix_web::HttpResponse;
use actix_web::http::header::CONTENT_TYPE;
use calldata_model::{BasicCallInfo, FailureResponse, QueryBasicCallInfo};
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::answer::JSON;

/// The document.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "calldata: CC-CMS call-data open API",
        description = "Query basic information about a call in progress by call ID, as Huawei \
            CC-CMS answers it. Every business outcome is HTTP 200 with a resultCode; other \
            statuses are transport-level refusals in the Spring error format.",
    ),
    paths(query_basic_call_info, ping),
    components(schemas(
        QueryBasicCallInfo,
        BasicCallInfo,
        SuccessBody,
        FailureResponse,
        QueryAnswer,
        PingEcho,
        PingAnswer,
        SpringError
    )),
    modifiers(&AuthV2)
)]
pub struct ApiDoc;

/// A success answer (`result` and `resultDatas` may be switched off by the operator).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct SuccessBody {
    /// `"0"` (8.13-era field).
    result: Option<String>,
    /// `"0100000"`.
    #[schema(example = "0100000")]
    result_code: String,
    /// The call (8.13-era field).
    result_datas: Option<BasicCallInfo>,
    /// The call.
    result_desc: BasicCallInfo,
}

/// What the endpoint answers with HTTP 200: a success or a failure envelope.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // a schema, never built
enum QueryAnswer {
    /// The call was found.
    Success(Box<SuccessBody>),
    /// Any other result code, with a message.
    Failure(FailureResponse),
}

/// A transport-level refusal, Spring style.
#[derive(Serialize, ToSchema)]
struct SpringError {
    /// Epoch milliseconds.
    timestamp: i64,
    /// HTTP status.
    status: u16,
    /// Reason phrase.
    error: String,
    /// What happened.
    message: String,
    /// Request path.
    path: String,
}

struct AuthV2;

impl Modify for AuthV2 {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "auth-v2",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "auth-v2/{AK}/{timestamp}/{signedHeaders}/{signature}: an HMAC-SHA256 request \
                 signature over method, path, query, signed headers (host required) and body",
            ))),
        );
    }
}

/// Query basic information about a call in progress.
#[utoipa::path(
    post,
    path = "/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo",
    request_body(content = QueryBasicCallInfo, content_type = "application/json"),
    responses(
        (status = 200, description = "Business outcome: 0100000 with the call, or a failure code \
            (0100001 not found/BMS failure, 0100002 invalid parameter, 0100003 CTI 3.6, \
            0100999 unknown, 0101003 insufficient permission)", body = QueryAnswer),
        (status = 401, description = "Signature missing, invalid or expired", body = SpringError),
        (status = 403, description = "Client address locked out after repeated failures", body = SpringError),
        (status = 405, description = "Only POST is allowed", body = SpringError),
        (status = 408, description = "The body did not arrive in time", body = SpringError),
        (status = 413, description = "Body larger than the limit (16 KiB by default)", body = SpringError),
        (status = 415, description = "Content-Type is not application/json", body = SpringError),
        (status = 421, description = "Signed for a Host that accepted_hosts does not list", body = SpringError),
        (status = 429, description = "Over the rate limit of the access key, or of the client address for a replayed signature; Retry-After says when to try again", body = SpringError),
    ),
    security(("auth-v2" = []))
)]
#[allow(dead_code)]
fn query_basic_call_info() {}

/// The echo of a ping.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)] // a schema, never built
struct PingEcho {
    /// The object the ping carried, members in the order sent.
    request: serde_json::Map<String, serde_json::Value>,
    /// `UP`.
    #[schema(example = "UP")]
    status: String,
}

/// What ping answers with HTTP 200: the echo, or a failure envelope (`0100002` for a body
/// that is not a JSON object).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // a schema, never built
enum PingAnswer {
    /// The platform is up.
    Echo(PingEcho),
    /// A failure code with a message.
    Failure(FailureResponse),
}

/// Signed health check: echoes the JSON object it is sent (Huawei's `ping`).
#[utoipa::path(
    post,
    path = "/rest/cmsapp/v1/ping",
    request_body(content = Object, content_type = "application/json", description = "Any JSON object, e.g. {\"say\": \"Hello world!\"}; an empty body means {}"),
    responses(
        (status = 200, description = "{\"request\": <the object>, \"status\": \"UP\"}, or 0100002 for a body that is not a JSON object", body = PingAnswer),
        (status = 401, description = "Signature missing, invalid or expired", body = SpringError),
        (status = 403, description = "Client address locked out after repeated failures", body = SpringError),
        (status = 405, description = "Only POST is allowed", body = SpringError),
        (status = 408, description = "The body did not arrive in time", body = SpringError),
        (status = 413, description = "Body larger than the limit", body = SpringError),
        (status = 415, description = "Content-Type is not application/json", body = SpringError),
        (status = 421, description = "Signed for a Host that accepted_hosts does not list", body = SpringError),
        (status = 429, description = "Over the rate limit of the access key, or of the client address for a replayed signature", body = SpringError),
    ),
    security(("auth-v2" = []))
)]
#[allow(dead_code)]
fn ping() {}

/// The document as pretty JSON.
pub fn document_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

/// The document's text, made on the first request a worker serves and kept: building it
/// costs far more than sending it, and `GET /openapi.json` needs no signature.
#[derive(Debug, Default)]
pub struct DocumentText(std::sync::OnceLock<actix_web::web::Bytes>);

/// `GET /openapi.json`.
pub async fn document(text: actix_web::web::Data<DocumentText>) -> HttpResponse {
    let body = text
        .0
        .get_or_init(|| actix_web::web::Bytes::from(document_json()))
        .clone();
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, JSON))
        .body(body)
}
