//! The reference example response round-trips byte for byte, and the lenient reader accepts
//! every documented type drift.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use calldata_model::call::FIELD_ORDER;
use calldata_model::{
    ApiReply, BasicCallInfo, CallFeature, DeviceType, EnterReason, Envelope, MediaType,
    QueryBasicCallInfo, ResultCode, read_reply,
};
use serde_json::Value;

const REFERENCE: &str = include_str!("data/reference-response.json");

fn minified(text: &str) -> String {
    // The reference holds no string with blanks, so dropping whitespace minifies it.
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn reference_call() -> BasicCallInfo {
    match read_reply::<QueryBasicCallInfo>(REFERENCE.as_bytes()).unwrap() {
        ApiReply::Answered(call) => call,
        other @ ApiReply::Failed { .. } => panic!("reference is a success, read {other:?}"),
    }
}

#[test]
fn reference_example_round_trips_to_the_same_bytes() {
    let call = reference_call();
    let written = serde_json::to_string(&Envelope::of::<QueryBasicCallInfo>(&call, true)).unwrap();
    assert_eq!(written, minified(REFERENCE));
}

#[test]
fn reference_example_round_trips_to_the_same_json_value() {
    let call = reference_call();
    let written = serde_json::to_value(Envelope::of::<QueryBasicCallInfo>(&call, true)).unwrap();
    let expected: Value = serde_json::from_str(REFERENCE).unwrap();
    assert_eq!(written, expected);
}

#[test]
fn a_complete_call_writes_all_25_fields_in_reference_order() {
    let call = reference_call();
    let text = serde_json::to_string(&call).unwrap();
    let mut last = 0;
    for name in FIELD_ORDER {
        let at = text
            .find(&format!("\"{name}\":"))
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(at >= last, "{name} out of order");
        last = at;
    }
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value.as_object().unwrap().len(), 25);
}

#[test]
fn reference_values_decode_into_typed_fields() {
    let call = reference_call();
    assert_eq!(call.time, Some(1_659_513_159_000));
    assert_eq!(call.device_type, Some(DeviceType::Agent));
    assert_eq!(call.call_feature, Some(CallFeature::Ordinary));
    assert_eq!(call.media_type, Some(MediaType::Voice));
    assert_eq!(call.enter_reason, Some(EnterReason::Normal));
    assert_eq!(call.call_skill, "defaultAudioSkill");
    assert_eq!(call.key_id, "");
}

fn decode(json: &str) -> BasicCallInfo {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

#[test]
fn numbers_may_arrive_as_strings() {
    let call =
        decode(r#"{"time":"1659513159000","dsn":" 7 ","deviceType":"2","mediaBillType":"0"}"#);
    assert_eq!(call.time, Some(1_659_513_159_000));
    assert_eq!(call.dsn, Some(7));
    assert_eq!(call.device_type, Some(DeviceType::Agent));
    assert_eq!(call.media_bill_type, Some(0));
}

#[test]
fn empty_strings_and_nulls_are_absent_numbers() {
    let call = decode(r#"{"waitTime":"","logonTimes":null,"enterReason":"","callFeature":null}"#);
    assert_eq!(call.wait_time, None);
    assert_eq!(call.logon_times, None);
    assert_eq!(call.enter_reason, None);
    assert_eq!(call.call_feature, None);
    // Absent numbers are left out when the call is written again.
    assert_eq!(
        serde_json::to_string(&call).unwrap(),
        r#"{"keyId":"","callingNum":"","calledNum":"","callSkill":"","orgiCalledNum":""}"#
    );
}

#[test]
fn strings_may_arrive_as_numbers() {
    let call = decode(r#"{"callSkill":12,"orgiCalledNum":0,"keyId":null,"callingNum":88880001}"#);
    assert_eq!(call.call_skill, "12");
    assert_eq!(call.orgi_called_num, "0");
    assert_eq!(call.key_id, "");
    assert_eq!(call.calling_num, "88880001");
}

#[test]
fn unknown_fields_are_ignored() {
    let call = decode(r#"{"dsn":1,"newField":{"deep":[1,2]},"another":"x"}"#);
    assert_eq!(call.dsn, Some(1));
}

#[test]
fn unknown_enum_codes_round_trip() {
    let call = decode(r#"{"deviceType":99,"callFeature":"77","mediaType":100,"enterReason":21}"#);
    assert_eq!(call.device_type, Some(DeviceType::Unknown(99)));
    assert_eq!(call.call_feature, Some(CallFeature::Unknown(77)));
    assert_eq!(call.media_type, Some(MediaType::Unknown(100)));
    assert_eq!(call.enter_reason, Some(EnterReason::Unknown(21)));
    let again: Value = serde_json::to_value(&call).unwrap();
    assert_eq!(again["deviceType"], 99);
    assert_eq!(again["callFeature"], 77);
    assert_eq!(again["mediaType"], 100);
    assert_eq!(again["enterReason"], 21);
}

#[test]
fn media_bill_type_may_be_text_as_the_reference_types_it() {
    assert_eq!(decode(r#"{"mediaBillType":"3"}"#).media_bill_type, Some(3));
    assert_eq!(decode(r#"{"mediaBillType":"voice"}"#).media_bill_type, None);
    assert_eq!(decode(r#"{"mediaBillType":0}"#).media_bill_type, Some(0));
}

#[test]
fn garbage_in_a_number_field_fails_loudly() {
    for json in [
        r#"{"dsn":"seven"}"#,
        r#"{"waitTime":true}"#,
        r#"{"deviceType":1.5}"#,
    ] {
        assert!(
            serde_json::from_str::<BasicCallInfo>(json).is_err(),
            "{json}"
        );
    }
}

#[test]
fn failure_replies_keep_their_code_and_message() {
    let reply = read_reply::<QueryBasicCallInfo>(
        br#"{"resultCode":"0100002","resultDesc":"invalid parameter: vdn must be between 1 and 5000"}"#,
    )
    .unwrap();
    assert_eq!(
        reply,
        ApiReply::Failed {
            code: ResultCode::InvalidParameter,
            message: "invalid parameter: vdn must be between 1 and 5000".into()
        }
    );
}

#[test]
fn a_completed_call_writes_all_25_fields_with_none_values() {
    let call = decode(r#"{"dsn":4}"#).completed();
    let value: Value = serde_json::to_value(&call).unwrap();
    assert_eq!(value.as_object().unwrap().len(), 25);
    assert_eq!(value["dsn"], 4);
    assert_eq!(value["waitTime"], 0);
    assert_eq!(value["callInCause"], 65535);
    assert_eq!(value["deviceType"], 0);
}
