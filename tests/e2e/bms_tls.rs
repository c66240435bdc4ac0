//! The BMS adapter over HTTPS: it trusts a custom CA bundle, and without it the handshake
//! fails as a TLS fault (never another class). The HTTPS peer is the real `calldata-server`
//! binary with its generated local CA; it has no BMS path, so a completed exchange shows up
//! as an HTTP-status fault (404), which proves the TLS session was established.

use std::time::Duration;

use calldata_bms::adapter::Fault;
use calldata_bms::{CallSource, HttpBms, HttpBmsSettings, Lookup, SourceError};
use calldata_model::QueryBasicCallInfo;
use calldata_testkit::process::{Process, binary, client_trusting, wait_ready};
use tokio::process::Command;

#[tokio::test]
async fn the_adapter_speaks_https_with_a_custom_ca_and_reports_tls_failures_as_such() {
    let data = tempfile::tempdir().unwrap();
    let mut command = Command::new(binary("calldata-server", "calldata-server").unwrap());
    command
        .args([
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--demo-calls",
            "10",
        ])
        .env("CALLDATA_DATA_DIR", data.path());
    let mut server = Process::start(command, "listening on").await.unwrap();
    let url = server.banner_word("https://127.0.0.1:").unwrap();
    let ca = data.path().join("tls/ca.pem");
    wait_ready(
        &client_trusting(&ca).unwrap(),
        &format!("{url}/healthz"),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    let key = QueryBasicCallInfo::new(1, 1, "1-1").to_call_key().unwrap();
    let quick = |ca_cert| HttpBmsSettings {
        url: url.clone(),
        ca_cert,
        retry: false,
        breaker_failures: 100,
        ..HttpBmsSettings::default()
    };

    let trusted = HttpBms::new(&quick(Some(ca.clone())), None).unwrap();
    assert_eq!(
        trusted.lookup(key).await,
        Lookup::Failed(SourceError::Unavailable(Fault::HttpStatus.message())),
        "with the CA the TLS session completes and the peer answers 404"
    );

    let untrusting = HttpBms::new(&quick(None), None).unwrap();
    assert_eq!(
        untrusting.lookup(key).await,
        Lookup::Failed(SourceError::Unavailable(Fault::Tls.message())),
        "without the CA the certificate is refused"
    );
    assert_eq!(server.stop("TERM").await.unwrap(), Some(0));
}
