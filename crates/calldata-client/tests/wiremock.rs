//! The client against a scripted HTTP server (wiremock): the exact bytes and headers it
//! sends, a signature that verifies on every attempt, and every error path with its
//! retries, through the one generic call for both envelope kinds (the full envelope of
//! `querybasiccallinfo`, the bare echo of `ping`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use calldata_client::signing::JSON_CONTENT_TYPE;
use calldata_client::{
    Client, Credentials, Error, PING_PATH, Ping, ResultCode, RetryPolicy, SigningOptions,
    TimestampPrecision, TransportKind,
};
use calldata_model::auth::{SignableRequest, VerifyPolicy, verify};
use calldata_model::enums::{DeviceType, MediaType};
use calldata_model::{BasicCallInfo, Envelope, QUERY_BASIC_CALL_INFO_PATH, QueryBasicCallInfo};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const AK: &str = "wire-ak";
const SK: &str = "wire-sk-0123456789";
const CALL_ID: &str = "1659513159000-546750";
const BODY: &str = r#"{"ccId":1,"vdn":1,"callId":"1659513159000-546750"}"#;

/// Two retries with ~1 ms backoff, millisecond timestamps (so attempts differ), 2 s timeout.
fn client(server: &MockServer) -> Client {
    client_with(server.uri(), RetryPolicy::new(2, ms(2), ms(4)))
}

fn client_with(url: String, retry: RetryPolicy) -> Client {
    Client::builder()
        .base_url(url)
        .credentials(Credentials::new(AK, SK))
        .signing_options(SigningOptions {
            precision: TimestampPrecision::Milliseconds,
            ..SigningOptions::default()
        })
        .retry_policy(retry)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn sample_call() -> BasicCallInfo {
    BasicCallInfo {
        time: Some(1_659_513_159_000),
        dsn: Some(12),
        calling_num: "88880001".into(),
        called_num: "70001".into(),
        device_type: Some(DeviceType::Agent),
        media_type: Some(MediaType::from_code(5)),
        wait_time: Some(137),
        ..BasicCallInfo::default()
    }
}

fn success_body(call: &BasicCallInfo) -> String {
    serde_json::to_string(&Envelope::of::<QueryBasicCallInfo>(call, true)).unwrap()
}

fn reply(code: &str, desc: &str) -> ResponseTemplate {
    json(
        200,
        &serde_json::json!({"resultCode": code, "resultDesc": desc}).to_string(),
    )
}

fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_owned(), JSON_CONTENT_TYPE)
}

async fn answer_queries_with(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(QUERY_BASIC_CALL_INFO_PATH))
        .respond_with(response)
        .mount(server)
        .await;
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

async fn query(client: &Client) -> Result<BasicCallInfo, Error> {
    client.query_basic_call_info(1, 1, CALL_ID).await
}

/// Checks a received request's Authorization with the model's verifier, over exactly what
/// arrived: method, path, query, headers and body.
fn verify_received(request: &Request) {
    let headers: Vec<(String, Vec<u8>)> = request
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    let signable = SignableRequest {
        method: request.method.as_str(),
        path: request.url.path(),
        query: request.url.query().unwrap_or(""),
        headers: &headers,
        body: &request.body,
    };
    let authorization = header(request, "authorization");
    verify(
        Some(authorization),
        &signable,
        &Credentials::new(AK, SK),
        &VerifyPolicy::default(),
        SystemTime::now(),
    )
    .unwrap_or_else(|e| panic!("{authorization} does not verify: {e}"));
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn a_query_sends_the_compact_body_with_signed_host_type_and_length() {
    let server = MockServer::start().await;
    let call = sample_call();
    let body = success_body(&call);
    answer_queries_with(&server, json(200, &body)).await;

    let found = client(&server)
        .query_with_body(
            &QueryBasicCallInfo::new(1, 1, CALL_ID)
                .to_call_key()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(found.call, call);
    assert_eq!(found.body, body.as_bytes());

    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), QUERY_BASIC_CALL_INFO_PATH);
    assert_eq!(request.url.query(), None);
    assert_eq!(request.body, BODY.as_bytes());
    assert_eq!(header(request, "host"), server.address().to_string());
    assert_eq!(header(request, "content-type"), JSON_CONTENT_TYPE);
    assert_eq!(header(request, "content-length"), BODY.len().to_string());
    assert!(header(request, "user-agent").starts_with("calldata-client/"));
    let authorization = header(request, "authorization");
    assert!(
        authorization.starts_with(&format!("auth-v2/{AK}/")),
        "{authorization}"
    );
    assert!(
        authorization.contains("/content-length;content-type;host/"),
        "{authorization}"
    );
    verify_received(request);
}

#[tokio::test]
async fn every_retry_is_signed_afresh_and_each_signature_verifies() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    answer_queries_with(&server, json(200, &success_body(&sample_call()))).await;

    assert_eq!(query(&client(&server)).await.unwrap(), sample_call());

    let requests = received(&server).await;
    assert_eq!(requests.len(), 3);
    let signatures: HashSet<&str> = requests
        .iter()
        .map(|r| header(r, "authorization"))
        .collect();
    assert_eq!(signatures.len(), 3, "each attempt needs its own signature");
    requests.iter().for_each(verify_received);
    assert!(requests.iter().all(|r| r.body == BODY.as_bytes()));
}

#[tokio::test]
async fn a_401_is_unauthorized_and_not_retried() {
    let server = MockServer::start().await;
    answer_queries_with(&server, json(401, r#"{"status":401}"#)).await;
    let error = query(&client(&server)).await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized), "{error:?}");
    assert!(error.is_auth_refused());
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn a_403_is_locked_out_and_not_retried() {
    let server = MockServer::start().await;
    answer_queries_with(&server, json(403, r#"{"status":403}"#)).await;
    let error = query(&client(&server)).await.unwrap_err();
    assert!(matches!(error, Error::LockedOut), "{error:?}");
    assert!(error.is_auth_refused());
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn a_0100001_not_found_is_reported_at_once_without_retries() {
    let server = MockServer::start().await;
    answer_queries_with(
        &server,
        reply("0100001", "call not found or no longer in progress"),
    )
    .await;
    let error = query(&client(&server)).await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    let Error::Api { code, message } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*code, ResultCode::InterfaceCallFailed);
    assert_eq!(message, "call not found or no longer in progress");
    assert_eq!(received(&server).await.len(), 1, "not found is final");
}

#[tokio::test]
async fn a_0100001_bms_failure_is_retried_then_reported() {
    let server = MockServer::start().await;
    answer_queries_with(
        &server,
        reply(
            "0100001",
            "call source unavailable: BMS did not answer in time",
        ),
    )
    .await;
    let error = query(&client(&server)).await.unwrap_err();
    assert!(!error.is_not_found() && error.is_retryable(), "{error:?}");
    assert_eq!(received(&server).await.len(), 3, "one try and two retries");
}

#[tokio::test]
async fn a_0100002_invalid_parameter_is_not_retried() {
    let server = MockServer::start().await;
    answer_queries_with(&server, reply("0100002", "invalid parameter: vdn")).await;
    let error = query(&client(&server)).await.unwrap_err();
    assert!(
        matches!(&error, Error::Api { code: ResultCode::InvalidParameter, message } if message == "invalid parameter: vdn"),
        "{error:?}"
    );
    assert!(!error.is_retryable() && !error.is_not_found());
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn a_0101003_insufficient_permission_is_an_auth_refusal_and_not_retried() {
    let server = MockServer::start().await;
    answer_queries_with(&server, reply("0101003", "insufficient permission")).await;
    let error = query(&client(&server)).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Api {
                code: ResultCode::InsufficientPermission,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_auth_refused());
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn statuses_500_and_503_are_retried_then_reported_as_unavailable() {
    for status in [500, 503] {
        let server = MockServer::start().await;
        answer_queries_with(
            &server,
            ResponseTemplate::new(status).set_body_string("busy"),
        )
        .await;
        let error = query(&client(&server)).await.unwrap_err();
        assert_eq!(
            error.transport_kind(),
            Some(TransportKind::Unavailable),
            "{status}: {error:?}"
        );
        assert!(
            error.to_string().contains(&format!("HTTP {status}")),
            "{error}"
        );
        assert_eq!(received(&server).await.len(), 3, "{status}");
    }
}

#[tokio::test]
async fn a_garbage_body_is_undecodable_with_a_short_excerpt_and_not_retried() {
    let server = MockServer::start().await;
    let garbage = format!("<html>{}</html>", "x".repeat(1000));
    answer_queries_with(&server, ResponseTemplate::new(200).set_body_string(garbage)).await;
    let error = query(&client(&server)).await.unwrap_err();
    let Error::Undecodable { status, excerpt } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*status, 200);
    assert!(excerpt.starts_with("<html>xxx"), "{excerpt}");
    assert!(excerpt.chars().count() <= calldata_client::EXCERPT_CHARS + 1);
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn an_oversized_reply_is_undecodable_instead_of_filling_memory() {
    let server = MockServer::start().await;
    let huge = format!(
        r#"{{"resultCode":"0100000","x":"{}"}}"#,
        "y".repeat(2 << 20)
    );
    answer_queries_with(&server, json(200, &huge)).await;
    let error = query(&client(&server)).await.unwrap_err();
    assert!(
        matches!(&error, Error::Undecodable { status: 200, excerpt } if excerpt.starts_with(r#"{"resultCode""#)),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_unexpected_status_is_undecodable_with_its_status() {
    let server = MockServer::start().await;
    answer_queries_with(&server, json(404, r#"{"status":404,"error":"Not Found"}"#)).await;
    let error = query(&client(&server)).await.unwrap_err();
    assert!(
        matches!(&error, Error::Undecodable { status: 404, excerpt } if excerpt.contains("Not Found")),
        "{error:?}"
    );
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let server = MockServer::start().await;
    answer_queries_with(
        &server,
        json(200, &success_body(&sample_call())).set_delay(ms(2_000)),
    )
    .await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::new(AK, SK))
        .timeout(ms(150))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = query(&client).await.unwrap_err();
    assert_eq!(
        error.transport_kind(),
        Some(TransportKind::Timeout),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_closed_port_is_a_connect_failure_after_the_retries() {
    let port = calldata_testkit::ports::closed_port();
    let client = client_with(
        format!("http://127.0.0.1:{port}"),
        RetryPolicy::new(2, ms(1), ms(2)),
    );
    let error = query(&client).await.unwrap_err();
    assert_eq!(
        error.transport_kind(),
        Some(TransportKind::Connect),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn invalid_input_is_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    answer_queries_with(&server, json(200, &success_body(&sample_call()))).await;
    let client = client(&server);
    for (cc_id, vdn, call_id, field) in [
        (0, 1, CALL_ID, "ccId"),
        (1, 5001, CALL_ID, "vdn"),
        (1, 1, "not-a-call-id", "callId"),
        (1, 1, "123456789012345678901-1", "callId"),
    ] {
        let error = client
            .query_basic_call_info(cc_id, vdn, call_id)
            .await
            .unwrap_err();
        let Error::InvalidRequest(invalid) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(invalid.violations()[0].field, field, "{error}");
    }
    assert!(received(&server).await.is_empty());
}

/// Answers a ping as family.md section 1 says: `{"request": <the body>, "status": "UP"}`,
/// the body's bytes echoed as they arrived.
struct Echo;

impl wiremock::Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let object = String::from_utf8(request.body.clone()).unwrap();
        json(200, &format!(r#"{{"request":{object},"status":"UP"}}"#))
    }
}

async fn answer_pings_with(server: &MockServer, response: impl wiremock::Respond + 'static) {
    Mock::given(method("POST"))
        .and(path(PING_PATH))
        .respond_with(response)
        .mount(server)
        .await;
}

#[tokio::test]
async fn ping_is_a_signed_post_whose_echo_keeps_member_order_and_values() {
    let server = MockServer::start().await;
    answer_pings_with(&server, Echo).await;
    let sent = r#"{"z": 1, "a": [true, null], "say": "Hello world!", "n": 1.50}"#;
    let ping = Ping::parse_object(sent.as_bytes()).unwrap();

    let echo = client(&server).ping(&ping).await.unwrap();
    assert_eq!(echo.request.get(), sent, "order, spacing and 1.50 as sent");
    assert_eq!(echo.status, "UP");

    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), PING_PATH);
    assert_eq!(request.body, sent.as_bytes(), "the object's bytes as given");
    assert_eq!(header(request, "content-type"), JSON_CONTENT_TYPE);
    assert_eq!(header(request, "content-length"), sent.len().to_string());
    assert!(
        header(request, "authorization").contains("/content-length;content-type;host/"),
        "a ping is signed like every request"
    );
    verify_received(request);
}

#[tokio::test]
async fn ping_empty_sends_an_empty_object() {
    let server = MockServer::start().await;
    answer_pings_with(&server, Echo).await;
    let echo = client(&server).ping_empty().await.unwrap();
    assert_eq!(echo.request.get(), "{}");
    let requests = received(&server).await;
    assert_eq!(requests[0].body, b"{}");
    verify_received(&requests[0]);
}

#[tokio::test]
async fn a_ping_refused_with_0100002_is_an_api_error_and_not_retried() {
    let server = MockServer::start().await;
    answer_pings_with(
        &server,
        reply(
            "0100002",
            "invalid parameter: request body is not a JSON object",
        ),
    )
    .await;
    let error = client(&server).ping_empty().await.unwrap_err();
    assert!(
        matches!(&error, Error::Api { code: ResultCode::InvalidParameter, message } if message.contains("not a JSON object")),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn every_ping_retry_is_signed_afresh_and_sends_the_same_object() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    answer_pings_with(&server, Echo).await;
    let ping = Ping::parse_object(br#"{"say":"Hello world!"}"#).unwrap();

    let echo = client(&server).ping(&ping).await.unwrap();
    assert_eq!(echo.request.get(), ping.as_json());

    let requests = received(&server).await;
    assert_eq!(requests.len(), 3);
    let signatures: HashSet<&str> = requests
        .iter()
        .map(|r| header(r, "authorization"))
        .collect();
    assert_eq!(signatures.len(), 3, "each attempt needs its own signature");
    requests.iter().for_each(verify_received);
    assert!(requests.iter().all(|r| r.body == ping.as_json().as_bytes()));
}

#[tokio::test]
async fn a_ping_answered_in_the_old_pong_envelope_or_405_is_not_an_echo() {
    // What a server from before the echo answered: success with a string payload.
    let server = MockServer::start().await;
    answer_pings_with(&server, reply("0100000", "pong")).await;
    let error = client(&server).ping_empty().await.unwrap_err();
    assert!(
        matches!(&error, Error::Undecodable { status: 200, excerpt } if excerpt.contains("pong")),
        "{error:?}"
    );
    // A server that serves ping on GET only refuses the POST.
    let server = MockServer::start().await;
    answer_pings_with(
        &server,
        json(405, r#"{"status":405,"error":"Method Not Allowed"}"#),
    )
    .await;
    let error = client(&server).ping_empty().await.unwrap_err();
    assert!(
        matches!(&error, Error::Undecodable { status: 405, .. }),
        "{error:?}"
    );
    assert_eq!(received(&server).await.len(), 1);
}
