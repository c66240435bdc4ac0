//! SIGTERM while the server (embedded store) is under continuous load from several clients:
//! every request either completes with a full, valid answer or fails cleanly at the
//! connection level (never a truncated 200), requests in flight at the signal are finished,
//! the process exits 0 within the shutdown timeout, and a restart on the same data directory
//! serves again.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use calldata_bms::DemoSettings;
use calldata_bms::embedded::demo_records;
use calldata_e2e::write_reliability_record;
use calldata_model::{BasicCallInfo, CallKey, QUERY_BASIC_CALL_INFO_PATH};
use calldata_testkit::process::{demo_credentials, start_plain_server};
use calldata_testkit::raw::{RawOutcome, RawResponse, read_response};
use calldata_testkit::sign::json_post;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// `--shutdown-timeout-secs` of the server.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// Slack for a loaded 2-core machine on top of the shutdown timeout.
const MARGIN: Duration = Duration::from_secs(5);
/// Clients on keep-alive connections (reqwest) and clients opening a connection per request
/// and sending the body in two parts (raw TCP).
const KEEP_ALIVE_TASKS: usize = 4;
const RAW_TASKS: usize = 2;
/// Pause between two requests of one client.
const PAUSE: Duration = Duration::from_millis(5);

/// What the clients share: where to go, how to sign, what each call must answer.
struct Shared {
    address: SocketAddr,
    ak: String,
    sk: String,
    calls: Vec<(CallKey, BasicCallInfo)>,
    stop: AtomicBool,
    started: Instant,
}

impl Shared {
    fn body(&self, index: usize) -> (String, &BasicCallInfo) {
        let (key, call) = &self.calls[index % self.calls.len()];
        (
            format!(
                r#"{{"ccId":{},"vdn":{},"callId":"{}"}}"#,
                key.cc_id, key.vdn, key.call_id
            ),
            call,
        )
    }

    fn authorization(&self, body: &str) -> String {
        json_post(
            (&self.ak, &self.sk),
            &self.address.to_string(),
            QUERY_BASIC_CALL_INFO_PATH,
            body.as_bytes(),
        )
    }

    /// The head of a signed query (the body follows).
    fn head(&self, body: &str) -> Vec<u8> {
        format!(
            "POST {QUERY_BASIC_CALL_INFO_PATH} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
            self.address,
            body.len(),
            self.authorization(body)
        )
        .into_bytes()
    }
}

/// One request: when it started and ended (seconds since the test began), and its fate.
struct Sample {
    start: f64,
    end: f64,
    class: &'static str,
    violation: Option<String>,
}

/// Whether a complete 200 body is a success carrying exactly `expected`.
fn check_answer(body: &[u8], expected: &BasicCallInfo) -> Result<(), String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        format!(
            "200 with a body that is not JSON ({e}), {} bytes",
            body.len()
        )
    })?;
    if value["resultCode"] != "0100000" {
        return Err(format!("200 with resultCode {}", value["resultCode"]));
    }
    let call: BasicCallInfo = serde_json::from_value(value["resultDesc"].clone())
        .map_err(|e| format!("resultDesc is not a call: {e}"))?;
    if call != *expected {
        return Err("answered with another call's data".into());
    }
    Ok(())
}

/// The pause before a client's next request: longer once the server refuses connections.
fn pause_after(class: &str) -> Duration {
    if class == "refused" {
        Duration::from_millis(50)
    } else {
        PAUSE
    }
}

/// A client on keep-alive connections.
async fn keep_alive_client(shared: Arc<Shared>, offset: usize) -> Vec<Sample> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let url = format!("http://{}{QUERY_BASIC_CALL_INFO_PATH}", shared.address);
    let mut samples = Vec::new();
    let mut n = offset;
    while !shared.stop.load(Ordering::Relaxed) {
        let (body, expected) = shared.body(n);
        n += 1;
        let start = shared.started.elapsed().as_secs_f64();
        let sent = http
            .post(&url)
            .header("content-type", "application/json;charset=UTF-8")
            .header("authorization", shared.authorization(&body))
            .body(body)
            .send()
            .await;
        let (class, violation) = match sent {
            Err(error) if error.is_timeout() => ("hang", Some(format!("no answer: {error}"))),
            Err(error) if error.is_connect() => ("refused", None),
            // Closed or reset before any response head: a clean connection-level failure.
            Err(_) => ("closed before an answer", None),
            Ok(response) if response.status() != 200 => (
                "other status",
                Some(format!("answered HTTP {}", response.status())),
            ),
            Ok(response) => match response.bytes().await {
                Err(error) => ("partial 200", Some(format!("200 with a cut body: {error}"))),
                Ok(bytes) => match check_answer(&bytes, expected) {
                    Ok(()) => ("complete", None),
                    Err(why) => ("bad 200", Some(why)),
                },
            },
        };
        samples.push(Sample {
            start,
            end: shared.started.elapsed().as_secs_f64(),
            class,
            violation,
        });
        tokio::time::sleep(pause_after(class)).await;
    }
    samples
}

/// Sends one query on a new connection: the head and half the body, then after `pause` the
/// rest; reads the answer.
async fn split_request(shared: &Shared, index: usize, pause: Duration) -> Sample {
    let (body, expected) = shared.body(index);
    let start = shared.started.elapsed().as_secs_f64();
    let begun = Instant::now();
    let finish = |class: &'static str, violation: Option<String>| Sample {
        start,
        end: shared.started.elapsed().as_secs_f64(),
        class,
        violation,
    };
    let Ok(mut stream) = TcpStream::connect(shared.address).await else {
        return finish("refused", None);
    };
    let mut first = shared.head(&body);
    first.extend_from_slice(&body.as_bytes()[..body.len() / 2]);
    if stream.write_all(&first).await.is_err() {
        return finish("closed before an answer", None);
    }
    tokio::time::sleep(pause).await;
    if stream
        .write_all(&body.as_bytes()[body.len() / 2..])
        .await
        .is_err()
    {
        return finish("closed before an answer", None);
    }
    match read_response(&mut stream, begun, begun + Duration::from_secs(20)).await {
        RawOutcome::TimedOut { .. } => finish("hang", Some("no answer within 20 s".into())),
        RawOutcome::Closed { .. } => finish("closed before an answer", None),
        RawOutcome::Response(response) => {
            let (class, violation) = judge_raw(&response, expected);
            finish(class, violation)
        }
    }
}

fn judge_raw(response: &RawResponse, expected: &BasicCallInfo) -> (&'static str, Option<String>) {
    if response.status != 200 {
        return (
            "other status",
            Some(format!("answered HTTP {}", response.status)),
        );
    }
    if !response.complete {
        return (
            "partial 200",
            Some(format!(
                "200 with {} of {:?} body bytes",
                response.body.len(),
                response.header("content-length")
            )),
        );
    }
    match check_answer(&response.body, expected) {
        Ok(()) => ("complete", None),
        Err(why) => ("bad 200", Some(why)),
    }
}

/// A client opening a connection per request, its body sent in two parts.
async fn split_client(shared: Arc<Shared>, offset: usize) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut n = offset;
    while !shared.stop.load(Ordering::Relaxed) {
        let sample = split_request(&shared, n, Duration::from_millis(50)).await;
        let pause = pause_after(sample.class);
        samples.push(sample);
        n += 1;
        tokio::time::sleep(pause).await;
    }
    samples
}

#[allow(clippy::too_many_lines)] // one scenario, told in order
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_finishes_or_cleanly_refuses_every_request_and_a_restart_serves() {
    let data = tempfile::tempdir().unwrap();
    let shutdown_secs = SHUTDOWN_TIMEOUT.as_secs().to_string();
    let flags = [
        "--workers",
        "2",
        "--shutdown-timeout-secs",
        &shutdown_secs,
        "--log-filter",
        "warn",
    ];
    let (mut server, address) = start_plain_server(data.path(), "127.0.0.1:0", &flags)
        .await
        .unwrap();
    let logs = server.drain_stderr(100);
    let (ak, sk) = demo_credentials(data.path()).unwrap();
    let calls: Vec<(CallKey, BasicCallInfo)> = demo_records(&DemoSettings::default())
        .take(16)
        .map(|record| (record.key, record.call))
        .collect();
    let shared = Arc::new(Shared {
        address,
        ak: ak.clone(),
        sk,
        calls,
        stop: AtomicBool::new(false),
        started: Instant::now(),
    });

    let mut tasks = Vec::new();
    for offset in 0..KEEP_ALIVE_TASKS {
        tasks.push(tokio::spawn(keep_alive_client(shared.clone(), offset)));
    }
    for offset in 0..RAW_TASKS {
        tasks.push(tokio::spawn(split_client(shared.clone(), offset + 100)));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Two requests certainly in flight at the signal: head and half the body sent 400 ms
    // before it (time enough to be accepted on a loaded machine), the rest 400 ms after.
    let mut straddlers = Vec::new();
    for index in 0..2 {
        let shared = shared.clone();
        straddlers.push(tokio::spawn(async move {
            split_request(&shared, index, Duration::from_millis(800)).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    let sigterm_at = shared.started.elapsed().as_secs_f64();
    let signalled = Instant::now();
    let exit = server.stop("TERM").await.unwrap();
    let exit_after = signalled.elapsed();
    let refused_after_exit = TcpStream::connect(address).await.is_err();
    tokio::time::sleep(Duration::from_millis(300)).await;
    shared.stop.store(true, Ordering::Relaxed);

    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.unwrap());
    }
    let straddlers: Vec<Sample> = {
        let mut done = Vec::new();
        for straddler in straddlers {
            done.push(straddler.await.unwrap());
        }
        done
    };

    // Restart on the same data directory and port.
    let (mut again, _) = start_plain_server(data.path(), &address.to_string(), &flags)
        .await
        .unwrap();
    let _again_logs = again.drain_stderr(50);
    let (ak_again, _) = demo_credentials(data.path()).unwrap();
    let after_restart = split_request(&shared, 7, Duration::ZERO).await;
    let exit_again = again.stop("TERM").await.unwrap();

    // Figures.
    let mut by_class: BTreeMap<&str, u64> = BTreeMap::new();
    let mut in_flight: BTreeMap<&str, u64> = BTreeMap::new();
    let mut violations = Vec::new();
    for sample in samples.iter().chain(&straddlers) {
        *by_class.entry(sample.class).or_default() += 1;
        if sample.start < sigterm_at && sample.end > sigterm_at {
            *in_flight.entry(sample.class).or_default() += 1;
        }
        if let Some(violation) = &sample.violation {
            violations.push(format!(
                "request {:.3}-{:.3} s (SIGTERM at {sigterm_at:.3} s): {violation}",
                sample.start, sample.end
            ));
        }
    }
    let before: u64 = samples
        .iter()
        .filter(|s| s.end < sigterm_at && s.class == "complete")
        .count() as u64;
    let straddlers_complete = straddlers.iter().filter(|s| s.class == "complete").count();
    let classes_of = |list: &[Sample]| -> HashMap<&str, usize> {
        let mut map = HashMap::new();
        for s in list {
            *map.entry(s.class).or_default() += 1;
        }
        map
    };
    write_reliability_record(
        "shutdown_under_load",
        json!({
            "what": "SIGTERM to calldata-server (embedded store) under continuous load, then a restart on the same data directory",
            "clientTasks": {"keepAlive": KEEP_ALIVE_TASKS, "connectionPerRequest": RAW_TASKS},
            "requestsAttempted": samples.len() + straddlers.len(),
            "completed": by_class.get("complete").copied().unwrap_or_default(),
            "completedBeforeSigterm": before,
            "byClass": by_class,
            "inFlightAtSigterm": in_flight,
            "straddlers": {"sent": straddlers.len(), "complete": straddlers_complete},
            "violations": violations.len(),
            "exitCode": exit,
            "exitAfterSigtermMs": exit_after.as_millis(),
            "shutdownTimeoutMs": SHUTDOWN_TIMEOUT.as_millis(),
            "refusedAfterExit": refused_after_exit,
            "restartServed": after_restart.class == "complete",
            "restartExitCode": exit_again,
        }),
    )
    .unwrap();

    assert!(
        violations.is_empty(),
        "{} requests ended badly (first 20):\n{}\nserver log tail:\n{}",
        violations.len(),
        violations
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        logs.lines().join("\n")
    );
    assert!(before > 0, "nothing completed before SIGTERM: {by_class:?}");
    assert_eq!(
        straddlers_complete,
        straddlers.len(),
        "requests in flight at SIGTERM were not finished: {:?}",
        classes_of(&straddlers)
    );
    assert_eq!(exit, Some(0), "exit status after SIGTERM");
    assert!(
        exit_after <= SHUTDOWN_TIMEOUT + MARGIN,
        "the server took {exit_after:?} to exit (shutdown timeout {SHUTDOWN_TIMEOUT:?})"
    );
    assert!(refused_after_exit, "connections still accepted after exit");
    assert_eq!(ak_again, ak, "the restart made a new access key");
    assert_eq!(
        after_restart.class, "complete",
        "after restart: {:?}",
        after_restart.violation
    );
    assert_eq!(exit_again, Some(0));
}
