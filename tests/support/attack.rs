//! Connection-level attacks a hostile client runs from one host (issue 18), as library
//! functions for the tests and the `calldata-attack` binary: half-open connections,
//! slow-loris after a first request, pipelined requests never read.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use calldata_testkit::Failure;

/// What an attack did.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttackReport {
    /// Connections the attack kept at once (its target).
    pub connections: usize,
    /// Connections opened in all, reconnections included.
    pub connects: u64,
    /// Connects that failed (refused, reset, timed out).
    pub connect_failures: u64,
    /// Connections the server closed.
    pub closed_by_server: u64,
    /// Bytes written to the server.
    pub bytes_written: u64,
    /// Bytes the server wrote that the attack read.
    pub bytes_read: u64,
    /// How long the attack ran, ms.
    pub ran_ms: u64,
}

#[derive(Debug, Default)]
struct Counts {
    connects: AtomicU64,
    connect_failures: AtomicU64,
    closed_by_server: AtomicU64,
    bytes_written: AtomicU64,
    bytes_read: AtomicU64,
}

impl Counts {
    fn report(&self, connections: usize, ran: Duration) -> AttackReport {
        AttackReport {
            connections,
            connects: self.connects.load(Ordering::Relaxed),
            connect_failures: self.connect_failures.load(Ordering::Relaxed),
            closed_by_server: self.closed_by_server.load(Ordering::Relaxed),
            bytes_written: self.bytes_written.load(Ordering::Relaxed),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            ran_ms: u64::try_from(ran.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// Where and how long an attack runs.
#[derive(Debug, Clone, Copy)]
pub struct AttackTarget {
    /// The server.
    pub server: SocketAddr,
    /// The local address to connect from (another 127/8 address spreads the ports).
    pub source: Option<IpAddr>,
    /// How long the attack runs.
    pub duration: Duration,
    /// A small kernel receive buffer, as a peer that means not to read sets it.
    pub receive_buffer: Option<u32>,
}

impl AttackTarget {
    async fn connect(&self, counts: &Counts) -> Option<TcpStream> {
        counts.connects.fetch_add(1, Ordering::Relaxed);
        let socket = match self.server {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        };
        let connected = async {
            let socket = socket?;
            if let Some(source) = self.source {
                socket.bind(SocketAddr::new(source, 0))?;
            }
            if let Some(bytes) = self.receive_buffer {
                socket.set_recv_buffer_size(bytes)?;
            }
            socket.connect(self.server).await
        };
        if let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_secs(5), connected).await {
            return Some(stream);
        }
        counts.connect_failures.fetch_add(1, Ordering::Relaxed);
        // A refused connect is retried after a pause, not in a tight loop.
        tokio::time::sleep(Duration::from_millis(100)).await;
        None
    }
}

/// Keeps `connections` TCP connections open that never send a byte (no TLS `ClientHello`),
/// reconnecting each one the server closes.
pub async fn half_open(target: AttackTarget, connections: usize) -> AttackReport {
    run(target, connections, |target, counts, until| async move {
        while Instant::now() < until {
            let Some(mut stream) = target.connect(&counts).await else {
                continue;
            };
            let mut buf = [0u8; 256];
            match tokio::time::timeout_at(until.into(), stream.read(&mut buf)).await {
                Ok(Ok(n)) => {
                    counts.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
                    counts.closed_by_server.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Err(_)) => {
                    counts.closed_by_server.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => break,
            }
        }
    })
    .await
}

/// Keeps `connections` plain HTTP connections that send one `GET /healthz`, read its
/// answer, then send the next request one byte every `trickle` (or one byte and silence
/// when `trickle` is `None`), reconnecting each one the server closes.
pub async fn slow_loris(
    target: AttackTarget,
    connections: usize,
    trickle: Option<Duration>,
) -> AttackReport {
    run(
        target,
        connections,
        move |target, counts, until| async move {
            let first = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            let next = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n\r\n";
            while Instant::now() < until {
                let Some(stream) = target.connect(&counts).await else {
                    continue;
                };
                let (mut reader, mut writer) = stream.into_split();
                if writer.write_all(first).await.is_err() {
                    counts.closed_by_server.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                counts
                    .bytes_written
                    .fetch_add(first.len() as u64, Ordering::Relaxed);
                let counts_read = counts.clone();
                // The reader sees the first answer and then the close.
                let reading = tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    loop {
                        match reader.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                counts_read
                                    .bytes_read
                                    .fetch_add(n as u64, Ordering::Relaxed);
                            }
                        }
                    }
                });
                // Let the first answer come back before the slow part starts.
                tokio::time::sleep(Duration::from_millis(200)).await;
                let writing = async {
                    for byte in next {
                        writer.write_all(&[*byte]).await?;
                        counts.bytes_written.fetch_add(1, Ordering::Relaxed);
                        match trickle {
                            Some(every) => tokio::time::sleep(every).await,
                            None => std::future::pending::<()>().await,
                        }
                    }
                    Ok::<(), std::io::Error>(())
                };
                tokio::select! {
                    _ = reading => {
                        counts.closed_by_server.fetch_add(1, Ordering::Relaxed);
                    }
                    () = tokio::time::sleep_until(until.into()) => break,
                    _ = writing => {}
                }
            }
        },
    )
    .await
}

/// Opens `connections` connections (over TLS when `tls` names the CA to trust) that each
/// write `requests` pipelined `GET path` requests and never read; returns once every
/// connection was closed or the attack's time ran out.
pub async fn unread_pipeline(
    target: AttackTarget,
    connections: usize,
    requests: usize,
    path: &str,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> AttackReport {
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").into_bytes();
    let all: Arc<Vec<u8>> = Arc::new(request.repeat(requests));
    run(target, connections, move |target, counts, until| {
        let all = all.clone();
        let tls = tls.clone();
        async move {
            let Some(stream) = target.connect(&counts).await else {
                return;
            };
            let closed = match tls {
                None => {
                    let mut stream = stream;
                    let closed = write_until(&mut stream, &all, until, &counts).await;
                    closed || wait_for_close(&stream, until).await
                }
                Some(config) => {
                    let connector = tokio_rustls::TlsConnector::from(config);
                    let name = rustls_pki_types::ServerName::IpAddress(target.server.ip().into());
                    let Ok(Ok(mut stream)) = tokio::time::timeout(
                        Duration::from_secs(5),
                        connector.connect(name, stream),
                    )
                    .await
                    else {
                        counts.connect_failures.fetch_add(1, Ordering::Relaxed);
                        return;
                    };
                    let closed = write_until(&mut stream, &all, until, &counts).await;
                    closed || wait_for_close(stream.get_ref().0, until).await
                }
            };
            if closed {
                counts.closed_by_server.fetch_add(1, Ordering::Relaxed);
            }
        }
    })
    .await
}

/// Writes `all` until done or `until`; whether the server closed the connection meanwhile.
async fn write_until<S: AsyncWriteExt + Unpin>(
    stream: &mut S,
    all: &[u8],
    until: Instant,
    counts: &Counts,
) -> bool {
    let mut written = 0;
    let closed = loop {
        if written >= all.len() {
            break false;
        }
        match tokio::time::timeout_at(until.into(), stream.write(&all[written..])).await {
            Ok(Ok(0) | Err(_)) => break true,
            Ok(Ok(n)) => written += n,
            Err(_) => break false,
        }
    };
    counts
        .bytes_written
        .fetch_add(written as u64, Ordering::Relaxed);
    closed
}

/// Never reading, waits until the server closes the connection (`true`) or `until`.
async fn wait_for_close(stream: &TcpStream, until: Instant) -> bool {
    while Instant::now() < until {
        let mut probe = [0u8; 1];
        let peeked =
            tokio::time::timeout(Duration::from_millis(200), stream.peek(&mut probe)).await;
        // Answers waiting unread make `peek` succeed: a reset shows as its error.
        if matches!(peeked, Ok(Ok(0) | Err(_))) || stream.take_error().ok().flatten().is_some() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

/// A TLS client configuration trusting only the CA in `ca_pem` (aws-lc-rs, as the server).
pub fn tls_trusting(ca_pem: &[u8]) -> Result<Arc<rustls::ClientConfig>, Failure> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(cert?)?;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

async fn run<F, Fut>(target: AttackTarget, connections: usize, one: F) -> AttackReport
where
    F: Fn(AttackTarget, Arc<Counts>, Instant) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    let until = started + target.duration;
    let counts = Arc::new(Counts::default());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        tasks.spawn(one(target, counts.clone(), until));
    }
    while tasks.join_next().await.is_some() {}
    counts.report(connections, started.elapsed())
}

/// Parses the report line the `calldata-attack` binary prints.
pub fn parse_report(line: &str) -> Result<serde_json::Value, Failure> {
    Ok(serde_json::from_str(line)?)
}
