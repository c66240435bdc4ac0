//! `cargo xtask`: the project's automation, in Rust, one module per command.

mod api;
mod bench;
mod ci;
mod command;
mod deny;
mod fuzz;
mod openapi;
mod package;
mod reliability;
mod schemathesis;
mod soak;
#[cfg(test)]
mod tidy;

use clap::{Parser, Subcommand};

/// Maintainer tasks for the calldata workspace.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Build the published crates' docs as docs.rs does (warnings are errors) and compare
    /// their public API with docs/public-api/ (--bless writes it).
    Api(api::Args),
    /// Measure calldata against a bare actix-web ceiling in the same run (issue 6) and
    /// write docs/performance.md and docs/performance.json.
    Bench(bench::Args),
    /// Run every check CI runs: formatting, clippy, all tests (nextest), doc tests, the
    /// publish and API checks, cargo-deny.
    Ci(ci::Args),
    /// Check dependencies with cargo-deny (advisories from the offline snapshot, licences, bans, sources).
    Deny,
    /// Run every fuzz target (cargo-fuzz, nightly) for --seconds each.
    Fuzz(fuzz::Args),
    /// Test the running server against its own OpenAPI document with schemathesis.
    Schemathesis(schemathesis::Args),
    /// Mixed traffic against server + BMS emulator for --minutes; reports errors, p99, RSS.
    Soak(soak::Args),
    /// Run the hardening tools and write docs/reliability.md from their figures.
    Reliability(reliability::Args),
    /// Write the server's OpenAPI document to docs/openapi.json.
    Openapi(openapi::Args),
    /// Check that calldata-model and calldata-client package and verify for crates.io
    /// (metadata, licence files, library-only dependencies, MSRV, publish dry run).
    Package(package::Args),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.task {
        Task::Api(args) => api::run(&args),
        Task::Bench(args) => bench::run(&args),
        Task::Ci(args) => ci::run(&args),
        Task::Openapi(args) => openapi::run(&args),
        Task::Package(args) => package::run(&args),
        Task::Deny => deny::run(),
        Task::Fuzz(args) => fuzz::run(&args),
        Task::Schemathesis(args) => schemathesis::run(&args),
        Task::Soak(args) => soak::run(&args),
        Task::Reliability(args) => reliability::run(&args),
    }
}
