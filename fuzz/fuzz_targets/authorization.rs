//! Fuzz target: `Authorization` parsing and verification over arbitrary header values,
//! paths, queries and bodies never panics and never accepts a forged signature.
#![no_main]

use std::time::{Duration, SystemTime};

use calldata_model::auth::{AuthorizationHeader, Credentials, SignableRequest, VerifyPolicy, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Split the input into header value, query, host and body at NUL bytes.
    let mut parts = data.split(|b| *b == 0);
    let authorization = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let host = parts.next().unwrap_or_default().to_vec();
    let body = parts.next().unwrap_or_default().to_vec();
    let _ = AuthorizationHeader::parse(&authorization);
    let headers = vec![
        ("host".to_owned(), host),
        ("content-length".to_owned(), body.len().to_string().into_bytes()),
        ("content-type".to_owned(), b"application/json".to_vec()),
    ];
    let request = SignableRequest {
        method: "POST",
        path: "/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo",
        query: &query,
        headers: &headers,
        body: &body,
    };
    let keys = Credentials::new("ak", "sk");
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    // A random header can only verify by forging HMAC-SHA256; that must never happen.
    assert!(verify(Some(&authorization), &request, &keys, &VerifyPolicy::default(), now).is_err());
});
