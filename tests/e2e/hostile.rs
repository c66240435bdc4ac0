//! Hostile requests against the real `calldata-server` binary over raw TCP (plain HTTP, so
//! every byte on the wire is ours): a table of cases, each with the status or result code it
//! must get; after every case the server must still answer `/healthz` 200, and it must never
//! answer 5xx. Slow-loris connections are closed after the head timeout while other clients
//! are still served.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use calldata_bms::DemoSettings;
use calldata_bms::embedded::sample_keys;
use calldata_e2e::{write_reliability_record, write_reliability_table};
use calldata_model::{CallKey, QUERY_BASIC_CALL_INFO_PATH};
use calldata_testkit::metrics::{fetch_plain, metric_samples};
use calldata_testkit::process::{Process, StderrTail, demo_credentials, start_plain_server};
use calldata_testkit::raw::{
    RawOutcome, RawRequest as Req, RawResponse, raw_exchange, read_response,
};
use calldata_testkit::sign::{Headers, Options, authorization, json_post_at};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// `--client-request-timeout-ms`: time for the request head, and for the whole body.
const REQUEST_TIMEOUT: Duration = Duration::from_millis(2000);
/// Slack for a loaded 2-core machine on top of any server-side timeout.
const MARGIN: Duration = Duration::from_secs(4);
/// Time allowed for an ordinary answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// The body limit (`body_limit_bytes`, default).
const BODY_LIMIT: usize = 16 * 1024;
const TEN_MB: usize = 10 * 1024 * 1024;
/// The sandbox admin API and the platform health check.
const SANDBOX: &str = "/sandbox/v1/calls";
const PING: &str = "/rest/cmsapp/v1/ping";

/// The server under test and what a request to it needs.
struct Target {
    address: SocketAddr,
    host: String,
    ak: String,
    sk: String,
    key: CallKey,
}

impl Target {
    /// An unsigned JSON POST of `body` to the query endpoint.
    fn post(&self, body: impl AsRef<[u8]>) -> Req {
        let body = body.as_ref();
        let mut req = Req::new("POST", QUERY_BASIC_CALL_INFO_PATH.as_bytes(), &self.host)
            .header("Content-Type", "application/json;charset=UTF-8")
            .header("Content-Length", body.len().to_string());
        req.body = body.to_vec();
        req
    }

    /// A JSON POST of `body` signed at `at`.
    fn signed_at(&self, body: impl AsRef<[u8]>, at: SystemTime) -> Req {
        let body = body.as_ref();
        let authorization = json_post_at(
            (&self.ak, &self.sk),
            &self.host,
            QUERY_BASIC_CALL_INFO_PATH,
            body,
            at,
        );
        self.post(body).header("Authorization", authorization)
    }

    /// A JSON POST of `body` signed now.
    fn signed(&self, body: impl AsRef<[u8]>) -> Req {
        self.signed_at(body, SystemTime::now())
    }

    /// A request without a body to `path?query`, signed (over `host` only) at `at`.
    fn signed_empty(&self, method: &str, path: &str, query: &str, at: SystemTime) -> Req {
        let target = if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        };
        let authorization = authorization(
            (&self.ak, &self.sk),
            &self.host,
            (method, &target, b""),
            &Options::at(at),
        );
        Req::new(method, target.as_bytes(), &self.host).header("Authorization", authorization)
    }

    /// An `Authorization` for a JSON POST of `body` to the query endpoint that signs
    /// `content-type` and `host` only (for chunked bodies, which have no length).
    fn authorization_without_length(&self, body: &[u8]) -> String {
        authorization(
            (&self.ak, &self.sk),
            &self.host,
            ("POST", QUERY_BASIC_CALL_INFO_PATH, body),
            &Options::now().headers(Headers::WithoutLength),
        )
    }

    /// A JSON POST of `body` to another `path`, signed now.
    fn signed_post_to(&self, path: &str, body: impl AsRef<[u8]>) -> Req {
        let body = body.as_ref();
        let authorization = json_post_at(
            (&self.ak, &self.sk),
            &self.host,
            path,
            body,
            SystemTime::now(),
        );
        let mut req = self.post(body).header("Authorization", authorization);
        req.line = format!("POST {path} HTTP/1.1").into_bytes();
        req
    }

    /// The body asking for the demo call, with `field` set to the raw JSON `value`, or left
    /// out when `value` is `None`.
    fn body_with(&self, field: &str, value: Option<&str>) -> String {
        let cc_id = self.key.cc_id.to_string();
        let vdn = self.key.vdn.to_string();
        let call_id = format!("\"{}\"", self.key.call_id);
        let parts: Vec<String> = [("ccId", cc_id), ("vdn", vdn), ("callId", call_id)]
            .into_iter()
            .filter_map(|(name, valid)| {
                let value = if name == field {
                    value?.to_owned()
                } else {
                    valid
                };
                Some(format!("\"{name}\":{value}"))
            })
            .collect();
        format!("{{{}}}", parts.join(","))
    }

    /// The valid body for the demo call.
    fn valid_body(&self) -> String {
        self.body_with("", None)
    }

    /// The valid body with one more member (raw JSON) in front of the call's fields.
    fn valid_body_plus(&self, member: &str) -> String {
        format!("{{{member},{}", &self.valid_body()[1..])
    }
}

/// What a case must get.
#[derive(Debug, Clone)]
enum Expect {
    /// This HTTP status.
    Status(u16),
    /// 405 with this `Allow` header.
    MethodNotAllowed(&'static str),
    /// HTTP 200 with this result code and a `resultDesc` naming each word, in this order.
    Code(&'static str, &'static [&'static str]),
    /// The head did not arrive in time: 408 from the HTTP layer, or a plain close, within
    /// the request timeout plus a margin; the connection is closed afterwards.
    HeadTimeout,
    /// The body did not arrive in time: 408 after the request timeout (not before).
    BodyTimeout,
}

impl Expect {
    /// The expectation in words, for the record.
    fn describe(&self) -> String {
        match self {
            Self::Status(status) => format!("HTTP {status}"),
            Self::MethodNotAllowed(allow) => format!("HTTP 405, Allow: {allow}"),
            Self::Code(code, []) => format!("200 {code}"),
            Self::Code(code, words) => format!("200 {code} naming {}", words.join(", ")),
            Self::HeadTimeout => {
                "408 from the HTTP layer (or a close) after the head timeout".into()
            }
            Self::BodyTimeout => "408 after the body deadline".into(),
        }
    }
}

/// How a case is sent.
enum Send {
    /// These bytes, then read the answer (our side stays open).
    Bytes(Vec<u8>),
    /// `head`, then `chunk` again and again up to `total` bytes, while reading the answer.
    Flood {
        head: Vec<u8>,
        chunk: Vec<u8>,
        total: usize,
    },
}

/// An extra check of a response.
type Check = fn(&RawResponse) -> Result<(), String>;

/// One row of the table.
struct Case {
    name: String,
    send: Send,
    expect: Expect,
    /// Extra check of the response.
    check: Option<Check>,
    /// The answer must come within this time.
    within: Duration,
}

fn case(name: impl Into<String>, req: &Req, expect: Expect) -> Case {
    Case {
        name: name.into(),
        send: Send::Bytes(req.bytes()),
        expect,
        check: None,
        within: ANSWER_WITHIN,
    }
}

fn raw_case(name: impl Into<String>, bytes: Vec<u8>, expect: Expect) -> Case {
    Case {
        name: name.into(),
        send: Send::Bytes(bytes),
        expect,
        check: None,
        within: ANSWER_WITHIN,
    }
}

impl Case {
    fn with_check(mut self, check: Check) -> Self {
        self.check = Some(check);
        self
    }

    fn within(mut self, within: Duration) -> Self {
        self.within = within;
        self
    }
}

const OK: Expect = Expect::Code("0100000", &[]);
const NOT_JSON: Expect = Expect::Code("0100002", &["request body is not a JSON object"]);

/// A JSON value nested `depth` times in arrays: `[[[...0...]]]`.
fn nested_array(depth: usize) -> String {
    format!("{}0{}", "[".repeat(depth), "]".repeat(depth))
}

/// An unknown member of about `bytes` bytes made of arrays nested `depth` deep, repeated.
fn big_member(bytes: usize, depth: usize) -> String {
    let one = nested_array(depth);
    let count = bytes / (one.len() + 1);
    let items = vec![one; count.max(1)].join(",");
    format!("\"bulk\":[{items}]")
}

#[allow(clippy::too_many_lines)] // the table
fn cases(t: &Target) -> Vec<Case> {
    let valid = t.valid_body();
    let path = QUERY_BASIC_CALL_INFO_PATH.as_bytes();
    let mut rows = vec![
        // Control: the raw requests below are built like this one, which works.
        case("control: valid signed query", &t.signed(&valid), OK),
        case(
            "control: the same signature replayed within the window (documented: accepted; the window bounds replay)",
            &t.signed(&valid),
            OK,
        ),
    ];

    // --- Huge and deeply nested JSON ---------------------------------------------------
    let wide = t.valid_body_plus(&big_member(15 * 1024, 2));
    assert!(wide.len() < BODY_LIMIT && wide.len() > 14 * 1024);
    rows.push(case(
        format!(
            "huge JSON: {} bytes of nested arrays in an unknown member (ignored)",
            wide.len()
        ),
        &t.signed(&wide),
        OK,
    ));
    let deep_ok = t.valid_body_plus(&big_member(15 * 1024, 100));
    assert!(deep_ok.len() < BODY_LIMIT);
    rows.push(case(
        format!(
            "huge JSON: {} bytes of arrays nested 100 deep (under the parser's depth limit)",
            deep_ok.len()
        ),
        &t.signed(&deep_ok),
        OK,
    ));
    let many_keys = t.valid_body_plus(
        &(0..1200)
            .map(|i| format!("\"k{i}\":{i}"))
            .collect::<Vec<_>>()
            .join(","),
    );
    assert!(many_keys.len() < BODY_LIMIT);
    rows.push(case(
        "huge JSON: 1,200 unknown members",
        &t.signed(&many_keys),
        OK,
    ));
    let long_string = t.valid_body_plus(&format!("\"note\":\"{}\"", "x".repeat(15 * 1024)));
    rows.push(case(
        "huge JSON: a 15 KiB string in an unknown member",
        &t.signed(&long_string),
        OK,
    ));
    rows.push(case(
        "huge JSON: a 15 KiB callId",
        &t.signed(t.body_with("callId", Some(&format!("\"1-{}\"", "1".repeat(15 * 1024))))),
        Expect::Code("0100002", &["callId"]),
    ));
    rows.push(case(
        "deep JSON: 10,000 '[' as the whole body",
        &t.signed("[".repeat(10_000)),
        NOT_JSON,
    ));
    rows.push(case(
        "deep JSON: 10,000 '[' in an unknown member (no stack overflow)",
        &t.signed(t.valid_body_plus(&format!("\"x\":{}", "[".repeat(10_000)))),
        NOT_JSON,
    ));
    rows.push(case(
        "deep JSON: arrays nested 7,000 deep (14,000 brackets) in an unknown member (documented: unknown members are skipped, without recursion)",
        &t.signed(t.valid_body_plus(&format!("\"x\":{}", nested_array(7_000)))),
        OK,
    ));
    rows.push(case(
        "deep JSON: arrays nested 7,000 deep as the ccId value",
        &t.signed(t.body_with("ccId", Some(&nested_array(7_000)))),
        Expect::Code("0100002", &["ccId"]),
    ));
    rows.push(case(
        "deep JSON: objects nested 2,500 deep (balanced) in an unknown member",
        &t.signed(t.valid_body_plus(&format!(
            "\"x\":{}0{}",
            "{\"a\":".repeat(2_500),
            "}".repeat(2_500)
        ))),
        OK,
    ));
    rows.push(case(
        "deep JSON: 3,000 nested objects as the ccId value",
        &t.signed(t.body_with("ccId", Some(&"{\"a\":".repeat(3_000)))),
        NOT_JSON,
    ));
    rows.push(case(
        "deep JSON: 20,000 '[' (over the body limit)",
        &t.signed("[".repeat(20_000)),
        Expect::Status(413),
    ));
    rows.push(case(
        "deep JSON: 1,000,000 '[' declared (over the body limit, never sent in full)",
        &{
            let mut req = t.post(b"").without("Content-Length");
            req = req.header("Content-Length", "1000000");
            req.body = "[".repeat(4096).into_bytes();
            req
        },
        Expect::Status(413),
    ));

    // --- Duplicate keys ------------------------------------------------------------------
    for (name, body) in [
        ("duplicate key: ccId twice", t.valid_body_plus("\"ccId\":2")),
        ("duplicate key: vdn twice", t.valid_body_plus("\"vdn\":1")),
        (
            "duplicate key: callId twice",
            t.valid_body_plus("\"callId\":\"1-1\""),
        ),
        (
            "duplicate key: ccId twice, once written with an escape",
            t.valid_body_plus("\"cc\\u0049d\":1"),
        ),
    ] {
        rows.push(case(
            name,
            &t.signed(body),
            Expect::Code("0100002", &["duplicate field"]),
        ));
    }

    // --- Wrong types for every field -------------------------------------------------------
    let integer_field_values: &[&str] = &[
        "true",
        "false",
        "null",
        "[]",
        "[1]",
        "{}",
        "{\"a\":1}",
        "\"x\"",
        "\"\"",
        "\" 1\"",
        "\"+1\"",
        "\"1x\"",
        "1.5",
        "-1",
        "0",
        "1e300",
        "-0.5",
    ];
    for field in ["ccId", "vdn"] {
        for value in integer_field_values {
            rows.push(case(
                format!("wrong type: {field} = {value}"),
                &t.signed(t.body_with(field, Some(value))),
                Expect::Code(
                    "0100002",
                    if field == "ccId" { &["ccId"] } else { &["vdn"] },
                ),
            ));
        }
        rows.push(case(
            format!("wrong type: {field} missing"),
            &t.signed(t.body_with(field, None)),
            Expect::Code(
                "0100002",
                if field == "ccId" { &["ccId"] } else { &["vdn"] },
            ),
        ));
    }
    rows.push(case(
        "out of range: ccId = 65536",
        &t.signed(t.body_with("ccId", Some("65536"))),
        Expect::Code("0100002", &["ccId"]),
    ));
    rows.push(case(
        "out of range: vdn = 5001",
        &t.signed(t.body_with("vdn", Some("5001"))),
        Expect::Code("0100002", &["vdn"]),
    ));
    rows.push(case(
        "out of range: ccId = 99999999999999999999999",
        &t.signed(t.body_with("ccId", Some("99999999999999999999999"))),
        Expect::Code("0100002", &["ccId"]),
    ));
    for value in [
        "123",
        "1.5",
        "true",
        "null",
        "[]",
        "[\"1-2\"]",
        "{}",
        "\"\"",
        "\"1-2-3\"",
        "\"-1\"",
        "\"1-\"",
        "\"1_2\"",
        "\"abc\"",
        "\" 1-2\"",
        "\"12345678901234567-123\"",
        "\"\u{661}\u{662}-\u{663}\"",
        "\"1\\u0000-2\"",
    ] {
        rows.push(case(
            format!("wrong type: callId = {}", value.escape_debug()),
            &t.signed(t.body_with("callId", Some(value))),
            Expect::Code("0100002", &["callId"]),
        ));
    }
    rows.push(case(
        "wrong type: callId missing",
        &t.signed(t.body_with("callId", None)),
        Expect::Code("0100002", &["callId"]),
    ));
    rows.push(case(
        "wrong types: every field broken, reported in field order",
        &t.signed(r#"{"ccId":"x","vdn":true,"callId":7}"#),
        Expect::Code("0100002", &["ccId", "vdn", "callId"]),
    ));
    for (name, body) in [
        ("not an object: array", "[1,1,\"1-1\"]".to_owned()),
        ("not an object: string", "\"hello\"".to_owned()),
        ("not an object: null", "null".to_owned()),
        ("not an object: empty body", String::new()),
        ("trailing bytes after the object", format!("{valid}x")),
        ("two objects", format!("{valid}{valid}")),
        ("truncated object", valid[..valid.len() - 1].to_owned()),
    ] {
        rows.push(case(name, &t.signed(body), NOT_JSON));
    }

    // --- NUL and non-UTF-8 bytes in the body ---------------------------------------------
    let with_bytes = |prefix: &str, bytes: &[u8], suffix: &str| {
        let mut body = prefix.as_bytes().to_vec();
        body.extend_from_slice(bytes);
        body.extend_from_slice(suffix.as_bytes());
        body
    };
    let cc = t.key.cc_id.to_string();
    let vdn = t.key.vdn.to_string();
    let call_id = t.key.call_id.to_string();
    rows.push(case(
        "NUL byte between members",
        &t.signed(with_bytes(
            &format!("{{\"ccId\":{cc},"),
            b"\0",
            &format!("\"vdn\":{vdn},\"callId\":\"{call_id}\"}}"),
        )),
        NOT_JSON,
    ));
    rows.push(case(
        "raw NUL byte inside the callId string",
        &t.signed(with_bytes(
            &format!("{{\"ccId\":{cc},\"vdn\":{vdn},\"callId\":\"1"),
            b"\0",
            "-2\"}",
        )),
        NOT_JSON,
    ));
    rows.push(case("NUL bytes only", &t.signed([0_u8; 64]), NOT_JSON));
    rows.push(case(
        "non-UTF-8 bytes inside the callId string",
        &t.signed(with_bytes(
            &format!("{{\"ccId\":{cc},\"vdn\":{vdn},\"callId\":\"1"),
            b"\xff\xfe",
            "-2\"}",
        )),
        NOT_JSON,
    ));
    rows.push(case(
        "raw NUL byte inside an unknown member's string",
        &t.signed(with_bytes(
            "{\"note\":\"",
            b"a\0b",
            &format!("\",\"ccId\":{cc},\"vdn\":{vdn},\"callId\":\"{call_id}\"}}"),
        )),
        NOT_JSON,
    ));
    rows.push(case(
        "UTF-8 byte order mark before the object",
        &t.signed(with_bytes("", b"\xef\xbb\xbf", &valid)),
        NOT_JSON,
    ));
    rows.push(case(
        "UTF-16LE body",
        &t.signed(
            valid
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<u8>>(),
        ),
        NOT_JSON,
    ));

    // --- NUL, CR, LF and non-UTF-8 bytes in header values ----------------------------------
    rows.push(case(
        "header injection: bare CR in a header value",
        &t.signed(&valid).header("X-Note", b"a\rInjected: 1"),
        Expect::Status(400),
    ));
    rows.push(case(
        "header injection: NUL in a header value",
        &t.signed(&valid).header("X-Note", b"a\0b"),
        Expect::Status(400),
    ));
    rows.push(case(
        "header injection: CR LF in the request target",
        &Req::new("POST", b"/rest/x\r\nInjected: 1\r\nX: /y", &t.host),
        Expect::Status(400),
    ));
    rows.push(case(
        "header injection: bare LF smuggling a second Authorization (repeated: 401)",
        &t.signed(&valid)
            .header("X-Note", b"a\nAuthorization: auth-v2/x/y/host/0"),
        Expect::Status(401),
    ));
    rows.push(case(
        "header injection: obsolete line folding",
        &t.signed(&valid).header("X-Note", b"a\r\n folded"),
        Expect::Status(400),
    ));
    rows.push(
        case(
            "header injection: encoded CR LF in X-Request-ID is not echoed",
            &t.signed(&valid)
                .header("X-Request-ID", "abc%0d%0aSet-Cookie:%20x=1"),
            OK,
        )
        .with_check(|response| {
            let echoed = response.header("x-request-id").unwrap_or_default();
            if echoed.contains('%') || response.header_count("set-cookie") > 0 {
                return Err(format!("X-Request-ID echoed as {echoed:?}"));
            }
            Ok(())
        }),
    );
    rows.push(
        case(
            "non-UTF-8 bytes in X-Request-ID (replaced, not echoed)",
            &t.signed(&valid).header("X-Request-ID", b"id-\xff\xfe"),
            OK,
        )
        .with_check(|response| {
            let echoed = response.header("x-request-id").unwrap_or_default();
            if echoed.is_empty() || !echoed.is_ascii() {
                return Err(format!("X-Request-ID answered as {echoed:?}"));
            }
            Ok(())
        }),
    );
    rows.push(case(
        "non-UTF-8 bytes in Content-Type",
        &t.signed(&valid)
            .without("Content-Type")
            .header("Content-Type", b"application/json;charset=\xff"),
        Expect::Status(415),
    ));
    rows.push(case(
        "non-UTF-8 bytes in Authorization",
        &t.post(&valid)
            .header("Authorization", b"auth-v2/\xff\xfe/x/host/00"),
        Expect::Status(401),
    ));
    rows.push(case(
        "non-UTF-8 bytes in an unsigned header (ignored)",
        &t.signed(&valid).header("X-Note", b"\xff\xfe\x80"),
        OK,
    ));

    // --- 10 MB bodies, chunked bodies without end, bodies that never arrive --------------
    rows.push(
        case(
            "10 MB body declared by Content-Length, first 64 KiB sent: 413 without waiting for the rest",
            &{
                let mut req = t.signed(&valid).without("Content-Length");
                req = req.header("Content-Length", TEN_MB.to_string());
                req.body = vec![b'['; 64 * 1024];
                req
            },
            Expect::Status(413),
        )
        .within(REQUEST_TIMEOUT),
    );
    rows.push(Case {
        name: "10 MB body declared by Content-Length, streamed: 413 within the request timeout, without reading it".into(),
        send: Send::Flood {
            head: {
                let mut req = t.signed(&valid).without("Content-Length");
                req = req.header("Content-Length", TEN_MB.to_string());
                req.body.clear();
                req.bytes()
            },
            chunk: vec![b'['; 64 * 1024],
            total: TEN_MB,
        },
        expect: Expect::Status(413),
        check: None,
        within: REQUEST_TIMEOUT,
    });
    rows.push(Case {
        name: "10 MB chunked body, streamed: 413 once past the limit, within the request timeout"
            .into(),
        send: Send::Flood {
            head: {
                let mut req = t
                    .signed(&valid)
                    .without("Content-Length")
                    .header("Transfer-Encoding", "chunked");
                req.body.clear();
                req.bytes()
            },
            chunk: {
                let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
                chunk.extend_from_slice(&vec![b'['; 64 * 1024]);
                chunk.extend_from_slice(b"\r\n");
                chunk
            },
            total: TEN_MB,
        },
        expect: Expect::Status(413),
        check: None,
        within: REQUEST_TIMEOUT,
    });
    rows.push(
        case(
            "10 MB body with Expect: 100-continue: 413 at once (the HTTP layer sends 100 Continue first)",
            &{
                let mut req = t
                    .signed(&valid)
                    .without("Content-Length")
                    .header("Content-Length", TEN_MB.to_string())
                    .header("Expect", "100-continue");
                req.body.clear();
                req
            },
            Expect::Status(413),
        )
        .with_check(|response| {
            // actix-http answers `Expect: 100-continue` itself, before the handler sees the
            // request; the handler then refuses the declared length without reading.
            if response.interim.iter().all(|status| *status == 100) {
                Ok(())
            } else {
                Err(format!("interim answers {:?} before 413", response.interim))
            }
        })
        .within(REQUEST_TIMEOUT),
    );
    rows.push(
        case(
            "chunked body without end: 408 after the request timeout",
            &{
                let mut req = t
                    .signed(&valid)
                    .without("Content-Length")
                    .header("Transfer-Encoding", "chunked");
                req.body = format!("{:x}\r\n{valid}\r\n", valid.len()).into_bytes();
                req
            },
            Expect::BodyTimeout,
        )
        .within(REQUEST_TIMEOUT + MARGIN),
    );
    rows.push(
        case(
            "Content-Length larger than the body sent: 408 after the request timeout",
            &{
                let mut req = t
                    .signed(&valid)
                    .without("Content-Length")
                    .header("Content-Length", (valid.len() + 10).to_string());
                req.body = valid.clone().into_bytes();
                req
            },
            Expect::BodyTimeout,
        )
        .within(REQUEST_TIMEOUT + MARGIN),
    );
    rows.push(case(
        "chunked body with content-length signed (documented: 401)",
        &{
            let mut req = t
                .signed(&valid)
                .without("Content-Length")
                .header("Transfer-Encoding", "chunked");
            req.body = format!("{:x}\r\n{valid}\r\n0\r\n\r\n", valid.len()).into_bytes();
            req
        },
        Expect::Status(401),
    ));

    rows.push(case(
        "chunked body in 1-byte chunks with a trailer, signed without content-length",
        &{
            let authorization = t.authorization_without_length(valid.as_bytes());
            let mut req = t
                .post(&valid)
                .without("Content-Length")
                .header("Transfer-Encoding", "chunked")
                .header("Authorization", authorization);
            let mut body = Vec::new();
            for byte in valid.bytes() {
                body.extend_from_slice(b"1\r\n");
                body.push(byte);
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(b"0\r\nX-Trailer: 1\r\n\r\n");
            req.body = body;
            req
        },
        OK,
    ));
    rows.push(case(
        "chunk size beyond 64 bits",
        &{
            let mut req = t
                .signed(&valid)
                .without("Content-Length")
                .header("Transfer-Encoding", "chunked");
            req.body = b"FFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n".to_vec();
            req
        },
        Expect::Status(400),
    ));
    rows.push(case(
        "chunk size that is not hex",
        &{
            let mut req = t
                .signed(&valid)
                .without("Content-Length")
                .header("Transfer-Encoding", "chunked");
            req.body = b"zz\r\n{}\r\n0\r\n\r\n".to_vec();
            req
        },
        Expect::Status(400),
    ));

    // --- Framing and smuggling -------------------------------------------------------------
    rows.push(case(
        "smuggling: Content-Length and Transfer-Encoding together",
        &t.signed(&valid).header("Transfer-Encoding", "chunked"),
        Expect::Status(400),
    ));
    rows.push(case(
        "smuggling: two different Content-Length headers",
        &t.signed(&valid).header("Content-Length", "3"),
        Expect::Status(400),
    ));
    rows.push(case(
        "negative Content-Length",
        &t.signed(&valid)
            .without("Content-Length")
            .header("Content-Length", "-1"),
        Expect::Status(400),
    ));
    rows.push(case(
        "non-numeric Content-Length",
        &t.signed(&valid)
            .without("Content-Length")
            .header("Content-Length", "1e3"),
        Expect::Status(400),
    ));
    rows.push(case(
        "Content-Length beyond 64 bits",
        &t.signed(&valid)
            .without("Content-Length")
            .header("Content-Length", "99999999999999999999999"),
        Expect::Status(400),
    ));
    rows.push(case(
        "unknown Transfer-Encoding",
        &t.signed(&valid)
            .without("Content-Length")
            .header("Transfer-Encoding", "gzip, chunked, identity"),
        Expect::Status(400),
    ));
    rows.push(case(
        "space between a header name and its colon",
        &t.signed(&valid).header("X-Note ", "a"),
        Expect::Status(400),
    ));
    rows.push(case(
        "two spaces in the request line",
        &{
            let mut req = t.signed(&valid);
            req.line = [&b"POST  "[..], path, b" HTTP/1.1"].concat();
            req
        },
        Expect::Status(400),
    ));
    rows.push(raw_case(
        "not HTTP: binary garbage",
        b"\x00\x01\x02\xff\xfe\r\n\r\n".to_vec(),
        Expect::Status(400),
    ));
    rows.push(raw_case(
        "unknown HTTP version",
        [&b"POST "[..], path, b" HTTP/9.9\r\nHost: x\r\n\r\n"].concat(),
        Expect::Status(400),
    ));
    rows.push(case(
        "no Host header",
        &t.signed(&valid).without("Host"),
        Expect::Status(400),
    ));
    rows.push(case(
        "two Host headers (the signed one and another): refused by the HTTP parser",
        &t.signed(&valid).header("Host", "evil.example"),
        Expect::Status(400),
    ));

    // --- Paths -------------------------------------------------------------------------
    for target in [
        &b"/rest/cmsapp/v1/openapi/calldata/../calldata/querybasiccallinfo"[..],
        b"/rest/cmsapp/v1/openapi/calldata/%2e%2e/calldata/querybasiccallinfo",
        b"/rest/cmsapp/v1/openapi/calldata/%2E%2E/%2E%2E/calldata/querybasiccallinfo",
        b"/rest/cmsapp/v1/openapi/calldata/./querybasiccallinfo",
        b"/rest/cmsapp/v1/openapi/calldata%2Fquerybasiccallinfo",
        b"//rest/cmsapp/v1/openapi/calldata/querybasiccallinfo",
        b"/REST/cmsapp/v1/openapi/calldata/querybasiccallinfo",
        b"/rest/cmsapp/v1/openapi/calldata/QueryBasicCallInfo",
        b"/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo/",
        b"/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo%00",
        b"/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo;.json",
        b"/../../../../etc/passwd",
        b"/%2e%2e/%2e%2e/etc/passwd",
        b"/healthz/../metrics",
        b"/%ff%fe",
        b"*",
    ] {
        rows.push(case(
            format!("path: {}", String::from_utf8_lossy(target)),
            &{
                let mut req = t.signed(&valid);
                req.line = [&b"POST "[..], target, b" HTTP/1.1"].concat();
                req
            },
            Expect::Status(404),
        ));
    }
    rows.push(case(
        "path: 10 KiB long",
        &{
            let mut req = t.signed(&valid);
            req.line = format!("POST /{} HTTP/1.1", "a".repeat(10 * 1024)).into_bytes();
            req
        },
        Expect::Status(404),
    ));
    rows.push(case(
        "path: percent-encoded letter of the endpoint, signature over the path as sent (documented: the path exactly as sent is signed)",
        &{
            let encoded = "/rest/cmsapp/v1/openapi/calldata/querybasiccallinf%6F";
            let authorization = json_post_at(
                (&t.ak, &t.sk),
                &t.host,
                encoded,
                valid.as_bytes(),
                SystemTime::now(),
            );
            let mut req = t.post(&valid).header("Authorization", authorization);
            req.line = format!("POST {encoded} HTTP/1.1").into_bytes();
            req
        },
        OK,
    ));
    rows.push(case(
        "path: percent-encoded letter of the endpoint, signed over the decoded path",
        &{
            let mut req = t.signed(&valid);
            req.line =
                b"POST /rest/cmsapp/v1/openapi/calldata/querybasiccallinf%6F HTTP/1.1".to_vec();
            req
        },
        Expect::Status(401),
    ));
    rows.push(case(
        "path: unsigned query string appended",
        &{
            let mut req = t.signed(&valid);
            req.line = [&b"POST "[..], path, b"?ccId=2 HTTP/1.1"].concat();
            req
        },
        Expect::Status(401),
    ));
    rows.push(case(
        "path: absolute-form request target",
        &{
            let mut req = t.signed(&valid);
            req.line = format!(
                "POST http://{}{} HTTP/1.1",
                t.host, QUERY_BASIC_CALL_INFO_PATH
            )
            .into_bytes();
            req
        },
        OK,
    ));

    // --- Methods -----------------------------------------------------------------------
    for method in [
        "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO", "post",
    ] {
        rows.push(case(
            format!("method: {method}"),
            &{
                let mut req = t.signed(&valid);
                req.line = [method.as_bytes(), b" ", path, b" HTTP/1.1"].concat();
                req
            },
            Expect::MethodNotAllowed("POST"),
        ));
    }
    rows.push(case(
        "method: HEAD",
        &Req::new("HEAD", path, &t.host),
        Expect::MethodNotAllowed("POST"),
    ));
    rows.push(case(
        "method: not a token (G@T)",
        &Req::new("G@T", path, &t.host),
        Expect::Status(400),
    ));
    rows.push(case(
        "method: CONNECT: 400 and close (actix-http would read its body to the end of the connection)",
        &Req::new("CONNECT", t.host.as_bytes(), &t.host),
        Expect::Status(400),
    ));
    rows.push(case(
        "method: POST to /healthz",
        &Req::new("POST", b"/healthz", &t.host),
        Expect::MethodNotAllowed("GET"),
    ));

    // --- Content type ---------------------------------------------------------------------
    for (name, value) in [
        ("Content-Type: text/plain", &b"text/plain"[..]),
        (
            "Content-Type: charset latin1",
            b"application/json; charset=latin1",
        ),
        ("Content-Type: application/jsonx", b"application/jsonx"),
        ("Content-Type: empty", b""),
    ] {
        rows.push(case(
            name,
            &t.signed(&valid)
                .without("Content-Type")
                .header("Content-Type", value),
            Expect::Status(415),
        ));
    }
    rows.push(case(
        "Content-Type missing",
        &t.signed(&valid).without("Content-Type"),
        Expect::Status(415),
    ));
    rows.push(case(
        "Content-Type repeated",
        &t.signed(&valid)
            .header("Content-Type", "application/json;charset=UTF-8"),
        Expect::Status(415),
    ));

    // --- Authorization -----------------------------------------------------------------
    let signed = t.signed(&valid);
    let authorization = signed
        .headers
        .iter()
        .find(|(n, _)| n == b"Authorization")
        .map(|(_, v)| v.clone())
        .unwrap();
    rows.push(case(
        "Authorization repeated (the same valid value twice)",
        &signed.clone().header("Authorization", &authorization),
        Expect::Status(401),
    ));
    rows.push(case(
        "Authorization repeated (a valid value and garbage)",
        &signed.clone().header("Authorization", "garbage"),
        Expect::Status(401),
    ));
    rows.push(case(
        "Authorization missing",
        &t.post(&valid),
        Expect::Status(401),
    ));
    rows.push(case(
        "Authorization empty",
        &t.post(&valid).header("Authorization", ""),
        Expect::Status(401),
    ));
    rows.push(case(
        "Authorization of 8 KiB",
        &t.post(&valid)
            .header("Authorization", format!("auth-v2/{}", "a".repeat(8 * 1024))),
        Expect::Status(401),
    ));
    let minutes = |m: u64| Duration::from_secs(m * 60);
    rows.push(case(
        "replayed signature: timestamp 20 minutes old",
        &t.signed_at(&valid, SystemTime::now() - minutes(20)),
        Expect::Status(401),
    ));
    rows.push(case(
        "signature from the future: timestamp 20 minutes ahead",
        &t.signed_at(&valid, SystemTime::now() + minutes(20)),
        Expect::Status(401),
    ));
    rows.push(case(
        "signature over another body (body swapped)",
        &{
            let mut req = t.signed(t.body_with("vdn", Some("2")));
            req.body = t.body_with("vdn", Some("3")).into_bytes();
            req
        },
        Expect::Status(401),
    ));
    rows.push(case(
        "signature of another access key (unknown AK)",
        &{
            let authorization = json_post_at(
                ("nobody", &t.sk),
                &t.host,
                QUERY_BASIC_CALL_INFO_PATH,
                valid.as_bytes(),
                SystemTime::now(),
            );
            t.post(&valid).header("Authorization", authorization)
        },
        Expect::Status(401),
    ));

    // --- Sandbox API and ping ---------------------------------------------------------------
    let now = SystemTime::now();
    for (query, field) in [
        // (query, the field the message names)
        ("limit=0", &["limit"][..]),
        ("limit=1001", &["limit"][..]),
        ("limit=-1", &["limit"][..]),
        ("limit=99999999999999999999999", &["limit"][..]),
        ("limit=1e3", &["limit"][..]),
        ("limit=%ff", &["limit"][..]),
        ("ccId=x", &["ccId"][..]),
        ("ccId=70000", &["ccId"][..]),
        ("vdn=%00", &["vdn"][..]),
    ] {
        rows.push(case(
            format!("sandbox list: ?{query}"),
            &t.signed_empty("GET", SANDBOX, query, now),
            Expect::Code("0100002", field),
        ));
    }
    rows.push(case(
        "sandbox list: 4 KiB query string of junk pairs",
        &t.signed_empty("GET", SANDBOX, &"a=b&".repeat(1024), now),
        OK,
    ));
    for (query, fields) in [
        ("", &["ccId", "vdn", "callId"][..]),
        ("ccId=1&vdn=1&callId=../../etc", &["callId"][..]),
        ("ccId=1&vdn=1&callId=1-1%00", &["callId"][..]),
        ("ccId=1.5&vdn=1&callId=1-1", &["ccId"][..]),
    ] {
        rows.push(case(
            format!("sandbox end: ?{query}"),
            &t.signed_empty("DELETE", SANDBOX, query, now),
            Expect::Code("0100002", fields),
        ));
    }
    rows.push(case(
        "sandbox end: a call that does not exist",
        &t.signed_empty("DELETE", SANDBOX, "ccId=1&vdn=1&callId=1-999999", now),
        Expect::Code("0100001", &[]),
    ));
    rows.push(case(
        "sandbox list: query string not covered by the signature",
        &{
            let mut req = t.signed_empty("GET", SANDBOX, "limit=1", now);
            req.line = format!("GET {SANDBOX}?limit=2 HTTP/1.1").into_bytes();
            req
        },
        Expect::Status(401),
    ));
    rows.push(case(
        "sandbox add: 10,000 '[' as the body",
        &t.signed_post_to(SANDBOX, "[".repeat(10_000)),
        Expect::Code("0100002", &[]),
    ));
    rows.push(case(
        "sandbox add: arrays nested 7,000 deep in an unknown member (the record reader keeps the depth limit)",
        &t.signed_post_to(
            SANDBOX,
            format!(
                "{{\"x\":{},\"ccId\":1,\"vdn\":1,\"callId\":\"1-999998\"}}",
                nested_array(7_000)
            ),
        ),
        Expect::Code("0100002", &["recursion limit"]),
    ));
    rows.push(case(
        "sandbox add: duplicate key",
        &t.signed_post_to(
            SANDBOX,
            r#"{"ccId":1,"ccId":1,"vdn":1,"callId":"1-999997"}"#,
        ),
        Expect::Code("0100002", &[]),
    ));
    rows.push(case(
        "sandbox add: wrong types",
        &t.signed_post_to(SANDBOX, r#"{"ccId":true,"vdn":[],"callId":{}}"#),
        Expect::Code("0100002", &["ccId", "vdn", "callId"]),
    ));
    rows.push(case(
        "sandbox: unknown method",
        &t.signed_empty("FOO", SANDBOX, "", now),
        Expect::MethodNotAllowed("GET, POST, PUT, DELETE"),
    ));
    rows.push(case(
        "ping: garbage Authorization",
        &Req::new("GET", PING.as_bytes(), &t.host).header("Authorization", "auth-v2/x"),
        Expect::Status(401),
    ));
    rows.push(case(
        "ping: Authorization repeated",
        &{
            let req = t.signed_empty("GET", PING, "", now);
            let value = req.headers.last().map(|(_, v)| v.clone()).unwrap();
            req.header("Authorization", value)
        },
        Expect::Status(401),
    ));
    rows.push(case(
        "ping: signature 20 minutes old",
        &t.signed_empty("GET", PING, "", now - Duration::from_secs(20 * 60)),
        Expect::Status(401),
    ));
    rows.push(case(
        "ping: valid signature",
        &t.signed_empty("GET", PING, "", now),
        OK,
    ));

    // --- Oversized heads ------------------------------------------------------------------
    rows.push(case(
        "oversized header: one 200 KiB value",
        &t.signed(&valid).header("X-Big", "a".repeat(200 * 1024)),
        Expect::Status(431),
    ));
    rows.push(case(
        "oversized header: 200 headers",
        &(0..200).fold(t.signed(&valid), |req, i| {
            req.header(&format!("X-H{i}"), "a")
        }),
        Expect::Status(431),
    ));
    rows.push(case(
        "large header: one 32 KiB value (within limits)",
        &t.signed(&valid).header("X-Big", "a".repeat(32 * 1024)),
        OK,
    ));
    rows.push(case(
        "oversized request line: 200 KiB path",
        &{
            let mut req = t.signed(&valid);
            req.line = format!("POST /{} HTTP/1.1", "a".repeat(200 * 1024)).into_bytes();
            req
        },
        Expect::Status(431),
    ));

    // --- Heads that never arrive ------------------------------------------------------------
    rows.push(
        raw_case(
            "silent connection: nothing sent",
            Vec::new(),
            Expect::HeadTimeout,
        )
        .within(REQUEST_TIMEOUT + MARGIN),
    );
    rows.push(
        raw_case(
            "half a head, then silence",
            [&b"POST "[..], path, b" HTTP/1.1\r\nHost: x\r\n"].concat(),
            Expect::HeadTimeout,
        )
        .within(REQUEST_TIMEOUT + MARGIN),
    );
    rows
}

/// What happened to one case.
struct Observed {
    status: Option<u16>,
    code: Option<String>,
    elapsed: Duration,
    /// For floods: bytes written when the answer arrived.
    written: Option<usize>,
}

impl Observed {
    /// What came back, in words, for the record.
    fn got(&self) -> String {
        match (self.status, &self.code) {
            (None, _) => "closed".into(),
            (Some(status), Some(code)) => format!("{status} {code}"),
            (Some(status), None) => format!("HTTP {status}"),
        }
    }
}

async fn run_case(t: &Target, case: &Case) -> Result<Observed, String> {
    let started = Instant::now();
    let deadline = started + case.within;
    let (outcome, written, closed_after) = match &case.send {
        Send::Bytes(bytes) => {
            let mut stream = TcpStream::connect(t.address)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            // A failed write means the server answered and closed early; read what it said.
            let _ = stream.write_all(bytes).await;
            let outcome = read_response(&mut stream, started, deadline).await;
            let closed_after = if matches!(case.expect, Expect::HeadTimeout) {
                Some(closed_soon(&mut stream).await)
            } else {
                None
            };
            (outcome, None, closed_after)
        }
        Send::Flood { head, chunk, total } => {
            let (outcome, written) = flood(t.address, head, chunk, *total, case.within).await?;
            (outcome, Some(written), None)
        }
    };
    let response = match &outcome {
        RawOutcome::Response(response) => response,
        RawOutcome::Closed { elapsed, error, .. } => {
            if matches!(case.expect, Expect::HeadTimeout) && *elapsed <= REQUEST_TIMEOUT + MARGIN {
                return Ok(Observed {
                    status: None,
                    code: None,
                    elapsed: *elapsed,
                    written,
                });
            }
            return Err(format!(
                "closed after {elapsed:?} without an answer ({error:?})"
            ));
        }
        RawOutcome::TimedOut { received } => {
            return Err(format!(
                "no answer within {:?} ({received} bytes received)",
                case.within
            ));
        }
    };
    let observed = Observed {
        status: Some(response.status),
        code: response.result_code(),
        elapsed: response.elapsed,
        written,
    };
    check_expectation(case, response, closed_after)?;
    Ok(observed)
}

/// Whether `response` is what `case` expects; `closed_after` says whether the connection
/// was closed after it (checked for head timeouts only).
fn check_expectation(
    case: &Case,
    response: &RawResponse,
    closed_after: Option<bool>,
) -> Result<(), String> {
    let got_code = response.result_code();
    let describe = || {
        // A call object is not printed: it holds phone numbers.
        let desc = response
            .json()
            .and_then(|v| {
                v.get("resultDesc").or_else(|| v.get("message")).map(|d| {
                    if d.is_object() {
                        "<a call>".to_owned()
                    } else {
                        d.to_string()
                    }
                })
            })
            .unwrap_or_default();
        format!(
            "got HTTP {} {:?} {desc} after {:?}",
            response.status, got_code, response.elapsed
        )
    };
    if response.status >= 500 {
        return Err(format!("5xx! {}", describe()));
    }
    match &case.expect {
        Expect::Status(status) => {
            if response.status != *status {
                return Err(format!("expected HTTP {status}, {}", describe()));
            }
            // 400 and 431 from the HTTP parser carry no body.
            if !matches!(status, 400 | 431) {
                check_spring_body(response, *status)?;
            }
        }
        Expect::MethodNotAllowed(allow) => {
            if response.status != 405 || response.header("allow").as_deref() != Some(allow) {
                return Err(format!(
                    "expected 405 with Allow: {allow}, {} Allow {:?}",
                    describe(),
                    response.header("allow")
                ));
            }
        }
        Expect::Code(code, words) => {
            if response.status != 200 || got_code.as_deref() != Some(code) {
                return Err(format!("expected 200 {code}, {}", describe()));
            }
            let desc = response
                .json()
                .and_then(|v| v.get("resultDesc").map(ToString::to_string))
                .unwrap_or_default();
            let mut from = 0;
            for word in *words {
                match desc[from..].find(word) {
                    Some(at) => from += at + word.len(),
                    None => {
                        return Err(format!(
                            "resultDesc does not name {word:?} (in order): {desc}"
                        ));
                    }
                }
            }
        }
        Expect::HeadTimeout => {
            if response.status != 408 || response.elapsed > REQUEST_TIMEOUT + MARGIN {
                return Err(format!("expected 408 from the HTTP layer, {}", describe()));
            }
            if closed_after != Some(true) {
                return Err("the connection stayed open after the head timeout".into());
            }
        }
        Expect::BodyTimeout => {
            if response.status != 408 {
                return Err(format!("expected 408, {}", describe()));
            }
            check_spring_body(response, 408)?;
            if response.elapsed < REQUEST_TIMEOUT.mul_f64(0.9) {
                return Err(format!("408 too early: {}", describe()));
            }
        }
    }
    if let Some(check) = case.check {
        check(response)?;
    }
    Ok(())
}

/// The Spring error body: `status` and `message`, and no internals.
fn check_spring_body(response: &RawResponse, status: u16) -> Result<(), String> {
    let body = response
        .json()
        .ok_or_else(|| format!("HTTP {status} without a JSON body"))?;
    if body["status"] != status || !body["message"].is_string() {
        return Err(format!("HTTP {status} with body {body}"));
    }
    Ok(())
}

/// Whether the server closes the connection within a few seconds (EOF or reset).
async fn closed_soon(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buffer = [0_u8; 1024];
    let deadline = Instant::now() + MARGIN;
    loop {
        match tokio::time::timeout_at(deadline.into(), stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

/// Writes `head`, then `chunk` repeatedly up to `total` bytes, while reading the answer;
/// returns the answer and how many bytes had been written when it arrived.
async fn flood(
    address: SocketAddr,
    head: &[u8],
    chunk: &[u8],
    total: usize,
    within: Duration,
) -> Result<(RawOutcome, usize), String> {
    let started = Instant::now();
    let stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (mut reader, mut writer) = stream.into_split();
    let written = Arc::new(AtomicUsize::new(0));
    let counter = written.clone();
    let (head, chunk) = (head.to_vec(), chunk.to_vec());
    let writing = tokio::spawn(async move {
        if writer.write_all(&head).await.is_err() {
            return;
        }
        let mut sent = 0;
        while sent < total {
            if writer.write_all(&chunk).await.is_err() {
                return;
            }
            sent += chunk.len();
            counter.store(sent, Ordering::Relaxed);
        }
    });
    let outcome = read_response(&mut reader, started, started + within).await;
    let at_answer = written.load(Ordering::Relaxed);
    writing.abort();
    // `at_answer` counts what the kernel accepted (socket buffers hold megabytes on
    // loopback), not what the server read; the answer time is what shows it did not wait.
    Ok((outcome, at_answer))
}

async fn healthy(address: SocketAddr) -> Result<Duration, String> {
    let outcome = raw_exchange(
        address,
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        ANSWER_WITHIN,
    )
    .await
    .map_err(|e| format!("/healthz: {e}"))?;
    match outcome.response() {
        Some(response) if response.status == 200 => Ok(response.elapsed),
        _ => Err(format!("/healthz answered {outcome:?}")),
    }
}

/// Figures of the slow-loris run.
struct Loris {
    connections: usize,
    closed: usize,
    first_close: Duration,
    last_close: Duration,
    others_served: usize,
    others_served_before_first_close: usize,
    others_slowest: Duration,
}

/// `connections` clients trickle a request head a byte every 200 ms. Every one must be
/// closed after the head timeout (408 from the HTTP layer, then the close), and another
/// client must be served all along: several of its queries complete while every slow
/// connection is still open.
async fn slow_loris(t: &Target, connections: usize) -> Result<Loris, String> {
    let head = format!(
        "POST {QUERY_BASIC_CALL_INFO_PATH} HTTP/1.1\r\nHost: {}\r\nX-Pad: {}\r\n\r\n",
        t.host,
        "a".repeat(200)
    )
    .into_bytes();
    let attack = Instant::now();
    let mut lorises = Vec::new();
    for _ in 0..connections {
        let head = head.clone();
        let address = t.address;
        lorises.push(tokio::spawn(async move {
            let stream = TcpStream::connect(address)
                .await
                .map_err(|e| e.to_string())?;
            let (mut reader, mut writer) = stream.into_split();
            let writing = tokio::spawn(async move {
                for byte in head {
                    if writer.write_all(&[byte]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            });
            let outcome =
                read_response(&mut reader, attack, attack + REQUEST_TIMEOUT + MARGIN).await;
            let closed = match outcome {
                RawOutcome::Response(response) if response.status == 408 => {
                    closed_soon(&mut reader).await
                }
                RawOutcome::Closed { .. } => true,
                other => return Err(format!("slow-loris connection: {other:?}")),
            };
            writing.abort();
            if !closed {
                return Err("a slow-loris connection stayed open after its 408".into());
            }
            Ok(attack.elapsed())
        }));
    }
    // Meanwhile, another client is served.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut served_at = Vec::new();
    let mut others_slowest = Duration::ZERO;
    while attack.elapsed() < REQUEST_TIMEOUT + Duration::from_millis(500) {
        let outcome = raw_exchange(t.address, &t.signed(t.valid_body()).bytes(), ANSWER_WITHIN)
            .await
            .map_err(|e| e.to_string())?;
        match outcome.response() {
            Some(response) if response.result_code().as_deref() == Some("0100000") => {
                others_slowest = others_slowest.max(response.elapsed);
                served_at.push(attack.elapsed());
            }
            _ => {
                return Err(format!(
                    "a query during the slow-loris attack got {outcome:?}"
                ));
            }
        }
        others_slowest = others_slowest.max(healthy(t.address).await?);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut closes = Vec::new();
    for loris in lorises {
        closes.push(loris.await.map_err(|e| e.to_string())??);
    }
    let first_close = closes.iter().min().copied().unwrap_or_default();
    let last_close = closes.iter().max().copied().unwrap_or_default();
    let before_first_close = served_at.iter().filter(|at| **at < first_close).count();
    if before_first_close < 3 {
        return Err(format!(
            "only {before_first_close} other queries were answered while the slow connections were open (served at {served_at:?}, first close {first_close:?})"
        ));
    }
    if last_close > REQUEST_TIMEOUT + MARGIN {
        return Err(format!(
            "a slow-loris connection was closed only after {last_close:?}"
        ));
    }
    Ok(Loris {
        connections,
        closed: closes.len(),
        first_close,
        last_close,
        others_served: served_at.len(),
        others_served_before_first_close: before_first_close,
        others_slowest,
    })
}

/// Requests the server counted as `0100999` or under an unlisted HTTP status.
async fn unknown_outcomes(address: SocketAddr) -> f64 {
    let metrics = fetch_plain(address).await.unwrap();
    metric_samples(&metrics, "calldata_requests_total")
        .iter()
        .filter(|(labels, _)| labels.contains("0100999") || labels.contains("\"other\""))
        .fold(0.0, |total, (_, v)| total + v)
}

/// The slow-loris row of the cases table and its figures.
fn loris_record(
    loris: &Result<Loris, String>,
    health: &Result<Duration, String>,
) -> (Value, Value) {
    let name =
        "slow-loris: 16 connections sending a head byte every 200 ms, while another client queries";
    let expected =
        "each closed after the head timeout; the other client served while they are open";
    if let (Ok(l), Ok(_)) = (loris, health) {
        let got = format!(
            "{} of {} closed by {} ms; {} other queries served, {} while all were open",
            l.closed,
            l.connections,
            l.last_close.as_millis(),
            l.others_served,
            l.others_served_before_first_close
        );
        let figures = json!({
            "connections": l.connections,
            "closed": l.closed,
            "firstCloseMs": l.first_close.as_millis(),
            "lastCloseMs": l.last_close.as_millis(),
            "headTimeoutMs": REQUEST_TIMEOUT.as_millis(),
            "otherQueriesServed": l.others_served,
            "otherQueriesServedWhileAllSlowConnectionsOpen": l.others_served_before_first_close,
            "otherClientsSlowestMs": l.others_slowest.as_millis(),
        });
        (row(name, expected, &got, l.last_close, true), figures)
    } else {
        let why = [loris.as_ref().err(), health.as_ref().err()]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join("; then ");
        let figures = json!({"held": false, "why": why});
        (row(name, expected, &why, Duration::ZERO, false), figures)
    }
}

/// One row of the cases table in the record.
fn row(case: &str, expected: &str, got: &str, elapsed: Duration, held: bool) -> Value {
    json!({"case": case, "expected": expected, "got": got, "ms": elapsed.as_millis(), "held": held})
}

/// Results of the table so far.
#[derive(Default)]
struct Tally {
    results: Vec<Value>,
    failures: Vec<String>,
    max_answer: Duration,
}

impl Tally {
    /// Runs one case, then checks the server is still healthy.
    async fn run(&mut self, target: &Target, case: &Case) {
        let result = run_case(target, case).await;
        let health = healthy(target.address).await;
        if let (Ok(observed), Ok(_)) = (&result, &health) {
            self.max_answer = self.max_answer.max(observed.elapsed);
            let got = match observed.written {
                Some(written) => format!("{} ({written} bytes written by then)", observed.got()),
                None => observed.got(),
            };
            self.results.push(row(
                &case.name,
                &case.expect.describe(),
                &got,
                observed.elapsed,
                true,
            ));
        } else {
            let why = [result.as_ref().err(), health.as_ref().err()]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join("; then ");
            self.failures.push(format!("{}: {why}", case.name));
            self.results.push(row(
                &case.name,
                &case.expect.describe(),
                &why,
                Duration::ZERO,
                false,
            ));
        }
    }
}

/// The server under test: plain HTTP, short request timeout, lockout out of the way.
async fn start_target() -> (tempfile::TempDir, Process, Target, StderrTail) {
    let data = tempfile::tempdir().unwrap();
    let timeout_ms = REQUEST_TIMEOUT.as_millis().to_string();
    let (mut server, address) = start_plain_server(
        data.path(),
        "127.0.0.1:0",
        &[
            "--workers",
            "2",
            "--client-request-timeout-ms",
            &timeout_ms,
            // Many rows are refused signatures; the lockout is tested elsewhere.
            "--lockout-max-failures",
            "1000000",
            "--log-filter",
            "warn",
        ],
    )
    .await
    .unwrap();
    let logs = server.drain_stderr(200);
    let (ak, sk) = demo_credentials(data.path()).unwrap();
    let target = Target {
        address,
        host: address.to_string(),
        ak,
        sk,
        key: sample_keys(&DemoSettings::default(), 1)[0],
    };
    (data, server, target, logs)
}

/// Cases where the server departs from docs/api.md today; each expects the documented answer.
fn deviation_cases(t: &Target) -> Vec<Case> {
    let (cc, vdn, call_id) = (t.key.cc_id, t.key.vdn, t.key.call_id);
    let mut body = b"{\"note\":\"\xc3\x28\xff\",".to_vec();
    body.extend_from_slice(
        format!("\"ccId\":{cc},\"vdn\":{vdn},\"callId\":\"{call_id}\"}}").as_bytes(),
    );
    vec![case(
        "non-UTF-8 bytes inside an unknown member's string (docs/api.md: invalid JSON is 0100002)",
        &t.signed(body),
        NOT_JSON,
    )]
}

/// Bodies that are not valid JSON text even though every known field is fine (invalid UTF-8
/// inside an unknown member) are refused like any other invalid JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_that_are_not_valid_json_text_are_refused_even_in_unknown_members() {
    let (_data, mut server, target, _logs) = start_target().await;
    let mut tally = Tally::default();
    for case in &deviation_cases(&target) {
        tally.run(&target, case).await;
    }
    assert_eq!(server.stop("TERM").await.unwrap(), Some(0));
    assert!(tally.failures.is_empty(), "{}", tally.failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_their_documented_answers_and_the_server_stays_healthy() {
    let (_data, mut server, target, logs) = start_target().await;
    let address = target.address;
    let started = Instant::now();
    let table = cases(&target);
    let mut tally = Tally::default();
    for case in &table {
        tally.run(&target, case).await;
    }
    let Tally {
        mut results,
        mut failures,
        max_answer,
    } = tally;

    let loris = slow_loris(&target, 16).await;
    let loris_health = healthy(address).await;
    let (loris_row, loris_figures) = loris_record(&loris, &loris_health);
    if loris_row["held"] != true {
        failures.push(format!("slow-loris: {}", loris_row["got"]));
    }
    results.push(loris_row);

    let unknown_errors = unknown_outcomes(address).await;
    if unknown_errors > 0.0 {
        failures.push(format!(
            "{unknown_errors} requests answered 0100999 or an unlisted status"
        ));
    }

    let cases_tried = results.len();
    let held = results.iter().filter(|r| r["held"] == true).count();
    let server_errors = failures.iter().filter(|f| f.contains("5xx!")).count();
    let exit = server.stop("TERM").await.unwrap();
    write_reliability_record(
        "hostile",
        json!({
            "what": "hostile requests over raw TCP (plain HTTP) against the calldata-server binary; every case also checks /healthz 200 afterwards; cases in hostile_cases",
            "casesTried": cases_tried,
            "casesHeld": held,
            "serverErrors5xx": server_errors,
            "unknownErrors0100999": unknown_errors,
            "maxAnswerMs": max_answer.as_millis(),
            "requestTimeoutMs": REQUEST_TIMEOUT.as_millis(),
            "slowLoris": loris_figures,
            "serverExitCode": exit,
            "durationMs": started.elapsed().as_millis(),
        }),
    )
    .unwrap();
    write_reliability_table("hostile_cases", results).unwrap();
    assert!(
        failures.is_empty(),
        "{} of {cases_tried} hostile cases failed:\n{}\n--- server log tail ---\n{}",
        failures.len(),
        failures.join("\n"),
        logs.lines().join("\n")
    );
    assert_eq!(held, cases_tried);
    assert_eq!(exit, Some(0));
}
