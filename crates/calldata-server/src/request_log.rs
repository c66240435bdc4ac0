//! One log line and one metrics observation per request, with a request ID: an incoming
//! `X-Request-ID` is honoured when it is sane, otherwise one is made; it is echoed on the
//! response. Calling and called numbers only ever appear masked; the SK, the
//! `Authorization` value and bodies never appear.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use calldata_model::QUERY_BASIC_CALL_INFO_PATH;

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

/// The numbers of a call that was answered, already masked.
#[derive(Debug, Clone)]
pub struct CallNumbers {
    /// Masked calling number.
    pub calling: String,
    /// Masked called number.
    pub called: String,
}

/// Makes request IDs: a random per-process prefix and a counter.
#[derive(Debug)]
pub struct RequestIds {
    prefix: u32,
    next: AtomicU64,
}

impl RequestIds {
    /// A generator with a random prefix.
    pub fn new() -> Self {
        let mut bytes = [0u8; 4];
        // Without randomness the prefix is 0: IDs stay unique within the process.
        let _ = getrandom::fill(&mut bytes);
        Self {
            prefix: u32::from_le_bytes(bytes),
            next: AtomicU64::new(1),
        }
    }

    fn make(&self) -> String {
        format!(
            "{:08x}-{:010x}",
            self.prefix,
            self.next.fetch_add(1, Ordering::Relaxed)
        )
    }
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
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

/// The middleware: request ID, then the handler, then the log line and the metrics.
pub async fn observe(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let request_id = incoming_id(&request)
        .or_else(|| state.as_ref().map(|s| s.request_ids.make()))
        .unwrap_or_default();
    let route = route_name(request.path());
    let method = request.method().clone();
    let client = state
        .as_ref()
        .map(|s| crate::auth::guard::client_address(request.request(), &s.trusted_proxies));
    let mut response = next.call(request).await?;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    let elapsed = started.elapsed();
    let status = response.status();
    let outcome = response
        .response()
        .extensions()
        .get::<Outcome>()
        .map_or_else(|| status_label(status), |o| o.0);
    if let Some(state) = &state {
        state
            .metrics
            .observe_request(route, outcome, elapsed.as_secs_f64());
    }
    let numbers = response
        .response()
        .extensions()
        .get::<CallNumbers>()
        .cloned();
    tracing::info!(
        request_id = %request_id,
        method = %method,
        route,
        status = status.as_u16(),
        outcome,
        micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        client = %client.map_or_else(String::new, |ip: IpAddr| ip.to_string()),
        calling = numbers.as_ref().map_or("", |n| n.calling.as_str()),
        called = numbers.as_ref().map_or("", |n| n.called.as_str()),
        "request"
    );
    Ok(response)
}

/// An incoming `X-Request-ID` of visible, header-safe characters, at most 128 long.
fn incoming_id(request: &ServiceRequest) -> Option<String> {
    let value = request.headers().get(X_REQUEST_ID)?.to_str().ok()?;
    let sane = !value.is_empty()
        && value.len() <= MAX_REQUEST_ID
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(&b));
    sane.then(|| value.to_owned())
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
    fn request_ids_are_unique_and_share_a_prefix() {
        let ids = RequestIds::new();
        let (a, b) = (ids.make(), ids.make());
        assert_ne!(a, b);
        assert_eq!(a[..8], b[..8]);
    }

    #[test]
    fn routes_have_fixed_labels() {
        assert_eq!(route_name(QUERY_BASIC_CALL_INFO_PATH), "query");
        assert_eq!(route_name("/etc/passwd"), "unknown");
    }
}
