//! `cargo xtask soak --minutes N`: mixed traffic (valid, invalid, unauthenticated, unknown
//! calls) from 8 tasks against the release server in front of the release `bms-emulator`
//! for N minutes; reports requests, answers by class, errors, p50/p99/max latency and the
//! server's RSS after warm-up and at the end, to stdout and `target/reliability/soak.json`.
//! The server runs with a very high lockout threshold: the unauthenticated share of the
//! traffic would otherwise lock the loopback address out, which is not what a soak measures.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};
use calldata_bms::DemoSettings;
use calldata_bms::embedded::demo_records;
use calldata_model::auth::{Credentials, sign_json_post};
use calldata_model::{CallKey, QUERY_BASIC_CALL_INFO_PATH};

use crate::command::{cargo, run_checked, workspace_root};

const AK: &str = "soak-ak";
const SK: &str = "soak-sk-5f1e2d3c4b5a";
const TASKS: usize = 8;

/// Options of `cargo xtask soak`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Minutes of traffic (fractions allowed, e.g. 0.5).
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
}

/// A child process killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Args {
    /// Options for a run driven by `cargo xtask reliability`.
    pub(crate) fn with_minutes(value: f64) -> Self {
        Self { minutes: value }
    }
}

/// Runs the soak and writes its report.
pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    if !(args.minutes > 0.0 && args.minutes <= 24.0 * 60.0) {
        bail!("--minutes must be above 0 and at most a day");
    }
    let mut build = cargo();
    build.args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "calldata-server",
        "-p",
        "calldata-bms-emulator",
        "--bins",
    ]);
    run_checked(build)?;
    let root = workspace_root();
    let work = root.join("target/reliability/soak");
    std::fs::create_dir_all(&work)?;
    let config = work.join("calldata.toml");
    std::fs::write(
        &config,
        format!(
            "[lockout]\nmax_failures = 1000000000\n\n[[keys]]\naccess_key = \"{AK}\"\nsecret_key = \"{SK}\"\n"
        ),
    )?;
    let bms_port = free_port()?;
    let _emulator = Proc(
        Command::new(root.join("target/release/bms-emulator"))
            .args(["--listen", &format!("127.0.0.1:{bms_port}")])
            .stdout(Stdio::null())
            .spawn()
            .context("starting bms-emulator")?,
    );
    let port = free_port()?;
    let server = Proc(
        Command::new(root.join("target/release/calldata-server"))
            .args(["--plain-http", "--log-filter", "warn", "--backend", "bms"])
            .args(["--bms-url", &format!("http://127.0.0.1:{bms_port}")])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--config")
            .arg(&config)
            .env("CALLDATA_DATA_DIR", work.join("data"))
            .stdout(Stdio::null())
            .spawn()
            .context("starting calldata-server")?,
    );
    wait_listening(bms_port)?;
    wait_listening(port)?;
    let pid = server.0.id();
    let duration = Duration::from_secs_f64(args.minutes * 60.0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(drive(port, pid, duration))?;
    drop(server);
    let text = serde_json::to_string_pretty(&report)?;
    println_report(&text);
    std::fs::write(root.join("target/reliability/soak.json"), text + "\n")?;
    if report["rss_growth_after_warmup_percent"]
        .as_f64()
        .unwrap_or(0.0)
        > 10.0
        && args.minutes >= 10.0
    {
        bail!("RSS grew by more than 10% after warm-up");
    }
    Ok(())
}

#[allow(clippy::print_stdout)] // the report is the command's output
fn println_report(text: &str) {
    println!("{text}");
}

/// Per-task tallies.
#[derive(Default)]
struct Tally {
    outcomes: BTreeMap<String, u64>,
    micros: Vec<u32>,
}

async fn drive(port: u16, pid: u32, duration: Duration) -> anyhow::Result<serde_json::Value> {
    let keys: Arc<Vec<CallKey>> = Arc::new(
        demo_records(&DemoSettings::default())
            .take(200)
            .map(|r| r.key)
            .collect(),
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let started = Instant::now();
    let warm_up = (duration / 10).min(Duration::from_secs(30));
    let rss_probe = tokio::spawn(async move {
        tokio::time::sleep(warm_up).await;
        rss_kib(pid)
    });
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (http, keys) = (http.clone(), keys.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut n = task;
            while started.elapsed() < duration {
                n += TASKS;
                let (body, signed) = match n % 10 {
                    0..=5 => (query_body(&keys[n % keys.len()]), true),
                    6 | 7 => (format!(r#"{{"ccId":1,"vdn":1,"callId":"1-{n}"}}"#), true),
                    8 => (r#"{"ccId":1,"vdn":9999,"callId":"1-1"}"#.to_owned(), true),
                    _ => (query_body(&keys[0]), false),
                };
                let sent = Instant::now();
                let outcome = send(&http, port, body, signed).await;
                tally
                    .micros
                    .push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                *tally.outcomes.entry(outcome).or_default() += 1;
            }
            tally
        }));
    }
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut micros = Vec::new();
    for task in tasks {
        let tally = task.await?;
        for (k, v) in tally.outcomes {
            *outcomes.entry(k).or_default() += v;
        }
        micros.extend(tally.micros);
    }
    let rss_end = rss_kib(pid);
    let rss_start = rss_probe.await?;
    micros.sort_unstable();
    let pick = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let at = ((micros.len().saturating_sub(1)) as f64 * q) as usize;
        f64::from(micros.get(at).copied().unwrap_or(0)) / 1000.0
    };
    let requests: u64 = outcomes.values().sum();
    #[allow(clippy::cast_precision_loss)]
    let growth = if rss_start > 0 {
        (rss_end as f64 - rss_start as f64) / rss_start as f64 * 100.0
    } else {
        0.0
    };
    Ok(serde_json::json!({
        "minutes": duration.as_secs_f64() / 60.0,
        "tasks": TASKS,
        "mix": "60% valid known calls, 20% unknown calls, 10% invalid vdn, 10% unsigned",
        "requests": requests,
        "outcomes": outcomes,
        "latency_ms": { "p50": pick(0.5), "p99": pick(0.99), "max": pick(1.0) },
        "rss_kib_after_warmup": rss_start,
        "rss_kib_end": rss_end,
        "rss_growth_after_warmup_percent": (growth * 10.0).round() / 10.0,
        "date": time::OffsetDateTime::now_utc().date().to_string(),
    }))
}

fn query_body(key: &CallKey) -> String {
    format!(
        r#"{{"ccId":{},"vdn":{},"callId":"{}"}}"#,
        key.cc_id, key.vdn, key.call_id
    )
}

/// Sends one query; returns its outcome: a result code, an HTTP status, or a transport error.
async fn send(http: &reqwest::Client, port: u16, body: String, signed: bool) -> String {
    let host = format!("127.0.0.1:{port}");
    let mut request = http
        .post(format!("http://{host}{QUERY_BASIC_CALL_INFO_PATH}"))
        .header("content-type", "application/json;charset=UTF-8");
    if signed {
        let credentials = Credentials::new(AK, SK);
        if let Ok(authorization) = sign_json_post(
            &credentials,
            &host,
            QUERY_BASIC_CALL_INFO_PATH,
            body.as_bytes(),
            SystemTime::now(),
        ) {
            request = request.header("authorization", authorization);
        }
    }
    match request.body(body).send().await {
        Err(error) if error.is_timeout() => "transport:timeout".to_owned(),
        Err(_) => "transport:error".to_owned(),
        Ok(response) if response.status() != 200 => format!("http:{}", response.status().as_u16()),
        Ok(response) => match response.json::<serde_json::Value>().await {
            Ok(value) => value["resultCode"].as_str().unwrap_or("missing").to_owned(),
            Err(_) => "undecodable".to_owned(),
        },
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_listening(port: u16) -> anyhow::Result<()> {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(60) {
            bail!("nothing listens on port {port} after 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}
