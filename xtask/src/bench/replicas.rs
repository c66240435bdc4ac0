//! Replicas sharing their state on Redis (`state.backend = "redis"`): querybasiccallinfo
//! from one replica directly, from the same replica behind nginx, and from three replicas
//! behind nginx; and what a refused signature costs when every failure is counted in Redis
//! rather than in the replica's memory. Each round starts a `redis-server` (no
//! persistence), the replicas and the two nginx afresh; redis-server and nginx are installed
//! with apt-get when missing (as root).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, anyhow, bail};
use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use calldata_model::auth::{Credentials, JSON_CONTENT_TYPE as JSON, sign_json_post};
use calldata_testkit::cluster::{Nginx, Redis};
use calldata_testkit::install::ensure_installed;

use super::oha::{self, Measured};
use super::procs::{self, Running};
use super::{BENCH_AK, BENCH_SK, Bench, Target, median, same_round_ratio, signed_headers, timed};

/// Replicas behind the second nginx.
const REPLICAS: usize = 3;
/// Worker processes of each nginx: one, so that nginx takes at most one of the two cores.
const NGINX_WORKERS: usize = 1;
/// `--workers` of each of the three replicas: one, so that the three run as many worker
/// threads (3) as the single replica's one per core (2) give or take one, not three times
/// as many.
const WORKERS_OF_THREE: usize = 1;
/// A secret key the servers do not hold: every request signed with it is refused (401).
const WRONG_SK: &str = "not-the-bench-sk-0000";
/// Failures before a lock, for the failed-signature targets: never reached, so that every
/// answer is the 401 of a refused signature, not the 403 of a lock.
const NEVER_LOCKED: &str = "1000000000";

/// The targets of the replica rounds, in round order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Replicas {
    /// One replica on Redis, oha straight to it.
    Direct,
    /// The same replica behind nginx.
    BehindNginx,
    /// Three replicas on Redis behind nginx.
    ThreeBehindNginx,
    /// Refused signatures, `state.backend = "memory"`.
    RefusedMemory,
    /// Refused signatures, `state.backend = "redis"`.
    RefusedRedis,
}

impl Replicas {
    const ALL: [Self; 5] = [
        Self::Direct,
        Self::BehindNginx,
        Self::ThreeBehindNginx,
        Self::RefusedMemory,
        Self::RefusedRedis,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Direct => "replica",
            Self::BehindNginx => "replica-nginx",
            Self::ThreeBehindNginx => "replicas3-nginx",
            Self::RefusedMemory => "refused-memory",
            Self::RefusedRedis => "refused-redis",
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Direct => {
                "querybasiccallinfo, one replica with state.backend = redis (--workers <nproc>), plain HTTP, oha straight to it"
            }
            Self::BehindNginx => {
                "the same replica behind nginx (worker_processes 1, upstream keep-alive), oha to nginx"
            }
            Self::ThreeBehindNginx => {
                "three replicas on the same Redis, --workers 1 each, behind nginx (worker_processes 1, round-robin), oha to nginx"
            }
            Self::RefusedMemory => {
                "a wrong secret key answered 401, state.backend = memory, lockout.max_failures 10^9 (no lock), plain HTTP (oha)"
            }
            Self::RefusedRedis => {
                "the same with state.backend = redis: every failure one Redis script"
            }
        }
    }

    fn status(self) -> u16 {
        if matches!(self, Self::RefusedMemory | Self::RefusedRedis) {
            401
        } else {
            200
        }
    }
}

/// The processes of one replica round; nginx first, Redis last when dropped.
struct ReplicaRound {
    nginx_one: Nginx,
    nginx_three: Nginx,
    replica: Running,
    _three: Vec<Running>,
    refused_memory: Running,
    refused_redis: Running,
    redis: Redis,
}

impl ReplicaRound {
    /// Where `target` sends its load.
    fn address(&self, target: Replicas) -> SocketAddr {
        match target {
            Replicas::Direct => self.replica.address,
            Replicas::BehindNginx => self.nginx_one.address(),
            Replicas::ThreeBehindNginx => self.nginx_three.address(),
            Replicas::RefusedMemory => self.refused_memory.address,
            Replicas::RefusedRedis => self.refused_redis.address,
        }
    }
}

impl Bench {
    /// The replica targets in alternating rounds, each round against freshly started
    /// processes (Redis included).
    pub(crate) fn replica_rounds(&self) -> anyhow::Result<BTreeMap<Target, Vec<Measured>>> {
        ensure_installed("redis-server", "--version", "redis-server")
            .map_err(|error| anyhow!("{error}"))?;
        ensure_installed("nginx", "-v", "nginx").map_err(|error| anyhow!("{error}"))?;
        // Redis and nginx are the test kit's (tokio processes): started on this runtime.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let mut runs: BTreeMap<Target, Vec<Measured>> = BTreeMap::new();
        for round in 0..self.plan.rounds {
            let servers = self.start_replica_round(&runtime)?;
            let mut order = Replicas::ALL.to_vec();
            if round % 2 == 1 {
                order.reverse();
            }
            for target in order {
                let measured = self
                    .replica_load(&servers, target)
                    .with_context(|| format!("round {}, {}", round + 1, target.name()))?;
                eprintln!(
                    "xtask: round {}/{} {:<15} {:>9.0} req/s  p99 {:>6.2} ms",
                    round + 1,
                    self.plan.rounds,
                    target.name(),
                    measured.rps,
                    measured.p99_ms
                );
                runs.entry(Target::Replicas(target))
                    .or_default()
                    .push(measured);
            }
        }
        Ok(runs)
    }

    fn start_replica_round(
        &self,
        runtime: &tokio::runtime::Runtime,
    ) -> anyhow::Result<ReplicaRound> {
        let redis_dir = self.work.join("redis");
        std::fs::create_dir_all(&redis_dir)?;
        let redis = runtime
            .block_on(Redis::start(&redis_dir))
            .map_err(|error| anyhow!("redis-server: {error}"))?;
        let config = self.work.join("bench-redis.toml");
        std::fs::write(&config, redis_config(&redis.url()))?;
        let replica = self.start_replica("replica", &config, self.workers, &[])?;
        let mut three = Vec::new();
        for i in 0..REPLICAS {
            three.push(self.start_replica(
                &format!("replica-{i}"),
                &config,
                WORKERS_OF_THREE,
                &[],
            )?);
        }
        let never_locked = ["--lockout-max-failures".to_owned(), NEVER_LOCKED.to_owned()];
        let refused_memory = self.start_server("refused-memory", true, &never_locked)?;
        let refused_redis =
            self.start_replica("refused-redis", &config, self.workers, &never_locked)?;
        for running in std::iter::once(&replica)
            .chain(&three)
            .chain([&refused_redis])
        {
            wait_ready(running.address)?;
        }
        let nginx = |name: &str, upstreams: &[SocketAddr]| -> anyhow::Result<Nginx> {
            let dir = self.work.join(name);
            std::fs::create_dir_all(&dir)?;
            runtime
                .block_on(Nginx::start(&dir, upstreams, NGINX_WORKERS))
                .map_err(|error| anyhow!("{name}: {error}"))
        };
        let nginx_one = nginx("nginx-1", &[replica.address])?;
        let upstreams: Vec<SocketAddr> = three.iter().map(|r| r.address).collect();
        let nginx_three = nginx("nginx-3", &upstreams)?;
        let round = ReplicaRound {
            nginx_one,
            nginx_three,
            replica,
            _three: three,
            refused_memory,
            refused_redis,
            redis,
        };
        for target in Replicas::ALL {
            let address = round.address(target);
            // Through nginx-3, once per replica of the round robin.
            let times = if target == Replicas::ThreeBehindNginx {
                REPLICAS
            } else {
                1
            };
            for _ in 0..times {
                let (headers, body) = self.replica_request(address, target)?;
                let answer = procs::exchange(
                    address,
                    "POST",
                    QUERY_BASIC_CALL_INFO_PATH,
                    &headers,
                    body.as_bytes(),
                )?;
                let found = answer.body.contains("\"resultCode\":\"0100000\"");
                if answer.status != target.status() || (target.status() == 200 && !found) {
                    bail!(
                        "{}: the request answered {} {}",
                        target.name(),
                        answer.status,
                        answer.body
                    );
                }
            }
        }
        Ok(round)
    }

    /// A plain-HTTP server with the Redis settings `config` and `workers` workers.
    fn start_replica(
        &self,
        name: &str,
        config: &Path,
        workers: usize,
        extra: &[String],
    ) -> anyhow::Result<Running> {
        let address = procs::free_address()?;
        let mut args = self.server_args(address, true);
        for (flag, value) in [
            ("--config", config.display().to_string()),
            ("--workers", workers.to_string()),
        ] {
            if let Some(at) = args.iter().position(|arg| arg == flag) {
                args[at + 1] = value;
            }
        }
        args.extend_from_slice(extra);
        Running::start(name, &self.bins.server, &args, address, &self.log(name))
    }

    /// The headers and body of `target`'s request to `address`: the hot-path query, signed
    /// with the bench key or, for the refused targets, with a wrong secret key.
    fn replica_request(
        &self,
        address: SocketAddr,
        target: Replicas,
    ) -> anyhow::Result<(Vec<(String, String)>, String)> {
        let host = address.to_string();
        let body = self.body.clone();
        if target.status() == 200 {
            return Ok((
                signed_headers(&host, QUERY_BASIC_CALL_INFO_PATH, &body)?,
                body,
            ));
        }
        let authorization = sign_json_post(
            &Credentials::new(BENCH_AK, WRONG_SK),
            &host,
            QUERY_BASIC_CALL_INFO_PATH,
            body.as_bytes(),
            SystemTime::now(),
        )?;
        Ok((
            vec![
                ("content-type".to_owned(), JSON.to_owned()),
                ("authorization".to_owned(), authorization),
            ],
            body,
        ))
    }

    /// Warm-up then a measured oha run of `target`, every answer its expected status; for
    /// the refused target on Redis, also the scripts Redis ran during the measured run.
    fn replica_load(&self, round: &ReplicaRound, target: Replicas) -> anyhow::Result<Measured> {
        let address = round.address(target);
        let request = || -> anyhow::Result<oha::Request> {
            let (headers, body) = self.replica_request(address, target)?;
            Ok(oha::Request {
                url: format!("http://{address}{QUERY_BASIC_CALL_INFO_PATH}"),
                headers,
                body,
                insecure: false,
            })
        };
        let shape = |duration| timed(oha::CONNECTIONS, duration, None);
        oha::run_expecting(
            &self.oha,
            &request()?,
            shape(self.plan.warmup),
            target.status(),
        )?;
        let redis = round.redis.url();
        let before = redis_scripts(&redis)?;
        let mut measured = oha::run_expecting(
            &self.oha,
            &request()?,
            shape(self.plan.duration),
            target.status(),
        )?;
        if target == Replicas::RefusedRedis {
            measured.backend_requests = Some(redis_scripts(&redis)?.saturating_sub(before));
        }
        if target.status() == 200 && measured.bytes_per_answer < 500.0 {
            bail!(
                "answers average {} bytes: not the answer found",
                measured.bytes_per_answer
            );
        }
        Ok(measured)
    }
}

/// The settings of every server on Redis: the bench key, nginx (127.0.0.1) trusted to
/// name the client, the shared state on `redis_url` (its other settings the defaults).
fn redis_config(redis_url: &str) -> String {
    format!(
        "trusted_proxies = [\"127.0.0.1\"]\n\n\
         [[keys]]\naccess_key = \"{BENCH_AK}\"\nsecret_key = \"{BENCH_SK}\"\n\n\
         [state]\nbackend = \"redis\"\n\n[state.redis]\nurl = \"{redis_url}\"\n"
    )
}

/// Waits (up to 60 s) until `/readyz` answers 200: the replica has joined the shared
/// contact center.
fn wait_ready(address: SocketAddr) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        if procs::exchange(address, "GET", "/readyz", &[], b"").is_ok_and(|a| a.status == 200) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("{address}/readyz did not answer 200 within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The scripts Redis at `url` (`redis://127.0.0.1:<port>/`) has run so far: the `calls`
/// of `cmdstat_evalsha` and `cmdstat_eval` in `INFO commandstats`.
fn redis_scripts(url: &str) -> anyhow::Result<u64> {
    let address: SocketAddr = url
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .parse()
        .with_context(|| format!("not a loopback Redis URL: {url}"))?;
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(b"*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n")?;
    // A bulk string: `$<length>\r\n<text>\r\n`.
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    let text = loop {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            bail!("Redis closed the connection during INFO");
        }
        reply.extend_from_slice(&chunk[..read]);
        let so_far = String::from_utf8_lossy(&reply);
        if let Some((head, rest)) = so_far.split_once("\r\n") {
            let length: usize = head
                .trim_start_matches('$')
                .parse()
                .with_context(|| format!("not an INFO answer: {head}"))?;
            if rest.len() >= length {
                break rest[..length].to_owned();
            }
        }
    };
    let calls = |command: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("cmdstat_{command}:calls=")))
            .and_then(|rest| rest.split(',').next())
            .and_then(|calls| calls.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok(calls("evalsha") + calls("eval"))
}

/// The replica figures, reported without a target.
pub(crate) fn notes(runs: &BTreeMap<Target, Vec<Measured>>) -> Vec<String> {
    let key = Target::Replicas;
    if !runs.contains_key(&key(Replicas::Direct)) {
        return Vec::new();
    }
    let rps = |m: &Measured| m.rps;
    let p99 = |m: &Measured| m.p99_ms;
    let ratio =
        |a, b, value: &dyn Fn(&Measured) -> f64| same_round_ratio(runs, key(a), key(b), value);
    let medians = |target| {
        let measured = runs
            .get(&key(target))
            .map(Vec::as_slice)
            .unwrap_or_default();
        (
            median(&measured.iter().map(rps).collect::<Vec<_>>()),
            median(&measured.iter().map(p99).collect::<Vec<_>>()),
        )
    };
    let shown = |target| {
        let (rps, p99) = medians(target);
        format!("{rps:.0} req/s, p99 {p99:.2} ms")
    };
    let nproc = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let three = ratio(Replicas::ThreeBehindNginx, Replicas::BehindNginx, &rps);
    let three_p99 = ratio(Replicas::ThreeBehindNginx, Replicas::BehindNginx, &p99);
    let proxy = ratio(Replicas::BehindNginx, Replicas::Direct, &rps);
    let proxy_p99 = ratio(Replicas::BehindNginx, Replicas::Direct, &p99);
    let refused = ratio(Replicas::RefusedRedis, Replicas::RefusedMemory, &rps);
    let refused_p99 = ratio(Replicas::RefusedRedis, Replicas::RefusedMemory, &p99);
    let (served, scripts) = runs
        .get(&key(Replicas::RefusedRedis))
        .map(|runs| {
            runs.iter().fold((0, 0), |(served, scripts), m| {
                (served + m.ok, scripts + m.backend_requests.unwrap_or(0))
            })
        })
        .unwrap_or_default();
    #[allow(
        clippy::cast_precision_loss,
        reason = "request counts are far below 2^52"
    )]
    let per_failure = scripts as f64 / served.max(1) as f64;
    vec![
        format!(
            "Replicas on Redis (`state.backend = \"redis\"`, rate limit off, the default), \
             querybasiccallinfo of the demo call, their own rounds (the order alternating, \
             every process and a `redis-server` without persistence started afresh each \
             round), no target: one replica directly {}; the same replica behind nginx {}; \
             three replicas behind nginx {}. Three replicas behind nginx / one behind nginx: \
             req/s {three:.3}, p99 {three_p99:.3}; one behind nginx / one directly (the \
             proxy's own cost): req/s {proxy:.3}, p99 {proxy_p99:.3}. This machine has \
             {nproc} cores, shared by oha, nginx and every replica, so a second and third \
             replica add no CPU: the three-replica figure shows what spreading the load \
             costs here, not how replicas scale on their own machines. nginx runs \
             `worker_processes {NGINX_WORKERS}` (upstream keep-alive 64, HTTP/1.1, the \
             configuration of the end-to-end test, calldata-testkit's `cluster::Nginx`; \
             with 2 workers a trial quick run measured about the same req/s and a higher \
             p99); \
             the single replica runs `--workers <nproc>` and each of the three \
             `--workers {WORKERS_OF_THREE}`, so that the three together run about as many \
             worker threads as the one.",
            shown(Replicas::Direct),
            shown(Replicas::BehindNginx),
            shown(Replicas::ThreeBehindNginx),
        ),
        format!(
            "Refused signatures (a wrong secret key, answered 401; `lockout.max_failures` \
             10^9 so that no lock turns them into 403), one server, plain HTTP, no target: \
             `state.backend = \"memory\"` {}; `\"redis\"` {}. Redis / memory: req/s \
             {refused:.3}, p99 {refused_p99:.3}. Redis ran {per_failure:.3} scripts per \
             401 over the measured runs ({scripts} for {served}; `INFO commandstats`, \
             `evalsha` and `eval`): every failure is counted there, one script each.",
            shown(Replicas::RefusedMemory),
            shown(Replicas::RefusedRedis),
        ),
    ]
}
