//! `agentgroup/queryagentcalls`: the current calls of up to 3000 agents at once, with each
//! call's status, direction and media type (family.md section 4): what a wallboard asks.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::enums::{CallDirection, CallStatus, MediaType};
use crate::envelope::{Payload, PayloadShape};
use crate::ids::{AgentId, CcId, Vdn};
use crate::interface::{CtiSupport, EnvelopeKind, Interface, Operation, Reach};
use crate::lenient;
use crate::request::{
    FieldViolation, InvalidRequest, Sent, broken_fields, object_text, required_integer,
};

/// The most agents one request may name.
pub const MAX_AGENTS: usize = 3000;

/// The request body: `{"ccId": 1, "vdn": 1, "agentIds": [1099, 1100]}`. Integers may also
/// arrive as strings of digits; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueryAgentGroupCalls {
    /// Call center ID, 1..=65535.
    #[serde(rename = "ccId", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 65535, example = 1))]
    pub cc_id: Option<Sent<i64>>,
    /// VDN ID, 1..=5000.
    #[serde(rename = "vdn", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required = true, minimum = 1, maximum = 5000, example = 1))]
    pub vdn: Option<Sent<i64>>,
    /// 1 to 3000 agent IDs, each 101..=59999 or 70000..=999999; answered in this order.
    #[serde(
        rename = "agentIds",
        default,
        deserialize_with = "agent_ids",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>, required = true, min_items = 1, max_items = 3000, example = json!([1099, 1100])))]
    pub agent_ids: Option<SentAgentIds>,
}

/// The agent IDs as sent: an array (each element as sent), or what else was there.
pub type SentAgentIds = Sent<Vec<Sent<i64>>>;

/// The agents of one VDN a valid body names, in request order (repeats kept).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AgentGroupKey {
    /// Call center ID.
    pub cc_id: CcId,
    /// VDN ID.
    pub vdn: Vdn,
    /// The agents, 1 to [`MAX_AGENTS`].
    pub agent_ids: Vec<AgentId>,
}

impl QueryAgentGroupCalls {
    /// The request for these agents, as a client builds it.
    pub fn new(cc_id: i64, vdn: i64, agent_ids: impl IntoIterator<Item = i64>) -> Self {
        Self {
            cc_id: Some(Sent::Value(cc_id)),
            vdn: Some(Sent::Value(vdn)),
            agent_ids: Some(Sent::Value(
                agent_ids.into_iter().map(Sent::Value).collect(),
            )),
        }
    }

    /// Validates every field, reporting each broken one in order (of the agent IDs, the
    /// first broken one).
    pub fn to_group_key(&self) -> Result<AgentGroupKey, InvalidRequest> {
        let cc_id = required_integer("ccId", self.cc_id.as_ref(), CcId::new);
        let vdn = required_integer("vdn", self.vdn.as_ref(), Vdn::new);
        let agent_ids = agent_list(self.agent_ids.as_ref());
        match (cc_id, vdn, agent_ids) {
            (Ok(cc_id), Ok(vdn), Ok(agent_ids)) => Ok(AgentGroupKey {
                cc_id,
                vdn,
                agent_ids,
            }),
            (cc_id, vdn, agent_ids) => {
                Err(broken_fields([cc_id.err(), vdn.err(), agent_ids.err()]))
            }
        }
    }
}

impl From<&AgentGroupKey> for QueryAgentGroupCalls {
    fn from(key: &AgentGroupKey) -> Self {
        Self::new(
            i64::from(key.cc_id.get()),
            i64::from(key.vdn.get()),
            key.agent_ids.iter().map(|id| i64::from(id.get())),
        )
    }
}

/// The agent IDs of a body, or what is wrong with them.
fn agent_list(sent: Option<&SentAgentIds>) -> Result<Vec<AgentId>, FieldViolation> {
    let violation = |problem: String| FieldViolation {
        field: "agentIds",
        problem: problem.into(),
    };
    let items = match sent {
        None => return Err(violation("is required".to_owned())),
        Some(Sent::WrongType(found)) => {
            return Err(violation(format!("must be an array, not {found}")));
        }
        Some(Sent::Value(items)) => items,
    };
    if items.is_empty() || items.len() > MAX_AGENTS {
        let count = if items.len() > MAX_AGENTS {
            format!("more than {MAX_AGENTS}")
        } else {
            "none".to_owned()
        };
        return Err(violation(format!(
            "must hold 1 to {MAX_AGENTS} agent IDs, not {count}"
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            required_integer("agentIds", Some(item), AgentId::new)
                .map_err(|broken| violation(format!("element {index} {}", broken.problem)))
        })
        .collect()
}

/// Reads `agentIds` as sent: an array of any values (at most one past [`MAX_AGENTS`] kept,
/// so a long array costs no memory), or what else was there.
fn agent_ids<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SentAgentIds>, D::Error> {
    deserializer.deserialize_any(AgentIdsVisitor).map(Some)
}

struct AgentIdsVisitor;

impl<'de> Visitor<'de> for AgentIdsVisitor {
    type Value = SentAgentIds;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while items.len() <= MAX_AGENTS {
            match seq.next_element::<Sent<i64>>()? {
                Some(item) => items.push(item),
                None => return Ok(Sent::Value(items)),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Sent::Value(items))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Sent::WrongType("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Sent::WrongType("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Sent::WrongType("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Sent::WrongType("a number"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Sent::WrongType("a string"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Sent::WrongType("null"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Sent::WrongType("an object"))
    }
}

impl Operation for QueryAgentGroupCalls {
    const INTERFACE: Interface = Interface {
        name: "agentgroup/queryagentcalls",
        path: "/rest/cmsapp/v1/openapi/agentgroup/queryagentcalls",
        summary: "The current calls of up to 3000 agents, with their status and media type",
        cti: CtiSupport::Any,
        envelope: EnvelopeKind::Full,
        platform: false,
    };
    type Request = AgentGroupKey;
    type Answer = AgentGroupCalls;

    fn parse(body: &[u8]) -> Result<AgentGroupKey, InvalidRequest> {
        let body: Self = serde_json::from_str(object_text(body)?)
            .map_err(|e| InvalidRequest::NotJson(e.to_string()))?;
        body.to_group_key()
    }

    fn reach(key: &AgentGroupKey) -> Reach {
        Reach::Vdn(key.cc_id, key.vdn)
    }
}

/// One element per requested agent, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct AgentGroupCalls(pub Vec<AgentCalls>);

impl Payload for AgentGroupCalls {
    const SHAPE: PayloadShape = PayloadShape::List;
}

/// One agent's calls: `{"agentId": 1099, "callList": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentCalls {
    /// The agent asked for.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(example = 1099))]
    pub agent_id: Option<i64>,
    /// Its calls; `[]` when it has none.
    #[serde(default)]
    pub call_list: Vec<AgentCall>,
}

/// One call of an agent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentCall {
    /// Call ID.
    #[serde(default, deserialize_with = "lenient::string")]
    #[cfg_attr(feature = "openapi", schema(example = "1605494261-1449"))]
    pub call_id: String,
    /// What the call is doing (0 idle .. 9 three-party).
    #[serde(
        default,
        deserialize_with = "lenient::opt_code",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, example = 5))]
    pub call_status: Option<CallStatus>,
    /// 0 inbound, 1 outbound.
    #[serde(
        default,
        deserialize_with = "lenient::opt_code",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, example = 0))]
    pub call_in_out: Option<CallDirection>,
    /// Media type.
    #[serde(
        default,
        deserialize_with = "lenient::opt_code",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, example = 5))]
    pub media_type: Option<MediaType>,
    /// Sub-media type of a social chat call (media type 53): 1 web, 2 `WhatsApp`, 3 Line,
    /// 4 `WeChat`, 5 Facebook Messenger, 6 Twitter, 7 5G message, 8 email, 9 SMS; written
    /// for those calls only.
    #[serde(
        rename = "submediaType",
        default,
        deserialize_with = "lenient::string",
        skip_serializing_if = "String::is_empty"
    )]
    pub submedia_type: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{ApiReply, Envelope, read_reply};

    fn problem(body: &str) -> String {
        QueryAgentGroupCalls::parse(body.as_bytes())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_valid_body_keeps_the_agents_in_request_order() {
        let key =
            QueryAgentGroupCalls::parse(br#"{"ccId":1,"vdn":1,"agentIds":[1100,"1099",1100]}"#)
                .unwrap();
        let ids: Vec<u32> = key.agent_ids.iter().map(|id| id.get()).collect();
        assert_eq!(ids, [1100, 1099, 1100]);
        let most: Vec<i64> = (1001..4001).collect();
        let body = serde_json::to_string(&QueryAgentGroupCalls::new(1, 1, most)).unwrap();
        assert_eq!(
            QueryAgentGroupCalls::parse(body.as_bytes())
                .unwrap()
                .agent_ids
                .len(),
            3000
        );
    }

    #[test]
    fn a_bad_agent_list_names_the_field_and_the_element() {
        assert_eq!(problem(r#"{"ccId":1,"vdn":1}"#), "agentIds is required");
        assert_eq!(
            problem(r#"{"ccId":1,"vdn":1,"agentIds":[]}"#),
            "agentIds must hold 1 to 3000 agent IDs, not none"
        );
        assert_eq!(
            problem(r#"{"ccId":1,"vdn":1,"agentIds":1099}"#),
            "agentIds must be an array, not a number"
        );
        assert_eq!(
            problem(r#"{"ccId":0,"vdn":1,"agentIds":[1099,true,5]}"#),
            "ccId must be between 1 and 65535; agentIds element 1 must be an integer, not a boolean"
        );
        let many: Vec<String> = (0..3001).map(|n| (1001 + n).to_string()).collect();
        assert_eq!(
            problem(&format!(
                r#"{{"ccId":1,"vdn":1,"agentIds":[{}]}}"#,
                many.join(",")
            )),
            "agentIds must hold 1 to 3000 agent IDs, not more than 3000"
        );
    }

    #[test]
    fn the_answer_reads_back_and_writes_submedia_only_when_there_is_one() {
        let answer = AgentGroupCalls(vec![
            AgentCalls {
                agent_id: Some(1099),
                call_list: vec![AgentCall {
                    call_id: "1605494261-1449".to_owned(),
                    call_status: Some(CallStatus::Talking),
                    call_in_out: Some(CallDirection::Inbound),
                    media_type: Some(MediaType::Voice),
                    submedia_type: String::new(),
                }],
            },
            AgentCalls {
                agent_id: Some(1100),
                call_list: vec![],
            },
        ]);
        let written =
            serde_json::to_string(&Envelope::of::<QueryAgentGroupCalls>(&answer, false)).unwrap();
        assert_eq!(
            written,
            r#"{"resultCode":"0100000","resultDesc":[{"agentId":1099,"callList":[{"callId":"1605494261-1449","callStatus":5,"callInOut":0,"mediaType":5}]},{"agentId":1100,"callList":[]}]}"#
        );
        assert_eq!(
            read_reply::<QueryAgentGroupCalls>(written.as_bytes()).unwrap(),
            ApiReply::Answered(answer)
        );
        let social: AgentCall = serde_json::from_str(
            r#"{"callId":"1-1","callStatus":"4","callInOut":1,"mediaType":53,"submediaType":2}"#,
        )
        .unwrap();
        assert_eq!(social.submedia_type, "2");
        assert_eq!(social.call_status, Some(CallStatus::Alerting));
    }
}
