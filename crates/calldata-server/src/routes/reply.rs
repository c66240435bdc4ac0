//! API answers in the CC-CMS envelope: HTTP 200 with `resultCode` and `resultDesc`.

use actix_web::HttpResponse;
use actix_web::http::header::CONTENT_TYPE;
use calldata_model::{BasicCallInfo, FailureResponse, ResultCode, SuccessResponse};
use futures_util::FutureExt;
use serde::Serialize;

use crate::request_log::Outcome;

/// The content type of every JSON answer.
pub const JSON: &str = "application/json;charset=UTF-8";

/// An answer and the label it is counted under.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP response.
    pub response: HttpResponse,
    /// Result code or HTTP status, for metrics.
    pub outcome: &'static str,
}

impl Answer {
    /// The response, carrying its outcome for the request log and the metrics.
    pub fn into_response(self) -> HttpResponse {
        let mut response = self.response;
        response.extensions_mut().insert(Outcome(self.outcome));
        response
    }
}

/// `0100000` with the call.
pub fn found(call: &BasicCallInfo, legacy_fields: bool) -> Answer {
    json(&SuccessResponse {
        call,
        legacy_fields,
    })
}

/// Runs `work`; a panic inside becomes `0100999` with no internals, instead of a dropped
/// connection.
pub async fn unless_panicked(work: impl Future<Output = Answer>) -> Answer {
    if let Ok(answer) = std::panic::AssertUnwindSafe(work).catch_unwind().await {
        answer
    } else {
        tracing::error!("a request handler panicked");
        failed(ResultCode::UnknownError, "unknown error")
    }
}

/// A failure with its result code and message.
pub fn failed(code: ResultCode, message: impl Into<String>) -> Answer {
    let body = FailureResponse {
        code,
        message: message.into(),
    };
    let outcome = body.code.as_str_static();
    Answer {
        response: json_response(&body),
        outcome,
    }
}

/// `0100000` with any body as `resultDesc` (sandbox API).
pub fn success_with<T: Serialize>(desc: &T) -> Answer {
    #[derive(Serialize)]
    struct Body<'a, T> {
        #[serde(rename = "resultCode")]
        code: &'static str,
        #[serde(rename = "resultDesc")]
        desc: &'a T,
    }
    json(&Body {
        code: ResultCode::Success.as_str_static(),
        desc,
    })
}

/// A `0100000` answer with `body`.
fn json<T: Serialize>(body: &T) -> Answer {
    Answer {
        response: json_response(body),
        outcome: ResultCode::Success.as_str_static(),
    }
}

fn json_response<T: Serialize>(body: &T) -> HttpResponse {
    let mut bytes = Vec::with_capacity(1024);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, JSON))
            .body(bytes),
        Err(error) => {
            tracing::error!(%error, "could not serialize an answer");
            HttpResponse::Ok()
                .insert_header((CONTENT_TYPE, JSON))
                .body(r#"{"resultCode":"0100999","resultDesc":"unknown error"}"#)
        }
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
