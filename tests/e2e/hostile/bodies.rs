//! `querybasiccallinfo`'s own body, the one place its fields are read: huge and deeply
//! nested JSON, duplicate keys, wrong types and ranges for every field, bodies that are not
//! one object, NUL and bytes that are not UTF-8. Each case names the field its `0100002`
//! must name. These stay on querybasiccallinfo: another interface reads other fields.

use super::{BODY_LIMIT, Case, Expect, NOT_JSON, OK, Suite, Target, case, nested_array};

/// An unknown member of about `bytes` bytes made of arrays nested `depth` deep, repeated.
fn big_member(bytes: usize, depth: usize) -> String {
    let one = nested_array(depth);
    let count = bytes / (one.len() + 1);
    let items = vec![one; count.max(1)].join(",");
    format!("\"bulk\":[{items}]")
}

#[allow(clippy::too_many_lines)] // the table
fn cases(t: &Target) -> Vec<Case> {
    let q = t.query();
    let valid = q.valid_body();
    let mut rows = Vec::new();

    // --- Huge and deeply nested JSON ---------------------------------------------------
    let wide = q.valid_body_plus(&big_member(15 * 1024, 2));
    assert!(wide.len() < BODY_LIMIT && wide.len() > 14 * 1024);
    rows.push(case(
        format!(
            "huge JSON: {} bytes of nested arrays in an unknown member (ignored)",
            wide.len()
        ),
        &q.signed(&wide),
        OK,
    ));
    let deep_ok = q.valid_body_plus(&big_member(15 * 1024, 100));
    assert!(deep_ok.len() < BODY_LIMIT);
    rows.push(case(
        format!(
            "huge JSON: {} bytes of arrays nested 100 deep (under the parser's depth limit)",
            deep_ok.len()
        ),
        &q.signed(&deep_ok),
        OK,
    ));
    let many_keys = q.valid_body_plus(
        &(0..1200)
            .map(|i| format!("\"k{i}\":{i}"))
            .collect::<Vec<_>>()
            .join(","),
    );
    assert!(many_keys.len() < BODY_LIMIT);
    rows.push(case(
        "huge JSON: 1,200 unknown members",
        &q.signed(&many_keys),
        OK,
    ));
    let long_string = q.valid_body_plus(&format!("\"note\":\"{}\"", "x".repeat(15 * 1024)));
    rows.push(case(
        "huge JSON: a 15 KiB string in an unknown member",
        &q.signed(&long_string),
        OK,
    ));
    rows.push(case(
        "huge JSON: a 15 KiB callId",
        &q.signed(t.body_with("callId", Some(&format!("\"1-{}\"", "1".repeat(15 * 1024))))),
        Expect::Code("0100002", &["callId"]),
    ));
    rows.push(case(
        "deep JSON: 10,000 '[' as the whole body",
        &q.signed("[".repeat(10_000)),
        NOT_JSON,
    ));
    rows.push(case(
        "deep JSON: 10,000 '[' in an unknown member (no stack overflow)",
        &q.signed(q.valid_body_plus(&format!("\"x\":{}", "[".repeat(10_000)))),
        NOT_JSON,
    ));
    rows.push(case(
        "deep JSON: arrays nested 7,000 deep (14,000 brackets) in an unknown member (documented: unknown members are skipped, without recursion)",
        &q.signed(q.valid_body_plus(&format!("\"x\":{}", nested_array(7_000)))),
        OK,
    ));
    rows.push(case(
        "deep JSON: arrays nested 7,000 deep as the ccId value",
        &q.signed(t.body_with("ccId", Some(&nested_array(7_000)))),
        Expect::Code("0100002", &["ccId"]),
    ));
    rows.push(case(
        "deep JSON: objects nested 2,500 deep (balanced) in an unknown member",
        &q.signed(q.valid_body_plus(&format!(
            "\"x\":{}0{}",
            "{\"a\":".repeat(2_500),
            "}".repeat(2_500)
        ))),
        OK,
    ));
    rows.push(case(
        "deep JSON: 3,000 nested objects as the ccId value",
        &q.signed(t.body_with("ccId", Some(&"{\"a\":".repeat(3_000)))),
        NOT_JSON,
    ));
    // --- Duplicate keys ------------------------------------------------------------------
    for (name, body) in [
        ("duplicate key: ccId twice", q.valid_body_plus("\"ccId\":2")),
        ("duplicate key: vdn twice", q.valid_body_plus("\"vdn\":1")),
        (
            "duplicate key: callId twice",
            q.valid_body_plus("\"callId\":\"1-1\""),
        ),
        (
            "duplicate key: ccId twice, once written with an escape",
            q.valid_body_plus("\"cc\\u0049d\":1"),
        ),
    ] {
        rows.push(case(
            name,
            &q.signed(body),
            Expect::Code("0100002", &["duplicate field"]),
        ));
    }

    // --- Wrong types for every field -------------------------------------------------------
    let integer_field_values: &[&str] = &[
        "true",
        "false",
        "null",
        "[]",
        "[1]",
        "{}",
        "{\"a\":1}",
        "\"x\"",
        "\"\"",
        "\" 1\"",
        "\"+1\"",
        "\"1x\"",
        "1.5",
        "-1",
        "0",
        "1e300",
        "-0.5",
    ];
    for field in ["ccId", "vdn"] {
        for value in integer_field_values {
            rows.push(case(
                format!("wrong type: {field} = {value}"),
                &q.signed(t.body_with(field, Some(value))),
                Expect::Code(
                    "0100002",
                    if field == "ccId" { &["ccId"] } else { &["vdn"] },
                ),
            ));
        }
        rows.push(case(
            format!("wrong type: {field} missing"),
            &q.signed(t.body_with(field, None)),
            Expect::Code(
                "0100002",
                if field == "ccId" { &["ccId"] } else { &["vdn"] },
            ),
        ));
    }
    rows.push(case(
        "out of range: ccId = 65536",
        &q.signed(t.body_with("ccId", Some("65536"))),
        Expect::Code("0100002", &["ccId"]),
    ));
    rows.push(case(
        "out of range: vdn = 5001",
        &q.signed(t.body_with("vdn", Some("5001"))),
        Expect::Code("0100002", &["vdn"]),
    ));
    rows.push(case(
        "out of range: ccId = 99999999999999999999999",
        &q.signed(t.body_with("ccId", Some("99999999999999999999999"))),
        Expect::Code("0100002", &["ccId"]),
    ));
    for value in [
        "123",
        "1.5",
        "true",
        "null",
        "[]",
        "[\"1-2\"]",
        "{}",
        "\"\"",
        "\"1-2-3\"",
        "\"-1\"",
        "\"1-\"",
        "\"1_2\"",
        "\"abc\"",
        "\" 1-2\"",
        "\"12345678901234567-123\"",
        "\"\u{661}\u{662}-\u{663}\"",
        "\"1\\u0000-2\"",
    ] {
        rows.push(case(
            format!("wrong type: callId = {}", value.escape_debug()),
            &q.signed(t.body_with("callId", Some(value))),
            Expect::Code("0100002", &["callId"]),
        ));
    }
    rows.push(case(
        "wrong type: callId missing",
        &q.signed(t.body_with("callId", None)),
        Expect::Code("0100002", &["callId"]),
    ));
    rows.push(case(
        "wrong types: every field broken, reported in field order",
        &q.signed(r#"{"ccId":"x","vdn":true,"callId":7}"#),
        Expect::Code("0100002", &["ccId", "vdn", "callId"]),
    ));
    for (name, body) in [
        ("not an object: array", "[1,1,\"1-1\"]".to_owned()),
        ("not an object: string", "\"hello\"".to_owned()),
        ("not an object: null", "null".to_owned()),
        ("not an object: empty body", String::new()),
        ("trailing bytes after the object", format!("{valid}x")),
        ("two objects", format!("{valid}{valid}")),
        ("truncated object", valid[..valid.len() - 1].to_owned()),
    ] {
        rows.push(case(name, &q.signed(body), NOT_JSON));
    }

    // --- NUL and non-UTF-8 bytes in the body ---------------------------------------------
    let with_bytes = |prefix: &str, bytes: &[u8], suffix: &str| {
        let mut body = prefix.as_bytes().to_vec();
        body.extend_from_slice(bytes);
        body.extend_from_slice(suffix.as_bytes());
        body
    };
    let cc = t.key.cc_id.to_string();
    let vdn = t.key.vdn.to_string();
    let call_id = t.key.call_id.to_string();
    rows.push(case(
        "NUL byte between members",
        &q.signed(with_bytes(
            &format!("{{\"ccId\":{cc},"),
            b"\0",
            &format!("\"vdn\":{vdn},\"callId\":\"{call_id}\"}}"),
        )),
        NOT_JSON,
    ));
    rows.push(case(
        "raw NUL byte inside the callId string",
        &q.signed(with_bytes(
            &format!("{{\"ccId\":{cc},\"vdn\":{vdn},\"callId\":\"1"),
            b"\0",
            "-2\"}",
        )),
        NOT_JSON,
    ));
    rows.push(case("NUL bytes only", &q.signed([0_u8; 64]), NOT_JSON));
    rows.push(case(
        "non-UTF-8 bytes inside the callId string",
        &q.signed(with_bytes(
            &format!("{{\"ccId\":{cc},\"vdn\":{vdn},\"callId\":\"1"),
            b"\xff\xfe",
            "-2\"}",
        )),
        NOT_JSON,
    ));
    rows.push(case(
        "raw NUL byte inside an unknown member's string",
        &q.signed(with_bytes(
            "{\"note\":\"",
            b"a\0b",
            &format!("\",\"ccId\":{cc},\"vdn\":{vdn},\"callId\":\"{call_id}\"}}"),
        )),
        NOT_JSON,
    ));
    rows.push(case(
        "UTF-8 byte order mark before the object",
        &q.signed(with_bytes("", b"\xef\xbb\xbf", &valid)),
        NOT_JSON,
    ));
    rows.push(case(
        "UTF-16LE body",
        &q.signed(
            valid
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<u8>>(),
        ),
        NOT_JSON,
    ));

    // Bodies that are not valid JSON text even though every known field is fine (invalid
    // UTF-8 inside an unknown member) are refused like any other invalid JSON.
    let (cc, vdn, call_id) = (t.key.cc_id, t.key.vdn, t.key.call_id);
    let mut body = b"{\"note\":\"\xc3\x28\xff\",".to_vec();
    body.extend_from_slice(
        format!("\"ccId\":{cc},\"vdn\":{vdn},\"callId\":\"{call_id}\"}}").as_bytes(),
    );
    rows.push(case(
        "non-UTF-8 bytes inside an unknown member's string (docs/api.md: invalid JSON is 0100002)",
        &q.signed(body),
        NOT_JSON,
    ));
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn querybasiccallinfo_bodies_that_are_not_what_it_reads_get_0100002_naming_the_field() {
    let mut suite = Suite::start().await;
    let table = cases(&suite.target);
    suite.run(&table).await;
    suite.finish("bodies", serde_json::json!({})).await;
}
