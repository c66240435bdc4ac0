//! `GET /rest/cmsapp/v1/ping`: the platform health check. Unsigned requests get an answer
//! (load balancers cannot sign); a signed request is verified, so `calldata ping` can
//! check credentials too.

use std::time::Instant;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::authenticate;
use crate::routes::body::status_label;
use crate::routes::reply::success_with;
use crate::state::AppState;

/// Answers `pong`, after checking the signature when there is one.
pub async fn ping(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let started = Instant::now();
    let (response, outcome) = if request.headers().contains_key(AUTHORIZATION) {
        match authenticate(&request, &[], &state) {
            Ok(caller) => {
                let answer =
                    success_with(&format!("pong; access key {} accepted", caller.access_key));
                (answer.response, answer.outcome)
            }
            Err(refusal) => (refusal.respond(&request), status_label(refusal.status)),
        }
    } else {
        let answer = success_with(&"pong");
        (answer.response, answer.outcome)
    };
    state
        .metrics
        .observe_request("ping", outcome, started.elapsed().as_secs_f64());
    response
}
