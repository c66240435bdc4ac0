//! The workspace's one test kit, used only as a dev-dependency (and by the end-to-end
//! crate): what the server's, the client's and the end-to-end tests all need, each piece
//! in a module of its own.
//!
//! - [`app`] (feature `app`): the server in-process from `Settings` on 127.0.0.1:0.
//! - [`process`]: a built binary of the workspace as a process, its banner, readiness.
//! - [`sign`]: `Authorization` values for (method, path?query, body), with options.
//! - [`raw`]: raw HTTP/1.1 over TCP, every byte chosen by the test.
//! - [`metrics`]: `/metrics` fetched and its samples read.
//! - [`rss`]: the resident memory of a process.
//! - [`ports`]: loopback ports for tests.
//! - [`cluster`]: a real `redis-server` and an `nginx` in front of several replicas.
//! - [`install`]: Debian programs installed when missing.

// Test code: a failed step is a failed test, so the kit panics where a step cannot go on
// (said here once rather than in a `# Panics` section on every function).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::missing_panics_doc
)]

#[cfg(feature = "app")]
pub mod app;
pub mod cluster;
pub mod install;
pub mod metrics;
pub mod ports;
pub mod process;
pub mod raw;
pub mod rss;
pub mod sign;

/// Why a test step failed.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;
