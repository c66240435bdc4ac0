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
        // One pass over the bytes for the four '/' of `scheme/AK/timestamp/headers/signature`
        // (the value is read on every request; splitting it part by part costs a search each).
        let mut slashes = [0usize; 4];
        let mut count = 0;
        for (at, byte) in text.bytes().enumerate() {
            if byte == b'/' {
                if let Some(slot) = slashes.get_mut(count) {
                    *slot = at;
                }
                count += 1;
            }
        }
        if count == 0 {
            return Err(AuthError::Malformed("no '/' separators"));
        }
        let five_parts = || AuthError::Malformed("expected five '/'-separated parts");
        if count != 4 {
            return Err(five_parts());
        }
        let [first, second, third, last] = slashes;
        let part = |range: std::ops::Range<usize>| text.get(range).ok_or_else(five_parts);
        let (scheme, access_key) = (part(0..first)?, part(first + 1..second)?);
        let (timestamp_text, signed_headers) = (part(second + 1..third)?, part(third + 1..last)?);
        let (prefix, signature_hex) = (part(0..last)?, part(last + 1..text.len())?);
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

    /// The parse before the one-pass split: `rsplit_once`, then `split` into four.
    fn split_parts(text: &str) -> Option<(&str, &str, &str, &str, &str, &str)> {
        let text = text.trim();
        let (prefix, signature_hex) = text.rsplit_once('/')?;
        let mut parts = prefix.split('/');
        let (Some(scheme), Some(ak), Some(ts), Some(headers), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        Some((prefix, scheme, ak, ts, headers, signature_hex))
    }

    #[test]
    fn splits_exactly_like_split_and_rsplit_once() {
        let sig = &GOOD[GOOD.len() - 64..];
        let pieces = [
            "auth-v2",
            "ak",
            "2024-01-02T03:04:05Z",
            "host",
            sig,
            "",
            " x ",
        ];
        let mut texts = Vec::new();
        for n in 1..=6usize {
            for pick in 0..pieces.len().pow(u32::try_from(n).unwrap()) {
                let mut rest = pick;
                let parts: Vec<&str> = (0..n)
                    .map(|_| {
                        let piece = pieces[rest % pieces.len()];
                        rest /= pieces.len();
                        piece
                    })
                    .collect();
                texts.push(parts.join("/"));
            }
        }
        for text in &texts {
            let expected = split_parts(text);
            match AuthorizationHeader::parse(text) {
                Ok(header) => {
                    let (prefix, _, ak, ts, headers, _) = expected.unwrap();
                    assert_eq!(
                        (
                            header.prefix,
                            header.access_key,
                            header.timestamp_text,
                            header.signed_headers
                        ),
                        (prefix, ak, ts, headers),
                        "{text}"
                    );
                }
                Err(_) => {
                    // Refused: either the split refuses too, or a later check does.
                    if let Some((_, scheme, ak, ts, _, sig)) = expected {
                        assert!(
                            scheme != SCHEME
                                || ak.is_empty()
                                || Timestamp::parse(ts).is_err()
                                || sig.len() != 64,
                            "{text}"
                        );
                    }
                }
            }
        }
    }
}
