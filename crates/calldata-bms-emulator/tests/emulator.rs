//! The BMS emulator over real sockets: BMS answers, each fault, the admin API, stop, the binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use calldata_bms::wire::{BasicCallReply, BmsQuery, QUERY_PATH};
use calldata_bms::{CallRecord, DemoSettings, embedded};
use calldata_bms_emulator::{
    CallsSource, EmulatorSettings, EmulatorStats, Faults, LatencyRange, RunningEmulator,
};
use serde_json::{Value, json};

const DEMO: DemoSettings = DemoSettings { count: 50, seed: 7 };

async fn start_with(calls: CallsSource, faults: Faults) -> RunningEmulator {
    RunningEmulator::start(EmulatorSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        calls,
        faults,
    })
    .await
    .unwrap()
}

async fn start(faults: Faults) -> RunningEmulator {
    start_with(CallsSource::Demo(DEMO), faults).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn first_demo_record() -> CallRecord {
    embedded::demo_records(&DEMO).next().unwrap()
}

fn query_body(record: &CallRecord) -> Value {
    serde_json::to_value(BmsQuery::from(&record.key)).unwrap()
}

async fn post(
    client: &reqwest::Client,
    emulator: &RunningEmulator,
    body: impl Into<reqwest::Body>,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(format!("{}{QUERY_PATH}", emulator.base_url()))
        .header("content-type", "application/json;charset=UTF-8")
        .body(body)
        .send()
        .await
}

async fn ask(emulator: &RunningEmulator, query: &Value) -> BasicCallReply {
    let response = post(&client(), emulator, query.to_string()).await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn admin_stats(client: &reqwest::Client, emulator: &RunningEmulator) -> EmulatorStats {
    let url = format!("{}/emulator/stats", emulator.base_url());
    client.get(url).send().await.unwrap().json().await.unwrap()
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_demo_call_is_found_with_the_data_demo_records_gives() {
    let emulator = start(Faults::none()).await;
    for record in embedded::demo_records(&DEMO).take(3) {
        let reply = ask(&emulator, &query_body(&record)).await;
        assert_eq!(reply.ret_code, "0");
        assert_eq!(reply.ret_msg, "success");
        assert_eq!(reply.data, Some(record.call));
    }
    emulator.stop().await;
}

#[tokio::test]
async fn an_unknown_call_is_answered_ret_code_1() {
    let emulator = start(Faults::none()).await;
    let reply = ask(
        &emulator,
        &json!({"ccId": 1, "vdnId": 1, "callId": "1-999999"}),
    )
    .await;
    assert_eq!(reply.ret_code, "1");
    assert_eq!(reply.ret_msg, "call not found");
    assert_eq!(reply.data, None);
}

#[tokio::test]
async fn an_invalid_query_is_answered_ret_code_2() {
    let emulator = start(Faults::none()).await;
    for body in [
        "{not json".to_owned(),
        json!({"ccId": 1, "vdnId": 0, "callId": "1-1"}).to_string(),
        json!({"ccId": 1, "vdnId": 5001, "callId": "1-1"}).to_string(),
        json!({"ccId": 0, "vdnId": 1, "callId": "1-1"}).to_string(),
        json!({"ccId": 1, "vdnId": 1, "callId": "not-a-call-id"}).to_string(),
        json!({"ccId": 1, "vdnId": 1}).to_string(),
    ] {
        let response = post(&client(), &emulator, body.clone()).await.unwrap();
        assert_eq!(response.status(), 200, "{body}");
        let reply: BasicCallReply = response.json().await.unwrap();
        assert_eq!(reply.ret_code, "2", "{body}");
        assert!(
            reply.ret_msg.starts_with("invalid query"),
            "{}",
            reply.ret_msg
        );
    }
    assert_eq!(emulator.stats().bad_request, 6);
}

#[tokio::test]
async fn other_paths_answer_404_and_other_methods_405() {
    let emulator = start(Faults::none()).await;
    let client = client();
    let base = emulator.base_url();
    let status = |response: reqwest::Response| response.status().as_u16();
    let get_query = client
        .get(format!("{base}{QUERY_PATH}"))
        .send()
        .await
        .unwrap();
    assert_eq!(get_query.headers()["allow"], "POST");
    assert_eq!(status(get_query), 405);
    let other = client
        .post(format!("{base}/ccbms/ws/monitor/other"))
        .send()
        .await
        .unwrap();
    assert_eq!(status(other), 404);
    let unknown_admin = client
        .get(format!("{base}/emulator/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(status(unknown_admin), 404);
    let post_stats = client
        .post(format!("{base}/emulator/stats"))
        .send()
        .await
        .unwrap();
    assert_eq!(status(post_stats), 405);
    assert_eq!(emulator.stats().queries, 0);
}

#[tokio::test]
async fn a_fixed_latency_delays_the_answer_by_at_least_that_long() {
    let emulator = start(Faults {
        latency_ms: Some(LatencyRange::fixed(150)),
        ..Faults::none()
    })
    .await;
    let client = client();
    let began = Instant::now();
    let response = post(
        &client,
        &emulator,
        query_body(&first_demo_record()).to_string(),
    )
    .await
    .unwrap();
    let elapsed = began.elapsed();
    assert_eq!(response.status(), 200);
    assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    let reply: BasicCallReply = response.json().await.unwrap();
    assert_eq!(reply.ret_code, "0");
}

#[tokio::test]
async fn an_error_rate_of_one_answers_http_500() {
    let emulator = start(Faults {
        error_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let response = post(
        &client(),
        &emulator,
        query_body(&first_demo_record()).to_string(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(emulator.stats().http_500, 1);
}

#[tokio::test]
async fn an_injected_ret_code_answers_every_query_without_data() {
    let emulator = start(Faults {
        ret_code: Some("3".to_owned()),
        ..Faults::none()
    })
    .await;
    for query in [query_body(&first_demo_record()), json!({"bad": true})] {
        let response = post(&client(), &emulator, query.to_string()).await.unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"retCode": "3", "retMsg": "injected"}));
    }
    assert_eq!(emulator.stats().injected_ret_code, 2);
}

#[tokio::test]
async fn a_malformed_answer_is_http_200_with_a_body_that_is_not_bms_json() {
    let emulator = start(Faults {
        malformed_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let client = client();
    for _ in 0..10 {
        let response = post(
            &client,
            &emulator,
            query_body(&first_demo_record()).to_string(),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        let body = response.bytes().await.unwrap();
        let parsed = serde_json::from_slice::<BasicCallReply>(&body);
        assert!(parsed.is_err(), "{}", String::from_utf8_lossy(&body));
    }
    assert_eq!(emulator.stats().malformed, 10);
}

#[tokio::test]
async fn a_reset_rate_of_one_gives_the_client_a_connection_error_not_a_response() {
    let emulator = start(Faults {
        reset_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let began = Instant::now();
    let result = post(
        &client(),
        &emulator,
        query_body(&first_demo_record()).to_string(),
    )
    .await;
    let err = result.expect_err("a reset connection gives no response");
    assert!(!err.is_timeout(), "{err:?}");
    assert!(err.status().is_none(), "{err:?}");
    assert!(began.elapsed() < Duration::from_secs(5));
    assert_eq!(emulator.stats().reset, 1);
}

#[tokio::test]
async fn a_hang_rate_of_one_makes_a_client_with_a_300_ms_timeout_time_out() {
    let emulator = start(Faults {
        hang_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = post(
        &client,
        &emulator,
        query_body(&first_demo_record()).to_string(),
    )
    .await
    .expect_err("a hung query gets no answer");
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(emulator.stats().hung, 1);
}

#[tokio::test]
async fn faults_put_at_run_time_take_effect_and_delete_clears_them() {
    let emulator = start(Faults::none()).await;
    let client = client();
    let faults_url = format!("{}/emulator/faults", emulator.base_url());
    let query = query_body(&first_demo_record()).to_string();

    let put = client
        .put(&faults_url)
        .body(r#"{"errorRate": 1.0, "latencyMs": 5}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let expected = Faults {
        error_rate: 1.0,
        latency_ms: Some(LatencyRange::fixed(5)),
        ..Faults::none()
    };
    assert_eq!(put.json::<Faults>().await.unwrap(), expected);
    assert_eq!(emulator.faults(), expected);
    let got: Faults = client
        .get(&faults_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, expected);
    assert_eq!(
        post(&client, &emulator, query.clone())
            .await
            .unwrap()
            .status(),
        500
    );

    let deleted = client.delete(&faults_url).send().await.unwrap();
    assert_eq!(deleted.status(), 200);
    assert_eq!(emulator.faults(), Faults::none());
    let response = post(&client, &emulator, query).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<BasicCallReply>().await.unwrap().ret_code,
        "0"
    );
}

#[tokio::test]
async fn faults_set_through_the_api_of_the_running_emulator_take_effect() {
    let emulator = start(Faults::none()).await;
    emulator
        .set_faults(Faults {
            ret_code: Some("9".to_owned()),
            ..Faults::none()
        })
        .unwrap();
    let reply = ask(&emulator, &query_body(&first_demo_record())).await;
    assert_eq!(reply.ret_code, "9");
    let refused = emulator.set_faults(Faults {
        reset_rate: 2.0,
        ..Faults::none()
    });
    assert!(refused.is_err());
    assert_eq!(emulator.faults().ret_code.as_deref(), Some("9"));
}

#[tokio::test]
async fn invalid_fault_json_is_refused_with_400_and_a_message_and_changes_nothing() {
    let emulator = start(Faults::none()).await;
    let client = client();
    let faults_url = format!("{}/emulator/faults", emulator.base_url());
    for (body, message) in [
        ("{not json", "invalid faults JSON"),
        (
            r#"{"errorRate": 1.5}"#,
            "errorRate must be between 0.0 and 1.0",
        ),
        (
            r#"{"latencyMs": {"min": 200, "max": 100}}"#,
            "latencyMs min (200) must not be greater than max (100)",
        ),
        (r#"{"eror_rate": 1}"#, "unknown field"),
    ] {
        let response = client.put(&faults_url).body(body).send().await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        let text = error["error"].as_str().unwrap();
        assert!(text.contains(message), "{body}: {text}");
    }
    assert_eq!(emulator.faults(), Faults::none());
}

#[tokio::test]
async fn faults_never_apply_to_the_admin_api() {
    let emulator = start(Faults {
        hang_rate: 1.0,
        reset_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let client = client();
    let stats = admin_stats(&client, &emulator).await;
    assert_eq!(stats, EmulatorStats::default());
    let faults_url = format!("{}/emulator/faults", emulator.base_url());
    let faults: Faults = client
        .get(&faults_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!((faults.hang_rate - 1.0).abs() < f64::EPSILON);
}

#[tokio::test]
async fn stats_count_every_query_and_how_it_was_answered() {
    let emulator = start(Faults::none()).await;
    let client = client();
    let found = query_body(&first_demo_record()).to_string();
    let unknown = json!({"ccId": 1, "vdnId": 1, "callId": "1-999999"}).to_string();
    for body in [
        found.clone(),
        found,
        unknown.clone(),
        unknown,
        "nope".to_owned(),
    ] {
        post(&client, &emulator, body).await.unwrap();
    }
    let expected = EmulatorStats {
        queries: 5,
        found: 2,
        not_found: 2,
        bad_request: 1,
        ..EmulatorStats::default()
    };
    assert_eq!(emulator.stats(), expected);
    assert_eq!(admin_stats(&client, &emulator).await, expected);
}

#[tokio::test]
async fn stop_ends_a_hung_connection_promptly() {
    let emulator = start(Faults {
        hang_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let url = format!("{}{QUERY_PATH}", emulator.base_url());
    let body = query_body(&first_demo_record()).to_string();
    let hung = tokio::spawn(async move { client().post(url).body(body).send().await });
    wait_until("the query hangs", || emulator.stats().hung == 1).await;

    let began = Instant::now();
    emulator.stop().await;
    assert!(
        began.elapsed() < Duration::from_secs(1),
        "{:?}",
        began.elapsed()
    );
    let outcome = tokio::time::timeout(Duration::from_secs(2), hung)
        .await
        .expect("the hung client is released when the emulator stops")
        .unwrap();
    let err = outcome.expect_err("a stopped emulator sends no answer");
    assert!(!err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn a_stopped_emulator_refuses_new_connections() {
    let emulator = start(Faults::none()).await;
    let base = emulator.base_url();
    emulator.stop().await;
    let err = client()
        .get(format!("{base}/emulator/stats"))
        .send()
        .await
        .expect_err("nothing listens any more");
    assert!(err.is_connect(), "{err:?}");
}

#[tokio::test]
async fn the_emulator_serves_the_calls_of_a_file() {
    let records: Vec<CallRecord> =
        embedded::demo_records(&DemoSettings { count: 3, seed: 99 }).collect();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    embedded::write_json_lines(&records, &mut file).unwrap();
    let emulator = start_with(CallsSource::File(file.path().to_owned()), Faults::none()).await;
    assert_eq!(emulator.store().len(), 3);
    let reply = ask(&emulator, &query_body(&records[2])).await;
    assert_eq!(reply.data.as_ref(), Some(&records[2].call));
}

#[tokio::test]
async fn start_refuses_invalid_faults_and_an_address_in_use() {
    let invalid = RunningEmulator::start(EmulatorSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        faults: Faults {
            malformed_rate: 1.01,
            ..Faults::none()
        },
        ..EmulatorSettings::default()
    })
    .await
    .unwrap_err();
    assert_eq!(
        invalid.to_string(),
        "invalid faults: malformedRate must be between 0.0 and 1.0 (got 1.01)"
    );

    let first = start(Faults::none()).await;
    let taken = RunningEmulator::start(EmulatorSettings {
        listen: first.address(),
        ..EmulatorSettings::default()
    })
    .await
    .unwrap_err();
    assert!(
        taken.to_string().starts_with("cannot listen on 127.0.0.1:"),
        "{taken}"
    );
}

/// Kills the child process when the test ends, passed or not.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_bms_emulator_binary_prints_its_address_and_answers_queries() {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_bms-emulator"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--demo-calls",
                "20",
                "--demo-seed",
                "5",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let first_line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let base = first_line
        .trim_end()
        .strip_prefix("bms-emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let record = embedded::demo_records(&DemoSettings { count: 20, seed: 5 })
        .next()
        .unwrap();
    let response = client()
        .post(format!("{base}{QUERY_PATH}"))
        .body(query_body(&record).to_string())
        .send()
        .await
        .unwrap();
    let reply: BasicCallReply = response.json().await.unwrap();
    assert_eq!(reply.ret_code, "0");
    assert_eq!(reply.data, Some(record.call));
}
