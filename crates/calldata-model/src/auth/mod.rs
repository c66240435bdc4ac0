//! The `auth-v2` request signature (contract section 3): signing for clients, verification
//! for servers.
//!
//! ```text
//! Authorization: auth-v2/{AK}/{timestamp}/{signedHeaders}/{signature}
//! signingKey = hex(HMAC-SHA256(SK, "auth-v2/{AK}/{timestamp}/{signedHeaders}"))
//! signature  = hex(HMAC-SHA256(signingKey, canonicalRequest))
//! ```
//!
//! Everything here is a pure function of the method, path, query, headers, raw body bytes
//! and a clock reading supplied by the caller. Verification streams the canonical request
//! straight into the MAC (no allocation unless the request has a query string) and compares
//! signatures in constant time.

mod canonical;
mod error;
mod header;
mod key_cache;
mod keys;
mod normalize;
mod request;
mod sign;
mod signer;
mod timestamp;
mod verify;

pub use canonical::QueryLine;
pub use error::{AuthError, SignError};
pub use header::{AuthorizationHeader, SCHEME};
pub use key_cache::SigningKeyCache;
pub use keys::{Credentials, KeyLookup};
pub use normalize::normalize;
pub use request::{HeaderSource, SignableRequest};
pub use sign::{
    DEFAULT_SIGNED_HEADERS, JSON_CONTENT_TYPE, Signature, SigningOptions, sign, sign_at,
    sign_json_post,
};
pub use signer::Signer;
pub use timestamp::{Timestamp, TimestampError, TimestampPrecision};
pub use verify::{DEFAULT_MAX_CLOCK_SKEW, Verified, VerifyPolicy, verify, verify_cached};
