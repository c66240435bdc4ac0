//! Every route of the service and the one function that mounts them, used by `startup`
//! and by tests alike. Each CC-CMS interface is one `mount::interface` line; `signed.rs` is
//! the pipeline every signed route goes through, `mount.rs` the one place a route gets its
//! 405 and its metrics series.

pub mod body;
pub mod health;
pub mod mount;
pub mod openapi;
pub mod ping;
pub mod query;
pub mod reply;
pub mod sandbox;
pub mod signed;

use actix_web::{HttpRequest, HttpResponse, web};
use calldata_model::{Ping, QueryBasicCallInfo};

use crate::errors::Refusal;
use crate::metrics::Metrics;
use crate::routes::mount::{interface, only, resource, signed};

/// Path of the sandbox admin API.
pub const SANDBOX_CALLS_PATH: &str = "/sandbox/v1/calls";

/// Mounts every route; unknown paths get 404 and wrong methods 405, Spring style.
pub fn configure(config: &mut web::ServiceConfig, metrics: &Metrics, sandbox: bool) {
    interface::<Ping>(config, metrics);
    interface::<QueryBasicCallInfo>(config, metrics);
    config.service(
        resource("/healthz", "healthz", metrics)
            .route(web::get().to(health::healthz))
            .default_service(only("GET")),
    );
    config.service(
        resource("/readyz", "readyz", metrics)
            .route(web::get().to(health::readyz))
            .default_service(only("GET")),
    );
    config.service(
        resource("/metrics", "metrics", metrics)
            .route(web::get().to(health::metrics))
            .default_service(only("GET")),
    );
    config.service(
        resource("/openapi.json", "openapi", metrics)
            .app_data(web::Data::new(openapi::DocumentText::default()))
            .route(web::get().to(openapi::document))
            .default_service(only("GET")),
    );
    if sandbox {
        config.service(
            resource(SANDBOX_CALLS_PATH, "sandbox", metrics)
                .route(signed::<sandbox::List>(web::get()))
                .route(signed::<sandbox::Add>(web::post()))
                .route(signed::<sandbox::Replace>(web::put()))
                .route(signed::<sandbox::End>(web::delete()))
                .default_service(only("GET, POST, PUT, DELETE")),
        );
    }
    config.default_service(web::to(not_found));
}

async fn not_found(request: HttpRequest) -> HttpResponse {
    Refusal::not_found().respond(&request)
}
