//! The admin API under `/emulator/`: read and change faults, read counters. No fault applies here.

use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};

use crate::faults::Faults;
use crate::http::{self, Body};
use crate::state::Shared;

/// Path prefix of the admin API.
pub const ADMIN_PREFIX: &str = "/emulator/";

/// Path of the faults resource (`GET`, `PUT`, `DELETE`).
pub const FAULTS_PATH: &str = "/emulator/faults";

/// Path of the counters (`GET`).
pub const STATS_PATH: &str = "/emulator/stats";

/// Answers one admin request.
pub(crate) async fn handle(shared: &Shared, request: Request<Incoming>) -> Response<Body> {
    let method = request.method().clone();
    match request.uri().path() {
        FAULTS_PATH => match method {
            Method::GET => http::json(StatusCode::OK, &*shared.faults()),
            Method::PUT => put_faults(shared, request).await,
            Method::DELETE => {
                // Faults::none() always validates.
                let _ = shared.set_faults(Faults::none());
                http::json(StatusCode::OK, &*shared.faults())
            }
            _ => http::method_not_allowed("GET, PUT, DELETE"),
        },
        STATS_PATH => match method {
            Method::GET => http::json(StatusCode::OK, &shared.stats()),
            _ => http::method_not_allowed("GET"),
        },
        _ => http::not_found(),
    }
}

/// `PUT /emulator/faults`: replaces the faults, or answers 400 saying what is wrong.
async fn put_faults(shared: &Shared, request: Request<Incoming>) -> Response<Body> {
    let body = match http::read_body(request.into_body()).await {
        Ok(body) => body,
        Err(message) => return http::error(StatusCode::BAD_REQUEST, &message),
    };
    let installed = Faults::from_json(&body).and_then(|faults| shared.set_faults(faults));
    match installed {
        Ok(()) => http::json(StatusCode::OK, &*shared.faults()),
        Err(err) => http::error(StatusCode::BAD_REQUEST, &err.to_string()),
    }
}
