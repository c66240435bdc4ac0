//! `agent/queryagentcalls` and `agent/agentprivatecall`: the call IDs an agent is handling
//! now, and those waiting in its private queue (family.md sections 3 and 5). Both take the
//! same body, `{"ccId": 1, "vdn": 1, "agentId": 1099}`, and answer an array of call IDs.

use serde::{Deserialize, Serialize};

use crate::envelope::{Payload, PayloadShape};
use crate::ids::{AgentId, CcId, Vdn};
use crate::interface::{CtiSupport, EnvelopeKind, Interface, Operation, Reach};
use crate::request::{InvalidRequest, Sent, broken_fields, object_text, required_integer};

/// The body both agent interfaces take. Integers may also arrive as strings of digits;
/// unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentFields {
    /// Call center ID, 1..=65535.
    #[serde(rename = "ccId", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 65535, example = 1))]
    pub cc_id: Option<Sent<i64>>,
    /// VDN ID, 1..=5000.
    #[serde(rename = "vdn", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 5000, example = 1))]
    pub vdn: Option<Sent<i64>>,
    /// Agent ID, 101..=59999 or 70000..=999999.
    #[serde(rename = "agentId", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 101, maximum = 999_999, example = 1099))]
    pub agent_id: Option<Sent<i64>>,
}

/// One agent of one VDN: what a valid agent body means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentKey {
    /// Call center ID.
    pub cc_id: CcId,
    /// VDN ID.
    pub vdn: Vdn,
    /// Agent ID.
    pub agent_id: AgentId,
}

impl AgentFields {
    /// The body for one agent, as a client builds it.
    pub fn new(cc_id: i64, vdn: i64, agent_id: i64) -> Self {
        Self {
            cc_id: Some(Sent::Value(cc_id)),
            vdn: Some(Sent::Value(vdn)),
            agent_id: Some(Sent::Value(agent_id)),
        }
    }

    /// Validates every field, reporting each broken one in order.
    pub fn to_agent_key(&self) -> Result<AgentKey, InvalidRequest> {
        let cc_id = required_integer("ccId", self.cc_id.as_ref(), CcId::new);
        let vdn = required_integer("vdn", self.vdn.as_ref(), Vdn::new);
        let agent_id = required_integer("agentId", self.agent_id.as_ref(), AgentId::new);
        match (cc_id, vdn, agent_id) {
            (Ok(cc_id), Ok(vdn), Ok(agent_id)) => Ok(AgentKey {
                cc_id,
                vdn,
                agent_id,
            }),
            (cc_id, vdn, agent_id) => Err(broken_fields([cc_id.err(), vdn.err(), agent_id.err()])),
        }
    }

    fn parse(body: &[u8]) -> Result<AgentKey, InvalidRequest> {
        let fields: Self = serde_json::from_str(object_text(body)?)
            .map_err(|e| InvalidRequest::NotJson(e.to_string()))?;
        fields.to_agent_key()
    }
}

impl From<AgentKey> for AgentFields {
    fn from(key: AgentKey) -> Self {
        Self::new(
            i64::from(key.cc_id.get()),
            i64::from(key.vdn.get()),
            i64::from(key.agent_id.get()),
        )
    }
}

/// `agent/queryagentcalls`: the calls an agent is handling now (not those in its private
/// queue).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct QueryAgentCalls(pub AgentFields);

/// `agent/agentprivatecall`: the calls waiting in an agent's private queue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct AgentPrivateCall(pub AgentFields);

impl QueryAgentCalls {
    /// The request for one agent.
    pub fn new(cc_id: i64, vdn: i64, agent_id: i64) -> Self {
        Self(AgentFields::new(cc_id, vdn, agent_id))
    }
}

impl AgentPrivateCall {
    /// The request for one agent.
    pub fn new(cc_id: i64, vdn: i64, agent_id: i64) -> Self {
        Self(AgentFields::new(cc_id, vdn, agent_id))
    }
}

impl Operation for QueryAgentCalls {
    const INTERFACE: Interface = Interface {
        name: "queryagentcalls",
        path: "/rest/cmsapp/v1/openapi/agent/queryagentcalls",
        summary: "The IDs of the calls an agent is handling now",
        cti: CtiSupport::Any,
        envelope: EnvelopeKind::Full,
        platform: false,
    };
    type Request = AgentKey;
    type Answer = CallIds;

    fn parse(body: &[u8]) -> Result<AgentKey, InvalidRequest> {
        AgentFields::parse(body)
    }

    fn reach(key: &AgentKey) -> Reach {
        Reach::Vdn(key.cc_id, key.vdn)
    }
}

impl Operation for AgentPrivateCall {
    const INTERFACE: Interface = Interface {
        name: "agentprivatecall",
        path: "/rest/cmsapp/v1/openapi/agent/agentprivatecall",
        summary: "The IDs of the calls waiting in an agent's private queue",
        cti: CtiSupport::Any,
        envelope: EnvelopeKind::Full,
        platform: false,
    };
    type Request = AgentKey;
    type Answer = CallIds;

    fn parse(body: &[u8]) -> Result<AgentKey, InvalidRequest> {
        AgentFields::parse(body)
    }

    fn reach(key: &AgentKey) -> Reach {
        Reach::Vdn(key.cc_id, key.vdn)
    }
}

/// Call IDs, as `resultDesc` lists them: `["1605492949-1447"]`. Read as strings (a
/// platform's IDs are kept as sent, numbers written in decimal).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!(["1605492949-1447"])))]
#[serde(transparent)]
pub struct CallIds(#[serde(deserialize_with = "crate::lenient::strings")] pub Vec<String>);

impl Payload for CallIds {
    const SHAPE: PayloadShape = PayloadShape::List;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{ApiReply, Envelope, read_reply};

    #[test]
    fn a_valid_body_names_its_agent() {
        let key =
            QueryAgentCalls::parse(br#"{"ccId":"1","vdn":2,"agentId":"1099","x":[]}"#).unwrap();
        assert_eq!(
            (key.cc_id.get(), key.vdn.get(), key.agent_id.get()),
            (1, 2, 1099)
        );
        assert_eq!(
            AgentPrivateCall::parse(br#"{"ccId":1,"vdn":1,"agentId":999999}"#)
                .unwrap()
                .agent_id
                .get(),
            999_999
        );
    }

    #[test]
    fn a_bad_body_names_every_broken_field_in_order() {
        for (body, message) in [
            (
                &b"{}"[..],
                "ccId is required; vdn is required; agentId is required",
            ),
            (
                br#"{"ccId":1,"vdn":1,"agentId":60000}"#,
                "agentId must be between 101 and 59999 or between 70000 and 999999",
            ),
            (
                br#"{"ccId":1,"vdn":5001,"agentId":"a"}"#,
                "vdn must be between 1 and 5000; agentId must be an integer, not a string that is not a decimal integer",
            ),
        ] {
            let error = QueryAgentCalls::parse(body).unwrap_err();
            assert_eq!(error.to_string(), message);
        }
        assert!(matches!(
            AgentPrivateCall::parse(b"[]"),
            Err(InvalidRequest::NotJson(_))
        ));
    }

    #[test]
    fn call_ids_are_an_array_of_strings_read_from_numbers_too() {
        let written = serde_json::to_string(&Envelope::of::<QueryAgentCalls>(
            &CallIds(vec!["1605492949-1447".to_owned()]),
            false,
        ))
        .unwrap();
        assert_eq!(
            written,
            r#"{"resultCode":"0100000","resultDesc":["1605492949-1447"]}"#
        );
        assert_eq!(
            read_reply::<AgentPrivateCall>(br#"{"resultCode":"0100000","resultDesc":[12,"3-4"]}"#)
                .unwrap(),
            ApiReply::Answered(CallIds(vec!["12".to_owned(), "3-4".to_owned()]))
        );
    }

    #[test]
    fn a_key_converts_back_to_its_body() {
        let key = QueryAgentCalls::parse(br#"{"ccId":7,"vdn":8,"agentId":1001}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&QueryAgentCalls(key.into())).unwrap(),
            r#"{"ccId":7,"vdn":8,"agentId":1001}"#
        );
    }
}
