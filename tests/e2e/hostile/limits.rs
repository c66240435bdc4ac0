//! Sizes and limits: bodies over the body limit (declared, streamed, chunked, behind
//! `Expect: 100-continue`: 413 without reading them), heads over the head limits (431), and
//! a large header within them. The body limit is the signed pipeline's, the head limits the
//! HTTP layer's, so every case runs over every signed interface.

use super::{Case, Expect, REQUEST_TIMEOUT, Send, Suite, TEN_MB, Target, case};

#[allow(clippy::too_many_lines)] // the table
fn cases(t: &Target) -> Vec<Case> {
    let mut rows = vec![case(
        "oversized request line: 200 KiB path",
        &{
            let mut req = t.query().valid();
            req.line = format!("POST /{} HTTP/1.1", "a".repeat(200 * 1024)).into_bytes();
            req
        },
        Expect::Status(431),
    )];
    for e in t.endpoints() {
        let valid = e.valid_body();
        rows.push(case(
            e.named("deep JSON: 20,000 '[' (over the body limit)"),
            &e.signed("[".repeat(20_000)),
            Expect::Status(413),
        ));
        rows.push(case(
            e.named("deep JSON: 1,000,000 '[' declared (over the body limit, never sent in full)"),
            &{
                let mut req = e.post(b"").without("Content-Length");
                req = req.header("Content-Length", "1000000");
                req.body = "[".repeat(4096).into_bytes();
                req
            },
            Expect::Status(413),
        ));

        rows.push(
            case(
                e.named("10 MB body declared by Content-Length, first 64 KiB sent: 413 without waiting for the rest"),
                &{
                    let mut req = e.signed(&valid).without("Content-Length");
                    req = req.header("Content-Length", TEN_MB.to_string());
                    req.body = vec![b'['; 64 * 1024];
                    req
                },
                Expect::Status(413),
            )
            .within(REQUEST_TIMEOUT),
        );
        rows.push(Case {
            name: e.named("10 MB body declared by Content-Length, streamed: 413 within the request timeout, without reading it"),
            send: Send::Flood {
                head: {
                    let mut req = e.signed(&valid).without("Content-Length");
                    req = req.header("Content-Length", TEN_MB.to_string());
                    req.body.clear();
                    req.bytes()
                },
                chunk: vec![b'['; 64 * 1024],
                total: TEN_MB,
            },
            expect: Expect::Status(413),
            check: None,
            within: REQUEST_TIMEOUT,
        });
        rows.push(Case {
            name: e.named(
                "10 MB chunked body, streamed: 413 once past the limit, within the request timeout",
            ),
            send: Send::Flood {
                head: {
                    let mut req = e
                        .signed(&valid)
                        .without("Content-Length")
                        .header("Transfer-Encoding", "chunked");
                    req.body.clear();
                    req.bytes()
                },
                chunk: {
                    let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
                    chunk.extend_from_slice(&vec![b'['; 64 * 1024]);
                    chunk.extend_from_slice(b"\r\n");
                    chunk
                },
                total: TEN_MB,
            },
            expect: Expect::Status(413),
            check: None,
            within: REQUEST_TIMEOUT,
        });
        rows.push(
            case(
                e.named("10 MB body with Expect: 100-continue: 413 at once (the HTTP layer sends 100 Continue first)"),
                &{
                    let mut req = e
                        .signed(&valid)
                        .without("Content-Length")
                        .header("Content-Length", TEN_MB.to_string())
                        .header("Expect", "100-continue");
                    req.body.clear();
                    req
                },
                Expect::Status(413),
            )
            .with_check(|response| {
                // actix-http answers `Expect: 100-continue` itself, before the handler sees the
                // request; the handler then refuses the declared length without reading.
                if response.interim.iter().all(|status| *status == 100) {
                    Ok(())
                } else {
                    Err(format!("interim answers {:?} before 413", response.interim))
                }
            })
            .within(REQUEST_TIMEOUT),
        );
        rows.push(case(
            e.named("oversized header: one 200 KiB value"),
            &e.signed(&valid).header("X-Big", "a".repeat(200 * 1024)),
            Expect::Status(431),
        ));
        rows.push(case(
            e.named("oversized header: 200 headers"),
            &(0..200).fold(e.signed(&valid), |req, i| {
                req.header(&format!("X-H{i}"), "a")
            }),
            Expect::Status(431),
        ));
        rows.push(case(
            e.named("large header: one 32 KiB value (within limits)"),
            &e.signed(&valid).header("X-Big", "a".repeat(32 * 1024)),
            e.ok(),
        ));
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_and_heads_over_the_limits_are_refused_unread_on_every_interface() {
    let mut suite = Suite::start().await;
    let table = cases(&suite.target);
    suite.run(&table).await;
    suite.finish("limits", serde_json::json!({})).await;
}
