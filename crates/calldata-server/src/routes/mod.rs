//! Every route of the service and the one function that mounts them, used by `startup`
//! and by tests alike.

pub mod body;
pub mod health;
pub mod openapi;
pub mod ping;
pub mod query;
pub mod reply;
pub mod sandbox;

use actix_web::{HttpRequest, HttpResponse, Route, web};
use calldata_model::QUERY_BASIC_CALL_INFO_PATH;

use crate::errors::Refusal;

/// Path of the platform health check.
pub const PING_PATH: &str = "/rest/cmsapp/v1/ping";
/// Path of the sandbox admin API.
pub const SANDBOX_CALLS_PATH: &str = "/sandbox/v1/calls";

/// Mounts every route; unknown paths get 404 and wrong methods 405, Spring style.
pub fn configure(config: &mut web::ServiceConfig, sandbox: bool) {
    config.service(
        web::resource(QUERY_BASIC_CALL_INFO_PATH)
            .route(web::post().to(query::query))
            .default_service(only("POST")),
    );
    config.service(
        web::resource(PING_PATH)
            .route(web::get().to(ping::ping))
            .default_service(only("GET")),
    );
    config.service(
        web::resource("/healthz")
            .route(web::get().to(health::healthz))
            .default_service(only("GET")),
    );
    config.service(
        web::resource("/readyz")
            .route(web::get().to(health::readyz))
            .default_service(only("GET")),
    );
    config.service(
        web::resource("/metrics")
            .route(web::get().to(health::metrics))
            .default_service(only("GET")),
    );
    config.service(
        web::resource("/openapi.json")
            .app_data(web::Data::new(openapi::DocumentText::default()))
            .route(web::get().to(openapi::document))
            .default_service(only("GET")),
    );
    if sandbox {
        config.service(
            web::resource(SANDBOX_CALLS_PATH)
                .route(web::get().to(sandbox::list))
                .route(web::post().to(sandbox::add))
                .route(web::put().to(sandbox::replace))
                .route(web::delete().to(sandbox::end))
                .default_service(only("GET, POST, PUT, DELETE")),
        );
    }
    config.default_service(web::to(not_found));
}

async fn not_found(request: HttpRequest) -> HttpResponse {
    Refusal::not_found().respond(&request)
}

/// The 405 answer of a resource that allows only `allow`.
fn only(allow: &'static str) -> Route {
    web::to(move |request: HttpRequest| {
        std::future::ready(Refusal::method_not_allowed(allow).respond(&request))
    })
}
