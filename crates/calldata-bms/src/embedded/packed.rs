//! `PackedCall`: one stored call in a compact byte form, so that a million calls fit in a
//! few hundred megabytes less than a million `BasicCallInfo`s (25 fields, five `String`s,
//! sixteen 16-byte `Option<i64>`s: about 650 bytes a call with its allocations).
//!
//! The 25 fields are written in their declaration order into one boxed byte slice, then
//! the call's [`CallExtras`] (`cb`, `callData`, `callStatus`, `callInOut`,
//! `submediaType`), which only the detail and agent views read:
//! a number as one LEB128 varint (0 = absent, else zigzag(value) + 1), a coded enumeration
//! as a varint tag (0 = absent, 1 = a code `from_code` gives back, 2 = a kept `Unknown`)
//! followed by its zigzag code, a string as its length then its bytes. A demo call takes
//! about 95 bytes. Unpacking gives back exactly the call that was packed.
//!
//! The first byte says which of `waitTime`, `totalTalkingTimes` and `logonTimes` grow with
//! the clock ([`Growth`]; 0 for a call whose durations stay as written, such as the demo
//! snapshot's); a growing call then holds the instant its durations were true, and every
//! reading adds the whole seconds since, so a live call's durations are exact at any
//! reading without being written again.

use std::borrow::Cow;

use calldata_model::{
    BasicCallInfo, CallDirection, CallFeature, CallField, CallFieldSink, CallStatus, DeviceType,
    EnterReason, MediaType,
};

use super::placement::CallExtras;
use crate::clock::Clock;

/// Which durations of a stored call grow with the clock, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Growth {
    /// [`Growth::WAIT`], [`Growth::TALK`], [`Growth::LOGON`] or'ed together (not 0).
    pub(crate) mask: u8,
    /// The instant (epoch ms) at which the stored durations were true.
    pub(crate) since_ms: i64,
}

impl Growth {
    /// `waitTime` grows (the call waits in a queue).
    pub(crate) const WAIT: u8 = 1;
    /// `totalTalkingTimes` grows (an agent talks with the caller).
    pub(crate) const TALK: u8 = 2;
    /// `logonTimes` grows (the call is in the system).
    pub(crate) const LOGON: u8 = 4;
}

/// A call packed into bytes; [`PackedCall::unpack`] restores it exactly.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct PackedCall(Box<[u8]>);

impl std::fmt::Debug for PackedCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PackedCall").field(&self.0.len()).finish()
    }
}

/// Maps a signed number onto an unsigned one, small magnitudes to small values.
fn zigzag(value: i64) -> u64 {
    #[allow(
        clippy::cast_sign_loss,
        reason = "zigzag encoding reinterprets the bits"
    )]
    let encoded = ((value << 1) ^ (value >> 63)) as u64;
    encoded
}

/// The inverse of [`zigzag`].
fn unzigzag(value: u64) -> i64 {
    #[allow(
        clippy::cast_possible_wrap,
        reason = "zigzag decoding reinterprets the bits"
    )]
    let decoded = ((value >> 1) as i64) ^ -((value & 1) as i64);
    decoded
}

struct Writer(Vec<u8>);

impl Writer {
    fn varint(&mut self, mut value: u128) {
        loop {
            #[allow(clippy::cast_possible_truncation, reason = "masked to 7 bits")]
            let low = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                self.0.push(low);
                return;
            }
            self.0.push(low | 0x80);
        }
    }

    fn number(&mut self, value: Option<i64>) {
        self.varint(value.map_or(0, |v| u128::from(zigzag(v)) + 1));
    }

    fn code(&mut self, code: Option<(i64, bool)>) {
        match code {
            None => self.varint(0),
            Some((code, canonical)) => {
                self.varint(if canonical { 1 } else { 2 });
                self.varint(u128::from(zigzag(code)));
            }
        }
    }

    fn text(&mut self, text: &str) {
        self.varint(text.len() as u128);
        self.0.extend_from_slice(text.as_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The growth mask and the whole seconds to add to the growing durations.
    grow: (u8, i64),
}

impl<'a> Reader<'a> {
    /// The next varint; a truncated one reads as 0 (absent), which packing never writes.
    fn varint(&mut self) -> u128 {
        // Most fields of a call take one byte.
        if let Some(&byte) = self.bytes.get(self.at)
            && byte & 0x80 == 0
        {
            self.at += 1;
            return u128::from(byte);
        }
        let mut value = 0u128;
        let mut shift = 0;
        while let Some(&byte) = self.bytes.get(self.at) {
            self.at += 1;
            if shift < 128 {
                value |= u128::from(byte & 0x7f) << shift;
            }
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        value
    }

    fn number(&mut self) -> Option<i64> {
        match self.varint() {
            0 => None,
            #[allow(clippy::cast_possible_truncation, reason = "packed from a u64 + 1")]
            n => Some(unzigzag((n - 1) as u64)),
        }
    }

    /// A duration: the stored number, plus the seconds since it was stored when `bit` is in
    /// the call's growth mask.
    fn duration(&mut self, bit: u8) -> Option<i64> {
        let stored = self.number();
        let (mask, seconds) = self.grow;
        if mask & bit == 0 {
            stored
        } else {
            Some(stored.unwrap_or(0).saturating_add(seconds))
        }
    }

    /// A coded value: `(code, canonical)`.
    fn code(&mut self) -> Option<(i64, bool)> {
        let tag = self.varint();
        if tag == 0 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation, reason = "packed from a u64")]
        let code = unzigzag(self.varint() as u64);
        Some((code, tag == 1))
    }

    fn text(&mut self) -> String {
        self.text_ref().into_owned()
    }

    /// The next text, borrowed from the packed bytes.
    fn text_ref(&mut self) -> Cow<'a, str> {
        let len = usize::try_from(self.varint()).unwrap_or(usize::MAX);
        let end = self.at.saturating_add(len).min(self.bytes.len());
        let bytes = self.bytes.get(self.at..end).unwrap_or_default();
        self.at = end;
        match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            // Packing wrote a `String`'s bytes, so this cannot happen.
            Err(_) => String::from_utf8_lossy(bytes),
        }
    }

    /// The next coded value, as its code.
    fn code_number(&mut self) -> Option<i64> {
        self.code().map(|(code, _)| code)
    }
}

/// A coded enumeration's code and whether `from_code` gives the same value back.
macro_rules! code_of {
    ($value:expr, $ty:ty) => {
        $value.map(|v: $ty| (v.code(), <$ty>::from_code(v.code()) == v))
    };
}

/// The value of a packed code: `from_code`, or the kept `Unknown`.
macro_rules! value_of {
    ($code:expr, $ty:ty) => {
        $code.map(|(code, canonical)| {
            if canonical {
                <$ty>::from_code(code)
            } else {
                <$ty>::Unknown(code)
            }
        })
    };
}

/// How each basic field is packed.
#[derive(Clone, Copy)]
enum Kind {
    Number,
    Text,
    Code,
}

/// The kind of each of the 25 basic fields, in packing order.
const BASIC_KINDS: [Kind; 25] = {
    use Kind::{Code, Number, Text};
    [
        Number, Number, Number, Number, Text, Text, Text, Number, Number, Number, Code, Number,
        Text, Number, Code, Text, Code, Number, Number, Number, Number, Number, Number, Code,
        Number,
    ]
};

impl Reader<'_> {
    /// The 25 basic fields, in packing order (struct fields are evaluated in the order
    /// written).
    fn basic(&mut self) -> BasicCallInfo {
        let input = self;
        BasicCallInfo {
            time: input.number(),
            dsn: input.number(),
            handle: input.number(),
            server: input.number(),
            key_id: input.text(),
            calling_num: input.text(),
            called_num: input.text(),
            mid: input.number(),
            trunk_no: input.number(),
            priority: input.number(),
            device_type: value_of!(input.code(), DeviceType),
            device_no: input.number(),
            call_skill: input.text(),
            party_num: input.number(),
            call_feature: value_of!(input.code(), CallFeature),
            orgi_called_num: input.text(),
            media_type: value_of!(input.code(), MediaType),
            place: input.number(),
            wait_time: input.duration(Growth::WAIT),
            total_talking_times: input.duration(Growth::TALK),
            logon_times: input.duration(Growth::LOGON),
            service_type: input.number(),
            call_in_cause: input.number(),
            enter_reason: value_of!(input.code(), EnterReason),
            media_bill_type: input.number(),
        }
    }

    /// Reads past the 25 basic fields, allocating nothing.
    fn skip_basic(&mut self) {
        for kind in BASIC_KINDS {
            match kind {
                Kind::Number => {
                    self.number();
                }
                Kind::Text => {
                    self.text_ref();
                }
                Kind::Code => {
                    self.code();
                }
            }
        }
    }

    /// The extras that follow the basic fields.
    fn extras(&mut self) -> CallExtras {
        CallExtras {
            cb: self.number(),
            call_data: self.text(),
            call_status: value_of!(self.code(), CallStatus),
            call_in_out: value_of!(self.code(), CallDirection),
            submedia_type: self.number(),
        }
    }
}

impl PackedCall {
    /// Packs `call` and its extras, its durations as written.
    pub(crate) fn pack(call: &BasicCallInfo, extras: &CallExtras) -> Self {
        Self::pack_growing(call, extras, None)
    }

    /// Packs `call` and its extras, with the durations that grow from `growth.since_ms`.
    pub(crate) fn pack_growing(
        call: &BasicCallInfo,
        extras: &CallExtras,
        growth: Option<Growth>,
    ) -> Self {
        let strings = call.key_id.len()
            + call.calling_num.len()
            + call.called_num.len()
            + call.call_skill.len()
            + call.orgi_called_num.len()
            + extras.call_data.len();
        let mut out = Writer(Vec::with_capacity(64 + strings));
        match growth {
            Some(growth) if growth.mask != 0 => {
                out.0.push(growth.mask);
                out.number(Some(growth.since_ms));
            }
            _ => out.0.push(0),
        }
        out.number(call.time);
        out.number(call.dsn);
        out.number(call.handle);
        out.number(call.server);
        out.text(&call.key_id);
        out.text(&call.calling_num);
        out.text(&call.called_num);
        out.number(call.mid);
        out.number(call.trunk_no);
        out.number(call.priority);
        out.code(code_of!(call.device_type, DeviceType));
        out.number(call.device_no);
        out.text(&call.call_skill);
        out.number(call.party_num);
        out.code(code_of!(call.call_feature, CallFeature));
        out.text(&call.orgi_called_num);
        out.code(code_of!(call.media_type, MediaType));
        out.number(call.place);
        out.number(call.wait_time);
        out.number(call.total_talking_times);
        out.number(call.logon_times);
        out.number(call.service_type);
        out.number(call.call_in_cause);
        out.code(code_of!(call.enter_reason, EnterReason));
        out.number(call.media_bill_type);
        out.number(extras.cb);
        out.text(&extras.call_data);
        out.code(code_of!(extras.call_status, CallStatus));
        out.code(code_of!(extras.call_in_out, CallDirection));
        out.number(extras.submedia_type);
        Self(out.0.into_boxed_slice())
    }

    /// The call as packed, its growing durations read at `clock`.
    pub(crate) fn unpack(&self, clock: &Clock) -> BasicCallInfo {
        self.reader(clock).basic()
    }

    /// The call and its extras as packed, its growing durations read at `clock`.
    pub(crate) fn unpack_all(&self, clock: &Clock) -> (BasicCallInfo, CallExtras) {
        let mut input = self.reader(clock);
        let call = input.basic();
        (call, input.extras())
    }

    /// A reader past the growth prefix; the clock is read only for a growing call.
    fn reader(&self, clock: &Clock) -> Reader<'_> {
        let mut input = Reader {
            bytes: &self.0,
            at: 1,
            grow: (0, 0),
        };
        if let Some(&mask) = self.0.first()
            && mask != 0
        {
            let since_ms = input.number().unwrap_or(0);
            let seconds = clock.now_ms().saturating_sub(since_ms).max(0) / 1000;
            input.grow = (mask, seconds);
        }
        input
    }

    /// Hands the call's fields to `sink` in wire order, without unpacking it: what
    /// `unpack().write_fields(sink)` hands over.
    pub(crate) fn write_fields(&self, clock: &Clock, sink: &mut (impl CallFieldSink + ?Sized)) {
        let mut input = self.reader(clock);
        sink.number(CallField::TIME, input.number());
        sink.number(CallField::DSN, input.number());
        sink.number(CallField::HANDLE, input.number());
        sink.number(CallField::SERVER, input.number());
        sink.text(CallField::KEY_ID, &input.text_ref());
        sink.text(CallField::CALLING_NUM, &input.text_ref());
        sink.text(CallField::CALLED_NUM, &input.text_ref());
        sink.number(CallField::MID, input.number());
        sink.number(CallField::TRUNK_NO, input.number());
        sink.number(CallField::PRIORITY, input.number());
        sink.number(CallField::DEVICE_TYPE, input.code_number());
        sink.number(CallField::DEVICE_NO, input.number());
        sink.text(CallField::CALL_SKILL, &input.text_ref());
        sink.number(CallField::PARTY_NUM, input.number());
        sink.number(CallField::CALL_FEATURE, input.code_number());
        sink.text(CallField::ORGI_CALLED_NUM, &input.text_ref());
        sink.number(CallField::MEDIA_TYPE, input.code_number());
        sink.number(CallField::PLACE, input.number());
        sink.number(CallField::WAIT_TIME, input.duration(Growth::WAIT));
        sink.number(CallField::TOTAL_TALKING_TIMES, input.duration(Growth::TALK));
        sink.number(CallField::LOGON_TIMES, input.duration(Growth::LOGON));
        sink.number(CallField::SERVICE_TYPE, input.number());
        sink.number(CallField::CALL_IN_CAUSE, input.number());
        sink.number(CallField::ENTER_REASON, input.code_number());
        sink.number(CallField::MEDIA_BILL_TYPE, input.number());
    }

    /// Hands the call in detail to `sink` without unpacking it: its `cb` and `callData`
    /// first ([`CallFieldSink::detail`]), then its 25 fields as
    /// [`write_fields`](Self::write_fields) does.
    pub(crate) fn write_detail(&self, clock: &Clock, sink: &mut (impl CallFieldSink + ?Sized)) {
        let mut input = self.reader(clock);
        input.skip_basic();
        let cb = input.number();
        let call_data = input.text_ref();
        sink.detail(cb, &call_data);
        self.write_fields(clock, sink);
    }

    /// Bytes the packed form takes (without its allocation's overhead).
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::demo::{DemoSettings, demo_records};

    /// Records what a sink receives.
    #[derive(Debug, Default, PartialEq)]
    struct Recorded(Vec<(CallField, Result<Option<i64>, String>)>);

    impl CallFieldSink for Recorded {
        fn number(&mut self, field: CallField, value: Option<i64>) {
            self.0.push((field, Ok(value)));
        }

        fn text(&mut self, field: CallField, value: &str) {
            self.0.push((field, Err(value.to_owned())));
        }
    }

    /// What the packed call hands over equals what the unpacked call does.
    fn assert_writes_as_unpacked(packed: &PackedCall) {
        let (mut direct, mut unpacked) = (Recorded::default(), Recorded::default());
        packed.write_fields(&Clock::default(), &mut direct);
        packed.unpack(&Clock::default()).write_fields(&mut unpacked);
        assert_eq!(direct, unpacked);
    }

    #[test]
    fn growing_durations_add_the_whole_seconds_since_they_were_stored() {
        let call = BasicCallInfo {
            wait_time: Some(7),
            total_talking_times: Some(30),
            logon_times: None,
            ..BasicCallInfo::default()
        };
        let growth = Growth {
            mask: Growth::TALK | Growth::LOGON,
            since_ms: 1_000,
        };
        let packed = PackedCall::pack_growing(&call, &CallExtras::default(), Some(growth));
        let clock = Clock::manual(1_000);
        assert_eq!(packed.unpack(&clock).total_talking_times, Some(30));
        clock.advance(60_999).unwrap();
        let grown = packed.unpack(&clock);
        assert_eq!(
            grown.wait_time,
            Some(7),
            "waiting does not grow while talking"
        );
        assert_eq!(grown.total_talking_times, Some(90));
        assert_eq!(
            grown.logon_times,
            Some(60),
            "an absent duration grows from 0"
        );
        let mut direct = Recorded::default();
        packed.write_fields(&clock, &mut direct);
        let mut unpacked = Recorded::default();
        grown.write_fields(&mut unpacked);
        assert_eq!(direct, unpacked);
        // A clock behind the stored instant adds nothing.
        let early = Clock::manual(0);
        assert_eq!(packed.unpack(&early).total_talking_times, Some(30));
    }

    #[test]
    fn demo_calls_round_trip_and_stay_small() {
        let settings = DemoSettings {
            count: 2000,
            seed: 9,
        };
        let mut total = 0;
        for record in demo_records(&settings) {
            let packed = PackedCall::pack(&record.call, &record.extras);
            total += packed.len();
            assert_eq!(
                packed.unpack_all(&Clock::default()),
                (record.call.clone(), record.extras.clone())
            );
            assert_writes_as_unpacked(&packed);
        }
        assert!(total / 2000 < 120, "{} bytes a call", total / 2000);
    }

    #[test]
    fn the_detail_hands_cb_and_call_data_then_the_fields_as_unpacked() {
        #[derive(Default)]
        struct Detail {
            extras: Option<(Option<i64>, String)>,
            fields: Recorded,
        }
        impl CallFieldSink for Detail {
            fn number(&mut self, field: CallField, value: Option<i64>) {
                self.fields.number(field, value);
            }
            fn text(&mut self, field: CallField, value: &str) {
                self.fields.text(field, value);
            }
            fn detail(&mut self, cb: Option<i64>, call_data: &str) {
                assert!(self.fields.0.is_empty(), "detail comes first");
                self.extras = Some((cb, call_data.to_owned()));
            }
        }
        for record in demo_records(&DemoSettings {
            count: 300,
            seed: 2,
        }) {
            let packed = PackedCall::pack(&record.call, &record.extras);
            let mut detail = Detail::default();
            packed.write_detail(&Clock::default(), &mut detail);
            assert_eq!(
                detail.extras,
                Some((record.extras.cb, record.extras.call_data.clone()))
            );
            let mut unpacked = Recorded::default();
            record.call.write_fields(&mut unpacked);
            assert_eq!(detail.fields, unpacked);
        }
    }

    #[test]
    fn absent_fields_extremes_and_unknown_codes_round_trip() {
        let empty = BasicCallInfo::default();
        assert_eq!(
            PackedCall::pack(&empty, &CallExtras::default()).unpack(&Clock::default()),
            empty
        );
        let extreme = BasicCallInfo {
            time: Some(i64::MIN),
            dsn: Some(i64::MAX),
            handle: Some(-1),
            server: Some(0),
            key_id: "é ✓ \u{0}".to_owned(),
            device_type: Some(DeviceType::Unknown(77)),
            // An `Unknown` holding a documented code stays `Unknown`.
            call_feature: Some(CallFeature::Unknown(CallFeature::DOCUMENTED[0].code())),
            media_type: Some(MediaType::from_code(i64::MIN)),
            enter_reason: Some(EnterReason::Unknown(i64::MAX)),
            media_bill_type: Some(i64::MIN + 1),
            ..BasicCallInfo::default()
        };
        assert_eq!(
            PackedCall::pack(&extreme, &CallExtras::default()).unpack(&Clock::default()),
            extreme
        );
        assert_writes_as_unpacked(&PackedCall::pack(&extreme, &CallExtras::default()));
        assert_writes_as_unpacked(&PackedCall::pack(&empty, &CallExtras::default()));
    }

    #[test]
    fn a_truncated_form_reads_as_absent_fields_without_panicking() {
        let full = PackedCall::pack(
            &BasicCallInfo {
                time: Some(5),
                calling_num: "123".to_owned(),
                ..BasicCallInfo::default()
            },
            &CallExtras {
                cb: Some(9),
                call_data: "x=1".to_owned(),
                call_status: Some(CallStatus::Held),
                ..CallExtras::default()
            },
        );
        for len in 0..full.0.len() {
            let cut = PackedCall(full.0[..len].into());
            let _ = cut.unpack_all(&Clock::default());
            assert_writes_as_unpacked(&cut);
        }
    }

    #[test]
    fn random_numbers_texts_and_codes_round_trip() {
        let mut rng = fastrand::Rng::with_seed(6);
        let number = |rng: &mut fastrand::Rng| match rng.u8(0..4) {
            0 => None,
            1 => Some(rng.i64(..)),
            2 => Some(rng.i64(-300..300)),
            _ => Some([i64::MIN, i64::MAX, 0, -1][rng.usize(0..4)]),
        };
        let text = |rng: &mut fastrand::Rng| -> String {
            let len = rng.usize(0..24);
            (0..len).map(|_| rng.char(..)).collect()
        };
        for _ in 0..2000 {
            let call = BasicCallInfo {
                time: number(&mut rng),
                dsn: number(&mut rng),
                handle: number(&mut rng),
                server: number(&mut rng),
                key_id: text(&mut rng),
                calling_num: text(&mut rng),
                called_num: text(&mut rng),
                mid: number(&mut rng),
                trunk_no: number(&mut rng),
                priority: number(&mut rng),
                device_type: number(&mut rng).map(DeviceType::from_code),
                device_no: number(&mut rng),
                call_skill: text(&mut rng),
                party_num: number(&mut rng),
                call_feature: number(&mut rng).map(CallFeature::Unknown),
                orgi_called_num: text(&mut rng),
                media_type: number(&mut rng).map(MediaType::from_code),
                place: number(&mut rng),
                wait_time: number(&mut rng),
                total_talking_times: number(&mut rng),
                logon_times: number(&mut rng),
                service_type: number(&mut rng),
                call_in_cause: number(&mut rng),
                enter_reason: number(&mut rng).map(EnterReason::from_code),
                media_bill_type: number(&mut rng),
            };
            assert_eq!(
                PackedCall::pack(&call, &CallExtras::default()).unpack(&Clock::default()),
                call
            );
            assert_writes_as_unpacked(&PackedCall::pack(&call, &CallExtras::default()));
        }
    }
}
