//! The `calldata-server` binary as a user runs it: no arguments but a data directory, a
//! banner with everything needed to call it, a demo key on disk, a clean exit on SIGTERM.

use std::process::Command;

use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use calldata_model::auth::JSON_CONTENT_TYPE;
use calldata_testkit::process::{Process, client_trusting, demo_credentials};
use calldata_testkit::sign::json_post;
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_calldata-server");

#[actix_web::test]
async fn the_binary_starts_on_its_defaults_and_answers_a_banner_query() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(BINARY);
    command
        .args([
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--demo-calls",
            "50",
        ])
        .env("CALLDATA_DATA_DIR", data_dir.path())
        .env_remove("RUST_LOG");
    let mut server = Process::start(command, "query it").await.unwrap();
    let text = server.banner.join("\n");
    let url = server
        .banner_word("https://127.0.0.1:")
        .unwrap_or_else(|| panic!("no URL in banner:\n{text}"));
    let host = url.trim_start_matches("https://").to_owned();
    let call = text
        .lines()
        .find(|l| l.contains("demo call"))
        .unwrap_or_else(|| panic!("no demo call in banner:\n{text}"));
    let words: Vec<&str> = call.split_whitespace().collect();
    let body = format!(
        r#"{{"ccId":{},"vdn":{},"callId":"{}"}}"#,
        words[4], words[6], words[8]
    );
    assert!(text.contains("CA cert"), "{text}");
    assert!(
        !text.contains("Authorization"),
        "a signed example reached a non-terminal stdout"
    );
    assert!(
        !text.contains(&std::fs::read_to_string(data_dir.path().join("demo-secret-key")).unwrap())
    );

    let (ak, sk) = demo_credentials(data_dir.path()).unwrap();
    let authorization = json_post(
        (&ak, &sk),
        &host,
        QUERY_BASIC_CALL_INFO_PATH,
        body.as_bytes(),
    );
    let http = client_trusting(&data_dir.path().join("tls/ca.pem")).unwrap();
    let answer: Value = http
        .post(format!("{url}{QUERY_BASIC_CALL_INFO_PATH}"))
        .header("content-type", JSON_CONTENT_TYPE)
        .header("authorization", authorization)
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["resultCode"], "0100000", "{answer}");

    // SIGTERM drains and exits cleanly.
    assert_eq!(server.stop("TERM").await.unwrap(), Some(0));
}

#[test]
fn help_documents_every_setting() {
    let output = Command::new(BINARY).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--config",
        "--listen",
        "--plain-http",
        "--data-dir",
        "--tls-cert",
        "--tls-key",
        "--workers",
        "--body-limit-bytes",
        "--legacy-fields",
        "--cti-version",
        "--max-clock-skew-secs",
        "--keep-alive-secs",
        "--client-request-timeout-ms",
        "--shutdown-timeout-secs",
        "--lockout-max-failures",
        "--lockout-window-secs",
        "--lockout-lock-secs",
        "--lockout-max-tracked-addresses",
        "--backend",
        "--demo-calls",
        "--demo-seed",
        "--calls-file",
        "--sandbox",
        "--max-calls",
        "--trusted-proxy",
        "--rate-limit-per-second",
        "--rate-limit-burst",
        "--log-filter",
        "--log-format",
        "--bms-url",
        "--bms-ca-cert",
        "--bms-client-cert",
        "--bms-client-key",
        "--bms-bearer-token-file",
        "--bms-connect-timeout-ms",
        "--bms-request-timeout-ms",
        "--bms-pool-max-idle",
        "--bms-pool-idle-timeout-secs",
        "--bms-max-in-flight",
        "--bms-retry",
        "--bms-retry-backoff-ms",
        "--bms-cache-ttl-ms",
        "--bms-cache-max-entries",
        "--bms-breaker-failures",
        "--bms-breaker-cool-down-ms",
        "--bms-probe-interval-ms",
    ] {
        assert!(help.contains(flag), "--help does not mention {flag}");
    }
    assert!(help.contains("CALLDATA_"));
}

#[test]
fn a_bad_setting_stops_the_binary_with_a_clear_message() {
    let output = Command::new(BINARY)
        .args(["--plain-http", "--listen", "0.0.0.0:0"])
        .env("CALLDATA_DATA_DIR", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("plain_http"), "{stderr}");
}
