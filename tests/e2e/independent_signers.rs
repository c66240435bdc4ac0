//! Two auth-v2 signers that share no code with ours (issue 13), written from the contract
//! text in the style of Huawei's demo: `tests/signers/HuaweiDemoSigner.java` (signs only
//! `host`, second timestamps) and `tests/signers/huawei_demo_signer.py` (signs
//! `content-length;content-type;host`, millisecond timestamps, the empty query line).
//! Against the real server binary over plain HTTP, each one passes the vectors, gets the
//! echo from `POST /rest/cmsapp/v1/ping`, queries a demo call, gets 405 with `Allow: POST`
//! for a GET ping, and 401 with a wrong SK. A missing `java` or `python3` is installed with
//! apt-get, or the test fails: it never skips.

use std::path::{Path, PathBuf};
use std::time::Duration;

use calldata_bms::DemoSettings;
use calldata_bms::embedded::demo_records;
use calldata_model::{BasicCallInfo, PING_PATH, QUERY_BASIC_CALL_INFO_PATH};
use calldata_testkit::process::start_plain_server;
use serde_json::Value;
use tokio::process::Command;

const AK: &str = "independent-signer-ak";
const SK: &str = "independent-signer-sk-0123456789";
/// The reference's ping body, with its space after `:`, which the echo keeps.
const PING_BODY: &str = r#"{"say": "Hello world!"}"#;

/// One of the two signers: the interpreter that runs it and its source file.
struct Signer {
    program: &'static str,
    apt_package: &'static str,
    script: &'static str,
}

const JAVA: Signer = Signer {
    program: "java",
    apt_package: "default-jdk-headless",
    script: "HuaweiDemoSigner.java",
};

const PYTHON: Signer = Signer {
    program: "python3",
    apt_package: "python3",
    script: "huawei_demo_signer.py",
};

/// What a signer printed for one request: status, body, and the `< name: value` header
/// lines it writes to stderr.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: String,
    headers: Vec<(String, String)>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn tests_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The vectors, from the copy the model crate's own tests read (the same file as
/// `shared/spec/vectors/auth-v2.json`).
fn vectors_file() -> PathBuf {
    tests_dir().join("../crates/calldata-model/tests/data/auth-v2.json")
}

impl Signer {
    /// Runs the signer with `args`; returns its exit status, stdout and stderr.
    async fn run(&self, args: &[&str]) -> (std::process::ExitStatus, String, String) {
        let script = tests_dir().join("signers").join(self.script);
        let output = tokio::time::timeout(
            // The Java launcher compiles the source on every run: seconds, on 2 cores.
            Duration::from_secs(60),
            Command::new(self.program)
                .arg(&script)
                .args(args)
                .kill_on_drop(true)
                .output(),
        )
        .await
        .unwrap_or_else(|_| panic!("{} {} {args:?} ran over 60 s", self.program, self.script))
        .unwrap();
        (
            output.status,
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Sends one request with the signer's CLI and reads what it printed.
    async fn send(&self, args: &[&str]) -> Answer {
        let (status, stdout, stderr) = self.run(args).await;
        assert!(
            status.success(),
            "{} {args:?}: {status}\n{stdout}\n{stderr}",
            self.script
        );
        let (code, body) = stdout
            .split_once('\n')
            .unwrap_or_else(|| panic!("{}: no status line in {stdout:?}", self.script));
        let headers = stderr
            .lines()
            .filter_map(|line| line.strip_prefix("< "))
            .filter_map(|line| line.split_once(": "))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        Answer {
            status: code.trim().parse().unwrap(),
            body: body.strip_suffix('\n').unwrap_or(body).to_owned(),
            headers,
        }
    }

    /// Every check of issue 13 for this signer, against a fresh server.
    async fn proves_the_server(&self) {
        calldata_e2e::ensure_installed(self.program, "--version", self.apt_package).unwrap();

        let vectors = vectors_file();
        let (status, stdout, stderr) = self.run(&["--vectors", vectors.to_str().unwrap()]).await;
        assert!(
            status.success(),
            "{} fails the vectors:\n{stdout}\n{stderr}",
            self.script
        );
        let file: Value =
            serde_json::from_str(&std::fs::read_to_string(&vectors).unwrap()).unwrap();
        let cases = file["cases"].as_array().unwrap().len();
        let passed = stdout.lines().filter(|l| l.starts_with("ok ")).count();
        assert_eq!(
            passed, cases,
            "{} checked too few vectors:\n{stdout}",
            self.script
        );

        let data = tempfile::tempdir().unwrap();
        let config = data.path().join("calldata.toml");
        std::fs::write(
            &config,
            format!("[[keys]]\naccess_key = \"{AK}\"\nsecret_key = \"{SK}\"\n"),
        )
        .unwrap();
        let (mut server, address) = start_plain_server(
            data.path(),
            "127.0.0.1:0",
            &["--config", config.to_str().unwrap()],
        )
        .await
        .unwrap();
        let _logs = server.drain_stderr(50);
        let base = format!("http://{address}");

        let ping = self.send(&[&base, AK, SK, PING_PATH, PING_BODY]).await;
        assert_eq!(ping.status, 200, "{} ping: {ping:?}", self.script);
        assert_eq!(
            ping.body,
            format!(r#"{{"request":{PING_BODY},"status":"UP"}}"#),
            "{} ping echo",
            self.script
        );

        let record = demo_records(&DemoSettings::default()).next().unwrap();
        let key = record.key;
        let body = format!(
            r#"{{"ccId":{},"vdn":{},"callId":"{}"}}"#,
            key.cc_id, key.vdn, key.call_id
        );
        let query = self
            .send(&[&base, AK, SK, QUERY_BASIC_CALL_INFO_PATH, &body])
            .await;
        assert_eq!(query.status, 200, "{} query: {query:?}", self.script);
        let answer: Value = serde_json::from_str(&query.body).unwrap();
        assert_eq!(answer["resultCode"], "0100000", "{answer}");
        // The call asked for, not just any call: its start time is the callId's first part,
        // and every field is the demo record's.
        let call_id = key.call_id.to_string();
        let started = call_id.split_once('-').unwrap().0;
        assert_eq!(
            answer["resultDesc"]["time"].to_string(),
            started,
            "{answer}"
        );
        let call: BasicCallInfo = serde_json::from_value(answer["resultDesc"].clone()).unwrap();
        assert_eq!(call, record.call, "{} got another call", self.script);

        let get = self.send(&["--get", &base, AK, SK, PING_PATH]).await;
        assert_eq!(get.status, 405, "{} GET ping: {get:?}", self.script);
        assert_eq!(get.header("allow"), Some("POST"), "{get:?}");

        let wrong_sk = format!("{SK}-wrong");
        let refused = self
            .send(&[&base, AK, &wrong_sk, PING_PATH, PING_BODY])
            .await;
        assert_eq!(refused.status, 401, "{} wrong SK: {refused:?}", self.script);

        server.stop("TERM").await.unwrap();
    }
}

#[tokio::test]
async fn the_java_host_only_signer_gets_the_ping_echo_a_demo_call_405_and_401() {
    JAVA.proves_the_server().await;
}

#[tokio::test]
async fn the_python_millisecond_empty_query_line_signer_gets_the_ping_echo_a_demo_call_405_and_401()
{
    PYTHON.proves_the_server().await;
}
