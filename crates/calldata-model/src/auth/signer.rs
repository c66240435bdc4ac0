//! `Signer`: signs many requests with one key pair and one set of options, for clients that
//! send more than a handful of requests.
//!
//! Everything that does not depend on the request is prepared once (the access key check,
//! the signed-header list), the prefix and signing key are made once per timestamp (a
//! second, or a millisecond), and the canonical request is streamed into the MAC rather
//! than written out. The `Authorization` values are exactly those of [`sign`](super::sign).

use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use super::canonical::{QueryLine, SignedHeaders, write_canonical};
use super::error::SignError;
use super::header::SCHEME;
use super::keys::Credentials;
use super::request::SignableRequest;
use super::sign::{SigningOptions, checked_access_key, checked_header_list, mac_for, signing_key};
use super::timestamp::{Timestamp, TimestampPrecision};

/// A prepared signer; share it (it is `Sync`) rather than building one per request.
pub struct Signer {
    credentials: Credentials,
    header_list: String,
    query_line: QueryLine,
    precision: TimestampPrecision,
    current: Mutex<Option<CurrentKey>>,
}

/// The prefix and keyed MAC of one second (or millisecond) since the epoch.
struct CurrentKey {
    unit: u128,
    prefix: String,
    mac: Hmac<Sha256>,
}

impl Signer {
    /// A signer of `credentials` with `options`; fails on an access key or a header list
    /// that no request could be signed with.
    pub fn new(credentials: Credentials, options: &SigningOptions) -> Result<Self, SignError> {
        checked_access_key(&credentials)?;
        let header_list = checked_header_list(&options.signed_headers)?;
        Ok(Self {
            credentials,
            header_list,
            query_line: options.query_line,
            precision: options.precision,
            current: Mutex::new(None),
        })
    }

    /// The access key requests are signed with.
    pub fn access_key(&self) -> &str {
        &self.credentials.access_key
    }

    /// The signed-header list, lower-case, sorted, `;`-joined (always with `host`).
    pub fn header_list(&self) -> &str {
        &self.header_list
    }

    /// The `Authorization` value of `request` signed at the clock reading `now`.
    pub fn authorization(
        &self,
        request: &SignableRequest<'_>,
        now: SystemTime,
    ) -> Result<String, SignError> {
        let signed = SignedHeaders::parse(&self.header_list)
            .map_err(|_| SignError::InvalidHeaderList(self.header_list.clone()))?;
        let (mut authorization, mut mac) = self.prefix_and_key(now);
        write_canonical(&mut mac, request, &signed, self.query_line)
            .map_err(|name| SignError::HeaderAbsent(name.to_owned()))?;
        authorization.push('/');
        let mut signature = [0u8; 64];
        // 32 bytes always fit 64 hex digits.
        let _ = hex::encode_to_slice(mac.finalize().into_bytes(), &mut signature);
        authorization.extend(signature.iter().map(|&b| char::from(b)));
        Ok(authorization)
    }
}

impl Signer {
    /// The prefix `auth-v2/{AK}/{timestamp}/{signedHeaders}` for `now` (with room for the
    /// signature) and a MAC keyed with its signing key; both are kept for the current
    /// second (or millisecond), so the requests signed within it skip the date arithmetic,
    /// the formatting and the key derivation.
    fn prefix_and_key(&self, now: SystemTime) -> (String, Hmac<Sha256>) {
        let unit = now
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|since| match self.precision {
                TimestampPrecision::Seconds => u128::from(since.as_secs()),
                TimestampPrecision::Milliseconds => since.as_millis(),
            });
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let (Some(unit), Some(kept)) = (unit, current.as_ref())
            && kept.unit == unit
        {
            return (kept.prefix.clone(), kept.mac.clone());
        }
        let timestamp = Timestamp::from_system_time(now, self.precision);
        let mut prefix = String::with_capacity(
            SCHEME.len() + self.credentials.access_key.len() + self.header_list.len() + 100,
        );
        // Writing to a String cannot fail.
        let _ = write!(
            prefix,
            "{SCHEME}/{}/{timestamp}/{}",
            self.credentials.access_key, self.header_list
        );
        let mac = mac_for(&signing_key(
            self.credentials.secret_key.expose_secret().as_bytes(),
            &prefix,
        ));
        if let Some(unit) = unit {
            *current = Some(CurrentKey {
                unit,
                prefix: prefix.clone(),
                mac: mac.clone(),
            });
        }
        (prefix, mac)
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("access_key", &self.credentials.access_key)
            .field("header_list", &self.header_list)
            .field("query_line", &self.query_line)
            .field("precision", &self.precision)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::auth::sign;

    fn request<'a, const N: usize>(
        headers: &'a [(&'static str, String); N],
        body: &'a [u8],
    ) -> SignableRequest<'a> {
        SignableRequest {
            method: "POST",
            path: "/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo",
            query: "",
            headers,
            body,
        }
    }

    #[test]
    fn signs_exactly_like_sign_across_seconds_and_bodies() {
        let credentials = Credentials::new("ak", "sk");
        let options = SigningOptions::default();
        let signer = Signer::new(credentials.clone(), &options).unwrap();
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);
        for step in 0..40u64 {
            let now = start + Duration::from_millis(step * 300);
            let body = format!(r#"{{"ccId":1,"vdn":{step},"callId":"1-0"}}"#);
            let headers = [
                ("host", "127.0.0.1:8443".to_owned()),
                ("content-type", "application/json".to_owned()),
                ("content-length", body.len().to_string()),
            ];
            let request = request(&headers, body.as_bytes());
            let expected = sign(&credentials, &request, &options, now).unwrap();
            assert_eq!(
                signer.authorization(&request, now).unwrap(),
                expected.authorization
            );
        }
    }

    #[test]
    fn refuses_what_sign_refuses() {
        let options = SigningOptions::default();
        assert!(matches!(
            Signer::new(Credentials::new("a/b", "sk"), &options),
            Err(SignError::InvalidAccessKey)
        ));
        let signer = Signer::new(Credentials::new("ak", "sk"), &options).unwrap();
        let headers = [("host", "h".to_owned())];
        assert!(matches!(
            signer.authorization(&request(&headers, b"{}"), SystemTime::now()),
            Err(SignError::HeaderAbsent(name)) if name == "content-length"
        ));
    }
}
