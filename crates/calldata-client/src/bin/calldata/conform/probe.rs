//! The requests `calldata conform` sends: signed as a caller would (in each of the
//! signature's variants), or deliberately wrong (a wrong secret, a stale timestamp, no
//! signature), never faster than the rate asked for.

use std::time::{Duration, Instant, SystemTime};

use calldata_client::signing::{OutgoingRequest, sign_request};
use calldata_client::{Credentials, SigningOptions, TimestampPrecision};
use calldata_model::auth::QueryLine;
use reqwest::{Method, Url};

use crate::exit::Failure;
use crate::settings::Settings;

/// The content type every interface takes, as the contract writes it.
pub(crate) const JSON: &str = calldata_model::JSON_CONTENT_TYPE;

/// How a request is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signing {
    /// The contract's typical form: second timestamps, `content-length;content-type;host`.
    Standard,
    /// A millisecond timestamp.
    Milliseconds,
    /// The canonical request with an empty query line.
    EmptyQueryLine,
    /// The content type sent with a space: `application/json; charset=UTF-8`.
    SpacedContentType,
    /// Only `host` signed.
    HostOnly,
    /// Signed with a secret key that is not the key's.
    WrongSecret,
    /// Signed 20 minutes ago (outside the usual 15-minute window).
    Stale,
    /// No `Authorization` header.
    Unsigned,
}

/// An answer as received.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// HTTP status.
    pub(crate) status: u16,
    /// The `Allow` header, if any.
    pub(crate) allow: Option<String>,
    /// The body as text.
    pub(crate) body: String,
}

/// Sends requests to one endpoint, at most one per `gap`.
pub(crate) struct Probe {
    http: reqwest::Client,
    base: Url,
    host: String,
    credentials: Credentials,
    gap: Duration,
    last: Option<Instant>,
    sent: usize,
}

impl Probe {
    /// A probe of the endpoint the settings name, sending at most `rate` requests a second.
    pub(crate) fn new(settings: &Settings, rate: f64) -> Result<Self, Failure> {
        let base = Url::parse(&settings.url.value)
            .map_err(|e| Failure::input(format!("invalid --url {}: {e}", settings.url.value)))?;
        let host = match (base.host_str(), base.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(Failure::input(format!("--url {base} has no host"))),
        };
        let mut builder = reqwest::Client::builder()
            .timeout(settings.timeout)
            .danger_accept_invalid_certs(settings.insecure)
            .pool_max_idle_per_host(1);
        if let Some(ca) = &settings.ca_cert {
            let pem = std::fs::read(&ca.value).map_err(|e| {
                Failure::input(format!(
                    "cannot read the CA certificate {}: {e}",
                    ca.value.display()
                ))
            })?;
            let certificate = reqwest::Certificate::from_pem(&pem).map_err(|e| {
                Failure::input(format!(
                    "{} is not a PEM certificate: {e}",
                    ca.value.display()
                ))
            })?;
            builder = builder.add_root_certificate(certificate);
        }
        let http = builder
            .build()
            .map_err(|e| Failure::input(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            base,
            host,
            credentials: settings.credentials.value.clone(),
            gap: Duration::from_secs_f64(1.0 / rate.max(0.01)),
            last: None,
            sent: 0,
        })
    }

    /// Requests sent so far.
    pub(crate) fn sent(&self) -> usize {
        self.sent
    }

    /// A JSON `POST` of `body` to `path`, signed as `signing` says.
    pub(crate) async fn post(
        &mut self,
        path: &str,
        body: &str,
        signing: Signing,
    ) -> Result<Reply, String> {
        let content_type = if signing == Signing::SpacedContentType {
            "application/json; charset=UTF-8"
        } else {
            JSON
        };
        self.send(
            Method::POST,
            path,
            content_type,
            body.as_bytes().to_vec(),
            signing,
        )
        .await
    }

    /// A request with any method, content type and body, signed as `signing` says.
    pub(crate) async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        signing: Signing,
    ) -> Result<Reply, String> {
        self.pace().await;
        let url = self
            .base
            .join(path)
            .map_err(|e| format!("cannot join {path} to {}: {e}", self.base))?;
        let mut request = self.http.request(method.clone(), url);
        if !body.is_empty() {
            request = request.header("content-type", content_type);
        }
        if signing != Signing::Unsigned {
            let authorization = self.authorization(&method, path, content_type, &body, signing)?;
            request = request.header("authorization", authorization);
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| format!("the request failed: {e}"))?;
        let status = response.status().as_u16();
        let allow = response
            .headers()
            .get("allow")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response
            .text()
            .await
            .map_err(|e| format!("the answer could not be read: {e}"))?;
        Ok(Reply {
            status,
            allow,
            body,
        })
    }

    /// Waits until a request may go, at most one per gap.
    async fn pace(&mut self) {
        if let Some(last) = self.last {
            let due = last + self.gap;
            let now = Instant::now();
            if due > now {
                tokio::time::sleep(due - now).await;
            }
        }
        self.last = Some(Instant::now());
        self.sent += 1;
    }

    fn authorization(
        &self,
        method: &Method,
        path: &str,
        content_type: &str,
        body: &[u8],
        signing: Signing,
    ) -> Result<String, String> {
        let mut options = SigningOptions::default();
        match signing {
            Signing::Milliseconds => options.precision = TimestampPrecision::Milliseconds,
            Signing::EmptyQueryLine => options.query_line = QueryLine::AlwaysEmit,
            Signing::HostOnly => options.signed_headers = vec!["host".to_owned()],
            _ => {}
        }
        let credentials = if signing == Signing::WrongSecret {
            Credentials::new(
                self.credentials.access_key.clone(),
                "not-the-secret-key-of-this-access-key".to_owned(),
            )
        } else {
            self.credentials.clone()
        };
        let at = if signing == Signing::Stale {
            SystemTime::now() - Duration::from_secs(20 * 60)
        } else {
            SystemTime::now()
        };
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let request = OutgoingRequest {
            method: method.as_str(),
            host: &self.host,
            path,
            query,
            content_type,
            body,
        };
        sign_request(&credentials, &options, &request, at)
            .map(|signed| signed.authorization().to_owned())
            .map_err(|e| format!("cannot sign: {e}"))
    }
}
