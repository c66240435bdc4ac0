//! Signing a request (client side).

use std::time::SystemTime;

use hmac::{Hmac, KeyInit, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use super::canonical::{
    MAX_SIGNED_HEADERS, QueryLine, SignedHeaders, SignedHeadersProblem, canonical_bytes,
};
use super::error::SignError;
use super::header::SCHEME;
use super::keys::Credentials;
use super::request::SignableRequest;
use super::timestamp::{Timestamp, TimestampPrecision};

/// The headers signed by default, as in the contract's typical example.
pub const DEFAULT_SIGNED_HEADERS: [&str; 3] = ["content-length", "content-type", "host"];

/// How to sign: which headers, which query-line form, which timestamp precision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningOptions {
    /// Header names to sign (any case); `host` is always added.
    pub signed_headers: Vec<String>,
    /// Query-line form when the query string is empty.
    pub query_line: QueryLine,
    /// Timestamp with or without milliseconds.
    pub precision: TimestampPrecision,
}

impl Default for SigningOptions {
    fn default() -> Self {
        Self {
            signed_headers: DEFAULT_SIGNED_HEADERS
                .iter()
                .map(|h| (*h).to_owned())
                .collect(),
            query_line: QueryLine::default(),
            precision: TimestampPrecision::default(),
        }
    }
}

/// A computed signature with its intermediate values (for debugging tools).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The full `Authorization` header value.
    pub authorization: String,
    /// `hex(HMAC-SHA256(SK, prefix))`; derived from the SK, so treat it as a secret.
    pub signing_key: String,
    /// The canonical request that was signed.
    pub canonical_request: String,
}

/// Signs `request` at the clock reading `now`.
pub fn sign(
    credentials: &Credentials,
    request: &SignableRequest<'_>,
    options: &SigningOptions,
    now: SystemTime,
) -> Result<Signature, SignError> {
    let timestamp = Timestamp::from_system_time(now, options.precision);
    sign_at(credentials, request, options, timestamp)
}

/// Signs `request` with an explicit timestamp.
pub fn sign_at(
    credentials: &Credentials,
    request: &SignableRequest<'_>,
    options: &SigningOptions,
    timestamp: Timestamp,
) -> Result<Signature, SignError> {
    let ak = checked_access_key(credentials)?;
    let header_list = signed_header_list(&options.signed_headers)?;
    let signed = SignedHeaders::parse(&header_list)
        .map_err(|_| SignError::InvalidHeaderList(header_list.clone()))?;
    let prefix = format!("{SCHEME}/{ak}/{timestamp}/{header_list}");
    let signing_key = signing_key(credentials.secret_key.expose_secret().as_bytes(), &prefix);
    // The canonical request is written once, then both signed and returned as text.
    let canonical = canonical_bytes(request, &signed, options.query_line)
        .map_err(|name| SignError::HeaderAbsent(name.to_owned()))?;
    let mut mac = mac_for(&signing_key);
    mac.update(&canonical);
    let mut authorization = String::with_capacity(prefix.len() + 65);
    authorization.push_str(&prefix);
    authorization.push('/');
    authorization.push_str(&hex::encode(mac.finalize().into_bytes()));
    Ok(Signature {
        authorization,
        signing_key: String::from_utf8_lossy(&signing_key).into_owned(),
        canonical_request: String::from_utf8(canonical)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    })
}

/// The `Content-Type` of every query.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Signs a JSON `POST` of `body` to `path` on `host` (`host:port` as sent in the `Host`
/// header) with the default options, signing `host`, `content-type` (`JSON_CONTENT_TYPE`)
/// and `content-length`; returns the `Authorization` value. The request must be sent with
/// exactly that content type.
pub fn sign_json_post(
    credentials: &Credentials,
    host: &str,
    path: &str,
    body: &[u8],
    now: SystemTime,
) -> Result<String, SignError> {
    let headers = [
        ("host", host.to_owned()),
        ("content-type", JSON_CONTENT_TYPE.to_owned()),
        ("content-length", body.len().to_string()),
    ];
    let request = SignableRequest {
        method: "POST",
        path,
        query: "",
        headers: &headers,
        body,
    };
    Ok(sign(credentials, &request, &SigningOptions::default(), now)?.authorization)
}

/// The access key, when it can stand in an `Authorization` value (not empty, no `/`).
pub(super) fn checked_access_key(credentials: &Credentials) -> Result<&str, SignError> {
    let ak = credentials.access_key.as_str();
    if ak.is_empty() || ak.contains('/') {
        return Err(SignError::InvalidAccessKey);
    }
    Ok(ak)
}

/// Lower-cases, de-duplicates, adds `host` and sorts the names, joined by `;`; fails when
/// the list is too long or not a valid signed-header list.
pub(super) fn checked_header_list(names: &[String]) -> Result<String, SignError> {
    let list = signed_header_list(names)?;
    match SignedHeaders::parse(&list) {
        Ok(_) => Ok(list),
        Err(SignedHeadersProblem::Malformed | SignedHeadersProblem::NoHost) => {
            Err(SignError::InvalidHeaderList(list))
        }
    }
}

/// Lower-cases, de-duplicates, adds `host` and sorts the names, joined by `;`.
fn signed_header_list(names: &[String]) -> Result<String, SignError> {
    let mut list: Vec<String> = names
        .iter()
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    list.push("host".to_owned());
    list.sort_unstable();
    list.dedup();
    if list.len() > MAX_SIGNED_HEADERS {
        return Err(SignError::InvalidHeaderList(format!(
            "at most {MAX_SIGNED_HEADERS} headers may be signed"
        )));
    }
    Ok(list.join(";"))
}

/// `lowercase_hex(HMAC-SHA256(key = SK, msg = prefix))`, as 64 ASCII bytes.
pub(super) fn signing_key(secret_key: &[u8], prefix: &str) -> [u8; 64] {
    let mut mac = mac_for(secret_key);
    mac.update(prefix.as_bytes());
    let mut hex_key = [0u8; 64];
    // 32 bytes always fit 64 hex digits.
    let _ = hex::encode_to_slice(mac.finalize().into_bytes(), &mut hex_key);
    hex_key
}

/// A fresh HMAC-SHA256; any key length is valid for HMAC.
pub(super) fn mac_for(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable_mac())
}

/// HMAC accepts keys of every length, so `new_from_slice` cannot fail; this keeps the
/// signature total without a panic path.
fn unreachable_mac() -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new(&hmac::digest::Key::<Hmac<Sha256>>::default())
}
