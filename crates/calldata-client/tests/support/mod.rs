//! The server client and CLI tests talk to: the kit's in-process `calldata-server`
//! (`calldata_testkit::app`) on 127.0.0.1:0 over TLS, on its own actix thread, with test
//! keys and a small demo store, so that these tests meet the real thing.

use std::time::Duration;

use calldata_bms::DemoSettings;
use calldata_client::{Client, Credentials, RetryPolicy};
use calldata_model::{BasicCallInfo, CallKey};
use calldata_server::Settings;
use calldata_testkit::app::{self, TestApp, key};

/// Full-access test key.
pub const AK: &str = "client-test-ak";
pub const SK: &str = "client-test-sk-0123456789";
/// A key allowed only ccId 65535, vdn 5000.
pub const SCOPED_AK: &str = "client-scoped-ak";
pub const SCOPED_SK: &str = "client-scoped-sk-0123456789";

pub const DEMO: DemoSettings = DemoSettings {
    count: 50,
    seed: 11,
};

/// A running server; stopped when dropped.
pub type RealServer = TestApp;

/// Starts a server with the test keys, changed by `tweak`.
pub fn spawn_server(tweak: impl FnOnce(&mut Settings)) -> RealServer {
    let server = TestApp::spawn_on_thread(|data_dir| {
        let mut settings = app::settings(
            data_dir,
            DEMO,
            vec![
                key(AK, SK, vec![], vec![]),
                key(SCOPED_AK, SCOPED_SK, vec![65535], vec![5000]),
            ],
        );
        tweak(&mut settings);
        settings
    });
    assert!(server.ca_cert.is_some(), "the server generated no CA");
    server
}

/// Starts a server with the test keys.
pub fn spawn_default_server() -> RealServer {
    spawn_server(|_| {})
}

/// A demo call every test server holds, and its content.
pub fn existing_call() -> (CallKey, BasicCallInfo) {
    let (key, call) = app::demo_call(&DEMO);
    assert!(
        (key.cc_id.get(), key.vdn.get()) != (65535, 5000),
        "the scoped key must not cover the sample call"
    );
    (key, call)
}

/// A client of `server` with the full-access key and no retries: a test sees each answer
/// as the server gave it.
pub fn client(server: &RealServer) -> Client {
    Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::new(AK, SK))
        .ca_cert_file(server.ca_cert())
        .retry_policy(RetryPolicy::new(
            0,
            Duration::from_millis(1),
            Duration::from_millis(1),
        ))
        .build()
        .unwrap()
}
