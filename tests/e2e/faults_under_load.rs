//! The server (`--backend bms`) in front of the `bms-emulator` process, both as real
//! processes, under continuous load from several clients while the emulator's faults are
//! switched at run time (latency spikes past the BMS timeout, resets, hangs, garbage, partial
//! faults, flapping). No request hangs past the BMS timeout plus a margin, every answer is
//! the requested call's own data or `0100001`, the breaker opens and closes again once the
//! faults clear, and the server's memory stays bounded.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use calldata_bms::DemoSettings;
use calldata_bms::embedded::demo_records;
use calldata_client::{BasicCallInfo, Client, Credentials, Error, ResultCode, RetryPolicy};
use calldata_e2e::{write_reliability_record, write_reliability_table};
use calldata_model::{CallId, CallKey, CcId, Vdn};
use calldata_testkit::metrics::{fetch, metric, metric_samples};
use calldata_testkit::process::{Process, demo_credentials, start_plain_server, wait_ready};
use calldata_testkit::rss::rss_kib;
use serde_json::{Value, json};

/// `--bms-request-timeout-ms` of the server.
const BMS_TIMEOUT: Duration = Duration::from_millis(500);
/// Longest acceptable answer: the BMS timeout, one retry after a reset (backoff of at most
/// 100 ms plus a second exchange), and slack for a loaded 2-core machine. The injected
/// latency spikes (3-4 s) are well above it.
const LATENCY_BOUND: Duration = Duration::from_millis(3000);
/// Client tasks sending queries.
const TASKS: usize = 6;
/// Pause between two queries of one task.
const PAUSE: Duration = Duration::from_millis(10);
/// Allowed growth of the server's resident memory over the run.
const RSS_GROWTH_LIMIT_KIB: u64 = 50 * 1024;

/// One stretch of the run: these faults, switched in turn every 500 ms, for `secs`; then,
/// if `recover_after`, the faults are cleared until the breaker has closed again, so that the
/// next faults meet a closed breaker and a full load of exchanges.
struct Phase {
    name: &'static str,
    faults: Vec<Value>,
    secs: f64,
    recover_after: bool,
}

fn phases() -> Vec<Phase> {
    let spike = json!({"latencyMs": {"min": 3000, "max": 4000}});
    let reset = json!({"resetRate": 1.0});
    let hang = json!({"hangRate": 1.0});
    let garbage = json!({"malformedRate": 1.0});
    let none = json!({});
    vec![
        Phase {
            name: "baseline",
            faults: vec![none.clone()],
            secs: 1.5,
            recover_after: false,
        },
        Phase {
            name: "latency spike 3-4 s",
            faults: vec![spike.clone()],
            secs: 1.5,
            recover_after: true,
        },
        Phase {
            name: "connection resets",
            faults: vec![reset.clone()],
            secs: 1.5,
            recover_after: true,
        },
        Phase {
            name: "hangs",
            faults: vec![hang.clone()],
            secs: 1.5,
            recover_after: true,
        },
        Phase {
            name: "garbage answers",
            faults: vec![garbage.clone()],
            secs: 1.5,
            recover_after: true,
        },
        Phase {
            name: "partial faults",
            faults: vec![json!({
                "errorRate": 0.3, "resetRate": 0.1, "malformedRate": 0.1, "hangRate": 0.05,
                "latencyMs": {"min": 0, "max": 800}
            })],
            secs: 1.5,
            recover_after: true,
        },
        Phase {
            name: "flapping every 500 ms",
            faults: vec![
                spike,
                none.clone(),
                reset,
                none.clone(),
                hang,
                none.clone(),
                garbage,
                none,
            ],
            secs: 3.0,
            recover_after: false,
        },
    ]
}

/// What happened to one query.
struct Sample {
    phase: usize,
    class: &'static str,
    latency: Duration,
    violation: Option<String>,
}

/// The calls queried: existing demo calls with their data, and one that does not exist.
type Calls = Arc<Vec<(CallKey, Option<BasicCallInfo>)>>;

fn calls() -> Calls {
    let mut calls: Vec<(CallKey, Option<BasicCallInfo>)> = demo_records(&DemoSettings::default())
        .take(8)
        .map(|record| (record.key, Some(record.call)))
        .collect();
    for (i, (_, a)) in calls.iter().enumerate() {
        for (_, b) in &calls[i + 1..] {
            assert_ne!(a, b, "two demo calls are equal; a mix-up would go unseen");
        }
    }
    let missing = CallKey {
        cc_id: CcId::new(1).unwrap(),
        vdn: Vdn::new(1).unwrap(),
        call_id: CallId::parse("1764536332974-999999").unwrap(),
    };
    assert!(calls.iter().all(|(key, _)| *key != missing));
    calls.push((missing, None));
    Arc::new(calls)
}

/// Sorts one answer into a class; anything that breaks the rules is a violation.
fn classify(
    result: Result<BasicCallInfo, Error>,
    expected: Option<&BasicCallInfo>,
    bms: &str,
) -> (&'static str, Option<String>) {
    match (result, expected) {
        (Ok(call), Some(expected)) if call == *expected => ("found", None),
        (Ok(call), Some(_)) => (
            "wrong call",
            Some(format!(
                "answered with another call's data (time {})",
                call.time.unwrap_or_default()
            )),
        ),
        (Ok(_), None) => (
            "wrong call",
            Some("a call that does not exist was answered with data".into()),
        ),
        (
            Err(Error::Api {
                code: ResultCode::InterfaceCallFailed,
                message,
            }),
            expected,
        ) => {
            if message.contains(bms) {
                return (
                    "leak",
                    Some(format!("the message names the BMS address: {message}")),
                );
            }
            let class = [
                ("not found or no longer in progress", "not found"),
                ("circuit breaker", "breaker open"),
                ("did not answer in time", "timeout"),
                ("closed the connection", "reset"),
                ("unreadable", "unreadable"),
                ("HTTP error", "http error"),
                ("too many requests", "busy"),
                ("refused the connection", "refused"),
                ("could not be reached", "unreachable"),
                ("reported a failure", "bms failure"),
            ]
            .into_iter()
            .find_map(|(needle, class)| message.contains(needle).then_some(class))
            .unwrap_or("other 0100001");
            match (class, expected) {
                // The emulator never says "not found" for a call it holds: that would be
                // another query's answer.
                ("not found", Some(_)) => (
                    "wrong call",
                    Some("an existing call was answered 'not found'".into()),
                ),
                ("other 0100001", _) => (
                    class,
                    Some(format!("unexpected 0100001 message: {message}")),
                ),
                _ => (class, None),
            }
        }
        (Err(Error::Api { code, message }), _) => {
            ("other code", Some(format!("answered {code}: {message}")))
        }
        (Err(Error::Transport { kind, .. }), _) => (
            "transport",
            Some(format!("no answer from the server ({kind:?})")),
        ),
        (Err(other), _) => ("client error", Some(other.to_string())),
    }
}

/// One client task: queries the calls in turn until `stop`.
async fn load(
    client: Client,
    calls: Calls,
    offset: usize,
    phase: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    bms: String,
) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut n = offset;
    while !stop.load(Ordering::Relaxed) {
        let (key, expected) = &calls[n % calls.len()];
        n += 1;
        let current = phase.load(Ordering::Relaxed);
        let started = Instant::now();
        let result = client.query(key).await;
        let latency = started.elapsed();
        let (class, mut violation) = classify(result, expected.as_ref(), &bms);
        if latency > LATENCY_BOUND {
            let slow = format!("took {latency:?} (bound {LATENCY_BOUND:?})");
            violation = Some(violation.map_or(slow.clone(), |v| format!("{v}; {slow}")));
        }
        samples.push(Sample {
            phase: current,
            class,
            latency,
            violation: violation.map(|v| format!("{key:?}: {v}")),
        });
        tokio::time::sleep(PAUSE).await;
    }
    samples
}

/// What the monitor saw: breaker states, readiness, memory.
#[derive(Debug, Default)]
struct Watch {
    /// Highest breaker gauge seen per phase.
    breaker_max: BTreeMap<usize, f64>,
    /// `/readyz` statuses seen per phase.
    readyz: BTreeMap<usize, Vec<u16>>,
    slowest_readyz: Duration,
    max_rss_kib: u64,
}

impl Watch {
    fn breaker_opened(&self, in_phases: &[usize]) -> bool {
        in_phases.iter().any(|p| {
            self.breaker_max.get(p).is_some_and(|s| *s >= 2.0)
                || self.readyz.get(p).is_some_and(|s| s.contains(&503))
        })
    }
}

/// Polls `/metrics` every 100 ms and `/readyz` every 500 ms until `stop`.
async fn monitor(
    http: reqwest::Client,
    server: SocketAddr,
    pid: u32,
    phase: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) -> Watch {
    let mut watch = Watch::default();
    let mut tick = 0_u32;
    while !stop.load(Ordering::Relaxed) {
        let current = phase.load(Ordering::Relaxed);
        if let Some(state) = breaker_state(&http, server).await {
            let max = watch.breaker_max.entry(current).or_insert(0.0);
            *max = max.max(state);
        }
        if tick.is_multiple_of(5) {
            let started = Instant::now();
            if let Ok(response) = http.get(format!("http://{server}/readyz")).send().await {
                watch.slowest_readyz = watch.slowest_readyz.max(started.elapsed());
                watch
                    .readyz
                    .entry(current)
                    .or_default()
                    .push(response.status().as_u16());
            }
        }
        watch.max_rss_kib = watch.max_rss_kib.max(rss_kib(pid).unwrap_or_default());
        tick += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    watch
}

async fn metrics_text(http: &reqwest::Client, server: SocketAddr) -> Option<String> {
    fetch(http, &format!("http://{server}")).await.ok()
}

async fn breaker_state(http: &reqwest::Client, server: SocketAddr) -> Option<f64> {
    metric(
        &metrics_text(http, server).await?,
        "calldata_bms_breaker_state",
    )
}

async fn set_faults(http: &reqwest::Client, emulator: &str, faults: &Value) {
    let response = http
        .put(format!("{emulator}/emulator/faults"))
        .json(faults)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "faults {faults} refused");
}

/// Clears the faults and waits until the breaker is closed and `/readyz` answers 200.
async fn recover(http: &reqwest::Client, emulator: &str, server: SocketAddr) -> Duration {
    let started = Instant::now();
    let cleared = http
        .delete(format!("{emulator}/emulator/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 200);
    loop {
        let closed = breaker_state(http, server).await == Some(0.0);
        let ready = http
            .get(format!("http://{server}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if closed && ready {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the breaker did not close within 20 s of the faults clearing"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn start_emulator() -> (Process, String) {
    let emulator = calldata_testkit::process::start_emulator("127.0.0.1:0")
        .await
        .unwrap();
    let url = emulator
        .banner_word("http://127.0.0.1:")
        .expect("the emulator prints its address");
    (emulator, url)
}

#[allow(clippy::too_many_lines)] // one scenario, told in order
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bms_faults_under_load_never_hang_never_mix_answers_and_the_breaker_recovers() {
    let test_started = Instant::now();
    let (mut emulator, emulator_url) = start_emulator().await;
    let _emulator_logs = emulator.drain_stderr(50);
    let data = tempfile::tempdir().unwrap();
    let timeout_ms = BMS_TIMEOUT.as_millis().to_string();
    let (mut server, address) = start_plain_server(
        data.path(),
        "127.0.0.1:0",
        &[
            "--workers",
            "2",
            "--backend",
            "bms",
            "--bms-url",
            &emulator_url,
            "--bms-request-timeout-ms",
            &timeout_ms,
            "--bms-connect-timeout-ms",
            &timeout_ms,
            "--bms-breaker-failures",
            "5",
            "--bms-breaker-cool-down-ms",
            "500",
            "--log-filter",
            "warn",
        ],
    )
    .await
    .unwrap();
    let server_logs = server.drain_stderr(100);
    let pid = server.id().unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    wait_ready(
        &http,
        &format!("http://{address}/readyz"),
        Duration::from_secs(15),
    )
    .await
    .unwrap();

    let (ak, sk) = demo_credentials(data.path()).unwrap();
    let calls = calls();
    let phase = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let bms_address = emulator_url.trim_start_matches("http://").to_owned();
    let mut tasks = Vec::new();
    for offset in 0..TASKS {
        let client = Client::builder()
            .base_url(format!("http://{address}"))
            .credentials(Credentials::new(ak.clone(), sk.clone()))
            .retry_policy(RetryPolicy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        tasks.push(tokio::spawn(load(
            client,
            calls.clone(),
            offset,
            phase.clone(),
            stop.clone(),
            bms_address.clone(),
        )));
    }
    let watcher = tokio::spawn(monitor(
        http.clone(),
        address,
        pid,
        phase.clone(),
        stop.clone(),
    ));

    // The fault phases, each (but the flapping) followed by a recovery.
    let mut names: Vec<String> = Vec::new();
    let mut faults_of: Vec<String> = Vec::new();
    let mut fault_phases = Vec::new();
    let mut recoveries: Vec<(String, Duration)> = Vec::new();
    let mut enter = |name: String, faults: String| {
        phase.store(names.len(), Ordering::Relaxed);
        names.push(name);
        faults_of.push(faults);
        names.len() - 1
    };
    let mut rss_start = None;
    for step in phases() {
        let described = step
            .faults
            .iter()
            .map(|f| {
                if f == &json!({}) {
                    "none".to_owned()
                } else {
                    f.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" / ");
        let index = enter(step.name.to_owned(), described);
        if index > 0 {
            fault_phases.push(index);
        }
        let until = Instant::now() + Duration::from_secs_f64(step.secs);
        for faults in step.faults.iter().cycle() {
            set_faults(&http, &emulator_url, faults).await;
            let next = (Instant::now() + Duration::from_millis(500)).min(until);
            tokio::time::sleep_until(next.into()).await;
            if Instant::now() >= until {
                break;
            }
        }
        if index == 0 {
            // After the warm-up: the reference for memory growth.
            rss_start = rss_kib(pid);
        }
        if step.recover_after {
            enter(
                format!("recovery after {}", step.name),
                "none (DELETE)".into(),
            );
            let took = recover(&http, &emulator_url, address).await;
            recoveries.push((step.name.to_owned(), took));
        }
    }
    // Faults clear for good: the breaker must close again, and answers come back.
    enter("recovery (faults cleared)".into(), "none (DELETE)".into());
    let recovery = recover(&http, &emulator_url, address).await;
    recoveries.push(("flapping every 500 ms".to_owned(), recovery));
    let recovered_index = enter("recovered".into(), "none".into());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    stop.store(true, Ordering::Relaxed);

    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.unwrap());
    }
    let watch = watcher.await.unwrap();
    let rss_start = rss_start.unwrap();
    let rss_end = rss_kib(pid).unwrap();
    let final_metrics = metrics_text(&http, address).await.unwrap_or_default();
    let emulator_stats: Value = http
        .get(format!("{emulator_url}/emulator/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Figures.
    let mut by_class: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_phase: Vec<BTreeMap<&str, u64>> = vec![BTreeMap::new(); names.len()];
    let mut violations = Vec::new();
    let mut max_latency = Duration::ZERO;
    let mut phase_latency = vec![Duration::ZERO; names.len()];
    let mut phase_violations = vec![0_u64; names.len()];
    for sample in &samples {
        *by_class.entry(sample.class).or_default() += 1;
        *by_phase[sample.phase].entry(sample.class).or_default() += 1;
        max_latency = max_latency.max(sample.latency);
        phase_latency[sample.phase] = phase_latency[sample.phase].max(sample.latency);
        if let Some(violation) = &sample.violation {
            phase_violations[sample.phase] += 1;
            violations.push(format!("[{}] {violation}", names[sample.phase]));
        }
    }
    let phase_figures: Vec<Value> = (0..names.len())
        .map(|i| {
            json!({
                "phase": names[i],
                "faults": faults_of[i],
                "answers": by_phase[i],
                "maxLatencyMs": phase_latency[i].as_millis(),
                "violations": phase_violations[i],
                "breakerMaxGauge": watch.breaker_max.get(&i),
                "readyzStatuses": watch.readyz.get(&i),
            })
        })
        .collect();
    // `outcome="timeout"` → `timeout`
    let bms_outcomes: BTreeMap<String, f64> =
        metric_samples(&final_metrics, "calldata_bms_requests_total")
            .into_iter()
            .map(|(labels, value)| {
                let label = labels
                    .rsplit('=')
                    .next()
                    .unwrap_or_default()
                    .trim_matches('"');
                (label.to_owned(), value)
            })
            .collect();
    let breaker_opened = watch.breaker_opened(&fault_phases);
    let recovered = &by_phase[recovered_index];
    let recovered_found = recovered.get("found").copied().unwrap_or_default();
    let recovered_failed: u64 = recovered
        .iter()
        .filter(|(class, _)| !matches!(**class, "found" | "not found"))
        .map(|(_, n)| n)
        .sum();
    server.stop("TERM").await.unwrap();
    emulator.stop("TERM").await.unwrap();
    write_reliability_record(
        "faults_under_load",
        json!({
            "what": "calldata-server (BMS backend) before bms-emulator under load while faults switch at run time",
            "clientTasks": TASKS,
            "requestsSent": samples.len(),
            "answersByClass": by_class,
            "violations": violations.len(),
            "maxLatencyMs": max_latency.as_millis(),
            "latencyBoundMs": LATENCY_BOUND.as_millis(),
            "bmsTimeoutMs": BMS_TIMEOUT.as_millis(),
            "slowestReadyzMs": watch.slowest_readyz.as_millis(),
            "breakerOpened": breaker_opened,
            "breakerClosedAfterClearMs": recoveries
                .iter()
                .map(|(after, took)| (after.clone(), took.as_millis()))
                .collect::<BTreeMap<_, _>>(),
            "rssStartKiB": rss_start,
            "rssEndKiB": rss_end,
            "rssMaxKiB": watch.max_rss_kib,
            "rssGrowthLimitKiB": RSS_GROWTH_LIMIT_KIB,
            "phases": "in faults_under_load_phases",
            "bmsAdapterOutcomes": bms_outcomes,
            "bmsRetries": metric(&final_metrics, "calldata_bms_retries_total"),
            "emulatorStats": emulator_stats,
            "durationMs": test_started.elapsed().as_millis(),
        }),
    )
    .unwrap();
    write_reliability_table("faults_under_load_phases", phase_figures.clone()).unwrap();

    let context = || {
        format!(
            "by phase: {phase_figures:#?}\nserver log tail:\n{}",
            server_logs.lines().join("\n")
        )
    };
    assert!(
        violations.is_empty(),
        "{} of {} answers broke the rules (first 20):\n{}\n{}",
        violations.len(),
        samples.len(),
        violations
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        context()
    );
    assert!(
        samples.len() >= 200,
        "only {} queries were sent",
        samples.len()
    );
    assert!(
        by_phase[0].get("found").copied().unwrap_or_default() > 0,
        "no call was found before the faults: {}",
        context()
    );
    assert!(
        breaker_opened,
        "the breaker never opened (no gauge 2, no readyz 503): {watch:?}"
    );
    assert!(
        recovered_found > 0 && recovered_failed * 10 <= recovered_found,
        "after recovery: {recovered_found} found, {recovered_failed} failed\n{}",
        context()
    );
    assert!(
        rss_end < rss_start + RSS_GROWTH_LIMIT_KIB,
        "server RSS grew from {rss_start} KiB to {rss_end} KiB"
    );
    assert!(max_latency < LATENCY_BOUND);
}
