//! Every route of the service: [`ROUTES`], the one list that [`configure`] mounts and the
//! OpenAPI document (`routes::openapi`) describes, used by `startup` and by tests alike.
//! Each CC-CMS interface is one `Route::interface` line; `signed.rs` is the pipeline every
//! signed route goes through, `mount.rs` the one place a route gets its 405 and its metrics
//! series.

pub mod body;
pub mod health;
pub mod mount;
pub mod openapi;
pub mod ping;
pub mod query;
pub mod reply;
pub mod route;
pub mod sandbox;
pub mod signed;

use actix_web::{HttpRequest, HttpResponse, Resource, web};
use calldata_model::{Ping, QueryBasicCallInfo};

use crate::errors::Refusal;
use crate::metrics::Metrics;
use crate::routes::mount::{only, resource, signed};
pub use crate::routes::route::Route;

/// Path of the sandbox admin API.
pub const SANDBOX_CALLS_PATH: &str = "/sandbox/v1/calls";

/// The methods of the sandbox admin API, as its 405 names them.
pub const SANDBOX_ALLOW: &str = "GET, POST, PUT, DELETE";

/// Everything the server serves: [`configure`] mounts each entry and `/openapi.json`
/// describes each, so neither can miss one.
pub const ROUTES: &[Route] = &[
    Route::interface::<Ping>(),
    Route::interface::<QueryBasicCallInfo>(),
    Route::sandbox(mount_sandbox, openapi::sandbox::document),
    Route::always(mount_healthz, openapi::operator::<health::__path_healthz>),
    Route::always(mount_readyz, openapi::operator::<health::__path_readyz>),
    Route::always(mount_metrics, openapi::operator::<health::__path_metrics>),
    Route::always(mount_openapi, openapi::operator::<openapi::__path_document>),
];

/// Mounts every route of [`ROUTES`] (the sandbox's only when `sandbox`); unknown paths get
/// 404 and wrong methods 405, Spring style.
pub fn configure(config: &mut web::ServiceConfig, metrics: &Metrics, sandbox: bool) {
    for route in ROUTES.iter().filter(|route| sandbox || !route.sandbox_only) {
        (route.mount)(config, metrics);
    }
    config.default_service(web::to(not_found));
}

/// An unsigned `GET` at `path`, counted under `label`; 405 for any other method.
fn get_only(path: &str, label: &'static str, metrics: &Metrics, get: actix_web::Route) -> Resource {
    resource(path, label, metrics)
        .route(get)
        .default_service(only("GET"))
}

fn mount_healthz(config: &mut web::ServiceConfig, metrics: &Metrics) {
    config.service(get_only(
        health::HEALTHZ_PATH,
        "healthz",
        metrics,
        web::get().to(health::healthz),
    ));
}

fn mount_readyz(config: &mut web::ServiceConfig, metrics: &Metrics) {
    config.service(get_only(
        health::READYZ_PATH,
        "readyz",
        metrics,
        web::get().to(health::readyz),
    ));
}

fn mount_metrics(config: &mut web::ServiceConfig, metrics: &Metrics) {
    config.service(get_only(
        health::METRICS_PATH,
        "metrics",
        metrics,
        web::get().to(health::metrics),
    ));
}

fn mount_openapi(config: &mut web::ServiceConfig, metrics: &Metrics) {
    config.service(
        get_only(
            openapi::DOCUMENT_PATH,
            "openapi",
            metrics,
            web::get().to(openapi::document),
        )
        .app_data(web::Data::new(openapi::DocumentText::default())),
    );
}

/// Each method of the sandbox behind the signed pipeline (`openapi::sandbox` documents the
/// same four routes).
fn mount_sandbox(config: &mut web::ServiceConfig, metrics: &Metrics) {
    config.service(
        resource(SANDBOX_CALLS_PATH, "sandbox", metrics)
            .route(signed::<sandbox::List>(web::get()))
            .route(signed::<sandbox::Add>(web::post()))
            .route(signed::<sandbox::Replace>(web::put()))
            .route(signed::<sandbox::End>(web::delete()))
            .default_service(only(SANDBOX_ALLOW)),
    );
}

async fn not_found(request: HttpRequest) -> HttpResponse {
    Refusal::not_found().respond(&request)
}
