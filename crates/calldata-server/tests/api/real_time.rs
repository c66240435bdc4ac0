//! The real-time family on the real server: `agent/queryagentcalls`,
//! `agent/agentprivatecall`, `agentgroup/queryagentcalls` and `querydetailcallinfo` over
//! the demo contact center: fields in order with their JSON types, validation naming the
//! field, scope, CTI 3.6 (none of them needs V300R008), `legacy_fields = false`, and a BMS
//! backend that is down.

use calldata_bms::{CallRecord, Placement, demo_records};
use calldata_model::{
    AgentPrivateCall, CallStart, CallStatus, MediaType, Operation, QueryAgentCalls,
    QueryAgentGroupCalls, QueryDetailCallInfo,
};
use calldata_server::config::{Backend, CtiVersion};
use serde_json::Value;

use crate::helpers::{
    AK, DEMO, SCOPED_AK, SCOPED_SK, SK, TestApp, json_200, query_body, spawn_app, spawn_app_with,
};

const AGENT: &str = QueryAgentCalls::INTERFACE.path;
const PRIVATE: &str = AgentPrivateCall::INTERFACE.path;
const GROUP: &str = QueryAgentGroupCalls::INTERFACE.path;
const DETAIL: &str = QueryDetailCallInfo::INTERFACE.path;

async fn ask(app: &TestApp, path: &str, body: &str) -> Value {
    json_200(app.post_signed(AK, SK, path, body).await).await
}

/// The member names of an object (in no particular order: see [`assert_in_order`]).
fn keys(value: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    names
}

fn sorted<'a>(names: &[&'a str]) -> Vec<&'a str> {
    let mut names = names.to_vec();
    names.sort_unstable();
    names
}

/// Asserts that `names` are written in this order in `text`, from `from` on.
fn assert_in_order(text: &str, from: usize, names: &[&str]) {
    let mut at = from;
    for name in names {
        let found = text[at..]
            .find(&format!("\"{name}\":"))
            .unwrap_or_else(|| panic!("{name} not after {at} in {text}"));
        at += found + 1;
    }
}

/// The demo records and where each is.
fn placed() -> Vec<(CallRecord, Placement)> {
    demo_records(&DEMO)
        .map(|record| {
            let placement = record.extras.placement(&record.call).unwrap();
            (record, placement)
        })
        .collect()
}

/// The first demo call at an agent, and the first in a private queue.
fn at_agent() -> CallRecord {
    placed()
        .into_iter()
        .find(|(_, p)| matches!(p, Placement::Agent(..)))
        .unwrap()
        .0
}

fn in_private_queue() -> CallRecord {
    placed()
        .into_iter()
        .find(|(_, p)| matches!(p, Placement::PrivateQueue(_)))
        .unwrap()
        .0
}

fn agent_body(record: &CallRecord) -> String {
    format!(
        r#"{{"ccId":{},"vdn":{},"agentId":{}}}"#,
        record.key.cc_id,
        record.key.vdn,
        record.call.device_no.unwrap()
    )
}

/// The IDs of the demo calls at `agent` of the record's VDN, of one kind, in start order.
fn expected_ids(record: &CallRecord, private: bool) -> Vec<String> {
    let agent = record.call.device_no.unwrap();
    let mut calls: Vec<_> = placed()
        .into_iter()
        .filter(|(r, p)| {
            r.key.cc_id == record.key.cc_id
                && r.key.vdn == record.key.vdn
                && match p {
                    Placement::Agent(id, _) => !private && i64::from(id.get()) == agent,
                    Placement::PrivateQueue(id) => private && i64::from(id.get()) == agent,
                    Placement::Elsewhere => false,
                }
        })
        .map(|(r, _)| r.key.call_id)
        .collect();
    calls.sort_by_key(|id| {
        let millis = match id.start() {
            CallStart::Milliseconds(ms) => ms,
            CallStart::Seconds(s) => s * 1000,
        };
        (millis, id.sequence())
    });
    calls.iter().map(ToString::to_string).collect()
}

#[actix_web::test]
async fn an_agent_answers_its_call_ids_in_the_full_envelope_and_unknown_agents_none() {
    let app = spawn_app().await;
    let record = at_agent();
    let response = app.post_signed(AK, SK, AGENT, &agent_body(&record)).await;
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert!(
        text.starts_with(r#"{"result":"0","resultCode":"0100000","resultDatas":["#),
        "{text}"
    );
    assert_eq!(
        keys(&body),
        ["result", "resultCode", "resultDatas", "resultDesc"]
    );
    assert_eq!(body["resultDatas"], body["resultDesc"]);
    let ids: Vec<String> = serde_json::from_value(body["resultDesc"].clone()).unwrap();
    assert!(ids.contains(&record.key.call_id.to_string()), "{text}");
    assert_eq!(ids, expected_ids(&record, false));
    // An idle demo agent, and one nobody knows: success with [].
    for agent in [101, 59_999] {
        let body = ask(
            &app,
            AGENT,
            &format!(r#"{{"ccId":1,"vdn":1,"agentId":{agent}}}"#),
        )
        .await;
        assert_eq!(body["resultCode"], "0100000");
        assert_eq!(body["resultDesc"], serde_json::json!([]), "{agent}");
    }
}

#[actix_web::test]
async fn the_private_queue_lists_exactly_the_calls_waiting_there() {
    let app = spawn_app().await;
    let record = in_private_queue();
    let body = ask(&app, PRIVATE, &agent_body(&record)).await;
    assert_eq!(body["resultCode"], "0100000");
    let ids: Vec<String> = serde_json::from_value(body["resultDesc"].clone()).unwrap();
    assert_eq!(ids, expected_ids(&record, true));
    assert!(ids.contains(&record.key.call_id.to_string()));
    // ... and the agent's own view leaves them out.
    let handling = ask(&app, AGENT, &agent_body(&record)).await;
    let handling: Vec<String> = serde_json::from_value(handling["resultDesc"].clone()).unwrap();
    assert!(!handling.contains(&record.key.call_id.to_string()));
}

#[actix_web::test]
async fn a_group_answers_one_element_per_agent_asked_with_typed_fields_in_order() {
    let app = spawn_app().await;
    let record = in_private_queue();
    let agent = record.call.device_no.unwrap();
    let text = app
        .post_signed(
            AK,
            SK,
            GROUP,
            &format!(
                r#"{{"ccId":{},"vdn":{},"agentIds":[101,{agent},"{agent}"]}}"#,
                record.key.cc_id, record.key.vdn
            ),
        )
        .await
        .text()
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["resultCode"], "0100000");
    let second = text.find(&format!(r#"{{"agentId":{agent},"callList":[{{"callId":"#));
    let second = second.unwrap_or_else(|| panic!("{text}"));
    assert_in_order(
        &text,
        second,
        &["callId", "callStatus", "callInOut", "mediaType"],
    );
    let agents = body["resultDesc"].as_array().unwrap();
    assert_eq!(agents.len(), 3);
    assert_eq!(
        agents[0],
        serde_json::json!({"agentId": 101, "callList": []})
    );
    assert_eq!(agents[1], agents[2]);
    assert_eq!(keys(&agents[1]), ["agentId", "callList"]);
    assert_eq!(agents[1]["agentId"], agent);
    let calls = agents[1]["callList"].as_array().unwrap();
    let mut every = expected_ids(&record, false);
    every.extend(expected_ids(&record, true));
    assert_eq!(calls.len(), every.len());
    for call in calls {
        assert!(call["callId"].is_string(), "{call}");
        for field in ["callStatus", "callInOut", "mediaType"] {
            assert!(call[field].is_u64(), "{field} in {call}");
        }
        let media = call["mediaType"].as_i64().unwrap();
        let written: Vec<&str> = keys(call);
        if media == MediaType::SocialChat.code() {
            assert_eq!(
                written,
                sorted(&[
                    "callId",
                    "callStatus",
                    "callInOut",
                    "mediaType",
                    "submediaType"
                ])
            );
            assert!(call["submediaType"].is_string());
        } else {
            assert_eq!(
                written,
                sorted(&["callId", "callStatus", "callInOut", "mediaType"])
            );
        }
    }
    let private = calls
        .iter()
        .find(|c| c["callId"] == record.key.call_id.to_string())
        .unwrap();
    assert_eq!(private["callStatus"], CallStatus::QueuedPrivately.code());
}

#[actix_web::test]
async fn three_thousand_four_digit_agent_ids_fit_the_default_body_limit() {
    let app = spawn_app().await;
    let ids: Vec<String> = (1001..4001).map(|n: i64| n.to_string()).collect();
    let body = format!(r#"{{"ccId":1,"vdn":1,"agentIds":[{}]}}"#, ids.join(","));
    let answer = ask(&app, GROUP, &body).await;
    assert_eq!(answer["resultCode"], "0100000");
    assert_eq!(answer["resultDesc"].as_array().unwrap().len(), 3000);
}

#[actix_web::test]
async fn the_detail_is_the_basic_call_plus_cb_and_call_data_with_codes_as_digits() {
    let app = spawn_app().await;
    let record = at_agent();
    let body = query_body(&record.key);
    let text = app
        .post_signed(AK, SK, DETAIL, &body)
        .await
        .text()
        .await
        .unwrap();
    let detail: Value = serde_json::from_str(&text).unwrap();
    let basic = ask(&app, calldata_model::QUERY_BASIC_CALL_INFO_PATH, &body).await;
    assert_eq!(detail["resultCode"], "0100000");
    let call = &detail["resultDesc"];
    let order = calldata_model::interfaces::query_detail_call_info::DETAIL_FIELD_ORDER;
    assert_eq!(keys(call), sorted(&order));
    let desc = text.find(r#""resultDesc":"#).unwrap();
    assert_in_order(&text, desc, &order);
    assert_eq!(call["cb"], record.extras.cb.unwrap());
    assert_eq!(call["callData"], record.extras.call_data.as_str());
    assert_eq!(call["callDataLen"], record.extras.call_data.len());
    for (field, value) in basic["resultDesc"].as_object().unwrap() {
        match field.as_str() {
            "callFeature" | "mediaType" => {
                assert_eq!(call[field], value.as_i64().unwrap().to_string(), "{field}");
            }
            _ => assert_eq!(&call[field], value, "{field}"),
        }
    }
    // A call not in progress: 0100001, as querybasiccallinfo.
    let gone = ask(&app, DETAIL, r#"{"ccId":1,"vdn":1,"callId":"1-1"}"#).await;
    assert_eq!(gone["resultCode"], "0100001");
}

#[actix_web::test]
async fn bad_bodies_are_0100002_naming_the_field() {
    let app = spawn_app().await;
    let many: Vec<String> = (0..3001).map(|n| (1001 + n).to_string()).collect();
    let too_many = format!(r#"{{"ccId":1,"vdn":1,"agentIds":[{}]}}"#, many.join(","));
    for (path, body, words) in [
        (
            AGENT,
            "{}",
            "ccId is required; vdn is required; agentId is required",
        ),
        (
            AGENT,
            r#"{"ccId":1,"vdn":1,"agentId":100}"#,
            "agentId must be between 101 and 59999 or between 70000 and 999999",
        ),
        (
            PRIVATE,
            r#"{"ccId":1,"vdn":1,"agentId":true}"#,
            "agentId must be an integer, not a boolean",
        ),
        (
            GROUP,
            r#"{"ccId":1,"vdn":1,"agentIds":[]}"#,
            "agentIds must hold 1 to 3000 agent IDs, not none",
        ),
        (
            GROUP,
            r#"{"ccId":1,"vdn":1,"agentIds":"1099"}"#,
            "agentIds must be an array, not a string",
        ),
        (
            GROUP,
            r#"{"ccId":1,"vdn":1,"agentIds":[1099,60000]}"#,
            "agentIds element 1 must be between",
        ),
        (GROUP, too_many.as_str(), "not more than 3000"),
        (
            DETAIL,
            r#"{"ccId":1,"vdn":1,"callId":"x"}"#,
            "callId must look like",
        ),
        (DETAIL, "[]", "request body is not a JSON object"),
    ] {
        let answer = ask(&app, path, body).await;
        assert_eq!(answer["resultCode"], "0100002", "{path} {body}");
        assert_eq!(keys(&answer), ["resultCode", "resultDesc"]);
        let message = answer["resultDesc"].as_str().unwrap();
        assert!(message.starts_with("invalid parameter: "), "{message}");
        assert!(message.contains(words), "{path}: {message}");
    }
}

#[actix_web::test]
async fn a_key_scoped_to_another_vdn_gets_0101003_from_each() {
    let app = spawn_app().await;
    for (path, body) in [
        (AGENT, r#"{"ccId":1,"vdn":2,"agentId":101}"#),
        (PRIVATE, r#"{"ccId":1,"vdn":2,"agentId":101}"#),
        (GROUP, r#"{"ccId":1,"vdn":2,"agentIds":[101]}"#),
        (DETAIL, r#"{"ccId":1,"vdn":2,"callId":"1-1"}"#),
    ] {
        let outside = json_200(app.post_signed(SCOPED_AK, SCOPED_SK, path, body).await).await;
        assert_eq!(outside["resultCode"], "0101003", "{path}");
        assert_eq!(
            outside["resultDesc"],
            "insufficient permission: access key may not query ccId 1 vdn 2"
        );
    }
    let inside = json_200(
        app.post_signed(
            SCOPED_AK,
            SCOPED_SK,
            AGENT,
            r#"{"ccId":1,"vdn":1,"agentId":101}"#,
        )
        .await,
    )
    .await;
    assert_eq!(inside["resultCode"], "0100000");
}

#[actix_web::test]
async fn cti_3_6_answers_them_and_without_legacy_fields_the_envelope_is_short() {
    let app = spawn_app_with(|s| {
        s.cti_version = CtiVersion::V300R006;
        s.legacy_fields = false;
    })
    .await;
    let record = at_agent();
    for (path, body) in [
        (AGENT, agent_body(&record)),
        (PRIVATE, agent_body(&record)),
        (GROUP, r#"{"ccId":1,"vdn":1,"agentIds":[101]}"#.to_owned()),
        (DETAIL, query_body(&record.key)),
    ] {
        let answer = ask(&app, path, &body).await;
        assert_eq!(answer["resultCode"], "0100000", "{path}");
        assert_eq!(keys(&answer), ["resultCode", "resultDesc"], "{path}");
    }
}

#[actix_web::test]
async fn a_bms_backend_that_is_down_answers_0100001_on_each() {
    // Nothing listens on port 9: every interface reaches the adapter and finds no BMS
    // (answers from a BMS are tested against the emulator, in the client's tests).
    let app = spawn_app_with(|s| {
        s.backend = Backend::Bms;
        s.bms.url = "http://127.0.0.1:9".to_owned();
    })
    .await;
    for (path, body) in [
        (AGENT, r#"{"ccId":1,"vdn":1,"agentId":101}"#),
        (PRIVATE, r#"{"ccId":1,"vdn":1,"agentId":101}"#),
        (GROUP, r#"{"ccId":1,"vdn":1,"agentIds":[101]}"#),
        (DETAIL, r#"{"ccId":1,"vdn":1,"callId":"1-1"}"#),
    ] {
        let answer = ask(&app, path, body).await;
        assert_eq!(answer["resultCode"], "0100001", "{path}");
        let message = answer["resultDesc"].as_str().unwrap();
        assert!(
            message.starts_with("call source unavailable"),
            "{path}: {message}"
        );
        assert!(!message.contains("127.0.0.1"), "{message}");
    }
}
