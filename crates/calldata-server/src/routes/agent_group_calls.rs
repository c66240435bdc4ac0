//! `agentgroup/queryagentcalls`: the calls of up to 3000 agents, one element per agent
//! asked, in request order, from the call source.

use calldata_model::{AgentGroupKey, QueryAgentGroupCalls};

use crate::answer::Answer;
use crate::routes::mount::Served;
use crate::routes::reply::from_source;
use crate::routes::signed::Signed;

impl Served for QueryAgentGroupCalls {
    async fn answer(signed: Signed<'_>, key: AgentGroupKey) -> Answer {
        let state = signed.state();
        let calls = state.source.agent_group_calls(key).await;
        from_source::<Self>(calls, state.legacy_fields)
    }
}
