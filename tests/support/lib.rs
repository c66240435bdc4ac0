//! Support for end-to-end tests: find (or build) the workspace binaries, run them as
//! processes, read their banners, sign requests, stop them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use calldata_model::auth::{Credentials, SignableRequest, SigningOptions, sign};
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
    let headers = [
        ("host", host.to_owned()),
        ("content-type", "application/json;charset=UTF-8".to_owned()),
        ("content-length", body.len().to_string()),
    ];
    let request = SignableRequest {
        method: "POST",
        path,
        query: "",
        headers: &headers,
        body: body.as_bytes(),
    };
    Ok(sign(
        &Credentials::new(ak, sk),
        &request,
        &SigningOptions::default(),
        SystemTime::now(),
    )?
    .authorization)
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
