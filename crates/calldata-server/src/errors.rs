//! Transport-level refusals (400, 401, 403, 404, 405, 408, 413, 415, 421, 429) in the
//! platform's Spring style:
//! `{"timestamp": <ms>, "status": 401, "error": "Unauthorized", "message": "...", "path": "..."}`.

use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse};
use calldata_model::auth::AuthError;
use serde::Serialize;

/// A refusal before the request reaches the API: an HTTP status and a safe message.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// HTTP status.
    pub status: StatusCode,
    /// Message for the caller; never names secrets or internals.
    pub message: &'static str,
    /// Value of the `Allow` header, for 405.
    pub allow: Option<&'static str>,
    /// Value of the `Retry-After` header in seconds, for 429.
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct SpringError<'a> {
    timestamp: u128,
    status: u16,
    error: &'a str,
    message: &'a str,
    path: &'a str,
}

impl Refusal {
    /// 401: the signature is missing, invalid, expired or already used (one message for
    /// every cause).
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            AuthError::Missing.public_message(),
        )
    }

    /// 421: a signed request for a `Host` this deployment does not serve.
    pub fn misdirected() -> Self {
        Self::new(
            StatusCode::MISDIRECTED_REQUEST,
            "this server does not serve the requested host",
        )
    }

    /// 403: the client address is locked out.
    pub fn locked_out() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "too many failed signatures from this address; try again later",
        )
    }

    /// 429: the access key is over its rate limit; retry after `wait`.
    pub fn rate_limited(wait: std::time::Duration) -> Self {
        Self {
            retry_after: Some((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate limit exceeded for this access key",
            )
        }
    }

    /// 429: a replayed query's client address is over its rate limit; retry after `wait`.
    pub fn address_rate_limited(wait: std::time::Duration) -> Self {
        Self {
            message: "rate limit exceeded for this client address",
            ..Self::rate_limited(wait)
        }
    }

    /// 429: the table of sandbox signatures is full of live ones; retry after `wait`.
    pub fn sandbox_changes_full(wait: std::time::Duration) -> Self {
        Self {
            message: "too many sandbox changes within the signature window; try again later",
            ..Self::rate_limited(wait)
        }
    }

    /// 404: no such path.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "no such resource")
    }

    /// 405 with the allowed method.
    pub fn method_not_allowed(allow: &'static str) -> Self {
        Self {
            allow: Some(allow),
            ..Self::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
    }

    /// 413: body above the limit.
    pub fn payload_too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "request body is too large")
    }

    /// 415: not `application/json`.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json; charset=UTF-8",
        )
    }

    /// 408: the body did not arrive in time.
    pub fn timeout() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "the request body did not arrive in time",
        )
    }

    /// 400: the body could not be read from the connection.
    pub fn bad_request(message: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn new(status: StatusCode, message: &'static str) -> Self {
        Self {
            status,
            message,
            allow: None,
            retry_after: None,
        }
    }

    /// The response for `request`.
    pub fn respond(&self, request: &HttpRequest) -> HttpResponse {
        self.respond_to_path(request.path())
    }

    /// The response, naming `path`.
    pub fn respond_to_path(&self, path: &str) -> HttpResponse {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let body = SpringError {
            timestamp,
            status: self.status.as_u16(),
            error: self.status.canonical_reason().unwrap_or("Error"),
            message: self.message,
            path,
        };
        let mut response = HttpResponse::build(self.status);
        response.insert_header((CONTENT_TYPE, calldata_model::JSON_CONTENT_TYPE));
        if let Some(allow) = self.allow {
            response.insert_header((ALLOW, allow));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((RETRY_AFTER, seconds));
        }
        // Counted under its status (the request log's label for an answer without an
        // outcome of its own).
        response.body(serde_json::to_vec(&body).unwrap_or_default())
    }
}
