//! What a complete request head says about framing, decided as actix-http decides it, with
//! the two framings that read a body to the end of the connection taken away: an `Upgrade`
//! header and the `upgrade` option of `Connection` are dropped (we serve no upgrades; RFC
//! 9110 lets a server ignore them) and `CONNECT` is refused.

use std::mem::MaybeUninit;

use bytes::BytesMut;

/// Most headers actix-http parses in one head.
const MAX_HEADERS: usize = 96;

/// How the body after a head is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFraming {
    /// No body.
    None,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// The verdict on the bytes at the front of a connection's unread input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadVerdict {
    /// The head is not complete yet.
    Partial,
    /// Serve it: the first `head_len` bytes (after any `Upgrade` line was dropped) are the
    /// head, then the body framed as `body`.
    Serve {
        head_len: usize,
        body: BodyFraming,
        expect_continue: bool,
    },
    /// Refuse it with 400 and close: `CONNECT`, or `Content-Length` beside
    /// `Transfer-Encoding` (the shape of request smuggling).
    Refuse,
    /// actix-http refuses this head itself (400, 431) and closes; hand it over as it is.
    PassThrough,
}

/// Inspects the head at the front of `input`, dropping its `Upgrade` lines in place.
pub(crate) fn inspect(input: &mut BytesMut, max_head: usize) -> HeadVerdict {
    // Nearly every head is a plain one that a line scan decides; the full parse is for the
    // rest. Where the scan answers, both agree or actix-http refuses the
    // head anyway (`the_scan_agrees_with_the_parse`).
    if let Some(found) = Found::scan(input) {
        return found.verdict(input);
    }
    let found = match Found::parse(input) {
        Ok(Some(found)) => found,
        Ok(None) if input.len() > max_head => return HeadVerdict::PassThrough,
        Ok(None) => return HeadVerdict::Partial,
        Err(verdict) => return verdict,
    };
    found.verdict(input)
}

/// What the parse of one complete head found.
#[derive(Debug)]
struct Found {
    head_len: usize,
    connect: bool,
    chunked: bool,
    content_length: Option<u64>,
    expect_continue: bool,
    /// Header lines to drop or rewrite, in order.
    edits: Vec<Edit>,
}

/// One header line replaced (by nothing, to drop it).
#[derive(Debug)]
struct Edit {
    start: usize,
    end: usize,
    replacement: Vec<u8>,
}

impl Found {
    /// A plain HTTP/1.1 head, decided by a scan of its lines: `CRLF` line ends, no
    /// `Transfer-Encoding`, `Upgrade` or `Expect`, no `upgrade` in `Connection`, at most one
    /// `Content-Length` of plain digits, not `CONNECT`. `None` for anything else, a partial
    /// head included: the full parse decides those. A head the scan takes that actix-http
    /// would refuse gets its 400 from actix-http all the same.
    fn scan(input: &[u8]) -> Option<Self> {
        // One pass over the line ends: a search per line costs more than the lines do.
        let mut line_ends = memchr::memchr_iter(b'\n', input);
        let line_end = line_ends.next()?;
        let request_line = input[..line_end].strip_suffix(b"\r")?;
        if !request_line.ends_with(b" HTTP/1.1") || request_line.starts_with(b"CONNECT ") {
            return None;
        }
        let mut at = line_end + 1;
        let mut content_length = None;
        loop {
            let line_end = line_ends.next()?;
            let line = input[at..line_end].strip_suffix(b"\r")?;
            at = line_end + 1;
            if line.is_empty() {
                break;
            }
            // Only the names that decide framing are looked at, by their first letter and
            // the colon that must follow them (httparse allows no space before it).
            let is = |name: &[u8]| {
                line.len() > name.len()
                    && line[name.len()] == b':'
                    && line[..name.len()].eq_ignore_ascii_case(name)
            };
            match line[0].to_ascii_lowercase() {
                b'c' if is(b"content-length") => {
                    if content_length.is_some() {
                        return None;
                    }
                    content_length = Some(plain_digits(line[15..].trim_ascii())?);
                }
                b'c' if is(b"connection")
                    && line[11..]
                        .windows(7)
                        .any(|w| w.eq_ignore_ascii_case(b"upgrade")) =>
                {
                    return None;
                }
                b't' if is(b"transfer-encoding") => return None,
                b'u' if is(b"upgrade") => return None,
                b'e' if is(b"expect") => return None,
                // A line folded onto the one before (httparse refuses it) or with no name.
                b' ' | b'\t' | b':' => return None,
                _ => {}
            }
        }
        Some(Found {
            head_len: at,
            connect: false,
            chunked: false,
            content_length,
            expect_continue: false,
            edits: Vec::new(),
        })
    }

    /// The verdict on this head, its edits applied to `input`.
    fn verdict(mut self, input: &mut BytesMut) -> HeadVerdict {
        let found = &mut self;
        if found.connect || (found.chunked && found.content_length.is_some()) {
            return HeadVerdict::Refuse;
        }
        let body = if found.chunked {
            BodyFraming::Chunked
        } else {
            match found.content_length {
                Some(0) | None => BodyFraming::None,
                Some(length) => BodyFraming::Length(length),
            }
        };
        let mut head_len = found.head_len;
        // Back to front, so the earlier ranges stay where they are.
        while let Some(edit) = found.edits.pop() {
            head_len = head_len - (edit.end - edit.start) + edit.replacement.len();
            replace(input, &edit);
        }
        HeadVerdict::Serve {
            head_len,
            body,
            expect_continue: found.expect_continue,
        }
    }

    /// `Ok(None)` while the head is partial; `Err` with the verdict for a head actix refuses.
    fn parse(input: &[u8]) -> Result<Option<Self>, HeadVerdict> {
        let mut headers = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut []);
        let head_len = match request.parse_with_uninit_headers(input, &mut headers) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(_) => return Err(HeadVerdict::PassThrough),
        };
        let http_11 = request.version == Some(1);
        let mut found = Found {
            head_len,
            connect: request.method == Some("CONNECT"),
            chunked: false,
            content_length: None,
            expect_continue: false,
            edits: Vec::new(),
        };
        let mut transfer_encodings = 0;
        for header in request.headers.iter() {
            let name = header.name;
            if name.eq_ignore_ascii_case("content-length") {
                if found.content_length.is_some() {
                    return Err(HeadVerdict::PassThrough);
                }
                found.content_length = Some(content_length(header.value)?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") && http_11 {
                transfer_encodings += 1;
                let value = header.value.trim_ascii();
                if transfer_encodings > 1 {
                    return Err(HeadVerdict::PassThrough);
                }
                if value.eq_ignore_ascii_case(b"chunked") {
                    found.chunked = true;
                } else if !value.eq_ignore_ascii_case(b"identity") {
                    return Err(HeadVerdict::PassThrough);
                }
            } else if name.eq_ignore_ascii_case("upgrade") {
                let (start, end) = line_of(input, header);
                found.edits.push(Edit {
                    start,
                    end,
                    replacement: Vec::new(),
                });
            } else if name.eq_ignore_ascii_case("connection") {
                if let Some(edit) = without_upgrade_option(input, header) {
                    found.edits.push(edit);
                }
            } else if name.eq_ignore_ascii_case("expect") && http_11 {
                found.expect_continue |= header
                    .value
                    .split(|&b| b == b',')
                    .any(|item| item.trim_ascii().eq_ignore_ascii_case(b"100-continue"));
            }
        }
        // actix-http refuses an HTTP/1.0 POST without a length.
        if !http_11 && request.method == Some("POST") && found.content_length.is_none() {
            return Err(HeadVerdict::PassThrough);
        }
        Ok(Some(found))
    }
}

/// A non-empty run of ASCII digits as a number, `None` for anything else or an overflow.
fn plain_digits(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
            .flatten()
    })
}

fn content_length(value: &[u8]) -> Result<u64, HeadVerdict> {
    let value = value.trim_ascii();
    if value.first() == Some(&b'+') {
        return Err(HeadVerdict::PassThrough);
    }
    std::str::from_utf8(value)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or(HeadVerdict::PassThrough)
}

/// The byte range of `header`'s whole line in `input`, its line feed included.
fn line_of(input: &[u8], header: &httparse::Header<'_>) -> (usize, usize) {
    let base = input.as_ptr().addr();
    let start = header.name.as_ptr().addr() - base;
    let value_end = header.value.as_ptr().addr() - base + header.value.len();
    let end = input[value_end..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(input.len(), |at| value_end + at + 1);
    (start, end)
}

/// The edit that takes the `upgrade` option out of a `Connection` header (dropping the
/// line when nothing else is left), or `None` when it has none.
fn without_upgrade_option(input: &[u8], header: &httparse::Header<'_>) -> Option<Edit> {
    let is_upgrade = |option: &&[u8]| option.trim_ascii().eq_ignore_ascii_case(b"upgrade");
    let options: Vec<&[u8]> = header.value.split(|&b| b == b',').collect();
    if !options.iter().any(is_upgrade) {
        return None;
    }
    let kept: Vec<&[u8]> = options
        .into_iter()
        .filter(|option| !is_upgrade(option) && !option.trim_ascii().is_empty())
        .map(<[u8]>::trim_ascii)
        .collect();
    let (start, end) = line_of(input, header);
    let replacement = if kept.is_empty() {
        Vec::new()
    } else {
        [b"Connection: ".as_slice(), &kept.join(&b", "[..]), b"\r\n"].concat()
    };
    Some(Edit {
        start,
        end,
        replacement,
    })
}

fn replace(input: &mut BytesMut, edit: &Edit) {
    let tail = input.split_off(edit.end);
    input.truncate(edit.start);
    input.extend_from_slice(&edit.replacement);
    input.unsplit(tail);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(head: &str) -> (HeadVerdict, String) {
        let mut input = BytesMut::from(head.as_bytes());
        let verdict = inspect(&mut input, 64 * 1024);
        (verdict, String::from_utf8_lossy(&input).into_owned())
    }

    fn serve(head_len: usize, body: BodyFraming) -> HeadVerdict {
        HeadVerdict::Serve {
            head_len,
            body,
            expect_continue: false,
        }
    }

    #[test]
    fn bodies_are_framed_as_actix_frames_them() {
        let get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(verdict(get).0, serve(get.len(), BodyFraming::None));
        let post = "POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n";
        assert_eq!(verdict(post).0, serve(post.len(), BodyFraming::Length(12)));
        let zero = "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(verdict(zero).0, serve(zero.len(), BodyFraming::None));
        let chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked \r\n\r\n";
        assert_eq!(
            verdict(chunked).0,
            serve(chunked.len(), BodyFraming::Chunked)
        );
        // HTTP/1.0 has no transfer codings: actix-http frames it by its length.
        let old = "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n";
        assert_eq!(verdict(old).0, serve(old.len(), BodyFraming::Length(3)));
    }

    #[test]
    fn an_upgrade_header_is_dropped_and_the_body_framed_by_its_length() {
        let head = "POST /q HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 2\r\n\r\n{}GET";
        let (verdict, rest) = verdict(head);
        let expected = "POST /q HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}GET";
        assert_eq!(rest, expected);
        assert_eq!(verdict, serve(expected.len() - 5, BodyFraming::Length(2)));
        let bare = "GET / HTTP/1.1\nupgrade: h2c\nUPGRADE:websocket\n\n";
        let (verdict, rest) = super::tests::verdict(bare);
        assert_eq!(rest, "GET / HTTP/1.1\n\n");
        assert_eq!(verdict, serve(rest.len(), BodyFraming::None));
        let kept = "GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade,close\r\nX: 1\r\n\r\n";
        let (verdict, rest) = super::tests::verdict(kept);
        assert_eq!(
            rest,
            "GET / HTTP/1.1\r\nConnection: keep-alive, close\r\nX: 1\r\n\r\n"
        );
        assert_eq!(verdict, serve(rest.len(), BodyFraming::None));
    }

    #[test]
    fn connect_and_length_beside_chunked_are_refused() {
        assert_eq!(
            verdict("CONNECT x:1 HTTP/1.1\r\n\r\n").0,
            HeadVerdict::Refuse
        );
        let both = "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(verdict(both).0, HeadVerdict::Refuse);
    }

    #[test]
    fn heads_actix_refuses_pass_through() {
        for head in [
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.0\r\n\r\n",
            "G\0T / HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(
                parsed_verdict(head.as_bytes()),
                HeadVerdict::PassThrough,
                "{head:?}"
            );
        }
    }

    #[test]
    fn a_partial_head_waits_until_it_is_too_large() {
        let mut input = BytesMut::from(&b"GET / HTTP/1.1\r\nX: "[..]);
        assert_eq!(inspect(&mut input, 64), HeadVerdict::Partial);
        input.extend_from_slice(&[b'a'; 64]);
        assert_eq!(inspect(&mut input, 64), HeadVerdict::PassThrough);
    }

    /// The full parse's verdict, skipping the scan.
    fn parsed_verdict(head: &[u8]) -> HeadVerdict {
        let mut input = BytesMut::from(head);
        match Found::parse(&input) {
            Ok(Some(found)) => found.verdict(&mut input),
            Ok(None) => HeadVerdict::Partial,
            Err(verdict) => verdict,
        }
    }

    #[test]
    fn the_scan_agrees_with_the_parse() {
        let names = [
            "Host",
            "content-length",
            "Content-Length",
            "CONTENT-LENGTH",
            "Content-Type",
            "Transfer-Encoding",
            "Upgrade",
            "Connection",
            "Expect",
            "X-Pad",
            "Content-Lengt",
            "Content-Length ",
            " Content-Length",
            "Authorization",
            "",
        ];
        let values = [
            "12",
            " 12 ",
            "0",
            "+1",
            "1 2",
            "",
            "x",
            "99999999999999999999",
            "chunked",
            "keep-alive",
            "Upgrade",
            "keep-alive, upgrade",
            "websocket",
            "100-continue",
            "a:b",
            "\t7",
        ];
        let lines = [
            "GET / HTTP/1.1",
            "POST /q HTTP/1.1",
            "POST / HTTP/1.0",
            "CONNECT a:1 HTTP/1.1",
            "GET /HTTP/1.1",
        ];
        let ends = ["\r\n", "\r\n", "\r\n", "\n"];
        let mut rng = fastrand::Rng::with_seed(18);
        let mut scanned = 0;
        for _ in 0..20_000 {
            let mut head = String::from(lines[rng.usize(..lines.len())]);
            head.push_str(ends[rng.usize(..ends.len())]);
            for _ in 0..rng.usize(0..5) {
                head.push_str(names[rng.usize(..names.len())]);
                head.push(':');
                head.push_str(values[rng.usize(..values.len())]);
                head.push_str(ends[rng.usize(..ends.len())]);
            }
            head.push_str(ends[rng.usize(..ends.len())]);
            head.push_str("{}");
            if let Some(found) = Found::scan(head.as_bytes()) {
                scanned += 1;
                let mut input = BytesMut::from(head.as_bytes());
                let parsed = parsed_verdict(head.as_bytes());
                // Where they differ, actix-http refuses the head (400) and closes: the
                // framing of what follows no longer matters.
                assert!(
                    found.verdict(&mut input) == parsed || parsed == HeadVerdict::PassThrough,
                    "{head:?}"
                );
            }
        }
        assert!(scanned > 1_000, "the scan decided only {scanned} heads");
    }

    #[test]
    fn expect_continue_is_noticed() {
        let head = "POST / HTTP/1.1\r\nExpect: foo, 100-Continue\r\nContent-Length: 1\r\n\r\n";
        assert_eq!(
            verdict(head).0,
            HeadVerdict::Serve {
                head_len: head.len(),
                body: BodyFraming::Length(1),
                expect_continue: true
            }
        );
    }
}
