//! `/sandbox/v1/agents`: the agents of the sandbox's contact center. An agent signed in
//! answers `[]` in the agent views until a call is placed at it (`PATCH
//! /sandbox/v1/calls`, or a record with `deviceType` 2 and its ID); placing a call at an
//! agent signs it in.
//!
//! | method | what | body / query |
//! |---|---|---|
//! | `GET` | list agents with their calls | `?ccId=&vdn=&limit=` (all optional; limit 1..=1000, default 100) |
//! | `POST` | sign an agent in (`0100002` if it is) | `{"ccId": 1, "vdn": 1, "agentId": 1099}` |
//! | `DELETE` | sign an agent out (`0100001` if it is not, `0100002` while it has calls) | `?ccId=&vdn=&agentId=` |

use calldata_bms::AgentFilter;
use calldata_model::{AgentFields, AgentKey};
use serde::Deserialize;

use super::{
    CHANGE_WITH_BODY, CHANGE_WITHOUT_BODY, LIST, center_of, invalid, list_request, listed,
    out_of_scope, query_pairs, sent_number, submitted,
};
use crate::answer::Answer;
use crate::center::CenterChange;
use crate::routes::mount::SignedRoute;
use crate::routes::signed::{Rule, Signed};

/// `GET`: lists agents, filtered by `ccId` and `vdn`, with their calls.
#[derive(Debug)]
pub struct ListAgents;

/// `POST`: signs an agent in.
#[derive(Debug)]
pub struct SignIn;

/// `DELETE`: signs an agent out.
#[derive(Debug)]
pub struct SignOut;

impl SignedRoute for ListAgents {
    const RULE: Rule = LIST;

    async fn answer(signed: Signed<'_>) -> Answer {
        let (store, query, scope) = match list_request(&signed) {
            Ok(request) => request,
            Err(answer) => return answer,
        };
        let filter = AgentFilter {
            cc_id: query.cc_id,
            vdn: query.vdn,
        };
        listed(move || {
            let mut agents = store.list_agents(&filter, usize::MAX);
            agents.retain(|agent| scope.allows(agent.key.cc_id, agent.key.vdn));
            agents.truncate(query.limit);
            agents
        })
        .await
    }
}

impl SignedRoute for SignIn {
    const RULE: Rule = CHANGE_WITH_BODY;

    async fn answer(signed: Signed<'_>) -> Answer {
        let center = match center_of(&signed) {
            Ok(center) => center,
            Err(answer) => return answer,
        };
        let key = match serde_json::from_slice::<AgentFields>(signed.body())
            .map_err(|error| error.to_string())
            .and_then(|fields| fields.to_agent_key().map_err(|error| error.to_string()))
        {
            Ok(key) => key,
            Err(message) => return invalid(&message),
        };
        if let Some(answer) = out_of_scope(signed.caller(), key.cc_id, key.vdn) {
            return answer;
        }
        submitted(&center, CenterChange::SignIn { agent: key }).await
    }
}

impl SignedRoute for SignOut {
    const RULE: Rule = CHANGE_WITHOUT_BODY;

    async fn answer(signed: Signed<'_>) -> Answer {
        let center = match center_of(&signed) {
            Ok(center) => center,
            Err(answer) => return answer,
        };
        let key = match agent_from_query(signed.request().query_string()) {
            Ok(key) => key,
            Err(message) => return invalid(&message),
        };
        if let Some(answer) = out_of_scope(signed.caller(), key.cc_id, key.vdn) {
            return answer;
        }
        submitted(&center, CenterChange::SignOut { agent: key }).await
    }
}

/// The agent named by `?ccId=&vdn=&agentId=`, validated like an agent body.
fn agent_from_query(query: &str) -> Result<AgentKey, String> {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(rename = "ccId")]
        cc_id: Option<String>,
        vdn: Option<String>,
        #[serde(rename = "agentId")]
        agent_id: Option<String>,
    }
    let raw: Raw = query_pairs(query)?;
    AgentFields {
        cc_id: sent_number(raw.cc_id),
        vdn: sent_number(raw.vdn),
        agent_id: sent_number(raw.agent_id),
    }
    .to_agent_key()
    .map_err(|e| e.to_string())
}
