//! `cargo xtask`: the project's automation, in Rust, one module per command.

mod bench;
mod ci;
mod command;
mod deny;
mod fuzz;
mod openapi;
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
    /// Measure calldata against a bare actix-web ceiling in the same run (issue 6) and
    /// write docs/performance.md and docs/performance.json.
    Bench(bench::Args),
    /// Run every check CI runs: formatting, clippy, all tests (nextest), doc tests, cargo-deny.
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
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.task {
        Task::Bench(args) => bench::run(&args),
        Task::Ci(args) => ci::run(&args),
        Task::Openapi(args) => openapi::run(&args),
        Task::Deny => deny::run(),
        Task::Fuzz(args) => fuzz::run(&args),
        Task::Schemathesis(args) => schemathesis::run(&args),
        Task::Soak(args) => soak::run(&args),
        Task::Reliability(args) => reliability::run(&args),
    }
}
