//! Starts the real `calldata-server` in-process on 127.0.0.1:0, on its own actix thread,
//! with test keys and a small demo store, so client and CLI tests talk to the real thing.

use std::path::PathBuf;
use std::sync::mpsc;

use actix_web::dev::ServerHandle;
use calldata_bms::DemoSettings;
use calldata_bms::embedded::{demo_records, sample_keys};
use calldata_model::{BasicCallInfo, CallKey};
use calldata_server::Settings;
use calldata_server::config::KeySettings;

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
pub struct RealServer {
    pub url: String,
    pub ca_cert: PathBuf,
    pub data_dir: tempfile::TempDir,
    handle: ServerHandle,
}

impl Drop for RealServer {
    fn drop(&mut self) {
        // `stop` sends the command at once; nobody needs to wait for the drain.
        drop(self.handle.stop(false));
    }
}

/// Starts a server with the test keys, changed by `tweak`.
pub fn spawn_server(tweak: impl FnOnce(&mut Settings)) -> RealServer {
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        workers: 1,
        data_dir: data_dir.path().to_path_buf(),
        ..Settings::default()
    };
    settings.embedded.demo_calls = DEMO.count;
    settings.embedded.demo_seed = DEMO.seed;
    settings.keys = vec![
        key(AK, SK, vec![], vec![]),
        key(SCOPED_AK, SCOPED_SK, vec![65535], vec![5000]),
    ];
    tweak(&mut settings);
    settings.validate().unwrap();

    let (started, ready) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = calldata_server::Application::build(&settings).unwrap();
            let info = (app.address(), app.info().ca_cert.clone(), app.handle());
            started.send(info).unwrap();
            app.run_until_stopped().await
        })
    });
    let (address, ca_cert, handle) = ready.recv().expect("the server did not start");
    RealServer {
        url: format!("https://{address}"),
        ca_cert: ca_cert.expect("the server generated no CA"),
        data_dir,
        handle,
    }
}

/// Starts a server with the test keys.
pub fn spawn_default_server() -> RealServer {
    spawn_server(|_| {})
}

fn key(ak: &str, sk: &str, cc_ids: Vec<u16>, vdns: Vec<u16>) -> KeySettings {
    KeySettings {
        access_key: ak.into(),
        secret_key: Some(sk.to_owned().into()),
        secret_key_file: None,
        cc_ids,
        vdns,
    }
}

/// A demo call every test server holds, and its content.
pub fn existing_call() -> (CallKey, BasicCallInfo) {
    let key = sample_keys(&DEMO, 1)[0];
    let record = demo_records(&DEMO).find(|r| r.key == key).unwrap();
    assert!(
        (key.cc_id.get(), key.vdn.get()) != (65535, 5000),
        "the scoped key must not cover the sample call"
    );
    (key, record.call)
}

/// A closed loopback port: connecting to it is refused.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
