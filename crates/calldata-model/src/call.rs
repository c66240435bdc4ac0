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
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub media_bill_type: Option<i64>,
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
