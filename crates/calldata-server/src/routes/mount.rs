//! The one place a route is mounted: its path, its method's handler behind the signed
//! pipeline, its 405 for every other method, and its metrics series (which the request
//! log finds in the request's data). A CC-CMS interface is mounted with [`interface`];
//! the OpenAPI document lists what is mounted here (`routes::openapi`).

use std::future::Future;

use actix_web::{HttpRequest, HttpResponse, Resource, Route, web};
use calldata_model::{Operation, ResultCode};

use crate::answer::{Answer, unless_panicked};
use crate::errors::Refusal;
use crate::metrics::Metrics;
use crate::routes::signed::{Rule, Signed, admit, operation};
use crate::state::AppState;

/// A CC-CMS interface as the server answers it.
pub trait Served: Operation + 'static {
    /// Its label in metrics and request logs.
    const LABEL: &'static str = Self::INTERFACE.name;

    /// The answer to a signed, valid request within the caller's scope.
    fn answer(signed: Signed<'_>, request: Self::Request) -> impl Future<Output = Answer>;
}

/// A signed route that is not a CC-CMS interface (the sandbox API).
pub trait SignedRoute: 'static {
    /// What it reads and how its signature may be used.
    const RULE: Rule;

    /// The answer to a request whose signature checked out.
    fn answer(signed: Signed<'_>) -> impl Future<Output = Answer>;
}

/// Mounts interface `Op`: `POST` through the signed pipeline, 405 otherwise.
pub fn interface<Op: Served>(config: &mut web::ServiceConfig, metrics: &Metrics) {
    config.service(
        resource(Op::INTERFACE.path, Op::LABEL, metrics)
            .route(web::post().to(handle::<Op>))
            .default_service(only("POST")),
    );
}

/// The resource at `path`, counted under `label`.
pub fn resource(path: &str, label: &'static str, metrics: &Metrics) -> Resource {
    web::resource(path).app_data(metrics.route(label))
}

/// The handler of signed route `R`, to be given a method (`web::get().to(...)`).
pub fn signed<R: SignedRoute>(method: Route) -> Route {
    method.to(handle_signed::<R>)
}

/// The 405 answer of a resource that allows only `allow`.
pub fn only(allow: &'static str) -> Route {
    web::to(move |request: HttpRequest| {
        std::future::ready(Refusal::method_not_allowed(allow).respond(&request))
    })
}

/// The state is borrowed from the request rather than extracted as `web::Data` (an `Arc`
/// clone and drop per request on a counter every worker shares).
async fn handle<Op: Served>(request: HttpRequest, payload: web::Payload) -> HttpResponse {
    let Some(state) = request.app_data::<web::Data<AppState>>() else {
        return unmounted(&request);
    };
    unless_panicked(async {
        let signed = match admit(&request, payload, state, Rule::INTERFACE).await {
            Ok(signed) => signed,
            Err(refused) => return refused,
        };
        match operation::<Op>(&signed) {
            Ok(valid) => Op::answer(signed, valid).await,
            Err(failed) => failed,
        }
    })
    .await
    .into_response(&request)
}

async fn handle_signed<R: SignedRoute>(
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let Some(state) = request.app_data::<web::Data<AppState>>() else {
        return unmounted(&request);
    };
    unless_panicked(async {
        match admit(&request, payload, state, R::RULE).await {
            Ok(signed) => R::answer(signed).await,
            Err(refused) => refused,
        }
    })
    .await
    .into_response(&request)
}

fn unmounted(request: &HttpRequest) -> HttpResponse {
    tracing::error!("a signed route is mounted without the service's state");
    Answer::failed(ResultCode::UnknownError, "unknown error").into_response(request)
}
