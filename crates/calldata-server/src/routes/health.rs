//! Operator endpoints: `/healthz` (the process answers), `/readyz` (the call source
//! answers) and `/metrics` (Prometheus text format).

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::answer::JSON;
use crate::state::AppState;

/// 200 while the process serves requests.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, JSON))
        .body(r#"{"status":"ok"}"#)
}

/// 200 when the call source can answer, 503 otherwise.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let source = state.source.kind();
    let (status, mut body) = match state.source.check_ready().await {
        Ok(()) => (StatusCode::OK, json!({"status": "ready", "source": source})),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "not ready", "source": source, "reason": error.public_message()}),
        ),
    };
    if let Some(detail) = state.source.status_detail() {
        body["detail"] = detail.into();
    }
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, JSON))
        .body(body.to_string())
}

/// The metrics in Prometheus text format.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    // The gauge is set here, where it is read, so it counts locks that ended on their own.
    let held = i64::try_from(state.auth.lockout.held()).unwrap_or(i64::MAX);
    state.metrics.locked_addresses.set(held);
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"))
        .body(state.metrics.render())
}
