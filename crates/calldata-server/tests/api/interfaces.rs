//! Every interface of the model's list (`calldata_model::INTERFACES`) is mounted behind the
//! signed pipeline, counted under a label of its own, and documented in `/openapi.json`:
//! an interface added to the list and forgotten in the server fails here.

use std::collections::HashSet;

use calldata_model::INTERFACES;
use serde_json::Value;

use crate::helpers::{spawn_app, spring_refusal};

#[actix_web::test]
async fn every_interface_is_mounted_signed_post_only_labelled_and_documented() {
    let app = spawn_app().await;
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
        let operation = &document["paths"][interface.path]["post"];
        assert!(
            operation.is_object(),
            "{} not in /openapi.json",
            interface.path
        );
        assert!(
            operation["responses"]["401"].is_object(),
            "{} documents no 401",
            interface.path
        );
    }
}
