//! Criterion micro-bench of `auth-v2` verification of a typical request: the contract's
//! query (three signed headers, a 50-byte body, no query string) against a key registry.
//! `cargo xtask bench` runs it and reads the estimate (target: at most 5 µs).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // bench code

use std::collections::HashMap;
use std::hint::black_box;
use std::time::SystemTime;

use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use calldata_model::auth::{
    Credentials, SignableRequest, SigningOptions, VerifyPolicy, sign, verify,
};
use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::SecretString;

const BODY: &str = r#"{"ccId":1,"vdn":1,"callId":"1659513159000-546750"}"#;

fn typical_request(c: &mut Criterion) {
    let credentials = Credentials::new("bench-ak", "bench-secret-key-0123456789");
    let headers = [
        ("host", "127.0.0.1:8443".to_owned()),
        ("content-type", "application/json;charset=UTF-8".to_owned()),
        ("content-length", BODY.len().to_string()),
    ];
    let request = SignableRequest {
        method: "POST",
        path: QUERY_BASIC_CALL_INFO_PATH,
        query: "",
        headers: &headers,
        body: BODY.as_bytes(),
    };
    let now = SystemTime::now();
    let signature = sign(&credentials, &request, &SigningOptions::default(), now).unwrap();
    let mut keys: HashMap<String, SecretString> = (0..100)
        .map(|i| {
            (
                format!("other-ak-{i}"),
                SecretString::from(format!("sk-{i}")),
            )
        })
        .collect();
    keys.insert(
        "bench-ak".to_owned(),
        SecretString::from("bench-secret-key-0123456789".to_owned()),
    );
    let policy = VerifyPolicy::default();
    let authorization = signature.authorization.as_str();
    verify(Some(authorization), &request, &keys, &policy, now).expect("the signature verifies");
    c.bench_function("auth_v2_verify_typical", |b| {
        b.iter(|| {
            verify(
                black_box(Some(authorization)),
                black_box(&request),
                &keys,
                &policy,
                now,
            )
            .is_ok()
        });
    });
}

criterion_group!(benches, typical_request);
criterion_main!(benches);
