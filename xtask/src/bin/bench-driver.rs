//! `bench-driver`: the release-built helpers of `cargo xtask bench` that `oha` cannot be.
//!
//! - `client-load`: one `calldata-client` instance driven by many tasks against a server,
//!   for the "client vs oha" figure.
//! - `start-probe`: spawns a server, times spawn → first 200, then reads its idle RSS.
//!
//! Each prints one JSON object on stdout.

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime};

use calldata_client::{Client, Credentials, RetryPolicy};
use calldata_model::auth::{JSON_CONTENT_TYPE as JSON, sign_json_post};
use calldata_model::{CallKey, QUERY_BASIC_CALL_INFO_PATH, QueryBasicCallInfo};
use clap::{Parser, Subcommand};

/// Helpers of `cargo xtask bench`.
#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Drive a server with one client instance and many tasks; print req/s and p99.
    ClientLoad(LoadArgs),
    /// Spawn a server, time spawn → first 200, read its RSS after an idle pause.
    StartProbe(ProbeArgs),
    /// Print the `Authorization` value of a query POST (for running oha by hand).
    Sign(SignArgs),
}

#[derive(Debug, clap::Args)]
struct SignArgs {
    /// The `Host` header the request is sent with, `host:port`.
    #[arg(long)]
    host: String,
    /// Access key.
    #[arg(long)]
    ak: String,
    /// Secret key.
    #[arg(long)]
    sk: String,
    /// The exact body.
    #[arg(long)]
    body: String,
}

#[derive(Debug, clap::Args)]
struct LoadArgs {
    /// Base URL of the server.
    #[arg(long)]
    url: String,
    /// Access key.
    #[arg(long)]
    ak: String,
    /// Secret key.
    #[arg(long)]
    sk: String,
    /// Call center of the queried call.
    #[arg(long)]
    cc_id: i64,
    /// VDN of the queried call.
    #[arg(long)]
    vdn: i64,
    /// Call ID of the queried call.
    #[arg(long)]
    call_id: String,
    /// Concurrent tasks sharing the one client.
    #[arg(long, default_value_t = 64)]
    tasks: usize,
    /// Seconds run before measuring.
    #[arg(long, default_value_t = 2.0)]
    warmup_secs: f64,
    /// Seconds measured.
    #[arg(long, default_value_t = 10.0)]
    duration_secs: f64,
    /// Accept any server certificate (loopback benchmarks only).
    #[arg(long)]
    insecure: bool,
    /// The tokio runtime the tasks run on.
    #[arg(long, value_enum, default_value_t = RuntimeFlavor::CurrentThread)]
    runtime: RuntimeFlavor,
}

/// Which tokio runtime drives the client's tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RuntimeFlavor {
    /// One thread: tasks and the client's connections wake each other without crossing
    /// threads (what `#[tokio::test]` and many services' request handlers run on).
    CurrentThread,
    /// One worker per core (`#[tokio::main]`'s default).
    MultiThread,
}

#[derive(Debug, clap::Args)]
struct ProbeArgs {
    /// URL polled until it answers 200.
    #[arg(long)]
    url: String,
    /// Method of the polling request.
    #[arg(long, default_value = "GET")]
    method: String,
    /// Extra request header, `name: value` (repeatable).
    #[arg(long = "header")]
    headers: Vec<String>,
    /// Request body.
    #[arg(long, default_value = "")]
    body: String,
    /// Accept any server certificate (loopback benchmarks only).
    #[arg(long)]
    insecure: bool,
    /// Pause after the first 200 before reading the RSS, milliseconds.
    #[arg(long, default_value_t = 1000)]
    idle_ms: u64,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
    /// The server program and its arguments.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let flavor = match &cli.task {
        Task::ClientLoad(args) => args.runtime,
        Task::StartProbe(_) | Task::Sign(_) => RuntimeFlavor::MultiThread,
    };
    let runtime = match flavor {
        RuntimeFlavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        RuntimeFlavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("bench-driver: cannot start a tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.task {
            Task::ClientLoad(args) => client_load(args).await,
            Task::StartProbe(args) => start_probe(args).await,
            Task::Sign(args) => sign(&args),
        }
    });
    match result {
        Ok(line) => {
            print_line(&line);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bench-driver: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[allow(
    clippy::print_stdout,
    reason = "the JSON result is the program's output"
)]
fn print_line(line: &serde_json::Value) {
    println!("{line}");
}

async fn client_load(args: LoadArgs) -> anyhow::Result<serde_json::Value> {
    let client = Client::builder()
        .base_url(&args.url)
        .credentials(Credentials::new(&args.ak, &args.sk))
        .retry_policy(RetryPolicy::none())
        .danger_accept_invalid_certs(args.insecure)
        .build()?;
    let key = QueryBasicCallInfo::new(args.cc_id, args.vdn, &args.call_id).to_call_key()?;
    // One query first: a wrong key or call fails here, not as a flood of errors.
    client.query(&key).await?;
    let started = Instant::now();
    let measure_from = started + Duration::from_secs_f64(args.warmup_secs);
    let until = measure_from + Duration::from_secs_f64(args.duration_secs);
    let window = Window {
        measure_from,
        until,
    };
    let (mut latencies, errors) = drive(&client, key, args.tasks, window).await?;
    latencies.sort_unstable();
    let count = latencies.len();
    let p99_micros = latencies
        .get((count * 99).div_ceil(100).saturating_sub(1))
        .copied()
        .unwrap_or(0);
    #[allow(
        clippy::cast_precision_loss,
        reason = "request counts are far below 2^52"
    )]
    let rps = count as f64 / args.duration_secs;
    Ok(serde_json::json!({
        "requests": count,
        "errors": errors,
        "rps": rps,
        "p99_ms": f64::from(p99_micros) / 1000.0,
    }))
}

/// When queries count: answered from `measure_from` on, sent before `until`.
#[derive(Debug, Clone, Copy)]
struct Window {
    measure_from: Instant,
    until: Instant,
}

/// Runs `tasks` tasks querying `key` in a loop on the current runtime until the window
/// closes; returns the latencies (µs) of the successful queries answered in the window, and
/// how many failed there.
async fn drive(
    client: &Client,
    key: CallKey,
    tasks: usize,
    window: Window,
) -> anyhow::Result<(Vec<u32>, u64)> {
    let mut handles = Vec::with_capacity(tasks);
    for _ in 0..tasks {
        let client = client.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::with_capacity(1 << 16);
            let mut errors = 0u64;
            loop {
                let sent = Instant::now();
                if sent >= window.until {
                    break;
                }
                let ok = client.query(&key).await.is_ok();
                let done = Instant::now();
                if done >= window.measure_from && done < window.until {
                    if ok {
                        let micros = done.duration_since(sent).as_micros();
                        latencies.push(u32::try_from(micros).unwrap_or(u32::MAX));
                    } else {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for handle in handles {
        let (mine, failed) = handle.await?;
        latencies.extend(mine);
        errors += failed;
    }
    Ok((latencies, errors))
}

async fn start_probe(args: ProbeArgs) -> anyhow::Result<serde_json::Value> {
    let http = reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(args.insecure)
        .timeout(Duration::from_secs(5))
        .build()?;
    let method = reqwest::Method::from_bytes(args.method.as_bytes())?;
    let mut headers = reqwest::header::HeaderMap::new();
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| anyhow::anyhow!("header {header:?} is not `name: value`"))?;
        headers.insert(
            reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())?,
            reqwest::header::HeaderValue::from_str(value.trim())?,
        );
    }
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| anyhow::anyhow!("no server command"))?;
    let spawned = Instant::now();
    let mut child = Command::new(PathBuf::from(program))
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = spawned + Duration::from_secs(args.timeout_secs);
    let outcome = async {
        loop {
            if let Some(status) = child.try_wait()? {
                anyhow::bail!("the server exited with {status} before answering");
            }
            let request = http
                .request(method.clone(), &args.url)
                .headers(headers.clone())
                .body(args.body.clone());
            if let Ok(response) = request.send().await {
                let status = response.status();
                let body = response.bytes().await.unwrap_or_default();
                if status == reqwest::StatusCode::OK {
                    break Ok((spawned.elapsed(), body.len()));
                }
                anyhow::bail!("the server answered {status} ({} bytes)", body.len());
            }
            if Instant::now() > deadline {
                anyhow::bail!("no answer within {} s", args.timeout_secs);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    .await;
    let result = match outcome {
        Ok((first_200, body_bytes)) => {
            tokio::time::sleep(Duration::from_millis(args.idle_ms)).await;
            rss_kib(child.id()).map(|rss| {
                serde_json::json!({
                    "first_200_ms": first_200.as_secs_f64() * 1000.0,
                    "body_bytes": body_bytes,
                    "idle_rss_kib": rss,
                })
            })
        }
        Err(error) => Err(error),
    };
    // Stopping the server is part of the probe; it has nothing left to flush.
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn sign(args: &SignArgs) -> anyhow::Result<serde_json::Value> {
    let authorization = sign_json_post(
        &Credentials::new(&args.ak, &args.sk),
        &args.host,
        QUERY_BASIC_CALL_INFO_PATH,
        args.body.as_bytes(),
        SystemTime::now(),
    )?;
    Ok(serde_json::json!({
        "content-type": JSON,
        "authorization": authorization,
    }))
}

/// `VmRSS` of a process, KiB.
fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS in /proc/{pid}/status"))
}
