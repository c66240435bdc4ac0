//! `GET /rest/cmsapp/v1/ping`: the platform health check. Unsigned requests get an answer
//! (load balancers cannot sign); a signed request is verified, so `calldata ping` can
//! check credentials too.

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::authenticate;
use crate::routes::reply::success_with;
use crate::state::AppState;

/// Answers `pong`, after checking the signature when there is one.
pub async fn ping(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if !request.headers().contains_key(AUTHORIZATION) {
        return success_with(&"pong").into_response(&request);
    }
    match authenticate(&request, &[], &state) {
        Ok(caller) => success_with(&format!("pong; access key {} accepted", caller.access_key))
            .into_response(&request),
        Err(refusal) => refusal.respond(&request),
    }
}
