//! Fuzz target: request body decoding and validation never panics, and whatever it
//! accepts is a valid call key that round-trips.
#![no_main]

use calldata_model::QueryBasicCallInfo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(key) = QueryBasicCallInfo::parse(body) {
        let again = serde_json::to_vec(&QueryBasicCallInfo::from(key)).expect("serializes");
        assert_eq!(QueryBasicCallInfo::parse(&again).expect("re-parses"), key);
    }
});
