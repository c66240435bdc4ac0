//! A flood of anonymous `/readyz` through the server binary (`backend = "bms"`) reaches the
//! BMS emulator at most once per probe interval, and readiness still follows the BMS: 503
//! soon after it dies, 200 soon after it returns.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use calldata_e2e::write_reliability_record;
use calldata_testkit::process::{Process, binary, client_trusting, wait_ready};
use serde_json::json;
use tokio::process::Command;

const PROBE_INTERVAL: Duration = Duration::from_millis(200);
const FLOOD_FOR: Duration = Duration::from_secs(3);
const FLOODERS: usize = 32;
const BREAKER_COOL_DOWN_MS: u64 = 300;

async fn start_emulator(listen: &str) -> Process {
    calldata_testkit::process::start_emulator(listen)
        .await
        .unwrap()
}

async fn emulator_queries(http: &reqwest::Client, bms_url: &str) -> u64 {
    let stats: serde_json::Value = http
        .get(format!("{bms_url}/emulator/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["queries"].as_u64().unwrap()
}

/// Polls `/readyz` until it answers `status`; returns how long that took.
async fn until_status(
    http: &reqwest::Client,
    url: &str,
    status: u16,
    within: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let answer = http.get(url).send().await.unwrap().status().as_u16();
        if answer == status {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "/readyz did not answer {status} within {within:?} (last {answer})"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readyz_flood_reaches_the_bms_at_most_once_per_probe_interval() {
    let mut emulator = start_emulator("127.0.0.1:0").await;
    let _emulator_logs = emulator.drain_stderr(50);
    let bms_url = emulator
        .banner_word("http://127.0.0.1:")
        .expect("emulator prints its address");
    let bms_listen = bms_url.trim_start_matches("http://").to_owned();

    let data = tempfile::tempdir().unwrap();
    let interval_ms = PROBE_INTERVAL.as_millis().to_string();
    let cool_down_ms = BREAKER_COOL_DOWN_MS.to_string();
    let mut command = Command::new(binary("calldata-server", "calldata-server").unwrap());
    command
        .args(["--listen", "127.0.0.1:0", "--backend", "bms"])
        .args(["--bms-url", &bms_url])
        .args(["--bms-probe-interval-ms", &interval_ms])
        .args(["--bms-breaker-cool-down-ms", &cool_down_ms])
        .args(["--bms-request-timeout-ms", "1000"])
        .env("CALLDATA_DATA_DIR", data.path());
    let mut server = Process::start(command, "listening on").await.unwrap();
    // One log line per request: the pipe is drained so that the server never blocks on it.
    let _server_logs = server.drain_stderr(100);
    let url = server.banner_word("https://127.0.0.1:").unwrap();
    let readyz = format!("{url}/readyz");
    let http = client_trusting(&data.path().join("tls/ca.pem")).unwrap();
    wait_ready(&http, &readyz, Duration::from_secs(10))
        .await
        .unwrap();

    let plain = reqwest::Client::new();
    let queries_before = emulator_queries(&plain, &bms_url).await;
    let (answered, not_ready) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let started = Instant::now();
    let mut flooders = tokio::task::JoinSet::new();
    for _ in 0..FLOODERS {
        let (http, readyz) = (http.clone(), readyz.clone());
        let (answered, not_ready) = (Arc::clone(&answered), Arc::clone(&not_ready));
        flooders.spawn(async move {
            while started.elapsed() < FLOOD_FOR {
                let status = http.get(&readyz).send().await.unwrap().status();
                answered.fetch_add(1, Ordering::Relaxed);
                if status != 200 {
                    not_ready.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    flooders.join_all().await;
    let elapsed = started.elapsed();
    let queries = emulator_queries(&plain, &bms_url).await - queries_before;
    let answered = answered.load(Ordering::Relaxed);
    let not_ready = not_ready.load(Ordering::Relaxed);
    let bound = u64::try_from(elapsed.as_millis() / PROBE_INTERVAL.as_millis()).unwrap() + 1;

    emulator.stop("KILL").await.unwrap();
    let to_503 = until_status(&http, &readyz, 503, Duration::from_secs(5)).await;
    let _emulator = start_emulator(&bms_listen).await;
    let to_200 = until_status(&http, &readyz, 200, Duration::from_secs(10)).await;
    assert_eq!(server.stop("TERM").await.unwrap(), Some(0));

    #[allow(clippy::cast_precision_loss)] // a rate for the record
    let per_second = answered as f64 / elapsed.as_secs_f64();
    write_reliability_record(
        "a_readyz_flood_reaches_the_bms_at_most_once_per_probe_interval",
        json!({
            "attack": "a flood of anonymous GET /readyz against a server with backend = \"bms\"",
            "before": "100,000 unauthenticated /readyz made 100,000 BMS queries (10,800/s), past single flight and the cache; with a slow BMS real queries slowed 2.5x",
            "after": format!(
                "{answered} /readyz in {:.1} s ({per_second:.0}/s) made {queries} BMS queries (bound {bound}: one per {} ms probe interval)",
                elapsed.as_secs_f64(),
                PROBE_INTERVAL.as_millis()
            ),
            "readyzAnswered": answered,
            "readyzNotReady": not_ready,
            "floodMs": elapsed.as_millis(),
            "bmsQueries": queries,
            "bmsQueriesBound": bound,
            "probeIntervalMs": PROBE_INTERVAL.as_millis(),
            "breakerCoolDownMs": BREAKER_COOL_DOWN_MS,
            "readyz503AfterBmsKilledMs": to_503.as_millis(),
            "readyz200AfterBmsBackMs": to_200.as_millis(),
        }),
    )
    .unwrap();

    assert_eq!(not_ready, 0, "/readyz said not ready while BMS was up");
    assert!(
        queries <= bound,
        "{answered} /readyz in {elapsed:?} made {queries} BMS queries (bound {bound})"
    );
    // One interval for the last good result to age, one for the probe that finds BMS gone.
    assert!(
        to_503 <= PROBE_INTERVAL * 2 + Duration::from_millis(300),
        "503 only {to_503:?} after BMS was killed"
    );
    // The breaker may be open when BMS returns: its cool-down, then one interval.
    assert!(
        to_200
            <= Duration::from_millis(BREAKER_COOL_DOWN_MS)
                + PROBE_INTERVAL * 2
                + Duration::from_millis(500),
        "200 only {to_200:?} after BMS came back"
    );
}
