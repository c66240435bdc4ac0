//! The BMS query itself: one request body in, one `BasicCallReply` out, answered from the store.

use calldata_model::{CallId, CallKey, CcId, Vdn};

use calldata_bms::embedded::EmbeddedStore;
use calldata_bms::wire::{BasicCallReply, BmsQuery};

use crate::stats::Counter;

/// Answers one query body from `store`, with the counter the answer adds to.
///
/// `"0"` with the call when found, `"1"` when not, `"2"` when the body is not a valid query.
pub(crate) fn answer(store: &EmbeddedStore, body: &[u8]) -> (Counter, BasicCallReply) {
    let key = match parse(body) {
        Ok(key) => key,
        Err(reason) => {
            let reply = reply("2", format!("invalid query: {reason}"));
            return (Counter::BadRequest, reply);
        }
    };
    match store.get(&key) {
        Some(call) => {
            let mut reply = reply("0", "success".to_owned());
            reply.data = Some((*call).clone());
            (Counter::Found, reply)
        }
        None => (Counter::NotFound, reply("1", "call not found".to_owned())),
    }
}

/// A reply without data.
pub(crate) fn reply(ret_code: &str, ret_msg: String) -> BasicCallReply {
    BasicCallReply::without_data(ret_code, ret_msg)
}

/// Reads a query body and checks its values with the model's rules.
fn parse(body: &[u8]) -> Result<CallKey, String> {
    let query: BmsQuery = serde_json::from_slice(body).map_err(|err| err.to_string())?;
    let cc_id = CcId::new(i64::from(query.cc_id)).map_err(|err| format!("ccId {err}"))?;
    let vdn = Vdn::new(i64::from(query.vdn_id)).map_err(|err| format!("vdnId {err}"))?;
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
        let (counter, reply) = answer(&store, &body);
        assert_eq!(counter, Counter::Found);
        assert_eq!(RetCode::of(&reply.ret_code), RetCode::Found);
        assert_eq!(reply.data.as_ref(), store.get(&key).as_deref());

        let (counter, reply) = answer(&store, br#"{"ccId":1,"vdnId":1,"callId":"1-1"}"#);
        assert_eq!(counter, Counter::NotFound);
        assert_eq!(
            (reply.ret_code.as_str(), reply.ret_msg.as_str()),
            ("1", "call not found")
        );
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
            let (counter, reply) = answer(&store, body);
            assert_eq!(
                counter,
                Counter::BadRequest,
                "{}",
                String::from_utf8_lossy(body)
            );
            assert_eq!(reply.ret_code, "2");
        }
        let (_, reply) = answer(&store, br#"{"ccId":1,"vdnId":5001,"callId":"1-1"}"#);
        assert_eq!(
            reply.ret_msg,
            "invalid query: vdnId must be between 1 and 5000"
        );
    }
}
