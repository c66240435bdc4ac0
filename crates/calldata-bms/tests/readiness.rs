//! Readiness checks of the BMS adapter against the emulator over real sockets: a flood of
//! checks reaches the BMS at most once per probe interval, checks during a probe wait for
//! it, and readiness still follows the BMS within an interval.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

use std::time::{Duration, Instant};

use calldata_bms::{CallSource, DemoSettings, HttpBms, HttpBmsSettings};
use calldata_bms_emulator::{EmulatorSettings, Faults, LatencyRange, RunningEmulator};
use tokio::task::JoinSet;

const DEMO: DemoSettings = DemoSettings { count: 50, seed: 3 };

async fn emulator() -> RunningEmulator {
    RunningEmulator::start(EmulatorSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        calls: calldata_bms_emulator::CallsSource::Demo(DEMO),
        faults: Faults::none(),
    })
    .await
    .unwrap()
}

fn settings(emulator: &RunningEmulator, probe_interval_ms: u64) -> HttpBmsSettings {
    HttpBmsSettings {
        url: emulator.base_url(),
        request_timeout_ms: 1_000,
        retry_backoff_ms: 1,
        breaker_failures: 100,
        probe_interval_ms,
        ..HttpBmsSettings::default()
    }
}

/// Runs `count` readiness checks at once; returns how many said ready.
async fn concurrent_checks(bms: &HttpBms, count: usize) -> usize {
    let mut checks = JoinSet::new();
    for _ in 0..count {
        let bms = bms.clone();
        checks.spawn(async move { bms.check_ready().await.is_ok() });
    }
    checks.join_all().await.into_iter().filter(|&ok| ok).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_concurrent_checks_asks_bms_at_most_once_per_interval() {
    let emulator = emulator().await;
    let interval = Duration::from_millis(100);
    let bms = HttpBms::new(&settings(&emulator, 100), None).unwrap();
    let started = Instant::now();
    let (mut checks, mut ready) = (0, 0);
    while started.elapsed() < Duration::from_secs(2) {
        ready += concurrent_checks(&bms, 2_000).await;
        checks += 2_000;
    }
    let elapsed = started.elapsed();
    let queries = emulator.stats().queries;
    let bound = elapsed.as_millis() / interval.as_millis() + 1;
    println!("{checks} checks in {elapsed:?}: {queries} BMS queries (bound {bound})");
    assert_eq!(ready, checks, "every check answers ready");
    assert!(
        u128::from(queries) <= bound,
        "{checks} checks in {elapsed:?} sent {queries} BMS queries (bound {bound})"
    );
    // Readiness stays current: the result is refreshed as the interval passes.
    assert!(
        queries >= 2,
        "{checks} checks in {elapsed:?} sent {queries} BMS queries"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_that_arrive_during_a_slow_probe_wait_for_that_probe() {
    let emulator = emulator().await;
    let mut faults = Faults::none();
    faults.latency_ms = Some(LatencyRange::fixed(300));
    emulator.set_faults(faults).unwrap();
    let bms = HttpBms::new(&settings(&emulator, 1_000), None).unwrap();
    let started = Instant::now();
    assert_eq!(concurrent_checks(&bms, 500).await, 500);
    // The first check found no result: every check waited for the one probe.
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(emulator.stats().queries, 1);
}

#[tokio::test]
async fn a_probe_goes_on_when_its_caller_goes_away() {
    let emulator = emulator().await;
    let mut faults = Faults::none();
    faults.latency_ms = Some(LatencyRange::fixed(200));
    emulator.set_faults(faults).unwrap();
    let bms = HttpBms::new(&settings(&emulator, 1_000), None).unwrap();
    let cut_short = tokio::time::timeout(Duration::from_millis(20), bms.check_ready()).await;
    assert!(cut_short.is_err(), "the first check waits for the probe");
    assert!(bms.check_ready().await.is_ok());
    assert_eq!(
        emulator.stats().queries,
        1,
        "the second check waited for the first probe"
    );
}

#[tokio::test]
async fn a_recent_lookup_answers_readiness_without_a_probe() {
    let emulator = emulator().await;
    let bms = HttpBms::new(&settings(&emulator, 1_000), None).unwrap();
    let key = calldata_bms::embedded::sample_keys(&DEMO, 1)[0];
    bms.lookup(key).await;
    assert!(bms.check_ready().await.is_ok());
    assert_eq!(emulator.stats().queries, 1);
}

#[tokio::test]
async fn readiness_follows_the_bms_within_an_interval() {
    let emulator = emulator().await;
    let interval = Duration::from_millis(100);
    let bms = HttpBms::new(&settings(&emulator, 100), None).unwrap();
    assert!(bms.check_ready().await.is_ok());
    let mut failing = Faults::none();
    failing.ret_code = Some("7".into());
    emulator.set_faults(failing).unwrap();
    // Within the interval the last result stands; past it, the next check asks again.
    assert!(bms.check_ready().await.is_ok());
    tokio::time::sleep(interval).await;
    assert!(bms.check_ready().await.is_err());
    assert!(
        bms.status_detail()
            .unwrap()
            .contains("last exchange failed")
    );
    emulator.set_faults(Faults::none()).unwrap();
    tokio::time::sleep(interval).await;
    assert!(bms.check_ready().await.is_ok());
    assert_eq!(emulator.stats().queries, 3);
}
