//! Server with the BMS backend in front of the BMS emulator, both as processes: the server
//! answers from BMS, keeps answering `0100001` at once while BMS is down, never hangs, and
//! recovers on its own when BMS comes back.

use std::time::{Duration, Instant};

use calldata_bms::DemoSettings;
use calldata_bms::embedded::{demo_records, sample_keys};
use calldata_e2e::{Process, authorization, binary, client_trusting, wait_ready};
use calldata_model::{CallKey, QUERY_BASIC_CALL_INFO_PATH};
use serde_json::Value;
use tokio::process::Command;

async fn start_emulator(listen: &str) -> Process {
    let mut command = Command::new(binary("calldata-bms", "bms-emulator").unwrap());
    command.args(["--listen", listen]);
    Process::start(command, "listening on").await.unwrap()
}

struct Caller {
    http: reqwest::Client,
    url: String,
    host: String,
    ak: String,
    sk: String,
}

impl Caller {
    /// Queries `key`; returns the result code and how long the answer took.
    async fn query(&self, key: &CallKey) -> (String, Duration, Value) {
        let body = format!(
            r#"{{"ccId":{},"vdn":{},"callId":"{}"}}"#,
            key.cc_id, key.vdn, key.call_id
        );
        let signature = authorization(
            &self.ak,
            &self.sk,
            &self.host,
            QUERY_BASIC_CALL_INFO_PATH,
            &body,
        )
        .unwrap();
        let started = Instant::now();
        let answer: Value = self
            .http
            .post(format!("{}{QUERY_BASIC_CALL_INFO_PATH}", self.url))
            .header("content-type", "application/json;charset=UTF-8")
            .header("authorization", signature)
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            answer["resultCode"].as_str().unwrap_or_default().to_owned(),
            started.elapsed(),
            answer,
        )
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
    let caller = Caller {
        host: url.trim_start_matches("https://").to_owned(),
        http: http.clone(),
        url: url.clone(),
        ak: std::fs::read_to_string(data.path().join("demo-access-key"))
            .unwrap()
            .trim()
            .to_owned(),
        sk: std::fs::read_to_string(data.path().join("demo-secret-key"))
            .unwrap()
            .trim()
            .to_owned(),
    };

    let demo = DemoSettings::default();
    let key = sample_keys(&demo, 1)[0];
    let expected = demo_records(&demo).next().unwrap().call;
    let (code, _, answer) = caller.query(&key).await;
    assert_eq!(code, "0100000", "{answer}");
    assert_eq!(
        answer["resultDesc"]["callingNum"],
        expected.calling_num.as_str()
    );

    emulator.stop("KILL").await.unwrap();
    for _ in 0..10 {
        let (code, took, answer) = caller.query(&key).await;
        assert_eq!(code, "0100001", "{answer}");
        assert!(
            took < Duration::from_secs(3),
            "an answer took {took:?} while BMS was down"
        );
        let message = answer["resultDesc"].as_str().unwrap();
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
        let (code, took, _) = caller.query(&key).await;
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
