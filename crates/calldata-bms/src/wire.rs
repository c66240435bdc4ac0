//! The BMS monitor wire format (`../shared/spec/bms.md`), the one place the project assumes
//! how BMS speaks: `POST /ccbms/ws/monitor/querybasecallinfo` with
//! `{"ccId":1,"vdnId":1,"callId":"..."}`, answered `{"retCode":"0","retMsg":"...","data":{...}}`.

use calldata_model::{BasicCallInfo, CallKey};
use serde::{Deserialize, Serialize};

/// Path of the BMS interface, appended to the BMS base URL.
pub const QUERY_PATH: &str = "/ccbms/ws/monitor/querybasecallinfo";

/// The request body the adapter sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BmsQuery {
    /// Call center ID.
    #[serde(rename = "ccId")]
    pub cc_id: u16,
    /// VDN ID (named `vdnId` on this interface).
    #[serde(rename = "vdnId")]
    pub vdn_id: u16,
    /// Call ID.
    #[serde(rename = "callId")]
    pub call_id: String,
}

impl From<&CallKey> for BmsQuery {
    fn from(key: &CallKey) -> Self {
        Self {
            cc_id: key.cc_id.get(),
            vdn_id: key.vdn.get(),
            call_id: key.call_id.to_string(),
        }
    }
}

/// A BMS answer, read leniently (`retCode` as string or number, `data` as the open API's
/// call object with its lenient rules, unknown fields ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BmsReply {
    /// `"0"` found, `"1"` not in progress, `"2"` parameter rejected, `"3"` CTI version, else failure.
    #[serde(
        rename = "retCode",
        deserialize_with = "calldata_model::lenient::string"
    )]
    pub ret_code: String,
    /// Human-readable message.
    #[serde(
        rename = "retMsg",
        default,
        deserialize_with = "calldata_model::lenient::string"
    )]
    pub ret_msg: String,
    /// The call, when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<BasicCallInfo>,
}

/// What a `retCode` means (the table of `bms.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetCode {
    /// `0`: found.
    Found,
    /// `1`: no such call in progress.
    NotInProgress,
    /// `2`: parameter rejected by BMS.
    ParameterRejected,
    /// `3`: CTI version does not support the query.
    CtiVersionUnsupported,
    /// Anything else: BMS failure.
    Failure,
}

impl RetCode {
    /// The meaning of a wire `retCode`.
    pub fn of(code: &str) -> Self {
        match code.trim() {
            "0" => Self::Found,
            "1" => Self::NotInProgress,
            "2" => Self::ParameterRejected,
            "3" => Self::CtiVersionUnsupported,
            _ => Self::Failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_uses_vdn_id_on_the_wire() {
        let key =
            calldata_model::QueryBasicCallInfo::parse(br#"{"ccId":1,"vdn":2,"callId":"3-4"}"#)
                .unwrap();
        let json = serde_json::to_string(&BmsQuery::from(&key)).unwrap();
        assert_eq!(json, r#"{"ccId":1,"vdnId":2,"callId":"3-4"}"#);
    }

    #[test]
    fn replies_are_read_leniently() {
        let reply: BmsReply =
            serde_json::from_str(r#"{"retCode":0,"data":{"dsn":"5","waitTime":""},"extra":1}"#)
                .unwrap();
        assert_eq!(RetCode::of(&reply.ret_code), RetCode::Found);
        let call = reply.data.unwrap();
        assert_eq!(call.dsn, Some(5));
        assert_eq!(call.wait_time, None);
        for (code, meaning) in [
            ("1", RetCode::NotInProgress),
            ("2", RetCode::ParameterRejected),
            (" 3 ", RetCode::CtiVersionUnsupported),
            ("9", RetCode::Failure),
            ("", RetCode::Failure),
        ] {
            assert_eq!(RetCode::of(code), meaning, "{code:?}");
        }
    }
}
