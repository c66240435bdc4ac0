//! The agents of the embedded contact center and, for each, the calls the agent views list:
//! those at the agent and those in its private queue, in the order the calls started.
//!
//! The book is an index over the stored calls, kept by the store's writers (which hold
//! the store's write lock, so the book and the calls change together); readers take no
//! lock. An agent is in the book once signed in (by the sandbox, the demo data, or a call
//! placed at it) and stays there, with or without calls, until signed out.

use calldata_model::{
    AgentCall, AgentCalls, AgentGroupCalls, AgentGroupKey, AgentId, AgentKey, BasicCallInfo,
    CallDirection, CallId, CallStart, CallStatus, CcId, MediaType, Vdn,
};

use super::placement::{CallExtras, Placement};

/// One call an agent view lists, kept small: its codes as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AgentEntry {
    call_id: CallId,
    /// A documented `callStatus` (0..=9).
    status: u8,
    /// A documented `callInOut` (0, 1).
    direction: u8,
    /// `submediaType` 1..=9, 0 when none.
    submedia: u8,
    media: Option<i64>,
}

impl AgentEntry {
    /// The entry of a call at `placement`, or `None` when no agent view lists it.
    pub(crate) fn of(
        call_id: CallId,
        call: &BasicCallInfo,
        extras: &CallExtras,
        placement: Placement,
    ) -> Option<(AgentId, Self)> {
        let agent = match placement {
            Placement::Agent(agent, _) | Placement::PrivateQueue(agent) => agent,
            Placement::Elsewhere => return None,
        };
        let small = |code: i64| u8::try_from(code).unwrap_or(0);
        Some((
            agent,
            Self {
                call_id,
                status: small(extras.status_at(placement).code()),
                direction: small(extras.direction().code()),
                submedia: extras.submedia_type.map_or(0, small),
                media: call.media_type.map(MediaType::code),
            },
        ))
    }

    /// The call's ID.
    pub(crate) fn call_id(&self) -> &CallId {
        &self.call_id
    }

    /// Whether the call waits in the agent's private queue.
    pub(crate) fn is_private(&self) -> bool {
        CallStatus::from_code(i64::from(self.status)) == CallStatus::QueuedPrivately
    }

    /// The call as agentgroup/queryagentcalls lists it.
    pub(crate) fn to_agent_call(self) -> AgentCall {
        AgentCall {
            call_id: self.call_id.as_str().to_owned(),
            call_status: Some(CallStatus::from_code(i64::from(self.status))),
            call_in_out: Some(CallDirection::from_code(i64::from(self.direction))),
            media_type: self.media.map(MediaType::from_code),
            submedia_type: if self.submedia == 0 {
                String::new()
            } else {
                self.submedia.to_string()
            },
        }
    }
}

/// The order calls are listed in: by start time, then sequence.
fn started(call_id: &CallId) -> (u64, u64) {
    let millis = match call_id.start() {
        CallStart::Milliseconds(ms) => ms,
        CallStart::Seconds(s) => s.saturating_mul(1000),
    };
    (millis, call_id.sequence())
}

/// Which agents [`EmbeddedStore::list_agents`](super::EmbeddedStore::list_agents) returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentFilter {
    /// Only agents of this call center.
    pub cc_id: Option<CcId>,
    /// Only agents of this VDN.
    pub vdn: Option<Vdn>,
}

/// One agent as the sandbox lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentRecord {
    /// The agent.
    #[serde(flatten)]
    pub key: AgentKey,
    /// The IDs of the calls at the agent (queryagentcalls).
    pub calls: Vec<String>,
    /// The IDs of the calls in its private queue (agentprivatecall).
    pub private_calls: Vec<String>,
}

/// The agents and their calls.
pub(crate) struct AgentBook {
    agents: papaya::HashMap<AgentKey, Box<[AgentEntry]>, foldhash::fast::RandomState>,
}

impl AgentBook {
    pub(crate) fn new() -> Self {
        Self {
            agents: papaya::HashMap::default(),
        }
    }

    /// Signs an agent in; `false` when it already was.
    pub(crate) fn sign_in(&self, key: AgentKey) -> bool {
        self.agents.pin().try_insert(key, Box::default()).is_ok()
    }

    /// Signs an agent out: `Ok(true)` when it was in, `Ok(false)` when not; `Err(n)` (and
    /// nothing changed) when it still has `n` calls.
    pub(crate) fn sign_out(&self, key: AgentKey) -> Result<bool, usize> {
        let agents = self.agents.pin();
        match agents.get(&key) {
            None => Ok(false),
            Some(calls) if !calls.is_empty() => Err(calls.len()),
            Some(_) => Ok(agents.remove(&key).is_some()),
        }
    }

    /// Lists a call at an agent, signing the agent in if needed. Called by writers only.
    pub(crate) fn attach(&self, key: AgentKey, entry: AgentEntry) {
        let agents = self.agents.pin();
        let mut calls: Vec<AgentEntry> = agents
            .get(&key)
            .map(|calls| calls.to_vec())
            .unwrap_or_default();
        calls.retain(|listed| listed.call_id != entry.call_id);
        let at =
            calls.partition_point(|listed| started(&listed.call_id) <= started(&entry.call_id));
        calls.insert(at, entry);
        agents.insert(key, calls.into_boxed_slice());
    }

    /// Takes a call off an agent's list (the agent stays signed in). Called by writers only.
    pub(crate) fn detach(&self, key: AgentKey, call_id: &CallId) {
        let agents = self.agents.pin();
        if let Some(calls) = agents.get(&key)
            && calls.iter().any(|listed| listed.call_id == *call_id)
        {
            let kept: Box<[AgentEntry]> = calls
                .iter()
                .filter(|listed| listed.call_id != *call_id)
                .copied()
                .collect();
            agents.insert(key, kept);
        }
    }

    /// What `read` makes of the agent's calls; `None` when the agent is not signed in.
    pub(crate) fn with_calls<R>(
        &self,
        key: AgentKey,
        read: impl FnOnce(&[AgentEntry]) -> R,
    ) -> Option<R> {
        self.agents.pin().get(&key).map(|calls| read(calls))
    }

    /// Each agent's calls as agentgroup/queryagentcalls lists them, in the order asked
    /// (an agent not signed in has none).
    pub(crate) fn group(&self, key: &AgentGroupKey) -> AgentGroupCalls {
        let agents = self.agents.pin();
        AgentGroupCalls(
            key.agent_ids
                .iter()
                .map(|&agent_id| AgentCalls {
                    agent_id: Some(i64::from(agent_id.get())),
                    call_list: agents
                        .get(&AgentKey {
                            cc_id: key.cc_id,
                            vdn: key.vdn,
                            agent_id,
                        })
                        .map(|calls| {
                            calls
                                .iter()
                                .copied()
                                .map(AgentEntry::to_agent_call)
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect(),
        )
    }

    /// Up to `limit` agents passing `filter`, in key order.
    pub(crate) fn list(&self, filter: AgentFilter, limit: usize) -> Vec<AgentRecord> {
        let agents = self.agents.pin();
        let mut keys: Vec<AgentKey> = agents
            .keys()
            .filter(|key| {
                filter.cc_id.is_none_or(|cc_id| cc_id == key.cc_id)
                    && filter.vdn.is_none_or(|vdn| vdn == key.vdn)
            })
            .copied()
            .collect();
        keys.sort_unstable();
        keys.truncate(limit);
        keys.into_iter()
            .filter_map(|key| {
                let calls = agents.get(&key)?;
                let ids = |private: bool| {
                    calls
                        .iter()
                        .filter(|entry| entry.is_private() == private)
                        .map(|entry| entry.call_id.as_str().to_owned())
                        .collect()
                };
                Some(AgentRecord {
                    key,
                    calls: ids(false),
                    private_calls: ids(true),
                })
            })
            .collect()
    }

    /// Number of agents signed in.
    pub(crate) fn len(&self) -> usize {
        self.agents.len()
    }
}
