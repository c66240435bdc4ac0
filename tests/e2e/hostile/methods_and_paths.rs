//! Methods and paths: every interface's path written another way (dot segments, encoded
//! separators, another case, a trailing slash or NUL or `;`), which must not reach it (404),
//! paths that reach for files, the absolute form of a request target, which does; every
//! method but `POST` on an interface (405 naming `POST`), and methods the grammar refuses.
//! Routing is the same for every interface, so every case aimed at one runs over each.

use super::{Case, Expect, Req, Suite, Target, case, with_line};

/// `path` written in ways that are not `path` to the router: each must answer 404.
fn other_spellings(path: &str) -> Vec<String> {
    let (dir, name) = path.rsplit_once('/').unwrap();
    let (_, last_dir) = dir.rsplit_once('/').unwrap();
    let (first, rest) = name.split_at(1);
    let rest_of_path = path.strip_prefix("/rest").unwrap();
    vec![
        format!("{dir}/../{last_dir}/{name}"),
        format!("{dir}/%2e%2e/{last_dir}/{name}"),
        format!("{dir}/%2E%2E/%2E%2E/{last_dir}/{name}"),
        format!("{dir}/./{name}"),
        format!("{dir}%2F{name}"),
        format!("/{path}"),
        format!("/REST{rest_of_path}"),
        format!("{dir}/{}{rest}", first.to_ascii_uppercase()),
        format!("{dir}/{}", name.to_ascii_uppercase()),
        format!("{path}/"),
        format!("{path}%00"),
        format!("{path};.json"),
    ]
}

#[allow(clippy::too_many_lines)] // the table
fn cases(t: &Target) -> Vec<Case> {
    let q = t.query();
    let signed = |target: &[u8]| {
        let line = [&b"POST "[..], target, b" HTTP/1.1"].concat();
        with_line(q.valid(), line)
    };
    let mut rows = Vec::new();
    // Paths that aim past the routes, and the spelling of Huawei's documents.
    for target in [
        &b"/rest/cmsapp/v1/openapi/calldata/QueryBasicCallInfo"[..],
        b"/../../../../etc/passwd",
        b"/%2e%2e/%2e%2e/etc/passwd",
        b"/healthz/../metrics",
        b"/%ff%fe",
        b"*",
    ] {
        rows.push(case(
            format!("path: {}", String::from_utf8_lossy(target)),
            &signed(target),
            Expect::Status(404),
        ));
    }
    rows.push(case(
        "path: 10 KiB long",
        &with_line(
            q.valid(),
            format!("POST /{} HTTP/1.1", "a".repeat(10 * 1024)),
        ),
        Expect::Status(404),
    ));
    rows.push(case(
        "method: CONNECT: 400 and close (actix-http would read its body to the end of the connection)",
        &Req::new("CONNECT", t.host.as_bytes(), &t.host),
        Expect::Status(400),
    ));
    rows.push(case(
        "method: POST to /healthz",
        &Req::new("POST", b"/healthz", &t.host),
        Expect::MethodNotAllowed("GET"),
    ));

    for e in t.endpoints() {
        let path = e.path().as_bytes();
        for target in other_spellings(e.path()) {
            rows.push(case(
                e.named(format!("path: {target}")),
                &with_line(e.valid(), format!("POST {target} HTTP/1.1")),
                Expect::Status(404),
            ));
        }
        rows.push(case(
            e.named("path: absolute-form request target"),
            &with_line(
                e.valid(),
                format!("POST http://{}{} HTTP/1.1", t.host, e.path()),
            ),
            e.ok(),
        ));
        for method in [
            "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO", "post",
        ] {
            rows.push(case(
                e.named(format!("method: {method}")),
                &with_line(
                    e.valid(),
                    [method.as_bytes(), b" ", path, b" HTTP/1.1"].concat(),
                ),
                Expect::MethodNotAllowed("POST"),
            ));
        }
        rows.push(case(
            e.named("method: HEAD"),
            &Req::new("HEAD", path, &t.host),
            Expect::MethodNotAllowed("POST"),
        ));
        rows.push(case(
            e.named("method: not a token (G@T)"),
            &Req::new("G@T", path, &t.host),
            Expect::Status(400),
        ));
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_spellings_of_a_path_miss_it_and_other_methods_get_405_on_every_interface() {
    let mut suite = Suite::start().await;
    let table = cases(&suite.target);
    suite.run(&table).await;
    suite
        .finish("methods_and_paths", serde_json::json!({}))
        .await;
}
