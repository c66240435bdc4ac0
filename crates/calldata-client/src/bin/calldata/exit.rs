//! Exit codes of `calldata`, and the one-sentence message that goes with each failure.

use std::error::Error as StdError;
use std::fmt;
use std::process::ExitCode;

use calldata_client::{Error, InvalidRequest, ResultCode, TransportKind};
use calldata_model::local_server::CA_CERT_FILE;

use crate::settings::Settings;

/// The exit codes, as `--help` lists them.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success (the call was found; ping: the key was accepted and the server answered UP)
  1  conform: at least one contract check failed
  2  invalid input: bad flags or values, missing key or CA file; nothing was sent
  3  the call was not found or is no longer in progress (0100001)
  4  authentication refused: bad signature (401), address locked out (403), key not allowed (0101003)
  5  transport failure: cannot connect, TLS, timeout, server busy or down
  6  any other API error, an answer that is not a CC-CMS reply, or a ping status other than UP";

/// `calldata conform`: a contract check failed.
pub(crate) const CHECKS_FAILED: u8 = 1;
/// Invalid input; nothing was sent.
pub(crate) const INVALID_INPUT: u8 = 2;
/// The call was not found or is not in progress.
pub(crate) const NOT_FOUND: u8 = 3;
/// The server refused the credentials.
pub(crate) const AUTH_REFUSED: u8 = 4;
/// The server could not be reached.
pub(crate) const TRANSPORT: u8 = 5;
/// Any other API error.
pub(crate) const OTHER: u8 = 6;

/// A failed command: its exit code and what to tell the user.
#[derive(Debug)]
pub(crate) struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    /// Invalid input (exit 2).
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self {
            code: INVALID_INPUT,
            message: message.into(),
        }
    }

    /// Contract checks that failed (exit 1).
    pub(crate) fn conformance(message: impl Into<String>) -> Self {
        Self {
            code: CHECKS_FAILED,
            message: message.into(),
        }
    }

    /// Any other failure (exit 6).
    pub(crate) fn other(message: impl Into<String>) -> Self {
        Self {
            code: OTHER,
            message: message.into(),
        }
    }

    /// A query refused by validation (exit 2).
    pub(crate) fn invalid_request(invalid: &InvalidRequest) -> Self {
        Self::input(format!(
            "invalid input, nothing was sent: {invalid}; fix --cc-id (1-65535), --vdn (1-5000) or --call-id (<start>-<sequence>, at most 20 characters)"
        ))
    }

    /// The exit code.
    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code)
    }

    /// A client error, explained with the settings it happened under.
    pub(crate) fn from_client(error: &Error, settings: &Settings) -> Self {
        let url = &settings.url;
        let (code, message) = match error {
            Error::InvalidRequest(invalid) => return Self::invalid_request(invalid),
            Error::Config(problem) => (INVALID_INPUT, format!("{problem}; fix the option")),
            error if error.is_not_found() => (
                NOT_FOUND,
                format!(
                    "{}; check the IDs: only calls in progress can be queried, and records of calls that ended within a day",
                    api_message(error)
                ),
            ),
            Error::Unauthorized => (
                AUTH_REFUSED,
                format!(
                    "the server at {url} refused the signature (HTTP 401); check the access key and secret key (from {}) and this machine's clock",
                    settings.credentials.source
                ),
            ),
            Error::LockedOut => (
                AUTH_REFUSED,
                format!(
                    "the server at {url} has locked this address out after repeated signature failures (HTTP 403); wait for the lockout to end (5 minutes by default), then retry with the right key (from {})",
                    settings.credentials.source
                ),
            ),
            Error::Api {
                code: ResultCode::InsufficientPermission,
                message,
            } => (
                AUTH_REFUSED,
                format!(
                    "access key {} is not allowed to query this call ({message}); use a key allowed for that ccId and vdn",
                    settings.credentials.value.access_key
                ),
            ),
            Error::Transport { kind, source } => {
                (TRANSPORT, transport_message(*kind, &**source, settings))
            }
            Error::Api { .. } => (
                OTHER,
                format!(
                    "{}; see the result codes in docs/api.md",
                    api_message(error)
                ),
            ),
            Error::Undecodable {
                status: 405,
                excerpt,
            } => (
                OTHER,
                format!(
                    "the server at {url} does not take a POST on this path (HTTP 405): {excerpt:?}; check that --url points at the CC-CMS API (a calldata-server from before the signed POST ping answers ping so)"
                ),
            ),
            Error::Undecodable { status, excerpt } => (
                OTHER,
                format!(
                    "the answer from {url} (HTTP {status}) is not a CC-CMS reply: {excerpt:?}; check that --url points at the CC-CMS API"
                ),
            ),
            other => (OTHER, other.to_string()),
        };
        Self { code, message }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn api_message(error: &Error) -> String {
    match error {
        Error::Api { code, message } if message.is_empty() => format!("the server answered {code}"),
        Error::Api { code, message } => format!("the server answered {code}: {message}"),
        other => other.to_string(),
    }
}

fn transport_message(
    kind: TransportKind,
    source: &(dyn StdError + 'static),
    settings: &Settings,
) -> String {
    let url = &settings.url;
    let cause = causes(source);
    let tries = settings.retries + 1;
    match kind {
        TransportKind::Timeout => format!(
            "no answer from {url} within {} ms ({tries} attempts); check that the server is up, or raise --timeout-ms",
            settings.timeout.as_millis()
        ),
        TransportKind::Connect => format!(
            "cannot connect to {url} ({cause}); check that the server runs there (a local one: `cargo run -p calldata-server`) or pass --url"
        ),
        TransportKind::Tls => {
            let trusted = settings.ca_cert.as_ref().map_or_else(
                || "no CA certificate was given".to_owned(),
                |ca| {
                    format!(
                        "the CA certificate was {} (from {})",
                        ca.value.display(),
                        ca.source
                    )
                },
            );
            format!(
                "TLS handshake with {url} failed ({cause}; {trusted}); pass the server's CA with --ca-cert (a local server's is {})",
                settings.data_dir.value.join(CA_CERT_FILE).display()
            )
        }
        TransportKind::Unavailable => {
            format!("{url} is busy or unavailable ({cause}) after {tries} attempts; retry later")
        }
        _ => format!("the request to {url} failed ({cause}); retry, or check --url"),
    }
}

/// An error and its causes, joined by `: `, without repeats (reqwest's own "error sending
/// request for url" line only repeats the URL, so it is left out).
fn causes(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = match error.downcast_ref::<reqwest::Error>() {
        Some(outer) => outer.source().or(Some(error)),
        None => Some(error),
    };
    while let Some(current) = next {
        let text = current.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = current.source();
    }
    parts.join(": ")
}
