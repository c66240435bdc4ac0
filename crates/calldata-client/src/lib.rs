//! `calldata-client`: a client of the CC-CMS call-data open API (`querybasiccallinfo`,
//! the signed `ping`), and the `calldata` command-line tool built on it.
//!
//! The client validates a query with the model before anything is sent, signs every
//! attempt afresh with `auth-v2` over the exact bytes it sends, reads any CC-CMS version's
//! reply tolerantly, and retries transport faults and `0100001` with jittered backoff.
//! Every interface goes through one generic call driven by the model's
//! [`Operation`](calldata_model::Operation); each public method is one line over it.
//!
//! Invariant: the wire contract (types, validation, signing, reply reading) lives in
//! `calldata-model`; this crate adds only HTTP, retries and the CLI. It knows nothing of
//! the server's internals.
//!
//! Invalid input is refused before any network call, so this runs anywhere:
//!
//! ```
//! use calldata_client::{Client, Credentials, Error, RetryPolicy};
//!
//! let client = Client::builder()
//!     .base_url("https://127.0.0.1:8443")
//!     .credentials(Credentials::new("my-ak", "my-sk"))
//!     .retry_policy(RetryPolicy::none())
//!     .build()?;
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let refused = runtime.block_on(client.query_basic_call_info(1, 9999, "1659513159000-546750"));
//! assert!(matches!(refused, Err(Error::InvalidRequest(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Against a server (a local `cargo run -p calldata-server` prints its demo key and CA):
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
//!     Err(error) => return Err(error),
//! }
//! # Ok(())
//! # }
//! ```

mod builder;
mod client;
mod error;
mod retry;
pub mod signing;

pub use builder::{
    AK_ENV, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, SK_ENV,
};
pub use client::{Client, FoundCall};
pub use error::{EXCERPT_CHARS, Error, HttpStatus, TransportKind};
pub use retry::RetryPolicy;

/// The model crate, for the call record's enums and the other wire types.
pub use calldata_model as model;
pub use calldata_model::auth::{Credentials, QueryLine, SigningOptions, TimestampPrecision};
pub use calldata_model::{
    BasicCallInfo, CallKey, InvalidRequest, PING_PATH, Ping, PingEcho, ResultCode,
};
