//! `calldata/querydetailcallinfo`: a call in progress in detail (family.md section 6): the
//! basic call plus its control block (`cb`) and its call-associated data.
//!
//! The body is querybasiccallinfo's. The answer writes 28 fields in the published order,
//! `cb` first and `callData`, `callDataLen` after `deviceNo`; with no published example,
//! the table decides the types, so `callFeature` and `mediaType` are strings of digits
//! here (`"0"`, `"5"`). Reading accepts either type, like every reader of the crate.

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::call::BasicCallInfo;
use crate::enums::{CallFeature, DeviceType, EnterReason, MediaType};
use crate::envelope::{Payload, PayloadShape};
use crate::interface::{CtiSupport, EnvelopeKind, Interface, Operation, Reach};
use crate::lenient;
use crate::request::{CallKey, InvalidRequest, QueryBasicCallInfo};

/// The request body, as querybasiccallinfo's: `{"ccId": 1, "vdn": 1, "callId": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct QueryDetailCallInfo(pub QueryBasicCallInfo);

impl QueryDetailCallInfo {
    /// A request for one call, as a client builds it.
    pub fn new(cc_id: i64, vdn: i64, call_id: impl Into<String>) -> Self {
        Self(QueryBasicCallInfo::new(cc_id, vdn, call_id))
    }
}

impl Operation for QueryDetailCallInfo {
    const INTERFACE: Interface = Interface {
        name: "querydetailcallinfo",
        path: "/rest/cmsapp/v1/openapi/calldata/querydetailcallinfo",
        summary: "A call in progress in detail: the basic call plus its control block and call data",
        cti: CtiSupport::Any,
        envelope: EnvelopeKind::Full,
        platform: false,
    };
    type Request = CallKey;
    type Answer = DetailCallInfo;

    fn parse(body: &[u8]) -> Result<CallKey, InvalidRequest> {
        QueryBasicCallInfo::parse(body)
    }

    fn reach(key: &CallKey) -> Reach {
        Reach::Vdn(key.cc_id, key.vdn)
    }
}

/// A call in detail: the basic call and what only the detail view has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DetailCallInfo {
    /// The call's internal control-block ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub cb: Option<i64>,
    /// Call-associated data (`""` when none).
    #[serde(rename = "callData", default, deserialize_with = "lenient::string")]
    pub call_data: String,
    /// The byte length of `callData`, as the platform reported it (`None` when it did not;
    /// [`DetailCallInfo::new`] computes it).
    #[serde(rename = "callDataLen", default, deserialize_with = "lenient::opt_i64")]
    pub call_data_len: Option<i64>,
    /// The fields shared with querybasiccallinfo, with the same values.
    #[serde(flatten)]
    pub call: BasicCallInfo,
}

impl DetailCallInfo {
    /// The detail of `call`, with `callDataLen` the byte length of `call_data`.
    pub fn new(cb: i64, call_data: String, call: BasicCallInfo) -> Self {
        Self {
            cb: Some(cb),
            call_data_len: Some(i64::try_from(call_data.len()).unwrap_or(i64::MAX)),
            call_data,
            call,
        }
    }
}

impl Payload for DetailCallInfo {
    const SHAPE: PayloadShape = PayloadShape::Object;
}

/// Field names in wire order.
pub const DETAIL_FIELD_ORDER: [&str; 28] = [
    "cb",
    "time",
    "dsn",
    "handle",
    "server",
    "keyId",
    "callingNum",
    "calledNum",
    "mid",
    "trunkNo",
    "priority",
    "deviceType",
    "deviceNo",
    "callData",
    "callDataLen",
    "callSkill",
    "partyNum",
    "callFeature",
    "orgiCalledNum",
    "mediaType",
    "place",
    "waitTime",
    "totalTalkingTimes",
    "logonTimes",
    "serviceType",
    "callInCause",
    "enterReason",
    "mediaBillType",
];

/// An absent number is left out, as [`BasicCallInfo`] does.
fn number<S: SerializeStruct>(
    out: &mut S,
    name: &'static str,
    value: Option<i64>,
) -> Result<(), S::Error> {
    match value {
        Some(value) => out.serialize_field(name, &value),
        None => out.skip_field(name),
    }
}

/// A code written as a string of digits.
fn digits<S: SerializeStruct>(
    out: &mut S,
    name: &'static str,
    code: Option<i64>,
) -> Result<(), S::Error> {
    match code {
        Some(code) => out.serialize_field(name, &code.to_string()),
        None => out.skip_field(name),
    }
}

impl Serialize for DetailCallInfo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let call = &self.call;
        let mut out = serializer.serialize_struct("DetailCallInfo", DETAIL_FIELD_ORDER.len())?;
        number(&mut out, "cb", self.cb)?;
        number(&mut out, "time", call.time)?;
        number(&mut out, "dsn", call.dsn)?;
        number(&mut out, "handle", call.handle)?;
        number(&mut out, "server", call.server)?;
        out.serialize_field("keyId", &call.key_id)?;
        out.serialize_field("callingNum", &call.calling_num)?;
        out.serialize_field("calledNum", &call.called_num)?;
        number(&mut out, "mid", call.mid)?;
        number(&mut out, "trunkNo", call.trunk_no)?;
        number(&mut out, "priority", call.priority)?;
        number(
            &mut out,
            "deviceType",
            call.device_type.map(DeviceType::code),
        )?;
        number(&mut out, "deviceNo", call.device_no)?;
        out.serialize_field("callData", &self.call_data)?;
        number(&mut out, "callDataLen", self.call_data_len)?;
        out.serialize_field("callSkill", &call.call_skill)?;
        number(&mut out, "partyNum", call.party_num)?;
        digits(
            &mut out,
            "callFeature",
            call.call_feature.map(CallFeature::code),
        )?;
        out.serialize_field("orgiCalledNum", &call.orgi_called_num)?;
        digits(&mut out, "mediaType", call.media_type.map(MediaType::code))?;
        number(&mut out, "place", call.place)?;
        number(&mut out, "waitTime", call.wait_time)?;
        number(&mut out, "totalTalkingTimes", call.total_talking_times)?;
        number(&mut out, "logonTimes", call.logon_times)?;
        number(&mut out, "serviceType", call.service_type)?;
        number(&mut out, "callInCause", call.call_in_cause)?;
        number(
            &mut out,
            "enterReason",
            call.enter_reason.map(EnterReason::code),
        )?;
        number(&mut out, "mediaBillType", call.media_bill_type)?;
        out.end()
    }
}

#[cfg(feature = "openapi")]
mod schema {
    use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, Type};
    use utoipa::openapi::{RefOr, schema::KnownFormat, schema::SchemaFormat};
    use utoipa::{PartialSchema, ToSchema};

    use super::{BasicCallInfo, DetailCallInfo};

    /// The basic call's schema with the three detail fields added and the two codes
    /// typed as strings of digits.
    impl PartialSchema for DetailCallInfo {
        fn schema() -> RefOr<Schema> {
            let RefOr::T(Schema::Object(mut object)) = BasicCallInfo::schema() else {
                return BasicCallInfo::schema();
            };
            let integer = |description: &str| {
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .description(Some(description))
                    .build()
            };
            let digits = |description: &str, example: &str| {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[0-9]+$"))
                    .description(Some(description))
                    .examples([example])
                    .build()
            };
            let insert = |object: &mut Object, name: &str, schema: Object| {
                object
                    .properties
                    .insert(name.to_owned(), RefOr::T(Schema::Object(schema)));
            };
            insert(
                &mut object,
                "cb",
                integer("The call's internal control-block ID"),
            );
            insert(
                &mut object,
                "callData",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("Call-associated data (\"\" when none)"))
                    .build(),
            );
            insert(
                &mut object,
                "callDataLen",
                integer("The byte length of callData"),
            );
            insert(
                &mut object,
                "callFeature",
                digits("Call feature code, as digits", "0"),
            );
            insert(
                &mut object,
                "mediaType",
                digits("Media type code, as digits", "5"),
            );
            RefOr::T(Schema::Object(object))
        }
    }

    impl ToSchema for DetailCallInfo {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{ApiReply, read_reply};

    fn detail() -> DetailCallInfo {
        DetailCallInfo::new(
            77,
            "orderId=42".to_owned(),
            BasicCallInfo {
                call_feature: Some(CallFeature::Ordinary),
                media_type: Some(MediaType::Voice),
                ..BasicCallInfo::default()
            }
            .completed(),
        )
    }

    #[test]
    fn the_detail_writes_every_field_in_the_published_order_with_codes_as_digits() {
        let text = serde_json::to_string(&detail()).unwrap();
        let at: Vec<usize> = DETAIL_FIELD_ORDER
            .iter()
            .map(|name| text.find(&format!("\"{name}\":")).unwrap())
            .collect();
        assert!(at.windows(2).all(|pair| pair[0] < pair[1]), "{text}");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value.as_object().unwrap().len(), 28);
        assert_eq!(value["cb"], 77);
        assert_eq!(value["callData"], "orderId=42");
        assert_eq!(value["callDataLen"], 10);
        assert_eq!(value["callFeature"], "0");
        assert_eq!(value["mediaType"], "5");
        assert_eq!(value["deviceType"], 0);
    }

    #[test]
    fn the_detail_reads_back_from_its_own_answer() {
        let text = format!(
            r#"{{"resultCode":"0100000","resultDesc":{}}}"#,
            serde_json::to_string(&detail()).unwrap()
        );
        assert_eq!(
            read_reply::<QueryDetailCallInfo>(text.as_bytes()).unwrap(),
            ApiReply::Answered(detail())
        );
    }

    #[test]
    fn the_body_is_querybasiccallinfos() {
        let key = QueryDetailCallInfo::parse(br#"{"ccId":1,"vdn":2,"callId":"1-2"}"#).unwrap();
        assert_eq!(key.call_id.as_str(), "1-2");
        assert!(QueryDetailCallInfo::parse(br#"{"ccId":1,"vdn":2}"#).is_err());
        assert_eq!(
            serde_json::to_string(&QueryDetailCallInfo::new(1, 2, "1-2")).unwrap(),
            r#"{"ccId":1,"vdn":2,"callId":"1-2"}"#
        );
    }
}
