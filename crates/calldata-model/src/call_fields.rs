//! `CallFieldSink`: a call handed over field by field, in wire order, so that a writer of
//! the answer needs no [`BasicCallInfo`] (the embedded store writes its packed calls this
//! way without unpacking them).

use crate::call::{BasicCallInfo, FIELD_ORDER};
use crate::enums::{CallFeature, DeviceType, EnterReason, MediaType};

/// One of the 25 fields of a call, by its position in [`FIELD_ORDER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallField(u8);

impl CallField {
    /// `time`.
    pub const TIME: Self = Self(0);
    /// `dsn`.
    pub const DSN: Self = Self(1);
    /// `handle`.
    pub const HANDLE: Self = Self(2);
    /// `server`.
    pub const SERVER: Self = Self(3);
    /// `keyId`.
    pub const KEY_ID: Self = Self(4);
    /// `callingNum`.
    pub const CALLING_NUM: Self = Self(5);
    /// `calledNum`.
    pub const CALLED_NUM: Self = Self(6);
    /// `mid`.
    pub const MID: Self = Self(7);
    /// `trunkNo`.
    pub const TRUNK_NO: Self = Self(8);
    /// `priority`.
    pub const PRIORITY: Self = Self(9);
    /// `deviceType`.
    pub const DEVICE_TYPE: Self = Self(10);
    /// `deviceNo`.
    pub const DEVICE_NO: Self = Self(11);
    /// `callSkill`.
    pub const CALL_SKILL: Self = Self(12);
    /// `partyNum`.
    pub const PARTY_NUM: Self = Self(13);
    /// `callFeature`.
    pub const CALL_FEATURE: Self = Self(14);
    /// `orgiCalledNum`.
    pub const ORGI_CALLED_NUM: Self = Self(15);
    /// `mediaType`.
    pub const MEDIA_TYPE: Self = Self(16);
    /// `place`.
    pub const PLACE: Self = Self(17);
    /// `waitTime`.
    pub const WAIT_TIME: Self = Self(18);
    /// `totalTalkingTimes`.
    pub const TOTAL_TALKING_TIMES: Self = Self(19);
    /// `logonTimes`.
    pub const LOGON_TIMES: Self = Self(20);
    /// `serviceType`.
    pub const SERVICE_TYPE: Self = Self(21);
    /// `callInCause`.
    pub const CALL_IN_CAUSE: Self = Self(22);
    /// `enterReason`.
    pub const ENTER_REASON: Self = Self(23);
    /// `mediaBillType`.
    pub const MEDIA_BILL_TYPE: Self = Self(24);

    /// Its position in [`FIELD_ORDER`] (0 to 24).
    pub const fn position(self) -> usize {
        self.0 as usize
    }

    /// Its JSON name.
    pub const fn name(self) -> &'static str {
        FIELD_ORDER[self.position()]
    }
}

/// Receives a call's fields, each once, in wire order ([`FIELD_ORDER`]).
pub trait CallFieldSink {
    /// A number field (an enumeration as its code); `None` when absent.
    fn number(&mut self, field: CallField, value: Option<i64>);

    /// A text field.
    fn text(&mut self, field: CallField, value: &str);

    /// What only querydetailcallinfo answers besides the 25 fields (`cb`, `callData`),
    /// handed before them by a writer of a call in detail; ignored by default.
    fn detail(&mut self, _cb: Option<i64>, _call_data: &str) {}
}

impl BasicCallInfo {
    /// Hands every field to `sink`, in wire order.
    pub fn write_fields(&self, sink: &mut (impl CallFieldSink + ?Sized)) {
        sink.number(CallField::TIME, self.time);
        sink.number(CallField::DSN, self.dsn);
        sink.number(CallField::HANDLE, self.handle);
        sink.number(CallField::SERVER, self.server);
        sink.text(CallField::KEY_ID, &self.key_id);
        sink.text(CallField::CALLING_NUM, &self.calling_num);
        sink.text(CallField::CALLED_NUM, &self.called_num);
        sink.number(CallField::MID, self.mid);
        sink.number(CallField::TRUNK_NO, self.trunk_no);
        sink.number(CallField::PRIORITY, self.priority);
        sink.number(
            CallField::DEVICE_TYPE,
            self.device_type.map(DeviceType::code),
        );
        sink.number(CallField::DEVICE_NO, self.device_no);
        sink.text(CallField::CALL_SKILL, &self.call_skill);
        sink.number(CallField::PARTY_NUM, self.party_num);
        sink.number(
            CallField::CALL_FEATURE,
            self.call_feature.map(CallFeature::code),
        );
        sink.text(CallField::ORGI_CALLED_NUM, &self.orgi_called_num);
        sink.number(CallField::MEDIA_TYPE, self.media_type.map(MediaType::code));
        sink.number(CallField::PLACE, self.place);
        sink.number(CallField::WAIT_TIME, self.wait_time);
        sink.number(CallField::TOTAL_TALKING_TIMES, self.total_talking_times);
        sink.number(CallField::LOGON_TIMES, self.logon_times);
        sink.number(CallField::SERVICE_TYPE, self.service_type);
        sink.number(CallField::CALL_IN_CAUSE, self.call_in_cause);
        sink.number(
            CallField::ENTER_REASON,
            self.enter_reason.map(EnterReason::code),
        );
        sink.number(CallField::MEDIA_BILL_TYPE, self.media_bill_type);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes what it receives as a JSON object, the way serde writes the call.
    struct Json(serde_json::Map<String, serde_json::Value>, usize);

    impl CallFieldSink for Json {
        fn number(&mut self, field: CallField, value: Option<i64>) {
            assert_eq!(field.position(), self.1, "fields arrive in wire order");
            self.1 += 1;
            if let Some(value) = value {
                self.0.insert(field.name().to_owned(), value.into());
            }
        }

        fn text(&mut self, field: CallField, value: &str) {
            assert_eq!(field.position(), self.1, "fields arrive in wire order");
            self.1 += 1;
            self.0.insert(field.name().to_owned(), value.into());
        }
    }

    #[test]
    fn fields_arrive_in_wire_order_with_the_values_serde_writes() {
        let call = BasicCallInfo {
            time: Some(1_659_513_159_000),
            dsn: Some(-3),
            key_id: "k".to_owned(),
            calling_num: "88880001".to_owned(),
            device_type: Some(DeviceType::Unknown(77)),
            call_feature: Some(CallFeature::from_code(0)),
            call_skill: "défaut \"q\"".to_owned(),
            media_type: Some(MediaType::from_code(5)),
            enter_reason: Some(EnterReason::from_code(1)),
            media_bill_type: Some(i64::MIN),
            ..BasicCallInfo::default()
        };
        let mut json = Json(serde_json::Map::new(), 0);
        call.write_fields(&mut json);
        assert_eq!(json.1, FIELD_ORDER.len());
        let expected = serde_json::to_value(&call).unwrap();
        assert_eq!(serde_json::Value::Object(json.0), expected);
    }

    #[test]
    fn positions_follow_the_wire_order() {
        let all = [
            CallField::TIME,
            CallField::DSN,
            CallField::HANDLE,
            CallField::SERVER,
            CallField::KEY_ID,
            CallField::CALLING_NUM,
            CallField::CALLED_NUM,
            CallField::MID,
            CallField::TRUNK_NO,
            CallField::PRIORITY,
            CallField::DEVICE_TYPE,
            CallField::DEVICE_NO,
            CallField::CALL_SKILL,
            CallField::PARTY_NUM,
            CallField::CALL_FEATURE,
            CallField::ORGI_CALLED_NUM,
            CallField::MEDIA_TYPE,
            CallField::PLACE,
            CallField::WAIT_TIME,
            CallField::TOTAL_TALKING_TIMES,
            CallField::LOGON_TIMES,
            CallField::SERVICE_TYPE,
            CallField::CALL_IN_CAUSE,
            CallField::ENTER_REASON,
            CallField::MEDIA_BILL_TYPE,
        ];
        // Names come from the position; serde's names are checked by the test above.
        for (position, field) in all.into_iter().enumerate() {
            assert_eq!(field.position(), position);
        }
        assert_eq!(all.len(), FIELD_ORDER.len());
    }
}
