//! `Authorization` and what it covers: a valid signature and its replay within the window
//! (the controls the raw requests of every topic are built like), the header repeated,
//! missing, empty, garbage or huge, timestamps out of the window, another body, another
//! access key, and the path and query exactly as sent. Every case is the signed pipeline's
//! (401 before any interface reads its body), so every case runs over every signed
//! interface.

use std::time::{Duration, SystemTime};

use super::{Case, Expect, Suite, Target, case, json_post_at, with_body, with_line};

#[allow(clippy::too_many_lines)] // the table
fn cases(t: &Target) -> Vec<Case> {
    let mut rows = Vec::new();
    for e in t.endpoints() {
        let valid = e.valid_body();
        // Control: the raw requests of every topic are built like this one, which works.
        rows.push(case(
            e.named("control: valid signed request"),
            &e.valid(),
            e.ok(),
        ));
        rows.push(case(
            e.named(
                "control: the same signature replayed within the window (documented: accepted; the window bounds replay)",
            ),
            &e.valid(),
            e.ok(),
        ));

        let signed = e.signed(&valid);
        let authorization = signed.header_value("Authorization").unwrap().to_vec();
        rows.push(case(
            e.named("Authorization repeated (the same valid value twice)"),
            &signed.clone().header("Authorization", &authorization),
            Expect::Status(401),
        ));
        rows.push(case(
            e.named("Authorization repeated (a valid value and garbage)"),
            &signed.clone().header("Authorization", "garbage"),
            Expect::Status(401),
        ));
        rows.push(case(
            e.named("Authorization missing"),
            &e.post(&valid),
            Expect::Status(401),
        ));
        rows.push(case(
            e.named("Authorization empty"),
            &e.post(&valid).header("Authorization", ""),
            Expect::Status(401),
        ));
        rows.push(case(
            e.named("Authorization garbage after the scheme (auth-v2/x)"),
            &e.post(&valid).header("Authorization", "auth-v2/x"),
            Expect::Status(401),
        ));
        rows.push(case(
            e.named("Authorization of 8 KiB"),
            &e.post(&valid)
                .header("Authorization", format!("auth-v2/{}", "a".repeat(8 * 1024))),
            Expect::Status(401),
        ));
        let minutes = |m: u64| Duration::from_secs(m * 60);
        rows.push(case(
            e.named("replayed signature: timestamp 20 minutes old"),
            &e.signed_at(&valid, SystemTime::now() - minutes(20)),
            Expect::Status(401),
        ));
        rows.push(case(
            e.named("signature from the future: timestamp 20 minutes ahead"),
            &e.signed_at(&valid, SystemTime::now() + minutes(20)),
            Expect::Status(401),
        ));
        rows.push(case(
            e.named("signature over another body of the same length (body swapped)"),
            &with_body(
                e.signed(e.valid_body_plus("\"n\":2")),
                e.valid_body_plus("\"n\":3"),
            ),
            Expect::Status(401),
        ));
        rows.push(case(
            e.named("signature of another access key (unknown AK)"),
            &{
                let authorization = json_post_at(
                    ("nobody", &t.sk),
                    &t.host,
                    e.path(),
                    valid.as_bytes(),
                    SystemTime::now(),
                );
                e.post(&valid).header("Authorization", authorization)
            },
            Expect::Status(401),
        ));

        // The path exactly as sent is signed, and nothing else: not its decoded form, not a
        // query string added to it.
        let (dir, name) = e.path().rsplit_once('/').unwrap();
        let (stem, last) = name.split_at(name.len() - 1);
        let encoded = format!("{dir}/{stem}%{:02X}", last.as_bytes()[0]);
        rows.push(case(
            e.named(
                "path: percent-encoded letter of the endpoint, signature over the path as sent (documented: the path exactly as sent is signed)",
            ),
            &{
                let authorization = json_post_at(
                    (&t.ak, &t.sk),
                    &t.host,
                    &encoded,
                    valid.as_bytes(),
                    SystemTime::now(),
                );
                with_line(
                    e.post(&valid).header("Authorization", authorization),
                    format!("POST {encoded} HTTP/1.1"),
                )
            },
            e.ok(),
        ));
        rows.push(case(
            e.named("path: percent-encoded letter of the endpoint, signed over the decoded path"),
            &with_line(e.signed(&valid), format!("POST {encoded} HTTP/1.1")),
            Expect::Status(401),
        ));
        rows.push(case(
            e.named("path: unsigned query string appended"),
            &with_line(
                e.signed(&valid),
                format!("POST {}?ccId=2 HTTP/1.1", e.path()),
            ),
            Expect::Status(401),
        ));
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signatures_get_401_and_good_ones_pass_on_every_interface() {
    let mut suite = Suite::start().await;
    let table = cases(&suite.target);
    suite.run(&table).await;
    suite.finish("signatures", serde_json::json!({})).await;
}
