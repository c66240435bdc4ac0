//! Every route of the service: [`ROUTES`], the one list that [`configure`] mounts and the
//! OpenAPI document (`routes::openapi`) describes, used by `startup` and by tests alike.
//! Each CC-CMS interface is one `Route::interface` line; `signed.rs` is the pipeline every
//! signed route goes through, `mount.rs` the one place a route gets its 405; the request
//! log counts each route of the list under its label.

pub mod agent_calls;
pub mod agent_group_calls;
pub mod body;
pub mod call_records;
pub mod console;
pub mod cti_server_time;
pub mod detail_call;
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
use calldata_model::{
    AgentPrivateCall, CtiServerTime, Ping, QueryAgentCalls, QueryAgentGroupCalls,
    QueryBasicCallInfo, QueryCallDetailById, QueryCallTraceDetail, QueryDetailCallInfo,
    QueryVdnCalls, QueryVdnCallsV2,
};

use crate::errors::Refusal;
use crate::routes::mount::{only, signed};
pub use crate::routes::route::Route;

/// Path of the sandbox's calls.
pub const SANDBOX_CALLS_PATH: &str = calldata_model::local_server::SANDBOX_CALLS_PATH;

/// The methods of the sandbox's calls, as their 405 names them.
pub const SANDBOX_ALLOW: &str = "GET, POST, PUT, PATCH, DELETE";

/// Path of the sandbox's agents.
pub const SANDBOX_AGENTS_PATH: &str = calldata_model::local_server::SANDBOX_AGENTS_PATH;

/// The methods of the sandbox's agents, as their 405 names them.
pub const SANDBOX_AGENTS_ALLOW: &str = "GET, POST, DELETE";

/// Path of the sandbox's clock.
pub const SANDBOX_CLOCK_PATH: &str = "/sandbox/v1/clock";

/// Methods the sandbox's clock path serves.
pub const SANDBOX_CLOCK_ALLOW: &str = "GET, POST";

/// Path of the sandbox's simulation controls.
pub const SANDBOX_SIMULATION_PATH: &str = "/sandbox/v1/simulation";

/// Methods the sandbox's simulation path serves.
pub const SANDBOX_SIMULATION_ALLOW: &str = "GET, PATCH";

/// Everything the server serves: [`configure`] mounts each entry and `/openapi.json`
/// describes each, so neither can miss one.
///
/// The order is the order requests are matched in (actix tries each path in turn, and the
/// request log looks its route up the same way): the busiest interface comes first.
pub const ROUTES: &[Route] = &[
    Route::interface::<QueryBasicCallInfo>(),
    Route::interface::<QueryAgentCalls>(),
    Route::interface::<QueryDetailCallInfo>(),
    Route::interface::<QueryAgentGroupCalls>(),
    Route::interface::<AgentPrivateCall>(),
    Route::interface::<Ping>(),
    Route::interface::<CtiServerTime>(),
    Route::interface::<QueryCallDetailById>(),
    Route::interface::<QueryVdnCalls>(),
    Route::interface::<QueryVdnCallsV2>(),
    Route::interface::<QueryCallTraceDetail>(),
    Route::sandbox(
        (SANDBOX_CALLS_PATH, "sandbox"),
        mount_sandbox,
        openapi::sandbox::document,
    ),
    Route::sandbox(
        (SANDBOX_AGENTS_PATH, "sandbox_agents"),
        mount_sandbox_agents,
        openapi::sandbox::document_agents,
    ),
    Route::sandbox(
        (SANDBOX_CLOCK_PATH, "sandbox_clock"),
        mount_sandbox_clock,
        openapi::sandbox_live::document_clock,
    ),
    Route::sandbox(
        (SANDBOX_SIMULATION_PATH, "sandbox_simulation"),
        mount_sandbox_simulation,
        openapi::sandbox_live::document_simulation,
    ),
    Route::sandbox_page(
        (console::CONSOLE_PATH, "console"),
        mount_console,
        document_console,
    ),
    Route::operator(
        (health::HEALTHZ_PATH, "healthz"),
        mount_healthz,
        openapi::operator::<health::__path_healthz>,
    ),
    Route::operator(
        (health::READYZ_PATH, "readyz"),
        mount_readyz,
        openapi::operator::<health::__path_readyz>,
    ),
    Route::operator(
        (health::METRICS_PATH, "metrics"),
        mount_metrics,
        openapi::operator::<health::__path_metrics>,
    ),
    Route::operator(
        (openapi::DOCUMENT_PATH, "openapi"),
        mount_openapi,
        openapi::operator::<openapi::__path_document>,
    ),
];

/// The routes of [`ROUTES`] served with the sandbox on or off.
pub fn mounted(sandbox: bool) -> impl Iterator<Item = &'static Route> {
    ROUTES
        .iter()
        .filter(move |route| sandbox || !route.sandbox_only)
}

/// Mounts every route of [`ROUTES`] (the sandbox's only when `sandbox`); unknown paths get
/// 404 and wrong methods 405, Spring style.
pub fn configure(config: &mut web::ServiceConfig, sandbox: bool) {
    for route in mounted(sandbox) {
        (route.mount)(config);
    }
    config.default_service(web::to(not_found));
}

/// An unsigned `GET` at `path`; 405 for any other method.
fn get_only(path: &str, get: actix_web::Route) -> Resource {
    web::resource(path).route(get).default_service(only("GET"))
}

fn mount_healthz(config: &mut web::ServiceConfig) {
    config.service(get_only(
        health::HEALTHZ_PATH,
        web::get().to(health::healthz),
    ));
}

fn mount_readyz(config: &mut web::ServiceConfig) {
    config.service(get_only(health::READYZ_PATH, web::get().to(health::readyz)));
}

fn mount_metrics(config: &mut web::ServiceConfig) {
    config.service(get_only(
        health::METRICS_PATH,
        web::get().to(health::metrics),
    ));
}

fn mount_openapi(config: &mut web::ServiceConfig) {
    config.service(
        get_only(openapi::DOCUMENT_PATH, web::get().to(openapi::document))
            .app_data(web::Data::new(openapi::DocumentText::default())),
    );
}

/// Each method of the sandbox's calls behind the signed pipeline (`openapi::sandbox`
/// documents the same routes).
fn mount_sandbox(config: &mut web::ServiceConfig) {
    config.service(
        web::resource(SANDBOX_CALLS_PATH)
            .route(signed::<sandbox::List>(web::get()))
            .route(signed::<sandbox::Add>(web::post()))
            .route(signed::<sandbox::Replace>(web::put()))
            .route(signed::<sandbox::Change>(web::patch()))
            .route(signed::<sandbox::End>(web::delete()))
            .default_service(only(SANDBOX_ALLOW)),
    );
}

/// Each method of the sandbox's agents behind the signed pipeline.
fn mount_sandbox_agents(config: &mut web::ServiceConfig) {
    config.service(
        web::resource(SANDBOX_AGENTS_PATH)
            .route(signed::<sandbox::ListAgents>(web::get()))
            .route(signed::<sandbox::SignIn>(web::post()))
            .route(signed::<sandbox::SignOut>(web::delete()))
            .default_service(only(SANDBOX_AGENTS_ALLOW)),
    );
}

fn mount_sandbox_clock(config: &mut web::ServiceConfig) {
    config.service(
        web::resource(SANDBOX_CLOCK_PATH)
            .route(signed::<sandbox::ReadClock>(web::get()))
            .route(signed::<sandbox::AdvanceClock>(web::post()))
            .default_service(only(SANDBOX_CLOCK_ALLOW)),
    );
}

fn mount_sandbox_simulation(config: &mut web::ServiceConfig) {
    config.service(
        web::resource(SANDBOX_SIMULATION_PATH)
            .route(signed::<sandbox::ReadSimulation>(web::get()))
            .route(signed::<sandbox::ChangeSimulation>(web::patch()))
            .default_service(only(SANDBOX_SIMULATION_ALLOW)),
    );
}

fn mount_console(config: &mut web::ServiceConfig) {
    config.service(get_only(
        console::CONSOLE_PATH,
        web::get().to(console::page),
    ));
    config.service(get_only(
        console::CONSOLE_SCRIPT_PATH,
        web::get().to(console::script),
    ));
}

fn document_console(doc: &mut utoipa::openapi::OpenApi) {
    openapi::operator::<console::__path_page>(doc);
    openapi::operator::<console::__path_script>(doc);
}

async fn not_found(request: HttpRequest) -> HttpResponse {
    Refusal::not_found().respond(&request)
}
