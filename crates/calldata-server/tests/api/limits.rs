//! Slow, chunked and oversized bodies over raw sockets: nothing holds a worker or slips
//! past the limits.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use calldata_model::QUERY_BASIC_CALL_INFO_PATH;

use crate::helpers::{TestApp, spawn_app_with};

/// Sends raw bytes to a plain-HTTP test server and returns the whole answer.
fn raw_exchange(app: &TestApp, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(&app.host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[actix_web::test]
async fn a_body_that_never_arrives_gets_408_after_the_deadline() {
    // Part of the body, or none of it: the deadline holds either way (with no body byte the
    // handler's first read and its timer take another path).
    for (declared, sent) in [(100, "{\"ccId\":1"), (40, "")] {
        let app = spawn_app_with(|s| {
            s.plain_http = true;
            s.client_request_timeout_ms = 300;
        })
        .await;
        let head = format!(
            "POST {QUERY_BASIC_CALL_INFO_PATH} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {declared}\r\nConnection: close\r\n\r\n{sent}",
            app.host
        );
        let started = std::time::Instant::now();
        let answer =
            actix_web::rt::task::spawn_blocking(move || raw_exchange(&app, head.as_bytes()))
                .await
                .unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{sent:?}: {answer}");
        assert!(answer.contains(r#""status":408"#), "{sent:?}: {answer}");
        assert!(started.elapsed() < Duration::from_secs(3), "{sent:?}");
    }
}

#[actix_web::test]
async fn a_chunked_body_growing_past_the_limit_gets_413() {
    let app = spawn_app_with(|s| s.plain_http = true).await;
    let chunk = "x".repeat(4096);
    let mut request = format!(
        "POST {QUERY_BASIC_CALL_INFO_PATH} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.host
    );
    for _ in 0..6 {
        write!(request, "{:x}\r\n{chunk}\r\n", chunk.len()).unwrap();
    }
    request.push_str("0\r\n\r\n");
    let answer =
        actix_web::rt::task::spawn_blocking(move || raw_exchange(&app, request.as_bytes()))
            .await
            .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[actix_web::test]
async fn a_repeated_content_type_gets_415() {
    let app = spawn_app_with(|s| s.plain_http = true).await;
    let body = r#"{"ccId":1,"vdn":1,"callId":"1-1"}"#;
    let request = format!(
        "POST {QUERY_BASIC_CALL_INFO_PATH} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        app.host,
        body.len()
    );
    let answer =
        actix_web::rt::task::spawn_blocking(move || raw_exchange(&app, request.as_bytes()))
            .await
            .unwrap();
    assert!(answer.starts_with("HTTP/1.1 415"), "{answer}");
}
