//! `querybasiccallinfo`: a call in progress, by call ID, from the call source (`0100000`
//! or `0100001`), after the signed pipeline (`routes::signed`).

use calldata_bms::{Lookup, Presence};
use calldata_model::{CallKey, QueryBasicCallInfo, ResultCode};

use crate::answer::Answer;
use crate::metrics::Shard;
use crate::request_log::{LoggedNumbers, logs_requests};
use crate::routes::mount::Served;
use crate::routes::reply::{FoundBody, found};
use crate::routes::signed::Signed;

impl Served for QueryBasicCallInfo {
    const LABEL: &'static str = "query";

    /// The fast path of this interface alone: without the request log (which masks the
    /// call's numbers, so needs the call itself), the answer is written straight from a
    /// source that can (no call is built, no future made).
    fn answer_now(signed: &Signed<'_>, key: &CallKey) -> Option<Answer> {
        if logs_requests() {
            return None;
        }
        let state = signed.state();
        let mut body = FoundBody::new(state.legacy_fields);
        let source = state.source.kind();
        match state.source.write_now(*key, &mut body)? {
            Presence::InProgress => {
                state
                    .metrics
                    .lookup(source, "found", Shard::of(signed.request()));
                Some(body.finish())
            }
            Presence::NotInProgress => {
                state
                    .metrics
                    .lookup(source, "not_in_progress", Shard::of(signed.request()));
                Some(not_in_progress())
            }
        }
    }

    async fn answer(signed: Signed<'_>, key: CallKey) -> Answer {
        let state = signed.state();
        let source = state.source.kind();
        let shard = Shard::of(signed.request());
        let lookup = match state.source.lookup_now(key) {
            Some(lookup) => lookup,
            None => state.source.lookup(key).await,
        };
        match lookup {
            Lookup::Found(call) => {
                state.metrics.lookup(source, "found", shard);
                let mut answer = found(&call, state.legacy_fields);
                // Only for the request log line, so only when it is written.
                if logs_requests() {
                    answer
                        .response
                        .extensions_mut()
                        .insert(LoggedNumbers::masked(&call.calling_num, &call.called_num));
                }
                answer
            }
            Lookup::NotInProgress => {
                state.metrics.lookup(source, "not_in_progress", shard);
                not_in_progress()
            }
            Lookup::Failed(error) => {
                state.metrics.lookup(source, "failed", shard);
                tracing::warn!(%error, "call source failed");
                Answer::failed(error.result_code(), error.public_message())
            }
        }
    }
}

/// `0100001`: the call is not (or no longer) in progress (querydetailcallinfo's answer too).
pub fn not_in_progress() -> Answer {
    Answer::failed(
        ResultCode::InterfaceCallFailed,
        "call not found or no longer in progress",
    )
}
