//! Operator endpoints: ping, health, readiness, metrics, the OpenAPI document, plain HTTP.

use serde_json::Value;

use crate::helpers::{
    AK, SK, existing_call, json_200, query_body, spawn_app, spawn_app_with, spring_refusal,
};

const PING: &str = "/rest/cmsapp/v1/ping";

/// POSTs `body` to ping, signed with `ak`/`sk`.
async fn ping_as(app: &crate::helpers::TestApp, sk: &str, body: &str) -> reqwest::Response {
    let auth = app.authorization(AK, sk, "POST", PING, body);
    let mut request = app
        .http
        .post(app.url(PING))
        .header("content-type", "application/json;charset=UTF-8")
        .header("authorization", auth);
    if !body.is_empty() {
        request = request.body(body.to_owned());
    }
    request.send().await.unwrap()
}

#[actix_web::test]
async fn ping_echoes_its_object_in_member_order_as_huawei_defines_it() {
    let app = spawn_app().await;
    let body = r#"{"say": "Hello world!", "a": [1, {"z": null}], "b": 2}"#;
    let response = ping_as(&app, SK, body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"request":{"say": "Hello world!", "a": [1, {"z": null}], "b": 2},"status":"UP"}"#
    );
    let empty = ping_as(&app, SK, "").await;
    assert_eq!(
        empty.text().await.unwrap(),
        r#"{"request":{},"status":"UP"}"#
    );
    for not_an_object in ["[1]", "\"up\"", "{\"a\":", "{} {}"] {
        let body = json_200(ping_as(&app, SK, not_an_object).await).await;
        assert_eq!(body["resultCode"], "0100002", "{not_an_object}");
        assert!(
            body["resultDesc"]
                .as_str()
                .unwrap()
                .starts_with("invalid parameter: request body is not a JSON object"),
            "{body}"
        );
    }
}

#[actix_web::test]
async fn ping_is_signed_post_only() {
    let app = spawn_app().await;
    let unsigned = app
        .http
        .post(app.url(PING))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    spring_refusal(unsigned, 401, PING).await;
    spring_refusal(ping_as(&app, "wrong", "{}").await, 401, PING).await;
    let get = app.http.get(app.url(PING)).send().await.unwrap();
    assert_eq!(get.headers()["allow"], "POST");
    spring_refusal(get, 405, PING).await;
    // The body is JSON, like every interface's.
    let auth = app.authorization(AK, SK, "POST", PING, "");
    let text = app
        .http
        .post(app.url(PING))
        .header("content-type", "text/plain")
        .header("authorization", auth)
        .send()
        .await
        .unwrap();
    spring_refusal(text, 415, PING).await;
}

#[actix_web::test]
async fn health_and_readiness_answer_200() {
    let app = spawn_app().await;
    let health = json_200(app.http.get(app.url("/healthz")).send().await.unwrap()).await;
    assert_eq!(health["status"], "ok");
    let ready = json_200(app.http.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["source"], "embedded");
}

#[actix_web::test]
async fn metrics_count_requests_by_outcome_and_auth_failures() {
    let app = spawn_app().await;
    let (key, _) = existing_call();
    app.query(&query_body(&key)).await;
    app.query(r#"{"ccId":1,"vdn":9999,"callId":"1-1"}"#).await;
    app.http
        .post(app.url(calldata_model::QUERY_BASIC_CALL_INFO_PATH))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let response = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    for line in [
        r#"calldata_requests_total{route="query",outcome="0100000"} 1"#,
        r#"calldata_requests_total{route="query",outcome="0100002"} 1"#,
        r#"calldata_requests_total{route="query",outcome="401"} 1"#,
        r#"calldata_auth_failures_total{reason="missing"} 1"#,
        r#"calldata_call_source_lookups_total{source="embedded",outcome="found"} 1"#,
        r#"calldata_request_duration_seconds_count{route="query"} 3"#,
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
    }
    assert!(!text.contains(SK));
}

#[actix_web::test]
async fn the_openapi_document_describes_the_public_endpoint() {
    let app = spawn_app().await;
    let doc = json_200(app.http.get(app.url("/openapi.json")).send().await.unwrap()).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let path = &doc["paths"]["/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo"]["post"];
    assert!(path["responses"]["200"].is_object());
    assert!(path["responses"]["401"].is_object());
    let schemas = &doc["components"]["schemas"];
    let call_fields = schemas["BasicCallInfo"]["properties"].as_object().unwrap();
    assert_eq!(call_fields.len(), 25);
    assert_eq!(
        schemas["QueryBasicCallInfo"]["required"],
        serde_json::json!(["ccId", "vdn", "callId"])
    );
}

#[actix_web::test]
async fn plain_http_serves_the_same_api_on_loopback() {
    let app = spawn_app_with(|s| s.plain_http = true).await;
    assert!(app.base_url.starts_with("http://"));
    let (key, _) = existing_call();
    let body: Value = json_200(app.query(&query_body(&key)).await).await;
    assert_eq!(body["resultCode"], "0100000");
}

#[actix_web::test]
async fn https_uses_the_generated_ca_and_reuses_it_on_restart() {
    let app = spawn_app().await;
    assert!(app.base_url.starts_with("https://"));
    let ca = app.data_dir.path().join("tls/ca.pem");
    let first = std::fs::read_to_string(&ca).unwrap();
    app.handle.stop(true).await;
    let data_dir = app.data_dir.path().to_path_buf();
    let again = spawn_app_with(|s| s.data_dir = data_dir.clone()).await;
    assert_eq!(
        std::fs::read_to_string(data_dir.join("tls/ca.pem")).unwrap(),
        first
    );
    let health = json_200(again.http.get(again.url("/healthz")).send().await.unwrap()).await;
    assert_eq!(health["status"], "ok");
}

#[test]
fn docs_openapi_json_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        committed,
        calldata_server::routes::openapi::document_json() + "\n",
        "docs/openapi.json is out of date: run `cargo xtask openapi`"
    );
}

#[actix_web::test]
async fn every_answer_carries_a_request_id_and_a_sane_incoming_one_is_echoed() {
    let app = spawn_app().await;
    let generated = app.http.get(app.url("/healthz")).send().await.unwrap();
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!id.is_empty());
    let echoed = app
        .http
        .get(app.url("/healthz"))
        .header("x-request-id", "crm-1234.abc")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "crm-1234.abc");
    let replaced = app
        .http
        .get(app.url("/healthz"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "bad id with spaces");
}

#[actix_web::test]
async fn a_million_demo_calls_load_and_the_last_one_is_found() {
    let demo = calldata_bms::DemoSettings {
        count: 1_000_000,
        seed: 11,
    };
    let app = spawn_app_with(|s| {
        s.embedded.demo_calls = demo.count;
        s.embedded.demo_seed = demo.seed;
    })
    .await;
    let last = calldata_bms::embedded::demo_records(&demo).last().unwrap();
    let body = json_200(app.query(&query_body(&last.key)).await).await;
    assert_eq!(body["resultCode"], "0100000");
    assert_eq!(
        body["resultDesc"]["callingNum"],
        last.call.calling_num.as_str()
    );
}

#[actix_web::test]
async fn answers_on_one_kept_alive_connection_are_each_counted_under_their_own_outcome() {
    // One worker and one pooled connection: an answer's outcome must not carry over to
    // the next request on the connection, least of all to a refusal, which has none.
    let app = spawn_app().await;
    let (key, _) = existing_call();
    for _ in 0..3 {
        assert_eq!(app.query(&query_body(&key)).await.status(), 200);
        let unsigned = app
            .http
            .post(app.url(calldata_model::QUERY_BASIC_CALL_INFO_PATH))
            .header("content-type", "application/json;charset=UTF-8")
            .body(query_body(&key))
            .send()
            .await
            .unwrap();
        assert_eq!(unsigned.status(), 401);
        let nowhere = app.http.get(app.url("/nowhere")).send().await.unwrap();
        assert_eq!(nowhere.status(), 404);
    }
    let text = app.metrics().await;
    for line in [
        r#"calldata_requests_total{route="query",outcome="0100000"} 3"#,
        r#"calldata_requests_total{route="query",outcome="401"} 3"#,
        r#"calldata_requests_total{route="unknown",outcome="404"} 3"#,
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
    }
}
