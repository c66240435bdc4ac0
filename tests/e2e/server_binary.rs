//! The server as the README starts it (`cargo run --release -p calldata-server`, no
//! arguments), from a temp data directory: ready, answers a demo call, logs nothing secret,
//! stops cleanly on SIGTERM.

use std::time::Duration;

use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use calldata_testkit::process::{Process, binary, client_trusting, wait_ready};
use calldata_testkit::sign::json_post;
use serde_json::Value;
use tokio::process::Command;

#[tokio::test]
async fn the_readme_server_starts_answers_a_demo_call_and_stops_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let mut command = Command::new(binary("calldata-server", "calldata-server").unwrap());
    // No arguments, as in the README; only the data directory and a free port come from the
    // environment, and debug logs so the audit below sees everything.
    command
        .env("CALLDATA_DATA_DIR", data.path())
        .env("CALLDATA_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "debug");
    let mut server = Process::start(command, "query it").await.unwrap();
    let url = server
        .banner_word("https://127.0.0.1:")
        .expect("banner names the URL");
    let host = url.trim_start_matches("https://").to_owned();
    let http = client_trusting(&data.path().join("tls/ca.pem")).unwrap();
    wait_ready(&http, &format!("{url}/readyz"), Duration::from_secs(10))
        .await
        .unwrap();

    let line = server
        .banner
        .iter()
        .find(|l| l.contains("demo call"))
        .unwrap()
        .clone();
    let words: Vec<&str> = line.split_whitespace().collect();
    let body = format!(
        r#"{{"ccId":{},"vdn":{},"callId":"{}"}}"#,
        words[4], words[6], words[8]
    );
    let ak = std::fs::read_to_string(data.path().join("demo-access-key")).unwrap();
    let sk = std::fs::read_to_string(data.path().join("demo-secret-key")).unwrap();
    let signature = json_post(
        (ak.trim(), sk.trim()),
        &host,
        QUERY_BASIC_CALL_INFO_PATH,
        body.as_bytes(),
    );
    let answer: Value = http
        .post(format!("{url}{QUERY_BASIC_CALL_INFO_PATH}"))
        .header("content-type", "application/json;charset=UTF-8")
        .header("authorization", &signature)
        .body(body.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["resultCode"], "0100000", "{answer}");
    let calling = answer["resultDesc"]["callingNum"]
        .as_str()
        .unwrap()
        .to_owned();
    let called = answer["resultDesc"]["calledNum"]
        .as_str()
        .unwrap()
        .to_owned();

    // A refused signature, so the audit also covers the failure path.
    let refused = http
        .post(format!("{url}{QUERY_BASIC_CALL_INFO_PATH}"))
        .header("content-type", "application/json;charset=UTF-8")
        .header("authorization", signature.replace("auth-v2/", "auth-v2/x"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    assert_eq!(server.stop("TERM").await.unwrap(), Some(0));
    let logs = server.stderr().await.unwrap();
    assert!(logs.contains("request"), "no request log lines:\n{logs}");
    assert!(
        logs.contains(&calling[calling.len() - 4..]),
        "the masked number keeps 4 digits"
    );
    for secret in [
        sk.trim(),
        signature.as_str(),
        calling.as_str(),
        called.as_str(),
    ] {
        assert!(!logs.contains(secret), "logs contain {secret:?}:\n{logs}");
    }
    assert!(
        !logs.contains("auth-v2/"),
        "an Authorization value reached the logs"
    );
}
