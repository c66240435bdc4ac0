//! `/console`: the sandbox console, a page that shows the embedded contact center (calls
//! in progress and agents of a VDN, refreshed every second), a call in every interface's
//! view, forms to add a call, move it to an agent and end it (then its record and track),
//! and for every request it makes the signed `curl` command that does the same.
//!
//! Its two files are built into the binary (no CDN, no build step) and served unsigned:
//! they hold no secret. The page signs every request in the browser (Web Crypto HMAC) with
//! a key the user pastes, kept in the tab's memory, so each goes through the signed
//! pipeline like any client's. Served only with the sandbox on.

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};

/// The page's path.
pub const CONSOLE_PATH: &str = "/console";

/// The script's path.
pub const CONSOLE_SCRIPT_PATH: &str = "/console/console.js";

/// The page.
const PAGE: &str = include_str!("index.html");

/// Its script.
const SCRIPT: &str = include_str!("console.js");

/// The page's own files only, its style inline; nothing else is fetched or framed.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; \
                      connect-src 'self'; img-src 'self'; frame-ancestors 'none'; \
                      base-uri 'none'; form-action 'none'";

fn file(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header(("content-security-policy", POLICY))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("referrer-policy", "no-referrer"))
        .body(body)
}

/// The console page.
#[utoipa::path(
    get,
    path = CONSOLE_PATH,
    responses(
        (status = 200, description = "The sandbox console (HTML); served only with the sandbox on", content_type = "text/html"),
    )
)]
pub async fn page() -> HttpResponse {
    file("text/html; charset=utf-8", PAGE)
}

/// The console's script.
#[utoipa::path(
    get,
    path = CONSOLE_SCRIPT_PATH,
    responses(
        (status = 200, description = "The sandbox console's script; served only with the sandbox on", content_type = "text/javascript"),
    )
)]
pub async fn script() -> HttpResponse {
    file("text/javascript; charset=utf-8", SCRIPT)
}
