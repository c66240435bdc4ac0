//! How the client signs: the headers it sends for a request and their `auth-v2`
//! `Authorization` value, as one pure function of the request and a clock reading.
//!
//! The `calldata sign` command and the interop tests go through [`sign_request`]; the
//! client sends with a prepared `RequestSigner`, which a test pins to [`sign_request`]'s
//! values for requests with and without a body, so what is tested is what is sent.

use std::time::SystemTime;

use calldata_model::auth::{
    Credentials, HeaderSource, SignError, SignableRequest, Signer, SigningOptions, sign,
};
use reqwest::Url;

/// The content type the client sends with a JSON body.
pub const JSON_CONTENT_TYPE: &str = calldata_model::JSON_CONTENT_TYPE;

/// One request as the client puts it on the wire: everything a signature covers.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingRequest<'a> {
    /// HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// The `Host` header value, `host[:port]` (see [`host_header`]).
    pub host: &'a str,
    /// The path exactly as sent, without the query string.
    pub path: &'a str,
    /// The raw query string without `?`, `""` when there is none.
    pub query: &'a str,
    /// The `Content-Type` sent with a non-empty body.
    pub content_type: &'a str,
    /// The body bytes exactly as sent.
    pub body: &'a [u8],
}

/// The headers to send for a request, `Authorization` last, and what was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// `host`, then `content-type` and `content-length` when there is a body, then
    /// `authorization`.
    pub headers: Vec<(&'static str, String)>,
    /// The canonical request the signature covers (for debugging; holds no secret).
    pub canonical_request: String,
}

impl SignedRequest {
    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        self.headers
            .iter()
            .find(|(name, _)| *name == "authorization")
            .map_or("", |(_, value)| value)
    }
}

/// Builds the headers of `request` and signs them with `credentials` at the clock reading
/// `now`; a request without a body does not sign `content-type` or `content-length`.
pub fn sign_request(
    credentials: &Credentials,
    options: &SigningOptions,
    request: &OutgoingRequest<'_>,
    now: SystemTime,
) -> Result<SignedRequest, SignError> {
    let mut headers = vec![("host", request.host.to_owned())];
    let mut options = options.clone();
    if request.body.is_empty() {
        options.signed_headers.retain(|name| !is_body_header(name));
    } else {
        headers.push(("content-type", request.content_type.to_owned()));
        headers.push(("content-length", request.body.len().to_string()));
    }
    let signable = SignableRequest {
        method: request.method,
        path: request.path,
        query: request.query,
        headers: &headers,
        body: request.body,
    };
    let signature = sign(credentials, &signable, &options, now)?;
    headers.push(("authorization", signature.authorization));
    Ok(SignedRequest {
        headers,
        canonical_request: signature.canonical_request,
    })
}

/// What the client signs every request with: the headers and `Authorization` values of
/// [`sign_request`], with everything that does not depend on the request prepared once.
#[derive(Debug)]
pub(crate) struct RequestSigner {
    with_body: Signer,
    without_body: Signer,
}

impl RequestSigner {
    /// Signers of `credentials` with `options`, for requests with and without a body.
    pub(crate) fn new(
        credentials: &Credentials,
        options: &SigningOptions,
    ) -> Result<Self, SignError> {
        let mut bodyless = options.clone();
        bodyless.signed_headers.retain(|name| !is_body_header(name));
        Ok(Self {
            with_body: Signer::new(credentials.clone(), options)?,
            without_body: Signer::new(credentials.clone(), &bodyless)?,
        })
    }

    /// The access key requests are signed with.
    pub(crate) fn access_key(&self) -> &str {
        self.with_body.access_key()
    }

    /// The `Authorization` value [`sign_request`] gives `request` at `now`.
    pub(crate) fn authorization(
        &self,
        request: &OutgoingRequest<'_>,
        now: SystemTime,
    ) -> Result<String, SignError> {
        let mut length = itoa::Buffer::new();
        let length = length.format(request.body.len()).as_bytes();
        let with_body = [
            ("host", request.host.as_bytes()),
            ("content-type", request.content_type.as_bytes()),
            ("content-length", length),
        ];
        let only_host = [with_body[0]];
        let (signer, headers): (&Signer, &dyn HeaderSource) = if request.body.is_empty() {
            (&self.without_body, &only_host)
        } else {
            (&self.with_body, &with_body)
        };
        let signable = SignableRequest {
            method: request.method,
            path: request.path,
            query: request.query,
            headers,
            body: request.body,
        };
        signer.authorization(&signable, now)
    }
}

/// Whether a signed header only exists when there is a body.
fn is_body_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("content-type") || name.eq_ignore_ascii_case("content-length")
}

/// The `Host` value an HTTP client sends for `url`: the host, plus `:port` unless the port
/// is the scheme's default; `None` when the URL has no host.
pub fn host_header(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// `base` with `path` appended to its own path (a base path prefix is kept).
pub fn endpoint(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}{path}", base.path().trim_end_matches('/'));
    url.set_path(&joined);
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use calldata_model::PING_PATH;

    #[test]
    fn endpoints_keep_a_base_path_prefix() {
        let base = Url::parse("https://gw.example/cms/").unwrap();
        assert_eq!(
            endpoint(&base, PING_PATH).as_str(),
            format!("https://gw.example/cms{PING_PATH}")
        );
        let root = Url::parse("https://127.0.0.1:8443").unwrap();
        assert_eq!(endpoint(&root, "/rest/x").path(), "/rest/x");
    }

    #[test]
    fn the_host_header_keeps_only_non_default_ports() {
        let host = |u: &str| host_header(&Url::parse(u).unwrap()).unwrap();
        assert_eq!(host("https://127.0.0.1:8443/x"), "127.0.0.1:8443");
        assert_eq!(host("https://cms.example:443/"), "cms.example");
        assert_eq!(host("http://cms.example:80"), "cms.example");
        assert_eq!(host("http://cms.example:443"), "cms.example:443");
        assert_eq!(host("https://[::1]:8443"), "[::1]:8443");
    }

    #[test]
    fn the_prepared_signer_signs_exactly_like_sign_request() {
        let credentials = Credentials::new("ak", "sk");
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_764_000_000_123);
        for options in [
            SigningOptions::default(),
            SigningOptions {
                precision: calldata_model::auth::TimestampPrecision::Milliseconds,
                query_line: calldata_model::auth::QueryLine::AlwaysEmit,
                ..SigningOptions::default()
            },
        ] {
            let signer = RequestSigner::new(&credentials, &options).unwrap();
            for (method, body) in [
                ("POST", &br#"{"ccId":1,"vdn":1,"callId":"1-0"}"#[..]),
                ("GET", b""),
            ] {
                let request = OutgoingRequest {
                    method,
                    host: "127.0.0.1:8443",
                    path: PING_PATH,
                    query: "",
                    content_type: JSON_CONTENT_TYPE,
                    body,
                };
                let expected = sign_request(&credentials, &options, &request, now).unwrap();
                assert_eq!(
                    signer.authorization(&request, now).unwrap(),
                    expected.authorization(),
                    "{method} {options:?}"
                );
            }
        }
    }

    #[test]
    fn a_request_without_body_signs_only_host() {
        let request = OutgoingRequest {
            method: "GET",
            host: "h:1",
            path: PING_PATH,
            query: "",
            content_type: JSON_CONTENT_TYPE,
            body: b"",
        };
        let signed = sign_request(
            &Credentials::new("ak", "sk"),
            &SigningOptions::default(),
            &request,
            SystemTime::now(),
        )
        .unwrap();
        let names: Vec<&str> = signed.headers.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["host", "authorization"]);
        assert!(signed.authorization().contains("/host/"));
    }
}
