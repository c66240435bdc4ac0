//! `CallRecord`: one stored call with its key, read and written as one flat JSON object.
//!
//! `{"ccId":1,"vdn":1,"callId":"1659513159000-546750","time":1659513159000,...}`: the key
//! fields of the request body followed by the 25 fields of [`BasicCallInfo`], then the
//! [`CallExtras`] the detail and agent views read (`cb`, `callData`, `callStatus`,
//! `callInOut`, `submediaType`; each may be left out). Reading is as
//! lenient as the request body (numbers may be digit strings, unknown fields are ignored),
//! and a bad key names the field and the rule it broke (`vdn must be between 1 and 5000`).
//! Absent numbers are completed on reading (0; 65535 for `callInCause`), so a stored call
//! is always answered with all 25 fields. A record whose fields do not say where the call
//! is (a call at an agent whose `deviceNo` is no agent ID, ...) is refused, naming the rule.

use calldata_model::{BasicCallInfo, CallKey, InvalidRequest, QueryBasicCallInfo};
use serde::{Deserialize, Serialize};

use super::placement::{CallExtras, PlacementError};

/// One call in progress together with the key it is found by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RecordFields")]
pub struct CallRecord {
    /// The call's identifiers (ccId, vdn, callId).
    #[serde(flatten)]
    pub key: CallKey,
    /// The call's 25 basic fields.
    #[serde(flatten)]
    pub call: BasicCallInfo,
    /// What the detail and agent views add.
    #[serde(flatten)]
    pub extras: CallExtras,
}

impl CallRecord {
    /// A record from its parts, with no extras.
    pub fn new(key: CallKey, call: BasicCallInfo) -> Self {
        Self {
            key,
            call,
            extras: CallExtras::default(),
        }
    }

    /// The same record with these extras.
    #[must_use]
    pub fn with_extras(self, extras: CallExtras) -> Self {
        Self { extras, ..self }
    }
}

/// Why a written record was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// A key field broke its rule.
    #[error("{0}")]
    Key(#[from] InvalidRequest),
    /// The fields do not say where the call is.
    #[error("{0}")]
    Placement(#[from] PlacementError),
}

/// A record as written, before its key is validated: the key fields are read the way the
/// request body reads them, so a bad key is reported by field name.
#[derive(Deserialize)]
#[serde(rename = "CallRecord")]
struct RecordFields {
    #[serde(flatten)]
    key: QueryBasicCallInfo,
    #[serde(flatten)]
    call: BasicCallInfo,
    #[serde(flatten)]
    extras: CallExtras,
}

impl TryFrom<RecordFields> for CallRecord {
    type Error = RecordError;

    fn try_from(fields: RecordFields) -> Result<Self, Self::Error> {
        let key = fields.key.to_call_key()?;
        fields.extras.placement(&fields.call)?;
        Ok(Self {
            key,
            // Stored calls are complete, so every answer carries all 25 fields.
            call: fields.call.completed(),
            extras: fields.extras,
        })
    }
}

#[cfg(test)]
mod tests {
    use calldata_model::{CallId, CcId, DeviceType, MediaType, Vdn};
    use serde_json::json;

    use super::*;

    fn sample() -> CallRecord {
        CallRecord::new(
            CallKey {
                cc_id: CcId::new(1).unwrap(),
                vdn: Vdn::new(1).unwrap(),
                call_id: CallId::parse("1659513159000-546750").unwrap(),
            },
            BasicCallInfo {
                time: Some(1_659_513_159_000),
                key_id: "00000000a1b2c3d4".to_owned(),
                calling_num: "13800000000".to_owned(),
                device_type: Some(DeviceType::Agent),
                device_no: Some(1001),
                media_type: Some(MediaType::Voice),
                call_skill: "defaultAudioSkill".to_owned(),
                ..BasicCallInfo::default()
            },
        )
    }

    fn error_of(value: &serde_json::Value) -> String {
        serde_json::from_value::<CallRecord>(value.clone())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_record_is_one_flat_object_starting_with_its_key() {
        let text = serde_json::to_string(&sample()).unwrap();
        assert!(
            text.starts_with(
                r#"{"ccId":1,"vdn":1,"callId":"1659513159000-546750","time":1659513159000,"#
            ),
            "{text}"
        );
        assert!(!text.contains("\"key\""), "{text}");
    }

    #[test]
    fn a_record_round_trips_through_json() {
        let record = CallRecord::new(sample().key, sample().call.completed());
        let text = serde_json::to_string(&record).unwrap();
        assert_eq!(serde_json::from_str::<CallRecord>(&text).unwrap(), record);
    }

    #[test]
    fn absent_numbers_are_completed_on_reading() {
        let text = serde_json::to_string(&sample()).unwrap();
        let read = serde_json::from_str::<CallRecord>(&text).unwrap();
        assert_eq!(read.call, sample().call.completed());
        assert_eq!(read.call.call_in_cause, Some(65535));
        assert_eq!(read.call.wait_time, Some(0));
    }

    #[test]
    fn reading_is_lenient_and_ignores_unknown_fields() {
        let record: CallRecord = serde_json::from_value(json!({
            "ccId": "2", "vdn": 3, "callId": "1453723531-574",
            "waitTime": "12", "deviceType": 1, "note": {"anything": [1, 2]}
        }))
        .unwrap();
        assert_eq!((record.key.cc_id.get(), record.key.vdn.get()), (2, 3));
        assert_eq!(record.key.call_id.as_str(), "1453723531-574");
        assert_eq!(record.call.wait_time, Some(12));
        assert_eq!(record.call.device_type, Some(DeviceType::SkillQueue));
    }

    #[test]
    fn an_out_of_range_vdn_is_an_error_naming_the_field() {
        let err = error_of(&json!({"ccId": 1, "vdn": 5001, "callId": "1-1"}));
        assert!(err.starts_with("vdn must be between 1 and 5000"), "{err}");
    }

    #[test]
    fn a_bad_call_id_is_an_error_naming_the_field() {
        let err = error_of(&json!({"ccId": 1, "vdn": 1, "callId": "abc"}));
        assert!(
            err.starts_with("callId must look like <call start time>-<sequence>"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_key_field_is_an_error_naming_it() {
        let err = error_of(&json!({"vdn": 1, "callId": "1-1", "time": 5}));
        assert!(err.starts_with("ccId is required"), "{err}");
    }

    #[test]
    fn extras_follow_the_call_and_a_call_at_no_agent_is_refused() {
        let record: CallRecord = serde_json::from_value(json!({
            "ccId": 1, "vdn": 1, "callId": "1-1", "deviceType": 1, "deviceNo": 1099,
            "callStatus": "3", "cb": 12, "callData": "order=7"
        }))
        .unwrap();
        assert_eq!(record.extras.cb, Some(12));
        let text = serde_json::to_string(&record).unwrap();
        assert!(
            text.ends_with(r#""cb":12,"callData":"order=7","callStatus":3}"#),
            "{text}"
        );
        let err = error_of(
            &json!({"ccId": 1, "vdn": 1, "callId": "1-1", "deviceType": 2, "deviceNo": 5}),
        );
        assert!(err.starts_with("deviceNo must be an agent ID"), "{err}");
    }

    #[test]
    fn a_wrongly_typed_call_field_is_an_error() {
        let err = error_of(&json!({"ccId": 1, "vdn": 1, "callId": "1-1", "waitTime": true}));
        assert!(err.contains("boolean"), "{err}");
    }
}
