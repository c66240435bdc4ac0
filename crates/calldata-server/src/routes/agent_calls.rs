//! `agent/queryagentcalls` and `agent/agentprivatecall`: an agent's call IDs, at the agent
//! or in its private queue, from the call source (an unknown agent answers `[]`).

use calldata_model::{AgentKey, AgentPrivateCall, CallIds, QueryAgentCalls};

use crate::answer::Answer;
use crate::routes::mount::Served;
use crate::routes::reply::from_source;
use crate::routes::signed::Signed;

impl Served for QueryAgentCalls {
    async fn answer(signed: Signed<'_>, key: AgentKey) -> Answer {
        let state = signed.state();
        let calls = state.source.agent_calls(key).await.map(CallIds);
        from_source::<Self>(calls, state.legacy_fields)
    }
}

impl Served for AgentPrivateCall {
    async fn answer(signed: Signed<'_>, key: AgentKey) -> Answer {
        let state = signed.state();
        let calls = state.source.agent_private_calls(key).await.map(CallIds);
        from_source::<Self>(calls, state.legacy_fields)
    }
}
