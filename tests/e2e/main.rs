//! End-to-end tests: the real binaries, started as processes, talking over real sockets.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

mod bms_backend;
mod bms_tls;
mod connections;
mod deployment;
mod dual_stack_lockout;
mod faults_under_load;
mod hostile;
mod independent_signers;
mod readyz_flood;
mod refused_log;
mod replicas;
mod server_binary;
mod shutdown_under_load;
