//! The record interfaces on the real server: `querycalldetailbyid`, `vdn/querycalls` v1 and
//! v2, `querycalltracedetail`, over calls ended through the sandbox and over the live
//! contact center on a manual clock: fields in order with their JSON types, validation
//! naming the field, the window rules, paging, scope, the BMS backend, and the sandbox's
//! clock and simulation controls.

use calldata_bms::demo_records;
use calldata_model::{
    CallDirection, CallKey, Operation, QueryBasicCallInfo, QueryCallDetailById,
    QueryCallTraceDetail, QueryVdnCalls, QueryVdnCallsV2,
};
use calldata_server::config::{Backend, ClockKind};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    AK, DEMO, SCOPED_AK, SCOPED_SK, SK, TestApp, json_200, query_body, spawn_app_with,
};

const BY_ID: &str = QueryCallDetailById::INTERFACE.path;
const CALLS: &str = QueryVdnCalls::INTERFACE.path;
const CALLS_V2: &str = QueryVdnCallsV2::INTERFACE.path;
const TRACK: &str = QueryCallTraceDetail::INTERFACE.path;
const DAY: i64 = 86_400_000;

async fn ask(app: &TestApp, path: &str, body: &Value) -> Value {
    json_200(app.post_signed(AK, SK, path, &body.to_string()).await).await
}

/// The answer's text, as sent (its member order).
async fn ask_text(app: &TestApp, path: &str, body: &Value) -> String {
    let response = app.post_signed(AK, SK, path, &body.to_string()).await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

fn now_ms() -> i64 {
    calldata_bms::clock::system_now_ms()
}

/// Today and yesterday (UTC): the widest window the record interfaces accept.
fn window() -> (i64, i64) {
    let today = now_ms().div_euclid(DAY) * DAY;
    (today - DAY, today + DAY - 1)
}

/// An inbound demo call of VDN 2 (outside the scoped key's VDN 1).
fn inbound_call_of_vdn_2() -> CallKey {
    demo_records(&DEMO)
        .find(|record| {
            record.key.vdn.get() == 2 && record.extras.call_in_out != Some(CallDirection::Outbound)
        })
        .unwrap()
        .key
}

async fn end(app: &TestApp, key: &CallKey, cause: Option<u16>) -> Value {
    let cause = cause
        .map(|c| format!("&releaseCause={c}"))
        .unwrap_or_default();
    let query = format!(
        "ccId={}&vdn={}&callId={}{cause}",
        key.cc_id, key.vdn, key.call_id
    );
    json_200(app.sandbox(Method::DELETE, &query, "").await).await
}

/// Asserts that the first object of `text` after `from` has exactly `names` as its
/// members, in this order.
fn assert_keys(text: &str, from: &str, names: &[&str]) {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("no {from} in {text}"))
        + from.len();
    let object: &str = {
        let rest = &text[start..];
        let end = rest.find('}').unwrap();
        &rest[..=end]
    };
    let mut at = 0;
    for name in names {
        let found = object[at..]
            .find(&format!("\"{name}\":"))
            .unwrap_or_else(|| panic!("{name} not in order in {object}"));
        at += found + 1;
    }
    let parsed: Value = serde_json::from_str(object).unwrap();
    assert_eq!(parsed.as_object().unwrap().len(), names.len(), "{object}");
}

#[actix_web::test]
async fn an_ended_call_has_its_record_its_row_and_its_track_with_the_published_types() {
    let app = spawn_app_with(|_| {}).await;
    let key = inbound_call_of_vdn_2();
    let ended = end(&app, &key, Some(16)).await;
    assert_eq!(ended["resultCode"], "0100000", "{ended}");
    assert_eq!(ended["resultDesc"]["record"]["releaseCause"], 16);
    let gone = json_200(app.query(&query_body(&key)).await).await;
    assert_eq!(gone["resultCode"], "0100001");

    let flat = json!({"ccId": 1, "isCallin": "true", "callId": key.call_id.as_str()});
    let text = ask_text(&app, BY_ID, &flat).await;
    let record: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(record["resultCode"], "0100000", "{record}");
    assert_eq!(record["resultDesc"], record["resultDatas"]);
    assert_eq!(record["resultDesc"], ended["resultDesc"]["record"]);
    let desc = &record["resultDesc"];
    assert_keys(
        &text,
        "\"resultDesc\":",
        &[
            "vdn",
            "callId",
            "callerNo",
            "calleeNo",
            "callType",
            "agentId",
            "skillId",
            "anonyCall",
            "queueWaitTime",
            "ivrCallTime",
            "ackTime",
            "callTime",
            "releaseCause",
        ],
    );
    assert_eq!(desc["vdn"], 2);
    assert!(
        desc["callerNo"].is_string() && desc["callType"].is_i64(),
        "{desc}"
    );
    let wrapped =
        json!({"queryParam": {"ccId": "1", "isCallIn": true, "callId": key.call_id.as_str()}});
    assert_eq!(ask(&app, BY_ID, &wrapped).await["resultDesc"], *desc);
    let other_way = json!({"ccId": 1, "isCallin": "false", "callId": key.call_id.as_str()});
    assert_eq!(ask(&app, BY_ID, &other_way).await["resultCode"], "0100001");

    let (begin, end_of_today) = window();
    let v1_text = ask_text(
        &app,
        CALLS,
        &json!({"ccId": 1, "vdn": 2, "beginDate": begin, "endDate": end_of_today}),
    )
    .await;
    assert!(
        v1_text.starts_with("{\"resultCode\":\"0100000\",\"resultDesc\":{\"data\":[{"),
        "{v1_text}"
    );
    let v1: Value = serde_json::from_str(&v1_text).unwrap();
    assert_eq!(v1["resultDesc"]["count"], 1, "{v1}");
    let row = &v1["resultDesc"]["data"][0];
    assert_keys(
        &v1_text,
        "\"data\":[",
        &[
            "logDate",
            "callerNo",
            "calleeNo",
            "callId",
            "callType",
            "waitBegin",
            "ackBegin",
            "callBegin",
            "callEnd",
            "vdn",
            "leaveReason",
            "mediaType",
            "subMediaType",
        ],
    );
    for text in [
        "logDate",
        "callType",
        "waitBegin",
        "ackBegin",
        "callBegin",
        "callEnd",
        "leaveReason",
    ] {
        assert!(row[text].is_string(), "{text} in {row}");
    }
    for number in ["vdn", "mediaType", "subMediaType"] {
        assert!(row[number].is_i64(), "{number} in {row}");
    }
    assert_eq!(row["leaveReason"], "16");
    let v2_out = ask(
        &app,
        CALLS_V2,
        &json!({"ccId": 1, "vdn": 2, "isCallIn": "false", "beginDate": begin, "endDate": end_of_today}),
    )
    .await;
    assert_eq!(v2_out["resultDesc"]["count"], 0, "{v2_out}");

    let track_text = ask_text(
        &app,
        TRACK,
        &json!({"ccId": 1, "vdn": 2, "callId": key.call_id.as_str(), "logDate": now_ms()}),
    )
    .await;
    assert!(
        track_text.starts_with("{\"resultCode\":\"0100000\",\"resultDesc\":[{"),
        "{track_text}"
    );
    assert_keys(
        &track_text,
        "\"resultDesc\":[",
        &[
            "callId",
            "mediaType",
            "subMediaType",
            "callIdNum",
            "callerNo",
            "calleeNo",
            "waitBegin",
            "ackBegin",
            "callBegin",
            "callEnd",
            "subCcNo",
            "deviceType",
            "deviceNo",
            "deviceIn",
            "callType",
            "releaseCause",
            "enterReason",
            "leaveReason",
            "currentSkillId",
        ],
    );
    let track: Value = serde_json::from_str(&track_text).unwrap();
    let records = track["resultDesc"].as_array().unwrap();
    assert_eq!(records.last().unwrap()["callIdNum"], -1);
    assert_eq!(records.last().unwrap()["releaseCause"], 16);
    assert_eq!(track["resultDesc"], ended["resultDesc"]["track"]);
    let first = &records[0];
    assert!(
        first["deviceNo"].is_string() && first["deviceIn"].is_string(),
        "{first}"
    );
    assert!(
        first["deviceType"].is_i64() && first["waitBegin"].is_i64(),
        "{first}"
    );
    let last_month = ask(
        &app,
        TRACK,
        &json!({"ccId": 1, "vdn": 2, "callId": key.call_id.as_str(), "logDate": now_ms() - 40 * DAY}),
    )
    .await;
    assert_eq!(last_month["resultDesc"], json!([]));
}

#[actix_web::test]
async fn bad_bodies_and_windows_are_0100002_naming_the_field() {
    let app = spawn_app_with(|_| {}).await;
    let (begin, end_of_today) = window();
    let cases = [
        (
            BY_ID,
            json!({"ccId": 1, "isCallin": "yes", "callId": "1-1"}),
            "isCallin",
        ),
        (
            BY_ID,
            json!({"queryParam": {"ccId": 0, "isCallin": "true", "callId": "1-1"}}),
            "ccId",
        ),
        (
            BY_ID,
            json!({"ccId": 1, "isCallin": "true"}),
            "callId is required",
        ),
        (
            CALLS,
            json!({"ccId": 1, "vdn": 1, "endDate": end_of_today}),
            "beginDate is required",
        ),
        (
            CALLS,
            json!({"ccId": 1, "vdn": 1, "beginDate": begin - 1, "endDate": end_of_today}),
            "beginDate must not be before",
        ),
        (
            CALLS,
            json!({"ccId": 1, "vdn": 1, "beginDate": begin, "endDate": end_of_today + 1}),
            "endDate must not be after",
        ),
        (
            CALLS,
            json!({"ccId": 1, "vdn": 1, "beginDate": end_of_today, "endDate": begin}),
            "endDate must not be before beginDate",
        ),
        (
            CALLS,
            json!({"ccId": 1, "vdn": 1, "beginDate": begin, "endDate": end_of_today, "limit": 101}),
            "limit must be between 1 and 100",
        ),
        (
            CALLS,
            json!({"ccId": 1, "vdn": 1, "beginDate": begin, "endDate": end_of_today, "callerNo": "12ab"}),
            "callerNo",
        ),
        (
            CALLS_V2,
            json!({"ccId": 1, "vdn": 1, "beginDate": begin, "endDate": end_of_today}),
            "isCallIn is required",
        ),
        (
            TRACK,
            json!({"ccId": 1, "vdn": 1, "callId": "1-1"}),
            "logDate is required",
        ),
        (
            TRACK,
            json!({"ccId": 1, "vdn": 1, "callId": "1-1", "logDate": -5}),
            "logDate must be epoch",
        ),
    ];
    for (path, body, named) in cases {
        let answer = ask(&app, path, &body).await;
        assert_eq!(answer["resultCode"], "0100002", "{path} {body}: {answer}");
        let message = answer["resultDesc"].as_str().unwrap();
        assert!(message.contains(named), "{path} {body}: {message}");
    }
}

#[actix_web::test]
async fn a_key_limited_to_vdn_1_may_not_read_records_of_vdn_2() {
    let app = spawn_app_with(|_| {}).await;
    let key = inbound_call_of_vdn_2();
    end(&app, &key, None).await;
    let body = json!({"ccId": 1, "isCallin": "true", "callId": key.call_id.as_str()}).to_string();
    let answer = json_200(app.post_signed(SCOPED_AK, SCOPED_SK, BY_ID, &body).await).await;
    assert_eq!(answer["resultCode"], "0101003", "{answer}");
    let (begin, end_of_today) = window();
    let body =
        json!({"ccId": 1, "vdn": 2, "beginDate": begin, "endDate": end_of_today}).to_string();
    let answer = json_200(app.post_signed(SCOPED_AK, SCOPED_SK, CALLS, &body).await).await;
    assert_eq!(answer["resultCode"], "0101003", "{answer}");
    let clock = app
        .sandbox_at(
            "/sandbox/v1/clock",
            (SCOPED_AK, SCOPED_SK),
            Method::POST,
            "",
            r#"{"advanceMs":1}"#,
        )
        .await;
    assert_eq!(json_200(clock).await["resultCode"], "0101003");
    let status = app
        .sandbox_at(
            "/sandbox/v1/simulation",
            (SCOPED_AK, SCOPED_SK),
            Method::GET,
            "",
            "",
        )
        .await;
    assert_eq!(
        json_200(status).await["resultCode"],
        "0101003",
        "the examples name every VDN"
    );
}

#[actix_web::test]
async fn with_the_bms_backend_the_records_need_the_embedded_backend() {
    let app = spawn_app_with(|s| {
        s.backend = Backend::Bms;
        s.bms.url = "http://127.0.0.1:9".into();
    })
    .await;
    let (begin, end_of_today) = window();
    for (path, body) in [
        (
            BY_ID,
            json!({"ccId": 1, "isCallin": "true", "callId": "1-1"}),
        ),
        (
            CALLS,
            json!({"ccId": 1, "vdn": 1, "beginDate": begin, "endDate": end_of_today}),
        ),
        (
            TRACK,
            json!({"ccId": 1, "vdn": 1, "callId": "1-1", "logDate": now_ms()}),
        ),
    ] {
        let answer = ask(&app, path, &body).await;
        assert_eq!(answer["resultCode"], "0100001", "{answer}");
        let message = answer["resultDesc"].as_str().unwrap();
        assert!(message.contains("needs the embedded backend"), "{message}");
    }
}

/// Where the manual clock of the live tests starts: 2025-12-01T10:00:00Z.
const START: i64 = 1_764_583_200_000;

async fn advance(app: &TestApp, ms: i64) -> Value {
    let body = json!({"advanceMs": ms}).to_string();
    json_200(
        app.sandbox_at("/sandbox/v1/clock", (AK, SK), Method::POST, "", &body)
            .await,
    )
    .await
}

async fn simulation(app: &TestApp, method: Method, body: &str) -> Value {
    json_200(
        app.sandbox_at("/sandbox/v1/simulation", (AK, SK), method, "", body)
            .await,
    )
    .await
}

#[actix_web::test]
async fn the_live_center_on_a_manual_clock_moves_when_advanced_and_its_ended_calls_page() {
    let app = spawn_app_with(|s| {
        s.embedded.simulation.enabled = true;
        s.embedded.simulation.warm_up_minutes = 0;
        s.embedded.simulation.arrivals_per_minute = 240.0;
        s.embedded.clock = ClockKind::Manual;
        s.embedded.clock_start_ms = Some(START);
    })
    .await;
    let status = simulation(&app, Method::GET, "").await;
    assert_eq!(status["resultDesc"]["paused"], false, "{status}");
    let example = status["resultDesc"]["examples"][0]["key"].clone();
    let before = advance(&app, 0).await["resultDesc"]["nowMs"]
        .as_i64()
        .unwrap();
    assert_eq!(before, START);
    let moved = advance(&app, 15 * 60_000).await;
    assert_eq!(
        moved["resultDesc"]["nowMs"].as_i64().unwrap(),
        before + 15 * 60_000
    );

    // The example call is still in progress, at its agent, talking for 15 minutes.
    let body = json!({"ccId": example["ccId"], "vdn": example["vdn"], "callId": example["callId"]});
    let call = ask(&app, QueryBasicCallInfo::INTERFACE.path, &body).await;
    assert_eq!(call["resultCode"], "0100000", "{call}");
    assert!(
        call["resultDesc"]["totalTalkingTimes"].as_i64().unwrap() >= 15 * 60,
        "{call}"
    );

    let today = START.div_euclid(DAY) * DAY;
    let kept = json!({"ccId": 1, "vdn": 1, "beginDate": today - DAY, "endDate": today + DAY - 1});
    let all = ask(&app, CALLS, &kept).await;
    let count = all["resultDesc"]["count"].as_i64().unwrap();
    assert!(count > 10, "{all}");
    let mut paged = Vec::new();
    let mut offset = 0;
    while offset < count {
        let mut page_body = kept.clone();
        page_body["limit"] = json!(7);
        page_body["offset"] = json!(offset);
        let page = ask(&app, CALLS, &page_body).await;
        assert_eq!(page["resultDesc"]["count"], count);
        paged.extend(page["resultDesc"]["data"].as_array().unwrap().clone());
        offset += 7;
    }
    let ids: Vec<&str> = paged
        .iter()
        .map(|row| row["callId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), usize::try_from(count).unwrap());
    let dates: Vec<i64> = paged
        .iter()
        .map(|row| row["logDate"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "ascending logDate");
    // Every row's record adds up to its row's span.
    for row in paged.iter().take(20) {
        let record = ask(
            &app,
            BY_ID,
            &json!({"ccId": 1, "isCallin": "true", "callId": row["callId"]}),
        )
        .await;
        let r = &record["resultDesc"];
        let parts: i64 = ["queueWaitTime", "ivrCallTime", "ackTime", "callTime"]
            .iter()
            .map(|name| r[name].as_i64().unwrap())
            .sum();
        let span = row["callEnd"].as_str().unwrap().parse::<i64>().unwrap() / 1000
            - row["waitBegin"].as_str().unwrap().parse::<i64>().unwrap() / 1000;
        assert_eq!(parts, span, "{r} {row}");
    }

    // Paused, the clock moves but the center does not.
    let paused = simulation(&app, Method::PATCH, r#"{"paused":true}"#).await;
    assert_eq!(paused["resultDesc"]["paused"], true);
    let ended_before = paused["resultDesc"]["callsEnded"].clone();
    advance(&app, 5 * 60_000).await;
    let still = simulation(&app, Method::GET, "").await;
    assert_eq!(still["resultDesc"]["callsEnded"], ended_before);
    let resumed = simulation(
        &app,
        Method::PATCH,
        r#"{"paused":false,"arrivalsPerMinute":0}"#,
    )
    .await;
    assert_eq!(resumed["resultDesc"]["arrivalsPerMinute"], 0.0);
    let bad = simulation(&app, Method::PATCH, r#"{"arrivalsPerMinute":-1}"#).await;
    assert_eq!(bad["resultCode"], "0100002");
    // One advance simulates at most 200,000 arrivals and a week.
    let rated = simulation(&app, Method::PATCH, r#"{"arrivalsPerMinute":60000}"#).await;
    assert_eq!(rated["resultCode"], "0100000");
    let too_far = advance(&app, 10 * DAY).await;
    assert_eq!(too_far["resultCode"], "0100002", "{too_far}");
    assert!(
        too_far["resultDesc"]
            .as_str()
            .unwrap()
            .contains("at most 200000 ms"),
        "{too_far}"
    );
}

#[actix_web::test]
async fn the_system_clock_cannot_be_advanced_and_a_snapshot_has_no_simulation() {
    let app = spawn_app_with(|_| {}).await;
    let answer = advance(&app, 1000).await;
    assert_eq!(answer["resultCode"], "0100002", "{answer}");
    assert!(
        answer["resultDesc"]
            .as_str()
            .unwrap()
            .contains("system clock")
    );
    let reading = json_200(
        app.sandbox_at("/sandbox/v1/clock", (AK, SK), Method::GET, "", "")
            .await,
    )
    .await;
    assert_eq!(reading["resultDesc"]["manual"], false);
    let none = simulation(&app, Method::GET, "").await;
    assert_eq!(none["resultCode"], "0100001", "{none}");
}
