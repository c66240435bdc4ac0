//! The BMS monitor wire format (`../shared/spec/bms.md`, and `docs/api.md` for the family),
//! the one place the project assumes how BMS speaks: each interface is a `POST` of a JSON
//! body to its path, answered with the same envelope,
//! `{"retCode":"0","retMsg":"...","data":...}`, whatever the interface:
//!
//! | open API interface | BMS path | body | `data` |
//! |---|---|---|---|
//! | querybasiccallinfo | `querybasecallinfo` | `{"ccId","vdnId","callId"}` | the call |
//! | querydetailcallinfo | `callinfo` | `{"ccId","vdnId","callId"}` | the call in detail |
//! | agent/queryagentcalls, agentgroup/queryagentcalls | `queryagentCalls` | `{"ccId","vdnId","agentIds":[..]}` | `[{"agentId","callList":[..]}]` |
//! | agent/agentprivatecall | `agentprivatecall` | `{"ccId","vdnId","agentId"}` | `["<callId>", ..]` |
//! | ctiservertime | `queryctiservertime` | `{"ccId"}` | epoch milliseconds, a number |
//!
//! every path under `/ccbms/ws/monitor/`.

use calldata_model::{AgentGroupKey, AgentKey, BasicCallInfo, CallKey, CcId};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Path of the BMS interface behind querybasiccallinfo, appended to the BMS base URL.
pub const QUERY_PATH: &str = "/ccbms/ws/monitor/querybasecallinfo";

/// Path of the BMS interface behind querydetailcallinfo.
pub const CALL_INFO_PATH: &str = "/ccbms/ws/monitor/callinfo";

/// Path of the BMS interface behind agent/queryagentcalls and agentgroup/queryagentcalls.
pub const AGENT_CALLS_PATH: &str = "/ccbms/ws/monitor/queryagentCalls";

/// Path of the BMS interface behind agent/agentprivatecall.
pub const PRIVATE_CALLS_PATH: &str = "/ccbms/ws/monitor/agentprivatecall";

/// Path of the BMS interface behind ctiservertime.
pub const CTI_TIME_PATH: &str = "/ccbms/ws/monitor/queryctiservertime";

/// The request body the adapter sends for one call (querybasecallinfo, callinfo).
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

/// The body of `queryagentCalls`: the agents of one VDN, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BmsAgentsQuery {
    /// Call center ID.
    #[serde(rename = "ccId")]
    pub cc_id: u16,
    /// VDN ID.
    #[serde(rename = "vdnId")]
    pub vdn_id: u16,
    /// Agent IDs.
    #[serde(rename = "agentIds")]
    pub agent_ids: Vec<u32>,
}

impl From<&AgentGroupKey> for BmsAgentsQuery {
    fn from(key: &AgentGroupKey) -> Self {
        Self {
            cc_id: key.cc_id.get(),
            vdn_id: key.vdn.get(),
            agent_ids: key.agent_ids.iter().map(|id| id.get()).collect(),
        }
    }
}

/// The body of `agentprivatecall`: one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BmsAgentQuery {
    /// Call center ID.
    #[serde(rename = "ccId")]
    pub cc_id: u16,
    /// VDN ID.
    #[serde(rename = "vdnId")]
    pub vdn_id: u16,
    /// Agent ID.
    #[serde(rename = "agentId")]
    pub agent_id: u32,
}

impl From<&AgentKey> for BmsAgentQuery {
    fn from(key: &AgentKey) -> Self {
        Self {
            cc_id: key.cc_id.get(),
            vdn_id: key.vdn.get(),
            agent_id: key.agent_id.get(),
        }
    }
}

/// The body of `queryctiservertime`: one call center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BmsCallCenterQuery {
    /// Call center ID.
    #[serde(rename = "ccId")]
    pub cc_id: u16,
}

impl From<CcId> for BmsCallCenterQuery {
    fn from(cc_id: CcId) -> Self {
        Self { cc_id: cc_id.get() }
    }
}

/// A BMS answer to any interface, read leniently (`retCode` and `retMsg` as string or number,
/// `data` with the lenient rules of its type, unknown fields ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// `data` defaults to `None`, which needs no `T: Default` (serde would ask for it).
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct BmsReply<T> {
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
    /// The payload, when there is one (the call, for querybasiccallinfo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
}

/// The BMS answer to querybasiccallinfo: `data` is the call, with the open API's field names.
pub type BasicCallReply = BmsReply<BasicCallInfo>;

impl<T: DeserializeOwned> BmsReply<T> {
    /// Reads a reply body; anything that is not this envelope (with a readable `data`) is an
    /// error.
    pub fn read(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }
}

impl<T> BmsReply<T> {
    /// A reply without data.
    pub fn without_data(ret_code: impl Into<String>, ret_msg: impl Into<String>) -> Self {
        Self {
            ret_code: ret_code.into(),
            ret_msg: ret_msg.into(),
            data: None,
        }
    }
}

/// What a `retCode` means (the table of `bms.md`), the same on every interface.
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
    fn the_family_bodies_name_their_fields_as_bms_reads_them() {
        let group = calldata_model::QueryAgentGroupCalls::new(1, 2, [1099, 1100])
            .to_group_key()
            .unwrap();
        assert_eq!(
            serde_json::to_string(&BmsAgentsQuery::from(&group)).unwrap(),
            r#"{"ccId":1,"vdnId":2,"agentIds":[1099,1100]}"#
        );
        let agent = calldata_model::AgentFields::new(1, 2, 1099)
            .to_agent_key()
            .unwrap();
        assert_eq!(
            serde_json::to_string(&BmsAgentQuery::from(&agent)).unwrap(),
            r#"{"ccId":1,"vdnId":2,"agentId":1099}"#
        );
        assert_eq!(
            serde_json::to_string(&BmsCallCenterQuery::from(CcId::new(3).unwrap())).unwrap(),
            r#"{"ccId":3}"#
        );
    }

    #[test]
    fn replies_are_read_leniently() {
        let reply =
            BasicCallReply::read(br#"{"retCode":0,"data":{"dsn":"5","waitTime":""},"extra":1}"#)
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

    #[test]
    fn the_envelope_is_read_the_same_over_any_data() {
        #[derive(Debug, PartialEq, Eq, Deserialize)]
        struct Time {
            time: u64,
        }
        let reply =
            BmsReply::<Time>::read(br#"{"retCode":"0","retMsg":7,"data":{"time":5}}"#).unwrap();
        assert_eq!(
            (reply.ret_code.as_str(), reply.ret_msg.as_str()),
            ("0", "7")
        );
        assert_eq!(reply.data, Some(Time { time: 5 }));
        let reply = BmsReply::<Time>::read(br#"{"retCode":"1"}"#).unwrap();
        assert_eq!(reply, BmsReply::without_data("1", ""));
        assert!(BmsReply::<Time>::read(br#"{"retCode":"0","data":{"time":"x"}}"#).is_err());
        assert!(BmsReply::<Time>::read(b"[1,2,3]").is_err());
    }
}
