//! Success answers in their interface's envelope: [`answered`] for any interface, and
//! [`FoundBody`], the hand-written writer of `querybasiccallinfo`'s call straight from a
//! [`CallFieldSink`].

use calldata_model::{
    BasicCallInfo, CallField, CallFieldSink, Envelope, Operation, QueryBasicCallInfo,
    QueryDetailCallInfo, ResultCode,
};

use calldata_bms::SourceError;

use crate::answer::{Answer, ok_json};

/// `0100000` with `payload`, in the envelope of `Op` (the legacy fields decided by the
/// model, [`calldata_model::EnvelopeKind::writes_legacy_fields`]).
///
/// The payload is serialized once and its text copied into the envelope: the full envelope
/// with the legacy fields holds it twice (`resultDatas`, `resultDesc`), and a group of
/// 3000 agents is 115 KB a copy.
pub fn answered<Op: Operation>(payload: &Op::Answer, legacy_fields: bool) -> Answer {
    match serde_json::value::to_raw_value(payload) {
        Ok(text) => Answer::success(&Envelope {
            kind: Op::INTERFACE.envelope,
            legacy_fields,
            payload: &*text,
        }),
        Err(error) => {
            tracing::error!(%error, interface = Op::INTERFACE.name, "an answer could not be written");
            Answer::failed(ResultCode::UnknownError, "unknown error")
        }
    }
}

/// A call source's answer for `Op`: `0100000` with its payload, or the source's failure
/// (logged, and answered with its public message).
pub fn from_source<Op: Operation>(
    answer: Result<Op::Answer, SourceError>,
    legacy_fields: bool,
) -> Answer {
    match answer {
        Ok(payload) => answered::<Op>(&payload, legacy_fields),
        Err(error) => {
            tracing::warn!(%error, interface = Op::INTERFACE.name, "call source failed");
            Answer::failed(error.result_code(), error.public_message())
        }
    }
}

/// Bytes reserved for one serialized call (a typical one takes 450 to 600).
const CALL_CAPACITY: usize = 768;

/// `0100000` with the call.
pub fn found(call: &BasicCallInfo, legacy_fields: bool) -> Answer {
    let mut body = FoundBody::new(legacy_fields);
    call.write_fields(&mut body);
    body.finish()
}

/// A `0100000` answer being written: the envelope up to the call object, then the call's
/// fields as a [`CallFieldSink`] receives them, then [`FoundBody::finish`].
///
/// Byte for byte what serializing the [`Envelope`] of [`QueryBasicCallInfo`] writes, but the call
/// object is written once (names as literals, a string needing no escape copied as it is,
/// `serde_json` writing the others) and copied from `resultDatas` into `resultDesc`, in one
/// buffer sized up front. Nothing is allocated before the first field arrives, so offering
/// it to a source that hands over nothing (`CallSource::write_now` of a BMS) costs nothing.
///
/// [`FoundBody::detail`] writes querydetailcallinfo's call the same way: `cb` first and
/// `callData`, `callDataLen` after `deviceNo` (from [`CallFieldSink::detail`]), the codes
/// `callFeature` and `mediaType` as strings of digits: byte for byte what serializing its
/// [`calldata_model::DetailCallInfo`] writes.
#[derive(Debug)]
pub struct FoundBody {
    /// Empty until the first field opens the envelope.
    body: Vec<u8>,
    legacy_fields: bool,
    /// Where the call object starts, when it is written twice (legacy fields).
    legacy_object_start: Option<usize>,
    /// querydetailcallinfo's `callData` member and what follows it, written after
    /// `deviceNo`; `None` for querybasiccallinfo.
    detail: Option<Vec<u8>>,
}

impl FoundBody {
    /// querybasiccallinfo's answer, with or without the legacy fields (`result`,
    /// `resultDatas`), by the `legacy_fields` setting.
    pub fn new(legacy_fields: bool) -> Self {
        Self {
            body: Vec::new(),
            legacy_fields: QueryBasicCallInfo::INTERFACE
                .envelope
                .writes_legacy_fields(legacy_fields),
            legacy_object_start: None,
            detail: None,
        }
    }

    /// querydetailcallinfo's answer.
    pub fn detail(legacy_fields: bool) -> Self {
        Self {
            legacy_fields: QueryDetailCallInfo::INTERFACE
                .envelope
                .writes_legacy_fields(legacy_fields),
            detail: Some(Vec::new()),
            ..Self::new(legacy_fields)
        }
    }

    /// The envelope up to the opening brace of the call.
    fn open(&mut self) {
        let code = ResultCode::Success.as_str_static().as_bytes();
        self.body.reserve(2 * CALL_CAPACITY + 80);
        if self.legacy_fields {
            self.body
                .extend_from_slice(br#"{"result":"0","resultCode":""#);
            self.body.extend_from_slice(code);
            self.body.extend_from_slice(br#"","resultDatas":"#);
            self.legacy_object_start = Some(self.body.len());
        } else {
            self.body.extend_from_slice(br#"{"resultCode":""#);
            self.body.extend_from_slice(code);
            self.body.extend_from_slice(br#"","resultDesc":"#);
        }
        self.body.push(b'{');
    }

    /// Closes the call and the envelope.
    pub fn finish(mut self) -> Answer {
        if self.body.is_empty() {
            self.open();
        }
        self.body.push(b'}');
        if let Some(start) = self.legacy_object_start {
            let object = start..self.body.len();
            self.body.extend_from_slice(br#","resultDesc":"#);
            self.body.extend_from_within(object);
        }
        self.body.push(b'}');
        Answer {
            response: ok_json(self.body),
            outcome: ResultCode::Success.as_str_static(),
        }
    }

    /// A member's key, written from its literal `,"name":` (the first member opens the
    /// envelope and goes without the comma).
    ///
    /// Every literal is copied as [`KEY_SLOT`] bytes, a copy of fixed size the compiler
    /// inlines (a copy of a length known only at run time is a call to `memcpy`), and the
    /// padding is cut off again.
    fn key(&mut self, field: CallField) {
        let Some((slot, len)) = COMMA_KEYS.get(field.position()) else {
            return;
        };
        let first = self.body.is_empty();
        if first {
            self.open();
        }
        let at = self.body.len();
        self.body.extend_from_slice(slot);
        self.body.truncate(at + len);
        if first {
            self.body.remove(at);
        }
    }
}

impl CallFieldSink for FoundBody {
    /// A number member, left out when absent; in detail, the codes `callFeature` and
    /// `mediaType` as strings of digits, and `callData` after `deviceNo`.
    fn number(&mut self, field: CallField, value: Option<i64>) {
        if let Some(value) = value {
            self.key(field);
            let quoted = self.detail.is_some()
                && (field == CallField::CALL_FEATURE || field == CallField::MEDIA_TYPE);
            let mut digits = itoa::Buffer::new();
            let text = digits.format(value).as_bytes();
            if quoted {
                self.body.push(b'"');
                self.body.extend_from_slice(text);
                self.body.push(b'"');
            } else {
                self.body.extend_from_slice(text);
            }
        }
        if field == CallField::DEVICE_NO
            && let Some(after) = &self.detail
        {
            self.body.extend_from_slice(after);
        }
    }

    /// A string member.
    fn text(&mut self, field: CallField, value: &str) {
        self.key(field);
        write_string(&mut self.body, value);
    }

    /// `cb`, which opens the call in detail, and the `callData` members kept for after
    /// `deviceNo`; nothing for querybasiccallinfo.
    fn detail(&mut self, cb: Option<i64>, call_data: &str) {
        let Some(after) = &mut self.detail else {
            return;
        };
        after.extend_from_slice(br#","callData":"#);
        write_string(after, call_data);
        after.extend_from_slice(br#","callDataLen":"#);
        after.extend_from_slice(itoa::Buffer::new().format(call_data.len()).as_bytes());
        if self.body.is_empty() {
            self.open();
        }
        self.body.extend_from_slice(br#""cb":"#);
        self.body
            .extend_from_slice(itoa::Buffer::new().format(cb.unwrap_or(0)).as_bytes());
    }
}

/// `value` as a JSON string: copied as it is when it needs no escape.
fn write_string(out: &mut Vec<u8>, value: &str) {
    let plain = value.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
    if plain {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else {
        // Serializing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(out, value);
    }
}

/// Bytes each key literal is copied as: the longest, `,"totalTalkingTimes":`, takes 21.
const KEY_SLOT: usize = 24;

/// `literal` padded to [`KEY_SLOT`] bytes, with its length.
const fn slot(literal: &[u8]) -> ([u8; KEY_SLOT], usize) {
    let mut out = [b' '; KEY_SLOT];
    let mut i = 0;
    while i < literal.len() {
        out[i] = literal[i];
        i += 1;
    }
    (out, literal.len())
}

/// `,"name":` for each field, by position ([`calldata_model::call::FIELD_ORDER`]), padded.
const COMMA_KEYS: [([u8; KEY_SLOT], usize); 25] = [
    slot(b",\"time\":"),
    slot(b",\"dsn\":"),
    slot(b",\"handle\":"),
    slot(b",\"server\":"),
    slot(b",\"keyId\":"),
    slot(b",\"callingNum\":"),
    slot(b",\"calledNum\":"),
    slot(b",\"mid\":"),
    slot(b",\"trunkNo\":"),
    slot(b",\"priority\":"),
    slot(b",\"deviceType\":"),
    slot(b",\"deviceNo\":"),
    slot(b",\"callSkill\":"),
    slot(b",\"partyNum\":"),
    slot(b",\"callFeature\":"),
    slot(b",\"orgiCalledNum\":"),
    slot(b",\"mediaType\":"),
    slot(b",\"place\":"),
    slot(b",\"waitTime\":"),
    slot(b",\"totalTalkingTimes\":"),
    slot(b",\"logonTimes\":"),
    slot(b",\"serviceType\":"),
    slot(b",\"callInCause\":"),
    slot(b",\"enterReason\":"),
    slot(b",\"mediaBillType\":"),
];

#[cfg(test)]
mod tests {
    use actix_web::http::header::CONTENT_TYPE;
    use calldata_model::call::FIELD_ORDER;
    use calldata_model::{CallFeature, DeviceType, EnterReason, MediaType};

    use super::*;

    #[actix_web::test]
    async fn found_writes_exactly_what_serializing_the_envelope_writes() {
        let call = BasicCallInfo {
            time: Some(1_659_513_159_000),
            calling_num: "88880001".to_owned(),
            call_skill: "defaultAudioSkill".to_owned(),
            ..BasicCallInfo::default()
        }
        .completed();
        for legacy_fields in [true, false] {
            let answer = found(&call, legacy_fields);
            assert_eq!(answer.outcome, "0100000");
            assert_eq!(
                answer.response.headers().get(CONTENT_TYPE).unwrap(),
                "application/json;charset=UTF-8"
            );
            let body = actix_web::body::to_bytes(answer.response.into_body())
                .await
                .unwrap();
            let expected =
                serde_json::to_vec(&Envelope::of::<QueryBasicCallInfo>(&call, legacy_fields))
                    .unwrap();
            assert_eq!(body, expected);
        }
    }

    /// The body an answer carries.
    async fn body_of(answer: Answer) -> String {
        let bytes = actix_web::body::to_bytes(answer.response.into_body())
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[actix_web::test]
    async fn the_whole_answer_matches_serde_for_any_call_in_both_envelopes() {
        let mut rng = fastrand_like::Rng(0x9e37_79b9_7f4a_7c15);
        let texts = [
            "",
            "88880001",
            "defaultAudioSkill",
            "quote\"back\\slash",
            "tab\tnew\nline\u{1}\u{1f}",
            "é ✓ 漢字 \u{7f}",
            "/slash</script>",
        ];
        for _ in 0..500 {
            let mut number = || match rng.next() % 4 {
                0 => None,
                1 => Some(rng.next().cast_signed()),
                2 => Some((rng.next() % 1000).cast_signed() - 500),
                _ => Some(i64::MIN),
            };
            let call = BasicCallInfo {
                time: number(),
                dsn: number(),
                handle: number(),
                server: number(),
                mid: number(),
                trunk_no: number(),
                priority: number(),
                device_type: number().map(DeviceType::from_code),
                device_no: number(),
                party_num: number(),
                call_feature: number().map(CallFeature::Unknown),
                media_type: number().map(MediaType::from_code),
                place: number(),
                wait_time: number(),
                total_talking_times: number(),
                logon_times: number(),
                service_type: number(),
                call_in_cause: number(),
                enter_reason: number().map(EnterReason::from_code),
                media_bill_type: number(),
                ..BasicCallInfo::default()
            };
            let pick = |i: u64| texts[usize::try_from(i).unwrap() % texts.len()].to_owned();
            let call = BasicCallInfo {
                key_id: pick(rng.next()),
                calling_num: pick(rng.next()),
                called_num: pick(rng.next()),
                call_skill: pick(rng.next()),
                orgi_called_num: pick(rng.next()),
                ..call
            };
            for legacy_fields in [false, true] {
                let mut written = FoundBody::new(legacy_fields);
                call.write_fields(&mut written);
                let expected = serde_json::to_string(&Envelope::of::<QueryBasicCallInfo>(
                    &call,
                    legacy_fields,
                ))
                .unwrap();
                assert_eq!(body_of(written.finish()).await, expected);
                // The same call in detail, against the model's serialization of it.
                let call_data = pick(rng.next());
                let cb = number_of(rng.next());
                let detail =
                    calldata_model::DetailCallInfo::new(cb, call_data.clone(), call.clone());
                let mut written = FoundBody::detail(legacy_fields);
                written.detail(Some(cb), &call_data);
                call.write_fields(&mut written);
                let expected = serde_json::to_string(&Envelope::of::<QueryDetailCallInfo>(
                    &detail,
                    legacy_fields,
                ))
                .unwrap();
                assert_eq!(body_of(written.finish()).await, expected);
            }
        }
        // A sink handed no field at all still closes a well-formed envelope.
        assert_eq!(
            body_of(FoundBody::new(false).finish()).await,
            r#"{"resultCode":"0100000","resultDesc":{}}"#
        );
    }

    #[test]
    fn each_key_literal_names_its_field() {
        for ((padded, len), name) in COMMA_KEYS.iter().zip(FIELD_ORDER) {
            assert_eq!(&padded[..*len], format!(",\"{name}\":").as_bytes());
            assert!(padded[*len..].iter().all(|b| *b == b' '));
        }
        assert_eq!(COMMA_KEYS.len(), FIELD_ORDER.len());
    }

    fn number_of(bits: u64) -> i64 {
        (bits % 1_000_000).cast_signed()
    }

    /// A tiny deterministic generator (xorshift), enough to vary test calls.
    mod fastrand_like {
        pub(super) struct Rng(pub(super) u64);

        impl Rng {
            pub(super) fn next(&mut self) -> u64 {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                self.0
            }
        }
    }
}
