//! The server these tests run against: the kit's in-process server
//! (`calldata_testkit::app`) on 127.0.0.1:0 with two test keys and 200 demo calls, and
//! what these tests ask of it (signed queries and sandbox requests, envelope checks).

use std::ops::Deref;
use std::path::PathBuf;
use std::time::SystemTime;

use calldata_bms::DemoSettings;
use calldata_model::auth::TimestampPrecision;
use calldata_model::{BasicCallInfo, CallKey, QUERY_BASIC_CALL_INFO_PATH};
use calldata_server::Settings;
use calldata_testkit::app::{self, key};
use serde_json::Value;

/// Full-access test key.
pub const AK: &str = "test-ak";
pub const SK: &str = "test-sk-0123456789";
/// Key limited to ccId 1, vdn 1.
pub const SCOPED_AK: &str = "scoped-ak";
pub const SCOPED_SK: &str = "scoped-sk-0123456789";

pub const DEMO: DemoSettings = DemoSettings {
    count: 200,
    seed: 7,
};

/// The kit's running server (its address, client, signing, metrics), with the requests
/// these tests send.
pub struct TestApp(app::TestApp);

impl Deref for TestApp {
    type Target = app::TestApp;

    fn deref(&self) -> &app::TestApp {
        &self.0
    }
}

pub fn test_settings(data_dir: PathBuf) -> Settings {
    app::settings(
        data_dir,
        DEMO,
        vec![
            key(AK, SK, vec![], vec![]),
            key(SCOPED_AK, SCOPED_SK, vec![1], vec![1]),
        ],
    )
}

/// Starts a server with the test settings, changed by `tweak`.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    TestApp(app::TestApp::spawn(|data_dir| {
        let mut settings = test_settings(data_dir);
        tweak(&mut settings);
        settings
    }))
}

/// Starts a server with the test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A demo call that exists in every test server, and its expected content.
pub fn existing_call() -> (CallKey, BasicCallInfo) {
    app::demo_call(&DEMO)
}

/// Checks a success body in the default (legacy fields) envelope: `expected` in
/// `resultDesc`, the same object in `resultDatas`, the fields in wire order.
pub fn assert_found_envelope(text: &str, expected: &BasicCallInfo) {
    assert!(
        text.starts_with(r#"{"result":"0","resultCode":"0100000","resultDatas":{"time":"#),
        "{text}"
    );
    let body: Value = serde_json::from_str(text).unwrap();
    let call: BasicCallInfo = serde_json::from_value(body["resultDesc"].clone()).unwrap();
    assert_eq!(&call, expected);
    assert_eq!(body["resultDatas"], body["resultDesc"]);
}

pub fn query_body(key: &CallKey) -> String {
    format!(
        r#"{{"ccId":{},"vdn":{},"callId":"{}"}}"#,
        key.cc_id, key.vdn, key.call_id
    )
}

impl TestApp {
    /// POSTs `body` to the query endpoint, signed with the full-access key.
    pub async fn query(&self, body: &str) -> reqwest::Response {
        self.query_as(AK, SK, body).await
    }

    pub async fn query_as(&self, ak: &str, sk: &str, body: &str) -> reqwest::Response {
        self.post_signed(ak, sk, QUERY_BASIC_CALL_INFO_PATH, body)
            .await
    }

    /// Sends a signed sandbox request.
    pub async fn sandbox(
        &self,
        method: reqwest::Method,
        query: &str,
        body: &str,
    ) -> reqwest::Response {
        self.sandbox_as(AK, SK, method, query, body).await
    }

    pub async fn sandbox_as(
        &self,
        ak: &str,
        sk: &str,
        method: reqwest::Method,
        query: &str,
        body: &str,
    ) -> reqwest::Response {
        self.sandbox_at("/sandbox/v1/calls", (ak, sk), method, query, body)
            .await
    }

    /// Sends a signed request to the sandbox path `path`.
    pub async fn sandbox_at(
        &self,
        path: &str,
        (ak, sk): (&str, &str),
        method: reqwest::Method,
        query: &str,
        body: &str,
    ) -> reqwest::Response {
        let path_and_query = if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        };
        // Milliseconds: a sandbox change is accepted once per signature, and tests send the
        // same change twice within a second.
        let auth = self.authorization_with(
            ak,
            sk,
            (method.as_str(), &path_and_query, body),
            SystemTime::now(),
            TimestampPrecision::Milliseconds,
        );
        self.send_signed(method, &path_and_query, body, &auth).await
    }
}

/// Reads a JSON body, asserting HTTP 200.
pub async fn json_200(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 200, "unexpected status");
    response.json().await.unwrap()
}

/// Asserts a Spring-style refusal with `status` and returns its message.
pub async fn spring_refusal(response: reqwest::Response, status: u16, path: &str) -> String {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert_eq!(body["path"], path);
    assert!(body["timestamp"].as_u64().unwrap() > 1_700_000_000_000);
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
    body["message"].as_str().unwrap().to_owned()
}
