//! Fuzz target: the lenient readers used by the client (CC-CMS replies) and the BMS
//! adapter (BMS replies) never panic, and a decoded call writes and reads back the same.
#![no_main]

use calldata_bms::wire::BmsReply;
use calldata_model::{ApiReply, BasicCallInfo, read_reply};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(ApiReply::Found(call)) = read_reply(body) {
        let text = serde_json::to_vec(&*call).expect("serializes");
        let again: BasicCallInfo = serde_json::from_slice(&text).expect("reads back");
        assert_eq!(again, *call);
    }
    if let Ok(reply) = serde_json::from_slice::<BmsReply>(body) {
        let _ = serde_json::to_vec(&reply);
    }
});
