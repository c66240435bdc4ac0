//! The load generator: `oha`, installed from crates.io when missing, run without its TUI and
//! read through its JSON output.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

use crate::command::run_checked;

/// Connections every load run keeps open (keep-alive).
pub(crate) const CONNECTIONS: u32 = 64;

/// The `oha` program, installing it with `cargo install --locked oha` when it is missing.
pub(crate) fn ensure_installed() -> anyhow::Result<PathBuf> {
    if let Some(found) = find() {
        return Ok(found);
    }
    eprintln!(
        "xtask: oha is not installed; installing it with `cargo install --locked oha` \
         (about 6 minutes on 2 cores)"
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut install = Command::new(cargo);
    install.args(["install", "--locked", "oha"]);
    run_checked(install)?;
    find().context("oha was installed but is not on PATH nor in ~/.cargo/bin")
}

fn find() -> Option<PathBuf> {
    let works = |program: &PathBuf| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let on_path = PathBuf::from("oha");
    if works(&on_path) {
        return Some(on_path);
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let installed = home.join("bin").join("oha");
    works(&installed).then_some(installed)
}

/// The version line of `oha`.
pub(crate) fn version(oha: &PathBuf) -> String {
    Command::new(oha)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// One signed POST that `oha` repeats.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// Full URL.
    pub(crate) url: String,
    /// Headers besides `host` and `content-length`, which `oha` writes itself.
    pub(crate) headers: Vec<(String, String)>,
    /// Body.
    pub(crate) body: String,
    /// Skip certificate checks (the server's generated certificate, on loopback).
    pub(crate) insecure: bool,
}

/// What one run measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Measured {
    /// Successful requests per second.
    pub(crate) rps: f64,
    /// 99th percentile latency, milliseconds.
    pub(crate) p99_ms: f64,
    /// Requests answered 200 (or the status the run expected).
    pub(crate) ok: u64,
    /// Average answer size, bytes.
    pub(crate) bytes_per_answer: f64,
    /// Requests the BMS emulator received during the run (BMS target), or the scripts
    /// Redis ran (failed signatures with `state.backend = "redis"`).
    pub(crate) backend_requests: Option<u64>,
}

/// How long and how wide a run is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// `connections` connections for `duration`, as fast as they go or, with a `rate`,
    /// paced to that many requests per second in all (latencies then counted from when each
    /// request was due, not from when it was sent).
    Timed {
        /// Connections.
        connections: u32,
        /// Length of the run.
        duration: Duration,
        /// Requests per second over all connections; `None`: unpaced.
        rate: Option<u32>,
    },
    /// `total` requests over `connections` connections, all at once.
    Count {
        /// Connections.
        connections: u32,
        /// Requests.
        total: u32,
    },
}

/// Runs `oha` once and reads its JSON summary; any status other than 200 is an error.
pub(crate) fn run(oha: &PathBuf, request: &Request, shape: Shape) -> anyhow::Result<Measured> {
    run_expecting(oha, request, shape, 200)
}

/// The same, every answer expected with `status` (401 for a refused signature).
pub(crate) fn run_expecting(
    oha: &PathBuf,
    request: &Request,
    shape: Shape,
    status: u16,
) -> anyhow::Result<Measured> {
    let mut command = Command::new(oha);
    command.args(["--no-tui", "--output-format", "json", "-m", "POST"]);
    match shape {
        Shape::Timed {
            connections,
            duration,
            rate,
        } => {
            command.args([
                "-c".to_owned(),
                connections.to_string(),
                "-z".to_owned(),
                format!("{}ms", duration.as_millis()),
            ]);
            if let Some(rate) = rate {
                command.args([
                    "-q".to_owned(),
                    rate.to_string(),
                    "--latency-correction".to_owned(),
                ]);
            }
        }
        Shape::Count { connections, total } => {
            command.args([
                "-c".to_owned(),
                connections.to_string(),
                "-n".to_owned(),
                total.to_string(),
            ]);
        }
    }
    for (name, value) in &request.headers {
        command.args(["-H".to_owned(), format!("{name}: {value}")]);
    }
    command.args(["-d", &request.body]);
    if request.insecure {
        command.arg("--insecure");
    }
    command.arg(&request.url);
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", oha.display()))?;
    if !output.status.success() {
        bail!(
            "oha failed with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    parse(&output.stdout, &status.to_string()).with_context(|| {
        format!(
            "unreadable oha output: {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn parse(stdout: &[u8], expected: &str) -> anyhow::Result<Measured> {
    let json: serde_json::Value = serde_json::from_slice(stdout)?;
    let statuses = json["statusCodeDistribution"]
        .as_object()
        .context("no statusCodeDistribution")?;
    let mut ok = 0;
    for (status, count) in statuses {
        let count = count.as_u64().unwrap_or(0);
        if status == expected {
            ok = count;
        } else if count > 0 {
            bail!("{count} answers had status {status}");
        }
    }
    if ok == 0 {
        bail!("no request succeeded");
    }
    let summary = &json["summary"];
    let rps = summary["requestsPerSec"]
        .as_f64()
        .context("no summary.requestsPerSec")?;
    let p99 = json["latencyPercentiles"]["p99"]
        .as_f64()
        .context("no latencyPercentiles.p99")?;
    Ok(Measured {
        rps,
        p99_ms: p99 * 1000.0,
        ok,
        bytes_per_answer: summary["sizePerRequest"].as_f64().unwrap_or(0.0),
        backend_requests: None,
    })
}
