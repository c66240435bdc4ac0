//! The CC-CMS call-data open API in types: request, call record, enums, result codes,
//! response envelopes and the `auth-v2` request signature.
//!
//! Invariant: this crate does no I/O and knows nothing of HTTP frameworks (actix, reqwest).
//! Everything here is a pure function over bytes and values, shared by the server, the
//! client and the BMS adapter.

pub mod auth;
pub mod call;
pub mod call_id;
pub mod enums;
pub mod envelope;
pub mod ids;
pub mod lenient;
pub mod request;
pub mod result_code;

pub use call::BasicCallInfo;
pub use call_id::{CallId, CallIdError, CallStart};
pub use enums::{CallFeature, DeviceType, EnterReason, MediaType};
pub use envelope::{ApiReply, DecodeError, FailureResponse, SuccessResponse, read_reply};
pub use ids::{CcId, Vdn};
pub use request::{CallKey, FieldViolation, InvalidRequest, QueryBasicCallInfo};
pub use result_code::ResultCode;

/// Path of the public endpoint, as the CC-CMS serves it.
pub const QUERY_BASIC_CALL_INFO_PATH: &str = "/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo";
