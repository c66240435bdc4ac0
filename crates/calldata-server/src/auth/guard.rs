//! The guard every signed route goes through: lockout check, accepted host, then `auth-v2`
//! verification over the raw body bytes, counting failures per client address; then the
//! replay rules (a change's signature is used once) and the rate limit.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use actix_web::HttpRequest;
use actix_web::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderMap};
use calldata_model::auth::{
    AuthError, HeaderSource, SignableRequest, SigningKeyCache, Timestamp, verify_cached,
};

use calldata_model::auth::VerifyPolicy;

use crate::auth::accepted_hosts::AcceptedHosts;
use crate::auth::client_address::client_address;
use crate::auth::keys::{KeyRegistry, Scope};
use crate::auth::lockout::{FailureVerdict, Lockout, tracked};
use crate::auth::rate_limit::RateLimits;
use crate::auth::replay::{FirstUse, Replays, Signature};
use crate::auth::worker_keys::WorkerKeyCache;
use crate::errors::Refusal;
use crate::metrics::Metrics;
use crate::shared::{SharedFailure, SharedState};

/// What the guard decides with: the keys, the verification rules, the lockout, replay and
/// rate-limit tables, and where client addresses come from. Built once at start.
#[derive(Debug)]
pub struct AuthGuard {
    /// Accepted access keys.
    pub keys: KeyRegistry,
    /// Clock-skew window and other verification rules.
    pub verify_policy: VerifyPolicy,
    /// Per-access-key rate limits.
    pub rate_limits: RateLimits,
    /// Signatures seen: sandbox changes are used once, replayed queries charged apart.
    pub replays: Replays,
    /// The `Host` values signed requests may carry; `None` accepts any.
    pub accepted_hosts: Option<AcceptedHosts>,
    /// Failure counting per client address.
    pub lockout: Lockout,
    /// Proxies whose `X-Forwarded-For` names the real client.
    pub trusted_proxies: Vec<IpAddr>,
    /// The state shared with the other replicas (`state.backend = "redis"`), consulted on
    /// a failure, a rate-limit charge and a sandbox change; the tables above are its local
    /// view and fallback.
    pub shared: Option<Arc<SharedState>>,
}

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
/// does no more than verify, and asks nothing of the shared state.
pub async fn authenticate<'s>(
    request: &HttpRequest,
    body: &[u8],
    guard: &'s AuthGuard,
    metrics: &Metrics,
) -> Result<Caller<'s>, Refusal> {
    let (caller, proof, address) = verified(request, body, guard, metrics).await?;
    if !guard.rate_limits.is_on() {
        return Ok(caller);
    }
    let replayed = guard.replays.query_seen(proof.signature);
    let charged = if replayed {
        charge_address(guard, tracked(address))
            .await
            .map_err(Refusal::address_rate_limited)
    } else {
        charge_key(guard, caller.access_key)
            .await
            .map_err(Refusal::rate_limited)
    };
    if charged.is_err() {
        metrics.rate_limited.inc();
    }
    charged.map(|()| caller)
}

/// Charges a request to `access_key`'s allowance: the shared one, or this replica's while
/// Redis does not answer (or with the memory backend).
async fn charge_key(guard: &AuthGuard, access_key: &str) -> Result<(), Duration> {
    if let Some(shared) = &guard.shared
        && let Some(charged) = Box::pin(shared.charge_key(access_key)).await
    {
        return charged;
    }
    guard.rate_limits.check(access_key)
}

/// As [`charge_key`], for a replayed query charged to its address.
async fn charge_address(guard: &AuthGuard, address: IpAddr) -> Result<(), Duration> {
    if let Some(shared) = &guard.shared
        && let Some(charged) = Box::pin(shared.charge_address(address)).await
    {
        return charged;
    }
    guard.rate_limits.check_address(address)
}

/// Verifies the signature of a change (sandbox `POST`, `PUT`, `DELETE`), which is used at
/// most once: a signature already seen (here, or by another replica through the shared
/// state) is refused with 401 like any bad signature and counts towards the lockout of the
/// address sending it. Otherwise as [`authenticate`], plus 429 when the table of signatures
/// seen is full of live ones.
pub async fn authenticate_once<'s>(
    request: &HttpRequest,
    body: &[u8],
    guard: &'s AuthGuard,
    metrics: &Metrics,
) -> Result<Caller<'s>, Refusal> {
    let (caller, proof, address) = verified(request, body, guard, metrics).await?;
    let Proof {
        signature,
        signed_at,
    } = proof;
    // The rate limit first: a change refused with 429 has not been recorded anywhere
    // (its local record is forgotten again), so the same request may come back.
    let first_use =
        match guard
            .replays
            .first_use(signature, signed_at.to_system_time(), SystemTime::now())
        {
            FirstUse::Fresh => {
                if let Err(wait) = charge_key(guard, caller.access_key).await {
                    guard.replays.forget(&signature);
                    metrics.rate_limited.inc();
                    return Err(Refusal::rate_limited(wait));
                }
                match &guard.shared {
                    // While Redis does not answer, a change is accepted once per replica.
                    Some(shared) if Box::pin(shared.first_use(&signature)).await == Some(false) => {
                        FirstUse::Replayed
                    }
                    _ => FirstUse::Fresh,
                }
            }
            other => other,
        };
    match first_use {
        FirstUse::Fresh => Ok(caller),
        FirstUse::Replayed => {
            metrics.auth_failure_reason("replay");
            Err(refuse_signature(guard, metrics, address, &"signature already used").await)
        }
        FirstUse::Full(wait) => {
            metrics.rate_limited.inc();
            tracing::warn!(
                "the table of sandbox signatures is full (replay.max_signatures); refusing changes until its oldest expires"
            );
            Err(Refusal::sandbox_changes_full(wait))
        }
    }
}

/// The signature a request was verified with, and when it was made.
#[derive(Debug, Clone, Copy)]
struct Proof {
    signature: Signature,
    signed_at: Timestamp,
}

/// The lockout, host and signature checks every signed request goes through: the caller,
/// the signature's proof and the client address.
async fn verified<'s>(
    request: &HttpRequest,
    body: &[u8],
    guard: &'s AuthGuard,
    metrics: &Metrics,
) -> Result<(Caller<'s>, Proof, IpAddr), Refusal> {
    let address = client_address(request, &guard.trusted_proxies);
    if guard.lockout.is_locked(address) {
        metrics.lockout_refusals.inc();
        return Err(Refusal::locked_out());
    }
    if let Some(hosts) = &guard.accepted_hosts
        && !hosts.accepts(request.headers())
    {
        return Err(Refusal::misdirected());
    }
    match verify_signature(request, body, guard) {
        Ok((access_key, scope, proof)) => Ok((Caller { access_key, scope }, proof, address)),
        Err(error) => {
            metrics.auth_failure(&error);
            // Boxed: the failure path's future (with its Redis round trip) is allocated
            // only when taken, and the request's own future stays small.
            Err(Box::pin(refuse_signature(guard, metrics, address, &error)).await)
        }
    }
}

/// The 401 of a refused signature (its metric counted by the caller), counted towards the
/// lockout of `address`: here always, so that each replica locks at `max_failures` of the
/// failures it sees even while Redis does not answer, and across the replicas through the
/// shared state, whose lock this replica places at once (the others from its message).
async fn refuse_signature(
    guard: &AuthGuard,
    metrics: &Metrics,
    address: IpAddr,
    error: &dyn std::fmt::Display,
) -> Refusal {
    tracing::debug!(client = %address, reason = %error, "signature refused");
    let verdict = guard.lockout.record_failure(address);
    let shared = match &guard.shared {
        Some(shared) => Box::pin(shared.record_failure(tracked(address))).await,
        None => None,
    };
    match verdict {
        FailureVerdict::LockedOut { displaced } => {
            metrics.lockouts.inc();
            if let Some(displaced) = displaced {
                metrics.lockouts_displaced.inc();
                tracing::warn!(client = %address, %displaced, "client address locked out after repeated signature failures; the lock table is full, so the oldest lock ended early");
            } else {
                tracing::warn!(client = %address, "client address locked out after repeated signature failures");
            }
        }
        FailureVerdict::Counted => {
            if shared == Some(SharedFailure::Locked)
                && guard.lockout.hold(address, guard.lockout.lock_ms())
            {
                metrics.lockouts.inc();
                tracing::warn!(client = %address, "client address locked out after repeated signature failures across the replicas");
            }
        }
    }
    Refusal::unauthorized()
}

fn verify_signature<'s>(
    request: &HttpRequest,
    body: &[u8],
    guard: &'s AuthGuard,
) -> Result<(&'s str, &'s Scope, Proof), AuthError> {
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
            &guard.keys,
            &guard.verify_policy,
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
    let (access_key, scope) = guard
        .keys
        .entry(verified.access_key)
        .ok_or(AuthError::UnknownAccessKey)?;
    let proof = Proof {
        signature: verified.signature,
        signed_at: verified.timestamp,
    };
    Ok((access_key, scope, proof))
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
