//! The `calldata` binary against the real server: table and JSON output, every exit code
//! with its message, `sign`, `ping` and its echo, and the zero-setup path through a data
//! directory.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

#[path = "support/cli.rs"]
mod cli_support;
#[allow(dead_code)] // each test file uses part of the helpers
mod support;

use std::time::SystemTime;

use calldata_model::auth::{Credentials, SignableRequest, VerifyPolicy, verify};
use calldata_model::{BasicCallInfo, CallKey, PING_PATH, QUERY_BASIC_CALL_INFO_PATH};
use predicates::prelude::*;
use predicates::str::contains;

use calldata_testkit::ports::closed_port;
use cli_support::{calldata, calldata_at};
use support::{AK, SCOPED_AK, SCOPED_SK, SK, existing_call, spawn_default_server, spawn_server};

fn query_args(key: &CallKey) -> Vec<String> {
    vec![
        "query".into(),
        "--cc-id".into(),
        key.cc_id.to_string(),
        "--vdn".into(),
        key.vdn.to_string(),
        "--call-id".into(),
        key.call_id.to_string(),
    ]
}

/// Seconds as the table writes them.
fn human(seconds: i64) -> String {
    match (seconds / 3600, seconds % 3600 / 60, seconds % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, m, s) => format!("{h}h {m}m {s}s"),
    }
}

fn utc_time(epoch_ms: i64) -> String {
    let at =
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000).unwrap();
    at.format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3] +00:00"
    ))
    .unwrap()
}

fn expected_cells(call: &BasicCallInfo) -> Vec<String> {
    vec![
        utc_time(call.time.unwrap()),
        call.calling_num.clone(),
        call.device_type.unwrap().to_string(),
        call.media_type.unwrap().to_string(),
        call.enter_reason.unwrap().to_string(),
        human(call.wait_time.unwrap()),
        human(call.total_talking_times.unwrap()),
        human(call.logon_times.unwrap()),
    ]
}

#[test]
fn query_prints_the_call_as_a_readable_table() {
    let server = spawn_default_server();
    let (key, call) = existing_call();
    let output = calldata_at(&server, AK, SK)
        .args(query_args(&key))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(output).unwrap();
    assert!(table.contains(&format!("call {}", key.call_id)), "{table}");
    for field in calldata_model::call::FIELD_ORDER {
        assert!(
            table.contains(&format!("| {field} ")),
            "no {field} row in\n{table}"
        );
    }
    for cell in expected_cells(&call) {
        assert!(table.contains(&cell), "no {cell:?} in\n{table}");
    }
    // Coded fields read as "meaning (code)".
    let device = call.device_type.unwrap();
    assert!(table.contains(&format!("({})", device.code())));
}

#[test]
fn query_json_prints_the_response_body_as_received() {
    let server = spawn_default_server();
    let (key, call) = existing_call();
    let output = calldata_at(&server, AK, SK)
        .args(query_args(&key))
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let body: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(body["resultCode"], "0100000");
    assert_eq!(body["resultDesc"], serde_json::to_value(&call).unwrap());
    assert_eq!(
        body["resultDatas"], body["resultDesc"],
        "legacy fields are kept"
    );
}

#[test]
fn invalid_input_exits_2_without_sending_anything() {
    // The URL is a closed port: had anything been sent, the exit code would be 5.
    let url = format!("https://127.0.0.1:{}", closed_port());
    calldata()
        .args(["--url", &url, "--ak", AK, "--sk", SK])
        .args(["query", "--cc-id", "1", "--vdn", "5001", "--call-id", "1-1"])
        .assert()
        .code(2)
        .stderr(contains("nothing was sent").and(contains("vdn must be between 1 and 5000")));
    calldata()
        .args(["--url", &url, "--ak", AK, "--sk", SK])
        .args(["query", "--cc-id", "-1", "--vdn", "1", "--call-id", "x"])
        .assert()
        .code(2)
        .stderr(contains("ccId must be between 1 and 65535").and(contains("callId")));
    calldata()
        .args(["query", "--cc-id", "one", "--vdn", "1", "--call-id", "1-1"])
        .assert()
        .code(2)
        .stderr(contains("invalid value 'one'"));
}

#[test]
fn a_call_not_in_progress_exits_3() {
    let server = spawn_default_server();
    calldata_at(&server, AK, SK)
        .args(["query", "--cc-id", "1", "--vdn", "1", "--call-id", "1-1"])
        .assert()
        .code(3)
        .stdout("")
        .stderr(contains("not found or no longer in progress"));
}

#[test]
fn a_wrong_secret_key_exits_4() {
    let server = spawn_default_server();
    let (key, _) = existing_call();
    calldata_at(&server, AK, "wrong-secret")
        .args(query_args(&key))
        .assert()
        .code(4)
        .stderr(contains("HTTP 401").and(contains("check the access key and secret key")));
}

#[test]
fn a_key_not_allowed_for_the_call_exits_4() {
    let server = spawn_default_server();
    let (key, _) = existing_call();
    calldata_at(&server, SCOPED_AK, SCOPED_SK)
        .args(query_args(&key))
        .assert()
        .code(4)
        .stderr(contains(format!("access key {SCOPED_AK} is not allowed")));
}

#[test]
fn an_unreachable_server_exits_5() {
    let url = format!("https://127.0.0.1:{}", closed_port());
    calldata()
        .args([
            "--url",
            &url,
            "--ak",
            AK,
            "--sk",
            SK,
            "--retries",
            "0",
            "ping",
        ])
        .assert()
        .code(5)
        .stderr(contains("cannot connect to").and(contains("Connection refused")));
}

#[test]
fn an_untrusted_certificate_exits_5_and_points_to_ca_cert() {
    let server = spawn_default_server();
    let (key, _) = existing_call();
    calldata()
        .args(["--url", &server.base_url, "--ak", AK, "--sk", SK])
        .args(query_args(&key))
        .assert()
        .code(5)
        .stderr(contains("TLS handshake").and(contains("--ca-cert")));
    calldata()
        .args([
            "--url",
            &server.base_url,
            "--ak",
            AK,
            "--sk",
            SK,
            "--insecure",
        ])
        .args(query_args(&key))
        .assert()
        .success();
}

#[test]
fn an_answer_that_is_not_a_cc_cms_reply_exits_6() {
    let server = spawn_default_server();
    let (key, _) = existing_call();
    calldata()
        .args([
            "--url",
            &format!("{}/nowhere", server.base_url),
            "--ak",
            AK,
            "--sk",
            SK,
        ])
        .arg("--ca-cert")
        .arg(server.ca_cert())
        .args(query_args(&key))
        .assert()
        .code(6)
        .stderr(contains("HTTP 404").and(contains("is not a CC-CMS reply")));
}

#[test]
fn ping_prints_the_echo_and_exits_0_with_a_good_key_and_4_with_a_bad_one() {
    let server = spawn_default_server();
    calldata_at(&server, AK, SK)
        .arg("ping")
        .assert()
        .success()
        .stdout(r#"{"request":{},"status":"UP"}"#.to_owned() + "\n")
        .stderr(contains(format!("accepted access key {AK}")).and(contains("is UP")));
    calldata_at(&server, AK, "wrong-secret")
        .arg("ping")
        .assert()
        .code(4)
        .stdout("")
        .stderr(contains("HTTP 401"));
}

#[test]
fn ping_sends_the_body_or_say_and_prints_the_echo_with_member_order_kept() {
    let server = spawn_default_server();
    let body = r#"{"z": 1, "say": "Hello world!", "a": [true, null]}"#;
    calldata_at(&server, AK, SK)
        .args(["ping", "--body", body])
        .assert()
        .success()
        .stdout(format!("{{\"request\":{body},\"status\":\"UP\"}}\n"));
    calldata_at(&server, AK, SK)
        .args(["ping", "--say", "Hello world!"])
        .assert()
        .success()
        .stdout("{\"request\":{\"say\":\"Hello world!\"},\"status\":\"UP\"}\n");
}

#[test]
fn ping_with_a_body_that_is_not_an_object_exits_2_without_sending_anything() {
    // The URL is a closed port: had anything been sent, the exit code would be 5.
    let url = format!("https://127.0.0.1:{}", closed_port());
    for body in ["[1]", "\"hello\"", "{", "{} {}"] {
        calldata()
            .args([
                "--url", &url, "--ak", AK, "--sk", SK, "ping", "--body", body,
            ])
            .assert()
            .code(2)
            .stderr(contains("nothing was sent").and(contains("one JSON object")));
    }
    calldata()
        .args(["--url", &url, "--ak", AK, "--sk", SK])
        .args(["ping", "--body", "{}", "--say", "x"])
        .assert()
        .code(2)
        .stderr(contains("cannot be used with"));
}

#[test]
fn a_ping_answered_with_a_status_other_than_up_prints_the_echo_and_exits_6() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // wiremock serves from a thread of its own, so the runtime need not run meanwhile.
    let server = runtime.block_on(MockServer::start());
    let down = r#"{"request":{},"status":"DOWN"}"#;
    runtime.block_on(
        Mock::given(method("POST"))
            .and(path(PING_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_raw(down, "application/json"))
            .mount(&server),
    );
    calldata()
        .args(["--url", &server.uri(), "--ak", AK, "--sk", SK, "ping"])
        .assert()
        .code(6)
        .stdout(format!("{down}\n"))
        .stderr(contains(r#"status "DOWN", not "UP""#));
}

#[test]
fn sign_prints_an_authorization_that_verifies_and_a_curl_command() {
    let body = r#"{"ccId":1,"vdn":1,"callId":"1659513159000-546750"}"#;
    let output = calldata()
        .args(["--ak", AK, "--sk", SK, "sign", "--body", body])
        .args(["--host", "cms.example:8443", "--curl"])
        .assert()
        .success()
        .stderr(contains("canonical request").and(contains("content-length;content-type;host")))
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(output).unwrap();
    let authorization = stdout.lines().next().unwrap();
    let headers = [
        ("host", "cms.example:8443".to_owned()),
        ("content-type", "application/json;charset=UTF-8".to_owned()),
        ("content-length", body.len().to_string()),
    ];
    let request = SignableRequest {
        method: "POST",
        path: QUERY_BASIC_CALL_INFO_PATH,
        query: "",
        headers: &headers,
        body: body.as_bytes(),
    };
    let verified = verify(
        Some(authorization),
        &request,
        &Credentials::new(AK, SK),
        &VerifyPolicy::default(),
        SystemTime::now(),
    )
    .unwrap();
    assert_eq!(verified.access_key, AK);
    assert!(
        stdout.contains(&format!("-H 'Authorization: {authorization}'")),
        "{stdout}"
    );
    assert!(stdout.contains("-H 'Host: cms.example:8443'"), "{stdout}");
    assert!(
        stdout.contains(&format!("--data-binary '{body}'")),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "'https://127.0.0.1:8443/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo'"
        )
    );
}

#[test]
fn with_only_the_data_dir_the_cli_uses_the_local_servers_demo_key_and_ca() {
    // No keys configured: the server creates its demo key (and CA) in its data directory.
    let server = spawn_server(|settings| settings.keys.clear());
    let (key, call) = existing_call();
    let output = calldata()
        .env("CALLDATA_DATA_DIR", server.data_dir.path())
        .env("CALLDATA_URL", &server.base_url)
        .args(query_args(&key))
        .arg("--verbose")
        .assert()
        .success()
        .stderr(contains("from the demo key in").and(contains("the local server's CA")))
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(output).unwrap();
    assert!(table.contains(&call.calling_num), "{table}");
}

#[test]
fn without_any_key_the_cli_says_where_it_looked_and_exits_2() {
    calldata().arg("ping").assert().code(2).stderr(
        contains("no credentials")
            .and(contains("/nonexistent/calldata-cli-test"))
            .and(contains("cargo run -p calldata-server")),
    );
    calldata()
        .args(["--ak", AK, "ping"])
        .assert()
        .code(2)
        .stderr(contains("no secret key"));
}

#[test]
fn help_documents_every_exit_code() {
    let assert = calldata().arg("--help").assert().success();
    let help = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for line in [
        "0  success",
        "ping: the key was accepted and the server answered UP",
        "2  invalid input",
        "3  the call was not found",
        "4  authentication refused",
        "5  transport failure",
        "6  any other API error",
    ] {
        assert!(help.contains(line), "no {line:?} in\n{help}");
    }
    assert!(help.contains("DANGEROUS"));
}

#[test]
fn cti_time_prints_the_cti_clock_and_this_machines_offset() {
    let server = spawn_default_server();
    calldata_at(&server, AK, SK)
        .args(["cti-time", "--cc-id", "1"])
        .assert()
        .success()
        .stdout(contains("CTI server time of ccId 1: ").and(contains(" ms\n")));
    let output = calldata_at(&server, AK, SK)
        .args(["cti-time", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["ccId"], 1);
    assert!(json["ctiServerTime"].as_i64().unwrap() > 1_700_000_000_000);
    // Both clocks are this machine's: within a second of each other.
    assert!(
        json["localAheadMs"].as_i64().unwrap().abs() < 1000,
        "{json}"
    );
    calldata_at(&server, AK, SK)
        .args(["cti-time", "--cc-id", "0"])
        .assert()
        .code(2)
        .stdout("");
}

/// The first demo call at an agent and where it is, from the store the test server holds.
fn demo_call_at_an_agent() -> (CallKey, i64, bool) {
    use calldata_bms::embedded::{Placement, demo_records};
    demo_records(&support::DEMO)
        .find_map(|record| {
            let private = match record.extras.placement(&record.call).ok()? {
                Placement::Agent(..) => false,
                Placement::PrivateQueue(_) => true,
                Placement::Elsewhere => return None,
            };
            Some((record.key, record.call.device_no?, private))
        })
        .unwrap()
}

#[test]
fn agent_calls_private_calls_and_group_calls_print_tables_and_json() {
    let server = spawn_default_server();
    let (key, agent, private) = demo_call_at_an_agent();
    let place = [
        "--cc-id".to_owned(),
        key.cc_id.to_string(),
        "--vdn".to_owned(),
        key.vdn.to_string(),
    ];
    let (listed_by, other) = if private {
        ("private-calls", "agent-calls")
    } else {
        ("agent-calls", "private-calls")
    };
    calldata_at(&server, AK, SK)
        .arg(listed_by)
        .args(&place)
        .args(["--agent-id", &agent.to_string()])
        .assert()
        .success()
        .stdout(contains(key.call_id.as_str()).and(contains(format!("agent {agent}"))));
    let output = calldata_at(&server, AK, SK)
        .arg(other)
        .args(&place)
        .args(["--agent-id", &agent.to_string(), "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let ids: Vec<String> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(!ids.contains(&key.call_id.to_string()), "{ids:?}");
    calldata_at(&server, AK, SK)
        .args(["agent-calls", "--agent-id", "101"])
        .assert()
        .success()
        .stdout("no call handling agent 101 (ccId 1, vdn 1)\n");
    calldata_at(&server, AK, SK)
        .args(["agent-calls", "--agent-id", "100"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("agentId must be between 101 and 59999"));

    let agents = format!("101-102,{agent}");
    calldata_at(&server, AK, SK)
        .arg("group-calls")
        .args(&place)
        .args(["--agents", &agents])
        .assert()
        .success()
        .stdout(
            contains(key.call_id.as_str())
                .and(contains("no call"))
                .and(contains("inbound").or(contains("outbound"))),
        );
    let output = calldata_at(&server, AK, SK)
        .arg("group-calls")
        .args(&place)
        .args(["--agents", &agents, "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let group: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(group.as_array().unwrap().len(), 3);
    assert_eq!(
        group[0],
        serde_json::json!({"agentId": 101, "callList": []})
    );
    calldata_at(&server, AK, SK)
        .args(["group-calls", "--agents", "1-9000"])
        .assert()
        .code(2);
}

#[test]
fn detail_prints_the_28_fields_and_json_with_codes_as_digits() {
    let server = spawn_default_server();
    let (key, _, _) = demo_call_at_an_agent();
    let mut args = query_args(&key);
    args[0] = "detail".to_owned();
    let output = calldata_at(&server, AK, SK).args(&args).output().unwrap();
    assert!(output.status.success());
    let table = String::from_utf8(output.stdout).unwrap();
    let order = calldata_model::interfaces::query_detail_call_info::DETAIL_FIELD_ORDER;
    let at: Vec<usize> = order
        .iter()
        .map(|field| {
            table
                .find(&format!(" {field} "))
                .unwrap_or_else(|| panic!("{field} in\n{table}"))
        })
        .collect();
    assert!(at.windows(2).all(|pair| pair[0] < pair[1]), "{table}");
    args.push("--json".to_owned());
    let output = calldata_at(&server, AK, SK).args(&args).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(json["mediaType"].is_string(), "{json}");
    assert!(json["cb"].is_i64(), "{json}");
    let mut gone = query_args(&key);
    gone[0] = "detail".to_owned();
    let last = gone.len() - 1;
    gone[last] = "1-1".to_owned();
    calldata_at(&server, AK, SK).args(&gone).assert().code(3);
}

/// 2025-12-01T10:00:00Z, where the live center's manual clock starts in these tests.
const LIVE_START: i64 = 1_764_583_200_000;

#[test]
fn vdn_calls_record_and_track_show_the_calls_that_ended_in_the_live_center() {
    let server = spawn_server(|s| {
        s.embedded.simulation.enabled = true;
        s.embedded.simulation.arrivals_per_minute = 120.0;
        s.embedded.clock = calldata_server::config::ClockKind::Manual;
        s.embedded.clock_start_ms = Some(LIVE_START);
    });
    let window = [
        "--begin".to_owned(),
        (LIVE_START - 3_600_000).to_string(),
        "--end".to_owned(),
        LIVE_START.to_string(),
    ];
    let output = calldata_at(&server, AK, SK)
        .arg("vdn-calls")
        .args(&window)
        .args(["--limit", "5", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let page: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = page["data"].as_array().unwrap();
    assert_eq!(rows.len(), 5, "{page}");
    assert!(
        page["count"].as_i64().unwrap() > 5,
        "the warm-up's calls ended: {page}"
    );
    let call_id = rows[0]["callId"].as_str().unwrap().to_owned();
    calldata_at(&server, AK, SK)
        .arg("vdn-calls")
        .args(&window)
        .args(["--limit", "5"])
        .assert()
        .success()
        .stdout(contains(call_id.as_str()).and(contains(format!("5 of {} calls", page["count"]))));
    calldata_at(&server, AK, SK)
        .args(["record", "--call-id", &call_id])
        .assert()
        .success()
        .stdout(
            contains(format!("record of call {call_id} (vdn 1)")).and(contains("releaseCause")),
        );
    let output = calldata_at(&server, AK, SK)
        .args([
            "track",
            "--call-id",
            &call_id,
            "--log-date",
            &LIVE_START.to_string(),
            "--json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let track: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        track.as_array().unwrap().last().unwrap()["callIdNum"],
        -1,
        "{track}"
    );
    calldata_at(&server, AK, SK)
        .args([
            "track",
            "--call-id",
            &call_id,
            "--log-date",
            &LIVE_START.to_string(),
        ])
        .assert()
        .success()
        .stdout(contains("enter reason"));
    calldata_at(&server, AK, SK)
        .args(["record", "--call-id", &call_id, "--outbound"])
        .assert()
        .code(3);
    calldata_at(&server, AK, SK)
        .args(["vdn-calls", "--limit", "101"])
        .assert()
        .code(2)
        .stderr(contains("limit must be between 1 and 100"));
}
