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
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpMessage, web};
use calldata_model::{BasicCallInfo, QUERY_BASIC_CALL_INFO_PATH};

use crate::metrics::{Padded, SHARDS, Shard};
use crate::refused_lines::RefusedLines;
use crate::routes::body::status_label;
use crate::routes::{PING_PATH, SANDBOX_CALLS_PATH};
use crate::state::AppState;

/// The request ID header.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest incoming request ID honoured.
const MAX_REQUEST_ID: usize = 128;

/// What a handler answered, for the log line and the metrics (result code or HTTP status).
#[derive(Debug, Clone, Copy)]
pub struct Outcome(pub &'static str);

/// The call that was answered; its numbers are masked only if the request is logged.
#[derive(Debug, Clone)]
pub struct CallNumbers(pub Arc<BasicCallInfo>);

/// Makes request IDs: a random per-process prefix and a counter, counted per metrics shard
/// (each worker counts on its own cache line) and interleaved: shard `s` hands out
/// `s`, `s + 16`, `s + 32`, ... so the IDs stay unique within the process.
#[derive(Debug)]
pub struct RequestIds {
    prefix: u32,
    next: [Padded<AtomicU64>; SHARDS],
}

impl RequestIds {
    /// A generator with a random prefix.
    pub fn new() -> Self {
        let mut bytes = [0u8; 4];
        // Without randomness the prefix is 0: IDs stay unique within the process.
        let _ = getrandom::fill(&mut bytes);
        Self::starting_at(u32::from_le_bytes(bytes), 0)
    }

    /// A generator with this prefix whose every shard starts at its `first`th ID.
    fn starting_at(prefix: u32, first: u64) -> Self {
        Self {
            prefix,
            next: std::array::from_fn(|_| Padded(AtomicU64::new(first))),
        }
    }

    #[cfg(test)]
    fn make(&self, shard: Shard) -> String {
        self.header(shard).to_str().unwrap_or_default().to_owned()
    }

    /// A new ID from `shard`, `{prefix:08x}-{counter:010x}`, as a header value.
    fn header(&self, shard: Shard) -> HeaderValue {
        let Some(Padded(next)) = self.next.get(shard.index()) else {
            return HeaderValue::from_static("");
        };
        let sequence = next.fetch_add(1, Ordering::Relaxed);
        let counter = sequence
            .wrapping_mul(SHARDS as u64)
            .wrapping_add(shard.index() as u64);
        if counter >> 40 != 0 {
            // Past 16^10 IDs the counter needs more than ten digits.
            let text = format!("{:08x}-{counter:010x}", self.prefix);
            return HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""));
        }
        let mut id = [b'-'; 19];
        write_hex(&mut id[..8], u64::from(self.prefix));
        write_hex(&mut id[9..], counter);
        HeaderValue::from_bytes(&id).unwrap_or(HeaderValue::from_static(""))
    }
}

/// Writes `value` as lower-case hex filling `out` (leading zeros; higher digits dropped).
fn write_hex(out: &mut [u8], mut value: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for slot in out.iter_mut().rev() {
        #[allow(clippy::cast_possible_truncation, reason = "masked to 4 bits")]
        let digit = (value & 0xf) as usize;
        *slot = DIGITS[digit];
        value >>= 4;
    }
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
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

/// The route label of a path.
pub fn route_name(path: &str) -> &'static str {
    match path {
        QUERY_BASIC_CALL_INFO_PATH => "query",
        PING_PATH => "ping",
        SANDBOX_CALLS_PATH => "sandbox",
        "/healthz" => "healthz",
        "/readyz" => "readyz",
        "/metrics" => "metrics",
        "/openapi.json" => "openapi",
        _ => "unknown",
    }
}

/// The middleware: request ID, then the handler, then the metrics and the log line.
///
/// Written as a service with its own future type rather than with `middleware::from_fn`,
/// which boxes two futures per request. Built once per worker with the shared state and
/// the worker's metrics shard, so the middleware looks neither up per request.
#[derive(Debug, Clone)]
pub struct Observe {
    state: web::Data<AppState>,
    shard: Shard,
}

impl Observe {
    /// The middleware of the worker counting in `shard`.
    pub fn new(state: web::Data<AppState>, shard: Shard) -> Self {
        Self { state, shard }
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
        let route = route_name(request.path());
        Observed {
            inner: self.service.call(request),
            started,
            request_id: Some(request_id),
            route,
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
        route: &'static str,
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
        record(&response, this.route, this.started.elapsed(), this.worker);
        Poll::Ready(Ok(response))
    }
}

/// The metrics observation and, when `info` is on, the log line of one answered request.
fn record<B>(
    response: &ServiceResponse<B>,
    route: &'static str,
    elapsed: Duration,
    worker: &Observe,
) {
    let status = response.status();
    let outcome = response
        .request()
        .extensions()
        .get::<Outcome>()
        .map_or_else(|| status_label(status), |o| o.0);
    worker
        .state
        .metrics
        .observe_request(route, outcome, elapsed.as_secs_f64(), worker.shard);
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
    let client = crate::auth::client_address(request, &state.trusted_proxies);
    let call = response
        .response()
        .extensions()
        .get::<CallNumbers>()
        .cloned();
    let calling = call.as_ref().map(|c| mask_number(&c.0.calling_num));
    let called = call.as_ref().map(|c| mask_number(&c.0.called_num));
    tracing::info!(
        request_id = request_id.and_then(|v| v.to_str().ok()).unwrap_or_default(),
        method = %request.method(),
        route,
        status = response.status().as_u16(),
        outcome,
        micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        client = %client,
        calling = calling.as_deref().unwrap_or_default(),
        called = called.as_deref().unwrap_or_default(),
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

    #[test]
    fn request_ids_are_unique_across_shards_and_share_the_process_prefix() {
        let ids = RequestIds::new();
        let mut seen = std::collections::HashSet::new();
        for round in 0..3 {
            for worker in 0..SHARDS + 2 {
                let id = ids.make(Shard::of_worker(worker));
                assert!(seen.insert(id.clone()), "{id} twice (round {round})");
            }
        }
        let prefixes: std::collections::HashSet<_> =
            seen.iter().map(|id| id[..8].to_owned()).collect();
        assert_eq!(prefixes.len(), 1, "{prefixes:?}");
    }

    #[test]
    fn request_ids_are_hex_with_a_fixed_shape() {
        let ids = RequestIds::starting_at(0xdead_beef, 0xab);
        assert_eq!(ids.make(Shard::default()), "deadbeef-0000000ab0");
        assert_eq!(ids.make(Shard::of_worker(1)), "deadbeef-0000000ab1");
        assert_eq!(ids.make(Shard::default()), "deadbeef-0000000ac0");
        let far = RequestIds::starting_at(1, 1 << 40);
        assert_eq!(far.make(Shard::of_worker(3)), "00000001-100000000003");
    }

    #[test]
    fn routes_have_fixed_labels() {
        assert_eq!(route_name(QUERY_BASIC_CALL_INFO_PATH), "query");
        assert_eq!(route_name("/etc/passwd"), "unknown");
    }
}
