//! The `auth-v2` test vectors of the contract: every case signs to the published canonical
//! request, signing key and Authorization value, verifies, and fails after any one-byte change.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use calldata_model::auth::{
    AuthError, Credentials, QueryLine, SignableRequest, Signer, SigningKeyCache, SigningOptions,
    Timestamp, VerifyPolicy, sign_at, verify, verify_cached,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vectors {
    cases: Vec<Case>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    name: String,
    ak: String,
    sk: String,
    timestamp: String,
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    empty_query_line: bool,
    headers: BTreeMap<String, String>,
    body: String,
    signing_key: String,
    canonical_request: String,
    authorization: String,
}

impl Case {
    fn raw_query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.query)
            .finish()
    }

    fn signed_at(&self) -> SystemTime {
        Timestamp::parse(&self.timestamp).unwrap().to_system_time()
    }
}

fn cases() -> Vec<Case> {
    let text = include_str!("data/auth-v2.json");
    let vectors: Vectors = serde_json::from_str(text).unwrap();
    assert_eq!(
        vectors.cases.len(),
        6,
        "the vector file changed; review these tests"
    );
    vectors.cases
}

fn request<'a>(
    case: &'a Case,
    query: &'a str,
    headers: &'a BTreeMap<String, String>,
) -> SignableRequest<'a> {
    SignableRequest {
        method: &case.method,
        path: &case.path,
        query,
        headers,
        body: case.body.as_bytes(),
    }
}

#[test]
fn every_case_signs_to_the_published_values() {
    for case in cases() {
        let query = case.raw_query();
        let options = SigningOptions {
            signed_headers: case.headers.keys().cloned().collect(),
            query_line: if case.empty_query_line {
                QueryLine::AlwaysEmit
            } else {
                QueryLine::OmitWhenEmpty
            },
            precision: Timestamp::parse(&case.timestamp).unwrap().precision(),
        };
        let signature = sign_at(
            &Credentials::new(&case.ak, &case.sk),
            &request(&case, &query, &case.headers),
            &options,
            Timestamp::parse(&case.timestamp).unwrap(),
        )
        .unwrap();
        assert_eq!(
            signature.canonical_request, case.canonical_request,
            "{}",
            case.name
        );
        assert_eq!(signature.signing_key, case.signing_key, "{}", case.name);
        assert_eq!(signature.authorization, case.authorization, "{}", case.name);
        // The prepared signer (what the client sends with) gives the same value, twice
        // (the second time from its key cache).
        let signer = Signer::new(Credentials::new(&case.ak, &case.sk), &options).unwrap();
        let at = Timestamp::parse(&case.timestamp).unwrap().to_system_time();
        for _ in 0..2 {
            let authorization = signer
                .authorization(&request(&case, &query, &case.headers), at)
                .unwrap();
            assert_eq!(authorization, case.authorization, "{}: signer", case.name);
        }
    }
}

#[test]
fn every_case_verifies_at_its_own_time() {
    for case in cases() {
        let query = case.raw_query();
        let keys = Credentials::new(&case.ak, &case.sk);
        let verified = verify(
            Some(&case.authorization),
            &request(&case, &query, &case.headers),
            &keys,
            &VerifyPolicy::default(),
            case.signed_at(),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(verified.access_key, case.ak);
    }
}

/// Verifies `case` after `tamper` changed one thing; returns the refusal.
fn refusal(case: &Case, tamper: impl FnOnce(&mut Case, &mut String)) -> AuthError {
    let mut case = case.clone();
    let mut authorization = case.authorization.clone();
    tamper(&mut case, &mut authorization);
    let query = case.raw_query();
    // Both the real AK and any tampered AK map to the real SK, so only the signature decides.
    let original = cases().into_iter().find(|c| c.name == case.name).unwrap();
    let keys = [
        Credentials::new(&original.ak, &original.sk),
        Credentials::new(&case.ak, &case.sk),
        Credentials::new(flip_last(&original.ak), &original.sk),
    ];
    // The untouched request first, so that the tampered one meets a warm key cache.
    let mut cache = SigningKeyCache::default();
    let original_query = original.raw_query();
    verify_cached(
        Some(&original.authorization),
        &request(&original, &original_query, &original.headers),
        &keys[..],
        &VerifyPolicy::default(),
        original.signed_at(),
        &mut cache,
    )
    .expect("the untouched request verifies");
    let cached = verify_cached(
        Some(&authorization),
        &request(&case, &query, &case.headers),
        &keys[..],
        &VerifyPolicy::default(),
        original.signed_at(),
        &mut cache,
    )
    .expect_err("tampered request must not verify with a warm cache");
    let fresh = verify(
        Some(&authorization),
        &request(&case, &query, &case.headers),
        &keys[..],
        &VerifyPolicy::default(),
        original.signed_at(),
    )
    .expect_err("tampered request must not verify");
    assert_eq!(cached, fresh);
    fresh
}

/// The same text with its last character changed to another allowed one.
fn flip_last(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let last = chars.last_mut().unwrap();
    *last = match *last {
        '0' => '1',
        '9' => '8',
        'a' => 'b',
        'z' => 'y',
        'Z' => 'Y',
        c if c.is_ascii_digit() => '0',
        c if c.is_ascii_alphabetic() => 'a',
        _ => 'x',
    };
    chars.into_iter().collect()
}

#[test]
fn a_one_byte_change_anywhere_fails_verification() {
    for case in cases() {
        let name = case.name.clone();
        if !case.body.is_empty() {
            let err = refusal(&case, |c, _| c.body = c.body.replacen('1', "2", 1));
            assert_eq!(err, AuthError::SignatureMismatch, "{name}: body");
        }
        let err = refusal(&case, |c, _| c.path = flip_last(&c.path));
        assert_eq!(err, AuthError::SignatureMismatch, "{name}: path");
        let err = refusal(&case, |c, _| {
            let host = c
                .headers
                .keys()
                .find(|k| k.eq_ignore_ascii_case("host"))
                .unwrap()
                .clone();
            let value = c.headers[&host].replacen('1', "2", 1).replacen('e', "f", 1);
            c.headers.insert(host, value);
        });
        assert_eq!(err, AuthError::SignatureMismatch, "{name}: host header");
        let err = refusal(&case, |c, auth| {
            *auth = auth.replacen(
                &format!("/{}/", c.ak),
                &format!("/{}/", flip_last(&c.ak)),
                1,
            );
        });
        assert_eq!(err, AuthError::SignatureMismatch, "{name}: access key");
        let err = refusal(&case, |c, auth| {
            let changed = c.timestamp.replacen(":05", ":06", 1);
            *auth = auth.replacen(&c.timestamp, &changed, 1);
        });
        assert_eq!(err, AuthError::SignatureMismatch, "{name}: timestamp");
        let err = refusal(&case, |_, auth| *auth = flip_last(auth));
        assert_eq!(err, AuthError::SignatureMismatch, "{name}: signature");
    }
}

#[test]
fn an_unknown_access_key_is_refused_like_a_bad_signature() {
    let case = &cases()[0];
    let query = case.raw_query();
    let err = verify(
        Some(&case.authorization),
        &request(case, &query, &case.headers),
        &Credentials::new("someone-else", &case.sk),
        &VerifyPolicy::default(),
        case.signed_at(),
    )
    .unwrap_err();
    assert_eq!(err, AuthError::UnknownAccessKey);
    assert_eq!(
        err.public_message(),
        AuthError::SignatureMismatch.public_message()
    );
}

#[test]
fn both_query_line_forms_verify_when_there_is_no_query() {
    let all = cases();
    let without = &all[0];
    let with = &all[1];
    assert_ne!(without.authorization, with.authorization);
    for case in [without, with] {
        let keys = Credentials::new(&case.ak, &case.sk);
        verify(
            Some(&case.authorization),
            &request(case, "", &case.headers),
            &keys,
            &VerifyPolicy::default(),
            case.signed_at(),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    }
}

#[test]
fn timestamps_outside_the_window_are_refused() {
    let case = &cases()[0];
    let keys = Credentials::new(&case.ak, &case.sk);
    let policy = VerifyPolicy {
        max_clock_skew: Duration::from_secs(60),
    };
    for offset in [Duration::from_secs(61), Duration::from_secs(3600)] {
        for now in [case.signed_at() + offset, case.signed_at() - offset] {
            let err = verify(
                Some(&case.authorization),
                &request(case, "", &case.headers),
                &keys,
                &policy,
                now,
            )
            .unwrap_err();
            assert!(matches!(err, AuthError::ClockSkew { .. }), "{err}");
        }
    }
    verify(
        Some(&case.authorization),
        &request(case, "", &case.headers),
        &keys,
        &policy,
        case.signed_at() + Duration::from_secs(60),
    )
    .unwrap();
}

#[test]
fn signed_headers_must_be_present_and_content_length_must_match() {
    let case = &cases()[0];
    let keys = Credentials::new(&case.ak, &case.sk);
    let check = |headers: &BTreeMap<String, String>, body: &str| {
        let mut case = case.clone();
        case.body = body.to_owned();
        verify(
            Some(&case.authorization),
            &request(&case, "", headers),
            &keys,
            &VerifyPolicy::default(),
            case.signed_at(),
        )
        .unwrap_err()
    };
    let mut without_type = case.headers.clone();
    without_type.remove("content-type");
    assert_eq!(
        check(&without_type, &case.body),
        AuthError::SignedHeaderAbsent("content-type".into())
    );
    let longer = format!("{} ", case.body);
    assert_eq!(
        check(&case.headers, &longer),
        AuthError::ContentLengthMismatch
    );
    assert_eq!(
        verify(
            None,
            &request(case, "", &case.headers),
            &keys,
            &VerifyPolicy::default(),
            case.signed_at()
        )
        .unwrap_err(),
        AuthError::Missing
    );
}
