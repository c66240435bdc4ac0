//! The CC-CMS call-data open API in types: every interface's description
//! ([`INTERFACES`], [`Operation`]), requests, call record, enums, result codes, response
//! envelopes and the `auth-v2` request signature.
//!
//! Invariant: this crate does no I/O and knows nothing of HTTP frameworks (actix, reqwest).
//! Everything here is a pure function over bytes and values, shared by the server, the
//! client and the BMS adapter.
//!
//! ```
//! use std::time::SystemTime;
//! use calldata_model::QueryBasicCallInfo;
//! use calldata_model::auth::{Credentials, SignableRequest, SigningOptions, VerifyPolicy, sign, verify};
//!
//! // A caller builds and signs a request ...
//! let body = br#"{"ccId":1,"vdn":1,"callId":"1659513159000-546750"}"#;
//! let headers = [
//!     ("host", "127.0.0.1:8443".to_owned()),
//!     ("content-type", "application/json;charset=UTF-8".to_owned()),
//!     ("content-length", body.len().to_string()),
//! ];
//! let request = SignableRequest {
//!     method: "POST",
//!     path: calldata_model::QUERY_BASIC_CALL_INFO_PATH,
//!     query: "",
//!     headers: &headers,
//!     body,
//! };
//! let credentials = Credentials::new("my-ak", "my-sk");
//! let now = SystemTime::now();
//! let signature = sign(&credentials, &request, &SigningOptions::default(), now)?;
//!
//! // ... and a server checks it over the raw bytes, then validates the body.
//! let verified = verify(Some(&signature.authorization), &request, &credentials, &VerifyPolicy::default(), now)?;
//! assert_eq!(verified.access_key, "my-ak");
//! let key = QueryBasicCallInfo::parse(body)?;
//! assert_eq!(key.call_id.as_str(), "1659513159000-546750");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod auth;
pub mod call;
pub mod call_fields;
pub mod call_id;
pub mod enums;
pub mod envelope;
pub mod ids;
pub mod interface;
pub mod interfaces;
pub mod lenient;
pub mod local_server;
pub mod request;
pub mod result_code;

pub use call::BasicCallInfo;
pub use call_fields::{CallField, CallFieldSink};
pub use call_id::{CallId, CallIdError, CallStart};
pub use enums::{CallFeature, DeviceType, EnterReason, MediaType};
pub use envelope::{ApiReply, DecodeError, Envelope, FailureResponse, read_envelope, read_reply};
pub use ids::{CcId, Vdn};
pub use interface::{CtiSupport, EnvelopeKind, Interface, Operation, Scope};
pub use interfaces::{INTERFACES, Ping, PingEcho, interface_at};
pub use request::{CallKey, FieldViolation, InvalidRequest, QueryBasicCallInfo};
pub use result_code::ResultCode;

/// Path of `querybasiccallinfo`, as the CC-CMS serves it.
pub const QUERY_BASIC_CALL_INFO_PATH: &str = <QueryBasicCallInfo as Operation>::INTERFACE.path;

/// The content type of every JSON body of the API, requests and answers alike (servers
/// also accept any spelling of `application/json` with the charset absent or UTF-8).
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Path of the signed `ping`.
pub const PING_PATH: &str = <Ping as Operation>::INTERFACE.path;
