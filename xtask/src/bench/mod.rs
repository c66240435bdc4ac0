//! `cargo xtask bench`: calldata measured against a ceiling in the same run (issue 6).
//!
//! Release binaries are built once; every target then runs on loopback in alternating
//! rounds (A B C … then … C B A) so that machine drift cancels out in the same-round
//! ratios, each round against freshly started processes. Load comes from `oha` (64
//! keep-alive connections, a warm-up, then a fixed duration) sending one auth-v2-signed
//! POST. The run writes `docs/performance.md` and `docs/performance.json` (`--quick` writes
//! under `target/xtask-bench/` instead).

mod live;
mod oha;
mod procs;
mod replicas;
mod report;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};
use calldata_bms::DemoSettings;
use calldata_model::auth::{Credentials, JSON_CONTENT_TYPE as JSON, sign_json_post};
use calldata_model::{
    CallKey, Operation, QUERY_BASIC_CALL_INFO_PATH, QueryAgentCalls, QueryAgentGroupCalls,
    QueryBasicCallInfo, QueryDetailCallInfo, QueryVdnCalls,
};

use crate::command::{cargo, run_checked, workspace_root};
use oha::{Measured, Shape};
use procs::Running;
use report::{Figure, Report};

/// The access key the bench servers accept.
const BENCH_AK: &str = "bench-ak";
/// Its secret key (a throwaway for loopback benchmarks).
const BENCH_SK: &str = "bench-sk-9f2c1e7a5b3d";

/// Options of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A few seconds per target for local iteration (2 rounds of 3 s); writes its report
    /// under target/xtask-bench/ instead of docs/.
    #[arg(long)]
    quick: bool,
    /// Rounds of every load target (default 7, or 2 with --quick).
    #[arg(long)]
    rounds: Option<usize>,
    /// Measured seconds per load run (default 8, or 3 with --quick).
    #[arg(long)]
    duration_secs: Option<u64>,
}

/// How much a run measures.
#[derive(Debug, Clone, Copy)]
struct Plan {
    quick: bool,
    rounds: usize,
    warmup: Duration,
    duration: Duration,
    starts: usize,
    rss_starts: usize,
    flights: usize,
}

impl Plan {
    fn from_args(args: &Args) -> Self {
        let quick = args.quick;
        let default_secs = if quick { 3 } else { 8 };
        Self {
            quick,
            rounds: args.rounds.unwrap_or(if quick { 2 } else { 7 }).max(1),
            warmup: Duration::from_secs(if quick { 1 } else { 2 }),
            duration: Duration::from_secs(args.duration_secs.unwrap_or(default_secs).max(1)),
            starts: if quick { 3 } else { 7 },
            rss_starts: if quick { 1 } else { 3 },
            flights: if quick { 1 } else { 3 },
        }
    }
}

/// The load targets, in round order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    /// Bare actix-web answering the reference example.
    Ceiling,
    /// The server on its embedded store, plain HTTP.
    Embedded,
    /// The same over HTTPS.
    Https,
    /// The server with `backend = bms`, through the emulator.
    Bms,
    /// One `calldata-client` instance driving the plain-HTTP embedded server, its tasks on
    /// a current-thread runtime.
    Client,
    /// The same with the tasks on tokio's multi-thread runtime (reported, no target).
    ClientMultiThread,
    /// The ceiling paced at half its last measured req/s (reported, no target).
    CeilingPaced,
    /// The embedded target paced at the same rate (reported, no target).
    EmbeddedPaced,
    /// agent/queryagentcalls for a demo agent with calls, embedded, plain HTTP.
    AgentCalls,
    /// querydetailcallinfo for the demo call, embedded, plain HTTP.
    DetailCall,
    /// agentgroup/queryagentcalls for 3000 agents on one connection, embedded, plain HTTP.
    AgentGroup,
    /// querybasiccallinfo of an example call while the live center runs (10,000 calls in
    /// progress, 50 arrivals a second), plain HTTP.
    Live,
    /// vdn/querycalls, a page of 100 rows of the live center's 100,000 records, one
    /// connection.
    VdnCallsPage,
    /// Replicas sharing their state on Redis, in rounds of their own (`replicas.rs`).
    Replicas(replicas::Replicas),
}

impl Target {
    const ALL: [Self; 13] = [
        Self::Ceiling,
        Self::Embedded,
        Self::Https,
        Self::Bms,
        Self::Client,
        Self::ClientMultiThread,
        Self::CeilingPaced,
        Self::EmbeddedPaced,
        Self::AgentCalls,
        Self::DetailCall,
        Self::AgentGroup,
        Self::Live,
        Self::VdnCallsPage,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Ceiling => "ceiling",
            Self::Embedded => "embedded",
            Self::Https => "https",
            Self::Bms => "bms",
            Self::Client => "client",
            Self::ClientMultiThread => "client-mt",
            Self::CeilingPaced => "ceiling-paced",
            Self::EmbeddedPaced => "embedded-paced",
            Self::AgentCalls => "agent-calls",
            Self::DetailCall => "detail",
            Self::AgentGroup => "agent-group",
            Self::Live => "live",
            Self::VdnCallsPage => "vdn-calls",
            Self::Replicas(target) => target.name(),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Ceiling => "bare actix-web, reads the body, answers the reference example (oha)",
            Self::Embedded => "calldata-server, embedded store, plain HTTP (oha)",
            Self::Https => "calldata-server, embedded store, HTTPS (oha)",
            Self::Bms => "calldata-server, backend = bms through bms-emulator, plain HTTP (oha)",
            Self::Client => {
                "calldata-server, embedded store, plain HTTP, driven by one calldata-client (64 tasks, current-thread runtime)"
            }
            Self::ClientMultiThread => {
                "the same, the 64 tasks on tokio's multi-thread runtime (one worker per core)"
            }
            Self::CeilingPaced => {
                "the ceiling, oha paced at half the ceiling's last measured req/s (latency from when each request was due)"
            }
            Self::EmbeddedPaced => "the embedded target, oha paced at the same rate",
            Self::AgentCalls => {
                "agent/queryagentcalls of a demo agent with calls, embedded store, plain HTTP (oha)"
            }
            Self::DetailCall => {
                "querydetailcallinfo of the demo call, embedded store, plain HTTP (oha)"
            }
            Self::AgentGroup => {
                "agentgroup/queryagentcalls of 3000 agents (1001..=4000), embedded store, plain HTTP, one connection (oha -c 1)"
            }
            Self::Live => {
                "querybasiccallinfo of an example call while the live center simulates about 10,000 calls in progress and 50 arrivals a second, plain HTTP (oha)"
            }
            Self::VdnCallsPage => {
                "vdn/querycalls, a page of 100 of the live center's 100,000 records, plain HTTP, one connection (oha -c 1)"
            }
            Self::Replicas(target) => target.describe(),
        }
    }
}

/// The release binaries a run uses.
#[derive(Debug)]
struct Binaries {
    server: PathBuf,
    emulator: PathBuf,
    ceiling: PathBuf,
    driver: PathBuf,
}

/// Everything the running targets share.
#[derive(Debug)]
struct Bench {
    plan: Plan,
    oha: PathBuf,
    bins: Binaries,
    work: PathBuf,
    config: PathBuf,
    data_dir: PathBuf,
    workers: usize,
    key: CallKey,
    body: String,
    /// The body of agent/queryagentcalls: the first demo agent with a call.
    agent_body: String,
    /// The body of agentgroup/queryagentcalls: 3000 agents.
    group_body: String,
    /// The live server's settings.
    live_config: PathBuf,
    /// The bodies of the live targets, for the live server of the current round.
    live: RefCell<Option<live::LiveServer>>,
}

/// The processes of one round of load runs; all stopped when it is dropped.
struct RoundServers {
    ceiling: Running,
    embedded: Running,
    https: Running,
    emulator: Running,
    bms: Running,
    live: Running,
}

/// Runs the whole suite and writes the report.
pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    let plan = Plan::from_args(args);
    let started = Instant::now();
    let load_before = load_average();
    let oha = oha::ensure_installed()?;
    let bins = build()?;
    let root = workspace_root();
    let work = target_dir().join("xtask-bench");
    std::fs::create_dir_all(&work)?;
    let data_dir = work.join("data");
    std::fs::create_dir_all(&data_dir)?;
    let config = work.join("bench.toml");
    std::fs::write(
        &config,
        format!("[[keys]]\naccess_key = \"{BENCH_AK}\"\nsecret_key = \"{BENCH_SK}\"\n"),
    )?;
    let key = *calldata_bms::embedded::sample_keys(&DemoSettings::default(), 1)
        .first()
        .context("the demo store has no calls")?;
    let body = serde_json::to_string(&QueryBasicCallInfo::from(key))?;
    let agent_body = demo_agent_body()?;
    let group_body = serde_json::to_string(&QueryAgentGroupCalls::new(1, 1, 1001..=4000))?;
    let live_config = work.join("bench-live.toml");
    std::fs::write(&live_config, live::config_text())?;
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let bench = Bench {
        plan,
        oha,
        bins,
        work,
        config,
        data_dir,
        workers,
        key,
        body,
        agent_body,
        group_body,
        live_config,
        live: RefCell::new(None),
    };

    let mut report = Report::new(plan.quick, plan.rounds, plan.warmup, plan.duration);
    report.oha_version = oha::version(&bench.oha);
    report.load_before = load_before;
    let runs = bench.load_rounds()?;
    let replica_runs = bench.replica_rounds()?;
    let simulation = bench.simulation_cost(Duration::from_secs(if plan.quick { 5 } else { 20 }))?;
    let flights = bench.single_flight()?;
    let starts = bench.cold_starts()?;
    let per_call = bench.rss_per_call()?;
    let verify_ns = bench.verify_micro_bench()?;
    report.load_after = load_average();
    report.wall_secs = started.elapsed().as_secs();
    report.runs = runs;
    report.runs.extend(replica_runs);
    report.figures = figures(&report.runs, &flights, &starts, per_call, verify_ns);
    report
        .figures
        .splice(5..5, live_figures(&report.runs, simulation));
    report.extra = extra_notes(&report.runs, &flights, &starts, per_call);
    report.extra.extend(replicas::notes(&report.runs));

    let (markdown, json) = report.render();
    let out_dir = if plan.quick {
        bench.work.clone()
    } else {
        root.join("docs")
    };
    let md_path = out_dir.join("performance.md");
    let json_path = out_dir.join("performance.json");
    let kept = kept_notes(&md_path);
    std::fs::write(&md_path, markdown + &kept)?;
    std::fs::write(&json_path, serde_json::to_string_pretty(&json)? + "\n")?;
    eprintln!("{}", report.table());
    eprintln!(
        "xtask: wrote {} and {} ({} s)",
        md_path.display(),
        json_path.display(),
        report.wall_secs
    );
    Ok(())
}

/// Marks the hand-written part of `performance.md` (analysis, profiles) that a run keeps.
const KEPT_MARKER: &str =
    "<!-- Everything below is written by hand and kept by cargo xtask bench. -->";

/// The hand-written tail of an existing report, from the marker on (empty when absent).
fn kept_notes(path: &std::path::Path) -> String {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    existing
        .find(KEPT_MARKER)
        .map_or_else(String::new, |at| format!("\n{}", &existing[at..]))
}

/// Builds the four release binaries once.
fn build() -> anyhow::Result<Binaries> {
    let mut command = cargo();
    command.args([
        "build",
        "--release",
        "-p",
        "calldata-server",
        "-p",
        "calldata-bms-emulator",
        "-p",
        "xtask",
        "--bin",
        "calldata-server",
        "--bin",
        "bms-emulator",
        "--bin",
        "bench-ceiling",
        "--bin",
        "bench-driver",
    ]);
    run_checked(command)?;
    let release = target_dir().join("release");
    let bins = Binaries {
        server: release.join("calldata-server"),
        emulator: release.join("bms-emulator"),
        ceiling: release.join("bench-ceiling"),
        driver: release.join("bench-driver"),
    };
    for bin in [&bins.server, &bins.emulator, &bins.ceiling, &bins.driver] {
        if !bin.is_file() {
            bail!("{} was not built", bin.display());
        }
    }
    Ok(bins)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

/// The three load averages as `/proc/loadavg` shows them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// One pre-signed request for `host`: `content-type` and `authorization` (oha and the
/// plain-HTTP check write `host` and `content-length` themselves, with the signed values).
/// The agent/queryagentcalls body of the first default demo call at an agent.
fn demo_agent_body() -> anyhow::Result<String> {
    let record = calldata_bms::embedded::demo_records(&DemoSettings::default())
        .find(|record| {
            matches!(
                record.extras.placement(&record.call),
                Ok(calldata_bms::embedded::Placement::Agent(..))
            )
        })
        .context("no demo call is at an agent")?;
    let agent = record
        .call
        .device_no
        .context("a call at an agent names it")?;
    Ok(serde_json::to_string(&QueryAgentCalls::new(
        i64::from(record.key.cc_id.get()),
        i64::from(record.key.vdn.get()),
        agent,
    ))?)
}

fn signed_headers(host: &str, path: &str, body: &str) -> anyhow::Result<Vec<(String, String)>> {
    let authorization = sign_json_post(
        &Credentials::new(BENCH_AK, BENCH_SK),
        host,
        path,
        body.as_bytes(),
        SystemTime::now(),
    )?;
    Ok(vec![
        ("content-type".to_owned(), JSON.to_owned()),
        ("authorization".to_owned(), authorization),
    ])
}

impl Bench {
    fn server_args(&self, address: std::net::SocketAddr, plain: bool) -> Vec<String> {
        let mut args = vec![
            "--config".to_owned(),
            self.config.display().to_string(),
            "--data-dir".to_owned(),
            self.data_dir.display().to_string(),
            "--listen".to_owned(),
            address.to_string(),
            "--workers".to_owned(),
            self.workers.to_string(),
            "--log-filter".to_owned(),
            "warn".to_owned(),
            // The demo snapshot: fixed calls to query (the live targets ask for the
            // simulation instead).
            "--simulation".to_owned(),
            "false".to_owned(),
        ];
        if plain {
            args.push("--plain-http".to_owned());
        }
        args
    }

    fn log(&self, name: &str) -> PathBuf {
        self.work.join(format!("{name}.log"))
    }

    fn start_server(&self, name: &str, plain: bool, extra: &[String]) -> anyhow::Result<Running> {
        let address = procs::free_address()?;
        let mut args = self.server_args(address, plain);
        args.extend_from_slice(extra);
        Running::start(name, &self.bins.server, &args, address, &self.log(name))
    }

    fn start_emulator(&self, name: &str, extra: &[&str]) -> anyhow::Result<Running> {
        let address = procs::free_address()?;
        let mut args = vec!["--listen".to_owned(), address.to_string()];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        Running::start(name, &self.bins.emulator, &args, address, &self.log(name))
    }

    /// The interface path and body `target` sends.
    fn call_of(&self, target: Target) -> (&'static str, String) {
        let live = || {
            self.live
                .borrow()
                .clone()
                .unwrap_or_else(|| live::LiveServer {
                    call_body: self.body.clone(),
                    page_body: String::new(),
                    calls_in_progress: 0,
                })
        };
        match target {
            Target::AgentCalls => (QueryAgentCalls::INTERFACE.path, self.agent_body.clone()),
            Target::DetailCall => (QueryDetailCallInfo::INTERFACE.path, self.body.clone()),
            Target::AgentGroup => (
                QueryAgentGroupCalls::INTERFACE.path,
                self.group_body.clone(),
            ),
            Target::Live => (QUERY_BASIC_CALL_INFO_PATH, live().call_body),
            Target::VdnCallsPage => (QueryVdnCalls::INTERFACE.path, live().page_body),
            _ => (QUERY_BASIC_CALL_INFO_PATH, self.body.clone()),
        }
    }

    /// The request oha sends to `running` for `target`.
    fn request(
        &self,
        running: &Running,
        tls: bool,
        target: Target,
    ) -> anyhow::Result<oha::Request> {
        let host = running.address.to_string();
        let scheme = if tls { "https" } else { "http" };
        let (path, body) = self.call_of(target);
        Ok(oha::Request {
            url: format!("{scheme}://{host}{path}"),
            headers: signed_headers(&host, path, &body)?,
            body,
            insecure: tls,
        })
    }

    /// Checks over plain HTTP that `target`'s signed request answers `0100000`.
    fn check_found(&self, running: &Running, what: &str, target: Target) -> anyhow::Result<()> {
        let (path, body) = self.call_of(target);
        let headers = signed_headers(&running.address.to_string(), path, &body)?;
        let answer = procs::exchange(running.address, "POST", path, &headers, body.as_bytes())?;
        if answer.status != 200 || !answer.body.contains("\"resultCode\":\"0100000\"") {
            bail!(
                "{what}: the signed {} did not answer 0100000: {} {}",
                target.name(),
                answer.status,
                answer.body
            );
        }
        Ok(())
    }

    /// Warm-up then a measured oha run, each with a freshly signed request, unpaced or at
    /// `pace` requests per second; with a BMS emulator behind, also counts the requests it
    /// received during the measured run.
    fn oha_load(
        &self,
        running: &Running,
        (tls, target): (bool, Target),
        emulator: Option<&Running>,
        pace: Option<u32>,
    ) -> anyhow::Result<Measured> {
        let connections = if matches!(target, Target::AgentGroup | Target::VdnCallsPage) {
            1
        } else {
            oha::CONNECTIONS
        };
        oha::run(
            &self.oha,
            &self.request(running, tls, target)?,
            timed(connections, self.plan.warmup, pace),
        )?;
        let before = emulator.map(emulator_queries).transpose()?;
        let mut measured = oha::run(
            &self.oha,
            &self.request(running, tls, target)?,
            timed(connections, self.plan.duration, pace),
        )?;
        if let (Some(emulator), Some(before)) = (emulator, before) {
            measured.backend_requests = Some(emulator_queries(emulator)?.saturating_sub(before));
        }
        // A found call is 500 bytes and more; an agent's one call ID, about 100 (`[]`: 70).
        let least = if target == Target::AgentCalls {
            90.0
        } else {
            500.0
        };
        if measured.bytes_per_answer < least {
            bail!(
                "answers average {} bytes: not the answer found",
                measured.bytes_per_answer
            );
        }
        Ok(measured)
    }

    /// `bench-driver client-load` against `running`, its tasks on the tokio `runtime`
    /// (`current-thread` or `multi-thread`).
    fn client_load(&self, running: &Running, runtime: &str) -> anyhow::Result<Measured> {
        let output = Command::new(&self.bins.driver)
            .args([
                "client-load".to_owned(),
                "--url".to_owned(),
                format!("http://{}", running.address),
                "--ak".to_owned(),
                BENCH_AK.to_owned(),
                "--sk".to_owned(),
                BENCH_SK.to_owned(),
                "--cc-id".to_owned(),
                self.key.cc_id.to_string(),
                "--vdn".to_owned(),
                self.key.vdn.to_string(),
                "--call-id".to_owned(),
                self.key.call_id.to_string(),
                "--tasks".to_owned(),
                oha::CONNECTIONS.to_string(),
                "--warmup-secs".to_owned(),
                self.plan.warmup.as_secs_f64().to_string(),
                "--duration-secs".to_owned(),
                self.plan.duration.as_secs_f64().to_string(),
                "--runtime".to_owned(),
                runtime.to_owned(),
            ])
            .output()
            .context("cannot run bench-driver")?;
        if !output.status.success() {
            bail!(
                "bench-driver client-load failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
        let errors = json["errors"].as_u64().unwrap_or(0);
        if errors > 0 {
            bail!("the client saw {errors} failed queries");
        }
        Ok(Measured {
            rps: json["rps"].as_f64().context("no rps")?,
            p99_ms: json["p99_ms"].as_f64().context("no p99_ms")?,
            ok: json["requests"].as_u64().unwrap_or(0),
            bytes_per_answer: 0.0,
            backend_requests: None,
        })
    }

    /// The processes one round of load runs against, started afresh and checked.
    fn start_round(&self) -> anyhow::Result<RoundServers> {
        let ceiling_address = procs::free_address()?;
        let ceiling = Running::start(
            "ceiling",
            &self.bins.ceiling,
            &[
                "--listen".to_owned(),
                ceiling_address.to_string(),
                "--workers".to_owned(),
                self.workers.to_string(),
            ],
            ceiling_address,
            &self.log("ceiling"),
        )?;
        let embedded = self.start_server("embedded", true, &[])?;
        let https = self.start_server("https", false, &[])?;
        let emulator = self.start_emulator("emulator", &[])?;
        let bms = self.start_server(
            "bms",
            true,
            &[
                "--backend".to_owned(),
                "bms".to_owned(),
                "--bms-url".to_owned(),
                format!("http://{}", emulator.address),
            ],
        )?;
        for (running, what) in [(&embedded, "embedded"), (&bms, "bms")] {
            self.check_found(running, what, Target::Embedded)?;
        }
        for target in [Target::AgentCalls, Target::DetailCall, Target::AgentGroup] {
            self.check_found(&embedded, "embedded", target)?;
        }
        let (live, bodies) = self.start_live("live")?;
        *self.live.borrow_mut() = Some(bodies);
        for target in [Target::Live, Target::VdnCallsPage] {
            self.check_found(&live, "live", target)?;
        }
        Ok(RoundServers {
            ceiling,
            embedded,
            https,
            emulator,
            bms,
            live,
        })
    }

    /// Every load target, in alternating rounds, each round against freshly started
    /// processes: how the kernel happens to place a process's threads on the two cores
    /// holds for that process's life and moves its req/s by 10-15%, so a round per process
    /// samples it instead of letting one start decide every round.
    fn load_rounds(&self) -> anyhow::Result<BTreeMap<Target, Vec<Measured>>> {
        let mut runs: BTreeMap<Target, Vec<Measured>> = BTreeMap::new();
        // Paced runs ask for half the ceiling's last measured rate: the first round measures
        // the ceiling first, a reversed round paces at the previous round's figure.
        let mut pace = 0;
        for round in 0..self.plan.rounds {
            let servers = self.start_round()?;
            let RoundServers {
                ceiling,
                embedded,
                https,
                emulator,
                bms,
                live,
            } = &servers;
            let mut order = Target::ALL.to_vec();
            if round % 2 == 1 {
                order.reverse();
            }
            for target in order {
                let measured = match target {
                    Target::Ceiling => self.oha_load(ceiling, (false, target), None, None),
                    Target::Https => self.oha_load(https, (true, target), None, None),
                    Target::Bms => self.oha_load(bms, (false, target), Some(emulator), None),
                    Target::Client => self.client_load(embedded, "current-thread"),
                    Target::ClientMultiThread => self.client_load(embedded, "multi-thread"),
                    Target::CeilingPaced => {
                        self.oha_load(ceiling, (false, target), None, Some(pace))
                    }
                    Target::EmbeddedPaced => {
                        self.oha_load(embedded, (false, target), None, Some(pace))
                    }
                    Target::Embedded
                    | Target::AgentCalls
                    | Target::DetailCall
                    | Target::AgentGroup => self.oha_load(embedded, (false, target), None, None),
                    Target::Live | Target::VdnCallsPage => {
                        self.oha_load(live, (false, target), None, None)
                    }
                    Target::Replicas(_) => Err(anyhow::anyhow!("not a round target")),
                }
                .with_context(|| format!("round {}, {}", round + 1, target.name()))?;
                if target == Target::Ceiling {
                    #[allow(
                        clippy::cast_possible_truncation,
                        clippy::cast_sign_loss,
                        reason = "a positive request rate far below 2^32"
                    )]
                    let half = (measured.rps / 2.0).max(1.0) as u32;
                    pace = half;
                }
                eprintln!(
                    "xtask: round {}/{} {:<14} {:>9.0} req/s  p99 {:>6.2} ms",
                    round + 1,
                    self.plan.rounds,
                    target.name(),
                    measured.rps,
                    measured.p99_ms
                );
                runs.entry(target).or_default().push(measured);
            }
        }
        Ok(runs)
    }

    /// 100 concurrent identical queries against `backend = bms`; BMS requests the emulator
    /// counted, per attempt. The emulator waits 200 ms before each answer so the 100 queries
    /// are truly concurrent with the first one's BMS request.
    fn single_flight(&self) -> anyhow::Result<Vec<u64>> {
        let emulator = self.start_emulator("emulator-slow", &["--latency-ms", "200"])?;
        let server = self.start_server(
            "bms-flight",
            true,
            &[
                "--backend".to_owned(),
                "bms".to_owned(),
                "--bms-url".to_owned(),
                format!("http://{}", emulator.address),
            ],
        )?;
        let mut counts = Vec::new();
        for _ in 0..self.plan.flights {
            let before = emulator_queries(&emulator)?;
            let measured = oha::run(
                &self.oha,
                &self.request(&server, false, Target::Bms)?,
                Shape::Count {
                    connections: 100,
                    total: 100,
                },
            )?;
            if measured.ok != 100 {
                bail!("single flight: {} of 100 queries succeeded", measured.ok);
            }
            let after = emulator_queries(&emulator)?;
            counts.push(after.saturating_sub(before));
            // Let the flight land and leave the (disabled) cache before the next attempt.
            std::thread::sleep(Duration::from_millis(300));
        }
        eprintln!("xtask: single flight: BMS requests per 100 concurrent queries: {counts:?}");
        Ok(counts)
    }

    /// Spawn → first 200 of a signed query over HTTPS with the certificate already in the
    /// data directory, then the idle RSS one second later.
    fn cold_starts(&self) -> anyhow::Result<Vec<(f64, u64)>> {
        let mut starts = Vec::new();
        for _ in 0..self.plan.starts {
            let address = procs::free_address()?;
            let host = address.to_string();
            let mut probe = vec![
                "start-probe".to_owned(),
                "--url".to_owned(),
                format!("https://{host}{QUERY_BASIC_CALL_INFO_PATH}"),
                "--method".to_owned(),
                "POST".to_owned(),
                "--insecure".to_owned(),
                "--body".to_owned(),
                self.body.clone(),
            ];
            for (name, value) in signed_headers(&host, QUERY_BASIC_CALL_INFO_PATH, &self.body)? {
                probe.extend(["--header".to_owned(), format!("{name}: {value}")]);
            }
            probe.push("--".to_owned());
            probe.push(self.bins.server.display().to_string());
            probe.extend(self.server_args(address, false));
            let json = self.probe(&probe)?;
            let ms = json["first_200_ms"].as_f64().context("no first_200_ms")?;
            let rss = json["idle_rss_kib"].as_u64().context("no idle_rss_kib")?;
            if json["body_bytes"].as_u64().unwrap_or(0) < 500 {
                bail!("cold start: the first 200 was not the found call: {json}");
            }
            starts.push((ms, rss));
        }
        eprintln!("xtask: cold starts (ms, idle RSS KiB): {starts:?}");
        Ok(starts)
    }

    /// (RSS with 1,000,000 demo calls − RSS with none) / 1,000,000, bytes, median of runs.
    fn rss_per_call(&self) -> anyhow::Result<f64> {
        let mut per_call = Vec::new();
        for _ in 0..self.plan.rss_starts {
            let mut rss = [0u64; 2];
            for (slot, calls) in [(0, "0"), (1, "1000000")] {
                let address = procs::free_address()?;
                let mut probe = vec![
                    "start-probe".to_owned(),
                    "--url".to_owned(),
                    format!("http://{address}/healthz"),
                    "--".to_owned(),
                    self.bins.server.display().to_string(),
                ];
                probe.extend(self.server_args(address, true));
                probe.extend(["--demo-calls".to_owned(), calls.to_owned()]);
                let json = self.probe(&probe)?;
                rss[slot] = json["idle_rss_kib"].as_u64().context("no idle_rss_kib")?;
            }
            #[allow(clippy::cast_precision_loss, reason = "RSS in bytes is far below 2^52")]
            let bytes = (rss[1].saturating_sub(rss[0]) * 1024) as f64 / 1_000_000.0;
            eprintln!(
                "xtask: RSS with 0 calls {} KiB, with 1,000,000 calls {} KiB: {bytes:.0} bytes per call",
                rss[0], rss[1]
            );
            per_call.push(bytes);
        }
        Ok(median(&per_call))
    }

    fn probe(&self, args: &[String]) -> anyhow::Result<serde_json::Value> {
        let mut command = Command::new(&self.bins.driver);
        command.args(args);
        procs::hermetic(&mut command);
        let output = command.output().context("cannot run bench-driver")?;
        if !output.status.success() {
            bail!(
                "bench-driver start-probe failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(serde_json::from_slice(&output.stdout)?)
    }

    /// The criterion micro-bench of auth-v2 verification; nanoseconds per verification.
    fn verify_micro_bench(&self) -> anyhow::Result<f64> {
        let mut command = cargo();
        command.args([
            "bench",
            "-p",
            "calldata-model",
            "--bench",
            "auth_verify",
            "--",
            "--output-format",
            "bencher",
        ]);
        if self.plan.quick {
            command.args(["--warm-up-time", "1", "--measurement-time", "2"]);
        }
        eprintln!("xtask: running {command:?}");
        let output = command.output().context("cannot run cargo bench")?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            bail!(
                "cargo bench failed: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        parse_bencher(&stdout).with_context(|| format!("no bencher line in: {stdout}"))
    }
}

/// A run of `connections` for `duration`, unpaced or paced at `rate` requests per second.
fn timed(connections: u32, duration: Duration, rate: Option<u32>) -> Shape {
    Shape::Timed {
        connections,
        duration,
        rate,
    }
}

/// `test NAME ... bench:       1,234 ns/iter (+/- 56)` → 1234.
fn parse_bencher(stdout: &str) -> Option<f64> {
    let line = stdout.lines().find(|l| l.contains("ns/iter"))?;
    let after = line.split("bench:").nth(1)?;
    let number: String = after
        .split("ns/iter")
        .next()?
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number.parse().ok()
}

fn emulator_queries(emulator: &Running) -> anyhow::Result<u64> {
    let answer = procs::exchange(emulator.address, "GET", "/emulator/stats", &[], b"")?;
    let json: serde_json::Value = serde_json::from_str(&answer.body)
        .with_context(|| format!("emulator stats: {}", answer.body))?;
    json["queries"]
        .as_u64()
        .with_context(|| format!("no queries in emulator stats: {}", answer.body))
}

/// The median (mean of the middle two for an even count); 0 for none.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => f64::midpoint(sorted[n / 2 - 1], sorted[n / 2]),
    }
}

/// Median over rounds of `a / b` taken in the same round.
fn same_round_ratio(
    runs: &BTreeMap<Target, Vec<Measured>>,
    a: Target,
    b: Target,
    value: impl Fn(&Measured) -> f64,
) -> f64 {
    let (Some(a), Some(b)) = (runs.get(&a), runs.get(&b)) else {
        return 0.0;
    };
    let ratios: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(a, b)| value(a) / value(b).max(f64::MIN_POSITIVE))
        .collect();
    median(&ratios)
}

fn figures(
    runs: &BTreeMap<Target, Vec<Measured>>,
    flights: &[u64],
    starts: &[(f64, u64)],
    per_call: f64,
    verify_ns: f64,
) -> Vec<Figure> {
    let rps = |m: &Measured| m.rps;
    let p99 = |m: &Measured| m.p99_ms;
    let embedded = same_round_ratio(runs, Target::Embedded, Target::Ceiling, rps);
    let embedded_p99 = same_round_ratio(runs, Target::Embedded, Target::Ceiling, p99);
    let https = same_round_ratio(runs, Target::Https, Target::Embedded, rps);
    let bms = same_round_ratio(runs, Target::Bms, Target::Embedded, rps);
    let client = same_round_ratio(runs, Target::Client, Target::Embedded, rps);
    let worst_flight = flights.iter().copied().max().unwrap_or(u64::MAX);
    #[allow(clippy::cast_precision_loss, reason = "RSS in KiB is far below 2^52")]
    let idle_mib = median(&starts.iter().map(|s| s.1 as f64).collect::<Vec<_>>()) / 1024.0;
    let cold_ms = median(&starts.iter().map(|s| s.0).collect::<Vec<_>>());
    let verify_micros = verify_ns / 1000.0;
    let mut figures = vec![
        Figure::at_least(
            "embedded store, auth + validation on, plain HTTP: req/s vs ceiling",
            embedded,
            0.90,
            format!("{embedded:.3}"),
        ),
        Figure::at_most(
            "same, p99 latency vs ceiling p99",
            embedded_p99,
            1.5,
            format!("{embedded_p99:.3}"),
        ),
        Figure::at_least(
            "HTTPS vs plain HTTP req/s (keep-alive)",
            https,
            0.60,
            format!("{https:.3}"),
        ),
        Figure::at_least(
            "BMS backend through the emulator vs embedded req/s",
            bms,
            0.45,
            format!("{bms:.3}"),
        ),
        #[allow(clippy::cast_precision_loss, reason = "a small count")]
        Figure::at_most(
            "100 concurrent identical queries -> BMS requests (single flight)",
            worst_flight as f64,
            1.0,
            format!("{worst_flight}"),
        ),
        Figure::at_most(
            "idle RSS after start",
            idle_mib,
            20.0,
            format!("{idle_mib:.1} MiB"),
        )
        .unit("MiB"),
        Figure::at_most(
            "RSS per stored call at 1,000,000 calls",
            per_call,
            400.0,
            format!("{per_call:.0} bytes"),
        )
        .unit("bytes"),
        Figure::at_most(
            "cold start (certificate exists) to first 200",
            cold_ms,
            150.0,
            format!("{cold_ms:.1} ms"),
        )
        .unit("ms"),
        Figure::at_most(
            "auth-v2 verify of a typical request (criterion micro-bench)",
            verify_micros,
            5.0,
            format!("{verify_micros:.2} µs"),
        )
        .unit("µs"),
        Figure::at_least(
            "one `calldata-client` instance driving the server (many tasks) vs oha req/s",
            client,
            0.80,
            format!("{client:.3}"),
        ),
    ];
    figures.splice(2..2, family_figures(runs));
    figures
}

/// The figures of the live center: querybasiccallinfo while it runs against the ceiling of
/// its round, a page of vdn/querycalls, and what the simulation costs.
fn live_figures(
    runs: &BTreeMap<Target, Vec<Measured>>,
    (cpu, in_progress): (f64, u64),
) -> Vec<Figure> {
    let rps = |m: &Measured| m.rps;
    let live = same_round_ratio(runs, Target::Live, Target::Ceiling, rps);
    let page_p99 = median(
        &runs
            .get(&Target::VdnCallsPage)
            .map(|runs| runs.iter().map(|m| m.p99_ms).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    vec![
        Figure::at_least(
            "querybasiccallinfo while the live center runs (10,000 calls, 50 arrivals/s): req/s vs ceiling",
            live,
            0.85,
            format!("{live:.3}"),
        ),
        Figure::at_most(
            "vdn/querycalls, a page of 100 rows of 100,000 records, one connection: p99",
            page_p99,
            2.0,
            format!("{page_p99:.2} ms"),
        )
        .unit("ms"),
        Figure::at_most(
            "the simulation's CPU with about 10,000 calls in progress and 50 arrivals/s: share of one core",
            cpu,
            0.05,
            format!("{cpu:.4} ({in_progress} calls in progress)"),
        ),
    ]
}

/// The figures of the real-time family: each interface against the ceiling of its round.
fn family_figures(runs: &BTreeMap<Target, Vec<Measured>>) -> Vec<Figure> {
    let rps = |m: &Measured| m.rps;
    let agent_calls = same_round_ratio(runs, Target::AgentCalls, Target::Ceiling, rps);
    let detail = same_round_ratio(runs, Target::DetailCall, Target::Ceiling, rps);
    let group_p99 = median(
        &runs
            .get(&Target::AgentGroup)
            .map(|runs| runs.iter().map(|m| m.p99_ms).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    vec![
        Figure::at_least(
            "agent/queryagentcalls, embedded, plain HTTP: req/s vs ceiling",
            agent_calls,
            0.80,
            format!("{agent_calls:.3}"),
        ),
        Figure::at_least(
            "querydetailcallinfo, embedded, plain HTTP: req/s vs ceiling",
            detail,
            0.80,
            format!("{detail:.3}"),
        ),
        Figure::at_most(
            "agentgroup/queryagentcalls of 3000 agents, one connection: p99",
            group_p99,
            5.0,
            format!("{group_p99:.2} ms"),
        )
        .unit("ms"),
    ]
}

fn extra_notes(
    runs: &BTreeMap<Target, Vec<Measured>>,
    flights: &[u64],
    starts: &[(f64, u64)],
    per_call: f64,
) -> Vec<String> {
    let mut notes = Vec::new();
    if runs.contains_key(&Target::ClientMultiThread) {
        let rps = |m: &Measured| m.rps;
        let multi = same_round_ratio(runs, Target::ClientMultiThread, Target::Embedded, rps);
        notes.push(format!(
            "Client on the multi-thread runtime vs oha req/s (no target; the figure above \
             runs the tasks on a current-thread runtime): {multi:.2}"
        ));
    }
    if runs.contains_key(&Target::EmbeddedPaced) {
        let p99 = |m: &Measured| m.p99_ms;
        let paced = same_round_ratio(runs, Target::EmbeddedPaced, Target::CeilingPaced, p99);
        notes.push(format!(
            "p99 latency at half the ceiling's req/s, both paced by oha (`-q`, \
             `--latency-correction`), embedded vs ceiling (no target; the saturated p99 above \
             depends on how the scheduler shares the two cores, see \"Scheduler regimes\" \
             below): {paced:.2}"
        ));
    }
    if let Some(bms) = runs.get(&Target::Bms) {
        let served: u64 = bms.iter().map(|m| m.ok).sum();
        let asked: u64 = bms.iter().filter_map(|m| m.backend_requests).sum();
        #[allow(
            clippy::cast_precision_loss,
            reason = "request counts are far below 2^52"
        )]
        let share = asked as f64 / served.max(1) as f64;
        notes.push(format!(
            "BMS target: the emulator received {asked} requests for {served} served queries \
             ({share:.3} per query) over the measured runs: the 64 connections all ask for \
             the same call, so single flight coalesces concurrent identical lookups; a \
             workload of distinct calls would send one BMS request per query"
        ));
    }
    notes.push(format!(
        "Single flight, BMS requests per attempt of 100 concurrent queries (the worst is \
         reported): {flights:?}"
    ));
    let mut line = String::from("Cold starts, ms to first 200 (idle RSS KiB one second later):");
    for (ms, rss) in starts {
        let _ = write!(line, " {ms:.1} ({rss})");
    }
    notes.push(line);
    notes.push(format!(
        "RSS per stored call: {per_call:.0} bytes (median over start pairs)"
    ));
    notes
}
