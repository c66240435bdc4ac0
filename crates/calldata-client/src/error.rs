//! `Error`: everything a query can end in besides a call, and which of those are worth
//! another attempt.

use std::fmt;

use calldata_model::{InvalidRequest, ResultCode};

/// Why a call could not be returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request broke the contract's rules; nothing was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(#[from] InvalidRequest),
    /// The request did not get an answer the API could have given.
    #[error("{kind}: {source}")]
    Transport {
        /// What kind of failure.
        kind: TransportKind,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// HTTP 401: the server refused the signature.
    #[error(
        "the server refused the request signature (HTTP 401): check the access key, the secret key and this machine's clock"
    )]
    Unauthorized,
    /// HTTP 403: the server locked this client address out after repeated signature failures.
    #[error(
        "the server has locked this address out after repeated signature failures (HTTP 403): wait for the lockout to end, then use the right key"
    )]
    LockedOut,
    /// The API answered with a result code other than `0100000`.
    #[error("the API answered {code}: {message}")]
    Api {
        /// The result code.
        code: ResultCode,
        /// The server's `resultDesc` text (may be empty).
        message: String,
    },
    /// The answer was not a CC-CMS reply.
    #[error("the server's answer (HTTP {status}) is not a CC-CMS reply: {excerpt:?}")]
    Undecodable {
        /// HTTP status of the answer.
        status: u16,
        /// The start of the body, at most [`EXCERPT_CHARS`] characters.
        excerpt: String,
    },
    /// The client could not be built as configured.
    #[error("client configuration: {0}")]
    Config(String),
}

/// What kind of transport failure ended a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No answer within the configured time.
    Timeout,
    /// The connection could not be opened.
    Connect,
    /// The TLS handshake failed (often an untrusted or mismatched certificate).
    Tls,
    /// The server or a proxy said it is busy or down (HTTP 408, 429, 500, 502, 503, 504).
    Unavailable,
    /// Any other failure while sending or receiving.
    Other,
}

/// Longest body excerpt kept in [`Error::Undecodable`], in characters.
pub const EXCERPT_CHARS: usize = 200;

impl Error {
    /// Whether another attempt may succeed: transport faults (but not a refused TLS
    /// certificate, which fails the same way every time) and `0100001` BMS failures (not "not found").
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { kind, .. } => *kind != TransportKind::Tls,
            // A BMS failure may pass; a call that is not in progress will not appear by retrying.
            Self::Api { code, .. } => {
                *code == ResultCode::InterfaceCallFailed && !self.is_not_found()
            }
            _ => false,
        }
    }

    /// Whether the call was not found or is no longer in progress (`0100001` saying so).
    pub fn is_not_found(&self) -> bool {
        match self {
            Self::Api {
                code: ResultCode::InterfaceCallFailed,
                message,
            } => {
                let message = message.to_ascii_lowercase();
                message.contains("not found") || message.contains("not in progress")
            }
            _ => false,
        }
    }

    /// Whether the server refused these credentials: 401, 403 or `0101003`.
    pub fn is_auth_refused(&self) -> bool {
        matches!(
            self,
            Self::Unauthorized
                | Self::LockedOut
                | Self::Api {
                    code: ResultCode::InsufficientPermission,
                    ..
                }
        )
    }

    /// The transport kind, when this is a transport failure.
    pub fn transport_kind(&self) -> Option<TransportKind> {
        match self {
            Self::Transport { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// A transport error from reqwest, classified.
    pub(crate) fn from_reqwest(error: reqwest::Error) -> Self {
        Self::Transport {
            kind: classify(&error),
            source: Box::new(error),
        }
    }

    /// The answer to a non-200 status that is not 401 or 403.
    pub(crate) fn from_status(status: u16, body: &[u8]) -> Self {
        if matches!(status, 408 | 429 | 500 | 502 | 503 | 504) {
            Self::Transport {
                kind: TransportKind::Unavailable,
                source: Box::new(HttpStatus {
                    status,
                    excerpt: excerpt(body),
                }),
            }
        } else {
            Self::Undecodable {
                status,
                excerpt: excerpt(body),
            }
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timed out",
            Self::Connect => "could not connect",
            Self::Tls => "TLS handshake failed",
            Self::Unavailable => "server unavailable",
            Self::Other => "transport error",
        })
    }
}

/// An HTTP status that means "busy or down", with the start of its body.
#[derive(Debug, thiserror::Error)]
#[error("HTTP {status}: {excerpt:?}")]
pub struct HttpStatus {
    /// The status code.
    pub status: u16,
    /// The start of the body.
    pub excerpt: String,
}

/// The first [`EXCERPT_CHARS`] characters of a body, lossily decoded.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

fn classify(error: &reqwest::Error) -> TransportKind {
    if error.is_timeout() {
        TransportKind::Timeout
    } else if is_tls(error) {
        TransportKind::Tls
    } else if error.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Other
    }
}

/// Whether a rustls error sits anywhere in the chain; `io::Error` wrappers are looked
/// into, since their `source` skips the error they wrap.
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(current) = next {
        if current.is::<rustls::Error>() {
            return true;
        }
        let wrapped = current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref);
        next = match wrapped {
            Some(inner) => Some(inner),
            None => current.source(),
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str, message: &str) -> Error {
        Error::Api {
            code: ResultCode::from_wire(code),
            message: message.to_owned(),
        }
    }

    #[test]
    fn only_transport_faults_and_interface_failures_are_retryable() {
        assert!(Error::from_status(503, b"busy").is_retryable());
        assert!(Error::from_status(500, b"").is_retryable());
        assert!(api("0100001", "bms timed out").is_retryable());
        assert!(!api("0100001", "call not found or no longer in progress").is_retryable());
        assert!(!api("0100002", "vdn").is_retryable());
        assert!(!api("0101003", "scope").is_retryable());
        assert!(!Error::Unauthorized.is_retryable());
        assert!(!Error::LockedOut.is_retryable());
        assert!(!Error::from_status(404, b"").is_retryable());
        let tls = Error::Transport {
            kind: TransportKind::Tls,
            source: Box::new(std::io::Error::other("UnknownIssuer")),
        };
        assert!(!tls.is_retryable());
    }

    #[test]
    fn not_found_needs_the_code_and_a_message_that_says_so() {
        assert!(api("0100001", "call not found or no longer in progress").is_not_found());
        assert!(api("0100001", "Call Not In Progress").is_not_found());
        assert!(!api("0100001", "BMS unreachable").is_not_found());
        assert!(!api("0100002", "not found").is_not_found());
    }

    #[test]
    fn excerpts_stop_at_200_characters() {
        let long = "x".repeat(500);
        let cut = excerpt(long.as_bytes());
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt(b"short"), "short");
    }
}
