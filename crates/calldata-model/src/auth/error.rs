//! Why a signature could not be made or was refused.

/// Why a request's signature was refused.
///
/// `Display` gives the detail for logs; [`AuthError::public_message`] is the one text sent
/// to the remote side, the same for every variant, so a caller cannot probe which part of
/// the signature failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No `Authorization` header.
    #[error("no Authorization header")]
    Missing,
    /// The header is not `auth-v2/{AK}/{timestamp}/{signedHeaders}/{signature}`.
    #[error("Authorization header is malformed: {0}")]
    Malformed(&'static str),
    /// `host` is not among the signed headers.
    #[error("host is not a signed header")]
    HostNotSigned,
    /// A signed header is absent from the request.
    #[error("signed header {0:?} is absent from the request")]
    SignedHeaderAbsent(String),
    /// The signed `content-length` differs from the real body length.
    #[error("signed content-length does not match the body length")]
    ContentLengthMismatch,
    /// The timestamp is outside the allowed clock skew.
    #[error("timestamp is {skew_seconds} s away from the server clock")]
    ClockSkew {
        /// Distance from the server clock, in whole seconds.
        skew_seconds: u64,
    },
    /// The access key is not known.
    #[error("unknown access key")]
    UnknownAccessKey,
    /// The signature does not match.
    #[error("signature does not match")]
    SignatureMismatch,
}

impl AuthError {
    /// The text a server may send back: identical for every cause.
    pub const fn public_message(&self) -> &'static str {
        "request signature missing, invalid or expired"
    }
}

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A header chosen for signing is absent from the request.
    #[error("header {0:?} is to be signed but the request does not have it")]
    HeaderAbsent(String),
    /// A header name is not a lower-case token once lower-cased, or too many were chosen.
    #[error("signed header list is invalid: {0}")]
    InvalidHeaderList(String),
    /// The access key contains `/` or is empty, which the header format cannot carry.
    #[error("access key must be non-empty and must not contain '/'")]
    InvalidAccessKey,
}
