//! The OpenAPI 3.1 document of everything the server serves, built from [`ROUTES`], the
//! list `routes::configure` mounts from: each entry adds its own path (a CC-CMS interface
//! from its `Interface` and schemas, `interface.rs`; the sandbox, `sandbox.rs`; the unsigned
//! endpoints from the `#[utoipa::path]` of their handlers). Served at `/openapi.json`;
//! `cargo xtask openapi` writes it to `docs/openapi.json`.

pub mod interface;
pub mod parts;
pub mod sandbox;
pub mod sandbox_live;

use actix_web::HttpResponse;
use actix_web::http::header::CONTENT_TYPE;
use calldata_model::FailureResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::ROUTES;
use crate::routes::openapi::parts::{AUTH_V2, Health, OPERATIONS, Readiness, SpringError};
use calldata_model::JSON_CONTENT_TYPE;

/// Path of the document.
pub const DOCUMENT_PATH: &str = "/openapi.json";

/// What the document says before its paths: the title, the shared schemas and the
/// `auth-v2` scheme.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "calldata: CC-CMS call-data open API",
        description = "The CC-CMS call-data open API as Huawei CC-CMS answers it: the signed \
            interfaces under /rest/cmsapp/v1/ (tag cc-cms), the sandbox API of the embedded \
            backend (tag sandbox; absent, 404, without it) and the unsigned operator \
            endpoints (tag operations). Every business outcome of a signed route is HTTP 200 \
            with a resultCode; other statuses are transport-level refusals in the Spring \
            error format.",
    ),
    components(schemas(FailureResponse, SpringError, Health, Readiness)),
    modifiers(&AuthV2)
)]
struct Base;

struct AuthV2;

impl Modify for AuthV2 {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            AUTH_V2,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "auth-v2/{AK}/{timestamp}/{signedHeaders}/{signature}: an HMAC-SHA256 request \
                 signature over method, path, query, signed headers (host required) and body",
            ))),
        );
    }
}

/// The document: the base, then every entry of [`ROUTES`].
pub fn build() -> utoipa::openapi::OpenApi {
    let mut doc = Base::openapi();
    for route in ROUTES {
        (route.document)(&mut doc);
    }
    doc
}

/// Adds an unsigned operator endpoint, documented by the `#[utoipa::path]` of its handler
/// (`P` is the `__path_` item the attribute makes), to `doc`: under the operations tag,
/// with the 405 of its path, which allows `GET` alone (`routes::get_only`).
pub fn operator<P: utoipa::Path>(doc: &mut utoipa::openapi::OpenApi) {
    let mut operation = P::operation();
    operation.tags = Some(vec![OPERATIONS.to_owned()]);
    operation
        .responses
        .responses
        .insert("405".to_owned(), parts::method_not_allowed("GET").into());
    doc.paths
        .add_path_operation(P::path(), P::methods(), operation);
}

/// The document as pretty JSON.
pub fn document_json() -> String {
    build().to_pretty_json().unwrap_or_default()
}

/// The document's text, made on the first request a worker serves and kept: building it
/// costs far more than sending it, and `GET /openapi.json` needs no signature.
#[derive(Debug, Default)]
pub struct DocumentText(std::sync::OnceLock<actix_web::web::Bytes>);

/// This document.
///
/// The OpenAPI 3.1 document of every path the server serves (`docs/openapi.json` holds the
/// same text).
#[utoipa::path(
    get,
    path = DOCUMENT_PATH,
    operation_id = "openapi",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", body = Object,
            content_type = "application/json"),
    )
)]
pub async fn document(text: actix_web::web::Data<DocumentText>) -> HttpResponse {
    let body = text
        .0
        .get_or_init(|| actix_web::web::Bytes::from(document_json()))
        .clone();
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, JSON_CONTENT_TYPE))
        .body(body)
}
