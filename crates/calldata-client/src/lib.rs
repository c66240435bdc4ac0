//! `calldata-client`: a client of the Huawei CC-CMS call-data open API
//! (`querybasiccallinfo`, the signed `ping`).
//!
//! The client validates a query with [`calldata_model`] before anything is sent, signs
//! every attempt afresh with `auth-v2` over the exact bytes it sends, reads any CC-CMS
//! version's reply tolerantly, and retries transport faults and `0100001` BMS failures
//! with jittered backoff.
//!
//! # Guide
//!
//! 1. **Build** one [`Client`] per server with [`Client::builder`]: the base URL, the
//!    [`Credentials`] (or [`ClientBuilder::credentials_from_env`]), a private CA with
//!    [`ClientBuilder::ca_cert_file`], and optionally timeouts and a [`RetryPolicy`].
//!    Building checks the settings ([`Error::Config`]); the client is cheap to clone and
//!    meant to be shared.
//! 2. **Query**: [`Client::query_basic_call_info`] with the three IDs, or [`Client::query`]
//!    with a [`CallKey`] you validated yourself; [`Client::query_with_body`] also keeps the
//!    response body. The answer is a [`BasicCallInfo`]; its coded fields use the enums of
//!    [`model::enums`].
//! 3. **Handle [`Error`]**: [`Error::is_not_found`] (the call is not, or no longer, in
//!    progress), [`Error::is_auth_refused`] (check the keys and the clock),
//!    [`Error::is_retryable`] (what the client already retried, still failing), or match
//!    the variants: [`Error::InvalidRequest`] means nothing was sent.
//!
//! This runs as it is written, against a local stand-in that answers like a CC-CMS
//! (one call in progress, `0100001` for any other):
//!
//! ```
//! use calldata_client::{Client, Credentials, Error, RetryPolicy};
//!
//! # mod stand_in {
//! #     use std::io::{BufRead, BufReader, Read, Write};
//! #     /// Answers every request on a thread of its own, one connection per request.
//! #     pub fn start() -> std::io::Result<String> {
//! #         let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! #         let url = format!("http://{}", listener.local_addr()?);
//! #         std::thread::spawn(move || {
//! #             for stream in listener.incoming().flatten() {
//! #                 let _ = answer(stream);
//! #             }
//! #         });
//! #         Ok(url)
//! #     }
//! #     fn answer(stream: std::net::TcpStream) -> std::io::Result<()> {
//! #         let mut reader = BufReader::new(stream.try_clone()?);
//! #         let mut length = 0;
//! #         loop {
//! #             let mut line = String::new();
//! #             reader.read_line(&mut line)?;
//! #             if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
//! #                 length = value.trim().parse().unwrap_or(0);
//! #             }
//! #             if line == "\r\n" || line.is_empty() {
//! #                 break;
//! #             }
//! #         }
//! #         let mut body = vec![0; length];
//! #         reader.read_exact(&mut body)?;
//! #         let reply = if String::from_utf8_lossy(&body).contains("1659513159000-546750") {
//! #             r#"{"resultCode":"0100000","resultDesc":{"callId":"1659513159000-546750","callingNum":"88880001","calledNum":"70001"}}"#
//! #         } else {
//! #             r#"{"resultCode":"0100001","resultDesc":"call not found or no longer in progress"}"#
//! #         };
//! #         write!(
//! #             &stream,
//! #             "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
//! #             reply.len()
//! #         )
//! #     }
//! # }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let base_url = stand_in::start()?; // in real use: "https://cms.example:8443"
//! let client = Client::builder()
//!     .base_url(base_url)
//!     .credentials(Credentials::new("my-ak", "my-sk"))
//!     .retry_policy(RetryPolicy::none())
//!     .build()?;
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! runtime.block_on(async {
//!     // Found: the call's basic information.
//!     let call = client.query_basic_call_info(1, 1, "1659513159000-546750").await?;
//!     assert_eq!(call.calling_num, "88880001");
//!
//!     // Not (or no longer) in progress: an answer to handle, not a failure to retry.
//!     match client.query_basic_call_info(1, 1, "1659513159000-546751").await {
//!         Err(error) if error.is_not_found() => {}
//!         other => panic!("expected not found, got {other:?}"),
//!     }
//!
//!     // Invalid IDs (vdn is 1..=5000): refused before anything is sent.
//!     let refused = client.query_basic_call_info(1, 9999, "1659513159000-546750").await;
//!     assert!(matches!(refused, Err(Error::InvalidRequest(_))));
//!     Ok::<(), Error>(())
//! })?;
//! # Ok(())
//! # }
//! ```
//!
//! Against a real server, trust its CA and check the key with the signed ping first (a
//! local `cargo run -p calldata-server` prints its demo key and CA):
//!
//! ```no_run
//! use calldata_client::{Client, Credentials};
//!
//! # async fn run() -> Result<(), calldata_client::Error> {
//! let client = Client::builder()
//!     .base_url("https://127.0.0.1:8443")
//!     .credentials(Credentials::new("my-ak", "my-sk"))
//!     .ca_cert_file("ca.pem")
//!     .build()?;
//! let echo = client.ping_empty().await?; // signed, so it checks the key too
//! assert_eq!(echo.status, "UP");
//! match client.query_basic_call_info(1, 1, "1659513159000-546750").await {
//!     Ok(call) => println!("{} -> {}", call.calling_num, call.called_num),
//!     Err(error) if error.is_not_found() => println!("no such call in progress"),
//!     Err(error) if error.is_auth_refused() => eprintln!("check the keys and the clock: {error}"),
//!     Err(error) => return Err(error),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! To send with an HTTP client of your own, [`signing::sign_request`] gives the headers
//! and the `Authorization` value of a request, exactly as this client sends them.
//!
//! # Features
//!
//! None by default: the library alone. `cli` builds the `calldata` command-line tool
//! (`cargo install calldata-client --features cli`) and adds what only it needs (clap,
//! comfy-table, local time, and ratatui with crossterm for `calldata watch`).
//!
//! # Versions
//!
//! The minimum supported Rust version is 1.95. `calldata-client` and `calldata-model` are
//! released together with the same version number; the client re-exports the model as
//! [`model`], so one dependency is enough. A screen-pop flow (agent → its current call →
//! the call's basic information) comes with the real-time interfaces; see the changelog.
//!
//! Invariant: the wire contract (types, validation, signing, reply reading) lives in
//! `calldata-model`; this crate adds only HTTP and retries (and the CLI). It knows nothing
//! of the server's internals.

// A public item whose type cannot be named from outside is an internal that leaked.
#![warn(unnameable_types)]

mod builder;
mod client;
mod error;
mod retry;
mod sandbox;
pub mod signing;

pub use builder::{
    AK_ENV, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, SK_ENV,
};
pub use client::{Client, FoundCall};
pub use error::{EXCERPT_CHARS, Error, HttpStatus, TransportKind};
pub use retry::RetryPolicy;
pub use sandbox::{SANDBOX_LIST_LIMIT, SandboxAgent, SandboxCall};

/// The model crate, for the call record's enums and the other wire types.
pub use calldata_model as model;
pub use calldata_model::auth::{Credentials, QueryLine, SigningOptions, TimestampPrecision};
pub use calldata_model::{
    AgentCall, AgentCalls, AgentGroupKey, AgentKey, BasicCallInfo, CallDetailRecord, CallDirection,
    CallKey, CallRecordKey, DetailCallInfo, InvalidRequest, PING_PATH, Ping, PingEcho, ResultCode,
    TrackKey, TrackRecord, VdnCallRow, VdnCalls, VdnCallsFields,
};

// The README's examples are compiled as doc tests, so the page crates.io shows stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
