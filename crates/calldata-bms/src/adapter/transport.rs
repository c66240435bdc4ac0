//! One HTTP exchange with the BMS on any interface's path: the pooled reqwest client, the
//! request, a bounded read of the answer's bytes, and the classification of every transport
//! fault into a [`Fault`] that names its class and never the BMS address or a credential.

use std::error::Error as _;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::settings::HttpBmsSettings;

/// Largest BMS answer read; anything longer is a bad response.
const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// Why an exchange with the BMS failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Connection refused.
    Refused,
    /// Connecting failed otherwise (unreachable, DNS, connect timeout).
    Connect,
    /// TLS handshake or certificate failure.
    Tls,
    /// No complete answer within the request timeout.
    Timeout,
    /// Connection reset or closed before the answer was complete.
    Reset,
    /// An HTTP status other than 200.
    HttpStatus,
    /// A 200 body that is not the BMS JSON (or is too large).
    BadResponse,
    /// Too many requests in flight to the BMS.
    Busy,
    /// The circuit breaker is open.
    BreakerOpen,
    /// BMS answered with an undocumented `retCode`.
    BmsFailure,
}

impl Fault {
    /// Metric label.
    pub fn class(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::Connect => "connect",
            Self::Tls => "tls",
            Self::Timeout => "timeout",
            Self::Reset => "reset",
            Self::HttpStatus => "http_status",
            Self::BadResponse => "bad_response",
            Self::Busy => "busy",
            Self::BreakerOpen => "breaker_open",
            Self::BmsFailure => "bms_failure",
        }
    }

    /// The message callers see (after "call source unavailable: ").
    pub fn message(self) -> &'static str {
        match self {
            Self::Refused => "BMS refused the connection",
            Self::Connect => "BMS could not be reached",
            Self::Tls => "TLS with BMS failed",
            Self::Timeout => "BMS did not answer in time",
            Self::Reset => "BMS closed the connection",
            Self::HttpStatus => "BMS answered with an HTTP error",
            Self::BadResponse => "BMS answered something unreadable",
            Self::Busy => "too many requests in flight to BMS",
            Self::BreakerOpen => "BMS is failing; the circuit breaker is open",
            Self::BmsFailure => "BMS reported a failure",
        }
    }

    /// Whether one retry is safe: the request surely did not reach BMS, or it is an
    /// idempotent read cut by a reset.
    pub fn retry_is_safe(self) -> bool {
        matches!(self, Self::Refused | Self::Connect | Self::Reset)
    }
}

/// Why the adapter could not be built from its settings.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A file named in the settings could not be read.
    #[error("cannot read {what} {path}: {source}")]
    File {
        /// Which setting.
        what: &'static str,
        /// The path.
        path: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A certificate, key or token is unusable.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Which setting.
        what: &'static str,
        /// Why.
        reason: String,
    },
}

/// The pooled HTTP client to one BMS, for every interface.
#[derive(Debug)]
pub struct Transport {
    http: reqwest::Client,
    /// The BMS base URL without a trailing `/`; each exchange appends its interface's path.
    base_url: String,
    bearer: Option<HeaderValue>,
}

impl Transport {
    /// Builds the client: timeouts, bounded idle pool, custom CA, client certificate, token.
    pub fn new(settings: &HttpBmsSettings) -> Result<Self, BuildError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(settings.connect_timeout_ms))
            .timeout(Duration::from_millis(settings.request_timeout_ms))
            .pool_max_idle_per_host(settings.pool_max_idle)
            .pool_idle_timeout(Duration::from_secs(settings.pool_idle_timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            // The adapter decides its own retry; reqwest's (HTTP/2 refusals only, and this
            // client speaks HTTP/1.1) would copy every request's headers to be ready for it.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .user_agent(concat!("calldata-bms-adapter/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &settings.ca_cert {
            let pem = read(path, "bms.ca_cert")?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| invalid("bms.ca_cert", &e))?;
            if certs.is_empty() {
                return Err(BuildError::Invalid {
                    what: "bms.ca_cert",
                    reason: "no certificate in the file".into(),
                });
            }
            builder = builder.tls_certs_only(certs);
        }
        if let (Some(cert), Some(key)) = (&settings.client_cert, &settings.client_key) {
            let mut pem = read(cert, "bms.client_cert")?;
            pem.push(b'\n');
            pem.extend(read(key, "bms.client_key")?);
            let identity =
                reqwest::Identity::from_pem(&pem).map_err(|e| invalid("bms.client_cert", &e))?;
            builder = builder.identity(identity);
        }
        let token = match (&settings.bearer_token, &settings.bearer_token_file) {
            (Some(token), _) => Some(token.clone()),
            (None, Some(path)) => {
                let text =
                    String::from_utf8_lossy(&read(path, "bms.bearer_token_file")?).into_owned();
                Some(SecretString::from(
                    text.lines().next().unwrap_or_default().trim().to_owned(),
                ))
            }
            (None, None) => None,
        };
        let bearer = token
            .map(|t| {
                let mut value = HeaderValue::try_from(format!("Bearer {}", t.expose_secret()))
                    .map_err(|_| BuildError::Invalid {
                        what: "bms bearer token",
                        reason: "not a valid header value".into(),
                    })?;
                value.set_sensitive(true);
                Ok::<_, BuildError>(value)
            })
            .transpose()?;
        let http = builder.build().map_err(|e| invalid("bms settings", &e))?;
        let base_url = settings.url.trim().trim_end_matches('/').to_owned();
        Ok(Self {
            http,
            base_url,
            bearer,
        })
    }

    /// Posts one request body to `path` (an interface's path, from [`crate::wire`]) and
    /// reads the whole answer; what the bytes mean is the caller's business.
    pub async fn exchange(&self, path: &str, body: Bytes) -> Result<Bytes, Fault> {
        let mut url = String::with_capacity(self.base_url.len() + path.len());
        url.push_str(&self.base_url);
        url.push_str(path);
        let mut request = self
            .http
            .post(url)
            .header(CONTENT_TYPE, calldata_model::JSON_CONTENT_TYPE)
            .body(body);
        if let Some(bearer) = &self.bearer {
            request = request.header(AUTHORIZATION, bearer.clone());
        }
        let mut response = request.send().await.map_err(|e| classify(&e))?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(Fault::HttpStatus);
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_REPLY_BYTES as u64)
        {
            return Err(Fault::BadResponse);
        }
        let mut bytes = Vec::with_capacity(2048);
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            if bytes.len() + chunk.len() > MAX_REPLY_BYTES {
                return Err(Fault::BadResponse);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(bytes))
    }
}

/// Classifies a reqwest error by walking its source chain.
fn classify(error: &reqwest::Error) -> Fault {
    if error.is_timeout() {
        return Fault::Timeout;
    }
    let mut io_kind = None;
    let mut tls = false;
    let mut source = error.source();
    while let Some(cause) = source {
        if cause.downcast_ref::<rustls::Error>().is_some() {
            tls = true;
        }
        if let Some(io_error) = cause.downcast_ref::<io::Error>() {
            io_kind.get_or_insert(io_error.kind());
            tls |= wraps_rustls_error(io_error);
        }
        source = cause.source();
    }
    if tls {
        return Fault::Tls;
    }
    if error.is_connect() {
        return if io_kind == Some(io::ErrorKind::ConnectionRefused) {
            Fault::Refused
        } else {
            Fault::Connect
        };
    }
    if error.is_decode() {
        return Fault::BadResponse;
    }
    // Resets, aborted or incomplete messages: the connection went away under the request.
    Fault::Reset
}

/// Whether an `io::Error`, or an `io::Error` nested inside it (hyper wraps rustls' handshake
/// errors twice), carries a rustls error.
fn wraps_rustls_error(error: &io::Error) -> bool {
    let mut inner = error.get_ref();
    while let Some(cause) = inner {
        if cause.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        inner = cause
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref);
    }
    false
}

fn read(path: &std::path::Path, what: &'static str) -> Result<Vec<u8>, BuildError> {
    std::fs::read(path).map_err(|source| BuildError::File {
        what,
        path: path.display().to_string(),
        source,
    })
}

fn invalid(what: &'static str, error: &reqwest::Error) -> BuildError {
    BuildError::Invalid {
        what,
        reason: error.to_string(),
    }
}
