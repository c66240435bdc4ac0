//! The family through the adapter: querydetailcallinfo (`callinfo`), the agent views
//! (`queryagentCalls`, `agentprivatecall`) and ctiservertime (`queryctiservertime`), each an
//! answer-or-failure over the shared breaker, bound, retry and single flight.

use calldata_model::{
    AgentGroupCalls, AgentGroupKey, AgentKey, CallIds, CallKey, CcId, CtiTime, DetailCallInfo,
};
use moka::future::Cache;

use super::operation::{BmsOperation, Flights};
use super::transport::Fault;
use crate::source::SourceError;
use crate::wire::{
    AGENT_CALLS_PATH, BmsAgentQuery, BmsAgentsQuery, BmsCallCenterQuery, BmsQuery, BmsReply,
    CALL_INFO_PATH, CTI_TIME_PATH, PRIVATE_CALLS_PATH, RetCode,
};

/// What an interface of the family answers: its payload, or the source's failure.
pub(crate) type Answered<T> = Result<T, SourceError>;

/// The table of `bms.md` for an interface whose answer is its data: `0` the data (a fault
/// when missing), `1` what `absent` says, `2` and `3` those failures, anything else a fault.
fn answered<T>(
    reply: BmsReply<T>,
    absent: impl FnOnce() -> Result<Answered<T>, Fault>,
) -> Result<Answered<T>, Fault> {
    match RetCode::of(&reply.ret_code) {
        RetCode::Found => reply.data.map(Ok).ok_or(Fault::BadResponse),
        RetCode::NotInProgress => absent(),
        RetCode::ParameterRejected => Ok(Err(SourceError::ParameterRejected)),
        RetCode::CtiVersionUnsupported => Ok(Err(SourceError::CtiVersionUnsupported)),
        RetCode::Failure => Err(Fault::BmsFailure),
    }
}

/// The outcome class of an answer (`bms_requests`), `found` for any payload.
fn outcome<T>(answer: &Answered<T>) -> &'static str {
    match answer {
        Ok(_) => "found",
        Err(SourceError::ParameterRejected) => "rejected",
        Err(SourceError::CtiVersionUnsupported) => "cti_unsupported",
        Err(_) => "failed",
    }
}

/// `answered` as the open API writes it: one element per agent of `key`, in its order
/// (repeats included); an agent BMS did not list has no calls.
pub(crate) fn in_request_order(key: &AgentGroupKey, answered: AgentGroupCalls) -> AgentGroupCalls {
    let by_agent: std::collections::HashMap<i64, Vec<calldata_model::AgentCall>> = answered
        .0
        .into_iter()
        .filter_map(|agent| Some((agent.agent_id?, agent.call_list)))
        .collect();
    AgentGroupCalls(
        key.agent_ids
            .iter()
            .map(|id| {
                let id = i64::from(id.get());
                calldata_model::AgentCalls {
                    agent_id: Some(id),
                    call_list: by_agent.get(&id).cloned().unwrap_or_default(),
                }
            })
            .collect(),
    )
}

/// querydetailcallinfo: `callinfo`; `1` means not in progress.
#[derive(Debug)]
pub(crate) struct DetailCall;

impl BmsOperation for DetailCall {
    const PATH: &'static str = CALL_INFO_PATH;
    type Request = CallKey;
    type Query = BmsQuery;
    type Data = DetailCallInfo;
    type Answer = Answered<Option<DetailCallInfo>>;

    fn flights(flights: &Flights) -> &Cache<CallKey, Self::Answer> {
        &flights.detail_calls
    }

    fn query(key: &CallKey) -> BmsQuery {
        BmsQuery::from(key)
    }

    fn answer(reply: BmsReply<DetailCallInfo>) -> Result<Self::Answer, Fault> {
        let reply = BmsReply {
            ret_code: reply.ret_code,
            ret_msg: reply.ret_msg,
            data: reply.data.map(Some),
        };
        answered(reply, || Ok(Ok(None)))
    }

    fn failed(error: SourceError) -> Self::Answer {
        Err(error)
    }

    fn outcome(answer: &Self::Answer) -> &'static str {
        match answer {
            Ok(None) => "not_found",
            other => outcome(other),
        }
    }
}

/// agent/queryagentcalls and agentgroup/queryagentcalls: `queryagentCalls`; `1` (no such
/// agents) is every agent without calls.
#[derive(Debug)]
pub(crate) struct AgentCalls;

impl BmsOperation for AgentCalls {
    const PATH: &'static str = AGENT_CALLS_PATH;
    type Request = AgentGroupKey;
    type Query = BmsAgentsQuery;
    type Data = AgentGroupCalls;
    type Answer = Answered<AgentGroupCalls>;

    fn flights(flights: &Flights) -> &Cache<AgentGroupKey, Self::Answer> {
        &flights.agent_calls
    }

    fn query(key: &AgentGroupKey) -> BmsAgentsQuery {
        BmsAgentsQuery::from(key)
    }

    fn answer(reply: BmsReply<AgentGroupCalls>) -> Result<Self::Answer, Fault> {
        answered(reply, || Ok(Ok(AgentGroupCalls::default())))
    }

    fn failed(error: SourceError) -> Self::Answer {
        Err(error)
    }

    fn outcome(answer: &Self::Answer) -> &'static str {
        outcome(answer)
    }
}

/// agent/agentprivatecall: `agentprivatecall`; `1` (no such agent) is an empty queue.
#[derive(Debug)]
pub(crate) struct PrivateCalls;

impl BmsOperation for PrivateCalls {
    const PATH: &'static str = PRIVATE_CALLS_PATH;
    type Request = AgentKey;
    type Query = BmsAgentQuery;
    type Data = CallIds;
    type Answer = Answered<CallIds>;

    fn flights(flights: &Flights) -> &Cache<AgentKey, Self::Answer> {
        &flights.private_calls
    }

    fn query(key: &AgentKey) -> BmsAgentQuery {
        BmsAgentQuery::from(key)
    }

    fn answer(reply: BmsReply<CallIds>) -> Result<Self::Answer, Fault> {
        answered(reply, || Ok(Ok(CallIds::default())))
    }

    fn failed(error: SourceError) -> Self::Answer {
        Err(error)
    }

    fn outcome(answer: &Self::Answer) -> &'static str {
        outcome(answer)
    }
}

/// ctiservertime: `queryctiservertime`; `1` is a failure (a CTI server always has a time).
#[derive(Debug)]
pub(crate) struct CtiServerTime;

impl BmsOperation for CtiServerTime {
    const PATH: &'static str = CTI_TIME_PATH;
    type Request = CcId;
    type Query = BmsCallCenterQuery;
    type Data = CtiTime;
    type Answer = Answered<CtiTime>;

    fn flights(flights: &Flights) -> &Cache<CcId, Self::Answer> {
        &flights.cti_times
    }

    fn query(cc_id: &CcId) -> BmsCallCenterQuery {
        BmsCallCenterQuery::from(*cc_id)
    }

    fn answer(reply: BmsReply<CtiTime>) -> Result<Self::Answer, Fault> {
        answered(reply, || Err(Fault::BmsFailure))
    }

    fn failed(error: SourceError) -> Self::Answer {
        Err(error)
    }

    fn outcome(answer: &Self::Answer) -> &'static str {
        outcome(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply<T>(code: &str, data: Option<T>) -> BmsReply<T> {
        BmsReply {
            ret_code: code.to_owned(),
            ret_msg: String::new(),
            data,
        }
    }

    #[test]
    fn a_group_is_answered_in_request_order_whatever_bms_answered() {
        let key = calldata_model::QueryAgentGroupCalls::new(1, 1, [1100, 1099, 1100])
            .to_group_key()
            .unwrap();
        let call = calldata_model::AgentCall {
            call_id: "1-1".to_owned(),
            ..calldata_model::AgentCall::default()
        };
        let answered = AgentGroupCalls(vec![calldata_model::AgentCalls {
            agent_id: Some(1100),
            call_list: vec![call.clone()],
        }]);
        let ordered = in_request_order(&key, answered);
        let ids: Vec<Option<i64>> = ordered.0.iter().map(|agent| agent.agent_id).collect();
        assert_eq!(ids, [Some(1100), Some(1099), Some(1100)]);
        assert_eq!(ordered.0[0].call_list, std::slice::from_ref(&call));
        assert!(ordered.0[1].call_list.is_empty());
        assert_eq!(ordered.0[2].call_list, [call]);
    }

    #[test]
    fn every_ret_code_means_the_same_on_every_interface_but_not_in_progress() {
        assert_eq!(DetailCall::answer(reply("1", None)).unwrap(), Ok(None));
        assert_eq!(
            AgentCalls::answer(reply("1", None)).unwrap(),
            Ok(AgentGroupCalls::default())
        );
        assert_eq!(
            PrivateCalls::answer(reply("0", Some(CallIds(vec!["1-1".to_owned()])))).unwrap(),
            Ok(CallIds(vec!["1-1".to_owned()]))
        );
        assert_eq!(
            CtiServerTime::answer(reply("1", None)),
            Err(Fault::BmsFailure)
        );
        assert_eq!(
            CtiServerTime::answer(reply("0", None)),
            Err(Fault::BadResponse)
        );
        assert_eq!(
            PrivateCalls::answer(reply("2", None)).unwrap(),
            Err(SourceError::ParameterRejected)
        );
        assert_eq!(
            AgentCalls::answer(reply("3", None)).unwrap(),
            Err(SourceError::CtiVersionUnsupported)
        );
        assert_eq!(DetailCall::answer(reply("7", None)), Err(Fault::BmsFailure));
    }
}
