//! The server in-process: `calldata_server::Application` built from `Settings` on
//! 127.0.0.1:0 in a temporary data directory, run on the test's actix runtime
//! ([`TestApp::spawn`]) or on a thread of its own ([`TestApp::spawn_on_thread`], for
//! tests that are not async or run on tokio), with an HTTP(S) client that trusts its CA
//! and signs requests the way a caller would.
//!
//! The server's own integration tests use this too: a dev-dependency cycle cargo allows,
//! since the kit links the server's library, not its test build.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::SystemTime;

use actix_web::dev::ServerHandle;
use calldata_bms::DemoSettings;
use calldata_bms::embedded::{demo_records, sample_keys};
use calldata_model::auth::{JSON_CONTENT_TYPE, TimestampPrecision};
use calldata_model::{BasicCallInfo, CallKey};
use calldata_server::config::KeySettings;
use calldata_server::{Application, Settings};

use crate::sign::{Options, authorization};

/// Settings of a test server: 127.0.0.1:0, one worker, its data in `data_dir`, `demo`
/// calls in the embedded store (the snapshot: the simulation off, so that tests see fixed
/// calls), and `keys`.
pub fn settings(data_dir: PathBuf, demo: DemoSettings, keys: Vec<KeySettings>) -> Settings {
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        workers: 1,
        data_dir,
        ..Settings::default()
    };
    settings.embedded.demo_calls = demo.count;
    settings.embedded.demo_seed = demo.seed;
    settings.embedded.simulation.enabled = false;
    settings.keys = keys;
    settings
}

/// An access key with its secret inline, limited to `cc_ids` and `vdns` (empty: all).
pub fn key(ak: &str, sk: &str, cc_ids: Vec<u16>, vdns: Vec<u16>) -> KeySettings {
    KeySettings {
        access_key: ak.into(),
        secret_key: Some(sk.to_owned().into()),
        secret_key_file: None,
        cc_ids,
        vdns,
    }
}

/// The first sample call of the `demo` store, and its content.
pub fn demo_call(demo: &DemoSettings) -> (CallKey, BasicCallInfo) {
    let key = sample_keys(demo, 1)[0];
    let record = demo_records(demo).find(|r| r.key == key).unwrap();
    (key, record.call)
}

/// A running server; told to stop when dropped.
#[derive(Debug)]
pub struct TestApp {
    /// Where it listens.
    pub address: SocketAddr,
    /// `127.0.0.1:<port>`, the `Host` requests are sent and signed with.
    pub host: String,
    /// `http://` or `https://` and the host.
    pub base_url: String,
    /// A client that trusts the server's CA (over TLS).
    pub http: reqwest::Client,
    /// Stops the server.
    pub handle: ServerHandle,
    /// The CA certificate the server generated, over TLS.
    pub ca_cert: Option<PathBuf>,
    /// The temporary data directory (removed when dropped).
    pub data_dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // `stop` sends the command at once; nobody needs to wait for the drain.
        drop(self.handle.stop(false));
    }
}

impl TestApp {
    /// Builds a server from `settings` (given a fresh temporary data directory) and runs
    /// it on the current actix runtime (`#[actix_web::test]`).
    pub fn spawn(settings: impl FnOnce(PathBuf) -> Settings) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let settings = settings(data_dir.path().to_path_buf());
        settings.validate().unwrap();
        let app = Application::build(&settings).unwrap();
        let (address, handle) = (app.address(), app.handle());
        let (tls, ca_cert) = (app.info().tls, app.info().ca_cert.clone());
        actix_web::rt::spawn(app.run_until_stopped());
        Self::new(address, tls, ca_cert, handle, data_dir)
    }

    /// Builds a server from `settings` (given a fresh temporary data directory) and runs
    /// it on a thread of its own, with its own actix system: for tests that are not async
    /// or run on another runtime.
    pub fn spawn_on_thread(settings: impl FnOnce(PathBuf) -> Settings) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let settings = settings(data_dir.path().to_path_buf());
        settings.validate().unwrap();
        let (started, ready) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(&settings).unwrap();
                let info = (
                    app.address(),
                    app.info().tls,
                    app.info().ca_cert.clone(),
                    app.handle(),
                );
                started.send(info).unwrap();
                app.run_until_stopped().await
            })
        });
        let (address, tls, ca_cert, handle) = ready.recv().expect("the server did not start");
        Self::new(address, tls, ca_cert, handle, data_dir)
    }

    fn new(
        address: SocketAddr,
        tls: bool,
        ca_cert: Option<PathBuf>,
        handle: ServerHandle,
        data_dir: tempfile::TempDir,
    ) -> Self {
        let mut http = reqwest::Client::builder();
        if let Some(ca) = &ca_cert {
            let pem = std::fs::read(ca).unwrap();
            http = http.tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()]);
        }
        let scheme = if tls { "https" } else { "http" };
        let host = format!("127.0.0.1:{}", address.port());
        Self {
            address,
            base_url: format!("{scheme}://{host}"),
            host,
            http: http.build().unwrap(),
            handle,
            ca_cert,
            data_dir,
        }
    }

    /// The URL of `path` (with its query, if any).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The CA certificate of a server over TLS.
    pub fn ca_cert(&self) -> &Path {
        self.ca_cert.as_deref().expect("the server runs over TLS")
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

    /// The Authorization value for a request, signed at `at` with `ak`/`sk`.
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
    /// a timestamp of `precision`, over `host` and, with a body, its type and length.
    pub fn authorization_with(
        &self,
        ak: &str,
        sk: &str,
        (method, path_and_query, body): (&str, &str, &str),
        at: SystemTime,
        precision: TimestampPrecision,
    ) -> String {
        authorization(
            (ak, sk),
            &self.host,
            (method, path_and_query, body.as_bytes()),
            &Options::at(at).precision(precision),
        )
    }

    /// The `/metrics` text.
    pub async fn metrics(&self) -> String {
        crate::metrics::fetch(&self.http, &self.base_url)
            .await
            .unwrap()
    }

    /// POSTs the JSON `body` to `path`, signed now with `ak`/`sk`.
    pub async fn post_signed(
        &self,
        ak: &str,
        sk: &str,
        path: &str,
        body: &str,
    ) -> reqwest::Response {
        let auth = self.authorization(ak, sk, "POST", path, body);
        self.http
            .post(self.url(path))
            .header("content-type", JSON_CONTENT_TYPE)
            .header("authorization", auth)
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// Sends a request with the given `Authorization` value (a replay, say), the body as
    /// JSON when there is one.
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
                .header("content-type", JSON_CONTENT_TYPE)
                .body(body.to_owned());
        }
        request.send().await.unwrap()
    }
}
