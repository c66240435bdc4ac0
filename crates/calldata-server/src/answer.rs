//! What a handler answers and the label it is counted under: the leaf every route, the
//! signed pipeline and the request log share (it depends on nothing else of the server
//! but the refusal bodies).

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use calldata_model::{FailureResponse, JSON_CONTENT_TYPE, ResultCode};
use futures_util::FutureExt;
use serde::Serialize;

use crate::errors::Refusal;

/// Bytes reserved for an answer body (a typical call takes 450 to 600 of them).
pub const ANSWER_CAPACITY: usize = 1536;

/// What a handler answered, for the log line and the metrics (result code or HTTP status).
#[derive(Debug, Clone, Copy)]
pub struct Outcome(pub &'static str);

/// An answer and the label it is counted under.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP response.
    pub response: HttpResponse,
    /// Result code or HTTP status, for metrics.
    pub outcome: &'static str,
}

impl Answer {
    /// The response; its outcome is left on `request` for the request log and the metrics
    /// (actix clears the request's extension map and reuses it with the pooled request; a
    /// response's would be made anew).
    pub fn into_response(self, request: &HttpRequest) -> HttpResponse {
        request.extensions_mut().insert(Outcome(self.outcome));
        self.response
    }

    /// A transport-level refusal (Spring body), counted under its HTTP status.
    pub fn refused(refusal: &Refusal, request: &HttpRequest) -> Self {
        Self {
            response: refusal.respond(request),
            outcome: status_label(refusal.status),
        }
    }

    /// A failure with its result code and message, in the failure envelope.
    pub fn failed(code: ResultCode, message: impl Into<String>) -> Self {
        let body = FailureResponse {
            code,
            message: message.into(),
        };
        let outcome = body.code.as_str_static();
        Self {
            response: json_response(&body),
            outcome,
        }
    }

    /// A `0100000` answer whose body is `body` serialized.
    pub fn success(body: &impl Serialize) -> Self {
        Self {
            response: json_response(body),
            outcome: ResultCode::Success.as_str_static(),
        }
    }
}

/// Runs `work`; a panic inside becomes `0100999` with no internals, instead of a dropped
/// connection.
pub async fn unless_panicked(work: impl Future<Output = Answer>) -> Answer {
    if let Ok(answer) = std::panic::AssertUnwindSafe(work).catch_unwind().await {
        answer
    } else {
        tracing::error!("a request handler panicked");
        Answer::failed(ResultCode::UnknownError, "unknown error")
    }
}

/// HTTP 200 with `body` serialized as JSON.
fn json_response(body: &impl Serialize) -> HttpResponse {
    let mut bytes = Vec::with_capacity(ANSWER_CAPACITY);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => ok_json(bytes),
        Err(error) => {
            tracing::error!(%error, "could not serialize an answer");
            ok_json(br#"{"resultCode":"0100999","resultDesc":"unknown error"}"#.to_vec())
        }
    }
}

/// HTTP 200 with a JSON body; the content type is a static header value (no copy).
pub fn ok_json(body: Vec<u8>) -> HttpResponse {
    let mut response = HttpResponse::Ok().body(body);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    response
}

/// The metrics label of a refusal.
pub fn status_label(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200 => "200",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        408 => "408",
        413 => "413",
        415 => "415",
        421 => "421",
        429 => "429",
        503 => "503",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_panicking_handler_answers_0100999_without_internals() {
        let answer = unless_panicked(async { panic!("secret internal detail") }).await;
        assert_eq!(answer.outcome, "0100999");
        let body = actix_web::body::to_bytes(answer.response.into_body())
            .await
            .unwrap();
        assert_eq!(
            &body[..],
            br#"{"resultCode":"0100999","resultDesc":"unknown error"}"#
        );
    }
}
