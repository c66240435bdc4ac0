//! The guard every signed route goes through: lockout check, accepted host, then `auth-v2`
//! verification over the raw body bytes, counting failures per client address; then the
//! replay rules (a change's signature is used once) and the rate limit.

use std::net::IpAddr;
use std::time::SystemTime;

use actix_web::HttpRequest;
use actix_web::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderMap};
use calldata_model::auth::{
    AuthError, AuthorizationHeader, HeaderSource, SignableRequest, SigningKeyCache, verify_cached,
};

use crate::auth::client_address::client_address;
use crate::auth::keys::Scope;
use crate::auth::lockout::{FailureVerdict, tracked};
use crate::auth::replay::{FirstUse, Signature};
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

/// Verifies the signature of a read (a query, ping, a sandbox list); refuses with 403
/// (locked out), 421 (a host not accepted), 429 (the key's rate limit, or the replaying
/// address' for a signature already seen) or 401 (anything else).
///
/// A read's signature may be sent again within the clock-skew window (idempotent, and
/// clients retry with it). Only with the rate limit on is it looked up, so the common path
/// does no more than verify.
pub fn authenticate<'s>(
    request: &HttpRequest,
    body: &[u8],
    state: &'s AppState,
) -> Result<Caller<'s>, Refusal> {
    let (caller, authorization, address) = verified(request, body, state)?;
    if !state.rate_limits.is_on() {
        return Ok(caller);
    }
    let replayed = signature_of(authorization)
        .is_some_and(|(signature, _)| state.replays.query_seen(signature));
    let charged = if replayed {
        state
            .rate_limits
            .check_address(tracked(address))
            .map_err(Refusal::address_rate_limited)
    } else {
        state
            .rate_limits
            .check(caller.access_key)
            .map_err(Refusal::rate_limited)
    };
    if charged.is_err() {
        state.metrics.rate_limited.inc();
    }
    charged.map(|()| caller)
}

/// Verifies the signature of a change (sandbox `POST`, `PUT`, `DELETE`), which is used at
/// most once: a signature already seen is refused with 401 like any bad signature and counts
/// towards the lockout of the address sending it. Otherwise as [`authenticate`], plus 429
/// when the table of signatures seen is full of live ones.
pub fn authenticate_once<'s>(
    request: &HttpRequest,
    body: &[u8],
    state: &'s AppState,
) -> Result<Caller<'s>, Refusal> {
    let (caller, authorization, address) = verified(request, body, state)?;
    let Some((signature, signed_at)) = signature_of(authorization) else {
        // A verified header parses; refusing is the safe answer if it ever did not.
        state.metrics.auth_failure_reason("malformed");
        return Err(refuse_signature(state, address, &"unparsable"));
    };
    match state
        .replays
        .first_use(signature, signed_at, SystemTime::now())
    {
        FirstUse::Fresh => match state.rate_limits.check(caller.access_key) {
            Ok(()) => Ok(caller),
            Err(wait) => {
                // Refused before it changed anything: the same request may come again.
                state.replays.forget(&signature);
                state.metrics.rate_limited.inc();
                Err(Refusal::rate_limited(wait))
            }
        },
        FirstUse::Replayed => {
            state.metrics.auth_failure_reason("replay");
            Err(refuse_signature(state, address, &"signature already used"))
        }
        FirstUse::Full(wait) => {
            state.metrics.rate_limited.inc();
            tracing::warn!(
                "the table of sandbox signatures is full (replay.max_signatures); refusing changes until its oldest expires"
            );
            Err(Refusal::sandbox_changes_full(wait))
        }
    }
}

/// The lockout, host and signature checks every signed request goes through: the caller,
/// the `Authorization` value and the client address.
fn verified<'s, 'r>(
    request: &'r HttpRequest,
    body: &[u8],
    state: &'s AppState,
) -> Result<(Caller<'s>, &'r str, IpAddr), Refusal> {
    let address = client_address(request, &state.trusted_proxies);
    if state.lockout.is_locked(address) {
        state.metrics.lockout_refusals.inc();
        return Err(Refusal::locked_out());
    }
    if let Some(hosts) = &state.accepted_hosts
        && !hosts.accepts(request.headers())
    {
        return Err(Refusal::misdirected());
    }
    match verify_signature(request, body, state) {
        Ok((access_key, scope, authorization)) => {
            Ok((Caller { access_key, scope }, authorization, address))
        }
        Err(error) => {
            state.metrics.auth_failure(&error);
            Err(refuse_signature(state, address, &error))
        }
    }
}

/// The 401 of a refused signature (its metric counted by the caller), counted towards the
/// lockout of `address`.
fn refuse_signature(state: &AppState, address: IpAddr, error: &dyn std::fmt::Display) -> Refusal {
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
    Refusal::unauthorized()
}

/// The signature and its time of a verified `Authorization` value.
fn signature_of(authorization: &str) -> Option<(Signature, SystemTime)> {
    AuthorizationHeader::parse(authorization)
        .ok()
        .map(|header| (header.signature, header.timestamp.to_system_time()))
}

fn verify_signature<'s, 'r>(
    request: &'r HttpRequest,
    body: &[u8],
    state: &'s AppState,
) -> Result<(&'s str, &'s Scope, &'r str), AuthError> {
    let mut values = request.headers().get_all(AUTHORIZATION);
    let authorization = match (values.next(), values.next()) {
        (None, _) => return Err(AuthError::Missing),
        (Some(value), None) => {
            visible_ascii(value.as_bytes()).ok_or(AuthError::Malformed("not visible ASCII"))?
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
            Some(authorization),
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
    let (access_key, scope) = state
        .keys
        .entry(verified.access_key)
        .ok_or(AuthError::UnknownAccessKey)?;
    Ok((access_key, scope, authorization))
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
