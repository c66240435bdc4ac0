//! `Authorization` values a test sends: `auth-v2` over (method, path?query, body) for a
//! `Host`, with the signed headers, the clock reading and the timestamp precision chosen
//! by the test (a past or future time, milliseconds for a change sent twice a second).

use std::time::SystemTime;

use calldata_model::auth::{
    Credentials, JSON_CONTENT_TYPE, SignableRequest, SigningOptions, TimestampPrecision, sign,
    sign_json_post,
};

/// Which headers a signature covers (`host` always).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headers {
    /// `host`, `content-type` and `content-length`, even for an empty body: a JSON `POST`
    /// as callers sign it.
    Json,
    /// `host`, plus `content-type` and `content-length` when there is a body: what the
    /// kit's requests carry (a sandbox `GET` or `DELETE` sends neither).
    AsSent,
    /// `host` and `content-type`: a chunked body, which has no length.
    WithoutLength,
}

/// How to sign besides the request itself.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The clock reading the timestamp is taken from.
    pub at: SystemTime,
    /// Timestamp with or without milliseconds.
    pub precision: TimestampPrecision,
    /// The headers signed.
    pub headers: Headers,
}

impl Options {
    /// Signed now, in seconds, over [`Headers::AsSent`].
    pub fn now() -> Self {
        Self::at(SystemTime::now())
    }

    /// Signed at `at`, in seconds, over [`Headers::AsSent`].
    pub fn at(at: SystemTime) -> Self {
        Self {
            at,
            precision: TimestampPrecision::Seconds,
            headers: Headers::AsSent,
        }
    }

    /// The same, with a timestamp of `precision`.
    #[must_use]
    pub fn precision(self, precision: TimestampPrecision) -> Self {
        Self { precision, ..self }
    }

    /// The same, over `headers`.
    #[must_use]
    pub fn headers(self, headers: Headers) -> Self {
        Self { headers, ..self }
    }
}

/// The `Authorization` value of `(method, path_and_query, body)` sent to `host`, signed
/// with `ak`/`sk` as `options` say.
pub fn authorization(
    (ak, sk): (&str, &str),
    host: &str,
    (method, path_and_query, body): (&str, &str, &[u8]),
    options: &Options,
) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut headers = vec![("host", host.to_owned())];
    let (content_type, content_length) = match options.headers {
        Headers::Json => (true, true),
        Headers::AsSent => (!body.is_empty(), !body.is_empty()),
        Headers::WithoutLength => (true, false),
    };
    if content_type {
        headers.push(("content-type", JSON_CONTENT_TYPE.to_owned()));
    }
    if content_length {
        headers.push(("content-length", body.len().to_string()));
    }
    let request = SignableRequest {
        method,
        path,
        query,
        headers: &headers,
        body,
    };
    let signing = SigningOptions {
        signed_headers: headers.iter().map(|(name, _)| (*name).to_owned()).collect(),
        precision: options.precision,
        ..SigningOptions::default()
    };
    sign(&Credentials::new(ak, sk), &request, &signing, options.at)
        .unwrap()
        .authorization
}

/// A JSON `POST` of `body` to `path` (no query) on `host`, signed now over
/// [`Headers::Json`].
pub fn json_post(key: (&str, &str), host: &str, path: &str, body: &[u8]) -> String {
    json_post_at(key, host, path, body, SystemTime::now())
}

/// A JSON `POST` of `body` to `path` (no query) on `host`, signed at the clock reading
/// `at` (which may be in the past or the future) over [`Headers::Json`]: the model's
/// `sign_json_post`, which is what [`authorization`] gives for these options too.
pub fn json_post_at(
    key: (&str, &str),
    host: &str,
    path: &str,
    body: &[u8],
    at: SystemTime,
) -> String {
    let (ak, sk) = key;
    sign_json_post(&Credentials::new(ak, sk), host, path, body, at).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: (&str, &str) = ("kit-ak", "kit-sk-0123456789");
    const HOST: &str = "127.0.0.1:8443";

    #[test]
    fn a_json_post_is_signed_as_the_model_signs_it_whichever_way_it_is_asked_for() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        for body in [&b"{}"[..], b""] {
            let plain = json_post_at(KEY, HOST, "/p", body, at);
            let json = Options::at(at).headers(Headers::Json);
            assert_eq!(authorization(KEY, HOST, ("POST", "/p", body), &json), plain);
        }
        // With a body, the headers sent are the ones a JSON POST signs.
        assert_eq!(
            authorization(KEY, HOST, ("POST", "/p", b"{}"), &Options::at(at)),
            json_post_at(KEY, HOST, "/p", b"{}", at)
        );
    }

    #[test]
    fn the_signed_headers_and_the_precision_are_the_ones_asked_for() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        let signed = |headers, precision| {
            let options = Options::at(at).headers(headers).precision(precision);
            authorization(KEY, HOST, ("GET", "/p?a=1", b"{}"), &options)
        };
        let seconds = TimestampPrecision::Seconds;
        assert!(signed(Headers::AsSent, seconds).contains("/content-length;content-type;host/"));
        assert!(signed(Headers::WithoutLength, seconds).contains("/content-type;host/"));
        assert!(signed(Headers::AsSent, seconds).contains("2023-11-14T22:13:20Z"));
        let millis = signed(Headers::AsSent, TimestampPrecision::Milliseconds);
        assert!(millis.contains("2023-11-14T22:13:20.123Z"), "{millis}");
        let empty = authorization(KEY, HOST, ("GET", "/p", b""), &Options::at(at));
        assert!(empty.contains("/host/"), "{empty}");
    }
}
