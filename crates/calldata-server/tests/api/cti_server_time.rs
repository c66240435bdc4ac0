//! `configures/ctiservertime` on the real server: the full envelope around a bare number
//! (the server's clock plus `embedded.cti_clock_offset_ms`), validation naming `ccId`, the
//! key's ccId scope, CTI 3.6, `legacy_fields = false`, and a BMS backend that is down.

use std::time::{SystemTime, UNIX_EPOCH};

use calldata_model::{CtiServerTime, Operation};
use calldata_server::config::{Backend, CtiVersion};
use serde_json::Value;

use crate::helpers::{AK, SCOPED_AK, SCOPED_SK, SK, TestApp, json_200, spawn_app, spawn_app_with};

const PATH: &str = CtiServerTime::INTERFACE.path;

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

async fn ask(app: &TestApp, ak: &str, sk: &str, body: &str) -> Value {
    json_200(app.post_signed(ak, sk, PATH, body).await).await
}

#[actix_web::test]
async fn the_time_is_the_clock_plus_the_offset_as_a_bare_number_in_the_full_envelope() {
    let app = spawn_app_with(|s| s.embedded.cti_clock_offset_ms = -3_600_000).await;
    let before = now_ms();
    let response = app.post_signed(AK, SK, PATH, r#"{"ccId":1}"#).await;
    let after = now_ms();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["result", "resultCode", "resultDatas", "resultDesc"],
        "{text}"
    );
    assert!(
        text.starts_with(r#"{"result":"0","resultCode":"0100000","resultDatas":"#),
        "{text}"
    );
    let time = body["resultDesc"].as_i64().expect("a bare JSON number");
    assert_eq!(body["resultDatas"], body["resultDesc"]);
    assert!(
        (before - 3_600_000..=after - 3_600_000).contains(&time),
        "{time} not within [{before}, {after}] less an hour"
    );
    // ccId as a string of digits is the same request.
    assert_eq!(
        ask(&app, AK, SK, r#"{"ccId":"1"}"#).await["resultCode"],
        "0100000"
    );
}

#[actix_web::test]
async fn without_legacy_fields_only_result_code_and_desc_are_written() {
    let app = spawn_app_with(|s| s.legacy_fields = false).await;
    let body = ask(&app, AK, SK, r#"{"ccId":1}"#).await;
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["resultCode", "resultDesc"]);
    assert!(body["resultDesc"].is_i64());
}

#[actix_web::test]
async fn a_bad_body_is_0100002_naming_cc_id() {
    let app = spawn_app().await;
    for (body, words) in [
        ("{}", "ccId is required"),
        (r#"{"ccId":true}"#, "ccId must be an integer, not a boolean"),
        (r#"{"ccId":0}"#, "ccId must be between 1 and 65535"),
        (r#"{"ccId":"x"}"#, "ccId must be an integer"),
        ("[1]", "request body is not a JSON object"),
    ] {
        let answer = ask(&app, AK, SK, body).await;
        assert_eq!(answer["resultCode"], "0100002", "{body}");
        let message = answer["resultDesc"].as_str().unwrap();
        assert!(message.starts_with("invalid parameter: "), "{message}");
        assert!(message.contains(words), "{body}: {message}");
    }
}

#[actix_web::test]
async fn a_key_scoped_to_another_call_center_gets_0101003() {
    let app = spawn_app().await;
    let outside = ask(&app, SCOPED_AK, SCOPED_SK, r#"{"ccId":2}"#).await;
    assert_eq!(outside["resultCode"], "0101003");
    assert_eq!(
        outside["resultDesc"],
        "insufficient permission: access key may not query ccId 2"
    );
    let inside = ask(&app, SCOPED_AK, SCOPED_SK, r#"{"ccId":1}"#).await;
    assert_eq!(inside["resultCode"], "0100000");
}

#[actix_web::test]
async fn cti_3_6_answers_0100003() {
    let app = spawn_app_with(|s| s.cti_version = CtiVersion::V300R006).await;
    let answer = ask(&app, AK, SK, r#"{"ccId":1}"#).await;
    assert_eq!(answer["resultCode"], "0100003");
}

#[actix_web::test]
async fn a_bms_backend_that_is_down_answers_0100001() {
    // Nothing listens on port 9 (the emulator's answer is tested in the client's tests).
    let app = spawn_app_with(|s| {
        s.backend = Backend::Bms;
        s.bms.url = "http://127.0.0.1:9".to_owned();
    })
    .await;
    let answer = ask(&app, AK, SK, r#"{"ccId":1}"#).await;
    assert_eq!(answer["resultCode"], "0100001");
    let message = answer["resultDesc"].as_str().unwrap();
    assert!(message.starts_with("call source unavailable"), "{message}");
}
