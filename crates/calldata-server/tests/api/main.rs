//! End-to-end tests of the real server on a random loopback port, over HTTP(S), signing
//! with the model's `auth-v2` signer. One test binary, one module per concern.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)] // test code

mod helpers;

mod auth;
mod binary;
mod bms;
mod console;
mod cti_server_time;
mod dual_stack;
mod interfaces;
mod limits;
mod openapi;
mod operations;
mod query;
mod real_time;
mod records;
mod replay;
mod request_log;
mod sandbox;
mod transport;
