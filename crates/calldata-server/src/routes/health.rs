//! Operator endpoints: `/healthz` (the process answers), `/readyz` (the call source
//! answers) and `/metrics` (Prometheus text format).

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::routes::openapi::parts::{Health, Readiness};
use crate::state::AppState;
use calldata_model::JSON_CONTENT_TYPE;

/// Path of the liveness check.
pub const HEALTHZ_PATH: &str = "/healthz";
/// Path of the readiness check.
pub const READYZ_PATH: &str = "/readyz";
/// Path of the metrics.
pub const METRICS_PATH: &str = "/metrics";

/// The process answers.
///
/// 200 while the process serves requests; it asks nothing of the call source.
#[utoipa::path(
    get,
    path = HEALTHZ_PATH,
    responses(
        (status = 200, description = "The process serves requests", body = Health),
    )
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, JSON_CONTENT_TYPE))
        .body(r#"{"status":"ok"}"#)
}

/// The call source answers.
///
/// 200 when the call source can answer, 503 otherwise; with `backend = "bms"` at most one
/// BMS probe per `bms.probe_interval_ms`, however many requests. A replica of a shared
/// contact center answers 503 until it has joined it and caught up with its journal.
#[utoipa::path(
    get,
    path = READYZ_PATH,
    responses(
        (status = 200, description = "The call source can answer", body = Readiness),
        (status = 503, description = "The call source cannot answer; `reason` says why", body = Readiness),
    )
)]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let source = state.source.kind();
    let joining = state
        .journal
        .as_ref()
        .is_some_and(|journal| !journal.joined());
    let ready = if joining {
        Err(calldata_bms::SourceError::Unavailable(
            "joining the shared contact center: its Redis does not answer yet, or this \
             replica is still applying its journal",
        ))
    } else {
        state.source.check_ready().await
    };
    let (status, mut body) = match ready {
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
        .insert_header((CONTENT_TYPE, JSON_CONTENT_TYPE))
        .body(body.to_string())
}

/// The metrics in Prometheus text format.
///
/// Counts only: no secrets, no phone numbers.
#[utoipa::path(
    get,
    path = METRICS_PATH,
    responses(
        (status = 200, description = "The metrics", body = String,
            content_type = "text/plain"),
    )
)]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    // The gauge is set here, where it is read, so it counts locks that ended on their own.
    let held = i64::try_from(state.auth.lockout.held()).unwrap_or(i64::MAX);
    state.metrics.locked_addresses.set(held);
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"))
        .body(state.metrics.render())
}
