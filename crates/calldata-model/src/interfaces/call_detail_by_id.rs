//! `calldata/querycalldetailbyid`: the detail record (CDR) of a call, also after it ended;
//! records are kept one day (family.md section 7).
//!
//! The body is `ccId`, `isCallin` (`"true"` inbound, `"false"` outbound) and `callId`,
//! flat or wrapped in `queryParam` as the reference's example does; `isCallin` may also be
//! a JSON boolean and may be spelled `isCallIn`. No `vdn`: the request reaches its call
//! center, and the record's VDN decides the rest of the scope.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::call_id::CallId;
use crate::enums::{CallDirection, CallType};
use crate::envelope::{Payload, PayloadShape};
use crate::ids::CcId;
use crate::interface::{CtiSupport, EnvelopeKind, Interface, Operation, Reach};
use crate::interfaces::record_fields;
use crate::lenient;
use crate::request::{InvalidRequest, Sent, broken_fields, object_text, required_integer};

/// The member the reference's example wraps the fields in.
pub const QUERY_PARAM: &str = "queryParam";

/// The fields of the body, flat or under `queryParam`. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallDetailByIdFields {
    /// Call center ID, 1..=65535.
    #[serde(rename = "ccId", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 65535, example = 1))]
    pub cc_id: Option<Sent<i64>>,
    /// `"true"` for an inbound call, `"false"` for an outbound one (also `true`/`false`,
    /// and the spelling `isCallIn`).
    #[serde(
        rename = "isCallin",
        alias = "isCallIn",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, example = "true"))]
    pub is_callin: Option<Value>,
    /// Call ID, at most 20 characters.
    #[serde(rename = "callId", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, max_length = 20, example = "1764547200000-1"))]
    pub call_id: Option<Sent<String>>,
}

/// The body a client sends: the fields wrapped in `queryParam`, as the reference shows
/// (`{"queryParam": {"ccId": 1, "isCallin": "true", "callId": "..."}}`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueryCallDetailById {
    /// The fields.
    #[serde(rename = "queryParam")]
    pub query_param: CallDetailByIdFields,
}

/// What a valid body asks for: the record of one call of one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecordKey {
    /// Call center ID.
    pub cc_id: CcId,
    /// Inbound or outbound.
    pub direction: CallDirection,
    /// Call ID.
    pub call_id: CallId,
}

impl QueryCallDetailById {
    /// The request for the record of one call.
    pub fn new(cc_id: i64, direction: CallDirection, call_id: impl Into<String>) -> Self {
        Self {
            query_param: CallDetailByIdFields {
                cc_id: Some(Sent::Value(cc_id)),
                is_callin: Some(Value::String(
                    (direction == CallDirection::Inbound).to_string(),
                )),
                call_id: Some(Sent::Value(call_id.into())),
            },
        }
    }

    /// Reads a body in either form and validates it.
    pub fn parse(body: &[u8]) -> Result<CallRecordKey, InvalidRequest> {
        let mut object: Map<String, Value> = serde_json::from_str(object_text(body)?)
            .map_err(|e| InvalidRequest::NotJson(e.to_string()))?;
        let fields = match object.remove(QUERY_PARAM) {
            Some(Value::Object(wrapped)) => wrapped,
            Some(other) if !other.is_null() => {
                return Err(InvalidRequest::Fields(vec![crate::FieldViolation {
                    field: QUERY_PARAM,
                    problem: "must be an object".into(),
                }]));
            }
            _ => object,
        };
        let fields: CallDetailByIdFields = serde_json::from_value(Value::Object(fields))
            .map_err(|e| InvalidRequest::NotJson(e.to_string()))?;
        fields.to_key()
    }
}

impl CallDetailByIdFields {
    /// Validates every field, reporting each broken one in order.
    pub fn to_key(&self) -> Result<CallRecordKey, InvalidRequest> {
        let cc_id = required_integer("ccId", self.cc_id.as_ref(), CcId::new);
        let direction = record_fields::direction("isCallin", self.is_callin.as_ref());
        let call_id = record_fields::call_id("callId", self.call_id.as_ref());
        match (cc_id, direction, call_id) {
            (Ok(cc_id), Ok(direction), Ok(call_id)) => Ok(CallRecordKey {
                cc_id,
                direction,
                call_id,
            }),
            (cc_id, direction, call_id) => {
                Err(broken_fields([cc_id.err(), direction.err(), call_id.err()]))
            }
        }
    }
}

impl Operation for QueryCallDetailById {
    const INTERFACE: Interface = Interface {
        name: "querycalldetailbyid",
        path: "/rest/cmsapp/v1/openapi/calldata/querycalldetailbyid",
        summary: "The detail record of a call, also after it ended (kept one day)",
        cti: CtiSupport::Any,
        envelope: EnvelopeKind::Full,
        platform: false,
    };
    type Request = CallRecordKey;
    type Answer = CallDetailRecord;

    fn parse(body: &[u8]) -> Result<CallRecordKey, InvalidRequest> {
        Self::parse(body)
    }

    fn reach(key: &CallRecordKey) -> Reach {
        Reach::CallCenter(key.cc_id)
    }
}

/// A call's detail record, fields in the published order. Durations are whole seconds;
/// `agentId` and `skillId` are 0 when no agent or skill queue had the call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallDetailRecord {
    /// The VDN the call belonged to.
    #[serde(deserialize_with = "lenient::i64_or_zero", default)]
    pub vdn: i64,
    /// Call ID.
    #[serde(deserialize_with = "lenient::string", default)]
    pub call_id: String,
    /// Calling number.
    #[serde(deserialize_with = "lenient::string", default)]
    pub caller_no: String,
    /// Called number.
    #[serde(deserialize_with = "lenient::string", default)]
    pub callee_no: String,
    /// Call type (family.md section 7); absent or `""` reads as 0, normal inbound.
    #[serde(default, deserialize_with = "call_type_or_default")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 0))]
    pub call_type: CallType,
    /// The agent that last had the call (0: none).
    #[serde(deserialize_with = "lenient::i64_or_zero", default)]
    pub agent_id: i64,
    /// The skill queue the call last waited in (0: none).
    #[serde(deserialize_with = "lenient::i64_or_zero", default)]
    pub skill_id: i64,
    /// 1 when the caller withheld the number, else 0.
    #[serde(deserialize_with = "lenient::i64_or_zero", default)]
    pub anony_call: i64,
    /// Seconds waited in skill and private queues.
    #[serde(deserialize_with = "lenient::i64_or_zero", default)]
    pub queue_wait_time: i64,
    /// Seconds spent in IVR flows.
    #[serde(deserialize_with = "lenient::i64_or_zero", default)]
    pub ivr_call_time: i64,
    /// Seconds agents' phones rang before an answer.
    #[serde(deserialize_with = "lenient::i64_or_zero", default)]
    pub ack_time: i64,
    /// Seconds talked (holds included).
    #[serde(deserialize_with = "lenient::i64_or_zero", default)]
    pub call_time: i64,
    /// Why the call ended (a code of the enter/leave reason table).
    #[serde(deserialize_with = "lenient::i64_or_zero", default)]
    pub release_cause: i64,
    /// Outbound campaign calls only (`callType` 41 or 43): when the call began,
    /// `yyyy-MM-dd HH:mm:ss` in the tenant's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin_time: Option<String>,
    /// Outbound campaign calls only: when it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Outbound campaign calls only: the campaign's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Outbound campaign calls only: the campaign's result code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_code: Option<String>,
    /// Outbound campaign calls only: the business result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busi_result: Option<String>,
    /// Outbound campaign calls only: the business sub-status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busi_sub_status: Option<String>,
}

/// Reads a call type leniently (a number or digit string); absent reads as the default.
fn call_type_or_default<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<CallType, D::Error> {
    Ok(lenient::opt_code(deserializer)?.unwrap_or_default())
}

impl CallDetailRecord {
    /// The record's total duration: the four parts it is made of, which add up to the
    /// time from the call's arrival to its end.
    pub fn total_seconds(&self) -> i64 {
        self.queue_wait_time + self.ivr_call_time + self.ack_time + self.call_time
    }
}

impl Payload for CallDetailRecord {
    const SHAPE: PayloadShape = PayloadShape::Object;
}

/// `yyyy-MM-dd HH:mm:ss` of epoch milliseconds `ms` at `offset` from UTC (the tenant's time
/// zone of the campaign fields).
pub fn tenant_time(ms: i64, offset: time::UtcOffset) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|at| at.to_offset(offset))
        .ok()
        .and_then(|at| at.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{ApiReply, Envelope, read_reply};
    use serde_json::json;

    fn parse(body: &Value) -> Result<CallRecordKey, InvalidRequest> {
        QueryCallDetailById::parse(body.to_string().as_bytes())
    }

    #[test]
    fn flat_and_wrapped_bodies_mean_the_same() {
        let flat = parse(&json!({"ccId": 1, "isCallin": "true", "callId": "1000000000-0001"}));
        let wrapped = parse(
            &json!({"queryParam": {"ccId": "1", "isCallIn": true, "callId": "1000000000-0001"}}),
        );
        assert_eq!(flat.as_ref().unwrap().direction, CallDirection::Inbound);
        assert_eq!(flat, wrapped);
        let client = serde_json::to_vec(&QueryCallDetailById::new(
            1,
            CallDirection::Outbound,
            "1000000000-0001",
        ))
        .unwrap();
        let sent = QueryCallDetailById::parse(&client).unwrap();
        assert_eq!(sent.direction, CallDirection::Outbound);
        assert!(
            String::from_utf8(client)
                .unwrap()
                .starts_with("{\"queryParam\":{")
        );
    }

    #[test]
    fn every_broken_field_is_named_in_order() {
        let error = parse(&json!({"ccId": 0, "isCallin": "maybe", "callId": 12})).unwrap_err();
        let fields: Vec<_> = error.violations().iter().map(|v| v.field).collect();
        assert_eq!(fields, ["ccId", "isCallin", "callId"]);
        let error = parse(&json!({"queryParam": [1]})).unwrap_err();
        assert_eq!(error.to_string(), "queryParam must be an object");
        assert!(matches!(
            QueryCallDetailById::parse(b"[]"),
            Err(InvalidRequest::NotJson(_))
        ));
    }

    #[test]
    fn campaign_fields_only_when_present_and_readers_are_lenient() {
        let record = CallDetailRecord {
            vdn: 1,
            call_id: "1764547200000-1".into(),
            call_type: CallType::NormalInbound,
            ..CallDetailRecord::default()
        };
        let text =
            serde_json::to_string(&Envelope::of::<QueryCallDetailById>(&record, false)).unwrap();
        assert!(!text.contains("beginTime"), "{text}");
        assert!(text.contains("\"releaseCause\":0"), "{text}");
        let reply = json!({"resultCode": "0100000", "resultDesc": {
            "vdn": "1", "callId": 1_764_547_200_000_i64, "callType": "43", "agentId": "",
            "beginTime": "2025-12-01 00:00:00", "queueWaitTime": "12"}});
        let ApiReply::Answered(read) =
            read_reply::<QueryCallDetailById>(reply.to_string().as_bytes()).unwrap()
        else {
            panic!("not a success");
        };
        assert_eq!(read.call_type, CallType::PredictiveOutbound);
        assert_eq!(read.queue_wait_time, 12);
        assert_eq!(read.begin_time.as_deref(), Some("2025-12-01 00:00:00"));
    }

    #[test]
    fn tenant_times_are_written_in_the_offset() {
        let utc = tenant_time(1_764_547_200_000, time::UtcOffset::UTC);
        assert_eq!(utc, "2025-12-01 00:00:00");
        let beijing = time::UtcOffset::from_hms(8, 0, 0).unwrap();
        assert_eq!(
            tenant_time(1_764_547_200_000, beijing),
            "2025-12-01 08:00:00"
        );
    }
}
