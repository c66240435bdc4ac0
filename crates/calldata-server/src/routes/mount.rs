//! How a route is mounted: its method's handler behind the signed pipeline and its 405 for
//! every other method. A CC-CMS interface is mounted with [`interface`], from its entry in
//! `routes::ROUTES`, which also gives its metrics label and its OpenAPI entry.

use std::future::Future;

use actix_web::{HttpRequest, HttpResponse, Route, web};
use calldata_model::{Operation, ResultCode};

use crate::answer::{Answer, unless_panicked};
use crate::errors::Refusal;
use crate::routes::signed::{Rule, Signed, admit, operation};
use crate::state::AppState;

/// A CC-CMS interface as the server answers it.
pub trait Served: Operation + 'static {
    /// Its label in metrics and request logs.
    const LABEL: &'static str = Self::INTERFACE.name;

    /// The answer without waiting, when there is one (`None`: ask [`answer`](Self::answer)).
    /// Saves building the answer's future where the source answers at once (the embedded
    /// store's `querybasiccallinfo`).
    fn answer_now(_signed: &Signed<'_>, _request: &Self::Request) -> Option<Answer> {
        None
    }

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
pub fn interface<Op: Served>(config: &mut web::ServiceConfig) {
    config.service(
        web::resource(Op::INTERFACE.path)
            .route(web::post().to(handle::<Op>))
            .default_service(only("POST")),
    );
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
            Err(refused) => return *refused,
        };
        let valid = match operation::<Op>(&signed) {
            Ok(valid) => valid,
            Err(failed) => return *failed,
        };
        match Op::answer_now(&signed, &valid) {
            Some(answer) => answer,
            // Boxed: the answer's future would otherwise make every request's future
            // larger, past the allocator's small sizes (1 KiB), on the path that waits.
            None => Box::pin(Op::answer(signed, valid)).await,
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
            Err(refused) => *refused,
        }
    })
    .await
    .into_response(&request)
}

fn unmounted(request: &HttpRequest) -> HttpResponse {
    tracing::error!("a signed route is mounted without the service's state");
    Answer::failed(ResultCode::UnknownError, "unknown error").into_response(request)
}

#[cfg(test)]
mod tests {
    use actix_web::FromRequest;

    /// actix boxes each request's handler future; mimalloc serves blocks up to 1 KiB from
    /// its per-size free lists and larger ones by a slower path, so the future of the
    /// busiest interface stays within it (the answer's own future is boxed apart for that).
    #[actix_web::test]
    async fn the_request_future_of_querybasiccallinfo_is_a_small_allocation() {
        let (request, mut payload) = actix_web::test::TestRequest::default().to_http_parts();
        let payload = actix_web::web::Payload::from_request(&request, &mut payload)
            .await
            .unwrap();
        let future = super::handle::<calldata_model::QueryBasicCallInfo>(request, payload);
        let size = std::mem::size_of_val(&future);
        assert!(size <= 1024, "{size} bytes");
    }
}
