//! API answers in the CC-CMS envelope: HTTP 200 with `resultCode` and `resultDesc`.

use actix_web::HttpResponse;
use actix_web::http::header::CONTENT_TYPE;
use calldata_model::{BasicCallInfo, FailureResponse, ResultCode, SuccessResponse};
use serde::Serialize;

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

/// `0100000` with the call.
pub fn found(call: &BasicCallInfo, legacy_fields: bool) -> Answer {
    json(&SuccessResponse { call, legacy_fields }, ResultCode::Success)
}

/// A failure with its result code and message.
pub fn failed(code: ResultCode, message: impl Into<String>) -> Answer {
    let body = FailureResponse { code, message: message.into() };
    let label = code_label(&body.code);
    Answer { response: json_response(&body), outcome: label }
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
    json(&Body { code: ResultCode::Success.as_str_static(), desc }, ResultCode::Success)
}

fn json<T: Serialize>(body: &T, code: ResultCode) -> Answer {
    Answer { response: json_response(body), outcome: code_label(&code) }
}

fn json_response<T: Serialize>(body: &T) -> HttpResponse {
    let mut bytes = Vec::with_capacity(1024);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => HttpResponse::Ok().insert_header((CONTENT_TYPE, JSON)).body(bytes),
        Err(error) => {
            tracing::error!(%error, "could not serialize an answer");
            HttpResponse::Ok()
                .insert_header((CONTENT_TYPE, JSON))
                .body(r#"{"resultCode":"0100999","resultDesc":"unknown error"}"#)
        }
    }
}

/// The metrics label of a result code.
pub fn code_label(code: &ResultCode) -> &'static str {
    code.as_str_static()
}
