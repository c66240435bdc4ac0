//! `cargo xtask ci`: the same steps as `.ci/run`, for running locally.

use crate::command::{cargo, has_cargo_subcommand, run_checked};

/// Features every workspace-wide step builds with: the client's `cli` (off by default, so
/// that a library user gets no CLI crates) brings in the `calldata` binary and its tests.
/// One set for clippy, the tests and the doc tests, so that none rebuilds what another built.
const FEATURES: [&str; 2] = ["--features", "calldata-client/cli"];

/// Options of `cargo xtask ci`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Skip `cargo fmt --check` and clippy (tests and audit only).
    #[arg(long)]
    tests_only: bool,
}

/// Formatting, lints, every test (nextest, or `cargo test` where nextest is missing), doc
/// tests, the published crates' checks (`cargo xtask package`, `cargo xtask api`), then the
/// dependency audit (`cargo xtask deny`).
pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    if !args.tests_only {
        let mut fmt = cargo();
        fmt.args(["fmt", "--all", "--check"]);
        run_checked(fmt)?;
        let mut clippy = cargo();
        clippy.args(["clippy", "--workspace", "--all-targets", "--locked"]);
        clippy.args(FEATURES);
        clippy.args(["--", "-D", "warnings"]);
        run_checked(clippy)?;
    }
    let mut tests = cargo();
    if has_cargo_subcommand("nextest") {
        tests.args([
            "nextest",
            "run",
            "--workspace",
            "--locked",
            "--profile",
            "ci",
        ]);
    } else {
        eprintln!("xtask: cargo-nextest is not installed; running cargo test instead");
        tests.args([
            "test",
            "--workspace",
            "--locked",
            "--lib",
            "--bins",
            "--tests",
        ]);
    }
    tests.args(FEATURES);
    run_checked(tests)?;
    let mut doc_tests = cargo();
    doc_tests.args(["test", "--workspace", "--locked", "--doc"]);
    doc_tests.args(FEATURES);
    run_checked(doc_tests)?;
    crate::package::run(&crate::package::Args { offline: false })?;
    crate::api::run(&crate::api::Args { bless: false })?;
    crate::deny::run()?;
    eprintln!("xtask: ci passed");
    Ok(())
}
