//! Hostile requests against the real `calldata-server` binary over raw TCP (plain HTTP, so
//! every byte on the wire is ours), one file per topic, each a table of cases with the
//! status or result code each must get, run against one server process of its own. After
//! every case the server must still answer `/healthz` 200, and it must never answer 5xx.
//!
//! The signed pipeline (content type, body size and deadline, signature) and the HTTP layer
//! in front of it are the same for every interface, so every case aimed at an interface runs
//! over each signed interface of [`INTERFACES`], with the same expected refusal; only the
//! cases about `querybasiccallinfo`'s own body fields (`bodies`) stay on it.
//!
//! Topics: `bodies` (querybasiccallinfo's JSON: huge, deep, duplicate keys, wrong types,
//! bytes that are not text), `headers` (injection, bytes that are not text, content type),
//! `framing` (chunked bodies, lengths, smuggling, request lines), `signatures`
//! (`Authorization` and what it covers), `methods_and_paths`, `limits` (body and head sizes),
//! `timeouts` (heads and bodies that never arrive, slow-loris) and `sandbox`.

mod bodies;
mod framing;
mod headers;
mod limits;
mod methods_and_paths;
mod sandbox;
mod signatures;
mod timeouts;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use calldata_bms::DemoSettings;
use calldata_bms::embedded::sample_keys;
use calldata_e2e::{write_reliability_record, write_reliability_table};
use calldata_model::{CallKey, EnvelopeKind, INTERFACES, Interface, QUERY_BASIC_CALL_INFO_PATH};
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
/// The sandbox admin API.
const SANDBOX: &str = "/sandbox/v1/calls";

/// The server under test and what a request to it needs.
#[derive(Clone)]
struct Target {
    address: SocketAddr,
    host: String,
    ak: String,
    sk: String,
    key: CallKey,
    /// An inbound demo call the suite ended at its start: the record interfaces find it.
    ended: CallKey,
}

impl Target {
    /// Every signed interface, each as the cases reach it.
    fn endpoints(&self) -> impl Iterator<Item = Endpoint<'_>> {
        INTERFACES
            .iter()
            .map(|interface| Endpoint { t: self, interface })
    }

    /// `querybasiccallinfo`, for the cases about its own body.
    fn query(&self) -> Endpoint<'_> {
        self.endpoints()
            .find(|e| e.path() == QUERY_BASIC_CALL_INFO_PATH)
            .unwrap()
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

    /// A JSON POST of `body` to `path`, signed now.
    fn signed_post_to(&self, path: &str, body: impl AsRef<[u8]>) -> Req {
        let body = body.as_ref();
        let authorization = json_post_at(
            (&self.ak, &self.sk),
            &self.host,
            path,
            body,
            SystemTime::now(),
        );
        post(path, &self.host, body).header("Authorization", authorization)
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
}

/// An unsigned JSON POST of `body` to `path` on `host`.
fn post(path: &str, host: &str, body: &[u8]) -> Req {
    let mut req = Req::new("POST", path.as_bytes(), host)
        .header("Content-Type", "application/json;charset=UTF-8")
        .header("Content-Length", body.len().to_string());
    req.body = body.to_vec();
    req
}

/// One signed interface of [`INTERFACES`] as the cases reach it: its path, a valid body,
/// and requests to it built byte by byte.
#[derive(Clone, Copy)]
struct Endpoint<'t> {
    t: &'t Target,
    interface: &'static Interface,
}

impl Endpoint<'_> {
    fn name(&self) -> &'static str {
        self.interface.name
    }

    fn path(&self) -> &'static str {
        self.interface.path
    }

    /// The case name `what`, for this interface.
    fn named(&self, what: impl std::fmt::Display) -> String {
        format!("{}: {what}", self.name())
    }

    /// A body this interface answers with success: a new interface adds its own here, and
    /// every shared case then runs over it.
    fn valid_body(&self) -> String {
        match self.name() {
            "querybasiccallinfo" | "querydetailcallinfo" => self.t.body_with("", None),
            "ping" => r#"{"say":"Hello world!"}"#.to_owned(),
            "ctiservertime" => r#"{"ccId":1}"#.to_owned(),
            // An idle demo agent: the answer is `[]` either way.
            "queryagentcalls" | "agentprivatecall" => {
                r#"{"ccId":1,"vdn":1,"agentId":101}"#.to_owned()
            }
            "agentgroup/queryagentcalls" => r#"{"ccId":1,"vdn":1,"agentIds":[101,102]}"#.to_owned(),
            "querycalldetailbyid" => format!(
                r#"{{"ccId":{},"isCallin":"true","callId":"{}"}}"#,
                self.t.ended.cc_id, self.t.ended.call_id
            ),
            "vdn/querycalls" | "v2/vdn/querycalls" => {
                let now = epoch_ms(SystemTime::now());
                let yesterday = now / 86_400_000 * 86_400_000 - 86_400_000;
                format!(
                    r#"{{"ccId":{},"vdn":{},"isCallIn":"true","beginDate":{yesterday},"endDate":{now}}}"#,
                    self.t.ended.cc_id, self.t.ended.vdn
                )
            }
            "querycalltracedetail" => format!(
                r#"{{"ccId":{},"vdn":{},"callId":"{}","logDate":{}}}"#,
                self.t.ended.cc_id,
                self.t.ended.vdn,
                self.t.ended.call_id,
                epoch_ms(SystemTime::now())
            ),
            other => panic!("no valid body for interface {other}: add one to Endpoint::valid_body"),
        }
    }

    /// The valid body with one more member (raw JSON) in front of its own.
    fn valid_body_plus(&self, member: &str) -> String {
        format!("{{{member},{}", &self.valid_body()[1..])
    }

    /// What a valid request gets: `0100000` in an envelope, or the bare answer (which has
    /// no `resultCode`: only a failure envelope does).
    fn ok(&self) -> Expect {
        match self.interface.envelope {
            EnvelopeKind::Full | EnvelopeKind::Short => OK,
            EnvelopeKind::Bare => Expect::Bare,
        }
    }

    /// An unsigned JSON POST of `body`.
    fn post(&self, body: impl AsRef<[u8]>) -> Req {
        post(self.path(), &self.t.host, body.as_ref())
    }

    /// A JSON POST of `body` signed at `at`.
    fn signed_at(&self, body: impl AsRef<[u8]>, at: SystemTime) -> Req {
        let body = body.as_ref();
        let authorization = json_post_at(
            (&self.t.ak, &self.t.sk),
            &self.t.host,
            self.path(),
            body,
            at,
        );
        self.post(body).header("Authorization", authorization)
    }

    /// A JSON POST of `body` signed now.
    fn signed(&self, body: impl AsRef<[u8]>) -> Req {
        self.signed_at(body, SystemTime::now())
    }

    /// The valid body, signed now.
    fn valid(&self) -> Req {
        self.signed(self.valid_body())
    }

    /// An `Authorization` for a JSON POST of `body` that signs `content-type` and `host`
    /// only (for chunked bodies, which have no length).
    fn authorization_without_length(&self, body: &[u8]) -> String {
        authorization(
            (&self.t.ak, &self.t.sk),
            &self.t.host,
            ("POST", self.path(), body),
            &Options::now().headers(Headers::WithoutLength),
        )
    }

    /// Whether `response` is this interface's answer to a valid request.
    fn answered(&self, response: &RawResponse) -> bool {
        match self.ok() {
            Expect::Bare => is_bare_answer(response),
            _ => response.status == 200 && response.result_code().as_deref() == Some("0100000"),
        }
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
    /// HTTP 200 with an interface's bare answer: a JSON object without `resultCode`.
    Bare,
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
            Self::Bare => "200, the bare answer".into(),
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

/// `req` with its request line replaced by `line`.
fn with_line(mut req: Req, line: impl Into<Vec<u8>>) -> Req {
    req.line = line.into();
    req
}

/// `req` with its body replaced by `body` (the headers as they are).
fn with_body(mut req: Req, body: impl Into<Vec<u8>>) -> Req {
    req.body = body.into();
    req
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
        Expect::Bare => {
            if !is_bare_answer(response) {
                return Err(format!("expected the bare answer, {}", describe()));
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

/// HTTP 200 with a JSON object that is not a failure envelope (which always has a
/// `resultCode`).
fn is_bare_answer(response: &RawResponse) -> bool {
    response.status == 200
        && response
            .json()
            .is_some_and(|v| v.is_object() && v.get("resultCode").is_none())
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

/// Requests the server counted as `0100999` or under an unlisted HTTP status.
async fn unknown_outcomes(address: SocketAddr) -> f64 {
    let metrics = fetch_plain(address).await.unwrap();
    metric_samples(&metrics, "calldata_requests_total")
        .iter()
        .filter(|(labels, _)| labels.contains("0100999") || labels.contains("\"other\""))
        .fold(0.0, |total, (_, v)| total + v)
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
        self.record(case, &result, &health);
    }

    /// Runs `cases` all at once, each followed by its health check: for cases that wait
    /// out a server timeout, which would add up one after another.
    async fn run_at_once(&mut self, target: &Target, cases: Vec<Case>) {
        let target = Arc::new(target.clone());
        let running: Vec<_> = cases
            .into_iter()
            .map(|case| {
                let target = target.clone();
                tokio::spawn(async move {
                    let result = run_case(&target, &case).await;
                    let health = healthy(target.address).await;
                    (case, result, health)
                })
            })
            .collect();
        for task in running {
            let (case, result, health) = task.await.unwrap();
            self.record(&case, &result, &health);
        }
    }

    /// Adds what happened to `case` (and the health check after it) to the tally.
    fn record(
        &mut self,
        case: &Case,
        result: &Result<Observed, String>,
        health: &Result<Duration, String>,
    ) {
        if let (Ok(observed), Ok(_)) = (result, health) {
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

/// Epoch milliseconds of `at`.
fn epoch_ms(at: SystemTime) -> u128 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis())
}

/// Ends an inbound demo call other than `keep` through the sandbox, so that the record
/// interfaces have a record to answer; returns its key.
async fn end_an_inbound_call(address: SocketAddr, key: (&str, &str), keep: CallKey) -> CallKey {
    let ended = calldata_bms::demo_records(&DemoSettings::default())
        .take(50)
        .find(|record| {
            record.key != keep
                && record.extras.call_in_out != Some(calldata_model::CallDirection::Outbound)
        })
        .unwrap()
        .key;
    let target = format!(
        "/sandbox/v1/calls?ccId={}&vdn={}&callId={}",
        ended.cc_id, ended.vdn, ended.call_id
    );
    let host = address.to_string();
    let signature = authorization(
        key,
        &host,
        ("DELETE", &target, b""),
        &Options::now().headers(Headers::AsSent),
    );
    let request = format!(
        "DELETE {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {signature}\r\nConnection: close\r\n\r\n"
    );
    match raw_exchange(address, request.as_bytes(), Duration::from_secs(5)).await {
        Ok(RawOutcome::Response(response)) if response.status == 200 => ended,
        other => panic!("ending {ended:?} through the sandbox failed: {other:?}"),
    }
}

/// One topic's run: its own server (plain HTTP, short request timeout, lockout out of the
/// way), the cases' tally, and the server's log tail for a failure's message.
struct Suite {
    _data: tempfile::TempDir,
    server: Process,
    target: Target,
    logs: StderrTail,
    started: Instant,
    tally: Tally,
}

impl Suite {
    async fn start() -> Self {
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
        let key = sample_keys(&DemoSettings::default(), 1)[0];
        let ended = end_an_inbound_call(address, (&ak, &sk), key).await;
        let target = Target {
            address,
            host: address.to_string(),
            ak,
            sk,
            key,
            ended,
        };
        Self {
            _data: data,
            server,
            target,
            logs,
            started: Instant::now(),
            tally: Tally::default(),
        }
    }

    /// Runs `cases` one after another.
    async fn run(&mut self, cases: &[Case]) {
        for case in cases {
            self.tally.run(&self.target, case).await;
        }
    }

    /// Runs `cases` all at once (see [`Tally::run_at_once`]).
    async fn run_at_once(&mut self, cases: Vec<Case>) {
        self.tally.run_at_once(&self.target, cases).await;
    }

    /// Checks that no request was counted as `0100999` or an unlisted status, stops the
    /// server, writes the records `hostile_<topic>` (with `figures` added) and
    /// `hostile_<topic>_cases`, and fails on any case that did not hold.
    async fn finish(self, topic: &str, figures: Value) {
        let Self {
            _data,
            mut server,
            target,
            logs,
            started,
            tally,
        } = self;
        let Tally {
            results,
            mut failures,
            max_answer,
        } = tally;
        let unknown_errors = unknown_outcomes(target.address).await;
        if unknown_errors > 0.0 {
            failures.push(format!(
                "{unknown_errors} requests answered 0100999 or an unlisted status"
            ));
        }
        let cases_tried = results.len();
        let held = results.iter().filter(|r| r["held"] == true).count();
        let server_errors = failures.iter().filter(|f| f.contains("5xx!")).count();
        let exit = server.stop("TERM").await.unwrap();
        let mut record = json!({
            "what": format!("hostile requests ({topic}) over raw TCP (plain HTTP) against the calldata-server binary, each aimed at an interface sent to every signed interface; every case also checks /healthz 200 afterwards; cases in hostile_{topic}_cases"),
            "casesTried": cases_tried,
            "casesHeld": held,
            "serverErrors5xx": server_errors,
            "unknownErrors0100999": unknown_errors,
            "maxAnswerMs": max_answer.as_millis(),
            "requestTimeoutMs": REQUEST_TIMEOUT.as_millis(),
            "serverExitCode": exit,
            "durationMs": started.elapsed().as_millis(),
        });
        if let (Some(record), Value::Object(figures)) = (record.as_object_mut(), figures) {
            record.extend(figures);
        }
        write_reliability_record(&format!("hostile_{topic}"), record).unwrap();
        write_reliability_table(&format!("hostile_{topic}_cases"), results).unwrap();
        assert!(
            failures.is_empty(),
            "{} of {cases_tried} hostile cases ({topic}) failed:\n{}\n--- server log tail ---\n{}",
            failures.len(),
            failures.join("\n"),
            logs.lines().join("\n")
        );
        assert_eq!(held, cases_tried);
        assert_eq!(exit, Some(0));
    }
}

/// A JSON value nested `depth` times in arrays: `[[[...0...]]]`.
fn nested_array(depth: usize) -> String {
    format!("{}0{}", "[".repeat(depth), "]".repeat(depth))
}
