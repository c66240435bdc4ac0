//! `POST /rest/cmsapp/v1/openapi/calldata/querybasiccallinfo`: the public endpoint.
//!
//! Order of checks: JSON content type (415), body size and deadline (413, 408), lockout
//! (403) and `auth-v2` over the raw bytes (401), CTI version (`0100003`), body validation
//! (`0100002`), key scope (`0101003`), then the call source (`0100000` or `0100001`).

use actix_web::{HttpRequest, HttpResponse, web};
use calldata_bms::{Lookup, Presence};
use calldata_model::{QueryBasicCallInfo, ResultCode};

use crate::auth::authenticate;
use crate::config::CtiVersion;
use crate::errors::Refusal;
use crate::metrics::Shard;
use crate::request_log::{CallNumbers, logs_requests};
use crate::routes::body::{is_json, read_body, status_label};
use crate::routes::reply::{Answer, FoundBody, failed, found, unless_panicked};
use crate::state::AppState;

/// Answers one query.
///
/// The state is borrowed from the request rather than extracted as `web::Data` (an `Arc`
/// clone and drop per request on a counter every worker shares).
pub async fn query(request: HttpRequest, payload: web::Payload) -> HttpResponse {
    let Some(state) = request.app_data::<web::Data<AppState>>() else {
        tracing::error!("the query route is mounted without its state");
        return failed(ResultCode::UnknownError, "unknown error").into_response(&request);
    };
    unless_panicked(answer(&request, payload, state))
        .await
        .into_response(&request)
}

/// `0100001`: the call is not (or no longer) in progress.
fn not_in_progress() -> Answer {
    failed(
        ResultCode::InterfaceCallFailed,
        "call not found or no longer in progress",
    )
}

fn refused(refusal: &Refusal, request: &HttpRequest) -> Answer {
    Answer {
        response: refusal.respond(request),
        outcome: status_label(refusal.status),
    }
}

async fn answer(request: &HttpRequest, payload: web::Payload, state: &AppState) -> Answer {
    if !is_json(request) {
        return refused(&Refusal::unsupported_media_type(), request);
    }
    let body = match read_body(request, payload, state.body_limit, state.body_deadline).await {
        Ok(body) => body,
        Err(refusal) => return refused(&refusal, request),
    };
    let caller = match authenticate(request, &body, state) {
        Ok(caller) => caller,
        Err(refusal) => return refused(&refusal, request),
    };
    if state.cti_version == CtiVersion::V300R006 {
        return failed(
            ResultCode::CtiVersionUnsupported,
            "this interface needs CTI V300R008; the platform runs V300R006",
        );
    }
    let key = match QueryBasicCallInfo::parse(&body) {
        Ok(key) => key,
        Err(invalid) => {
            return failed(
                ResultCode::InvalidParameter,
                format!("invalid parameter: {invalid}"),
            );
        }
    };
    if !caller.scope.allows(key.cc_id, key.vdn) {
        return failed(
            ResultCode::InsufficientPermission,
            format!(
                "insufficient permission: access key may not query ccId {} vdn {}",
                key.cc_id, key.vdn
            ),
        );
    }
    let source = state.source.kind();
    let shard = Shard::of(request);
    // The request log masks the call's numbers, so it needs the call itself; without it the
    // answer is written straight from the source when the source can (no call is built).
    if !logs_requests() {
        let mut body = FoundBody::new(state.legacy_fields);
        match state.source.write_now(key, &mut body) {
            Some(Presence::InProgress) => {
                state.metrics.lookup(source, "found", shard);
                return body.finish();
            }
            Some(Presence::NotInProgress) => {
                state.metrics.lookup(source, "not_in_progress", shard);
                return not_in_progress();
            }
            None => {}
        }
    }
    let lookup = match state.source.lookup_now(key) {
        Some(lookup) => lookup,
        None => state.source.lookup(key).await,
    };
    match lookup {
        Lookup::Found(call) => {
            state.metrics.lookup(source, "found", shard);
            let mut answer = found(&call, state.legacy_fields);
            // Only for the request log line (masked there), so only when it is written.
            if logs_requests() {
                answer.response.extensions_mut().insert(CallNumbers(call));
            }
            answer
        }
        Lookup::NotInProgress => {
            state.metrics.lookup(source, "not_in_progress", shard);
            not_in_progress()
        }
        Lookup::Failed(error) => {
            state.metrics.lookup(source, "failed", shard);
            tracing::warn!(%error, "call source failed");
            failed(error.result_code(), error.public_message())
        }
    }
}
