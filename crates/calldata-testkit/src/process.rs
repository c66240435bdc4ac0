//! A built binary of the workspace as a process: found next to the test binary (built
//! first if missing), started with its output piped, its banner read until a line says
//! it is up, readiness polled, stopped by a signal; and the demo key and CA a server
//! writes in its data directory.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStderr, Command};

use crate::Failure;
use crate::raw::{RawOutcome, raw_exchange};

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

/// Starts the built `bms-emulator` listening on `listen` (`127.0.0.1:0` for a free port)
/// and waits for its banner; its URL is `banner_word("http://127.0.0.1:")`.
pub async fn start_emulator(listen: &str) -> Result<Process, Failure> {
    let mut command = Command::new(binary("calldata-bms-emulator", "bms-emulator")?);
    command.args(["--listen", listen]);
    Process::start(command, "listening on").await
}

/// Starts `calldata-server` over plain HTTP on `listen` (`127.0.0.1:0` picks a port) with
/// `CALLDATA_DATA_DIR=data_dir`, the demo snapshot (`--simulation false`: tests see fixed
/// calls; a `--simulation true` in `extra` replaces it) and `extra` flags; returns the
/// process and its address once `/healthz` answers 200.
pub async fn start_plain_server(
    data_dir: &Path,
    listen: &str,
    extra: &[&str],
) -> Result<(Process, std::net::SocketAddr), Failure> {
    let mut command = Command::new(binary("calldata-server", "calldata-server")?);
    command.args(["--listen", listen, "--plain-http"]);
    if !extra.contains(&"--simulation") {
        command.args(["--simulation", "false"]);
    }
    command
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
