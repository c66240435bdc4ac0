//! Small HTTP helpers: building responses and reading bounded request bodies.

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

/// The body type of every emulator response.
pub(crate) type Body = Full<Bytes>;

/// The largest request body read (BMS queries and faults are a few hundred bytes).
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// A response with this status, content type and body.
pub(crate) fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A JSON response (HTTP 500 in the unlikely case `value` cannot be written).
pub(crate) fn json(status: StatusCode, value: &impl Serialize) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(body) => response(status, calldata_model::JSON_CONTENT_TYPE, body),
        Err(err) => text(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()),
    }
}

/// A plain-text response.
pub(crate) fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    response(status, "text/plain;charset=UTF-8", body)
}

/// A JSON `{"error": message}` response.
pub(crate) fn error(status: StatusCode, message: &str) -> Response<Body> {
    json(status, &serde_json::json!({ "error": message }))
}

/// HTTP 404.
pub(crate) fn not_found() -> Response<Body> {
    error(StatusCode::NOT_FOUND, "no such path")
}

/// HTTP 405 naming the allowed methods.
pub(crate) fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

/// The whole request body, refused past [`MAX_BODY`] bytes or on a read error.
pub(crate) async fn read_body(body: Incoming) -> Result<Bytes, String> {
    Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .map_err(|err| format!("cannot read the body: {err}"))
}
