//! Transport-level refusals: 405, 415, 413, 404, all in the Spring error format.

use calldata_model::QUERY_BASIC_CALL_INFO_PATH;

use crate::helpers::{AK, SK, spawn_app, spring_refusal};

#[actix_web::test]
async fn other_methods_on_the_query_path_get_405_with_allow_post() {
    let app = spawn_app().await;
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let response = app
            .http
            .request(method, app.url(QUERY_BASIC_CALL_INFO_PATH))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], "POST");
        spring_refusal(response, 405, QUERY_BASIC_CALL_INFO_PATH).await;
    }
}

#[actix_web::test]
async fn a_body_that_is_not_declared_json_gets_415() {
    let app = spawn_app().await;
    let body = r#"{"ccId":1,"vdn":1,"callId":"1-1"}"#;
    for content_type in [
        Some("text/plain"),
        Some("application/json; charset=latin1"),
        None,
    ] {
        let mut request = app
            .http
            .post(app.url(QUERY_BASIC_CALL_INFO_PATH))
            .body(body);
        if let Some(value) = content_type {
            request = request.header("content-type", value);
        }
        let response = request.send().await.unwrap();
        spring_refusal(response, 415, QUERY_BASIC_CALL_INFO_PATH).await;
    }
}

#[actix_web::test]
async fn a_body_above_16_kib_gets_413_before_any_signature_check() {
    let app = spawn_app().await;
    let body = format!(
        r#"{{"ccId":1,"vdn":1,"callId":"1-1","pad":"{}"}}"#,
        "x".repeat(17 * 1024)
    );
    let auth = app.authorization(AK, SK, "POST", QUERY_BASIC_CALL_INFO_PATH, &body);
    let response = app
        .http
        .post(app.url(QUERY_BASIC_CALL_INFO_PATH))
        .header("content-type", "application/json")
        .header("authorization", auth)
        .body(body)
        .send()
        .await
        .unwrap();
    spring_refusal(response, 413, QUERY_BASIC_CALL_INFO_PATH).await;
}

#[actix_web::test]
async fn a_body_just_under_the_limit_is_read() {
    let app = spawn_app().await;
    let head = r#"{"ccId":1,"vdn":1,"callId":"1-1","pad":""#;
    let body = format!("{head}{}\"}}", "x".repeat(16 * 1024 - head.len() - 2));
    assert_eq!(body.len(), 16 * 1024);
    let response = app.query(&body).await;
    assert_eq!(response.status(), 200);
}

#[actix_web::test]
async fn unknown_paths_get_404() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/rest/cmsapp/v1/openapi/calldata/other",
        "/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo/x",
    ] {
        let response = app.http.post(app.url(path)).send().await.unwrap();
        spring_refusal(response, 404, path).await;
    }
}
