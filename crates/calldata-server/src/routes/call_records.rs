//! The record interfaces (family.md sections 7 to 9), answered from the records of calls
//! that ended: `calldata/querycalldetailbyid`, `vdn/querycalls` (v1 and v2) and
//! `vdn/querycalltracedetail`. A call source without records (the BMS adapter) answers
//! `0100001` saying they need the embedded backend.

use calldata_model::{
    CallRecordKey, Operation, QueryCallDetailById, QueryCallTraceDetail, QueryVdnCalls,
    QueryVdnCallsV2, Reach, ResultCode, TrackKey, Vdn, VdnCallsQuery,
};

use crate::answer::Answer;
use crate::request_log::{LoggedNumbers, logs_requests};
use crate::routes::mount::Served;
use crate::routes::reply::from_source;
use crate::routes::signed::{Signed, out_of_scope};

impl Served for QueryCallDetailById {
    /// The request reaches a call center; the record's VDN decides the rest of the scope
    /// (`0101003` for a record of a VDN the key may not query).
    async fn answer(signed: Signed<'_>, key: CallRecordKey) -> Answer {
        let state = signed.state();
        match state.source.call_detail_record(key).await {
            Ok(Some(record)) => {
                let reach = Vdn::new(record.vdn).map_or(Reach::CallCenter(key.cc_id), |vdn| {
                    Reach::Vdn(key.cc_id, vdn)
                });
                if !signed.caller().scope.permits(reach) {
                    return out_of_scope(reach);
                }
                let numbers = logs_requests()
                    .then(|| LoggedNumbers::masked(&record.caller_no, &record.callee_no));
                let mut answer = from_source::<Self>(Ok(record), state.legacy_fields);
                if let Some(numbers) = numbers {
                    answer.response.extensions_mut().insert(numbers);
                }
                answer
            }
            Ok(None) => Answer::failed(
                ResultCode::InterfaceCallFailed,
                format!(
                    "record not found: no {} record of call {} in ccId {} within the last day",
                    direction_word(key.direction),
                    key.call_id,
                    key.cc_id
                ),
            ),
            Err(error) => from_source::<Self>(Err(error), state.legacy_fields),
        }
    }
}

/// "inbound" or "outbound".
fn direction_word(direction: calldata_model::CallDirection) -> &'static str {
    match direction {
        calldata_model::CallDirection::Outbound => "outbound",
        _ => "inbound",
    }
}

/// Both versions of vdn/querycalls: one page of the VDN's ended calls.
async fn vdn_calls<Op: Operation<Answer = calldata_model::VdnCalls>>(
    signed: &Signed<'_>,
    query: VdnCallsQuery,
) -> Answer {
    let state = signed.state();
    from_source::<Op>(state.source.vdn_calls(query).await, state.legacy_fields)
}

impl Served for QueryVdnCalls {
    async fn answer(signed: Signed<'_>, query: VdnCallsQuery) -> Answer {
        vdn_calls::<Self>(&signed, query).await
    }
}

impl Served for QueryVdnCallsV2 {
    async fn answer(signed: Signed<'_>, query: VdnCallsQuery) -> Answer {
        vdn_calls::<Self>(&signed, query).await
    }
}

impl Served for QueryCallTraceDetail {
    async fn answer(signed: Signed<'_>, key: TrackKey) -> Answer {
        let state = signed.state();
        from_source::<Self>(state.source.call_track(key).await, state.legacy_fields)
    }
}
