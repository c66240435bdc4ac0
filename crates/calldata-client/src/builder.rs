//! `ClientBuilder`: base URL, credentials, timeouts, TLS trust, signing options and retry
//! policy, checked once in [`ClientBuilder::build`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use calldata_model::auth::{Credentials, SigningOptions};
use calldata_model::{INTERFACES, Operation, QueryBasicCallInfo};
use reqwest::Url;

use crate::client::{Client, Endpoints, Inner};
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::signing::{JSON_CONTENT_TYPE, OutgoingRequest, RequestSigner, endpoint, host_header};

/// Environment variable [`ClientBuilder::credentials_from_env`] reads the access key from.
pub const AK_ENV: &str = "CALLDATA_AK";
/// Environment variable [`ClientBuilder::credentials_from_env`] reads the secret key from.
pub const SK_ENV: &str = "CALLDATA_SK";

/// The default user agent: `calldata-client/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("calldata-client/", env!("CARGO_PKG_VERSION"));
/// The default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The default time allowed for one attempt, from sending to the last body byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Configures and builds a [`Client`].
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    credentials: Result<Option<Credentials>, String>,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    ca_certs: Vec<CaCert>,
    accept_invalid_certs: bool,
    signing: SigningOptions,
    retry: RetryPolicy,
}

/// A CA certificate to trust, as given.
#[derive(Debug, Clone)]
enum CaCert {
    Pem(Vec<u8>),
    File(PathBuf),
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            credentials: Ok(None),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            ca_certs: Vec::new(),
            accept_invalid_certs: false,
            signing: SigningOptions::default(),
            retry: RetryPolicy::default(),
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let access_key = match &self.credentials {
            Ok(Some(credentials)) => Some(credentials.access_key.as_str()),
            _ => None,
        };
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("access_key", &access_key)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("ca_certs", &self.ca_certs.len())
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("signing", &self.signing)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder with the defaults (no URL or credentials yet).
    pub fn new() -> Self {
        Self::default()
    }

    /// The server's base URL, e.g. `https://127.0.0.1:8443` (a path prefix is kept).
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The access key (AK) and secret key (SK) to sign with.
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Ok(Some(credentials));
        self
    }

    /// Credentials from `CALLDATA_AK` and `CALLDATA_SK`; `build` fails if either is unset.
    #[must_use]
    pub fn credentials_from_env(mut self) -> Self {
        let read = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        self.credentials = match (read(AK_ENV), read(SK_ENV)) {
            (Some(ak), Some(sk)) => Ok(Some(Credentials::new(ak, sk))),
            (None, _) => Err(format!("{AK_ENV} is not set")),
            (Some(_), None) => Err(format!("{SK_ENV} is not set")),
        };
        self
    }

    /// Time allowed to open a connection (default 3 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for each attempt, connection included (default 10 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `calldata-client/<version>`).
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Also trust the CA certificate(s) in these PEM bytes.
    #[must_use]
    pub fn ca_cert_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_certs.push(CaCert::Pem(pem.into()));
        self
    }

    /// Also trust the CA certificate(s) in this PEM file (read by `build`).
    #[must_use]
    pub fn ca_cert_file(mut self, path: impl AsRef<Path>) -> Self {
        self.ca_certs
            .push(CaCert::File(path.as_ref().to_path_buf()));
        self
    }

    /// DANGEROUS: accept any server certificate, so anyone on the path can read and change
    /// the traffic. For throwaway test setups only.
    #[must_use]
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Which headers to sign, timestamp precision and query-line form (default: the spec's).
    #[must_use]
    pub fn signing_options(mut self, options: SigningOptions) -> Self {
        self.signing = options;
        self
    }

    /// Retries of retryable failures (default: 2 retries, 100 ms base, 2 s maximum).
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base = self
            .base_url
            .as_deref()
            .ok_or_else(|| Error::Config("no base URL was given".to_owned()))?;
        let base_url = parse_base_url(base)?;
        let host = host_header(&base_url)
            .ok_or_else(|| Error::Config(format!("base URL {base} has no host")))?;
        let credentials = self.credentials.map_err(Error::Config)?.ok_or_else(|| {
            Error::Config("no credentials (access key and secret key)".to_owned())
        })?;
        let host_value = reqwest::header::HeaderValue::from_str(&host)
            .map_err(|e| Error::Config(format!("base URL {base}: host {host:?}: {e}")))?;
        let endpoints = Endpoints {
            urls: Endpoints::prepared_urls(&base_url, INTERFACES),
            host,
            host_value,
        };
        let signer = RequestSigner::new(&credentials, &self.signing)
            .map_err(|e| Error::Config(format!("cannot sign requests: {e}")))?;
        // Sign once now with the signer that will send, so that signing options naming a
        // header the client never sends fail here, not per call. Every interface is a
        // `POST` with a body, so one of them stands for all.
        let probe = endpoint(&base_url, QueryBasicCallInfo::INTERFACE.path);
        signer
            .authorization(
                &OutgoingRequest {
                    method: "POST",
                    host: &endpoints.host,
                    path: probe.path(),
                    query: "",
                    content_type: JSON_CONTENT_TYPE,
                    body: b"{}",
                },
                SystemTime::now(),
            )
            .map_err(|e| Error::Config(format!("cannot sign requests: {e}")))?;

        let mut http = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            // The client's `RetryPolicy` decides retries; reqwest's own (HTTP/2 refusals
            // only, and this client speaks HTTP/1.1) would copy every request's headers.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .tls_danger_accept_invalid_certs(self.accept_invalid_certs);
        let mut roots = Vec::new();
        for ca in &self.ca_certs {
            roots.extend(read_ca(ca)?);
        }
        if !roots.is_empty() {
            http = http.tls_certs_merge(roots);
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                endpoints,
                signing: self.signing,
                signer,
                retry: self.retry,
            }),
        })
    }
}

fn parse_base_url(text: &str) -> Result<Url, Error> {
    let url = Url::parse(text).map_err(|e| Error::Config(format!("base URL {text:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "base URL {text:?} must start with https:// (or http://)"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL {text:?} must not have a query or fragment"
        )));
    }
    Ok(url)
}

fn read_ca(ca: &CaCert) -> Result<Vec<reqwest::Certificate>, Error> {
    let (pem, origin) = match ca {
        CaCert::Pem(bytes) => (bytes.clone(), "the CA certificate PEM".to_owned()),
        CaCert::File(path) => (
            std::fs::read(path).map_err(|e| {
                Error::Config(format!(
                    "cannot read CA certificate {}: {e}",
                    path.display()
                ))
            })?,
            format!("CA certificate file {}", path.display()),
        ),
    };
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| Error::Config(format!("{origin} is not PEM: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Config(format!("{origin} holds no certificate")));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calldata_model::auth::Credentials;

    fn builder() -> ClientBuilder {
        ClientBuilder::new().credentials(Credentials::new("ak", "sk"))
    }

    fn config_error(builder: ClientBuilder) -> String {
        match builder.build() {
            Err(Error::Config(message)) => message,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn build_refuses_missing_or_unusable_settings() {
        assert!(config_error(builder()).contains("no base URL"));
        assert!(config_error(builder().base_url("ftp://x")).contains("https://"));
        assert!(config_error(builder().base_url("https://x/?a=1")).contains("query"));
        let no_keys = ClientBuilder::new().base_url("https://x");
        assert!(config_error(no_keys).contains("no credentials"));
        let slash = ClientBuilder::new()
            .base_url("https://x")
            .credentials(Credentials::new("a/k", "sk"));
        assert!(config_error(slash).contains("cannot sign"));
        let unsent_header = builder()
            .base_url("https://x")
            .signing_options(SigningOptions {
                signed_headers: vec!["x-never-sent".to_owned()],
                ..SigningOptions::default()
            });
        assert!(config_error(unsent_header).contains("cannot sign"));
        let bad_ca = builder().base_url("https://x").ca_cert_pem("not pem");
        assert!(config_error(bad_ca).contains("no certificate"));
        let missing_ca = builder()
            .base_url("https://x")
            .ca_cert_file("/nonexistent/ca.pem");
        assert!(config_error(missing_ca).contains("cannot read"));
    }

    #[test]
    fn client_and_error_can_cross_threads() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<Client>();
        send_sync::<Error>();
    }

    #[test]
    fn debug_never_shows_the_secret_key() {
        let builder = ClientBuilder::new()
            .base_url("https://x")
            .credentials(Credentials::new("visible-ak", "hidden-sk"));
        let text = format!("{builder:?}");
        assert!(text.contains("visible-ak"));
        assert!(!text.contains("hidden-sk"));
        let client = builder.build().unwrap();
        let text = format!("{client:?}");
        assert!(text.contains("visible-ak"));
        assert!(!text.contains("hidden-sk"));
    }
}
