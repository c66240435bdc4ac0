//! The request log of refused requests is rate-limited (issue 18): a flood of 500 bad
//! signatures against the real binary writes at most `log.refused_lines_per_second` request
//! lines a second plus a summary line saying how many were left out; answered requests keep
//! their lines.

use std::time::{Duration, Instant};

use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use calldata_testkit::process::start_plain_server;
use serde_json::Value;

const FLOOD: u64 = 500;
const PER_SECOND: u64 = 5;
const SUMMARY: &str = "request log lines of refused requests suppressed in the last second";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_bad_signatures_writes_a_bounded_number_of_lines_and_a_summary() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("calldata.toml");
    std::fs::write(
        &config,
        format!("[log]\nrefused_lines_per_second = {PER_SECOND}\n"),
    )
    .unwrap();
    let (mut server, address) = start_plain_server(
        data.path(),
        "127.0.0.1:0",
        &["--log-format", "json", "--config", config.to_str().unwrap()],
    )
    .await
    .unwrap();
    let stderr = server.drain_stderr(10_000);
    let http = reqwest::Client::new();
    let url = format!("http://{address}{QUERY_BASIC_CALL_INFO_PATH}");
    let started = Instant::now();
    for n in 0..FLOOD {
        let status = http
            .post(&url)
            .header("content-type", "application/json;charset=UTF-8")
            .header(
                "authorization",
                format!("auth-v2/attacker/2026-01-01T00:00:00Z/host/{n:064x}"),
            )
            .body(r#"{"ccId":1,"vdn":1,"callId":"1-1"}"#)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        // 401 until the address is locked out, then 403.
        assert!(status == 401 || status == 403, "{status}");
    }
    let flood_took = started.elapsed();
    // Answered requests right after the flood, past the allowance: each keeps its line.
    for _ in 0..30 {
        let health = http
            .get(format!("http://{address}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
    }
    // The summary of the flood's last second comes with the next tick.
    tokio::time::sleep(Duration::from_millis(2_500)).await;

    let lines: Vec<Value> = stderr
        .lines()
        .iter()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let field = |line: &Value, name: &str| line["fields"][name].clone();
    let requests = |wanted: fn(u64) -> bool| {
        lines
            .iter()
            .filter(|line| field(line, "message") == "request")
            .filter(|line| field(line, "status").as_u64().is_some_and(wanted))
            .count() as u64
    };
    let refused = requests(|status| status == 401 || status == 403);
    let answered = requests(|status| status == 200);
    let summaries: Vec<u64> = lines
        .iter()
        .filter(|line| field(line, "message") == SUMMARY)
        .filter_map(|line| field(line, "suppressed").as_u64())
        .collect();
    let suppressed: u64 = summaries.iter().sum();
    let seconds = flood_took.as_secs() + 2;
    eprintln!(
        "flood of {FLOOD} in {flood_took:?}: {refused} refused lines, {} summaries \
         ({suppressed} left out), {answered} answered lines",
        summaries.len()
    );
    assert!(
        refused <= PER_SECOND * seconds,
        "{refused} lines of refused requests in about {seconds} s"
    );
    assert!(!summaries.is_empty(), "no summary line");
    assert!(summaries.len() as u64 <= seconds, "{summaries:?}");
    assert_eq!(
        refused + suppressed,
        FLOOD,
        "every refused request is either logged or counted"
    );
    assert!(answered >= 30, "answered requests lost lines: {answered}");
    server.stop("TERM").await.unwrap();
}
