//! The Huawei CC-CMS call-data open API in types: every interface's description
//! ([`INTERFACES`], [`Operation`]), requests, call record, enums, result codes, response
//! envelopes and the `auth-v2` request signature.
//!
//! Invariant: this crate does no I/O and knows nothing of HTTP frameworks (actix, reqwest).
//! Everything here is a pure function over bytes and values, shared by the server, the
//! client and the BMS adapter.
//!
//! # Guide
//!
//! - **Requests.** [`QueryBasicCallInfo`] is the body a caller sends;
//!   [`QueryBasicCallInfo::parse`] reads and validates one into a [`CallKey`] ([`CcId`],
//!   [`Vdn`], [`CallId`]), or says which fields broke which rule ([`InvalidRequest`]).
//! - **Answers.** [`BasicCallInfo`] is the call record (its coded fields are the enums of
//!   [`enums`], each keeping unknown codes); [`read_reply`] reads any CC-CMS version's reply
//!   into an [`ApiReply`], the payload or a [`ResultCode`] with its message; [`Envelope`]
//!   and [`FailureResponse`] write them.
//! - **Signing.** [`auth::sign`] (or a prepared [`auth::Signer`]) makes the `Authorization`
//!   value of a request, [`auth::verify`] checks one; both take the clock reading as an
//!   argument.
//! - **Interfaces.** [`INTERFACES`] lists every interface with its path, CTI support and
//!   envelope; each request body implements [`Operation`], which ties it to its answer.
//!
//! [`calldata-client`](https://docs.rs/calldata-client) is the HTTP client built on this
//! crate; use this one alone to sign from another HTTP stack, verify in a server of your
//! own, or read replies. Feature `openapi` derives `utoipa` schemas for the wire types.
//!
//! A caller signs a request and a server checks it:
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

// A public item whose type cannot be named from outside is an internal that leaked.
#![warn(unnameable_types)]

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
// Where a local calldata-server keeps its files: shared by the server and the `calldata`
// CLI of this workspace, not part of the API this crate promises.
#[doc(hidden)]
pub mod local_server;
pub mod request;
pub mod result_code;

pub use call::BasicCallInfo;
pub use call_fields::{CallField, CallFieldSink};
pub use call_id::{CallId, CallIdError, CallStart};
pub use enums::{
    CallDirection, CallFeature, CallStatus, CallType, DeviceType, EnterReason, MediaType,
};
pub use envelope::{
    ApiReply, DecodeError, Envelope, FailureResponse, Payload, PayloadShape, read_envelope,
    read_reply,
};
pub use ids::{AgentId, AgentIdOutOfRange, CcId, Vdn};
pub use interface::{CtiSupport, EnvelopeKind, Interface, Operation, Reach};
pub use interfaces::{
    AgentCall, AgentCalls, AgentFields, AgentGroupCalls, AgentGroupKey, AgentKey, AgentPrivateCall,
    CallDetailRecord, CallIds, CallRecordKey, CallTrack, CtiServerTime, CtiTime, DetailCallInfo,
    INTERFACES, Ping, PingEcho, QueryAgentCalls, QueryAgentGroupCalls, QueryCallDetailById,
    QueryCallTraceDetail, QueryDetailCallInfo, QueryVdnCalls, QueryVdnCallsV2, TrackKey,
    TrackRecord, VdnCallRow, VdnCalls, VdnCallsFields, VdnCallsQuery,
};
pub use request::{CallKey, FieldViolation, InvalidRequest, QueryBasicCallInfo};
pub use result_code::ResultCode;

/// Path of `querybasiccallinfo`, as the CC-CMS serves it.
pub const QUERY_BASIC_CALL_INFO_PATH: &str = <QueryBasicCallInfo as Operation>::INTERFACE.path;

/// The content type of every JSON body of the API, requests and answers alike (servers
/// also accept any spelling of `application/json` with the charset absent or UTF-8).
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Path of the signed `ping`.
pub const PING_PATH: &str = <Ping as Operation>::INTERFACE.path;

// The README's examples are compiled as doc tests, so the page crates.io shows stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
