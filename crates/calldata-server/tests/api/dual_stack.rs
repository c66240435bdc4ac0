//! Lockout on a dual-stack listener (`[::]`, where IPv4 peers arrive as `::ffff:a.b.c.d`)
//! and the `X-Forwarded-For` rules, over raw HTTP from chosen loopback source addresses:
//! every address is charged in its canonical form, one IPv4 client never locks out another.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use calldata_server::Settings;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

use crate::helpers::{AK, SK, TestApp, existing_call, query_body, spawn_app_with};

/// A plain-HTTP server listening on `[::]`, changed by `tweak` (plain, so raw requests
/// need no TLS; the test keys are no secret).
async fn dual_stack_app(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(|s| {
        s.listen = "[::]:0".parse().unwrap();
        s.plain_http = true;
        s.allow_plain_http_on_any_address = true;
        tweak(s);
    })
    .await
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// How a raw query is signed.
#[derive(Clone, Copy)]
enum Signed {
    Good,
    Bad,
}

/// Sends the demo query from source address `from` (bound before connecting; loopback
/// answers all of 127/8) with an optional `X-Forwarded-For`; returns the HTTP status.
async fn query_from(app: &TestApp, from: &str, signed: Signed, forwarded: Option<&str>) -> u16 {
    let from = ip(from);
    let port = app.host.rsplit(':').next().unwrap().parse::<u16>().unwrap();
    let target = if from.is_ipv4() {
        SocketAddr::from(([127, 0, 0, 1], port))
    } else {
        SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port))
    };
    let socket = if from.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .unwrap();
    socket.bind(SocketAddr::new(from, 0)).unwrap();
    let mut stream = socket.connect(target).await.unwrap();

    let body = query_body(&existing_call().0);
    let authorization = match signed {
        Signed::Good => app.authorization(AK, SK, "POST", QUERY_BASIC_CALL_INFO_PATH, &body),
        Signed::Bad => "auth-v2/not-a-signature".to_owned(),
    };
    let mut request = format!(
        "POST {QUERY_BASIC_CALL_INFO_PATH} HTTP/1.1\r\nHost: {}\r\n\
         Content-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\n\
         Authorization: {authorization}\r\nConnection: close\r\n",
        app.host,
        body.len()
    );
    if let Some(forwarded) = forwarded {
        write!(request, "X-Forwarded-For: {forwarded}\r\n").unwrap();
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer}"))
}

/// Sends `count` badly signed queries and checks each is refused with 401.
async fn fail(app: &TestApp, count: usize, from: &str, forwarded: Option<&str>) {
    for _ in 0..count {
        assert_eq!(query_from(app, from, Signed::Bad, forwarded).await, 401);
    }
}

/// The value of an unlabelled metric.
async fn metric(app: &TestApp, name: &str) -> String {
    let text = app.metrics().await;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .to_owned()
}

#[actix_web::test]
async fn on_a_dual_stack_listener_an_ipv4_client_is_locked_out_alone() {
    let app = dual_stack_app(|_| {}).await;
    fail(&app, 5, "127.0.0.1", None).await;
    assert_eq!(query_from(&app, "127.0.0.1", Signed::Good, None).await, 403);
    assert_eq!(query_from(&app, "127.0.0.2", Signed::Good, None).await, 200);
    assert_eq!(query_from(&app, "::1", Signed::Good, None).await, 200);
    assert_eq!(metric(&app, "calldata_locked_addresses").await, "1");
}

#[actix_web::test]
async fn an_ipv4_trusted_proxy_on_a_dual_stack_listener_is_recognised_in_either_form() {
    for configured in ["127.0.0.1", "::ffff:127.0.0.1"] {
        let app = dual_stack_app(|s| {
            s.lockout.max_failures = 2;
            s.trusted_proxies = vec![ip(configured)];
        })
        .await;
        fail(&app, 2, "127.0.0.1", Some("192.0.2.10")).await;
        let status = |from, forwarded| query_from(&app, from, Signed::Good, forwarded);
        assert_eq!(
            status("127.0.0.1", Some("192.0.2.10")).await,
            403,
            "{configured}"
        );
        assert_eq!(
            status("127.0.0.1", Some("192.0.2.11")).await,
            200,
            "{configured}"
        );
        // The proxy itself is not locked, and nobody else may speak for 192.0.2.10.
        assert_eq!(status("127.0.0.1", None).await, 200, "{configured}");
        assert_eq!(
            status("127.0.0.2", Some("192.0.2.10")).await,
            200,
            "{configured}"
        );
    }
}

#[actix_web::test]
async fn an_ipv4_mapped_forwarded_entry_is_charged_to_its_ipv4_address() {
    let app = dual_stack_app(|s| {
        s.lockout.max_failures = 2;
        s.trusted_proxies = vec![ip("127.0.0.1")];
    })
    .await;
    fail(&app, 2, "127.0.0.1", Some("::ffff:192.0.2.7")).await;
    let status = |forwarded| query_from(&app, "127.0.0.1", Signed::Good, Some(forwarded));
    assert_eq!(status("192.0.2.7").await, 403);
    assert_eq!(status("[::ffff:192.0.2.7]:4711").await, 403);
    // Not the ::ffff:0:0/96 block, which would hold every IPv4 address.
    assert_eq!(status("::ffff:192.0.2.8").await, 200);
    assert_eq!(status("192.0.2.8").await, 200);
    assert_eq!(query_from(&app, "::1", Signed::Good, None).await, 200);
}

#[actix_web::test]
async fn forwarded_entries_with_ports_count_and_an_unreadable_one_is_charged_to_the_proxy() {
    let app = dual_stack_app(|s| {
        s.lockout.max_failures = 2;
        s.trusted_proxies = vec![ip("127.0.0.1")];
    })
    .await;
    let status = |forwarded| query_from(&app, "127.0.0.1", Signed::Good, forwarded);
    fail(
        &app,
        2,
        "127.0.0.1",
        Some("203.0.113.5, 198.51.100.60:4711"),
    )
    .await;
    assert_eq!(status(Some("198.51.100.60")).await, 403);
    assert_eq!(status(Some("203.0.113.5")).await, 200);

    // The entry left of `unknown` is the caller's own word: the proxy is charged instead.
    fail(&app, 2, "127.0.0.1", Some("192.0.2.50, unknown")).await;
    assert_eq!(status(Some("192.0.2.50")).await, 200);
    assert_eq!(status(None).await, 403);
}
