//! Property tests: validation boundaries and sign-then-verify over arbitrary requests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::time::{Duration, SystemTime};

use calldata_model::auth::{
    Credentials, QueryLine, SignableRequest, SigningOptions, TimestampPrecision, VerifyPolicy,
    sign, verify,
};
use calldata_model::{CallId, QueryBasicCallInfo};
use proptest::prelude::*;

proptest! {
    #[test]
    fn cc_id_is_valid_exactly_in_1_to_65535(cc_id in -100_000i64..200_000) {
        let body = format!(r#"{{"ccId":{cc_id},"vdn":1,"callId":"1-1"}}"#);
        prop_assert_eq!(QueryBasicCallInfo::parse(body.as_bytes()).is_ok(), (1..=65535).contains(&cc_id));
    }

    #[test]
    fn vdn_is_valid_exactly_in_1_to_5000_as_number_or_string(vdn in -10_000i64..20_000, quoted: bool) {
        let vdn_json = if quoted { format!("\"{vdn}\"") } else { vdn.to_string() };
        let body = format!(r#"{{"ccId":1,"vdn":{vdn_json},"callId":"1-1"}}"#);
        let result = QueryBasicCallInfo::parse(body.as_bytes());
        prop_assert_eq!(result.is_ok(), (1..=5000).contains(&vdn));
        if let Err(e) = result {
            prop_assert!(e.to_string().starts_with("vdn "), "{}", e);
        }
    }

    #[test]
    fn call_ids_of_digits_dash_digits_up_to_20_chars_are_valid(
        start in "[0-9]{1,19}", sequence in "[0-9]{1,19}",
    ) {
        let text = format!("{start}-{sequence}");
        let parsed = CallId::parse(&text);
        prop_assert_eq!(parsed.is_ok(), text.len() <= 20);
        if let Ok(id) = parsed {
            prop_assert_eq!(id.as_str(), text.as_str());
            prop_assert_eq!(id.sequence(), sequence.parse::<u64>().unwrap());
        }
    }

    #[test]
    fn any_other_call_id_text_is_invalid(text in "\\PC{0,24}") {
        let shaped = text.len() <= 20
            && text.split_once('-').is_some_and(|(a, b)| {
                !a.is_empty() && !b.is_empty()
                    && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
            });
        prop_assert_eq!(CallId::parse(&text).is_ok(), shaped);
    }

    #[test]
    fn sign_then_verify_accepts_any_request_and_refuses_any_other_body(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        other_body in proptest::collection::vec(any::<u8>(), 0..512),
        query in proptest::collection::vec(("[a-z%+ =&]{0,8}", "\\PC{0,8}"), 0..4),
        host in "[a-z0-9.:-]{1,30}",
        extra_value in "\\PC{0,40}",
        ak in "[A-Za-z0-9_-]{1,20}",
        sk in "\\PC{1,40}",
        millis: bool,
        emit_empty_query_line: bool,
        skew_seconds in 0u64..900,
    ) {
        let raw_query = form_urlencoded::Serializer::new(String::new()).extend_pairs(&query).finish();
        let headers = vec![
            ("Host".to_owned(), host),
            ("x-extra".to_owned(), extra_value),
            ("content-length".to_owned(), body.len().to_string()),
        ];
        let request = SignableRequest {
            method: "POST",
            path: "/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo",
            query: &raw_query,
            headers: &headers,
            body: &body,
        };
        let credentials = Credentials::new(ak, sk);
        let options = SigningOptions {
            signed_headers: vec!["x-extra".into(), "Content-Length".into()],
            query_line: if emit_empty_query_line { QueryLine::AlwaysEmit } else { QueryLine::OmitWhenEmpty },
            precision: if millis { TimestampPrecision::Milliseconds } else { TimestampPrecision::Seconds },
        };
        let signed_at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_764_000_000_123);
        let signature = sign(&credentials, &request, &options, signed_at).unwrap();
        let now = signed_at + Duration::from_secs(skew_seconds);
        let policy = VerifyPolicy::default();
        prop_assert!(verify(Some(&signature.authorization), &request, &credentials, &policy, now).is_ok());
        if other_body != body {
            let mut other_headers = headers.clone();
            other_headers[2].1 = other_body.len().to_string();
            let tampered = SignableRequest { body: &other_body, headers: &other_headers, ..request };
            prop_assert!(verify(Some(&signature.authorization), &tampered, &credentials, &policy, now).is_err());
        }
    }
}
