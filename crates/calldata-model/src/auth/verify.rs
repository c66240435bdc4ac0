//! Verifying a request's signature (server side).

use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::canonical::{QueryLine, SignedHeaders, SignedHeadersProblem, write_canonical};
use super::error::AuthError;
use super::header::AuthorizationHeader;
use super::key_cache::SigningKeyCache;
use super::keys::KeyLookup;
use super::request::SignableRequest;
use super::timestamp::Timestamp;

/// The contract's default clock-skew window: 15 minutes.
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_mins(15);

/// Stand-in secret used for unknown access keys, so they take the same path as known ones.
const DECOY_SECRET: &[u8] = b"calldata-decoy-secret-for-unknown-access-keys";

/// Server-side rules of verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// Largest accepted distance between the signature timestamp and the server clock.
    pub max_clock_skew: Duration,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        Self {
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
        }
    }
}

/// A request whose signature checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified<'a> {
    /// The caller's access key.
    pub access_key: &'a str,
    /// When the caller signed.
    pub timestamp: Timestamp,
    /// The signature that checked out (what replay tables remember).
    pub signature: [u8; 32],
}

/// Verifies the `Authorization` value of `request` against `keys` at the clock reading `now`.
///
/// Checks, in order: header shape, signed-header list (must include `host`), a signed
/// `content-length` equal to the body length, the clock-skew window, then the signature in
/// constant time. An unknown access key is checked against a decoy secret, so it costs the
/// same as a wrong signature. When the query string is empty, a signature made with or
/// without the empty query line is accepted.
pub fn verify<'a>(
    authorization: Option<&'a str>,
    request: &SignableRequest<'_>,
    keys: &(impl KeyLookup + ?Sized),
    policy: &VerifyPolicy,
    now: SystemTime,
) -> Result<Verified<'a>, AuthError> {
    verify_cached(
        authorization,
        request,
        keys,
        policy,
        now,
        &mut SigningKeyCache::new(0),
    )
}

/// [`verify`], taking the signing key from `cache` when the same prefix (access key,
/// timestamp, signed headers) was verified recently; `cache` must belong to `keys`.
pub fn verify_cached<'a>(
    authorization: Option<&'a str>,
    request: &SignableRequest<'_>,
    keys: &(impl KeyLookup + ?Sized),
    policy: &VerifyPolicy,
    now: SystemTime,
    cache: &mut SigningKeyCache,
) -> Result<Verified<'a>, AuthError> {
    let header = AuthorizationHeader::parse(authorization.ok_or(AuthError::Missing)?)?;
    let signed = SignedHeaders::parse(header.signed_headers).map_err(|problem| match problem {
        SignedHeadersProblem::Malformed => AuthError::Malformed("bad signed header list"),
        SignedHeadersProblem::NoHost => AuthError::HostNotSigned,
    })?;
    if signed.names().contains(&"content-length") {
        check_content_length(request)?;
    }
    let skew = header.timestamp.distance_from(now);
    if skew > policy.max_clock_skew {
        return Err(AuthError::ClockSkew {
            skew_seconds: skew.as_secs(),
        });
    }

    let secret = keys.secret_key(header.access_key);
    let keyed = cache.keyed_mac(secret.unwrap_or(DECOY_SECRET), header.prefix);
    let mut matched = signature_matches(
        keyed.clone(),
        request,
        &signed,
        QueryLine::OmitWhenEmpty,
        &header,
    )?;
    if !matched && request.query.is_empty() {
        matched = signature_matches(keyed, request, &signed, QueryLine::AlwaysEmit, &header)?;
    }
    match (secret, matched) {
        (None, _) => Err(AuthError::UnknownAccessKey),
        (Some(_), false) => Err(AuthError::SignatureMismatch),
        (Some(_), true) => Ok(Verified {
            access_key: header.access_key,
            timestamp: header.timestamp,
            signature: header.signature,
        }),
    }
}

fn check_content_length(request: &SignableRequest<'_>) -> Result<(), AuthError> {
    let value = request
        .headers
        .header("content-length")
        .ok_or_else(|| AuthError::SignedHeaderAbsent("content-length".to_owned()))?;
    let declared = std::str::from_utf8(value)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared == Some(request.body.len()) {
        Ok(())
    } else {
        Err(AuthError::ContentLengthMismatch)
    }
}

/// Whether the canonical request, written into `mac` (keyed with the signing key), gives
/// the header's signature.
fn signature_matches(
    mut mac: Hmac<Sha256>,
    request: &SignableRequest<'_>,
    signed: &SignedHeaders<'_>,
    query_line: QueryLine,
    header: &AuthorizationHeader<'_>,
) -> Result<bool, AuthError> {
    write_canonical(&mut mac, request, signed, query_line)
        .map_err(|name| AuthError::SignedHeaderAbsent(name.to_owned()))?;
    // `verify_slice` compares in constant time.
    Ok(mac.verify_slice(&header.signature).is_ok())
}
