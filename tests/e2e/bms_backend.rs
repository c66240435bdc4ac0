//! Client → server (BMS backend) → BMS emulator, server and emulator as processes: the server
//! answers from BMS, keeps answering `0100001` at once while BMS is down, never hangs, and
//! recovers on its own when BMS comes back.

use std::time::{Duration, Instant};

use calldata_bms::DemoSettings;
use calldata_bms::embedded::{demo_records, sample_keys};
use calldata_client::{Client, Credentials, Error, RetryPolicy};
use calldata_model::CallKey;
use calldata_testkit::process::{Process, binary, client_trusting, wait_ready};
use tokio::process::Command;

async fn start_emulator(listen: &str) -> Process {
    calldata_testkit::process::start_emulator(listen)
        .await
        .unwrap()
}

/// Queries through the client crate; returns the result code, the time taken and the error.
async fn query(client: &Client, key: &CallKey) -> (String, Duration, Option<Error>) {
    let started = Instant::now();
    let result = client.query(key).await;
    let took = started.elapsed();
    match result {
        Ok(_) => ("0100000".to_owned(), took, None),
        Err(Error::Api { code, message }) => (
            code.as_str().to_owned(),
            took,
            Some(Error::Api { code, message }),
        ),
        Err(other) => panic!("unexpected client error: {other}"),
    }
}

#[tokio::test]
async fn the_server_survives_the_bms_being_killed_and_recovers_when_it_returns() {
    let mut emulator = start_emulator("127.0.0.1:0").await;
    let bms_url = emulator
        .banner_word("http://127.0.0.1:")
        .expect("emulator prints its address");
    let bms_listen = bms_url.trim_start_matches("http://").to_owned();

    let data = tempfile::tempdir().unwrap();
    let mut command = Command::new(binary("calldata-server", "calldata-server").unwrap());
    command
        .args([
            "--listen",
            "127.0.0.1:0",
            "--backend",
            "bms",
            "--bms-url",
            &bms_url,
        ])
        .args([
            "--bms-request-timeout-ms",
            "1000",
            "--bms-breaker-failures",
            "3",
        ])
        .args(["--bms-breaker-cool-down-ms", "300"])
        .env("CALLDATA_DATA_DIR", data.path());
    let mut server = Process::start(command, "listening on").await.unwrap();
    let url = server.banner_word("https://127.0.0.1:").unwrap();
    let http = client_trusting(&data.path().join("tls/ca.pem")).unwrap();
    wait_ready(&http, &format!("{url}/readyz"), Duration::from_secs(10))
        .await
        .unwrap();
    let client = Client::builder()
        .base_url(&url)
        .credentials(Credentials::new(
            std::fs::read_to_string(data.path().join("demo-access-key"))
                .unwrap()
                .trim(),
            std::fs::read_to_string(data.path().join("demo-secret-key"))
                .unwrap()
                .trim(),
        ))
        .ca_cert_file(data.path().join("tls/ca.pem"))
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let demo = DemoSettings::default();
    let key = sample_keys(&demo, 1)[0];
    let expected = demo_records(&demo).next().unwrap().call;
    assert_eq!(client.query(&key).await.unwrap(), expected);

    emulator.stop("KILL").await.unwrap();
    for _ in 0..10 {
        let (code, took, error) = query(&client, &key).await;
        assert_eq!(code, "0100001", "{error:?}");
        assert!(
            took < Duration::from_secs(3),
            "an answer took {took:?} while BMS was down"
        );
        let message = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            !message.contains(&bms_listen),
            "the message names the BMS address: {message}"
        );
    }
    let ready = http.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);

    let _emulator = start_emulator(&bms_listen).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (code, took, _) = query(&client, &key).await;
        assert!(took < Duration::from_secs(3));
        if code == "0100000" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not recover after BMS came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_ready(&http, &format!("{url}/readyz"), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(server.stop("TERM").await.unwrap(), Some(0));
}
