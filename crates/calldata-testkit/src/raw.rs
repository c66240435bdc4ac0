//! Raw HTTP/1.1 over TCP: requests written byte by byte ([`RawRequest`], so a test
//! chooses every byte on the wire, broken ones included), one exchange over a fresh
//! connection ([`raw_exchange`]), and the reader of one response from any stream
//! ([`read_response`]), which tells a response from a close, a reset or silence.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::Failure;

/// A request written byte by byte: request line, headers, body.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// The request line, without its CR LF.
    pub line: Vec<u8>,
    /// Header names and values, in the order written.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// The body, written as it is after the head.
    pub body: Vec<u8>,
}

impl RawRequest {
    /// `method target HTTP/1.1` with `Host: host` and `Connection: close`.
    pub fn new(method: &str, target: &[u8], host: &str) -> Self {
        let mut line = format!("{method} ").into_bytes();
        line.extend_from_slice(target);
        line.extend_from_slice(b" HTTP/1.1");
        Self {
            line,
            headers: vec![
                (b"Host".to_vec(), host.as_bytes().to_vec()),
                (b"Connection".to_vec(), b"close".to_vec()),
            ],
            body: Vec::new(),
        }
    }

    /// Adds header `name` (after any of the same name).
    #[must_use]
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.as_bytes().to_vec(), value.as_ref().to_vec()));
        self
    }

    /// Drops every header called `name`.
    #[must_use]
    pub fn without(mut self, name: &str) -> Self {
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case(name.as_bytes()));
        self
    }

    /// The first value of header `name` (any case).
    pub fn header_value(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.as_slice())
    }

    /// The bytes on the wire.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = self.line.clone();
        out.extend_from_slice(b"\r\n");
        for (name, value) in &self.headers {
            out.extend_from_slice(name);
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
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
    address: SocketAddr,
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
