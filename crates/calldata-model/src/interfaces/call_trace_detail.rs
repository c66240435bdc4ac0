//! `vdn/querycalltracedetail`: a call's track, one record per device it passed through
//! (IVR flow, skill queue, agent, ...), family.md section 9.
//!
//! The published example is not JSON, so the table decides: camelCase keys, numbers as
//! numbers except `deviceNo` and `deviceIn`, which are strings (`deviceIn` is the epoch-ms
//! instant the call entered the device). Readers match `enterReason`, `leaveReason` and
//! `currentSkillId` without regard to case, since the example capitalises them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::call_id::CallId;
use crate::envelope::{Payload, PayloadShape};
use crate::ids::{CcId, Vdn};
use crate::interface::{CtiSupport, EnvelopeKind, Interface, Operation, Reach};
use crate::interfaces::record_fields;
use crate::lenient;
use crate::request::{InvalidRequest, Sent, broken_fields, object_text, required_integer};

/// `callIdNum` of a track's last record.
pub const LAST_RECORD: i64 = -1;

/// The request body: `{"ccId": 1, "vdn": 1, "callId": "...", "logDate": 1764547200000}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueryCallTraceDetail {
    /// Call center ID, 1..=65535.
    #[serde(rename = "ccId", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 65535, example = 1))]
    pub cc_id: Option<Sent<i64>>,
    /// VDN ID, 1..=5000.
    #[serde(rename = "vdn", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 5000, example = 1))]
    pub vdn: Option<Sent<i64>>,
    /// Call ID, at most 20 characters.
    #[serde(rename = "callId", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, max_length = 20, example = "1764547200000-1"))]
    pub call_id: Option<Sent<String>>,
    /// Epoch ms: its month (UTC) selects the records.
    #[serde(rename = "logDate", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, example = 1_764_547_200_000_i64))]
    pub log_date: Option<Sent<i64>>,
}

/// What a valid body asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackKey {
    /// Call center ID.
    pub cc_id: CcId,
    /// VDN ID.
    pub vdn: Vdn,
    /// Call ID.
    pub call_id: CallId,
    /// Epoch ms whose month selects the records.
    pub log_date_ms: i64,
}

impl TrackKey {
    /// Whether an instant (epoch ms) falls in the UTC month of `log_date_ms`.
    pub fn same_month(&self, at_ms: i64) -> bool {
        month_of(self.log_date_ms) == month_of(at_ms)
    }
}

/// The (year, month) of epoch ms in UTC.
fn month_of(ms: i64) -> Option<(i32, time::Month)> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .map(|at| (at.year(), at.month()))
}

impl QueryCallTraceDetail {
    /// The request for a call's track, `log_date_ms` in the month the call ended.
    pub fn new(cc_id: i64, vdn: i64, call_id: impl Into<String>, log_date_ms: i64) -> Self {
        Self {
            cc_id: Some(Sent::Value(cc_id)),
            vdn: Some(Sent::Value(vdn)),
            call_id: Some(Sent::Value(call_id.into())),
            log_date: Some(Sent::Value(log_date_ms)),
        }
    }

    /// Validates every field, reporting each broken one in order.
    pub fn to_key(&self) -> Result<TrackKey, InvalidRequest> {
        let cc_id = required_integer("ccId", self.cc_id.as_ref(), CcId::new);
        let vdn = required_integer("vdn", self.vdn.as_ref(), Vdn::new);
        let call_id = record_fields::call_id("callId", self.call_id.as_ref());
        let log_date = record_fields::epoch_millis("logDate", self.log_date.as_ref());
        match (cc_id, vdn, call_id, log_date) {
            (Ok(cc_id), Ok(vdn), Ok(call_id), Ok(log_date_ms)) => Ok(TrackKey {
                cc_id,
                vdn,
                call_id,
                log_date_ms,
            }),
            (cc_id, vdn, call_id, log_date) => Err(broken_fields([
                cc_id.err(),
                vdn.err(),
                call_id.err(),
                log_date.err(),
            ])),
        }
    }
}

impl Operation for QueryCallTraceDetail {
    const INTERFACE: Interface = Interface {
        name: "querycalltracedetail",
        path: "/rest/cmsapp/v1/openapi/vdn/querycalltracedetail",
        summary: "A call's track: one record per device it passed through",
        cti: CtiSupport::Any,
        envelope: EnvelopeKind::Short,
        platform: false,
    };
    type Request = TrackKey;
    type Answer = CallTrack;

    fn parse(body: &[u8]) -> Result<TrackKey, InvalidRequest> {
        let fields: Self = serde_json::from_str(object_text(body)?)
            .map_err(|e| InvalidRequest::NotJson(e.to_string()))?;
        fields.to_key()
    }

    fn reach(key: &TrackKey) -> Reach {
        Reach::Vdn(key.cc_id, key.vdn)
    }
}

/// A call's track, ordered by `callIdNum` (1, 2, ..., the last one −1).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct CallTrack(pub Vec<TrackRecord>);

impl Payload for CallTrack {
    const SHAPE: PayloadShape = PayloadShape::List;
}

/// One device a call passed through, fields in the table's order. Instants are epoch ms
/// (0: did not happen).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", try_from = "CaseFreeRecord")]
pub struct TrackRecord {
    /// Call ID.
    pub call_id: String,
    /// Media type (contract 4.3).
    pub media_type: i64,
    /// Sub-media type of social chat calls, else 0.
    pub sub_media_type: i64,
    /// 1, 2, ... in track order; the last record is −1.
    pub call_id_num: i64,
    /// Calling number.
    pub caller_no: String,
    /// Called number.
    pub callee_no: String,
    /// When the call entered this device and began waiting there.
    pub wait_begin: i64,
    /// When this device began alerting (an agent's phone rang; an IVR answered).
    pub ack_begin: i64,
    /// When this device began talking to the caller.
    pub call_begin: i64,
    /// When the call left this device.
    pub call_end: i64,
    /// Sub call center number.
    pub sub_cc_no: i64,
    /// Kind of device (contract 4.1).
    pub device_type: i64,
    /// The device's ID, as a string.
    pub device_no: String,
    /// When the call entered this device, epoch ms as a string.
    pub device_in: String,
    /// Call type (family.md section 7).
    pub call_type: i64,
    /// Why the call ended; meaningful on the last record only (0 on the others).
    pub release_cause: i64,
    /// Why the call entered this device (contract 4.4).
    pub enter_reason: i64,
    /// Why it left (contract 4.4).
    pub leave_reason: i64,
    /// The skill the call was served for here (0: none).
    pub current_skill_id: i64,
}

/// A record as read: the same fields, found whatever the case of the three keys the
/// example capitalises, each value as lenient as every reader of the crate.
#[derive(Deserialize)]
struct CaseFreeRecord(Map<String, Value>);

/// The keys a reader matches without regard to case.
const CASE_FREE_KEYS: [&str; 3] = ["enterReason", "leaveReason", "currentSkillId"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordFields {
    #[serde(default, deserialize_with = "lenient::string")]
    call_id: String,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    media_type: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    sub_media_type: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    call_id_num: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    caller_no: String,
    #[serde(default, deserialize_with = "lenient::string")]
    callee_no: String,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    wait_begin: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    ack_begin: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    call_begin: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    call_end: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    sub_cc_no: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    device_type: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    device_no: String,
    #[serde(default, deserialize_with = "lenient::string")]
    device_in: String,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    call_type: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    release_cause: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    enter_reason: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    leave_reason: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    current_skill_id: i64,
}

impl TryFrom<CaseFreeRecord> for TrackRecord {
    type Error = serde_json::Error;

    fn try_from(CaseFreeRecord(object): CaseFreeRecord) -> Result<Self, Self::Error> {
        let object: Map<String, Value> = object
            .into_iter()
            .map(|(key, value)| {
                let canonical = CASE_FREE_KEYS
                    .into_iter()
                    .find(|known| known.eq_ignore_ascii_case(&key))
                    .map_or(key, str::to_owned);
                (canonical, value)
            })
            .collect();
        let f: RecordFields = serde_json::from_value(Value::Object(object))?;
        Ok(Self {
            call_id: f.call_id,
            media_type: f.media_type,
            sub_media_type: f.sub_media_type,
            call_id_num: f.call_id_num,
            caller_no: f.caller_no,
            callee_no: f.callee_no,
            wait_begin: f.wait_begin,
            ack_begin: f.ack_begin,
            call_begin: f.call_begin,
            call_end: f.call_end,
            sub_cc_no: f.sub_cc_no,
            device_type: f.device_type,
            device_no: f.device_no,
            device_in: f.device_in,
            call_type: f.call_type,
            release_cause: f.release_cause,
            enter_reason: f.enter_reason,
            leave_reason: f.leave_reason,
            current_skill_id: f.current_skill_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{ApiReply, Envelope, read_reply};
    use serde_json::json;

    #[test]
    fn bodies_are_validated_field_by_field() {
        let body =
            json!({"ccId": 1, "vdn": 1, "callId": "1764547200000-1", "logDate": "1764547200000"});
        let key = QueryCallTraceDetail::parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(key.log_date_ms, 1_764_547_200_000);
        let error =
            QueryCallTraceDetail::parse(br#"{"ccId":1,"vdn":9999,"callId":"x"}"#).unwrap_err();
        let fields: Vec<_> = error.violations().iter().map(|v| v.field).collect();
        assert_eq!(fields, ["vdn", "callId", "logDate"]);
    }

    #[test]
    fn months_are_utc_months() {
        let key = QueryCallTraceDetail::new(1, 1, "1764547200000-1", 1_764_547_200_000)
            .to_key()
            .unwrap();
        assert!(key.same_month(1_764_547_200_000 + 29 * 86_400_000));
        assert!(!key.same_month(1_764_547_200_000 - 1));
    }

    #[test]
    fn records_write_the_table_types_and_read_any_case() {
        let record = TrackRecord {
            call_id: "1764547200000-1".into(),
            media_type: 5,
            call_id_num: LAST_RECORD,
            device_type: 2,
            device_no: "1001".into(),
            device_in: "1764547200000".into(),
            release_cause: 88,
            ..TrackRecord::default()
        };
        let track = CallTrack(vec![record.clone()]);
        let text =
            serde_json::to_string(&Envelope::of::<QueryCallTraceDetail>(&track, true)).unwrap();
        assert!(text.starts_with("{\"resultCode\":\"0100000\",\"resultDesc\":[{\"callId\":\"1764547200000-1\",\"mediaType\":5,\"subMediaType\":0,\"callIdNum\":-1,"), "{text}");
        assert!(
            text.contains("\"deviceType\":2,\"deviceNo\":\"1001\",\"deviceIn\":\"1764547200000\""),
            "{text}"
        );
        let published = json!({"resultCode": "0100000", "resultDesc": [{
            "callId": "1764547200000-1", "mediaType": "5", "callIdNum": -1, "deviceType": 2,
            "deviceNo": 1001, "deviceIn": "1764547200000", "releaseCause": 88,
            "EnterReason": 0, "LEAVEREASON": "0", "CurrentSkillID": 3}]});
        let ApiReply::Answered(read) =
            read_reply::<QueryCallTraceDetail>(published.to_string().as_bytes()).unwrap()
        else {
            panic!("not a success");
        };
        assert_eq!(read.0[0].current_skill_id, 3);
        assert_eq!(read.0[0].device_no, "1001");
        assert_eq!(
            CallTrack(vec![TrackRecord {
                current_skill_id: 0,
                ..read.0[0].clone()
            }]),
            track
        );
    }
}
