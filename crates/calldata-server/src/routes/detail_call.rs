//! `calldata/querydetailcallinfo`: a call in progress in detail, from the call source
//! (`0100001` when it is not in progress, as querybasiccallinfo).

use calldata_bms::Presence;
use calldata_model::{CallKey, QueryDetailCallInfo};

use crate::answer::Answer;
use crate::request_log::{LoggedNumbers, logs_requests};
use crate::routes::mount::Served;
use crate::routes::query::not_in_progress;
use crate::routes::reply::{FoundBody, from_source};
use crate::routes::signed::Signed;

impl Served for QueryDetailCallInfo {
    /// As querybasiccallinfo's: without the request log (which masks the call's numbers,
    /// so needs the call itself), the answer is written straight from a source that can.
    fn answer_now(signed: &Signed<'_>, key: &CallKey) -> Option<Answer> {
        if logs_requests() {
            return None;
        }
        let state = signed.state();
        let mut body = FoundBody::detail(state.legacy_fields);
        match state.source.write_detail_now(*key, &mut body)? {
            Presence::InProgress => Some(body.finish()),
            Presence::NotInProgress => Some(not_in_progress()),
        }
    }

    async fn answer(signed: Signed<'_>, key: CallKey) -> Answer {
        let state = signed.state();
        match state.source.detail_call(key).await {
            Ok(Some(detail)) => {
                // The request log's line carries the numbers masked, as querybasiccallinfo's.
                let numbers = logs_requests().then(|| {
                    LoggedNumbers::masked(&detail.call.calling_num, &detail.call.called_num)
                });
                let mut answer = from_source::<Self>(Ok(detail), state.legacy_fields);
                if let Some(numbers) = numbers {
                    answer.response.extensions_mut().insert(numbers);
                }
                answer
            }
            Ok(None) => not_in_progress(),
            Err(error) => from_source::<Self>(Err(error), state.legacy_fields),
        }
    }
}
