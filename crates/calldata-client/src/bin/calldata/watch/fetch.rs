//! One refresh of the wallboard: which agents to show (the ones named with `--agents`, or
//! the sandbox's signed-in agents), their calls with each call's state
//! (`agentgroup/queryagentcalls`), and the sandbox's calls of the VDN for the queues. A
//! sandbox list answered 404 (a real CC-CMS, or the sandbox off) is "not available", not
//! a failure.

use calldata_client::{AgentCalls, AgentGroupKey, Client, Error, SandboxCall};
use calldata_model::interfaces::agent_group_calls::MAX_AGENTS;
use calldata_model::{AgentId, CcId, Vdn};

/// The VDN a wallboard watches, and whose agents.
#[derive(Debug, Clone)]
pub(crate) struct Watched {
    /// Call center ID.
    pub(crate) cc_id: CcId,
    /// VDN ID.
    pub(crate) vdn: Vdn,
    /// The agents named with `--agents`; `None`: the sandbox's signed-in agents.
    pub(crate) agents: Option<Vec<AgentId>>,
}

/// What one refresh read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snapshot {
    /// Each agent's calls, in the order asked; `None` when the endpoint cannot say which
    /// agents there are (no sandbox, and no `--agents`).
    pub(crate) agents: Option<Vec<AgentCalls>>,
    /// The VDN's calls in progress; `None` when the endpoint has no sandbox.
    pub(crate) calls: Option<Vec<SandboxCall>>,
}

/// Reads one snapshot: the agents' calls and the VDN's calls side by side, since neither
/// waits for the other. Any failure but a missing sandbox fails the whole refresh, so the
/// screen never mixes a new half with an old one.
pub(crate) async fn fetch(client: &Client, watched: &Watched) -> Result<Snapshot, Error> {
    let (agents, calls) = tokio::join!(
        agents_calls(client, watched),
        sandboxed(client.sandbox_calls(watched.cc_id, watched.vdn)),
    );
    Ok(Snapshot {
        agents: agents?,
        calls: calls?,
    })
}

/// The watched agents' calls, or `None` when there is no list of agents to ask about.
async fn agents_calls(
    client: &Client,
    watched: &Watched,
) -> Result<Option<Vec<AgentCalls>>, Error> {
    let agents = match &watched.agents {
        Some(agents) => agents.clone(),
        None => match sandboxed(client.sandbox_agents(watched.cc_id, watched.vdn)).await? {
            Some(listed) => listed.iter().map(|agent| agent.agent_id).collect(),
            None => return Ok(None),
        },
    };
    let mut calls = Vec::with_capacity(agents.len());
    // One request per 3000 agents (the interface's most); none for a VDN with no agent.
    for chunk in agents.chunks(MAX_AGENTS) {
        let key = AgentGroupKey {
            cc_id: watched.cc_id,
            vdn: watched.vdn,
            agent_ids: chunk.to_vec(),
        };
        calls.extend(client.agent_group_calls(&key).await?);
    }
    Ok(Some(calls))
}

/// A sandbox list's answer; `None` when the endpoint has no sandbox (404).
async fn sandboxed<T>(list: impl Future<Output = Result<T, Error>>) -> Result<Option<T>, Error> {
    match list.await {
        Ok(items) => Ok(Some(items)),
        Err(Error::Undecodable { status: 404, .. }) => Ok(None),
        Err(error) => Err(error),
    }
}
