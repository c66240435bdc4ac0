//! `calldata conform` against the real server (everything passes, the lockout too when
//! asked) and against a deliberately wrong one (each wrong point is a failure by name).

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

use predicates::prelude::PredicateBooleanExt;
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use cli_support::{calldata, calldata_at};
use support::{AK, SK, spawn_server};

/// The outcome the JSON report gives the check `name` of `group`.
fn outcome<'a>(report: &'a Value, group: &str, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["group"] == group && check["name"] == name)
        .unwrap_or_else(|| panic!("no check {group}: {name} in {report}"))
}

#[test]
fn every_check_passes_against_the_live_server_and_writes_junit() {
    let server = spawn_server(|s| {
        s.embedded.simulation.enabled = true;
        // Two runs: six refused signatures within a minute, past the default lockout.
        s.lockout.max_failures = 100;
    });
    let junit = tempfile::NamedTempFile::new().unwrap();
    let output = calldata_at(&server, AK, SK)
        .args(["conform", "--rate", "200", "--json", "--junit"])
        .arg(junit.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let checks = report["checks"].as_array().unwrap();
    let failed: Vec<&Value> = checks.iter().filter(|c| c["outcome"] == "fail").collect();
    assert!(failed.is_empty(), "{failed:#?}");
    let skipped: Vec<&str> = checks
        .iter()
        .filter(|c| c["outcome"] == "skip")
        .map(|c| c["group"].as_str().unwrap())
        .collect();
    assert_eq!(
        skipped,
        ["lockout"],
        "only the lockout is left out unasked: {report}"
    );
    assert!(checks.len() > 40, "{} checks", checks.len());
    assert!(output.status.success(), "{output:?}");
    let xml = std::fs::read_to_string(junit.path()).unwrap();
    assert!(
        xml.contains("<testsuite name=\"querybasiccallinfo\""),
        "{xml}"
    );
    assert!(xml.contains("failures=\"0\""), "{xml}");

    // The tables name every interface; the summary counts the requests.
    calldata_at(&server, AK, SK)
        .args(["conform", "--rate", "200"])
        .assert()
        .success()
        .stdout(
            predicates::str::contains("agentgroup/queryagentcalls")
                .and(predicates::str::contains("0 failed, 1 skipped")),
        );
}

#[test]
fn the_lockout_check_locks_the_address_out() {
    let server = spawn_server(|s| s.lockout.max_failures = 8);
    let output = calldata_at(&server, AK, SK)
        .args(["conform", "--rate", "200", "--json", "--check-lockout"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let lockout = outcome(
        &report,
        "lockout",
        "repeated bad signatures lock the address out (403)",
    );
    assert_eq!(lockout["outcome"], "pass", "{lockout}");
}

#[test]
fn the_rate_is_bounded_and_bad_options_exit_2() {
    calldata()
        .args([
            "--url",
            "http://127.0.0.1:9",
            "--ak",
            "a",
            "--sk",
            "b",
            "conform",
            "--rate",
            "0",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--rate"));
}

/// A CC-CMS stand-in that gets five things wrong: it serves GET on ping, writes
/// `callFeature` as a string and leaves `mediaBillType` out, answers a failure's
/// `resultDesc` as an object, and answers a body that is not JSON with a 500.
async fn wrong_server() -> MockServer {
    let server = MockServer::start().await;
    let ping = "/rest/cmsapp/v1/ping";
    let basic = "/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo";
    Mock::given(method("GET"))
        .and(path(ping))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"status":"UP"}"#))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(ping))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"request":{"say":"Hello world!","n":1},"status":"UP"}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let mut call = Vec::new();
    for (name, value) in [
        ("time", json!(1_659_513_159_000_i64)),
        ("dsn", json!(1)),
        ("handle", json!(0)),
        ("server", json!(1)),
        ("keyId", json!("")),
        ("callingNum", json!("123")),
        ("calledNum", json!("456")),
        ("mid", json!(1)),
        ("trunkNo", json!(1)),
        ("priority", json!(0)),
        ("deviceType", json!(2)),
        ("deviceNo", json!(1001)),
        ("callSkill", json!("voice")),
        ("partyNum", json!(1)),
        ("callFeature", json!("0")),
        ("orgiCalledNum", json!("")),
        ("mediaType", json!(5)),
        ("place", json!(1)),
        ("waitTime", json!(0)),
        ("totalTalkingTimes", json!(3)),
        ("logonTimes", json!(5)),
        ("serviceType", json!(0)),
        ("callInCause", json!(65535)),
        ("enterReason", json!(0)),
    ] {
        call.push(format!("\"{name}\":{value}"));
    }
    // Written by hand: a `serde_json::Map` would sort the members.
    let found = format!(
        r#"{{"resultCode":"0100000","resultDesc":{{{}}}}}"#,
        call.join(",")
    );
    Mock::given(method("POST"))
        .and(path(basic))
        .and(body_string_contains("1659513159000-546750"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(found, "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(basic))
        .and(body_string_contains("\"vdn\":0"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"resultCode":"0100002","resultDesc":{"message":"vdn is invalid"}}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(basic))
        .and(body_string_contains("{\"ccId\":"))
        .respond_with(ResponseTemplate::new(500).set_body_string("java.lang.NullPointerException"))
        .mount(&server)
        .await;
    server
}

#[test]
fn each_wrong_point_of_a_wrong_server_is_a_failure_by_name() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(wrong_server());
    let output = calldata()
        .args(["--url", &server.uri(), "--ak", "ak", "--sk", "sk"])
        .args([
            "conform",
            "--rate",
            "200",
            "--json",
            "--call-id",
            "1659513159000-546750",
            "--agent-id",
            "1001",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let failed = |group: &str, name: &str, says: &str| {
        let check = outcome(&report, group, name);
        assert_eq!(check["outcome"], "fail", "{check}");
        let reason = check["reason"].as_str().unwrap();
        assert!(reason.contains(says), "{group}: {name}: {reason}");
    };
    failed("ping", "GET is 405", "HTTP 200 instead of 405");
    failed(
        "querybasiccallinfo",
        "a call in progress: its fields in order with their types",
        "field callFeature must be an integer, not a string",
    );
    failed(
        "querybasiccallinfo",
        "vdn 0 is 0100002 naming vdn",
        "resultDesc of a failure must be a string, not an object",
    );
    failed(
        "querybasiccallinfo",
        "a body that is not JSON is 0100002, not a 500",
        "HTTP 500 instead of 200",
    );
    // What it gets right passes.
    let signature = outcome(&report, "signature", "only host signed");
    assert_eq!(signature["outcome"], "pass", "{signature}");
    let echo = outcome(
        &report,
        "ping",
        "the body is echoed in order with status UP",
    );
    assert_eq!(echo["outcome"], "pass", "{echo}");
}

#[test]
fn a_missing_field_is_named() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = wrong_server().await;
        // The same call, callFeature right this time: the missing mediaBillType is next.
        server.reset().await;
        let mut fields = vec![];
        for name in [
            "time",
            "dsn",
            "handle",
            "server",
            "keyId",
            "callingNum",
            "calledNum",
            "mid",
            "trunkNo",
            "priority",
            "deviceType",
            "deviceNo",
            "callSkill",
            "partyNum",
            "callFeature",
            "orgiCalledNum",
            "mediaType",
            "place",
            "waitTime",
            "totalTalkingTimes",
            "logonTimes",
            "serviceType",
            "callInCause",
            "enterReason",
        ] {
            let value = if [
                "keyId",
                "callingNum",
                "calledNum",
                "callSkill",
                "orgiCalledNum",
            ]
            .contains(&name)
            {
                "\"x\"".to_owned()
            } else {
                "1".to_owned()
            };
            fields.push(format!("\"{name}\":{value}"));
        }
        let body = format!(
            r#"{{"resultCode":"0100000","resultDesc":{{{}}}}}"#,
            fields.join(",")
        );
        Mock::given(method("POST"))
            .and(path("/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo"))
            .and(body_string_contains("1659513159000-546750"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .mount(&server)
            .await;
        server
    });
    let output = calldata()
        .args(["--url", &server.uri(), "--ak", "ak", "--sk", "sk"])
        .args([
            "conform",
            "--rate",
            "200",
            "--json",
            "--call-id",
            "1659513159000-546750",
            "--agent-id",
            "1001",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let check = outcome(
        &report,
        "querybasiccallinfo",
        "a call in progress: its fields in order with their types",
    );
    assert_eq!(check["outcome"], "fail", "{check}");
    assert!(
        check["reason"]
            .as_str()
            .unwrap()
            .contains("field mediaBillType is missing"),
        "{check}"
    );
}
