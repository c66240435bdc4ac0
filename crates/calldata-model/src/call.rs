//! `BasicCallInfo`: the 25 fields describing one call in progress (contract section 2).
//!
//! Serialization writes exactly the JSON column of the contract, in the order of the
//! reference example. Deserialization is lenient (see [`crate::lenient`]): numbers may
//! arrive as strings, `""` or `null` mean absent, unknown fields are ignored. An absent
//! number is `None` and is left out when the call is written again, so every field that is
//! written has its documented JSON type.

use serde::{Deserialize, Serialize};

use crate::enums::{CallFeature, DeviceType, EnterReason, MediaType};
use crate::lenient;

/// Basic information about one call in progress, as `resultDesc` carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BasicCallInfo {
    /// When the call entered the platform, epoch milliseconds.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub time: Option<i64>,
    /// Call task (control block) number.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub dsn: Option<i64>,
    /// How many times that control block was reused.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub handle: Option<i64>,
    /// Media server handling the call.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub server: Option<i64>,
    /// Unique call key (may be empty).
    #[serde(default, deserialize_with = "lenient::string")]
    pub key_id: String,
    /// Calling number.
    #[serde(default, deserialize_with = "lenient::string")]
    pub calling_num: String,
    /// Called number.
    #[serde(default, deserialize_with = "lenient::string")]
    pub called_num: String,
    /// UAP module ID.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub mid: Option<i64>,
    /// Trunk number.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub trunk_no: Option<i64>,
    /// Customer level.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub priority: Option<i64>,
    /// Kind of device now handling the call.
    #[serde(
        default,
        deserialize_with = "lenient::opt_code",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub device_type: Option<DeviceType>,
    /// That device's ID (agent ID, skill queue ID, ...).
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub device_no: Option<i64>,
    /// Skill queue description, e.g. `defaultAudioSkill`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub call_skill: String,
    /// Number of devices on the call's track.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub party_num: Option<i64>,
    /// Call feature.
    #[serde(
        default,
        deserialize_with = "lenient::opt_code",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub call_feature: Option<CallFeature>,
    /// First called number if it changed before entry (may be empty).
    #[serde(default, deserialize_with = "lenient::string")]
    pub orgi_called_num: String,
    /// Media type.
    #[serde(
        default,
        deserialize_with = "lenient::opt_code",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub media_type: Option<MediaType>,
    /// Where the call entered.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub place: Option<i64>,
    /// Time queued.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub wait_time: Option<i64>,
    /// Talk duration.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_talking_times: Option<i64>,
    /// Total time in the system.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub logon_times: Option<i64>,
    /// Business type.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub service_type: Option<i64>,
    /// Inbound cause; 65535 means unset.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub call_in_cause: Option<i64>,
    /// Why the call entered the current device.
    #[serde(
        default,
        deserialize_with = "lenient::opt_code",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub enter_reason: Option<EnterReason>,
    /// Multimedia report type.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64_or_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub media_bill_type: Option<i64>,
}

impl BasicCallInfo {
    /// The call with every absent number set to its "none" value (0, and 65535 for
    /// `callInCause`), so that it is written with all 25 fields, as the reference does.
    #[must_use]
    pub fn completed(self) -> Self {
        let zero = |v: Option<i64>| v.or(Some(0));
        Self {
            time: zero(self.time),
            dsn: zero(self.dsn),
            handle: zero(self.handle),
            server: zero(self.server),
            mid: zero(self.mid),
            trunk_no: zero(self.trunk_no),
            priority: zero(self.priority),
            device_type: self.device_type.or(Some(DeviceType::from_code(0))),
            device_no: zero(self.device_no),
            party_num: zero(self.party_num),
            call_feature: self.call_feature.or(Some(CallFeature::from_code(0))),
            media_type: self.media_type.or(Some(MediaType::from_code(0))),
            place: zero(self.place),
            wait_time: zero(self.wait_time),
            total_talking_times: zero(self.total_talking_times),
            logon_times: zero(self.logon_times),
            service_type: zero(self.service_type),
            call_in_cause: self.call_in_cause.or(Some(CALL_IN_CAUSE_UNSET)),
            enter_reason: self.enter_reason.or(Some(EnterReason::from_code(0))),
            media_bill_type: zero(self.media_bill_type),
            ..self
        }
    }
}

/// Field names in wire order, as the reference example writes them.
pub const FIELD_ORDER: [&str; 25] = [
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

/// The `callInCause` value that means "not set".
pub const CALL_IN_CAUSE_UNSET: i64 = 65535;
