//! A snapshot made into what the wallboard shows: a row per agent, the queues, and the
//! header's counts (calls at the agents by status, calls in private queues).

use std::collections::{BTreeMap, HashMap};

use super::agents::{AgentRow, AgentState, is_at_agent};
use super::fetch::Snapshot;
use super::queues::{Queues, queues};

/// What one snapshot shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Board {
    /// A row per agent, in the order asked; `None` when the endpoint cannot list agents.
    pub(crate) agents: Option<Vec<AgentRow>>,
    /// The calls at the agents by status, in status code order (no status last).
    pub(crate) calls_by_state: Vec<(AgentState, usize)>,
    /// The queues; `None` when the endpoint does not list calls.
    pub(crate) queues: Option<Queues>,
}

impl Board {
    /// The board of `snapshot`: an agent's talk time is its first call's, from the VDN's
    /// calls when they are listed.
    pub(crate) fn of(snapshot: &Snapshot) -> Self {
        let talk_times: HashMap<&str, i64> = snapshot
            .calls
            .iter()
            .flatten()
            .filter_map(|record| Some((record.call_id.as_str(), record.call.total_talking_times?)))
            .collect();
        let agents = snapshot.agents.as_ref().map(|agents| {
            agents
                .iter()
                .map(|agent| AgentRow::of(agent, |call_id| talk_times.get(call_id).copied()))
                .collect()
        });
        let mut by_state: BTreeMap<i64, (AgentState, usize)> = BTreeMap::new();
        let calls = snapshot.agents.iter().flatten().flat_map(|a| &a.call_list);
        for call in calls.filter(|call| is_at_agent(call)) {
            let (code, state) = call
                .call_status
                .map_or((i64::MAX, AgentState::Unknown), |s| {
                    (s.code(), AgentState::Call(s))
                });
            by_state.entry(code).or_insert((state, 0)).1 += 1;
        }
        Self {
            agents,
            calls_by_state: by_state.into_values().collect(),
            queues: snapshot.calls.as_deref().map(queues),
        }
    }

    /// How many calls are at the agents.
    pub(crate) fn calls_at_agents(&self) -> usize {
        self.calls_by_state.iter().map(|(_, count)| count).sum()
    }

    /// How many calls wait in the agents' private queues.
    pub(crate) fn privately_queued(&self) -> usize {
        self.agents
            .iter()
            .flatten()
            .map(|agent| agent.private_queue)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use calldata_client::SandboxCall;
    use calldata_model::{AgentCall, AgentCalls, BasicCallInfo, CallStatus, CcId, Vdn};

    use super::*;

    fn agent(id: i64, calls: &[(&str, i64)]) -> AgentCalls {
        AgentCalls {
            agent_id: Some(id),
            call_list: calls
                .iter()
                .map(|(call_id, status)| AgentCall {
                    call_id: (*call_id).to_owned(),
                    call_status: Some(CallStatus::from_code(*status)),
                    ..AgentCall::default()
                })
                .collect(),
        }
    }

    #[test]
    fn counts_calls_by_state_and_takes_talk_times_from_the_calls() {
        let snapshot = Snapshot {
            agents: Some(vec![
                agent(1001, &[("1-1", 5), ("1-2", 6)]),
                agent(1002, &[("1-3", 5), ("1-4", 3)]),
                agent(101, &[]),
            ]),
            calls: Some(vec![SandboxCall {
                call_id: "1-1".into(),
                call: BasicCallInfo {
                    total_talking_times: Some(75),
                    ..BasicCallInfo::default()
                },
                cc_id: CcId::new(1).unwrap(),
                vdn: Vdn::new(1).unwrap(),
                call_status: None,
                call_in_out: None,
            }]),
        };
        let board = Board::of(&snapshot);
        let rows = board.agents.as_ref().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].talk_time, Some(75));
        assert_eq!(rows[1].talk_time, None);
        assert_eq!(
            board.calls_by_state,
            [
                (AgentState::Call(CallStatus::Talking), 2),
                (AgentState::Call(CallStatus::Held), 1),
            ]
        );
        assert_eq!(board.calls_at_agents(), 3);
        assert_eq!(board.privately_queued(), 1);
        assert_eq!(board.queues.unwrap().waiting(), 0);
    }

    #[test]
    fn an_endpoint_without_lists_shows_neither_agents_nor_queues() {
        let board = Board::of(&Snapshot::default());
        assert_eq!(board.calls_at_agents(), 0);
        assert_eq!((board.agents, board.queues), (None, None));
    }
}
