//! An agent's row of the wallboard from its calls (`agentgroup/queryagentcalls`): its
//! state, named after the `CallStatus` of its most telling call, the first call at it, that
//! call's talk time, and how many calls wait in its private queue.

use std::fmt;

use calldata_model::{AgentCall, AgentCalls, CallStatus};

/// What an agent is doing, from the calls at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AgentState {
    /// No call is at the agent (calls in its private queue do not count).
    Idle,
    /// The status of its most telling call (see [`weight`]).
    Call(CallStatus),
    /// Calls are at the agent, but none says its status.
    Unknown,
}

impl fmt::Display for AgentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Idle => f.write_str("idle"),
            Self::Call(status) => match status.description() {
                Some(name) => f.write_str(name),
                None => write!(f, "unknown ({})", status.code()),
            },
            Self::Unknown => f.write_str("unknown"),
        }
    }
}

/// One agent's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AgentRow {
    /// The agent ID (`None` when the answer left it out).
    pub(crate) agent_id: Option<i64>,
    /// What it is doing.
    pub(crate) state: AgentState,
    /// The ID of the first call at it (calls are listed in the order they started).
    pub(crate) first_call: Option<String>,
    /// How many calls are at it.
    pub(crate) calls: usize,
    /// The first call's talk time in seconds, when the VDN's calls list it.
    pub(crate) talk_time: Option<i64>,
    /// How many calls wait in its private queue.
    pub(crate) private_queue: usize,
}

impl AgentRow {
    /// The row of `agent`; `talk_time` finds a call's talk time by its ID.
    pub(crate) fn of(agent: &AgentCalls, talk_time: impl Fn(&str) -> Option<i64>) -> Self {
        let at_agent: Vec<&AgentCall> = agent.call_list.iter().filter(|c| is_at_agent(c)).collect();
        let first_call = at_agent.first().map(|call| call.call_id.clone());
        Self {
            agent_id: agent.agent_id,
            state: agent_state(&agent.call_list),
            talk_time: first_call.as_deref().and_then(talk_time),
            first_call,
            calls: at_agent.len(),
            private_queue: agent
                .call_list
                .iter()
                .filter(|call| call.call_status == Some(CallStatus::QueuedPrivately))
                .count(),
        }
    }
}

/// The state of an agent with these calls: idle with none at it, otherwise the status of
/// the call that weighs most.
pub(crate) fn agent_state(calls: &[AgentCall]) -> AgentState {
    let at_agent = || calls.iter().filter(|call| is_at_agent(call));
    if at_agent().next().is_none() {
        return AgentState::Idle;
    }
    at_agent()
        .filter_map(|call| call.call_status)
        .max_by_key(|status| weight(*status))
        .map_or(AgentState::Unknown, AgentState::Call)
}

/// Whether a call of an agent's list is at the agent: the call list also holds the calls
/// waiting in its private queue (status 3), which keep the agent idle.
pub(crate) fn is_at_agent(call: &AgentCall) -> bool {
    !matches!(
        call.call_status,
        Some(CallStatus::QueuedPrivately | CallStatus::QueuedInSkill)
    )
}

/// How much a call's status tells of what its agent is doing: a voice on the line first
/// (three-party, talking, muted: the agent is busy with a customer), then a call ringing
/// (it needs the agent now), then a customer kept waiting (held, suspended), then the
/// line merely taken (occupied), then codes that say nothing an agent does.
fn weight(status: CallStatus) -> u8 {
    match status {
        CallStatus::ThreeParty => 8,
        CallStatus::Talking => 7,
        CallStatus::Muted => 6,
        CallStatus::Alerting => 5,
        CallStatus::Held => 4,
        CallStatus::Suspended => 3,
        CallStatus::Occupied => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str, status: Option<i64>) -> AgentCall {
        AgentCall {
            call_id: id.to_owned(),
            call_status: status.map(CallStatus::from_code),
            ..AgentCall::default()
        }
    }

    fn agent(calls: Vec<AgentCall>) -> AgentCalls {
        AgentCalls {
            agent_id: Some(1001),
            call_list: calls,
        }
    }

    #[test]
    fn an_agent_with_no_call_at_it_is_idle() {
        assert_eq!(agent_state(&[]), AgentState::Idle);
        // A call waiting in its private queue is not at it.
        assert_eq!(agent_state(&[call("1-1", Some(3))]), AgentState::Idle);
        assert_eq!(AgentState::Idle.to_string(), "idle");
    }

    #[test]
    fn the_most_telling_call_names_the_state() {
        let state = |statuses: &[i64]| {
            let calls: Vec<AgentCall> = statuses.iter().map(|s| call("1-1", Some(*s))).collect();
            agent_state(&calls).to_string()
        };
        assert_eq!(state(&[5]), "talking");
        assert_eq!(state(&[4]), "alerting");
        assert_eq!(state(&[6]), "held");
        // Talking to one customer while another is held: talking.
        assert_eq!(state(&[6, 5]), "talking");
        // Held, and a second call ringing: the ringing call needs the agent.
        assert_eq!(state(&[6, 4]), "alerting");
        assert_eq!(state(&[1, 7]), "suspended");
        assert_eq!(state(&[9, 5]), "three-party");
        // A private-queue call beside a held one leaves the agent holding.
        assert_eq!(state(&[3, 6]), "held");
        assert_eq!(state(&[42]), "unknown (42)");
    }

    #[test]
    fn calls_without_a_status_make_the_state_unknown() {
        assert_eq!(agent_state(&[call("1-1", None)]), AgentState::Unknown);
        assert_eq!(
            agent_state(&[call("1-1", None), call("1-2", Some(8))]),
            AgentState::Call(CallStatus::Muted)
        );
    }

    #[test]
    fn a_row_shows_the_first_call_at_the_agent_and_counts_its_private_queue() {
        let row = AgentRow::of(
            &agent(vec![
                call("1-1", Some(3)),
                call("1-2", Some(5)),
                call("1-3", Some(6)),
                call("1-4", Some(3)),
            ]),
            |id| (id == "1-2").then_some(137),
        );
        assert_eq!(row.first_call.as_deref(), Some("1-2"));
        assert_eq!(row.state, AgentState::Call(CallStatus::Talking));
        assert_eq!(row.calls, 2);
        assert_eq!(row.private_queue, 2);
        assert_eq!(row.talk_time, Some(137));
        let idle = AgentRow::of(&agent(vec![]), |_| Some(1));
        assert_eq!((idle.first_call, idle.talk_time), (None, None));
    }
}
