//! Header values: CR, LF and NUL injected into them, bytes that are not UTF-8 (in
//! `X-Request-ID`, `Content-Type`, `Authorization`, a header nobody reads), and every
//! `Content-Type` but JSON (415). The HTTP layer and the signed pipeline answer these
//! before any interface reads its body, so every case runs over every signed interface.

use super::{Case, Expect, Req, Suite, Target, case};

#[allow(clippy::too_many_lines)] // the table
fn cases(t: &Target) -> Vec<Case> {
    let mut rows = vec![case(
        "header injection: CR LF in the request target",
        &Req::new("POST", b"/rest/x\r\nInjected: 1\r\nX: /y", &t.host),
        Expect::Status(400),
    )];
    for e in t.endpoints() {
        let valid = e.valid_body();
        // --- NUL, CR, LF and non-UTF-8 bytes in header values ----------------------------------
        rows.push(case(
            e.named("header injection: bare CR in a header value"),
            &e.signed(&valid).header("X-Note", b"a\rInjected: 1"),
            Expect::Status(400),
        ));
        rows.push(case(
            e.named("header injection: NUL in a header value"),
            &e.signed(&valid).header("X-Note", b"a\0b"),
            Expect::Status(400),
        ));
        rows.push(case(
            e.named("header injection: bare LF smuggling a second Authorization (repeated: 401)"),
            &e.signed(&valid)
                .header("X-Note", b"a\nAuthorization: auth-v2/x/y/host/0"),
            Expect::Status(401),
        ));
        rows.push(case(
            e.named("header injection: obsolete line folding"),
            &e.signed(&valid).header("X-Note", b"a\r\n folded"),
            Expect::Status(400),
        ));
        rows.push(
            case(
                e.named("header injection: encoded CR LF in X-Request-ID is not echoed"),
                &e.signed(&valid)
                    .header("X-Request-ID", "abc%0d%0aSet-Cookie:%20x=1"),
                e.ok(),
            )
            .with_check(|response| {
                let echoed = response.header("x-request-id").unwrap_or_default();
                if echoed.contains('%') || response.header_count("set-cookie") > 0 {
                    return Err(format!("X-Request-ID echoed as {echoed:?}"));
                }
                Ok(())
            }),
        );
        rows.push(
            case(
                e.named("non-UTF-8 bytes in X-Request-ID (replaced, not echoed)"),
                &e.signed(&valid).header("X-Request-ID", b"id-\xff\xfe"),
                e.ok(),
            )
            .with_check(|response| {
                let echoed = response.header("x-request-id").unwrap_or_default();
                if echoed.is_empty() || !echoed.is_ascii() {
                    return Err(format!("X-Request-ID answered as {echoed:?}"));
                }
                Ok(())
            }),
        );
        rows.push(case(
            e.named("non-UTF-8 bytes in Content-Type"),
            &e.signed(&valid)
                .without("Content-Type")
                .header("Content-Type", b"application/json;charset=\xff"),
            Expect::Status(415),
        ));
        rows.push(case(
            e.named("non-UTF-8 bytes in Authorization"),
            &e.post(&valid)
                .header("Authorization", b"auth-v2/\xff\xfe/x/host/00"),
            Expect::Status(401),
        ));
        rows.push(case(
            e.named("non-UTF-8 bytes in an unsigned header (ignored)"),
            &e.signed(&valid).header("X-Note", b"\xff\xfe\x80"),
            e.ok(),
        ));

        // --- Content type ---------------------------------------------------------------------
        for (name, value) in [
            ("Content-Type: text/plain", &b"text/plain"[..]),
            (
                "Content-Type: charset latin1",
                b"application/json; charset=latin1",
            ),
            ("Content-Type: application/jsonx", b"application/jsonx"),
            ("Content-Type: empty", b""),
        ] {
            rows.push(case(
                e.named(name),
                &e.signed(&valid)
                    .without("Content-Type")
                    .header("Content-Type", value),
                Expect::Status(415),
            ));
        }
        rows.push(case(
            e.named("Content-Type missing"),
            &e.signed(&valid).without("Content-Type"),
            Expect::Status(415),
        ));
        rows.push(case(
            e.named("Content-Type repeated"),
            &e.signed(&valid)
                .header("Content-Type", "application/json;charset=UTF-8"),
            Expect::Status(415),
        ));
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_header_values_and_content_types_get_the_same_refusal_on_every_interface() {
    let mut suite = Suite::start().await;
    let table = cases(&suite.target);
    suite.run(&table).await;
    suite.finish("headers", serde_json::json!({})).await;
}
