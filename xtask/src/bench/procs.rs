//! The processes a bench run starts (servers, emulator, ceiling), stopped when dropped, and
//! the small plain-HTTP exchanges used to check them.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A child process that is killed when dropped.
#[derive(Debug)]
pub(crate) struct Running {
    name: String,
    child: Child,
    /// Where it listens.
    pub(crate) address: SocketAddr,
}

impl Running {
    /// Starts `program args...` listening on `address`, its stderr in `log`, and waits until
    /// the port accepts connections.
    pub(crate) fn start(
        name: &str,
        program: &Path,
        args: &[String],
        address: SocketAddr,
        log: &Path,
    ) -> anyhow::Result<Self> {
        let log_file = std::fs::File::create(log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        hermetic(&mut command);
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", program.display()))?;
        let mut running = Self {
            name: name.to_owned(),
            child,
            address,
        };
        running.wait_listening(Duration::from_secs(120), log)?;
        Ok(running)
    }

    /// Its process ID.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_listening(&mut self, limit: Duration, log: &Path) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            if TcpStream::connect(self.address).is_ok() {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                let tail = std::fs::read_to_string(log).unwrap_or_default();
                bail!(
                    "{} exited with {status} before listening:\n{tail}",
                    self.name
                );
            }
            if started.elapsed() > limit {
                bail!("{} did not listen on {} in time", self.name, self.address);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Only our own child, by its handle; nothing is left to flush in a bench server.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Clears the environment variables that would override the bench's settings.
pub(crate) fn hermetic(command: &mut Command) {
    command.env_remove("RUST_LOG");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CALLDATA_") {
            command.env_remove(name);
        }
    }
}

/// A loopback address with a port that was free a moment ago.
pub(crate) fn free_address() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// A plain HTTP/1.1 answer: status and body.
#[derive(Debug)]
pub(crate) struct Answer {
    /// Status code.
    pub(crate) status: u16,
    /// Body text.
    pub(crate) body: String,
}

/// One plain HTTP/1.1 request on a fresh connection (`Connection: close`).
pub(crate) fn exchange(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> anyhow::Result<Answer> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n");
    for (name, value) in headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    let _ = write!(head, "content-length: {}\r\n\r\n", body.len());
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .with_context(|| format!("no HTTP answer from {address}{path}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no status line from {address}{path}"))?;
    Ok(Answer {
        status,
        body: body.to_owned(),
    })
}
