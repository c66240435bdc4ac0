//! The sandbox's lists of a `calldata-server` (its admin API, docs/api.md section 7): the
//! signed-in agents with their calls, and the calls in progress as flat records. A
//! wallboard of a local server reads them besides the interfaces; a real CC-CMS has no
//! sandbox and answers 404 ([`Error::Undecodable`] with `status` 404), and so does a server
//! with the sandbox off.
//!
//! Both are signed `GET`s answered in the short envelope, and their items are read
//! tolerantly like every other reply: numbers may arrive as strings of digits, absent
//! fields are absent, unknown fields are ignored. The IDs are the model's, checked in their
//! ranges: a list whose item has none is no list of this VDN.

use calldata_model::local_server::{SANDBOX_AGENTS_PATH, SANDBOX_CALLS_PATH};
use calldata_model::{AgentId, BasicCallInfo, CallDirection, CallStatus, CcId, Vdn, lenient};
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::Error;

/// The most items one sandbox list answers (its `limit`, 1 to 1000, is asked at the most).
pub const SANDBOX_LIST_LIMIT: usize = 1000;

/// A signed-in agent of the sandbox's list:
/// `{"ccId": 1, "vdn": 1, "agentId": 1001, "calls": [...], "privateCalls": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxAgent {
    /// Call center ID.
    pub cc_id: CcId,
    /// VDN ID.
    pub vdn: Vdn,
    /// Agent ID.
    pub agent_id: AgentId,
    /// The IDs of the calls at the agent, in the order they started.
    #[serde(default, deserialize_with = "lenient::strings")]
    pub calls: Vec<String>,
    /// The IDs of the calls waiting in its private queue.
    #[serde(default, deserialize_with = "lenient::strings")]
    pub private_calls: Vec<String>,
}

/// A call in progress of the sandbox's list: its key, the 25 basic fields and, when the
/// record has them, its status and direction, in one flat object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxCall {
    /// Call center ID.
    pub cc_id: CcId,
    /// VDN ID.
    pub vdn: Vdn,
    /// Call ID.
    #[serde(default, deserialize_with = "lenient::string")]
    pub call_id: String,
    /// The call's basic fields (`deviceType`, `deviceNo`, `callSkill`, `waitTime`, ...).
    #[serde(flatten)]
    pub call: BasicCallInfo,
    /// What the call is doing; absent when the record leaves it to the server's default.
    #[serde(
        default,
        deserialize_with = "lenient::opt_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub call_status: Option<CallStatus>,
    /// 0 inbound, 1 outbound; absent when the record leaves it to the server's default.
    #[serde(
        default,
        deserialize_with = "lenient::opt_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub call_in_out: Option<CallDirection>,
}

impl Client {
    /// The sandbox's signed-in agents of one VDN with their calls (`GET
    /// /sandbox/v1/agents`), in agent ID order, at most [`SANDBOX_LIST_LIMIT`].
    ///
    /// A server without the sandbox (a real CC-CMS, or the sandbox off) answers
    /// [`Error::Undecodable`] with `status` 404.
    pub async fn sandbox_agents(&self, cc_id: CcId, vdn: Vdn) -> Result<Vec<SandboxAgent>, Error> {
        self.sandbox_list(SANDBOX_AGENTS_PATH, cc_id, vdn).await
    }

    /// The sandbox's calls in progress of one VDN (`GET /sandbox/v1/calls`), at most
    /// [`SANDBOX_LIST_LIMIT`]; a server without the sandbox answers as for
    /// [`sandbox_agents`](Self::sandbox_agents).
    pub async fn sandbox_calls(&self, cc_id: CcId, vdn: Vdn) -> Result<Vec<SandboxCall>, Error> {
        self.sandbox_list(SANDBOX_CALLS_PATH, cc_id, vdn).await
    }

    /// One page of a sandbox list of one VDN, as large as the server answers.
    async fn sandbox_list<T: Serialize + serde::de::DeserializeOwned>(
        &self,
        path: &str,
        cc_id: CcId,
        vdn: Vdn,
    ) -> Result<Vec<T>, Error> {
        let (cc_id, vdn, limit) = (
            cc_id.to_string(),
            vdn.to_string(),
            SANDBOX_LIST_LIMIT.to_string(),
        );
        self.list(path, &[("ccId", &cc_id), ("vdn", &vdn), ("limit", &limit)])
            .await
    }
}

#[cfg(test)]
mod tests {
    use calldata_model::{ApiReply, DeviceType, EnvelopeKind, read_envelope};

    use super::*;

    fn answered<T: Serialize + serde::de::DeserializeOwned>(body: &str) -> Vec<T> {
        match read_envelope::<Vec<T>>(EnvelopeKind::Short, body.as_bytes()).unwrap() {
            ApiReply::Answered(items) => items,
            ApiReply::Failed { code, message } => panic!("{code}: {message}"),
        }
    }

    #[test]
    fn agents_are_read_with_numbers_as_digit_strings() {
        let agents: Vec<SandboxAgent> = answered(
            r#"{"resultCode":"0100000","resultDesc":[
                {"ccId":1,"vdn":"1","agentId":"1001","calls":["1-1",7],"privateCalls":null},
                {"ccId":"1","vdn":1,"agentId":101,"future":true}
            ]}"#,
        );
        assert_eq!(agents.len(), 2);
        assert_eq!(agents[0].agent_id.get(), 1001);
        assert_eq!(agents[0].vdn.get(), 1);
        assert_eq!(agents[0].calls, ["1-1", "7"]);
        assert!(agents[0].private_calls.is_empty());
        assert_eq!(agents[1].agent_id.get(), 101);
        assert!(agents[1].calls.is_empty());
    }

    #[test]
    fn calls_are_read_flat_with_their_basic_fields() {
        let calls: Vec<SandboxCall> = answered(
            r#"{"resultCode":"0100000","resultDesc":[
                {"ccId":1,"vdn":1,"callId":"1764546000123-4","deviceType":"1","deviceNo":7,
                 "callSkill":"defaultAudioSkill","waitTime":"42","mediaType":5,"callStatus":2},
                {"ccId":1,"vdn":1,"callId":"1764546000123-5","deviceType":2,"deviceNo":1001,
                 "totalTalkingTimes":90}
            ]}"#,
        );
        assert_eq!(calls[0].call_id, "1764546000123-4");
        assert_eq!(calls[0].call.device_type, Some(DeviceType::SkillQueue));
        assert_eq!(calls[0].call.device_no, Some(7));
        assert_eq!(calls[0].call.call_skill, "defaultAudioSkill");
        assert_eq!(calls[0].call.wait_time, Some(42));
        assert_eq!(calls[0].call_status, Some(CallStatus::QueuedInSkill));
        assert_eq!(calls[1].call.total_talking_times, Some(90));
        assert_eq!(calls[1].call_status, None);
    }

    #[test]
    fn garbage_where_a_number_belongs_fails_the_list() {
        for item in [
            r#"{"ccId":1,"vdn":1,"callId":"1-1","waitTime":true}"#,
            r#"{"ccId":1,"vdn":0,"callId":"1-1"}"#,
            r#"{"vdn":1,"callId":"1-1"}"#,
        ] {
            let body = format!(r#"{{"resultCode":"0100000","resultDesc":[{item}]}}"#);
            assert!(
                read_envelope::<Vec<SandboxCall>>(EnvelopeKind::Short, body.as_bytes()).is_err(),
                "{item}"
            );
        }
    }
}
