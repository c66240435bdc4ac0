//! The `Authorization` header: `auth-v2/{AK}/{timestamp}/{signedHeaders}/{signature}`.

use super::error::AuthError;
use super::timestamp::Timestamp;

/// The scheme word that starts every header.
pub const SCHEME: &str = "auth-v2";

/// A parsed `Authorization` header, borrowing from the header text.
#[derive(Debug, Clone, Copy)]
pub struct AuthorizationHeader<'a> {
    /// Everything before the last `/`: the message of the signing key.
    pub prefix: &'a str,
    /// Access key ID (AK).
    pub access_key: &'a str,
    /// The timestamp as written (it is signed verbatim).
    pub timestamp_text: &'a str,
    /// The parsed timestamp.
    pub timestamp: Timestamp,
    /// The `signedHeaders` list as written.
    pub signed_headers: &'a str,
    /// The signature bytes (decoded from 64 hex digits).
    pub signature: [u8; 32],
}

impl<'a> AuthorizationHeader<'a> {
    /// Parses the header text; every refusal is [`AuthError::Malformed`].
    pub fn parse(text: &'a str) -> Result<Self, AuthError> {
        let text = text.trim();
        let (prefix, signature_hex) = text
            .rsplit_once('/')
            .ok_or(AuthError::Malformed("no '/' separators"))?;
        let mut parts = prefix.split('/');
        let (Some(scheme), Some(access_key), Some(timestamp_text), Some(signed_headers), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(AuthError::Malformed("expected five '/'-separated parts"));
        };
        if scheme != SCHEME {
            return Err(AuthError::Malformed("scheme is not auth-v2"));
        }
        if access_key.is_empty() {
            return Err(AuthError::Malformed("empty access key"));
        }
        let timestamp =
            Timestamp::parse(timestamp_text).map_err(|_| AuthError::Malformed("bad timestamp"))?;
        let mut signature = [0u8; 32];
        hex::decode_to_slice(signature_hex, &mut signature)
            .map_err(|_| AuthError::Malformed("signature is not 64 hex digits"))?;
        Ok(Self {
            prefix,
            access_key,
            timestamp_text,
            timestamp,
            signed_headers,
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "auth-v2/ak/2024-01-02T03:04:05Z/host/\
        64fadcaa998498b83d1469687562a89d8cf2a57bdce3e405755f4b56069deceb";

    #[test]
    fn splits_a_well_formed_header() {
        let header = AuthorizationHeader::parse(GOOD).unwrap();
        assert_eq!(header.prefix, "auth-v2/ak/2024-01-02T03:04:05Z/host");
        assert_eq!(header.access_key, "ak");
        assert_eq!(header.timestamp_text, "2024-01-02T03:04:05Z");
        assert_eq!(header.signed_headers, "host");
        assert_eq!(header.signature[0], 0x64);
    }

    #[test]
    fn refuses_every_other_shape() {
        for bad in [
            "",
            "Bearer abc",
            "auth-v1/ak/2024-01-02T03:04:05Z/host/00",
            "auth-v2/ak/2024-01-02T03:04:05Z/host",
            "auth-v2//2024-01-02T03:04:05Z/host/64fadcaa998498b83d1469687562a89d8cf2a57bdce3e405755f4b56069deceb",
            "auth-v2/a/b/2024-01-02T03:04:05Z/host/64fadcaa998498b83d1469687562a89d8cf2a57bdce3e405755f4b56069deceb",
            "auth-v2/ak/yesterday/host/64fadcaa998498b83d1469687562a89d8cf2a57bdce3e405755f4b56069deceb",
            "auth-v2/ak/2024-01-02T03:04:05Z/host/64fadcaa998498b83d1469687562a89d8cf2a57bdce3e405755f4b56069decez",
            "auth-v2/ak/2024-01-02T03:04:05Z/host/64fadcaa",
        ] {
            assert!(
                matches!(
                    AuthorizationHeader::parse(bad),
                    Err(AuthError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }
}
