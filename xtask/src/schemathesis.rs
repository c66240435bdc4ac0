//! `cargo xtask schemathesis`: property-based API testing of the running server from its own
//! `/openapi.json` with schemathesis (from `PyPI`; installed with pip when missing). The server
//! binary is started on a free loopback port with a test key; every request is signed by
//! `xtask/schemathesis/calldata_hooks.py` (an independent Python auth-v2), and the checks
//! are: no 5xx, documented status codes, documented content types, responses matching their
//! schemas. The figures go to `target/reliability/schemathesis.json`.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::command::{cargo, run_checked, workspace_root};

const AK: &str = "schemathesis-ak";
const SK: &str = "schemathesis-sk-0123456789";

/// Options of `cargo xtask schemathesis`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Examples per operation.
    #[arg(long, default_value_t = 300)]
    max_examples: u32,
}

impl Args {
    /// Options for a run driven by `cargo xtask reliability`.
    pub(crate) fn with_examples(value: u32) -> Self {
        Self {
            max_examples: value,
        }
    }
}

/// Starts the server, runs schemathesis against it, records the outcome.
pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    ensure_schemathesis()?;
    let mut build = cargo();
    build.args([
        "build",
        "--quiet",
        "-p",
        "calldata-server",
        "--bin",
        "calldata-server",
    ]);
    run_checked(build)?;
    let root = workspace_root();
    let work = root.join("target/reliability/schemathesis");
    std::fs::create_dir_all(&work)?;
    let config = work.join("calldata.toml");
    std::fs::write(
        &config,
        format!(
            "[lockout]\nmax_failures = 1000000\n\n[[keys]]\naccess_key = \"{AK}\"\nsecret_key = \"{SK}\"\n"
        ),
    )?;
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut server = Command::new(root.join("target/debug/calldata-server"))
        .args(["--plain-http", "--log-filter", "warn", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--config")
        .arg(&config)
        .env("CALLDATA_DATA_DIR", work.join("data"))
        .stdout(Stdio::null())
        .spawn()
        .context("starting calldata-server")?;
    let base = format!("http://127.0.0.1:{port}");
    let outcome = wait_listening(port).and_then(|()| {
        let output = Command::new("schemathesis")
            .args(["run", &format!("{base}/openapi.json"), "--url", &base])
            .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"])
            .args(["--max-examples", &args.max_examples.to_string()])
            .env("SCHEMATHESIS_HOOKS", "calldata_hooks")
            .env("PYTHONPATH", root.join("xtask/schemathesis"))
            .env("CALLDATA_AK", AK)
            .env("CALLDATA_SK", SK)
            .output()
            .context("running schemathesis")?;
        Ok((output, outcomes(port)))
    });
    let _ = server.kill();
    let _ = server.wait();
    let (output, outcomes) = outcome?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    eprintln!("{text}");
    let record = serde_json::json!({
        "tool": "schemathesis",
        "max_examples_per_operation": args.max_examples,
        "passed": output.status.success(),
        "server_outcomes": outcomes,
        "summary": text.lines().rev().filter(|l| !l.trim().is_empty()).take(12).collect::<Vec<_>>(),
    });
    std::fs::write(
        root.join("target/reliability/schemathesis.json"),
        serde_json::to_string_pretty(&record)?,
    )?;
    if !output.status.success() {
        bail!("schemathesis found problems (see above)");
    }
    Ok(())
}

/// The server's request counters by route and outcome, read from `/metrics`.
fn outcomes(port: u16) -> Vec<String> {
    use std::io::{Read, Write};
    let mut text = String::new();
    if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
        let _ = stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let _ = stream.read_to_string(&mut text);
    }
    text.lines()
        .filter(|l| l.starts_with("calldata_requests_total{"))
        .map(|l| l.trim_start_matches("calldata_requests_total").to_owned())
        .collect()
}

fn ensure_schemathesis() -> anyhow::Result<()> {
    let installed = Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!("xtask: schemathesis is missing; installing it with pip");
        let mut pip = Command::new("python3");
        pip.args(["-m", "pip", "install", "--quiet", "schemathesis"]);
        run_checked(pip)?;
    }
    Ok(())
}

fn wait_listening(port: u16) -> anyhow::Result<()> {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(30) {
            bail!("calldata-server did not listen on port {port} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}
