//! The sandbox admin API: create the exact call a test needs, query it, end it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SCOPED_AK, SCOPED_SK, json_200, spawn_app, spawn_app_with, spring_refusal};

fn record(call_id: &str, cc_id: u16, vdn: u16) -> Value {
    json!({
        "ccId": cc_id, "vdn": vdn, "callId": call_id,
        "time": 1_764_547_000_000_i64, "dsn": 11, "handle": 1, "server": 1, "keyId": "",
        "callingNum": "13800001111", "calledNum": "4001234", "mid": 2, "trunkNo": 7,
        "priority": 3, "deviceType": 2, "deviceNo": 1001, "callSkill": "vipVoice",
        "partyNum": 2, "callFeature": 0, "orgiCalledNum": "", "mediaType": 5, "place": 0,
        "waitTime": 12, "totalTalkingTimes": 40, "logonTimes": 55, "serviceType": 0,
        "callInCause": 65535, "enterReason": 0, "mediaBillType": 0
    })
}

fn query_for(call_id: &str, cc_id: u16, vdn: u16) -> String {
    format!(r#"{{"ccId":{cc_id},"vdn":{vdn},"callId":"{call_id}"}}"#)
}

#[actix_web::test]
async fn a_call_added_through_the_sandbox_is_queried_then_ended() {
    let app = spawn_app().await;
    let call = record("1764547000000-900001", 3, 17);
    let added = json_200(app.sandbox(Method::POST, "", &call.to_string()).await).await;
    assert_eq!(added["resultCode"], "0100000");

    let found = json_200(app.query(&query_for("1764547000000-900001", 3, 17)).await).await;
    assert_eq!(found["resultCode"], "0100000");
    let mut expected = call.clone();
    for key in ["ccId", "vdn", "callId"] {
        expected.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(found["resultDesc"], expected);

    let ended = json_200(
        app.sandbox(
            Method::DELETE,
            "ccId=3&vdn=17&callId=1764547000000-900001",
            "",
        )
        .await,
    )
    .await;
    assert_eq!(ended["resultCode"], "0100000");
    let gone = json_200(app.query(&query_for("1764547000000-900001", 3, 17)).await).await;
    assert_eq!(gone["resultCode"], "0100001");
    let again = json_200(
        app.sandbox(
            Method::DELETE,
            "ccId=3&vdn=17&callId=1764547000000-900001",
            "",
        )
        .await,
    )
    .await;
    assert_eq!(again["resultCode"], "0100001");
}

#[actix_web::test]
async fn adding_twice_is_refused_and_put_replaces() {
    let app = spawn_app().await;
    let call = record("5-5", 1, 2);
    json_200(app.sandbox(Method::POST, "", &call.to_string()).await).await;
    let twice = json_200(app.sandbox(Method::POST, "", &call.to_string()).await).await;
    assert_eq!(twice["resultCode"], "0100002");
    assert!(twice["resultDesc"].as_str().unwrap().contains("use PUT"));

    let mut changed = call.clone();
    changed["waitTime"] = json!(99);
    json_200(app.sandbox(Method::PUT, "", &changed.to_string()).await).await;
    let found = json_200(app.query(&query_for("5-5", 1, 2)).await).await;
    assert_eq!(found["resultDesc"]["waitTime"], 99);
}

#[actix_web::test]
async fn list_filters_by_cc_id_and_vdn() {
    let app = spawn_app_with(|s| s.embedded.demo_calls = 0).await;
    for (id, cc, vdn) in [("1-1", 1, 1), ("1-2", 1, 2), ("1-3", 2, 1)] {
        json_200(
            app.sandbox(Method::POST, "", &record(id, cc, vdn).to_string())
                .await,
        )
        .await;
    }
    let all = json_200(app.sandbox(Method::GET, "", "").await).await;
    assert_eq!(all["resultDesc"].as_array().unwrap().len(), 3);
    let one = json_200(app.sandbox(Method::GET, "ccId=1&vdn=2", "").await).await;
    let list = one["resultDesc"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["callId"], "1-2");
    let limited = json_200(app.sandbox(Method::GET, "limit=2", "").await).await;
    assert_eq!(limited["resultDesc"].as_array().unwrap().len(), 2);
    let bad = json_200(app.sandbox(Method::GET, "vdn=0", "").await).await;
    assert_eq!(bad["resultCode"], "0100002");
}

#[actix_web::test]
async fn invalid_records_are_0100002_naming_the_problem() {
    let app = spawn_app().await;
    let mut call = record("1-1", 1, 1);
    call["vdn"] = json!(6000);
    let answer = json_200(app.sandbox(Method::POST, "", &call.to_string()).await).await;
    assert_eq!(answer["resultCode"], "0100002");
    assert!(
        answer["resultDesc"]
            .as_str()
            .unwrap()
            .contains("vdn must be between 1 and 5000"),
        "{answer}"
    );
}

#[actix_web::test]
async fn the_sandbox_enforces_key_scope_and_signatures() {
    let app = spawn_app().await;
    let outside = record("7-7", 2, 1).to_string();
    let answer = json_200(
        app.sandbox_as(SCOPED_AK, SCOPED_SK, Method::POST, "", &outside)
            .await,
    )
    .await;
    assert_eq!(answer["resultCode"], "0101003");
    let answer = json_200(
        app.sandbox_as(
            SCOPED_AK,
            SCOPED_SK,
            Method::DELETE,
            "ccId=2&vdn=1&callId=7-7",
            "",
        )
        .await,
    )
    .await;
    assert_eq!(answer["resultCode"], "0101003");
    for query in ["ccId=2", "vdn=2"] {
        let listed = app
            .sandbox_as(SCOPED_AK, SCOPED_SK, Method::GET, query, "")
            .await;
        assert_eq!(json_200(listed).await["resultCode"], "0101003", "{query}");
    }
    let own = json_200(
        app.sandbox_as(SCOPED_AK, SCOPED_SK, Method::GET, "", "")
            .await,
    )
    .await;
    let own = own["resultDesc"].as_array().unwrap();
    assert!(!own.is_empty());
    assert!(own.iter().all(|r| r["ccId"] == 1 && r["vdn"] == 1));

    let unsigned = app
        .http
        .get(app.url("/sandbox/v1/calls"))
        .send()
        .await
        .unwrap();
    spring_refusal(unsigned, 401, "/sandbox/v1/calls").await;
}

#[actix_web::test]
async fn the_sandbox_is_absent_when_switched_off() {
    let app = spawn_app_with(|s| s.embedded.sandbox = false).await;
    let response = app.sandbox(Method::GET, "", "").await;
    spring_refusal(response, 404, "/sandbox/v1/calls").await;
}

#[actix_web::test]
async fn a_full_sandbox_store_refuses_new_calls_but_still_replaces() {
    let app = spawn_app_with(|s| {
        s.embedded.demo_calls = 1;
        s.embedded.max_calls = 2;
    })
    .await;
    json_200(
        app.sandbox(Method::POST, "", &record("9-1", 1, 1).to_string())
            .await,
    )
    .await;
    let full = json_200(
        app.sandbox(Method::POST, "", &record("9-2", 1, 1).to_string())
            .await,
    )
    .await;
    assert_eq!(full["resultCode"], "0100002");
    assert!(
        full["resultDesc"].as_str().unwrap().contains("full"),
        "{full}"
    );
    let replaced = json_200(
        app.sandbox(Method::PUT, "", &record("9-1", 1, 1).to_string())
            .await,
    )
    .await;
    assert_eq!(replaced["resultCode"], "0100000");
}

#[actix_web::test]
async fn the_reference_example_comes_back_byte_for_byte() {
    let reference = include_str!("../../../calldata-model/tests/data/reference-response.json");
    let minified: String = reference.chars().filter(|c| !c.is_whitespace()).collect();
    let parsed: Value = serde_json::from_str(reference).unwrap();
    let mut record = parsed["resultDesc"].clone();
    record["ccId"] = json!(1);
    record["vdn"] = json!(1);
    record["callId"] = json!("1659513159000-546750");
    let app = spawn_app().await;
    json_200(app.sandbox(Method::PUT, "", &record.to_string()).await).await;
    let response = app.query(&query_for("1659513159000-546750", 1, 1)).await;
    assert_eq!(response.text().await.unwrap(), minified);
}

/// A signed request to the sandbox's agents.
async fn agents(app: &crate::helpers::TestApp, method: Method, query: &str, body: &str) -> Value {
    json_200(
        app.sandbox_at(
            "/sandbox/v1/agents",
            (crate::helpers::AK, crate::helpers::SK),
            method,
            query,
            body,
        )
        .await,
    )
    .await
}

async fn agent_view(app: &crate::helpers::TestApp, path: &str, agent: u32) -> Value {
    json_200(
        app.post_signed(
            crate::helpers::AK,
            crate::helpers::SK,
            path,
            &format!(r#"{{"ccId":3,"vdn":17,"agentId":{agent}}}"#),
        )
        .await,
    )
    .await["resultDesc"]
        .clone()
}

#[actix_web::test]
async fn agents_sign_in_take_calls_that_move_and_sign_out_once_free() {
    use calldata_model::{AgentPrivateCall, Operation, QueryAgentCalls};
    let (handling, private) = (
        QueryAgentCalls::INTERFACE.path,
        AgentPrivateCall::INTERFACE.path,
    );
    let app = spawn_app().await;
    let signed_in = agents(
        &app,
        Method::POST,
        "",
        r#"{"ccId":3,"vdn":17,"agentId":2001}"#,
    )
    .await;
    assert_eq!(signed_in["resultCode"], "0100000");
    assert_eq!(
        signed_in["resultDesc"],
        json!({"ccId": 3, "vdn": 17, "agentId": 2001})
    );
    let twice = agents(
        &app,
        Method::POST,
        "",
        r#"{"ccId":3,"vdn":17,"agentId":2001}"#,
    )
    .await;
    assert_eq!(twice["resultCode"], "0100002");
    assert_eq!(agent_view(&app, handling, 2001).await, json!([]));

    // A call at agent 1001 (the record's deviceNo), then moved to 2001's private queue,
    // answered there and held.
    let call = record("1764547000000-950001", 3, 17);
    let added = json_200(app.sandbox(Method::POST, "", &call.to_string()).await).await;
    assert_eq!(added["resultCode"], "0100000");
    assert_eq!(
        agent_view(&app, handling, 1001).await,
        json!(["1764547000000-950001"])
    );
    let change = |fields: Value| {
        let mut body = json!({"ccId": 3, "vdn": 17, "callId": "1764547000000-950001"});
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        body.to_string()
    };
    let queued = json_200(
        app.sandbox(
            Method::PATCH,
            "",
            &change(json!({"deviceType": 1, "deviceNo": 2001, "callStatus": 3})),
        )
        .await,
    )
    .await;
    assert_eq!(queued["resultCode"], "0100000", "{queued}");
    assert_eq!(queued["resultDesc"]["callingNum"], "13800001111");
    assert_eq!(agent_view(&app, handling, 1001).await, json!([]));
    assert_eq!(agent_view(&app, handling, 2001).await, json!([]));
    assert_eq!(
        agent_view(&app, private, 2001).await,
        json!(["1764547000000-950001"])
    );
    let held = json_200(
        app.sandbox(
            Method::PATCH,
            "",
            &change(json!({"deviceType": 2, "callStatus": 6})),
        )
        .await,
    )
    .await;
    assert_eq!(held["resultCode"], "0100000");
    assert_eq!(
        agent_view(&app, handling, 2001).await,
        json!(["1764547000000-950001"])
    );
    let listed = agents(&app, Method::GET, "ccId=3&vdn=17", "").await;
    assert_eq!(
        listed["resultDesc"],
        json!([
            {"ccId": 3, "vdn": 17, "agentId": 1001, "calls": [], "privateCalls": []},
            {"ccId": 3, "vdn": 17, "agentId": 2001, "calls": ["1764547000000-950001"], "privateCalls": []}
        ])
    );

    // A change that breaks a rule, and one for a call not in progress.
    let bad = json_200(
        app.sandbox(Method::PATCH, "", &change(json!({"callStatus": 2})))
            .await,
    )
    .await;
    assert_eq!(bad["resultCode"], "0100002");
    assert!(
        bad["resultDesc"]
            .as_str()
            .unwrap()
            .contains("callStatus 2 cannot be the status of a call at an agent"),
        "{bad}"
    );
    let absent = json_200(
        app.sandbox(
            Method::PATCH,
            "",
            r#"{"ccId":3,"vdn":17,"callId":"1-1","callStatus":5}"#,
        )
        .await,
    )
    .await;
    assert_eq!(absent["resultCode"], "0100001");

    // Busy agents stay; free ones go; unknown ones were never there.
    let busy = agents(&app, Method::DELETE, "ccId=3&vdn=17&agentId=2001", "").await;
    assert_eq!(busy["resultCode"], "0100002");
    let ended = json_200(
        app.sandbox(
            Method::DELETE,
            "ccId=3&vdn=17&callId=1764547000000-950001",
            "",
        )
        .await,
    )
    .await;
    assert_eq!(ended["resultCode"], "0100000");
    let out = agents(&app, Method::DELETE, "ccId=3&vdn=17&agentId=2001", "").await;
    assert_eq!(out["resultCode"], "0100000");
    let unknown = agents(&app, Method::DELETE, "ccId=3&vdn=17&agentId=2001", "").await;
    assert_eq!(unknown["resultCode"], "0100001");
    let bad_id = agents(&app, Method::DELETE, "ccId=3&vdn=17&agentId=100", "").await;
    assert_eq!(bad_id["resultCode"], "0100002");
}

#[actix_web::test]
async fn the_agents_of_another_vdn_are_out_of_a_scoped_keys_reach() {
    let app = spawn_app().await;
    let outside = json_200(
        app.sandbox_at(
            "/sandbox/v1/agents",
            (SCOPED_AK, SCOPED_SK),
            Method::POST,
            "",
            r#"{"ccId":1,"vdn":2,"agentId":2001}"#,
        )
        .await,
    )
    .await;
    assert_eq!(outside["resultCode"], "0101003");
    let listed = json_200(
        app.sandbox_at(
            "/sandbox/v1/agents",
            (SCOPED_AK, SCOPED_SK),
            Method::GET,
            "",
            "",
        )
        .await,
    )
    .await;
    let agents = listed["resultDesc"].as_array().unwrap();
    assert!(!agents.is_empty());
    assert!(
        agents.iter().all(|a| a["ccId"] == 1 && a["vdn"] == 1),
        "{listed}"
    );
}
