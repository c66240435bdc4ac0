//! Three replicas of the server binary behind a real nginx, sharing a real `redis-server`
//! (`state.backend = "redis"`): a flood of bad signatures spread over the replicas locks
//! its address out on all of them at the configured count; the per-key rate limit holds
//! across them; with Redis stopped, queries are still answered and each replica locks an
//! address at the configured count of the failures it sees itself; once Redis is back,
//! sharing resumes by itself. redis-server and nginx are installed with apt-get when
//! missing (as root), never skipped.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use calldata_client::{Client, Credentials, RetryPolicy};
use calldata_e2e::ensure_installed;
use calldata_model::{CallDirection, CallKey, CallRecordKey, CcId, PING_PATH, Vdn};
use calldata_testkit::Failure;
use calldata_testkit::cluster::{Nginx, Redis};
use calldata_testkit::metrics::{fetch_plain, metric};
use calldata_testkit::process::{Process, start_plain_server};
use calldata_testkit::raw::{RawOutcome, raw_exchange};
use calldata_testkit::sign::{Headers, Options, authorization, json_post};
use serde_json::Value;

const AK: &str = "replicas-ak";
const SK: &str = "replicas-sk-0123456789abcdef";
const MAX_FAILURES: u32 = 5;
const RATE: u32 = 40;

/// Three replicas on Redis behind nginx.
struct Cluster {
    redis: Redis,
    replicas: Vec<(Process, SocketAddr)>,
    /// The replicas' stderr, drained (its last lines kept).
    #[allow(dead_code, reason = "held so that its stderr keeps draining")]
    logs: Vec<calldata_testkit::process::StderrTail>,
    /// In front of the first three.
    nginx: Option<Nginx>,
    extra: Vec<String>,
    dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts them, each replica with `extra` flags.
    async fn start(extra: &[&str]) -> Result<Self, Failure> {
        ensure_installed("redis-server", "--version", "redis-server")?;
        ensure_installed("nginx", "-v", "nginx")?;
        let dir = tempfile::tempdir()?;
        let redis_dir = dir.path().join("redis");
        std::fs::create_dir_all(&redis_dir)?;
        let redis = Redis::start(&redis_dir).await?;
        let config = dir.path().join("calldata.toml");
        std::fs::write(&config, config_toml(&redis.url()))?;
        let mut cluster = Self {
            redis,
            replicas: Vec::new(),
            logs: Vec::new(),
            nginx: None,
            extra: extra.iter().map(|&flag| flag.to_owned()).collect(),
            dir,
        };
        for _ in 0..3 {
            cluster.add_replica().await?;
        }
        let nginx_dir = cluster.dir.path().join("nginx");
        std::fs::create_dir_all(&nginx_dir)?;
        cluster.nginx = Some(Nginx::start(&nginx_dir, &cluster.addresses(), 1).await?);
        Ok(cluster)
    }

    /// Starts one more replica (not behind nginx) and waits until it is ready: it has
    /// joined the shared center and caught up with its journal.
    async fn add_replica(&mut self) -> Result<SocketAddr, Failure> {
        let dir = self.dir.path();
        let data = dir.join(format!("replica-{}", self.replicas.len()));
        std::fs::create_dir_all(&data)?;
        let config = dir.join("calldata.toml").display().to_string();
        let mut flags = vec!["--config", config.as_str()];
        flags.extend(self.extra.iter().map(String::as_str));
        let (mut process, address) = start_plain_server(&data, "127.0.0.1:0", &flags).await?;
        wait_ready(address).await?;
        self.logs.push(process.drain_stderr(50));
        self.replicas.push((process, address));
        Ok(address)
    }

    /// nginx's address.
    fn front(&self) -> SocketAddr {
        self.nginx.as_ref().map(Nginx::address).unwrap()
    }

    fn addresses(&self) -> Vec<SocketAddr> {
        self.replicas.iter().map(|(_, a)| *a).collect()
    }
}

fn config_toml(redis_url: &str) -> String {
    format!(
        r#"trusted_proxies = ["127.0.0.1"]

[[keys]]
access_key = "{AK}"
secret_key = "{SK}"

[lockout]
max_failures = {MAX_FAILURES}
lock_secs = 300

[rate_limit]
per_second = {RATE}
burst = {RATE}

[state]
backend = "redis"

[state.redis]
url = "{redis_url}"
timeout_ms = 200
retry_after_ms = 300
"#
    )
}

/// The status of a ping to `target` from the client `client` (named by
/// `X-Forwarded-For`, which every replica trusts from 127.0.0.1), signed with `sk`.
async fn ping_from(target: SocketAddr, client: &str, sk: &str) -> u16 {
    let host = target.to_string();
    let authorization = json_post((AK, sk), &host, PING_PATH, b"{}");
    let request = format!(
        "POST {PING_PATH} HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/json;charset=UTF-8\r\nContent-Length: 2\r\n\
         Authorization: {authorization}\r\nX-Forwarded-For: {client}\r\n\
         Connection: close\r\n\r\n{{}}"
    );
    match raw_exchange(target, request.as_bytes(), Duration::from_secs(10))
        .await
        .unwrap()
    {
        RawOutcome::Response(response) => response.status,
        other => panic!("no answer from {target}: {other:?}"),
    }
}

/// Waits (up to `within`) until a well-signed ping from `client` gets `status` on every
/// replica; answers how long that took.
async fn until_every_replica(
    replicas: &[SocketAddr],
    client: &str,
    status: u16,
    within: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let mut statuses = Vec::new();
        for &replica in replicas {
            statuses.push(ping_from(replica, client, SK).await);
        }
        if statuses.iter().all(|&s| s == status) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "{client} still gets {statuses:?} from the replicas after {within:?}, not {status} from all"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A sandbox call added through one replica is answered by the others; ended through
/// another, it is gone from all and its record is on all. Answers how long the others took
/// to answer it.
async fn a_sandbox_call_is_shared(replicas: &[SocketAddr]) -> Duration {
    let key = CallKey {
        cc_id: CcId::new(3).unwrap(),
        vdn: Vdn::new(17).unwrap(),
        call_id: "1764547000000-900001".parse().unwrap(),
    };
    let added = sandbox(replicas[0], "POST", "/sandbox/v1/calls", &record(&key)).await;
    assert_eq!(added["resultCode"], "0100000", "{added}");
    let seen = until_found(&replicas[1..], &key).await;
    let ended = sandbox(
        replicas[2],
        "DELETE",
        &format!("/sandbox/v1/calls?ccId=3&vdn=17&callId={}", key.call_id),
        "",
    )
    .await;
    assert_eq!(ended["resultCode"], "0100000", "{ended}");
    for &replica in replicas {
        // The replica that ended it answers at once; the others within a read of the journal.
        let started = Instant::now();
        while client(replica).query(&key).await.is_ok() {
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{replica} still has the ended call"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let kept = client(replica)
            .call_detail_record(&CallRecordKey {
                cc_id: key.cc_id,
                direction: CallDirection::Inbound,
                call_id: key.call_id,
            })
            .await
            .unwrap();
        assert_eq!(kept.call_id, key.call_id.to_string());
    }

    seen
}

/// Waits until `/readyz` answers 200 (a replica of a shared center has joined it).
async fn wait_ready(address: SocketAddr) -> Result<(), Failure> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = raw_exchange(
            address,
            b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            Duration::from_secs(2),
        )
        .await?;
        if let RawOutcome::Response(response) = ready
            && response.status == 200
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{address}/readyz not 200 within 60 s").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A sandbox request to `target`, signed; answers its JSON body.
async fn sandbox(target: SocketAddr, method: &str, path_and_query: &str, body: &str) -> Value {
    let host = target.to_string();
    let options = Options::now().headers(Headers::AsSent);
    let authorization = authorization(
        (AK, SK),
        &host,
        (method, path_and_query, body.as_bytes()),
        &options,
    );
    let http = reqwest::Client::new();
    let mut request = http
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("http://{host}{path_and_query}"),
        )
        .header("Authorization", authorization);
    if !body.is_empty() {
        request = request
            .header("Content-Type", calldata_model::JSON_CONTENT_TYPE)
            .body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{method} {path_and_query}");
    response.json().await.unwrap()
}

/// A call in progress with `key`, as the sandbox takes it.
fn record(key: &CallKey) -> String {
    serde_json::json!({
        "ccId": key.cc_id, "vdn": key.vdn, "callId": key.call_id.to_string(),
        "time": 1_764_547_000_000_i64, "dsn": 11, "handle": 1, "server": 1, "keyId": "",
        "callingNum": "13800001111", "calledNum": "4001234", "mid": 2, "trunkNo": 7,
        "priority": 3, "deviceType": 2, "deviceNo": 1001, "callSkill": "vipVoice",
        "partyNum": 2, "callFeature": 0, "orgiCalledNum": "", "mediaType": 5, "place": 0,
        "waitTime": 12, "totalTalkingTimes": 40, "logonTimes": 55, "serviceType": 0,
        "callInCause": 65535, "enterReason": 0, "mediaBillType": 0
    })
    .to_string()
}

/// Waits (up to 3 s) until every replica of `replicas` answers the call; how long it took.
async fn until_found(replicas: &[SocketAddr], key: &CallKey) -> Duration {
    let started = Instant::now();
    for &replica in replicas {
        loop {
            match client(replica).query(key).await {
                Ok(call) => {
                    assert_eq!(call.device_no, Some(1001));
                    break;
                }
                Err(error) if error.is_not_found() => {
                    assert!(
                        started.elapsed() < Duration::from_secs(3),
                        "{replica} does not answer the call added elsewhere"
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(other) => panic!("{replica}: {other}"),
            }
        }
    }
    started.elapsed()
}

fn client(base: SocketAddr) -> Client {
    Client::builder()
        .base_url(format!("http://{base}"))
        .credentials(Credentials::new(AK, SK))
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Sends `tasks` concurrent pings through `target` for `lasting`; answers the pings
/// admitted, those refused with 429, and the time from the first to the last.
async fn flood(target: SocketAddr, tasks: usize, lasting: Duration) -> (u64, u64, Duration) {
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let client = client(target);
        handles.push(tokio::spawn(async move {
            let (mut admitted, mut refused) = (0u64, 0u64);
            while started.elapsed() < lasting {
                match client.ping_empty().await {
                    Ok(_) => admitted += 1,
                    Err(calldata_client::Error::Transport {
                        kind: calldata_client::TransportKind::Unavailable,
                        ..
                    }) => refused += 1,
                    Err(other) => panic!("a ping failed otherwise: {other}"),
                }
            }
            (admitted, refused)
        }));
    }
    let (mut admitted, mut refused) = (0, 0);
    for handle in handles {
        let (a, r) = handle.await.unwrap();
        admitted += a;
        refused += r;
    }
    (admitted, refused, started.elapsed())
}

/// Waits (up to 10 s) until every replica's `calldata_shared_state_up` is `up`: each
/// pings Redis once a second, so each finds a stopped or restarted Redis by itself.
async fn until_shared_state_up(replicas: &[SocketAddr], up: bool) {
    let want = if up { 1.0 } else { 0.0 };
    let deadline = Instant::now() + Duration::from_secs(10);
    for &replica in replicas {
        loop {
            let text = fetch_plain(replica).await.unwrap();
            let seen = metric(&text, "calldata_shared_state_up");
            if seen == Some(want) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{replica}: calldata_shared_state_up is {seen:?}, not {want}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_behind_nginx_share_lockout_and_rate_limit_through_redis_and_survive_its_loss()
 {
    let mut cluster = Cluster::start(&[]).await.unwrap();
    let front = cluster.front();
    let replicas = cluster.addresses();

    // A flood spread round-robin over the replicas: each sees fewer than MAX_FAILURES, but
    // the count is shared, so the MAX_FAILURES-th failure locks the address everywhere.
    let attacker = "203.0.113.7";
    for _ in 0..MAX_FAILURES - 1 {
        assert_eq!(ping_from(front, attacker, "a-wrong-secret").await, 401);
    }
    until_every_replica(&replicas, attacker, 200, Duration::ZERO).await;
    assert_eq!(ping_from(front, attacker, "a-wrong-secret").await, 401);
    // Well within the ten seconds of the watcher's full read: the lock came by message.
    let spread = until_every_replica(&replicas, attacker, 403, Duration::from_secs(1)).await;
    assert_eq!(
        ping_from(front, "203.0.113.8", SK).await,
        200,
        "another client is not locked"
    );

    // The per-key rate limit across the replicas: what is admitted is one allowance
    // (a burst, then RATE a second), not three.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (admitted, refused, took) = flood(front, 6, Duration::from_secs(3)).await;
    let allowed = f64::from(RATE) + f64::from(RATE) * took.as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let ratio = admitted as f64 / allowed;
    assert!(
        (0.9..=1.1).contains(&ratio),
        "admitted {admitted} in {took:?} where one allowance is {allowed:.0} (ratio {ratio:.3}); {refused} refused"
    );
    assert!(
        refused > admitted,
        "the flood did not reach the limit: {admitted} admitted, {refused} refused"
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = a_sandbox_call_is_shared(&replicas).await;

    // Redis stops: queries are still answered, by every replica and through nginx.
    cluster.redis.stop().await.unwrap();
    until_shared_state_up(&replicas, false).await;
    let during = client(front);
    for _ in 0..6 {
        during.ping_empty().await.unwrap();
    }
    for &replica in &replicas {
        client(replica).ping_empty().await.unwrap();
    }
    // Sandbox changes are refused, and nothing changes.
    let key = CallKey {
        cc_id: CcId::new(3).unwrap(),
        vdn: Vdn::new(17).unwrap(),
        call_id: "1764547000000-900003".parse().unwrap(),
    };
    let refused = sandbox(replicas[1], "POST", "/sandbox/v1/calls", &record(&key)).await;
    assert_eq!(refused["resultCode"], "0100001", "{refused}");
    assert!(
        refused["resultDesc"]
            .as_str()
            .unwrap()
            .contains("nothing was changed"),
        "{refused}"
    );
    assert!(
        client(replicas[1])
            .query(&key)
            .await
            .unwrap_err()
            .is_not_found()
    );
    // Each replica locks at MAX_FAILURES of its own failures: sent to one replica, they
    // lock the address there, and the others (which saw none) still admit it.
    let local = "198.51.100.9";
    for _ in 0..MAX_FAILURES {
        assert_eq!(ping_from(replicas[0], local, "a-wrong-secret").await, 401);
    }
    assert_eq!(ping_from(replicas[0], local, SK).await, 403);
    assert_eq!(ping_from(replicas[1], local, SK).await, 200);
    assert_eq!(ping_from(replicas[2], local, SK).await, 200);
    // The lock placed before Redis went is kept by every replica.
    until_every_replica(&replicas, attacker, 403, Duration::ZERO).await;

    // Redis is back (empty, as after a crash): sharing resumes by itself.
    cluster.redis.restart().await.unwrap();
    let resumed = Instant::now();
    until_shared_state_up(&replicas, true).await;
    let recovered = resumed.elapsed();
    // Each replica pings both its connections once a second: one more round, and every
    // connection a request may take has been made again.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    // A flood after recovery locks at exactly the configured count again, everywhere.
    let third = "203.0.113.100";
    for _ in 0..MAX_FAILURES - 1 {
        assert_eq!(ping_from(front, third, "a-wrong-secret").await, 401);
    }
    until_every_replica(&replicas, third, 200, Duration::ZERO).await;
    assert_eq!(ping_from(front, third, "a-wrong-secret").await, 401);
    until_every_replica(&replicas, third, 403, Duration::from_secs(3)).await;

    calldata_e2e::write_reliability_record(
        "replicas_share_state_through_redis",
        serde_json::json!({
            "lockSpreadMs": spread.as_millis(),
            "sandboxCallSeenAfterMs": seen.as_millis(),
            "admitted": admitted,
            "refused": refused,
            "allowanceRatio": ratio,
            "recoveredAfterRestartMs": recovered.as_millis(),
        }),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_of_the_live_center_answer_the_same_center() {
    let mut cluster = Cluster::start(&["--simulation", "true", "--arrivals-per-minute", "600"])
        .await
        .unwrap();
    let replicas = cluster.addresses();
    // Changes through each replica: a new rate, a call added, then a pause, each at its own
    // instant of the journal. Every replica holds the same center from then on, whichever
    // replica simulated what, and so does a replica started afterwards, which applies the
    // journal from its first entry.
    let rated = sandbox(
        replicas[1],
        "PATCH",
        "/sandbox/v1/simulation",
        r#"{"arrivalsPerMinute":900}"#,
    )
    .await;
    assert_eq!(rated["resultCode"], "0100000", "{rated}");
    let key = CallKey {
        cc_id: CcId::new(1).unwrap(),
        vdn: Vdn::new(1).unwrap(),
        call_id: "1764547000000-900002".parse().unwrap(),
    };
    let added = sandbox(replicas[2], "POST", "/sandbox/v1/calls", &record(&key)).await;
    assert_eq!(added["resultCode"], "0100000", "{added}");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let paused = sandbox(
        replicas[0],
        "PATCH",
        "/sandbox/v1/simulation",
        r#"{"paused":true}"#,
    )
    .await;
    assert_eq!(paused["resultCode"], "0100000", "{paused}");
    let status = &paused["resultDesc"];
    assert!(status["callsArrived"].as_u64().unwrap() > 0, "{status}");
    assert_eq!(status["arrivalsPerMinute"], 900.0, "{status}");
    let calls_path = "/sandbox/v1/calls?ccId=1&vdn=1&limit=1000";
    let first = call_ids(&sandbox(replicas[0], "GET", calls_path, "").await);
    assert!(first.contains(&key.call_id.to_string()), "{first:?}");
    let late = cluster.add_replica().await.unwrap();
    for replica in replicas[1..].iter().copied().chain([late]) {
        let started = Instant::now();
        let seen = loop {
            let seen = sandbox(replica, "GET", "/sandbox/v1/simulation", "").await;
            if seen["resultDesc"]["paused"] == true {
                break seen;
            }
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{replica} has not paused"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        for field in [
            "nowMs",
            "callsArrived",
            "callsEnded",
            "callsInProgress",
            "arrivalsPerMinute",
            "examples",
        ] {
            assert_eq!(
                seen["resultDesc"][field], status[field],
                "{replica}: {field}"
            );
        }
        let calls = call_ids(&sandbox(replica, "GET", calls_path, "").await);
        assert_eq!(calls, first, "{replica} holds other calls of ccId 1 vdn 1");
    }
}

/// The sorted call IDs of a sandbox list.
fn call_ids(listed: &Value) -> Vec<String> {
    assert_eq!(listed["resultCode"], "0100000", "{listed}");
    let mut ids: Vec<String> = listed["resultDesc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|call| call["callId"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}
