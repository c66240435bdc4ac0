//! The canonical request of contract section 3, step 5, written into any byte sink.

use std::cmp::Ordering;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::normalize::normalize_into;
use super::request::SignableRequest;

/// Whether the canonical request carries an empty query line when there is no query.
///
/// The contract omits the line; some published ports always emit it. Verification accepts
/// both; signing uses the one chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryLine {
    /// No line at all when the query string is empty (the contract's form).
    #[default]
    OmitWhenEmpty,
    /// An empty line when the query string is empty.
    AlwaysEmit,
}

/// Most headers one signature may cover; more is treated as malformed.
pub(super) const MAX_SIGNED_HEADERS: usize = 16;

/// Where canonical bytes go: a buffer (for display) or a MAC (for signing and checking).
pub(super) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for Hmac<Sha256> {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// The `signedHeaders` list: the text as given and its names in canonical line order,
/// held inline (no allocation per verified request).
#[derive(Debug)]
pub(super) struct SignedHeaders<'a> {
    pub(super) text: &'a str,
    slots: [&'a str; MAX_SIGNED_HEADERS],
    len: usize,
}

/// Why a `signedHeaders` list is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SignedHeadersProblem {
    /// Empty, upper-case, repeated or too many names, or a name with a bad character.
    Malformed,
    /// `host` is not in the list.
    NoHost,
}

impl<'a> SignedHeaders<'a> {
    /// Parses `a;b;c`. Names must be lower-case header tokens, unique, and include `host`.
    pub(super) fn parse(text: &'a str) -> Result<Self, SignedHeadersProblem> {
        let mut slots = [""; MAX_SIGNED_HEADERS];
        let mut len = 0;
        for name in text.split(';') {
            let valid = !name.is_empty()
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                });
            if !valid || len == MAX_SIGNED_HEADERS {
                return Err(SignedHeadersProblem::Malformed);
            }
            slots[len] = name;
            len += 1;
        }
        let names = &mut slots[..len];
        names.sort_unstable_by(|a, b| line_order(a, b));
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(SignedHeadersProblem::Malformed);
        }
        if !names.contains(&"host") {
            return Err(SignedHeadersProblem::NoHost);
        }
        Ok(Self { text, slots, len })
    }

    /// The names, in canonical line order.
    pub(super) fn names(&self) -> &[&'a str] {
        &self.slots[..self.len]
    }
}

/// Orders names as their lines `name:value` sort: by the bytes of `name` followed by `:`.
pub(super) fn line_order(a: &str, b: &str) -> Ordering {
    a.bytes().chain(Some(b':')).cmp(b.bytes().chain(Some(b':')))
}

/// Writes the canonical request; fails with the name of a signed header the request lacks.
pub(super) fn write_canonical<'h>(
    sink: &mut impl Sink,
    request: &SignableRequest<'_>,
    signed: &SignedHeaders<'h>,
    query_line: QueryLine,
) -> Result<(), &'h str> {
    sink.put(request.method.as_bytes());
    sink.put(b"\n");
    sink.put(request.path.as_bytes());
    sink.put(b"\n");
    if request.query.is_empty() {
        if query_line == QueryLine::AlwaysEmit {
            sink.put(b"\n");
        }
    } else {
        write_query(sink, request.query);
        sink.put(b"\n");
    }
    sink.put(signed.text.as_bytes());
    sink.put(b"\n");
    for &name in signed.names() {
        let value = request.headers.header(name).ok_or(name)?;
        sink.put(name.as_bytes());
        sink.put(b":");
        normalize_into(value, sink);
        sink.put(b"\n");
    }
    normalize_into(request.body, sink);
    Ok(())
}

/// The query line without its newline: pairs percent-decoded to bytes (`+` is a space),
/// each side normalized, sorted, `&`-joined. Decoding to bytes, not text, keeps every byte
/// of a non-UTF-8 value, so both sides sign exactly the same line.
fn write_query(sink: &mut impl Sink, raw_query: &str) {
    let mut pairs: Vec<Vec<u8>> = raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (key, value) = (percent_decode(key), percent_decode(value));
            let mut line = Vec::with_capacity((key.len() + value.len()) * 3 + 1);
            normalize_into(&key, &mut line);
            line.push(b'=');
            normalize_into(&value, &mut line);
            line
        })
        .collect();
    pairs.sort_unstable();
    for (i, pair) in pairs.iter().enumerate() {
        if i > 0 {
            sink.put(b"&");
        }
        sink.put(pair);
    }
}

/// `application/x-www-form-urlencoded` decoding to bytes; a `%` not followed by two hex
/// digits stays as it is.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let high = bytes.get(i + 1).copied().and_then(hex);
                let low = bytes.get(i + 2).copied().and_then(hex);
                if let (Some(high), Some(low)) = (high, low) {
                    #[allow(clippy::cast_possible_truncation)] // two hex digits fit a byte
                    out.push((high * 16 + low) as u8);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}

/// The canonical request as bytes: what is signed, and (as text) what signing shows.
/// Method and path are `&str` and everything else written is ASCII, so it is UTF-8.
pub(super) fn canonical_bytes<'h>(
    request: &SignableRequest<'_>,
    signed: &SignedHeaders<'h>,
    query_line: QueryLine,
) -> Result<Vec<u8>, &'h str> {
    let mut out = Vec::with_capacity(
        request.method.len() + request.path.len() + 160 + request.body.len() * 3,
    );
    write_canonical(&mut out, request, signed, query_line)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_header_names_sort_as_their_lines_do() {
        let signed = SignedHeaders::parse("x-a;host;x").unwrap();
        // "x-a:" < "x:" because '-' (0x2d) sorts before ':' (0x3a).
        assert_eq!(signed.names(), ["host", "x-a", "x"]);
    }

    #[test]
    fn rejects_malformed_signed_header_lists() {
        for text in ["", "host;", "Host", "host;host", "host;a b", "host;;a"] {
            assert_eq!(
                SignedHeaders::parse(text).unwrap_err(),
                SignedHeadersProblem::Malformed,
                "{text}"
            );
        }
        assert_eq!(
            SignedHeaders::parse("content-type").unwrap_err(),
            SignedHeadersProblem::NoHost
        );
        let many = (0..20)
            .map(|i| format!("h{i}"))
            .collect::<Vec<_>>()
            .join(";")
            + ";host";
        assert_eq!(
            SignedHeaders::parse(&many).unwrap_err(),
            SignedHeadersProblem::Malformed
        );
    }

    #[test]
    fn query_values_keep_bytes_that_are_not_utf8() {
        let mut out = Vec::new();
        write_query(&mut out, "a=%FF%fe&b=%zz&c=%4");
        assert_eq!(String::from_utf8(out).unwrap(), "a=%FF%FE&b=%25zz&c=%254");
    }

    #[test]
    fn query_pairs_are_decoded_normalized_and_sorted() {
        let mut out = Vec::new();
        write_query(&mut out, "b=2&a=x+y&a=%2F");
        assert_eq!(String::from_utf8(out).unwrap(), "a=%2F&a=x%20y&b=2");
    }
}
