//! Fuzz target: the lenient readers used by the client (CC-CMS replies) and by the BMS
//! adapter (the same `BasicCallInfo` reader for BMS `data`, and the lenient string reader
//! for `retCode`) never panic, and a decoded call writes and reads back the same.
#![no_main]

use calldata_model::{ApiReply, BasicCallInfo, PingEcho, QueryBasicCallInfo, read_reply};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(ApiReply::Answered(call)) = read_reply::<QueryBasicCallInfo>(body) {
        let text = serde_json::to_vec(&call).expect("serializes");
        let again: BasicCallInfo = serde_json::from_slice(&text).expect("reads back");
        assert_eq!(again, call);
    }
    if let Ok(ApiReply::Answered(echo)) = read_reply::<calldata_model::Ping>(body) {
        let text = serde_json::to_vec(&echo).expect("serializes");
        let again: PingEcho = serde_json::from_slice(&text).expect("reads back");
        assert_eq!(again, echo);
    }
    if let Ok(call) = serde_json::from_slice::<BasicCallInfo>(body) {
        let text = serde_json::to_vec(&call).expect("serializes");
        let again: BasicCallInfo = serde_json::from_slice(&text).expect("reads back");
        assert_eq!(again, call);
    }
});
