//! Every interface of the model's list (`calldata_model::INTERFACES`) is mounted behind the
//! signed pipeline, counted under a label of its own, and documented in `/openapi.json`
//! (`POST` only, its summary, body, answer in its envelope, the refusals of every signed
//! interface, its CTI requirement): an interface added to the list and forgotten in the
//! server fails here.

use std::collections::HashSet;

use calldata_model::{CtiSupport, EnvelopeKind, INTERFACES};
use serde_json::{Value, json};

use crate::helpers::{spawn_app_with, spring_refusal};

#[actix_web::test]
async fn every_interface_is_mounted_signed_post_only_labelled_and_documented() {
    // One unsigned request per interface: more than the lockout's default allowance.
    let app = spawn_app_with(|s| s.lockout.max_failures = 100).await;
    for interface in INTERFACES {
        let unsigned = app
            .http
            .post(app.url(interface.path))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        spring_refusal(unsigned, 401, interface.path).await;
        let get = app.http.get(app.url(interface.path)).send().await.unwrap();
        assert_eq!(get.headers()["allow"], "POST", "{}", interface.name);
        spring_refusal(get, 405, interface.path).await;
    }
    // One 401 per interface, each under its own route label (none under "unknown").
    let metrics = app.metrics().await;
    let labels: HashSet<&str> = metrics
        .lines()
        .filter(|line| {
            line.starts_with("calldata_requests_total{") && line.contains("outcome=\"401\"")
        })
        .filter_map(|line| line.split("route=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(labels.len(), INTERFACES.len(), "{labels:?}");
    assert!(!labels.contains("unknown"), "{labels:?}");

    let document: Value = app
        .http
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for interface in INTERFACES {
        let item = document["paths"][interface.path].as_object();
        assert!(item.is_some(), "{} not in /openapi.json", interface.path);
        assert_eq!(
            item.map(|item| item.keys().map(String::as_str).collect::<Vec<_>>()),
            Some(vec!["post"]),
            "{}",
            interface.path
        );
        let operation = &document["paths"][interface.path]["post"];
        assert_eq!(
            operation["summary"], interface.summary,
            "{}",
            interface.name
        );
        assert_eq!(operation["operationId"], interface.name);
        assert_eq!(operation["security"], json!([{"auth-v2": []}]));
        assert!(
            operation["requestBody"]["content"]["application/json"]["schema"].is_object(),
            "{} documents no body",
            interface.name
        );
        for status in [
            "200", "400", "401", "403", "405", "408", "413", "415", "421", "429",
        ] {
            assert!(
                operation["responses"][status].is_object(),
                "{} documents no {status}",
                interface.path
            );
        }
        assert_eq!(
            operation["responses"]["405"]["headers"]["Allow"]["schema"]["enum"],
            json!(["POST"])
        );
        let answer = &operation["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(
            answer["anyOf"][1]["$ref"], "#/components/schemas/FailureResponse",
            "{}: the 200 is its success or the failure envelope",
            interface.name
        );
        let success = &answer["anyOf"][0];
        match interface.envelope {
            EnvelopeKind::Full => {
                assert!(success["properties"]["result"].is_object());
                assert!(success["properties"]["resultDatas"].is_object());
                assert_eq!(success["required"], json!(["resultCode", "resultDesc"]));
            }
            EnvelopeKind::Short => {
                assert!(success["properties"]["result"].is_null());
                assert_eq!(success["required"], json!(["resultCode", "resultDesc"]));
            }
            EnvelopeKind::Bare => assert!(success["$ref"].is_string(), "{success}"),
        }
        let description = operation["description"].as_str().unwrap();
        assert_eq!(
            description.contains("`0100003`"),
            interface.cti == CtiSupport::V300R008,
            "{}: {description}",
            interface.name
        );
    }
}
