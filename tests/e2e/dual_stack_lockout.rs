//! The server binary on a dual-stack listener (`--listen [::]:0`, where IPv4 peers arrive
//! as `::ffff:a.b.c.d`): five bad signatures from 127.0.0.1 lock out 127.0.0.1 alone, not
//! 127.0.0.2 and not `::1`.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use calldata_bms::DemoSettings;
use calldata_bms::embedded::sample_keys;
use calldata_e2e::write_reliability_record;
use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use calldata_testkit::process::{demo_credentials, start_plain_server};
use calldata_testkit::raw::{RawOutcome, read_response};
use calldata_testkit::sign::json_post;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpSocket;

/// Sends `request` to the server's port from source address `from` (bound before
/// connecting: loopback answers all of 127/8); returns the status.
async fn status_from(from: IpAddr, port: u16, request: &[u8]) -> u16 {
    let (socket, target) = if from.is_ipv4() {
        (
            TcpSocket::new_v4(),
            SocketAddr::from(([127, 0, 0, 1], port)),
        )
    } else {
        (
            TcpSocket::new_v6(),
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)),
        )
    };
    let socket = socket.unwrap();
    socket.bind(SocketAddr::new(from, 0)).unwrap();
    let mut stream = socket.connect(target).await.unwrap();
    stream.write_all(request).await.unwrap();
    let started = Instant::now();
    match read_response(&mut stream, started, started + Duration::from_secs(10)).await {
        RawOutcome::Response(response) => response.status,
        other => panic!("no answer from {from}: {other:?}"),
    }
}

/// A query for a demo call, signed with `authorization`.
fn query(host: &str, body: &str, authorization: &str) -> Vec<u8> {
    format!(
        "POST {QUERY_BASIC_CALL_INFO_PATH} HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\n\
         Authorization: {authorization}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[tokio::test]
async fn on_a_dual_stack_listener_bad_signatures_from_one_ipv4_client_lock_out_that_client_alone() {
    let data = tempfile::tempdir().unwrap();
    let (mut server, address) = start_plain_server(
        data.path(),
        "[::]:0",
        &["--allow-plain-http-on-any-address"],
    )
    .await
    .unwrap();
    let _logs = server.drain_stderr(50);
    let (ak, sk) = demo_credentials(data.path()).unwrap();
    let host = address.to_string();
    let key = sample_keys(&DemoSettings::default(), 1)[0];
    let body = format!(
        r#"{{"ccId":{},"vdn":{},"callId":"{}"}}"#,
        key.cc_id, key.vdn, key.call_id
    );
    let good = || {
        let authorization = json_post(
            (&ak, &sk),
            &host,
            QUERY_BASIC_CALL_INFO_PATH,
            body.as_bytes(),
        );
        query(&host, &body, &authorization)
    };
    let attacker: IpAddr = "127.0.0.1".parse().unwrap();
    let mut bad_statuses = Vec::new();
    for _ in 0..5 {
        let bad = query(&host, &body, "auth-v2/not-a-signature");
        bad_statuses.push(status_from(attacker, address.port(), &bad).await);
    }
    let mut after = serde_json::Map::new();
    for client in ["127.0.0.1", "127.0.0.2", "::1"] {
        let status = status_from(client.parse().unwrap(), address.port(), &good()).await;
        after.insert(client.to_owned(), status.into());
    }
    server.stop("TERM").await.unwrap();

    let held = after["127.0.0.1"] == 403 && after["127.0.0.2"] == 200 && after["::1"] == 200;
    write_reliability_record(
        "on_a_dual_stack_listener_bad_signatures_from_one_ipv4_client_lock_out_that_client_alone",
        json!({
            "attack": "five bad signatures from one IPv4 client on a dual-stack listener (--listen [::]:0)",
            "before": "five bad requests from one IPv4 client locked out every IPv4 client and ::1 (all grouped as the ::/64 of ::ffff:a.b.c.d)",
            "after": format!(
                "five bad requests from 127.0.0.1 locked out 127.0.0.1 only: a good request from it got {}, from 127.0.0.2 {}, from ::1 {}",
                after["127.0.0.1"], after["127.0.0.2"], after["::1"]
            ),
            "badStatuses": bad_statuses,
            "goodStatusAfter": after,
            "held": held,
        }),
    )
    .unwrap();
    assert_eq!(bad_statuses, [401; 5]);
    assert!(held, "statuses after the lockout: {after:?}");
}
