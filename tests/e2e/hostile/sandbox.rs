//! The sandbox admin API (`/sandbox/v1/calls`, not a CC-CMS interface): query strings
//! and bodies its list, add and end operations refuse with `0100002` naming the parameter,
//! a query string the signature does not cover (401), an unknown method (405).

use std::time::SystemTime;

use super::{Case, Expect, OK, SANDBOX, Suite, Target, case, nested_array};

#[allow(clippy::too_many_lines)] // the table
fn cases(t: &Target) -> Vec<Case> {
    let mut rows = Vec::new();
    let now = SystemTime::now();
    for (query, field) in [
        // (query, the field the message names)
        ("limit=0", &["limit"][..]),
        ("limit=1001", &["limit"][..]),
        ("limit=-1", &["limit"][..]),
        ("limit=99999999999999999999999", &["limit"][..]),
        ("limit=1e3", &["limit"][..]),
        ("limit=%ff", &["limit"][..]),
        ("ccId=x", &["ccId"][..]),
        ("ccId=70000", &["ccId"][..]),
        ("vdn=%00", &["vdn"][..]),
    ] {
        rows.push(case(
            format!("sandbox list: ?{query}"),
            &t.signed_empty("GET", SANDBOX, query, now),
            Expect::Code("0100002", field),
        ));
    }
    rows.push(case(
        "sandbox list: 4 KiB query string of junk pairs",
        &t.signed_empty("GET", SANDBOX, &"a=b&".repeat(1024), now),
        OK,
    ));
    for (query, fields) in [
        ("", &["ccId", "vdn", "callId"][..]),
        ("ccId=1&vdn=1&callId=../../etc", &["callId"][..]),
        ("ccId=1&vdn=1&callId=1-1%00", &["callId"][..]),
        ("ccId=1.5&vdn=1&callId=1-1", &["ccId"][..]),
    ] {
        rows.push(case(
            format!("sandbox end: ?{query}"),
            &t.signed_empty("DELETE", SANDBOX, query, now),
            Expect::Code("0100002", fields),
        ));
    }
    rows.push(case(
        "sandbox end: a call that does not exist",
        &t.signed_empty("DELETE", SANDBOX, "ccId=1&vdn=1&callId=1-999999", now),
        Expect::Code("0100001", &[]),
    ));
    rows.push(case(
        "sandbox list: query string not covered by the signature",
        &{
            let mut req = t.signed_empty("GET", SANDBOX, "limit=1", now);
            req.line = format!("GET {SANDBOX}?limit=2 HTTP/1.1").into_bytes();
            req
        },
        Expect::Status(401),
    ));
    rows.push(case(
        "sandbox add: 10,000 '[' as the body",
        &t.signed_post_to(SANDBOX, "[".repeat(10_000)),
        Expect::Code("0100002", &[]),
    ));
    rows.push(case(
        "sandbox add: arrays nested 7,000 deep in an unknown member (the record reader keeps the depth limit)",
        &t.signed_post_to(
            SANDBOX,
            format!(
                "{{\"x\":{},\"ccId\":1,\"vdn\":1,\"callId\":\"1-999998\"}}",
                nested_array(7_000)
            ),
        ),
        Expect::Code("0100002", &["recursion limit"]),
    ));
    rows.push(case(
        "sandbox add: duplicate key",
        &t.signed_post_to(
            SANDBOX,
            r#"{"ccId":1,"ccId":1,"vdn":1,"callId":"1-999997"}"#,
        ),
        Expect::Code("0100002", &[]),
    ));
    rows.push(case(
        "sandbox add: wrong types",
        &t.signed_post_to(SANDBOX, r#"{"ccId":true,"vdn":[],"callId":{}}"#),
        Expect::Code("0100002", &["ccId", "vdn", "callId"]),
    ));
    rows.push(case(
        "sandbox: unknown method",
        &t.signed_empty("FOO", SANDBOX, "", now),
        Expect::MethodNotAllowed("GET, POST, PUT, PATCH, DELETE"),
    ));
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_requests_it_cannot_read_get_0100002_naming_the_parameter() {
    let mut suite = Suite::start().await;
    let table = cases(&suite.target);
    suite.run(&table).await;
    suite.finish("sandbox", serde_json::json!({})).await;
}
