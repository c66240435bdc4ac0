//! Connection-level attacks from one host against the real server binary (issue 18): each
//! attack runs over real sockets, bounded in time and count, while a legitimate client
//! keeps querying through the client crate; each test writes its figures as a reliability
//! record.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use calldata_bms::DemoSettings;
use calldata_bms::embedded::sample_keys;
use calldata_client::{Client, Credentials, RetryPolicy};
use calldata_e2e::attack::{self, AttackTarget};
use calldata_e2e::write_reliability_record;
use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use calldata_testkit::metrics::{fetch, fetch_plain, metric, metric_samples};
use calldata_testkit::process::{Process, binary, client_trusting, demo_credentials};
use calldata_testkit::rss::rss_kib;
use calldata_testkit::sign::json_post;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::Command;

/// Another loopback address for the attacker, so that its ports do not crowd the client's.
const ATTACKER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// A server binary under test and how to reach it.
struct Server {
    process: Process,
    address: SocketAddr,
    url: String,
    data: tempfile::TempDir,
}

impl Server {
    /// Starts the server with `args` and `env`; `tls` picks HTTPS (the default) or plain.
    async fn start(tls: bool, args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_with(tls, args, env, None).await
    }

    /// As `start`, with the soft open-file limit set to `soft_nofile` first (systemd's
    /// default of 1024, say).
    async fn start_with(
        tls: bool,
        args: &[&str],
        env: &[(&str, &str)],
        soft_nofile: Option<u32>,
    ) -> Self {
        let data = tempfile::tempdir().unwrap();
        let server = binary("calldata-server", "calldata-server").unwrap();
        let mut command = match soft_nofile {
            Some(limit) => {
                let mut command = Command::new("bash");
                command
                    .arg("-c")
                    .arg(format!("ulimit -Sn {limit} && exec \"$0\" \"$@\""))
                    .arg(server);
                command
            }
            None => Command::new(server),
        };
        command
            // The demo snapshot: the attacks query its fixed calls.
            .args(["--listen", "127.0.0.1:0", "--simulation", "false"])
            .args(args)
            .env("CALLDATA_DATA_DIR", data.path())
            // The start-up lines, without a line per attacking request.
            .env("RUST_LOG", "info,calldata_server::request_log=warn");
        if !tls {
            command.arg("--plain-http");
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let process = Process::start(command, "listening on").await.unwrap();
        let scheme = if tls { "https://" } else { "http://" };
        let url = process
            .banner_word(&format!("{scheme}127.0.0.1:"))
            .expect("the banner names the URL");
        let address = url.trim_start_matches(scheme).parse().unwrap();
        Self {
            process,
            address,
            url,
            data,
        }
    }

    /// A new client (with no pooled connection: its first query opens one).
    fn client(&self) -> Client {
        let (ak, sk) = demo_credentials(self.data.path()).unwrap();
        let mut builder = Client::builder()
            .base_url(&self.url)
            .credentials(Credentials::new(ak, sk))
            .retry_policy(RetryPolicy::none())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(10));
        if self.url.starts_with("https") {
            builder = builder.ca_cert_file(self.data.path().join("tls/ca.pem"));
        }
        builder.build().unwrap()
    }

    fn rss_kib(&self) -> u64 {
        rss_kib(self.process.id().unwrap()).unwrap()
    }

    async fn metrics(&self) -> String {
        if self.url.starts_with("https") {
            let http = client_trusting(&self.data.path().join("tls/ca.pem")).unwrap();
            return fetch(&http, &self.url).await.unwrap();
        }
        fetch_plain(self.address).await.unwrap()
    }

    async fn open_connections(&self) -> f64 {
        metric(&self.metrics().await, "calldata_connections_open").unwrap_or(0.0)
    }

    async fn closed_by(&self, reason: &str) -> f64 {
        let text = self.metrics().await;
        metric_samples(&text, "calldata_connections_closed_total")
            .into_iter()
            .find(|(labels, _)| labels.contains(&format!("\"{reason}\"")))
            .map_or(0.0, |(_, value)| value)
    }
}

/// `samples` queries of a demo call, each from a new client (a new connection and, over
/// TLS, a new handshake), one after another; returns each one's time.
async fn legit_queries(server: &Server, samples: usize) -> Vec<Duration> {
    let key = sample_keys(&DemoSettings::default(), 1)[0];
    let mut times = Vec::new();
    for _ in 0..samples {
        let client = server.client();
        let started = Instant::now();
        client.query(&key).await.unwrap_or_else(|e| {
            panic!(
                "a legitimate query failed after {:?}: {e}",
                started.elapsed()
            )
        });
        times.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    times
}

fn percentile(times: &[Duration], fraction: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

fn ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 10_000.0).round() / 10.0
}

/// Waits until the server counts at least `open` connections, up to `within`.
async fn wait_open(server: &Server, open: f64, within: Duration) -> f64 {
    let deadline = Instant::now() + within;
    loop {
        let now = server.open_connections().await;
        if now >= open || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_thousand_half_open_tls_connections_leave_a_new_client_a_fast_handshake_and_query() {
    let server = Server::start(true, &[], &[]).await;
    let half_open = connections_allowed(3_000);
    let attack = tokio::spawn(attack::half_open(
        AttackTarget {
            server: server.address,
            source: Some(ATTACKER),
            duration: Duration::from_secs(30),
            receive_buffer: None,
        },
        half_open,
    ));
    let held = wait_open(&server, 2_900.0, Duration::from_secs(15)).await;
    assert!(
        held >= 2_900.0,
        "the attack got only {held} connections open"
    );
    let times = legit_queries(&server, 50).await;
    let held_after = server.open_connections().await;
    attack.abort();
    let p50 = percentile(&times, 0.5);
    let p99 = percentile(&times, 0.99);
    write_reliability_record(
        "connections_half_open_tls",
        json!({
            "attack": "3,000 TCP connections to the HTTPS port that never send a ClientHello, reconnecting when closed",
            "before": "legitimate handshakes timed out at 10 s (1,000 such connections: 2.5 s); actix-tls allowed 256 handshakes per worker and the backlog was 128",
            "after": format!("a new client's handshake and signed query: p50 {} ms, p99 {} ms over 50 samples; {held} half-open connections held before, {held_after} after", ms(p50), ms(p99)),
            "halfOpen": half_open,
            "samples": times.len(),
            "p50Ms": ms(p50),
            "p99Ms": ms(p99),
        }),
    )
    .unwrap();
    assert!(
        p99 <= Duration::from_secs(1),
        "p99 {p99:?} (p50 {p50:?}) with {half_open} half-open connections"
    );
}

/// Runs `calldata-attack` as its own process (an attack that needs more descriptors than
/// the test process may open).
fn attack_process(args: &[String]) -> tokio::process::Child {
    Command::new(binary("calldata-e2e", "calldata-attack").unwrap())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

async fn attack_report(child: tokio::process::Child) -> serde_json::Value {
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the attack ends in time")
        .unwrap();
    let line = String::from_utf8_lossy(&output.stdout);
    attack::parse_report(line.trim()).unwrap_or_else(|e| panic!("attack report {line:?}: {e}"))
}

fn hard_open_file_limit() -> u64 {
    rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(_, hard)| hard)
}

/// How many connections one attacking process may hold: `wanted`, or what its open-file
/// limit allows (raised to the hard limit first; children inherit it) less some room.
fn connections_allowed(wanted: usize) -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    wanted.min(
        usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .saturating_sub(300),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_slow_connections_after_a_first_request_leave_clients_served() {
    // Started as systemd starts a service: a soft limit of 1024 descriptors.
    let mut server = Server::start_with(false, &[], &[], Some(1024)).await;
    let stderr = server.process.drain_stderr(200);
    let hard = hard_open_file_limit();
    let seconds = 16;
    // Two processes of 10,000 each, or what the machine's open-file limit allows.
    let per_process = connections_allowed(10_000);
    let address = server.address.to_string();
    // From 127.0.0.1 without binding first: binding 20,000 sockets to port 0 of one
    // address costs the kernel a port search each, which would slow the attack, not the
    // server.
    let args = |trickle_ms: u64| {
        vec![
            "slow-loris".to_owned(),
            address.clone(),
            seconds.to_string(),
            per_process.to_string(),
            "-".to_owned(),
            trickle_ms.to_string(),
        ]
    };
    // One byte every 5 s from one process, one byte and silence from the other.
    let trickling = attack_process(&args(5_000));
    let silent = attack_process(&args(0));
    // The server holds at most nine tenths of its limit (past it, it sheds): the attack
    // must get close to that, or to all it opens when that is fewer.
    let server_room = (hard - hard / 16) * 9 / 10;
    let expected = f64::from(
        u32::try_from((per_process as u64 * 2).min(server_room) * 8 / 10).unwrap_or(u32::MAX),
    );
    let held = wait_open(&server, expected, Duration::from_secs(12)).await;
    let times = legit_queries(&server, 50).await;
    let held_after = server.open_connections().await;
    let trickling = attack_report(trickling).await;
    let silent = attack_report(silent).await;
    let request_timeouts = server.closed_by("request_timeout").await;
    let shed = server.closed_by("idle_shed").await + server.closed_by("stalled_shed").await;
    let refused = server.closed_by("refused_at_limit").await;
    let raised = stderr
        .lines()
        .iter()
        .any(|line| line.contains("raised the open-file limit"));
    let p50 = percentile(&times, 0.5);
    let p99 = percentile(&times, 0.99);
    write_reliability_record(
        "connections_slow_loris",
        json!({
            "attack": "2 x 10,000 plain connections that send one GET /healthz, then one byte every 5 s (or one byte and silence), reconnecting when closed; server started with a soft limit of 1024 descriptors",
            "before": "2 x 10,000 took the server to its 20,000-descriptor limit and legitimate clients got nothing for 42 s; at a soft limit of 1024, 1,004 connections did it",
            "after": format!("legitimate queries on new connections: p50 {} ms, p99 {} ms over 50; {held} attack connections open when they started, {held_after} at the end; closed by the request deadline {request_timeouts}, shed {shed}, refused at the limit {refused}; soft limit raised: {raised}", ms(p50), ms(p99)),
            "trickling": trickling,
            "silent": silent,
            "p50Ms": ms(p50),
            "p99Ms": ms(p99),
            "requestTimeouts": request_timeouts,
            "shed": shed,
            "refusedAtLimit": refused,
        }),
    )
    .unwrap();
    if hard > 1024 {
        assert!(
            raised,
            "no log line says the open-file limit was raised: {:?}",
            stderr.lines()
        );
    }
    assert!(
        held >= expected,
        "the attack got only {held} connections open (expected {expected})"
    );
    assert!(
        request_timeouts > 0.0 || shed > 0.0,
        "no slow connection was closed by the request deadline or shed"
    );
    // Every query answered is the requirement; the bound only catches a server that serves
    // them after several lost connection attempts (each costs a client 1 s, then 2 s more).
    assert!(p99 <= Duration::from_secs(4), "p99 {p99:?} (p50 {p50:?})");
}

#[tokio::test]
async fn every_request_on_a_connection_has_the_request_deadline_not_only_the_first() {
    let timeout_ms = 1_000;
    let server = Server::start(
        false,
        &["--client-request-timeout-ms", &timeout_ms.to_string()],
        &[],
    )
    .await;
    let allowed = Duration::from_millis(timeout_ms) + Duration::from_secs(1);
    for (case, trickle) in [
        ("one byte every 300 ms", true),
        ("one byte and silence", false),
    ] {
        let mut stream = TcpStream::connect(server.address).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .unwrap();
        let answers = read_responses(&mut stream, 1, Duration::from_secs(2)).await;
        assert_eq!(answers.len(), 1, "{case}: the first request is answered");
        let started = Instant::now();
        let next = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        let mut closed_after = None;
        for byte in next.iter().take(if trickle { next.len() } else { 1 }) {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            if let Some(after) = closed_within(&mut stream, Duration::from_millis(300)).await {
                closed_after = Some(after);
                break;
            }
        }
        if closed_after.is_none() {
            closed_within(&mut stream, Duration::from_secs(5)).await;
        }
        let closed_after = started.elapsed();
        assert!(
            closed_after >= Duration::from_millis(timeout_ms)
                && closed_after <= allowed + Duration::from_millis(500),
            "{case}: closed after {closed_after:?}, the deadline is {timeout_ms} ms plus 1 s of grace"
        );
    }
}

/// Whether the peer closes `stream` within `within` (reading and dropping what arrives).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let deadline = started + within;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline.into(), stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {}
            Err(_) => return None,
        }
    }
}

/// Reads up to `count` whole responses (status and body, framed by `Content-Length`).
async fn read_responses(
    stream: &mut TcpStream,
    count: usize,
    within: Duration,
) -> Vec<(u16, Vec<u8>)> {
    let deadline = Instant::now() + within;
    let mut input = Vec::new();
    let mut responses = Vec::new();
    let mut buf = [0u8; 8192];
    while responses.len() < count {
        // Parse what is there.
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        if let Ok(httparse::Status::Complete(head)) = response.parse(&input) {
            let length: usize = response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
                .unwrap_or(0);
            let status = response.code.unwrap_or(0);
            if input.len() >= head + length {
                let body = input[head..head + length].to_vec();
                input.drain(..head + length);
                if status >= 200 {
                    responses.push((status, body));
                }
                continue;
            }
        }
        match tokio::time::timeout_at(deadline.into(), stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => input.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    responses
}

fn result_code(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("resultCode")?.as_str().map(ToOwned::to_owned)
}

#[tokio::test]
async fn an_upgrade_header_leaves_the_body_framed_by_its_length_and_a_pipelined_follower_answered()
{
    let server = Server::start(false, &[], &[]).await;
    let (ak, sk) = demo_credentials(server.data.path()).unwrap();
    let host = server.address.to_string();
    let key = sample_keys(&DemoSettings::default(), 1)[0];
    let body = format!(
        r#"{{"ccId":{},"vdn":{},"callId":"{}"}}"#,
        key.cc_id.get(),
        key.vdn.get(),
        key.call_id
    );
    let signed = |extra: &str| {
        let signature = json_post(
            (&ak, &sk),
            &host,
            QUERY_BASIC_CALL_INFO_PATH,
            body.as_bytes(),
        );
        format!(
            "POST {QUERY_BASIC_CALL_INFO_PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nAuthorization: {signature}\r\n{extra}\r\n{body}",
            body.len()
        )
    };
    let mut rows = Vec::new();
    for (form, upgrade) in [
        (
            "Upgrade: websocket with Connection: Upgrade",
            "Connection: Upgrade\r\nUpgrade: websocket\r\n",
        ),
        ("Upgrade: websocket alone", "Upgrade: websocket\r\n"),
    ] {
        let mut stream = TcpStream::connect(server.address).await.unwrap();
        let started = Instant::now();
        let pipelined = signed(upgrade) + &signed("");
        stream.write_all(pipelined.as_bytes()).await.unwrap();
        let answers = read_responses(&mut stream, 2, Duration::from_secs(3)).await;
        let took = started.elapsed();
        let codes: Vec<(u16, Option<String>)> =
            answers.iter().map(|(s, b)| (*s, result_code(b))).collect();
        assert_eq!(
            codes,
            vec![
                (200, Some("0100000".to_owned())),
                (200, Some("0100000".to_owned()))
            ],
            "{form}: both the signed query and its pipelined follower are answered"
        );
        assert!(
            took < Duration::from_secs(1),
            "{form}: answered after {took:?}"
        );
        rows.push(json!({"form": form, "answers": 2, "ms": ms(took)}));
    }
    // A GET with an Upgrade header and no body, then a follower.
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answers = read_responses(&mut stream, 2, Duration::from_secs(3)).await;
    assert_eq!(
        answers.iter().map(|a| a.0).collect::<Vec<_>>(),
        vec![200, 200]
    );
    // CONNECT would be read to the end of the connection: it is refused and the connection
    // closed, so its follower is never taken as its body.
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(b"CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answers = read_responses(&mut stream, 2, Duration::from_secs(3)).await;
    assert_eq!(answers.iter().map(|a| a.0).collect::<Vec<_>>(), vec![400]);
    assert!(
        closed_within(&mut stream, Duration::from_secs(2))
            .await
            .is_some()
    );
    write_reliability_record(
        "connections_upgrade_framing",
        json!({
            "attack": "a signed POST with Upgrade: websocket and Content-Length, with a pipelined follower",
            "before": "the body was read until EOF: 408 after 5 s and the follower swallowed as body (a desync primitive)",
            "after": "the Upgrade header is dropped before actix-http sees it: both requests answered 0100000 at once; CONNECT is refused with 400 and the connection closed",
            "forms": rows,
        }),
    )
    .unwrap();
}

/// What one unread-pipeline attack did to the server.
#[derive(Debug)]
struct UnreadOutcome {
    idle: u64,
    peak: u64,
    after: u64,
    report: attack::AttackReport,
    write_timeouts: f64,
    answered_after: usize,
}

async fn unread_attack(tls: bool, connections: usize, write_timeout_ms: u64) -> UnreadOutcome {
    let server = Server::start(
        tls,
        &[],
        &[(
            "CALLDATA_CONNECTIONS__WRITE_TIMEOUT_MS",
            &write_timeout_ms.to_string(),
        )],
    )
    .await;
    let config = tls.then(|| {
        attack::tls_trusting(&std::fs::read(server.data.path().join("tls/ca.pem")).unwrap())
            .unwrap()
    });
    // One unread request first, so that idle is measured with the document built and the
    // connection path warm.
    let _ = attack::unread_pipeline(
        AttackTarget {
            server: server.address,
            source: None,
            duration: Duration::from_secs(1),
            receive_buffer: None,
        },
        1,
        1,
        "/openapi.json",
        config.clone(),
    )
    .await;
    let idle = server.rss_kib();
    let attack = tokio::spawn(attack::unread_pipeline(
        AttackTarget {
            server: server.address,
            source: Some(ATTACKER),
            duration: Duration::from_secs(25),
            receive_buffer: Some(4096),
        },
        connections,
        8_000,
        "/openapi.json",
        config,
    ));
    let mut peak = idle;
    while !attack.is_finished() {
        peak = peak.max(server.rss_kib());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let report = attack.await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    UnreadOutcome {
        idle,
        peak,
        after: server.rss_kib(),
        report,
        write_timeouts: server.closed_by("write_timeout").await,
        answered_after: legit_queries(&server, 5).await.len(),
    }
}

impl UnreadOutcome {
    fn describe(&self, what: &str, write_timeout_ms: u64) -> String {
        format!(
            "{what}: RSS idle {} MiB, peak {} MiB (+{} MiB), {} MiB after; {} of {} connections closed by the server in {} ms ({} by the {write_timeout_ms} ms write timeout)",
            self.idle / 1024,
            self.peak / 1024,
            (self.peak - self.idle) / 1024,
            self.after / 1024,
            self.report.closed_by_server,
            self.report.connections,
            self.report.ran_ms,
            self.write_timeouts,
        )
    }

    fn check(&self, what: &str, write_timeout_ms: u64) {
        assert_eq!(self.answered_after, 5, "{what}");
        assert!(
            self.peak - self.idle <= 100 * 1024,
            "{what}: RSS grew from {} KiB to {} KiB",
            self.idle,
            self.peak
        );
        assert_eq!(
            self.report.closed_by_server, self.report.connections as u64,
            "{what}: every unread connection is closed by the server: {:?}",
            self.report
        );
        assert!(
            self.report.ran_ms < write_timeout_ms + 8_000,
            "{what}: the connections were closed only after {} ms",
            self.report.ran_ms
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_never_read_keep_memory_bounded_and_are_closed_after_the_write_timeout()
{
    let write_timeout_ms: u64 = 3_000;
    let plain = unread_attack(false, 200, write_timeout_ms).await;
    let tls = unread_attack(true, 50, write_timeout_ms).await;
    write_reliability_record(
        "connections_unread_pipeline",
        json!({
            "attack": "200 plain connections (and 50 over TLS) each writing 8,000 x GET /openapi.json without reading",
            "before": "RSS reached 4 GiB in 8 s (about 20 MiB per connection; 1 GiB from 50 over TLS), not returned after they closed; no write timeout closed them",
            "after": format!("{}; {}", plain.describe("plain", write_timeout_ms), tls.describe("TLS", write_timeout_ms)),
            "plainIdleKiB": plain.idle,
            "plainPeakKiB": plain.peak,
            "tlsIdleKiB": tls.idle,
            "tlsPeakKiB": tls.peak,
            "plainAttack": plain.report,
            "tlsAttack": tls.report,
        }),
    )
    .unwrap();
    plain.check("plain", write_timeout_ms);
    tls.check("TLS", write_timeout_ms);
}
