//! The guard every signed route goes through: lockout check, then `auth-v2` verification
//! over the raw body bytes, counting failures per client address.

use std::time::SystemTime;

use actix_web::HttpRequest;
use actix_web::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderMap};
use calldata_model::auth::{
    AuthError, HeaderSource, SignableRequest, SigningKeyCache, verify_cached,
};

use crate::auth::client_address::client_address;
use crate::auth::keys::Scope;
use crate::auth::lockout::FailureVerdict;
use crate::auth::worker_keys::WorkerKeyCache;
use crate::errors::Refusal;
use crate::state::AppState;

/// A caller whose signature checked out.
#[derive(Debug, Clone)]
pub struct Caller<'s> {
    /// The caller's access key (borrowed from the key registry: no copy per request).
    pub access_key: &'s str,
    /// What the key may query.
    pub scope: &'s Scope,
}

/// Request headers as the signature code reads them. A header sent more than once reads as
/// absent, so a signature over it fails instead of silently covering the first copy.
struct ActixHeaders<'a>(&'a HeaderMap);

impl HeaderSource for ActixHeaders<'_> {
    fn header(&self, lower_name: &str) -> Option<&[u8]> {
        // The headers every query signs are looked up by their constant names, which skips
        // parsing the name for each lookup.
        let mut values = match lower_name {
            "host" => self.0.get_all(HOST),
            "content-type" => self.0.get_all(CONTENT_TYPE),
            "content-length" => self.0.get_all(CONTENT_LENGTH),
            other => self.0.get_all(other),
        };
        match (values.next(), values.next()) {
            (Some(value), None) => Some(value.as_bytes()),
            _ => None,
        }
    }
}

/// Verifies the request's signature; refuses with 403 (locked out), 429 (the key's rate
/// limit) or 401 (anything else).
pub fn authenticate<'s>(
    request: &HttpRequest,
    body: &[u8],
    state: &'s AppState,
) -> Result<Caller<'s>, Refusal> {
    let address = client_address(request, &state.trusted_proxies);
    if state.lockout.is_locked(address) {
        state.metrics.lockout_refusals.inc();
        return Err(Refusal::locked_out());
    }
    match verify_signature(request, body, state) {
        Ok((access_key, scope)) => match state.rate_limits.check(access_key) {
            Ok(()) => Ok(Caller { access_key, scope }),
            Err(wait) => {
                state.metrics.rate_limited.inc();
                Err(Refusal::rate_limited(wait))
            }
        },
        Err(error) => {
            state.metrics.auth_failure(&error);
            tracing::debug!(client = %address, reason = %error, "signature refused");
            if let FailureVerdict::LockedOut { displaced } = state.lockout.record_failure(address) {
                state.metrics.lockouts.inc();
                if let Some(displaced) = displaced {
                    state.metrics.lockouts_displaced.inc();
                    tracing::warn!(client = %address, %displaced, "client address locked out after repeated signature failures; the lock table is full, so the oldest lock ended early");
                } else {
                    tracing::warn!(client = %address, "client address locked out after repeated signature failures");
                }
            }
            Err(Refusal::unauthorized(&error))
        }
    }
}

fn verify_signature<'s>(
    request: &HttpRequest,
    body: &[u8],
    state: &'s AppState,
) -> Result<(&'s str, &'s Scope), AuthError> {
    let mut values = request.headers().get_all(AUTHORIZATION);
    let authorization = match (values.next(), values.next()) {
        (None, _) => None,
        (Some(value), None) => {
            Some(visible_ascii(value.as_bytes()).ok_or(AuthError::Malformed("not visible ASCII"))?)
        }
        (Some(_), Some(_)) => return Err(AuthError::Malformed("repeated Authorization header")),
    };
    let headers = ActixHeaders(request.headers());
    let signable = SignableRequest {
        method: request.method().as_str(),
        path: request.path(),
        query: request.query_string(),
        headers: &headers,
        body,
    };
    let now = SystemTime::now();
    let verify = |cache: &mut SigningKeyCache| {
        verify_cached(
            authorization,
            &signable,
            &state.keys,
            &state.verify_policy,
            now,
            cache,
        )
    };
    // An app built without the worker's cache (none is, but the guard does not rely on it)
    // verifies without caching.
    let verified = match request.app_data::<WorkerKeyCache>() {
        Some(cache) => cache.with(verify),
        None => verify(&mut SigningKeyCache::new(0)),
    }?;
    state
        .keys
        .entry(verified.access_key)
        .ok_or(AuthError::UnknownAccessKey)
}

/// `bytes` as text when every byte is visible ASCII or a tab (what `HeaderValue::to_str`
/// accepts), checked without stopping early so that the check runs as a few wide
/// operations rather than one test per byte.
fn visible_ascii(bytes: &[u8]) -> Option<&str> {
    let visible = bytes.iter().fold(true, |all, &b| {
        all & ((0x20..0x7f).contains(&b) || b == b'\t')
    });
    if visible {
        std::str::from_utf8(bytes).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    #[test]
    fn visible_ascii_accepts_exactly_what_to_str_accepts() {
        for b in 0..=255u8 {
            let bytes = [b'a', b, b'z'];
            // Bytes a header value cannot hold never reach the guard.
            let Ok(value) = HeaderValue::from_bytes(&bytes) else {
                continue;
            };
            assert_eq!(visible_ascii(&bytes), value.to_str().ok(), "byte {b:#04x}");
        }
    }
}
