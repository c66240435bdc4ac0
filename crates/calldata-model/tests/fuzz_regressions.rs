//! Replays every saved fuzz input (`tests/data/fuzz-regressions/<target>/`) through the same
//! checks the fuzz targets in `fuzz/` make, so a crash once found stays fixed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::time::{Duration, SystemTime};

use calldata_model::auth::{
    AuthorizationHeader, Credentials, SignableRequest, VerifyPolicy, verify,
};
use calldata_model::{ApiReply, BasicCallInfo, QueryBasicCallInfo, read_reply};

fn inputs(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz-regressions")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

#[test]
fn saved_request_bodies_decode_or_refuse_without_panicking() {
    for body in inputs("request_body") {
        if let Ok(key) = QueryBasicCallInfo::parse(&body) {
            let again = serde_json::to_vec(&QueryBasicCallInfo::from(key)).unwrap();
            assert_eq!(QueryBasicCallInfo::parse(&again).unwrap(), key);
        }
    }
}

#[test]
fn saved_authorization_inputs_never_verify_a_forgery() {
    for data in inputs("authorization") {
        let mut parts = data.split(|b| *b == 0);
        let authorization = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        let query = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        let host = parts.next().unwrap_or_default().to_vec();
        let body = parts.next().unwrap_or_default().to_vec();
        let _ = AuthorizationHeader::parse(&authorization);
        let headers = vec![
            ("host".to_owned(), host),
            (
                "content-length".to_owned(),
                body.len().to_string().into_bytes(),
            ),
            ("content-type".to_owned(), b"application/json".to_vec()),
        ];
        let request = SignableRequest {
            method: "POST",
            path: "/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo",
            query: &query,
            headers: &headers,
            body: &body,
        };
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);
        let keys = Credentials::new("ak", "sk");
        assert!(
            verify(
                Some(&authorization),
                &request,
                &keys,
                &VerifyPolicy::default(),
                now
            )
            .is_err()
        );
    }
}

#[test]
fn saved_replies_read_without_panicking_and_calls_round_trip() {
    for body in inputs("lenient_reply") {
        if let Ok(ApiReply::Answered(call)) = read_reply::<QueryBasicCallInfo>(&body) {
            let text = serde_json::to_vec(&call).unwrap();
            let again: BasicCallInfo = serde_json::from_slice(&text).unwrap();
            assert_eq!(again, call);
        }
    }
}
