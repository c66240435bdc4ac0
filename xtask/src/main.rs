//! `cargo xtask`: the project's automation, in Rust, one module per command.

mod ci;
mod command;
mod openapi;

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
    /// Run every check CI runs: formatting, clippy, all tests (nextest) and doc tests.
    Ci(ci::Args),
    /// Write the server's OpenAPI document to docs/openapi.json.
    Openapi(openapi::Args),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.task {
        Task::Ci(args) => ci::run(&args),
        Task::Openapi(args) => openapi::run(&args),
    }
}
