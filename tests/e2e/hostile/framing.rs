//! Framing: chunked bodies (signed with or without a length, in 1-byte chunks with a
//! trailer, with sizes that are not hex or beyond 64 bits), `Content-Length` and
//! `Transfer-Encoding` together or broken (the request-smuggling forms), request lines and
//! `Host` headers the HTTP/1.1 grammar refuses. The connection layer and the HTTP parser
//! decide these before any route, so every case runs over every signed interface.

use super::{Case, Expect, Suite, Target, case, raw_case};

#[allow(clippy::too_many_lines)] // the table
fn cases(t: &Target) -> Vec<Case> {
    let mut rows = vec![raw_case(
        "not HTTP: binary garbage",
        b"\x00\x01\x02\xff\xfe\r\n\r\n".to_vec(),
        Expect::Status(400),
    )];
    for e in t.endpoints() {
        let valid = e.valid_body();
        let path = e.path();
        rows.push(case(
            e.named("chunked body with content-length signed (documented: 401)"),
            &{
                let mut req = e
                    .signed(&valid)
                    .without("Content-Length")
                    .header("Transfer-Encoding", "chunked");
                req.body = format!("{:x}\r\n{valid}\r\n0\r\n\r\n", valid.len()).into_bytes();
                req
            },
            Expect::Status(401),
        ));

        rows.push(case(
            e.named("chunked body in 1-byte chunks with a trailer, signed without content-length"),
            &{
                let authorization = e.authorization_without_length(valid.as_bytes());
                let mut req = e
                    .post(&valid)
                    .without("Content-Length")
                    .header("Transfer-Encoding", "chunked")
                    .header("Authorization", authorization);
                let mut body = Vec::new();
                for byte in valid.bytes() {
                    body.extend_from_slice(b"1\r\n");
                    body.push(byte);
                    body.extend_from_slice(b"\r\n");
                }
                body.extend_from_slice(b"0\r\nX-Trailer: 1\r\n\r\n");
                req.body = body;
                req
            },
            e.ok(),
        ));
        rows.push(case(
            e.named("chunk size beyond 64 bits"),
            &{
                let mut req = e
                    .signed(&valid)
                    .without("Content-Length")
                    .header("Transfer-Encoding", "chunked");
                req.body = b"FFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n".to_vec();
                req
            },
            Expect::Status(400),
        ));
        rows.push(case(
            e.named("chunk size that is not hex"),
            &{
                let mut req = e
                    .signed(&valid)
                    .without("Content-Length")
                    .header("Transfer-Encoding", "chunked");
                req.body = b"zz\r\n{}\r\n0\r\n\r\n".to_vec();
                req
            },
            Expect::Status(400),
        ));

        // --- Framing and smuggling -------------------------------------------------------------
        rows.push(case(
            e.named("smuggling: Content-Length and Transfer-Encoding together"),
            &e.signed(&valid).header("Transfer-Encoding", "chunked"),
            Expect::Status(400),
        ));
        rows.push(case(
            e.named("smuggling: two different Content-Length headers"),
            &e.signed(&valid).header("Content-Length", "3"),
            Expect::Status(400),
        ));
        rows.push(case(
            e.named("negative Content-Length"),
            &e.signed(&valid)
                .without("Content-Length")
                .header("Content-Length", "-1"),
            Expect::Status(400),
        ));
        rows.push(case(
            e.named("non-numeric Content-Length"),
            &e.signed(&valid)
                .without("Content-Length")
                .header("Content-Length", "1e3"),
            Expect::Status(400),
        ));
        rows.push(case(
            e.named("Content-Length beyond 64 bits"),
            &e.signed(&valid)
                .without("Content-Length")
                .header("Content-Length", "99999999999999999999999"),
            Expect::Status(400),
        ));
        rows.push(case(
            e.named("unknown Transfer-Encoding"),
            &e.signed(&valid)
                .without("Content-Length")
                .header("Transfer-Encoding", "gzip, chunked, identity"),
            Expect::Status(400),
        ));
        rows.push(case(
            e.named("space between a header name and its colon"),
            &e.signed(&valid).header("X-Note ", "a"),
            Expect::Status(400),
        ));
        rows.push(case(
            e.named("two spaces in the request line"),
            &{
                let mut req = e.signed(&valid);
                req.line = [&b"POST  "[..], path.as_bytes(), b" HTTP/1.1"].concat();
                req
            },
            Expect::Status(400),
        ));
        rows.push(raw_case(
            e.named("unknown HTTP version"),
            [
                &b"POST "[..],
                path.as_bytes(),
                b" HTTP/9.9\r\nHost: x\r\n\r\n",
            ]
            .concat(),
            Expect::Status(400),
        ));
        rows.push(case(
            e.named("no Host header"),
            &e.signed(&valid).without("Host"),
            Expect::Status(400),
        ));
        rows.push(case(
            e.named("two Host headers (the signed one and another): refused by the HTTP parser"),
            &e.signed(&valid).header("Host", "evil.example"),
            Expect::Status(400),
        ));
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_smuggled_and_malformed_framing_gets_the_same_answer_on_every_interface() {
    let mut suite = Suite::start().await;
    let table = cases(&suite.target);
    suite.run(&table).await;
    suite.finish("framing", serde_json::json!({})).await;
}
