//! The OpenAPI document against the server that serves it: a valid OpenAPI 3.1 document
//! (checked by `openapi-spec-validator` from `PyPI`, installed with pip when missing), every
//! documented operation served and answering only documented statuses, every other method
//! refused with the documented `Allow`, and the sandbox's path served only with the sandbox
//! on.

use std::collections::BTreeSet;
use std::process::Command;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{json_200, spawn_app, spawn_app_with};

/// The methods tried on every documented path.
const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
];

/// The document as the code builds it.
fn document() -> Value {
    serde_json::from_str(&calldata_server::routes::openapi::document_json()).unwrap()
}

/// The methods documented on `item`, upper case.
fn documented_methods(item: &Value) -> BTreeSet<String> {
    METHODS
        .iter()
        .map(Method::as_str)
        .filter(|method| item[method.to_ascii_lowercase()].is_object())
        .map(str::to_owned)
        .collect()
}

/// Whether `python3` imports the validator.
fn validator_present() -> bool {
    Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Installs `openapi-spec-validator` with pip when `python3` does not have it: for the
/// user, or, inside a virtual environment (where pip refuses `--user`), into it.
fn ensure_validator() {
    if validator_present() {
        return;
    }
    let pip = |user: bool| {
        let mut command = Command::new("python3");
        command.args(["-m", "pip", "install", "--quiet"]);
        if user {
            command.arg("--user");
        }
        command
            .arg("openapi-spec-validator")
            .output()
            .is_ok_and(|output| output.status.success())
    };
    let installed = pip(true) || pip(false);
    assert!(
        installed && validator_present(),
        "openapi-spec-validator is missing and `python3 -m pip install --user \
         openapi-spec-validator` did not install it"
    );
}

#[test]
fn the_document_is_valid_openapi_3_1() {
    let text = calldata_server::routes::openapi::document_json();
    let parsed: Value = serde_json::from_str(&text).unwrap();
    // utoipa writes 3.1.0; the validator is told so rather than left to guess.
    assert_eq!(parsed["openapi"], "3.1.0");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &text).unwrap();
    ensure_validator();
    let output = Command::new("python3")
        .args(["-m", "openapi_spec_validator", "--schema", "3.1"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openapi-spec-validator refused the document:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[actix_web::test]
async fn every_documented_operation_is_served_and_every_other_method_is_refused() {
    let app = spawn_app().await;
    let served = json_200(app.http.get(app.url("/openapi.json")).send().await.unwrap()).await;
    let doc = document();
    assert_eq!(
        served, doc,
        "/openapi.json is not the document the code builds"
    );
    let paths = doc["paths"].as_object().unwrap();
    for (path, item) in paths {
        let documented = documented_methods(item);
        assert!(!documented.is_empty(), "{path} documents no method");
        for method in METHODS {
            // Unsigned and without a body: every signed operation refuses it, with a
            // status it documents.
            let response = app
                .http
                .request(method.clone(), app.url(path))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            if documented.contains(method.as_str()) {
                let operation = &item[method.as_str().to_ascii_lowercase()];
                assert!(
                    operation["responses"][status.to_string()].is_object(),
                    "{method} {path} answered {status}, which it does not document"
                );
                assert_ne!(status, 404, "{method} {path} is documented, not served");
                assert_ne!(status, 405, "{method} {path} is documented, not served");
            } else {
                assert_eq!(status, 405, "{method} {path} is served undocumented");
                let allow: BTreeSet<String> = response.headers()["allow"]
                    .to_str()
                    .unwrap()
                    .split(", ")
                    .map(str::to_owned)
                    .collect();
                assert_eq!(allow, documented, "{path}: Allow and the document differ");
            }
        }
    }
}

#[test]
fn signed_operations_name_auth_v2_and_unsigned_ones_no_security() {
    let doc = document();
    assert!(doc["components"]["securitySchemes"]["auth-v2"].is_object());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in documented_methods(item) {
            let operation = &item[method.to_ascii_lowercase()];
            let tag = operation["tags"][0].as_str().unwrap();
            match tag {
                "cc-cms" | "sandbox" => {
                    assert_eq!(
                        operation["security"],
                        serde_json::json!([{"auth-v2": []}]),
                        "{method} {path}"
                    );
                    for status in ["401", "403", "405", "421", "429"] {
                        assert!(
                            operation["responses"][status].is_object(),
                            "{method} {path} documents no {status}"
                        );
                    }
                }
                "operations" => {
                    assert!(operation.get("security").is_none(), "{method} {path}");
                    assert_eq!(method, "GET", "{path}");
                    assert!(operation["responses"]["405"].is_object(), "{path}");
                }
                other => panic!("{method} {path} has tag {other}"),
            }
        }
    }
}

#[actix_web::test]
async fn without_the_sandbox_its_documented_path_answers_the_documented_404() {
    let app = spawn_app_with(|settings| settings.embedded.sandbox = false).await;
    let served = json_200(app.http.get(app.url("/openapi.json")).send().await.unwrap()).await;
    let doc = document();
    assert_eq!(served, doc);
    for (path, count) in [
        (calldata_server::routes::SANDBOX_CALLS_PATH, 5),
        (calldata_server::routes::SANDBOX_AGENTS_PATH, 3),
    ] {
        let item = &doc["paths"][path];
        let documented = documented_methods(item);
        assert_eq!(documented.len(), count, "{documented:?}");
        for method in documented {
            let operation = &item[method.to_ascii_lowercase()];
            assert_eq!(operation["tags"], serde_json::json!(["sandbox"]));
            assert!(operation["responses"]["404"].is_object(), "{method}");
            let response = app
                .http
                .request(method.parse().unwrap(), app.url(path))
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                404,
                "{method} {path} without the sandbox"
            );
        }
    }
}
