//! Support for end-to-end tests: find (or build) the workspace binaries, run them as
//! processes, read their banners, sign requests, stop them.

pub mod attack;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use calldata_model::auth::{Credentials, sign_json_post};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStderr, Command};

/// Why a test step failed.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The path of a workspace binary, building it first if it is missing.
pub fn binary(package: &str, name: &str) -> Result<PathBuf, Failure> {
    let exe = std::env::current_exe()?;
    // target/<profile>/deps/e2e-<hash> → target/<profile>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot locate the target directory")?;
    let path = profile_dir.join(name);
    if !path.exists() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "--package", package, "--bin", name])
            .status()?;
        if !status.success() || !path.exists() {
            return Err(format!("could not build {name}").into());
        }
    }
    Ok(path)
}

/// A running binary; killed when dropped.
#[derive(Debug)]
pub struct Process {
    child: Child,
    /// The lines read from stdout so far (the banner).
    pub banner: Vec<String>,
    stderr: Option<ChildStderr>,
}

impl Process {
    /// Starts `command` and reads stdout until a line contains `until` (or 30 s pass).
    pub async fn start(mut command: Command, until: &str) -> Result<Self, Failure> {
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let stderr = child.stderr.take();
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let line = tokio::time::timeout_at(deadline.into(), lines.next_line())
                .await
                .map_err(|_| format!("no line with {until:?} within 30 s; got {banner:?}"))??
                .ok_or_else(|| format!("stdout closed before {until:?}; got {banner:?}"))?;
            let done = line.contains(until);
            banner.push(line);
            if done {
                break;
            }
        }
        // Keep draining stdout so the process never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child,
            banner,
            stderr,
        })
    }

    /// The first word of the banner that starts with `prefix` (e.g. a URL).
    pub fn banner_word(&self, prefix: &str) -> Option<String> {
        self.banner
            .iter()
            .flat_map(|l| l.split_whitespace())
            .find(|w| w.starts_with(prefix))
            .map(ToOwned::to_owned)
    }

    /// Sends a signal (`TERM`, `KILL`) and waits for the exit; returns the exit code.
    pub async fn stop(&mut self, signal: &str) -> Result<Option<i32>, Failure> {
        let pid = self.child.id().ok_or("already stopped")?.to_string();
        std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()?;
        let status = tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .map_err(|_| "did not stop within 20 s")??;
        Ok(status.code())
    }

    /// Everything the process wrote to stderr (call after `stop`).
    pub async fn stderr(&mut self) -> Result<String, Failure> {
        let mut text = String::new();
        if let Some(stderr) = self.stderr.take() {
            let mut lines = BufReader::new(stderr).lines();
            while let Some(line) = lines.next_line().await? {
                text.push_str(&line);
                text.push('\n');
            }
        }
        Ok(text)
    }
}

/// An HTTPS client that trusts only the CA in `ca_pem_path`.
pub fn client_trusting(ca_pem_path: &Path) -> Result<reqwest::Client, Failure> {
    let pem = std::fs::read(ca_pem_path)?;
    Ok(reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem)?])
        .timeout(Duration::from_secs(10))
        .build()?)
}

/// Signs a JSON POST to `path` on `host` with the AK/SK, now.
pub fn authorization(
    ak: &str,
    sk: &str,
    host: &str,
    path: &str,
    body: &str,
) -> Result<String, Failure> {
    Ok(sign_json_post(
        &Credentials::new(ak, sk),
        host,
        path,
        body.as_bytes(),
        SystemTime::now(),
    )?)
}

/// Polls `url` until it answers 200, up to `within`.
pub async fn wait_ready(
    http: &reqwest::Client,
    url: &str,
    within: Duration,
) -> Result<(), Failure> {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(response) = http.get(url).send().await
            && response.status() == 200
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{url} not ready within {within:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------------------
// Reliability tests (issue 7): process handles, raw HTTP over TCP, metrics, RSS, records.
// ---------------------------------------------------------------------------------------

/// The last lines a process wrote to stderr, kept while a background task drains the pipe.
#[derive(Debug, Clone, Default)]
pub struct StderrTail {
    lines: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<String>>>,
    total: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl StderrTail {
    /// The kept lines, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .map(|lines| lines.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// How many lines were read in all.
    pub fn total(&self) -> u64 {
        self.total.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Process {
    /// The process ID, while the process runs.
    pub fn id(&self) -> Option<u32> {
        self.child.id()
    }

    /// Drains stderr in the background, so that a process logging a lot (one line per
    /// request) never blocks on a full pipe; keeps the last `keep` lines. After this,
    /// [`Process::stderr`] returns nothing.
    pub fn drain_stderr(&mut self, keep: usize) -> StderrTail {
        let tail = StderrTail::default();
        if let Some(stderr) = self.stderr.take() {
            let kept = tail.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stderr);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match reader.read_until(b'\n', &mut line).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            kept.total
                                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if let Ok(mut lines) = kept.lines.lock() {
                                if lines.len() >= keep.max(1) {
                                    lines.pop_front();
                                }
                                lines.push_back(
                                    String::from_utf8_lossy(&line).trim_end().to_owned(),
                                );
                            }
                        }
                    }
                }
            });
        }
        tail
    }
}

/// The demo access key and secret key the server created in `data_dir`.
pub fn demo_credentials(data_dir: &Path) -> Result<(String, String), Failure> {
    let ak = std::fs::read_to_string(data_dir.join("demo-access-key"))?;
    let sk = std::fs::read_to_string(data_dir.join("demo-secret-key"))?;
    Ok((ak.trim().to_owned(), sk.trim().to_owned()))
}

/// Starts `calldata-server` over plain HTTP on `listen` (`127.0.0.1:0` picks a port) with
/// `CALLDATA_DATA_DIR=data_dir` and `extra` flags; returns the process and its address once
/// `/healthz` answers 200.
pub async fn start_plain_server(
    data_dir: &Path,
    listen: &str,
    extra: &[&str],
) -> Result<(Process, std::net::SocketAddr), Failure> {
    let mut command = Command::new(binary("calldata-server", "calldata-server")?);
    command
        .args(["--listen", listen, "--plain-http"])
        .args(extra)
        .env("CALLDATA_DATA_DIR", data_dir)
        .env_remove("RUST_LOG");
    let server = Process::start(command, "listening on").await?;
    let url = server
        .banner_word("http://127.0.0.1:")
        .ok_or("the banner names no http://127.0.0.1: address")?;
    let address: std::net::SocketAddr = url.trim_start_matches("http://").parse()?;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let health = raw_exchange(
            address,
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            Duration::from_secs(2),
        )
        .await;
        if let Ok(RawOutcome::Response(response)) = health
            && response.status == 200
        {
            return Ok((server, address));
        }
        if Instant::now() > deadline {
            return Err(format!("{address}/healthz not 200 within 15 s").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Signs a JSON POST of raw `body` bytes to `path` (no query) on `host` at the clock
/// reading `at` (which may be in the past or the future).
pub fn authorization_at(
    ak: &str,
    sk: &str,
    host: &str,
    path: &str,
    body: &[u8],
    at: SystemTime,
) -> Result<String, Failure> {
    Ok(sign_json_post(
        &Credentials::new(ak, sk),
        host,
        path,
        body,
        at,
    )?)
}

/// One HTTP/1.x response read from a raw socket.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The final status (interim `1xx` responses are skipped and listed in `interim`).
    pub status: u16,
    /// Interim `1xx` statuses received before the final one.
    pub interim: Vec<u16>,
    /// Header names (lower case) and raw values, in the order received.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body bytes received.
    pub body: Vec<u8>,
    /// Whether the whole body arrived: `Content-Length` bytes, or everything up to the close
    /// when there is no `Content-Length`.
    pub complete: bool,
    /// Time from the start of the exchange to the end of the response.
    pub elapsed: Duration,
}

impl RawResponse {
    /// The first value of header `name` (any case), lossily as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    /// How many times header `name` (any case) was sent.
    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// `resultCode` of a JSON body.
    pub fn result_code(&self) -> Option<String> {
        self.json()?
            .get("resultCode")?
            .as_str()
            .map(ToOwned::to_owned)
    }
}

/// How a raw exchange ended.
#[derive(Debug, Clone)]
pub enum RawOutcome {
    /// A response head arrived (its body may be incomplete: see [`RawResponse::complete`]).
    Response(RawResponse),
    /// The connection was closed or reset before a whole response head arrived.
    Closed {
        /// Time until the close.
        elapsed: Duration,
        /// Bytes received before the close.
        received: usize,
        /// The read error, if the close was an error (a reset) rather than an EOF.
        error: Option<String>,
    },
    /// No whole response head arrived within the time allowed.
    TimedOut {
        /// Bytes received in that time.
        received: usize,
    },
}

impl RawOutcome {
    /// The response, if one arrived.
    pub fn response(&self) -> Option<&RawResponse> {
        match self {
            Self::Response(response) => Some(response),
            _ => None,
        }
    }
}

/// Connects to `address`, writes `request` and reads one response, all within `within`.
/// A failed write (the server may answer and close before reading everything) does not
/// stop the read.
pub async fn raw_exchange(
    address: std::net::SocketAddr,
    request: &[u8],
    within: Duration,
) -> Result<RawOutcome, Failure> {
    use tokio::io::AsyncWriteExt;
    let started = Instant::now();
    let deadline = started + within;
    let mut stream =
        tokio::time::timeout_at(deadline.into(), tokio::net::TcpStream::connect(address))
            .await
            .map_err(|_| format!("no connection to {address} within {within:?}"))??;
    // A write error here means the server closed early; what it answered is still readable.
    let _ = tokio::time::timeout_at(deadline.into(), stream.write_all(request)).await;
    Ok(read_response(&mut stream, started, deadline).await)
}

/// Reads one HTTP/1.x response (skipping interim `1xx` ones) until `deadline`; `started`
/// is when the exchange began, for [`RawResponse::elapsed`].
pub async fn read_response<R>(reader: &mut R, started: Instant, deadline: Instant) -> RawOutcome
where
    R: tokio::io::AsyncRead + Unpin,
{
    use tokio::io::AsyncReadExt;
    let mut buffer: Vec<u8> = Vec::new();
    let mut interim = Vec::new();
    let mut chunk = vec![0_u8; 64 * 1024];
    loop {
        // Is there a whole head (or a whole response) in the buffer?
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let status = lines
                .next()
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|code| code.parse::<u16>().ok())
                .unwrap_or(0);
            if (100..200).contains(&status) {
                interim.push(status);
                buffer.drain(..end + 4);
                continue;
            }
            let headers: Vec<(String, Vec<u8>)> = buffer[..end]
                .split(|b| *b == b'\n')
                .skip(1)
                .filter_map(|line| {
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    let colon = line.iter().position(|b| *b == b':')?;
                    let name = String::from_utf8_lossy(&line[..colon]).to_ascii_lowercase();
                    let value = line[colon + 1..].trim_ascii().to_vec();
                    Some((name, value))
                })
                .collect();
            let length = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok());
            let mut body = buffer[end + 4..].to_vec();
            let complete = loop {
                if length.is_some_and(|len| body.len() >= len) {
                    if let Some(len) = length {
                        body.truncate(len);
                    }
                    break true;
                }
                let read = tokio::time::timeout_at(deadline.into(), reader.read(&mut chunk)).await;
                match read {
                    Ok(Ok(0)) => break length.is_none(),
                    Ok(Ok(n)) => body.extend_from_slice(&chunk[..n]),
                    Ok(Err(_)) | Err(_) => break false,
                }
            };
            return RawOutcome::Response(RawResponse {
                status,
                interim,
                headers,
                body,
                complete,
                elapsed: started.elapsed(),
            });
        }
        let read = tokio::time::timeout_at(deadline.into(), reader.read(&mut chunk)).await;
        match read {
            Ok(Ok(0)) => {
                return RawOutcome::Closed {
                    elapsed: started.elapsed(),
                    received: buffer.len(),
                    error: None,
                };
            }
            Ok(Ok(n)) => buffer.extend_from_slice(&chunk[..n]),
            Ok(Err(error)) => {
                return RawOutcome::Closed {
                    elapsed: started.elapsed(),
                    received: buffer.len(),
                    error: Some(error.to_string()),
                };
            }
            Err(_) => {
                return RawOutcome::TimedOut {
                    received: buffer.len(),
                };
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The value of an unlabelled Prometheus sample `name` in a `/metrics` text.
pub fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let mut parts = line.split_whitespace();
        (parts.next()? == name).then_some(())?;
        parts.next()?.parse().ok()
    })
}

/// Every sample of `name` with labels, as `(labels, value)`: `{outcome="timeout"}` → 3.
pub fn metric_samples(text: &str, name: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(name)?;
            let (labels, value) = rest.strip_prefix('{')?.split_once("} ")?;
            Some((labels.to_owned(), value.trim().parse().ok()?))
        })
        .collect()
}

/// Resident set size of process `pid` in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        line.strip_prefix("VmRSS:")?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    })
}

/// The environment variable naming the directory reliability records are written to.
pub const RELIABILITY_DIR_ENV: &str = "CALLDATA_RELIABILITY_DIR";

/// When `CALLDATA_RELIABILITY_DIR` is set, writes `figures` (a JSON object) to
/// `<dir>/<test>.json`, adding `"test"` and `"recordedAtUnix"`; returns the path written.
/// `cargo xtask reliability` collects these files into `docs/reliability.md`.
pub fn write_reliability_record(
    test: &str,
    figures: serde_json::Value,
) -> Result<Option<PathBuf>, Failure> {
    let Some(dir) = std::env::var_os(RELIABILITY_DIR_ENV).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    let mut record = serde_json::Map::new();
    record.insert("test".to_owned(), test.into());
    record.insert(
        "recordedAtUnix".to_owned(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
            .into(),
    );
    match figures {
        serde_json::Value::Object(map) => record.extend(map),
        other => {
            record.insert("figures".to_owned(), other);
        }
    }
    let path = dir.join(format!("{test}.json"));
    let json = serde_json::to_string_pretty(&serde_json::Value::Object(record))?;
    std::fs::write(&path, json + "\n")?;
    Ok(Some(path))
}

/// When `CALLDATA_RELIABILITY_DIR` is set, writes `rows` (JSON objects with the same keys,
/// rendered as one table by `cargo xtask reliability`) to `<dir>/<name>.json`.
pub fn write_reliability_table(
    name: &str,
    rows: Vec<serde_json::Value>,
) -> Result<Option<PathBuf>, Failure> {
    let Some(dir) = std::env::var_os(RELIABILITY_DIR_ENV).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.json"));
    let json = serde_json::to_string_pretty(&serde_json::Value::Array(rows))?;
    std::fs::write(&path, json + "\n")?;
    Ok(Some(path))
}
