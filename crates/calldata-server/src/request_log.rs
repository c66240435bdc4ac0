//! One log line and one metrics observation per request, with a request ID: an incoming
//! `X-Request-ID` is honoured when it is sane, otherwise one is made; it is echoed on the
//! response. Calling and called numbers only ever appear masked; the SK, the
//! `Authorization` value and bodies never appear.
//!
//! The log line is `info`: when that level is filtered out (`--log-filter warn`), nothing
//! of it is computed (client address, method, masked numbers), so an unlogged request
//! costs only its request ID and its metrics. The lines of refused requests (401, 404, ...)
//! are limited per second (`RefusedLines`); answered requests always get theirs.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpMessage, web};

use crate::answer::{Outcome, status_label};
use crate::metrics::{RouteSeries, Shard, UNKNOWN_ROUTE};
use crate::refused_lines::RefusedLines;
use crate::state::AppState;

/// The request ID header.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest incoming request ID honoured.
const MAX_REQUEST_ID: usize = 128;

/// The calling and called numbers of an answer, masked, for its log line: a handler puts
/// them on the response only when the line is written ([`logs_requests`]). Masking is the
/// only way to make one, so no line can carry a whole number.
#[derive(Debug)]
pub struct LoggedNumbers {
    calling: String,
    called: String,
}

impl LoggedNumbers {
    /// The numbers of an answer, masked with [`mask_number`].
    pub fn masked(calling: &str, called: &str) -> Self {
        Self {
            calling: mask_number(calling),
            called: mask_number(called),
        }
    }
}

/// Whether request log lines are written: their level, `info`, is enabled for this
/// module, whatever the filter says of other modules.
pub fn logs_requests() -> bool {
    tracing::enabled!(tracing::Level::INFO)
}

/// Keeps the last four digits of a number: `13800001111` → `*******1111`.
pub fn mask_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let keep = chars.len().min(4);
    let hidden = chars.len() - keep;
    "*".repeat(hidden) + &chars[hidden..].iter().collect::<String>()
}

/// The middleware: request ID, then the handler, then the metrics and the log line.
///
/// Written as a service with its own future type rather than with `middleware::from_fn`,
/// which boxes two futures per request. Built once per worker with the shared state and
/// the worker's metrics shard, so the middleware looks neither up per request, and with
/// the series of every route served (`routes::ROUTES`), found by the request's path.
#[derive(Debug, Clone)]
pub struct Observe {
    state: web::Data<AppState>,
    shard: Shard,
    routes: Rc<[(&'static str, RouteSeries)]>,
}

impl Observe {
    /// The middleware of the worker counting in `shard`, for the routes served with the
    /// sandbox on or off.
    pub fn new(state: web::Data<AppState>, shard: Shard, sandbox: bool) -> Self {
        let routes = crate::routes::mounted(sandbox)
            .map(|route| (route.path, state.metrics.route(route.label, route.answered)))
            .collect();
        Self {
            state,
            shard,
            routes,
        }
    }

    /// The series of the route at `path`; `None` for a path no route serves.
    fn route(&self, path: &str) -> Option<&RouteSeries> {
        self.routes
            .iter()
            .find(|(served, _)| *served == path)
            .map(|(_, series)| series)
    }
}

impl<S, B> Transform<S, ServiceRequest> for Observe
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = ObserveService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ObserveService {
            service,
            worker: Rc::new(self.clone()),
        }))
    }
}

/// [`Observe`] around one service.
#[derive(Debug)]
pub struct ObserveService<S> {
    service: S,
    /// Shared with each request's future: a worker-local count, not the state's atomic one.
    worker: Rc<Observe>,
}

impl<S, B> Service<ServiceRequest> for ObserveService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = Observed<S::Future>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let worker = Rc::clone(&self.worker);
        let request_id =
            incoming_id(&request).unwrap_or_else(|| worker.state.request_ids.header(worker.shard));
        Observed {
            inner: self.service.call(request),
            started,
            request_id: Some(request_id),
            worker,
        }
    }
}

pin_project_lite::pin_project! {
    /// The handler's future, then the request ID, metrics and log line on its response.
    pub struct Observed<F> {
        #[pin]
        inner: F,
        started: Instant,
        request_id: Option<HeaderValue>,
        worker: Rc<Observe>,
    }
}

impl<F, B> Future for Observed<F>
where
    F: Future<Output = Result<ServiceResponse<B>, actix_web::Error>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.inner.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result?,
        };
        if let Some(request_id) = this.request_id.take() {
            response.headers_mut().insert(X_REQUEST_ID, request_id);
        }
        record(&response, this.started.elapsed(), this.worker);
        Poll::Ready(Ok(response))
    }
}

/// The metrics observation and, when `info` is on, the log line of one answered request.
///
/// The route is the one served at the request's path; none means no route is (404).
fn record<B>(response: &ServiceResponse<B>, elapsed: Duration, worker: &Observe) {
    let status = response.status();
    let series = worker.route(response.request().path());
    let route = series.map_or(UNKNOWN_ROUTE, RouteSeries::label);
    let outcome = response
        .request()
        .extensions()
        .get::<Outcome>()
        .map_or_else(|| status_label(status), |o| o.0);
    worker
        .state
        .metrics
        .observe_request(series, outcome, elapsed.as_secs_f64(), worker.shard);
    // An answer is always logged; a refusal only within the allowance (a flood of refused
    // requests must not fill the disk), and the allowance is not touched by answers.
    if logs_requests() && (!RefusedLines::is_refusal(status) || worker.state.refused_lines.admit())
    {
        log_request(response, route, outcome, elapsed, &worker.state);
    }
}

/// Writes the request's log line (only called when `info` is enabled here).
fn log_request<B>(
    response: &ServiceResponse<B>,
    route: &'static str,
    outcome: &'static str,
    elapsed: Duration,
    state: &AppState,
) {
    let request = response.request();
    let request_id = response.headers().get(X_REQUEST_ID);
    let client = crate::auth::client_address(request, &state.auth.trusted_proxies);
    let extensions = response.response().extensions();
    let numbers = extensions.get::<LoggedNumbers>();
    tracing::info!(
        request_id = request_id.and_then(|v| v.to_str().ok()).unwrap_or_default(),
        method = %request.method(),
        route,
        status = response.status().as_u16(),
        outcome,
        micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        client = %client,
        calling = numbers.map_or("", |n| n.calling.as_str()),
        called = numbers.map_or("", |n| n.called.as_str()),
        "request"
    );
}

/// An incoming `X-Request-ID` of visible, header-safe characters, at most 128 long.
fn incoming_id(request: &ServiceRequest) -> Option<HeaderValue> {
    let value = request.headers().get(X_REQUEST_ID)?;
    let bytes = value.as_bytes();
    let sane = !bytes.is_empty()
        && bytes.len() <= MAX_REQUEST_ID
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(b));
    sane.then(|| value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_only_the_last_four_digits() {
        assert_eq!(mask_number("13800001111"), "*******1111");
        assert_eq!(mask_number("1234"), "1234");
        assert_eq!(mask_number("12"), "12");
        assert_eq!(mask_number(""), "");
    }
}
