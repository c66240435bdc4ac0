//! The client against the real `calldata-server` over HTTPS (happy path, not found, invalid
//! input, bad key, lockout, ping and its echo, TLS trust), and the client's signing path
//! against the published `auth-v2` vectors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

#[allow(dead_code)] // each test file uses part of the helpers
mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use calldata_client::signing::{JSON_CONTENT_TYPE, OutgoingRequest, sign_request};
use calldata_client::{Client, Credentials, Error, PING_PATH, Ping, RetryPolicy, TransportKind};
use calldata_model::auth::{
    QueryLine, SignableRequest, SigningOptions, Timestamp, VerifyPolicy, verify,
};
use calldata_testkit::metrics;
use serde::Deserialize;

use support::{AK, RealServer, SK, existing_call, spawn_default_server, spawn_server};

fn client(server: &RealServer, sk: &str) -> Client {
    Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::new(AK, sk))
        .ca_cert_file(server.ca_cert())
        .retry_policy(RetryPolicy::new(
            2,
            Duration::from_millis(1),
            Duration::from_millis(2),
        ))
        .build()
        .unwrap()
}

/// The server's request counters for the query route.
async fn query_metrics(server: &RealServer) -> Vec<String> {
    let text = server.metrics().await;
    metrics::lines(&text, "calldata_requests_total{route=\"query\"")
        .into_iter()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn finds_the_demo_call_the_server_holds() {
    let server = spawn_default_server();
    let (key, expected) = existing_call();
    let client = client(&server, SK);
    let call = client
        .query_basic_call_info(
            i64::from(key.cc_id.get()),
            i64::from(key.vdn.get()),
            key.call_id.as_str(),
        )
        .await
        .unwrap();
    assert_eq!(call, expected);
    assert_eq!(client.query(&key).await.unwrap(), expected);
}

#[tokio::test]
async fn a_call_that_is_not_in_progress_is_not_found() {
    let server = spawn_default_server();
    let error = client(&server, SK)
        .query_basic_call_info(1, 1, "1-1")
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
}

#[tokio::test]
async fn invalid_input_never_reaches_the_server() {
    let server = spawn_default_server();
    let client = client(&server, SK);
    let error = client
        .query_basic_call_info(1, 5001, "1-1")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    // The server registers its hot series up front, at 0: none may have moved.
    let before = query_metrics(&server).await;
    assert!(before.iter().all(|l| l.ends_with(" 0")), "{before:?}");

    // The counter does move when a query is sent, so the check above means something.
    let (key, _) = existing_call();
    client.query(&key).await.unwrap();
    assert_eq!(
        query_metrics(&server).await,
        [r#"calldata_requests_total{route="query",outcome="0100000"} 1"#]
    );
}

#[tokio::test]
async fn a_wrong_secret_key_is_unauthorized() {
    let server = spawn_default_server();
    let (key, _) = existing_call();
    let error = client(&server, "wrong-secret")
        .query(&key)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unauthorized), "{error:?}");
}

#[tokio::test]
async fn repeated_signature_failures_lock_the_client_out() {
    let server = spawn_server(|s| s.lockout.max_failures = 2);
    let (key, _) = existing_call();
    let bad = client(&server, "wrong-secret");
    for attempt in 1..=2 {
        let error = bad.query(&key).await.unwrap_err();
        assert!(matches!(error, Error::Unauthorized), "{attempt}: {error:?}");
    }
    let error = bad.query(&key).await.unwrap_err();
    assert!(matches!(error, Error::LockedOut), "{error:?}");
    // The lockout is per address, so even the right key is refused now.
    let error = client(&server, SK).query(&key).await.unwrap_err();
    assert!(matches!(error, Error::LockedOut), "{error:?}");
}

#[tokio::test]
async fn ping_echoes_its_object_and_checks_the_credentials() {
    let server = spawn_default_server();
    let good = client(&server, SK);
    let sent = r#"{"say": "Hello world!", "z": 1, "a": [true, null]}"#;
    let echo = good
        .ping(&Ping::parse_object(sent.as_bytes()).unwrap())
        .await
        .unwrap();
    assert_eq!(echo.request.get(), sent, "member order and values as sent");
    assert_eq!(echo.status, "UP");
    let echo = good.ping_empty().await.unwrap();
    assert_eq!(echo.request.get(), "{}");
    let error = client(&server, "wrong-secret")
        .ping_empty()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unauthorized), "{error:?}");
}

#[tokio::test]
async fn ping_refuses_a_body_that_is_not_an_object_and_a_get() {
    let server = spawn_default_server();
    let http = &server.http;
    let url = format!("{}{PING_PATH}", server.base_url);
    let host = url
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap();

    // The typed client cannot send anything but an object: sign the array by hand.
    let body = "[1]";
    let signed = sign_request(
        &Credentials::new(AK, SK),
        &SigningOptions::default(),
        &OutgoingRequest {
            method: "POST",
            host,
            path: PING_PATH,
            query: "",
            content_type: JSON_CONTENT_TYPE,
            body: body.as_bytes(),
        },
        std::time::SystemTime::now(),
    )
    .unwrap();
    let mut request = http.post(&url).body(body);
    for (name, value) in &signed.headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let reply: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(reply["resultCode"], "0100002", "{reply}");

    let response = http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 405);
    let allow = response.headers()["allow"].to_str().unwrap().to_owned();
    assert_eq!(allow, "POST");
}

#[tokio::test]
async fn a_server_whose_ca_is_not_trusted_is_a_tls_failure() {
    let server = spawn_default_server();
    let (key, _) = existing_call();
    let untrusting = Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::new(AK, SK))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = untrusting.query(&key).await.unwrap_err();
    assert_eq!(
        error.transport_kind(),
        Some(TransportKind::Tls),
        "{error:?}"
    );

    let insecure = Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::new(AK, SK))
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    insecure.query(&key).await.unwrap();
}

/// One case of `crates/calldata-model/tests/data/auth-v2.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    name: String,
    ak: String,
    sk: String,
    timestamp: String,
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    empty_query_line: bool,
    headers: BTreeMap<String, String>,
    body: String,
    authorization: String,
}

#[test]
fn the_client_signing_path_reproduces_and_verifies_every_published_vector() {
    #[derive(Deserialize)]
    struct Vectors {
        cases: Vec<Case>,
    }
    let text = include_str!("../../calldata-model/tests/data/auth-v2.json");
    let vectors: Vectors = serde_json::from_str(text).unwrap();
    assert!(vectors.cases.len() >= 6);
    for case in &vectors.cases {
        let header = |name: &str| {
            case.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&case.query)
            .finish();
        let timestamp = Timestamp::parse(&case.timestamp).unwrap();
        let options = SigningOptions {
            signed_headers: case
                .headers
                .keys()
                .map(|k| k.to_ascii_lowercase())
                .collect(),
            query_line: if case.empty_query_line {
                QueryLine::AlwaysEmit
            } else {
                QueryLine::OmitWhenEmpty
            },
            precision: timestamp.precision(),
        };
        let credentials = Credentials::new(&case.ak, &case.sk);
        let request = OutgoingRequest {
            method: &case.method,
            host: header("host").unwrap(),
            path: &case.path,
            query: &query,
            content_type: header("content-type").unwrap_or(JSON_CONTENT_TYPE),
            body: case.body.as_bytes(),
        };
        let signed = sign_request(&credentials, &options, &request, timestamp.to_system_time())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));

        assert_eq!(signed.authorization(), case.authorization, "{}", case.name);
        let as_published = SignableRequest {
            method: &case.method,
            path: &case.path,
            query: &query,
            headers: &case.headers,
            body: case.body.as_bytes(),
        };
        verify(
            Some(signed.authorization()),
            &as_published,
            &credentials,
            &VerifyPolicy::default(),
            timestamp.to_system_time(),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    }
}

#[tokio::test]
async fn the_cti_server_time_is_the_servers_clock_and_a_bad_cc_id_is_not_sent() {
    let server = spawn_default_server();
    let client = client(&server, SK);
    let before = epoch_ms();
    let time = client.cti_server_time(1).await.unwrap();
    let after = epoch_ms();
    assert!(
        (before..=after).contains(&time),
        "{time} not in [{before}, {after}]"
    );
    let error = client.cti_server_time(0).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
}

fn epoch_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(since.as_millis()).unwrap()
}
