//! `cargo xtask fuzz --seconds N`: runs every libFuzzer target in `fuzz/` for N seconds each
//! (cargo-fuzz on the nightly toolchain; cargo-fuzz is installed when missing). A crash
//! fails the command and leaves its input in `fuzz/artifacts/<target>/`; copy it into
//! `crates/calldata-model/tests/data/fuzz-regressions/<target>/` so the regression test
//! replays it forever.

use crate::command::{cargo, has_cargo_subcommand, run_checked, workspace_root};

/// The fuzz targets, in `fuzz/fuzz_targets/`.
const TARGETS: [&str; 3] = ["request_body", "authorization", "lenient_reply"];

/// Options of `cargo xtask fuzz`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Seconds per target.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
}

impl Args {
    /// Options for a run driven by `cargo xtask reliability`.
    pub(crate) fn with_seconds(value: u64) -> Self {
        Self { seconds: value }
    }
}

/// Runs each target for the given time.
pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    if !has_cargo_subcommand("fuzz") {
        eprintln!("xtask: cargo-fuzz is missing; installing it (once)");
        let mut install = cargo();
        install.args(["install", "--locked", "cargo-fuzz"]);
        run_checked(install)?;
    }
    let fuzz_dir = workspace_root().join("fuzz");
    let mut records: Vec<serde_json::Value> = Vec::new();
    for target in TARGETS {
        let corpus = fuzz_dir.join("corpus").join(target);
        std::fs::create_dir_all(&corpus)?;
        let mut command = std::process::Command::new("cargo");
        command
            .current_dir(&fuzz_dir)
            .env_remove("CARGO")
            .env_remove("RUSTUP_TOOLCHAIN")
            .args(["+nightly", "fuzz", "run", target])
            .arg(&corpus)
            .arg(fuzz_dir.join("seeds").join(target))
            .arg("--")
            .arg(format!("-max_total_time={}", args.seconds))
            .arg("-rss_limit_mb=2048");
        eprintln!("xtask: fuzzing {target} for {} s", args.seconds);
        let output = command.output()?;
        let log = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            eprintln!("{log}");
            anyhow::bail!("fuzz target {target} failed; its input is in fuzz/artifacts/{target}/");
        }
        let runs = log
            .lines()
            .rev()
            .find_map(|l| {
                l.strip_prefix("Done ")
                    .and_then(|r| r.split_whitespace().next())
            })
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        eprintln!("xtask: {target}: {runs} runs, no crash");
        records.push(serde_json::json!({
            "target": target,
            "seconds": args.seconds,
            "runs": runs,
            "crashes": 0,
        }));
    }
    let dir = workspace_root().join("target/reliability");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("fuzz.json"),
        serde_json::to_string_pretty(&records)?,
    )?;
    eprintln!(
        "xtask: every fuzz target ran {} s without a crash",
        args.seconds
    );
    Ok(())
}
