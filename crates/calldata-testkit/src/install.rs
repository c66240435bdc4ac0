//! Debian programs a test or the bench runs beside the binaries (redis-server, nginx,
//! systemd-analyze, ...), installed when missing.

use std::process::{Command, Stdio};

use crate::Failure;
use crate::cluster::find_program;

/// `program` runnable (found on `PATH`, in `/usr/sbin` or `/usr/bin`), installing the
/// Debian `package` with apt-get when it is missing and this runs as root (as in CI), the
/// way the xtasks install oha and schemathesis: what a test or bench needs is never
/// skipped.
pub fn ensure_installed(program: &str, version_arg: &str, package: &str) -> Result<(), Failure> {
    let runs = || {
        find_program(program).is_some_and(|path| {
            Command::new(path)
                .arg(version_arg)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    };
    if runs() {
        return Ok(());
    }
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    if uid != "0" {
        return Err(format!(
            "{program} is not installed and installing it needs root; run \
             `apt-get install -y {package}` and try again"
        )
        .into());
    }
    eprintln!("{program} is not installed; installing it with `apt-get install -y {package}`");
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    // A fresh machine may have no package lists yet: update once, then try again.
    let installed =
        apt(&["install", "-y", package]) || (apt(&["update"]) && apt(&["install", "-y", package]));
    if !installed || !runs() {
        return Err(format!(
            "`apt-get install -y {package}` did not make {program} runnable; install it by hand"
        )
        .into());
    }
    Ok(())
}
