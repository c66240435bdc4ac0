//! `spawn_app`: starts the real server on 127.0.0.1:0 with test keys, and a client that
//! signs requests the way a caller would.

use std::path::PathBuf;
use std::time::SystemTime;

use actix_web::dev::ServerHandle;
use calldata_bms::DemoSettings;
use calldata_bms::embedded::{demo_records, sample_keys};
use calldata_model::auth::{
    Credentials, SignableRequest, SigningOptions, TimestampPrecision, sign,
};
use calldata_model::{BasicCallInfo, CallKey, QUERY_BASIC_CALL_INFO_PATH};
use calldata_server::config::KeySettings;
use calldata_server::{Application, Settings};
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

pub struct TestApp {
    pub base_url: String,
    pub host: String,
    pub http: reqwest::Client,
    pub handle: ServerHandle,
    pub data_dir: tempfile::TempDir,
}

pub fn test_settings(data_dir: PathBuf) -> Settings {
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        workers: 1,
        data_dir,
        ..Settings::default()
    };
    settings.embedded.demo_calls = DEMO.count;
    settings.embedded.demo_seed = DEMO.seed;
    settings.keys = vec![
        KeySettings {
            access_key: AK.into(),
            secret_key: Some(SK.to_owned().into()),
            secret_key_file: None,
            cc_ids: vec![],
            vdns: vec![],
        },
        KeySettings {
            access_key: SCOPED_AK.into(),
            secret_key: Some(SCOPED_SK.to_owned().into()),
            secret_key_file: None,
            cc_ids: vec![1],
            vdns: vec![1],
        },
    ];
    settings
}

/// Starts a server with the test settings, changed by `tweak`.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data_dir.path().to_path_buf());
    tweak(&mut settings);
    settings.validate().unwrap();
    let app = Application::build(&settings).unwrap();
    let address = app.address();
    let handle = app.handle();
    let tls = app.info().tls;
    let ca = app.info().ca_cert.clone();
    actix_web::rt::spawn(app.run_until_stopped());
    let mut http = reqwest::Client::builder();
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).unwrap();
        http = http.tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()]);
    }
    let scheme = if tls { "https" } else { "http" };
    let host = format!("127.0.0.1:{}", address.port());
    TestApp {
        base_url: format!("{scheme}://{host}"),
        host,
        http: http.build().unwrap(),
        handle,
        data_dir,
    }
}

/// Starts a server with the test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A demo call that exists in every test server, and its expected content.
pub fn existing_call() -> (CallKey, BasicCallInfo) {
    let key = sample_keys(&DEMO, 1)[0];
    let record = demo_records(&DEMO).find(|r| r.key == key).unwrap();
    (key, record.call)
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
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The Authorization value for a request, signed now with `ak`/`sk`.
    pub fn authorization(
        &self,
        ak: &str,
        sk: &str,
        method: &str,
        path_and_query: &str,
        body: &str,
    ) -> String {
        self.authorization_at(ak, sk, method, path_and_query, body, SystemTime::now())
    }

    pub fn authorization_at(
        &self,
        ak: &str,
        sk: &str,
        method: &str,
        path_and_query: &str,
        body: &str,
        at: SystemTime,
    ) -> String {
        self.authorization_with(
            ak,
            sk,
            (method, path_and_query, body),
            at,
            TimestampPrecision::Seconds,
        )
    }

    /// The Authorization value for `(method, path_and_query, body)`, signed at `at` with
    /// a timestamp of `precision`.
    pub fn authorization_with(
        &self,
        ak: &str,
        sk: &str,
        (method, path_and_query, body): (&str, &str, &str),
        at: SystemTime,
        precision: TimestampPrecision,
    ) -> String {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let mut headers = vec![("host", self.host.clone())];
        let mut signed = vec!["host".to_owned()];
        if !body.is_empty() {
            headers.push(("content-type", "application/json;charset=UTF-8".to_owned()));
            headers.push(("content-length", body.len().to_string()));
            signed.extend(["content-type".to_owned(), "content-length".to_owned()]);
        }
        let request = SignableRequest {
            method,
            path,
            query,
            headers: &headers,
            body: body.as_bytes(),
        };
        let options = SigningOptions {
            signed_headers: signed,
            precision,
            ..SigningOptions::default()
        };
        sign(&Credentials::new(ak, sk), &request, &options, at)
            .unwrap()
            .authorization
    }

    /// The `/metrics` text.
    pub async fn metrics(&self) -> String {
        self.http
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// POSTs `body` to the query endpoint, signed with the full-access key.
    pub async fn query(&self, body: &str) -> reqwest::Response {
        self.query_as(AK, SK, body).await
    }

    pub async fn query_as(&self, ak: &str, sk: &str, body: &str) -> reqwest::Response {
        let auth = self.authorization(ak, sk, "POST", QUERY_BASIC_CALL_INFO_PATH, body);
        self.http
            .post(self.url(QUERY_BASIC_CALL_INFO_PATH))
            .header("content-type", "application/json;charset=UTF-8")
            .header("authorization", auth)
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
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
        let path_and_query = if query.is_empty() {
            "/sandbox/v1/calls".to_owned()
        } else {
            format!("/sandbox/v1/calls?{query}")
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

    /// Sends a sandbox request with the given `Authorization` value (a replay, say).
    pub async fn send_signed(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: &str,
        auth: &str,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .request(method, self.url(path_and_query))
            .header("authorization", auth);
        if !body.is_empty() {
            request = request
                .header("content-type", "application/json;charset=UTF-8")
                .body(body.to_owned());
        }
        request.send().await.unwrap()
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
