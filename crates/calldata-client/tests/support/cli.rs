//! The `calldata` binary for the tests that run it (they need the `cli` feature, which
//! builds it): with an empty environment, or pointed at a test server.

use assert_cmd::Command;

use super::support::RealServer;

/// The binary with an empty environment: UTC, and a data directory that does not exist.
pub fn calldata() -> Command {
    let mut command = assert_cmd::cargo::cargo_bin_cmd!("calldata");
    command
        .env_clear()
        .env("TZ", "UTC")
        .env("CALLDATA_DATA_DIR", "/nonexistent/calldata-cli-test");
    command
}

/// The binary pointed at `server` with every connection option given explicitly.
pub fn calldata_at(server: &RealServer, ak: &str, sk: &str) -> Command {
    let mut command = calldata();
    command.args([
        "--url",
        &server.base_url,
        "--ak",
        ak,
        "--sk",
        sk,
        "--ca-cert",
    ]);
    command.arg(server.ca_cert());
    command
}
