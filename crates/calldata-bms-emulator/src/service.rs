//! Routing one request: the BMS paths (with faults), the admin API, 404 and 405.

use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};

use crate::admin::{self, ADMIN_PREFIX};
use crate::bms;
use crate::connection::ResetSignal;
use crate::faults::Outcome;
use crate::http::{self, Body};
use crate::state::Shared;
use crate::stats::Counter;

/// Bodies the malformed fault answers with, one drawn per query.
const MALFORMED_BODIES: [(&str, &str); 3] = [
    ("text/html", "<html>gateway error</html>"),
    (
        calldata_model::JSON_CONTENT_TYPE,
        r#"{"retCode":"0","retMsg":"succ"#,
    ),
    (calldata_model::JSON_CONTENT_TYPE, "[1,2,3]"),
];

/// Answers one request on a connection whose reset is requested through `reset`.
pub(crate) async fn handle(
    shared: &Shared,
    reset: &ResetSignal,
    request: Request<Incoming>,
) -> Response<Body> {
    let path = request.uri().path();
    if let Some(path) = bms::PATHS.into_iter().find(|known| *known == path) {
        if request.method() == Method::POST {
            query(shared, reset, path, request).await
        } else {
            http::method_not_allowed("POST")
        }
    } else if path.starts_with(ADMIN_PREFIX) {
        admin::handle(shared, request).await
    } else {
        http::not_found()
    }
}

/// A BMS query to `path`: counted, delayed, then faulted or answered from the store.
async fn query(
    shared: &Shared,
    reset: &ResetSignal,
    path: &str,
    request: Request<Incoming>,
) -> Response<Body> {
    shared.count(Counter::Queries);
    let body = http::read_body(request.into_body()).await;
    let faults = shared.faults();
    if let Some(delay) = faults.pick_latency() {
        tokio::time::sleep(delay).await;
    }
    match faults.pick_outcome() {
        Outcome::Reset => {
            shared.count(Counter::Reset);
            reset.request();
            never().await
        }
        Outcome::Hang => {
            shared.count(Counter::Hung);
            never().await
        }
        Outcome::Http500 => {
            shared.count(Counter::Http500);
            http::text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal server error (injected)",
            )
        }
        Outcome::Malformed => {
            shared.count(Counter::Malformed);
            let (content_type, text) = MALFORMED_BODIES[fastrand::usize(..MALFORMED_BODIES.len())];
            http::response(StatusCode::OK, content_type, text)
        }
        Outcome::RetCode(code) => {
            shared.count(Counter::InjectedRetCode);
            http::json(StatusCode::OK, &bms::reply(&code, "injected".to_owned()))
        }
        Outcome::Normal => {
            let (counter, reply) = match body {
                Ok(body) => bms::answer(&shared.store, path, &body),
                Err(message) => (
                    Counter::BadRequest,
                    bms::Reply::Basic(bms::reply("2", message)),
                ),
            };
            shared.count(counter);
            http::json(StatusCode::OK, &reply)
        }
    }
}

/// Waits forever; the connection ends when it is reset or the emulator stops.
async fn never() -> Response<Body> {
    std::future::pending().await
}
