//! Reading a request body safely: JSON content type (415), size limit (413), and a deadline
//! so a body that never ends cannot hold a worker (408).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::web::{self, Bytes, BytesMut};
use futures_util::StreamExt;

use crate::errors::Refusal;

/// Whether the request says its body is JSON (`application/json`, charset absent or UTF-8).
pub fn is_json(request: &HttpRequest) -> bool {
    let mut values = request.headers().get_all(CONTENT_TYPE);
    let (Some(value), None) = (values.next(), values.next()) else {
        return false;
    };
    // The two spellings clients send, answered without splitting the value.
    let bytes = value.as_bytes();
    if bytes == b"application/json" || bytes.eq_ignore_ascii_case(b"application/json;charset=utf-8")
    {
        return true;
    }
    let Ok(value) = value.to_str() else {
        return false;
    };
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts.all(|param| match param.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            let value = value.trim().trim_matches('"');
            value.eq_ignore_ascii_case("utf-8") || value.eq_ignore_ascii_case("utf8")
        }
        _ => true,
    })
}

/// Reads the whole body, refusing it past `limit` bytes or after `deadline`.
///
/// A body that arrives in one chunk (the usual case for a query) is returned as that chunk,
/// without a copy; only a body in several chunks is gathered into a new buffer.
pub async fn read_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    deadline: Duration,
) -> Result<Bytes, Refusal> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(Refusal::payload_too_large());
    }
    let read = async {
        let mut first: Option<Bytes> = None;
        let mut gathered = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk =
                chunk.map_err(|_| Refusal::bad_request("the request body could not be read"))?;
            let so_far = first.as_ref().map_or(0, Bytes::len) + gathered.len();
            if so_far + chunk.len() > limit {
                return Err(Refusal::payload_too_large());
            }
            match first.take() {
                None if gathered.is_empty() => first = Some(chunk),
                None => gathered.extend_from_slice(&chunk),
                Some(earlier) => {
                    gathered.reserve(declared.unwrap_or(512).min(limit));
                    gathered.extend_from_slice(&earlier);
                    gathered.extend_from_slice(&chunk);
                }
            }
        }
        Ok(first.unwrap_or_else(|| gathered.freeze()))
    };
    match (Deadline {
        read,
        allowed: deadline,
        polled: false,
        timer: None,
    })
    .await
    {
        Some(result) => result,
        None => Err(Refusal::timeout()),
    }
}

pin_project_lite::pin_project! {
    /// `read` for at most `allowed` (`None` past it), with the timer armed only when the body
    /// did not come with the head.
    ///
    /// actix calls the handler as soon as the head is parsed, before it hands over the body
    /// bytes that arrived in the same packet, so the first read is almost always pending and
    /// the second one done. The first pending poll asks to be polled again instead of
    /// registering a timer (a timer per request is a measurable part of a query's cost);
    /// the second arms it, so a body that really is late still meets its deadline (counted
    /// from then: microseconds after the handler started).
    struct Deadline<F> {
        #[pin]
        read: F,
        allowed: Duration,
        polled: bool,
        timer: Option<Pin<Box<tokio::time::Sleep>>>,
    }
}

impl<F: Future> Future for Deadline<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.read.poll(cx) {
            return Poll::Ready(Some(output));
        }
        if !*this.polled {
            *this.polled = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let allowed = *this.allowed;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(allowed)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn accepts_json_with_any_spelling_of_utf8() {
        for value in [
            "application/json",
            "application/json;charset=UTF-8",
            "application/json; charset=UTF-8",
            "Application/JSON; Charset=utf-8",
            "application/json; charset=\"utf-8\"",
        ] {
            let request = TestRequest::default()
                .insert_header((CONTENT_TYPE, value))
                .to_http_request();
            assert!(is_json(&request), "{value}");
        }
    }

    #[test]
    fn refuses_other_media_types_and_charsets() {
        for value in [
            "text/plain",
            "application/xml",
            "application/json; charset=latin1",
            "application/jsonx",
        ] {
            let request = TestRequest::default()
                .insert_header((CONTENT_TYPE, value))
                .to_http_request();
            assert!(!is_json(&request), "{value}");
        }
        assert!(!is_json(&TestRequest::default().to_http_request()));
    }
}
