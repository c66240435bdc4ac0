//! With the request log on (`info`), the query answers exactly as without it, from the
//! path that builds the call, and the log line carries the call's numbers masked and the
//! client address in canonical form.
//!
//! The subscriber is process-wide: the server's workers are threads of their own. nextest
//! runs every test in a process of its own, so it reaches no other test.

use std::io::Write;
use std::sync::{Arc, Mutex};

use calldata_server::request_log::mask_number;

use crate::helpers::{assert_found_envelope, existing_call, query_body, spawn_app, spawn_app_with};

/// Appends what the subscriber writes to a shared buffer.
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends what the server logs at `info` and above to the returned buffer.
fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || Captured(sink.clone()))
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    buffer
}

#[actix_web::test]
async fn on_a_dual_stack_listener_an_ipv4_client_is_logged_as_its_ipv4_address() {
    let buffer = capture_logs();
    let app = spawn_app_with(|s| s.listen = "[::]:0".parse().unwrap()).await;
    let (key, _) = existing_call();
    assert_eq!(app.query(&query_body(&key)).await.status(), 200);
    let logs = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    let line = logs
        .lines()
        .find(|l| l.contains("route=\"query\"") || l.contains("route=query"))
        .unwrap_or_else(|| panic!("no request line for the query in\n{logs}"));
    assert!(line.contains("client=127.0.0.1"), "{line}");
    assert!(!line.contains("::ffff:"), "{line}");
}

#[actix_web::test]
async fn with_the_request_log_on_a_call_is_answered_the_same_and_logged_masked() {
    let buffer = capture_logs();
    let app = spawn_app().await;
    let (key, expected) = existing_call();
    let text = app.query(&query_body(&key)).await.text().await.unwrap();
    assert_found_envelope(&text, &expected);

    let logs = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    let line = logs
        .lines()
        .find(|l| l.contains("route=\"query\"") || l.contains("route=query"))
        .unwrap_or_else(|| panic!("no request line for the query in\n{logs}"));
    // The numbers reach the line only on the path that builds the call.
    assert!(line.contains(&mask_number(&expected.calling_num)), "{line}");
    assert!(line.contains(&mask_number(&expected.called_num)), "{line}");
    assert!(!logs.contains(&expected.calling_num), "{logs}");
}
