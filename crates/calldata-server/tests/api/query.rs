//! The public endpoint's business outcomes: found, not found, invalid, CTI 3.6, scope.

use calldata_model::CallId;
use calldata_server::config::CtiVersion;

use crate::helpers::{
    SCOPED_AK, SCOPED_SK, assert_found_envelope, existing_call, json_200, query_body, spawn_app,
    spawn_app_with,
};

#[actix_web::test]
async fn an_existing_call_is_answered_with_the_full_success_envelope() {
    let app = spawn_app().await;
    let (key, expected) = existing_call();
    let response = app.query(&query_body(&key)).await;
    assert_eq!(
        response.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    assert_found_envelope(&response.text().await.unwrap(), &expected);
}

#[actix_web::test]
async fn legacy_fields_can_be_switched_off() {
    let app = spawn_app_with(|s| s.legacy_fields = false).await;
    let (key, _) = existing_call();
    let body = json_200(app.query(&query_body(&key)).await).await;
    assert_eq!(body["resultCode"], "0100000");
    assert!(body.get("result").is_none());
    assert!(body.get("resultDatas").is_none());
    assert!(body["resultDesc"]["callingNum"].is_string());
}

#[actix_web::test]
async fn integers_sent_as_strings_are_accepted() {
    let app = spawn_app().await;
    let (key, _) = existing_call();
    let body = format!(
        r#"{{"ccId":"{}","vdn":"{}","callId":"{}","x":1}}"#,
        key.cc_id, key.vdn, key.call_id
    );
    assert_eq!(
        json_200(app.query(&body).await).await["resultCode"],
        "0100000"
    );
}

#[actix_web::test]
async fn an_unknown_call_is_0100001() {
    let app = spawn_app().await;
    let body = json_200(app.query(r#"{"ccId":1,"vdn":1,"callId":"1-1"}"#).await).await;
    assert_eq!(body["resultCode"], "0100001");
    assert_eq!(
        body["resultDesc"],
        "call not found or no longer in progress"
    );
}

#[actix_web::test]
async fn a_vdn_above_5000_is_0100002_naming_the_field() {
    let app = spawn_app().await;
    let body = json_200(app.query(r#"{"ccId":1,"vdn":5001,"callId":"1-1"}"#).await).await;
    assert_eq!(
        body,
        serde_json::json!({
            "resultCode": "0100002",
            "resultDesc": "invalid parameter: vdn must be between 1 and 5000"
        })
    );
}

#[actix_web::test]
async fn bodies_that_are_not_json_objects_are_0100002() {
    let app = spawn_app().await;
    for body in ["not json", "[1,2]", "{\"ccId\":1", "null"] {
        let answer = json_200(app.query(body).await).await;
        assert_eq!(answer["resultCode"], "0100002", "{body}");
        assert!(
            answer["resultDesc"]
                .as_str()
                .unwrap()
                .starts_with("invalid parameter: ")
        );
    }
}

#[actix_web::test]
async fn a_platform_on_cti_3_6_answers_0100003() {
    let app = spawn_app_with(|s| s.cti_version = CtiVersion::V300R006).await;
    let (key, _) = existing_call();
    let body = json_200(app.query(&query_body(&key)).await).await;
    assert_eq!(body["resultCode"], "0100003");
}

#[actix_web::test]
async fn a_key_outside_its_cc_id_and_vdn_scope_gets_0101003() {
    let app = spawn_app().await;
    let body = json_200(
        app.query_as(SCOPED_AK, SCOPED_SK, r#"{"ccId":2,"vdn":1,"callId":"1-1"}"#)
            .await,
    )
    .await;
    assert_eq!(body["resultCode"], "0101003");
    // Inside the scope the same key gets a normal answer.
    let body = json_200(
        app.query_as(SCOPED_AK, SCOPED_SK, r#"{"ccId":1,"vdn":1,"callId":"1-1"}"#)
            .await,
    )
    .await;
    assert_eq!(body["resultCode"], "0100001");
}

#[actix_web::test]
async fn call_ids_in_seconds_and_milliseconds_are_both_accepted() {
    let app = spawn_app().await;
    for call_id in ["1453723531-574", "1659513159000-546750"] {
        assert!(CallId::parse(call_id).is_ok());
        let body = format!(r#"{{"ccId":1,"vdn":1,"callId":"{call_id}"}}"#);
        assert_eq!(
            json_200(app.query(&body).await).await["resultCode"],
            "0100001"
        );
    }
}
