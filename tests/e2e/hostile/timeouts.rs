//! Heads and bodies that never arrive: a silent connection, half a head, a chunked body
//! without its end, a body shorter than its length (the head timeout and the body deadline,
//! 408 from the HTTP layer or the pipeline), then slow-loris connections while another
//! client is served. The cases that wait out a timeout run at once, so that the waits do not
//! add up; each one aimed at an interface runs over every signed interface.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::{
    ANSWER_WITHIN, Case, Expect, MARGIN, REQUEST_TIMEOUT, RawOutcome, Suite, Target, case,
    closed_soon, healthy, raw_case, raw_exchange, read_response, row,
};

fn cases(t: &Target) -> Vec<Case> {
    let mut rows = vec![
        raw_case(
            "silent connection: nothing sent",
            Vec::new(),
            Expect::HeadTimeout,
        )
        .within(REQUEST_TIMEOUT + MARGIN),
    ];
    for e in t.endpoints() {
        let valid = e.valid_body();
        rows.push(
            case(
                e.named("chunked body without end: 408 after the request timeout"),
                &{
                    let mut req = e
                        .signed(&valid)
                        .without("Content-Length")
                        .header("Transfer-Encoding", "chunked");
                    req.body = format!("{:x}\r\n{valid}\r\n", valid.len()).into_bytes();
                    req
                },
                Expect::BodyTimeout,
            )
            .within(REQUEST_TIMEOUT + MARGIN),
        );
        rows.push(
            case(
                e.named("Content-Length larger than the body sent: 408 after the request timeout"),
                &{
                    let mut req = e
                        .signed(&valid)
                        .without("Content-Length")
                        .header("Content-Length", (valid.len() + 10).to_string());
                    req.body = valid.clone().into_bytes();
                    req
                },
                Expect::BodyTimeout,
            )
            .within(REQUEST_TIMEOUT + MARGIN),
        );
        rows.push(
            raw_case(
                e.named("half a head, then silence"),
                [
                    &b"POST "[..],
                    e.path().as_bytes(),
                    b" HTTP/1.1\r\nHost: x\r\n",
                ]
                .concat(),
                Expect::HeadTimeout,
            )
            .within(REQUEST_TIMEOUT + MARGIN),
        );
    }
    rows
}

/// Figures of the slow-loris run.
struct Loris {
    connections: usize,
    closed: usize,
    first_close: Duration,
    last_close: Duration,
    others_served: usize,
    others_served_before_first_close: usize,
    others_slowest: Duration,
}

/// `connections` clients trickle a request head a byte every 200 ms, to every interface in
/// turn. Every one must be closed after the head timeout (408 from the HTTP layer, then the
/// close), and another client must be served all along: several of its requests complete
/// while every slow connection is still open.
async fn slow_loris(t: &Target, connections: usize) -> Result<Loris, String> {
    // Spread over the interfaces: the head timeout comes before any route.
    let endpoints: Vec<_> = t.endpoints().collect();
    let attack = Instant::now();
    let mut lorises = Vec::new();
    for i in 0..connections {
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nX-Pad: {}\r\n\r\n",
            endpoints[i % endpoints.len()].path(),
            t.host,
            "a".repeat(200)
        )
        .into_bytes();
        let address = t.address;
        lorises.push(tokio::spawn(async move {
            let stream = TcpStream::connect(address)
                .await
                .map_err(|e| e.to_string())?;
            let (mut reader, mut writer) = stream.into_split();
            let writing = tokio::spawn(async move {
                for byte in head {
                    if writer.write_all(&[byte]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            });
            let outcome =
                read_response(&mut reader, attack, attack + REQUEST_TIMEOUT + MARGIN).await;
            let closed = match outcome {
                RawOutcome::Response(response) if response.status == 408 => {
                    closed_soon(&mut reader).await
                }
                RawOutcome::Closed { .. } => true,
                other => return Err(format!("slow-loris connection: {other:?}")),
            };
            writing.abort();
            if !closed {
                return Err("a slow-loris connection stayed open after its 408".into());
            }
            Ok(attack.elapsed())
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut served_at = Vec::new();
    let mut others_slowest = Duration::ZERO;
    // Meanwhile, another client is served, asking each interface in turn.
    let mut turns = endpoints.iter().cycle();
    while attack.elapsed() < REQUEST_TIMEOUT + Duration::from_millis(500) {
        let e = turns.next().unwrap();
        let outcome = raw_exchange(t.address, &e.valid().bytes(), ANSWER_WITHIN)
            .await
            .map_err(|e| e.to_string())?;
        match outcome.response() {
            Some(response) if e.answered(response) => {
                others_slowest = others_slowest.max(response.elapsed);
                served_at.push(attack.elapsed());
            }
            _ => {
                return Err(format!(
                    "a request to {} during the slow-loris attack got {outcome:?}",
                    e.name()
                ));
            }
        }
        others_slowest = others_slowest.max(healthy(t.address).await?);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut closes = Vec::new();
    for loris in lorises {
        closes.push(loris.await.map_err(|e| e.to_string())??);
    }
    let first_close = closes.iter().min().copied().unwrap_or_default();
    let last_close = closes.iter().max().copied().unwrap_or_default();
    let before_first_close = served_at.iter().filter(|at| **at < first_close).count();
    if before_first_close < 3 {
        return Err(format!(
            "only {before_first_close} other queries were answered while the slow connections were open (served at {served_at:?}, first close {first_close:?})"
        ));
    }
    if last_close > REQUEST_TIMEOUT + MARGIN {
        return Err(format!(
            "a slow-loris connection was closed only after {last_close:?}"
        ));
    }
    Ok(Loris {
        connections,
        closed: closes.len(),
        first_close,
        last_close,
        others_served: served_at.len(),
        others_served_before_first_close: before_first_close,
        others_slowest,
    })
}

/// The slow-loris row of the cases table and its figures.
fn loris_record(
    loris: &Result<Loris, String>,
    health: &Result<Duration, String>,
) -> (Value, Value) {
    let name =
        "slow-loris: 16 connections sending a head byte every 200 ms, while another client queries";
    let expected =
        "each closed after the head timeout; the other client served while they are open";
    if let (Ok(l), Ok(_)) = (loris, health) {
        let got = format!(
            "{} of {} closed by {} ms; {} other queries served, {} while all were open",
            l.closed,
            l.connections,
            l.last_close.as_millis(),
            l.others_served,
            l.others_served_before_first_close
        );
        let figures = json!({
            "connections": l.connections,
            "closed": l.closed,
            "firstCloseMs": l.first_close.as_millis(),
            "lastCloseMs": l.last_close.as_millis(),
            "headTimeoutMs": REQUEST_TIMEOUT.as_millis(),
            "otherQueriesServed": l.others_served,
            "otherQueriesServedWhileAllSlowConnectionsOpen": l.others_served_before_first_close,
            "otherClientsSlowestMs": l.others_slowest.as_millis(),
        });
        (row(name, expected, &got, l.last_close, true), figures)
    } else {
        let why = [loris.as_ref().err(), health.as_ref().err()]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join("; then ");
        let figures = json!({"held": false, "why": why});
        (row(name, expected, &why, Duration::ZERO, false), figures)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heads_and_bodies_that_never_arrive_are_timed_out_and_slow_loris_does_not_starve_others() {
    let mut suite = Suite::start().await;
    let table = cases(&suite.target);
    suite.run_at_once(table).await;
    let loris = slow_loris(&suite.target, 16).await;
    let loris_health = healthy(suite.target.address).await;
    let (loris_row, loris_figures) = loris_record(&loris, &loris_health);
    if loris_row["held"] != true {
        suite
            .tally
            .failures
            .push(format!("slow-loris: {}", loris_row["got"]));
    }
    suite.tally.results.push(loris_row);
    suite
        .finish("timeouts", json!({ "slowLoris": loris_figures }))
        .await;
}
