//! `bms-emulator`: a stand-in BMS on a real socket, serving demo or file calls with faults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use calldata_bms::DemoSettings;
use calldata_bms::ListFilter;
use calldata_bms_emulator::{
    CallsSource, DEFAULT_LISTEN, EmulatorSettings, FAULTS_PATH, Faults, LatencyRange,
    RunningEmulator, STATS_PATH,
};
use clap::Parser;

/// A BMS emulator: answers `POST /ccbms/ws/monitor/querybasecallinfo` from demo calls or a
/// calls file, and injects faults (set here at start, or at run time via `/emulator/faults`).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value_t = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Number of demo calls.
    #[arg(long, default_value_t = 1000)]
    demo_calls: usize,
    /// Seed of the demo calls.
    #[arg(long, default_value_t = 42)]
    demo_seed: u64,
    /// Serve the calls of this file (JSON array or JSON lines) instead of demo calls.
    #[arg(long, conflicts_with_all = ["demo_calls", "demo_seed"])]
    calls_file: Option<PathBuf>,
    /// Delay before each answer in ms: `100`, or a range `50..200`.
    #[arg(long, value_name = "MS|MIN..MAX")]
    latency_ms: Option<LatencyRange>,
    /// Fraction of queries answered HTTP 500 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Answer every query with this retCode and no data.
    #[arg(long)]
    ret_code: Option<String>,
    /// Fraction of queries answered with a body that is not BMS JSON.
    #[arg(long, default_value_t = 0.0)]
    malformed_rate: f64,
    /// Fraction of queries whose connection is reset (TCP RST).
    #[arg(long, default_value_t = 0.0)]
    reset_rate: f64,
    /// Fraction of queries never answered.
    #[arg(long, default_value_t = 0.0)]
    hang_rate: f64,
}

impl Args {
    /// The emulator settings these flags describe.
    fn settings(self) -> EmulatorSettings {
        let calls = match self.calls_file {
            Some(path) => CallsSource::File(path),
            None => CallsSource::Demo(DemoSettings {
                count: self.demo_calls,
                seed: self.demo_seed,
            }),
        };
        EmulatorSettings {
            listen: self.listen,
            calls,
            faults: Faults {
                latency_ms: self.latency_ms,
                error_rate: self.error_rate,
                ret_code: self.ret_code,
                malformed_rate: self.malformed_rate,
                reset_rate: self.reset_rate,
                hang_rate: self.hang_rate,
            },
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let settings = Args::parse().settings();
    let emulator = match RunningEmulator::start(settings).await {
        Ok(emulator) => emulator,
        Err(err) => {
            eprintln!("bms-emulator: {err}");
            return ExitCode::FAILURE;
        }
    };
    print_banner(&emulator);
    let stopped_by = wait_for_signal().await;
    emulator.stop().await;
    match stopped_by {
        Ok(signal) => {
            eprintln!("bms-emulator: {signal}, stopped");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("bms-emulator: cannot listen for signals: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Prints where the emulator listens (first line, read by scripts and tests), a few calls
/// to ask for, the faults in force and how to change them.
#[allow(
    clippy::print_stdout,
    reason = "the banner is the program's output; its first line is machine-read"
)]
fn print_banner(emulator: &RunningEmulator) {
    let url = emulator.base_url();
    println!("bms-emulator listening on {url}");
    let calls = emulator.store().list(&ListFilter::default(), 3);
    println!("{} calls; for example:", emulator.store().len());
    for record in &calls {
        let key = record.key;
        println!(
            "  ccId {} vdnId {} callId {}",
            key.cc_id, key.vdn, key.call_id
        );
    }
    if let Some(record) = calls.first() {
        let key = record.key;
        println!("query one:");
        println!(
            "  curl -s -X POST {url}{} -H 'Content-Type: application/json' -d '{{\"ccId\":{},\"vdnId\":{},\"callId\":\"{}\"}}'",
            calldata_bms::wire::QUERY_PATH,
            key.cc_id,
            key.vdn,
            key.call_id
        );
    }
    let faults = emulator.faults();
    if faults.is_none() {
        println!("faults: none");
    } else {
        println!(
            "faults: {}",
            serde_json::to_string(&faults).unwrap_or_default()
        );
    }
    println!("change faults at run time (every field optional; DELETE clears them):");
    println!(
        "  curl -s -X PUT {url}{FAULTS_PATH} -H 'Content-Type: application/json' -d '{{\"latencyMs\":{{\"min\":50,\"max\":200}},\"errorRate\":0.1,\"resetRate\":0.05}}'"
    );
    println!("  curl -s -X DELETE {url}{FAULTS_PATH}");
    println!("counters: curl -s {url}{STATS_PATH}");
}

/// Waits for SIGINT or SIGTERM (Ctrl-C elsewhere) and names it.
async fn wait_for_signal() -> std::io::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        tokio::select! {
            _ = terminate.recv() => Ok("SIGTERM"),
            _ = interrupt.recv() => Ok("SIGINT"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await?;
        Ok("Ctrl-C")
    }
}
