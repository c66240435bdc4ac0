//! The BMS interfaces themselves: one request body in, one reply out, answered from the
//! store (the paths and bodies of `calldata_bms::wire`).

use calldata_model::{
    AgentGroupCalls, AgentGroupKey, AgentId, AgentKey, CallId, CallIds, CallKey, CcId, CtiTime,
    DetailCallInfo, Vdn,
};
use serde::Serialize;

use calldata_bms::embedded::EmbeddedStore;
use calldata_bms::wire::{
    AGENT_CALLS_PATH, BasicCallReply, BmsAgentQuery, BmsAgentsQuery, BmsCallCenterQuery, BmsQuery,
    BmsReply, CALL_INFO_PATH, CTI_TIME_PATH, PRIVATE_CALLS_PATH, QUERY_PATH,
};

use crate::stats::Counter;

/// Every BMS path the emulator answers.
pub(crate) const PATHS: [&str; 5] = [
    QUERY_PATH,
    CALL_INFO_PATH,
    AGENT_CALLS_PATH,
    PRIVATE_CALLS_PATH,
    CTI_TIME_PATH,
];

/// A reply of any interface, written as its own envelope.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Reply {
    /// querybasecallinfo (and every reply without data).
    Basic(BasicCallReply),
    /// callinfo.
    Detail(BmsReply<DetailCallInfo>),
    /// queryagentCalls.
    Agents(BmsReply<AgentGroupCalls>),
    /// agentprivatecall.
    Private(BmsReply<CallIds>),
    /// queryctiservertime.
    Time(BmsReply<CtiTime>),
}

/// Answers one body sent to `path` (one of [`PATHS`]) from `store`, with the counter the
/// answer adds to: `"0"` with the data, `"1"` when the call is not in progress, `"2"` when
/// the body is not a valid query.
pub(crate) fn answer(store: &EmbeddedStore, path: &str, body: &[u8]) -> (Counter, Reply) {
    let answered = match path {
        CALL_INFO_PATH => parse(body).map(|key| match store.detail(&key) {
            Some(detail) => (Counter::Found, Reply::Detail(found(detail))),
            None => not_found(),
        }),
        AGENT_CALLS_PATH => parse_agents(body).map(|key| {
            let agents = store.group_calls(&key);
            (Counter::Found, Reply::Agents(found(agents)))
        }),
        PRIVATE_CALLS_PATH => parse_agent(body).map(|key| {
            let calls = CallIds(store.agent_call_ids(&key, true));
            (Counter::Found, Reply::Private(found(calls)))
        }),
        CTI_TIME_PATH => parse_call_center(body).map(|_| {
            (
                Counter::Found,
                Reply::Time(found(CtiTime(store.cti_time_ms()))),
            )
        }),
        _ => parse(body).map(|key| match store.get(&key) {
            Some(call) => (Counter::Found, Reply::Basic(found((*call).clone()))),
            None => not_found(),
        }),
    };
    answered.unwrap_or_else(|reason| {
        let reply = reply("2", format!("invalid query: {reason}"));
        (Counter::BadRequest, Reply::Basic(reply))
    })
}

fn found<T>(data: T) -> BmsReply<T> {
    BmsReply {
        ret_code: "0".to_owned(),
        ret_msg: "success".to_owned(),
        data: Some(data),
    }
}

fn not_found() -> (Counter, Reply) {
    (
        Counter::NotFound,
        Reply::Basic(reply("1", "call not found".to_owned())),
    )
}

/// A reply without data.
pub(crate) fn reply(ret_code: &str, ret_msg: String) -> BasicCallReply {
    BasicCallReply::without_data(ret_code, ret_msg)
}

/// The call center and VDN of a body, checked with the model's rules.
fn place(cc_id: u16, vdn_id: u16) -> Result<(CcId, Vdn), String> {
    let cc_id = CcId::new(i64::from(cc_id)).map_err(|err| format!("ccId {err}"))?;
    let vdn = Vdn::new(i64::from(vdn_id)).map_err(|err| format!("vdnId {err}"))?;
    Ok((cc_id, vdn))
}

fn agent(id: u32) -> Result<AgentId, String> {
    AgentId::new(i64::from(id)).map_err(|err| format!("agentId {err}"))
}

fn parse_agents(body: &[u8]) -> Result<AgentGroupKey, String> {
    let query: BmsAgentsQuery = serde_json::from_slice(body).map_err(|err| err.to_string())?;
    let (cc_id, vdn) = place(query.cc_id, query.vdn_id)?;
    let agent_ids = query
        .agent_ids
        .into_iter()
        .map(agent)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AgentGroupKey {
        cc_id,
        vdn,
        agent_ids,
    })
}

fn parse_agent(body: &[u8]) -> Result<AgentKey, String> {
    let query: BmsAgentQuery = serde_json::from_slice(body).map_err(|err| err.to_string())?;
    let (cc_id, vdn) = place(query.cc_id, query.vdn_id)?;
    Ok(AgentKey {
        cc_id,
        vdn,
        agent_id: agent(query.agent_id)?,
    })
}

fn parse_call_center(body: &[u8]) -> Result<CcId, String> {
    let query: BmsCallCenterQuery = serde_json::from_slice(body).map_err(|err| err.to_string())?;
    CcId::new(i64::from(query.cc_id)).map_err(|err| format!("ccId {err}"))
}

/// Reads a query body and checks its values with the model's rules.
fn parse(body: &[u8]) -> Result<CallKey, String> {
    let query: BmsQuery = serde_json::from_slice(body).map_err(|err| err.to_string())?;
    let (cc_id, vdn) = place(query.cc_id, query.vdn_id)?;
    let call_id = CallId::parse(&query.call_id).map_err(|err| format!("callId {err}"))?;
    Ok(CallKey {
        cc_id,
        vdn,
        call_id,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use calldata_bms::embedded::{DemoSettings, sample_keys};
    use calldata_bms::wire::RetCode;

    use super::*;

    #[test]
    fn a_stored_call_is_found_and_others_are_not() {
        let demo = DemoSettings { count: 5, seed: 1 };
        let store = EmbeddedStore::with_demo_calls(&demo);
        let key = sample_keys(&demo, 1)[0];
        let body = serde_json::to_vec(&BmsQuery::from(&key)).unwrap();
        let (counter, reply) = answer(&store, QUERY_PATH, &body);
        assert_eq!(counter, Counter::Found);
        let Reply::Basic(reply) = reply else {
            panic!("{reply:?}")
        };
        assert_eq!(RetCode::of(&reply.ret_code), RetCode::Found);
        assert_eq!(reply.data.as_ref(), store.get(&key).as_deref());

        let (counter, reply) = answer(
            &store,
            QUERY_PATH,
            br#"{"ccId":1,"vdnId":1,"callId":"1-1"}"#,
        );
        assert_eq!(counter, Counter::NotFound);
        let Reply::Basic(reply) = reply else {
            panic!("{reply:?}")
        };
        assert_eq!(
            (reply.ret_code.as_str(), reply.ret_msg.as_str()),
            ("1", "call not found")
        );
        let (counter, detail) = answer(&store, CALL_INFO_PATH, &body);
        assert_eq!(counter, Counter::Found);
        assert!(matches!(
            detail,
            Reply::Detail(BmsReply { data: Some(_), .. })
        ));
    }

    #[test]
    fn bad_bodies_and_out_of_range_values_are_rejected_with_ret_code_2() {
        let store = EmbeddedStore::new();
        for body in [
            &b"not json"[..],
            br#"{"ccId":0,"vdnId":1,"callId":"1-1"}"#,
            br#"{"ccId":1,"vdnId":5001,"callId":"1-1"}"#,
            br#"{"ccId":1,"vdnId":1,"callId":"abc"}"#,
            br#"{"ccId":1,"vdnId":1}"#,
            br#"{"ccId":70000,"vdnId":1,"callId":"1-1"}"#,
        ] {
            let (counter, reply) = answer(&store, QUERY_PATH, body);
            assert_eq!(
                counter,
                Counter::BadRequest,
                "{}",
                String::from_utf8_lossy(body)
            );
            let Reply::Basic(reply) = reply else {
                panic!("{reply:?}")
            };
            assert_eq!(reply.ret_code, "2");
        }
        let (_, reply) = answer(
            &store,
            QUERY_PATH,
            br#"{"ccId":1,"vdnId":5001,"callId":"1-1"}"#,
        );
        let Reply::Basic(reply) = reply else {
            panic!("{reply:?}")
        };
        assert_eq!(
            reply.ret_msg,
            "invalid query: vdnId must be between 1 and 5000"
        );
        let (counter, _) = answer(
            &store,
            AGENT_CALLS_PATH,
            br#"{"ccId":1,"vdnId":1,"agentIds":[100]}"#,
        );
        assert_eq!(counter, Counter::BadRequest);
    }
}
