//! `cargo xtask deny`: `cargo deny check` (advisories, licences, bans, sources), installing
//! cargo-deny when it is missing. This machine cannot reach the upstream advisory database,
//! so advisories are checked offline against a snapshot: `$CALLDATA_ADVISORY_DB`, else
//! `../shared/advisory-db` beside the workspace; it is copied into `target/advisory-db`
//! as the git repository cargo-deny expects. Without a snapshot, advisories are skipped and
//! the command says so.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use crate::command::{cargo, has_cargo_subcommand, run_checked, workspace_root};

/// The folder name cargo-deny derives from the upstream advisory-db URL.
const DB_FOLDER: &str = "advisory-db-3157b0e258782691";

/// Runs every cargo-deny check that can run here.
pub(crate) fn run() -> anyhow::Result<()> {
    if !has_cargo_subcommand("deny") {
        eprintln!("xtask: cargo-deny is missing; installing it (about 3 minutes, once)");
        let mut install = cargo();
        install.args(["install", "--locked", "cargo-deny"]);
        run_checked(install)?;
    }
    // `--offline` keeps cargo-deny off the network (it cannot reach the advisory database
    // upstream); fetch first so `cargo metadata` finds every crate of every platform.
    let mut fetch = cargo();
    fetch.args(["fetch", "--locked"]);
    run_checked(fetch)?;
    let mut check = cargo();
    check.args(["deny", "--offline", "check"]);
    let snapshot = snapshot();
    if let Some(source) = &snapshot {
        prepare_database(source)?;
        check.args(["advisories", "licenses", "bans", "sources"]);
    } else {
        eprintln!(
            "xtask: no advisory-db snapshot (set CALLDATA_ADVISORY_DB or place one at \
             ../shared/advisory-db); checking licences, bans and sources only"
        );
        check.args(["licenses", "bans", "sources"]);
    }
    eprintln!("xtask: running {check:?}");
    let output = check.output().context("running cargo deny")?;
    let log = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    eprintln!("{log}");
    let summary = log
        .lines()
        .rev()
        .find(|l| l.contains(" ok") || l.contains("FAILED"))
        .unwrap_or("");
    let record = serde_json::json!({
        "tool": "cargo deny --offline check",
        "advisory_snapshot": snapshot.is_some(),
        "passed": output.status.success(),
        "summary": summary.trim(),
    });
    let dir = workspace_root().join("target/reliability");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("deny.json"),
        serde_json::to_string_pretty(&record)?,
    )?;
    anyhow::ensure!(
        output.status.success(),
        "cargo deny found problems (see above)"
    );
    Ok(())
}

fn snapshot() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("CALLDATA_ADVISORY_DB").map(PathBuf::from),
        Some(workspace_root().join("../shared/advisory-db")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("crates").is_dir())
}

/// Copies the snapshot into `target/advisory-db/<folder>` as a one-commit git repository,
/// unless that copy is already there.
fn prepare_database(source: &Path) -> anyhow::Result<()> {
    let target = workspace_root().join("target/advisory-db").join(DB_FOLDER);
    if target.join(".git").is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(&target).with_context(|| format!("creating {}", target.display()))?;
    let mut copy = Command::new("cp");
    copy.arg("-R")
        .arg(source.join("crates"))
        .arg(source.join("rust"))
        .arg(&target);
    run_checked(copy)?;
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=snapshot",
            "-c",
            "user.email=snapshot@localhost",
            "commit",
            "-qm",
            "snapshot",
        ],
    ] {
        let mut git = Command::new("git");
        git.current_dir(&target).args(args);
        run_checked(git)?;
    }
    Ok(())
}
